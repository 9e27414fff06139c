/**
 * Active/passive under a cluster manager (Pacemaker/Corosync), with fencing.
 *
 * One instance is active; the others are standbys. Sequence after the active fails:
 * 1. the group is down at once (requests to the active fail);
 * 2. the detector declares the failure after its detection delay (see heartbeat.ts);
 *    if the active comes back before that, the group is simply up again;
 * 3. fencing (if configured), unless the failure was a clean, announced crash of the
 *    application: fence time; it succeeds with probability `success`; on failure the
 *    policy `wait` waits for an operator, `takeover` goes on, and if the old node is
 *    still alive (probability `aliveProbability`; certain after a spurious detection)
 *    both nodes serve: split brain. Without fencing, the same risk applies to every
 *    takeover from a node that did not crash cleanly;
 * 4. switchover to the lowest-numbered standby the cluster manager believes healthy:
 *    switchover time; it works with probability `coverage`. A standby that failed
 *    silently is believed healthy until the periodic standby check (a uniformly
 *    distributed part of `standbyCheck` after its failure) or until the switchover
 *    finds it down. An active whose failure was detected is known down until it is
 *    repaired (it is not a failover target meanwhile);
 * 5. a failed failover (coverage, or a standby found down) is counted and waits for
 *    manual recovery (`manual`, else 0), after which the operator starts any instance
 *    that is really up (the group comes back when one is);
 * 6. after a split brain the group is down for `splitBrainRecovery` once the switchover
 *    is done.
 * The repaired former active becomes a standby. Lost beats on a healthy active cause a
 *    spurious failover through the same steps.
 */
import type { EventHandler, EventId } from '../engine/scheduler.js';
import type { RandomStream } from '../engine/rng.js';
import type { FunctionModel } from '../model/build.js';
import { LAYERS } from '../model/schema.js';
import { Detector } from './heartbeat.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'active-passive' }>;

const APP_LAYER = LAYERS.indexOf('vim');

const DETECTED = 0;
const FENCED = 1;
const FENCE_FAILED = 2;
const SWITCHED = 3;
const MANUAL_DONE = 4;
const SPLIT_DONE = 5;
const SPURIOUS = 6;
const STANDBY_FOUND = 7;

const enum State {
  Serving,
  Detecting,
  Fencing,
  Switching,
  Manual,
  Split,
  /** No instance the cluster manager can start: waiting for one to come up. */
  Waiting,
}

class ActivePassive implements GroupMechanism, EventHandler {
  private readonly up: boolean[];
  private readonly knownDown: boolean[];
  private readonly checkIds: EventId[];
  private readonly failCause: Array<{ layer: number; announced: boolean; clean: boolean }>;
  private readonly failTime: number[];
  private active = 0;
  private target = -1;
  private state = State.Serving;
  private pending: EventId = -1;
  private spuriousId: EventId = -1;
  private cleanCrash = false;
  private spurious = false;
  private splitBrain = false;
  private works = true;
  private readonly detector: Detector;
  private readonly rng: RandomStream;

  constructor(
    group: FunctionModel,
    private readonly cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    const n = group.n;
    this.up = new Array(n).fill(true);
    this.knownDown = new Array(n).fill(false);
    this.checkIds = new Array(n).fill(-1);
    this.failCause = Array.from({ length: n }, () => ({ layer: 0, announced: true, clean: false }));
    this.failTime = new Array(n).fill(0);
    this.detector = Detector.at(cfg.detector, ctx.streams, group.path);
    this.rng = ctx.streams.stream(`${group.path}:failover`);
    this.armSpurious();
  }

  private get now(): number {
    return this.ctx.scheduler.now;
  }

  private after(delay: number, kind: number, arg = 0): EventId {
    return (this.pending = this.ctx.scheduler.schedule(delay, this, kind, arg));
  }

  private armSpurious(): void {
    const d = this.detector.spuriousDelay(this.ctx.scheduler.now);
    this.spuriousId = d === Infinity ? -1 : this.ctx.scheduler.schedule(d, this, SPURIOUS);
  }

  instanceChanged(i: number, isUp: boolean): void {
    this.up[i] = isUp;
    if (isUp) {
      this.knownDown[i] = false;
      this.checkIds[i] = -1;
      if (i === this.active && this.state === State.Detecting) {
        // Back before anyone noticed.
        this.pending = -1;
        this.serve();
      } else if (this.state === State.Waiting) {
        this.startSwitch(i);
      }
      return;
    }
    // Remember what took it down and when: a later look at it (after a split brain)
    // must not read the cause of some other, more recent failure.
    // Copied: ctx.cause is overwritten by the next failure.
    this.failCause[i].layer = this.ctx.cause.layer;
    this.failCause[i].announced = this.ctx.cause.announced;
    this.failCause[i].clean = this.ctx.cause.clean === true;
    this.failTime[i] = this.now;
    if (i === this.active && this.state === State.Serving) {
      this.activeDown();
    } else if (i !== this.active || this.state !== State.Detecting) {
      // A standby (or the old active during a takeover) failed.
      if (this.ctx.cause.announced) this.knownDown[i] = true;
      else if (this.cfg.standbyCheck !== null) {
        this.checkIds[i] = this.ctx.scheduler.schedule(this.rng.next() * this.cfg.standbyCheck, this, STANDBY_FOUND, i);
      }
    }
  }

  handle(kind: number, arg: number): void {
    const id = this.ctx.scheduler.currentId;
    if (kind === SPURIOUS) {
      if (id !== this.spuriousId) return;
      this.spuriousId = -1;
      if (this.state !== State.Serving) return;
      if (!this.knownDown.some((d, j) => j !== this.active && !d)) {
        // No standby to fail over to: the cluster manager leaves the active alone.
        this.armSpurious();
        return;
      }
      this.ctx.count('spuriousFailovers');
      this.ctx.spurious();
      this.out.set(false, 0, 'failover');
      this.spurious = true;
      this.cleanCrash = false;
      this.takeover();
      return;
    }
    if (kind === STANDBY_FOUND) {
      if (id === this.checkIds[arg] && !this.up[arg]) this.knownDown[arg] = true;
      return;
    }
    if (id !== this.pending) return;
    this.pending = -1;
    switch (kind) {
      case DETECTED:
        this.ctx.count('detections');
        // The cluster manager has seen the active fail: not a target until it is back up.
        this.knownDown[this.active] = true;
        this.takeover();
        break;
      case FENCED:
        this.splitBrain = false;
        this.startSwitch(-1);
        break;
      case FENCE_FAILED:
        if (this.cfg.fencing!.onFailure === 'wait') {
          this.state = State.Manual;
          this.out.set(false, 0, 'manual');
          this.after(this.cfg.fencing!.operator?.sample(this.rng) ?? 0, FENCED);
        } else {
          this.splitBrain = this.spurious || this.rng.next() < this.cfg.aliveProbability;
          this.startSwitch(-1);
        }
        break;
      case SWITCHED:
        if (this.works && this.up[this.target]) {
          this.active = this.target;
          if (this.splitBrain) {
            this.ctx.count('splitBrains');
            this.state = State.Split;
            this.out.set(false, 0, 'splitBrain');
            this.after(this.cfg.splitBrainRecovery?.sample(this.rng) ?? 0, SPLIT_DONE);
          } else this.serve();
        } else {
          this.ctx.count('failedFailovers');
          if (!this.up[this.target]) this.knownDown[this.target] = true;
          this.state = State.Manual;
          this.out.set(false, 0, 'manual');
          this.after(this.cfg.manual?.sample(this.rng) ?? 0, MANUAL_DONE);
        }
        break;
      case MANUAL_DONE: {
        // The operator looks at reality and starts an instance that is up.
        for (let j = 0; j < this.up.length; j++) this.knownDown[j] = !this.up[j];
        const j = this.up.indexOf(true);
        if (j < 0) {
          this.state = State.Waiting;
          this.out.set(false, 0, 'restart');
        }
        else {
          this.active = j;
          this.serve();
        }
        break;
      }
      case SPLIT_DONE:
        this.serve();
        break;
    }
  }

  /** The failure is declared: fence if needed, then switch over. */
  private takeover(): void {
    const f = this.cfg.fencing;
    if (f && !this.cleanCrash) {
      this.state = State.Fencing;
      this.out.set(false, 0, 'fencing');
      const t = f.time.sample(this.rng);
      this.after(t, this.rng.next() < f.success ? FENCED : FENCE_FAILED);
      return;
    }
    this.splitBrain = !this.cleanCrash && (this.spurious || this.rng.next() < this.cfg.aliveProbability);
    this.startSwitch(-1);
  }

  /** Switches over to `to`, or to the first standby believed healthy (-1). */
  private startSwitch(to: number): void {
    let target = to;
    if (target < 0) {
      for (let j = 0; j < this.up.length; j++) {
        if (j !== this.active && !this.knownDown[j]) {
          target = j;
          break;
        }
      }
    }
    if (target < 0) {
      // No standby to take over; the old active may still be the only hope.
      if (this.up[this.active]) target = this.active;
      else {
        this.state = State.Waiting;
        this.out.set(false, 0, 'restart');
        return;
      }
    }
    // Back to the same node: no second node, no split brain.
    if (target === this.active) this.splitBrain = false;
    this.target = target;
    this.state = State.Switching;
    this.out.set(false, 0, 'failover');
    this.ctx.count('failovers');
    this.works = this.rng.next() < this.cfg.coverage;
    this.after(this.cfg.switchover.sample(this.rng), SWITCHED);
  }

  /** The active is down (it failed at failTime[active]): detect, then take over. */
  private activeDown(): void {
    const i = this.active;
    const cause = this.failCause[i];
    this.out.set(false, 0, 'detection');
    this.spuriousId = -1;
    // A crash of the application itself, or a clean stop by planned work: nothing left alive to fence.
    this.cleanCrash = (cause.announced && cause.layer >= APP_LAYER) || cause.clean;
    this.spurious = false;
    this.state = State.Detecting;
    const d = this.detector.detectionDelay(cause);
    this.pending = d === Infinity ? -1 : this.after(Math.max(0, this.failTime[i] + d - this.now), DETECTED);
  }

  private serve(): void {
    if (!this.up[this.active]) {
      // The instance we switched to failed meanwhile: handle it as an active failure.
      this.activeDown();
      return;
    }
    this.state = State.Serving;
    this.spurious = false;
    this.out.set(true, 1);
    this.armSpurious();
  }
}

/** Active/passive with detection, fencing, switchover, coverage and split brain. */
export const activePassive: GroupMechanismFactory = {
  name: 'active-passive',
  description: 'one active, standbys; detection, fencing, switchover with coverage; split brain without fencing',
  example: {
    k: 1,
    ha: {
      mechanism: 'active-passive',
      detector: { kind: 'heartbeat', interval: '1s', misses: 3, announced: '100ms' },
      switchover: '2s',
      coverage: 0.9,
      manual: '1m',
      standbyCheck: '1m',
      fencing: { time: '1s', success: 0.8, onFailure: 'takeover' },
      aliveProbability: 0.5,
      splitBrainRecovery: '1m',
    },
  },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'active-passive') throw new Error('active-passive: wrong configuration');
    return new ActivePassive(group, group.ha, ctx, out);
  },
};
