/**
 * Transient and mission measures (`nfvsim transient`) against exact answers.
 * - One component with exponential failure (rate l) and repair (rate m): from new,
 *   A(t) = m/(l+m) + l/(l+m) e^{-(l+m)t} and R(t) = e^{-lt}; from down at 0,
 *   A(t) = m/(l+m) (1 - e^{-(l+m)t}); the mean interval availability of month j is the
 *   mean of A(t) over it. The estimates lie within 4 SE of the exact values (SE of a share
 *   from the exact p), and the steady-state value (the wrong answer at small t) outside.
 * - The exact transient of analyze's Markov chain (uniformisation) equals the closed form.
 * - A 1+1 active/passive pair (exponential detection, switchover, manual recovery): the
 *   simulated A(t) and R(t) lie within 4 SE of the chain's transient solution at every grid
 *   time, and the steady-state availability falls outside at the first grid time.
 * - The CLI: same bytes for any --jobs, files and charts written, bad --initial-down exits 2.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { transientStudy } from '../src/transient/run.js';
import { analyzeModel } from '../src/analysis/markov.js';
import { transientDistribution } from '../src/analysis/ctmc.js';
import { cli, exp, topo, sameForJobs } from './helpers.js';

const D = 86400;

/** One server (exponential MTTF 30 d, repair 5 d) carrying one instance that never fails itself. */
const SINGLE = {
  name: 'single',
  components: {
    server: { layer: 'hardware', failures: { crash: { ttf: exp('30d') } }, repair: exp('5d') },
    app: { layer: 'vnf' },
  },
  hosts: { server: { stack: ['server'] } },
  vnfs: { vFW: { instances: 1, app: 'app', placement: { group: 'server' } } },
  services: { firewall: { chain: ['vFW'] } },
};
const l = 1 / (30 * D);
const m = 1 / (5 * D);
const steady = m / (l + m);

/** A 1+1 active/passive pair whose every delay is exponential and slow enough for uniformisation over 30 days. */
const PAIR = {
  name: 'ap-slow',
  components: {
    server: { layer: 'hardware', failures: { crash: { ttf: exp('20d') } }, repair: exp('3d') },
    fw: { layer: 'vnf', failures: { crash: { ttf: exp('10d') } }, repair: exp('4h') },
  },
  hosts: { compute: { count: 2, stack: ['server'] } },
  vnfs: {
    vFW: {
      instances: 2,
      app: 'fw',
      placement: { group: 'compute', policy: 'anti-affinity' },
      ha: {
        mechanism: 'active-passive',
        detector: { announced: exp('30m'), peerNotification: exp('30m') },
        switchover: exp('1h'),
        coverage: 0.9,
        manual: exp('6h'),
      },
    },
  },
  services: { firewall: { chain: ['vFW'] } },
};

/** Asserts a share estimated from n histories is within 4 SE of exact p (SE from p), and `wrong` is not. */
function shareWithin(est: number, p: number, n: number, wrong?: number): void {
  const se = Math.sqrt((p * (1 - p)) / n);
  if (se === 0) {
    expect(est).toBe(p);
    return;
  }
  expect(Math.abs(est - p), `estimate ${est} vs exact ${p} (se ${se})`).toBeLessThanOrEqual(4 * se);
  if (wrong !== undefined) expect(Math.abs(wrong - p), `wrong answer ${wrong} is inside the band of ${p}`).toBeGreaterThan(4 * se);
}

describe('transientDistribution (uniformisation)', () => {
  it('matches the closed form of a two-state chain, and keeps an absorbing state', () => {
    const chain = { n: 2, transitions: [{ from: 0, to: 1, rate: 2 }, { from: 1, to: 0, rate: 3 }] };
    const times = [0, 0.1, 0.5, 2, 40];
    const ps = transientDistribution(chain, Float64Array.of(1, 0), times);
    times.forEach((t, i) => expect(Math.abs(ps[i][0] - (0.6 + 0.4 * Math.exp(-5 * t)))).toBeLessThan(1e-12));
    const absorbing = transientDistribution({ n: 2, transitions: [{ from: 0, to: 1, rate: 2 }] }, Float64Array.of(1, 0), times);
    times.forEach((t, i) => expect(Math.abs(absorbing[i][0] - Math.exp(-2 * t))).toBeLessThan(1e-12));
  });

  it('refuses a chain too stiff for the work bound', () => {
    const chain = { n: 2, transitions: [{ from: 0, to: 1, rate: 1e3 }, { from: 1, to: 0, rate: 1 }] };
    expect(() => transientDistribution(chain, Float64Array.of(1, 0), [1e9])).toThrow(/uniformisation would take/);
  });
});

describe('one exponential component', () => {
  const times = [0, 1, 2, 4, 8, 16, 30].map((x) => x * D);
  it("analyze's chain gives the closed-form A(t) and R(t)", () => {
    const s = analyzeModel(topo(SINGLE).model, { times }).services[0];
    times.forEach((t, k) => {
      expect(Math.abs(s.transient!.availability[k] - (steady + (l / (l + m)) * Math.exp(-(l + m) * t)))).toBeLessThan(1e-10);
      expect(Math.abs(s.transient!.reliability[k] - Math.exp(-l * t))).toBeLessThan(1e-10);
    });
  });

  it('from new: A(t), R(t) and the monthly interval availability within 4 SE; the steady state outside', async () => {
    const n = 4000;
    const r = await transientStudy(topo(SINGLE), { runs: n, seed: 3, horizon: 61 * D, points: 61, jobs: 1 });
    const s = r.services[0];
    for (let k = 0; k < r.times.length; k += 3) {
      const t = r.times[k];
      const a = steady + (l / (l + m)) * Math.exp(-(l + m) * t);
      // The wrong answer (steady state) is told apart while the transient lasts.
      shareWithin(s.availability[k].mean, a, n, t > 0 && t <= 3 * D ? steady : undefined);
      shareWithin(s.reliability[k].mean, Math.exp(-l * t), n);
      expect(Math.abs(s.exact!.availability[k] - a)).toBeLessThan(1e-10);
    }
    // Month 0 = [0, M): mean of A(t) over it.
    const M = s.month!.periodSeconds;
    const exactMonth = steady + ((l / (l + m) ** 2) * (1 - Math.exp(-(l + m) * M))) / M;
    const e = s.month!.byPeriod[0];
    expect(Math.abs(e.mean - exactMonth), `${e.mean} vs ${exactMonth}`).toBeLessThanOrEqual(4 * e.se);
    expect(Math.abs(steady - exactMonth)).toBeGreaterThan(4 * e.se);
    expect(s.year).toBeNull();
  });

  it('from down at 0 (--initial-down): A(t) = m/(l+m)(1 - e^{-(l+m)t}), R = 0; the from-new curve outside', async () => {
    const n = 4000;
    const r = await transientStudy(topo(SINGLE), { runs: n, seed: 4, horizon: 20 * D, points: 20, jobs: 1, initialDown: ['hosts.server-1.hardware'] });
    const s = r.services[0];
    expect(r.settings.initialDown).toEqual([{ path: 'hosts.server-1.hardware', mode: 'crash' }]);
    expect(s.exact).toBeNull();
    r.times.forEach((t, k) => {
      const a = steady * (1 - Math.exp(-(l + m) * t));
      const fromNew = steady + (l / (l + m)) * Math.exp(-(l + m) * t);
      shareWithin(s.availability[k].mean, a, n, t <= 10 * D ? fromNew : undefined);
      expect(s.reliability[k].mean).toBe(0);
    });
  });
});

describe('a 1+1 active/passive pair', () => {
  it("A(t) and R(t) within 4 SE of the Markov chain's transient solution; the steady state outside early", async () => {
    const n = 4000;
    const r = await transientStudy(topo(PAIR), { runs: n, seed: 5, horizon: 30 * D, points: 15, jobs: 1 });
    const s = r.services[0];
    expect(r.exactNote).toBeNull();
    const ss = s.exactSteadyState!;
    r.times.forEach((_, k) => {
      shareWithin(s.availability[k].mean, s.exact!.availability[k], n, k === 1 ? ss : undefined);
      shareWithin(s.reliability[k].mean, s.exact!.reliability[k], n);
    });
    // R decreases from 1; A starts at 1.
    expect(s.exact!.reliability[0]).toBe(1);
    expect(s.exact!.availability[0]).toBe(1);
  });
});

describe('nfvsim transient', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'nfvsim-tr-')), 'pair.yaml');
  writeFileSync(file, stringify(PAIR));

  it('prints the table, writes JSON, CSV and charts; the same bytes for any --jobs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-tr-out-'));
    expect(JSON.parse(sameForJobs(['transient', file, '--runs', '120', '--horizon', '40d', '--points', '8'], dir)).times).toHaveLength(9);
    const c = cli(['transient', file, '--runs', '100', '--horizon', '40d', '--points', '8', '--target', '99%', '-o', join(dir, 'c'), '--no-progress']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('exact A(t)');
    expect(c.stdout).toContain('months meeting the target 99.0000 %');
    for (const f of ['transient.json', 'transient.csv', 'charts/point-availability.png', 'charts/reliability.svg', 'charts/interval-availability.svg', 'report.html']) expect(existsSync(join(dir, 'c', f)), f).toBe(true);
    expect(readFileSync(join(dir, 'c', 'transient.csv'), 'utf8').split('\n')[0]).toMatch(/^service,t_seconds,availability/);
    // nfvsim chart redraws them from transient.json.
    const redrawn = cli(['chart', join(dir, 'c')]);
    expect(redrawn.code, redrawn.stderr).toBe(0);
    expect(redrawn.stdout).toContain('report redrawn');
  });

  it('analyze --at gives the exact A(t) and R(t) of the chain (a single component: the closed form)', () => {
    const single = join(mkdtempSync(join(tmpdir(), 'nfvsim-tr-')), 'single.yaml');
    writeFileSync(single, stringify(SINGLE));
    const r = cli(['analyze', single, '--at', '10d', '--at', '1d', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout).analysis.services[0].transient;
    expect(t.times).toEqual([D, 10 * D]);
    t.times.forEach((x: number, k: number) => {
      expect(Math.abs(t.availability[k] - (steady + (l / (l + m)) * Math.exp(-(l + m) * x)))).toBeLessThan(1e-10);
      expect(Math.abs(t.reliability[k] - Math.exp(-l * x))).toBeLessThan(1e-10);
    });
    expect(cli(['analyze', single, '--at', '1d']).stdout).toMatch(/t = 1 d\s+A\(t\) = 9[0-9.]+ %\s+R\(t\)/);
  });

  it('names a component that does not exist, exit 2', () => {
    const r = cli(['transient', file, '--runs', '10', '--initial-down', 'hosts.nope.hardware', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no component 'hosts.nope.hardware'");
    expect(r.stderr).toContain('hosts.compute-1.hardware');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
