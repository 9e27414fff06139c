/** Number formatting shared by the reports. */
import { formatDuration } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';

/** Decimals needed to show `halfWidth` with two significant digits (0..10). */
export function decimalsFor(halfWidth: number): number {
  if (!(halfWidth > 0) || !Number.isFinite(halfWidth)) return 2;
  return Math.max(0, Math.min(10, 1 - Math.floor(Math.log10(halfWidth))));
}

/** en-US formatters by number of decimals, for the numbers `num` leaves to Intl (see there). */
const FORMATTERS: Intl.NumberFormat[] = [];

/** `n` and a noun that agrees with it: `counted(1, 'host')` is `1 host`, `counted(2, 'host')` `2 hosts` (`plural` when it is not the noun plus s). */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${num(n)} ${n === 1 ? singular : plural}`;
}

/**
 * `x` with thousands separators and `decimals` decimals: the same characters as
 * `x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits:
 * decimals })` (a test checks them against Intl), which rounds the shortest decimal
 * form of `x` half away from zero. Written out by hand because the first Intl number
 * format of a process loads ICU data, tens of milliseconds of a small run's start-up;
 * numbers whose shortest form has an exponent (below 1e-6 or from 1e21) still go to Intl.
 */
export function num(x: number, decimals = 0): string {
  if (!Number.isFinite(x)) return String(x);
  const text = String(Math.abs(x));
  if (text.includes('e') || !Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    const f = (FORMATTERS[decimals] ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
    return f.format(x);
  }
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  // All the digits, to be cut after `decimals` fraction digits and rounded half up.
  let digits = whole + fraction.slice(0, decimals).padEnd(decimals, '0');
  if (fraction.length > decimals && fraction.charCodeAt(decimals) >= 53 /* '5' */) digits = incremented(digits);
  const intPart = digits.slice(0, digits.length - decimals).replace(/^0+(?=\d)/, '');
  const grouped = intPart.replace(/\B(?=(\d{3})+$)/g, ',');
  // A negative number keeps its sign even when it rounds to zero (as Intl writes -0.00).
  return `${x < 0 || Object.is(x, -0) ? '-' : ''}${grouped}${decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : ''}`;
}

/** A string of decimal digits plus one in its last place ('0999' -> '1000', '99' -> '100'). */
function incremented(digits: string): string {
  const d = digits.split('');
  let i = d.length - 1;
  for (; i >= 0 && d[i] === '9'; i--) d[i] = '0';
  if (i < 0) return `1${d.join('')}`;
  d[i] = String(Number(d[i]) + 1);
  return d.join('');
}

/** `x` to 3 significant digits, without exponent for ordinary magnitudes. */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e7) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1);
}

/** An estimate as `mean` and `lo .. hi`, scaled by `factor`, with decimals fit to the interval. */
export function estimateParts(e: Estimate, factor = 1, minDecimals = 0): { mean: string; ci: string } {
  const half = ((e.hi - e.lo) / 2) * factor;
  const d = Number.isFinite(half) ? Math.max(minDecimals, decimalsFor(half)) : Math.max(minDecimals, 2);
  const ci = Number.isFinite(e.lo) ? `${num(e.lo * factor, d)} .. ${num(e.hi * factor, d)}` : 'n/a';
  return { mean: num(e.mean * factor, d), ci };
}

/** A duration estimate in a unit chosen from its mean. */
export function durationParts(e: Estimate): { mean: string; ci: string } {
  const unit = formatDuration(e.mean).split(' ')[1];
  const size = { y: 365 * 86400, d: 86400, h: 3600, min: 60, s: 1, ms: 1e-3 }[unit] ?? 1;
  const p = estimateParts(e, 1 / size);
  return { mean: `${p.mean} ${unit}`, ci: Number.isFinite(e.lo) ? `${p.ci} ${unit}` : p.ci };
}

/** A table as text lines: the head and the rows, columns padded to their widest cell, two spaces apart. */
export function alignColumns(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: readonly string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}
