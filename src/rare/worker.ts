/**
 * A worker thread's task in a rare-event run: one shard of batches of cycles of a
 * topology. The topology travels once per pool as text (workerData) and is loaded once
 * per thread; the result is the shard's accumulator (plain JSON).
 */
import { workerData } from 'piscina';
import { loadTopologyCached } from '../model/index.js';
import type { PoolData } from '../runner/worker.js';
import { runRareShard, type RareAccumulator, type RareSettings, type RareShard } from './cycles.js';

/** What the main thread sends per shard. */
export interface RareShardTask {
  settings: RareSettings;
  shard: RareShard;
}

/** Runs one shard (the default export is what piscina calls). */
export default function runRareShardTask(task: RareShardTask): RareAccumulator {
  const data = workerData as PoolData;
  return runRareShard(loadTopologyCached(data.text, data.file, data.sha256).model, task.settings, task.shard);
}
