/**
 * Detection-driven recovery (`recovery` on a VNF, src/mechanisms/recovery.ts): the
 * downtime of an instance's own failure is detection + notification + the actions of
 * the ladder, checked against closed forms (simulation within 4 SE, with the wrong
 * answer outside; analyze to 1e-9 where every delay is exponential), and the loader's
 * refusal of a silent failure nothing sees.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analysis/markov.js';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { cli, close, exp, expectWithin, run, thrown, topo } from './helpers.js';

const H = 3600;

/** One instance of `app` (a silent hang and/or a crash, MTTF 100 h each given) on a host that never fails, optionally in a VM. */
function single(opts: { recovery: object; modes: Record<string, object>; vm?: Record<string, object> }) {
  return {
    components: {
      hw: { layer: 'hardware' },
      kvm: { layer: 'hypervisor' },
      app: { layer: 'vnf', failures: opts.modes, repair: exp('5h') },
      ...(opts.vm ? { vm: { layer: 'vm', failures: opts.vm, repair: exp('5h') } } : {}),
    },
    hosts: { h: { count: 1, stack: ['hw', 'kvm'] } },
    vnfs: { f: { instances: 1, app: 'app', ...(opts.vm ? { vm: 'vm' } : {}), placement: { group: 'h' }, recovery: opts.recovery } },
    services: { s: { chain: ['f'] } },
  };
}

const hang = { hang: { ttf: exp('100h'), announced: false } };

describe('recovery: detection drives the repair', () => {
  it('a hung application under a guest heartbeat: downtime = (k - 1/2) T + notification + restart, for two intervals; the difference is the closed form', () => {
    const U = (T: number) => {
      const down = (3 - 0.5) * T + 30 + 60;
      return down / (100 * H + down);
    };
    const est = (T: number) =>
      run(single({ modes: hang, recovery: { detector: { kind: 'heartbeat', interval: `${T}s`, misses: 3 }, notification: '30s', actions: [{ action: 'restart', time: '60s' }] } }), {
        runs: 100,
        horizon: 20000 * H,
      }).results.services[0];
    const slow = est(60);
    const fast = est(1);
    // Wrong answer: recovery starting at the failure (no detection), as before this chain.
    expectWithin({ mean: 1 - slow.availability.mean, se: slow.availability.se }, U(60), 90 / (100 * H + 90));
    expectWithin({ mean: 1 - fast.availability.mean, se: fast.availability.se }, U(1), 90 / (100 * H + 90));
    // What a 60x faster heartbeat buys: the closed-form difference, within 4 combined SE.
    const diff = fast.availability.mean - slow.availability.mean;
    const se = Math.hypot(fast.availability.se, slow.availability.se);
    expect(Math.abs(diff - (U(60) - U(1))), `difference ${diff} vs ${U(60) - U(1)}`).toBeLessThanOrEqual(4 * se);
    expect(U(60) - U(1)).toBeGreaterThan(4 * se);
    // Every outage is one recovery: mean outage = detection + notification + restart.
    expect(slow.meanOutageSeconds!.mean).toBeCloseTo(2.5 * 60 + 90, -1);
  });

  it('an escalation ladder: mean = r1 + (1 - p1) (r2 + (1 - p2) r3), in simulation and exactly in analyze', () => {
    const doc = single({
      modes: { crash: { ttf: exp('100h') } },
      recovery: {
        notification: exp('1m'),
        actions: [
          { action: 'restart', time: exp('2m'), success: 0.6 },
          { action: 'reboot', time: exp('10m'), success: 0.5 },
          { action: 'rebuild', time: exp('40m') },
        ],
      },
    });
    // No detector: the crash is announced by the layer below at once.
    const mean = 1 + 2 + 0.4 * (10 + 0.5 * 40);
    const exact = 100 / (100 + mean / 60);
    const r = run(doc, { runs: 40, horizon: 50000 * H });
    // Wrong answer: the first action always works (no escalation).
    expectWithin(r.results.services[0].availability, exact, 100 / (100 + 3 / 60));
    const g = r.results.groups[0].perYear;
    expect(g.reboots!.mean / g.restarts!.mean).toBeCloseTo(0.4, 1);
    expect(g.rebuilds!.mean / g.restarts!.mean).toBeCloseTo(0.2, 1);
    // Escalations: the restart fails (0.4), then the reboot too (0.4 x 0.5): 0.6 per recovery.
    expect(g.escalations!.mean / g.recoveries!.mean).toBeCloseTo(0.6, 1);
    const a = analyzeModel(topo(doc).model);
    expect(a.exact).toBe(true);
    close(a.services[0].availability, exact);
    close(a.services[0].outagesPerYear, (8760 / (100 + mean / 60)));
    // Each action's outcome is drawn as the action ends (RepairPlan.endsHere): one state per
    // step (up, notification, restart, reboot, rebuild), not one per outcome decided in advance (10).
    expect(a.blocks[0].states).toBe(5);
  });

  it('a hung VM skips the process restart: reboot; analyze (beats approximated by their mean) matches', () => {
    const doc = single({
      modes: {},
      vm: { stuck: { ttf: exp('100h'), announced: false } },
      recovery: {
        detector: { kind: 'watchdog', announced: exp('1s'), peerNotification: exp('2s'), interval: '10s' },
        notification: exp('30s'),
        actions: [
          { action: 'restart', time: exp('1m') },
          { action: 'reboot', time: exp('5m') },
        ],
      },
    });
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    // Watchdog beats (misses 3, T = 10 s): 25 s (a silent VM hang: not announced, not host-level); notification 30 s; reboot 5 min.
    const down = 25 + 30 + 300;
    const exact = 100 * H / (100 * H + down);
    // Wrong answer: the restart that cannot fix a VM is tried first (1 min).
    expectWithin(r.results.services[0].availability, exact, (100 * H) / (100 * H + down + 60));
    expect(r.results.groups[0].perYear.restarts).toBeUndefined();
    expect(r.results.groups[0].perYear.reboots!.mean).toBeGreaterThan(0);
    // The beats are not exponential: analyze refuses them by name, and with --approximate
    // replaces them by their mean (then the same closed form holds exactly).
    expect(String(thrown(() => analyzeModel(topo(doc).model)))).toMatch(/vnfs\.f\.recovery\.detector \(missed beats\)/);
    close(analyzeModel(topo(doc).model, { approximate: true }).services[0].availability, exact);
  });

  it('a silent failure that nothing sees is refused, naming the path; undetected makes an operator notice it', () => {
    const doc = single({ modes: hang, recovery: { detector: { kind: 'process', interval: '5s' }, actions: [{ action: 'restart', time: '1m' }] } });
    expect(String(thrown(() => topo(doc)))).toMatch(/vnfs\.f\.recovery: failure 'hang' of component type 'app' is silent and the detector \(kind process\) does not see it: give 'undetected'/);
    const noDetector = single({ modes: hang, recovery: { actions: [{ action: 'restart', time: '1m' }] } });
    expect(String(thrown(() => topo(noDetector)))).toMatch(/no detector watches it/);
    // A crash-notification path only (no beats: nothing to approximate), blind to hangs.
    const operator = single({ modes: hang, recovery: { detector: { kind: 'process', announced: exp('1s') }, undetected: exp('1h'), actions: [{ action: 'restart', time: exp('1m') }] } });
    const a = analyzeModel(topo(operator).model);
    close(a.services[0].availability, 100 / (100 + 1 + 1 / 60));
    const r = run(operator, { runs: 20, horizon: 20000 * H });
    expectWithin(r.results.services[0].availability, 100 / (100 + 1 + 1 / 60), 100 / (100 + 1 / 60));
    expect(r.results.groups[0].perYear.undetectedFailures!.mean).toBeCloseTo(r.results.groups[0].perYear.recoveries!.mean, 6);
  });

  it('an unhealthy application (answered "not healthy") is seen at the next answered challenge: U T, or (min(G, k - j) - 1 + U) T with lost answers; phases split the outage', () => {
    const T = 60;
    const unhealthy = { sick: { ttf: exp('100h'), announced: false, unhealthy: true } };
    const rec = (loss: number) => ({ detector: { kind: 'heartbeat', interval: `${T}s`, misses: 3, loss }, notification: '30s', actions: [{ action: 'restart', time: '60s' }] });
    const U = (det: number) => (det + 90) / (100 * H + det + 90);
    // p = 0: the next challenge, T/2 on average. Wrong answer: k missed beats, (3 - 1/2) T.
    const r0 = run(single({ modes: unhealthy, recovery: rec(0) }), { runs: 100, horizon: 20000 * H });
    const s0 = r0.results.services[0];
    expectWithin({ mean: 1 - s0.availability.mean, se: s0.availability.se }, U(T / 2), U(2.5 * T));
    // The outage's phases: detection T/2, notification 30 s, the restart 60 s (shares of the downtime).
    const down = T / 2 + 90;
    expect(s0.phases.detection!).toBeCloseTo(T / 2 / down, 1);
    expect(s0.phases.notification!).toBeCloseTo(30 / down, 1);
    expect(s0.phases.restart!).toBeCloseTo(60 / down, 1);
    // p = 0.3, k = 3: P(j) ∝ p^j (j = 0, 1, 2 beats lost before), E[min(G, m)] = 1 + p + ... + p^(m-1).
    const p = 0.3;
    const w = [1, p, p * p];
    const eMin = (m: number) => Array.from({ length: m }, (_, n) => p ** n).reduce((x, y) => x + y, 0);
    const det = (T * (w[0] * eMin(3) + w[1] * eMin(2) + w[2] * eMin(1))) / (w[0] + w[1] + w[2]) - T / 2;
    const r1 = run(single({ modes: unhealthy, recovery: rec(p) }), { runs: 100, horizon: 20000 * H });
    const s1 = r1.results.services[0];
    // Wrong answer: lost answers ignored (T/2).
    expectWithin({ mean: 1 - s1.availability.mean, se: s1.availability.se }, U(det), U(T / 2));
    // analyze --approximate takes the detection's mean: the same closed form.
    close(analyzeModel(topo(single({ modes: unhealthy, recovery: rec(p) })).model, { approximate: true }).services[0].availability, 1 - U(det));
    // 'unhealthy' describes a silent failure only.
    expect(String(thrown(() => topo(single({ modes: { x: { ttf: exp('1h'), unhealthy: true } }, recovery: rec(0) }))))).toMatch(/components\.app\.failures\.x\.unhealthy: 'unhealthy' describes a silent failure/);
  });

  it('registration: a hang before the guest has registered is seen only by an operator; the closed form, and analyze refuses a fixed time by name', () => {
    const T = 60;
    const R = 1800;
    const doc = single({
      modes: { hang: { ttf: exp('1h'), announced: false } },
      recovery: { detector: { kind: 'heartbeat', interval: `${T}s`, misses: 3 }, registration: `${R}s`, undetected: '2h', notification: '30s', actions: [{ action: 'restart', time: '60s' }] },
    });
    // A failure at age a (exponential, mean 1 h) is registered when a >= R: probability e^(-R/1h).
    const reg = Math.exp(-R / H);
    const detection = reg * 2.5 * T + (1 - reg) * 2 * H;
    const U = (detection + 90) / (H + detection + 90);
    const r = run(doc, { runs: 40, horizon: 5000 * H });
    const s = r.results.services[0];
    // Wrong answer: monitored from the moment it is up (no registration).
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, (2.5 * T + 90) / (H + 2.5 * T + 90));
    const g = r.results.groups[0].perYear;
    expect(g.undetectedFailures!.mean / g.recoveries!.mean).toBeCloseTo(1 - reg, 1);
    // analyze: a fixed registration time is not exponential (refused by name, or approximated by an exponential of its mean).
    expect(String(thrown(() => analyzeModel(topo(doc).model)))).toMatch(/vnfs\.f\.recovery\.registration/);
  });

  it('registration with an exponential time: analyze holds it as a phase of the application, exact to 1e-9; the simulation agrees within 4 SE', () => {
    const T = 60;
    const R = 1800;
    const rec = (registration: object | string) => ({ detector: { kind: 'heartbeat', interval: `${T}s`, misses: 3 }, registration, undetected: exp('2h'), notification: exp('30s'), actions: [{ action: 'restart', time: exp('60s') }] });
    const doc = single({ modes: { hang: { ttf: exp('1h'), announced: false } }, recovery: rec(exp(`${R}s`)) });
    // A failure at age a ~ Exp(1 h) is registered when a >= the registration time ~ Exp(R): probability (1/R) / (1/R + 1/1h).
    // The downtime's law does not matter to the availability of this renewal process, only its mean (the beats' 2.5 T).
    const U = (reg: number) => {
      const down = reg * 2.5 * T + (1 - reg) * 2 * H + 90;
      return down / (H + down);
    };
    const regExp = 1 / R / (1 / R + 1 / H);
    const a = analyzeModel(topo(doc).model, { approximate: true });
    close(1 - a.services[0].availability, U(regExp));
    // Only the beats' detection is approximated (its mean kept); the registration is exact.
    expect(a.approximations.map((x) => x.where).join(' ')).not.toMatch(/registration/);
    const s = run(doc, { runs: 40, horizon: 5000 * H }).results.services[0];
    // Wrong answer: a fixed registration time of the same mean (e^(-R/1h) registered).
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U(regExp), U(Math.exp(-R / H)));
    // A fixed registration time under --approximate: an exponential of its mean, listed.
    const fixed = analyzeModel(topo(single({ modes: { hang: { ttf: exp('1h'), announced: false } }, recovery: rec(`${R}s`) })).model, { approximate: true });
    close(fixed.services[0].availability, a.services[0].availability);
    expect(fixed.approximations.map((x) => x.where).join(' ')).toMatch(/vnfs\.f\.recovery\.registration/);
    // A failure only the beats see needs an operator when it can come before registration.
    const noOperator = single({ modes: { hang: { ttf: exp('1h'), announced: false } }, recovery: { detector: { kind: 'heartbeat', interval: '60s' }, registration: '30s', actions: [{ action: 'restart', time: '60s' }] } });
    expect(String(thrown(() => topo(noOperator)))).toMatch(/seen only by the detector's beats, which do not monitor an instance before it has registered/);
  });

  it('an evacuate action re-creates the instance on another host: mean downtime N + r1 + (1 - p1) r2, the instance moved, anti-affinity kept; analyze refuses it by name', () => {
    const doc = {
      components: {
        hw: { layer: 'hardware' },
        kvm: { layer: 'hypervisor' },
        vm: { layer: 'vm' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('5h') },
      },
      hosts: { h: { count: 3, stack: ['hw', 'kvm'] } },
      vnfs: {
        f: {
          instances: 2,
          k: 2,
          vm: 'vm',
          app: 'app',
          placement: { group: 'h', policy: 'anti-affinity' },
          recovery: { notification: '30s', actions: [{ action: 'restart', time: '1m', success: 0.5 }, { action: 'evacuate', time: '10m' }] },
        },
      },
      services: { s: { chain: ['f'] } },
    };
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    const g = r.results.groups[0].perYear;
    // Half the recoveries escalate to an evacuation.
    expect(g.evacuations!.mean / g.recoveries!.mean).toBeCloseTo(0.5, 1);
    // Each instance is down N + r1 + (1 - p1) r2 per failure; the group needs both (k = 2).
    const down = 30 + 60 + 0.5 * 600;
    const a1 = (100 * H) / (100 * H + down);
    // Wrong: the restart always works (no evacuation).
    expectWithin(r.results.services[0].availability, a1 * a1, ((100 * H) / (100 * H + 90)) ** 2);
    // The event log: instances move, never onto the other instance's host.
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-evacuate-'));
    const file = join(dir, 'doc.yaml');
    writeFileSync(file, stringify(doc));
    const log = join(dir, 'events.jsonl');
    const c = cli(['run', file, '--runs', '1', '--horizon', '20000h', '--events', log, '--json']);
    expect(c.code, c.stderr).toBe(0);
    const moves = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'moved');
    expect(moves.length).toBeGreaterThan(0);
    const at: Record<string, string> = { 'vnfs.f.instances.1.vm': 'hosts.h-1.hypervisor', 'vnfs.f.instances.2.vm': 'hosts.h-2.hypervisor' };
    for (const m of moves) {
      const to = /to (\S+)/.exec(m.detail)![1];
      at[m.name] = to;
      expect(at['vnfs.f.instances.1.vm']).not.toBe(at['vnfs.f.instances.2.vm']);
    }
    expect(String(thrown(() => analyzeModel(topo(doc).model)))).toMatch(/vnfs\.f\.recovery\.actions\.1: an evacuation moves the instance/);
  });

  it('supervision and recovery on one VNF are refused', () => {
    const doc: any = single({ modes: hang, recovery: { undetected: '1h', actions: [{ action: 'restart', time: '1m' }] } });
    doc.vnfs.f.supervision = { restart: '1m', reboot: '2m', rebuild: '3m' };
    expect(String(thrown(() => topo(doc)))).toMatch(/vnfs\.f\.recovery: a VNF has either 'supervision' or 'recovery'/);
  });
});

describe('an announced crash needs a surviving reporter', () => {
  it('a crashed host cannot announce its own death: missed beats (k - 1/2) T or the peers see it, not the announcement', () => {
    const pair = (detector: object) => ({
      components: { hw: { layer: 'hardware', failures: { crash: { ttf: exp('1000h') } }, repair: exp('10m') }, app: { layer: 'vnf' } },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'active-passive', detector, switchover: '2s' } } },
      services: { s: { chain: ['f'] } },
    });
    const opts = { runs: 40, horizon: 20000 * H };
    // Beats every 10 s, 3 misses: 25 s, then the switchover (both hosts down: a share
    // 10 min / 1000 h of the crashes, negligible). Wrong: the 100 ms announcement.
    const beats = run(pair({ kind: 'heartbeat', interval: '10s', misses: 3, announced: '100ms' }), opts).results.services[0].meanOutageSeconds!;
    expectWithin(beats, 25 + 2, 0.1 + 2);
    // The peers' notification (1 s) is the fast path for a host-level failure.
    const peers = run(pair({ kind: 'heartbeat', interval: '10s', misses: 3, announced: '100ms', peerNotification: '1s' }), opts).results.services[0].meanOutageSeconds!;
    expectWithin(peers, 1 + 2, 0.1 + 2);
  });
});

describe('a silent failure without a recovery chain is repaired once noticed', () => {
  // Two instances (1 of 2 needed) of an application that hangs (MTTF 100 h); an operator
  // notices a hang after `undetected` (exponential, mean 2 h), then asks the one crew for
  // its repair (mean 5 h). The crew is not held while the failure goes unnoticed.
  const doc = (undetected: unknown) => ({
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf', failures: { hang: { ttf: exp('100h'), announced: false, undetected } }, repair: exp('5h'), crew: 'ops' },
    },
    crews: { ops: 1 },
    hosts: { h: { count: 2, stack: ['hw'] } },
    vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
    services: { s: { chain: ['f'] } },
  });
  const l = 1 / 100;
  const nu = 1 / 2;
  const mu = 1 / 5;
  /** Exact: states (unnoticed, noticed) counts of failed instances; one crew repairs the noticed ones one at a time. */
  function exact(noticeRate: number | null): number {
    const { chain, states } = exploreCtmc<[number, number]>(
      [0, 0],
      (s) => s.join(','),
      ([u, n]) => {
        const out: Array<[[number, number], number]> = [];
        // Noticed at once (null): a failure goes straight to the crew's queue.
        if (u + n < 2) out.push([noticeRate === null ? [u, n + 1] : [u + 1, n], (2 - u - n) * l]);
        if (u > 0 && noticeRate !== null) out.push([[u - 1, n + 1], u * noticeRate]);
        if (n > 0) out.push([[u, n - 1], mu]);
        return out;
      },
    );
    const pi = steadyState(chain);
    return states.reduce((x, st, i) => (st[0] + st[1] === 2 ? x + pi[i] : x), 0);
  }

  it('matches the exact chain (analyze to 1e-9, simulation within 4 SE); repair from the failure is rejected', () => {
    const U = exact(nu);
    close(analyzeModel(topo(doc(exp('2h'))).model).services[0].unavailability, U);
    const r = run(doc(exp('2h')), { runs: 40, horizon: 100000 * H });
    const s = r.results.services[0];
    // Wrong answer: noticed at once, as before ('0s' still means that, exactly).
    const atOnce = exact(null);
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, atOnce);
    close(analyzeModel(topo(doc('0s')).model).services[0].unavailability, atOnce);
    // The time until it is noticed is the outage's detection phase.
    expect(s.phases.detection!).toBeGreaterThan(0);
  });

  it('a silent failure nothing notices is refused, naming the failure mode; an announced one may not have undetected', () => {
    const bare = doc(undefined) as any;
    delete bare.components.app.failures.hang.undetected;
    expect(String(thrown(() => topo(bare)))).toMatch(/components\.app\.failures\.hang: a silent failure is repaired only once something notices it, and nothing notices it on vnfs\.f\.instances\.1\.app: give 'undetected'/);
    const crash = doc('1h') as any;
    crash.components.app.failures.hang.announced = true;
    expect(String(thrown(() => topo(crash)))).toMatch(/components\.app\.failures\.hang\.undetected: 'undetected' is the time until a silent failure is noticed/);
  });
});

describe('recovery that needs the control plane', () => {
  /**
   * Two instances of a VNF (1 of 2 needed) whose restart needs a 2-of-3 quorum control
   * plane: each crashes at rate l and is restarted at rate m, but only while the quorum
   * is up (the restart pauses meanwhile, and resumes: memoryless); each member fails at
   * rate a and is repaired at rate b on its own. Exact: the CTMC on (instances down,
   * members up), built here by hand.
   */
  const l = 1 / 100;
  const m = 1 / 10;
  const a = 1 / 100;
  const b = 1 / 50;
  function doc(onLoss: 'pause' | 'restart') {
    return {
      components: {
        hw: { layer: 'hardware' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('1h') },
        api: { layer: 'vim', failures: { crash: { ttf: exp('100h') } }, repair: exp('50h') },
      },
      hosts: { h: { count: 5, stack: ['hw'] } },
      vim: { cp: { instances: 3, app: 'api', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'quorum' } } },
      vnfs: {
        f: {
          instances: 2,
          k: 1,
          app: 'app',
          placement: { group: 'h', policy: 'anti-affinity' },
          recovery: { onControlPlaneLoss: onLoss, actions: [{ action: 'restart', time: exp('10h'), needs: ['control'] }] },
        },
      },
      services: { data: { chain: ['f'] }, control: { chain: ['cp'] } },
    };
  }
  function exact(): number {
    const { chain, states } = exploreCtmc<[number, number]>(
      [0, 3],
      (s) => s.join(','),
      ([down, up]) => {
        const out: Array<[[number, number], number]> = [];
        if (down < 2) out.push([[down + 1, up], (2 - down) * l]);
        if (down > 0 && up >= 2) out.push([[down - 1, up], down * m]);
        if (up > 0) out.push([[down, up - 1], up * a]);
        if (up < 3) out.push([[down, up + 1], (3 - up) * b]);
        return out;
      },
    );
    const pi = steadyState(chain);
    return states.reduce((u, s, i) => (s[0] === 2 ? u + pi[i] : u), 0);
  }

  it('matches the exact chain in simulation and in analyze; the naive answers (restarts that never wait; a product with the control plane) are rejected', () => {
    const U = exact();
    const model = topo(doc('pause')).model;
    const a1 = analyzeModel(model);
    close(a1.services.find((s) => s.name === 'data')!.unavailability, U);
    // One block: the VNF's restarts wait for the control plane's groups.
    expect(a1.blocks.length).toBe(1);
    const r = run(doc('pause'), { runs: 60, horizon: 20000 * H });
    const data = r.results.services.find((s) => s.name === 'data')!;
    const est = { mean: 1 - data.availability.mean, se: data.availability.se };
    // Naive: restarts never wait, U = (l / (l + m))^2.
    const naive = (l / (l + m)) ** 2;
    expectWithin(est, U, naive);
    // Naive: a series with the control plane, 1 - (1 - naive) A(control).
    const control = r.results.services.find((s) => s.name === 'control')!.availability.mean;
    expect(Math.abs(1 - (1 - naive) * control - U)).toBeGreaterThan(4 * est.se);
    // Waiting restarts are second-order outages.
    const fy = r.results.groups.find((g) => g.name === 'f')!.perYear;
    expect(fy.secondOrderOutages!.mean).toBeGreaterThan(0);
    // Steps that waited, once per step: at least one wait each, at most one per recovery.
    expect(fy.controlPlaneWaits!.mean).toBeGreaterThan(0);
    expect(fy.controlPlaneWaits!.mean).toBeLessThanOrEqual(fy.secondOrderOutages!.mean);
    expect(fy.controlPlaneWaits!.mean).toBeLessThanOrEqual(fy.recoveries!.mean);
    // The outage's time waiting for the control plane is its own phase.
    expect(data.phases.waiting!).toBeGreaterThan(0);
    // Restarting from scratch is the same law for an exponential action.
    const again = run(doc('restart'), { runs: 60, horizon: 20000 * H }).results.services.find((s) => s.name === 'data')!;
    expectWithin({ mean: 1 - again.availability.mean, se: again.availability.se }, U, naive);
  });
});

describe('managers on the notification path', () => {
  /**
   * One instance whose crash is notified through a manager service (its own component,
   * failing and repaired): the notification (rate v) runs only while the manager is up;
   * with `lost`, a crash that finds the manager down is noticed by an operator (rate o)
   * instead. Then the restart (rate u). Exact: the CTMC on (instance: up, notifying,
   * operator, acting) x (manager up), built by hand.
   */
  const l = 1 / 100;
  const v = 1 / 2;
  const o = 1 / 20;
  const u = 1;
  const al = 1 / 50;
  const be = 1 / 10;
  function doc(mode: 'wait' | 'lost') {
    return {
      components: {
        hw: { layer: 'hardware' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('1h') },
        vnfm: { layer: 'vim', failures: { crash: { ttf: exp('50h') } }, repair: exp('10h') },
      },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vim: { manager: { instances: 1, app: 'vnfm', placement: { group: 'h' } } },
      vnfs: {
        f: {
          instances: 1,
          app: 'app',
          placement: { group: 'h' },
          recovery: { notification: exp('2h'), managers: ['mgmt'], onManagerDown: mode, undetected: exp('20h'), actions: [{ action: 'restart', time: exp('1h') }] },
        },
      },
      services: { data: { chain: ['f'] }, mgmt: { chain: ['manager'] } },
    };
  }
  function exact(mode: 'wait' | 'lost'): number {
    type S = [string, boolean];
    const { chain, states } = exploreCtmc<S>(
      ['up', true],
      (s) => s.join(','),
      ([app, m]) => {
        const out: Array<[S, number]> = [];
        if (app === 'up') out.push([[mode === 'lost' && !m ? 'operator' : 'notifying', m], l]);
        if (app === 'notifying' && m) out.push([['acting', m], v]);
        if (app === 'operator') out.push([['acting', m], o]);
        if (app === 'acting') out.push([['up', m], u]);
        out.push([[app, !m], m ? al : be]);
        return out;
      },
    );
    const pi = steadyState(chain);
    return states.reduce((acc, s, i) => (s[0] === 'up' ? acc : acc + pi[i]), 0);
  }

  it.each(['wait', 'lost'] as const)('%s: analyze matches the exact chain, the simulation too; a path that never waits is rejected', (mode) => {
    const U = exact(mode);
    close(analyzeModel(topo(doc(mode)).model).services.find((s) => s.name === 'data')!.unavailability, U);
    const r = run(doc(mode), { runs: 40, horizon: 20000 * H });
    const data = r.results.services.find((s) => s.name === 'data')!;
    const naive = (1 / v + 1 / u) / (1 / l + 1 / v + 1 / u);
    expectWithin({ mean: 1 - data.availability.mean, se: data.availability.se }, U, naive);
    const g = r.results.groups.find((x) => x.name === 'f')!.perYear;
    if (mode === 'lost') expect(g.lostNotifications!.mean).toBeGreaterThan(0);
    else expect(g.secondOrderOutages!.mean).toBeGreaterThan(0);
  });
});
