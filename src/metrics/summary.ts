/**
 * Estimators across replications. Replication results are folded into a
 * RunAccumulator (plain JSON, constant size whatever the number of replications);
 * accumulators of shards merge exactly, in shard order; `summarize` turns one into
 * estimates with 95% confidence intervals, distributions and SAL verdicts.
 */
import { YEAR } from '../engine/units.js';
import { isImpactZone, type SystemModel } from '../model/build.js';
import { LAYERS, type LayerName } from '../model/schema.js';
import type { ServiceReplication } from './recorder.js';
import { CAUSE_LAYERS, COUNTERS, PLANNED, SPURIOUS, type CounterName, type ReplicationResult } from './replication.js';
import { PHASES, type Phase } from './recorder.js';
import { LIN_BINS, linBins, linHistogram, linQuantile, mergeLin, type LinHistogram } from './histogram.js';
import { mergeSketch, sketch, sketchBins, sketchError, sketchQuantile, type Bin, type QuantileSketch } from './sketch.js';
import { paretoK, TAIL_KEEP, trimTail } from './pareto.js';
import { clopperPearson, salVerdict, targetVerdict, type SalVerdict, type TargetVerdict } from './sal.js';
import {
  addBivariate,
  addMoment,
  bivariate,
  doubles,
  FRACTION,
  clipEstimate,
  meanEstimate,
  mergeBivariate,
  mergeMoments,
  moments,
  ratioEstimate,
  scaleEstimate,
  type Bivariate,
  type Estimate,
  type Moments,
} from './stats.js';


/** Accumulated figures of one service. */
export interface ServiceAccumulator {
  /** Per replication: downtime / window (unavailability). */
  unavailability: Moments;
  /**
   * The largest per-replication unavailabilities (at least the TAIL_KEEP largest, in any
   * order; see `unavailabilityTail`): the tail the CI of the mean rests on.
   */
  largest: number[];
  /** Per replication: outages per year. */
  outageRate: Moments;
  /** Per replication: correlated failures per year (after the probation window). */
  correlatedRate: Moments;
  /** Per replication: outages over 15 s (TL-9000) per year. */
  tl9000Rate: Moments;
  /** Per replication: 1 - mean served capacity share. */
  capacityLoss: Moments;
  /** Per replication, per threshold: share of time below that capacity. */
  belowThreshold: Moments[];
  /** Per replication: (downtime seconds, outages) for the mean outage duration. */
  downtimePerOutage: Bivariate;
  recovery: QuantileSketch;
  detection: QuantileSketch;
  impact: LinHistogram;
  yearly: QuantileSketch;
  monthly: QuantileSketch;
  yearsOverBudget: number;
  /** Totals over replications. */
  outages: number;
  censored: number;
  phaseTime: number[];
  salBreaches: number[];
  salDetectionBreaches: number[];
  salRecoveryBreaches: number[];
  downtimeByLayer: number[];
  downtimeByType: number[];
  downtimeByMode: number[];
  outagesByLayer: number[];
  correlatedByZone: number[];
  /** With planned work in the model: the unplanned view (outages and incidents planned work started left out). */
  unplanned?: ServiceAccumulator;
}

/** Everything accumulated over a set of replications. Plain JSON; mergeable. */
export interface RunAccumulator {
  replications: number;
  truncated: number;
  events: number;
  /** Total observed time (seconds) over replications. */
  observed: number;
  services: ServiceAccumulator[];
  /** Per replication: own failures per year, by layer. */
  failureRate: Moments[];
  /** Per group, per counter (indexed like COUNTERS): per replication, events per year. */
  groupCounters: Moments[][];
}

/** An empty accumulator for `model`. */
export function emptyAccumulator(model: SystemModel): RunAccumulator {
  const names = attributionNames(model);
  // Plain loops, not `map`: an array made by `map` gets another shape once this is
  // compiled, and the code that reads accumulators would be thrown away (see `doubles`).
  const services: ServiceAccumulator[] = [];
  for (let i = 0; i < model.services.length; i++) services.push(emptyService(model, names));
  const groupCounters: Moments[][] = [];
  for (let g = 0; g < model.functions.length; g++) groupCounters.push(momentsList(COUNTERS.length));
  const acc = {
    replications: 0,
    truncated: 0,
    events: FRACTION,
    observed: FRACTION,
    services,
    failureRate: momentsList(LAYERS.length),
    groupCounters,
  };
  // Sums that outgrow V8's small integers: doubles from the start (see `doubles`).
  acc.events = acc.observed = 0;
  return acc;
}

/** `n` empty moments (a plain loop: see `emptyAccumulator`). */
function momentsList(n: number): Moments[] {
  const out: Moments[] = [];
  for (let i = 0; i < n; i++) out.push(moments());
  return out;
}

function emptyService(model: SystemModel, names: AttributionNames, view: 'all' | 'unplanned' = 'all'): ServiceAccumulator {
  const a: ServiceAccumulator = {
      unavailability: moments(),
      largest: doubles(0),
      outageRate: moments(),
      correlatedRate: moments(),
      tl9000Rate: moments(),
      capacityLoss: moments(),
      belowThreshold: momentsList(model.metrics.capacityThresholds.length),
      downtimePerOutage: bivariate(),
      recovery: sketch(),
      detection: sketch(),
      impact: linHistogram(),
      yearly: sketch(),
      monthly: sketch(),
      yearsOverBudget: 0,
      outages: 0,
      censored: 0,
      phaseTime: doubles(PHASES.length),
      salBreaches: doubles(3),
      salDetectionBreaches: doubles(3),
      salRecoveryBreaches: doubles(3),
      downtimeByLayer: doubles(CAUSE_LAYERS.length),
      downtimeByType: doubles(names.types.length),
      downtimeByMode: doubles(names.modes.length),
      outagesByLayer: doubles(CAUSE_LAYERS.length),
      correlatedByZone: doubles(names.zones.length),
  };
  if (view === 'all' && model.plannedCauses.length > 0) a.unplanned = emptyService(model, names, 'unplanned');
  return a;
}

/** The names behind the attribution indices (`attributionNames`); shared by every caller, never changed. */
export interface AttributionNames {
  readonly types: readonly string[];
  readonly modes: readonly string[];
  readonly zones: readonly string[];
}

/**
 * The names behind the attribution indices, in the order the simulation uses:
 * component types in order of first use, `type/mode` pairs, and impact zones (sites,
 * racks, host hardware, in component order).
 */
export function attributionNames(model: SystemModel): AttributionNames {
  // Once per model: an accumulator is made for every shard of histories.
  let names = namesOf.get(model);
  if (!names) namesOf.set(model, (names = computeAttributionNames(model)));
  return names;
}

/** attributionNames of models seen (a model is not changed once built). */
const namesOf = new WeakMap<SystemModel, AttributionNames>();

function computeAttributionNames(model: SystemModel): AttributionNames {
  const types = [...new Set(model.components.map((c) => c.type))];
  const modes: string[] = [];
  for (const c of model.components) for (const m of c.modes) if (!modes.includes(`${c.type}/${m.name}`)) modes.push(`${c.type}/${m.name}`);
  const zones = model.components.filter(isImpactZone).map((c) => c.path.replace(/\.hardware$/, ''));
  // Planned work after the failure modes; the last slot of each: outages started by a
  // spurious detection, not by a failure.
  return { types: [...types, PLANNED, SPURIOUS], modes: [...modes, ...model.plannedCauses, SPURIOUS], zones: [...zones, SPURIOUS] };
}

export { CAUSE_LAYERS, PLANNED, PLANNED_LAYER, SPURIOUS, SPURIOUS_LAYER } from './replication.js';

const addInto = (a: number[], b: readonly number[]) => {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
};

/** The fields a replication's result and an accumulator share: histograms and totals. */
type Totals = Pick<
  ServiceAccumulator,
  | 'recovery'
  | 'detection'
  | 'impact'
  | 'yearly'
  | 'monthly'
  | 'yearsOverBudget'
  | 'outages'
  | 'censored'
  | 'phaseTime'
  | 'salBreaches'
  | 'salDetectionBreaches'
  | 'salRecoveryBreaches'
  | 'downtimeByLayer'
  | 'downtimeByType'
  | 'downtimeByMode'
  | 'outagesByLayer'
  | 'correlatedByZone'
>;

/** Adds the histograms and totals of `b` (a replication's or another accumulator's) into `a`. */
function addTotals(a: Totals, b: Totals): void {
  mergeSketch(a.recovery, b.recovery);
  mergeSketch(a.detection, b.detection);
  mergeLin(a.impact, b.impact);
  mergeSketch(a.yearly, b.yearly);
  mergeSketch(a.monthly, b.monthly);
  a.yearsOverBudget += b.yearsOverBudget;
  a.outages += b.outages;
  a.censored += b.censored;
  addInto(a.phaseTime, b.phaseTime);
  addInto(a.salBreaches, b.salBreaches);
  addInto(a.salDetectionBreaches, b.salDetectionBreaches);
  addInto(a.salRecoveryBreaches, b.salRecoveryBreaches);
  addInto(a.downtimeByLayer, b.downtimeByLayer);
  addInto(a.downtimeByType, b.downtimeByType);
  addInto(a.downtimeByMode, b.downtimeByMode);
  addInto(a.outagesByLayer, b.outagesByLayer);
  addInto(a.correlatedByZone, b.correlatedByZone);
}

/** Folds one replication into `acc`. Replications must be added in index order for reproducible bytes. */
export function addReplication(acc: RunAccumulator, r: ReplicationResult): void {
  acc.replications++;
  if (r.truncated) acc.truncated++;
  acc.events += r.events;
  acc.observed += r.window;
  if (!(r.window > 0)) return;
  const services = r.services;
  for (let i = 0; i < services.length; i++) addService(acc.services[i], services[i], r.window);
  const years = r.window / YEAR;
  const byLayer = r.failuresByLayer;
  for (let l = 0; l < byLayer.length; l++) addMoment(acc.failureRate[l], byLayer[l] / years);
  // Plain loops: groups times counters moments per replication (thousands on large models).
  const rows = r.groupCounters;
  for (let g = 0; g < rows.length; g++) {
    const counts = rows[g];
    const into = acc.groupCounters[g];
    for (let c = 0; c < counts.length; c++) addMoment(into[c], counts[c] / years);
  }
}

/** Folds one replication's figures of one service (and its unplanned view) into `a`; `window` in seconds (> 0). */
function addService(a: ServiceAccumulator, s: ServiceReplication, window: number): void {
  const years = window / YEAR;
  addMoment(a.unavailability, s.downtime / window);
  a.largest.push(s.downtime / window);
  if (a.largest.length >= 2 * TAIL_KEEP) trimTail(a.largest);
  addMoment(a.outageRate, s.outages / years);
  addMoment(a.correlatedRate, s.correlated / years);
  addMoment(a.tl9000Rate, s.tl9000 / years);
  addMoment(a.capacityLoss, 1 - s.capacityTime / window);
  const atLeast = s.timeAtLeast;
  for (let k = 0; k < atLeast.length; k++) addMoment(a.belowThreshold[k], 1 - atLeast[k] / window);
  addBivariate(a.downtimePerOutage, s.downtime, s.outages);
  addTotals(a, s);
  if (a.unplanned && s.unplanned) addService(a.unplanned, s.unplanned, window);
}

/** Merges service accumulator `t` (and its unplanned view) into `s`. */
function mergeService(s: ServiceAccumulator, t: ServiceAccumulator): void {
  mergeMoments(s.unavailability, t.unavailability);
  for (let k = 0; k < t.largest.length; k++) s.largest.push(t.largest[k]);
  if (s.largest.length >= 2 * TAIL_KEEP) trimTail(s.largest);
  mergeMoments(s.outageRate, t.outageRate);
  mergeMoments(s.correlatedRate, t.correlatedRate);
  mergeMoments(s.tl9000Rate, t.tl9000Rate);
  mergeMoments(s.capacityLoss, t.capacityLoss);
  for (let k = 0; k < s.belowThreshold.length; k++) mergeMoments(s.belowThreshold[k], t.belowThreshold[k]);
  mergeBivariate(s.downtimePerOutage, t.downtimePerOutage);
  addTotals(s, t);
  if (s.unplanned && t.unplanned) mergeService(s.unplanned, t.unplanned);
}

/**
 * The Pareto k of a service's per-replication unavailability (metrics/pareto.ts): below 1/2
 * its variance is finite and the CI of the mean holds; at 1/2 or more a few histories
 * carry the estimate and the spread seen so far understates the true one (a half-width,
 * and a prediction of the work to a precision, come out too small). NaN: too few
 * histories with downtime to fit a tail. A function of the values (of their TAIL_KEEP
 * largest), not of how they were sharded.
 */
export function unavailabilityTail(a: ServiceAccumulator): number {
  // The TAIL_KEEP largest only: `largest` may hold more, depending on when it was trimmed.
  const top = a.largest.slice();
  trimTail(top);
  return paretoK(top, a.unavailability.n);
}

/** Merges `b` into `a`. Merge shards in shard order for reproducible bytes. */
export function mergeAccumulators(a: RunAccumulator, b: RunAccumulator): void {
  a.replications += b.replications;
  a.truncated += b.truncated;
  a.events += b.events;
  a.observed += b.observed;
  // Plain loops (see `addReplication`): run at every shard's end.
  for (let i = 0; i < a.services.length; i++) mergeService(a.services[i], b.services[i]);
  for (let l = 0; l < a.failureRate.length; l++) mergeMoments(a.failureRate[l], b.failureRate[l]);
  for (let g = 0; g < a.groupCounters.length; g++) {
    const into = a.groupCounters[g];
    const from = b.groupCounters[g];
    for (let c = 0; c < into.length; c++) mergeMoments(into[c], from[c]);
  }
}

/**
 * A distribution of durations (seconds, or minutes where the name says) or fractions.
 * p50, p95 and p99 estimate the order statistics x_(k), k = max(1, ceil(q count)), of the
 * values observed; `quantileError` bounds how far they may be from them.
 */
export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /**
   * Bound on the error of p50, p95 and p99: `relative` for durations (0 when computed
   * from every value, at most 1,000 of them; else the sketch's 1/201 = 0.4975%),
   * `absolute` for fractions (0.01: bins of 0.01, upper edges).
   */
  quantileError: { kind: 'relative' | 'absolute'; bound: number };
}

/** One SAL's compliance. */
export interface SalCompliance {
  sal: 1 | 2 | 3;
  /** Bounds, seconds. */
  detectionBound: number;
  recoveryBound: number;
  /** Outages breaching the detection bound, the recovery bound, either. */
  detectionBreaches: number;
  recoveryBreaches: number;
  breaches: number;
  /** Share of outages breaching, and its one-sided 95% Clopper-Pearson bounds. */
  share: number;
  lower: number;
  upper: number;
  verdict: SalVerdict;
}

/** Figures of one service, with 95% confidence intervals. */
export interface ServiceSummary {
  name: string;
  plane: 'data' | 'control';
  chain: string[];
  /** The service's `up` expression written out (model/logic.ts logicText); absent for a chain. */
  logic?: string;
  /** Target SAL from the topology, or null. */
  targetSal: 1 | 2 | 3 | null;
  /** The service's availability target (`target:` in the topology) and the verdict on it, or null without one. */
  target: TargetVerdict | null;
  /** Share of time the service was up. */
  availability: Estimate;
  /** Share of time the service was down. */
  unavailability: Estimate;
  /** Expected downtime per year, minutes. */
  downtimeMinutesPerYear: Estimate;
  /** Expected outages per year. */
  outagesPerYear: Estimate;
  /** Mean outage duration, seconds (null when no outage was seen). */
  meanOutageSeconds: Estimate | null;
  /** Mean share of full capacity served (0 while down). */
  capacityWeightedAvailability: Estimate;
  /** Share of time with at least `threshold` of capacity served. */
  availabilityAtLeast: Array<{ threshold: number; availability: Estimate }>;
  /** Failure recovery time per outage (detection + restoration), seconds. */
  recoveryTime: Distribution;
  /** Detection time per outage, seconds. */
  detectionTime: Distribution;
  /** Share of downtime spent in each recovery phase. */
  phases: Partial<Record<Phase, number>>;
  /** Failure impact fraction per incident (a period with capacity < 1). */
  impactFraction: Distribution;
  /** The recovery-time histogram (seconds; bins 1.105 wide, see sketchBins; empty bins left out), for the ECDF chart. */
  recoveryTimeBins: Bin[];
  /** The impact-fraction histogram (bins of 0.01; empty bins left out). */
  impactFractionBins: Bin[];
  /** Failure frequency. */
  failureFrequency: {
    /** Outages per year (the same as outagesPerYear). */
    outagesPerYear: Estimate;
    /** Failures per year after correlating outages of one impact zone within the probation window. */
    correlatedPerYear: Estimate;
    probationSeconds: number;
    /** The impact zones with the most correlated failures per year (at most 5). */
    topZones: Array<{ zone: string; perYear: number }>;
    /**
     * Only with user-defined `zones`: per kind, the correlated failures per year whose impact
     * zone lies in each zone of that kind (every host under it in that zone), most first;
     * `(across zones)` for impact zones spanning several (a site, a SAN).
     */
    byUserZone?: Record<string, Array<{ zone: string; perYear: number }>>;
  };
  /** SLA view: downtime per simulated year and month, minutes. */
  sla: {
    downtimeBudgetMinutes: number;
    years: number;
    /** Share of whole simulated years over the budget, with its 95% Clopper-Pearson interval. */
    yearsOverBudget: { share: number; lo: number; hi: number };
    perYearMinutes: Distribution;
    perMonthMinutes: Distribution;
  };
  /** SAL 1, 2, 3 side by side. */
  sal: SalCompliance[];
  tolerance: number;
  /** Outages longer than 15 s (TL-9000) per year. */
  tl9000PerYear: Estimate;
  /** Outages seen in all replications (censored ones included). */
  outagesObserved: number;
  /** Of those, outages cut by a window's start or end: not in the recovery-time, SAL and TL-9000 figures. */
  outagesCensored: number;
  /** When no outage was seen: bounds instead of a zero estimate; else null. */
  noOutage: NoOutageBound | null;
  /** Minutes of downtime per year by the cause of each outage: layer, component type, failure mode (type/mode); `planned` for outages planned work started, `spurious-detection` for outages no failure started. */
  downtimeMinutesPerYearByLayer: Partial<Record<LayerName | 'planned' | 'spurious-detection', number>>;
  downtimeMinutesPerYearByType: Record<string, number>;
  downtimeMinutesPerYearByMode: Record<string, number>;
  /** HA events per year summed over the groups of the chain and those they require. */
  events: Partial<Record<CounterName, number>>;
  /**
   * With planned work in the model (maintenance, upgrades): the same figures for the
   * unplanned view, in which every outage and capacity incident started by planned work
   * is left out (this summary counts them, as ETSI requires). Absent otherwise.
   */
  unplanned?: Omit<ServiceSummary, 'unplanned'>;
}

/** What can be said when no outage was observed. */
export interface NoOutageBound {
  /** Simulated years observed in total. */
  observedYears: number;
  /** One-sided 95% upper bound on outages per year (zero events in `observedYears`: -ln(0.05) / T). */
  outageRateUpper: number;
  /**
   * Approximate 95% upper bound on unavailability: `outageRateUpper` times the longest mean
   * time to restore one instance of the chain from a failure at any layer of its stack
   * (repair plus the restarts above it), in seconds: `restoreSeconds`.
   */
  unavailabilityUpper: number;
  restoreSeconds: number;
}

/** HA mechanism events of one group. */
export interface GroupSummary {
  name: string;
  kind: 'vnf' | 'vim';
  mechanism: string;
  /** Events per year by counter (counters that never fired are left out). */
  perYear: Partial<Record<CounterName, Estimate>>;
}

/** The summary of a run. */
export interface RunSummary {
  replications: number;
  truncatedReplications: number;
  events: number;
  observedYears: number;
  services: ServiceSummary[];
  /** Own component failures per year, by layer (layers with none are left out). */
  failuresPerYear: Partial<Record<LayerName, Estimate>>;
  /** HA mechanism events per year, per group that had any. */
  groups: GroupSummary[];
}

const MIN_PER_YEAR = YEAR / 60;

function sketchDistribution(h: QuantileSketch, scale = 1): Distribution {
  return {
    count: h.count,
    mean: h.count ? (h.sum / h.count) * scale : NaN,
    p50: sketchQuantile(h, 0.5) * scale,
    p95: sketchQuantile(h, 0.95) * scale,
    p99: sketchQuantile(h, 0.99) * scale,
    max: h.count ? h.max * scale : NaN,
    quantileError: { kind: 'relative', bound: sketchError(h) },
  };
}

function linDistribution(h: LinHistogram): Distribution {
  return {
    count: h.count,
    mean: h.count ? h.sum / h.count : NaN,
    p50: linQuantile(h, 0.5),
    p95: linQuantile(h, 0.95),
    p99: linQuantile(h, 0.99),
    max: h.count ? h.max : NaN,
    quantileError: { kind: 'absolute', bound: 1 / LIN_BINS },
  };
}

/** Groups a service depends on: its chain and, recursively, what they require. */
function serviceGroups(model: SystemModel, s: number): number[] {
  const out = new Set<number>();
  const visit = (g: number) => {
    if (out.has(g)) return;
    out.add(g);
    model.functions[g].requires.forEach(visit);
  };
  model.services[s].chain.forEach(visit);
  return [...out];
}

/** Name given to an impact zone whose hosts lie in several user-defined zones of a kind (or in none). */
export const ACROSS_ZONES = '(across zones)';

/**
 * Per kind of user-defined zones, the user zone of each impact zone (in attribution
 * order: isImpactZone components, then the spurious slot): the zone every host under it
 * lies in, else ACROSS_ZONES; null when the model has no user zones.
 */
function userZonesOfImpactZones(model: SystemModel): Record<string, string[]> | null {
  const kinds = [...new Set(model.hosts.flatMap((h) => Object.keys(h.zones)))];
  if (kinds.length === 0) return null;
  const hostsUnder = (ci: number): string[] => {
    const c = model.components[ci];
    const sh = model.shared.find((x) => x.component === ci);
    if (sh) return [...sh.hosts];
    if (c.layer === 'hardware') return model.hosts.filter((h) => h.hardware === ci).map((h) => h.name);
    const rack = model.racks.find((r) => r.component === ci);
    if (rack) return model.hosts.filter((h) => h.rack === rack.name).map((h) => h.name);
    const site = model.sites.find((x) => x.component === ci);
    return site ? model.hosts.filter((h) => h.site === site.name).map((h) => h.name) : [];
  };
  const byName = new Map(model.hosts.map((h) => [h.name, h]));
  const under = model.components.filter(isImpactZone).map((c) => hostsUnder(c.index));
  const out: Record<string, string[]> = {};
  for (const kind of kinds) {
    out[kind] = under.map((hs) => {
      const zs = new Set(hs.map((h) => byName.get(h)?.zones[kind] ?? ACROSS_ZONES));
      return zs.size === 1 ? [...zs][0] : ACROSS_ZONES;
    });
    out[kind].push(ACROSS_ZONES);
  }
  return out;
}

/** Correlated failures per year by user zone (see failureFrequency.byUserZone), most first. */
function userZoneRates(zonesOf: Record<string, string[]>, byZone: readonly number[], years: number): Record<string, Array<{ zone: string; perYear: number }>> {
  const out: Record<string, Array<{ zone: string; perYear: number }>> = {};
  for (const [kind, of] of Object.entries(zonesOf)) {
    const sum = new Map<string, number>();
    byZone.forEach((n, z) => {
      if (n > 0) sum.set(of[z] ?? ACROSS_ZONES, (sum.get(of[z] ?? ACROSS_ZONES) ?? 0) + n);
    });
    out[kind] = [...sum].map(([zone, n]) => ({ zone, perYear: years > 0 ? n / years : 0 })).sort((x, y) => y.perYear - x.perYear || (x.zone < y.zone ? -1 : 1));
  }
  return out;
}

/** Turns an accumulator into estimates. */
export function summarize(model: SystemModel, acc: RunAccumulator): RunSummary {
  const userZones = userZonesOfImpactZones(model);
  const observedYears = acc.observed / YEAR;
  const names = attributionNames(model);
  const mt = model.metrics;
  const perYearOfTotal = (seconds: number) => (acc.observed > 0 ? (seconds / acc.observed) * MIN_PER_YEAR : 0);
  const serviceSummary = (svc: SystemModel['services'][number], i: number, a: ServiceAccumulator): ServiceSummary => {
    // Intervals are clipped to physical bounds (a t-interval on few, skewed outages can cross them).
    const u = clipEstimate(meanEstimate(a.unavailability), 0, 1);
    const downtimeByLayer: Partial<Record<LayerName | typeof PLANNED | typeof SPURIOUS, number>> = {};
    CAUSE_LAYERS.forEach((l, li) => {
      if (a.downtimeByLayer[li] > 0) downtimeByLayer[l as LayerName] = perYearOfTotal(a.downtimeByLayer[li]);
    });
    const byName = (names: readonly string[], values: number[]) => {
      const out: Record<string, number> = {};
      values
        .map((v, k) => [names[k], v] as const)
        .filter(([, v]) => v > 0)
        .sort((x, y) => y[1] - x[1])
        .forEach(([n, v]) => (out[n] = perYearOfTotal(v)));
      return out;
    };
    let noOutage: NoOutageBound | null = null;
    if (a.outages === 0 && a.unavailability.mean === 0 && observedYears > 0) {
      const outageRateUpper = -Math.log(0.05) / observedYears;
      const restoreSeconds = longestRestore(model, i);
      noOutage = { observedYears, outageRateUpper, unavailabilityUpper: Math.min(1, (outageRateUpper * restoreSeconds) / YEAR), restoreSeconds };
    }
    const totalDown = a.phaseTime.reduce((x, y) => x + y, 0);
    const phases: Partial<Record<Phase, number>> = {};
    PHASES.forEach((p, k) => {
      if (a.phaseTime[k] > 0) phases[p] = a.phaseTime[k] / totalDown;
    });
    const judged = a.outages - a.censored;
    const sal = mt.salBounds.map((b, k): SalCompliance => {
      // Nothing observed (an empty window) cannot pass anything.
      const v = acc.observed > 0 ? salVerdict(a.salBreaches[k], judged, mt.salTolerance) : { verdict: 'INCONCLUSIVE' as const, share: NaN, lo: 0, hi: 1 };
      return {
        sal: (k + 1) as 1 | 2 | 3,
        detectionBound: b.detection,
        recoveryBound: b.recovery,
        detectionBreaches: a.salDetectionBreaches[k],
        recoveryBreaches: a.salRecoveryBreaches[k],
        breaches: a.salBreaches[k],
        share: v.share,
        lower: v.lo,
        upper: v.hi,
        verdict: v.verdict,
      };
    });
    const zones = a.correlatedByZone
      .map((n, z) => ({ zone: names.zones[z] ?? `zone ${z}`, perYear: observedYears > 0 ? n / observedYears : 0 }))
      .filter((z) => z.perYear > 0)
      .sort((x, y) => y.perYear - x.perYear)
      .slice(0, 5);
    const years = a.yearly.count;
    const ci = clopperPearson(a.yearsOverBudget, years);
    const events: Partial<Record<CounterName, number>> = {};
    for (const g of serviceGroups(model, i)) {
      COUNTERS.forEach((c, ci2) => {
        const m = acc.groupCounters[g][ci2];
        if (m.n > 0 && m.mean > 0) events[c] = (events[c] ?? 0) + m.mean;
      });
    }
    return {
      name: svc.name,
      plane: svc.plane,
      chain: svc.chain.map((f) => model.functions[f].name),
      ...(svc.logic !== null ? { logic: svc.logic.text } : {}),
      targetSal: svc.sal,
      target: svc.target === null ? null : targetVerdict(svc.target, scaleEstimate(u, -1, 1), noOutage?.unavailabilityUpper),
      availability: scaleEstimate(u, -1, 1),
      unavailability: u,
      downtimeMinutesPerYear: scaleEstimate(u, MIN_PER_YEAR),
      outagesPerYear: clipEstimate(meanEstimate(a.outageRate), 0),
      meanOutageSeconds: a.outages > 0 ? clipEstimate(ratioEstimate(a.downtimePerOutage), 0) : null,
      capacityWeightedAvailability: scaleEstimate(clipEstimate(meanEstimate(a.capacityLoss), 0, 1), -1, 1),
      availabilityAtLeast: mt.capacityThresholds.map((threshold, k) => ({
        threshold,
        availability: scaleEstimate(clipEstimate(meanEstimate(a.belowThreshold[k]), 0, 1), -1, 1),
      })),
      recoveryTime: sketchDistribution(a.recovery),
      detectionTime: sketchDistribution(a.detection),
      phases,
      impactFraction: linDistribution(a.impact),
      recoveryTimeBins: sketchBins(a.recovery),
      impactFractionBins: linBins(a.impact),
      failureFrequency: {
        outagesPerYear: clipEstimate(meanEstimate(a.outageRate), 0),
        correlatedPerYear: clipEstimate(meanEstimate(a.correlatedRate), 0),
        probationSeconds: mt.probation,
        topZones: zones,
        ...(userZones !== null ? { byUserZone: userZoneRates(userZones, a.correlatedByZone, observedYears) } : {}),
      },
      sla: {
        downtimeBudgetMinutes: mt.downtimeBudget / 60,
        years,
        yearsOverBudget: { share: years ? a.yearsOverBudget / years : NaN, lo: ci.lo, hi: ci.hi },
        perYearMinutes: sketchDistribution(a.yearly, 1 / 60),
        perMonthMinutes: sketchDistribution(a.monthly, 1 / 60),
      },
      sal,
      tolerance: mt.salTolerance,
      tl9000PerYear: clipEstimate(meanEstimate(a.tl9000Rate), 0),
      outagesObserved: a.outages,
      outagesCensored: a.censored,
      noOutage,
      downtimeMinutesPerYearByLayer: downtimeByLayer,
      downtimeMinutesPerYearByType: byName(names.types, a.downtimeByType),
      downtimeMinutesPerYearByMode: byName(names.modes, a.downtimeByMode),
      events,
    };
  };
  const services = model.services.map((svc, i): ServiceSummary => {
    const a = acc.services[i];
    const s = serviceSummary(svc, i, a);
    if (a.unplanned) s.unplanned = serviceSummary(svc, i, a.unplanned);
    return s;
  });
  const failuresPerYear: Partial<Record<LayerName, Estimate>> = {};
  LAYERS.forEach((l, li) => {
    if (acc.failureRate[li].n > 0 && acc.failureRate[li].mean > 0) failuresPerYear[l] = meanEstimate(acc.failureRate[li]);
  });
  const groups: GroupSummary[] = [];
  model.functions.forEach((f, g) => {
    const perYear: Partial<Record<CounterName, Estimate>> = {};
    COUNTERS.forEach((c, ci) => {
      const m = acc.groupCounters[g][ci];
      if (m.n > 0 && m.mean > 0) perYear[c] = meanEstimate(m);
    });
    if (Object.keys(perYear).length > 0) groups.push({ name: f.name, kind: f.kind, mechanism: f.ha.mechanism, perYear });
  });
  return {
    replications: acc.replications,
    truncatedReplications: acc.truncated,
    events: acc.events,
    observedYears,
    services,
    failuresPerYear,
    groups,
  };
}

/**
 * The longest mean time to bring one instance of service `s` back from a failure at
 * any layer of its stack (or a shared element its host depends on): the failed
 * component's mean repair plus the mean restarts of every component above it. Seconds.
 */
export function longestRestore(model: SystemModel, s: number): number {
  let worst = 0;
  for (const f of model.services[s].chain) {
    for (const inst of model.functions[f].instances) {
      // Walk from the top of the instance down to the root, summing restarts above.
      let restartsAbove = 0;
      for (let c = inst.top; c >= 0; c = model.components[c].parent) {
        const comp = model.components[c];
        for (const m of comp.modes) worst = Math.max(worst, m.repair.mean + restartsAbove);
        restartsAbove += comp.restart.mean;
        // A shared element (SAN, link) the host's hardware rests on, besides its parent.
        for (const sh of model.shared) {
          if (sh.dependents.includes(c)) for (const m of model.components[sh.component].modes) worst = Math.max(worst, m.repair.mean + restartsAbove);
        }
      }
    }
  }
  return worst;
}
