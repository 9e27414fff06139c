/**
 * Running the shards of a run on worker threads (piscina). Shards are fixed by the
 * number of replications alone and merged in shard order, so the result is the same
 * bytes as an inline run, whatever the number of threads.
 */
import { Piscina } from 'piscina';
import type { LoadedTopology } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import { emptyAccumulator, mergeAccumulators, type RunAccumulator } from '../metrics/summary.js';
import { planShards } from './run.js';
import type { RunSettings } from './replication.js';
import type { PoolData, ShardResult, ShardTask } from './worker.js';

/**
 * The compiled worker (dist/runner/worker.js). It is resolved from the package root so
 * that this module works both compiled and from the TypeScript sources (tests).
 */
const WORKER = new URL('../../dist/runner/worker.js', import.meta.url).href;

/** How often (ms) the main thread reads the workers' replication counter for progress. */
export const PROGRESS_POLL_MS = 100;

/**
 * A replication counter shared with worker threads (one Int32 in a SharedArrayBuffer,
 * passed as ShardTask.progress; each worker adds 1 after each replication). While it
 * runs, `onCount` is called with the count every PROGRESS_POLL_MS when it has changed,
 * and by `poll()`. Without `onCount` there is no counter (`buffer` undefined). Progress
 * only: results never depend on it.
 */
export function replicationCounter(onCount?: (replications: number) => void): { buffer: SharedArrayBuffer | undefined; poll(): void; stop(): void } {
  if (!onCount) return { buffer: undefined, poll() {}, stop() {} };
  const buffer = new SharedArrayBuffer(4);
  const cells = new Int32Array(buffer);
  let seen = -1;
  const poll = () => {
    const n = Atomics.load(cells, 0);
    if (n !== seen) onCount((seen = n));
  };
  const timer = setInterval(poll, PROGRESS_POLL_MS);
  return { buffer, poll, stop: () => clearInterval(timer) };
}

/**
 * Runs `runs` replications on `jobs` worker threads. `onProgress` is called with the
 * replications done (counted per replication in the workers, read every
 * PROGRESS_POLL_MS) and `runs`; outages, when `settings.onOutage` is given, are
 * delivered in replication order. `range` as for runAll: continue from a shard boundary
 * into an accumulator.
 */
export async function runParallel(
  topo: LoadedTopology & { text: string },
  settings: RunSettings,
  runs: number,
  jobs: number,
  onProgress?: (replicationsDone: number, total: number) => void,
  range?: { from: number; into: RunAccumulator },
): Promise<RunAccumulator> {
  const from = range?.from ?? 0;
  const all = planShards(runs);
  const shards = all.filter((s) => s.from >= from);
  if (shards.length === 0) return range?.into ?? emptyAccumulator(topo.model);
  const workerData: PoolData = { text: topo.text, file: topo.file, sha256: topo.sha256 };
  const threads = Math.min(jobs, shards.length);
  const pool = new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 1000, workerData });
  const { onOutage, ...plain } = settings;
  const counter = replicationCounter(onProgress ? (n) => onProgress(from + n, runs) : undefined);
  // Shards finish in any order; they are merged (and their outages written) in shard
  // order as soon as every earlier one is in, so only out-of-order results are held.
  const total = range?.into ?? emptyAccumulator(topo.model);
  const waiting = new Map<number, ShardResult>();
  let next = shards.length > 0 ? shards[0].index : 0;
  const flush = () => {
    for (let r = waiting.get(next); r !== undefined; r = waiting.get(next)) {
      waiting.delete(next++);
      mergeAccumulators(total, r.acc);
      if (onOutage) for (const [s, rep, o] of r.outages) onOutage(s, rep, o as OutageRecord);
    }
  };
  try {
    await Promise.all(
      shards.map(async (shard) => {
        const task: ShardTask = { settings: plain, shard, outages: onOutage !== undefined, progress: counter.buffer };
        const r = (await pool.run(task)) as ShardResult;
        waiting.set(r.index, r);
        flush();
        counter.poll();
      }),
    );
    return total;
  } finally {
    counter.stop();
    await pool.destroy();
  }
}
