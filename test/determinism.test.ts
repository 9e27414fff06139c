/**
 * Reproducibility: the same seed gives the same bytes; replications share no state;
 * streams are named after what draws from them, so a change to one part of a topology
 * leaves the random history of the other parts untouched (common random numbers).
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadTopologyFile, runAll, runReplication, simulate, simulateParallel, planShards, runShard, mergeShards, SHARD_SIZE } from '../src/index.js';
import { runsInline, THREADS_WORTH_EVENTS } from '../src/runner/run.js';
import { cli, exp, ROOT, topo } from './helpers.js';
import type { ServiceSummary } from '../src/metrics/summary.js';
import { SKETCH_ALPHA } from '../src/metrics/sketch.js';

const DEFAULT = join(ROOT, 'topologies/default.yaml');

describe('determinism', () => {
  it('the same seed gives byte-identical JSON from the CLI; another seed differs', () => {
    const a = cli(['run', DEFAULT, '--json', '--runs', '8', '--horizon', '20y', '--seed', '42']);
    const b = cli(['run', DEFAULT, '--json', '--runs', '8', '--horizon', '20y', '--seed', '42']);
    const c = cli(['run', DEFAULT, '--json', '--runs', '8', '--horizon', '20y', '--seed', '43']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    expect(JSON.parse(c.stdout).results.services[0].availability.mean).not.toBe(JSON.parse(a.stdout).results.services[0].availability.mean);
  });

  it('the same bytes with 1, 2 or 3 worker threads', () => {
    const args = ['run', DEFAULT, '--json', '--runs', '120', '--horizon', '5y', '--seed', '8'];
    const one = cli([...args, '--jobs', '1']);
    expect(one.code, one.stderr).toBe(0);
    for (const jobs of ['2', '3']) {
      const r = cli([...args, '--jobs', jobs]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(one.stdout);
    }
  });

  it('without --jobs, a run too small for threads stays in this thread, with the bytes of --jobs 1', async () => {
    // Unit: threads only for more than one shard, more than one thread, and enough estimated work.
    expect(runsInline(1, 10_000, 1e9)).toBe(true);
    expect(runsInline(2, SHARD_SIZE, 1e9)).toBe(true);
    expect(runsInline(2, 200)).toBe(false);
    expect(runsInline(2, 200, THREADS_WORTH_EVENTS / 200 - 1)).toBe(true);
    expect(runsInline(2, 200, THREADS_WORTH_EVENTS / 200)).toBe(false);
    const t = loadTopologyFile(DEFAULT);
    const small = { runs: 60, horizon: 2 * 365 * 86400, seed: 3 };
    expect(JSON.stringify(await simulateParallel(t, small))).toBe(JSON.stringify(simulate(t, small)));
    const args = ['run', DEFAULT, '--json', '--runs', '60', '--horizon', '2y', '--seed', '3'];
    const auto = cli(args);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toBe(cli([...args, '--jobs', '1']).stdout);
  });

  it('with --jobs 2 the calling thread runs shards beside one worker: every replication counted once, the bytes of an inline run, outages in order', async () => {
    const { runParallel } = await import('../src/runner/parallel.js');
    const t = loadTopologyFile(DEFAULT);
    const settings = { seed: 5, horizon: 2 * 365 * 86400, warmup: 0 };
    const runs = 4 * SHARD_SIZE + 7;
    const seen: number[] = [];
    const outages: number[] = [];
    const acc = await runParallel(t, { ...settings, onOutage: (_s, r) => outages.push(r) }, runs, 2, (done) => seen.push(done));
    const inline: number[] = [];
    expect(JSON.stringify(acc)).toBe(JSON.stringify(runAll(t.model, { ...settings, onOutage: (_s, r) => inline.push(r) }, runs)));
    // Outages in replication order, the same as inline (the wrong order would differ).
    expect(outages).toEqual(inline);
    expect(outages.length).toBeGreaterThan(0);
    // Progress starts at 0, never goes back and ends at every replication (none counted twice).
    expect(seen[0]).toBe(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen.at(-1)).toBe(runs);
  });

  it('--csv rows come in replication order with any number of threads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-csv-'));
    const args = ['run', DEFAULT, '--json', '--runs', '110', '--horizon', '3y', '--seed', '2'];
    cli([...args, '--jobs', '1', '--csv', join(dir, 'a.csv')]);
    cli([...args, '--jobs', '2', '--csv', join(dir, 'b.csv')]);
    const a = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(a.split('\n').length).toBeGreaterThan(10);
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(a);
  });

  it('a replication is the same alone, after others, or in another order', () => {
    const { model } = loadTopologyFile(DEFAULT);
    const settings = { seed: 5, horizon: 5 * 365 * 86400, warmup: 0 };
    const alone = JSON.stringify(runReplication(model, settings, 7));
    for (let r = 0; r < 7; r++) runReplication(model, settings, r);
    expect(JSON.stringify(runReplication(model, settings, 7))).toBe(alone);
  });

  it('shards run in any order merge to the same bytes as one inline run', () => {
    const { model } = loadTopologyFile(DEFAULT);
    const settings = { seed: 3, horizon: 2 * 365 * 86400, warmup: 0 };
    const runs = 120; // three shards
    const inline = JSON.stringify(runAll(model, settings, runs));
    const shards = planShards(runs);
    expect(shards.length).toBe(3);
    const results = [...shards].reverse().map((s) => ({ s, acc: runShard(model, settings, s) }));
    results.sort((x, y) => x.s.index - y.s.index);
    expect(JSON.stringify(mergeShards(model, results.map((r) => r.acc)))).toBe(inline);
  });

  it('common random numbers: changing one VNF leaves another service untouched', () => {
    const doc = (mttfB: string) => ({
      components: {
        hwA: { layer: 'hardware', failures: { crash: { ttf: exp('500h') } }, repair: exp('10h') },
        hwB: { layer: 'hardware', failures: { crash: { ttf: exp(mttfB) } }, repair: exp('10h') },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('300h') } }, repair: exp('1h') },
      },
      hosts: { a: { count: 2, stack: ['hwA'] }, b: { count: 2, stack: ['hwB'] } },
      vnfs: {
        A: { instances: 2, k: 1, app: 'app', placement: { group: 'a', policy: 'anti-affinity' } },
        B: { instances: 2, k: 1, app: 'app', placement: { group: 'b', policy: 'anti-affinity' } },
      },
      services: { sa: { chain: ['A'] }, sb: { chain: ['B'] } },
    });
    const opts = { runs: 20, horizon: 5000 * 3600, seed: 11 };
    const r1 = simulate(topo(doc('800h')), opts).results.services;
    const r2 = simulate(topo(doc('200h')), opts).results.services;
    expect(JSON.stringify(r2[0])).toBe(JSON.stringify(r1[0]));
    expect(JSON.stringify(r2[1])).not.toBe(JSON.stringify(r1[1]));
  });

  it('the JSON report holds the input hash, version and seed, and nothing that varies between runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-det-'));
    const f = join(dir, 't.yaml');
    writeFileSync(f, stringify({ components: { hw: { layer: 'hardware' }, app: { layer: 'vnf' } }, hosts: { h: { stack: ['hw'] } }, vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } }, services: { s: { chain: ['f'] } } }));
    const out = cli(['run', f, '--json', '--runs', '3']);
    const doc = JSON.parse(out.stdout);
    expect(Object.keys(doc)).toEqual(['nfvsim', 'input', 'settings', 'idealGroups', 'results']);
    expect(out.stdout).not.toMatch(/"(elapsed\w*|timestamp|date|wall\w*|seconds)"/i);
  });

  it('quantiles: the same bytes for 1 and 2 threads with progress on; within the stated error of the outages themselves (--csv)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-quantiles-'));
    // 60 one-year histories: thousands of outages (the sketch) but 60 years (exact order statistics).
    const args = ['run', DEFAULT, '--json', '--runs', '60', '--horizon', '1y', '--seed', '4'];
    const one = cli([...args, '--jobs', '1', '--csv', join(dir, 'one.csv')]);
    const two = cli([...args, '--jobs', '2', '--progress', 'plain']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    const services = JSON.parse(one.stdout).results.services as ServiceSummary[];
    const [header, ...rows] = readFileSync(join(dir, 'one.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => header.indexOf(name);
    for (const s of services) {
      const mine = rows.filter((r) => r[col('service')] === s.name && r[col('censored')] === '0');
      expect(mine.length).toBe(s.recoveryTime.count);
      expect(mine.length).toBeGreaterThan(1000);
      for (const [d, column] of [[s.recoveryTime, col('duration_s')], [s.detectionTime, col('detection_s')]] as const) {
        expect(d.quantileError).toEqual({ kind: 'relative', bound: SKETCH_ALPHA });
        const sorted = mine.map((r) => Number(r[column])).sort((a, b) => a - b);
        for (const [q, est] of [[0.5, d.p50], [0.95, d.p95], [0.99, d.p99]]) {
          const exact = sorted[Math.ceil(q * sorted.length) - 1];
          expect(Math.abs(est - exact), `${s.name} q ${q}: ${est} vs ${exact}`).toBeLessThanOrEqual(exact * d.quantileError.bound * (1 + 1e-12));
        }
        expect(d.max).toBe(sorted[sorted.length - 1]);
      }
      expect(s.sla.years).toBe(60);
      expect(s.sla.perYearMinutes.quantileError.bound).toBe(0);
    }
  });
});
