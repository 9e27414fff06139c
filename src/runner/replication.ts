/**
 * One replication as a pure function: (model, seed, replication index, horizon) ->
 * plain JSON. No I/O, no shared state, so any executor (inline, worker threads,
 * another machine) gets the same result for the same inputs.
 */
import { Scheduler, EventLimitError } from '../engine/scheduler.js';
import { StreamFactory } from '../engine/rng.js';
import type { SystemModel } from '../model/build.js';
import { recorderOptionsOf, SystemSim, type TraceEvent } from '../sim/system.js';
import type { OutageRecord, ServiceReplication } from '../metrics/recorder.js';
import type { ReplicationResult } from '../metrics/replication.js';

export type { ReplicationResult } from '../metrics/replication.js';

/** Settings of a run, shared by all its replications. Times in seconds. */
export interface RunSettings {
  /** Seed of every random stream. */
  seed: number;
  /** Simulated time per replication (seconds, > warmup). */
  horizon: number;
  /** Time at the start not counted in the statistics (seconds, >= 0). */
  warmup: number;
  /** Cap on events per replication; a replication that hits it stops there and is marked truncated. */
  maxEvents?: number;
  /** Called for every outage booked (service index, replication index, outage); for --csv. */
  onOutage?: (service: number, replication: number, o: OutageRecord) => void;
  /**
   * Components (index into model.components) that fail at time 0, each in the given mode
   * (index into its modes), as if that mode had fired then (its repair, detection and
   * recovery run as usual; the mode's clock is drawn afresh): a transient study from a
   * given state (`nfvsim transient --initial-down`). Absent: everything new and up.
   */
  initialFailures?: ReadonlyArray<{ component: number; mode: number }>;
}

/** Options of one traced replication. */
export interface TraceOptions {
  /** Receives every event of the history, in order. */
  trace?: (e: TraceEvent) => void;
}

const SIMS = new WeakMap<SystemModel, SystemSim>();

/**
 * Replication 0 of a model as a pilot ran it (the event budget's, runner/budget.ts), kept
 * for the run that usually follows in the same thread: it is the result that run would
 * compute (a replication is a function of its inputs), so `runReplication` hands it over
 * once instead of running the same history twice. Kept only when nothing it was run with
 * can make it differ: no warm-up, not stopped by its event cap; handed over only for the
 * same model, seed and horizon, no warm-up, a cap it stays under, and nothing that must
 * see the history happen (no outage callback, trace or initial failures).
 */
let pilotKept: { model: SystemModel; seed: number; horizon: number; result: ReplicationResult } | null = null;

/** Keeps `result`, replication 0 of `model` run by a pilot with `settings` (see pilotKept), or forgets any kept one when it may not be handed over. */
export function keepPilot(model: SystemModel, settings: RunSettings, result: ReplicationResult): void {
  pilotKept = plainSettings(settings) && !result.truncated && result.replication === 0 ? { model, seed: settings.seed, horizon: settings.horizon, result } : null;
}

/** True when `settings` neither skip a warm-up nor watch the history (outage callback, initial failures): what a kept pilot needs on both sides. */
function plainSettings(settings: RunSettings): boolean {
  return settings.warmup === 0 && settings.onOutage === undefined && settings.initialFailures === undefined;
}

/** Runs replication `replication` of `model` under `settings`. Deterministic in its inputs. */
export function runReplication(model: SystemModel, settings: RunSettings, replication: number, opts: TraceOptions = {}): ReplicationResult {
  const { horizon, warmup } = settings;
  if (!(horizon > warmup) || !(warmup >= 0)) throw new RangeError(`horizon (${horizon} s) must exceed warm-up (${warmup} s) >= 0`);
  const kept = pilotKept;
  if (kept !== null && replication === 0) {
    pilotKept = null;
    if (
      kept.model === model &&
      kept.seed === settings.seed &&
      kept.horizon === horizon &&
      plainSettings(settings) &&
      (settings.maxEvents ?? Infinity) >= kept.result.events &&
      opts.trace === undefined
    )
      return kept.result;
  }
  // One SystemSim per model and thread, reset for each replication (allocating a fresh
  // one per short history cost more than the history itself).
  let sys = SIMS.get(model);
  if (!sys) {
    sys = new SystemSim(model, new Scheduler());
    // A rehearsal: one reset and start, undone by the reset below (which re-seeds every
    // stream and rebuilds every piece of state: same results). It writes every field that
    // a reset and a start write, so that the first history already writes them a second
    // time. V8 treats a field written once as a constant; the second write, in the second
    // history, gave SystemSim, its components and groups new hidden classes and threw out
    // the code optimised in the first history, compiled again with feedback from both
    // (B1 from the CLI 1,044 -> 1,038 instructions per event; the default topology 3,200
    // -> 3,168 in process, 67 -> 44 deoptimizations in a default run).
    sys.reset(new StreamFactory(settings.seed, replication), warmup, recorderOptionsOf(model), undefined, null);
    sys.start();
    SIMS.set(model, sys);
  }
  const scheduler = sys.scheduler;
  const onOutage = settings.onOutage;
  sys.reset(
    new StreamFactory(settings.seed, replication),
    warmup,
    recorderOptionsOf(model),
    onOutage ? (s, o) => onOutage(s, replication, o) : undefined,
    opts.trace ?? null,
  );
  sys.start();
  if (settings.initialFailures) for (const f of settings.initialFailures) sys.components[f.component].failNow(f.mode);
  let truncated = false;
  let end = horizon;
  try {
    scheduler.run(horizon, settings.maxEvents ?? Infinity);
  } catch (e) {
    if (!(e instanceof EventLimitError)) throw e;
    truncated = true;
    end = scheduler.now;
  }
  return finishReplication(sys, replication, end, warmup, truncated);
}

/**
 * Closes the books of `sys` (replication `replication`, warm-up `warmup` seconds) at time
 * `end` and returns its result; `truncated`: stopped by the event cap.
 */
export function finishReplication(sys: SystemSim, replication: number, end: number, warmup: number, truncated = false): ReplicationResult {
  sys.finish(end);
  // Plain loops, not `map`: V8 gives an array made by `map` another shape once the
  // caller is compiled, and the code that reads it is then thrown away.
  const services: ServiceReplication[] = [];
  for (let i = 0; i < sys.services.length; i++) services.push(sys.services[i].result());
  const groupCounters: number[][] = [];
  for (let g = 0; g < sys.groups.length; g++) groupCounters.push(sys.groups[g].counters.slice());
  return {
    replication,
    window: Math.max(0, end - warmup),
    events: sys.scheduler.processed,
    truncated,
    services,
    failuresByLayer: sys.failuresByLayer.slice(),
    groupCounters,
  };
}
