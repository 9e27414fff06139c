/**
 * ETSI Service Availability Levels (GS NFV-REL 001, as quoted in the OPNFV HA
 * requirement analysis): failure detection and service recovery bounds, and the
 * verdict rule.
 *
 * | SAL | detection | recovery | (range given)  |
 * |  1  |   < 1 s   |   6 s    | 5-6 s          |
 * |  2  |   < 5 s   |  15 s    | 10-15 s        |
 * |  3  |  < 10 s   |  25 s    | 20-25 s        |
 * A range is judged by its upper end. An outage breaches a SAL when its detection time
 * or its recovery time (the whole outage) exceeds the bound. The verdict compares the
 * share of breaching outages with a tolerance (default 5%), using exact
 * (Clopper-Pearson) one-sided 95% confidence bounds of that share:
 *   PASS: the upper bound is within the tolerance, or no outage was seen in a
 *         non-empty window;
 *   FAIL: the lower bound exceeds the tolerance;
 *   INCONCLUSIVE: otherwise (more runs would decide).
 */
import { incompleteBetaOf } from './stats.js';
import { YEAR } from '../engine/units.js';

/** Bounds of one SAL, seconds. */
export interface SalBounds {
  detection: number;
  recovery: number;
}

/** The default bounds of SAL 1, 2, 3 (index 0, 1, 2). */
export const DEFAULT_SAL_BOUNDS: readonly SalBounds[] = [
  { detection: 1, recovery: 6 },
  { detection: 5, recovery: 15 },
  { detection: 10, recovery: 25 },
];

/** TL-9000 counts a service interruption longer than this (seconds) as an outage. */
export const TL9000_SECONDS = 15;

/** Default tolerance on the share of outages that breach a bound. */
export const DEFAULT_SAL_TOLERANCE = 0.05;

/** A verdict on one SAL. */
export type SalVerdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** Exact two-sided 95% (Clopper-Pearson) interval of a binomial share k/n. */
export function clopperPearson(k: number, n: number, level = 0.95): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 1 };
  const a = (1 - level) / 2;
  const lo = k === 0 ? 0 : betaQuantile(a, k, n - k + 1);
  const hi = k === n ? 1 : betaQuantile(1 - a, k + 1, n - k);
  return { lo, hi };
}

/**
 * The p-quantile of Beta(a, b) by bisection on the regularized incomplete beta: 100
 * halvings, or fewer when one leaves both ends as they were (the ends are then adjacent
 * doubles, and every later halving would leave them too: the same result, sooner).
 */
function betaQuantile(p: number, a: number, b: number): number {
  const cdf = incompleteBetaOf(a, b);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) {
      if (lo === mid) break;
      lo = mid;
    } else {
      if (hi === mid) break;
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

/** The verdict for `breaches` breaching outages out of `outages`, at `tolerance`. */
export function salVerdict(breaches: number, outages: number, tolerance: number): { verdict: SalVerdict; share: number; lo: number; hi: number } {
  if (outages === 0) return { verdict: 'PASS', share: 0, lo: 0, hi: 0 };
  // A two-sided 90% interval: each end is a one-sided 95% bound.
  const { lo, hi } = clopperPearson(breaches, outages, 0.9);
  const verdict: SalVerdict = hi <= tolerance ? 'PASS' : lo > tolerance ? 'FAIL' : 'INCONCLUSIVE';
  return { verdict, share: breaches / outages, lo, hi };
}

/** The verdict on a service's availability target (see `targetVerdict`). */
export interface TargetVerdict {
  /** The least availability the topology asks for, a share in (0, 1). */
  availability: number;
  /** The same as downtime per year (365 d), minutes. */
  downtimeMinutesPerYear: number;
  /**
   * PASS when the availability's 95% CI lies at or above the target, FAIL when it lies
   * below, INCONCLUSIVE when it straddles it (more replications may decide).
   */
  verdict: SalVerdict;
}

/**
 * Judges `target` against an availability estimate with its 95% CI [lo, hi]. With no
 * outage observed, pass `upperUnavailability` (the 95% upper bound from zero events):
 * PASS when 1 - that bound reaches the target, else INCONCLUSIVE (never FAIL on no
 * evidence of failure).
 */
export function targetVerdict(target: number, availability: { lo: number; hi: number }, upperUnavailability?: number): TargetVerdict {
  let verdict: SalVerdict;
  if (upperUnavailability !== undefined) verdict = 1 - upperUnavailability >= target ? 'PASS' : 'INCONCLUSIVE';
  else verdict = availability.lo >= target ? 'PASS' : availability.hi < target ? 'FAIL' : 'INCONCLUSIVE';
  return { availability: target, downtimeMinutesPerYear: ((1 - target) * YEAR) / 60, verdict };
}
