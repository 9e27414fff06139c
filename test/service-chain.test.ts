/**
 * A chain service's state (sim/system.ts, ServiceSim): up while every member group is, at
 * the capacity of its least member, and while down in the phase of its first member in
 * chain order that is down. The simulation keeps only the members short of full capacity
 * and looks at those; this test follows every group's state from a traced history and
 * checks each service change against the rule worked out over the whole chain, and that
 * no change of the rule's value goes unreported.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyText } from '../src/model/index.js';
import { runReplication } from '../src/runner/replication.js';
import type { TraceEvent } from '../src/sim/system.js';

/** Chains over groups whose capacity moves with each instance (m > k), a group without redundancy whose failures are silent (its outages are first in phase detection), a group in several chains. */
const TEXT = `
name: chain-rule
components:
  host: { layer: hardware, failures: { crash: { ttf: { dist: exponential, mean: 400h } } }, repair: { dist: exponential, mean: 6h } }
  app: { layer: vnf, failures: { crash: { ttf: { dist: exponential, mean: 20h } } }, repair: { dist: lognormal, mean: 2h, cv: 1 } }
  silent:
    layer: vnf
    failures: { hang: { ttf: { dist: exponential, mean: 20h }, announced: false, undetected: { dist: exponential, mean: 1h } } }
    repair: { dist: exponential, mean: 1h }
hosts:
  h: { count: 3, stack: [host], slots: 20 }
vnfs:
  a: { instances: 3, k: 1, m: 3, app: app, placement: { group: h, policy: spread } }
  b: { instances: 4, k: 2, m: 4, app: app, placement: { group: h, policy: spread } }
  c: { instances: 1, app: silent, placement: { group: h } }
  d: { instances: 2, k: 1, m: 2, app: app, placement: { group: h, policy: spread } }
services:
  long: { chain: [a, b, c, d] }
  short: { chain: [d, b] }
  ends: { chain: [d, c, a] }
simulation: { horizon: 5y }
`;

const CHAINS: Record<string, string[]> = { long: ['a', 'b', 'c', 'd'], short: ['d', 'b'], ends: ['d', 'c', 'a'] };

describe('chain services: least capacity, first member down', () => {
  it('every service change is the rule over the whole chain, and none is missed', () => {
    const model = loadTopologyText(TEXT, 'chain-rule.yaml').model;
    const group = new Map<string, { up: boolean; capacity: number; phase: string }>();
    for (const g of ['a', 'b', 'c', 'd']) group.set(g, { up: true, capacity: 1, phase: '' });
    const service = new Map<string, string>(Object.keys(CHAINS).map((s) => [s, 'capacity 1']));
    /** The rule's value for service s from the groups' states, in the trace's words. */
    const rule = (s: string) => {
      const members = CHAINS[s].map((g) => group.get(g)!);
      const down = members.find((m) => !m.up);
      return down ? down.phase : `capacity ${Math.min(...members.map((m) => m.capacity))}`;
    };
    const events: TraceEvent[] = [];
    runReplication(model, { seed: 11, horizon: model.defaults.horizon, warmup: 0 }, 0, { trace: (e) => events.push(e) });
    let groupChanges = 0;
    let serviceChanges = 0;
    let capacityChanges = 0;
    // Service changes while two members are down in different phases (the first one's counts).
    let phasesDiffer = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.kind === 'group') {
        groupChanges++;
        const up = e.event === 'up';
        group.set(e.name, { up, capacity: up ? Number(e.detail!.replace('capacity ', '')) : 0, phase: up ? '' : e.detail! });
        // The services of this group report right after it, or have nothing to report.
        const reported = new Set<string>();
        for (let j = i + 1; j < events.length && events[j].kind === 'service'; j++) reported.add(events[j].name);
        for (const s of Object.keys(CHAINS)) if (!reported.has(s)) expect(rule(s), `${s} at ${e.t} s (after ${e.name} ${e.event})`).toBe(service.get(s));
      } else if (e.kind === 'service') {
        serviceChanges++;
        const now = e.detail!;
        expect(now, `${e.name} at ${e.t} s`).toBe(rule(e.name));
        if (e.event === 'up' && now !== 'capacity 1') capacityChanges++;
        if (new Set(CHAINS[e.name].map((g) => group.get(g)!).filter((m) => !m.up).map((m) => m.phase)).size > 1) phasesDiffer++;
        service.set(e.name, now);
      }
    }
    // The history exercised the rule: many changes, partial capacities among them.
    expect(groupChanges).toBeGreaterThan(500);
    expect(serviceChanges).toBeGreaterThan(200);
    expect(capacityChanges).toBeGreaterThan(50);
    expect(phasesDiffer).toBeGreaterThan(5);
  });
});
