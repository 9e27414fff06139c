/**
 * A worker thread's tasks: run one shard of replications of a topology (the default
 * export), or run shards taken from a queue shared with the other threads until it is
 * empty (`runShardQueue`). The topology travels once per pool as text (workerData) and is
 * loaded (and validated) once per thread; results are plain JSON (the shard's accumulator
 * and, when asked, its outages).
 */
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'piscina';
import { loadTopologyCached } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import type { RunAccumulator } from '../metrics/summary.js';
import { claimShard, runShard, runShardPaired, type PairedValues, type Shard } from './run.js';
import type { RunSettings } from './replication.js';

/** What every worker of a pool gets once (piscina's workerData): the topology. */
export interface PoolData {
  text: string;
  file: string;
  sha256: string;
}

/** What the main thread sends per shard. */
export interface ShardTask {
  settings: Omit<RunSettings, 'onOutage'>;
  shard: Shard;
  /** Collect the shard's outages (for --csv). */
  outages: boolean;
  /** The topology, when it is not the pool's (a sweep runs every point on one pool). */
  topology?: PoolData;
  /** Also return each replication's per-service values (for paired comparisons). */
  paired?: boolean;
  /** A counter (one Int32 in shared memory) the worker adds 1 to after each replication, for progress between shards. */
  progress?: SharedArrayBuffer;
}

/**
 * What the main thread sends once per worker for a run whose shards wait in a queue
 * shared by every thread (see `runShardQueue`).
 */
export interface QueueTask extends Omit<ShardTask, 'shard' | 'paired'> {
  /** Every shard of the run, in order: the queue's positions. */
  shards: Shard[];
  /** The queue: one Int32 in shared memory, the position of the next unclaimed shard (runner/run.ts `claimShard`). */
  queue: SharedArrayBuffer;
  /** Where each shard's ShardResult is posted as soon as it is done. */
  port: MessagePort;
}

/** What the worker returns. */
export interface ShardResult {
  index: number;
  acc: RunAccumulator;
  outages: Array<[number, number, OutageRecord]>;
  /** When the task asked for them. */
  paired?: PairedValues;
}

/** Runs one shard (the default export is what piscina calls). */
export default function runShardTask(task: ShardTask): ShardResult {
  const data = task.topology ?? (workerData as PoolData);
  const topo = loadTopologyCached(data.text, data.file, data.sha256);
  const outages: Array<[number, number, OutageRecord]> = [];
  const settings: RunSettings = task.outages ? { ...task.settings, onOutage: (s, r, o) => outages.push([s, r, o]) } : task.settings;
  const counter = task.progress ? new Int32Array(task.progress) : null;
  const tick = counter ? () => void Atomics.add(counter, 0, 1) : undefined;
  if (task.paired) return { index: task.shard.index, ...runShardPaired(topo.model, settings, task.shard, tick), outages };
  return { index: task.shard.index, acc: runShard(topo.model, settings, task.shard, tick), outages };
}

/**
 * Runs shards claimed from the task's shared queue, one after another, until none is
 * left, posting each one's ShardResult on `task.port` as soon as it is done; returns how
 * many it ran. The worker goes from one shard to the next without a message from the
 * main thread, which reads results whenever its own work lets its event loop run.
 */
export function runShardQueue(task: QueueTask): number {
  const { shards, queue, port, ...rest } = task;
  const cells = new Int32Array(queue);
  let ran = 0;
  for (let i = claimShard(cells, shards.length); i >= 0; i = claimShard(cells, shards.length)) {
    port.postMessage(runShardTask({ ...rest, shard: shards[i] }));
    ran++;
  }
  return ran;
}
