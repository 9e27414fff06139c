/**
 * A worker thread's task: run one shard of replications of a topology. The topology
 * travels as text and is loaded (and validated) once per thread; results are plain
 * JSON (the shard's accumulator and, when asked, its outages).
 */
import { loadTopologyText, type LoadedTopology } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import type { RunAccumulator } from '../metrics/summary.js';
import { runShard, type Shard } from './run.js';
import type { RunSettings } from './replication.js';

/** What the main thread sends. */
export interface ShardTask {
  text: string;
  file: string;
  sha256: string;
  settings: Omit<RunSettings, 'onOutage'>;
  shard: Shard;
  /** Collect the shard's outages (for --csv). */
  outages: boolean;
}

/** What the worker returns. */
export interface ShardResult {
  index: number;
  acc: RunAccumulator;
  outages: Array<[number, number, OutageRecord]>;
}

const loaded = new Map<string, LoadedTopology>();

/** Runs one shard (the default export is what piscina calls). */
export default function runShardTask(task: ShardTask): ShardResult {
  let topo = loaded.get(task.sha256);
  if (!topo) {
    topo = loadTopologyText(task.text, task.file);
    if (topo.sha256 !== task.sha256) throw new Error(`worker: topology hash mismatch for ${task.file}`);
    loaded.set(task.sha256, topo);
  }
  const outages: Array<[number, number, OutageRecord]> = [];
  const settings: RunSettings = task.outages ? { ...task.settings, onOutage: (s, r, o) => outages.push([s, r, o]) } : task.settings;
  return { index: task.shard.index, acc: runShard(topo.model, settings, task.shard), outages };
}
