/**
 * The ziggurat behind every exponential draw (RandomStream.exponential, src/engine/rng.ts):
 * its tables against the exponential density, its draws against the exact law, and its
 * slow path alone (the wedges, the tail) against the exact law of what it should return;
 * each test also showing that a wrong law falls outside the same bound.
 */
import { describe, expect, it } from 'vitest';
import { RandomStream, ZIGGURAT } from '../src/engine/rng.js';
import { Exponential, Weibull } from '../src/engine/distributions.js';
import { gammaQ } from '../src/engine/special.js';

/** n standard exponential draws of one stream, sorted. */
function draws(name: string, n: number): Float64Array {
  const rng = new RandomStream(name, 11, 3);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.exponential();
  return x.sort();
}

/** Kolmogorov-Smirnov: sqrt(n) times the largest gap between the sorted sample's CDF and `cdf`. */
function ksStatistic(sorted: Float64Array, cdf: (x: number) => number): number {
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d * Math.sqrt(n);
}

/** Pearson's chi-square of the sorted sample's counts in [edges[k], edges[k+1]) against `cdf`. */
function chiSquare(sorted: Float64Array, edges: readonly number[], cdf: (x: number) => number): number {
  const n = sorted.length;
  let chi = 0;
  let at = 0;
  for (let k = 0; k + 1 < edges.length; k++) {
    let count = 0;
    while (at < n && sorted[at]! < edges[k + 1]!) {
      at++;
      count++;
    }
    const expected = n * (cdf(edges[k + 1]!) - cdf(edges[k]!));
    chi += ((count - expected) * (count - expected)) / expected;
  }
  return chi;
}

/** The upper 0.1% point of chi-square with `df` degrees of freedom, by bisection on gammaQ. */
function chiSquareUpper(df: number, p = 0.001): number {
  let lo = 0;
  let hi = 10 * df + 100;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (gammaQ(df / 2, mid / 2) > p) lo = mid;
    else hi = mid;
  }
  return lo;
}

const expCdf = (mean: number) => (x: number) => (x <= 0 ? 0 : -Math.expm1(-x / mean));
/** The 0.1% critical value of the Kolmogorov-Smirnov statistic sqrt(n) D for large n. */
const KS_CRITICAL = 1.949;

describe('the ziggurat for exponential draws', () => {
  const { r, v, k, w, f } = ZIGGURAT;
  const m = 2 ** 24;
  /** x_i: strip i's right edge (x_0 = 0 above the top strip). */
  const edge = (i: number) => (i === 0 ? 0 : w[i]! * m);

  it('has 256 strips of area v under exp(-x), with the tail in the base', () => {
    expect(256 * v).toBeCloseTo(1.0111, 4);
    // The base: the rectangle [0, r) x [0, exp(-r)) and the tail beyond r.
    expect(r * Math.exp(-r) + Math.exp(-r)).toBeCloseTo(v, 12);
    expect(w[0]! * m * f[255]!).toBeCloseTo(v, 12);
    expect(edge(255)).toBe(r);
    for (let i = 1; i < 256; i++) {
      // Strip i: [0, x_i) x [exp(-x_i), exp(-x_{i-1})), exactly the density at its edges.
      expect(f[i]).toBeCloseTo(Math.exp(-edge(i)), 15);
      expect(edge(i) * (f[i - 1]! - f[i]!) / v).toBeCloseTo(1, 9);
      if (i > 1) expect(edge(i - 1)).toBeLessThan(edge(i));
      // The accepted points lie left of the strip above.
      expect((k[i]! - 0.5) * w[i]!).toBeLessThan(edge(i - 1) + 1e-15);
      expect((k[i]! + 1) * w[i]!).toBeGreaterThan(edge(i - 1));
    }
    expect(k[1]).toBe(0);
    expect(k[0]! * w[0]!).toBeLessThanOrEqual(r);
  });

  const n = 1_000_000;
  const x = draws('exp:ziggurat', n);

  it(`fits the exponential law by Kolmogorov-Smirnov (${n} draws, 0.1% level), and a mean 1% off does not`, () => {
    expect(x[0]).toBeGreaterThan(0);
    expect(ksStatistic(x, expCdf(1))).toBeLessThan(KS_CRITICAL);
    expect(ksStatistic(x, expCdf(1.01))).toBeGreaterThan(KS_CRITICAL);
  });

  it('puts the right share of draws between every two strip edges (chi-square, 0.1% level), and a mean 1% off does not', () => {
    // Bins between the strips' edges: each strip's wedge and its rejections show up here.
    const edges = [0];
    for (let i = 1; i < 256; i++) edges.push(edge(i));
    edges.push(9, 12, Infinity);
    const limit = chiSquareUpper(edges.length - 2);
    expect(chiSquare(x, edges, expCdf(1))).toBeLessThan(limit);
    expect(chiSquare(x, edges, expCdf(1.01))).toBeGreaterThan(limit);
  });

  it('draws the tail beyond the base strip right: P(X > 9) and the mean excess, within 4 standard errors', () => {
    const big = draws('exp:tail', 4_000_000);
    let count = 0;
    let excess = 0;
    for (const y of big) {
      if (y > 9) {
        count++;
        excess += y - 9;
      }
    }
    const p = Math.exp(-9);
    const se = Math.sqrt((p * (1 - p)) / big.length);
    expect(Math.abs(count / big.length - p)).toBeLessThan(4 * se);
    // Memoryless: the excess beyond 9 is exponential with mean 1 (sd 1 per draw).
    expect(Math.abs(excess / count - 1)).toBeLessThan(4 / Math.sqrt(count));
    // The same bound tells a law 3% off (P(X > 9) = exp(-9 / 1.03), 6.6 standard errors away).
    expect(Math.abs(count / big.length - Math.exp(-9 / 1.03))).toBeGreaterThan(4 * se);
  });

  it('accepts a wedge point x of strip i with probability (exp(-x) - f_i) / (f_{i-1} - f_i), by Kolmogorov-Smirnov on the slow path alone, and accepting every wedge point does not fit', () => {
    const words = new RandomStream('exp:wedge-words', 3, 0);
    const rng = new RandomStream('exp:wedge-rest', 3, 0);
    const n = 100_000;
    for (const i of [1, 2, 64, 128, 200, 254, 255]) {
      // The points the slow path gets in strip i: j uniform in [k_i, 2^24), x = (j + 1/2) w_i, in [lo, b).
      const lo = k[i]! * w[i]!;
      const [a, b, fi, fa] = [edge(i - 1), edge(i), f[i]!, f[i - 1]!];
      const x = new Float64Array(n);
      for (let s = 0; s < n; s++) x[s] = ZIGGURAT.rest(rng, i, k[i]! + Math.floor(words.next() * (m - k[i]!)));
      x.sort();
      // Accepted in the wedge, up to y: left of a always (under f_{i-1}), then with the probability above.
      const wedge = (y: number) => {
        if (y <= lo) return 0;
        const z = Math.min(y, b);
        const under = Math.min(z, a) - lo + (z > a ? (Math.exp(-a) - Math.exp(-z) - fi * (z - a)) / (fa - fi) : 0);
        return under / (b - lo);
      };
      // A rejected point is followed by a whole new draw, exponential: a mixture of the two.
      const accepted = wedge(b);
      expect(ksStatistic(x, (y) => wedge(y) + (1 - accepted) * -Math.expm1(-y)), `strip ${i}`).toBeLessThan(KS_CRITICAL);
      const all = (y: number) => Math.max(0, Math.min(1, (y - lo) / (b - lo)));
      expect(ksStatistic(x, all), `strip ${i}, every point accepted`).toBeGreaterThan(KS_CRITICAL);
    }
  });

  it('draws the base strip beyond its rectangle as r plus an exponential (the slow path alone), and r plus 0.9 of one does not fit', () => {
    const words = new RandomStream('exp:tail-words', 3, 0);
    const rng = new RandomStream('exp:tail-rest', 3, 0);
    const n = 100_000;
    const x = new Float64Array(n);
    for (let s = 0; s < n; s++) x[s] = ZIGGURAT.rest(rng, 0, k[0]! + Math.floor(words.next() * (m - k[0]!))) - r;
    x.sort();
    expect(ksStatistic(x, expCdf(1))).toBeLessThan(KS_CRITICAL);
    expect(ksStatistic(x, expCdf(0.9))).toBeGreaterThan(KS_CRITICAL);
  });

  it('is what Exponential and Weibull draw, and reproducible from the stream', () => {
    const a = new RandomStream('exp:same', 5, 2);
    const b = new RandomStream('exp:same', 5, 2);
    const c = new RandomStream('exp:same', 5, 2);
    const weibull = new Weibull(2, 3);
    for (let i = 0; i < 1000; i++) {
      const e = a.exponential();
      expect(new Exponential(7).sample(b)).toBe(7 * e);
      expect(weibull.sample(c)).toBe(3 * Math.sqrt(e));
    }
    b.drawExponential();
    expect(b.e).toBe(a.exponential());
  });
});
