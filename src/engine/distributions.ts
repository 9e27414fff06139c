/**
 * Probability distributions of durations (in seconds), with validated parameters.
 * A distribution is immutable and shared by all replications; the random stream is
 * passed to every `sample` call, so a distribution never owns randomness.
 */
import { gammaFn, gammaQ, normalCdf, normalSurvival } from './special.js';
import type { RandomStream } from './rng.js';

export { gammaFn };

/** Thrown when a distribution's parameters are invalid. */
export class DistributionError extends RangeError {
  override name = 'DistributionError';
}

/** A distribution of non-negative durations. */
export interface Distribution {
  /** The family, e.g. `exponential`. */
  readonly kind: string;
  /** The exact mean, in seconds. */
  readonly mean: number;
  /** Draws one value (seconds, >= 0) from `rng`. */
  sample(rng: RandomStream): number;
  /**
   * P(X > x): the probability that a clock of this law has not fired after running `x`
   * seconds (1 for x < 0).
   */
  survival(x: number): number;
  /**
   * The time left (seconds, >= 0) of a clock of this law that has run `age` seconds without
   * firing: a draw from `rng` of X - age given X > age. Returns -1, drawing nothing, when
   * the law has no such draw worth making (an age that is not finite and >= 0, a fixed or discrete value, a clock that
   * has outrun almost all of its law: survival below RESIDUAL_MIN_SURVIVAL with only
   * rejection to draw it); the clock then keeps what it drew. Whether it returns -1
   * depends on `age` alone, never on the draws. Used by splitting's copies (a copy redraws
   * its clocks so that it diverges from its original at once, with the same law of the future).
   */
  residual(age: number, rng: RandomStream): number;
  /** A short human description, e.g. `exponential(mean 1 y)`. */
  describe(): string;
}

/**
 * Laws drawn by rejection (X drawn again until X > age) redraw a clock only while
 * P(X > age) is at least this: at most 100 draws expected.
 */
export const RESIDUAL_MIN_SURVIVAL = 0.01;

/** True for an age a residual draw can condition on: finite and >= 0 (else the clock keeps its draw). */
function validAge(age: number): boolean {
  return age >= 0 && age < Infinity;
}

/** X - age given X > age for a law `d` that can only be drawn whole: by rejection, or -1 (see Distribution.residual). */
function residualByRejection(d: Distribution, age: number, rng: RandomStream): number {
  if (!validAge(age) || !(d.survival(age) >= RESIDUAL_MIN_SURVIVAL)) return -1;
  for (;;) {
    const x = d.sample(rng);
    if (x > age) return x - age;
  }
}

/**
 * A standard normal draw Z given Z > a: plain rejection for a <= 0 (acceptance at least
 * 1/2), else Robert's (1995) exponential proposal with the optimal rate (acceptance above
 * 0.75 for every a > 0).
 */
export function normalTail(a: number, rng: RandomStream): number {
  if (a <= 0) {
    for (;;) {
      const z = standardNormal(rng);
      if (z > a) return z;
    }
  }
  const alpha = (a + Math.sqrt(a * a + 4)) / 2;
  for (;;) {
    const z = a + rng.exponential() / alpha;
    const d = z - alpha;
    if (rng.next() <= Math.exp(-0.5 * d * d)) return z;
  }
}

function requirePositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new DistributionError(`${name} must be a finite number > 0, got ${v}`);
}
function requireNonNegative(name: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new DistributionError(`${name} must be a finite number >= 0, got ${v}`);
}

/** Standard normal draw by Box-Muller; consumes exactly two uniforms. */
export function standardNormal(rng: RandomStream): number {
  const u1 = rng.nextOpen();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exponential distribution with the given mean (seconds). */
export class Exponential implements Distribution {
  readonly kind = 'exponential';
  constructor(readonly mean: number) {
    requirePositive('exponential mean', mean);
  }
  /** The mean times the stream's standard exponential draw (the ziggurat: RandomStream.exponential). */
  sample(rng: RandomStream): number {
    return this.mean * rng.exponential();
  }
  survival(x: number): number {
    return x <= 0 ? 1 : Math.exp(-x / this.mean);
  }
  /** Memoryless: a new draw whatever the age. */
  residual(_age: number, rng: RandomStream): number {
    return this.mean * rng.exponential();
  }
  describe(): string {
    return `exponential(mean ${this.mean} s)`;
  }
}

/** Weibull distribution: shape k > 0, scale lambda > 0 (seconds). Mean = lambda * Gamma(1 + 1/k). */
export class Weibull implements Distribution {
  readonly kind = 'weibull';
  readonly mean: number;
  private readonly invShape: number;
  constructor(
    readonly shape: number,
    readonly scale: number,
  ) {
    requirePositive('weibull shape', shape);
    requirePositive('weibull scale', scale);
    this.invShape = 1 / shape;
    this.mean = scale * gammaFn(1 + 1 / shape);
    if (!Number.isFinite(this.mean)) throw new DistributionError(`weibull shape ${shape} gives an infinite mean`);
  }
  /** scale E^(1/shape), E the stream's standard exponential draw (RandomStream.exponential). */
  sample(rng: RandomStream): number {
    return this.scale * Math.pow(rng.exponential(), this.invShape);
  }
  survival(x: number): number {
    return x <= 0 ? 1 : Math.exp(-Math.pow(x / this.scale, this.shape));
  }
  /** Exact: the cumulative hazard (age / scale)^shape plus a unit exponential, inverted. */
  residual(age: number, rng: RandomStream): number {
    if (!validAge(age)) return -1;
    const h = age > 0 ? Math.pow(age / this.scale, this.shape) : 0;
    const x = this.scale * Math.pow(h + rng.exponential(), this.invShape) - age;
    return x > 0 ? x : 0;
  }
  describe(): string {
    return `weibull(shape ${this.shape}, scale ${this.scale} s)`;
  }
}

/** Lognormal distribution of exp(N(mu, sigma^2)); build it from (mu, sigma) or with `fromMeanCv`. */
export class Lognormal implements Distribution {
  readonly kind = 'lognormal';
  readonly mean: number;
  constructor(
    readonly mu: number,
    readonly sigma: number,
  ) {
    if (!Number.isFinite(mu)) throw new DistributionError(`lognormal mu must be finite, got ${mu}`);
    requirePositive('lognormal sigma', sigma);
    this.mean = Math.exp(mu + (sigma * sigma) / 2);
    if (!Number.isFinite(this.mean)) throw new DistributionError('lognormal mean overflows');
  }
  /** The lognormal with the given mean (seconds) and coefficient of variation (sd / mean). */
  static fromMeanCv(mean: number, cv: number): Lognormal {
    requirePositive('lognormal mean', mean);
    requirePositive('lognormal cv', cv);
    const s2 = Math.log(1 + cv * cv);
    return new Lognormal(Math.log(mean) - s2 / 2, Math.sqrt(s2));
  }
  sample(rng: RandomStream): number {
    return Math.exp(this.mu + this.sigma * standardNormal(rng));
  }
  survival(x: number): number {
    return x <= 0 ? 1 : normalSurvival((Math.log(x) - this.mu) / this.sigma);
  }
  /** Exact: the normal exponent drawn above its value at `age` (normalTail). */
  residual(age: number, rng: RandomStream): number {
    if (!validAge(age)) return -1;
    const a = age > 0 ? (Math.log(age) - this.mu) / this.sigma : -Infinity;
    const x = (a === -Infinity ? Math.exp(this.mu + this.sigma * standardNormal(rng)) : Math.exp(this.mu + this.sigma * normalTail(a, rng))) - age;
    return x > 0 ? x : 0;
  }
  describe(): string {
    return `lognormal(mean ${this.mean} s, sigma ${this.sigma})`;
  }
}

/** Gamma distribution: shape k > 0, scale theta > 0 (seconds). Mean = k * theta. Marsaglia-Tsang sampling. */
export class GammaDist implements Distribution {
  readonly kind = 'gamma';
  readonly mean: number;
  constructor(
    readonly shape: number,
    readonly scale: number,
  ) {
    requirePositive('gamma shape', shape);
    requirePositive('gamma scale', scale);
    this.mean = shape * scale;
  }
  sample(rng: RandomStream): number {
    return this.scale * sampleStdGamma(this.shape, rng);
  }
  survival(x: number): number {
    return x <= 0 ? 1 : gammaQ(this.shape, x / this.scale);
  }
  /** By rejection (see Distribution.residual). */
  residual(age: number, rng: RandomStream): number {
    return residualByRejection(this, age, rng);
  }
  describe(): string {
    return `gamma(shape ${this.shape}, scale ${this.scale} s)`;
  }
}

function sampleStdGamma(shape: number, rng: RandomStream): number {
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    return sampleStdGamma(shape + 1, rng) * Math.pow(rng.nextOpen(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.nextOpen();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Normal distribution N(mu, sd^2) truncated to values >= 0 (rejection sampling).
 * `mu` must be > 0, so at least half of the mass is kept.
 */
export class TruncatedNormal implements Distribution {
  readonly kind = 'normal';
  readonly mean: number;
  constructor(
    readonly mu: number,
    readonly sd: number,
  ) {
    requirePositive('normal mean', mu);
    requirePositive('normal sd', sd);
    const alpha = -mu / sd;
    const phi = Math.exp(-0.5 * alpha * alpha) / Math.sqrt(2 * Math.PI);
    this.mean = mu + (sd * phi) / (1 - normalCdf(alpha));
  }
  sample(rng: RandomStream): number {
    for (;;) {
      const x = this.mu + this.sd * standardNormal(rng);
      if (x >= 0) return x;
    }
  }
  survival(x: number): number {
    return x <= 0 ? 1 : normalSurvival((x - this.mu) / this.sd) / normalSurvival(-this.mu / this.sd);
  }
  /** Exact: the normal drawn above max(age, 0) (normalTail). */
  residual(age: number, rng: RandomStream): number {
    if (!validAge(age)) return -1;
    const x = this.mu + this.sd * normalTail((Math.max(age, 0) - this.mu) / this.sd, rng) - age;
    return x > 0 ? x : 0;
  }
  describe(): string {
    return `normal(mean ${this.mu} s, sd ${this.sd} s, truncated at 0)`;
  }
}

/** Uniform distribution on [min, max] (seconds). */
export class Uniform implements Distribution {
  readonly kind = 'uniform';
  readonly mean: number;
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    requireNonNegative('uniform min', min);
    requireNonNegative('uniform max', max);
    if (!(max >= min)) throw new DistributionError(`uniform max (${max}) must be >= min (${min})`);
    this.mean = (min + max) / 2;
  }
  sample(rng: RandomStream): number {
    return this.min + (this.max - this.min) * rng.next();
  }
  survival(x: number): number {
    return x < this.min ? 1 : x >= this.max ? 0 : (this.max - x) / (this.max - this.min);
  }
  /** Exact: uniform on [max(min, age), max]; -1 for a single value or a clock past its max. */
  residual(age: number, rng: RandomStream): number {
    if (!validAge(age)) return -1;
    const lo = Math.max(this.min, age);
    if (!(this.max > lo)) return -1;
    return lo + (this.max - lo) * rng.next() - age;
  }
  describe(): string {
    return `uniform(${this.min} s .. ${this.max} s)`;
  }
}

/** A fixed duration. Draws nothing from the stream. */
export class Deterministic implements Distribution {
  readonly kind = 'deterministic';
  constructor(readonly mean: number) {
    requireNonNegative('deterministic value', mean);
  }
  sample(): number {
    return this.mean;
  }
  survival(x: number): number {
    return x < this.mean ? 1 : 0;
  }
  /** A fixed value: nothing to redraw. */
  residual(): number {
    return -1;
  }
  describe(): string {
    return `deterministic(${this.mean} s)`;
  }
}

/**
 * A clock that never fires: mean and every draw are Infinity, and it draws nothing from
 * the stream. The per-component clock of a failure mode that fires only through its
 * common-cause clock (`common: true`, or `beta: 1`).
 */
export class Never implements Distribution {
  readonly kind = 'never';
  readonly mean = Infinity;
  sample(): number {
    return Infinity;
  }
  survival(): number {
    return 1;
  }
  /** Never fires: nothing to redraw. */
  residual(): number {
    return -1;
  }
  describe(): string {
    return 'never';
  }
}

/** An empirical distribution: the given values (seconds) with optional weights (default equal). */
export class Empirical implements Distribution {
  readonly kind = 'empirical';
  readonly mean: number;
  private readonly cumulative: Float64Array;
  constructor(
    readonly values: readonly number[],
    weights?: readonly number[],
  ) {
    if (values.length === 0) throw new DistributionError('empirical values must not be empty');
    values.forEach((v, i) => requireNonNegative(`empirical value ${i}`, v));
    const w = weights ?? values.map(() => 1);
    if (w.length !== values.length) {
      throw new DistributionError(`empirical weights (${w.length}) must match values (${values.length})`);
    }
    w.forEach((x, i) => requireNonNegative(`empirical weight ${i}`, x));
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0) || !Number.isFinite(total)) throw new DistributionError('empirical weights must be finite and not all zero');
    this.cumulative = new Float64Array(values.length);
    let acc = 0;
    let mean = 0;
    for (let i = 0; i < values.length; i++) {
      acc += w[i] / total;
      this.cumulative[i] = acc;
      mean += (values[i] * w[i]) / total;
    }
    this.cumulative[values.length - 1] = 1;
    this.mean = mean;
  }
  sample(rng: RandomStream): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < this.cumulative[mid]) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo];
  }
  survival(x: number): number {
    if (x < 0) return 1;
    let p = 0;
    for (let i = 0; i < this.values.length; i++) if (this.values[i] > x) p += this.cumulative[i] - (i > 0 ? this.cumulative[i - 1] : 0);
    return p;
  }
  /**
   * Discrete: -1 (kept). A value equal to the age would be an event due now whose order
   * among same-time events a redraw could not keep.
   */
  residual(): number {
    return -1;
  }
  describe(): string {
    return `empirical(${this.values.length} values, mean ${this.mean} s)`;
  }
}
