/**
 * The simulator against exact answers. Each test runs at a fixed seed and passes when
 * |estimate - exact| <= 4 standard errors; each names the plausible wrong answer and
 * checks that it lies outside that band, so the test can tell the two apart.
 */
import { describe, expect, it } from 'vitest';
import { exploreCtmc, steadyState } from '../src/analysis/ctmc.js';
import { exp, expectWithin, run, topo } from './helpers.js';
import { simulate } from '../src/index.js';

const H = 3600;

/** A single host group of `count` hosts with only a hardware layer, and a VNF on them. */
function redundantHosts(opts: { count: number; k: number; hw: object; crews?: number }) {
  return {
    components: {
      hw: { layer: 'hardware', failures: { crash: { ttf: exp('100h') } }, repair: opts.hw, ...(opts.crews ? { crew: 'techs' } : {}) },
      app: { layer: 'vnf' },
    },
    ...(opts.crews ? { crews: { techs: opts.crews } } : {}),
    hosts: { h: { count: opts.count, stack: ['hw'] } },
    vnfs: { f: { instances: opts.count, k: opts.k, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
    services: { s: { chain: ['f'] } },
  };
}

describe('one component', () => {
  it('exponential failure and repair: A = MTTF / (MTTF + MTTR)', () => {
    const doc = redundantHosts({ count: 1, k: 1, hw: exp('20h') });
    const r = run(doc, { runs: 100, horizon: 20000 * H });
    const a = r.results.services[0].availability;
    // Wrong answer: the first-order approximation 1 - MTTR/MTTF = 0.8.
    expectWithin(a, 100 / 120, 1 - 20 / 100);
  });

  it('Weibull failures and lognormal repairs: renewal theory gives the same formula', () => {
    // Weibull(shape 2, scale 100h): mean 100 * Gamma(1.5) = 88.62h. Lognormal repair mean 10h, cv 1.5.
    const doc = redundantHosts({ count: 1, k: 1, hw: { dist: 'lognormal', mean: '10h', cv: 1.5 } });
    (doc.components.hw as any).failures.crash.ttf = { dist: 'weibull', shape: 2, scale: '100h' };
    const mttf = 100 * 0.886226925452758;
    // A long warm-up removes the bias of starting new (an aging component starts with a full life).
    const r = run(doc, { runs: 100, horizon: 30000 * H, warmup: 1000 * H });
    // Wrong answer: taking the Weibull scale as the mean: 100 / 110.
    expectWithin(r.results.services[0].availability, mttf / (mttf + 10), 100 / 110);
  });
});

describe('redundancy', () => {
  it('two independent replicas, one needed: A = 1 - (1 - a)^2', () => {
    const r = run(redundantHosts({ count: 2, k: 1, hw: exp('20h') }), { runs: 100, horizon: 20000 * H });
    const a = 100 / 120;
    // Wrong answer: one replica's availability (no redundancy credit).
    expectWithin(r.results.services[0].availability, 1 - (1 - a) ** 2, a);
  });

  it('2-of-3 with independent repair: A = a^3 + 3 a^2 (1 - a)', () => {
    const r = run(redundantHosts({ count: 3, k: 2, hw: exp('20h') }), { runs: 100, horizon: 20000 * H });
    const a = 100 / 120;
    // Wrong answer: 1-of-3 (majority ignored).
    expectWithin(r.results.services[0].availability, a ** 3 + 3 * a * a * (1 - a), 1 - (1 - a) ** 3);
  });

  it('1-of-2 sharing one repair crew: the birth-death chain, not independent repair', () => {
    const r = run(redundantHosts({ count: 2, k: 1, hw: exp('20h'), crews: 1 }), { runs: 100, horizon: 20000 * H });
    // States 0, 1, 2 failed; 0->1 at 2l, 1->2 at l, repair at mu (one crew): pi2 / pi0 = 2 (l/mu)^2.
    const rho = 20 / 100;
    const exactU = (2 * rho * rho) / (1 + 2 * rho + 2 * rho * rho);
    // Wrong answer: independent repair, U = (MTTR / (MTTF + MTTR))^2.
    expectWithin(r.results.services[0].unavailability, exactU, (20 / 120) ** 2);
  });
});

describe('a layered stack with propagation and restarts', () => {
  // hardware -> hostOS -> hypervisor -> VM -> VNF, all exponential. Means in hours:
  const layers = [
    { name: 'hw', layer: 'hardware', mttf: 400, mttr: 10, restart: 0 },
    { name: 'os', layer: 'hostOS', mttf: 200, mttr: 2, restart: 4 },
    { name: 'hyp', layer: 'hypervisor', mttf: 300, mttr: 1, restart: 2 },
    { name: 'vm', layer: 'vm', mttf: 250, mttr: 1, restart: 3 },
    { name: 'app', layer: 'vnf', mttf: 150, mttr: 0.5, restart: 2 },
  ];

  /**
   * The exact model, stated independently of the simulator. Each component is U (up),
   * F (failed, under repair), D (down: not failed, the layer below is not up) or R
   * (restarting). Failure (U only) sends every U/R component above to D; a repair
   * ends in U if the layer below is up, else D; a component whose layer below comes
   * up goes from D to R; a restart ends in U. The service is up when the top is U.
   */
  function exactAvailability(): number {
    type S = string[];
    const n = layers.length;
    const below = (s: S, i: number) => i === 0 || s[i - 1] === 'U';
    const afterUp = (s: S, i: number): S => {
      const t = [...s];
      t[i] = 'U';
      if (i + 1 < n && t[i + 1] === 'D') t[i + 1] = 'R';
      return t;
    };
    const { chain, states } = exploreCtmc<S>(
      layers.map(() => 'U'),
      (s) => s.join(''),
      (s) => {
        const out: Array<[S, number]> = [];
        layers.forEach((l, i) => {
          if (s[i] === 'U') {
            const t = [...s];
            t[i] = 'F';
            for (let j = i + 1; j < n; j++) if (t[j] === 'U' || t[j] === 'R') t[j] = 'D';
            out.push([t, 1 / l.mttf]);
          } else if (s[i] === 'F') {
            if (below(s, i)) out.push([afterUp(s, i), 1 / l.mttr]);
            else {
              const t = [...s];
              t[i] = 'D';
              out.push([t, 1 / l.mttr]);
            }
          } else if (s[i] === 'R') out.push([afterUp(s, i), 1 / l.restart]);
        });
        return out;
      },
    );
    const pi = steadyState(chain);
    return states.reduce((acc, s, i) => acc + (s[n - 1] === 'U' ? pi[i] : 0), 0);
  }

  it('matches the exact Markov solution, not the product of layer availabilities', () => {
    const components: Record<string, object> = {};
    for (const l of layers) {
      components[l.name] = {
        layer: l.layer,
        failures: { f: { ttf: exp(`${l.mttf}h`) } },
        repair: exp(`${l.mttr}h`),
        ...(l.restart > 0 ? { restart: exp(`${l.restart}h`) } : {}),
      };
    }
    const doc = {
      components,
      hosts: { h: { stack: ['hw', 'os', 'hyp'] } },
      vnfs: { f: { instances: 1, vm: 'vm', app: 'app', placement: { group: 'h' } } },
      services: { s: { chain: ['f'] } },
    };
    const exact = exactAvailability();
    const product = layers.reduce((p, l) => p * (l.mttf / (l.mttf + l.mttr)), 1);
    const r = run(doc, { runs: 100, horizon: 20000 * H });
    expect(exact).toBeLessThan(product);
    expectWithin(r.results.services[0].availability, exact, product);
  });
});

describe('confidence intervals', () => {
  it('the 95% interval holds the exact value in 93-97% of 1000 seeds', () => {
    // One component, MTTF 10h, MTTR 1h: A = 10/11. 20 replications of 500h per interval.
    const doc = redundantHosts({ count: 1, k: 1, hw: exp('1h') });
    (doc.components.hw as any).failures.crash.ttf = exp('10h');
    const t = topo(doc);
    const exact = 10 / 11;
    let covered = 0;
    const seeds = 1000;
    for (let seed = 1; seed <= seeds; seed++) {
      const a = simulate(t, { runs: 20, horizon: 500 * H, seed }).results.services[0].availability;
      if (a.lo <= exact && exact <= a.hi) covered++;
    }
    const share = covered / seeds;
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(`coverage ${share}`);
    expect(share).toBeGreaterThanOrEqual(0.93);
    expect(share).toBeLessThanOrEqual(0.97);
  });
});

describe('exact solver', () => {
  it('solves a two-state chain and a chain with rates 12 orders of magnitude apart', () => {
    const pi = steadyState({ n: 2, transitions: [{ from: 0, to: 1, rate: 1 }, { from: 1, to: 0, rate: 9 }] });
    expect(pi[0]).toBeCloseTo(0.9, 14);
    const l = 1e-9;
    const m = 1e3;
    const pi3 = steadyState({
      n: 3,
      transitions: [
        { from: 0, to: 1, rate: 2 * l },
        { from: 1, to: 2, rate: l },
        { from: 1, to: 0, rate: m },
        { from: 2, to: 1, rate: m },
      ],
    });
    const r = l / m;
    expect(pi3[2] / (2 * r * r / (1 + 2 * r + 2 * r * r))).toBeCloseTo(1, 10);
  });
});
