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
 *
 * // Sensitivity and importance: every parameter improved by a factor, paired with the base.
 * const sens = await sensitivity('topologies/sal1-pair.yaml', { factor: 2, runs: 200, out: 'results/sens' });
 * console.log(renderSensitivityText(sens));                    // tornado chart: writeSensitivityReport
 *
 * // Transient: A(t), R(t) and interval availability, here after the standby's server failed at 0.
 * const tr = await transientStudy(loadTopologyFile('topologies/sal1-pair.yaml'), { horizon: 30 * 86400, initialDown: ['hosts.compute-2.hardware'] });
 * console.log(renderTransientText(tr));                        // charts: writeTransientReport
 *
 * // Uncertain inputs: parameter sets drawn from distributions over values, histories of each.
 * const unc = await uncertainty(loadExperiment('experiments/uncertain-ap-pair.yaml'), { out: 'results/unc' });
 * console.log(renderUncertaintyText(unc));                     // charts: writeUncertaintyReport
 * ```
 */
import { loadTopologyFile, loadTopologyText, type LoadedTopology } from './model/index.js';
import type { RunReport } from './report/json.js';
import { VERSION } from './version.js';
import { loadExperimentFile, type LoadedExperiment } from './experiment/load.js';
import { readJournals, runSweep, type SweepOptions, type SweepResults } from './sweep/sweep.js';
import { sensitivityResults, sensitivityStudy, type SensitivityOptions, type SensitivityResults } from './sensitivity/run.js';
import { uncertaintyResults, type UncertaintyResults } from './uncertainty/run.js';
import { TopologyError } from './model/errors.js';
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
// A RunAccumulator's quantile sketches (recovery, detection, yearly, monthly) are read through these: a sketch
// that still keeps its values has no buckets (src/metrics/sketch.ts).
export { sketchBins, sketchError, sketchQuantile, type Bin, type QuantileSketch } from './metrics/sketch.js';
export { renderText } from './report/text.js';
export { renderJson, type RunReport, type PrecisionStop } from './report/json.js';
export { parseDuration, formatDuration } from './engine/units.js';
export { analyzeModel, AnalysisRefused, type AnalysisResult, type ServiceAnalysis } from './analysis/markov.js';
export { VERSION };
export { simulate, simulateParallel, simulateToPrecision, PRECISION_FIRST_BATCH, type SimulateOptions, type PrecisionOptions } from './simulate.js';
export { estimateEvents, type EventEstimate } from './runner/budget.js';
/** Rare-event estimation (`nfvsim run --rare-event`): see src/rare/cycles.ts for the estimator, src/rare/applicability.ts for where it applies. */
export { runRareEvent, type RareRunOptions, type RareEventReport, type RareStop } from './rare/run.js';
export { RareEventRefused, rareEventBlockers } from './rare/applicability.js';
export { RareEventError, autoBias, failureTable, CYCLES_PER_BATCH, type RareSummary, type RareServiceSummary } from './rare/cycles.js';
export { renderRareText } from './report/rare.js';
export { sensitivityStudy, sensitivityResults, type SensitivityOptions, type SensitivityStudy, type SensitivityResults, type ParameterEffect, type ImportanceMeasures } from './sensitivity/run.js';
export { sensitivityDesign, scaleDistribution, type SensitivityDesign, type SensitivityParameter, type ImportanceSubject, type ParameterKind } from './sensitivity/design.js';
export { renderSensitivityText, sensitivityCsv, tornadoChart, writeSensitivityReport } from './report/sensitivity.js';
export { transientStudy, transientGrid, parseInitialDown, TransientCollector, type TransientOptions, type TransientResults, type ServiceTransient, type IntervalAvailability } from './transient/run.js';
export { renderTransientText, transientCsv, transientCharts, writeTransientReport } from './report/transient.js';
export { transientDistribution, StiffChainError } from './analysis/ctmc.js';
export { uncertaintyResults, type UncertaintyResults, type ServiceUncertainty, type ParameterSet } from './uncertainty/run.js';
export { renderUncertaintyText, uncertaintyCsv, writeUncertaintyReport } from './report/uncertainty.js';
export { drawUncertain } from './experiment/design.js';
export { optimize, designCost, type OptimizeResults, type DesignResult, type DesignCost, type OptimizeOptions } from './optimize/run.js';
export { renderOptimizeText, optimizeCsv, paretoChart, writeOptimizeReport } from './report/optimize.js';

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

/**
 * Runs (or, with `resume`, continues) the sensitivity study of the topology in `file` (see
 * `sensitivityStudy`) as a sweep into `options.out`, and returns its results (built from
 * the sweep's journal: the same for any `jobs`). Writes no report: see `writeSensitivityReport`.
 */
export async function sensitivity(file: string, options: SensitivityOptions & Pick<SweepOptions, 'out' | 'jobs' | 'resume' | 'onProgress'>): Promise<SensitivityResults> {
  const study = sensitivityStudy(file, options);
  await runSweep(study.experiment, { out: options.out, jobs: options.jobs, resume: options.resume, onProgress: options.onProgress });
  return sensitivityResults(study, readJournals([options.out]));
}

/**
 * Runs (or, with `resume`, continues) the two-level study of an experiment with an
 * `uncertain:` section as a sweep into `options.out` (each parameter set with histories
 * of its own), and returns its results. Writes no report: see `writeUncertaintyReport`.
 */
export async function uncertainty(exp: LoadedExperiment, options: Pick<SweepOptions, 'out' | 'jobs' | 'resume' | 'onProgress'>): Promise<UncertaintyResults> {
  if (exp.design !== 'uncertain') throw new TopologyError(exp.file, [{ path: '', message: "no 'uncertain:' section" }]);
  await runSweep(exp, { out: options.out, jobs: options.jobs, resume: options.resume, onProgress: options.onProgress });
  return uncertaintyResults(exp, readJournals([options.out]));
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

