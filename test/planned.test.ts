/**
 * Planned work (maintenance windows, live and cold migration, rolling upgrades) against
 * exact expectations: deterministic schedules give exact downtime; random ones are
 * checked against their exact expectation within 4 standard errors at a fixed seed.
 */
import { describe, expect, it } from 'vitest';
import { YEAR } from '../src/engine/units.js';
import { analyzeModel, AnalysisRefused } from '../src/analysis/markov.js';
import { runReplication } from '../src/runner/replication.js';
import { PLANNED_LAYER } from '../src/metrics/summary.js';
import { TopologyError } from '../src/model/errors.js';
import { cli, exp, run, topo } from './helpers.js';

const H = 3600;
const D = 86400;

/** One host group `h` of `count` hosts (hardware + hypervisor) that never fail, and a VNF `v` on them. */
function cluster(opts: { count: number; slots?: number; vnf: object; maintenance?: object; upgrades?: object; app?: object; server?: object }) {
  return {
    components: {
      server: { layer: 'hardware', ...(opts.server ?? {}) },
      hv: { layer: 'hypervisor' },
      vm: { layer: 'vm' },
      app: { layer: 'vnf', ...(opts.app ?? {}) },
    },
    hosts: { h: { count: opts.count, stack: ['server', 'hv'], slots: opts.slots ?? 4 } },
    vnfs: { v: { vm: 'vm', app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ...opts.vnf } },
    services: { s: { chain: ['v'] } },
    ...(opts.maintenance ? { maintenance: opts.maintenance } : {}),
    ...(opts.upgrades ? { upgrades: opts.upgrades } : {}),
  };
}

describe('maintenance windows', () => {
  it('a deterministic schedule on an unprotected instance costs exactly windows x duration, all of it planned', () => {
    const doc = cluster({
      count: 1,
      vnf: { instances: 1 },
      maintenance: { monthly: { hosts: 'h', every: '30d', start: '10d', duration: '2h', drain: 'none' } },
    });
    const r = run(doc, { runs: 4, horizon: 365 * D });
    const s = r.results.services[0];
    // Windows at 10 + 30 k days for k = 0..11 (the 13th would be day 370): 12 x 2 h.
    expect(s.downtimeMinutesPerYear.mean).toBeCloseTo((12 * 2 * 60 * YEAR) / (365 * D), 9);
    expect(s.outagesObserved).toBe(4 * 12);
    expect(s.downtimeMinutesPerYearByLayer.planned).toBeCloseTo(12 * 120, 9);
    expect(s.downtimeMinutesPerYearByMode['maintenance/monthly']).toBeCloseTo(12 * 120, 9);
    // Every outage is planned: the unplanned view sees none, and SAL 3 passes there only.
    expect(s.unplanned!.downtimeMinutesPerYear.mean).toBe(0);
    expect(s.unplanned!.outagesObserved).toBe(0);
    expect(s.sal[2].verdict).toBe('FAIL');
    expect(s.unplanned!.sal[2].verdict).not.toBe('FAIL');
  });

  it('a warm-up and the horizon cut windows exactly', () => {
    const doc = cluster({
      count: 1,
      vnf: { instances: 1 },
      maintenance: { weekly: { hosts: 'h', every: '7d', start: '1d', duration: { dist: 'deterministic', value: '10h' }, drain: 'none' } },
    });
    // Window 6 d .. 20 d: windows at day 8 and 15 whole; the one at day 1 is before it.
    const r = run(doc, { runs: 1, horizon: 20 * D, warmup: 6 * D });
    expect(r.results.services[0].unavailability.mean).toBeCloseTo((2 * 10 * H) / (14 * D), 12);
  });

  it('hosts are taken one at a time in a round, spaced as given', () => {
    // Three hosts due 1 h apart, each window 2 h: they queue (rolling), so host 2 starts
    // at 2 h, host 3 at 4 h. Traced in one replication.
    const doc = cluster({
      count: 3,
      vnf: { instances: 1 },
      maintenance: { m: { hosts: 'h', every: '30d', spacing: '1h', duration: '2h', drain: 'none' } },
    });
    const model = topo(doc).model;
    const downs: Array<[number, string]> = [];
    runReplication(model, { seed: 1, horizon: 10 * H, warmup: 0 }, 0, {
      trace: (e) => {
        if (e.kind === 'component' && e.event === 'down' && e.detail === 'planned work') downs.push([e.t, e.name]);
      },
    });
    expect(downs).toEqual([
      [0, 'hosts.h-1.hardware'],
      [2 * H, 'hosts.h-2.hardware'],
      [4 * H, 'hosts.h-3.hardware'],
    ]);
  });

  it('a host that is down when its window is due skips it; one that is up is taken down', () => {
    // The server fails once at 5 h (deterministic) and is repaired by 15 h.
    const doc = (start: string) =>
      cluster({
        count: 1,
        server: { failures: { crash: { ttf: { dist: 'deterministic', value: '5h' } } }, repair: { dist: 'deterministic', value: '10h' } },
        vnf: { instances: 1 },
        maintenance: { m: { hosts: 'h', every: '30d', start, duration: '1h', drain: 'none' } },
      });
    const planned = (start: string) => {
      const t: number[] = [];
      runReplication(topo(doc(start)).model, { seed: 1, horizon: 20 * H, warmup: 0 }, 0, {
        trace: (e) => {
          if (e.detail === 'planned work') t.push(e.t);
        },
      });
      return t;
    };
    expect(planned('6h')).toEqual([]);
    expect(planned('16h')).toEqual([16 * H]);
  });

  it('live migration: a blackout over the tolerance is planned downtime of exactly its length; under it, none', () => {
    const plan = { m: { hosts: 'h', every: '7d', duration: '4h' } };
    const vnf = (tolerance: string) => ({ instances: 1, migration: { live: true, time: '30s', blackout: '2s', tolerance } });
    const over = run(cluster({ count: 2, vnf: vnf('1s'), maintenance: plan }), { runs: 3, horizon: YEAR });
    const under = run(cluster({ count: 2, vnf: vnf('5s'), maintenance: plan }), { runs: 3, horizon: YEAR });
    const g = (r: typeof over) => r.results.groups.find((x) => x.name === 'v')!.perYear;
    const migrations = g(over).liveMigrations!.mean;
    // Two hosts due 3.5 d apart: the instance leaves its host at every window; each switch costs 2 s.
    expect(migrations).toBeGreaterThan(20);
    expect(g(over).migrationOutages!.mean).toBe(migrations);
    expect(over.results.services[0].downtimeMinutesPerYear.mean).toBeCloseTo((migrations * 2) / 60, 9);
    expect(over.results.services[0].downtimeMinutesPerYearByMode['live-migration/v']).toBeCloseTo((migrations * 2) / 60, 9);
    expect(g(under).liveMigrations!.mean).toBe(migrations);
    expect(g(under).migrationOutages).toBeUndefined();
    expect(under.results.services[0].noOutage).not.toBeNull();
  });

  it('cold migration costs exactly its time per move; with nowhere to go the instance waits out the window', () => {
    const plan = { m: { hosts: 'h', every: '7d', duration: '4h', coldMigration: '3m' } };
    const moved = run(cluster({ count: 2, vnf: { instances: 1 }, maintenance: plan }), { runs: 2, horizon: YEAR });
    const cold = moved.results.groups.find((x) => x.name === 'v')!.perYear.coldMigrations!.mean;
    expect(cold).toBeGreaterThan(20);
    expect(moved.results.services[0].downtimeMinutesPerYear.mean).toBeCloseTo(cold * 3, 9);
    // Anti-affinity with 2 instances on 2 hosts: no host to move to; each window is 4 h down for one of them (k = 2).
    const stuck = run(cluster({ count: 2, vnf: { instances: 2 }, maintenance: plan }), { runs: 2, horizon: YEAR });
    expect(stuck.results.groups.find((x) => x.name === 'v')?.perYear.coldMigrations).toBeUndefined();
    // Hosts due every 3.5 d (the period shared by 2 hosts), from t = 0.
    const windows = Math.ceil(YEAR / (3.5 * D));
    expect(stuck.results.services[0].downtimeMinutesPerYear.mean).toBeCloseTo(windows * 4 * 60, 9);
  });

  it('at most maxConcurrent instances of a VNF migrate at once: the host goes down after the pre-copies in turn', () => {
    const doc = (maxConcurrent: number) =>
      cluster({
        count: 2,
        vnf: { instances: 3, k: 1, placement: { hosts: ['h-1', 'h-1', 'h-1'] }, migration: { time: '10m', maxConcurrent } },
        maintenance: { m: { hosts: 'h', every: '30d', duration: '1h' } },
      });
    for (const [c, at] of [
      [1, 30 * 60],
      [2, 20 * 60],
      [3, 10 * 60],
    ]) {
      let down = -1;
      runReplication(topo(doc(c)).model, { seed: 1, horizon: 5 * H, warmup: 0 }, 0, {
        trace: (e) => {
          if (down < 0 && e.name === 'hosts.h-1.hardware' && e.detail === 'planned work') down = e.t;
        },
      });
      expect(down, `maxConcurrent ${c}`).toBe(at);
    }
  });

  it('the migration limit of a VNF holds across maintenance plans', () => {
    const doc = {
      components: { server: { layer: 'hardware' }, hv: { layer: 'hypervisor' }, vm: { layer: 'vm' }, app: { layer: 'vnf' } },
      hosts: { a: { stack: ['server', 'hv'] }, b: { stack: ['server', 'hv'] }, spare: { count: 2, stack: ['server', 'hv'] } },
      vnfs: { v: { instances: 2, vm: 'vm', app: 'app', placement: { hosts: ['a-1', 'b-1'] }, migration: { time: '10m', maxConcurrent: 1 } } },
      services: { s: { chain: ['v'] } },
      maintenance: { ma: { hosts: 'a', every: '30d', duration: '1h' }, mb: { hosts: 'b', every: '30d', duration: '1h' } },
    };
    const downs: Array<[number, string]> = [];
    runReplication(topo(doc).model, { seed: 1, horizon: 5 * H, warmup: 0 }, 0, {
      trace: (e) => {
        if (e.detail === 'planned work') downs.push([e.t, e.name]);
      },
    });
    expect(downs).toEqual([
      [10 * 60, 'hosts.a-1.hardware'],
      [20 * 60, 'hosts.b-1.hardware'],
    ]);
  });

  it('migrations keep anti-affinity: two instances never share a host, over years of rolling maintenance with failures', () => {
    const doc = cluster({
      count: 4,
      slots: 3,
      server: { failures: { crash: { ttf: exp('30d') } }, repair: exp('1d') },
      vnf: { instances: 2, k: 1, migration: { time: '1m', blackout: '100ms', tolerance: '1s' } },
      maintenance: { m: { hosts: 'h', every: '7d', duration: '6h', coldMigration: '5m' } },
    });
    const model = topo(doc).model;
    const where = new Map<string, string>(model.functions[0].instances.map((inst) => [`${inst.path}.vm`, inst.host]));
    let moves = 0;
    runReplication(model, { seed: 3, horizon: 3 * YEAR, warmup: 0 }, 0, {
      trace: (e) => {
        if (e.kind !== 'component' || e.event !== 'moved') return;
        moves++;
        const host = /to hosts\.(h-\d+)\./.exec(e.detail!)![1];
        where.set(e.name, host);
        const hosts = [...where.values()];
        expect(new Set(hosts).size, `at ${e.t}: ${[...where]}`).toBe(hosts.length);
      },
    });
    expect(moves).toBeGreaterThan(100);
  });

  it('the views add up: planned downtime plus the unplanned view is the whole, per replication', () => {
    const doc = cluster({
      count: 3,
      server: { failures: { crash: { ttf: exp('60d') } }, repair: exp('12h') },
      app: { failures: { crash: { ttf: exp('20d') } }, repair: exp('30m') },
      vnf: { instances: 2, k: 1, migration: { time: '1m', blackout: exp('1s'), tolerance: '1s' } },
      maintenance: { m: { hosts: 'h', every: '14d', duration: exp('3h'), coldMigration: '5m' } },
      upgrades: { u: { target: 'v', every: '30d', step: exp('20m'), pause: '10m', failure: 0.3, rollback: '1h' } },
    });
    const model = topo(doc).model;
    let plannedSeen = 0;
    let unplannedSeen = 0;
    for (let rep = 0; rep < 20; rep++) {
      const r = runReplication(model, { seed: 7, horizon: 2 * YEAR, warmup: 30 * D }, rep);
      const s = r.services[0];
      const u = s.unplanned!;
      expect(s.downtimeByLayer[PLANNED_LAYER] + u.downtime).toBeCloseTo(s.downtime, 6);
      expect(s.outagesByLayer[PLANNED_LAYER] + u.outages).toBe(s.outages);
      plannedSeen += s.outagesByLayer[PLANNED_LAYER];
      unplannedSeen += u.outages;
    }
    expect(plannedSeen).toBeGreaterThan(0);
    expect(unplannedSeen).toBeGreaterThan(0);
  });
});

describe('maintenance against the other mechanisms (regressions from review)', () => {
  const det = (v: string) => ({ dist: 'deterministic', value: v });
  const stack = {
    server: { layer: 'hardware', restart: det('1m') },
    hv: { layer: 'hypervisor', restart: det('1m') },
    vm: { layer: 'vm', restart: det('30s') },
    app: { layer: 'vnf', restart: det('30s') },
    ctlapp: { layer: 'vim' },
  };
  const base = {
    components: stack,
    hosts: { h: { count: 2, stack: ['server', 'hv'] }, ctl: { stack: ['server'] } },
    vim: { api: { instances: 1, app: 'ctlapp', placement: { group: 'ctl' } } },
    services: { s: { chain: ['v'] }, openstack: { chain: ['api'] } },
  };

  it('a host taken down for maintenance is no failure for evacuation: the instance waits for it', () => {
    const doc = {
      ...base,
      vnfs: { v: { instances: 1, vm: 'vm', app: 'app', placement: { group: 'h', policy: 'pack' }, evacuation: { vim: 'openstack', detection: '1m', rebuild: '2m' } } },
      maintenance: { m: { hosts: 'h', every: '365d', start: '10d', spacing: '1d', duration: '5h', drain: 'none' } },
    };
    const r = run(doc, { runs: 1, horizon: 20 * D });
    expect(r.results.groups.find((g) => g.name === 'v')?.perYear.evacuations).toBeUndefined();
    // 5 h down with h-1, then the host (1 min), hypervisor (1 min), VM (30 s) and application (30 s) restart.
    expect(r.results.services[0].downtimeMinutesPerYear.mean).toBeCloseTo(((5 * 60 + 3) * YEAR) / (20 * D), 6);
  });

  it('rolling: the next host waits until the previous one and its instances are back, so a 1+1 pair never goes down', () => {
    const doc = {
      ...base,
      vnfs: { v: { instances: 2, k: 1, vm: 'vm', app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
      maintenance: { m: { hosts: 'h', every: '30d', start: '1d', spacing: '1h', duration: '2h', drain: 'none' } },
    };
    const downs: number[] = [];
    runReplication(topo(doc).model, { seed: 1, horizon: 3 * D, warmup: 0 }, 0, {
      trace: (e) => {
        if (e.detail === 'planned work') downs.push(e.t);
      },
    });
    // h-1 down at 1 d for 2 h, back after 3 min of restarts: h-2 goes at 1 d + 2 h 3 min.
    expect(downs).toEqual([D, D + 2 * H + 3 * 60]);
    expect(run(doc, { runs: 1, horizon: 3 * D }).results.services[0].noOutage).not.toBeNull();
  });

  it('no migration off a dead host: a host that fails while the window waits for the VIM is not drained', () => {
    const doc = {
      ...base,
      components: {
        ...stack,
        serverB: { layer: 'hardware', failures: { crash: { ttf: det('1.05d') } }, repair: det('10d'), restart: det('1m') },
        ctlapp: { layer: 'vim', failures: { crash: { ttf: det('0.9d') } }, repair: det('0.2d') },
      },
      hosts: { gb: { stack: ['serverB', 'hv'] }, gc: { stack: ['server', 'hv'] }, ctl: { stack: ['server'] } },
      vnfs: { v: { instances: 1, vm: 'vm', app: 'app', placement: { group: ['gb', 'gc'], policy: 'pack' } } },
      maintenance: { m: { hosts: 'gb', every: '365d', start: '1d', duration: '5h', vim: 'openstack', coldMigration: '3m' } },
    };
    const r = run(doc, { runs: 1, horizon: 3 * D });
    expect(r.results.groups.find((g) => g.name === 'v')?.perYear.coldMigrations).toBeUndefined();
    // Down from the host's failure at 1.05 d to the horizon: the VIM (back at 1.1 d) moves nothing.
    expect(r.results.services[0].unavailability.mean).toBeCloseTo((3 - 1.05) / 3, 9);
  });

  it('an active/passive pair does not fence a node that planned work stopped', () => {
    const doc = {
      ...base,
      hosts: { h: { count: 3, stack: ['server', 'hv'] } },
      vim: {},
      services: { s: { chain: ['v'] } },
      vnfs: {
        v: {
          instances: 2,
          k: 1,
          vm: 'vm',
          app: 'app',
          placement: { group: 'h', policy: 'anti-affinity' },
          ha: { mechanism: 'active-passive', detector: { kind: 'heartbeat', interval: '1s', misses: 3 }, switchover: '5s', fencing: { time: '2m', success: 1 } },
        },
      },
      maintenance: { m: { hosts: 'h', every: '30d', start: '1d', spacing: '1d', duration: '2h', coldMigration: '3m' } },
    };
    const s = run(doc, { runs: 1, horizon: 3 * D }).results.services[0];
    expect(s.outagesObserved).toBeGreaterThan(0);
    expect(s.phases.fencing).toBeUndefined();
  });
});

describe('rolling upgrades', () => {
  const step = 10 * 60;
  const rollback = 30 * 60;
  const p = 0.2;

  it('one instance: each campaign costs step + p x rollback on average (exact expectation, 4 SE)', () => {
    const doc = cluster({
      count: 1,
      vnf: { instances: 1 },
      upgrades: { u: { target: 'v', start: '1d', every: '10d', step: '10m', failure: p, rollback: '30m' } },
    });
    const r = run(doc, { runs: 400, horizon: 100 * D });
    const campaigns = 10; // days 1, 11, ..., 91
    const exact = (campaigns * (step + p * rollback)) / (100 * D);
    const u = r.results.services[0].unavailability;
    expect(Math.abs(u.mean - exact) / u.se).toBeLessThanOrEqual(4);
    // A rollback that cost nothing would be far outside.
    expect(Math.abs((campaigns * step) / (100 * D) - exact)).toBeGreaterThan(4 * u.se);
    expect(r.results.groups[0].perYear.upgradeSteps!.mean).toBeCloseTo((campaigns * YEAR) / (100 * D), 9);
  });

  it('two instances without redundancy: a failed step stops the campaign (exact expectation, 4 SE)', () => {
    const doc = cluster({
      count: 2,
      vnf: { instances: 2 },
      upgrades: { u: { target: 'v', start: '1d', every: '10d', step: '10m', pause: '1h', failure: p, rollback: '30m' } },
    });
    const r = run(doc, { runs: 400, horizon: 100 * D });
    const perCampaign = step + p * rollback + (1 - p) * (step + p * rollback);
    const exact = (10 * perCampaign) / (100 * D);
    const u = r.results.services[0].unavailability;
    expect(Math.abs(u.mean - exact) / u.se).toBeLessThanOrEqual(4);
    // Steps per campaign: 1 + (1 - p).
    expect(r.results.groups[0].perYear.upgradeSteps!.mean / ((10 * YEAR) / (100 * D))).toBeCloseTo(2 - p, 1);
  });

  it('with a standby the upgrade costs no downtime, only capacity, and waits for a failed instance to return', () => {
    // The application fails often, so steps often wait for the other instance's repair;
    // since a step starts only with both up, an outage (both out) is always started by a
    // failure, never by the upgrade.
    const doc = cluster({
      count: 2,
      app: { failures: { crash: { ttf: exp('2d') } }, repair: exp('6h') },
      vnf: { instances: 2, k: 1, m: 2 },
      upgrades: { u: { target: 'v', every: '3d', step: '1h', pause: '10m' } },
    });
    const model = topo(doc).model;
    for (let rep = 0; rep < 10; rep++) {
      const r = runReplication(model, { seed: 5, horizon: YEAR, warmup: 0 }, rep);
      expect(r.services[0].outagesByLayer[PLANNED_LAYER]).toBe(0);
    }
  });
});

describe('planned work: input errors and analyze', () => {
  const bad = (extra: object, vnf: object = { instances: 1 }) => () => topo({ ...cluster({ count: 2, vnf }), ...extra });
  it.each([
    [{ maintenance: { m: { hosts: 'nope', every: '30d', duration: '1h', drain: 'none' } } }, 'maintenance.m.hosts', "unknown host group 'nope'"],
    [{ maintenance: { m: { hosts: 'h', every: '30d', duration: '1h' } } }, 'maintenance.m', "give 'coldMigration'"],
    [{ maintenance: { m: { hosts: 'h', every: '30d', spacing: '40d', duration: '1h', drain: 'none' } } }, 'maintenance.m.spacing', 'does not fit'],
    [{ maintenance: { m: { hosts: 'h', every: '30d', duration: '1h', drain: 'none', vim: 's' } } }, 'maintenance.m.vim', 'data-plane'],
    [{ upgrades: { u: { target: 'w', step: '1h' } } }, 'upgrades.u.target', "unknown VNF or VIM service 'w'"],
    [{ upgrades: { u: { target: 'v', step: '1h', failure: 0.1 } } }, 'upgrades.u.rollback', 'give rollback'],
    [{ upgrades: { u: { target: 'v', step: 5 } } }, 'upgrades.u.step', 'duration'],
  ])('%j is refused at %s', (extra, path, message) => {
    let err: unknown;
    try {
      bad(extra)();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyError);
    const text = String((err as Error).message);
    expect(text).toContain(path);
    expect(text).toContain(message);
  });

  it('validate names the maintenance plans and upgrade campaigns', () => {
    const r = cli(['validate', 'topologies/maintenance-rolling.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('maintenance plans computes-monthly (6 hosts), upgrade campaigns mme-quarterly (vMME)');
  });

  it('analyze refuses planned work, naming it', () => {
    const model = topo(cluster({ count: 2, vnf: { instances: 1 }, upgrades: { u: { target: 'v', step: '1h' } } })).model;
    expect(() => analyzeModel(model)).toThrow(AnalysisRefused);
    expect(() => analyzeModel(model)).toThrow(/upgrades\.u/);
  });
});

describe('planned work in sweeps', () => {
  it('the sweep table and results.csv show planned downtime and the unplanned verdicts, per point', async () => {
    const { loadExperimentFile } = await import('../src/experiment/load.js');
    const { runSweep, resultsCsv } = await import('../src/sweep/sweep.js');
    const { renderSweepText } = await import('../src/report/sweep-text.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ROOT } = await import('./helpers.js');
    const exp = loadExperimentFile(join(ROOT, 'experiments', 'maintenance-live-migration.yaml'));
    const r = await runSweep({ ...exp, runs: 4, horizon: YEAR, warmup: 0 }, { out: mkdtempSync(join(tmpdir(), 'nfvsim-planned-')), jobs: 1 });
    const text = renderSweepText(r);
    expect(text).toContain('of it planned');
    expect(text).toContain('unplanned only');
    const none = text.split('\n').find((l) => l.startsWith('no planned work'))!;
    const drain = r.points.find((p) => p.name === 'no drain')!.summary.services[0];
    // No planned work: no unplanned view; no drain: its planned downtime is in the row.
    expect(r.points.find((p) => p.name === 'no planned work')!.summary.services[0].unplanned).toBeUndefined();
    expect(none).toMatch(/\s-\s/);
    expect(drain.downtimeMinutesPerYearByLayer.planned).toBeGreaterThan(0);
    const csv = resultsCsv(r).trim().split('\n');
    const head = csv[0].split(',');
    const row = csv.map((l) => l.split(',')).find((f) => f[0] === 'no drain' && f[head.indexOf('service')] === 'mobile-core')!;
    expect(Number(row[head.indexOf('planned_downtime_min_per_year')])).toBe(drain.downtimeMinutesPerYearByLayer.planned);
    expect(Number(row[head.indexOf('unplanned_downtime_min_per_year')])).toBe(drain.unplanned!.downtimeMinutesPerYear.mean);
  });
});
