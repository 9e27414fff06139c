/**
 * Multilevel splitting (RESTART over histories, src/rare/splitting.ts). It must be
 * unbiased whatever the model: against the exact Markov chain of `nfvsim analyze` (4
 * standard errors) on an exponential 1-of-3 group, and against plain histories of the same
 * horizon (3 combined standard errors) on small models with Weibull times to failure,
 * heartbeats that lose beats, evacuation by a replica set and planned maintenance, with
 * splitting factors forced above 1 so that retrials (snapshot copies, re-keyed) carry
 * part of the estimate. Each comparison with power checks that an answer 30% off would be
 * caught; on the replica-set and maintenance models the split service's own figures are
 * too rare for that in a quick test, so its agreement is checked at 3 SE and the power
 * check is made on the other service (whose figures the retrials' weighted books also
 * feed). With fixed repair times, against the closed form q^3 (4 SE). A forgotten weight
 * must be caught too. Same seed, same numbers (the copies themselves: test/snapshot.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analysis/markov.js';
import { simulate, type LoadedTopology } from '../src/index.js';
import { chooseFactors, emptySplitAccumulator, FAST_RESTORE, importanceOf, LevelWatch, restoreTimeOf, runSplitBatch, summarizeSplit, type SplitSummary } from '../src/rare/splitting.js';
import { TwinPool } from '../src/sim/twins.js';
import { recorderOptionsOf } from '../src/sim/system.js';
import { cli, exp, topo } from './helpers.js';

const YEAR = 365.25 * 86400;

const ln = (mean: string, cv = 1) => ({ dist: 'lognormal', mean, cv });

/** A 1-of-3 group of applications on one host that never fails: failures `ttf`, repairs `repair`. */
function triple(ttf: object, repair: object): LoadedTopology {
  return topo({
    components: { host: { layer: 'hardware' }, app: { layer: 'vnf', failures: { crash: { ttf } }, repair } },
    hosts: { h: { count: 1, stack: ['host'], slots: 10 } },
    vnfs: { f: { instances: 3, k: 1, app: 'app', placement: { group: 'h', policy: 'pack' } } },
    services: { s: { chain: ['f'] } },
  });
}

/** Runs `batches` batches of splitting on `t` (target: its first service with redundancy, or `target`) with `factors`, measured after `warmup` seconds. */
function split(t: LoadedTopology, factors: number[], batches: number, horizon: number, seed = 11, target?: number, warmup = 0): SplitSummary {
  const imp = importanceOf(t.model, target === undefined ? undefined : [target]);
  const acc = emptySplitAccumulator(t.model, imp.maxLevel);
  const settings = { seed, horizon, warmup, factors };
  for (let b = 0; b < batches; b++) runSplitBatch(t.model, imp, settings, b, acc);
  return summarizeSplit(t.model, imp, acc, factors, []);
}

/** |a - b| in combined standard errors. */
function combinedZ(a: { mean: number; se: number }, b: { mean: number; se: number }): number {
  return Math.abs(a.mean - b.mean) / Math.hypot(a.se, b.se);
}

/** The splitting estimate agrees with the plain one within 3 combined SE, and (with `power`) 30% off would not. */
function agrees(name: string, s: { mean: number; se: number }, p: { mean: number; se: number }, power = true): void {
  const z = combinedZ(s, p);
  if (process.env.NFVSIM_TEST_VERBOSE) console.log(`${name}: splitting ${s.mean.toExponential(3)} (se ${s.se.toExponential(2)}) plain ${p.mean.toExponential(3)} (se ${p.se.toExponential(2)}) z ${z.toFixed(2)}`);
  expect(z, `${name}: ${s.mean} vs plain ${p.mean}`).toBeLessThanOrEqual(3);
  if (power) expect(combinedZ({ mean: p.mean * 1.3, se: s.se }, p), `${name}: 30% off is inside the band`).toBeGreaterThan(3);
}

/**
 * A 2-of-3 group of pods under a replica set on 4 workers (Weibull server crashes), and a
 * control plane of one API on a master. With `os`, the workers' servers take 2 days to
 * repair and a host OS that panics (restored in 1 h) sits on them: the candidate hosts of a
 * weighted importance function.
 */
function replicaSet(extra: object = {}, os = false): LoadedTopology {
  return topo({
    components: {
      server: { layer: 'hardware', failures: { crash: { ttf: { dist: 'weibull', shape: 1.3, scale: '400h' } } }, repair: os ? ln('2d', 0.5) : ln('2h', 0.5), restart: { dist: 'uniform', min: '3m', max: '6m' } },
      ...(os ? { os: { layer: 'hostOS', failures: { panic: { ttf: exp('200h') } }, repair: exp('1h') } } : {}),
      rt: { layer: 'hypervisor' },
      pod: { layer: 'vm', failures: { evicted: { ttf: exp('500h') } }, repair: { dist: 'gamma', shape: 2, scale: '15s' }, restart: { dist: 'deterministic', value: '10s' } },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('300h') } }, repair: ln('45s'), restart: { dist: 'deterministic', value: '5s' } },
      api: { layer: 'vim', failures: { crash: { ttf: exp('1000h') } }, repair: ln('5m') },
    },
    hosts: { master: { count: 1, stack: ['server'], slots: 10 }, worker: { count: 4, stack: os ? ['server', 'os', 'rt'] : ['server', 'rt'], slots: 10 } },
    vim: { api: { instances: 1, app: 'api', placement: { group: 'master' } } },
    vnfs: {
      upf: {
        instances: 3,
        k: 2,
        m: 2,
        vm: 'pod',
        app: 'app',
        placement: { group: 'worker', policy: 'anti-affinity' },
        replicaSet: { controlPlane: 'cp', nodeMonitorGracePeriod: '40s', podEvictionTimeout: '5m', podStart: ln('20s', 0.5) },
      },
    },
    services: { up: { chain: ['upf'] }, cp: { chain: ['api'] } },
    ...extra,
  });
}

/**
 * A 1-of-3 group on three hosts whose server restores slowly (repair `serverRepair`) and
 * whose application fast (1 h): a weighted group of the importance function.
 */
function slowFast(extra: object = {}, serverRepair: object = exp('50h')): LoadedTopology {
  return topo({
    components: {
      server: { layer: 'hardware', failures: { crash: { ttf: exp('500h') } }, repair: serverRepair },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('1h') },
    },
    hosts: { h: { count: 3, stack: ['server'], slots: 2 } },
    vnfs: { f: { instances: 3, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
    services: { s: { chain: ['f'] } },
    ...extra,
  });
}

/** A simulation of `m` (seed 5) watched by a LevelWatch of `imp`, and `at(t)`: runs it to time t (seconds) and gives the level there. */
function watched(m: LoadedTopology['model'], imp: ReturnType<typeof importanceOf>) {
  const sys = new TwinPool(m).start({ seed: 5, replication: 0, warmup: 0, recorderOptions: recorderOptionsOf(m) }).sys;
  const watch = new LevelWatch(imp);
  sys.observer = watch;
  watch.attach(sys);
  const at = (seconds: number) => {
    while (sys.scheduler.now < seconds) {
      watch.stopped = false;
      sys.scheduler.run(seconds);
    }
    return watch.level();
  };
  return { sys, at };
}

describe('rare events: multilevel splitting over histories', () => {
  it('matches the exact Markov chain on an exponential 1-of-3 group, with retrials at levels 2 and 3', () => {
    const t = triple(exp('100h'), exp('10h'));
    const exact = analyzeModel(t.model).services[0];
    const r = split(t, [1, 1, 3, 3], 150, 0.1 * YEAR);
    expect(r.trials).toBeGreaterThan(5 * r.histories);
    const u = r.services[0].unavailability;
    const z = Math.abs(u.mean - exact.unavailability) / u.se;
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(`exact ${exact.unavailability} splitting ${u.mean} se ${u.se} z ${z.toFixed(2)} trials ${r.trials}`);
    expect(z).toBeLessThanOrEqual(4);
    expect(0.3 * exact.unavailability).toBeGreaterThan(4 * u.se);
    // Outages per year: the exact rate of entering the all-down state.
    const o = r.services[0].outagesPerYear;
    expect(Math.abs(o.mean - exact.outagesPerYear) / o.se).toBeLessThanOrEqual(4);
    expect(0.3 * exact.outagesPerYear).toBeGreaterThan(4 * o.se);
  });

  it('chooses its factors from pilots on a rare case (U about 1e-6: splits at the rare levels only) and still covers the exact answer', () => {
    const t = triple(exp('1000h'), exp('10h'));
    const exact = analyzeModel(t.model).services[0];
    const horizon = 0.5 * YEAR;
    const plan = chooseFactors(t.model, { seed: 5, horizon, warmup: 0 });
    expect(plan.target).toBe(0);
    // Level 1 is crossed about 13 times in a history: not split; level 2 is rare: split.
    expect(plan.factors[1]).toBe(1);
    expect(plan.factors[2]).toBeGreaterThan(3);
    const r = split(t, plan.factors, 100, horizon);
    const u = r.services[0].unavailability;
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(`rare: factors ${plan.factors} exact ${exact.unavailability} splitting ${u.mean} se ${u.se}`);
    expect(Math.abs(u.mean - exact.unavailability) / u.se).toBeLessThanOrEqual(4);
  });

  it('is unbiased with fixed repair times (copies share a pending repair timer): the closed form q^3 of a 1-of-3 group, and 30% off is outside 4 SE', () => {
    // Three independent instances, each up for exponential(300 h), then down for exactly 10 h:
    // by insensitivity each is down a fraction q = 10 / 310 of the time, and the group q^3
    // (U about 3e-5), whatever the law of the repairs. The exponential twin checks that the
    // group adds nothing of its own (no switch-over, no shared crew): its exact chain gives q^3.
    const q = 10 / 310;
    const exactExp = analyzeModel(triple(exp('300h'), exp('10h')).model).services[0].unavailability;
    expect(Math.abs(exactExp - q ** 3) / q ** 3).toBeLessThan(1e-6);
    const t = triple(exp('300h'), { dist: 'deterministic', value: '10h' });
    const factors = [1, 2, 10, 2];
    const imp = importanceOf(t.model);
    const acc = emptySplitAccumulator(t.model, imp.maxLevel);
    // A warm-up of 5 mean lifetimes: the time-average of a history starting all up then matches the stationary q^3.
    const settings = { seed: 17, horizon: 0.7 * YEAR, warmup: 0.2 * YEAR, factors };
    for (let b = 0; b < 100; b++) runSplitBatch(t.model, imp, settings, b, acc);
    const r = summarizeSplit(t.model, imp, acc, factors, []);
    expect(r.copies).toBeGreaterThan(r.histories);
    const u = r.services[0].unavailability;
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(`fixed repairs: exact ${q ** 3} splitting ${u.mean} se ${u.se} trials ${r.trials} copies ${r.copies}`);
    expect(Math.abs(u.mean - q ** 3) / u.se).toBeLessThanOrEqual(4);
    // 30% off would be caught.
    expect(0.3 * q ** 3).toBeGreaterThan(4 * u.se);
  });

  it('is unbiased with Weibull times to failure and lognormal repairs (ages matter): against plain histories', () => {
    const t = triple({ dist: 'weibull', shape: 2, scale: '100h' }, ln('20h'));
    const horizon = 0.1 * YEAR;
    const s = split(t, [1, 1, 2, 2], 150, horizon);
    expect(s.trials).toBeGreaterThan(5 * s.histories);
    const p = simulate(t, { runs: 6000, horizon, warmup: 0, seed: 3 }).results.services[0];
    agrees('weibull U', s.services[0].unavailability, p.unavailability);
    agrees('weibull outages/y', s.services[0].outagesPerYear, p.outagesPerYear);
  });

  it('is unbiased with heartbeats that lose beats (spurious takeovers, split brain): against plain histories', () => {
    const t = topo({
      components: {
        host: { layer: 'hardware' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('300h') }, unhealthy: { ttf: { dist: 'weibull', shape: 1.5, scale: '600h' }, announced: false, undetected: '0s' } }, repair: ln('2h'), restart: { dist: 'uniform', min: '20s', max: '40s' } },
      },
      hosts: { h: { count: 2, stack: ['host'], slots: 10 } },
      vnfs: {
        f: {
          instances: 2,
          k: 1,
          app: 'app',
          placement: { group: 'h', policy: 'anti-affinity' },
          ha: { mechanism: 'active-passive', detector: { kind: 'heartbeat', interval: '1s', misses: 3, loss: 0.01 }, switchover: { dist: 'uniform', min: '1s', max: '2s' }, coverage: 0.95, manual: ln('30m', 0.5), splitBrainRecovery: ln('10m', 0.5) },
        },
      },
      services: { s: { chain: ['f'] } },
    });
    const horizon = 0.1 * YEAR;
    const s = split(t, [1, 2, 2], 50, horizon);
    expect(s.trials).toBeGreaterThan(5 * s.histories);
    const p = simulate(t, { runs: 3200, horizon, warmup: 0, seed: 3 }).results.services[0];
    agrees('lost beats U', s.services[0].unavailability, p.unavailability);
    agrees('lost beats outages/y', s.services[0].outagesPerYear, p.outagesPerYear);
  });

  it("counts a replica set's spare node and control plane in its level: a node lost, two nodes lost, the API down", () => {
    const t = replicaSet();
    const m = t.model;
    const imp = importanceOf(m, [0]);
    const { sys, at } = watched(m, imp);
    const hardware = (name: string) => sys.components[m.hosts.find((h) => h.name === name)!.hardware];
    // All up: two pods of slack, a spare node and the API: distance 4, level 0.
    expect(at(60)).toBe(0);
    // A worker lost: its pod is down and no node is spare (distance 1 + 1), level 2; once
    // the pod is rescheduled (after 40 s + 5 min and its start), all three run, still no spare: level 1.
    hardware('worker-1').failNow(0);
    expect(at(61)).toBe(2);
    expect(at(60 + 3600)).toBe(1);
    // A second worker lost: its pod has nowhere to go (two nodes for three pods): level 3.
    hardware('worker-2').failNow(0);
    expect(at(3661)).toBe(3);
    // A pod's application failing now takes the service down: level 4.
    const podApp = m.functions.find((f) => f.name === 'upf')!.instances.map((i) => sys.components[i.top]).find((c) => c.up)!;
    podApp.failNow(0);
    expect(at(3662)).toBe(4);
    expect(sys.serviceUp(0)).toBe(false);
  });

  it('follows every change of state it reads: after any event the level it followed equals the level counted afresh (planned upgrades and maintenance included)', () => {
    const variants = [
      replicaSet({ upgrades: { u: { target: 'upf', start: '1d', every: '2d', step: ln('12h', 0.3) } } }),
      replicaSet({ maintenance: { rolling: { hosts: 'worker', every: '10d', start: '1d', spacing: '12h', duration: ln('3h', 0.5), vim: 'cp', coldMigration: ln('3m', 0.5) } } }),
      // Weighted candidate hosts (a host OS restored fast on slow servers) under rolling maintenance.
      replicaSet({ maintenance: { rolling: { hosts: 'worker', every: '10d', start: '1d', spacing: '12h', duration: ln('3h', 0.5), vim: 'cp', coldMigration: ln('3m', 0.5) } } }, true),
      // A weighted group (slow servers, fast applications) under planned stops of its applications.
      slowFast({ upgrades: { u: { target: 'f', start: '1d', every: '2d', step: ln('2h', 0.3) } } }),
    ];
    for (const t of variants) {
      const m = t.model;
      const imp = importanceOf(m, [0]);
      let probes = 0;
      let mismatches = 0;
      for (let r = 0; r < 3; r++) {
        const sys = new TwinPool(m).start({ seed: 2, replication: r, warmup: 0, recorderOptions: recorderOptionsOf(m) }).sys;
        const watch = new LevelWatch(imp);
        watch.attach(sys);
        sys.observer = watch;
        // A probe every 5 simulated minutes, between events: a stale count stays stale until the next report, so it is seen.
        const probe = {
          handle() {
            const fresh = new LevelWatch(imp);
            fresh.attach(sys);
            probes++;
            if (fresh.level() !== watch.level()) mismatches++;
            sys.scheduler.schedule(300, probe);
          },
        };
        sys.scheduler.schedule(150, probe);
        const horizon = 0.1 * YEAR;
        while (sys.scheduler.now < horizon) {
          watch.stopped = false;
          sys.scheduler.run(horizon);
        }
      }
      expect(probes).toBeGreaterThan(20_000);
      expect(mismatches).toBe(0);
    }
  });

  it('counts an instance down by a fast cause as up below the outage: a slow server down is a level, a fast application restart is not (until it is the last one)', () => {
    const t = slowFast();
    const m = t.model;
    const imp = importanceOf(m, [0]);
    // Server 50 h against application 1 h: under FAST_RESTORE (1/10) of the slowest, so weighted.
    expect(FAST_RESTORE).toBe(0.1);
    expect(restoreTimeOf(m, m.functions[0].instances[0].top)).toBe(3600);
    expect(imp.weighted).toEqual([1]);
    expect(imp.maxLevel).toBe(3);
    // All restores alike (server 5 h, application 1 h): not weighted, every down instance counts as before.
    expect(importanceOf(slowFast({}, exp('5h')).model, [0]).weighted).toEqual([0]);
    const { sys, at } = watched(m, imp);
    const apps = m.functions[0].instances.map((i) => sys.components[i.top]);
    const servers = m.hosts.map((h) => sys.components[h.hardware]);
    expect(at(1)).toBe(0);
    // An application crash (1 h to restore): level 0 still.
    apps[0].failNow(0);
    expect(at(2)).toBe(0);
    expect(apps[0].up).toBe(false);
    // A server down under the second instance: level 1; under the first too (its application was already down): level 2.
    servers[1].failNow(0);
    expect(at(3)).toBe(1);
    servers[0].failNow(0);
    expect(at(4)).toBe(2);
    // The last instance's application crashing takes the service down: the outage level, whatever its cause.
    apps[2].failNow(0);
    expect(at(5)).toBe(3);
    expect(sys.serviceUp(0)).toBe(false);
  });

  it('is unbiased with a weighted importance function (fast application restarts not counted below the outage): against the exact Markov chain, and 30% off is outside 4 SE', () => {
    const t = slowFast();
    const exact = analyzeModel(t.model).services[0];
    // Measured over 0.1 y after a warm-up of 0.05 y (some 9 server repairs of 50 h): the
    // exact figures are the steady state's, and a start with everything new keeps the
    // first days' outage rate some 6% lower over a window of 0.1 y (seen at 1,000 batches).
    const [horizon, warmup] = [0.15 * YEAR, 0.05 * YEAR];
    const plan = chooseFactors(t.model, { seed: 5, horizon, warmup });
    expect(plan.factors.slice(1).some((f) => f > 1)).toBe(true);
    for (const factors of [plan.factors, [1, 3, 3, 3]]) {
      const r = split(t, [...factors], 150, horizon, 11, undefined, warmup);
      expect(r.copies).toBeGreaterThan(r.histories);
      for (const key of ['unavailability', 'outagesPerYear'] as const) {
        const e = exact[key];
        const u = r.services[0][key];
        if (process.env.NFVSIM_TEST_VERBOSE) console.log(`weighted ${factors} ${key}: exact ${e} splitting ${u.mean} se ${u.se}`);
        expect(Math.abs(u.mean - e) / u.se, `${key} with factors ${factors}`).toBeLessThanOrEqual(4);
        expect(0.3 * e).toBeGreaterThan(4 * u.se);
      }
    }
  });

  it("weighs a replica set's candidate hosts: a worker's host OS panic (1 h) is its pod down, not a node lost; its server down (2 d) is a node lost", () => {
    const t = replicaSet({}, true);
    const m = t.model;
    const imp = importanceOf(m, [0]);
    const upf = m.functions.findIndex((f) => f.name === 'upf');
    expect(imp.hostWeighted[upf]).toBe(1);
    // Without the host OS (a server alone under a runtime that never fails): not weighted.
    expect(importanceOf(replicaSet().model, [0]).hostWeighted[upf]).toBe(0);
    const worker = m.hosts.find((h) => h.name === 'worker-1')!;
    // Worker 1's host OS panics: its pod is down, the node counts as up (distance 1 + 1 + a spare node = 3): level 1, as a pod's own crash.
    const a = watched(m, imp);
    expect(a.at(60)).toBe(0);
    const os = a.sys.components[m.components[worker.top].parent];
    expect(os.model.type).toBe('os');
    os.failNow(0);
    expect(a.at(61)).toBe(1);
    // Its server fails instead: a node lost, no spare left (distance 1 + 1 + 0 = 2): level 2.
    const b = watched(m, imp);
    expect(b.at(60)).toBe(0);
    b.sys.components[worker.hardware].failNow(0);
    expect(b.at(61)).toBe(2);
  });

  it('reads the control plane: with the API down, a lost pod cannot be replaced (one step nearer than with it up)', () => {
    const t = replicaSet();
    const m = t.model;
    const sys = new TwinPool(m).start({ seed: 5, replication: 0, warmup: 0, recorderOptions: recorderOptionsOf(m) }).sys;
    const watch = new LevelWatch(importanceOf(m, [0]));
    sys.observer = watch;
    watch.attach(sys);
    const api = sys.components[m.functions.find((f) => f.name === 'api')!.instances[0].top];
    api.failNow(0);
    sys.scheduler.run(1);
    // The API down: no re-placement, so no spare and no capacity beyond the pods up (distance 2 + 1): level 1.
    expect(sys.serviceUp(1)).toBe(false);
    expect(watch.level()).toBe(1);
    // A pod's application failing then: two up and no way to a third (distance 1): level 3;
    // with the API up the same failure is level 1 (a spare node and a replacement to come).
    const apps = m.functions.find((f) => f.name === 'upf')!.instances.map((i) => sys.components[i.top]);
    apps[0].failNow(0);
    sys.scheduler.run(2);
    expect(watch.level()).toBe(3);
  });

  it('is unbiased with a replica set that reschedules pods off failed nodes (Weibull nodes), its candidate hosts weighted or not: against plain histories', () => {
    // Weighted hosts: host OS panics (1 h) on servers repaired in 2 days, not counted as nodes lost.
    for (const [os, factors] of [
      [false, [1, 1, 3, 2, 2]],
      [true, [1, 2, 2, 2, 2]],
    ] as const) {
      const t = replicaSet({}, os);
      const name = os ? 'weighted hosts' : 'replica set';
      // Four levels: two pods of slack, then the spare node and the control plane the rescheduling needs.
      expect(importanceOf(t.model, [0]).maxLevel).toBe(4);
      const horizon = 0.03 * YEAR;
      const s = split(t, [...factors], 100, horizon, 11, 0);
      expect(s.trials).toBeGreaterThan(3 * s.histories);
      const p = simulate(t, { runs: 8000, horizon, warmup: 0, seed: 3 }).results.services;
      agrees(`${name}: user plane U`, s.services[0].unavailability, p[0].unavailability, false);
      agrees(`${name}: user plane outages/y`, s.services[0].outagesPerYear, p[0].outagesPerYear, false);
      agrees(`${name}: control plane U`, s.services[1].unavailability, p[1].unavailability);
      agrees(`${name}: control plane outages/y`, s.services[1].outagesPerYear, p[1].outagesPerYear);
    }
  });

  it('is unbiased with planned rolling maintenance (drain by cold migration, waiting for the control plane): against plain histories', () => {
    const t = replicaSet({ maintenance: { rolling: { hosts: 'worker', every: '10d', start: '1d', spacing: '12h', duration: ln('3h', 0.5), vim: 'cp', coldMigration: ln('3m', 0.5) } } });
    const horizon = 0.03 * YEAR;
    const s = split(t, [1, 1, 2, 2, 2], 80, horizon, 11, 0);
    expect(s.trials).toBeGreaterThan(3 * s.histories);
    const p = simulate(t, { runs: 8000, horizon, warmup: 0, seed: 3 }).results.services;
    agrees('maintenance: user plane U', s.services[0].unavailability, p[0].unavailability, false);
    agrees('maintenance: user plane outages/y', s.services[0].outagesPerYear, p[0].outagesPerYear, false);
    agrees('maintenance: control plane U', s.services[1].unavailability, p[1].unavailability);
    agrees('maintenance: control plane outages/y', s.services[1].outagesPerYear, p[1].outagesPerYear);
  });

  it('is unbiased with a rolling upgrade of the replica set (planned stops of its pods): against plain histories', () => {
    const t = replicaSet({ upgrades: { u: { target: 'upf', start: '1d', every: '2d', step: ln('12h', 0.3) } } });
    const horizon = 0.03 * YEAR;
    const s = split(t, [1, 1, 3, 2, 2], 80, horizon, 11, 0);
    expect(s.trials).toBeGreaterThan(3 * s.histories);
    const p = simulate(t, { runs: 8000, horizon, warmup: 0, seed: 3 }).results.services;
    agrees('upgrade: user plane U', s.services[0].unavailability, p[0].unavailability);
    agrees('upgrade: user plane outages/y', s.services[0].outagesPerYear, p[0].outagesPerYear, false);
  });

  it('catches a forgotten weight: counting each of 10 copies of an all-down period as a whole history lands far outside 4 SE', () => {
    const t = triple(exp('100h'), exp('10h'));
    const exact = analyzeModel(t.model).services[0].unavailability;
    // With factors (1, 1, 1, 10) all downtime is booked at level 3, at weight 1/10: without it, 10 times as much.
    const r = split(t, [1, 1, 1, 10], 50, 0.1 * YEAR);
    const u = r.services[0].unavailability;
    expect(Math.abs(u.mean - exact) / u.se).toBeLessThanOrEqual(4);
    expect(Math.abs(10 * u.mean - exact)).toBeGreaterThan(4 * 10 * u.se);
  });

  it('gives the same numbers for the same seed, and with every factor 1 its main trials are the plain histories', () => {
    const t = triple(exp('1000h'), exp('10h'));
    const a = split(t, [1, 1, 2, 5], 4, 0.5 * YEAR, 9);
    const b = split(t, [1, 1, 2, 5], 4, 0.5 * YEAR, 9);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const flat = split(t, [1, 1, 1, 1], 4, 0.5 * YEAR, 9);
    const plain = simulate(t, { runs: 32, horizon: 0.5 * YEAR, warmup: 0, seed: 9 }).results.services[0];
    expect(flat.trials).toBe(32);
    expect(flat.services[0].unavailability.mean).toBe(plain.unavailability.mean);
  });

  it('is wired to the CLI: --rare-event splitting, auto (says which method and why), bad methods refused', () => {
    const ok = cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'splitting', '--runs', '16', '--json']);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout);
    expect(r.settings.method).toBe('splitting');
    expect(r.settings.target).toBe('firewall');
    expect(r.results.histories).toBe(16);
    // Too few histories for a batch CI: a warning naming the cause, and no CI.
    const few = cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'splitting', '--runs', '16', '--no-progress']);
    expect(few.stdout).toMatch(/WARNING: firewall: (only \d+ of 2 batches saw downtime|only 2 batches, all with downtime): a batch CI needs at least 10 batches with downtime: run more histories/);
    expect(few.stdout).toMatch(/unavailability +\S+ +no trustworthy 95% CI/);
    // --runs that is not a whole number of batches: what runs is said, on stderr.
    const odd = cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'splitting', '--runs', '12', '--json']);
    expect(odd.code).toBe(0);
    expect(odd.stderr).toContain('nfvsim: splitting runs whole batches of 8 histories: --runs 12 runs 16\n');
    expect(JSON.parse(odd.stdout).results.histories).toBe(16);
    expect(few.stderr).not.toContain('whole batches');
    // The horizon in the units of the plain report (a year of 365 days: 20 y, not 19.99 y).
    expect(few.stdout).toMatch(/^Rare-event estimate: multilevel splitting \(RESTART\) over histories of 20 y, seed 1;/m);
    expect(r.results.problems.length).toBeGreaterThan(0);
    const auto = cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'auto', '--precision', '30%', '--no-progress']);
    expect(auto.code).toBe(0);
    expect(auto.stdout).toMatch(/^Method: (plain|failure-biasing|splitting) \(automatic choice for 30\.0%/m);
    // Splitting is weighed (copies of running histories count as work) or, when no level is rare enough, not considered.
    expect(auto.stdout).toMatch(/splitting +(pilot [\d,]+ events|not considered: no level)/);
    const bad = cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected failure-biasing, splitting, auto/);
    expect(cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'auto']).code).toBe(2);
    expect(cli(['run', 'topologies/exp-ap-pair.yaml', '--rare-event', 'splitting', '--csv', '/tmp/x.csv']).code).toBe(2);
  });

  it('is the same bytes on worker threads (--jobs 2, batches added in order) as in one thread, with splits, Weibull clocks redrawn and planned work', () => {
    for (const file of ['topologies/maintenance-rolling.yaml', 'topologies/kubernetes.yaml']) {
      const one = cli(['run', file, '--rare-event', 'splitting', '--runs', '64', '--json', '--jobs', '1']);
      const two = cli(['run', file, '--rare-event', 'splitting', '--runs', '64', '--json', '--jobs', '2']);
      expect(one.code, one.stderr).toBe(0);
      expect(two.stdout).toBe(one.stdout);
      const r = JSON.parse(one.stdout);
      expect(r.results.copies).toBeGreaterThan(0);
    }
  });
});
