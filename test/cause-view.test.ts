/**
 * The failure cause the HA mechanisms read (`ctx.cause`, SystemSim.cause): worked out from
 * the latest failure or clean stop when a field is read (CauseView), it must give what one
 * object overwritten at each of them gave, at the time of each read: a failure's layer and
 * its mode's announced / unhealthy / degraded, a clean stop's layer as an announced,
 * healthy, clean stop, and before anything a neutral cause; and an object a mechanism kept
 * shows the next failure.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../src/engine/scheduler.js';
import { StreamFactory } from '../src/engine/rng.js';
import { LAYERS } from '../src/model/schema.js';
import { recorderOptionsOf, SystemSim } from '../src/sim/system.js';
import { topo } from './helpers.js';

const DOC = {
  name: 'cause view',
  components: {
    server: { layer: 'hardware', failures: { crash: { ttf: { dist: 'exponential', mean: '1y' } } }, repair: { dist: 'exponential', mean: '4h' } },
    app: {
      layer: 'vnf',
      failures: {
        crash: { ttf: { dist: 'exponential', mean: '1000h' } },
        hang: { ttf: { dist: 'exponential', mean: '5000h' }, announced: false, unhealthy: true, undetected: { dist: 'exponential', mean: '1h' } },
        gray: { ttf: { dist: 'exponential', mean: '5000h' }, announced: false, degraded: 0.25, undetected: { dist: 'exponential', mean: '1h' } },
      },
      repair: { dist: 'exponential', mean: '10m' },
    },
  },
  hosts: { h: { count: 2, stack: ['server'] } },
  vnfs: {
    f: {
      instances: 2,
      k: 1,
      m: 1,
      app: 'app',
      placement: { group: 'h', policy: 'anti-affinity' },
      ha: { mechanism: 'active-active', detector: { kind: 'heartbeat', interval: '1s', misses: 3 } },
    },
  },
  services: { s: { chain: ['f'] } },
};

function fresh() {
  const model = topo(DOC).model;
  const sys = new SystemSim(model, new Scheduler());
  sys.reset(new StreamFactory(1, 0), 0, recorderOptionsOf(model), undefined, null);
  const app = sys.components.find((c) => c.model.type === 'app')!;
  const server = sys.components.find((c) => c.model.type === 'server')!;
  const mode = (name: string) => app.model.modes.findIndex((m) => m.name === name);
  return { sys, app, server, mode };
}

const plain = (c: { layer: number; announced: boolean; unhealthy?: boolean; degraded?: number; clean?: boolean }) => ({
  layer: c.layer,
  announced: c.announced,
  unhealthy: c.unhealthy,
  degraded: c.degraded,
  clean: c.clean,
});

describe('the failure cause mechanisms read', () => {
  it('before any failure: layer 0, announced, healthy, not degraded, not clean', () => {
    const { sys } = fresh();
    expect(plain(sys.cause)).toEqual({ layer: 0, announced: true, unhealthy: false, degraded: 0, clean: false });
  });

  it("a failure: the component's layer and its mode's announced, unhealthy and degraded", () => {
    const { sys, app, server, mode } = fresh();
    const vnf = LAYERS.indexOf('vnf');
    sys.recordFailure(app, mode('crash'));
    expect(plain(sys.cause)).toEqual({ layer: vnf, announced: true, unhealthy: false, degraded: 0, clean: false });
    sys.recordFailure(app, mode('hang'));
    expect(plain(sys.cause)).toEqual({ layer: vnf, announced: false, unhealthy: true, degraded: 0, clean: false });
    // A gray failure is one the health check reports (the model makes it unhealthy).
    sys.recordFailure(app, mode('gray'));
    expect(plain(sys.cause)).toEqual({ layer: vnf, announced: false, unhealthy: true, degraded: 0.25, clean: false });
    sys.recordFailure(server, 0);
    expect(plain(sys.cause)).toEqual({ layer: LAYERS.indexOf('hardware'), announced: true, unhealthy: false, degraded: 0, clean: false });
    // A wrong answer falls outside: the hang is not announced, the gray failure is degraded.
    sys.recordFailure(app, mode('hang'));
    expect(sys.cause.announced).not.toBe(true);
    sys.recordFailure(app, mode('gray'));
    expect(sys.cause.degraded).not.toBe(0);
  });

  it('a clean stop (planned work, fencing): announced, healthy, not degraded, clean; a failure after it is not clean', () => {
    const { sys, app, server, mode } = fresh();
    sys.recordFailure(app, mode('hang'));
    sys.recordPlanned(server, 0);
    expect(plain(sys.cause)).toEqual({ layer: LAYERS.indexOf('hardware'), announced: true, unhealthy: false, degraded: 0, clean: true });
    sys.recordFailure(app, mode('gray'));
    expect(sys.cause.clean).toBe(false);
    expect(sys.cause.degraded).toBe(0.25);
  });

  it('the object a mechanism keeps shows the latest failure, and a reset makes it neutral again', () => {
    const { sys, app, mode } = fresh();
    const kept = sys.cause;
    sys.recordFailure(app, mode('crash'));
    expect(kept.announced).toBe(true);
    sys.recordFailure(app, mode('hang'));
    expect(kept).toBe(sys.cause);
    expect(kept.announced).toBe(false);
    expect(kept.unhealthy).toBe(true);
    sys.reset(new StreamFactory(1, 1), 0, recorderOptionsOf(sys.model), undefined, null);
    expect(plain(kept)).toEqual({ layer: 0, announced: true, unhealthy: false, degraded: 0, clean: false });
  });
});
