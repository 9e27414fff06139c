/**
 * Evacuation / VM replacement by the VIM (OpenStack), and the Kubernetes replica set's
 * rescheduling of pods off a failed node: the same sequence with other names.
 *
 * When the host under an instance fails (a failure at the host's hardware, host OS,
 * hypervisor, rack or site), whatever the instance was doing:
 *   1. the VIM declares the host failed after `detection` (Kubernetes: the node monitor
 *      grace period) and waits `wait` more (Kubernetes: the pod eviction timeout);
 *   2. OpenStack only: the host is fenced (`fencing`: time, success; on failure an
 *      operator is waited for);
 *   3. the control-plane service `vim` must be up: if it is down, the evacuation waits
 *      for it (counted as a second-order outage);
 *   4. a target host is chosen among the group's placement hosts: up, with a free slot,
 *      and, under anti-affinity, not holding another instance of the group (under rack
 *      anti-affinity, not in a rack that does); the least loaded first. Without one, an
 *      OpenStack instance waits for its own host to be repaired (a failed `nova evacuate`
 *      is not retried by itself); a Kubernetes pod stays Pending and is placed as soon as
 *      one of the group's placement hosts comes up while it waits (kube-scheduler retries
 *      unschedulable pods on node events), from step 3 (the control plane must be up), or
 *      when its own host comes back, whichever is first;
 *   5. the instance's VM (or pod, or process) is rebuilt there: `rebuild` time, after
 *      which its application restarts with its own restart time. It stays on the new host.
 * If the host comes back before step 5, nothing moves.
 *
 * The VIM sees a host up while it is up and reachable (sim/network.ts): a host whose
 * management plane is cut is declared failed the same way although it is alive (a false
 * evacuation, counted `falseEvacuations` when an instance moves). Then:
 *   - the fence (step 2) power-cycles the alive host, killing its instances; with an
 *     `escalation`, gentler levels are tried first, in order, each after the previous
 *     failed: an `instance` level kills the instance only (it stays down on its old
 *     host, and boots there again if the host is seen up before it is moved), a `host`
 *     level reboots the host (the power fence's effect, with its own time and success);
 *     the power fence comes last. When every level fails, an
 *     operator fences the host by hand (`onFailure: wait`), or the VIM goes on without
 *     (`takeover`);
 *   - an instance moved off a host that is still alive (no fencing, or a failed fence
 *     with takeover) leaves its old copy running there: split brain (sim/network.ts).
 * The host becoming reachable again before step 5 stops the evacuation like its return.
 */
import type { EventHandler, EventId } from '../engine/scheduler.js';
import type { RandomStream } from '../engine/rng.js';
import type { EvacuationModel, FunctionModel } from '../model/build.js';
import type { Controller, ControllerFactory, CounterName, PlacementControl } from './types.js';

const READY = 0;
const FENCED = 1;
const FENCE_FAILED = 2;
/** Pods left without a host are placed again (`hostCameUp`). */
const PLACE_WAITING = 3;

/** Reschedules the instances of one group off failed hosts. */
export class Evacuator implements EventHandler {
  private readonly pending: EventId[];
  private readonly waitingForVim: boolean[];
  /** Per instance: a pod of a replica set left without a host (step 4), placed when a host comes up (`hostCameUp`). */
  private readonly waitingForHost: boolean[];
  /** The event that places waiting pods (PLACE_WAITING), or -1. */
  private placing: EventId = -1;
  /** Per instance: its host was alive when the VIM declared it failed (a false evacuation under way). */
  private readonly alive: boolean[];
  /** Per instance: the fencing level being tried (an index into `fencing.escalation`; its length: the power fence). */
  private readonly level: number[];
  /** Per instance: the token of the instance-level fence holding it down on its old host, or -1. */
  private readonly killed: number[];
  private readonly rng: RandomStream;

  constructor(
    group: FunctionModel,
    private readonly index: number,
    private readonly cfg: EvacuationModel,
    private readonly sys: PlacementControl,
    streams: { stream(name: string): RandomStream },
    private readonly count: (c: CounterName) => void,
  ) {
    this.pending = new Array(group.n).fill(-1);
    this.waitingForVim = new Array(group.n).fill(false);
    this.waitingForHost = new Array(group.n).fill(false);
    this.alive = new Array(group.n).fill(false);
    this.level = new Array(group.n).fill(0);
    this.killed = new Array(group.n).fill(-1);
    this.rng = streams.stream(`${group.path}:evacuation`);
    sys.onServiceUp(cfg.vim, () => {
      for (let i = 0; i < group.n; i++) {
        if (this.waitingForVim[i]) {
          this.waitingForVim[i] = false;
          this.rebuild(i);
        }
      }
    });
  }

  /** True when the VIM sees the host under instance `i` up: up and reachable. */
  private seen(i: number): boolean {
    return this.sys.hostUp(this.index, i) && this.sys.hostReachable(this.index, i);
  }

  /**
   * The host under instance `i` went down or came back, or became unreachable or
   * reachable again, now, whatever the instance itself was doing (up, restarting, failed).
   */
  hostChanged(i: number): void {
    // A host that goes down by itself (not fenced: a fence is a planned stop, not reported
    // here) was not alive: its evacuation is no false one.
    if (!this.sys.hostUp(this.index, i)) this.alive[i] = false;
    if (this.seen(i)) {
      // The host is back: an evacuation under way for its earlier failure is dropped, and
      // an instance fenced alone there boots again.
      this.pending[i] = -1;
      this.waitingForVim[i] = false;
      this.waitingForHost[i] = false;
      if (this.killed[i] >= 0) {
        this.sys.unfenceInstance(this.index, i, this.killed[i]);
        this.killed[i] = -1;
      }
      return;
    }
    if (this.pending[i] >= 0 || this.waitingForVim[i]) return;
    const t = this.cfg.detection.sample(this.rng) + this.cfg.wait.sample(this.rng);
    this.pending[i] = this.sys.scheduler.schedule(t, this, READY, i);
  }

  handle(kind: number, i: number): void {
    if (kind === PLACE_WAITING) {
      this.placing = -1;
      for (let j = 0; j < this.waitingForHost.length; j++) {
        if (!this.waitingForHost[j]) continue;
        this.waitingForHost[j] = false;
        this.rebuild(j);
      }
      return;
    }
    if (this.sys.scheduler.currentId !== this.pending[i]) return;
    this.pending[i] = -1;
    if (this.seen(i)) return;
    const f = this.cfg.fencing;
    if (kind === READY) {
      this.alive[i] = this.sys.hostUp(this.index, i);
      if (f) {
        this.level[i] = 0;
        this.tryFence(i);
        return;
      }
    }
    if (kind === FENCE_FAILED && this.level[i] < f!.escalation.length) {
      // The next level of the escalation (the power fence last).
      this.level[i]++;
      this.tryFence(i);
      return;
    }
    if (kind === FENCE_FAILED && f!.onFailure === 'wait') {
      // The operator fences the host by hand.
      this.level[i] = f!.escalation.length;
      this.pending[i] = this.sys.scheduler.schedule(f!.operator?.sample(this.rng) ?? 0, this, FENCED, i);
      return;
    }
    if (kind === FENCED) {
      if (f !== null && this.level[i] < f.escalation.length && f.escalation[this.level[i]].scope === 'instance') this.killed[i] = this.sys.fenceInstance(this.index, i);
      else this.sys.fence(this.index, i);
    }
    this.rebuild(i);
  }

  /** Starts fencing level `level[i]` of instance i's host: an escalation level, or the power fence after them. */
  private tryFence(i: number): void {
    const f = this.cfg.fencing!;
    const lv = this.level[i] < f.escalation.length ? f.escalation[this.level[i]] : f;
    const t = lv.time.sample(this.rng);
    this.pending[i] = this.sys.scheduler.schedule(t, this, this.rng.next() < lv.success ? FENCED : FENCE_FAILED, i);
  }

  private rebuild(i: number): void {
    if (this.seen(i)) return;
    if (!this.sys.serviceUp(this.cfg.vim)) {
      this.waitingForVim[i] = true;
      this.count('secondOrderOutages');
      return;
    }
    const host = this.sys.pickHost(this.index, i);
    if (host < 0) {
      if (this.cfg.style === 'replicaSet') this.waitingForHost[i] = true;
      return;
    }
    this.count('evacuations');
    if (this.alive[i]) this.count('falseEvacuations');
    this.alive[i] = false;
    // Moved: an instance-level fence on the old host is over (the instance lives on `host` now).
    this.killed[i] = -1;
    this.sys.move(this.index, i, host, this.cfg.rebuild.sample(this.rng), true);
  }

  /**
   * One of the group's placement hosts came up (its whole stack): the pods left without a
   * host are placed if they can be (step 4), in instance order, by an event at this same
   * time (after the host's own coming up is done: what runs on it restarts first).
   */
  hostCameUp(): void {
    if (this.placing >= 0 || !this.waitingForHost.includes(true)) return;
    this.placing = this.sys.scheduler.schedule(0, this, PLACE_WAITING, -1);
  }
}

/**
 * The evacuation controller: one Evacuator per function with `evacuation`, told when
 * the host under each of its instances goes down or comes back. A host taken down for
 * planned work is no failure for the VIM: its instances wait for it.
 */
export const evacuation: ControllerFactory = {
  name: 'evacuation',
  description: 'evacuation by the VIM / rescheduling by a replica set: instances rebuilt on another host when theirs fails',
  unanalyzable: (model) =>
    model.functions
      .filter((f) => f.evacuation)
      .map((f) => {
        const key = f.evacuation!.style === 'evacuation' ? 'evacuation' : 'replicaSet';
        return `${f.path}.${key}: instances that move between hosts (and wait for the VIM) are not modelled by analyze; remove '${key}' to analyze the rest`;
      }),
  attach(model, ctl) {
    const out: Controller[] = [];
    // A plain loop over the functions: run at every replication, and `forEach` took V8's slow path on the model's arrays when they were frozen.
    for (let g = 0; g < model.functions.length; g++) {
      const f = model.functions[g];
      if (!f.evacuation) continue;
      const ev = new Evacuator(f, g, f.evacuation, ctl, ctl.streams, (c) => ctl.count(g, c));
      out.push(ev as Controller);
      f.instances.forEach((_, i) =>
        ctl.watchBase(g, i, (up) => {
          if (up || !ctl.inPlannedStop) ev.hostChanged(i);
        }),
      );
      ctl.watchReach(g, (i) => ev.hostChanged(i));
      if (f.evacuation.style === 'replicaSet') for (const h of ctl.candidateHosts(g)) ctl.watchHost(h, () => ev.hostCameUp());
    }
    return out;
  },
};
