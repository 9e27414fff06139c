/**
 * Running the splitting estimator (splitting.ts) for a topology: a fixed number of
 * histories, or to precision; and the automatic choice between plain histories, failure
 * biasing and splitting (`chooseMethod`). The pilots run in this thread; the run's
 * batches run here or, with `jobs` > 1, on worker threads (split-worker.ts), and are
 * added to the accumulator in batch order whoever ran them (computeSplitBatch,
 * addSplitBatch), so the result is the same bytes for any `--jobs`.
 */
import type { LoadedTopology } from '../model/index.js';
import { VERSION } from '../version.js';
import { addSplitBatch, chooseFactors, computeSplitBatch, copyWork, emptySplitAccumulator, HISTORIES_PER_BATCH, importanceOf, runSplitBatch, SplittingError, summarizeSplit, splitSettings, type SplitPlan, type SplitSummary } from './splitting.js';
import { LazyPool } from './run.js';
import { THREADS_WORTH_EVENTS } from '../runner/run.js';
import { heavyTail, nextPrecisionStep, predictedEvents, type PilotFigures } from '../runner/precision-step.js';
import type { SplitShardResult, SplitShardTask } from './split-worker.js';

/** The compiled splitting worker, resolved from the package root (works compiled and from the sources). */
const SPLIT_WORKER = new URL('../../dist/rare/split-worker.js', import.meta.url).href;

/** Batches per task sent to a worker thread (small: a run stopped by --max-time waits for the tasks under way). */
const BATCHES_PER_TASK = 2;
import { rareEventBlockers } from './applicability.js';
import { autoBias, emptyRareAccumulator, failureTable, runRareBatch, summarizeRare, CYCLES_PER_BATCH, RareEventError } from './cycles.js';

/** Options of a splitting run. Times in seconds. */
export interface SplitRunOptions {
  /** Seed of every random stream (default: the topology's). */
  seed?: number;
  /** Horizon and warm-up of each history (default: the topology's, as for plain runs). */
  horizon?: number;
  warmup?: number;
  /** Histories (main trials) to run, rounded up to whole batches (default 800). Not with `precision`. */
  histories?: number;
  /** Run to precision: the target relative 95% CI half-width of every service's unavailability. */
  precision?: number;
  /** With `precision`: budget of histories (default 1,000,000). */
  maxHistories?: number;
  /** With `precision`: budget of wall time, seconds (a stop by it is not reproducible from the seed). */
  maxTimeSeconds?: number;
  /** The plan (target service and factors) when already chosen (else `chooseFactors` runs its pilots). */
  plan?: SplitPlan;
  /** Called after each step with the histories done and the worst relative half-width. */
  onStep?: (histories: number, worst: number) => void;
  /** Threads running the batches (default 1: this one); the result is the same for any number. */
  jobs?: number;
  /**
   * True when `jobs` is nfvsim's choice, not the user's: then a step of batches whose
   * estimated work (plan.workPerHistory) is under THREADS_WORTH_EVENTS runs in this thread.
   */
  jobsChosen?: boolean;
}

/** How a splitting run to precision ended (see RareStop). */
export interface SplitStop {
  precision: number;
  maxHistories: number;
  maxTimeSeconds: number | null;
  /** `degenerate`: results.problems is not empty, so the CIs are withheld and more of the same would not mend them soon. */
  reason: 'precision' | 'max-histories' | 'max-time' | 'degenerate';
}

/** The document `nfvsim run --rare-event splitting --json` prints. Times in seconds. */
export interface SplitReport {
  nfvsim: string;
  input: { file: string; name: string; sha256: string };
  settings: {
    seed: number;
    method: 'splitting';
    horizonSeconds: number;
    warmupSeconds: number;
    /** The service the importance function follows (null: none has redundancy, so nothing is split). */
    target: string | null;
    historiesPerBatch: number;
    /** How the method was chosen, when automatic. */
    choice?: MethodChoice;
    stop?: SplitStop;
  };
  results: SplitSummary;
}

/** Runs the splitting estimator on `topo` and returns its report. */
export async function runSplitting(topo: LoadedTopology, options: SplitRunOptions = {}): Promise<SplitReport> {
  const model = topo.model;
  const seed = options.seed ?? model.defaults.seed;
  const horizon = options.horizon ?? model.defaults.horizon;
  const warmup = options.warmup ?? model.defaults.warmup;
  if (!(horizon > warmup && warmup >= 0)) throw new RangeError(`the horizon (${horizon} s) must exceed the warm-up (${warmup} s) >= 0`);
  const base = { seed, horizon, warmup };
  const plan = options.plan ?? chooseFactors(model, base);
  const imp = importanceOf(model, plan.target >= 0 ? [plan.target] : []);
  const settings = splitSettings(base, plan);
  const acc = emptySplitAccumulator(model, imp.maxLevel);
  let stop: SplitStop | undefined;
  const summary = (): SplitSummary => summarizeSplit(model, imp, acc, plan.factors, plan.crossings);
  const jobs = options.jobs ?? 1;
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  const pool = jobs > 1 ? new LazyPool(topo, jobs, SPLIT_WORKER) : null;
  try {
    await run();
  } finally {
    await pool?.destroy();
  }
  return report();

  /**
   * Runs batches [from, to) and adds them in order into `acc`: here, or on the pool's
   * threads in tasks of BATCHES_PER_TASK. Stops starting batches (tasks) once
   * `outOfTime()` says so, and returns the batches done (a whole prefix).
   */
  async function runBatches(from: number, to: number, outOfTime: () => boolean): Promise<number> {
    const small = options.jobsChosen === true && (to - from) * HISTORIES_PER_BATCH * (plan.workPerHistory ?? Infinity) < THREADS_WORTH_EVENTS;
    if (pool === null || small || to - from < 2) {
      for (let b = from; b < to; b++) {
        addSplitBatch(model, settings, acc, computeSplitBatch(model, imp, settings, b));
        await yieldNow();
        if (b + 1 < to && outOfTime()) return b + 1;
      }
      return to;
    }
    const threads = pool.get();
    const results = new Map<number, SplitShardResult>();
    let next = from;
    let added = from;
    let stopped = false;
    const addReady = () => {
      for (let r = results.get(added); r !== undefined; r = results.get(added)) {
        results.delete(added);
        // The error of the earliest batch that failed, as in one thread.
        if ('splittingError' in r) throw new SplittingError(r.splittingError);
        for (const b of r.batches) addSplitBatch(model, settings, acc, b);
        added += r.batches.length;
      }
    };
    const lane = async () => {
      while (next < to && !stopped) {
        const task: SplitShardTask = { settings, target: plan.target, from: next, to: Math.min(to, next + BATCHES_PER_TASK) };
        next = task.to;
        const r = (await threads.run(task)) as SplitShardResult;
        results.set(task.from, r);
        if ('splittingError' in r) stopped = true;
        if (outOfTime()) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: pool.jobs }, lane));
    addReady();
    return added;
  }

  async function run(): Promise<void> {
    if (options.precision === undefined) {
      const histories = options.histories ?? 800;
      if (!(Number.isInteger(histories) && histories > 0)) throw new RangeError(`histories must be a positive integer, got ${histories}`);
      await runBatches(0, Math.ceil(histories / HISTORIES_PER_BATCH), () => false);
    } else {
      const { precision } = options;
      if (!(precision > 0 && precision < 1)) throw new RangeError(`precision must be in (0, 1), e.g. 0.1 for 10%, got ${precision}`);
      const maxHistories = options.maxHistories ?? 1_000_000;
      const maxBatches = Math.ceil(maxHistories / HISTORIES_PER_BATCH);
      const started = Date.now();
      const outOfTime = () => options.maxTimeSeconds !== undefined && (Date.now() - started) / 1000 >= options.maxTimeSeconds;
      let done = 0;
      let worst = Infinity;
      for (;;) {
        const to = nextPrecisionStep(done, worst, precision, 16, maxBatches);
        // A step cut by the time budget ends at a whole batch.
        done = await runBatches(done, to, outOfTime);
        const s = summary();
        worst = Math.max(...s.services.map((x) => x.relativeHalfWidth));
        options.onStep?.(acc.histories, worst);
        const reason: SplitStop['reason'] | null =
          worst <= precision && s.problems.length === 0
            ? 'precision'
            : done >= maxBatches
              ? 'max-histories'
              : outOfTime()
                ? 'max-time'
                : null;
        if (reason) {
          stop = { precision, maxHistories, maxTimeSeconds: options.maxTimeSeconds ?? null, reason };
          break;
        }
      }
    }
  }

  function report(): SplitReport {
    return {
      nfvsim: VERSION,
      input: { file: topo.file, name: model.name, sha256: topo.sha256 },
      settings: {
        seed,
        method: 'splitting',
        horizonSeconds: horizon,
        warmupSeconds: warmup,
        target: plan.target >= 0 ? model.services[plan.target].name : null,
        historiesPerBatch: HISTORIES_PER_BATCH,
        ...(stop ? { stop } : {}),
      },
      results: summary(),
    };
  }
}

/** Lets the event loop run (signals, progress) between batches. */
function yieldNow(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One method's pilot: its events, its worst relative half-width, and the events it predicts to reach the precision. */
export interface MethodPilot {
  method: 'plain' | 'failure-biasing' | 'splitting';
  /** Why it was not considered (then the figures are NaN), or null. */
  refused: string | null;
  /** Its work in events (splitting: copies included, see copyWork). */
  events: number;
  worstRelativeHalfWidth: number;
  /** events * (worst / precision)^2: the work the pilot predicts to reach the precision (Infinity: a service saw no outage). */
  predictedEvents: number;
  /**
   * The Pareto k of its worst service's per-history unavailability (NaN: too few histories
   * with downtime to fit, or not a history method): from HEAVY_TAIL_K on, its prediction
   * is not trusted (see chooseMethod).
   */
  tail: number;
}

/** The automatic choice of a method and the pilots behind it. */
export interface MethodChoice {
  chosen: 'plain' | 'failure-biasing' | 'splitting';
  precision: number;
  pilots: MethodPilot[];
}

/**
 * Chooses the method that needs the least work to reach `precision` on every service's
 * unavailability, from pilots of each (their own streams: the run's results do not
 * depend on them): plain histories and splitting from `chooseFactors`' pilots (its stage
 * 0 is plain histories; splitting is considered only when some factor is above 1, i.e.
 * when it splits at all), failure biasing from 20 batches of cycles where it applies (see
 * rareEventBlockers) and its weights are sound. Work is counted in events (a copy of a
 * running simulation as `copyWork` events), the predicted work to the precision is events * (worst half-width /
 * precision)^2 (a CI narrows as the square root of the work). A method whose pilot saw no
 * outage of some service predicts Infinity; with all at Infinity, splitting is chosen when it
 * splits, else plain.
 */
export function chooseMethod(
  topo: LoadedTopology,
  precision: number,
  base: { seed: number; horizon: number; warmup: number },
  /** Why failure biasing may not be used (options it does not take, e.g. a horizon), or undefined. */
  noFailureBiasing?: string,
  /** Plain histories already run (a plain-first run's first batch), used as the plain pilot. */
  plainPilot?: PilotFigures,
): { choice: MethodChoice; plan: SplitPlan } {
  const model = topo.model;
  const seed = base.seed;
  const plan = chooseFactors(model, base);
  const pilots: MethodPilot[] = [];
  const predict = (events: number, worst: number, seen: number) => predictedEvents(events, worst, precision, seen);
  const fewest = (s: SplitSummary) => Math.min(...s.services.map((x) => x.historiesWithOutage));
  // Plain: the splitting machinery with every factor 1 is exactly plain histories.
  const flat = plan.factors.map(() => 1);
  const imp = importanceOf(model, plan.target >= 0 ? [plan.target] : []);
  if (plainPilot !== undefined) {
    pilots.push({ method: 'plain', refused: null, events: plainPilot.events, worstRelativeHalfWidth: plainPilot.worst, predictedEvents: predict(plainPilot.events, plainPilot.worst, plainPilot.seen), tail: plainPilot.tail });
  } else {
    const plainAcc = emptySplitAccumulator(model, imp.maxLevel);
    for (let b = 0; b < 8; b++) runSplitBatch(model, imp, { ...base, factors: flat }, b, plainAcc, PILOT_OF_CHOICE);
    const ps = summarizeSplit(model, imp, plainAcc, flat, plan.crossings);
    const plainWorst = Math.max(...ps.services.map((s) => s.relativeHalfWidth));
    pilots.push({ method: 'plain', refused: null, events: plainAcc.events, worstRelativeHalfWidth: plainWorst, predictedEvents: predict(plainAcc.events, plainWorst, fewest(ps)), tail: worstTail(ps) });
  }
  const splits = plan.factors.some((r) => r > 1);
  if (splits) {
    const acc = emptySplitAccumulator(model, imp.maxLevel);
    for (let b = 0; b < 8; b++) runSplitBatch(model, imp, splitSettings(base, plan), b, acc, PILOT_OF_CHOICE);
    const s = summarizeSplit(model, imp, acc, plan.factors, plan.crossings);
    const worst = Math.max(...s.services.map((x) => x.relativeHalfWidth));
    // Copies count as work too (see copyWork).
    const work = acc.events + acc.copies * copyWork(model);
    pilots.push({ method: 'splitting', refused: null, events: work, worstRelativeHalfWidth: worst, predictedEvents: predict(work, worst, fewest(s)), tail: worstTail(s) });
  } else {
    pilots.push(refusedPilot('splitting', 'no level of the importance function is rare enough to split on (every factor is 1: it would be plain histories)'));
  }
  const blockers = noFailureBiasing !== undefined ? [noFailureBiasing] : rareEventBlockers(model);
  if (blockers.length > 0) {
    pilots.push(refusedPilot('failure-biasing', `not applicable: ${blockers[0]}${blockers.length > 1 ? ` (and ${blockers.length - 1} more)` : ''}`));
  } else {
    const table = failureTable(model);
    const bias = autoBias(table);
    const acc = emptyRareAccumulator(model);
    try {
      // A cycle that never returns to all-up is refused (RareEventError), as `--rare-event` would; its weights have their own checks (problems), so no outage count is asked.
      for (let b = 0; b < 20; b++) runRareBatch(model, { seed, bias, maxEventsPerCycle: 200_000 }, PILOT_OF_CHOICE + b, acc, CYCLES_PER_BATCH);
      const s = summarizeRare(model, acc, bias, 'automatic', true);
      const worst = Math.max(...s.services.map((x) => x.relativeHalfWidth));
      if (s.problems.length > 0) pilots.push({ ...refusedPilot('failure-biasing', `its pilot's weights are degenerate: ${s.problems[0]}`), events: acc.events, worstRelativeHalfWidth: worst });
      else pilots.push({ method: 'failure-biasing', refused: null, events: acc.events, worstRelativeHalfWidth: worst, predictedEvents: predict(acc.events, worst, Infinity), tail: NaN });
    } catch (e) {
      if (!(e instanceof RareEventError)) throw e;
      pilots.push(refusedPilot('failure-biasing', e.message));
    }
  }
  const usable = pilots.filter((p) => p.refused === null);
  // A prediction from a heavy tail is too low (see HEAVY_TAIL_K): the others go first.
  const trusted = usable.filter((p) => !heavyTail(p.tail));
  let chosen = (trusted.length > 0 ? trusted : usable).reduce((a, b) => (b.predictedEvents < a.predictedEvents ? b : a)).method;
  if (usable.every((p) => p.predictedEvents === Infinity)) chosen = splits ? 'splitting' : 'plain';
  return { choice: { chosen, precision, pilots }, plan };
}

/** A method not considered, and why (its figures NaN). */
function refusedPilot(method: MethodPilot['method'], why: string): MethodPilot {
  return { method, refused: why, events: NaN, worstRelativeHalfWidth: NaN, predictedEvents: NaN, tail: NaN };
}

/** The Pareto k of the per-history unavailability of a pilot's service with the worst half-width. */
function worstTail(s: SplitSummary): number {
  let w = s.services[0];
  for (const x of s.services) if (x.relativeHalfWidth > w.relativeHalfWidth) w = x;
  return w.paretoK;
}

/** First replication (and batch) of the choice's pilots, apart from the runs' and chooseFactors'. */
const PILOT_OF_CHOICE = 0xa0000000;
