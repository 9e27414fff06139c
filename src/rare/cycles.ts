/**
 * Failure biasing over regenerative cycles: a variance-reduction estimator of rare
 * service figures (outages that defeat redundancy, long outages, the unavailability of
 * redundant groups). Goyal, Shahabuddin, Heidelberger, Nicola, Glynn, "A unified
 * framework for simulating Markovian models of highly dependable systems", IEEE Trans.
 * Computers 41(1), 1992; Nicola, Shahabuddin, Heidelberger, "Techniques for fast
 * simulation of models of highly dependable systems", IEEE Trans. Reliability 50(3), 2001.
 *
 * Regeneration state: every component up, every group up at full capacity (so no
 * repair, restart, detection, switchover or election is under way). With exponential
 * times to failure (see applicability.ts) the system forgets its past there. A *cycle*
 * runs from one entry into that state to the next:
 * - the all-up sojourn, Exp(Λ) with Λ the sum of all failure-mode rates: its mean 1/Λ is
 *   known, so it is not simulated;
 * - the first failure: component and mode drawn with probability λ_i / Λ;
 * - the degraded period, simulated with every time to failure drawn at θ times its rate
 *   (failure biasing; repairs, restarts, detections, switchovers and the rest keep their
 *   own distributions, which may be anything), until the regeneration state returns.
 * The likelihood ratio of a cycle (true over biased measure) is the intensity change of
 * its exponential clocks: ln L = -n ln θ + (θ - 1) ∫ R(t) dt, with n the failures after
 * the first and R(t) the summed failure rate of the components up at t (censored clocks
 * included: the integral runs to the end of the cycle).
 *
 * Estimators (per service): unavailability U = E[L D] / (1/Λ + E[L T]), with D the
 * downtime and T the length of the degraded period of a cycle; outage rates E[L N] over
 * the same mean cycle length. Cycles run in *batches*: a batch is one fresh system (all
 * new and up, streams `StreamFactory(seed, batch)`) going through CYCLES_PER_BATCH cycles
 * in a row, so batches are independent and identically distributed, and the 95% CIs are
 * delta-method ratio intervals over batches. Batches are grouped in fixed shards folded in
 * order and merged in shard order: the same bytes for any number of threads.
 *
 * Which instance of an active/passive pair is active, and which member of a quorum leads,
 * is carried from one cycle to the next inside a batch (the system simply goes on); when
 * the instances are interchangeable (the same stacks and distributions), as in every
 * topology shipped, this changes nothing.
 */
import { Scheduler, EventLimitError } from '../engine/scheduler.js';
import { StreamFactory } from '../engine/rng.js';
import { YEAR } from '../engine/units.js';
import type { SystemModel } from '../model/build.js';
import { recorderOptionsOf, SystemSim, type TransitionObserver } from '../sim/system.js';
import { addBivariate, addMoment, bivariate, mergeBivariate, mergeMoments, moments, ratioEstimate, meanEstimate, clipEstimate, scaleEstimate, type Bivariate, type Estimate, type Moments } from '../metrics/stats.js';
import { RareEventRefused, rareEventBlockers } from './applicability.js';
import { paretoK, trimTail } from '../metrics/pareto.js';

/** Cycles per batch (one fresh system each). Part of the reproducibility contract. */
export const CYCLES_PER_BATCH = 250;
/** Batches per shard (the unit of work of a thread). Part of the reproducibility contract. */
export const BATCHES_PER_SHARD = 20;
/** Cycles per shard. */
export const CYCLES_PER_SHARD = CYCLES_PER_BATCH * BATCHES_PER_SHARD;

/** Settings of a rare-event run. */
export interface RareSettings {
  /** Seed of every random stream. */
  seed: number;
  /** Failure-biasing factor θ >= 1: every time to failure in a degraded period is drawn at θ times its rate (1: plain regenerative simulation). */
  bias: number;
  /** Cap on the events of one cycle (default 10,000,000): a cycle that does not regenerate within it is an error (θ too large?). */
  maxEventsPerCycle?: number;
}

/**
 * A service's weighted books over batches, the same for every rare-event estimator
 * (failure biasing here, splitting in splitting.ts): each batch's weighted sums against
 * its (expected) length.
 */
export interface RareBooks {
  /** x: Σ w·downtime (s), y: batch length (s). */
  downtime: Bivariate;
  /** x: Σ w·outages. */
  outages: Bivariate;
  /** x: Σ w·outages longer than 15 s (TL-9000). */
  tl9000: Bivariate;
  /** x: Σ w·downtime, y: Σ w·outages (mean outage). */
  meanOutage: Bivariate;
}

/** Empty books. */
export function rareBooks(): RareBooks {
  return { downtime: bivariate(), outages: bivariate(), tl9000: bivariate(), meanOutage: bivariate() };
}

/** Adds the books `b` into `a`. */
export function mergeRareBooks(a: RareBooks, b: RareBooks): void {
  mergeBivariate(a.downtime, b.downtime);
  mergeBivariate(a.outages, b.outages);
  mergeBivariate(a.tl9000, b.tl9000);
  mergeBivariate(a.meanOutage, b.meanOutage);
}

/** Per service, over batches (failure biasing: weights are likelihood ratios, a batch's length cycles/Λ + Σ L·T). */
export interface RareServiceAccumulator extends RareBooks {
  /** Cycles with at least one outage of this service. */
  cyclesWithOutage: number;
}

/** Folded results of some batches. Plain JSON; merge in shard order. */
export interface RareAccumulator {
  batches: number;
  cycles: number;
  events: number;
  /** Per batch: the mean likelihood ratio of its cycles (1 in expectation). */
  likelihoodRatio: Moments;
  /** Over cycles: Σ L and Σ L² (effective sample size), and the largest L. */
  lrSum: number;
  lrSumSquares: number;
  lrMax: number;
  /** The TAIL_KEEP largest likelihood ratios (descending), for the Pareto tail diagnostic. */
  lrTail: number[];
  /** Over batches: the mean length of a degraded period, unweighted (seconds). */
  services: RareServiceAccumulator[];
}

/** An empty accumulator for `model`. */
export function emptyRareAccumulator(model: SystemModel): RareAccumulator {
  return {
    batches: 0,
    cycles: 0,
    events: 0,
    likelihoodRatio: moments(),
    lrSum: 0,
    lrSumSquares: 0,
    lrMax: 0,
    lrTail: [],
    services: model.services.map(() => ({ ...rareBooks(), cyclesWithOutage: 0 })),
  };
}

/** Merges `b` into `a` (call in shard order for reproducible bytes). */
export function mergeRareAccumulators(a: RareAccumulator, b: RareAccumulator): void {
  a.batches += b.batches;
  a.cycles += b.cycles;
  a.events += b.events;
  mergeMoments(a.likelihoodRatio, b.likelihoodRatio);
  a.lrSum += b.lrSum;
  a.lrSumSquares += b.lrSumSquares;
  a.lrMax = Math.max(a.lrMax, b.lrMax);
  for (const l of b.lrTail) a.lrTail.push(l);
  trimTail(a.lrTail);
  a.services.forEach((s, i) => {
    const t = b.services[i];
    mergeRareBooks(s, t);
    s.cyclesWithOutage += t.cyclesWithOutage;
  });
}

/** The failure modes of a model as a table to draw the first failure of a cycle from. Rates per second. */
export interface FailureTable {
  /** Component index and mode index of each entry. */
  component: number[];
  mode: number[];
  /** Cumulative rates (1/s), increasing; the last is Λ. */
  cumulative: number[];
  /** Λ: the total failure rate of the all-up system (1/s). */
  lambda: number;
  /** Per component: the sum of its modes' rates (1/s). */
  componentRate: number[];
  /** The longest mean repair of any failure mode (seconds). */
  longestRepair: number;
}

/** Builds the failure table of `model`; throws RareEventRefused when the estimator does not apply. */
export function failureTable(model: SystemModel): FailureTable {
  const blockers = rareEventBlockers(model);
  if (blockers.length > 0) throw new RareEventRefused(model.file, blockers);
  const t: FailureTable = { component: [], mode: [], cumulative: [], lambda: 0, componentRate: [], longestRepair: 0 };
  for (const c of model.components) {
    let r = 0;
    c.modes.forEach((m, j) => {
      const rate = 1 / m.ttf.mean;
      r += rate;
      t.lambda += rate;
      t.longestRepair = Math.max(t.longestRepair, m.repair.mean);
      t.component.push(c.index);
      t.mode.push(j);
      t.cumulative.push(t.lambda);
    });
    t.componentRate.push(r);
  }
  return t;
}

/**
 * The automatic failure-biasing factor: θ = max(1, 1 + 1 / (2 Λ r_max)), with Λ the
 * total failure rate and r_max the longest mean repair of any mode. A degraded period of
 * length r with no further failure has likelihood ratio at most about e^((θ - 1) Λ r);
 * this keeps it near e^(1/2) for a repair of mean length, so the ratio's spread stays
 * bounded, while the failures during the degraded period are made about 1 / (2 Λ r_max)
 * times likelier. Short-repair systems (B1: Λ r_max = 0.02) get a large factor (26);
 * systems with long repairs beside frequent failures (sal1-pair: 0.42) a small one (2.2).
 */
export function autoBias(table: FailureTable): number {
  return Math.max(1, 1 + 1 / (2 * table.lambda * table.longestRepair));
}

/** Counts transitions for the regeneration test and integrates the up failure rate (the likelihood ratio). */
class CycleObserver implements TransitionObserver {
  /** Components not up. */
  down = 0;
  /** Groups not up at full capacity. */
  notFull = 0;
  /** Failures since the cycle began (the forced first one included). */
  failures = 0;
  /** ∫ R(t) dt since the cycle began, up to `last` (seconds × 1/s). */
  exposure = 0;
  private upRate = 0;
  private last = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rate: readonly number[],
    private readonly lambda: number,
  ) {}

  /** A new cycle begins now in the regeneration state. */
  begin(): void {
    this.failures = 0;
    this.exposure = 0;
    this.upRate = this.lambda;
    this.last = this.scheduler.now;
  }

  /** ∫ R dt over the cycle so far, to now. */
  exposureNow(): number {
    return this.exposure + this.upRate * (this.scheduler.now - this.last);
  }

  get regenerated(): boolean {
    return this.down === 0 && this.notFull === 0;
  }

  componentChanged(index: number, up: boolean, failed: boolean): void {
    const now = this.scheduler.now;
    this.exposure += this.upRate * (now - this.last);
    this.last = now;
    if (up) {
      this.upRate += this.rate[index];
      if (--this.down === 0 && this.notFull === 0) this.scheduler.stop();
    } else {
      this.upRate -= this.rate[index];
      this.down++;
      if (failed) this.failures++;
    }
  }

  groupChanged(full: boolean): void {
    if (full) {
      if (--this.notFull === 0 && this.down === 0) this.scheduler.stop();
    } else this.notFull++;
  }

  /** Cycles regenerate on components and groups only. */
  serviceChanged(): void {}
}

/** An error of a rare-event run that is the input's doing (a bias so large that cycles never end). */
export class RareEventError extends Error {}

/** One SystemSim per model and thread for rare-event runs (never shared with normal replications). */
const SIMS = new WeakMap<SystemModel, { sys: SystemSim; table: FailureTable; obs: CycleObserver }>();

function simFor(model: SystemModel) {
  let s = SIMS.get(model);
  if (!s) {
    const table = failureTable(model);
    const sys = new SystemSim(model, new Scheduler());
    const obs = new CycleObserver(sys.scheduler, table.componentRate, table.lambda);
    sys.observer = obs;
    s = { sys, table, obs };
    SIMS.set(model, s);
  }
  return s;
}

/**
 * Runs batch `batch` (CYCLES_PER_BATCH cycles from a fresh system, streams
 * StreamFactory(seed, batch)) and folds it into `acc`. Deterministic in its inputs.
 * Throws RareEventRefused when the estimator does not apply to `model`, RareEventError
 * when a cycle does not return to the regeneration state within the event cap.
 */
export function runRareBatch(model: SystemModel, settings: RareSettings, batch: number, acc: RareAccumulator, cycles = CYCLES_PER_BATCH): void {
  const theta = settings.bias;
  if (!(theta >= 1 && Number.isFinite(theta))) throw new RangeError(`the failure bias must be a finite number >= 1, got ${theta}`);
  const { sys, table, obs } = simFor(model);
  const scheduler = sys.scheduler;
  const streams = new StreamFactory(settings.seed, batch);
  sys.ttfScale = 1 / theta;
  sys.reset(streams, 0, recorderOptionsOf(model));
  obs.down = 0;
  obs.notFull = 0;
  sys.start();
  const pick = streams.stream('rare:first-failure');
  const cap = settings.maxEventsPerCycle ?? 10_000_000;
  const lnTheta = Math.log(theta);
  const nS = model.services.length;
  const recorders = sys.services.map((s) => s.recorder.result);
  const before = new Float64Array(3 * nS);
  const sumD = new Float64Array(nS);
  const sumN = new Float64Array(nS);
  const sumTl = new Float64Array(nS);
  let sumLT = 0;
  let sumL = 0;
  const cum = table.cumulative;
  for (let c = 0; c < cycles; c++) {
    for (let s = 0; s < nS; s++) {
      before[3 * s] = recorders[s].downtime;
      before[3 * s + 1] = recorders[s].outages;
      before[3 * s + 2] = recorders[s].tl9000;
    }
    const start = scheduler.now;
    obs.begin();
    // The first failure: entry i with probability (cum[i] - cum[i-1]) / Λ.
    const x = pick.next() * table.lambda;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    sys.components[table.component[lo]].failNow(table.mode[lo]);
    const limit = scheduler.processed + cap;
    do {
      try {
        scheduler.run(Infinity, limit);
      } catch (e) {
        if (!(e instanceof EventLimitError)) throw e;
        throw new RareEventError(`a cycle of ${model.file} did not return to all-up within ${cap} events: the failure bias ${theta} is too large (try a smaller --bias)`);
      }
      if (!obs.regenerated && scheduler.pending === 0) throw new Error(`${model.file}: nothing left to happen, yet not everything is up (a state the system cannot leave)`);
    } while (!obs.regenerated);
    const T = scheduler.now - start;
    const L = Math.exp((theta - 1) * obs.exposureNow() - (obs.failures - 1) * lnTheta);
    sumLT += L * T;
    sumL += L;
    acc.lrSum += L;
    acc.lrSumSquares += L * L;
    if (L > acc.lrMax) acc.lrMax = L;
    acc.lrTail.push(L);
    for (let s = 0; s < nS; s++) {
      const n = recorders[s].outages - before[3 * s + 1];
      if (n > 0) {
        sumD[s] += L * (recorders[s].downtime - before[3 * s]);
        sumN[s] += L * n;
        sumTl[s] += L * (recorders[s].tl9000 - before[3 * s + 2]);
        acc.services[s].cyclesWithOutage++;
      }
    }
  }
  const y = cycles / table.lambda + sumLT;
  acc.services.forEach((a, s) => {
    addBivariate(a.downtime, sumD[s], y);
    addBivariate(a.outages, sumN[s], y);
    addBivariate(a.tl9000, sumTl[s], y);
    addBivariate(a.meanOutage, sumD[s], sumN[s]);
  });
  trimTail(acc.lrTail);
  addMoment(acc.likelihoodRatio, sumL / cycles);
  acc.batches++;
  acc.cycles += cycles;
  acc.events += scheduler.processed;
}

/** A fixed range of batches [from, to), the unit of work of one thread. */
export interface RareShard {
  index: number;
  from: number;
  to: number;
}

/** Splits batches 0..batches-1 into shards of BATCHES_PER_SHARD (the last may be smaller). */
export function planRareShards(batches: number): RareShard[] {
  const out: RareShard[] = [];
  for (let from = 0, index = 0; from < batches; from += BATCHES_PER_SHARD, index++) out.push({ index, from, to: Math.min(batches, from + BATCHES_PER_SHARD) });
  return out;
}

/** Runs one shard's batches in order and returns their accumulator. */
export function runRareShard(model: SystemModel, settings: RareSettings, shard: RareShard): RareAccumulator {
  const acc = emptyRareAccumulator(model);
  for (let b = shard.from; b < shard.to; b++) runRareBatch(model, settings, b, acc);
  return acc;
}

/** The estimates of one service. Rates per year, times in seconds unless named. */
export interface RareServiceSummary {
  name: string;
  /** 1 - availability, with its 95% CI (delta method over batches), clipped to [0, 1]. */
  unavailability: Estimate;
  availability: Estimate;
  downtimeMinutesPerYear: Estimate;
  outagesPerYear: Estimate;
  /** Outages longer than 15 s (TL-9000) per year. */
  tl9000PerYear: Estimate;
  /** Mean outage duration (seconds); NaN when no outage was seen. */
  meanOutageSeconds: Estimate;
  /** Cycles (of all) with at least one outage of this service. */
  cyclesWithOutage: number;
  /** Half-width of the unavailability's 95% CI over its estimate (Infinity with no outage). */
  relativeHalfWidth: number;
}

/**
 * When the weights cannot be trusted. Importance sampling can be confidently wrong: with
 * too large a bias the likelihood ratios L have so heavy a tail that the cycles seen
 * miss what carries the estimate, and the batch CI, computed from what was seen, is
 * tight around a wrong value (exp-ap-pair at θ = 300, 100,000 cycles, seed 1: 4.06 min/y,
 * batch CI 3.32 .. 4.81, against the exact 41.79). Flagged when:
 * - the Pareto k of the ratios' tail (pareto.ts) is at least `paretoK` (1/2: from there
 *   on their variance is likely infinite, and no CI built on a variance holds; the
 *   automatic bias gives 0.11 to 0.33 on the shipped exponential topologies);
 * - the effective sample size (Σ L)² / Σ L² is below `essShare` of the cycles;
 * - the mean of L (1 in expectation) is more than `lrMeanSe` standard errors from 1.
 */
export const RARE_LIMITS = { paretoK: 0.5, essShare: 0.01, lrMeanSe: 4 } as const;

/**
 * Why the change of measure of `acc` cannot be trusted (empty when it can); `k` is its
 * Pareto k. `automatic`: the bias is the automatic one, so the advice is more cycles
 * first (a tail fitted on few cycles is uncertain), then a smaller bias; a bias given by
 * hand is advised down, or to the automatic one.
 */
export function weightProblems(acc: RareAccumulator, lrMean: Estimate, k: number, automatic: boolean): string[] {
  const out: string[] = [];
  const hint = automatic
    ? 'the automatic failure bias is too large for this model, or the cycles too few to tell (run more cycles with --cycles; if this stays, give a smaller --bias)'
    : 'the failure bias is too large (try a smaller --bias, or the automatic one)';
  if (k >= RARE_LIMITS.paretoK) {
    out.push(`the likelihood ratios have a heavy tail (Pareto k = ${k.toFixed(2)} >= ${RARE_LIMITS.paretoK}: their variance is likely infinite, so no CI can be trusted): ${hint}`);
  }
  const ess = acc.lrSumSquares > 0 ? (acc.lrSum * acc.lrSum) / acc.lrSumSquares : 0;
  if (acc.cycles > 0 && ess < RARE_LIMITS.essShare * acc.cycles) {
    out.push(`degenerate likelihood ratios: an effective sample size of ${Math.round(ess)} of ${acc.cycles} cycles (under ${RARE_LIMITS.essShare * 100}%), the largest ratio ${acc.lrMax.toPrecision(3)}: ${hint}`);
  }
  if (lrMean.se > 0 && Math.abs(lrMean.mean - 1) > RARE_LIMITS.lrMeanSe * lrMean.se) {
    out.push(`the mean likelihood ratio ${lrMean.mean.toPrecision(4)} is ${(Math.abs(lrMean.mean - 1) / lrMean.se).toFixed(1)} standard errors from 1: the change of measure does not check out`);
  }
  return out;
}

/** What a rare-event run estimated, and how. */
export interface RareSummary {
  /** `failure-biasing` (regenerative cycles with failure biasing). */
  method: 'failure-biasing';
  /** The factor θ used, and why. */
  bias: number;
  biasReason: string;
  batches: number;
  cycles: number;
  events: number;
  /** Λ: failures per year of the all-up system (the rate at which cycles begin). */
  failuresPerYearAllUp: number;
  /** Mean cycle length (seconds): 1/Λ plus the mean degraded period, with its CI. */
  meanCycleSeconds: Estimate;
  /**
   * The likelihood ratio: its mean over cycles (1 in expectation: a check of the change of
   * measure), its effective sample size (Σ L)² / Σ L² over cycles, and its largest value.
   */
  likelihoodRatio: { mean: Estimate; effectiveSampleSize: number; max: number; paretoK: number };
  /** Why no estimate of this run can be trusted (see RARE_LIMITS), empty when the weights are sound. */
  problems: string[];
  services: RareServiceSummary[];
}

/** The figures every rare-event estimator gives of a service (see RareServiceSummary). */
export type RareFigures = Omit<RareServiceSummary, 'name' | 'cyclesWithOutage'>;

/**
 * A service's figures from its ratio sums over batches (x / y each): downtime / time,
 * outages / time, outages over 15 s / time (seconds), downtime / outages. The CIs are
 * delta-method intervals over batches, clipped to physical bounds.
 */
export function rareFigures(a: RareBooks): RareFigures {
  const u = clipEstimate(ratioEstimate(a.downtime), 0, 1);
  const half = (u.hi - u.lo) / 2;
  return {
    unavailability: u,
    availability: scaleEstimate(u, -1, 1),
    downtimeMinutesPerYear: scaleEstimate(u, YEAR / 60),
    outagesPerYear: clipEstimate(scaleEstimate(ratioEstimate(a.outages), YEAR), 0),
    tl9000PerYear: clipEstimate(scaleEstimate(ratioEstimate(a.tl9000), YEAR), 0),
    meanOutageSeconds: clipEstimate(ratioEstimate(a.meanOutage), 0),
    relativeHalfWidth: u.mean > 0 && Number.isFinite(half) ? half / u.mean : Infinity,
  };
}

/** Summarizes an accumulator of `model` run with failure bias `bias` (for the record), `automatic` when it is the automatic one (the advice of `weightProblems`). */
export function summarizeRare(model: SystemModel, acc: RareAccumulator, bias: number, biasReason: string, automatic: boolean): RareSummary {
  const table = failureTable(model);
  const services = model.services.map((svc, i): RareServiceSummary => {
    const a = acc.services[i];
    // In the order the JSON has always had.
    const { relativeHalfWidth, ...figures } = rareFigures(a);
    return { name: svc.name, ...figures, cyclesWithOutage: a.cyclesWithOutage, relativeHalfWidth };
  });
  // Batch length / cycles per batch: the mean cycle length, with the CI of a mean over batches.
  const y = acc.services.length > 0 ? acc.services[0].downtime : null;
  const lrMean = meanEstimate(acc.likelihoodRatio);
  const k = paretoK(acc.lrTail, acc.cycles);
  const cycleLen: Estimate = y
    ? meanEstimate({ n: y.n, mean: y.my / CYCLES_PER_BATCH, m2: y.m2y / (CYCLES_PER_BATCH * CYCLES_PER_BATCH) })
    : { mean: NaN, se: NaN, lo: NaN, hi: NaN };
  return {
    method: 'failure-biasing',
    bias,
    biasReason,
    batches: acc.batches,
    cycles: acc.cycles,
    events: acc.events,
    failuresPerYearAllUp: table.lambda * YEAR,
    meanCycleSeconds: cycleLen,
    likelihoodRatio: { mean: lrMean, effectiveSampleSize: acc.lrSumSquares > 0 ? (acc.lrSum * acc.lrSum) / acc.lrSumSquares : 0, max: acc.lrMax, paretoK: k },
    problems: weightProblems(acc, lrMean, k, automatic),
    services,
  };
}
