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
 * Parses a duration such as `"200ms"`, `"30s"`, `"5m"`, `"4h"`, `"3d"`, `"2y"` into seconds.
 * Throws a RangeError for anything else (a bare number has no unit and is rejected).
 */
export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not ${DURATION_HELP}`);
  const value = Number(m[1]) * UNIT_SECONDS[m[2]];
  if (!Number.isFinite(value)) throw new RangeError(`'${text}' is not a finite duration`);
  return value;
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
