/**
 * Streaming statistics with exact, order-fixed merging: per-shard accumulators are
 * merged in shard order, so the result does not depend on how many workers ran them.
 */
import { lgamma } from '../engine/special.js';

/** Running count, mean and sum of squared deviations (Welford). Plain data: JSON-safe. */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Numbers that will hold fractions, made as fractions from the start. V8 stores a field
 * (or an array's elements) as whole numbers while every value so far has been one; the
 * first fraction then changes the object's shape, and every function compiled for the
 * old shape is thrown away and compiled again (measured: a run's accumulator code was
 * compiled six times). Fields and arrays made here hold +0 stored as a double, so the
 * shape never changes. Same values, same bytes; only V8's layout differs.
 */
export const FRACTION = 0.5;

/** `n` zeros in an array of doubles (see FRACTION): an accumulator's or a replication's totals. */
export function doubles(n: number): number[] {
  // A copy of a kept array of zeros (one builtin call, the kind kept), for the short
  // lengths a replication's result makes a dozen of per service and history.
  return n < ZERO_ROWS.length ? ZERO_ROWS[n].slice() : doublesBuilt(n);
}

/** `doubles(n)` built element by element (the kind made by the first element, a fraction). */
function doublesBuilt(n: number): number[] {
  const a = [FRACTION];
  a.pop();
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

/** doublesBuilt(0..63), never changed: `doubles` hands out copies. */
const ZERO_ROWS: readonly (readonly number[])[] = Array.from({ length: 64 }, (_, n) => doublesBuilt(n));

/** An empty accumulator (its mean and m2 doubles from the start: see FRACTION). */
export function moments(): Moments {
  const m = { n: 0, mean: FRACTION, m2: FRACTION };
  m.mean = 0;
  m.m2 = 0;
  return m;
}

/** Adds one observation. */
export function addMoment(a: Moments, x: number): void {
  a.n++;
  // A zero into a run of zeros (most per-group counters, most histories): only the count
  // moves. Exactly what the update below gives: d = 0 - 0, mean += d / n and m2 += d * x
  // leave +0 in both (they never hold -0: they start at +0, and +0 plus a zero is +0).
  if (x === 0 && a.mean === 0 && a.m2 === 0) return;
  const d = x - a.mean;
  a.mean += d / a.n;
  a.m2 += d * (x - a.mean);
}

/** Merges `b` into `a` (Chan et al.). */
export function mergeMoments(a: Moments, b: Moments): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    a.n = b.n;
    a.mean = b.mean;
    a.m2 = b.m2;
    return;
  }
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  a.mean += (d * b.n) / n;
  a.m2 += b.m2 + (d * d * a.n * b.n) / n;
  a.n = n;
}

/** Sample variance (n - 1 in the denominator); NaN below two observations. */
export function variance(a: Moments): number {
  return a.n > 1 ? a.m2 / (a.n - 1) : NaN;
}

/** Two variables observed together, with their co-moment (for ratio estimators). */
export interface Bivariate {
  n: number;
  mx: number;
  my: number;
  m2x: number;
  m2y: number;
  cxy: number;
}

/** An empty bivariate accumulator. */
export function bivariate(): Bivariate {
  const b = { n: 0, mx: FRACTION, my: FRACTION, m2x: FRACTION, m2y: FRACTION, cxy: FRACTION };
  b.mx = b.my = b.m2x = b.m2y = b.cxy = 0;
  return b;
}

/** Adds one (x, y) observation. */
export function addBivariate(a: Bivariate, x: number, y: number): void {
  a.n++;
  const dx = x - a.mx;
  const dy = y - a.my;
  a.mx += dx / a.n;
  a.my += dy / a.n;
  a.m2x += dx * (x - a.mx);
  a.m2y += dy * (y - a.my);
  a.cxy += dx * (y - a.my);
}

/** Merges `b` into `a`. */
export function mergeBivariate(a: Bivariate, b: Bivariate): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    Object.assign(a, b);
    return;
  }
  const n = a.n + b.n;
  const dx = b.mx - a.mx;
  const dy = b.my - a.my;
  const f = (a.n * b.n) / n;
  a.m2x += b.m2x + dx * dx * f;
  a.m2y += b.m2y + dy * dy * f;
  a.cxy += b.cxy + dx * dy * f;
  a.mx += (dx * b.n) / n;
  a.my += (dy * b.n) / n;
  a.n = n;
}

/** Regularized incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4). */
export function incompleteBeta(x: number, a: number, b: number): number {
  return incompleteBetaOf(a, b)(x);
}

/**
 * x -> I_x(a, b), the same numbers as `incompleteBeta(x, a, b)`, with the log of the beta
 * function worked out once (for a search over x).
 */
export function incompleteBetaOf(a: number, b: number): (x: number) => number {
  const lbeta = lgamma(a + b) - lgamma(a) - lgamma(b);
  return (x) => incompleteBetaWith(x, a, b, lbeta);
}

/** I_x(a, b) given lbeta = log B(a, b). */
function incompleteBetaWith(x: number, a: number, b: number, lbeta: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(Math.log(x) * a + Math.log(1 - x) * b + lbeta);
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(x, a, b)) / a;
  return 1 - (front * betaCf(1 - x, b, a)) / b;
}

function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** CDF of Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The quantile `studentTQuantile` computed last: a summary asks for the same one for each of its estimates. */
let lastQuantile = { p: NaN, df: NaN, t: NaN };

/**
 * The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF, |error|
 * < 1e-10). The same (p, df) as the call before gives the number computed then.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must lie in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`df must be > 0, got ${df}`);
  if (p === lastQuantile.p && df === lastQuantile.df) return lastQuantile.t;
  const t = bisectStudentT(p, df);
  lastQuantile = { p, df, t };
  return t;
}

/** `studentTQuantile` worked out. */
function bisectStudentT(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A point estimate with a two-sided confidence interval. */
export interface Estimate {
  /** The point estimate. */
  mean: number;
  /** Standard error of the estimate (NaN if it cannot be estimated). */
  se: number;
  /** Lower bound of the confidence interval. */
  lo: number;
  /** Upper bound of the confidence interval. */
  hi: number;
}

/** Mean of the observations with a Student-t confidence interval at `level` (default 95%). */
export function meanEstimate(a: Moments, level = 0.95): Estimate {
  if (a.n < 2) return { mean: a.n ? a.mean : NaN, se: NaN, lo: NaN, hi: NaN };
  const se = Math.sqrt(variance(a) / a.n);
  const t = studentTQuantile(1 - (1 - level) / 2, a.n - 1);
  return { mean: a.mean, se, lo: a.mean - t * se, hi: a.mean + t * se };
}

/**
 * The ratio of means sum(x) / sum(y) with a delta-method confidence interval, e.g. mean
 * outage duration = total downtime / total outages over replications. NaN if sum(y) = 0.
 */
export function ratioEstimate(a: Bivariate, level = 0.95): Estimate {
  if (a.n < 2 || !(a.my > 0)) return { mean: a.my > 0 ? a.mx / a.my : NaN, se: NaN, lo: NaN, hi: NaN };
  const r = a.mx / a.my;
  const vx = a.m2x / (a.n - 1);
  const vy = a.m2y / (a.n - 1);
  const cxy = a.cxy / (a.n - 1);
  const v = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (a.n * a.my * a.my));
  const se = Math.sqrt(v);
  const t = studentTQuantile(1 - (1 - level) / 2, a.n - 1);
  return { mean: r, se, lo: r - t * se, hi: r + t * se };
}

/** Clips the interval (not the point estimate) to physical bounds, e.g. [0, 1] for a probability. */
export function clipEstimate(e: Estimate, min: number, max = Infinity): Estimate {
  return { ...e, lo: Math.max(min, Math.min(max, e.lo)), hi: Math.max(min, Math.min(max, e.hi)) };
}

/** Maps an estimate through an increasing affine map x -> a*x + b (a > 0) or a decreasing one (a < 0). */
export function scaleEstimate(e: Estimate, a: number, b = 0): Estimate {
  const lo = a * e.lo + b;
  const hi = a * e.hi + b;
  return { mean: a * e.mean + b, se: Math.abs(a) * e.se, lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

/**
 * The mean of paired differences (a[r] - b[r]) * scale over replications r, with a
 * Student-t interval from the per-replication differences: the estimator of common
 * random numbers (a and b replay the same random streams, replication by replication).
 */
export function pairedDifference(a: readonly number[], b: readonly number[], scale = 1, level = 0.95): Estimate {
  const m = moments();
  for (let r = 0; r < a.length; r++) addMoment(m, (a[r] - b[r]) * scale);
  return meanEstimate(m, level);
}

/**
 * The standard error the difference of the means of a and b (times scale) would have if
 * they were independent samples (no common random numbers): sqrt(var a / n + var b / n).
 * Set beside a paired estimate's, it shows what the pairing gained.
 */
export function unpairedStandardError(a: readonly number[], b: readonly number[], scale = 1): number {
  const ma = moments();
  const mb = moments();
  for (const x of a) addMoment(ma, x * scale);
  for (const x of b) addMoment(mb, x * scale);
  return Math.sqrt(variance(ma) / ma.n + variance(mb) / mb.n);
}

/** The ratio of means sum(x) / sum(y) over paired observations (x[r], y[r]), with its delta-method interval (see ratioEstimate). */
export function pairedRatio(x: readonly number[], y: readonly number[], level = 0.95): Estimate {
  const b = bivariate();
  for (let r = 0; r < x.length; r++) addBivariate(b, x[r], y[r]);
  return ratioEstimate(b, level);
}

/**
 * The difference of two ratios of means, sum(xa)/sum(ya) - sum(xb)/sum(yb), over paired
 * replications, with a delta-method Student-t interval from the per-replication
 * linearised differences (xa - Ra ya) / mean(ya) - (xb - Rb yb) / mean(yb). E.g. the
 * change in the share of outages breaching a SAL between two scenarios with common random
 * numbers. NaN when either sum(y) is 0.
 */
export function pairedRatioDifference(xa: readonly number[], ya: readonly number[], xb: readonly number[], yb: readonly number[], level = 0.95): Estimate {
  const sum = (v: readonly number[]) => v.reduce((s, q) => s + q, 0);
  const [sxa, sya, sxb, syb] = [sum(xa), sum(ya), sum(xb), sum(yb)];
  if (!(sya > 0 && syb > 0)) return { mean: NaN, se: NaN, lo: NaN, hi: NaN };
  const n = xa.length;
  const ra = sxa / sya;
  const rb = sxb / syb;
  const m = moments();
  for (let r = 0; r < n; r++) addMoment(m, (xa[r] - ra * ya[r]) / (sya / n) - (xb[r] - rb * yb[r]) / (syb / n));
  const e = meanEstimate(m, level);
  // The linearised differences have mean 0 by construction: centre the interval on the estimate.
  return { mean: ra - rb, se: e.se, lo: ra - rb + (e.lo - e.mean), hi: ra - rb + (e.hi - e.mean) };
}

/** Wilson score interval (95%) of a share k / n; `se` is the plug-in sqrt(p (1 - p) / n). */
export function wilson(k: number, n: number): Estimate {
  const z = 1.959963984540054;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { mean: p, se: Math.sqrt((p * (1 - p)) / n), lo: Math.max(0, c - h), hi: Math.min(1, c + h) };
}
