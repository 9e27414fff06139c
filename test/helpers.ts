/** Shared helpers of the tests. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadTopologyText, simulate, type RunReport } from '../src/index.js';
import type { Estimate } from '../src/metrics/stats.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Loads a topology given as a plain object (serialized to YAML first, as a user would write it). */
export function topo(doc: object, file = 'test.yaml') {
  return loadTopologyText(stringify(doc), file);
}

/** Simulates a topology object and returns the report. */
export function run(doc: object, opts: { runs: number; horizon: number; seed?: number; warmup?: number }): RunReport {
  return simulate(topo(doc), { seed: 12345, ...opts });
}

/** Asserts |estimate - exact| <= 4 standard errors, and returns the distance in standard errors. */
export function zScore(e: Estimate, exact: number): number {
  return Math.abs(e.mean - exact) / e.se;
}

/** Runs the built CLI; returns exit code, stdout and stderr. */
export function cli(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [`${ROOT}/bin/nfvsim.js`, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exponential distribution spec with the given mean (a duration string). */
export const exp = (mean: string) => ({ dist: 'exponential', mean });
