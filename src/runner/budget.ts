/**
 * An estimate of the events a run will handle, checked against a budget before the run
 * starts, so that a clock far too fast for the horizon (a 1 ms common-cause clock, an
 * upgrade campaign every millisecond, a horizon of a million years) is refused in a
 * second with a message instead of running for hours.
 *
 * The estimate is measured, not modelled: the first replication is run (events only, no
 * output) until it reaches the horizon or PILOT_EVENTS events, whichever comes first, and
 * its rate of events per simulated second is extrapolated to the horizon and multiplied
 * by the replications. It builds on the scheduler's event cap (EventLimitError), which
 * stops the pilot. To name the culprit, the fastest clock of the model is found from the
 * mean of each clock (see `fastestClocks`).
 */
import type { SystemModel } from '../model/build.js';
import { TopologyError, type InputIssue } from '../model/errors.js';
import { EVENT_BUDGET, limitValue } from '../model/limits.js';
import { formatDuration } from '../engine/units.js';
import { keepPilot, runReplication, type RunSettings } from './replication.js';

/** Events the pilot replication may handle (a few tens of milliseconds of work). */
export const PILOT_EVENTS = 200_000;

/** Events of each point's pilot in a sweep (points are many; a pilot of a few milliseconds each). */
export const SWEEP_PILOT_EVENTS = 20_000;

/** Events per second one core handles on a typical model (the default topology: about 4 M/s); for the time in messages. */
const EVENTS_PER_SECOND = 4e6;

/** What the pilot measured. */
export interface EventEstimate {
  /** Estimated events of one replication of `horizon` seconds. */
  perReplication: number;
  /** Events the pilot handled. */
  pilotEvents: number;
  /** Simulated seconds the pilot covered. */
  pilotSeconds: number;
  /** True when the pilot reached the horizon (the first replication's count is then exact). */
  complete: boolean;
  /**
   * The pilot's second half (its last pilotEvents/2 events and the simulated seconds they
   * took), when its rate, carried to the horizon, gave the estimate: a clock that starts
   * late (an upgrade campaign every microsecond from day 45) shows only there.
   */
  late?: { events: number; seconds: number };
}

/**
 * Measures the events of one replication of `horizon` seconds by running replication 0
 * of `model` (seed `seed`) for at most `pilotEvents` events. When the pilot stops short
 * of the horizon, the estimate is the larger of two extrapolations: the pilot's mean
 * rate over the horizon, and its events so far plus the rate of its second half over the
 * rest (the first half is the same history stopped earlier: the second half's events
 * and simulated time are the difference). A pilot that handles every allowed event
 * without simulated time advancing estimates Infinity.
 */
export function estimateEvents(model: SystemModel, seed: number, horizon: number, pilotEvents = PILOT_EVENTS): EventEstimate {
  // No warm-up: it changes what is counted, not what happens.
  const settings = (maxEvents: number): RunSettings => ({ seed, horizon, warmup: 0, maxEvents });
  const pilot = (maxEvents: number) => runReplication(model, settings(maxEvents), 0);
  const r = pilot(pilotEvents);
  // A whole history: the run's replication 0 when it follows with the same settings.
  keepPilot(model, settings(pilotEvents), r);
  if (!r.truncated) return { perReplication: r.events, pilotEvents: r.events, pilotSeconds: horizon, complete: true };
  const mean = r.window > 0 ? (r.events / r.window) * horizon : Infinity;
  const half = pilot(Math.floor(pilotEvents / 2));
  const late = { events: r.events - half.events, seconds: r.window - half.window };
  const recent = late.seconds > 0 ? r.events + (late.events / late.seconds) * (horizon - r.window) : 0;
  const estimate: EventEstimate = { perReplication: Math.max(mean, recent), pilotEvents: r.events, pilotSeconds: r.window, complete: false };
  return recent > mean ? { ...estimate, late } : estimate;
}

/** A clock of the model and its mean period: what makes events. */
export interface Clock {
  /** Where it is set in the topology, e.g. `components.app.failures.crash` or `upgrades.u.every`. */
  path: string;
  /** Events per simulated second it causes, roughly (firings times what each firing touches). */
  rate: number;
  /** Its mean period (seconds). */
  period: number;
}

/**
 * The clocks of a model, fastest first: failure modes (a cycle of mean ttf + mean repair
 * per component), common-cause clocks (each firing touches every component of the type),
 * maintenance plans and upgrade campaigns (per host or instance and period).
 */
export function fastestClocks(model: SystemModel): Clock[] {
  const byPath = new Map<string, Clock>();
  const add = (path: string, period: number, touches: number) => {
    if (!(period > 0) || !Number.isFinite(period)) {
      if (period === 0) byPath.set(path, { path, rate: Infinity, period });
      return;
    }
    const c = byPath.get(path) ?? { path, rate: 0, period };
    c.rate += touches / period;
    c.period = Math.min(c.period, period);
    byPath.set(path, c);
  };
  for (const comp of model.components) {
    for (const m of comp.modes) add(`components.${comp.type}.failures.${m.name}`, m.ttf.mean + m.repair.mean, 1);
  }
  for (const cc of model.commonCauses) add(cc.path, cc.ttf.mean, 1 + cc.components.length);
  for (const p of model.maintenance) add(`maintenance.${p.name}.every`, p.every, p.hosts.length);
  for (const u of model.upgrades) add(`upgrades.${u.name}.every`, u.every, model.functions[u.target].n);
  return [...byPath.values()].sort((a, b) => b.rate - a.rate);
}

/**
 * Refuses a run whose estimated events exceed the budget (EVENT_BUDGET, 2e9 by default,
 * NFVSIM_EVENT_BUDGET): throws a TopologyError naming `file`, the fastest clock and how
 * to go on (`advice`: the options that shorten the run or cap it). `points` are the
 * models to run (one for `run`, one per point for a sweep), each for `runs` replications
 * of `horizon` seconds with `seed`. A sweep's pilots are shorter (`pilotEvents`), and
 * its clocks are in another file (`clockIn`): the issue is then put at `runs` in `file`.
 * Returns the largest estimated events of one replication among the points (for
 * `runsInline`: whether threads are worth starting).
 */
export function checkEventBudget(
  points: readonly SystemModel[],
  settings: { seed: number; horizon: number; runs: number },
  file: string,
  advice: string,
  opts: { pilotEvents?: number; clockIn?: string } = {},
): number {
  const pilotEvents = opts.pilotEvents ?? PILOT_EVENTS;
  const budget = limitValue(EVENT_BUDGET);
  let total = 0;
  let worst: { model: SystemModel; estimate: EventEstimate } | undefined;
  for (const model of points) {
    const estimate = estimateEvents(model, settings.seed, settings.horizon, pilotEvents);
    total += estimate.perReplication * settings.runs;
    if (!worst || estimate.perReplication > worst.estimate.perReplication) worst = { model, estimate };
    if (!(total <= budget)) break;
  }
  if (total <= budget || !worst) return worst?.estimate.perReplication ?? 0;
  const e = worst.estimate;
  const clock = fastestClocks(worst.model)[0];
  const count = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(2)).toExponential() : 'unbounded');
  const hours = total / EVENTS_PER_SECOND / 3600;
  const issue: InputIssue = {
    path: opts.clockIn !== undefined ? 'runs' : (clock?.path ?? ''),
    message:
      `this run would handle about ${count(total)} events (${settings.runs.toLocaleString('en-US')} runs x ${formatDuration(settings.horizon)}` +
      `${points.length > 1 ? ` x ${points.length} points` : ''}; measured over the first ${formatDuration(e.pilotSeconds)} of one history: ${e.pilotEvents.toLocaleString('en-US')} events` +
      `${e.late ? `, the last ${e.late.events.toLocaleString('en-US')} of them in ${formatDuration(e.late.seconds)}` : ''}), ` +
      `more than the budget of ${count(budget)}${Number.isFinite(hours) ? ` (this one would take some ${hours < 48 ? `${Math.ceil(hours)} h` : `${Math.ceil(hours / 24)} days`} on one core)` : ''}; ` +
      (clock ? `the fastest clock is ${opts.clockIn !== undefined ? `${clock.path} in ${opts.clockIn}` : 'here'} (${Number.isFinite(clock.rate) ? `about ${count(clock.rate * settings.horizon)} events per history, every ${formatDuration(clock.period)} on average` : 'a period of 0'}). ` : '') +
      `${advice[0].toUpperCase()}${advice.slice(1)}, or set ${EVENT_BUDGET.env} to raise the budget.`,
  };
  throw new TopologyError(file, [issue]);
}
