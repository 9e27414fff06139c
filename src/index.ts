/**
 * The nfvsim scripting API.
 *
 * ```ts
 * import { loadTopologyFile, simulate } from 'nfvsim';
 * const topo = loadTopologyFile('topologies/default.yaml');
 * const report = simulate(topo, { runs: 100, seed: 7 });
 * console.log(report.results.services[0].availability);
 * ```
 */
import { loadTopologyFile, loadTopologyText, type LoadedTopology } from './model/index.js';
import { summarize } from './metrics/summary.js';
import { runAll } from './runner/run.js';
import type { RunReport } from './report/json.js';
import type { RunSettings } from './runner/replication.js';
import { VERSION } from './version.js';

export { loadTopologyFile, loadTopologyText, type LoadedTopology };
export { TopologyError, type InputIssue, topologyJsonSchema, type SystemModel } from './model/index.js';
export { runReplication, type ReplicationResult, type RunSettings, type TraceOptions } from './runner/replication.js';
export type { TraceEvent } from './sim/system.js';
export type { OutageRecord } from './metrics/recorder.js';
export { runAll, runShard, planShards, mergeShards, SHARD_SIZE, type Shard } from './runner/run.js';
export { summarize, type RunSummary, type ServiceSummary, type RunAccumulator } from './metrics/summary.js';
export type { Estimate } from './metrics/stats.js';
export { renderText } from './report/text.js';
export { renderJson, type RunReport } from './report/json.js';
export { parseDuration, formatDuration } from './engine/units.js';
export { VERSION };

/** Options of `simulate`; each defaults to the topology's `simulation` section, then to the built-in default. */
export interface SimulateOptions {
  /** Replications. */
  runs?: number;
  /** Seed of every random stream. */
  seed?: number;
  /** Simulated seconds per replication. */
  horizon?: number;
  /** Seconds at the start not counted. */
  warmup?: number;
  /** Cap on events per replication (a replication that hits it stops and is marked truncated). */
  maxEvents?: number;
  /** Called after each replication. */
  onProgress?: (done: number, total: number) => void;
  /** Called for every outage (service index, replication, outage), in replication order. */
  onOutage?: RunSettings['onOutage'];
}

/** Runs a loaded topology and returns the report (the same document `nfvsim run --json` prints). */
export function simulate(topo: LoadedTopology, options: SimulateOptions = {}): RunReport {
  const d = topo.model.defaults;
  const runs = options.runs ?? d.runs;
  const seed = options.seed ?? d.seed;
  const horizon = options.horizon ?? d.horizon;
  const warmup = options.warmup ?? d.warmup;
  if (!(Number.isInteger(runs) && runs > 0)) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!(horizon > warmup)) throw new RangeError(`the horizon (${horizon} s) must exceed the warm-up (${warmup} s)`);
  const acc = runAll(topo.model, { seed, horizon, warmup, maxEvents: options.maxEvents, onOutage: options.onOutage }, runs, options.onProgress);
  return {
    nfvsim: VERSION,
    input: { file: topo.file, name: topo.model.name, sha256: topo.sha256 },
    settings: {
      seed,
      runs,
      horizonSeconds: horizon,
      horizonReason: options.horizon !== undefined ? 'set on the command line' : d.horizonReason,
      warmupSeconds: warmup,
      maxEvents: options.maxEvents ?? null,
    },
    idealGroups: topo.model.functions.filter((f) => f.ha.mechanism === 'k-of-n').map((f) => f.name),
    results: summarize(topo.model, acc),
  };
}
