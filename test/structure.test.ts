/**
 * Structure beyond series chains, against exact answers:
 * - a service up while either of two parallel chains is (`up: {any: ...}`), and a 2-of-3
 *   service, against their closed forms (independent exponential parts); the series
 *   answer is shown to lie outside the band;
 * - a host on a redundant pair of top-of-rack switches (`shared` with `of`) with an
 *   exponential failover, against a six-state chain written out here from the stated
 *   rule; with a 50 ms failover, outages and TL-9000 outages (over 15 s) against their
 *   closed forms;
 * - site anti-affinity across two failing sites, and zone anti-affinity over user-defined
 *   power zones (2 of 3 across three failing racks), against their closed forms (wrong:
 *   the placements that share a site or a rack), and failures counted per user zone;
 * - one repair crew for a switch and two hosts behind it, served by priority (the switch
 *   first) and at random, against exact chains written out here (wrong: fifo, and each
 *   other); a dispatch delay against the renewal closed form;
 * - an instance that needs a virtual switch beside the hypervisor against the product of
 *   the two availabilities (wrong: the switch stacked under the application), by
 *   simulation and by analyze.
 * Simulations pass within 4 standard errors (each names the plausible wrong answer and
 * checks that it lies outside that band); `analyze` is compared to a relative 1e-9.
 * Schema and semantic errors name the path.
 */
import { describe, expect, it } from 'vitest';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { analyzeModel } from '../src/analysis/markov.js';
import { TopologyError } from '../src/model/errors.js';
import { logicCapacity, logicUp, type LogicNode } from '../src/model/logic.js';
import { runReplication } from '../src/runner/replication.js';
import type { TraceEvent } from '../src/sim/system.js';
import { close, exp, expectWithin, run, thrown, topo } from './helpers.js';

const H = 3600;
const YEAR = 365 * 86400;
/** A fixed duration as a distribution. */
const det = (v: string) => ({ dist: 'deterministic', value: v });

// ---------------------------------------------------------------------------------------
// Two parallel chains: site a runs LB-a -> FW-a, site b runs LB-b -> FW-b, each VNF on a
// server of its own whose hardware fails (exponential); the applications never fail, so
// each VNF is up exactly while its server is, independently of the others.

/** Mean time to failure and repair (hours) of the server under each VNF. */
const PARTS = { 'LB-a': [300, 20], 'FW-a': [500, 30], 'LB-b': [400, 25], 'FW-b': [250, 15] } as const;

function parallel(up: unknown) {
  const components: Record<string, object> = { app: { layer: 'vnf' } };
  const hosts: Record<string, object> = {};
  const vnfs: Record<string, object> = {};
  for (const [name, [ttf, rep]] of Object.entries(PARTS)) {
    components[`hw-${name}`] = { layer: 'hardware', failures: { crash: { ttf: exp(`${ttf}h`) } }, repair: exp(`${rep}h`) };
    hosts[`h-${name}`] = { stack: [`hw-${name}`] };
    vnfs[name] = { instances: 1, app: 'app', placement: { group: `h-${name}` } };
  }
  return { components, hosts, vnfs, services: { s: { up } } };
}

/** Availability, and failure rate (1/s) while up, of one VNF of PARTS. */
function part(name: keyof typeof PARTS) {
  const [ttf, rep] = PARTS[name];
  return { a: ttf / (ttf + rep), l: 1 / (ttf * H) };
}

/**
 * The any-of-two-chains service in closed form: chain X is up with probability
 * a_X = product of its parts' a, and leaves the up state at rate a_X (sum of its parts'
 * failure rates); the parts are independent, so the service is down with probability
 * (1 - a_A)(1 - a_B), and goes down at rate r_A (1 - a_B) + r_B (1 - a_A) (the other chain
 * down at that instant; two independent clocks never fire together).
 */
function anyOfTwoChains() {
  const chain = (x: Array<keyof typeof PARTS>) => {
    const ps = x.map(part);
    const a = ps.reduce((acc, p) => acc * p.a, 1);
    return { a, r: a * ps.reduce((acc, p) => acc + p.l, 0) };
  };
  const A = chain(['LB-a', 'FW-a']);
  const B = chain(['LB-b', 'FW-b']);
  return {
    unavailability: (1 - A.a) * (1 - B.a),
    outagesPerYear: (A.r * (1 - B.a) + B.r * (1 - A.a)) * YEAR,
    /** The wrong answer: the four in series. */
    seriesUnavailability: 1 - A.a * B.a,
    seriesOutagesPerYear: (A.r * B.a + B.r * A.a) * YEAR,
  };
}

describe('service logic: any of two chains', () => {
  const doc = parallel({ any: [{ all: ['LB-a', 'FW-a'] }, { all: ['LB-b', 'FW-b'] }] });
  const exact = anyOfTwoChains();

  it('simulation matches the closed form, not the series chain', () => {
    const r = run(doc, { runs: 60, horizon: 20000 * H });
    const s = r.results.services[0];
    expect(s.logic).toBe('any(all(LB-a, FW-a), all(LB-b, FW-b))');
    expectWithin(s.unavailability, exact.unavailability, exact.seriesUnavailability);
    expectWithin(s.outagesPerYear, exact.outagesPerYear, exact.seriesOutagesPerYear);
  });

  it('analyze gives the closed form exactly (the same rule, model/logic.ts)', () => {
    const a = analyzeModel(topo(doc).model);
    expect(a.exact).toBe(true);
    expect(a.services[0].logic).toBe('any(all(LB-a, FW-a), all(LB-b, FW-b))');
    expect(a.services[0].blocks.length).toBe(4);
    close(a.services[0].unavailability, exact.unavailability);
    close(a.services[0].outagesPerYear, exact.outagesPerYear);
    // The same parts as a chain: the series answer.
    const series = analyzeModel(topo({ ...doc, services: { s: { chain: ['LB-a', 'FW-a', 'LB-b', 'FW-b'] } } }).model);
    close(series.services[0].unavailability, exact.seriesUnavailability);
  });
});

describe('service logic: k of n', () => {
  // 2 of the three VNFs LB-a, FW-a, LB-b (independent), closed form by enumeration.
  const names = ['LB-a', 'FW-a', 'LB-b'] as const;
  const doc = parallel({ k: 2, of: [...names] });
  const ps = names.map(part);
  let unavail = 0;
  let rate = 0;
  for (let mask = 0; mask < 8; mask++) {
    const up = [0, 1, 2].map((i) => ((mask >> i) & 1) === 1);
    const p = up.reduce((acc, u, i) => acc * (u ? ps[i].a : 1 - ps[i].a), 1);
    const n = up.filter(Boolean).length;
    if (n < 2) unavail += p;
    // Up with exactly two: any failure of those two takes it down.
    if (n === 2) rate += p * up.reduce((acc, u, i) => acc + (u ? ps[i].l : 0), 0);
  }

  it('simulation and analyze match the closed form; 3 of 3 (the series answer) lies outside', () => {
    const all = 1 - ps.reduce((acc, p) => acc * p.a, 1);
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, unavail, all);
    expectWithin(r.results.services[0].outagesPerYear, rate * YEAR, ps.reduce((acc, p) => acc + p.l, 0) * (1 - all) * YEAR);
    const a = analyzeModel(topo(doc).model);
    close(a.services[0].unavailability, unavail);
    close(a.services[0].outagesPerYear, rate * YEAR);
  });

  it('capacity: weights and sums as stated (model/logic.ts)', () => {
    // Leaves 0, 1, 2 with weights 10, 20, 20; k 30.
    const n: LogicNode = { op: 'k', k: 30, weights: [10, 20, 20], parts: [0, 1, 2].map((leaf) => ({ op: 'leaf', leaf }) as LogicNode) };
    expect(logicUp(n, [true, true, false])).toBe(true);
    expect(logicUp(n, [true, false, false])).toBe(false);
    expect(logicCapacity(n, [true, true, false], [1, 1, 0])).toBe(1);
    expect(logicCapacity(n, [true, true, false], [0.5, 1, 0])).toBeCloseTo(25 / 30, 12);
    expect(logicCapacity(n, [true, true, true], [1, 1, 1])).toBe(1);
    const all: LogicNode = { op: 'all', parts: n.parts };
    expect(logicCapacity(all, [true, true, true], [1, 0.25, 0.5])).toBe(0.25);
  });
});

// ---------------------------------------------------------------------------------------
// A host on a redundant pair of top-of-rack switches: each fails at rate l and is repaired
// at rate m (independent crews); the host's hardware and application never fail.

const LT = 1 / (200 * H);
const MT = 1 / (20 * H);

function dualTor(failover: unknown) {
  return {
    components: {
      tor: { layer: 'rack', failures: { crash: { ttf: exp('200h') } }, repair: exp('20h') },
      server: { layer: 'hardware' },
      app: { layer: 'vnf' },
    },
    shared: { 'tor-a': { component: 'tor' }, 'tor-b': { component: 'tor' }, 'tor-pair': { of: ['tor-a', 'tor-b'], failover } },
    hosts: { node: { stack: ['server'], dependsOn: ['tor-pair'] } },
    vnfs: { vFW: { instances: 1, app: 'app', placement: { group: 'node' } } },
    services: { s: { chain: ['vFW'] } },
  };
}

/**
 * The pair with a failover of rate f, from the rule stated in the schema: U2 (both up, in
 * service), U1 (the one in use up, the other down), F0/F1/F2 (switching over, 0/1/2
 * members up), W (down, none up). U2 -> F1 at l (the one in use fails, the other can take
 * over), U2 -> U1 at l (the standby fails); U1 -> W at l, U1 -> U2 at m; Fn -> (U_n, or W
 * for n = 0) at f, F2 -> F1 at 2l, F1 -> F0 at l, F1 -> F2 at m, F0 -> F1 at 2m; W -> U1 at
 * 2m (a member that returns is put in use at once). Down: F0, F1, F2, W. Outages start
 * on U2 -> F1 and U1 -> W.
 */
function dualTorChain(f: number) {
  const next: Record<string, Array<[string, number]>> = {
    U2: [['F1', LT], ['U1', LT]],
    U1: [['W', LT], ['U2', MT]],
    F2: [['U2', f], ['F1', 2 * LT]],
    F1: [['U1', f], ['F0', LT], ['F2', MT]],
    F0: [['W', f], ['F1', 2 * MT]],
    W: [['U1', 2 * MT]],
  };
  const { chain, states } = exploreCtmc<string>('U2', (s) => s, (s) => next[s]);
  const pi = steadyState(chain);
  const p = (name: string) => pi[states.indexOf(name)];
  return { unavailability: p('F0') + p('F1') + p('F2') + p('W'), outagesPerYear: (p('U2') + p('U1')) * LT * YEAR };
}

describe('redundant infrastructure: a host on dual top-of-rack switches', () => {
  it('with an exponential failover: simulation and analyze match the exact chain; no failover and a series pair lie outside', () => {
    const exact = dualTorChain(1 / (2 * H));
    const doc = dualTor(exp('2h'));
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    const s = r.results.services[0];
    const p = MT / (LT + MT);
    // Wrong answers: an instant failover (a parallel pair), and both switches needed.
    expectWithin(s.unavailability, exact.unavailability, (1 - p) ** 2);
    expectWithin(s.outagesPerYear, exact.outagesPerYear, 2 * p * (1 - p) * LT * YEAR);
    expect(exact.unavailability).toBeLessThan(1 - p * p);
    const a = analyzeModel(topo(doc).model);
    expect(a.exact).toBe(true);
    close(a.services[0].unavailability, exact.unavailability);
    close(a.services[0].outagesPerYear, exact.outagesPerYear);
  });

  it('a 50 ms static-LAG failover counts as an outage, but not as a TL-9000 outage (over 15 s)', () => {
    // With f -> infinity the pair is two independent switches: P(both up) = p^2, P(one) = 2p(1-p);
    // outages start when the one in use fails: at rate l from both states (the 50 ms shifts
    // this by a relative ~ l x 50 ms = 7e-11). TL-9000 counts only the outages with both
    // down, longer than 15 s with probability exp(-2 m 15 s).
    const p = MT / (LT + MT);
    const outages = (p * p + 2 * p * (1 - p)) * LT * YEAR;
    const bothDown = 2 * p * (1 - p) * LT * YEAR;
    const tl9000 = bothDown * Math.exp(-2 * MT * 15);
    const r = run(dualTor('50ms'), { runs: 40, horizon: 20000 * H });
    const s = r.results.services[0];
    expectWithin(s.outagesPerYear, outages, bothDown);
    expectWithin(s.tl9000PerYear, tl9000, outages);
  });
});

describe('validation names the path', () => {
  const messages = (doc: object) => {
    const e = thrown(() => topo(doc));
    expect(e).toBeInstanceOf(TopologyError);
    return (e as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
  };
  const base = parallel('LB-a');

  it('service expressions', () => {
    expect(messages({ ...base, services: { s: { up: { any: ['LB-a', { all: ['FW-a', 3] }] } } } })).toEqual([expect.stringMatching(/^services\.s\.up\.any\[1\]\.all\[1\]: expected a name/)]);
    expect(messages({ ...base, services: { s: { up: { any: ['LB-a', { alll: ['FW-a'] }] } } } })).toEqual(["services.s.up.any[1].alll: unknown key 'alll' (did you mean 'all'?)"]);
    expect(messages({ ...base, services: { s: { up: { any: ['LB-a', 'nope'] } } } })[0]).toMatch(/^services\.s\.up\.any\[1\]: unknown VNF, VIM service, shared element, rack or site 'nope'/);
    expect(messages({ ...base, services: { s: { up: { k: 3, of: ['LB-a', 'FW-a'] } } } })[0]).toMatch(/^services\.s\.up\.k: k \(3\) exceeds the number of parts \(2\)/);
    expect(messages({ ...base, services: { s: { up: { of: ['LB-a', 'FW-a'] } } } })[0]).toMatch(/^services\.s\.up: 'of' needs 'k'/);
    expect(messages({ ...base, services: { s: { up: { k: 1, of: ['LB-a', 'FW-a'], weights: [1] } } } })[0]).toMatch(/^services\.s\.up\.weights: expected 2 weights/);
    expect(messages({ ...base, services: { s: { up: { all: ['LB-a'], any: ['FW-a'] } } } })[0]).toMatch(/^services\.s\.up: give one of 'all', 'any', not several/);
    expect(messages({ ...base, services: { s: { chain: ['LB-a'], up: 'FW-a' } } })[0]).toMatch(/^services\.s: give exactly one of 'chain'/);
  });

  it('redundant sets', () => {
    const d = dualTor('50ms');
    const bad = (pair: object) => messages({ ...d, shared: { ...d.shared, 'tor-pair': pair } });
    expect(bad({ of: ['tor-a', 'tor-c'] })[0]).toMatch(/^shared\.tor-pair\.of\[1\]: unknown shared element 'tor-c'/);
    expect(bad({ of: ['tor-a', 'tor-b'], k: 3 })[0]).toMatch(/^shared\.tor-pair\.k: k \(3\) must not exceed the members \(2\)/);
    expect(bad({ of: ['tor-a', 'tor-a'] })[0]).toMatch(/^shared\.tor-pair\.of\[1\]: shared element 'tor-a' is listed twice/);
    expect(bad({ of: ['tor-a', 'tor-b'], component: 'tor' })[0]).toMatch(/^shared\.tor-pair\.component: a redundant set has no component/);
    expect(bad({ of: ['tor-a', 'tor-b'], failover: 'soon' })[0]).toMatch(/^shared\.tor-pair\.failover: /);
    expect(messages({ ...d, shared: { ...d.shared, 'tor-a': { component: 'tor', k: 1 } } })[0]).toMatch(/^shared\.tor-a\.k: 'k' belongs to a redundant set/);
  });
});

// ---------------------------------------------------------------------------------------
// Placement zones: sites fail (rate l, repair m); hosts and applications never do.

const LS = 1 / (300 * H);
const MS = 1 / (30 * H);

describe('placement zones', () => {
  /** Two sites with one rack each; hosts round-robin over the racks; `placement` of a 1-of-2 VNF. */
  const twoSites = (placement: object) => ({
    components: { site: { layer: 'site', failures: { down: { ttf: exp('300h') } }, repair: exp('30h') }, hw: { layer: 'hardware' }, app: { layer: 'vnf' } },
    sites: { a: { component: 'site' }, b: { component: 'site' } },
    racks: { ra: { site: 'a' }, rb: { site: 'b' } },
    hosts: { h: { count: 4, stack: ['hw'], racks: ['ra', 'rb'] } },
    vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', ...placement } } },
    services: { s: { chain: ['f'] } },
  });
  const u = LS / (LS + MS);

  it('site anti-affinity: a 1+1 pair across two failing sites matches u^2; both in one site (u) lies outside', () => {
    const doc = twoSites({ policy: 'site-anti-affinity' });
    const t = topo(doc);
    expect(t.model.functions[0].instances.map((i) => i.host)).toEqual(['h-1', 'h-2']);
    const r = run(doc, { runs: 100, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, u * u, u);
    close(analyzeModel(t.model).services[0].unavailability, u * u);
    // pack puts both in one site: the wrong answer is what it gets.
    close(analyzeModel(topo(twoSites({ policy: 'pack' })).model).services[0].unavailability, u);
  });

  it('zone anti-affinity over user-defined power zones: 2 of 3 across three failing racks, against the closed form', () => {
    const doc = {
      components: { pdu: { layer: 'rack', failures: { down: { ttf: exp('300h') } }, repair: exp('30h') }, hw: { layer: 'hardware' }, app: { layer: 'vnf' } },
      racks: { r1: { component: 'pdu' }, r2: { component: 'pdu' }, r3: { component: 'pdu' } },
      zones: { power: { 'pdu-1': ['r1'], 'pdu-2': ['r2'], 'pdu-3': ['r3'] }, az: { 'az-1': ['h'] } },
      hosts: { h: { count: 6, stack: ['hw'], racks: ['r1', 'r1', 'r2', 'r2', 'r3', 'r3'] } },
      vnfs: { f: { instances: 3, k: 2, app: 'app', placement: { group: 'h', policy: 'zone-anti-affinity', zone: 'power' } } },
      services: { s: { chain: ['f'] } },
    };
    const t = topo(doc);
    expect(t.model.functions[0].instances.map((i) => t.model.hosts.find((h) => h.name === i.host)!.zones.power)).toEqual(['pdu-1', 'pdu-2', 'pdu-3']);
    const a = 1 - u;
    const exact = 1 - (a ** 3 + 3 * a * a * (1 - a));
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    const s = r.results.services[0];
    // Wrong: spread fills r1 first (h-1, h-2 in rack r1, then h-3 in r2): down with r1 alone.
    const spread = topo({ ...doc, vnfs: { f: { ...doc.vnfs.f, placement: { group: 'h' } } } });
    expect(spread.model.functions[0].instances.map((i) => i.host)).toEqual(['h-1', 'h-2', 'h-3']);
    expectWithin(s.unavailability, exact, analyzeModel(spread.model).services[0].unavailability);
    close(analyzeModel(t.model).services[0].unavailability, exact);
    // The report counts failures per zone: each power zone's share, and every failure in az-1.
    const by = s.failureFrequency.byUserZone!;
    expect(by.power.map((z) => z.zone).sort()).toEqual(['pdu-1', 'pdu-2', 'pdu-3']);
    const total = by.power.reduce((acc, z) => acc + z.perYear, 0);
    expect(total).toBeCloseTo(s.failureFrequency.correlatedPerYear.mean, 9);
    // The same failures counted once (the three zones' sum may differ in its last bit).
    expect(by.az.map((z) => z.zone)).toEqual(['az-1']);
    expect(by.az[0].perYear).toBeCloseTo(total, 9);
  });

  it('evacuation keeps zone anti-affinity (a traced history)', () => {
    // Zones z1 = {a-1, b-3}, z2 = {b-1, b-2}: the pair is placed on a-1 and b-1; a-1 fails at
    // 10 h and its instance moves to b-3 (z1), not to the first least-loaded b-2 (z2, the other's zone).
    const doc = {
      components: {
        hw: { layer: 'hardware', failures: { crash: { ttf: det('10h') } }, repair: det('100h') },
        ctl: { layer: 'hardware' },
        hw2: { layer: 'hardware' },
        kvm: { layer: 'hypervisor' },
        vm: { layer: 'vm' },
        app: { layer: 'vnf' },
        api: { layer: 'vim' },
      },
      zones: { power: { z1: ['a-1', 'b-3'], z2: ['b-1', 'b-2'] } },
      hosts: { a: { stack: ['hw', 'kvm'] }, b: { count: 3, stack: ['hw2', 'kvm'] }, c: { stack: ['ctl'] } },
      vim: { nova: { instances: 1, app: 'api', placement: { group: 'c' } } },
      vnfs: {
        f: {
          instances: 2,
          k: 1,
          vm: 'vm',
          app: 'app',
          placement: { group: ['a', 'b'], policy: 'zone-anti-affinity', zone: 'power' },
          evacuation: { vim: 'control', detection: '1m', rebuild: '5m' },
        },
      },
      services: { s: { chain: ['f'] }, control: { chain: ['nova'] } },
    };
    const moves = (d: typeof doc) => {
      const t = topo(d);
      expect(t.model.functions.find((f) => f.name === 'f')!.instances.map((i) => i.host)).toEqual(['a-1', 'b-1']);
      const events: TraceEvent[] = [];
      runReplication(t.model, { horizon: 11 * H, warmup: 0, seed: 1 }, 0, { trace: (e) => events.push(e) });
      return events.filter((e) => e.event === 'moved').map((e) => [e.name, e.detail]);
    };
    expect(moves(doc)).toEqual([['vnfs.f.instances.1.vm', expect.stringMatching(/^to hosts\.b-3\.hypervisor/)]]);
    // Host anti-affinity alone takes the first least-loaded host, b-2, in the other instance's zone.
    const hostOnly = { ...doc, vnfs: { f: { ...doc.vnfs.f, placement: { group: ['a', 'b'], policy: 'anti-affinity' } } } } as typeof doc;
    expect(moves(hostOnly)).toEqual([['vnfs.f.instances.1.vm', expect.stringMatching(/^to hosts\.b-2\.hypervisor/)]]);
  });

  it('validation names the path', () => {
    const messages = (doc: object) => {
      const e = thrown(() => topo(doc));
      expect(e).toBeInstanceOf(TopologyError);
      return (e as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
    };
    const d = twoSites({ policy: 'zone-anti-affinity', zone: 'power' });
    expect(messages(d)[0]).toMatch(/^vnfs\.f\.placement\.zone: unknown kind of zones 'power'/);
    expect(messages(twoSites({ policy: 'zone-anti-affinity' }))[0]).toMatch(/^vnfs\.f\.placement\.zone: policy zone-anti-affinity needs 'zone'/);
    expect(messages(twoSites({ zone: 'power' }))[0]).toMatch(/^vnfs\.f\.placement\.zone: 'zone' goes with policy zone-anti-affinity/);
    expect(messages({ ...d, zones: { power: { p1: ['ra'], p2: ['h-1'] } } })[0]).toMatch(/^zones\.power\.p2\[0\]: host 'h-1' is already in zone 'p1' of kind 'power'/);
    expect(messages({ ...d, zones: { power: { p1: ['nowhere'] } } })[0]).toMatch(/^zones\.power\.p1\[0\]: unknown host group, host, rack or site 'nowhere'/);
    expect(messages({ ...d, zones: { power: { p1: ['ra'] } } })[0]).toMatch(/^vnfs\.f\.placement\.policy: zone-anti-affinity needs every host in a zone of kind 'power', but host 'h-2' is in none/);
    const three = twoSites({ policy: 'site-anti-affinity' });
    expect(messages({ ...three, vnfs: { f: { ...three.vnfs.f, instances: 3 } } })[0]).toMatch(/^vnfs\.f\.placement\.policy: impossible site-anti-affinity: 3 instances need 3 distinct sites/);
    expect(messages({ ...three, vnfs: { f: { ...three.vnfs.f, placement: { hosts: ['h-1', 'h-3'], policy: 'site-anti-affinity' } } } })[0]).toMatch(/^vnfs\.f\.placement\.hosts\[1\]: site-anti-affinity: site 'a' of host 'h-3' is already used/);
  });
});

// ---------------------------------------------------------------------------------------
// Repair policies: one crew for a switch (layer rack) and the hardware of two hosts behind
// it, which carry a 1-of-2 VNF. A host's hardware fails only while up (the switch up).

const LSW = 1 / (200 * H);
const MSW = 1 / (5 * H);
const LHW = 1 / (100 * H);
const MHW = 1 / (50 * H);

function crewed(crew: unknown) {
  return {
    components: {
      switch: { layer: 'rack', failures: { down: { ttf: exp('200h') } }, repair: exp('5h'), crew: 'techs' },
      hw: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('50h'), crew: 'techs' },
      app: { layer: 'vnf' },
    },
    crews: { techs: crew },
    shared: { sw: { component: 'switch' } },
    hosts: { h: { count: 2, stack: ['hw'], dependsOn: ['sw'] } },
    vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
    services: { s: { chain: ['f'], sal: 1 } },
  };
}

/**
 * The exact chain of `crewed`, from the stated rules: a state is which of sw, h1, h2 have
 * failed and the crew's list (the one in repair first, then those waiting, in order of
 * arrival). Only up components fail (the hosts only while the switch is up); a failure
 * joins the list; the repair of the first ends at its rate, and the crew takes the next:
 * the first waiting (fifo), the switch if it waits (priority by layer, or by SAL: the
 * switch supports both hosts, so it is under the same SAL 1: then fifo), or each waiting
 * one alike (random). Preemptive (by layer): the switch's failure takes the crew from a
 * host's repair, which waits first (exponential: resuming is starting afresh). Up: switch
 * up and some host not failed.
 */
function crewChain(order: 'fifo' | 'layer' | 'random' | 'preempt') {
  type S = { f: string[] };
  const rate = (c: string) => (c === 'sw' ? MSW : MHW);
  const { chain, states } = exploreCtmc<S>(
    { f: [] },
    (s) => s.f.join(','),
    (s) => {
      const out: Array<[S, number]> = [];
      const swUp = !s.f.includes('sw');
      // Preemptive: the switch takes the crew from a host's repair, which waits first.
      if (swUp) out.push([{ f: order === 'preempt' ? ['sw', ...s.f] : [...s.f, 'sw'] }, LSW]);
      for (const h of ['h1', 'h2']) if (swUp && !s.f.includes(h)) out.push([{ f: [...s.f, h] }, LHW]);
      if (s.f.length > 0) {
        const waiting = s.f.slice(1);
        const r = rate(s.f[0]);
        if (waiting.length === 0) out.push([{ f: [] }, r]);
        else if (order === 'fifo') out.push([{ f: waiting }, r]);
        else if (order === 'layer' || order === 'preempt') {
          const at = Math.max(0, waiting.indexOf('sw'));
          out.push([{ f: [waiting[at], ...waiting.filter((_, i) => i !== at)] }, r]);
        } else waiting.forEach((w, at) => out.push([{ f: [w, ...waiting.filter((_, i) => i !== at)] }, r / waiting.length]));
      }
      return out;
    },
  );
  const pi = steadyState(chain);
  const up = (s: S) => !s.f.includes('sw') && !(s.f.includes('h1') && s.f.includes('h2'));
  return states.reduce((acc, s, i) => acc + (up(s) ? 0 : pi[i]), 0);
}

describe('repair policies', () => {
  it('a priority crew (by layer: the switch first) against its exact chain; fifo lies outside', () => {
    const exact = crewChain('layer');
    const fifo = crewChain('fifo');
    const doc = crewed({ size: 1, order: 'priority', priority: 'layer' });
    close(analyzeModel(topo(doc).model).services[0].unavailability, exact);
    close(analyzeModel(topo(crewed(1)).model).services[0].unavailability, fifo);
    const r = run(doc, { runs: 200, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, exact, fifo);
    // By SAL: the switch and both hosts serve the SAL 1 service: no difference from fifo.
    close(analyzeModel(topo(crewed({ size: 1, order: 'priority', priority: 'sal' })).model).services[0].unavailability, fifo);
  });

  it('a preemptive priority crew against its exact chain; the non-preemptive one lies outside', () => {
    const exact = crewChain('preempt');
    const doc = crewed({ size: 1, order: 'priority', priority: 'layer', preemptive: true });
    close(analyzeModel(topo(doc).model).services[0].unavailability, exact);
    const r = run(doc, { runs: 200, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, exact, crewChain('layer'));
  });

  it('preemptive-resume with deterministic times: the preempted repair ends its remaining time later (a traced history)', () => {
    // One host: its hardware fails at 2 h (repair 20 h); the switch fails at 14 h (repair 5 h) and takes the crew.
    const doc = {
      components: {
        switch: { layer: 'rack', failures: { down: { ttf: det('14h') } }, repair: det('5h'), crew: 'techs' },
        hw: { layer: 'hardware', failures: { crash: { ttf: det('2h') } }, repair: det('20h'), crew: 'techs' },
        app: { layer: 'vnf' },
      },
      crews: { techs: { size: 1, order: 'priority', priority: 'layer', preemptive: true } },
      shared: { sw: { component: 'switch' } },
      hosts: { h: { stack: ['hw'], dependsOn: ['sw'] } },
      vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
      services: { s: { chain: ['f'] } },
    };
    const repaired = (crew: object) => {
      const events: TraceEvent[] = [];
      runReplication(topo({ ...doc, crews: { techs: crew } }).model, { horizon: 30 * H, warmup: 0, seed: 1 }, 0, { trace: (e) => events.push(e) });
      return events.filter((e) => e.event === 'repaired').map((e) => [e.t / H, e.name]);
    };
    // Switch 14 -> 19 h; the hardware's repair had 8 h left at 14 h: done at 27 h (not 22 h, not 39 h).
    expect(repaired(doc.crews.techs)).toEqual([
      [19, 'shared.sw'],
      [27, 'hosts.h-1.hardware'],
    ]);
    // Not preemptive: the switch waits for the hardware (22 h), then 5 h.
    expect(repaired({ size: 1, order: 'priority', priority: 'layer' })).toEqual([
      [22, 'hosts.h-1.hardware'],
      [27, 'shared.sw'],
    ]);
  });

  it('random choice among waiting repairs against its exact chain', () => {
    const exact = crewChain('random');
    const doc = crewed({ size: 1, order: 'random' });
    close(analyzeModel(topo(doc).model).services[0].unavailability, exact);
    // Random lies between fifo and the switch first, some 3% from each: many runs.
    const r = run(doc, { runs: 400, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, exact, crewChain('layer'));
    expectWithin(r.results.services[0].unavailability, exact, crewChain('fifo'));
  });

  it('a dispatch delay before each repair: a renewal closed form (any distribution), and analyze with an exponential one', () => {
    // One host, its hardware on a crew with dispatch d before the repair r: U = (d + r) / (ttf + d + r).
    const one = (dispatch: unknown) => ({
      components: { hw: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: exp('10h'), crew: 'techs' }, app: { layer: 'vnf' } },
      crews: { techs: { size: 1, dispatch } },
      hosts: { h: { stack: ['hw'] } },
      vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
      services: { s: { chain: ['f'] } },
    });
    const exact = 14 / 114;
    const r = run(one('4h'), { runs: 40, horizon: 20000 * H });
    expectWithin(r.results.services[0].unavailability, exact, 10 / 110);
    close(analyzeModel(topo(one(exp('4h'))).model).services[0].unavailability, exact);
  });

  it('SAL classes: a component ranks by the best SAL of the services above it', () => {
    const doc = crewed({ size: 1, order: 'priority', priority: 'sal' });
    const two = {
      ...doc,
      vnfs: { f: { instances: 1, app: 'app', placement: { hosts: ['h-1'] } }, g: { instances: 1, app: 'app', placement: { hosts: ['h-2'] } } },
      services: { s: { chain: ['f'], sal: 2 }, t: { chain: ['g'], sal: 1 }, u: { chain: ['f'] } },
    };
    const m = topo(two).model;
    const rank = (path: string) => m.crews[0].rank![m.components.find((c) => c.path === path)!.index];
    expect([rank('shared.sw'), rank('hosts.h-1.hardware'), rank('hosts.h-2.hardware'), rank('vnfs.f.instances.1.app')]).toEqual([1, 2, 1, 2]);
  });

  it('validation names the path', () => {
    const messages = (doc: object) => {
      const e = thrown(() => topo(doc));
      expect(e).toBeInstanceOf(TopologyError);
      return (e as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(messages(crewed({ size: 1, order: 'priority' }))[0]).toMatch(/^crews\.techs\.priority: order priority needs 'priority'/);
    expect(messages(crewed({ size: 1, preemptive: true }))[0]).toMatch(/^crews\.techs\.preemptive: 'preemptive' goes with order: priority/);
    expect(messages(crewed({ size: 1, priority: 'layer' }))[0]).toMatch(/^crews\.techs\.priority: 'priority' goes with order: priority/);
    expect(messages(crewed({ size: 0 }))[0]).toMatch(/^crews\.techs\.size: /);
    expect(messages(crewed({ size: 1, order: 'lifo' }))[0]).toMatch(/^crews\.techs\.order: /);
    expect(messages(crewed('two'))[0]).toMatch(/^crews\.techs: expected a number of crews/);
  });
});

// ---------------------------------------------------------------------------------------
// Side components: a virtual switch beside the hypervisor (its own failures), and an
// application that needs it; the application restarts in 10 h after its host returns.

describe('side components', () => {
  const side = (needs: unknown) => ({
    components: {
      hw: { layer: 'hardware' },
      ovs: { layer: 'hypervisor', failures: { crash: { ttf: exp('200h') } }, repair: exp('20h') },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('10h'), restart: exp('10h') },
    },
    hosts: { h: { stack: ['hw'], beside: { vswitch: 'ovs' } } },
    vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' }, needs } },
    services: { s: { chain: ['f'] } },
  });

  it('an instance cut off by its virtual switch keeps running: A = a_app a_ovs, not the stacked answer', () => {
    // Independent: the application's clock runs while the switch is down, and nothing restarts.
    const aApp = 100 / 110;
    const aOvs = 200 / 220;
    const exact = 1 - aApp * aOvs;
    const outages = (1 / (100 * H) + 1 / (200 * H)) * aApp * aOvs * YEAR;
    // Wrong: the switch as a layer under the application (its clock stops, it restarts after).
    const stacked = side(undefined);
    stacked.hosts.h = { stack: ['hw', 'ovs2'] } as never;
    (stacked.components as Record<string, object>).ovs2 = { layer: 'hostOS', failures: { crash: { ttf: exp('200h') } }, repair: exp('20h') };
    const wrong = analyzeModel(topo(stacked).model).services[0];
    const r = run(side(['vswitch']), { runs: 60, horizon: 20000 * H });
    const s = r.results.services[0];
    expectWithin(s.unavailability, exact, wrong.unavailability);
    expectWithin(s.outagesPerYear, outages, wrong.outagesPerYear);
    // The outages the switch causes are its own: attributed to its type.
    expect(s.downtimeMinutesPerYearByType.ovs).toBeGreaterThan(0);
  });

  it('analyze solves it (A = a_app a_ovs, test/side-analysis.test.ts has more); validation names the path', () => {
    close(analyzeModel(topo(side(['vswitch'])).model).services[0].availability, (100 / 110) * (200 / 220));
    const e = thrown(() => topo(side(['storage']))) as TopologyError;
    expect(e.issues[0].path).toBe('vnfs.f.needs[0]');
    expect(e.issues[0].message).toMatch(/host 'h-1' has no side component 'storage' \(its roles: vswitch\)/);
    const bad = side(['vswitch']);
    bad.hosts.h = { stack: ['hw'], beside: { vswitch: 'app' } } as never;
    expect((thrown(() => topo(bad)) as TopologyError).issues[0].path).toBe('hosts.h.beside.vswitch');
  });
});
