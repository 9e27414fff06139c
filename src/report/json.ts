/**
 * The JSON report of a run: one document, the same bytes for the same inputs
 * (no timings, no dates). Its shape is `RunReport`.
 */
import type { RunSummary } from '../metrics/summary.js';

/** How a run to precision ended. */
export interface PrecisionStop {
  /** Target: the 95% CI half-width of every service's unavailability within this share of its estimate. */
  precision: number;
  maxRuns: number;
  /** Seconds, or null without a time budget. */
  maxTimeSeconds: number | null;
  /** `precision`: reached; `max-runs` or `max-time`: the budget ran out first. A `max-time` stop depends on the machine: not reproducible from the seed. */
  reason: 'precision' | 'max-runs' | 'max-time';
  /** The relative half-width reached, per service (Infinity when no outage was seen). */
  achieved: Array<{ service: string; relativeHalfWidth: number }>;
}

/**
 * How plain histories were chosen: by their first batch (`by: 'first batch'`: the
 * plain-first rule, runner/precision-step.ts `plainIsEnough`) or by the pilots of the
 * automatic choice (`by: 'pilots'`, with each pilot's figures; non-finite numbers are
 * written as null). `text` is what was printed.
 */
export interface PlainChoice {
  chosen: 'plain';
  by: 'first batch' | 'pilots';
  text: string;
  pilots?: ReadonlyArray<{ method: string; refused: string | null; events: number; worstRelativeHalfWidth: number; predictedEvents: number; tail: number }>;
}

/** The document `nfvsim run --json` prints. Times are in seconds unless a name says otherwise. */
export interface RunReport {
  /** The nfvsim version that produced it. */
  nfvsim: string;
  /** The input topology. */
  input: { file: string; name: string; sha256: string };
  /** The settings the run used. */
  settings: {
    seed: number;
    runs: number;
    horizonSeconds: number;
    horizonReason: string;
    warmupSeconds: number;
    maxEvents: number | null;
    /** With run-to-precision (`--precision`): the rule and why the run stopped. Absent otherwise. */
    stop?: PrecisionStop;
    /** When plain histories were chosen automatically (`--precision` without `--rare-event`, or `--rare-event auto`): how. Absent otherwise. */
    choice?: PlainChoice;
  };
  /** Groups with no HA mechanism configured (ideal k-of-n). */
  idealGroups: string[];
  /** The estimates. */
  results: RunSummary;
}

/** Serializes a report as pretty-printed JSON with a trailing newline. */
export function renderJson(report: RunReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
