/**
 * Run to precision (`--precision`): a batch of 200 replications, then batches sized from
 * the half-width reached (runner/precision-step.ts), until the unavailability's 95% CI
 * half-width is within the target share of its estimate, or the budget runs out. The stop must not depend on the number of threads: a run stopped
 * after R replications is the same bytes as a plain run of R.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyText, simulate, simulateToPrecision, type RunReport } from '../src/index.js';
import { seriesOfPairs, seriesOfPairsExact } from '../src/bench/models.js';
import { HEAVY_TAIL_K, nextPrecisionStep, plainIsEnough, predictedEvents, STEP_MARGIN } from '../src/runner/precision-step.js';
import { loadTopologyFile } from '../src/model/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cli, ROOT, zScore } from './helpers.js';

const YEAR = 365 * 86400;
const b1 = () => loadTopologyText(seriesOfPairs(20), 'b1.yaml');
const withoutStop = (r: RunReport) => {
  const { stop: _stop, ...settings } = r.settings;
  return JSON.stringify({ ...r, settings });
};

describe('the step of a run to precision', () => {
  it('aims at done (worst / target)^2 with a margin, grows by a quarter to double, doubles without an estimate, and keeps to the budget', () => {
    expect(nextPrecisionStep(0, Infinity, 0.1, 16, 1000)).toBe(16);
    expect(nextPrecisionStep(0, Infinity, 0.1, 16, 10)).toBe(10);
    expect(nextPrecisionStep(1000, 0.11, 0.1, 16, 1e9)).toBe(Math.ceil(STEP_MARGIN * 1000 * 1.21));
    // Close to the target: at least a quarter more.
    expect(nextPrecisionStep(1000, 0.101, 0.1, 16, 1e9)).toBe(1250);
    // Far from it, or no outage yet: double (an early half-width is unreliable).
    expect(nextPrecisionStep(1000, 0.5, 0.1, 16, 1e9)).toBe(2000);
    expect(nextPrecisionStep(1000, Infinity, 0.1, 16, 1e9)).toBe(2000);
    expect(nextPrecisionStep(1000, 0.5, 0.1, 16, 1500)).toBe(1500);
    // In shards: a step ends at a whole shard (40 batches, 0.339 against 0.3: 59, so 60), or at the budget.
    expect(nextPrecisionStep(40, 0.339, 0.3, 40, 4e5)).toBe(59);
    expect(nextPrecisionStep(40, 0.339, 0.3, 40, 4e5, 20)).toBe(60);
    expect(nextPrecisionStep(0, Infinity, 0.3, 40, 4e5, 20)).toBe(40);
    expect(nextPrecisionStep(40, Infinity, 0.3, 40, 50, 20)).toBe(50);
    expect(nextPrecisionStep(1000, 0.101, 0.1, 16, 1e9, 50)).toBe(1250);
    expect(nextPrecisionStep(1000, 0.11, 0.1, 16, 1e9, 50)).toBe(1400);
    // A prediction needs 10 outages of every service (fewer: a heavy tail not seen yet).
    expect(predictedEvents(1e6, 0.2, 0.1, 10)).toBe(4e6);
    expect(predictedEvents(1e6, 0.2, 0.1, 9)).toBe(Infinity);
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, NaN)).toBe(true);
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, 0.3)).toBe(true);
    expect(plainIsEnough(60e6, 0.2, 0.1, 10, NaN)).toBe(false);
    // A prediction from a heavy tail (Pareto k >= 0.7) is not trusted, however small.
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, 0.7)).toBe(false);
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, 0.6)).toBe(true);
    // The predicted total for a CI that narrows as 1/sqrt(n) reaches the target with the margin to spare.
    const to = nextPrecisionStep(4000, 0.13, 0.1, 16, 1e9);
    expect(0.13 * Math.sqrt(4000 / to)).toBeLessThan(0.1);
  });
});

describe('run to precision', () => {
  it('stops at a batch boundary once the precision is reached, with the bytes of a plain run of that length, and covers the exact value', async () => {
    const topo = b1();
    const batches: number[] = [];
    const worsts: number[] = [];
    const r = await simulateToPrecision(topo, {
      precision: 0.15,
      horizon: 2 * YEAR,
      seed: 3,
      jobs: 1,
      onBatch: (n, w) => {
        batches.push(n);
        worsts.push(w);
      },
    });
    expect(r.settings.stop?.reason).toBe('precision');
    // 200 first, then each batch from the half-width before it, in whole shards of 50.
    expect(batches[0]).toBe(200);
    for (let i = 1; i < batches.length; i++) {
      expect(batches[i]).toBe(50 * Math.ceil(nextPrecisionStep(batches[i - 1], worsts[i - 1], 0.15, 200, 1_000_000) / 50));
      expect(batches[i] / batches[i - 1]).toBeGreaterThanOrEqual(1.25);
      expect(batches[i] / batches[i - 1]).toBeLessThanOrEqual(2);
    }
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

  it('without --rare-event is plain first: goes on with plain histories when their first batch predicts little work, else lets the pilots choose', () => {
    // Cheap: plain, said on stdout (stderr with --json, stdout then pure JSON).
    const cheap = cli(['run', 'topologies/exp-ap-pair.yaml', '--precision', '10%', '--jobs', '1']);
    expect(cheap.code).toBe(0);
    expect(cheap.stdout).toMatch(/^Method: plain \(its first 200 histories predict [\d.]+ M events to reach 10\.0%: within the 200 M events over which pilots choose the method/);
    expect(cheap.stdout).toMatch(/Run to precision: precision reached/);
    const json = cli(['run', 'topologies/exp-ap-pair.yaml', '--precision', '10%', '--jobs', '1', '--json']);
    const chosen = JSON.parse(json.stdout) as RunReport;
    expect(chosen.settings.stop?.reason).toBe('precision');
    expect(json.stderr).toMatch(/^Method: plain/);
    // The report records how plain histories were chosen.
    expect(chosen.settings.choice).toMatchObject({ chosen: 'plain', by: 'first batch' });
    expect(chosen.settings.choice!.text).toMatch(/^Method: plain \(its first 200 histories predict/);
    // The same as forcing plain histories, byte for byte, but for that record.
    const forced = cli(['run', 'topologies/exp-ap-pair.yaml', '--precision', '10%', '--jobs', '1', '--json', '--rare-event', 'plain']);
    const { choice: _choice, ...settings } = chosen.settings;
    expect(forced.stdout).toBe(JSON.stringify({ ...chosen, settings }, null, 2) + '\n');
    // Rare outages (a 1-of-3 group, U about 1e-12): 200 histories see none, so the pilots choose.
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-plain-first-'));
    const file = join(dir, 'rare.yaml');
    writeFileSync(
      file,
      stringify({
        name: 'rare',
        components: { host: { layer: 'hardware' }, app: { layer: 'vnf', failures: { crash: { ttf: { dist: 'exponential', mean: '10000h' } } }, repair: { dist: 'exponential', mean: '1h' } } },
        hosts: { h: { count: 1, stack: ['host'], slots: 10 } },
        vnfs: { f: { instances: 3, k: 1, app: 'app', placement: { group: 'h', policy: 'pack' } } },
        services: { s: { chain: ['f'] } },
      }),
    );
    const rare = cli(['run', file, '--precision', '30%', '--max-time', '20s', '--jobs', '1']);
    expect(rare.code, rare.stderr).toBe(0);
    expect(rare.stdout).toMatch(/^Plain histories: the first 200 histories predict nothing \(a service has no outage yet, under the 10 a prediction needs\): pilots choose the method/);
    expect(rare.stdout).toMatch(/^Method: (failure-biasing|splitting) \(automatic choice for 30\.0%/m);
    // An option only plain histories serve keeps the run plain (no hand-over, no pilots).
    const csv = cli(['run', file, '--precision', '30%', '--max-runs', '400', '--jobs', '1', '--csv', join(dir, 'o.csv')]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).not.toMatch(/Method:|pilots/);
    expect(csv.stdout).toMatch(/NOT reached: --max-runs 400 ran out/);
  });

  it('does not trust a first batch whose worst service has a heavy-tailed per-history unavailability (Pareto k >= 0.7): the pilots choose', async () => {
    // The tail of the first 200 histories, as the plain-first rule sees it, on any number of threads.
    const tailOf = async (file: string, jobs: number): Promise<number> => {
      let tail = NaN;
      await simulateToPrecision(loadTopologyFile(join(ROOT, 'topologies', file)), { precision: 0.01, jobs, abandon: (_r, pilot) => ((tail = pilot.tail), true) });
      return tail;
    };
    // kubernetes.yaml: long outages (two worker nodes down for days) in a few histories;
    // its first batch predicts 162 M events where plain histories need about 450 M.
    const heavy = await tailOf('kubernetes.yaml', 1);
    expect(heavy).toBeGreaterThanOrEqual(HEAVY_TAIL_K);
    expect(await tailOf('kubernetes.yaml', 2)).toBe(heavy);
    // A 1+1 pair with exponential times: many short outages, a light tail.
    const light = await tailOf('exp-ap-pair.yaml', 1);
    expect(light).toBeLessThan(HEAVY_TAIL_K);
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, heavy)).toBe(false);
    expect(plainIsEnough(1e6, 0.2, 0.1, 10, light)).toBe(true);
    // A small model with a heavy tail: the first batch predicts little, but the pilots choose, and the plain pilot is marked.
    const r = cli(['run', 'topologies/shared-software-fault.yaml', '--precision', '10%', '--max-time', '60s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Plain histories: the first 200 histories predict [\d.]+ M events to reach 10\.0%, but from a heavy tail \(Pareto k [\d.]+ >= 0\.7/m);
    expect(r.stdout).toMatch(/^  plain +pilot .*not trusted: a heavy tail/m);
    expect(r.stdout).toMatch(/^Method: (splitting|failure-biasing) \(automatic choice/m);
  });
});
