/**
 * The per-replication recorder of one service: a pure state machine fed with the
 * service's level over time (up or down, served capacity, recovery phase, cause of the
 * outage). It books downtime, outages with their phases, incidents (periods with
 * capacity < 1) and their impact fraction, SAL breaches, correlated failures per impact
 * zone, and downtime per simulated year and month. Hand-built timelines test it.
 *
 * Definitions (times in seconds, inside the window [windowStart, end]):
 * - outage: a maximal period with the service down and positive length; it counts when
 *   part of it lies inside the window; its recovery time is its duration, split into
 *   the phases reported while it lasted (they add up to it); its detection time is its
 *   time in the `detection` phase. An outage cut by the window's start or end is
 *   censored: counted, but its (unknown) recovery time is left out of the recovery,
 *   SAL and TL-9000 figures.
 * - incident: a maximal period with served capacity < 1 (outages included); its impact
 *   fraction is the largest share of capacity lost during it (1 for an outage).
 * - failure frequency: outages per year; outages whose causes lie in the same impact
 *   zone (the host, rack or site of the failed component) within `probation` seconds of
 *   the first outage of a group (a window fixed at that first outage, not sliding) count
 *   as one correlated failure.
 */
import { addLin, linHistogram, type LinHistogram } from './histogram.js';
import { addSketch, addZeros, sketch, type QuantileSketch } from './sketch.js';
import { TL9000_SECONDS, type SalBounds } from './sal.js';
import { doubles, FRACTION } from './stats.js';

/**
 * Recovery phases of an outage, in report order. `notification` and `waiting` come from
 * detection-driven recovery (mechanisms/recovery.ts): the path from a detection to the
 * manager that acts, and a recovery step waiting for a control-plane service or manager
 * it needs. New phases go at the end (outputs list phases by index).
 */
export const PHASES = ['detection', 'fencing', 'failover', 'restart', 'manual', 'splitBrain', 'notification', 'waiting'] as const;
/** A recovery phase. */
export type Phase = (typeof PHASES)[number];
/** Index of each phase. */
export const PHASE_INDEX: Readonly<Record<Phase, number>> = Object.fromEntries(PHASES.map((p, i) => [p, i])) as Record<Phase, number>;

/** PHASE_INDEX as a Map, for `phaseIndex`. */
const PHASE_MAP: ReadonlyMap<Phase, number> = new Map(PHASES.map((p, i) => [p, i]));

/** PHASE_INDEX.restart, the phase a group reports most (GroupOutput.set's default). */
const RESTART_INDEX = PHASE_INDEX.restart;

/**
 * The index of phase `p` (PHASE_INDEX[p]) for a phase that varies at run time: `restart`
 * by one comparison with a constant string, the others by a Map look-up (indexing
 * PHASE_INDEX by a varying name is a megamorphic keyed load).
 */
export function phaseIndex(p: Phase): number {
  return p === 'restart' ? RESTART_INDEX : PHASE_MAP.get(p)!;
}

/** What caused an outage: indices into the model's lists. */
export interface OutageCause {
  /** Layer index (into LAYERS). */
  layer: number;
  /** Component type index (SystemModel component types in order of first use). */
  type: number;
  /** Failure mode key index (type/mode pairs). */
  mode: number;
  /** Component index of the failed component. */
  component: number;
  /** Impact zone: index of the zone (host, rack or site) of the failed component. */
  zone: number;
}

/** One outage, as written to CSV. */
export interface OutageRecord {
  start: number;
  end: number;
  duration: number;
  /** Seconds in each phase, indexed like PHASES. */
  phases: number[];
  cause: OutageCause;
  /** Cut by the window's start or end (its true duration is unknown). */
  censored: boolean;
}

/** Settings of a recorder. */
export interface RecorderOptions {
  windowStart: number;
  /** Capacity thresholds x for "availability of at least x capacity". */
  capacityThresholds: readonly number[];
  /** SAL bounds, SAL 1..3. */
  salBounds: readonly SalBounds[];
  /** Probation window for correlated failures, seconds. */
  probation: number;
  /** Number of impact zones (for per-zone counts). */
  zones: number;
  /** SLA view: a whole simulated year with more downtime (seconds) than this breaches the budget. */
  downtimeBudget?: number;
  /** Called for every outage booked (for --csv); optional. */
  onOutage?: (o: OutageRecord) => void;
  /**
   * Book the totals only: downtime, capacity time, outages (censored ones too) and outages
   * over 15 s, the same as otherwise; no distributions (recovery, detection, impact,
   * yearly and monthly downtime), SAL breaches, correlated failures or attribution, and
   * no unplanned view. For splitting's trials (src/rare/splitting.ts), whose estimator
   * reads nothing else and whose copies then carry nothing else. Default false.
   */
  totalsOnly?: boolean;
}

/** What one replication recorded for one service. Plain JSON. */
export interface ServiceReplication {
  downtime: number;
  /** Outages with time inside the window (censored ones included). */
  outages: number;
  /** Of those, outages cut by the window's start or end: not in the recovery, SAL and TL-9000 figures. */
  censored: number;
  /** Integral of served capacity over the window. */
  capacityTime: number;
  /** Time with capacity >= each threshold. */
  timeAtLeast: number[];
  /** Recovery time per outage. */
  recovery: QuantileSketch;
  /** Detection time per outage. */
  detection: QuantileSketch;
  /** Total seconds per phase, indexed like PHASES. */
  phaseTime: number[];
  /** Impact fraction per incident. */
  impact: LinHistogram;
  /** Outages breaching SAL 1..3 (detection or recovery bound), and each bound alone. */
  salBreaches: number[];
  salDetectionBreaches: number[];
  salRecoveryBreaches: number[];
  /** Outages longer than 15 s (TL-9000). */
  tl9000: number;
  /** Correlated failures (after the probation window), in all and per zone. */
  correlated: number;
  correlatedByZone: number[];
  /** Downtime (s) by cause: layer, component type, failure mode. */
  downtimeByLayer: number[];
  downtimeByType: number[];
  downtimeByMode: number[];
  outagesByLayer: number[];
  /** Downtime per whole simulated year and month of the window (seconds). */
  yearly: QuantileSketch;
  monthly: QuantileSketch;
  /** Whole simulated years whose downtime exceeded the budget. */
  yearsOverBudget: number;
  /** With planned work in the model: the same figures with every outage and capacity incident that planned work started left out. */
  unplanned?: ServiceReplication;
}

const YEAR = 365 * 86400;
const MONTH = YEAR / 12;

/**
 * Adds the time [a, b] to `tally`, split over periods of `size` seconds from `w0`
 * (tally[k] covers [w0 + k size, w0 + (k + 1) size)). `tally` stays dense: periods before
 * the one reached are 0 (no holes, read and written at known element kinds).
 */
function spreadOver(w0: number, size: number, tally: number[], a: number, b: number): void {
  // The index is computed once and then stepped: recomputing it from x at an edge
  // can round down to the previous period and never advance.
  let idx = Math.floor((a - w0) / size);
  if (w0 + (idx + 1) * size <= a) idx++;
  let x = a;
  while (x < b) {
    const edge = w0 + (idx + 1) * size;
    const y = Math.min(b, edge);
    if (y > x) {
      while (tally.length <= idx) tally.push(0);
      tally[idx] += y - x;
    }
    x = y;
    idx++;
  }
}

/**
 * Adds the downtime of periods 0..periods-1 to `into`, `tally[k]` for period k (0 beyond
 * the tally's end, and for most periods: those go in as a count, `addZeros`). Returns how
 * many exceed `budget` (seconds). No period when `periods` <= 0 (a history stopped by its
 * event cap before the window began: its end lies before the window's start).
 */
function addPeriods(into: QuantileSketch, tally: readonly number[], periods: number, budget: number): number {
  if (!(periods > 0)) return 0;
  let zeros = periods;
  let over = 0;
  const n = Math.min(periods, tally.length);
  for (let k = 0; k < n; k++) {
    const d = tally[k];
    if (d === 0) continue;
    zeros--;
    addSketch(into, d);
    if (d > budget) over++;
  }
  addZeros(into, zeros);
  return 0 > budget ? over + zeros : over;
}

/** Books one service's history. */
export class ServiceRecorder {
  readonly result: ServiceReplication;
  private up = true;
  private capacity = 1;
  private phase = 3;
  private since: number;
  private outageStart = -1;
  private outageCause: OutageCause | null = null;
  private readonly outagePhases: number[] = doubles(PHASES.length);
  private incidentStart = -1;
  private incidentMin = 1;
  private readonly zoneWindow: Map<number, number> = new Map();
  private readonly yearDown: number[] = [];
  private readonly monthDown: number[] = [];

  constructor(
    private readonly opts: RecorderOptions,
    nLayers: number,
    nTypes: number,
    nModes: number,
  ) {
    this.since = opts.windowStart;
    this.result = {
      downtime: FRACTION,
      outages: 0,
      censored: 0,
      capacityTime: FRACTION,
      timeAtLeast: doubles(opts.capacityThresholds.length),
      recovery: sketch(),
      detection: sketch(),
      phaseTime: doubles(PHASES.length),
      impact: linHistogram(),
      salBreaches: doubles(opts.salBounds.length),
      salDetectionBreaches: doubles(opts.salBounds.length),
      salRecoveryBreaches: doubles(opts.salBounds.length),
      tl9000: 0,
      correlated: 0,
      correlatedByZone: doubles(opts.zones),
      downtimeByLayer: doubles(nLayers),
      downtimeByType: doubles(nTypes),
      downtimeByMode: doubles(nModes),
      outagesByLayer: doubles(nLayers),
      yearly: sketch(),
      monthly: sketch(),
      yearsOverBudget: 0,
    };
    // Doubles from the start (see `doubles`), then zero.
    this.result.downtime = this.result.capacityTime = 0;
  }

  /**
   * The service is now (`t`, never decreasing) `up` or not, serving `capacity` (0 when
   * down), in recovery `phase` (index into PHASES; read when down), with `cause` the
   * failure that started a new outage (read when it goes down).
   */
  update(t: number, up: boolean, capacity: number, phase: number, cause: OutageCause): void {
    this.advance(t);
    const wasUp = this.up;
    if (wasUp && !up) {
      this.outageStart = t;
      this.outageCause = cause;
      for (let i = 0; i < this.outagePhases.length; i++) this.outagePhases[i] = 0;
    } else if (!wasUp && up) this.closeOutage(t);
    if (capacity < 1 && this.incidentStart < 0) {
      this.incidentStart = t;
      this.incidentMin = capacity;
    } else if (capacity < 1 && capacity < this.incidentMin) this.incidentMin = capacity;
    else if (capacity >= 1 && this.incidentStart >= 0) this.closeIncident(t);
    this.up = up;
    this.capacity = capacity;
    this.phase = phase;
  }

  /** Closes the books at the end of the window. */
  finish(t: number): void {
    this.advance(t);
    if (!this.up) this.closeOutage(t, true);
    if (this.incidentStart >= 0) this.closeIncident(t);
    const r = this.result;
    if (this.opts.totalsOnly) return;
    const years = Math.floor((t - this.opts.windowStart) / YEAR + 1e-9);
    const budget = this.opts.downtimeBudget ?? Infinity;
    r.yearsOverBudget += addPeriods(r.yearly, this.yearDown, years, budget);
    addPeriods(r.monthly, this.monthDown, Math.floor((t - this.opts.windowStart) / MONTH + 1e-9), Infinity);
  }

  /** Accrues time-weighted figures from `since` to `t`. */
  private advance(t: number): void {
    const from = this.since > this.opts.windowStart ? this.since : this.opts.windowStart;
    if (t > from) {
      const dt = t - from;
      const r = this.result;
      r.capacityTime += this.capacity * dt;
      const th = this.opts.capacityThresholds;
      for (let i = 0; i < th.length; i++) if (this.capacity >= th[i]) r.timeAtLeast[i] += dt;
      if (!this.up) {
        r.downtime += dt;
        r.phaseTime[this.phase] += dt;
        if (!this.opts.totalsOnly) this.spread(from, t);
      }
    }
    if (!this.up && t > this.since) this.outagePhases[this.phase] += t - this.since;
    this.since = t;
  }

  /** Adds downtime [a, b] to the per-year and per-month tallies (called while down, at every change: allocates nothing). */
  private spread(a: number, b: number): void {
    spreadOver(this.opts.windowStart, YEAR, this.yearDown, a, b);
    spreadOver(this.opts.windowStart, MONTH, this.monthDown, a, b);
  }

  /**
   * Books the outage that ends at `t`. An outage cut by the window (begun before it, or
   * still going at its end: `censored`) counts as an outage and as downtime, but its
   * duration is not a recovery time: it is left out of the recovery and detection
   * distributions, the SAL and TL-9000 checks, and the probation grouping.
   */
  private closeOutage(t: number, censoredAtEnd = false): void {
    const start = this.outageStart;
    const cause = this.outageCause!;
    this.outageStart = -1;
    const r = this.result;
    // Downtime inside the window is attributed even for an outage that began before it.
    const inWindow = t - Math.max(start, this.opts.windowStart);
    if (this.opts.totalsOnly) {
      if (!(inWindow > 0)) return;
      r.outages++;
      if (censoredAtEnd || start < this.opts.windowStart) r.censored++;
      else if (t - start > TL9000_SECONDS) r.tl9000++;
      return;
    }
    if (inWindow > 0) {
      r.downtimeByLayer[cause.layer] += inWindow;
      r.downtimeByType[cause.type] += inWindow;
      r.downtimeByMode[cause.mode] += inWindow;
    }
    if (!(inWindow > 0)) return;
    r.outages++;
    r.outagesByLayer[cause.layer]++;
    if (censoredAtEnd || start < this.opts.windowStart) {
      r.censored++;
      this.opts.onOutage?.({ start, end: t, duration: t - start, phases: [...this.outagePhases], cause, censored: true });
      return;
    }
    const duration = t - start;
    const detection = this.outagePhases[0];
    addSketch(r.recovery, duration);
    addSketch(r.detection, detection);
    if (duration > TL9000_SECONDS) r.tl9000++;
    const bounds = this.opts.salBounds;
    for (let i = 0; i < bounds.length; i++) {
      const d = detection > bounds[i].detection;
      const rec = duration > bounds[i].recovery;
      if (d) r.salDetectionBreaches[i]++;
      if (rec) r.salRecoveryBreaches[i]++;
      if (d || rec) r.salBreaches[i]++;
    }
    const opened = this.zoneWindow.get(cause.zone);
    if (opened === undefined || start - opened > this.opts.probation) {
      this.zoneWindow.set(cause.zone, start);
      r.correlated++;
      r.correlatedByZone[cause.zone]++;
    }
    this.opts.onOutage?.({ start, end: t, duration, phases: [...this.outagePhases], cause, censored: false });
  }

  private closeIncident(t: number): void {
    if (!this.opts.totalsOnly && t > this.incidentStart && this.incidentStart >= this.opts.windowStart) addLin(this.result.impact, 1 - this.incidentMin);
    this.incidentStart = -1;
    this.incidentMin = 1;
  }
}
