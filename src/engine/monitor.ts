/**
 * Time-weighted level monitors: the integral of a piecewise-constant signal over an
 * observation window [windowStart, ...). Availability is the mean of a 0/1 up signal.
 */

/** Integrates a piecewise-constant level over time, from `windowStart` on. */
export class TimeWeightedMonitor {
  private level: number;
  private since: number;
  private area = 0;

  /**
   * @param windowStart values before this time are not integrated (a warm-up)
   * @param initial the level at time 0
   */
  constructor(
    readonly windowStart: number,
    initial: number,
  ) {
    this.level = initial;
    this.since = windowStart;
  }

  /** The current level. */
  get value(): number {
    return this.level;
  }

  /** Sets the level to `value` from time `t` on (t never decreases between calls). */
  set(t: number, value: number): void {
    if (value === this.level) return;
    if (t > this.since) {
      this.area += this.level * (t - this.since);
      this.since = t;
    }
    this.level = value;
  }

  /** The integral of the level over [windowStart, t]. */
  integral(t: number): number {
    return t > this.since ? this.area + this.level * (t - this.since) : this.area;
  }

  /** The time-average of the level over [windowStart, t] (NaN for an empty window). */
  mean(t: number): number {
    return this.integral(t) / (t - this.windowStart);
  }
}
