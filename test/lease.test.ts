/**
 * Lease-based leader election (src/mechanisms/lease.ts): one leader among n, replaced
 * `takeover` after it fails; no majority. Checked against a Markov chain built here by
 * hand (analyze to 1e-9, simulation within 4 SE), with the wrong answers (a majority
 * quorum; an ideal 1-of-3 group that never waits for the lease) outside.
 */
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analysis/markov.js';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { close, exp, expectWithin, run, thrown, topo } from './helpers.js';

const H = 3600;
const n = 3;
const l = 1 / 50;
const m = 1 / 5;
const tau = 1 / 2;

const doc = (ha: object, extra: object = {}) => ({
  components: {
    hw: { layer: 'hardware' },
    kcm: { layer: 'vim', failures: { crash: { ttf: exp('50h') } }, repair: exp('5h') },
  },
  hosts: { h: { count: 3, stack: ['hw'] } },
  vim: { 'controller-manager': { instances: n, app: 'kcm', placement: { group: 'h', policy: 'anti-affinity' }, ha, ...extra } },
  services: { control: { chain: ['controller-manager'] } },
});

/** Unavailability from the chain: (members up, 'L' a leader / 'T' a takeover under way / 'N' nobody, none up). */
function exact(): number {
  type S = [number, 'L' | 'T' | 'N'];
  const { chain, states } = exploreCtmc<S>(
    [n, 'L'],
    (s) => s.join(','),
    ([u, st]) => {
      const out: Array<[S, number]> = [];
      if (st === 'L') {
        out.push([[u - 1, 'T'], l]);
        if (u > 1) out.push([[u - 1, 'L'], (u - 1) * l]);
        if (u < n) out.push([[u + 1, 'L'], (n - u) * m]);
      } else if (st === 'T') {
        if (u > 0) out.push([[u - 1, 'T'], u * l]);
        if (u < n) out.push([[u + 1, 'T'], (n - u) * m]);
        out.push([[u, u > 0 ? 'L' : 'N'], tau]);
      } else out.push([[1, 'L'], n * m]);
      return out;
    },
  );
  const pi = steadyState(chain);
  return states.reduce((x, s, i) => (s[1] === 'L' ? x : x + pi[i]), 0);
}

describe('lease-based leader election', () => {
  it('matches its Markov chain (analyze to 1e-9, simulation within 4 SE); a majority quorum and an ideal 1-of-3 are rejected', () => {
    const U = exact();
    const a = analyzeModel(topo(doc({ mechanism: 'lease', takeover: exp('2h') })).model);
    expect(a.exact).toBe(true);
    close(a.services[0].unavailability, U);
    const r = run(doc({ mechanism: 'lease', takeover: exp('2h') }), { runs: 40, horizon: 50000 * H });
    const s = r.results.services[0];
    const est = { mean: 1 - s.availability.mean, se: s.availability.se };
    // Ideal 1-of-3: down only while all three are.
    const ideal = (l / (l + m)) ** 3;
    expectWithin(est, U, ideal);
    // A 2-of-3 majority quorum with the same election time: the wrong kind of election.
    const q = analyzeModel(topo(doc({ mechanism: 'quorum', electionTimeout: exp('2h') })).model).services[0].unavailability;
    expect(Math.abs(q - U)).toBeGreaterThan(4 * est.se);
    // Every takeover that found a member up elected one.
    expect(r.results.groups[0].perYear.elections!.mean).toBeGreaterThan(0);
    // The time waiting for the lease is the outage's failover phase.
    expect(s.phases.failover!).toBeGreaterThan(0.5);
  });

  it('refuses k other than 1 and m, naming the path', () => {
    expect(String(thrown(() => topo(doc({ mechanism: 'lease' }, { k: 2 }))))).toMatch(/vim\.controller-manager\.k: a lease needs one leader: k must be 1/);
    expect(String(thrown(() => topo(doc({ mechanism: 'lease' }, { m: 2 }))))).toMatch(/vim\.controller-manager\.m: m has no effect on a lease/);
  });
});

describe('an active/passive pair under its cluster manager', () => {
  // A 1+1 pair of an application that crashes (MTTF 100 h, repair 10 h); its failures are
  // announced (1 min to declare), the switchover takes 5 min. Its cluster manager is a
  // lease-elected group of 2 (MTTF 10 h, repair 10 h, takeover 1 h: often down) on hosts of its own.
  const pair = (cm: object | null) => ({
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('100h') } }, repair: exp('10h') },
      pcmk: { layer: 'vim', ...(cm ?? {}) },
    },
    hosts: { h: { count: 4, stack: ['hw'] } },
    vim: { pacemaker: { instances: 2, app: 'pcmk', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'lease', takeover: exp('1h') } } },
    vnfs: {
      f: {
        instances: 2,
        k: 1,
        app: 'app',
        placement: { group: 'h', policy: 'anti-affinity' },
        ha: { mechanism: 'active-passive', detector: { kind: 'process', announced: exp('1m') }, switchover: exp('5m'), ...(cm !== null ? { clusterManager: 'pacemaker' } : {}) },
      },
    },
    services: { s: { chain: ['f'] } },
  });

  it('no takeover while the cluster manager is down: analyze (the same code, exactly) and the simulation agree; without the dependency they do not', () => {
    const doc = pair({ failures: { crash: { ttf: exp('10h') } }, repair: exp('10h') });
    const a = analyzeModel(topo(doc).model);
    expect(a.exact).toBe(true);
    // The pair and its cluster manager are one block.
    expect(a.blocks.length).toBe(1);
    const U = a.services[0].unavailability;
    const free = analyzeModel(topo(pair(null)).model).services[0].unavailability;
    const r = run(doc, { runs: 40, horizon: 50000 * H });
    const s = r.results.services[0];
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, free);
    // The time held waiting for the cluster manager is failover time.
    expect(s.phases.failover!).toBeGreaterThan(0);
  });

  it('with the cluster manager down for good, the pair is no better than its active alone: U = l / (l + m)', () => {
    // Both members fail 1 ms after the start and are never repaired.
    const doc = pair({ failures: { gone: { ttf: { dist: 'deterministic', value: '1ms' } } }, repair: { dist: 'deterministic', value: '1000000000y' } });
    const r = run(doc, { runs: 40, horizon: 20000 * H });
    const s = r.results.services[0];
    // The active's unavailability, 10 / 110; wrong: the pair's with takeovers.
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, 10 / 110, analyzeModel(topo(pair(null)).model).services[0].unavailability);
    expect(r.results.groups.find((g) => g.name === 'f')!.perYear.failovers).toBeUndefined();
  });

  it('names an unknown cluster manager', () => {
    const doc = pair({}) as any;
    doc.vnfs.f.ha.clusterManager = 'corosync';
    expect(String(thrown(() => topo(doc)))).toMatch(/vnfs\.f\.ha\.clusterManager: .*corosync/);
  });
});
