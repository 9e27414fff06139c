/**
 * One replication as a pure function: (model, seed, replication index, horizon) ->
 * plain JSON. No I/O, no shared state, so any executor (inline, worker threads,
 * another machine) gets the same result for the same inputs.
 */
import { Scheduler, EventLimitError } from '../engine/scheduler.js';
import { StreamFactory } from '../engine/rng.js';
import type { SystemModel } from '../model/build.js';
import { recorderOptionsOf, SystemSim, type TraceEvent } from '../sim/system.js';
import type { OutageRecord } from '../metrics/recorder.js';
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

/** Runs replication `replication` of `model` under `settings`. Deterministic in its inputs. */
export function runReplication(model: SystemModel, settings: RunSettings, replication: number, opts: TraceOptions = {}): ReplicationResult {
  const { horizon, warmup } = settings;
  if (!(horizon > warmup) || !(warmup >= 0)) throw new RangeError(`horizon (${horizon} s) must exceed warm-up (${warmup} s) >= 0`);
  // One SystemSim per model and thread, reset for each replication (allocating a fresh
  // one per short history cost more than the history itself).
  let sys = SIMS.get(model);
  if (!sys) {
    sys = new SystemSim(model, new Scheduler());
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
  return {
    replication,
    window: Math.max(0, end - warmup),
    events: sys.scheduler.processed,
    truncated,
    services: sys.services.map((s) => s.result()),
    failuresByLayer: sys.failuresByLayer.slice(),
    groupCounters: sys.groups.map((g) => g.counters.slice()),
  };
}
