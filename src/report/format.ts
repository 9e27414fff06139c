/** Number formatting shared by the reports. */
import { formatDuration } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';

/** Decimals needed to show `halfWidth` with two significant digits (0..10). */
export function decimalsFor(halfWidth: number): number {
  if (!(halfWidth > 0) || !Number.isFinite(halfWidth)) return 2;
  return Math.max(0, Math.min(10, 1 - Math.floor(Math.log10(halfWidth))));
}

/**
 * en-US formatters by number of decimals. `toLocaleString` with options builds a new
 * Intl.NumberFormat on every call (tens of microseconds each, a good part of a small
 * run's report); a kept formatter formats the same digits.
 */
const FORMATTERS: Intl.NumberFormat[] = [];

/** `x` with thousands separators and `decimals` decimals. */
export function num(x: number, decimals = 0): string {
  if (!Number.isFinite(x)) return String(x);
  const f = (FORMATTERS[decimals] ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
  return f.format(x);
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
