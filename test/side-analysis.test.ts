/**
 * `analyze` on instances that need side components (`needs` on a host's `beside`): a 1-of-2
 * VNF whose instances need the virtual switch beside the hypervisor of their hosts. Every
 * part fails and is repaired (exponential): the server (taking down the switch and the
 * application on it, which restart after it returns), the virtual switch and the
 * application. The exact answer is a CTMC written out here from the rules stated in the
 * README (What happens in a history; Side components): analyze must give it to 1e-9, the
 * simulation within 4 standard errors; the answer that ignores the switch (instances up
 * while their application is) is shown to lie outside the band.
 */
import { describe, expect, it } from 'vitest';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { analyzeModel } from '../src/analysis/markov.js';
import { close, exp, expectWithin, run, topo } from './helpers.js';

const H = 3600;
const YEAR = 365 * 86400;

/** Rates per hour: failure, repair, restart after the server returns. */
const HW = { fail: 1 / 1000, repair: 1 / 20 };
const OVS = { fail: 1 / 300, repair: 1 / 5, restart: 1 / 1 };
const APP = { fail: 1 / 200, repair: 1 / 10, restart: 1 / 2 };

const doc = (needs: string[] | undefined) => ({
  components: {
    hw: { layer: 'hardware', failures: { crash: { ttf: exp('1000h') } }, repair: exp('20h') },
    ovs: { layer: 'hypervisor', failures: { crash: { ttf: exp('300h') } }, repair: exp('5h'), restart: exp('1h') },
    app: { layer: 'vnf', failures: { crash: { ttf: exp('200h') } }, repair: exp('10h'), restart: exp('2h') },
  },
  hosts: { h: { count: 2, stack: ['hw'], beside: { vswitch: 'ovs' } } },
  vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ...(needs ? { needs } : {}) } },
  services: { s: { chain: ['f'] } },
});

/**
 * A component on the server: U up, F failed (its repair runs, whether the server is up or
 * not), W down with the server (not failed), R restarting after the server returned.
 */
type C = 'U' | 'F' | 'W' | 'R';
interface Host {
  hw: 'U' | 'F';
  ovs: C;
  app: C;
}

/**
 * One host's chain, from the stated rules: a server failure takes down what is up or
 * restarting on it (W; a restart under way is cancelled), a failed one keeps its repair
 * running; when the server returns, what is W restarts (R); a repair that ends while the
 * server is down leaves the component W, else up. Down components do not fail.
 */
function hostChain() {
  const next = (s: Host): Array<[Host, number]> => {
    const out: Array<[Host, number]> = [];
    const on = (x: C): C => (x === 'W' ? 'R' : x);
    const off = (x: C): C => (x === 'F' ? 'F' : 'W');
    if (s.hw === 'U') out.push([{ hw: 'F', ovs: off(s.ovs), app: off(s.app) }, HW.fail]);
    else out.push([{ hw: 'U', ovs: on(s.ovs), app: on(s.app) }, HW.repair]);
    for (const [key, r] of [['ovs', OVS], ['app', APP]] as const) {
      const x = s[key];
      if (x === 'U') out.push([{ ...s, [key]: 'F' }, r.fail]);
      if (x === 'F') out.push([{ ...s, [key]: s.hw === 'U' ? 'U' : 'W' }, r.repair]);
      if (x === 'R') out.push([{ ...s, [key]: 'U' }, r.restart]);
    }
    return out;
  };
  const { chain, states } = exploreCtmc<Host>({ hw: 'U', ovs: 'U', app: 'U' }, (s) => `${s.hw}${s.ovs}${s.app}`, next);
  const pi = steadyState(chain);
  return { chain, states, pi };
}

/**
 * The 1-of-2 service: the hosts are independent, so it is down with probability u^2
 * (u: one instance not connected) and goes down at rate 2 u f (f: the flow of one
 * instance from connected to not, per hour).
 */
function exact(connected: (s: Host) => boolean) {
  const { chain, states, pi } = hostChain();
  const u = states.reduce((a, s, i) => (connected(s) ? a : a + pi[i]), 0);
  const f = chain.transitions.reduce((a, t) => (connected(states[t.from]) && !connected(states[t.to]) ? a + pi[t.from] * t.rate : a), 0);
  return { unavailability: u * u, outagesPerYear: (2 * u * f * YEAR) / H };
}

describe('analyze: instances that need side components', () => {
  const right = exact((s) => s.app === 'U' && s.ovs === 'U');
  // Wrong: the switch ignored (an instance is up while its application is).
  const wrong = exact((s) => s.app === 'U');

  it('analyze matches the chain written out from the rules (1e-9), and differs from the answer without the switch', () => {
    const a = analyzeModel(topo(doc(['vswitch'])).model);
    const s = a.services[0];
    close(s.unavailability, right.unavailability);
    close(s.outagesPerYear, right.outagesPerYear);
    expect(a.exact).toBe(true);
    // Without `needs` the same file gives the other answer, from the same code.
    close(analyzeModel(topo(doc(undefined)).model).services[0].unavailability, wrong.unavailability);
    expect(right.unavailability / wrong.unavailability).toBeGreaterThan(1.5);
    // Unlumped (the two hosts are interchangeable units, each with its switch): the same.
    close(analyzeModel(topo(doc(['vswitch'])).model, { lump: false }).services[0].unavailability, right.unavailability);
  });

  it('a switch on a server that never fails is a unit of its own: not lumped apart from its instance', () => {
    // Server up for ever: switch and application independent, U = (1 - a_app a_ovs)^2.
    const d = doc(['vswitch']);
    d.components.hw = { layer: 'hardware' } as never;
    const a = (r: { fail: number; repair: number }) => r.repair / (r.repair + r.fail);
    const u = 1 - a(APP) * a(OVS);
    close(analyzeModel(topo(d).model).services[0].unavailability, u * u);
    // The answer without the switch, (1 - a_app)^2, is far from it.
    expect(u * u - (1 - a(APP)) ** 2).toBeGreaterThan(1e-3);
  });

  it('the simulation matches it within 4 SE; the answer without the switch lies outside', () => {
    const r = run(doc(['vswitch']), { runs: 100, horizon: 20 * YEAR, seed: 5 });
    const s = r.results.services[0];
    expectWithin(s.unavailability, right.unavailability, wrong.unavailability);
    expectWithin(s.outagesPerYear, right.outagesPerYear, wrong.outagesPerYear);
  });
});
