/**
 * Running the shards of a run on worker threads (piscina). Shards are fixed by the
 * number of replications alone and merged in shard order, so the result is the same
 * bytes as an inline run, whatever the number of threads.
 */
import type { LoadedTopology } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import { emptyAccumulator, mergeAccumulators, type RunAccumulator } from '../metrics/summary.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { claimShard, closeShardQueue, planShards, runShardYielding } from './run.js';
import type { RunSettings } from './replication.js';
import type { PoolData, QueueTask, ShardResult } from './worker.js';

/**
 * The compiled worker (dist/runner/worker.js). It is resolved from the package root so
 * that this module works both compiled and from the TypeScript sources (tests).
 */
const WORKER = new URL('../../dist/runner/worker.js', import.meta.url).href;

/** bin/load-cli.js, which knows the bundles (resolved from the package root, as WORKER). */
const LOADER = fileURLToPath(new URL('../../bin/load-cli.js', import.meta.url));

/**
 * The worker threads' entry: the worker bundle (dist/bundle/worker.cjs, scripts/bundle.mjs)
 * when it is there and current, else WORKER. The bundle runs the same code from one file
 * instead of many modules (some forty of nfvsim's, and zod's and yaml's) to resolve, read
 * and link: a worker starts sooner (on a loaded two-core machine, its code in some 95 ms
 * instead of 200).
 */
function workerEntry(): string {
  const loader = createRequire(import.meta.url)(LOADER) as { WORKER_BUNDLE: string; bundleCurrent(bundle: string): boolean };
  return existsSync(loader.WORKER_BUNDLE) && loader.bundleCurrent(loader.WORKER_BUNDLE) ? loader.WORKER_BUNDLE : WORKER;
}

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
 * Runs `runs` replications on `jobs` threads: this one and `jobs - 1` worker threads.
 * The shards wait in one queue, in order, in shared memory (`claimShard`); each thread
 * claims the next as soon as it is free, so the calling thread, whose code and topology
 * are loaded already, works while the workers start (each loads the code and the
 * topology first), none stays idle while shards wait, and a worker never waits for this
 * thread to hand it a shard: it posts each result and claims the next at once (this
 * thread reads results when its event loop runs, between its own replications). Shards
 * are merged in shard order whoever ran them: the same bytes as an inline run.
 * `onProgress` is called with the replications done (counted per replication, read every
 * PROGRESS_POLL_MS) and `runs`; outages, when `settings.onOutage` is given, are delivered
 * in replication order. `range` as for runAll: continue from a shard boundary into an
 * accumulator.
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
  // The calling thread is one of the `jobs`; no more workers than shards it leaves.
  const threads = Math.max(0, Math.min(jobs - 1, shards.length - 1));
  // piscina is loaded only when workers start: a run on this thread alone does not pay for it.
  const pool = threads > 0 ? new (await import('piscina')).Piscina({ filename: workerEntry(), minThreads: threads, maxThreads: threads, idleTimeout: 1000, workerData }) : null;
  const { onOutage, ...plain } = settings;
  const counter = replicationCounter(onProgress ? (n) => onProgress(from + n, runs) : undefined);
  const queue = new Int32Array(new SharedArrayBuffer(4));
  // Settled when every shard's result is in (or at the first failure).
  const everyResult = settlement();
  // The first failure anywhere: no thread claims another shard, and it is thrown once every thread has stopped.
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    closeShardQueue(queue, shards.length);
    everyResult.reject(error);
  };
  // Shards finish in any order; they are merged (and their outages written) in shard
  // order as soon as every earlier one is in, so only out-of-order results are held.
  const total = range?.into ?? emptyAccumulator(topo.model);
  const waiting = new Map<number, ShardResult>();
  let next = shards[0].index;
  let received = 0;
  const done = (r: ShardResult) => {
    waiting.set(r.index, r);
    for (let w = waiting.get(next); w !== undefined; w = waiting.get(next)) {
      waiting.delete(next++);
      mergeAccumulators(total, w.acc);
      if (onOutage) for (const [s, rep, o] of w.outages) onOutage(s, rep, o as OutageRecord);
    }
    counter.poll();
    if (++received === shards.length) everyResult.resolve();
  };
  const ports: MessagePort[] = [];
  const worker = async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1);
    // A result arrives as an event: a failure in merging it (an outage writer's) fails the run.
    port1.on('message', (r: ShardResult) => {
      try {
        done(r);
      } catch (e) {
        fail(e);
      }
    });
    const task: QueueTask = { settings: plain, shards, queue: queue.buffer as SharedArrayBuffer, port: port2, outages: onOutage !== undefined, progress: counter.buffer };
    await pool!.run(task, { name: 'runShardQueue', transferList: [port2] });
  };
  const cells = counter.buffer ? new Int32Array(counter.buffer) : null;
  const tick = cells ? () => void Atomics.add(cells, 0, 1) : undefined;
  const here = async () => {
    for (let i = claimShard(queue, shards.length); i >= 0; i = claimShard(queue, shards.length)) {
      const shard = shards[i];
      const outages: Array<[number, number, OutageRecord]> = [];
      const own: RunSettings = onOutage ? { ...plain, onOutage: (s, r, o) => outages.push([s, r, o]) } : plain;
      done({ index: shard.index, acc: await runShardYielding(topo.model, own, shard, tick), outages });
    }
  };
  // The count before the first replication (0), as an inline run reports it.
  counter.poll();
  try {
    // Every thread ends its shard before the first failure is thrown (nothing left running).
    await Promise.allSettled([here(), ...Array.from({ length: threads }, worker)].map((p) => p.catch(fail)));
    if (!failure) await everyResult.promise.catch(() => undefined);
    if (failure) throw failure.error;
    return total;
  } finally {
    counter.stop();
    for (const p of ports) p.close();
    await pool?.destroy();
  }
}

/** A promise and the functions that settle it. */
function settlement(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Awaited only on success: a rejection is never left unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
