/**
 * Uncertain inputs (`nfvsim uncertainty <experiment>`): a two-level run. The outer level
 * draws parameter sets from the distributions of the experiment's `uncertain:` section
 * (each parameter from its own named stream, `experiment/uncertain/<path>`); the inner
 * level runs `runs` histories of each set. It runs as a sweep (shards, threads, a queue,
 * resume) whose points are the parameter sets; unlike other designs, each set draws
 * histories of its own (replications i * runs ..; see planTasks), so the sets' estimates
 * are independent and the outer estimators below have valid intervals.
 *
 * Estimators, per service, over M parameter sets with estimates A_i (the set's mean
 * availability over its histories) and standard errors se_i:
 * - E[A] over the parameter uncertainty: mean of A_i, Student-t interval from their
 *   spread (which holds both the parameter uncertainty and the simulation noise, so the
 *   interval is valid for any number of histories per set);
 * - the distribution of A (and of downtime per year): the empirical quantiles of A_i.
 *   They are those of A(theta) blurred by simulation noise; `noiseShare` = mean(se_i^2) /
 *   var(A_i) says how much of the spread is noise (near 0: the quantiles are the
 *   parameters'; near 1: run more histories per set);
 * - P(meet the availability target) = P(A(theta) >= target): the share of sets whose A_i
 *   meets it, with a Wilson interval over the M sets; and how many sets' own verdicts
 *   (95% CI against the target) are PASS, FAIL or INCONCLUSIVE;
 * - P(meet SAL k): the share of sets whose share of outages breaching SAL k is within
 *   the tolerance (a set with no outage meets it), Wilson; and the sets' own SAL verdicts.
 */
import { YEAR } from '../engine/units.js';
import { addMoment, meanEstimate, moments, variance, wilson, type Estimate } from '../metrics/stats.js';
import { summarize } from '../metrics/summary.js';
import { targetVerdict, type SalVerdict } from '../metrics/sal.js';
import { parameterLabels } from '../experiment/design.js';
import { parameterLabelsOf, type UncertainValueT } from '../experiment/schema.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { gatherPoints, type PointReplications } from '../sweep/sweep.js';
import type { JournalEntry } from '../sweep/journal.js';
import { VERSION } from '../version.js';

/** Quantiles of the distribution across parameter sets that are reported. */
export const UNCERTAINTY_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/** How many parameter sets got each verdict. */
export type VerdictCounts = Record<SalVerdict, number>;

/** One service's figures across parameter uncertainty. */
export interface ServiceUncertainty {
  service: string;
  /** E[A] over the parameters, with its 95% interval. */
  availability: Estimate;
  downtimeMinutesPerYear: Estimate;
  /** Empirical quantiles of the sets' availability and downtime per year. */
  availabilityQuantiles: Array<{ p: number; value: number }>;
  downtimeQuantiles: Array<{ p: number; value: number }>;
  /** mean(se_i^2) / var(A_i): the share of the spread across sets that is simulation noise (capped at 1). */
  noiseShare: number;
  /** P(A >= target) and the sets' own verdicts; null without a target. */
  target: null | { availability: number; probability: Estimate; verdicts: VerdictCounts };
  /** Per SAL 1..3: P(the share of breaching outages is within the tolerance), and the sets' own verdicts. */
  sal: Array<{ sal: number; probability: Estimate; verdicts: VerdictCounts }>;
}

/** One parameter set and what its histories gave (per service). */
export interface ParameterSet {
  index: number;
  name: string;
  values: Record<string, unknown>;
  services: Array<{ availability: Estimate; downtimeMinutesPerYear: Estimate; salShare: number[] }>;
}

/** What `uncertainty.json` holds. */
export interface UncertaintyResults {
  nfvsim: string;
  experiment: { file: string; name: string; sha256: string };
  topology: { file: string; sha256: string; name: string };
  settings: { seed: number; samples: number; runs: number; horizonSeconds: number; warmupSeconds: number; salTolerance: number };
  /** The uncertain parameters, their labels and distributions. */
  parameters: Array<{ path: string; label: string; distribution: UncertainValueT }>;
  focus: { service: string };
  services: ServiceUncertainty[];
  sets: ParameterSet[];
}

/** The empirical p-quantile of sorted values (the smallest value with at least p of them at or below it). */
function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Builds the results of an `uncertain` experiment's sweep from its journal entries (in any order). Throws SweepInterrupted when shards are missing. */
export function uncertaintyResults(exp: LoadedExperiment, entries: Iterable<JournalEntry>): UncertaintyResults {
  return resultsFromSets(exp, gatherPoints(exp, entries));
}

/** Builds the results from each parameter set's replications (see gatherPoints). */
export function resultsFromSets(exp: LoadedExperiment, points: PointReplications[]): UncertaintyResults {
  const u = exp.spec.uncertain;
  if (!u) throw new RangeError(`${exp.file}: not an experiment with an 'uncertain:' section`);
  const model = exp.base.topology.model;
  const tolerance = model.metrics.salTolerance;
  const summaries = points.map((p, i) => summarize(exp.points[i].topology.model, p.acc));
  const sets: ParameterSet[] = exp.points.map((pt, i) => ({
    index: i,
    name: pt.name,
    values: pt.params,
    services: summaries[i].services.map((s) => ({ availability: s.availability, downtimeMinutesPerYear: s.downtimeMinutesPerYear, salShare: s.sal.map((c) => c.share) })),
  }));
  const M = points.length;
  const services = model.services.map((svc, s): ServiceUncertainty => {
    const a = moments();
    const noise = moments();
    for (const set of sets) {
      addMoment(a, set.services[s].availability.mean);
      addMoment(noise, set.services[s].availability.se ** 2);
    }
    const avail = meanEstimate(a);
    const sortedA = sets.map((x) => x.services[s].availability.mean).sort((x, y) => x - y);
    const sortedD = sets.map((x) => x.services[s].downtimeMinutesPerYear.mean).sort((x, y) => x - y);
    const t = u.target ?? svc.target;
    const count = (verdicts: SalVerdict[]): VerdictCounts => ({ PASS: verdicts.filter((v) => v === 'PASS').length, FAIL: verdicts.filter((v) => v === 'FAIL').length, INCONCLUSIVE: verdicts.filter((v) => v === 'INCONCLUSIVE').length });
    const spread = variance(a);
    return {
      service: svc.name,
      availability: avail,
      downtimeMinutesPerYear: { mean: ((1 - avail.mean) * YEAR) / 60, se: (avail.se * YEAR) / 60, lo: ((1 - avail.hi) * YEAR) / 60, hi: ((1 - avail.lo) * YEAR) / 60 },
      availabilityQuantiles: UNCERTAINTY_QUANTILES.map((p) => ({ p, value: quantile(sortedA, p) })),
      downtimeQuantiles: UNCERTAINTY_QUANTILES.map((p) => ({ p, value: quantile(sortedD, p) })),
      noiseShare: spread > 0 ? Math.min(1, noise.mean / spread) : noise.mean > 0 ? 1 : 0,
      target:
        t === null
          ? null
          : {
              availability: t,
              probability: wilson(sets.filter((x) => x.services[s].availability.mean >= t).length, M),
              verdicts: count(sets.map((x) => targetVerdict(t, x.services[s].availability).verdict)),
            },
      sal: model.metrics.salBounds.map((_, k) => ({
        sal: k + 1,
        // No judged outage: nothing breached (NaN share).
        probability: wilson(sets.filter((x) => !(x.services[s].salShare[k] > tolerance)).length, M),
        verdicts: count(summaries.map((sm) => sm.services[s].sal[k].verdict)),
      })),
    };
  });
  const labels = parameterLabels(Object.keys(u.parameters), parameterLabelsOf(exp.spec));
  return {
    nfvsim: VERSION,
    experiment: { file: exp.file, name: exp.name, sha256: exp.sha256 },
    topology: { file: exp.base.file, sha256: exp.base.sha256, name: model.name },
    settings: { seed: exp.seed, samples: M, runs: exp.runs, horizonSeconds: exp.horizon, warmupSeconds: exp.warmup, salTolerance: tolerance },
    parameters: Object.entries(u.parameters).map(([path, distribution]) => ({ path, label: labels[path], distribution })),
    focus: { service: exp.service.name },
    services,
    sets,
  };
}
