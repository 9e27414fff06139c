/** Shared helpers of the tests. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
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

/**
 * Asserts |estimate - exact| <= 4 standard errors, and that the plausible `wrong` answer
 * lies outside that band (so that the test can tell the two apart).
 */
export function expectWithin(est: { mean: number; se: number }, exact: number, wrong: number): void {
  const z = zScore({ ...est, lo: NaN, hi: NaN }, exact);
  if (process.env.NFVSIM_TEST_VERBOSE) console.log(`estimate ${est.mean} exact ${exact} z ${z.toFixed(2)} se ${est.se.toExponential(2)} wrong ${wrong} (${(Math.abs(wrong - exact) / est.se).toFixed(1)} SE away)`);
  expect(z, `estimate ${est.mean} vs exact ${exact}: ${z.toFixed(2)} SE`).toBeLessThanOrEqual(4);
  expect(Math.abs(wrong - exact), `wrong answer ${wrong} is inside the band`).toBeGreaterThan(4 * est.se);
}

/** Asserts relative closeness to 1e-9. */
export function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
}

/** What `fn` throws, or undefined when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** A small valid topology (two hosts in a rack, a 1-of-2 VNF, 10 runs x 2 y) that tests edit into bad ones. */
export const SMALL_TOPOLOGY = `
components:
  hw: { layer: hardware, failures: { crash: { ttf: { dist: exponential, mean: 1000h } } }, repair: { dist: exponential, mean: 10h } }
  app: { layer: vnf }
racks:
  r1: {}
hosts:
  h: { count: 2, stack: [hw], racks: [r1] }
vnfs:
  f: { instances: 2, k: 1, app: app, placement: { group: h, policy: anti-affinity } }
services:
  s: { chain: [f] }
simulation: { runs: 10, horizon: 2y }
`;

/**
 * Runs the CLI with `args` twice, with --jobs 1 and --jobs 2 (each with its own `-o` folder
 * under `dir`, and --json --no-charts --no-progress); asserts both exit 0 with the same
 * stdout (same seed, same bytes for any number of threads) and returns it.
 */
export function sameForJobs(args: string[], dir: string): string {
  const [a, b] = ['1', '2'].map((j) => cli([...args, '-o', `${dir}/jobs-${j}`, '--jobs', j, '--json', '--no-charts', '--no-progress']));
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  expect(a.stdout).toBe(b.stdout);
  return a.stdout;
}
