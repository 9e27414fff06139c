/**
 * What every CLI command shares: the usage error (reported without a stack trace, exit 2)
 * and commander option parsers. A leaf module, so commands import it without importing
 * each other.
 */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../engine/units.js';

/** An error in the user's input that the CLI reports without a stack trace (exit 2). */
export class UsageError extends Error {}

/** A commander option parser for a positive integer. */
export function positiveInt() {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${v}'`);
    return Number(v);
  };
}
/** A commander option parser for a non-negative safe integer. */
export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) {
    throw new InvalidArgumentError(`expected a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, got '${v}'`);
  }
  return Number(v);
}

/** A commander option parser for a duration with a unit ('50y', '500ms'), in seconds. */
export function durationOption(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** A commander option parser for a probability strictly between 0 and 1 ('1e-12'). */
export function openProbability(v: string): number {
  const x = Number(v.trim());
  if (v.trim() === '' || !(x > 0 && x < 1)) throw new InvalidArgumentError(`expected a probability between 0 and 1 (exclusive), e.g. 1e-12, got '${v}'`);
  return x;
}
