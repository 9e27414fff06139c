/**
 * Running many replications. The replications 0..runs-1 are split into shards of a
 * fixed size that does not depend on how they are executed; each shard folds its
 * replications in order, and shards are merged in shard order. So the result is the
 * same bytes whether the shards run inline, on worker threads or on other machines.
 */
import type { SystemModel } from '../model/build.js';
import { YEAR } from '../engine/units.js';
import { addReplication, emptyAccumulator, mergeAccumulators, type RunAccumulator } from '../metrics/summary.js';
import { runReplication, type ReplicationResult, type RunSettings } from './replication.js';

/** Replications per shard. Part of the reproducibility contract: changing it changes the last bits of results. */
export const SHARD_SIZE = 50;

/**
 * Events a run must be estimated to handle before worker threads are worth starting: each
 * thread loads the code and the topology (a few hundred ms on a loaded two-core machine)
 * before its first event, so a run of fewer events (about two seconds of work on one
 * core, at 4-6 M events/s) is over sooner in the calling thread. Only for a number of
 * threads chosen by nfvsim; results are the same bytes either way.
 */
export const THREADS_WORTH_EVENTS = 10_000_000;

/**
 * True when `runs` replications on `jobs` threads run inline, in the calling thread: one
 * thread, or no more than one shard, or an estimated `eventsPerRun` per replication
 * that makes the whole run smaller than THREADS_WORTH_EVENTS (no pool is worth
 * starting). Pass `eventsPerRun` only when the number of threads is nfvsim's choice (not
 * the user's); without it the estimate plays no part. `runAllYielding` then lets the
 * event loop run between replications (signal handlers, progress timers).
 */
export function runsInline(jobs: number, runs: number, eventsPerRun = Infinity): boolean {
  return jobs <= 1 || runs <= SHARD_SIZE || runs * eventsPerRun < THREADS_WORTH_EVENTS;
}

/** How long (ms) a run in the calling thread goes on before `finishYielding` lets the event loop run. */
export const YIELD_EVERY_MS = 50;

/** Drives a generator of steps (one per replication) to its end, in one go. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * Milliseconds on a monotonic clock, from an arbitrary origin. (process.hrtime, not
 * `performance.now()`: the first use of `performance` loads perf_hooks, about a
 * millisecond of a short run's start-up.)
 */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Drives a generator of steps (one per replication) to its end, letting the event loop
 * run (a signal handler, a timer) between steps every YIELD_EVERY_MS. The same
 * operations in the same order as `finish`: the same bytes.
 */
async function finishYielding<T>(steps: Generator<void, T>): Promise<T> {
  let last = monotonicMs();
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    if (monotonicMs() - last >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      last = monotonicMs();
    }
  }
}

/** A contiguous range of replications [from, to). */
export interface Shard {
  index: number;
  from: number;
  to: number;
}

/** Splits replications 0..runs-1 into shards of SHARD_SIZE (the last may be smaller). */
export function planShards(runs: number): Shard[] {
  const shards: Shard[] = [];
  for (let from = 0, index = 0; from < runs; from += SHARD_SIZE, index++) {
    shards.push({ index, from, to: Math.min(runs, from + SHARD_SIZE) });
  }
  return shards;
}

/**
 * Claims the next shard of a queue shared between threads: `queue` is one Int32 in
 * shared memory (the position of the next unclaimed shard, from 0), `count` the shards
 * in the queue. Returns the claimed position, or -1 when every shard is claimed (or the
 * queue was closed by `closeShardQueue`). Each position is claimed once, by one thread.
 */
export function claimShard(queue: Int32Array, count: number): number {
  const i = Atomics.add(queue, 0, 1);
  return i < count ? i : -1;
}

/** Closes a shared shard queue (see `claimShard`) of `count` shards: no thread claims another. */
export function closeShardQueue(queue: Int32Array, count: number): void {
  Atomics.store(queue, 0, count);
}

/** The replications of a shard in order, folded; a step after each (`onReplication` is called with its result). */
function* shardSteps(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: (r: ReplicationResult) => void): Generator<void, RunAccumulator> {
  const acc = emptyAccumulator(model);
  for (let r = shard.from; r < shard.to; r++) {
    const result = runReplication(model, settings, r);
    addReplication(acc, result);
    onReplication?.(result);
    yield;
  }
  return acc;
}

/** Runs one shard's replications in order and folds them. `onReplication` is called after each, with its result. */
export function runShard(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: (r: ReplicationResult) => void): RunAccumulator {
  return finish(shardSteps(model, settings, shard, onReplication));
}

/** `runShard` in the calling thread, letting the event loop run between replications (see finishYielding): the same result. */
export function runShardYielding(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: (r: ReplicationResult) => void): Promise<RunAccumulator> {
  return finishYielding(shardSteps(model, settings, shard, onReplication));
}

/**
 * Per-replication values of each service, for paired comparisons between scenarios
 * that share their random numbers: indexed [service][replication - shard.from].
 */
export interface PairedValues {
  /** Downtime / window. */
  unavailability: number[][];
  /** Outages per year. */
  outagesPerYear: number[][];
  /** Outages breaching SAL 1..3, indexed [service][sal - 1][replication - shard.from] (for paired differences of breach shares). */
  salBreaches?: number[][][];
  /** Outages judged against the SAL bounds (not censored by the window), indexed like `unavailability`. */
  judged?: number[][];
}

/** The steps of a shard as `shardSteps`, also keeping each replication's per-service values. */
function* pairedSteps(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: () => void): Generator<void, { acc: RunAccumulator; paired: PairedValues }> {
  const paired: Required<PairedValues> = {
    unavailability: model.services.map(() => []),
    outagesPerYear: model.services.map(() => []),
    salBreaches: model.services.map(() => model.metrics.salBounds.map(() => [])),
    judged: model.services.map(() => []),
  };
  const acc = yield* shardSteps(model, settings, shard, (r) => {
    r.services.forEach((s, i) => {
      paired.unavailability[i].push(r.window > 0 ? s.downtime / r.window : 0);
      paired.outagesPerYear[i].push(r.window > 0 ? s.outages / (r.window / YEAR) : 0);
      s.salBreaches.forEach((b, k) => paired.salBreaches[i][k].push(b));
      paired.judged[i].push(s.outages - s.censored);
    });
    onReplication?.();
  });
  return { acc, paired };
}

/** Runs a shard like `runShard`, and also returns each replication's per-service values; `onReplication` is called after each replication. */
export function runShardPaired(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: () => void): { acc: RunAccumulator; paired: PairedValues } {
  return finish(pairedSteps(model, settings, shard, onReplication));
}

/** `runShardPaired` in the calling thread, letting the event loop run between replications (see finishYielding): the same result. */
export function runShardPairedYielding(model: SystemModel, settings: RunSettings, shard: Shard, onReplication?: () => void): Promise<{ acc: RunAccumulator; paired: PairedValues }> {
  return finishYielding(pairedSteps(model, settings, shard, onReplication));
}

/** Merges shard accumulators in shard order. */
export function mergeShards(model: SystemModel, shards: readonly RunAccumulator[]): RunAccumulator {
  const total = emptyAccumulator(model);
  for (const s of shards) mergeAccumulators(total, s);
  return total;
}

/** The steps of `runAll`: every shard from `range.from` on, merged as it ends; a step after each replication. */
function* allSteps(
  model: SystemModel,
  settings: RunSettings,
  runs: number,
  onProgress?: (done: number, total: number) => void,
  range?: { from: number; into: RunAccumulator },
): Generator<void, RunAccumulator> {
  const from = range?.from ?? 0;
  let done = from;
  // Without an accumulator to continue, the first shard's is the total: merging it into an
  // empty one would copy every figure unchanged (0 + x, a sketch's buckets into none).
  let total = range?.into;
  onProgress?.(done, runs);
  for (const shard of planShards(runs)) {
    if (shard.from < from) continue;
    const acc = yield* shardSteps(model, settings, shard, () => onProgress?.(++done, runs));
    if (total) mergeAccumulators(total, acc);
    else total = acc;
  }
  return total ?? emptyAccumulator(model);
}

/**
 * Runs `runs` replications inline (in this thread) and returns the merged accumulator.
 * Each shard is merged as soon as it is done (in shard order, the same operations as
 * `mergeShards`), so memory does not grow with the number of replications. `onProgress`
 * is called with the replications done, before the first and after each. With `range`,
 * only the shards from replication `range.from` on (a shard boundary) are run, merged
 * into `range.into`: a run continued in steps gives the bytes of one run of `runs`.
 */
export function runAll(
  model: SystemModel,
  settings: RunSettings,
  runs: number,
  onProgress?: (done: number, total: number) => void,
  range?: { from: number; into: RunAccumulator },
): RunAccumulator {
  return finish(allSteps(model, settings, runs, onProgress, range));
}

/**
 * `runAll` that lets the event loop run between replications every YIELD_EVERY_MS, so
 * that a signal handler (Ctrl-C) or a timer is not held up until the end: the same
 * result, byte for byte.
 */
export function runAllYielding(...args: Parameters<typeof runAll>): Promise<RunAccumulator> {
  return finishYielding(allSteps(...args));
}
