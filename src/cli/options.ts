/**
 * What every CLI command shares: the usage error (reported without a stack trace, exit 2)
 * and commander option parsers. A leaf module, so commands import it without importing
 * each other.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../engine/units.js';
import { MAX_EXPERIMENT_RUNS } from '../model/limits.js';

/** An error in the user's input that the CLI reports without a stack trace (exit 2). */
export class UsageError extends Error {}

/** A commander option parser for a positive integer, at most `max` (default: the largest safe integer). */
export function positiveInt(max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${v}'`);
    if (!(Number(v) <= max)) throw new InvalidArgumentError(`expected a positive integer up to ${max.toLocaleString('en-US')}, got '${v}'`);
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

/** The options of an experiment's settings given on the command line (`--runs`, `--horizon`, `--seed`; see ExperimentOverrides). */
export interface ExperimentSettingOptions {
  runs?: number;
  horizon?: number;
  seed?: number;
}

/**
 * Adds `--runs`, `--horizon` and `--seed` to a command that runs an experiment file
 * (sweep, merge, uncertainty, optimize): they replace the file's for this run. `runs`
 * says what a run is in that command.
 */
export function experimentSettingOptions<T extends Command>(cmd: T, runs = 'replications per point'): T {
  return cmd
    .option('-n, --runs <n>', `${runs} (default: the experiment's runs; at most ${MAX_EXPERIMENT_RUNS.toLocaleString('en-US')})`, positiveInt(MAX_EXPERIMENT_RUNS))
    .option('--horizon <duration>', "simulated time per replication, e.g. '2y' (default: the experiment's)", durationOption)
    .option('-s, --seed <n>', "seed of every random stream (default: the experiment's)", nonNegativeInt) as T;
}

/** The same settings as command-line arguments (to repeat them in a command the CLI prints: --resume, merge). */
export function experimentSettingArgs(o: ExperimentSettingOptions): string {
  return (o.runs !== undefined ? ` --runs ${o.runs}` : '') + (o.horizon !== undefined ? ` --horizon ${o.horizon}s` : '') + (o.seed !== undefined ? ` --seed ${o.seed}` : '');
}

