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

/** A duration's number (non-negative, decimal, an optional exponent), as a pattern's source. */
const NUMBER = String.raw`\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;

/** The pattern a duration string must match: a non-negative number and a unit. */
export const DURATION_PATTERN = new RegExp(String.raw`^\s*(${NUMBER})\s*(ms|s|min|m|h|d|w|mo|y)\s*$`);

/** Human-readable description of the duration syntax, for error messages. */
export const DURATION_HELP = "a duration with a unit, e.g. '200ms', '30s', '5m', '4h', '3d', '2w', '1mo', '2y'";

/** Words people write for the units, and the unit each means (for `durationProblem`'s advice). */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  millisecond: 'ms', milliseconds: 'ms', msec: 'ms', msecs: 'ms',
  sec: 's', secs: 's', second: 's', seconds: 's',
  mins: 'min', minute: 'min', minutes: 'min',
  hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  day: 'd', days: 'd',
  wk: 'w', wks: 'w', week: 'w', weeks: 'w',
  mon: 'mo', month: 'mo', months: 'mo',
  yr: 'y', yrs: 'y', year: 'y', years: 'y',
};

/** A number and a word (`5 minutes`, `3 parsecs`), and a number alone: what `durationProblem` tells apart. */
const NUMBER_AND_WORD = new RegExp(String.raw`^(${NUMBER})\s*([A-Za-z]+)$`);
const NUMBER_ALONE = new RegExp(`^${NUMBER}$`);

/** The units a duration may have, as the messages list them. */
const UNIT_LIST = 'ms, s, m or min, h, d, w, mo, y';

/**
 * Why `text` is not a duration (DURATION_PATTERN), in words that name the actual mistake,
 * or null when it is one: a sign (durations are not negative), a unit written as a word
 * (`5 minutes`: "write '5min'"), a unit not known, a number missing. `positive`: zero is
 * refused too (the mean of an exponential). The one place these messages are made: the
 * topology schema and the command line's options use it.
 */
export function durationProblem(text: string, positive = false): string | null {
  const m = DURATION_PATTERN.exec(text);
  // The input as the message shows it: cut after 40 characters (a file may hold a long one).
  const q = (t: string) => (t.length > 40 ? `${t.slice(0, 40)}...` : t);
  if (m) return positive && !(Number(m[1]) > 0) ? `expected a duration above zero, e.g. '30s', got '${q(text)}'` : null;
  const t = text.trim();
  if (/^[-\u2212]/.test(t)) return `a duration cannot be negative: '${q(text)}' (e.g. '30s')`;
  const parts = NUMBER_AND_WORD.exec(t);
  if (parts) {
    const word = parts[2];
    const unit = UNIT_WORDS[word.toLowerCase()] ?? (Object.hasOwn(UNIT_SECONDS, word.toLowerCase()) ? word.toLowerCase() : undefined);
    if (unit !== undefined) return `unknown unit '${q(word)}' in '${q(text)}': write '${q(parts[1])}${unit}' (units: ${UNIT_LIST})`;
    return `unknown unit '${q(word)}' in '${q(text)}' (units: ${UNIT_LIST}; e.g. '30s', '4h', '2y')`;
  }
  if (NUMBER_ALONE.test(t)) return `'${q(text)}' has no unit (units: ${UNIT_LIST}; e.g. '${q(t)}s', '${q(t)}h')`;
  return `expected ${DURATION_HELP}, got '${q(text)}' (units: ${UNIT_LIST})`;
}

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
  if (!m) throw new DurationError(typeof text === 'string' ? durationProblem(text)! : `'${text}' is not ${DURATION_HELP}`);
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
