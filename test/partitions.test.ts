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
import { analyzeModel } from '../src/analysis/markov.js';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { cli, close, exp, expectWithin, run, thrown, topo } from './helpers.js';
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

  it('fencing escalation: a slow instance-level fence tried first, then the power fence (closed form); the power fence alone rejected', () => {
    const fencing = { escalation: [{ scope: 'instance', time: exp('5m'), success: 0.5 }], time: exp('10s'), success: 1 };
    const r = run(partitioned({ fencing }), { runs: 40, horizon: 200 * 8760 * H });
    const s = r.results.services.find((x) => x.name === 's')!;
    // Killed when the hang outlasts detection and the first level, then either that level
    // worked (1/2) or the power fence after it ran out too.
    const p = (m: number) => AGENT_MTTR / (AGENT_MTTR + m);
    const rate = (1 / AGENT_MTTF) * p(DETECT) * p(300) * (0.5 + 0.5 * p(10));
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, unavail(rate, 180), unavail(outlasting(DETECT, 10), 180));
  });

  it('an instance-level fence leaves the other instances on the host alone; a power fence takes them down', () => {
    const doc = (escalation: boolean) => {
      const d = partitioned({ fencing: { ...(escalation ? { escalation: [{ scope: 'instance', time: exp('5s'), success: 1 }] } : {}), time: exp('10s'), success: 1 } });
      (d.components.hw as Record<string, unknown>).restart = exp('2m');
      (d.vnfs as Record<string, unknown>).g = { instances: 1, app: 'app', placement: { hosts: ['compute-1'] } };
      (d.services as Record<string, unknown>).gs = { chain: ['g'] };
      return d;
    };
    const avail = (escalation: boolean) => run(doc(escalation), { runs: 10, horizon: 100 * 8760 * H }).results.services.find((x) => x.name === 'gs')!.availability.mean;
    expect(avail(true)).toBe(1);
    expect(avail(false)).toBeLessThan(1);
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

/**
 * A 1+1 active/passive pair on hosts that never fail, whose only trouble is its heartbeat
 * link (MTTF 100 h, repair 1 h): a cut seen by the standby after an exponential 5 s makes
 * it take over a live active. Fencing (3 s, success p) kills the old active; without it,
 * or after a failed fence with `takeover`, both serve and the split brain costs 10 min.
 */
function apLink(opts: { fence: number | null; quorumDevice?: boolean }) {
  return {
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf' },
      wire: { layer: 'rack', failures: { cut: { ttf: exp('100h') } }, repair: exp('1h') },
    },
    shared: { hb: { component: 'wire' } },
    hosts: { h: { count: 2, stack: ['hw'] } },
    vnfs: {
      f: {
        instances: 2,
        app: 'app',
        placement: { group: 'h', policy: 'anti-affinity' },
        ha: {
          mechanism: 'active-passive',
          detector: { announced: exp('1s') },
          switchover: exp('2s'),
          partition: { link: 'hb', detection: exp('5s'), quorumDevice: opts.quorumDevice ?? false },
          ...(opts.fence !== null ? { fencing: { time: exp('3s'), success: opts.fence, onFailure: 'takeover' } } : {}),
          splitBrainRecovery: exp('10m'),
        },
      },
    },
    services: { s: { chain: ['f'] } },
  };
}

/** The exact unavailability of apLink, from its chain built here by hand: link up/down, the link detection armed, and the takeover's step. */
function apLinkExact(fence: number | null): number {
  const [lam, mu, delta, phi, sigma, rho] = [1 / (100 * H), 1 / H, 1 / 5, 1 / 3, 1 / 2, 1 / 600];
  type S = { link: boolean; armed: boolean; step: 'serve' | 'fence' | 'switch' | 'switchSplit' | 'split' };
  const { chain, states } = exploreCtmc<S>(
    { link: true, armed: false, step: 'serve' },
    (s) => `${s.link}${s.armed}${s.step}`,
    (s) => {
      const out: Array<[S, number]> = [];
      // The link fails and is repaired whatever the pair does; a cut arms the standby's detection, a repair disarms it.
      out.push(s.link ? [{ ...s, link: false, armed: true }, lam] : [{ ...s, link: true, armed: false }, mu]);
      // The detection runs out: a takeover if the pair is serving, nothing otherwise (one cut, one takeover at most).
      if (s.armed) out.push([{ ...s, armed: false, step: s.step === 'serve' ? (fence !== null ? 'fence' : 'switchSplit') : s.step }, delta]);
      if (s.step === 'fence') {
        out.push([{ ...s, step: 'switch' }, phi * fence!]);
        if (fence! < 1) out.push([{ ...s, step: 'switchSplit' }, phi * (1 - fence!)]);
      }
      if (s.step === 'switch') out.push([{ ...s, step: 'serve' }, sigma]);
      if (s.step === 'switchSplit') out.push([{ ...s, step: 'split' }, sigma]);
      if (s.step === 'split') out.push([{ ...s, step: 'serve' }, rho]);
      return out;
    },
  );
  const pi = steadyState(chain);
  return states.reduce((u, st, i) => (st.step === 'serve' ? u : u + pi[i]), 0);
}

describe('partitions: an active/passive pair whose heartbeat link is cut', () => {
  for (const fence of [null, 0.95]) {
    it(`${fence === null ? 'without fencing' : 'with a 95% fence (takeover on failure)'}: the exact chain (analyze to 1e-9, simulation within 4 SE); the other policy's answer outside`, () => {
      const U = apLinkExact(fence);
      close(analyzeModel(topo(apLink({ fence })).model).services[0].unavailability, U);
      const r = run(apLink({ fence }), { runs: 20, horizon: 250 * 8760 * H });
      const s = r.results.services[0];
      // Wrong answer: the other fencing policy's exact value.
      expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, apLinkExact(fence === null ? 0.95 : null));
      const g = r.results.groups[0].perYear;
      expect(g.partitionTakeovers!.mean).toBeGreaterThan(0);
      if (fence === null) expect(g.splitBrains!.mean).toBeCloseTo(g.partitionTakeovers!.mean, 6);
      else expect(g.splitBrains!.mean).toBeLessThan(0.1 * g.partitionTakeovers!.mean);
    });
  }

  it('a quorum device as tie-breaker: a cut link starts no takeover', () => {
    const r = run(apLink({ fence: null, quorumDevice: true }), { runs: 4, horizon: 100 * 8760 * H });
    expect(r.results.services[0].availability.mean).toBe(1);
    expect(r.results.groups.find((g) => g.name === 'f')).toBeUndefined();
  });

  it('a link with nothing to detect it is refused by name', () => {
    const doc = apLink({ fence: null });
    const ha = doc.vnfs.f.ha as Record<string, unknown>;
    ha.partition = { link: 'hb' };
    expect(String((thrown(() => topo(doc)) as Error).message)).toMatch(/vnfs\.f\.ha\.partition\.detection: the detector has no beats to miss/);
    ha.partition = { link: 'nope', detection: '5s' };
    expect(String((thrown(() => topo(doc)) as Error).message)).toMatch(/vnfs\.f\.ha\.partition\.link: unknown shared element 'nope'/);
  });
});

/**
 * A quorum of `n` members (k = a majority; members fail MTTF 500 h, repair 2 h, each its
 * own crew) whose last member reaches the others through a link that can be cut (MTTF
 * 50 h, repair 1 h): the cut member keeps running but leaves the majority; a leader cut
 * off is replaced after the election timeout (exponential 10 s). `qd`: a quorum device
 * votes with the connected side.
 */
function quorumLink(link: boolean, n = 3, qd = false) {
  return {
    components: {
      hw: { layer: 'hardware' },
      etcd: { layer: 'vim', failures: { crash: { ttf: exp('500h') } }, repair: exp('2h') },
      nic: { layer: 'rack', failures: { cut: { ttf: exp('50h') } }, repair: exp('1h') },
    },
    shared: { nicN: { component: 'nic' } },
    hosts: { h: { count: n, stack: ['hw'] } },
    vim: {
      etcd: {
        instances: n,
        app: 'etcd',
        placement: { group: 'h', policy: 'anti-affinity' },
        ha: {
          mechanism: 'quorum',
          electionTimeout: exp('10s'),
          ...(link ? { partition: { links: Array.from({ length: n }, (_, j) => (j === n - 1 ? 'nicN' : null)), quorumDevice: qd } } : {}),
        },
      },
    },
    services: { kv: { chain: ['etcd'] } },
  };
}

/** The exact unavailability of quorumLink(true, n, qd), from its chain built here by hand (the rules of the quorum mechanism's header, written out). */
function quorumLinkExact(n = 3, qd = false): number {
  const k = Math.floor(n / 2) + 1;
  const [lam, mu, lamL, muL, el] = [1 / (500 * H), 1 / (2 * H), 1 / (50 * H), 1 / H, 1 / 10];
  type S = { up: boolean[]; link: boolean; leader: number; electing: boolean };
  const last = n - 1;
  // The two sides: the connected members, and the last one alone while its link is cut.
  const connected = (s: S) => s.up.map((u, j) => (u && (j < last || s.link) ? j : -1)).filter((j) => j >= 0);
  const cut = (s: S) => (!s.link && s.up[last] ? [last] : []);
  const votes = (m: number[], isConnected: boolean) => (m.length > 0 && isConnected && qd ? m.length + 1 : m.length);
  // The serving side: the most votes, ties to the connected side; and its votes.
  const serving = (s: S): [number[], number] => {
    const c = votes(connected(s), true);
    const x = votes(cut(s), false);
    return x > c ? [cut(s), x] : [connected(s), c];
  };
  const side = (s: S) => serving(s)[0];
  const quorum = (s: S) => serving(s)[1] >= k;
  const settle = (s: S): S => {
    if (!quorum(s)) return { ...s, leader: -1, electing: false };
    if (s.leader >= 0 && !side(s).includes(s.leader)) return { ...s, leader: -1, electing: true };
    if (s.leader < 0 && !s.electing) return { ...s, electing: true };
    return s;
  };
  const { chain, states } = exploreCtmc<S>(
    { up: new Array<boolean>(n).fill(true), link: true, leader: 0, electing: false },
    (s) => `${s.up.join()}|${s.link}|${s.leader}|${s.electing}`,
    (s) => {
      const out: Array<[S, number]> = [];
      for (let j = 0; j < n; j++) {
        const up = s.up.slice();
        up[j] = !up[j];
        out.push([settle({ ...s, up }), s.up[j] ? lam : mu]);
      }
      out.push([settle({ ...s, link: !s.link }), s.link ? lamL : muL]);
      if (s.electing) out.push([{ ...s, electing: false, leader: side(s)[0] }, el]);
      return out;
    },
  );
  const pi = steadyState(chain);
  return states.reduce((u, st, i) => (st.leader >= 0 && quorum(st) ? u : u + pi[i]), 0);
}

describe('partitions: a quorum member cut off by its link', () => {
  it('the exact chain (analyze to 1e-9, simulation within 4 SE); the quorum without partitions outside', () => {
    const U = quorumLinkExact();
    close(analyzeModel(topo(quorumLink(true)).model).services[0].unavailability, U);
    const r = run(quorumLink(true), { runs: 20, horizon: 150 * 8760 * H });
    const s = r.results.services[0];
    const noLink = analyzeModel(topo(quorumLink(false)).model).services[0].unavailability;
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, noLink);
  });

  it('a quorum device breaks the tie: two members with a device, the second behind a link (analyze to 1e-9 against the chain, simulation within 4 SE); without the device outside', () => {
    const U = quorumLinkExact(2, true);
    close(analyzeModel(topo(quorumLink(true, 2, true)).model).services[0].unavailability, U);
    const r = run(quorumLink(true, 2, true), { runs: 20, horizon: 150 * 8760 * H });
    const s = r.results.services[0];
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, U, quorumLinkExact(2, false));
  });

  it('refuses a list of links of the wrong length, and an unknown element, with their paths', () => {
    const doc = quorumLink(true);
    const ha = doc.vim.etcd.ha as Record<string, unknown>;
    ha.partition = { links: [null, 'nicN'] };
    expect(String((thrown(() => topo(doc)) as Error).message)).toMatch(/vim\.etcd\.ha\.partition\.links: give one entry per member: 3/);
    ha.partition = { links: [null, null, 'nic9'] };
    expect(String((thrown(() => topo(doc)) as Error).message)).toMatch(/vim\.etcd\.ha\.partition\.links\[2\]: unknown shared element 'nic9'/);
  });
});

/**
 * Gray failures (`degraded`): two active-active instances (m = 2: each carries half the
 * load) whose application fails silently every 1000 h (exponential), serving half of its
 * requests badly until the health check removes it; repair 1 h (exponential, from the
 * failure). `kind` is the health check: a heartbeat sees the bad answers at the next
 * challenge (uniform over the 10 min interval), a process check never does.
 */
function gray(kind: 'heartbeat' | 'process') {
  return {
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf', failures: { gray: { ttf: exp('1000h'), announced: false, degraded: 0.5, undetected: '0s' } }, repair: exp('1h') },
      lb: { layer: 'vnf' },
    },
    hosts: { h: { count: 3, stack: ['hw'] } },
    vnfs: {
      lb: { instances: 1, app: 'lb', placement: { group: 'h' } },
      f: { instances: 2, k: 1, m: 2, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: { mechanism: 'active-active', balancer: 'lb', detector: { kind, interval: '10m', misses: 3 } } },
    },
    services: { s: { chain: ['f'] } },
  };
}

describe('gray failures: up for the monitor, serving a share badly', () => {
  const tau = 3600;
  const T = 600;
  const mttf = 1000 * H;
  // The gray period: min(removal at U(0, T), repair at Exp(tau)); E = integral of (1 - t/T) e^(-t/tau) over [0, T].
  const grayMean = tau * (1 - Math.exp(-T / tau)) - (tau * tau - tau * (T + tau) * Math.exp(-T / tau)) / T;
  // Capacity lost by two instances (m = 2), each half the load: additive even when both are down.
  const lost = (perFailure: number) => (2 * perFailure) / (mttf + tau);

  it('a heartbeat health check removes it: capacity lost x/2 while gray, 1/2 once removed (closed form); a plain failure rejected', () => {
    const r = run(gray('heartbeat'), { runs: 20, horizon: 500 * 8760 * H });
    const c = r.results.services[0].capacityWeightedAvailability;
    const exact = lost(0.25 * grayMean + 0.5 * (tau - grayMean));
    // Wrong answer: the failed instance serves nothing until removed (no gray period).
    expectWithin({ mean: 1 - c.mean, se: c.se }, exact, lost(0.5 * tau));
    expect(r.results.services[0].availability.mean).toBeGreaterThan(c.mean);
  });

  it('a process check never sees it: it serves half its share badly until repaired (closed form)', () => {
    const r = run(gray('process'), { runs: 20, horizon: 500 * 8760 * H });
    const c = r.results.services[0].capacityWeightedAvailability;
    expectWithin({ mean: 1 - c.mean, se: c.se }, lost(0.25 * tau), lost(0.25 * grayMean + 0.5 * (tau - grayMean)));
  });

  it('is refused outside active-active groups and when announced', () => {
    const doc = gray('heartbeat');
    (doc.vnfs.f as Record<string, unknown>).ha = { mechanism: 'k-of-n' };
    expect(String((thrown(() => topo(doc)) as Error).message)).toMatch(/vnfs\.f\.app: its application's failure mode 'gray' is a gray failure/);
    const doc2 = gray('heartbeat');
    (doc2.components.app.failures.gray as Record<string, unknown>).announced = true;
    delete (doc2.components.app.failures.gray as Record<string, unknown>).undetected;
    expect(String((thrown(() => topo(doc2)) as Error).message)).toMatch(/components\.app\.failures\.gray\.degraded: a gray failure is silent/);
  });
});

describe("data planes: instances cut off while their host's data network is down", () => {
  /** A 1-of-2 VNF on two hosts whose data plane is one shared switch (MTTF 500 h, repair 2 h); the applications fail on their own (MTTF 200 h, repair 1 h). */
  const doc = {
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('200h') } }, repair: exp('1h') },
      sw: { layer: 'rack', failures: { crash: { ttf: exp('500h') } }, repair: exp('2h') },
    },
    shared: { dsw: { component: 'sw' } },
    hosts: { h: { count: 2, stack: ['hw'], data: ['dsw'] } },
    vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
    services: { s: { chain: ['f'] } },
  };
  const aApp = 200 / 201;
  const aSw = 500 / 502;
  const exact = 1 - aSw * (1 - (1 - aApp) ** 2);

  it('the closed form 1 - a_sw (1 - (1 - a_app)^2): analyze to 1e-9, simulation within 4 SE; the switch ignored outside', () => {
    close(analyzeModel(topo(doc).model).services[0].unavailability, exact);
    const r = run(doc, { runs: 20, horizon: 200 * 8760 * H });
    const s = r.results.services[0];
    expectWithin({ mean: 1 - s.availability.mean, se: s.availability.se }, exact, (1 - aApp) ** 2);
  });

  it('refuses instances that could move off such a host', () => {
    const moving = { ...doc, vim: { api: { instances: 1, app: 'app', placement: { group: 'h' } } }, services: { ...doc.services, api: { chain: ['api'] } } };
    (moving.vnfs.f as Record<string, unknown>).evacuation = { vim: 'api', detection: '60s', rebuild: '3m' };
    expect(String((thrown(() => topo(moving)) as Error).message)).toMatch(/vnfs\.f\.placement: instances on host 'h-1' cannot move/);
  });
});
