/**
 * `nfvsim analyze --truncate p`: chains explored likeliest first, the states whose
 * likeliest path from everything up is taken with a probability below p left out (one
 * state stands for them), with an estimate of what they may add. Checked against the
 * whole chain on the all-exponential topologies: the truncated figures are lower, the
 * estimate covers the difference, the difference shrinks as p does, and a block with
 * nothing beyond the cut-off is solved whole (the same figures to 1e-12).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, AnalysisRefused } from '../src/analysis/markov.js';
import type { SystemModel } from '../src/model/build.js';
import { loadTopologyFile, loadTopologyText } from '../src/index.js';
import { cli, exp, ROOT, topo } from './helpers.js';

const model = (name: string) => loadTopologyFile(join(ROOT, 'topologies', `${name}.yaml`)).model;
/** A shipped topology with one string of its text replaced (a slower repair...). */
const variant = (name: string, from: string, to: string) => {
  const text = readFileSync(join(ROOT, 'topologies', `${name}.yaml`), 'utf8');
  expect(text).toContain(from);
  return loadTopologyText(text.replace(from, to), `${name}-variant.yaml`).model;
};

/** One server that crashes often (10 min repair) and rarely hangs silently (seen after 10 min, then 30 days of repair). */
const silent = () =>
  topo({
    components: {
      server: {
        layer: 'hardware',
        failures: {
          crash: { ttf: exp('100h'), repair: exp('10m') },
          hang: { ttf: exp('20y'), announced: false, undetected: exp('10m'), repair: exp('30d') },
        },
        repair: exp('10m'),
      },
      app: { layer: 'vnf' },
    },
    hosts: { server: { stack: ['server'] } },
    vnfs: { vFW: { instances: 1, app: 'app', placement: { group: 'server' } } },
    services: { firewall: { chain: ['vFW'] } },
  }).model;

/**
 * Truncated at each cut-off against the whole chain: the truncated unavailability below
 * the exact one, the estimates covering the gaps (unavailability; outage rate either
 * way), the gap shrinking with the cut-off; at the finest cut-off the estimate under 5%.
 */
function checkAgainstWhole(m: SystemModel, cutoffs: number[]): void {
  const exact = analyzeModel(m);
  expect(exact.exact).toBe(true);
  let lastGap = Infinity;
  for (const p of cutoffs) {
    const cut = analyzeModel(m, { truncate: p });
    let worstGap = 0;
    for (const s of cut.services) {
      const e = exact.services.find((x) => x.name === s.name)!;
      const gap = e.unavailability - s.unavailability;
      // The states left out count as up: the truncated unavailability is the lower figure.
      expect(gap).toBeGreaterThanOrEqual(-1e-12 * e.unavailability);
      const t = s.truncation ?? { unavailability: 0, outagesPerYear: 0 };
      // The estimates cover what was left out...
      expect(t.unavailability, `${s.name} at ${p}: unavailability gap ${gap}`).toBeGreaterThanOrEqual(gap);
      expect(t.outagesPerYear, `${s.name} at ${p}: outage-rate gap`).toBeGreaterThanOrEqual(Math.abs(e.outagesPerYear - s.outagesPerYear));
      // ...without being vacuous at the finest cut-off.
      if (p === cutoffs[cutoffs.length - 1]) expect(t.unavailability).toBeLessThan(0.05 * e.unavailability);
      worstGap = Math.max(worstGap, gap / e.unavailability);
    }
    expect(worstGap).toBeLessThanOrEqual(lastGap);
    lastGap = worstGap;
  }
}

describe('analyze --truncate against the whole chain', () => {
  // Shipped topologies of different shapes: active/passive, a layered chain with a crew, a quorum with one crew, a shared SAN, zones, and expression services (the workstation cluster, geo-redundant sites, a campus).
  const names = ['exp-ap-pair', 'exp-layered-chain', 'exp-quorum-crew', 'shared-san', 'zones', 'workstation-cluster', 'geo-redundant', 'campus'];
  for (const name of names) {
    it(`${name}: truncated figures below the exact ones, the estimates covering the gaps, the gap shrinking with the cut-off`, () => {
      const m = model(name);
      expect(analyzeModel(m, { truncate: 1e-5 }).blocks.some((b) => b.truncation !== undefined)).toBe(true);
      checkAgainstWhole(m, [1e-3, 1e-5, 1e-7]);
    });
  }

  // Cases where an estimate from the clocks an event starts alone falls far short: a silent failure with a long repair after its detection, repairs much slower than the failures of the rest.
  it('a silent failure followed by a 30-day repair: kept whole (repairs cost nothing, however slow)', () => {
    const m = silent();
    checkAgainstWhole(m, [1e-2, 1e-3, 1e-5]);
    expect(analyzeModel(m, { truncate: 1e-3 }).blocks[0].truncation).toBeUndefined();
  });
  it('active/passive with 100-day server repairs, a quorum with 30-day ones: the estimates cover the gaps', () => {
    checkAgainstWhole(variant('exp-ap-pair', 'mean: 3d }', 'mean: 100d }'), [1e-2, 1e-3, 1e-5, 1e-7]);
    checkAgainstWhole(variant('exp-quorum-crew', 'mean: 3d }', 'mean: 30d }'), [1e-3, 1e-5, 1e-7]);
  });

  it('a block with nothing beyond the cut-off is solved whole: the same figures, no truncation', () => {
    const m = model('b1-20-pairs');
    const exact = analyzeModel(m);
    const cut = analyzeModel(m, { truncate: 1e-5 });
    expect(cut.exact).toBe(true);
    expect(cut.blocks.every((b) => b.truncation === undefined)).toBe(true);
    exact.services.forEach((s, i) => {
      expect(Math.abs(cut.services[i].unavailability - s.unavailability)).toBeLessThanOrEqual(1e-12 * s.unavailability);
      expect(Math.abs(cut.services[i].outagesPerYear - s.outagesPerYear)).toBeLessThanOrEqual(1e-12 * s.outagesPerYear);
      expect(cut.services[i].truncation).toBeUndefined();
    });
  });

  it('sal1-pair, made exponential, solves truncated: the coarser cut-off and its estimate bracket the finer answer', { timeout: 120_000 }, () => {
    const m = model('sal1-pair');
    // Whole, the chain has more than a million states.
    expect(() => analyzeModel(m, { approximate: true, maxStates: 20_000 })).toThrow(/needs more than 20000 states \(raise --max-states, or leave out the least likely states with --truncate/);
    const coarse = analyzeModel(m, { approximate: true, truncate: 1e-4 });
    const fine = analyzeModel(m, { approximate: true, truncate: 1e-5 });
    expect(fine.blocks[0].states).toBeLessThan(20_000);
    const [c] = coarse.services;
    const [f] = fine.services;
    expect(f.unavailability).toBeGreaterThan(c.unavailability);
    expect(f.unavailability).toBeLessThan(c.unavailability + c.truncation!.unavailability);
    // At 1e-5 what was left out may add a few percent at most.
    expect(f.truncation!.unavailability).toBeLessThan(0.05 * f.unavailability);
    expect(fine.blocks[0].truncation!.leftOut).toBeGreaterThan(0);
  });

  it('bad --truncate values are usage errors; the text report says what was truncated', () => {
    for (const bad of ['0', '1', '-1e-6', 'abc', '']) {
      const r = cli(['analyze', 'topologies/exp-ap-pair.yaml', '--truncate', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--truncate.*expected a probability between 0 and 1 \(exclusive\), e\.g\. 1e-12/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const ok = cli(['analyze', 'topologies/exp-ap-pair.yaml', '--truncate', '1e-7']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^APPROXIMATE steady state/m);
    expect(ok.stdout).toMatch(/TRUNCATED \(--truncate 1e-7\): \d+ less likely states left out/);
    expect(ok.stdout).toMatch(/truncated: the states left out may add up to about \S+ of unavailability/);
    const json = JSON.parse(cli(['analyze', 'topologies/exp-ap-pair.yaml', '--truncate', '1e-7', '--json']).stdout);
    expect(json.settings.truncate).toBe(1e-7);
    expect(json.analysis.services[0].truncation.unavailability).toBeGreaterThan(0);
  });

  it('a refusal over the state limit suggests --truncate', () => {
    try {
      analyzeModel(model('exp-quorum-crew'), { maxStates: 5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AnalysisRefused);
      expect((e as Error).message).toMatch(/leave out the least likely states with --truncate, e\.g\. --truncate 1e-6/);
    }
  });
});
