/**
 * Running the rare-event estimator (cycles.ts) for a topology: a fixed number of cycles,
 * or to precision, inline or on worker threads. Shards of batches are fixed by the number
 * of batches alone and merged in shard order, so the report is the same bytes for any
 * number of threads.
 */
import { Piscina } from 'piscina';
import type { LoadedTopology } from '../model/index.js';
import { VERSION } from '../version.js';
import {
  autoBias,
  BATCHES_PER_SHARD,
  CYCLES_PER_BATCH,
  emptyRareAccumulator,
  failureTable,
  mergeRareAccumulators,
  planRareShards,
  runRareBatch,
  runRareShard,
  RareEventError,
  summarizeRare,
  type RareAccumulator,
  type RareSettings,
  type RareSummary,
} from './cycles.js';
import type { RareShardTask } from './worker.js';
import { EVENT_BUDGET, limitValue } from '../model/limits.js';
import { nextPrecisionStep } from '../runner/precision-step.js';

/** The compiled worker, resolved from the package root (works compiled and from the sources). */
const WORKER = new URL('../../dist/rare/worker.js', import.meta.url).href;

/** Options of a rare-event run. */
export interface RareRunOptions {
  /** Seed of every random stream (default: the topology's). */
  seed?: number;
  /** Failure-biasing factor θ >= 1 (default: `autoBias`). 1 is plain regenerative simulation. */
  bias?: number;
  /** Cycles to run, rounded up to whole batches of CYCLES_PER_BATCH (default 100,000). Not with `precision`. */
  cycles?: number;
  /** Run to precision: the target relative 95% CI half-width of every service's unavailability, e.g. 0.1. */
  precision?: number;
  /** With `precision`: budget of cycles (default 100,000,000). */
  maxCycles?: number;
  /** With `precision`: budget of wall time, seconds (a stop by it is not reproducible from the seed). */
  maxTimeSeconds?: number;
  /** Worker threads (default 1: this thread). Threads need the compiled package. */
  jobs?: number;
  /** Called as cycles are done (cycles done, cycles planned in this step). */
  onProgress?: (done: number, total: number) => void;
  /** With `precision`: called after each step with the cycles done and the worst relative half-width. */
  onStep?: (cycles: number, worst: number) => void;
  /** Cap on the events of one cycle (see RareSettings). */
  maxEventsPerCycle?: number;
}

/** How a rare-event run to precision ended. */
export interface RareStop {
  /** Target relative half-width of every service's unavailability (95% CI). */
  precision: number;
  maxCycles: number;
  /** Seconds, or null without a time budget. */
  maxTimeSeconds: number | null;
  /**
   * `precision` reached, or the `max-cycles` / `max-time` budget ran out first (a
   * `max-time` stop depends on the machine), or `degenerate`: the likelihood ratios are
   * degenerate (results.problems), so more cycles of the same bias would not make the
   * intervals trustworthy.
   */
  reason: 'precision' | 'max-cycles' | 'max-time' | 'degenerate';
}

/** The document `nfvsim run --rare-event --json` prints. Times in seconds unless named. */
export interface RareEventReport {
  nfvsim: string;
  input: { file: string; name: string; sha256: string };
  settings: {
    seed: number;
    /** The estimator: `failure-biasing` (regenerative cycles with failure biasing). */
    method: 'failure-biasing';
    bias: number;
    biasReason: string;
    cycles: number;
    cyclesPerBatch: number;
    maxEventsPerCycle: number | null;
    /** With a run to precision: the rule and why it stopped. */
    stop?: RareStop;
  };
  results: RareSummary;
}

/** Cycles of the pilot that estimates a run's events (RARE_PILOT_EVENTS at most). */
const RARE_PILOT_CYCLES = 20;
/** Events the pilot may handle in all. */
const RARE_PILOT_EVENTS = 200_000;

/**
 * Refuses (RareEventError) a rare-event run whose cycles are too long to finish: a pilot
 * of RARE_PILOT_CYCLES cycles of batch 0 (apart from the run: its accumulator is thrown
 * away) measures the events per cycle, at most RARE_PILOT_EVENTS in all; a cycle that
 * does not return to all-up within them, or `cycles` cycles estimated over the event
 * budget (EVENT_BUDGET), is refused with the figures and the ways out.
 */
function checkRareBudget(topo: LoadedTopology, settings: RareSettings, cycles: number): void {
  const pilot = emptyRareAccumulator(topo.model);
  const budget = limitValue(EVENT_BUDGET);
  const advice = `try a smaller --bias, fewer --cycles, plain histories (without --rare-event), or raise ${EVENT_BUDGET.env}`;
  try {
    runRareBatch(topo.model, { ...settings, maxEventsPerCycle: RARE_PILOT_EVENTS }, 0, pilot, RARE_PILOT_CYCLES);
  } catch (e) {
    if (!(e instanceof RareEventError)) throw e;
    throw new RareEventError(`${topo.file}: a regenerative cycle did not return to all-up within ${RARE_PILOT_EVENTS.toLocaleString('en-US')} events (the failure clocks are too fast for the repairs: cycles would almost never end); run plain histories (without --rare-event), or try a smaller --bias`);
  }
  const perCycle = pilot.events / RARE_PILOT_CYCLES;
  if (perCycle * cycles > budget) {
    throw new RareEventError(
      `${topo.file}: ${cycles.toLocaleString('en-US')} cycles would handle about ${Number((perCycle * cycles).toPrecision(2)).toExponential()} events (${Math.round(perCycle).toLocaleString('en-US')} per cycle, measured over ${RARE_PILOT_CYCLES}), more than the budget of ${budget.toExponential()}; ${advice}`,
    );
  }
}

/** First step of a run to precision, in batches; later ones are sized by `nextPrecisionStep`. */
export const RARE_PRECISION_FIRST = 2 * BATCHES_PER_SHARD;

/** A thread pool of `jobs` workers running `worker` (a module URL; default: the failure-biasing shard), started on first use and kept for the steps of a run to precision. */
export class LazyPool {
  private pool: Piscina | null = null;
  constructor(
    private readonly topo: LoadedTopology,
    readonly jobs: number,
    private readonly worker = WORKER,
  ) {}
  get(): Piscina {
    const workerData = { text: this.topo.text, file: this.topo.file, sha256: this.topo.sha256 };
    return (this.pool ??= new Piscina({ filename: this.worker, minThreads: this.jobs, maxThreads: this.jobs, idleTimeout: 1000, workerData }));
  }
  async destroy(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** Runs batches [from, to) inline or on `pool`'s threads, merging shard by shard in order into `into`. */
async function runBatches(
  topo: LoadedTopology,
  settings: RareSettings,
  from: number,
  to: number,
  pool: LazyPool | null,
  into: RareAccumulator,
  onProgress?: (cycles: number) => void,
): Promise<void> {
  // A range starts at a shard's start (runs to precision step by whole shards): a shard is never cut in two.
  if (from % BATCHES_PER_SHARD !== 0) throw new RangeError(`batches from ${from}: not the start of a shard of ${BATCHES_PER_SHARD}`);
  const shards = planRareShards(to).filter((s) => s.from >= from);
  let done = from * CYCLES_PER_BATCH;
  if (pool === null || shards.length <= 1) {
    for (const shard of shards) {
      mergeRareAccumulators(into, runRareShard(topo.model, settings, shard));
      done += (shard.to - shard.from) * CYCLES_PER_BATCH;
      onProgress?.(done);
    }
    return;
  }
  const threads = pool.get();
  const results = await Promise.all(
    shards.map(async (shard) => {
      const task: RareShardTask = { settings, shard };
      const acc = (await threads.run(task)) as RareAccumulator;
      done += (shard.to - shard.from) * CYCLES_PER_BATCH;
      onProgress?.(done);
      return acc;
    }),
  );
  // Merged in shard order, whatever order they finished in.
  for (const acc of results) mergeRareAccumulators(into, acc);
}

/**
 * Estimates a topology's rare service figures by failure biasing over regenerative cycles
 * (see cycles.ts) and returns the report. With `precision`, adds batches in steps (40, 80,
 * 160, ... batches of CYCLES_PER_BATCH cycles) until every service's unavailability has a
 * relative 95% CI half-width within it, or a budget runs out; step boundaries do not depend
 * on `jobs`, so a run stopped by precision or `maxCycles` after C cycles is a fixed run of C
 * cycles (settings.stop aside). Throws RareEventRefused (with what blocks it) when the
 * estimator does not apply, RangeError on bad options.
 */
export async function runRareEvent(topo: LoadedTopology, options: RareRunOptions = {}): Promise<RareEventReport> {
  const model = topo.model;
  const table = failureTable(model);
  const bias = options.bias ?? autoBias(table);
  if (!(bias >= 1 && Number.isFinite(bias))) throw new RangeError(`the failure bias must be a finite number >= 1, got ${bias}`);
  const biasReason =
    options.bias !== undefined
      ? 'set on the command line'
      : `automatic: 1 + 1 / (2 Λ r_max), Λ = ${(table.lambda * 365 * 86400).toPrecision(3)} failures/y, r_max = ${(table.longestRepair / 3600).toPrecision(3)} h`;
  const settings: RareSettings = { seed: options.seed ?? model.defaults.seed, bias, maxEventsPerCycle: options.maxEventsPerCycle };
  checkRareBudget(topo, settings, options.precision === undefined ? (options.cycles ?? 100_000) : RARE_PRECISION_FIRST * CYCLES_PER_BATCH);
  const jobs = options.jobs ?? 1;
  const pool = jobs > 1 ? new LazyPool(topo, jobs) : null;
  try {
    return await run(pool);
  } finally {
    await pool?.destroy();
  }

  async function run(pool: LazyPool | null): Promise<RareEventReport> {
    const acc = emptyRareAccumulator(model);
    let stop: RareStop | undefined;
    let summary: RareSummary;
    if (options.precision === undefined) {
      const cycles = options.cycles ?? 100_000;
      if (!(Number.isInteger(cycles) && cycles > 0)) throw new RangeError(`cycles must be a positive integer, got ${cycles}`);
      const batches = Math.ceil(cycles / CYCLES_PER_BATCH);
      await runBatches(topo, settings, 0, batches, pool, acc, options.onProgress ? (d) => options.onProgress!(d, batches * CYCLES_PER_BATCH) : undefined);
      summary = summarizeRare(model, acc, bias, biasReason, options.bias === undefined);
    } else {
      const { precision } = options;
      if (!(precision > 0 && precision < 1)) throw new RangeError(`precision must be in (0, 1), e.g. 0.1 for 10%, got ${precision}`);
      if (options.cycles !== undefined) throw new RangeError('a run to precision decides the number of cycles: give maxCycles as its budget instead');
      const maxCycles = options.maxCycles ?? 100_000_000;
      if (!(Number.isInteger(maxCycles) && maxCycles > 0)) throw new RangeError(`maxCycles must be a positive integer, got ${maxCycles}`);
      const maxBatches = Math.ceil(maxCycles / CYCLES_PER_BATCH);
      const started = Date.now();
      let done = 0;
      let worst = Infinity;
      for (;;) {
        const to = nextPrecisionStep(done, worst, precision, RARE_PRECISION_FIRST, maxBatches, BATCHES_PER_SHARD);
        await runBatches(topo, settings, done, to, pool, acc, options.onProgress ? (d) => options.onProgress!(d, to * CYCLES_PER_BATCH) : undefined);
        done = to;
        summary = summarizeRare(model, acc, bias, biasReason, options.bias === undefined);
        worst = Math.max(...summary.services.map((s) => s.relativeHalfWidth));
        options.onStep?.(acc.cycles, worst);
        // Untrustworthy weights reach no precision, and more cycles of the same bias do not mend them.
        const reason = summary.problems.length > 0 ? 'degenerate' : worst <= precision ? 'precision' : done >= maxBatches ? 'max-cycles' : options.maxTimeSeconds !== undefined && (Date.now() - started) / 1000 >= options.maxTimeSeconds ? 'max-time' : null;
        if (reason) {
          stop = { precision, maxCycles, maxTimeSeconds: options.maxTimeSeconds ?? null, reason };
          break;
        }
      }
    }
    return {
      nfvsim: VERSION,
      input: { file: topo.file, name: model.name, sha256: topo.sha256 },
      settings: {
        seed: settings.seed,
        method: 'failure-biasing',
        bias,
        biasReason,
        cycles: acc.cycles,
        cyclesPerBatch: CYCLES_PER_BATCH,
        maxEventsPerCycle: options.maxEventsPerCycle ?? null,
        ...(stop ? { stop } : {}),
      },
      results: summary,
    };
  }
}
