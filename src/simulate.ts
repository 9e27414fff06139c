/**
 * Running a loaded topology: in this thread (`simulate`), on worker threads when that is
 * faster (`simulateParallel`), or until a precision is reached (`simulateToPrecision`).
 * The scripting API (index.ts) re-exports them; the CLI imports them from here, so that
 * a run does not load what only sweeps, reports or the rare-event estimator need.
 * Worker threads (piscina) are loaded only when a run uses them.
 */
import { availableParallelism } from 'node:os';
import type { LoadedTopology } from './model/index.js';
import { emptyAccumulator, summarize, unavailabilityTail, type RunAccumulator } from './metrics/summary.js';
import { runAll, runAllYielding, runsInline, SHARD_SIZE } from './runner/run.js';
import type { RunSettings } from './runner/replication.js';
import { estimateEvents, SWEEP_PILOT_EVENTS } from './runner/budget.js';
import { nextPrecisionStep, type PilotFigures } from './runner/precision-step.js';
import type { PrecisionStop, RunReport } from './report/json.js';
import { VERSION } from './version.js';

/** `runParallel` (loads piscina on first use). */
async function runParallel(...args: Parameters<typeof import('./runner/parallel.js').runParallel>): Promise<RunAccumulator> {
  return (await import('./runner/parallel.js')).runParallel(...args);
}

/** Options of `simulate`; each defaults to the topology's `simulation` section, then to the built-in default. */
export interface SimulateOptions {
  /**
   * Estimated events of one replication (e.g. `estimateEvents(...).perReplication`, which
   * the CLI's event budget check has measured anyway). Used only to decide, when `jobs`
   * is not given, whether worker threads are worth starting (see `runsInline`); when
   * absent, `simulateParallel` and `simulateToPrecision` measure it with a short pilot.
   */
  eventsPerRun?: number;
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
  /** Components that fail at time 0 (see RunSettings.initialFailures); absent: everything new and up. */
  initialFailures?: RunSettings['initialFailures'];
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
  return { runs, settings: { seed, horizon, warmup, maxEvents: options.maxEvents, onOutage: options.onOutage, ...(options.initialFailures ? { initialFailures: options.initialFailures } : {}) } as RunSettings };
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
 * The number of threads and the estimated events per replication a run goes by:
 * `jobs` as given, with no estimate needed (an explicit number of threads is obeyed, bar
 * `runsInline`'s one-shard rule); else the available parallelism and `eventsPerRun`
 * (measured by a pilot of SWEEP_PILOT_EVENTS events when not given), so that
 * `runsInline` keeps work smaller than the threads' start-up in this thread.
 */
function threading(topo: LoadedTopology, options: SimulateOptions & { jobs?: number }, settings: RunSettings): { jobs: number; eventsPerRun: number } {
  if (options.jobs !== undefined) return { jobs: options.jobs, eventsPerRun: Infinity };
  const eventsPerRun = options.eventsPerRun ?? estimateEvents(topo.model, settings.seed, settings.horizon, SWEEP_PILOT_EVENTS).perReplication;
  return { jobs: availableParallelism(), eventsPerRun: Math.min(eventsPerRun, options.maxEvents ?? Infinity) };
}

/**
 * Runs a loaded topology on `jobs` worker threads, or, when `jobs` is not given, in the
 * way that is fastest: in this thread when the estimated work is smaller than what
 * starting threads costs (see `runsInline`), else on as many threads as the machine's
 * available parallelism. The report is byte-identical to `simulate`'s for the same
 * options. Threads need the compiled package (npm run build).
 */
export async function simulateParallel(topo: LoadedTopology, options: SimulateOptions & { jobs?: number } = {}): Promise<RunReport> {
  const { runs, settings } = resolve(topo, options);
  const { jobs, eventsPerRun } = threading(topo, options, settings);
  // In this thread, the event loop still runs between replications (signal handlers, progress).
  const acc = runsInline(jobs, runs, eventsPerRun) ? await runAllYielding(topo.model, settings, runs, options.onProgress) : await runParallel(topo, settings, runs, jobs, options.onProgress);
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
  /** Worker threads (default: the available parallelism, for batches whose estimated work is worth starting them; see `simulateParallel`). */
  jobs?: number;
  /** Called after each batch with the replications done and the worst relative half-width. */
  onBatch?: (runs: number, worst: number) => void;
  /**
   * Asked after each batch that reached neither the precision nor a budget, with the
   * replications done and what they measured as a pilot (`PilotFigures`: events, worst
   * relative half-width, fewest outages of a service, and the Pareto k of the
   * per-replication unavailability of the service with the worst half-width,
   * `unavailabilityTail`; NaN: no fit): true
   * abandons the run (`simulateToPrecision` then returns null; `run --precision` uses it
   * to hand a costly run to the rare-event pilots, see runner/precision-step.ts `plainIsEnough`).
   */
  abandon?: (runs: number, pilot: PilotFigures) => boolean;
}

/** Default budget of replications of a run to precision. */
export const DEFAULT_MAX_RUNS = 1_000_000;

/** First batch of a run to precision; later ones are sized by `nextPrecisionStep`. */
export const PRECISION_FIRST_BATCH = 4 * SHARD_SIZE;

/**
 * Adds replications in batches until the 95% CI half-width of every service's
 * unavailability is within `precision` of its estimate, or a budget runs out. The first
 * batch is PRECISION_FIRST_BATCH replications; each later one is sized from the half-width
 * reached (runner/precision-step.ts: aimed at the predicted total with a margin, at least
 * a quarter more, at most double), in whole shards or up to `maxRuns`. The boundaries
 * depend on the results only, not on `jobs`, and
 * a batch continues the same shards in the same order, so a run stopped by precision or
 * `maxRuns` after R replications is byte-identical to a plain run of R (report.settings.stop
 * aside). A service with no outage yet never meets the rule (its estimate is 0).
 */
export async function simulateToPrecision(topo: LoadedTopology, options: PrecisionOptions & { abandon: NonNullable<PrecisionOptions['abandon']> }): Promise<RunReport | null>;
export async function simulateToPrecision(topo: LoadedTopology, options: Omit<PrecisionOptions, 'abandon'>): Promise<RunReport>;
export async function simulateToPrecision(topo: LoadedTopology, options: PrecisionOptions): Promise<RunReport | null> {
  const { precision } = options;
  if (!(precision > 0 && precision < 1)) throw new RangeError(`precision must be in (0, 1), e.g. 0.1 for 10%, got ${precision}`);
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (!(Number.isInteger(maxRuns) && maxRuns > 0)) throw new RangeError(`maxRuns must be a positive integer, got ${maxRuns}`);
  const { settings } = resolve(topo, { ...options, runs: 1 });
  const { jobs, eventsPerRun } = threading(topo, options, settings);
  const started = Date.now();
  const acc = emptyAccumulator(topo.model);
  let done = 0;
  let reason: PrecisionStop['reason'];
  let achieved: PrecisionStop['achieved'];
  let worst = Infinity;
  for (;;) {
    const to = nextPrecisionStep(done, worst, precision, PRECISION_FIRST_BATCH, maxRuns, SHARD_SIZE);
    const progress = options.onProgress ? (d: number) => options.onProgress!(d, to) : undefined;
    if (runsInline(jobs, to - done, eventsPerRun)) await runAllYielding(topo.model, settings, to, progress, { from: done, into: acc });
    else await runParallel(topo, settings, to, jobs, progress, { from: done, into: acc });
    done = to;
    const services = summarize(topo.model, acc).services;
    achieved = services.map((s) => {
      const u = s.unavailability;
      const half = (u.hi - u.lo) / 2;
      return { service: s.name, relativeHalfWidth: u.mean > 0 && Number.isFinite(half) ? half / u.mean : Infinity };
    });
    worst = Math.max(...achieved.map((a) => a.relativeHalfWidth));
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
    if (options.abandon !== undefined) {
      const w = achieved.findIndex((a) => a.relativeHalfWidth === worst);
      const pilot = { events: acc.events, worst, seen: Math.min(...services.map((s) => s.outagesObserved)), tail: unavailabilityTail(acc.services[w]) };
      if (options.abandon(done, pilot)) return null;
    }
  }
  const r = report(topo, { ...options, runs: done }, done, settings, acc);
  r.settings.stop = { precision, maxRuns, maxTimeSeconds: options.maxTimeSeconds ?? null, reason, achieved };
  return r;
}
