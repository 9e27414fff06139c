/**
 * The residual draws splitting's copies make (Distribution.residual, ComponentSim.redrawClocks):
 * for every law, at ages from new to deep in its tail, draws of X - age given X > age
 * against the exact conditional law computed from `survival` by numerical integration:
 * the mean within 4 standard errors and the Kolmogorov-Smirnov distance to
 * 1 - S(age + x) / S(age) under its 0.1% critical value; a draw that forgot the age (an
 * unconditioned draw) fails both. And `survival` itself against sampling.
 */
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../src/engine/rng.js';
import {
  Deterministic,
  Empirical,
  Exponential,
  GammaDist,
  Lognormal,
  Never,
  RESIDUAL_MIN_SURVIVAL,
  TruncatedNormal,
  Uniform,
  Weibull,
  type Distribution,
} from '../src/engine/distributions.js';

const N = 20_000;
/** Kolmogorov-Smirnov critical value at 0.1% for N draws. */
const KS = 1.95 / Math.sqrt(N);

/** The upper end beyond `age` where the conditional survival is below 1e-12 (doubling). */
function upper(d: Distribution, age: number): number {
  const s0 = d.survival(age);
  let L = Math.max(1, d.mean);
  while (d.survival(age + L) / s0 > 1e-12 && L < 1e15) L *= 2;
  return L;
}

/** E[X - age | X > age] = integral of S(age + x) / S(age) over x >= 0 (Simpson, 200,000 panels). */
function conditionalMean(d: Distribution, age: number): number {
  const s0 = d.survival(age);
  const L = upper(d, age);
  const n = 200_000;
  const h = L / n;
  let sum = d.survival(age) + d.survival(age + L);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * d.survival(age + i * h);
  return (sum * h) / 3 / s0;
}

/** Draws of `draw` (N of them), their mean, standard error and KS distance to the conditional law of `d` at `age`. */
function check(d: Distribution, age: number, draw: (rng: RandomStream) => number) {
  const rng = new RandomStream(`residual ${d.describe()} ${age}`);
  const xs = Array.from({ length: N }, () => draw(rng));
  const mean = xs.reduce((a, b) => a + b, 0) / N;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
  xs.sort((a, b) => a - b);
  const s0 = d.survival(age);
  let ks = 0;
  xs.forEach((x, i) => {
    const F = 1 - d.survival(age + x) / s0;
    ks = Math.max(ks, Math.abs(F - i / N), Math.abs(F - (i + 1) / N));
  });
  return { mean, se: sd / Math.sqrt(N), ks, exact: conditionalMean(d, age) };
}

/** Laws and ages: new, within the bulk, and in the tail. */
const CASES: Array<[string, Distribution, number[]]> = [
  ['exponential', new Exponential(100), [0, 50, 1000]],
  ['weibull shape 0.8 (infant mortality)', new Weibull(0.8, 800), [0, 100, 3000]],
  ['weibull shape 2.5 (wear-out)', new Weibull(2.5, 100), [0, 80, 200]],
  ['lognormal cv 1', Lognormal.fromMeanCv(45, 1), [0, 20, 300]],
  ['lognormal cv 0.5', Lognormal.fromMeanCv(259200, 0.5), [0, 200000, 900000]],
  ['gamma shape 2', new GammaDist(2, 15), [0, 20, 60]],
  ['gamma shape 0.5', new GammaDist(0.5, 10), [0, 3, 20]],
  ['normal truncated', new TruncatedNormal(120, 20), [0, 100, 170]],
  ['normal truncated near 0', new TruncatedNormal(5, 10), [0, 2, 25]],
  ['uniform', new Uniform(180, 360), [0, 200, 359]],
];

describe('residual draws (a clock of age a: X - a given X > a)', () => {
  for (const [name, d, ages] of CASES) {
    for (const age of ages) {
      it(`${name} at age ${age} s: mean within 4 SE of the exact conditional mean, KS under its 0.1% value`, () => {
        if (d.kind === 'gamma') expect(d.survival(age)).toBeGreaterThanOrEqual(RESIDUAL_MIN_SURVIVAL);
        const r = check(d, age, (rng) => d.residual(age, rng));
        expect(Math.abs(r.mean - r.exact), `mean ${r.mean} vs exact ${r.exact} (SE ${r.se})`).toBeLessThan(4 * r.se);
        expect(r.ks).toBeLessThan(KS);
        if (age > 0 && d.kind !== 'exponential') {
          // A draw that forgets the age is caught (by its mean or its distribution).
          const wrong = check(d, age, (rng) => d.sample(rng));
          expect(Math.abs(wrong.mean - r.exact) > 4 * wrong.se || wrong.ks > KS).toBe(true);
        }
      });
    }
  }

  it('laws with no residual draw keep what they drew: fixed, never, discrete, a uniform past its end, a clock deep in a tail drawn by rejection', () => {
    const rng = new RandomStream('residual none');
    expect((new Deterministic(20) as Distribution).residual(5, rng)).toBe(-1);
    expect((new Never() as Distribution).residual(5, rng)).toBe(-1);
    expect((new Empirical([10, 20, 30]) as Distribution).residual(5, rng)).toBe(-1);
    expect(new Uniform(10, 10).residual(0, rng)).toBe(-1);
    expect(new Uniform(10, 20).residual(25, rng)).toBe(-1);
    const g = new GammaDist(2, 15);
    expect(g.survival(100)).toBeLessThan(RESIDUAL_MIN_SURVIVAL);
    expect(g.residual(100, rng)).toBe(-1);
    // Exact laws draw however deep the age: lognormal at 8 sigma, Weibull far out.
    const ln = Lognormal.fromMeanCv(45, 1);
    expect(ln.survival(45 * 1e4)).toBeLessThan(1e-12);
    expect(ln.residual(45 * 1e4, rng)).toBeGreaterThanOrEqual(0);
    expect(new Weibull(2.5, 100).residual(1000, rng)).toBeGreaterThanOrEqual(0);
  });

  it('survival(x) matches the share of draws above x', () => {
    for (const [, d, ages] of CASES) {
      const rng = new RandomStream(`survival ${d.describe()}`);
      const xs = Array.from({ length: N }, () => d.sample(rng));
      for (const x of [...ages, d.mean]) {
        const p = d.survival(x);
        const share = xs.filter((v) => v > x).length / N;
        expect(Math.abs(share - p), `${d.describe()} at ${x}`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 1 / N);
      }
    }
    const e = new Empirical([10, 20, 30], [1, 2, 1]);
    expect(e.survival(15)).toBeCloseTo(0.75, 12);
    expect(e.survival(30)).toBe(0);
  });
});
