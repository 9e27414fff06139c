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

/** What `follow` counted in a history. */
interface Followed {
  groupChanges: number;
  serviceChanges: number;
  /** Service changes to a capacity below 1 while up. */
  capacityChanges: number;
  /** Service changes while two members are down in different phases (the first one's counts). */
  phasesDiffer: number;
  /** Group changes while another group is down. */
  othersDown: number;
}

/**
 * Follows the groups' states through a traced replication of `text` and checks each
 * service change against the rule over its whole chain (`chains`: members by service);
 * with `missed`, also that a service that does not report right after a group's change
 * has nothing to report (which assumes that no service's reaction changes another group
 * in between).
 */
function follow(text: string, chains: Record<string, string[]>, seed: number, missed: boolean): Followed {
  const model = loadTopologyText(text, 'chain-rule.yaml').model;
  const group = new Map<string, { up: boolean; capacity: number; phase: string }>();
  for (const g of new Set(Object.values(chains).flat())) group.set(g, { up: true, capacity: 1, phase: '' });
  const service = new Map<string, string>(Object.keys(chains).map((s) => [s, 'capacity 1']));
  /** The rule's value for service s from the groups' states, in the trace's words. */
  const rule = (s: string) => {
    const members = chains[s].map((g) => group.get(g)!);
    const down = members.find((m) => !m.up);
    return down ? down.phase : `capacity ${Math.min(...members.map((m) => m.capacity))}`;
  };
  const events: TraceEvent[] = [];
  runReplication(model, { seed, horizon: model.defaults.horizon, warmup: 0 }, 0, { trace: (e) => events.push(e) });
  const n: Followed = { groupChanges: 0, serviceChanges: 0, capacityChanges: 0, phasesDiffer: 0, othersDown: 0 };
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'group') {
      n.groupChanges++;
      if ([...group].some(([g, m]) => g !== e.name && !m.up)) n.othersDown++;
      const up = e.event === 'up';
      group.set(e.name, { up, capacity: up ? Number(e.detail!.replace('capacity ', '')) : 0, phase: up ? '' : e.detail! });
      if (!missed) continue;
      // The services of this group report right after it, or have nothing to report.
      const reported = new Set<string>();
      for (let j = i + 1; j < events.length && events[j].kind === 'service'; j++) reported.add(events[j].name);
      for (const s of Object.keys(chains)) if (!reported.has(s)) expect(rule(s), `${s} at ${e.t} s (after ${e.name} ${e.event})`).toBe(service.get(s));
    } else if (e.kind === 'service') {
      n.serviceChanges++;
      const now = e.detail!;
      expect(now, `${e.name} at ${e.t} s`).toBe(rule(e.name));
      if (e.event === 'up' && now !== 'capacity 1') n.capacityChanges++;
      const down = chains[e.name].map((g) => group.get(g)!).filter((m) => !m.up);
      if (new Set(down.map((m) => m.phase)).size > 1) n.phasesDiffer++;
      service.set(e.name, now);
    }
  }
  return n;
}

/**
 * A service (dbsvc) whose change moves another group (api's repair step needs dbsvc, so
 * it waits or resumes) while the first group (db) is still telling its services: ctl,
 * which holds both, must see db's new state when api's change reaches it first.
 */
const NESTED = `
name: nested
components:
  host: { layer: hardware }
  dbapp: { layer: vim, failures: { crash: { ttf: { dist: exponential, mean: 10h } } }, repair: { dist: exponential, mean: 2h } }
  apiapp:
    layer: vim
    failures: { crash: { ttf: { dist: exponential, mean: 10h } } }
    repair: { dist: exponential, mean: 1h }
    restart: { dist: exponential, mean: 20s }
hosts:
  h: { count: 2, stack: [host] }
vim:
  db: { instances: 1, app: dbapp, placement: { group: h } }
  api:
    instances: 1
    app: apiapp
    placement: { group: h }
    recovery:
      notification: { dist: exponential, mean: 1s }
      actions:
        - { action: restart, time: { dist: exponential, mean: 3h }, needs: [dbsvc] }
services:
  dbsvc: { chain: [db] }
  ctl: { chain: [db, api] }
simulation: { horizon: 5y }
`;

describe('chain services: least capacity, first member down', () => {
  it('every service change is the rule over the whole chain, and none is missed', () => {
    const n = follow(TEXT, CHAINS, 11, true);
    // The history exercised the rule: many changes, partial capacities among them.
    expect(n.groupChanges).toBeGreaterThan(500);
    expect(n.serviceChanges).toBeGreaterThan(200);
    expect(n.capacityChanges).toBeGreaterThan(50);
    expect(n.phasesDiffer).toBeGreaterThan(5);
  });

  it("holds when a service's reaction changes another group while the first is still telling its services", () => {
    const n = follow(NESTED, { dbsvc: ['db'], ctl: ['db', 'api'] }, 3, false);
    expect(n.serviceChanges).toBeGreaterThan(200);
    expect(n.othersDown).toBeGreaterThan(50);
  });
});
