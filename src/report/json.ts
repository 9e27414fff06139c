/**
 * The JSON report of a run: one document, the same bytes for the same inputs
 * (no timings, no dates). Its shape is `RunReport`.
 */
import type { RunSummary } from '../metrics/summary.js';

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
