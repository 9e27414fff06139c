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
 *
 * A gray failure (a failure mode with `degraded` x: the application answers its monitor
 * but serves a share x of its requests badly) leaves the instance in rotation serving
 * 1 - x of what it receives until the health check removes it (a heartbeat detector sees
 * it as an unhealthy answer; a process check or watchdog never does). Meanwhile it counts
 * toward k and as 1 - x of a healthy instance in the served share: with E the healthy
 * instances plus 1 - x for each gray one in rotation, min(E/R, E/m, 1).
 */
import type { FunctionModel } from '../model/build.js';
import { Detector } from './heartbeat.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'active-active' }>;

/** Per-instance timer kinds (slot kind x n + i): the health check removing a failed instance, a spurious removal of a healthy one, its return into rotation. */
const REMOVE = 0;
const SPURIOUS = 1;
const READD = 2;

class ActiveActive implements GroupMechanism {
  state: {
    up: boolean[];
    inRotation: boolean[];
    /** Per instance, failed and in rotation: the share of its requests it still serves (1 - degraded of a gray failure; 0 otherwise, and while up). */
    serves: number[];
    /** What it last reported. */
    isUp: boolean;
    capacity: number;
    phase: 'detection' | 'restart';
  };
  private readonly detectors: Detector[];
  private readonly n: number;

  constructor(
    private readonly group: FunctionModel,
    private readonly cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    const n = (this.n = group.n);
    this.state = { up: new Array<boolean>(n).fill(true), inRotation: new Array<boolean>(n).fill(true), serves: new Array<number>(n).fill(0), isUp: true, capacity: 1, phase: 'restart' };
    this.detectors = group.instances.map((inst) => Detector.at(cfg.detector, ctx, inst.path, `${group.path}.ha.detector`, { readd: true }));
    for (let i = 0; i < n; i++) this.armSpurious(i);
  }

  private armSpurious(i: number): void {
    const d = this.detectors[i].spurious;
    if (d !== null) this.ctx.timers.arm(SPURIOUS * this.n + i, d);
  }

  instanceChanged(i: number, isUp: boolean): void {
    const s = this.state;
    const t = this.ctx.timers;
    const n = this.n;
    s.up[i] = isUp;
    if (isUp) {
      t.disarm(REMOVE * n + i);
      t.disarm(READD * n + i);
      s.inRotation[i] = true;
      s.serves[i] = 0;
      this.armSpurious(i);
    } else {
      t.disarm(SPURIOUS * n + i);
      t.disarm(READD * n + i);
      const cause = this.ctx.cause;
      if (s.inRotation[i]) {
        s.serves[i] = cause.degraded ? 1 - cause.degraded : 0;
        t.arm(REMOVE * n + i, this.detectors[i].detection(cause));
      }
    }
    this.update();
  }

  onTimer(slot: number): void {
    const kind = Math.floor(slot / this.n);
    const i = slot - kind * this.n;
    const s = this.state;
    if (kind === REMOVE) {
      this.ctx.count('detections');
      s.inRotation[i] = false;
      s.serves[i] = 0;
    } else if (kind === SPURIOUS) {
      this.ctx.count('spuriousFailovers');
      this.ctx.spurious();
      s.inRotation[i] = false;
      // Back at the next successful check (spurious removals need beats, so the interval is finite).
      this.ctx.timers.arm(READD * this.n + i, this.detectors[i].readd!);
    } else {
      s.inRotation[i] = true;
      this.armSpurious(i);
    }
    this.update();
  }

  private update(): void {
    const s = this.state;
    let rotation = 0;
    let healthy = 0;
    let upTotal = 0;
    // Gray failures in rotation: how many, and the share of a healthy instance they still serve.
    let gray = 0;
    let grayServes = 0;
    for (let i = 0; i < s.up.length; i++) {
      if (s.up[i]) upTotal++;
      if (!s.inRotation[i]) continue;
      rotation++;
      if (s.up[i]) healthy++;
      else if (s.serves[i] > 0) {
        gray++;
        grayServes += s.serves[i];
      }
    }
    const effective = gray === 0 ? healthy : healthy + grayServes;
    const served = rotation > 0 ? Math.min(effective / rotation, effective / this.group.m, 1) : 0;
    const up = healthy + gray >= this.group.k && served > 0 && served >= this.cfg.downBelow;
    const capacity = up ? served : 0;
    // Down with enough instances up: a failed one is still in rotation (detection pending),
    // or healthy ones are out of rotation (spurious removal); else waiting for restarts.
    const phase = upTotal >= this.group.k ? 'detection' : 'restart';
    if (up !== s.isUp || capacity !== s.capacity || (!up && phase !== s.phase)) {
      s.isUp = up;
      s.capacity = capacity;
      // Read only while down: kept at its initial value while up (one state per situation).
      s.phase = up ? 'restart' : phase;
      this.out.set(up, capacity, phase);
    }
  }
}

/** Active/active behind a load balancer with health checks. */
export const activeActive: GroupMechanismFactory = {
  name: 'active-active',
  description: 'all instances serve behind a load balancer; a failed one loses its share of requests until the health check removes it',
  example: { k: 1, ha: { mechanism: 'active-active', balancer: 'aux', downBelow: 0.5, detector: { kind: 'process', interval: '2s', misses: 2 } } },
  shape: { timers: { fixed: 0, perInstance: 3 }, perInstance: ['up', 'inRotation', 'serves'], instanceRefs: [] },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'active-active') throw new Error('active-active: wrong configuration');
    return new ActiveActive(group, group.ha, ctx, out);
  },
};
