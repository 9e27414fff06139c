/**
 * `nfvsim analyze --truncate p`: chains explored likeliest first, the states whose
 * likeliest path from everything up is taken with a probability below p left out (one
 * state stands for them), with an estimate of what they may add. Checked against the
 * whole chain on the all-exponential topologies: the truncated figures are lower, the
 * estimate covers the difference, the difference shrinks as p does, and a block with
 * nothing beyond the cut-off is solved whole (the same figures to 1e-12).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, AnalysisRefused } from '../src/analysis/markov.js';
import { loadTopologyFile } from '../src/index.js';
import { cli, ROOT } from './helpers.js';

const model = (name: string) => loadTopologyFile(join(ROOT, 'topologies', `${name}.yaml`)).model;

describe('analyze --truncate against the whole chain', () => {
  // Topologies of different shapes: active/passive, a layered chain with a crew, a quorum with one crew, a shared SAN, zones with an expression service, a cluster.
  const names = ['exp-ap-pair', 'exp-layered-chain', 'exp-quorum-crew', 'shared-san', 'zones', 'workstation-cluster'];
  for (const name of names) {
    it(`${name}: truncated figures below the exact ones, the estimate covering the gap, the gap shrinking with the cut-off`, () => {
      const m = model(name);
      const exact = analyzeModel(m);
      expect(exact.exact).toBe(true);
      let lastGap = Infinity;
      for (const p of [1e-5, 1e-7]) {
        const cut = analyzeModel(m, { truncate: p });
        expect(cut.exact).toBe(false);
        expect(cut.blocks.some((b) => b.truncation !== undefined)).toBe(true);
        let worstGap = 0;
        for (const s of cut.services) {
          const e = exact.services.find((x) => x.name === s.name)!;
          const gap = e.unavailability - s.unavailability;
          // The states left out count as up: the truncated unavailability is the lower figure.
          expect(gap).toBeGreaterThanOrEqual(-1e-12 * e.unavailability);
          expect(s.truncation).toBeDefined();
          // The estimate covers what was left out (unavailability and outage rate)...
          expect(s.truncation!.unavailability).toBeGreaterThanOrEqual(gap);
          expect(s.truncation!.outagesPerYear).toBeGreaterThanOrEqual(Math.abs(e.outagesPerYear - s.outagesPerYear));
          // ...without being vacuous: at 1e-7 it is a few percent of the unavailability at most.
          if (p === 1e-7) expect(s.truncation!.unavailability).toBeLessThan(0.05 * e.unavailability);
          worstGap = Math.max(worstGap, gap / e.unavailability);
        }
        expect(worstGap).toBeLessThan(lastGap);
        lastGap = worstGap;
      }
    });
  }

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
    const coarse = analyzeModel(m, { approximate: true, truncate: 1e-5 });
    const fine = analyzeModel(m, { approximate: true, truncate: 1e-6 });
    expect(fine.blocks[0].states).toBeLessThan(20_000);
    const [c] = coarse.services;
    const [f] = fine.services;
    expect(f.unavailability).toBeGreaterThan(c.unavailability);
    expect(f.unavailability).toBeLessThan(c.unavailability + c.truncation!.unavailability);
    // At 1e-6 what was left out may add at most a few percent.
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
