/**
 * Mergeable histograms with constant memory, for quantiles across any number of
 * replications and shards. Plain JSON; merging adds bin counts, so shards merge exactly
 * and in any order.
 *
 * - Log-binned (durations): 20 bins per decade from 1 ms to 1e10 s, plus a bin for 0
 *   and exact count, sum, min and max. A quantile is the geometric middle of its bin,
 *   clamped to [min, max]: relative error at most 10^(1/40) - 1 = 5.9%.
 * - Linear (fractions in [0, 1]): 100 bins of width 0.01, plus exact max.
 */

const PER_DECADE = 20;
const MIN_EXP = -3;
const MAX_EXP = 10;
/** Number of log bins. */
export const LOG_BINS = (MAX_EXP - MIN_EXP) * PER_DECADE;

/** A log-binned histogram of non-negative values. */
export interface LogHistogram {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Values equal to 0 (or below 1 ms). */
  zeros: number;
  /** Counts per bin; bin b holds [10^(MIN_EXP + b/20), 10^(MIN_EXP + (b+1)/20)). Empty until the first value >= 1 ms (most per-replication histograms stay small). */
  bins: number[];
}

/** An empty log histogram. */
export function logHistogram(): LogHistogram {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, zeros: 0, bins: [] };
}

/** Adds a value (>= 0). */
export function addLog(h: LogHistogram, x: number): void {
  h.count++;
  h.sum += x;
  if (x < h.min) h.min = x;
  if (x > h.max) h.max = x;
  if (!(x >= 10 ** MIN_EXP)) {
    h.zeros++;
    return;
  }
  const b = Math.min(LOG_BINS - 1, Math.floor((Math.log10(x) - MIN_EXP) * PER_DECADE));
  if (h.bins.length === 0) h.bins = new Array(LOG_BINS).fill(0);
  h.bins[b]++;
}

/** Adds `b` into `a`. */
export function mergeLog(a: LogHistogram, b: LogHistogram): void {
  a.count += b.count;
  a.sum += b.sum;
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  a.zeros += b.zeros;
  if (b.bins.length === 0) return;
  if (a.bins.length === 0) a.bins = new Array(LOG_BINS).fill(0);
  for (let i = 0; i < LOG_BINS; i++) a.bins[i] += b.bins[i];
}

/** The q-quantile (0 <= q <= 1), NaN when empty. */
export function logQuantile(h: LogHistogram, q: number): number {
  if (h.count === 0) return NaN;
  const rank = q * h.count;
  let acc = h.zeros;
  if (rank <= acc && h.zeros > 0) return Math.max(0, h.min);
  for (let b = 0; b < h.bins.length; b++) {
    acc += h.bins[b];
    if (acc >= rank && h.bins[b] > 0) {
      const mid = 10 ** (MIN_EXP + (b + 0.5) / PER_DECADE);
      return Math.min(h.max, Math.max(h.min, mid));
    }
  }
  return h.max;
}

/** Bins of the linear histogram. */
export const LIN_BINS = 100;

/** A histogram of fractions in [0, 1]. */
export interface LinHistogram {
  count: number;
  sum: number;
  max: number;
  /** Bin i holds (i/100, (i+1)/100]; bin 0 also holds 0. */
  bins: number[];
}

/** An empty linear histogram. */
export function linHistogram(): LinHistogram {
  return { count: 0, sum: 0, max: 0, bins: [] };
}

/** Adds a fraction in [0, 1]. */
export function addLin(h: LinHistogram, x: number): void {
  h.count++;
  h.sum += x;
  if (x > h.max) h.max = x;
  if (h.bins.length === 0) h.bins = new Array(LIN_BINS).fill(0);
  h.bins[Math.min(LIN_BINS - 1, Math.max(0, Math.ceil(x * LIN_BINS - 1e-9) - 1))]++;
}

/** Adds `b` into `a`. */
export function mergeLin(a: LinHistogram, b: LinHistogram): void {
  a.count += b.count;
  a.sum += b.sum;
  a.max = Math.max(a.max, b.max);
  if (b.bins.length === 0) return;
  if (a.bins.length === 0) a.bins = new Array(LIN_BINS).fill(0);
  for (let i = 0; i < LIN_BINS; i++) a.bins[i] += b.bins[i];
}

/** The q-quantile (upper edge of its bin, at most max), NaN when empty. */
export function linQuantile(h: LinHistogram, q: number): number {
  if (h.count === 0) return NaN;
  const rank = q * h.count;
  let acc = 0;
  for (let i = 0; i < h.bins.length; i++) {
    acc += h.bins[i];
    if (acc >= rank && h.bins[i] > 0) return Math.min(h.max, (i + 1) / LIN_BINS);
  }
  return h.max;
}

/** A histogram bin for reports and charts: values in [lo, hi), and how many. */
export interface Bin {
  lo: number;
  hi: number;
  count: number;
}

/** The non-empty bins of a log histogram, in increasing order; values below 1 ms form the bin [0, 0.001). */
export function logBins(h: LogHistogram): Bin[] {
  const out: Bin[] = [];
  if (h.zeros > 0) out.push({ lo: 0, hi: 10 ** MIN_EXP, count: h.zeros });
  h.bins.forEach((count, b) => {
    if (count > 0) out.push({ lo: 10 ** (MIN_EXP + b / PER_DECADE), hi: 10 ** (MIN_EXP + (b + 1) / PER_DECADE), count });
  });
  return out;
}

/** The non-empty bins of a linear histogram (bin i holds (i/100, (i+1)/100]). */
export function linBins(h: LinHistogram): Bin[] {
  const out: Bin[] = [];
  h.bins.forEach((count, i) => {
    if (count > 0) out.push({ lo: i / LIN_BINS, hi: (i + 1) / LIN_BINS, count });
  });
  return out;
}
