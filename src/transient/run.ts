/**
 * Transient and mission measures (`nfvsim transient`): point availability A(t) on a
 * time grid over the horizon, mission reliability R(t) = P(no outage in [0, t]), and
 * the distribution of interval availability per month and per year, estimated from
 * independent histories that all start at time 0 from everything new and up (or with
 * given components failed at 0), with no warm-up.
 *
 * Estimators (n histories, per service; an outage is a down period of positive length,
 * as the recorder books it):
 * - A(t_k): the share of histories down at t_k (start <= t_k < end of one of their
 *   outages), with a Wilson 95% interval; `se` is sqrt(p (1 - p) / n);
 * - R(t_k): the share of histories whose first outage starts after t_k (Wilson);
 * - interval availability of period j (month j = [j M, (j + 1) M), M = 365 d / 12, and
 *   year j likewise; only whole periods inside the horizon): 1 - downtime in it / its
 *   length. Per period, its mean over histories with a Student-t interval (its exact value
 *   is the mean of A(t) over the period). Pooled over the periods and histories: the
 *   quantiles (point estimates), and the share of periods that meet the target and the
 *   share with no downtime, with Student-t intervals over the histories' own shares
 *   (a history's periods are not independent of each other; histories are).
 * The outages come from the simulator's `onOutage` hook in replication order, so the
 * figures are the same bytes for any number of threads.
 */
import type { LoadedTopology } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import { addMoment, meanEstimate, moments, wilson, type Estimate, type Moments } from '../metrics/stats.js';
import { YEAR } from '../engine/units.js';
import { TopologyError } from '../model/errors.js';
import { VERSION } from '../version.js';
import type { RunSettings } from '../runner/replication.js';
import { runAllYielding, runsInline } from '../runner/run.js';
import { availableParallelism } from 'node:os';

/** A month: a twelfth of a 365-day year, seconds. */
export const MONTH = YEAR / 12;
/** Quantiles of interval availability reported, as probabilities. */
export const INTERVAL_QUANTILES = [0.01, 0.05, 0.1, 0.5] as const;

/** A component failed at time 0: its path in the model and the mode. */
export interface InitialDown {
  /** The component's path in the model, e.g. `vnfs.vFW.instances.1.app` or `hosts.compute-1.hardware` (a wrong one is answered with the list). */
  path: string;
  /** The failure mode's name. */
  mode: string;
  component: number;
  modeIndex: number;
}

/**
 * Parses `--initial-down` specs (`<component path>` or `<component path>:<mode>`; the
 * first failure mode by default) against the model. Throws a TopologyError naming the
 * spec and what exists.
 */
export function parseInitialDown(topo: LoadedTopology, specs: readonly string[]): InitialDown[] {
  const model = topo.model;
  const out: InitialDown[] = [];
  for (const spec of specs) {
    const i = spec.lastIndexOf(':');
    const path = i >= 0 ? spec.slice(0, i) : spec;
    const c = model.components.find((x) => x.path === path);
    const fail = (message: string) => new TopologyError(topo.file, [{ path: `--initial-down ${spec}`, message }]);
    if (!c) {
      const failing = model.components.filter((x) => x.modes.length > 0).map((x) => x.path);
      throw fail(`no component '${path}'; components that can fail: ${failing.slice(0, 12).join(', ')}${failing.length > 12 ? `, ... (${failing.length})` : ''}`);
    }
    if (c.modes.length === 0) throw fail(`'${path}' (type ${c.type}) has no failure mode: it cannot be down`);
    const mode = i >= 0 ? spec.slice(i + 1) : c.modes[0].name;
    const m = c.modes.findIndex((x) => x.name === mode);
    if (m < 0) throw fail(`type ${c.type} has no failure mode '${mode}'; it has: ${c.modes.map((x) => x.name).join(', ')}`);
    if (out.some((o) => o.component === c.index)) throw fail(`'${path}' is given twice`);
    out.push({ path, mode, component: c.index, modeIndex: m });
  }
  return out;
}

/** Interval availability over periods of one length, for one service. */
export interface IntervalAvailability {
  /** The period, seconds (a month or a year). */
  periodSeconds: number;
  /** Whole periods in the horizon (per history). */
  periods: number;
  /** Per period j: mean interval availability over the histories (Student-t 95%). */
  byPeriod: Estimate[];
  /** Pooled over periods and histories: mean interval availability (t interval over the histories' means). */
  mean: Estimate;
  /** Quantiles of the pooled interval availability (INTERVAL_QUANTILES), point estimates. */
  quantiles: Array<{ p: number; availability: number }>;
  /** The target a period is judged against (the service's, or --target), or null. */
  target: number | null;
  /** Share of periods whose interval availability is at least the target (null without a target). */
  meetsTarget: Estimate | null;
  /** Share of periods with no downtime at all. */
  noDowntime: Estimate;
  /** P(downtime in a period >= x minutes) at up to 120 of the positive values x seen (for the chart), x ascending. */
  exceedance: Array<{ minutes: number; probability: number }>;
}

/** The transient figures of one service. */
export interface ServiceTransient {
  name: string;
  /** A(t) at each grid time: share of histories up. */
  availability: Estimate[];
  /** R(t) at each grid time: share of histories with no outage in [0, t]. */
  reliability: Estimate[];
  /** The exact values from the Markov chain (all-exponential models, from everything up), or null. */
  exact: { availability: number[]; reliability: number[] } | null;
  /** Steady-state availability from the Markov chain, when it was solved. */
  exactSteadyState: number | null;
  month: IntervalAvailability | null;
  year: IntervalAvailability | null;
}

/** What `transient.json` holds. Times in seconds. */
export interface TransientResults {
  nfvsim: string;
  topology: { file: string; sha256: string; name: string };
  settings: { seed: number; runs: number; horizonSeconds: number; points: number; initialDown: Array<{ path: string; mode: string }> };
  /** The grid: `points` + 1 times from 0 to the horizon. */
  times: number[];
  /** Why the exact transient is not beside the estimates (null when it is). */
  exactNote: string | null;
  services: ServiceTransient[];
}

/** Smallest k with xs[k] >= x (xs ascending); xs.length when none. */
function firstAtLeast(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per service, per period length: what the histories so far add up to. */
class PeriodTally {
  /** Downtime (s) of every period of every history, history-major. */
  readonly downtime: Float64Array;
  readonly byPeriod: Moments[];
  readonly historyMean = moments();
  readonly historyMeets = moments();
  readonly historyClean = moments();
  private readonly cur: Float64Array;
  private r = 0;
  constructor(
    readonly length: number,
    readonly periods: number,
    runs: number,
    readonly target: number | null,
  ) {
    this.downtime = new Float64Array(runs * periods);
    this.byPeriod = Array.from({ length: periods }, () => moments());
    this.cur = new Float64Array(periods);
  }
  /** Adds down period [a, b) of the current history. */
  add(a: number, b: number): void {
    const L = this.length;
    for (let j = Math.floor(a / L); j < this.periods && j * L < b; j++) {
      const lo = Math.max(a, j * L);
      const hi = Math.min(b, (j + 1) * L);
      if (hi > lo) this.cur[j] += hi - lo;
    }
  }
  /** Ends the current history. */
  close(): void {
    let sum = 0;
    let meets = 0;
    let clean = 0;
    for (let j = 0; j < this.periods; j++) {
      const ia = 1 - this.cur[j] / this.length;
      addMoment(this.byPeriod[j], ia);
      sum += ia;
      if (this.target !== null && ia >= this.target) meets++;
      if (this.cur[j] === 0) clean++;
      this.downtime[this.r * this.periods + j] = this.cur[j];
    }
    addMoment(this.historyMean, sum / this.periods);
    addMoment(this.historyMeets, meets / this.periods);
    addMoment(this.historyClean, clean / this.periods);
    this.cur.fill(0);
    this.r++;
  }
  result(): IntervalAvailability {
    const n = this.downtime.length;
    const sorted = Float64Array.from(this.downtime).sort();
    // Interval availability ascending is downtime descending: the p-quantile of availability is the (1 - p)-quantile of downtime.
    const q = (p: number) => 1 - sorted[Math.min(n - 1, Math.max(0, Math.ceil((1 - p) * n) - 1))] / this.length;
    const positive = sorted.filter((x) => x > 0);
    const exceedance: Array<{ minutes: number; probability: number }> = [];
    const shown = Math.min(120, positive.length);
    for (let i = 0; i < shown; i++) {
      // Evenly spaced ranks among the positive values, the largest included.
      const x = positive[Math.floor((i * (positive.length - 1)) / Math.max(1, shown - 1))];
      exceedance.push({ minutes: x / 60, probability: (n - firstAtLeast(sorted, x)) / n });
    }
    return {
      periodSeconds: this.length,
      periods: this.periods,
      byPeriod: this.byPeriod.map((m) => meanEstimate(m)),
      mean: meanEstimate(this.historyMean),
      quantiles: INTERVAL_QUANTILES.map((p) => ({ p, availability: q(p) })),
      target: this.target,
      meetsTarget: this.target === null ? null : meanEstimate(this.historyMeets),
      noDowntime: meanEstimate(this.historyClean),
      exceedance,
    };
  }
}

/**
 * Folds the outages of histories 0..runs-1 (delivered in replication order, as
 * `RunSettings.onOutage` gives them) into the transient figures. Histories with no
 * outage get no call: a history is closed when a later one's first outage arrives, or
 * at `finish`.
 */
export class TransientCollector {
  private readonly down: Int32Array[];
  /** Per service: histories whose first outage starts at or before t_k, as a difference array. */
  private readonly firstAt: Int32Array[];
  private readonly first: number[];
  private readonly months: Array<PeriodTally | null>;
  private readonly years: Array<PeriodTally | null>;
  private current = 0;
  constructor(
    readonly services: number,
    readonly runs: number,
    readonly horizon: number,
    readonly times: readonly number[],
    targets: ReadonlyArray<number | null>,
  ) {
    const k = times.length;
    this.down = Array.from({ length: services }, () => new Int32Array(k));
    this.firstAt = Array.from({ length: services }, () => new Int32Array(k + 1));
    this.first = new Array(services).fill(Infinity);
    const tally = (L: number, s: number) => {
      const periods = Math.floor(horizon / L + 1e-9);
      return periods > 0 ? new PeriodTally(L, periods, runs, targets[s]) : null;
    };
    this.months = targets.map((_, s) => tally(MONTH, s));
    this.years = targets.map((_, s) => tally(YEAR, s));
  }

  /** One outage of history `r` of service `s` (`onOutage`'s arguments). */
  readonly onOutage = (s: number, r: number, o: OutageRecord): void => {
    while (this.current < r) this.close();
    // Still going at the horizon: down at the horizon too.
    const end = o.censored && o.end >= this.horizon ? Infinity : o.end;
    const t = this.times;
    const a = firstAtLeast(t, o.start);
    const b = end === Infinity ? t.length : firstAtLeast(t, end);
    const d = this.down[s];
    for (let k = a; k < b; k++) d[k]++;
    if (o.start < this.first[s]) this.first[s] = o.start;
    this.months[s]?.add(o.start, Math.min(o.end, this.horizon));
    this.years[s]?.add(o.start, Math.min(o.end, this.horizon));
  };

  /** Ends history `current`. */
  private close(): void {
    for (let s = 0; s < this.services; s++) {
      if (this.first[s] !== Infinity) this.firstAt[s][firstAtLeast(this.times, this.first[s])]++;
      this.first[s] = Infinity;
      this.months[s]?.close();
      this.years[s]?.close();
    }
    this.current++;
  }

  /** Closes the remaining histories and returns, per service, A(t), R(t) and interval availability. */
  finish(): Array<Pick<ServiceTransient, 'availability' | 'reliability' | 'month' | 'year'>> {
    while (this.current < this.runs) this.close();
    const n = this.runs;
    return this.down.map((d, s) => {
      let hadOutage = 0;
      const reliability: Estimate[] = [];
      for (let k = 0; k < this.times.length; k++) {
        hadOutage += this.firstAt[s][k];
        reliability.push(wilson(n - hadOutage, n));
      }
      return {
        availability: Array.from(d, (x) => wilson(n - x, n)),
        reliability,
        month: this.months[s]?.result() ?? null,
        year: this.years[s]?.result() ?? null,
      };
    });
  }
}

/** Options of a transient study. Times in seconds; each defaults to the topology's. */
export interface TransientOptions {
  runs?: number;
  seed?: number;
  horizon?: number;
  /** Grid intervals: A(t) and R(t) at `points` + 1 times from 0 to the horizon (default 100). */
  points?: number;
  /** Components failed at time 0 (`<path>` or `<path>:<mode>`). */
  initialDown?: readonly string[];
  /** The availability a month or a year is judged against (default: each service's target). */
  target?: number;
  /** Put the exact Markov transient beside the estimates when the model allows it (default true). */
  exact?: boolean;
  /** Worker threads (default: the available parallelism, when `eventsPerRun` says the run is worth starting them). */
  jobs?: number;
  /** Estimated events per history (see SimulateOptions.eventsPerRun). */
  eventsPerRun?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The grid of a study: points + 1 times from 0 to the horizon. */
export function transientGrid(horizon: number, points: number): number[] {
  return Array.from({ length: points + 1 }, (_, k) => (k === points ? horizon : (k * horizon) / points));
}

/** Runs a transient study of a loaded topology (histories on threads when worth it, then the exact chain when asked and possible). */
export async function transientStudy(topo: LoadedTopology, opts: TransientOptions = {}): Promise<TransientResults> {
  const model = topo.model;
  const d = model.defaults;
  const runs = opts.runs ?? d.runs;
  const seed = opts.seed ?? d.seed;
  const horizon = opts.horizon ?? d.horizon;
  const points = opts.points ?? 100;
  const initial = parseInitialDown(topo, opts.initialDown ?? []);
  const times = transientGrid(horizon, points);
  const targets = model.services.map((s) => opts.target ?? s.target);
  const collector = new TransientCollector(model.services.length, runs, horizon, times, targets);
  const settings: RunSettings = { seed, horizon, warmup: 0, onOutage: collector.onOutage };
  if (initial.length) settings.initialFailures = initial.map((i) => ({ component: i.component, mode: i.modeIndex }));
  // Without `jobs`: the machine's threads, for a run worth starting them (see runsInline).
  const jobs = opts.jobs ?? availableParallelism();
  if (runsInline(jobs, runs, opts.jobs === undefined ? (opts.eventsPerRun ?? Infinity) : Infinity)) await runAllYielding(model, settings, runs, opts.onProgress);
  else await (await import('../runner/parallel.js')).runParallel(topo, settings, runs, jobs, opts.onProgress);
  const figures = collector.finish();
  let exactNote: string | null = null;
  let exact: Array<{ availability: number[]; reliability: number[]; steady: number } | null> = model.services.map(() => null);
  if (opts.exact === false) exactNote = 'not asked for (--no-exact)';
  else if (initial.length > 0) exactNote = 'the exact transient is computed from everything new and up only';
  else {
    const { analyzeModel, AnalysisRefused } = await import('../analysis/markov.js');
    try {
      const a = analyzeModel(model, { times, maxStates: 20_000 });
      exact = a.services.map((s) => (s.transient ? { ...s.transient, steady: s.availability } : null));
      const refused = a.services.find((s) => s.transientRefused)?.transientRefused;
      if (refused) exactNote = `the Markov chain is too stiff for uniformisation over this horizon: ${refused}`;
    } catch (e) {
      if (!(e instanceof AnalysisRefused)) throw e;
      exactNote = `no exact Markov chain: ${e.reasons.slice(0, 3).join('; ')}${e.reasons.length > 3 ? '; ...' : ''}`;
    }
  }
  return {
    nfvsim: VERSION,
    topology: { file: topo.file, sha256: topo.sha256, name: model.name },
    settings: { seed, runs, horizonSeconds: horizon, points, initialDown: initial.map((i) => ({ path: i.path, mode: i.mode })) },
    times,
    exactNote,
    services: model.services.map((s, i) => {
      const x = exact[i];
      return { name: s.name, ...figures[i], exact: x ? { availability: x.availability, reliability: x.reliability } : null, exactSteadyState: x ? x.steady : null };
    }),
  };
}
