/**
 * `nfvsim analyze`: the exact Markov chain of a topology against closed forms and
 * against small chains written out by hand (solved by the dense GTH `steadyState`), and
 * the simulator against the analysis for every all-exponential topology in topologies/.
 * Closed forms are compared to a relative 1e-9; simulations within 4 standard errors.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { residual, steadyState, steadyStateSparse, type Ctmc } from '../src/analysis/ctmc.js';
import { denseKernelAvailable, denseMatrix } from '../src/analysis/dense-kernel.js';
import { analyzeModel, AnalysisRefused, type AnalysisResult } from '../src/analysis/markov.js';
import type { SystemModel } from '../src/model/build.js';
import { loadTopologyFile, simulate } from '../src/index.js';
import { meanBeatsToSpurious } from '../src/mechanisms/heartbeat.js';
import { cli, close, exp, ROOT, topo, zScore } from './helpers.js';

const H = 3600;
const YEAR = 365 * 86400;

/** `count` hosts with only a hardware layer (failure mean `mttf`, repair mean `mttr`), one VNF `f` on them, k of n needed. */
function hosts(opts: { count: number; k: number; mttf?: string; mttr?: string; crew?: number; ha?: object }) {
  return {
    components: {
      hw: { layer: 'hardware', failures: { crash: { ttf: exp(opts.mttf ?? '100h') } }, repair: exp(opts.mttr ?? '20h'), ...(opts.crew ? { crew: 'techs' } : {}) },
      app: { layer: 'vnf' },
    },
    ...(opts.crew ? { crews: { techs: opts.crew } } : {}),
    hosts: { h: { count: opts.count, stack: ['hw'] } },
    vnfs: { f: { instances: opts.count, k: opts.k, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ...(opts.ha ? { ha: opts.ha } : {}) } },
    services: { s: { chain: ['f'] } },
  };
}

/**
 * A 1+1 active/passive pair whose old node may still be alive at takeover (aliveProbability
 * 0.6): split brain for an exponential 5 h; hosts also hang silently; with `fencing` if given.
 */
function splitBrainPair(fencing?: object) {
  return {
    components: {
      hw: { layer: 'hardware', failures: { crash: { ttf: exp('200h') }, hang: { ttf: exp('300h'), announced: false, undetected: '0s' } }, repair: exp('10h') },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('40h') } }, repair: exp('1h') },
    },
    hosts: { h: { count: 2, stack: ['hw'] } },
    vnfs: {
      f: {
        instances: 2,
        app: 'app',
        placement: { group: 'h', policy: 'anti-affinity' },
        ha: {
          mechanism: 'active-passive',
          detector: { announced: exp('1m'), peerNotification: exp('2m') },
          switchover: exp('1m'),
          coverage: 0.95,
          manual: exp('1h'),
          aliveProbability: 0.6,
          splitBrainRecovery: exp('5h'),
          ...(fencing ? { fencing } : {}),
        },
      },
    },
    services: { s: { chain: ['f'] } },
  };
}

function analyze(doc: object, opts: { approximate?: boolean; maxStates?: number; lump?: boolean } = {}): AnalysisResult {
  return analyzeModel(topo(doc).model, opts);
}

describe('sparse GTH', () => {
  /** A random irreducible chain with rates spread over 1e-8 .. 1e8 (a cycle through every state plus random arcs). */
  function stiffChain(n: number, extra: number, seed: number): Ctmc {
    let x = seed;
    const rnd = () => (x = (x * 16807) % 2147483647) / 2147483647;
    const transitions: Ctmc['transitions'] = [];
    for (let i = 0; i < n; i++) {
      transitions.push({ from: i, to: (i + 1) % n, rate: Math.exp(36.8 * rnd() - 18.4) });
      for (let j = 0; j < extra; j++) transitions.push({ from: i, to: Math.floor(rnd() * n), rate: Math.exp(36.8 * rnd() - 18.4) });
    }
    return { n, transitions };
  }

  it.each([
    ['sparse elimination', 400, 2],
    ['dense tail (filled in)', 200, 40],
  ])('matches the dense GTH solution on a stiff chain (%s)', (_name, n, extra) => {
    const chain = stiffChain(n, extra, 12345);
    const dense = steadyState(chain);
    const sparse = steadyStateSparse(chain);
    for (let i = 0; i < n; i++) expect(Math.abs(sparse[i] - dense[i])).toBeLessThanOrEqual(1e-9 * dense[i]);
    expect(residual(chain, sparse)).toBeLessThan(1e-12);
  });

  it('the WebAssembly SIMD row update gives the same bits as the JavaScript loop (odd and even sizes)', () => {
    for (const n of [1, 2, 7, 64, 301]) {
      const chain = stiffChain(n, 3, 777 + n);
      const simd = steadyState(chain);
      const js = steadyState(chain, 'js');
      expect(Buffer.from(simd.buffer).equals(Buffer.from(js.buffer)), `n = ${n}`).toBe(true);
    }
    // The module is used where the runtime has WebAssembly SIMD (Node 20 has): its row update on a 3 x 3 matrix.
    const m = denseMatrix(3);
    m.a.set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    m.axpy(0, 2, 0.5, 3);
    expect([...m.a]).toEqual([4.5, 6, 7.5, 4, 5, 6, 7, 8, 9]);
    expect(denseKernelAvailable()).toBe(true);
  });

  it('solves a birth-death chain exactly (pi_k proportional to (lambda/mu)^k)', () => {
    const n = 60;
    const transitions: Ctmc['transitions'] = [];
    for (let k = 0; k < n - 1; k++) {
      transitions.push({ from: k, to: k + 1, rate: 1e-3 });
      transitions.push({ from: k + 1, to: k, rate: 1 });
    }
    const pi = steadyStateSparse({ n, transitions });
    const z = (1 - 1e-3 ** n) / (1 - 1e-3);
    for (let k = 0; k < 5; k++) close(pi[k], 1e-3 ** k / z);
  });

  it('refuses a chain that is not irreducible', () => {
    // Two closed classes {0, 1} and {2, 3}: no unique steady state.
    const transitions = [
      { from: 0, to: 1, rate: 1 },
      { from: 1, to: 0, rate: 1 },
      { from: 2, to: 3, rate: 1 },
      { from: 3, to: 2, rate: 1 },
    ];
    expect(() => steadyStateSparse({ n: 4, transitions })).toThrow(/irreducible/);
  });
});

describe('the exact chain of a topology, against closed forms', () => {
  const l = 1 / 100; // failures per hour (MTTF 100 h)
  const m = 1 / 20; // repairs per hour (MTTR 20 h)
  const a = m / (l + m);

  it('series: two VNFs on their own hosts, A = a1 a2, outage rate = A (l1 + l2); two independent blocks', () => {
    const doc = {
      components: {
        hw1: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('20h') },
        hw2: { layer: 'hardware', failures: { crash: { ttf: exp('50h') } }, repair: exp('5h') },
        app: { layer: 'vnf' },
      },
      hosts: { h1: { stack: ['hw1'] }, h2: { stack: ['hw2'] } },
      vnfs: { f1: { instances: 1, app: 'app', placement: { hosts: ['h1-1'] } }, f2: { instances: 1, app: 'app', placement: { hosts: ['h2-1'] } } },
      services: { s: { chain: ['f1', 'f2'] } },
    };
    const r = analyze(doc);
    const a1 = 100 / 120;
    const a2 = 50 / 55;
    expect(r.blocks.length).toBe(2);
    expect(r.exact).toBe(true);
    close(r.services[0].availability, a1 * a2);
    close(r.services[0].unavailability, 1 - a1 * a2);
    close(r.services[0].outagesPerYear, a1 * a2 * (1 / 100 + 1 / 50) * (YEAR / H));
    expect(r.residual).toBeLessThan(1e-12);
  });

  it('a stack: hardware under an application, the application clock frozen while the host is down', () => {
    // States (hw, app): both up; hw failed (app down, not failed); app failed; both failed
    // (the app's repair goes on while the host is down). Rates per hour. Up only in state 0.
    const doc = {
      components: {
        hw: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('20h') },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('10h') } }, repair: exp('1h') },
      },
      hosts: { h: { stack: ['hw'] } },
      vnfs: { f: { instances: 1, app: 'app', placement: { hosts: ['h-1'] } } },
      services: { s: { chain: ['f'] } },
    };
    const chain: Ctmc = {
      n: 4,
      transitions: [
        { from: 0, to: 1, rate: 1 / 100 },
        { from: 0, to: 2, rate: 1 / 10 },
        { from: 1, to: 0, rate: 1 / 20 },
        { from: 2, to: 0, rate: 1 },
        { from: 2, to: 3, rate: 1 / 100 },
        { from: 3, to: 1, rate: 1 },
        { from: 3, to: 2, rate: 1 / 20 },
      ],
    };
    const pi = steadyState(chain);
    const r = analyze(doc);
    close(r.services[0].availability, pi[0]);
    close(r.services[0].outagesPerYear, pi[0] * (1 / 100 + 1 / 10) * (YEAR / H));
    // Wrong answer: independent layers, (100/120) (10/11).
    expect(Math.abs(r.services[0].availability - (100 / 120) * (10 / 11))).toBeGreaterThan(1e-4);
  });

  it('1-of-2: A = 1 - (1 - a)^2, outage rate = 2 a (1 - a) l', () => {
    const r = analyze(hosts({ count: 2, k: 1 }));
    close(r.services[0].availability, 1 - (1 - a) ** 2);
    close(r.services[0].outagesPerYear, 2 * a * (1 - a) * l * (YEAR / H));
  });

  it('2-of-3: A = a^3 + 3 a^2 (1 - a), outage rate = 3 a^2 (1 - a) 2 l', () => {
    const r = analyze(hosts({ count: 3, k: 2 }));
    close(r.services[0].availability, a ** 3 + 3 * a ** 2 * (1 - a));
    close(r.services[0].outagesPerYear, 3 * a ** 2 * (1 - a) * 2 * l * (YEAR / H));
  });

  it('2-of-3 quorum without an election timeout is the same binomial', () => {
    const r = analyze(hosts({ count: 3, k: 2, ha: { mechanism: 'quorum', electionTimeout: '0s' } }));
    close(r.services[0].availability, a ** 3 + 3 * a ** 2 * (1 - a));
  });

  it('message queue: up while the broker and one of 3 workers are up, A = a_broker (1 - (1 - a)^3); one block through the dependency', () => {
    const doc = hosts({ count: 4, k: 1 }) as any;
    doc.vnfs = {
      broker: { instances: 1, app: 'app', placement: { hosts: ['h-4'] } },
      workers: { instances: 3, app: 'app', placement: { hosts: ['h-1', 'h-2', 'h-3'] }, ha: { mechanism: 'message-queue', broker: 'broker' } },
    };
    doc.services = { s: { chain: ['workers'] } };
    const r = analyze(doc);
    expect(r.blocks.length).toBe(1);
    close(r.services[0].availability, a * (1 - (1 - a) ** 3));
  });

  it('1-of-2 with one shared repair crew: the birth-death chain pi_1 = (2l/m) pi_0, pi_2 = (l/m) pi_1', () => {
    const r = analyze(hosts({ count: 2, k: 1, crew: 1 }));
    const p1 = (2 * l) / m;
    const p2 = (p1 * l) / m;
    const z = 1 + p1 + p2;
    close(r.services[0].unavailability, p2 / z);
    close(r.services[0].outagesPerYear, (p1 / z) * l * (YEAR / H));
    // Wrong answer: independent repair.
    expect(Math.abs(r.services[0].unavailability - (1 - a) ** 2)).toBeGreaterThan(1e-3);
  });

  it('imperfect coverage: a 1+1 active/passive pair against its 6-state chain; with coverage 1 the textbook 1-of-2', () => {
    const nu = 1 / 2; // manual recovery per hour (mean 2 h)
    const withCoverage = (c: number) =>
      hosts({ count: 2, k: 1, ha: { mechanism: 'active-passive', detector: { peerNotification: '0s' }, switchover: '0s', coverage: c, manual: exp('2h') } });
    // Detection and switchover take no time; a failed failover waits for the operator
    // (manual), who then starts an instance that is up, or waits for one. A failed
    // instance is known down (a standby's crash is announced; the active's failure was
    // detected) until it is repaired, so it is never a failover target meanwhile.
    // States: 0 S0 both up, serving; 1 S1 serving, the other failed; 2 M0 manual, both
    // up; 3 M1 manual, one failed; 4 M2 manual, both failed; 5 W2 waiting, both failed.
    const chain = (c: number): Ctmc => ({
      n: 6,
      transitions: [
        { from: 0, to: 1, rate: l * c + l }, // the active fails and the failover works; or the standby fails
        { from: 0, to: 3, rate: l * (1 - c) }, // the active fails, the failover fails
        { from: 1, to: 0, rate: m },
        { from: 1, to: 5, rate: l }, // the active fails, no standby: wait for a repair
        { from: 2, to: 0, rate: nu },
        { from: 2, to: 3, rate: 2 * l },
        { from: 3, to: 1, rate: nu },
        { from: 3, to: 2, rate: m },
        { from: 3, to: 4, rate: l },
        { from: 4, to: 5, rate: nu },
        { from: 4, to: 3, rate: 2 * m },
        { from: 5, to: 1, rate: 2 * m * c }, // one is repaired and started
        { from: 5, to: 3, rate: 2 * m * (1 - c) },
      ],
    });
    for (const c of [0.9, 1]) {
      const pi = steadyState(chain(c));
      const r = analyze(withCoverage(c));
      close(r.services[0].availability, pi[0] + pi[1]);
      close(r.services[0].unavailability, pi[2] + pi[3] + pi[4] + pi[5]);
      // Outages start with a failed failover (0 -> 3) or the last instance failing (1 -> 5).
      close(r.services[0].outagesPerYear, (pi[0] * l * (1 - c) + pi[1] * l) * (YEAR / H));
    }
    // Perfect coverage: the 1-of-2 with two repairers, 1 - (1 - a)^2, in the chain and in
    // the simulator (a failed former active is never a failover target).
    close(analyze(withCoverage(1)).services[0].availability, 1 - (1 - a) ** 2);
    const sim = simulate(topo(withCoverage(1)), { runs: 100, horizon: 20 * YEAR, seed: 11 }).results.services[0];
    expect(zScore(sim.availability, 1 - (1 - a) ** 2)).toBeLessThanOrEqual(4);
    expect(sim.events.failedFailovers ?? 0).toBe(0);
    // Wrong answer: an ideal 1-of-2 at coverage 0.9.
    expect(Math.abs(analyze(withCoverage(0.9)).services[0].availability - (1 - (1 - a) ** 2))).toBeGreaterThan(1e-3);
  });

  it('a standby that fails silently: found only at failover, against its 8-state chain', () => {
    // Two instances of an application that crashes (announced, rate al) or hangs (silent, rate eta),
    // each repaired at rate mu. The detector sees crashes at once and never sees hangs; switchover
    // and manual recovery take no time. A hung standby is found when the failover to it fails.
    const al = 1 / 50;
    const eta = 1 / 200;
    const mu = 1 / 5;
    const doc = {
      components: {
        hw: { layer: 'hardware' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('50h') }, hang: { ttf: exp('200h'), announced: false, undetected: '0s' } }, repair: exp('5h') },
      },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vnfs: { f: { instances: 2, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'active-passive', detector: { announced: '0s' }, switchover: '0s', manual: '0s' } } },
      services: { s: { chain: ['f'] } },
    };
    // States (active, standby): 0 UU, 1 UC, 2 UH, 3 HU, 4 HC, 5 HH (active hung: down, undetected),
    // 6 CC and 7 CH (both down, waiting for a repair). Up: 0, 1, 2.
    const chain: Ctmc = {
      n: 8,
      transitions: [
        { from: 0, to: 1, rate: 2 * al }, // either crashes: the survivor serves, the crashed one is a known-down standby
        { from: 0, to: 3, rate: eta },
        { from: 0, to: 2, rate: eta },
        { from: 1, to: 0, rate: mu },
        { from: 1, to: 6, rate: al },
        { from: 1, to: 4, rate: eta },
        { from: 2, to: 0, rate: mu },
        { from: 2, to: 7, rate: al }, // failover to the hung standby fails: both down
        { from: 2, to: 5, rate: eta },
        { from: 3, to: 0, rate: mu },
        { from: 3, to: 4, rate: al },
        { from: 3, to: 5, rate: eta },
        { from: 4, to: 1, rate: mu },
        { from: 4, to: 3, rate: mu },
        { from: 5, to: 2, rate: mu },
        { from: 5, to: 3, rate: mu },
        { from: 6, to: 1, rate: 2 * mu },
        { from: 7, to: 2, rate: mu },
        { from: 7, to: 1, rate: mu },
      ],
    };
    const pi = steadyState(chain);
    const r = analyze(doc);
    close(r.services[0].availability, pi[0] + pi[1] + pi[2]);
    close(r.services[0].outagesPerYear, (pi[0] * eta + pi[1] * (al + eta) + pi[2] * (al + eta)) * (YEAR / H));
  });
});

/** Asserts that two analyses of one topology give the same figures for every service, to 1e-9 relative. */
function sameFigures(a: AnalysisResult, b: AnalysisResult): void {
  expect(a.services.length).toBe(b.services.length);
  a.services.forEach((s, i) => {
    for (const k of ['availability', 'unavailability', 'downtimeMinutesPerYear', 'outagesPerYear'] as const) close(s[k], b.services[i][k]);
  });
}

describe('lumping of interchangeable instances', () => {
  /** Solves a topology (a document or a loaded model) lumped and unlumped; asserts equal figures (1e-9 relative) and returns both. */
  function both(doc: object, opts: { approximate?: boolean } = {}) {
    const model = 'functions' in doc ? (doc as SystemModel) : topo(doc).model;
    const lumped = analyzeModel(model, opts);
    const full = analyzeModel(model, { ...opts, lump: false });
    sameFigures(lumped, full);
    full.blocks.forEach((b) => expect(b.statesUnlumped).toBe(b.states));
    expect(lumped.residual).toBeLessThan(1e-12);
    return { lumped, full };
  }
  const states = (r: AnalysisResult) => r.blocks.map((b) => b.states);
  const unlumped = (r: AnalysisResult) => r.blocks.map((b) => b.statesUnlumped);

  /** Layered stacks: hardware (with a shared crew), a hypervisor that never fails, a VM, an application under supervision; `count` instances, `k` needed. */
  function layered(count: number, k: number, ha: object, crew = 1) {
    return {
      components: {
        hw: { layer: 'hardware', failures: { crash: { ttf: exp('300h') } }, repair: exp('20h'), crew: 'techs' },
        kvm: { layer: 'hypervisor' },
        vm: { layer: 'vm', failures: { crash: { ttf: exp('700h') } }, repair: exp('30m'), restart: exp('30s') },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('1h') },
      },
      crews: { techs: crew },
      hosts: { h: { count, stack: ['hw', 'kvm'] } },
      vnfs: {
        f: {
          instances: count,
          k,
          vm: 'vm',
          app: 'app',
          placement: { group: 'h', policy: 'anti-affinity' },
          supervision: { restart: exp('10s'), success: 0.9, reboot: exp('2m'), rebootSuccess: 1, rebuild: '0s' },
          ha,
        },
      },
      services: { s: { chain: ['f'] } },
    };
  }

  it('k of n with a shared crew: the same figures; lumped states strictly fewer, orbits summing to the unlumped chain', () => {
    // 2 of 4 hardware hosts, one technician: the crew queue (FIFO) is renumbered with the hosts.
    const { lumped, full } = both(hosts({ count: 4, k: 2, crew: 1 }));
    expect(states(lumped)[0]).toBeLessThan(states(full)[0]);
    expect(unlumped(lumped)).toEqual(states(full));
    // Unlumped, which hosts are down and their order in the crew queue (1 + 4 + 12 + 24 + 24
    // states); lumped, only how many are down.
    expect(states(lumped)).toEqual([5]);
    expect(states(full)).toEqual([65]);
    const layers = both(layered(2, 1, { mechanism: 'k-of-n' }));
    expect(states(layers.lumped)[0]).toBeLessThan(states(layers.full)[0]);
    expect(unlumped(layers.lumped)).toEqual(states(layers.full));
  });

  it('active/active with health-check removal and downBelow, over layered stacks', () => {
    const ha = { mechanism: 'active-active', detector: { kind: 'process', announced: exp('1s'), peerNotification: exp('2s') }, downBelow: 0.5 };
    const { lumped, full } = both(layered(2, 1, ha, 2));
    expect(states(lumped)[0]).toBeLessThan(states(full)[0]);
    expect(unlumped(lumped)).toEqual(states(full));
  });

  it('an active/passive pair: the active and the mechanism state are renumbered with the hosts (fencing, split brain, silent failures)', () => {
    const { lumped, full } = both(splitBrainPair({ time: exp('30s'), success: 0.7, onFailure: 'takeover' }));
    expect(states(lumped)[0]).toBeLessThan(states(full)[0]);
    expect(unlumped(lumped)).toEqual(states(full));
    // The pair of exp-ap-pair.yaml, over VMs, with fencing that waits for an operator.
    const ap = both(loadTopologyFile(join(ROOT, 'topologies', 'exp-ap-pair.yaml')).model);
    expect(states(ap.lumped)[0]).toBe(states(ap.full)[0] / 2);
  });

  it('a quorum of 5 with a shared crew and exponential elections', () => {
    const { lumped, full } = both(hosts({ count: 5, k: 3, crew: 1, ha: { mechanism: 'quorum', electionTimeout: exp('3s') } }));
    expect(states(lumped)[0]).toBeLessThan(states(full)[0] / 10);
    // The simulator elects the first member up: some renumbered states (the last member
    // leading while a lower one is up and never re-elected since) are unreachable, so the
    // orbits may count more states than the unlumped chain has, never fewer.
    expect(unlumped(lumped)[0]).toBeGreaterThanOrEqual(states(full)[0]);
    const layers = both(layered(2, 2, { mechanism: 'quorum', electionTimeout: exp('3s') }));
    expect(states(layers.lumped)[0]).toBeLessThan(states(layers.full)[0]);
    expect(unlumped(layers.lumped)[0]).toBeGreaterThanOrEqual(states(layers.full)[0]);
  });

  it('is not applied where instances differ: other rates, other stacks, a rack holding both hosts', () => {
    // Two hosts of different hardware (other failure rates) under one 1-of-2 VNF.
    const doc = {
      components: {
        hw1: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('20h'), crew: 'techs' },
        hw2: { layer: 'hardware', failures: { crash: { ttf: exp('100.5h') } }, repair: exp('20h'), crew: 'techs' },
        app: { layer: 'vnf', failures: { crash: { ttf: exp('50h') } }, repair: exp('1h') },
      },
      crews: { techs: 1 },
      hosts: { a: { stack: ['hw1'] }, b: { stack: ['hw2'] } },
      vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { hosts: ['a-1', 'b-1'] } } },
      services: { s: { chain: ['f'] } },
    };
    const { lumped, full } = both(doc);
    expect(states(lumped)).toEqual(states(full));
    expect(unlumped(lumped)).toEqual(states(full));
    // The same hardware in both, but a rack that fails under both hosts: its failure and
    // return reach the hosts in model order, so they are not interchangeable.
    const racked = hosts({ count: 2, k: 1, crew: 1 }) as any;
    racked.components.rack = { layer: 'rack', failures: { outage: { ttf: exp('1000h') } }, repair: exp('4h') };
    racked.racks = { r: { component: 'rack' } };
    racked.hosts.h.racks = ['r'];
    const r = both(racked);
    expect(states(r.lumped)).toEqual(states(r.full));
    // A quorum sharing its hosts with a k-of-n group: the hosts are alike, but the quorum
    // elects the first member up, whose host may differ from the others' in the k-of-n
    // instance on it; that choice is not symmetric, so the hosts are explored unlumped.
    const shared = hosts({ count: 3, k: 2 }) as any;
    shared.components.a = { layer: 'vnf', failures: { crash: { ttf: exp('50h') } }, repair: exp('1h') };
    shared.components.b = { layer: 'vnf', failures: { crash: { ttf: exp('30h') } }, repair: exp('2h') };
    shared.vnfs = {
      A: { instances: 3, app: 'a', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'quorum', electionTimeout: exp('3s') } },
      B: { instances: 3, k: 2, app: 'b', placement: { group: 'h', policy: 'anti-affinity' } },
    };
    shared.services = { s: { chain: ['A', 'B'] } };
    const q = both(shared);
    expect(states(q.lumped)).toEqual(states(q.full));
    expect(unlumped(q.lumped)).toEqual(states(q.full));
    // A rack per host: the racks are interchangeable with their hosts.
    racked.racks = { r1: { component: 'rack' }, r2: { component: 'rack' } };
    racked.hosts.h.racks = ['r1', 'r2'];
    racked.vnfs.f.placement.policy = 'rack-anti-affinity';
    const two = both(racked);
    expect(states(two.lumped)[0]).toBeLessThan(states(two.full)[0]);
    expect(unlumped(two.lumped)).toEqual(states(two.full));
  });
});

describe('refusals and approximations', () => {
  it('a lognormal repair is refused, naming it; --approximate replaces it and says so', () => {
    const doc = hosts({ count: 2, k: 1 });
    (doc.components.hw as Record<string, unknown>).repair = { dist: 'lognormal', mean: '20h', cv: 1 };
    let err: unknown;
    try {
      analyze(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisRefused);
    expect((err as AnalysisRefused).reasons.join('\n')).toMatch(/components\.hw\.failures\.crash\.repair.*lognormal.*not exponential/);
    expect((err as AnalysisRefused).message).toMatch(/--approximate replaces the non-exponential delays/);
    const r = analyze(doc, { approximate: true });
    expect(r.exact).toBe(false);
    expect(r.approximations.length).toBe(1);
    expect(r.approximations[0].where).toContain('components.hw.failures.crash.repair');
    expect(r.approximations[0].original).toMatch(/lognormal/);
    expect(r.approximations[0].meanSeconds).toBeCloseTo(20 * H, 6);
    // Same mean, exponential: the 1-of-2 binomial.
    close(r.services[0].availability, 1 - (1 / 6) ** 2);
  });

  it('a heartbeat detector is non-exponential (its mean kept with --approximate); a crash-loop window is refused', () => {
    const ap = { mechanism: 'active-passive', detector: { interval: '1s', misses: 3 }, switchover: '1s' };
    expect(() => analyze(hosts({ count: 2, k: 1, ha: ap }))).toThrow(/vnfs\.f\.ha\.detector \(missed beats\).*not exponential/);
    const r = analyze(hosts({ count: 2, k: 1, ha: ap }), { approximate: true });
    expect(r.approximations[0].meanSeconds).toBeCloseTo(2.5, 12);
    const doc = hosts({ count: 2, k: 1 }) as any;
    doc.components.app = { layer: 'vnf', failures: { crash: { ttf: exp('10h') } }, repair: exp('1m') };
    doc.vnfs.f.supervision = { restart: '0s', reboot: '0s', rebuild: '0s', window: '1h' };
    expect(() => analyze(doc)).toThrow(/vnfs\.f\.supervision\.window/);
  });

  it('lost beats (--approximate): spurious failovers of a 1+1 pair that never fails, A = U / (U + S + B) with U = (E[N] - 1/2) T, also simulated', () => {
    // Every spurious failover (k = 3 lost beats in a row, loss 0.3, 1 min beats) is a
    // takeover from a live node without fencing: a switchover (mean S = 5 min), then a
    // split brain (mean B = 20 min). Renewal-reward: the formula holds for any
    // distributions with these means, so the simulator must agree too.
    const doc = {
      components: { hw: { layer: 'hardware' }, app: { layer: 'vnf' } },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vnfs: { f: { instances: 2, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'active-passive', detector: { interval: '1m', misses: 3, loss: 0.3 }, switchover: exp('5m'), splitBrainRecovery: exp('20m') } } },
      services: { s: { chain: ['f'] } },
    };
    expect(() => analyze(doc)).toThrow(/lost beats.*not exponential/);
    const t = topo(doc);
    const r = analyzeModel(t.model, { approximate: true });
    // In service until the N-th beat from the takeover on the new active's grid: (E[N] - 1/2) T.
    const up = (meanBeatsToSpurious(0.3, 3) - 0.5) * 60;
    const cycle = up + 300 + 1200;
    close(r.services[0].availability, up / cycle);
    close(r.services[0].outagesPerYear, YEAR / cycle);
    expect(r.approximations.map((x) => x.where)).toContain('vnfs.f.ha.detector (lost beats)');
    const sim = simulate(t, { runs: 40, horizon: YEAR, seed: 3 }).results.services[0];
    expect(zScore(sim.availability, up / cycle)).toBeLessThanOrEqual(4);
    expect(zScore(sim.outagesPerYear, YEAR / cycle)).toBeLessThanOrEqual(4);
  });

  it('lost beats (--approximate): spurious removals from an active/active pair, down while both are out, A = 1 - q^2', () => {
    // Each instance alternates E[N] T in rotation and (approximately) T out of it, independently.
    const doc = {
      components: { hw: { layer: 'hardware' }, app: { layer: 'vnf' } },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'active-active', detector: { interval: '1m', misses: 3, loss: 0.3 } } } },
      services: { s: { chain: ['f'] } },
    };
    const r = analyze(doc, { approximate: true });
    // In rotation (E[N] - 1/2) T from its return, out for one interval T.
    const cycle = (meanBeatsToSpurious(0.3, 3) - 0.5 + 1) * 60;
    const q = 60 / cycle;
    close(r.services[0].availability, 1 - q * q);
    // One goes out while the other is out.
    close(r.services[0].outagesPerYear, (2 / cycle) * q * YEAR);
    // The simulator agrees on both: the instances' beats are not in step (each detector
    // has its own phase), so their removals overlap as independent ones do.
    const sim = simulate(topo(doc), { runs: 40, horizon: YEAR, seed: 5 }).results.services[0];
    expect(zScore(sim.availability, 1 - q * q)).toBeLessThanOrEqual(4);
    expect(zScore(sim.outagesPerYear, (2 / cycle) * q * YEAR)).toBeLessThanOrEqual(4);
  });

  it('a block over the state limit is refused, naming its groups and hosts', () => {
    expect(() => analyze(hosts({ count: 6, k: 3, crew: 2 }), { maxStates: 5 })).toThrow(/block \{f on hosts h-1, h-2, h-3, h-4, h-5, h-6\} needs more than 5 states/);
    expect(() => analyze(hosts({ count: 6, k: 3, crew: 2 }), { maxStates: 50, lump: false })).toThrow(/needs more than 50 states/);
    // The refusal says what multiplies the states: the group's mechanism, each host's hardware (up, failed and queued, failed and repaired).
    expect(() => analyze(hosts({ count: 6, k: 3, crew: 2 }), { maxStates: 50, lump: false })).toThrow(/what multiplies them \(the distinct conditions of each part in the states explored\): the mechanism of f: \d+, hosts\.h-1\.hardware: 3, hosts\.h-2\.hardware: 3/);
  });

  it('the default topology is refused with every reason (evacuation, heartbeats, lognormal repairs)', () => {
    let err: unknown;
    try {
      analyzeModel(loadTopologyFile(join(ROOT, 'topologies', 'default.yaml')).model);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisRefused);
    const text = (err as AnalysisRefused).reasons.join('\n');
    expect(text).toMatch(/evacuation/);
    expect(text).toMatch(/not exponential/);
  });
});

describe('simulation against analysis', () => {
  // Every topology analyze accepts without --approximate, with its exact solution.
  const files = readdirSync(join(ROOT, 'topologies')).filter((f) => /\.(ya?ml|json)$/.test(f));
  const solved = new Map<string, AnalysisResult>();
  for (const f of files) {
    try {
      solved.set(f, analyzeModel(loadTopologyFile(join(ROOT, 'topologies', f)).model, { maxStates: 20000 }));
    } catch (e) {
      if (!(e instanceof AnalysisRefused)) throw e;
    }
  }
  const exponential = [...solved.keys()];

  it('finds at least three all-exponential topologies', () => {
    expect(exponential.length).toBeGreaterThanOrEqual(3);
  });

  it.each(exponential)('%s: the same figures without lumping (1e-9 relative)', (f) => {
    const lumped = solved.get(f)!;
    // Nothing lumped: the chain explored was the unlumped one.
    if (lumped.blocks.every((b) => b.statesUnlumped === b.states)) return;
    sameFigures(lumped, analyzeModel(loadTopologyFile(join(ROOT, 'topologies', f)).model, { maxStates: 20000, lump: false }));
  }, 60_000);

  it.each(exponential)('%s: simulated availability and outage rate within 4 standard errors of the exact values', (f) => {
    const t = loadTopologyFile(join(ROOT, 'topologies', f));
    const exact = solved.get(f)!;
    expect(exact.exact).toBe(true);
    const r = simulate(t, { runs: 200, horizon: 20 * YEAR, seed: 2024 });
    for (const s of exact.services) {
      const sim = r.results.services.find((x) => x.name === s.name)!;
      const za = zScore(sim.availability, s.availability);
      const zf = zScore(sim.outagesPerYear, s.outagesPerYear);
      expect(za, `${s.name} availability: simulated ${sim.availability.mean} exact ${s.availability}`).toBeLessThanOrEqual(4);
      expect(zf, `${s.name} outages per year: simulated ${sim.outagesPerYear.mean} exact ${s.outagesPerYear}`).toBeLessThanOrEqual(4);
    }
  }, 60_000);
});

describe('simulation against analysis: instantaneous failover', () => {
  it('a failover that takes no time is no outage, in the simulator and in the chain (coverage 0.9, 2 h manual recovery)', () => {
    const t = topo(
      hosts({ count: 2, k: 1, ha: { mechanism: 'active-passive', detector: { peerNotification: '0s' }, switchover: '0s', coverage: 0.9, manual: exp('2h') } }),
    );
    const exact = analyzeModel(t.model).services[0];
    const sim = simulate(t, { runs: 100, horizon: 20 * YEAR, seed: 3 }).results.services[0];
    expect(zScore(sim.availability, exact.availability)).toBeLessThanOrEqual(4);
    expect(zScore(sim.outagesPerYear, exact.outagesPerYear)).toBeLessThanOrEqual(4);
    // Wrong answer: every failure of the serving active counted as an outage, l A per year.
    const wrong = (YEAR / (100 * H)) * exact.availability;
    expect(Math.abs(wrong - exact.outagesPerYear)).toBeGreaterThan(4 * sim.outagesPerYear.se);
  });
});

describe('simulation against analysis: services sharing a block, a chain over two blocks', () => {
  it('three services over an A (1-of-2) and B (active/passive) pair on the same hosts and a C elsewhere', () => {
    const doc = {
      components: {
        hw: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('10h') },
        a: { layer: 'vnf', failures: { crash: { ttf: exp('30h') } }, repair: exp('2h') },
        b: { layer: 'vnf', failures: { crash: { ttf: exp('50h') } }, repair: exp('1h') },
        c: { layer: 'vnf', failures: { crash: { ttf: exp('20h') } }, repair: exp('3h') },
      },
      hosts: { h: { count: 2, stack: ['hw'] }, g: { count: 1, stack: ['hw'] } },
      vnfs: {
        A: { instances: 2, k: 1, app: 'a', placement: { group: 'h' } },
        B: { instances: 2, app: 'b', placement: { group: 'h' }, ha: { mechanism: 'active-passive', detector: { announced: exp('1m'), peerNotification: exp('1m') }, switchover: exp('2m') } },
        C: { instances: 1, app: 'c', placement: { group: 'g' } },
      },
      services: { sa: { chain: ['A'] }, sb: { chain: ['B'] }, sab: { chain: ['A', 'B', 'C'] } },
    };
    const t = topo(doc);
    const exact = analyzeModel(t.model);
    expect(exact.blocks.map((b) => b.groups)).toEqual([['A', 'B'], ['C']]);
    expect(exact.services.map((s) => s.blocks)).toEqual([[0], [0], [0, 1]]);
    const r = simulate(t, { runs: 200, horizon: 10 * YEAR, seed: 11 });
    for (const s of exact.services) {
      const sim = r.results.services.find((x) => x.name === s.name)!;
      expect(zScore(sim.availability, s.availability), `${s.name} availability`).toBeLessThanOrEqual(4);
      expect(zScore(sim.outagesPerYear, s.outagesPerYear), `${s.name} outages per year`).toBeLessThanOrEqual(4);
    }
    // Wrong answer: the chain as a product of its members' availabilities (A and B share hosts).
    const [sa, sb, sab] = exact.services;
    const c = 20 / 23;
    expect(Math.abs(sa.availability * sb.availability * c - sab.availability)).toBeGreaterThan(4 * r.results.services[2].availability.se);
  });
});

describe('simulation against analysis: split brain', () => {
  // A 1+1 pair whose old node may still be alive at takeover (aliveProbability 0.6): split
  // brain for an exponential 5 h, during which the new active may fail too (its detection
  // is then counted from its failure). Hosts also hang silently. Without fencing, and with
  // a fence that fails 30% of the time and then takes over anyway.
  it.each([
    ['without fencing', undefined],
    ['fencing that fails, then takes over', { time: exp('30s'), success: 0.7, onFailure: 'takeover' }],
  ])('%s: simulated availability and outage rate within 4 standard errors of the exact values', (_name, fencing) => {
    const doc = splitBrainPair(fencing);
    const t = topo(doc);
    const exact = analyzeModel(t.model).services[0];
    const r = simulate(t, { runs: 200, horizon: 10 * YEAR, seed: 5 });
    const sim = r.results.services[0];
    expect(sim.events.splitBrains ?? 0).toBeGreaterThan(5);
    expect(zScore(sim.availability, exact.availability)).toBeLessThanOrEqual(4);
    expect(zScore(sim.outagesPerYear, exact.outagesPerYear)).toBeLessThanOrEqual(4);
    // Wrong answer: the same pair without split brain.
    const ha = (doc.vnfs.f.ha as Record<string, unknown>);
    ha.aliveProbability = 0;
    const noSplit = analyzeModel(topo(doc).model).services[0];
    expect(Math.abs(noSplit.availability - exact.availability)).toBeGreaterThan(4 * sim.availability.se);
  });
});

describe('nfvsim analyze (CLI)', () => {
  it('prints the exact figures; --json prints one document', () => {
    const path = join(ROOT, 'topologies', 'exp-quorum-crew.yaml');
    const text = cli(['analyze', path]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/exact steady state/);
    expect(text.stdout).toMatch(/availability\s+99\.\d+ %/);
    const json = cli(['analyze', path, '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.analysis.exact).toBe(true);
    expect(doc.analysis.services[0].availability).toBeGreaterThan(0.99);
    expect(doc.comparison).toBeNull();
    // Lumped by default (the three etcd hosts are interchangeable); --no-lump solves the full chain.
    expect(text.stdout).toMatch(/block \{etcd on hosts master-1, master-2, master-3\}: 383 states \(2,050 unlumped\)/);
    expect(doc.settings.lump).toBe(true);
    expect(doc.analysis.blocks[0]).toMatchObject({ states: 383, statesUnlumped: 2050 });
    const full = cli(['analyze', path, '--json', '--no-lump']);
    expect(full.code).toBe(0);
    const fullDoc = JSON.parse(full.stdout);
    expect(fullDoc.settings.lump).toBe(false);
    expect(fullDoc.analysis.blocks[0]).toMatchObject({ states: 2029, statesUnlumped: 2029 });
    close(fullDoc.analysis.services[0].availability, doc.analysis.services[0].availability);
  });

  it('--compare sets the simulation beside the exact value', () => {
    const r = cli(['analyze', join(ROOT, 'topologies', 'exp-quorum-crew.yaml'), '--compare', '--runs', '60', '--jobs', '1', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const s = doc.comparison.services[0];
    expect(s.availability.exact).toBe(doc.analysis.services[0].availability);
    expect(s.availability.inside).toBe(s.availability.simulated.lo <= s.availability.exact && s.availability.exact <= s.availability.simulated.hi);
    expect(doc.comparison.settings.runs).toBe(60);
  });

  it('refuses a non-exponential topology with exit 2 and the reasons, no stack trace; --approximate says so', () => {
    const path = join(ROOT, 'topologies', 'sal1-pair.yaml');
    const r = cli(['analyze', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sal1-pair\.yaml: cannot analyze exactly/);
    expect(r.stderr).toMatch(/not exponential/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const bad = cli(['analyze', path, '--max-states', 'lots']);
    expect(bad.code).toBe(2);
    const opt = cli(['analyze', path, '--runs', '5']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/add --compare/);
    const approx = cli(['analyze', join(ROOT, 'topologies', 'minimal.yaml'), '--approximate']);
    expect(approx.code).toBe(0);
    expect(approx.stdout).toMatch(/APPROXIMATE \(--approximate\): 2 non-exponential delays replaced/);
    expect(approx.stdout).toMatch(/components\.app\.restart: deterministic \(mean 30 s\) -> exponential\(mean 30 s\)/);
  });
});
