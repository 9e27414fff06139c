/**
 * Management planes and unreachable-but-alive hosts (src/sim/network.ts) with evacuation
 * (src/mechanisms/evacuation.ts): false evacuations, fencing of healthy hosts, and split
 * brain when an evacuated instance's old copy keeps running. Checked against closed
 * forms (within 4 SE, the wrong answer outside) and by the directions the rules must
 * give (no fencing -> split brain; a fence that works 95% of the time -> fewer; a longer
 * grace period -> fewer false evacuations but longer real outages).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cli, exp, expectWithin, run, thrown, topo } from './helpers.js';
import { TopologyError } from '../src/model/errors.js';

const H = 3600;
const AGENT_MTTF = 200 * H;
const AGENT_MTTR = 30 * 60;
const DETECT = 60;

/**
 * One VM instance (its application never fails) on four compute hosts that never fail,
 * each reachable through its own compute agent (MTTF 200 h, repair 30 min, exponential);
 * evacuation detects an unreachable host after an exponential 60 s and rebuilds the VM
 * in an exponential 3 min. `evac` adds to the evacuation section; `hostCrash` gives the
 * hosts' hardware a failure mode.
 */
function partitioned(evac: object, hostCrash?: object) {
  return {
    components: {
      hw: { layer: 'hardware', ...(hostCrash ? { failures: { crash: hostCrash }, repair: exp('4h') } : {}) },
      kvm: { layer: 'hypervisor' },
      agent: { layer: 'hostOS', failures: { hang: { ttf: exp('200h') } }, repair: exp('30m') },
      vm: { layer: 'vm' },
      app: { layer: 'vnf' },
      api: { layer: 'vim' },
    },
    hosts: {
      ctl: { count: 1, stack: ['hw'] },
      compute: { count: 4, stack: ['hw', 'kvm'], beside: { agent: 'agent' }, management: ['agent'] },
    },
    vim: { nova: { instances: 1, app: 'api', placement: { group: 'ctl' } } },
    vnfs: {
      f: {
        instances: 1,
        vm: 'vm',
        app: 'app',
        placement: { group: 'compute' },
        evacuation: { vim: 'nova-api', detection: exp('60s'), rebuild: exp('3m'), ...evac },
      },
    },
    services: { 'nova-api': { chain: ['nova'] }, s: { chain: ['f'] } },
  };
}

/** The per-hour rate of an agent hang on the instance's host that outlasts `extra` exponential delays (means in seconds) after it. */
function outlasting(...means: number[]): number {
  return means.reduce((p, m) => p * (AGENT_MTTR / (AGENT_MTTR + m)), 1 / AGENT_MTTF);
}

const unavail = (rate: number, outage: number) => (rate * outage) / (1 + rate * outage);

describe('partitions: unreachable but alive hosts and evacuation', () => {
  it('fencing a healthy host: every agent hang that outlasts detection and the fence costs the rebuild (closed form)', () => {
    const r = run(partitioned({ fencing: { time: exp('10s'), success: 1 } }), { runs: 40, horizon: 200 * 8760 * H });
    const s = r.results.services.find((x) => x.name === 's')!;
    const rate = outlasting(DETECT, 10);
    // Wrong answer: the host is alive, so nothing is lost (fencing off, stateless).
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, unavail(rate, 180), 0);
    const g = r.results.groups.find((x) => x.name === 'f')!.perYear;
    // Every evacuation was of an alive host, and fenced: no split brain.
    expect(g.falseEvacuations!.mean).toBeCloseTo(g.evacuations!.mean, 6);
    expect(g.splitBrains).toBeUndefined();
    expect(Math.abs(g.falseEvacuations!.mean - rate * 8760 * H) / (rate * 8760 * H)).toBeLessThan(0.05);
  });

  it('no fencing, a stateful VNF: the old copy serves until its agent is back, and each split brain costs the reconciliation (closed form)', () => {
    const r = run(partitioned({ splitBrain: { reconcile: exp('10m') } }), { runs: 40, horizon: 200 * 8760 * H });
    const s = r.results.services.find((x) => x.name === 's')!;
    // A split brain: the hang outlasts detection and the new copy's rebuild (3 min). A hang
    // that outlasts detection but not the rebuild kills the old copy before the new one is
    // up: down for the rest of the rebuild (3 min, memoryless).
    const rate = outlasting(DETECT, 180);
    const early = outlasting(DETECT) - rate;
    const exact = (rate * 600 + early * 180) / (1 + rate * 600 + early * 180);
    // Wrong answer: every evacuation ends in a split brain (the old copy's agent never returns before the rebuild).
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, exact, unavail(outlasting(DETECT), 600));
    const g = r.results.groups.find((x) => x.name === 'f')!.perYear;
    expect(Math.abs(g.splitBrains!.mean - rate * 8760 * H) / (rate * 8760 * H)).toBeLessThan(0.05);
    // Two copies run from the new one's start to the agent's return: mean 30 min each.
    expect(Math.abs(g.splitBrainMinutes!.mean / g.splitBrains!.mean - 30) / 30).toBeLessThan(0.05);
  });

  it('directions: no fencing -> split brain; a 95% fence with takeover -> fewer; stateless -> only the rest of a rebuild; a longer grace period -> fewer false evacuations but longer real outages', () => {
    const opts = { runs: 20, horizon: 100 * 8760 * H };
    const perYear = (evac: object, crash?: object) => {
      const r = run(partitioned(evac, crash), opts);
      return { g: r.results.groups.find((x) => x.name === 'f')!.perYear, s: r.results.services.find((x) => x.name === 's')! };
    };
    const none = perYear({});
    const fence95 = perYear({ fencing: { time: exp('10s'), success: 0.95, onFailure: 'takeover' } });
    expect(none.g.splitBrains!.mean).toBeGreaterThan(0);
    expect(fence95.g.splitBrains!.mean).toBeLessThan(0.2 * none.g.splitBrains!.mean);
    // Stateless without fencing: the old copy serves until the new one is up, unless its
    // agent returns first and destroys it: then down for the rest of the rebuild.
    const early = outlasting(DETECT) - outlasting(DETECT, 180);
    expectWithin({ mean: 1 - none.s.availability.mean, se: none.s.availability.se }, unavail(early, 180), 0);
    // A 10-minute grace period instead of 60 s: fewer false evacuations, longer outages after real host crashes.
    const crash = { ttf: exp('2000h') };
    const short = perYear({ fencing: { time: exp('10s'), success: 1 } }, crash);
    const long = perYear({ fencing: { time: exp('10s'), success: 1 }, detection: exp('10m') }, crash);
    expect(long.g.falseEvacuations!.mean).toBeLessThan(0.8 * short.g.falseEvacuations!.mean);
    expect(long.s.meanOutageSeconds!.mean).toBeGreaterThan(short.s.meanOutageSeconds!.mean + 4 * Math.hypot(long.s.meanOutageSeconds!.se, short.s.meanOutageSeconds!.se));
  });

  it('a management element that does not exist is refused with its path', () => {
    const doc = partitioned({});
    (doc.hosts.compute as { management: string[] }).management = ['agent', 'mgmt-switch'];
    const e = thrown(() => topo(doc));
    expect(e).toBeInstanceOf(TopologyError);
    expect(String((e as Error).message)).toMatch(/hosts\.compute\.management\[1\]: unknown network element 'mgmt-switch'/);
  });

  it('the CLI names the bad element and exits 2', () => {
    const doc = partitioned({});
    (doc.hosts.compute as { management: string[] }).management = ['agnt'];
    const file = join(mkdtempSync(join(tmpdir(), 'nfvsim-')), 'bad.yaml');
    writeFileSync(file, stringify(doc));
    const r = cli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: hosts\.compute\.management\[0\]: unknown network element 'agnt'/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
