/**
 * A worker thread's task in a splitting run (split-run.ts): batches [from, to) of one
 * topology's RESTART trees. The topology travels once per pool as text (workerData) and is
 * loaded once per thread; the result is each batch's SplitBatch (plain JSON), added to
 * the run's accumulator in batch order by the calling thread.
 */
import { workerData } from 'piscina';
import { loadTopologyCached } from '../model/index.js';
import type { PoolData } from '../runner/worker.js';
import { computeSplitBatch, importanceOf, SplittingError, type SplitBatch, type SplitSettings } from './splitting.js';

/** What the calling thread sends per shard: the run's settings, the service split on (-1: none), and the batches. */
export interface SplitShardTask {
  settings: SplitSettings;
  target: number;
  from: number;
  to: number;
}

/** A shard's batches, or the message of the SplittingError that stopped it (an error crossing threads loses its class). */
export type SplitShardResult = { batches: SplitBatch[] } | { splittingError: string };

/** Runs one shard's batches in order (the default export is what piscina calls). */
export default function runSplitShardTask(task: SplitShardTask): SplitShardResult {
  const data = workerData as PoolData;
  const model = loadTopologyCached(data.text, data.file, data.sha256).model;
  const imp = importanceOf(model, task.target >= 0 ? [task.target] : []);
  const out: SplitBatch[] = [];
  try {
    for (let b = task.from; b < task.to; b++) out.push(computeSplitBatch(model, imp, task.settings, b));
  } catch (e) {
    if (e instanceof SplittingError) return { splittingError: e.message };
    throw e;
  }
  return { batches: out };
}
