/**
 * The nfvsim scripting API.
 *
 * ```ts
 * import { loadTopologyFile, simulate } from 'nfvsim';
 * const topo = loadTopologyFile('topologies/default.yaml');
 * const report = simulate(topo, { runs: 100, seed: 7 });          // this thread
 * const same = await simulateParallel(topo, { runs: 100, seed: 7 }); // worker threads, same bytes
 * console.log(report.results.services[0].availability);
 *
 * // Rare outages: failure biasing over regenerative cycles (exponential failures only).
 * const rare = await runRareEvent(loadTopologyFile('topologies/b1-20-pairs.yaml'), { precision: 0.1 });
 * console.log(rare.results.services[0].unavailability, rare.settings.bias);
 *
 * // A sweep: resumable, the same bytes for any number of threads.
 * const exp = loadExperiment('experiments/heartbeat-sal1.yaml');
 * const results = await sweep(exp, { out: 'results/hb', jobs: 2, resume: true });
 * const spec = toVegaLite(results, 'downtime');                 // a Vega-Lite spec
 * await writeReport('results/hb', results);                     // SVG, PNG, report.html
 * ```
 */
import { availableParallelism } from 'node:os';
import { loadTopologyFile, loadTopologyText, type LoadedTopology } from './model/index.js';
import { emptyAccumulator, summarize, type RunAccumulator } from './metrics/summary.js';
import { runAll, runAllYielding, runsInline, SHARD_SIZE } from './runner/run.js';
import { runParallel } from './runner/parallel.js';
import type { RunSettings } from './runner/replication.js';
import type { PrecisionStop, RunReport } from './report/json.js';
import { VERSION } from './version.js';
import { loadExperimentFile, type LoadedExperiment } from './experiment/load.js';
import { runSweep, type SweepOptions, type SweepResults } from './sweep/sweep.js';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportOptions, WrittenReport } from './report/html.js';

export { loadTopologyFile, loadTopologyText, type LoadedTopology };
export { loadExperimentFile, loadExperimentText, setPath, type LoadedExperiment, type ExperimentPoint } from './experiment/load.js';
export { ExperimentSpec, experimentJsonSchema, type Experiment, type ExperimentInput } from './experiment/schema.js';
export { runSweep, buildResults, sweepManifest, SweepError, SweepInterrupted, type SweepOptions, type SweepResults, type PointResult, type PairedDifference } from './sweep/sweep.js';
export { toVegaLite, sweepCharts, runCharts, isPaired, type Chart, type ChartKind } from './report/charts.js';
export type { ReportOptions, WrittenReport } from './report/html.js';
export { topologyPicture, renderDiagram, diagramSvg, diagramDot, diagramMermaid, type DiagramOptions, type DiagramFormat, type TopologyPicture } from './report/diagram.js';
export { renderSweepText } from './report/sweep-text.js';
export { TopologyError, type InputIssue, topologyJsonSchema, type SystemModel } from './model/index.js';
export { runReplication, type ReplicationResult, type RunSettings, type TraceOptions } from './runner/replication.js';
export type { TraceEvent } from './sim/system.js';
export type { OutageRecord } from './metrics/recorder.js';
export { runAll, runShard, planShards, mergeShards, SHARD_SIZE, type Shard } from './runner/run.js';
export { summarize, type RunSummary, type ServiceSummary, type RunAccumulator } from './metrics/summary.js';
export type { Estimate } from './metrics/stats.js';
export { renderText } from './report/text.js';
export { renderJson, type RunReport, type PrecisionStop } from './report/json.js';
export { parseDuration, formatDuration } from './engine/units.js';
export { analyzeModel, AnalysisRefused, type AnalysisResult, type ServiceAnalysis } from './analysis/markov.js';
export { VERSION };
/** Rare-event estimation (`nfvsim run --rare-event`): see src/rare/cycles.ts for the estimator, src/rare/applicability.ts for where it applies. */
export { runRareEvent, type RareRunOptions, type RareEventReport, type RareStop } from './rare/run.js';
export { RareEventRefused, rareEventBlockers } from './rare/applicability.js';
export { RareEventError, autoBias, failureTable, CYCLES_PER_BATCH, type RareSummary, type RareServiceSummary } from './rare/cycles.js';
export { renderRareText } from './report/rare.js';

/** Renders a Vega-Lite spec to an SVG document (vega's own renderer, no browser). Loads vega on first use. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  return (await import('./report/render.js')).renderSvg(spec);
}

/** Renders an SVG document to PNG at `scale` times its size (default 2), with the shipped DejaVu Sans font. Loads resvg on first use. */
export async function renderPng(svg: string, scale = 2): Promise<Buffer> {
  return (await import('./report/render.js')).renderPng(svg, scale);
}

/**
 * Writes the charts (`charts/<kind>.vl.json`, `.svg`, `.png`), the topology diagram
 * (`topology.svg`, when `options.model` is given: a run's topology or a sweep's base) and
 * `report.html` of a sweep's results or a run's report into `dir`. The same results give
 * the same bytes. Loads vega and resvg on first use (importing nfvsim stays light).
 */
export async function writeReport(dir: string, results: SweepResults | RunReport, options: ReportOptions = {}): Promise<WrittenReport> {
  return (await import('./report/html.js')).writeReport(dir, results, options);
}

/** Loads a topology file (YAML or JSON); the same as `loadTopologyFile`. Throws a TopologyError naming the file and path on bad input. */
export const loadTopology = loadTopologyFile;

/** Loads and validates an experiment file (a base topology and the parameters to vary); the same as `loadExperimentFile`. */
export const loadExperiment = loadExperimentFile;

/**
 * Runs (or, with `resume`, continues) the sweep of an experiment into `options.out` and
 * returns its results (also written as results.json and results.csv there). Threads
 * (`jobs`, default 1) need the compiled package (npm run build).
 */
export function sweep(exp: LoadedExperiment, options: SweepOptions): Promise<SweepResults> {
  return runSweep(exp, options);
}

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

/** Resolved settings of a run. */
function resolve(topo: LoadedTopology, options: SimulateOptions) {
  const d = topo.model.defaults;
  const runs = options.runs ?? d.runs;
  const seed = options.seed ?? d.seed;
  const horizon = options.horizon ?? d.horizon;
  const warmup = options.warmup ?? d.warmup;
  if (!(Number.isInteger(runs) && runs > 0)) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!(horizon > warmup)) throw new RangeError(`the horizon (${horizon} s) must exceed the warm-up (${warmup} s)`);
  return { runs, settings: { seed, horizon, warmup, maxEvents: options.maxEvents, onOutage: options.onOutage } as RunSettings };
}

function report(topo: LoadedTopology, options: SimulateOptions, runs: number, settings: RunSettings, acc: RunAccumulator): RunReport {
  return {
    nfvsim: VERSION,
    input: { file: topo.file, name: topo.model.name, sha256: topo.sha256 },
    settings: {
      seed: settings.seed,
      runs,
      horizonSeconds: settings.horizon,
      horizonReason: options.horizon !== undefined ? 'set on the command line' : topo.model.defaults.horizonReason,
      warmupSeconds: settings.warmup,
      maxEvents: options.maxEvents ?? null,
    },
    idealGroups: topo.model.functions.filter((f) => f.ha.mechanism === 'k-of-n').map((f) => f.name),
    results: summarize(topo.model, acc),
  };
}

/** Runs a loaded topology in this thread and returns the report (the same document `nfvsim run --json` prints). */
export function simulate(topo: LoadedTopology, options: SimulateOptions = {}): RunReport {
  const { runs, settings } = resolve(topo, options);
  return report(topo, options, runs, settings, runAll(topo.model, settings, runs, options.onProgress));
}

/**
 * Runs a loaded topology on `jobs` worker threads (default: the machine's available
 * parallelism). The report is byte-identical to `simulate`'s for the same options.
 * Needs the compiled package (npm run build).
 */
export async function simulateParallel(topo: LoadedTopology, options: SimulateOptions & { jobs?: number } = {}): Promise<RunReport> {
  const { runs, settings } = resolve(topo, options);
  const jobs = options.jobs ?? availableParallelism();
  // One shard (or one thread): no pool to start; the event loop still runs between replications.
  const acc = runsInline(jobs, runs) ? await runAllYielding(topo.model, settings, runs, options.onProgress) : await runParallel(topo, settings, runs, jobs, options.onProgress);
  return report(topo, options, runs, settings, acc);
}

/** Options of `simulateToPrecision`. */
export interface PrecisionOptions extends Omit<SimulateOptions, 'runs'> {
  /** Target relative 95% CI half-width of every service's unavailability, e.g. 0.1 for 10%. */
  precision: number;
  /** Budget of replications (default 1,000,000). */
  maxRuns?: number;
  /** Budget of wall time, seconds (default none). A run stopped by it is not reproducible from the seed. */
  maxTimeSeconds?: number;
  /** Worker threads (default: the available parallelism). */
  jobs?: number;
  /** Called after each batch with the replications done and the worst relative half-width. */
  onBatch?: (runs: number, worst: number) => void;
}

/** First batch of a run to precision; then each batch doubles the replications done. */
export const PRECISION_FIRST_BATCH = 4 * SHARD_SIZE;

/**
 * Adds replications in batches until the 95% CI half-width of every service's
 * unavailability is within `precision` of its estimate, or a budget runs out. The batch
 * boundaries (200, 400, 800, ... replications, or `maxRuns`) do not depend on `jobs`, and
 * a batch continues the same shards in the same order, so a run stopped by precision or
 * `maxRuns` after R replications is byte-identical to a plain run of R (report.settings.stop
 * aside). A service with no outage yet never meets the rule (its estimate is 0).
 */
export async function simulateToPrecision(topo: LoadedTopology, options: PrecisionOptions): Promise<RunReport> {
  const { precision } = options;
  if (!(precision > 0 && precision < 1)) throw new RangeError(`precision must be in (0, 1), e.g. 0.1 for 10%, got ${precision}`);
  const maxRuns = options.maxRuns ?? 1_000_000;
  if (!(Number.isInteger(maxRuns) && maxRuns > 0)) throw new RangeError(`maxRuns must be a positive integer, got ${maxRuns}`);
  const { settings } = resolve(topo, { ...options, runs: 1 });
  const jobs = options.jobs ?? availableParallelism();
  const started = Date.now();
  const acc = emptyAccumulator(topo.model);
  let done = 0;
  let reason: PrecisionStop['reason'];
  let achieved: PrecisionStop['achieved'];
  for (;;) {
    const to = Math.min(maxRuns, done === 0 ? PRECISION_FIRST_BATCH : 2 * done);
    const progress = options.onProgress ? (d: number) => options.onProgress!(d, to) : undefined;
    if (runsInline(jobs, to - done)) await runAllYielding(topo.model, settings, to, progress, { from: done, into: acc });
    else await runParallel(topo, settings, to, jobs, progress, { from: done, into: acc });
    done = to;
    achieved = summarize(topo.model, acc).services.map((s) => {
      const u = s.unavailability;
      const half = (u.hi - u.lo) / 2;
      return { service: s.name, relativeHalfWidth: u.mean > 0 && Number.isFinite(half) ? half / u.mean : Infinity };
    });
    const worst = Math.max(...achieved.map((a) => a.relativeHalfWidth));
    options.onBatch?.(done, worst);
    if (worst <= precision) {
      reason = 'precision';
      break;
    }
    if (done >= maxRuns) {
      reason = 'max-runs';
      break;
    }
    if (options.maxTimeSeconds !== undefined && (Date.now() - started) / 1000 >= options.maxTimeSeconds) {
      reason = 'max-time';
      break;
    }
  }
  const r = report(topo, { ...options, runs: done }, done, settings, acc);
  r.settings.stop = { precision, maxRuns, maxTimeSeconds: options.maxTimeSeconds ?? null, reason, achieved };
  return r;
}
