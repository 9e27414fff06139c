/**
 * Active/active behind a load balancer (HAProxy and a VIP).
 *
 * Requests are spread evenly over the instances in rotation. A failed instance keeps
 * its share until the balancer's health check (the detector) takes it out of rotation;
 * requests sent to it until then are lost. An instance that comes back is put back in
 * rotation at once. Lost health-check replies take a healthy instance out of rotation
 * for one interval (a spurious removal, counted as a spurious failover).
 *
 * Each instance in rotation receives 1/R of the load (R instances in rotation) and can
 * carry 1/m of the full load; the H healthy ones serve min(H/R, H/m, 1) of it: losing
 * 1 of 4 instances (m = 4) costs a quarter of the requests, before and after detection.
 * The group is up while at least k healthy instances are in rotation and the served
 * share is at least `downBelow` (and above 0). The balancer itself is another group
 * (`balancer`), e.g. an active/passive HAProxy pair: the group is down while it is.
 */
import type { EventHandler, EventId } from '../engine/scheduler.js';
import type { FunctionModel } from '../model/build.js';
import { Detector } from './heartbeat.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'active-active' }>;

const REMOVE = 0;
const SPURIOUS = 1;
const READD = 2;

class ActiveActive implements GroupMechanism, EventHandler {
  private readonly up: boolean[];
  private readonly inRotation: boolean[];
  private readonly removeIds: EventId[];
  private readonly spuriousIds: EventId[];
  private readonly detectors: Detector[];
  private isUp = true;
  private capacity = 1;
  private phase: 'detection' | 'restart' = 'restart';

  constructor(
    private readonly group: FunctionModel,
    private readonly cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    const n = group.n;
    this.up = new Array(n).fill(true);
    this.inRotation = new Array(n).fill(true);
    this.removeIds = new Array(n).fill(-1);
    this.spuriousIds = new Array(n).fill(-1);
    this.detectors = group.instances.map((inst) => Detector.at(cfg.detector, ctx.streams, inst.path));
    for (let i = 0; i < n; i++) this.armSpurious(i);
  }

  private armSpurious(i: number): void {
    const d = this.detectors[i].spuriousDelay(this.ctx.scheduler.now);
    this.spuriousIds[i] = d === Infinity ? -1 : this.ctx.scheduler.schedule(d, this, SPURIOUS, i);
  }

  instanceChanged(i: number, isUp: boolean): void {
    this.up[i] = isUp;
    if (isUp) {
      this.removeIds[i] = -1;
      this.inRotation[i] = true;
      this.armSpurious(i);
    } else {
      this.spuriousIds[i] = -1;
      if (this.inRotation[i]) {
        const d = this.detectors[i].detectionDelay(this.ctx.cause);
        this.removeIds[i] = d === Infinity ? -1 : this.ctx.scheduler.schedule(d, this, REMOVE, i);
      }
    }
    this.update();
  }

  handle(kind: number, i: number): void {
    const id = this.ctx.scheduler.currentId;
    if (kind === REMOVE) {
      if (id !== this.removeIds[i]) return;
      this.removeIds[i] = -1;
      this.ctx.count('detections');
      this.inRotation[i] = false;
    } else if (kind === SPURIOUS) {
      if (id !== this.spuriousIds[i]) return;
      this.ctx.count('spuriousFailovers');
      this.ctx.spurious();
      this.inRotation[i] = false;
      // Back at the next successful check (spurious removals need beats, so the interval is finite).
      this.spuriousIds[i] = this.ctx.scheduler.schedule(this.cfg.detector.interval, this, READD, i);
    } else {
      if (id !== this.spuriousIds[i]) return;
      this.inRotation[i] = true;
      this.armSpurious(i);
    }
    this.update();
  }

  private update(): void {
    let rotation = 0;
    let healthy = 0;
    let upTotal = 0;
    for (let i = 0; i < this.up.length; i++) {
      if (this.up[i]) upTotal++;
      if (!this.inRotation[i]) continue;
      rotation++;
      if (this.up[i]) healthy++;
    }
    const served = rotation > 0 ? Math.min(healthy / rotation, healthy / this.group.m, 1) : 0;
    const up = healthy >= this.group.k && served > 0 && served >= this.cfg.downBelow;
    const capacity = up ? served : 0;
    // Down with enough instances up: a failed one is still in rotation (detection pending),
    // or healthy ones are out of rotation (spurious removal); else waiting for restarts.
    const phase = upTotal >= this.group.k ? 'detection' : 'restart';
    if (up !== this.isUp || capacity !== this.capacity || (!up && phase !== this.phase)) {
      this.isUp = up;
      this.capacity = capacity;
      this.phase = phase;
      this.out.set(up, capacity, phase);
    }
  }
}

/** Active/active behind a load balancer with health checks. */
export const activeActive: GroupMechanismFactory = {
  name: 'active-active',
  description: 'all instances serve behind a load balancer; a failed one loses its share of requests until the health check removes it',
  example: { k: 1, ha: { mechanism: 'active-active', balancer: 'aux', downBelow: 0.5, detector: { kind: 'process', interval: '2s', misses: 2 } } },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'active-active') throw new Error('active-active: wrong configuration');
    return new ActiveActive(group, group.ha, ctx, out);
  },
};
