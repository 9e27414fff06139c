/**
 * Run to precision (`--precision`): batches of 200, 400, 800, ... replications until the
 * unavailability's 95% CI half-width is within the target share of its estimate, or the
 * budget runs out. The stop must not depend on the number of threads: a run stopped
 * after R replications is the same bytes as a plain run of R.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyText, simulate, simulateToPrecision, type RunReport } from '../src/index.js';
import { seriesOfPairs, seriesOfPairsExact } from '../src/bench/models.js';
import { cli, zScore } from './helpers.js';

const YEAR = 365 * 86400;
const b1 = () => loadTopologyText(seriesOfPairs(20), 'b1.yaml');
const withoutStop = (r: RunReport) => {
  const { stop: _stop, ...settings } = r.settings;
  return JSON.stringify({ ...r, settings });
};

describe('run to precision', () => {
  it('stops at a batch boundary once the precision is reached, with the bytes of a plain run of that length, and covers the exact value', async () => {
    const topo = b1();
    const batches: number[] = [];
    const r = await simulateToPrecision(topo, { precision: 0.15, horizon: 2 * YEAR, seed: 3, jobs: 1, onBatch: (n) => batches.push(n) });
    expect(r.settings.stop?.reason).toBe('precision');
    expect(batches).toEqual(batches.map((_, i) => 200 * 2 ** i));
    expect(r.settings.runs).toBe(batches[batches.length - 1]);
    const worst = Math.max(...r.settings.stop!.achieved.map((a) => a.relativeHalfWidth));
    expect(worst).toBeLessThanOrEqual(0.15);
    // The batch before did not reach it (else it would have stopped there).
    expect(batches.length).toBeGreaterThan(1);
    expect(withoutStop(r)).toBe(JSON.stringify(simulate(topo, { runs: r.settings.runs, horizon: 2 * YEAR, seed: 3 })));
    expect(zScore(r.results.services[0].availability, seriesOfPairsExact(20))).toBeLessThanOrEqual(4);
    // Threads do not change where it stops or what it reports.
    const r2 = await simulateToPrecision(topo, { precision: 0.15, horizon: 2 * YEAR, seed: 3, jobs: 2 });
    expect(JSON.stringify(r2)).toBe(JSON.stringify(r));
  });

  it('stops when --max-runs runs out, and says so', async () => {
    const topo = b1();
    const r = await simulateToPrecision(topo, { precision: 0.001, maxRuns: 250, horizon: 2 * YEAR, seed: 3, jobs: 1 });
    expect(r.settings.stop?.reason).toBe('max-runs');
    expect(r.settings.runs).toBe(250);
    expect(withoutStop(r)).toBe(JSON.stringify(simulate(topo, { runs: 250, horizon: 2 * YEAR, seed: 3 })));
    const c = cli(['run', 'topologies/b1-20-pairs.yaml', '--precision', '0.1%', '--max-runs', '200', '--horizon', '1y', '--jobs', '1']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/Run to precision: NOT reached: --max-runs 200 ran out; worst relative half-width [\d.]+%, target 0\.1%; 200 runs\./);
    expect(cli(['run', '--precision', '10%', '--runs', '5']).code).toBe(2);
    expect(cli(['run', '--precision', '2']).code).toBe(2);
  });
});
