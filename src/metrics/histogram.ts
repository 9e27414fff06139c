/**
 * A mergeable histogram of fractions in [0, 1] with constant memory: 100 bins of width
 * 0.01 and the exact max. Plain JSON; merging adds bin counts, so shards merge exactly
 * and in any order. A quantile is the upper edge of its bin (at most the max): at most
 * 0.01 above the exact order statistic. Durations use the quantile sketch (sketch.ts).
 */
import type { Bin } from './sketch.js';
import { FRACTION } from './stats.js';

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
  // sum and max doubles from the start (see FRACTION in stats.ts).
  const h = { count: 0, sum: FRACTION, max: FRACTION, bins: [] };
  h.sum = h.max = 0;
  return h;
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

/** The non-empty bins of a linear histogram (bin i holds (i/100, (i+1)/100]). */
export function linBins(h: LinHistogram): Bin[] {
  const out: Bin[] = [];
  h.bins.forEach((count, i) => {
    if (count > 0) out.push({ lo: i / LIN_BINS, hi: (i + 1) / LIN_BINS, count });
  });
  return out;
}
