/**
 * Estimators across replications. Replication results are folded into a
 * RunAccumulator (plain JSON, constant size whatever the number of replications);
 * accumulators of shards merge exactly, in shard order; `summarize` turns one into
 * estimates with 95% confidence intervals.
 */
import { YEAR } from '../engine/units.js';
import type { SystemModel } from '../model/build.js';
import { LAYERS, type LayerName } from '../model/schema.js';
import type { ReplicationResult } from '../runner/replication.js';
import { COUNTERS, type CounterName } from '../mechanisms/types.js';
import {
  addBivariate,
  addMoment,
  bivariate,
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
  /** Per replication: outages per year. */
  outageRate: Moments;
  /** Per replication: 1 - mean served capacity share. */
  capacityLoss: Moments;
  /** Per replication: (downtime seconds, outages) for the mean outage duration. */
  downtimePerOutage: Bivariate;
  /** Totals over replications, by cause layer: downtime seconds and outages. */
  downtimeByLayer: number[];
  outagesByLayer: number[];
  /** Total outages seen. */
  outages: number;
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
  return {
    replications: 0,
    truncated: 0,
    events: 0,
    observed: 0,
    services: model.services.map(() => ({
      unavailability: moments(),
      outageRate: moments(),
      capacityLoss: moments(),
      downtimePerOutage: bivariate(),
      downtimeByLayer: new Array(LAYERS.length).fill(0),
      outagesByLayer: new Array(LAYERS.length).fill(0),
      outages: 0,
    })),
    failureRate: LAYERS.map(() => moments()),
    groupCounters: model.functions.map(() => COUNTERS.map(() => moments())),
  };
}

/** Folds one replication into `acc`. Replications must be added in index order for reproducible bytes. */
export function addReplication(acc: RunAccumulator, r: ReplicationResult): void {
  acc.replications++;
  if (r.truncated) acc.truncated++;
  acc.events += r.events;
  acc.observed += r.window;
  if (!(r.window > 0)) return;
  const years = r.window / YEAR;
  r.services.forEach((s, i) => {
    const a = acc.services[i];
    addMoment(a.unavailability, s.downtime / r.window);
    addMoment(a.outageRate, s.outages / years);
    addMoment(a.capacityLoss, 1 - s.capacityTime / r.window);
    addBivariate(a.downtimePerOutage, s.downtime, s.outages);
    a.outages += s.outages;
    for (let l = 0; l < LAYERS.length; l++) {
      a.downtimeByLayer[l] += s.downtimeByLayer[l];
      a.outagesByLayer[l] += s.outagesByLayer[l];
    }
  });
  r.failuresByLayer.forEach((n, l) => addMoment(acc.failureRate[l], n / years));
  r.groupCounters.forEach((counts, g) => counts.forEach((n, c) => addMoment(acc.groupCounters[g][c], n / years)));
}

/** Merges `b` into `a`. Merge shards in shard order for reproducible bytes. */
export function mergeAccumulators(a: RunAccumulator, b: RunAccumulator): void {
  a.replications += b.replications;
  a.truncated += b.truncated;
  a.events += b.events;
  a.observed += b.observed;
  a.services.forEach((s, i) => {
    const t = b.services[i];
    mergeMoments(s.unavailability, t.unavailability);
    mergeMoments(s.outageRate, t.outageRate);
    mergeMoments(s.capacityLoss, t.capacityLoss);
    mergeBivariate(s.downtimePerOutage, t.downtimePerOutage);
    s.outages += t.outages;
    for (let l = 0; l < LAYERS.length; l++) {
      s.downtimeByLayer[l] += t.downtimeByLayer[l];
      s.outagesByLayer[l] += t.outagesByLayer[l];
    }
  });
  a.failureRate.forEach((m, l) => mergeMoments(m, b.failureRate[l]));
  a.groupCounters.forEach((row, g) => row.forEach((m, c) => mergeMoments(m, b.groupCounters[g][c])));
}

/** Figures of one service, with 95% confidence intervals. */
export interface ServiceSummary {
  name: string;
  plane: 'data' | 'control';
  chain: string[];
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
  /** Outages seen in all replications. */
  outagesObserved: number;
  /** When no outage was seen: bounds instead of a zero estimate; else null. */
  noOutage: NoOutageBound | null;
  /** Minutes of downtime per year by the layer of the failure that started the outage. */
  downtimeByLayer: Partial<Record<LayerName, number>>;
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

/** HA mechanism events of one group. */
export interface GroupSummary {
  name: string;
  kind: 'vnf' | 'vim';
  mechanism: string;
  /** Events per year by counter (counters that never fired are left out). */
  perYear: Partial<Record<CounterName, Estimate>>;
}

const MIN_PER_YEAR = YEAR / 60;

/** Turns an accumulator into estimates. */
export function summarize(model: SystemModel, acc: RunAccumulator): RunSummary {
  const observedYears = acc.observed / YEAR;
  const services = model.services.map((svc, i): ServiceSummary => {
    const a = acc.services[i];
    // Intervals are clipped to physical bounds (a t-interval on few, skewed outages can cross them).
    const u = clipEstimate(meanEstimate(a.unavailability), 0, 1);
    const downtimeByLayer: Partial<Record<LayerName, number>> = {};
    LAYERS.forEach((l, li) => {
      if (a.downtimeByLayer[li] > 0) downtimeByLayer[l] = (a.downtimeByLayer[li] / acc.observed) * MIN_PER_YEAR;
    });
    let noOutage: NoOutageBound | null = null;
    if (a.outages === 0 && observedYears > 0) {
      const outageRateUpper = -Math.log(0.05) / observedYears;
      const restoreSeconds = longestRestore(model, i);
      noOutage = { observedYears, outageRateUpper, unavailabilityUpper: (outageRateUpper * restoreSeconds) / YEAR, restoreSeconds };
    }
    return {
      name: svc.name,
      plane: svc.plane,
      chain: svc.chain.map((f) => model.functions[f].name),
      availability: scaleEstimate(u, -1, 1),
      unavailability: u,
      downtimeMinutesPerYear: scaleEstimate(u, MIN_PER_YEAR),
      outagesPerYear: clipEstimate(meanEstimate(a.outageRate), 0),
      meanOutageSeconds: a.outages > 0 ? clipEstimate(ratioEstimate(a.downtimePerOutage), 0) : null,
      capacityWeightedAvailability: scaleEstimate(clipEstimate(meanEstimate(a.capacityLoss), 0, 1), -1, 1),
      outagesObserved: a.outages,
      noOutage,
      downtimeByLayer,
    };
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
    groups,
    replications: acc.replications,
    truncatedReplications: acc.truncated,
    events: acc.events,
    observedYears,
    services,
    failuresPerYear,
  };
}

/**
 * The longest mean time to bring one instance of service `s` back from a failure at
 * any layer of its stack: the failed component's mean repair plus the mean restarts of
 * every component above it. Seconds.
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
      }
    }
  }
  return worst;
}
