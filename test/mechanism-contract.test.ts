/**
 * The contract every registered mechanism must keep (see src/mechanisms/types.ts),
 * checked on its own example configuration under a random script of instance failures
 * and recoveries: capacity in [0, 1] and 0 when down; never up with fewer than k
 * instances up; up again once every instance has been up long enough; the same
 * sequence of reports for the same seed. A new mechanism is picked up here by its
 * registry line. Controllers (supervision, evacuation, planned work) are registered
 * the same way: each has a name and a description, attaches nothing to a model that
 * has no section for it, and the simulation core knows none of them by name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Scheduler, type EventHandler } from '../src/engine/scheduler.js';
import { RandomStream, StreamFactory } from '../src/engine/rng.js';
import { CONTROLLERS, MECHANISMS } from '../src/mechanisms/registry.js';
import type { SystemControl } from '../src/mechanisms/types.js';
import { createSimMechanism } from '../src/sim/mechanism-runtime.js';
import { exp, ROOT, topo } from './helpers.js';

function groupModel(example: { k?: number; ha: Record<string, unknown> }) {
  const doc = {
    components: {
      hw: { layer: 'hardware' },
      app: { layer: 'vnf', failures: { crash: { ttf: exp('10h') } }, repair: exp('1h') },
    },
    hosts: { h: { count: 4, stack: ['hw'] } },
    vnfs: {
      aux: { instances: 1, app: 'app', placement: { group: 'h' } },
      g: { instances: 3, ...(example.k ? { k: example.k } : {}), app: 'app', placement: { group: 'h', policy: 'anti-affinity' }, ha: example.ha },
    },
    services: { s: { chain: ['g'] } },
  };
  return topo(doc).model.functions.find((f) => f.name === 'g')!;
}

/** True for what JSON holds exactly: finite numbers, booleans, strings, arrays and plain objects of them. */
function isPlain(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'boolean' || typeof v === 'string') return true;
  if (Array.isArray(v)) return v.every(isPlain);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(isPlain);
  return false;
}

function drive(name: string, seed: number) {
  const factory = MECHANISMS[name];
  const f = groupModel(factory.example);
  const scheduler = new Scheduler();
  const rng = new RandomStream(`contract:${name}:${seed}`);
  // One object rewritten at each failure, as the simulation does.
  const cause: { layer: number; announced: boolean } = { layer: 7, announced: true };
  const streams = new StreamFactory(seed, 0);
  const hooks = { streams, cause, count: () => {}, spurious: () => {} };
  const upNow = [true, true, true];
  const state = { up: true, capacity: 1 };
  const log: string[] = [];
  const violations: string[] = [];
  const countUp = () => upNow.filter(Boolean).length;
  const mech = createSimMechanism(factory, f, scheduler, hooks, {
    set(up, capacity) {
      if (!(capacity >= 0 && capacity <= 1)) violations.push(`capacity ${capacity}`);
      if (!up && capacity !== 0) violations.push(`down with capacity ${capacity}`);
      if (up && countUp() < f.k) violations.push(`up with ${countUp()} < k = ${f.k} instances up at ${scheduler.now}`);
      state.up = up;
      state.capacity = capacity;
      log.push(`${scheduler.now.toFixed(6)}:${up}:${capacity}`);
    },
  });
  let toggles = 0;
  const driver: EventHandler = {
    handle() {
      if (toggles++ >= 3000) return;
      const i = Math.floor(rng.next() * 3);
      upNow[i] = !upNow[i];
      if (!upNow[i]) {
        cause.layer = Math.floor(rng.next() * 8);
        cause.announced = rng.next() < 0.5;
      }
      mech.instanceChanged(i, upNow[i]);
      // Its state is plain data: what JSON holds comes back the same (analysis copies it).
      if (JSON.stringify(JSON.parse(JSON.stringify(mech.state))) !== JSON.stringify(mech.state) || !isPlain(mech.state)) violations.push('state is not plain data');
      if (state.up && countUp() < f.k) violations.push(`stayed up with ${countUp()} < k instances up at ${scheduler.now}`);
      scheduler.schedule(-Math.log(1 - rng.next()) * 20, driver);
    },
  };
  scheduler.schedule(1, driver);
  scheduler.run(1e7);
  // Bring every instance up and give the mechanism time to settle.
  upNow.forEach((u, i) => {
    if (!u) {
      upNow[i] = true;
      mech.instanceChanged(i, true);
    }
  });
  scheduler.run(scheduler.now + 1e6);
  return { violations, up: state.up, log: log.join(' ') };
}

describe.each(Object.keys(MECHANISMS))('mechanism contract: %s', (name) => {
  it('keeps capacity in [0, 1], is never up below k, recovers, and is deterministic', () => {
    const a = drive(name, 1);
    expect(a.violations).toEqual([]);
    expect(a.up, 'up once all instances are up').toBe(true);
    expect(a.log.length).toBeGreaterThan(0);
    expect(drive(name, 1).log).toBe(a.log);
    expect(drive(name, 2).log).not.toBe(a.log);
  });
});

/** A SystemControl whose every operation fails the test: a controller with nothing to do must touch nothing. */
function untouchable(): SystemControl {
  return new Proxy({} as SystemControl, {
    get(_t, prop) {
      throw new Error(`touched ctl.${String(prop)}`);
    },
  });
}

describe('controller registry', () => {
  const plain = topo({
    components: { hw: { layer: 'hardware', failures: { crash: { ttf: exp('10h') } }, repair: exp('1h') }, app: { layer: 'vnf' } },
    hosts: { h: { count: 2, stack: ['hw'] } },
    vnfs: { g: { instances: 2, app: 'app', placement: { group: 'h' } } },
    services: { s: { chain: ['g'] } },
  }).model;

  it.each(CONTROLLERS.map((c) => [c.name, c] as const))('%s: named, described, and idle on a model without its section', (_name, c) => {
    expect(c.name).toMatch(/^[a-z-]+$/);
    expect(c.description.length).toBeGreaterThan(10);
    expect(c.attach(plain, untouchable())).toEqual([]);
  });

  it('has unique names, distinct from the group mechanisms', () => {
    const names = CONTROLLERS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(MECHANISMS[n]).toBeUndefined();
  });

  it('is the only way the simulation core reaches a mechanism or controller', () => {
    const src = readFileSync(join(ROOT, 'src/sim/system.ts'), 'utf8');
    const imports = [...src.matchAll(/from '\.\.\/mechanisms\/([^']+)'/g)].map((m) => m[1]).sort();
    expect(imports).toEqual(['registry.js', 'types.js']);
  });
});
