/** Instantiation: placement policies, stacks and links, defaults. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../src/index.js';
import { parseText } from '../src/model/load.js';
import { topologySchemas } from '../src/model/schema.js';

const TopologySpec = topologySchemas().TopologySpec;
import { exp, ROOT, topo } from './helpers.js';

function doc(placement: object, instances = 4, extra: object = {}) {
  return {
    components: {
      hw: { layer: 'hardware', failures: { crash: { ttf: exp('1y') } }, repair: exp('1d') },
      os: { layer: 'hostOS' },
      kvm: { layer: 'hypervisor' },
      vm: { layer: 'vm' },
      app: { layer: 'vnf' },
      rack: { layer: 'rack' },
    },
    racks: { r1: { component: 'rack' }, r2: { component: 'rack' } },
    hosts: { h: { count: 4, stack: ['hw', 'os', 'kvm'], slots: 3, racks: ['r1', 'r2'] } },
    vnfs: { f: { instances, k: 1, vm: 'vm', app: 'app', placement } },
    services: { s: { chain: ['f'] } },
    ...extra,
  };
}

const hostsOf = (d: object) => topo(d).model.functions[0].instances.map((i) => i.host);

describe('placement', () => {
  it('spread: least-loaded host first, in order', () => {
    expect(hostsOf(doc({ group: 'h', policy: 'spread' }, 6))).toEqual(['h-1', 'h-2', 'h-3', 'h-4', 'h-1', 'h-2']);
  });
  it('pack: fills hosts in order up to their slots', () => {
    expect(hostsOf(doc({ group: 'h', policy: 'pack' }, 5))).toEqual(['h-1', 'h-1', 'h-1', 'h-2', 'h-2']);
  });
  it('anti-affinity: one instance per host', () => {
    expect(new Set(hostsOf(doc({ group: 'h', policy: 'anti-affinity' }, 4))).size).toBe(4);
  });
  it('rack anti-affinity: one instance per rack (racks assigned round-robin)', () => {
    const m = topo(doc({ group: 'h', policy: 'rack-anti-affinity' }, 2)).model;
    const racks = m.functions[0].instances.map((i) => m.hosts.find((h) => h.name === i.host)!.rack);
    expect(racks.sort()).toEqual(['r1', 'r2']);
  });
  it('slots are a hard limit', () => {
    expect(() => topo(doc({ group: 'h', policy: 'pack' }, 13))).toThrow(/no host in h has a free slot/);
  });
  it('explicit hosts, checked for count and existence', () => {
    expect(hostsOf(doc({ hosts: ['h-4', 'h-2'] }, 2))).toEqual(['h-4', 'h-2']);
    expect(() => topo(doc({ hosts: ['h-4'] }, 2))).toThrow(/expected 2 host names/);
  });
});

describe('instantiation', () => {
  it('stacks components bottom-up and names them by stable paths', () => {
    const m = topo(doc({ hosts: ['h-1'] }, 1)).model;
    const inst = m.functions[0].instances[0];
    const chain: string[] = [];
    for (let c = inst.top; c >= 0; c = m.components[c].parent) chain.push(m.components[c].path);
    expect(chain).toEqual(['vnfs.f.instances.1.app', 'vnfs.f.instances.1.vm', 'hosts.h-1.hypervisor', 'hosts.h-1.hostOS', 'hosts.h-1.hardware', 'racks.r1']);
  });
  it('a VM needs a hypervisor in the host stack', () => {
    const d = doc({ group: 'h' }, 1) as any;
    d.hosts.h.stack = ['hw', 'os'];
    expect(() => topo(d)).toThrow(/needs a hypervisor/);
  });
  it('defaults: k = n, m = k; the horizon from the largest MTTF', () => {
    const d = doc({ group: 'h' }, 3) as any;
    delete d.vnfs.f.k;
    const m = topo(d).model;
    expect([m.functions[0].k, m.functions[0].m]).toEqual([3, 3]);
    expect(m.defaults.horizon).toBe(10 * 365 * 86400);
    expect(m.defaults.horizonReason).toMatch(/10 x the largest MTTF/);
  });
  it('reports every problem at once, each with its path', () => {
    const d = doc({ group: 'nope' }, 2) as any;
    d.services.s.chain = ['f', 'g'];
    d.components.hw.crew = 'techs';
    try {
      topo(d);
      throw new Error('expected a TopologyError');
    } catch (e) {
      expect(e).toBeInstanceOf(TopologyError);
      const paths = (e as TopologyError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['components.hw.crew', 'vnfs.f.placement.group', 'services.s.chain[1]']));
    }
  });
});

describe('defaults and checks found in review', () => {
  const base = (vnfs: object, extra: object = {}) => ({
    components: { hw: { layer: 'hardware' }, app: { layer: 'vnf', failures: { crash: { ttf: exp('10h') } }, repair: exp('1h') } },
    hosts: { h: { count: 4, stack: ['hw'] } },
    vnfs: { b: { instances: 1, app: 'app', placement: { group: 'h' } }, ...vnfs },
    services: { s: { chain: ['b'] } },
    ...extra,
  });
  const fn = (d: object, name: string) => topo(d).model.functions.find((f) => f.name === name)!;
  it('k and m defaults follow the mechanism', () => {
    expect(fn(base({ w: { instances: 4, k: 2, app: 'app', placement: { group: 'h' }, ha: { mechanism: 'message-queue', broker: 'b' } } }), 'w')).toMatchObject({ k: 2, m: 4 });
    expect(fn(base({ q: { instances: 3, app: 'app', placement: { group: 'h' }, ha: { mechanism: 'quorum' } } }), 'q')).toMatchObject({ k: 2, m: 2 });
    const ap = { mechanism: 'active-passive', detector: { interval: '1s' }, switchover: '2s' };
    expect(fn(base({ a: { instances: 2, app: 'app', placement: { group: 'h' }, ha: ap } }), 'a')).toMatchObject({ k: 1, m: 1 });
  });
  it('explicit hosts must keep the anti-affinity they state', () => {
    expect(() => topo(base({ a: { instances: 2, app: 'app', placement: { hosts: ['h-1', 'h-1'], policy: 'anti-affinity' } } }))).toThrow(/listed twice/);
  });
  it('a mean of 2 y (as a lognormal) gives a 20 y default horizon, not 21', () => {
    const d = base({}) as any;
    d.components.app.failures.crash.ttf = { dist: 'lognormal', mean: '2y', cv: 1 };
    expect(topo(d).model.defaults.horizon).toBe(20 * 365 * 86400);
  });
  it('__proto__ is not a name; a bad delay says what a delay is', () => {
    expect(() => topo({ ...base({}), racks: JSON.parse('{"__proto__": {}}') })).toThrow(/'__proto__' cannot be a name/);
    const ap = { mechanism: 'active-passive', detector: { interval: '1s' }, switchover: 5 };
    expect(() => topo(base({ a: { instances: 2, app: 'app', placement: { group: 'h' }, ha: ap } }))).toThrow(/expected a duration with a unit such as '5s', or a distribution/);
  });
});

describe('validation with and without zod\'s compiled fast path', () => {
  // validateTopologyData checks a thread's first document jitless and later ones (a
  // sweep's points) with zod's fast path: both must give the same data, keys in the same
  // order, and the same issues.
  const files = readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml'));
  it.each(files)('%s: the same data', (f) => {
    const { data } = parseText(readFileSync(join(ROOT, 'topologies', f), 'utf8'), f);
    const jitless = TopologySpec.safeParse(data, { jitless: true });
    const compiled = TopologySpec.safeParse(data);
    expect(JSON.stringify(jitless)).toBe(JSON.stringify(compiled));
  });
  it('the same issues for a bad document', () => {
    const bad = { components: { hw: { layer: 'hardware', failures: { crash: { ttf: { dist: 'exponential', mean: 1000 } } }, colour: 'blue' } }, hosts: [] };
    const jitless = TopologySpec.safeParse(bad, { jitless: true });
    const compiled = TopologySpec.safeParse(bad);
    expect(jitless.success).toBe(false);
    expect(JSON.stringify(jitless.error?.issues)).toBe(JSON.stringify(compiled.error?.issues));
  });
});
