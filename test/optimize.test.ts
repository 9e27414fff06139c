/**
 * Design search (`nfvsim optimize`) on a designed case with a known optimum: n instances
 * of an ideal 1-of-n group (each failing after an exponential 9 d, repaired in an
 * exponential 1 d by a crew of c members), whose unavailability is that of the
 * birth-death chain of the number failed (failures at (n - k) l, repairs at min(k, c) mu):
 * U = pi_n. Over n in {2, 3, 4} and c in {1, 2}, at 1000 per instance and 300 per crew
 * member a year, with the target A >= 99.9%, only n = 4, c = 2 meets it (U = 3.0e-4);
 * the cheaper n = 4, c = 1 (U = 2.2e-3) and n = 3, c = 2 (U = 1.5e-3) do not. The search
 * must find it, decide every cheaper design, estimate each design within 4 SE of its
 * exact availability, and spend fewer histories than running every design to the budget.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadExperimentFile } from '../src/experiment/load.js';
import { designCost, optimize } from '../src/optimize/run.js';
import { TopologyError } from '../src/model/errors.js';
import { cli, exp, thrown, sameForJobs } from './helpers.js';

const GROUP = {
  name: 'one-of-n',
  crews: { ops: 1 },
  components: {
    server: { layer: 'hardware' },
    app: { layer: 'vnf', failures: { crash: { ttf: exp('9d') } }, repair: exp('1d'), crew: 'ops' },
  },
  hosts: { compute: { count: 4, stack: ['server'] } },
  vnfs: { vFW: { instances: 2, k: 1, app: 'app', placement: { group: 'compute', policy: 'anti-affinity' } } },
  services: { firewall: { chain: ['vFW'] } },
};

/** Exact unavailability of n instances, c repair crew members (failure rate l, repair rate mu). */
function exactU(n: number, c: number, l = 1 / 9, mu = 1): number {
  const pi = [1];
  for (let k = 1; k <= n; k++) pi.push((pi[k - 1] * (n - k + 1) * l) / (Math.min(k, c) * mu));
  return pi[n] / pi.reduce((a, b) => a + b, 0);
}

function files(optimizeSpec: object, extra: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nfvsim-opt-'));
  writeFileSync(join(dir, 'group.yaml'), stringify(GROUP));
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, stringify({ name: 'opt', base: 'group.yaml', runs: 800, seed: 2, horizon: '2y', optimize: optimizeSpec, ...extra }));
  return file;
}

const SPEC = {
  space: { 'vnfs.vFW.instances': [2, 3, 4], 'crews.ops': [1, 2] },
  costs: { 'vnfs.vFW': 1000, 'crews.ops': 300 },
  target: { availability: 0.999 },
};

describe('design search on a case with a known optimum', () => {
  it('finds n = 4 instances with 2 crew members, decides every cheaper design, and saves histories', async () => {
    const e = loadExperimentFile(files(SPEC));
    const r = await optimize(e, { jobs: 1 });
    const name = (n: number, c: number) => `instances=${n}, ops=${c}`;
    expect(r.designs.map((d) => d.name)).toEqual([name(2, 1), name(2, 2), name(3, 1), name(3, 2), name(4, 1), name(4, 2)]);
    // Costs from the built models.
    expect(r.designs.map((d) => d.cost.total)).toEqual([2300, 2600, 3300, 3600, 4300, 4600]);
    expect(r.answer).not.toBeNull();
    expect(r.designs[r.answer!.design].name).toBe(name(4, 2));
    expect(r.answer!.cheaperUndecided).toEqual([]);
    // The tempting wrong answers are shown to fail.
    for (const [n, c] of [
      [4, 1],
      [3, 2],
    ]) {
      const d = r.designs.find((x) => x.name === name(n, c))!;
      expect(exactU(n, c)).toBeGreaterThan(0.001);
      expect(d.verdict).toBe('fails');
    }
    expect(exactU(4, 2)).toBeLessThan(0.001);
    // Every design's estimate within 4 SE of its exact availability.
    for (const d of r.designs) {
      const [n, c] = [Number(d.params['vnfs.vFW.instances']), Number(d.params['crews.ops'])];
      const a = 1 - exactU(n, c);
      expect(Math.abs(d.availability.mean - a), `${d.name}: ${d.availability.mean} vs ${a}`).toBeLessThanOrEqual(4 * d.availability.se);
    }
    expect(r.replications.spent).toBeLessThan(r.replications.exhaustive / 2);
    expect(r.front[0]).toBe(0);
    expect(r.front).toContain(r.answer!.design);
  });

  it('a SAL target: every outage lasts a repair (days), so every design that has outages breaches SAL 1 and fails it', async () => {
    const e = loadExperimentFile(files({ ...SPEC, target: { sal: 1 } }, { runs: 100 }));
    const r = await optimize(e, { jobs: 1 });
    for (const d of r.designs) {
      expect(d.sal!.share).toBe(1);
      expect(d.sal!.verdict).toBe('FAIL');
      expect(d.verdict).toBe('fails');
      expect(d.availabilityVerdict).toBeNull();
    }
    expect(r.answer).toBeNull();
    // Decided in the first round: 50 histories each.
    expect(r.replications.spent).toBe(6 * 50);
  });

  it('a cost names nothing: the file, the key and what exists', () => {
    // Counted per design, a key naming nothing counts 0; the command refuses a key that names nothing in any design.
    const e = loadExperimentFile(files(SPEC));
    expect(designCost(e.points[0].topology.model, { 'vnfs.vLB': 5, 'vnfs.vFW': 7 }).total).toBe(14);
    const r = cli(['optimize', files({ ...SPEC, costs: { 'vnfs.vLB': 5 } }), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('optimize.costs.vnfs.vLB');
    expect(r.stderr).toContain('VNFs and VIM services: vFW');
  });

  it('an optimize section needs a target', () => {
    const e = thrown(() => loadExperimentFile(files({ ...SPEC, target: {} }))) as TopologyError;
    expect(e).toBeInstanceOf(TopologyError);
    expect(e.issues[0].message).toContain('give availability, sal or both');
  });
});

describe('nfvsim optimize', () => {
  it('the same bytes for any --jobs; the table and the chart', () => {
    const file = files({ ...SPEC, target: { availability: 0.99 } }, { runs: 200 });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-opt-cli-'));
    expect(JSON.parse(sameForJobs(['optimize', file], dir)).designs).toHaveLength(6);
    const c = cli(['optimize', file, '-o', join(dir, 'c'), '--no-progress']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('cheapest design that meets the target:');
    expect(c.stdout).toContain('Pareto front');
    expect(c.stderr).toContain('pareto.png');
  });

  it('--runs, --horizon and --seed replace the experiment\'s (runs: the most histories a design gets)', () => {
    const file = files({ ...SPEC, target: { availability: 0.99 } }, { runs: 200 });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-opt-set-'));
    const r = cli(['optimize', file, '-o', join(dir, 'o'), '--json', '--no-charts', '--no-progress', '--runs', '100', '--horizon', '1y', '--seed', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).settings).toMatchObject({ seed: 4, maxRuns: 100, horizonSeconds: 365 * 86400 });
  });
});
