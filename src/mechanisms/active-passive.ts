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
 *
 * With a `clusterManager` (a group: Pacemaker/Corosync as a lease-elected or quorum
 * group), no takeover starts while it is down: a declared failure waits (step Held, phase
 * failover) until it is back, then fencing and switchover run as above; if the active
 * comes back meanwhile it simply serves again. Lost beats cause no spurious takeover while
 * it is down (nobody acts on them). The active keeps serving while it is down.
 *
 * With a partitionable heartbeat link (`partition`): when the link is cut while the
 * active serves and a standby that is up is believed healthy, the standby declares the
 * active failed after the partition's detection delay (a cut that heals first changes
 * nothing; a quorum device as tie-breaker keeps the active's side and nothing happens):
 * the group goes down and the takeover runs as above for a node that is alive: fenced
 * (the old active then rejoins as a standby), or without fencing or after a failed fence
 * with `takeover`, a certain split brain. The takeover is counted `partitionTakeovers`; its
 * outage is attributed to the most recent failure (the link's, unless another came
 * between). One cut starts at most one takeover.
 *
 * A new active that fails during a split brain is detected, once the split brain ends,
 * at the time its detection delay (counted from its failure) runs out, at once if that
 * time has passed: its detection timer starts at the failure and, if it runs out during
 * the split brain, the failure counts as detected when the split brain ends.
 */
import { Deterministic, Uniform } from '../engine/distributions.js';
import type { RandomStream } from '../engine/rng.js';
import { formatDuration } from '../engine/units.js';
import type { FunctionModel } from '../model/build.js';
import { LAYERS } from '../model/schema.js';
import { Detector } from './heartbeat.js';
import type { Delay, GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'active-passive' }>;

const APP_LAYER = LAYERS.indexOf('vim');

/** Timers: the step under way (`next` says which), the active's detection, a spurious detection of the healthy active, the standby's detection across a cut heartbeat link; then per instance the standby check. */
const PENDING = 0;
const DETECT = 1;
const SPURIOUS = 2;
const LINK = 3;
const FIXED_TIMERS = 4;

/** What the PENDING timer ends. */
const FENCED = 1;
const FENCE_FAILED = 2;
const SWITCHED = 3;
const MANUAL_DONE = 4;
const SPLIT_DONE = 5;

const enum Step {
  Serving,
  Detecting,
  Fencing,
  Switching,
  Manual,
  Split,
  /** No instance the cluster manager can start: waiting for one to come up. */
  Waiting,
  /** A declared failure waits for the cluster manager (its group) to be up. */
  Held,
}

class ActivePassive implements GroupMechanism {
  state = {
    up: [] as boolean[],
    /** The cluster manager believes it down (not a failover target). */
    knownDown: [] as boolean[],
    active: 0,
    /** The switchover's target (while switching), else -1. */
    target: -1,
    step: Step.Serving as Step,
    /** What the PENDING timer ends (FENCED ... SPLIT_DONE). */
    next: 0,
    /** The active's failure was a clean crash (nothing left alive to fence). */
    cleanCrash: false,
    /** The failover under way was started by a spurious detection. */
    spurious: false,
    /** The takeover will end in split brain (read when the switchover ends). */
    splitBrain: false,
    /** The switchover works (coverage), drawn when it starts. */
    works: true,
    /** A new active that failed during a split brain: its detection has run out; its failure was a clean crash. */
    detected: false,
    detectedClean: false,
    /** The heartbeat link (`partition.link`) as last seen: up, or cut (a cut is acted on once). */
    linkUp: true,
  };
  private readonly detector: Detector;
  private readonly rng: RandomStream;
  private readonly switchover: Delay;
  private readonly manual: Delay;
  private readonly splitRecovery: Delay;
  private readonly fenceTime: Delay | null;
  private readonly fenceOperator: Delay | null;
  private readonly zeroDelay: Delay;
  /** The standby's detection of the active across a cut heartbeat link, or null (no `partition`). */
  private readonly linkDetect: Delay | null;
  /** The standby check, made on first use (only silent standby failures need it). */
  private standbyCheck: Delay | null = null;
  private readonly n: number;
  private readonly where: string;

  constructor(
    group: FunctionModel,
    private readonly cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    const n = (this.n = group.n);
    const s = this.state;
    s.up = new Array<boolean>(n).fill(true);
    s.knownDown = new Array<boolean>(n).fill(false);
    const hw = (this.where = `${group.path}.ha`);
    this.detector = Detector.at(cfg.detector, ctx, group.path, `${hw}.detector`);
    const rng = (this.rng = ctx.streams.stream(`${group.path}:failover`));
    const zero = new Deterministic(0);
    this.switchover = ctx.delay(cfg.switchover, rng, `${hw}.switchover`);
    this.splitRecovery = ctx.delay(cfg.splitBrainRecovery ?? zero, rng, `${hw}.splitBrainRecovery`);
    this.manual = ctx.delay(cfg.manual ?? zero, rng, `${hw}.manual`);
    this.fenceTime = cfg.fencing ? ctx.delay(cfg.fencing.time, rng, `${hw}.fencing.time`) : null;
    this.fenceOperator = cfg.fencing ? ctx.delay(cfg.fencing.operator ?? zero, rng, `${hw}.fencing.operator`) : null;
    this.zeroDelay = ctx.delay(zero, rng, `${hw}.detector (detected during a split brain)`);
    const p = cfg.partition;
    this.linkDetect =
      p === null ? null : p.detection !== null ? ctx.delay(p.detection, ctx.streams.stream(`${group.path}:partition`), `${hw}.partition.detection`) : this.detector.missedBeats();
    this.armSpurious();
  }

  private armSpurious(): void {
    if (this.detector.spurious !== null) this.ctx.timers.arm(SPURIOUS, this.detector.spurious);
  }

  /** Arms the PENDING timer to end `next`. */
  private after(delay: Delay, next: number): void {
    this.state.next = next;
    this.ctx.timers.arm(PENDING, delay);
  }

  instanceChanged(i: number, isUp: boolean): void {
    const s = this.state;
    const t = this.ctx.timers;
    s.up[i] = isUp;
    if (isUp) {
      s.knownDown[i] = false;
      t.disarm(FIXED_TIMERS + i);
      if (i === s.active) {
        t.disarm(DETECT);
        s.detected = false;
      }
      if (i === s.active && (s.step === Step.Detecting || s.step === Step.Held)) {
        // Back before anyone noticed.
        this.serve();
      } else if (s.step === Step.Waiting) {
        this.startSwitch(i);
      }
      return;
    }
    const cause = this.ctx.cause;
    if (i === s.active && s.step === Step.Split) {
      // Detected when the split brain ends, after its delay counted from now (see the top).
      s.detectedClean = (cause.announced && cause.layer >= APP_LAYER) || cause.clean === true;
      t.arm(DETECT, this.detector.detection(cause));
    }
    if (i === s.active && s.step === Step.Serving) {
      this.activeDown();
    } else if (i !== s.active || s.step !== Step.Detecting) {
      // A standby (or the old active during a takeover) failed.
      if (cause.announced) s.knownDown[i] = true;
      else if (this.cfg.standbyCheck !== null) {
        const T = this.cfg.standbyCheck;
        this.standbyCheck ??= this.ctx.delay(new Uniform(0, T), this.rng, `${this.where}.standbyCheck`, `standby check (uniform over ${formatDuration(T, 4)}; mean ${formatDuration(T / 2, 4)})`);
        t.arm(FIXED_TIMERS + i, this.standbyCheck);
      }
    }
  }

  onTimer(slot: number): void {
    const s = this.state;
    if (slot === SPURIOUS) {
      if (s.step !== Step.Serving) return;
      if (!this.managerUp()) {
        // Nobody to act on lost beats while the cluster manager is down.
        this.armSpurious();
        return;
      }
      if (!s.knownDown.some((d, j) => j !== s.active && !d)) {
        // No standby to fail over to: the cluster manager leaves the active alone.
        this.armSpurious();
        return;
      }
      this.ctx.count('spuriousFailovers');
      this.ctx.spurious();
      this.out.set(false, 0, 'failover');
      s.spurious = true;
      s.cleanCrash = false;
      this.takeover();
      return;
    }
    if (slot === LINK) {
      // The standby, cut off from the active, declares it failed: a takeover of a live node.
      if (s.step !== Step.Serving || !this.managerUp() || !s.knownDown.some((d, j) => j !== s.active && !d && s.up[j])) return;
      this.ctx.count('partitionTakeovers');
      this.out.set(false, 0, 'failover');
      s.spurious = true;
      s.cleanCrash = false;
      this.takeover();
      return;
    }
    if (slot >= FIXED_TIMERS) {
      const i = slot - FIXED_TIMERS;
      // The standby check finds a standby that failed silently.
      if (!s.up[i]) s.knownDown[i] = true;
      return;
    }
    if (slot === DETECT) {
      if (s.step === Step.Split) {
        s.detected = true;
        return;
      }
      this.ctx.count('detections');
      // The cluster manager has seen the active fail: not a target until it is back up.
      s.knownDown[s.active] = true;
      this.takeover();
      return;
    }
    switch (s.next) {
      case FENCED:
        s.splitBrain = false;
        this.startSwitch(-1);
        break;
      case FENCE_FAILED:
        if (this.cfg.fencing!.onFailure === 'wait') {
          s.step = Step.Manual;
          this.out.set(false, 0, 'manual');
          this.after(this.fenceOperator!, FENCED);
        } else {
          s.splitBrain = s.spurious || this.ctx.chance(this.rng, this.cfg.aliveProbability);
          this.startSwitch(-1);
        }
        break;
      case SWITCHED:
        if (s.works && s.up[s.target]) {
          s.active = s.target;
          if (s.splitBrain) {
            this.ctx.count('splitBrains');
            s.step = Step.Split;
            this.out.set(false, 0, 'splitBrain');
            this.after(this.splitRecovery, SPLIT_DONE);
          } else this.serve();
        } else {
          this.ctx.count('failedFailovers');
          if (!s.up[s.target]) s.knownDown[s.target] = true;
          s.step = Step.Manual;
          this.out.set(false, 0, 'manual');
          this.after(this.manual, MANUAL_DONE);
        }
        break;
      case MANUAL_DONE: {
        // The operator looks at reality and starts an instance that is up.
        for (let j = 0; j < this.n; j++) s.knownDown[j] = !s.up[j];
        // The old active is no part of the choice (it is replaced when an instance is up).
        const old = s.active;
        s.active = -1;
        const j = this.ctx.first(this.n, (x) => s.up[x]);
        if (j < 0) {
          s.active = old;
          s.step = Step.Waiting;
          this.out.set(false, 0, 'restart');
        } else {
          s.active = j;
          this.serve();
        }
        break;
      }
      case SPLIT_DONE:
        this.serve();
        break;
    }
  }

  /** True when the cluster manager (if any) is up. */
  private managerUp(): boolean {
    return this.cfg.clusterManager < 0 || this.ctx.groupUp(this.cfg.clusterManager);
  }

  /**
   * The cluster manager went up or down: a held takeover starts once it is up. Or the
   * heartbeat link was cut (the standby's detection starts, unless a quorum device breaks
   * the tie) or came back (a detection under way stops).
   */
  onGroupsChanged(): void {
    const s = this.state;
    const p = this.cfg.partition;
    if (p !== null) {
      const up = this.ctx.componentUp(p.link);
      if (up !== s.linkUp) {
        s.linkUp = up;
        if (up) this.ctx.timers.disarm(LINK);
        else if (!p.quorumDevice) this.ctx.timers.arm(LINK, this.linkDetect!);
      }
    }
    if (s.step === Step.Held && this.managerUp()) this.takeover();
  }

  /** The failure is declared: fence if needed, then switch over (once the cluster manager is up). */
  private takeover(): void {
    const s = this.state;
    if (!this.managerUp()) {
      s.step = Step.Held;
      this.out.set(false, 0, 'failover');
      return;
    }
    if (this.fenceTime !== null && !s.cleanCrash) {
      s.step = Step.Fencing;
      this.out.set(false, 0, 'fencing');
      this.after(this.fenceTime, FENCED);
      if (!this.ctx.chance(this.rng, this.cfg.fencing!.success)) s.next = FENCE_FAILED;
      return;
    }
    s.splitBrain = !s.cleanCrash && (s.spurious || this.ctx.chance(this.rng, this.cfg.aliveProbability));
    this.startSwitch(-1);
  }

  /** Switches over to `to`, or to the first standby believed healthy (-1). */
  private startSwitch(to: number): void {
    const s = this.state;
    let target = to;
    if (target < 0) target = this.ctx.first(this.n, (j) => j !== s.active && !s.knownDown[j]);
    if (target < 0) {
      // No standby to take over; the old active may still be the only hope.
      if (s.up[s.active]) target = s.active;
      else {
        s.step = Step.Waiting;
        this.out.set(false, 0, 'restart');
        return;
      }
    }
    // Back to the same node: no second node, no split brain.
    if (target === s.active) s.splitBrain = false;
    s.target = target;
    s.step = Step.Switching;
    this.out.set(false, 0, 'failover');
    this.ctx.count('failovers');
    s.works = this.ctx.chance(this.rng, this.cfg.coverage);
    this.after(this.switchover, SWITCHED);
  }

  /** The active failed now (`ctx.cause`): detect, then take over. */
  private activeDown(): void {
    const s = this.state;
    const cause = this.ctx.cause;
    this.out.set(false, 0, 'detection');
    this.ctx.timers.disarm(SPURIOUS);
    // A crash of the application itself, or a clean stop by planned work: nothing left alive to fence.
    s.cleanCrash = (cause.announced && cause.layer >= APP_LAYER) || cause.clean === true;
    s.spurious = false;
    s.step = Step.Detecting;
    this.ctx.timers.arm(DETECT, this.detector.detection(cause));
  }

  private serve(): void {
    const s = this.state;
    if (!s.up[s.active]) {
      // After a split brain whose new active failed meanwhile: its detection timer runs
      // since its failure; if it has run out, the failure is detected now.
      this.out.set(false, 0, 'detection');
      this.ctx.timers.disarm(SPURIOUS);
      s.cleanCrash = s.detectedClean;
      s.spurious = false;
      s.step = Step.Detecting;
      if (s.detected) this.ctx.timers.arm(DETECT, this.zeroDelay);
      s.detected = false;
      return;
    }
    s.step = Step.Serving;
    s.spurious = false;
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
  shape: {
    timers: { fixed: FIXED_TIMERS, perInstance: 1 },
    perInstance: ['up', 'knownDown'],
    instanceRefs: ['active', 'target'],
    canonical(state, armed) {
      // What is read only in some steps is cleared in the others.
      const s = state as ActivePassive['state'];
      if (s.step !== Step.Switching) {
        s.target = -1;
        s.works = true;
      }
      if (s.step !== Step.Detecting && s.step !== Step.Held) s.cleanCrash = false;
      // Whether the failover was spurious is read only when a fence fails.
      if (s.step !== Step.Fencing) s.spurious = false;
      // The split-brain flag is set at every takeover and read when a switchover ends.
      if (s.step === Step.Serving || s.step === Step.Detecting || s.step === Step.Held || s.step === Step.Fencing || s.step === Step.Split || (s.step === Step.Manual && s.next === FENCED)) s.splitBrain = false;
      if (s.step !== Step.Split) {
        s.detected = false;
        s.detectedClean = false;
      } else if (!armed(DETECT) && !s.detected) s.detectedClean = false;
      // The step the PENDING timer ends matters only while it is armed.
      if (!armed(PENDING)) s.next = 0;
    },
  },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'active-passive') throw new Error('active-passive: wrong configuration');
    return new ActivePassive(group, group.ha, ctx, out);
  },
  watches: (group) => (group.ha.mechanism === 'active-passive' && group.ha.clusterManager >= 0 ? [group.ha.clusterManager] : []),
  reads: (group) => (group.ha.mechanism === 'active-passive' && group.ha.partition !== null ? [group.ha.partition.link] : []),
};
