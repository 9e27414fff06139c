/**
 * A mergeable quantile sketch of non-negative values (durations in seconds), after
 * DDSketch (Masson, Rim and Lee, VLDB 2019), with bounded memory and exact small samples.
 *
 * Contract, for the q-quantile defined as the order statistic x_(k), k = max(1, ceil(q n))
 * of the n values added (the inverse of the empirical CDF):
 * - while n <= EXACT_LIMIT the values themselves are kept and the quantile is exact;
 * - beyond, the value is estimated from log-spaced buckets: bucket i holds the values in
 *   (gamma^(i-1), gamma^i] with gamma = 1.01, and its estimate 2 gamma^i / (gamma + 1) is
 *   within a relative error SKETCH_ALPHA = (gamma - 1) / (gamma + 1) = 1/201 (0.4975%) of
 *   every value in it. Bucket counts are exact, so the bucket that holds x_(k) is found
 *   exactly, and the estimate is within SKETCH_ALPHA of x_(k) itself (clamped to the exact
 *   min and max, which only brings it closer). A bucket whose values are all the same
 *   (a deterministic delay, a number of heartbeat periods) knows that value and gives it
 *   exactly;
 * - values below SKETCH_MIN (1 ns; 0 included) are counted apart as zeros and reported as
 *   0; values above SKETCH_MAX (about 31,700 years) share the top bucket (the exact max
 *   still bounds them).
 * Rounding an estimate to 3 significant digits adds at most 0.5%, so a printed quantile
 * is within 1% of the exact order statistic (0.4975% x 1.005 + 0.5% < 1%).
 *
 * Plain JSON (the sweep journal writes it, worker threads clone it): buckets are dense
 * arrays (counts, and each bucket's sole value or -1) from `offset` (the lowest bucket
 * used) to the highest bucket used, at most SKETCH_BUCKETS long; V8 keeps such arrays of
 * numbers unboxed, and JSON writes the -1 of a bucket with mixed values in two bytes.
 * While the values themselves are kept (`exact` not null) they are the sketch and the
 * buckets are not kept (left empty): they are made from the values when the sketch
 * drops them (its EXACT_LIMIT + 1st value, or a merge past it) and, for a chart, by
 * `sketchBins`. A bucket's count and sole value depend only on the values in it, so the
 * buckets are the same whenever they are made (a bucket array a sketch has while
 * `exact` is not null, as sketches written before this rule have, is ignored). A
 * replication's sketches, which hold a few values over a thousand buckets' span, then
 * allocate no bucket arrays. Exact zeros (x === 0) are not kept among the values: they
 * are the `count - exact.length` values the kept ones lack (a sketch written with zeros
 * among its values, as older ones were, reads the same), so that a history's monthly
 * downtimes, mostly zero, cost a count each (`addZeros`) instead of an entry each. Merging adds
 * counts: the buckets, counts, min, max and exact samples of a merge do not depend on the
 * order of the operands, and every quantile is order-independent; `sum` (for the mean) is
 * a floating-point sum, so merge in a fixed order (shard order) for reproducible bytes.
 */
import { doubles, FRACTION } from './stats.js';

/** Bucket ratio gamma = (1 + alpha) / (1 - alpha). */
export const SKETCH_GAMMA = 1.01;
/** Relative accuracy of an estimated quantile: (gamma - 1) / (gamma + 1) = 1/201. */
export const SKETCH_ALPHA = (SKETCH_GAMMA - 1) / (SKETCH_GAMMA + 1);
/** While a sketch holds at most this many values it keeps them all and its quantiles are exact. */
export const EXACT_LIMIT = 1000;
/** Values below this (seconds; 0 included) count as zeros. */
export const SKETCH_MIN = 1e-9;
/** Values above this (seconds) fall in the top bucket. */
export const SKETCH_MAX = 1e12;

const LN_GAMMA = Math.log(SKETCH_GAMMA);
const MIN_INDEX = Math.ceil(Math.log(SKETCH_MIN) / LN_GAMMA);
const MAX_INDEX = Math.ceil(Math.log(SKETCH_MAX) / LN_GAMMA);
/** The most buckets a sketch can hold (its memory bound: about 4,900 counts). */
export const SKETCH_BUCKETS = MAX_INDEX - MIN_INDEX + 1;

/** A quantile sketch. Plain JSON; build with `sketch()`, change with `addSketch` and `mergeSketch`. */
export interface QuantileSketch {
  /** Values added. */
  count: number;
  /** Their sum (for the mean). */
  sum: number;
  /** Exact smallest and largest value (Infinity and -Infinity when empty). */
  min: number;
  max: number;
  /** Values below SKETCH_MIN (exact zeros included). */
  zeros: number;
  /** Bucket index of bins[0]; bucket i holds the values in (gamma^(i-1), gamma^i]. 0 while `exact` is not null. */
  offset: number;
  /**
   * Counts of buckets offset, offset + 1, ...; empty while `exact` is not null (the values
   * are the sketch then: `sketchBins` gives a chart's bins either way) and until the first
   * value >= SKETCH_MIN.
   */
  bins: number[];
  /** Per bucket, indexed like `bins`: the value of all its values when they are the same, -1 when they differ, 0 when empty. */
  sole: number[];
  /**
   * While count <= EXACT_LIMIT, every value added other than exact zeros, in no particular
   * order (the `count - exact.length` values it lacks are zeros; see the module's
   * contract); null beyond.
   */
  exact: number[] | null;
}

/** An empty sketch (its sum and arrays doubles from the start: see `doubles` and `emptyDoubles`). */
export function sketch(): QuantileSketch {
  const s = { count: 0, sum: FRACTION, min: Infinity, max: -Infinity, zeros: 0, offset: 0, bins: emptyDoubles(), sole: emptyDoubles(), exact: doubles(0) };
  s.sum = 0;
  return s;
}

/** The bucket index of a value >= SKETCH_MIN. */
function bucketOf(x: number): number {
  return Math.min(MAX_INDEX, Math.ceil(Math.log(x) / LN_GAMMA));
}

/**
 * `n` zeros followed by the entries of `tail`, as a new array of its final length, of
 * doubles from the start (V8's holey-double kind, as every array of a sketch: see
 * `emptyDoubles`), filled by a loop (`fill` and `concat` are calls into the runtime).
 */
function zerosThen(n: number, tail: readonly number[]): number[] {
  const a = new Array<number>(n + tail.length);
  // Doubles from the start (see `doubles` in stats.ts); the loops overwrite a[0] (n + tail.length >= 1).
  a[0] = FRACTION;
  for (let i = 0; i < n; i++) a[i] = 0;
  for (let i = 0; i < tail.length; i++) a[n + i] = tail[i];
  return a;
}

/**
 * An empty array of the kind `zerosThen` makes: a sketch's arrays are all of one kind, so
 * that the code reading them never meets another (V8 throws compiled code away when it does).
 */
function emptyDoubles(): number[] {
  // A copy of a kept one: one builtin call (setting `length` goes to the runtime).
  return EMPTY_DOUBLES.slice();
}

/** The empty array `emptyDoubles` copies (never changed). */
const EMPTY_DOUBLES: readonly number[] = (() => {
  const a = new Array<number>(1);
  a[0] = FRACTION;
  a.length = 0;
  return a;
})();

const NONE: readonly number[] = [];

/** Makes room for buckets lo..hi in `s` (growing its dense array on either side). */
function reserve(s: QuantileSketch, lo: number, hi: number): void {
  if (s.bins.length === 0) {
    s.offset = lo;
    s.bins = zerosThen(hi - lo + 1, NONE);
    s.sole = zerosThen(hi - lo + 1, NONE);
    return;
  }
  if (lo < s.offset) {
    s.bins = zerosThen(s.offset - lo, s.bins);
    s.sole = zerosThen(s.offset - lo, s.sole);
    s.offset = lo;
  }
  const top = s.offset + s.bins.length - 1;
  for (let i = top; i < hi; i++) {
    s.bins.push(0);
    s.sole.push(0);
  }
}

/** Adds `count` values to bucket j of `s` (which exists); `sole` their common value, or -1 when they differ. */
function fill(s: QuantileSketch, j: number, count: number, sole: number): void {
  // Both entries read on every call (no branch that early histories never take, whose
  // missing type feedback would make V8 throw away the code compiled for this).
  const had = s.bins[j];
  const was = s.sole[j];
  s.sole[j] = had === 0 ? sole : was !== sole ? -1 : was;
  s.bins[j] = had + count;
}

/** Adds a value (>= 0; seconds or any unit). */
export function addSketch(s: QuantileSketch, x: number): void {
  s.count++;
  s.sum += x;
  if (x < s.min) s.min = x;
  if (x > s.max) s.max = x;
  if (!(x >= SKETCH_MIN)) s.zeros++;
  if (s.exact !== null) {
    if (s.count <= EXACT_LIMIT) {
      if (x !== 0) s.exact.push(x);
      return;
    }
    // The values kept so far go to buckets; from now on only the buckets are kept.
    toBuckets(s);
  }
  if (x >= SKETCH_MIN) addToBucket(s, x);
}

/** Adds `n` (a whole number >= 0) zeros: `addSketch(s, 0)` `n` times, at the cost of one. */
export function addZeros(s: QuantileSketch, n: number): void {
  if (!(n >= 0) || n !== Math.floor(n)) throw new RangeError(`addZeros: ${n} is not a count of zeros`);
  if (n === 0) return;
  s.count += n;
  s.zeros += n;
  // sum + 0 is sum (it is never -0: it starts at +0 and adds values >= 0).
  if (0 < s.min) s.min = 0;
  if (0 > s.max) s.max = 0;
  // Zeros have no bucket: past EXACT_LIMIT only the kept values move to buckets.
  if (s.exact !== null && s.count > EXACT_LIMIT) toBuckets(s);
}

/** Adds `x` (>= SKETCH_MIN) to its bucket (already counted in count, sum, min and max). */
function addToBucket(s: QuantileSketch, x: number): void {
  const i = bucketOf(x);
  if (s.bins.length === 0 || i < s.offset || i >= s.offset + s.bins.length) reserve(s, i, i);
  fill(s, i - s.offset, 1, x);
}

/**
 * Puts the values `s` keeps (`exact`, not null) in buckets made afresh, and drops them:
 * the buckets the sketch would have had had it kept them from the start (see the module's
 * contract). The buckets span the values' lowest to highest bucket, made at that length at once.
 */
function toBuckets(s: QuantileSketch): void {
  const values = s.exact!;
  s.exact = null;
  s.bins = emptyDoubles();
  s.sole = emptyDoubles();
  s.offset = 0;
  addToBuckets(s, values);
}

/**
 * Adds `values` (already counted in count, sum, min, max and zeros) to the buckets of `s`
 * (which keeps no values): room for their lowest to highest bucket made at once (those of
 * the smallest value >= SKETCH_MIN and of the largest: `bucketOf` does not decrease), then
 * each value >= SKETCH_MIN in its bucket.
 */
function addToBuckets(s: QuantileSketch, values: readonly number[]): void {
  let smallest = Infinity;
  let largest = 0;
  for (let k = 0; k < values.length; k++) {
    const x = values[k];
    if (!(x >= SKETCH_MIN)) continue;
    if (x < smallest) smallest = x;
    if (x > largest) largest = x;
  }
  if (largest === 0) return;
  reserve(s, bucketOf(smallest), bucketOf(largest));
  for (let k = 0; k < values.length; k++) if (values[k] >= SKETCH_MIN) addToBucket(s, values[k]);
}

/** Adds `b` into `a` (b unchanged). */
export function mergeSketch(a: QuantileSketch, b: QuantileSketch): void {
  if (b.count === 0) return;
  const exact = a.exact !== null && b.exact !== null && a.count + b.count <= EXACT_LIMIT;
  if (exact) a.exact = a.exact!.concat(b.exact!);
  else if (a.exact !== null) toBuckets(a);
  a.count += b.count;
  a.sum += b.sum;
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  a.zeros += b.zeros;
  if (exact) return;
  if (b.exact !== null) {
    // b's values one by one: the buckets of a merge of b's buckets (see the module's contract).
    addToBuckets(a, b.exact);
    return;
  }
  if (b.bins.length === 0) return;
  reserve(a, b.offset, b.offset + b.bins.length - 1);
  const shift = b.offset - a.offset;
  for (let i = 0; i < b.bins.length; i++) if (b.bins[i] > 0) fill(a, i + shift, b.bins[i], b.sole[i]);
}

/** The 1-based rank of the q-quantile among n values: max(1, ceil(q n)), guarded against q n landing a hair above an integer. */
export function quantileRank(q: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
}

/**
 * The q-quantile (0 <= q <= 1): the order statistic x_(k), k = quantileRank(q, count),
 * exact while the sketch holds every value, else within SKETCH_ALPHA of it (see the
 * module's contract). NaN when empty.
 */
export function sketchQuantile(s: QuantileSketch, q: number): number {
  if (s.count === 0) return NaN;
  const k = quantileRank(q, s.count);
  if (s.exact !== null) {
    // The zeros not kept come first (see the module's contract).
    const lacking = s.count - s.exact.length;
    return k <= lacking ? 0 : [...s.exact].sort((x, y) => x - y)[k - 1 - lacking];
  }
  if (k === s.count) return s.max;
  if (k === 1) return s.min;
  if (k <= s.zeros) return 0;
  let acc = s.zeros;
  for (let j = 0; j < s.bins.length; j++) {
    acc += s.bins[j];
    if (acc >= k) {
      if (s.sole[j] > 0) return s.sole[j];
      const estimate = (2 * SKETCH_GAMMA ** (s.offset + j)) / (SKETCH_GAMMA + 1);
      return Math.min(s.max, Math.max(s.min, estimate));
    }
  }
  return s.max;
}

/** The bound on the relative error of `sketchQuantile(s, q)` against the exact order statistic: 0 while exact, else SKETCH_ALPHA (0 too in a bucket holding one distinct value). */
export function sketchError(s: QuantileSketch): number {
  return s.exact !== null ? 0 : SKETCH_ALPHA;
}

/** A histogram bin for reports and charts: `count` values in (lo, hi] (the zeros bin: [0, hi)). */
export interface Bin {
  lo: number;
  hi: number;
  count: number;
}

/**
 * The sketch's counts in coarser bins for charts, in increasing order, empty bins left
 * out: values below SKETCH_MIN form the bin [0, SKETCH_MIN), then each bin joins `group`
 * consecutive buckets (default 10: bins gamma^10 = 1.105 wide, about 23 per decade).
 * Bin edges are bucket edges, so the counts are exact.
 */
export function sketchBins(s: QuantileSketch, group = 10): Bin[] {
  if (s.exact !== null) {
    // Its buckets are made from its values (the module's contract), on a copy (which
    // shares the values: toBuckets only reads them).
    const c = { ...s };
    toBuckets(c);
    s = c;
  }
  const out: Bin[] = [];
  if (s.zeros > 0) out.push({ lo: 0, hi: SKETCH_MIN, count: s.zeros });
  let current: Bin | null = null;
  let currentGroup = NaN;
  s.bins.forEach((count, j) => {
    if (count === 0) return;
    // Bucket i lies in (gamma^(i-1), gamma^i]; group g joins buckets g*group+1 .. (g+1)*group.
    const g = Math.floor((s.offset + j - 1) / group);
    if (g !== currentGroup) {
      current = { lo: SKETCH_GAMMA ** (g * group), hi: SKETCH_GAMMA ** ((g + 1) * group), count: 0 };
      out.push(current);
      currentGroup = g;
    }
    current!.count += count;
  });
  return out;
}
