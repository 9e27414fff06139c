/**
 * Uncertain inputs (`nfvsim uncertainty`) against exact answers. One component with
 * exponential failure (MTTF m) and repair (MTTR r = 2 d), observed from new over
 * [0, H]: its expected interval availability is
 *   f(m) = mu/(l+mu) + l/(l+mu)^2 (1 - e^{-(l+mu)H}) / H,  l = 1/m, mu = 1/r,
 * so with m drawn from a distribution, E[A] = E[f(m)] (a sum for a two-point m, an
 * integral for a uniform m, computed here by the midpoint rule) and P(A >= a) =
 * P(m >= f^{-1}(a)). The two-level estimates lie within 4 SE of them; the plausible
 * wrong answers (the availability at the median MTTF, the 0/1 verdict at the median)
 * lie outside. Then the draws themselves (lognormal median and error factor), input
 * errors, and the CLI (same bytes for any --jobs).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadExperimentFile } from '../src/experiment/load.js';
import { drawUncertain, Z95 } from '../src/experiment/design.js';
import { readJournals, runSweep } from '../src/sweep/sweep.js';
import { uncertaintyResults } from '../src/uncertainty/run.js';
import { RandomStream } from '../src/engine/rng.js';
import { TopologyError } from '../src/model/errors.js';
import { cli, exp, thrown, sameForJobs } from './helpers.js';

const R = 2; // MTTR, days
const H = 730; // horizon, days

/** The expected interval availability over [0, H] from new, MTTF m days. */
function f(m: number): number {
  const l = 1 / m;
  const mu = 1 / R;
  return mu / (l + mu) + ((l / (l + mu) ** 2) * (1 - Math.exp(-(l + mu) * H))) / H;
}

const SINGLE = {
  name: 'single',
  components: {
    server: { layer: 'hardware', failures: { crash: { ttf: exp('30d') } }, repair: exp(`${R}d`) },
    app: { layer: 'vnf' },
  },
  hosts: { server: { stack: ['server'] } },
  vnfs: { vFW: { instances: 1, app: 'app', placement: { group: 'server' } } },
  services: { firewall: { chain: ['vFW'], target: { availability: 0.96 } } },
};

/** Writes the topology and an experiment with `uncertain` into a new folder; returns the experiment's path. */
function files(uncertain: object, extra: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfvsim-unc-'));
  writeFileSync(join(dir, 'single.yaml'), stringify(SINGLE));
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, stringify({ name: 'unc', base: 'single.yaml', runs: 20, seed: 3, horizon: `${H}d`, uncertain, ...extra }));
  return file;
}

/** Runs the study inline and returns its results. */
async function study(file: string) {
  const e = loadExperimentFile(file);
  const out = mkdtempSync(join(tmpdir(), 'nfvsim-unc-out-'));
  await runSweep(e, { out, jobs: 1 });
  return uncertaintyResults(e, readJournals([out]));
}

const MTTF = 'components.server.failures.crash.ttf.mean';

describe('two-level estimates against exact answers', () => {
  it('MTTF uniform on [10 d, 100 d]: E[A] and P(A >= 96%) within 4 SE; the median MTTF outside', async () => {
    const r = await study(files({ samples: 300, parameters: { [MTTF]: { dist: 'uniform', min: '10d', max: '100d' } } }));
    const s = r.services[0];
    const N = 100_000;
    let sum = 0;
    for (let i = 0; i < N; i++) sum += f(10 + (90 * (i + 0.5)) / N);
    const exact = sum / N;
    expect(Math.abs(s.availability.mean - exact), `${s.availability.mean} vs ${exact} (se ${s.availability.se})`).toBeLessThanOrEqual(4 * s.availability.se);
    expect(Math.abs(f(55) - exact)).toBeGreaterThan(4 * s.availability.se);
    // P(f(m) >= 0.96) = (100 - m*) / 90 with f(m*) = 0.96 (f increases with m).
    let lo = 10;
    let hi = 100;
    for (let i = 0; i < 100; i++) [lo, hi] = f((lo + hi) / 2) < 0.96 ? [(lo + hi) / 2, hi] : [lo, (lo + hi) / 2];
    const p = (100 - lo) / 90;
    const se = Math.sqrt((p * (1 - p)) / 300);
    expect(Math.abs(s.target!.probability.mean - p), `${s.target!.probability.mean} vs ${p}`).toBeLessThanOrEqual(4 * se);
    // The wrong answer: the verdict at the median MTTF (f(55) >= 0.96: certain to meet it).
    expect(f(55)).toBeGreaterThan(0.96);
    expect(1 - p).toBeGreaterThan(4 * se);
    expect(s.target!.verdicts.PASS + s.target!.verdicts.FAIL + s.target!.verdicts.INCONCLUSIVE).toBe(300);
    // The spread across sets is the parameters', hardly the simulation's.
    expect(s.noiseShare).toBeLessThan(0.1);
    expect(r.sets).toHaveLength(300);
  });

  it('MTTF 10 d or 100 d with equal weights: E[A] = (f(10) + f(100)) / 2 within 4 SE; f(55) outside', async () => {
    const r = await study(files({ samples: 200, parameters: { [MTTF]: { dist: 'discrete', values: ['10d', '100d'] } } }));
    const s = r.services[0];
    const exact = (f(10) + f(100)) / 2;
    expect(Math.abs(s.availability.mean - exact), `${s.availability.mean} vs ${exact}`).toBeLessThanOrEqual(4 * s.availability.se);
    expect(Math.abs(f(55) - exact)).toBeGreaterThan(4 * s.availability.se);
    // Half the sets are the 10 d ones, which miss 96%: P(meet) = 1/2.
    expect(Math.abs(s.target!.probability.mean - 0.5)).toBeLessThanOrEqual(4 * Math.sqrt(0.25 / 200));
    expect(s.availabilityQuantiles.find((q) => q.p === 0.05)!.value).toBeLessThan(0.9);
    // Every outage lasts a repair (days): it breaches every SAL, in every set.
    for (const c of s.sal) {
      expect(c.probability.mean).toBe(0);
      expect(c.verdicts.FAIL).toBe(200);
    }
  });
});

describe('draws', () => {
  it('a lognormal with median 1 and error factor 3 has half its draws below 1 and 95% below 3', () => {
    const n = 20000;
    const xs = drawUncertain({ dist: 'lognormal', median: 1, errorFactor: 3, unit: 'y' }, n, new RandomStream('t', 1, 0)) as string[];
    expect(xs[0]).toMatch(/^[\d.e-]+y$/);
    const v = xs.map((x) => Number(x.slice(0, -1)));
    const below = (c: number) => v.filter((x) => x <= c).length / n;
    for (const [c, p] of [
      [1, 0.5],
      [3, 0.95],
      [1 / 3, 0.05],
    ] as const) {
      expect(Math.abs(below(c) - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / n));
    }
    // The wrong spread (sigma = ln 3 rather than ln 3 / 1.645) puts 84% below 3.
    expect(Math.abs(below(3) - 0.841)).toBeGreaterThan(4 * Math.sqrt((0.95 * 0.05) / n));
    expect(Z95).toBeCloseTo(1.6449, 4);
  });

  it('durations keep the unit they are written in; the same seed draws the same values', () => {
    const a = drawUncertain({ dist: 'loguniform', min: '300h', max: '3000h' }, 5, new RandomStream('x', 7, 0));
    const b = drawUncertain({ dist: 'loguniform', min: '300h', max: '3000h' }, 5, new RandomStream('x', 7, 0));
    expect(a).toEqual(b);
    for (const x of a) expect(x).toMatch(/^\d+(\.\d+)?h$/);
  });
});

describe('input errors name the file, the path and what was expected', () => {
  it.each([
    [{ samples: 10, parameters: { [MTTF]: { dist: 'uniform', min: '100d', max: '10d' } } }, `uncertain.parameters["${MTTF}"].max`, 'must be above min'],
    [{ samples: 10, parameters: { [MTTF]: { dist: 'uniform', min: 10, max: '100d' } } }, `uncertain.parameters["${MTTF}"].max`, 'both be numbers or both be durations'],
    [{ samples: 10, parameters: { [MTTF]: { dist: 'lognormal', median: '1y', errorFactor: 3, unit: 'y' } } }, `uncertain.parameters["${MTTF}"].unit`, 'a unit goes with numbers'],
    [{ samples: 10, parameters: { [MTTF]: { dist: 'discrete', values: ['1d', '2d'], weights: [1] } } }, `uncertain.parameters["${MTTF}"].weights`, 'one weight per value'],
    [{ samples: 10, parameters: { [MTTF]: { dist: 'lognormal', median: '1y', errorFactor: 0.5 } } }, `uncertain.parameters["${MTTF}"].errorFactor`, ''],
    [{ samples: 10, parameters: { 'components.nope.failures': { dist: 'uniform', min: 1, max: 2 } } }, 'uncertain.parameters', "no 'nope'"],
    // Found by the fuzzer (seed 11, input 3119): an internal error (exit 70) before.
    [{ samples: 10, parameters: { [MTTF]: { dist: 'lognormal', median: '1ms', errorFactor: 1e308 } } }, `uncertain.parameters["${MTTF}"].errorFactor`, 'a lognormal law with median 1ms, errorFactor 1e+308 cannot be drawn from: lognormal mean overflows'],
  ])('%#', (uncertain, path, message) => {
    const e = thrown(() => loadExperimentFile(files(uncertain))) as TopologyError;
    expect(e).toBeInstanceOf(TopologyError);
    expect(e.issues.map((i) => i.path).join(' ')).toContain(path);
    expect(e.issues.map((i) => i.message).join(' ')).toContain(message);
  });

  it('refuses two designs at once', () => {
    const e = thrown(() => loadExperimentFile(files({ samples: 10, parameters: { [MTTF]: { dist: 'uniform', min: '10d', max: '20d' } } }, { grid: { [MTTF]: ['1d'] } }))) as TopologyError;
    expect(e.issues[0].message).toContain('give exactly one design');
  });
});

describe('nfvsim uncertainty', () => {
  it('the same bytes for any --jobs; a table, JSON, CSV and charts', () => {
    const file = files({ samples: 6, parameters: { [MTTF]: { dist: 'lognormal', median: '30d', errorFactor: 3 } } }, { runs: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-unc-cli-'));
    expect(JSON.parse(sameForJobs(['uncertainty', file], dir)).sets).toHaveLength(6);
    const c = cli(['uncertainty', file, '-o', join(dir, 'c'), '--no-progress']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('E[A] =');
    expect(c.stdout).toContain('P(A >= 96.00 %)');
    expect(c.stderr).toContain('charts in');
    // nfvsim chart redraws the study's own report (not its sweep's).
    const redrawn = cli(['chart', join(dir, 'c')]);
    expect(redrawn.code, redrawn.stderr).toBe(0);
    expect(readFileSync(join(dir, 'c', 'report.html'), 'utf8')).toContain('uncertain inputs');
  });

  it('--runs, --horizon and --seed replace the experiment\'s', () => {
    const file = files({ samples: 4, parameters: { [MTTF]: { dist: 'lognormal', median: '30d', errorFactor: 3 } } }, { runs: 60 });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-unc-set-'));
    const r = cli(['uncertainty', file, '-o', join(dir, 'u'), '--json', '--no-charts', '--no-progress', '--runs', '7', '--horizon', '30d', '--seed', '5']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.settings).toMatchObject({ seed: 5, runs: 7, horizonSeconds: 30 * 86400 });
    // As a copy of the file with those values: the same parameter sets (drawn from the seed) and results.
    const copy = files({ samples: 4, parameters: { [MTTF]: { dist: 'lognormal', median: '30d', errorFactor: 3 } } }, { runs: 7, seed: 5, horizon: '30d' });
    const c = cli(['uncertainty', copy, '-o', join(dir, 'c'), '--json', '--no-charts', '--no-progress']);
    expect(c.code, c.stderr).toBe(0);
    const want = JSON.parse(c.stdout);
    expect(got.sets).toEqual(want.sets);
    expect(got.services).toEqual(want.services);
  });

  it('an experiment without an uncertain section: exit 2, with what to do', () => {
    const r = cli(['uncertainty', join(process.cwd(), 'experiments', 'fencing.yaml'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no 'uncertain:' section");
  });
});
