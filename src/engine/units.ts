/**
 * Durations with units. The simulator's internal time unit is the **second**;
 * every duration in a topology file carries its unit and is parsed once, here.
 */

/** Seconds per unit. A year is 365 days (8760 h), a month a twelfth of it. */
export const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 1e-3,
  s: 1,
  m: 60,
  min: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  mo: (365 * 86400) / 12,
  y: 365 * 86400,
};

/** Seconds in one (365-day) year. */
export const YEAR = UNIT_SECONDS.y;

/** The pattern a duration string must match: a non-negative number and a unit. */
export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(ms|s|min|m|h|d|w|mo|y)\s*$/;

/** Human-readable description of the duration syntax, for error messages. */
export const DURATION_HELP = "a duration with a unit, e.g. '200ms', '30s', '5m', '4h', '3d', '2w', '1mo', '2y'";

/**
 * The longest duration accepted anywhere (seconds): a billion years. Longer ones are
 * typing errors (or attempts to say "never", which an omitted failure mode says); at
 * that size a double still resolves times to a few seconds.
 */
export const MAX_DURATION = 1e9 * YEAR;

/**
 * Parses a duration such as `"200ms"`, `"30s"`, `"5m"`, `"4h"`, `"3d"`, `"2y"` into seconds
 * (finite, 0 .. MAX_DURATION). Throws a DurationError (a RangeError) for anything else: a
 * bare number has no unit, `1e400y` is not finite, `2e9y` is over the bound.
 */
export function parseDuration(text: string): number {
  const m = typeof text === 'string' ? DURATION_PATTERN.exec(text) : null;
  if (!m) throw new DurationError(`'${text}' is not ${DURATION_HELP}`);
  const value = Number(m[1]) * UNIT_SECONDS[m[2]];
  if (!Number.isFinite(value)) throw new DurationError(`'${text}' is not a finite duration (at most 1e9y)`);
  if (value > MAX_DURATION) throw new DurationError(`'${text}' is longer than the longest duration accepted, 1e9y (a billion years)`);
  return value;
}

/** A duration that cannot be parsed or is out of bounds (see parseDuration); the message says why. */
export class DurationError extends RangeError {
  override name = 'DurationError';
}

/**
 * Formats seconds in the largest unit that keeps the number >= 1, with `digits`
 * significant digits: 90 -> "1.5 min", 0.2 -> "200 ms", 3.15e7 -> "1 y".
 */
export function formatDuration(seconds: number, digits = 3): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds === 0) return '0 s';
  const a = Math.abs(seconds);
  const units: Array<[string, number]> = [
    ['y', UNIT_SECONDS.y],
    ['d', UNIT_SECONDS.d],
    ['h', UNIT_SECONDS.h],
    ['min', 60],
    ['s', 1],
    ['ms', 1e-3],
  ];
  for (const [name, size] of units) {
    if (a >= size || name === 'ms') return `${Number((seconds / size).toPrecision(digits))} ${name}`;
  }
  return `${seconds} s`;
}
