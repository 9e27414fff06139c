/**
 * How far a run to precision goes next: the one rule shared by plain histories
 * (simulate.ts), splitting (rare/split-run.ts) and failure biasing (rare/run.ts).
 *
 * Work is counted in units (shards of replications, batches of histories or of cycles),
 * so that a step ends where a run of that many units would end. A 95% CI half-width
 * narrows as one over the square root of the work, so after `done` units with the worst
 * relative half-width `worst`, reaching `precision` takes about done (worst / precision)^2
 * units. The next step aims there with a margin (STEP_MARGIN, for the noise in `worst`),
 * and grows the run by at least a quarter (a step has a fixed cost: a summary, threads'
 * tasks) and at most doubles it (an early `worst` from few outages is unreliable). A
 * service with no outage yet (`worst` not finite) doubles the run.
 *
 * The steps depend only on the results so far, which depend only on the seed: a run to
 * precision is the same for any number of threads, and equal to a plain run of the same
 * number of units.
 */

/** The step aims at this multiple of the predicted work (the half-width is itself estimated). */
export const STEP_MARGIN = 1.15;

/**
 * The number of units a run to precision should have done after its next step.
 *
 * @param done units done so far (0 before the first step)
 * @param worst the worst relative 95% CI half-width after them (Infinity: a service has no outage yet)
 * @param precision the target relative half-width, in (0, 1)
 * @param first units of the first step
 * @param max the budget, in units
 * @param shard the units a thread's task holds (a shard): a step ends at a multiple of it
 *   (or at `max`), so that its tasks are a plain run's tasks, merged in the same groups
 *   (the same bytes), and a step never starts inside a task
 * @returns a number of units in (done, max] (or `max` when done >= max)
 */
export function nextPrecisionStep(done: number, worst: number, precision: number, first: number, max: number, shard = 1): number {
  let to = first;
  if (done > 0) {
    to = 2 * done;
    if (Number.isFinite(worst) && worst > 0) {
      const predicted = Math.ceil(STEP_MARGIN * done * (worst / precision) ** 2);
      to = Math.min(2 * done, Math.max(done + Math.ceil(done / 4), predicted));
    }
  }
  return Math.min(max, shard * Math.ceil(to / shard));
}

/**
 * Outages a pilot must have seen of every service to predict from its half-width: with
 * fewer, the spread of a heavy-tailed downtime is seen too small (the long outages that
 * carry it have not come yet), and the prediction would be far too low.
 */
export const MIN_OUTAGES_TO_PREDICT = 10;

/**
 * The work a pilot predicts to reach `precision`: its `events` times (worst relative
 * half-width / precision)^2, as a CI narrows as the square root of the work; Infinity
 * (no prediction) when a service saw fewer than MIN_OUTAGES_TO_PREDICT outages (`seen`:
 * the fewest over the services; for splitting, histories with one).
 */
export function predictedEvents(events: number, worst: number, precision: number, seen: number): number {
  return Number.isFinite(worst) && seen >= MIN_OUTAGES_TO_PREDICT ? events * (worst / precision) ** 2 : Infinity;
}

/**
 * Events under which a run to precision stays with plain histories without pilots: about
 * 25 s of two cores' work on the shipped topologies (4 M events per second and core).
 */
export const PLAIN_ENOUGH_EVENTS = 200e6;

/**
 * Pareto k of a pilot's per-history unavailability from which its prediction is not
 * trusted: from 1/2 on the variance is (likely) infinite (metrics/pareto.ts), the spread a
 * pilot saw understates the true one, and so does the work it predicts (kubernetes.yaml:
 * 200 plain histories predicted 162 M events to 10%; 454 M were needed). 0.7, PSIS's
 * limit of a usable estimate (and splitting's, SPLIT_LIMITS), rather than 1/2: fitted on
 * the 40 largest of 200 histories, k >= 1/2 comes out for 16% of lognormal (sigma 1) or
 * finite-variance Pareto (k 0.3) samples, k >= 0.7 for 1.5% of them, while it still
 * flags 75% of samples with k = 1 and 53% with k = 0.8.
 */
export const HEAVY_TAIL_K = 0.7;

/** What a pilot of plain histories measured (a plain-first run's first batch, handed to the pilots). */
export interface PilotFigures {
  events: number;
  /** The worst relative half-width over the services. */
  worst: number;
  /** The fewest outages of a service. */
  seen: number;
  /** The Pareto k of the worst service's per-history unavailability (NaN: no fit). */
  tail: number;
}

/** True when a pilot's tail (its Pareto k; NaN: too few histories with downtime to fit one) makes its prediction untrustworthy. */
export function heavyTail(k: number): boolean {
  return k >= HEAVY_TAIL_K;
}

/**
 * The plain-first rule of `run --precision` without `--rare-event`: plain histories run
 * their first batch; if it predicts (`predictedEvents`) at most PLAIN_ENOUGH_EVENTS to
 * reach the precision and the tail of its worst service (`tail`, a Pareto k) is not heavy
 * (HEAVY_TAIL_K),
 * the run goes on with plain histories (they cost no pilots and give every figure, SAL
 * verdicts included); else the pilots of `chooseMethod` (rare/split-run.ts) choose the
 * method. Events, not seconds, so the choice depends on the seed alone.
 */
export function plainIsEnough(events: number, worst: number, precision: number, seen: number, tail: number): boolean {
  return predictedEvents(events, worst, precision, seen) <= PLAIN_ENOUGH_EVENTS && !heavyTail(tail);
}
