/**
 * Management planes, unreachable-but-alive hosts, fencing of alive hosts, and the second
 * copies that evacuation leaves behind (split brain). The rules, written once here:
 *
 * 1. A host with a management plane (`hosts.<group>.management`: shared elements such as a
 *    management switch, side components such as the management NIC port or the compute
 *    agent) is *reachable* while every element of it is up. An unreachable host whose
 *    stack is up is alive: its instances keep running and serving; the VIM and Kubernetes
 *    (evacuation, replica sets) see it as failed. Reachability is independent of the
 *    host's own state: the VIM sees a host up only while it is up and reachable.
 * 2. Fencing an alive, unreachable host (evacuation with `fencing`, when the fence
 *    succeeds or an operator fences it by hand) power-cycles it (IPMI power cycle;
 *    Pacemaker's default stonith-action is reboot): its hardware goes down as for planned
 *    work, everything on it goes down, and it boots at once (its hardware's restart time),
 *    then its layers restart; whatever of its management plane failed stays failed until
 *    repaired. The outage this causes is attributed to the management-plane element that
 *    cut it off. Each instance's evacuation fences on its own, but a host is power-cycled
 *    at most once per cut (a later fence finds it fenced). Only an application that is up
 *    leaves an old copy: one that is down on the old host (failed, restarting) does not.
 * 3. Evacuating an instance whose host is alive, without fencing it first (no fencing, or
 *    a failed fence with `onFailure: takeover`), leaves its old copy running there: the
 *    instance counts as up to its group while either copy is up (the new one up, or the
 *    old one alive on its host). The old copy is removed when its host is reachable again
 *    (the agent destroys instances evacuated elsewhere when it reconnects), when its host
 *    goes down, or when an operator acts (`evacuation.splitBrain.operator`, counted from
 *    the evacuation), or when it fails itself (a time to failure drawn afresh from the
 *    application's failure modes at the evacuation: exact for exponential ones). An instance keeps one old copy at most: evacuated again while it
 *    has one, the older copy counts as removed. While both copies are up the group is in *split brain*: counted
 *    (`splitBrains`, and `splitBrainMinutes` of time with two active copies). A stateful
 *    VNF (`evacuation.splitBrain.reconcile`) whose old copy is removed after a split brain
 *    is down for the reconciliation time (phase `splitBrain`); a stateless one is not.
 *
 * Simulation only: `analyze` refuses evacuation and replica sets (they move instances),
 * which is everything here that a host's reachability changes.
 */
import type { EventHandler, Scheduler } from '../engine/scheduler.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { SystemModel } from '../model/build.js';
import type { CounterName } from '../metrics/replication.js';

/** What the network rules need of a component (sim/system.ts ComponentSim). */
export interface NetComponent {
  readonly up: boolean;
  /** Adds `fn` to what is told when it goes up or down. */
  addLeafHook(fn: () => void): void;
  /** Takes it down for planned work; returns the stop's token. */
  plannedDown(): number;
  /** Ends the stop with `token` (boots with `restart`). */
  plannedUp(restart: boolean, token: number): void;
}

/** What a group is told (sim/system.ts GroupSim): an instance changed, or the group is held down (+1) or released (-1). */
export interface NetGroup {
  instanceChanged(i: number, up: boolean): void;
  hold(delta: number): void;
}

/** What the network rules need of the running system. */
export interface NetSystem {
  readonly scheduler: Scheduler;
  readonly components: readonly NetComponent[];
  readonly groups: readonly NetGroup[];
  /** The host (model index) instance i of group g runs on now. */
  hostOf(g: number, i: number): number;
  /** Adds `amount` (default 1) to group g's counter, inside the observation window. */
  count(g: number, c: CounterName, amount?: number): void;
  /** The start of the observation window (seconds). */
  readonly windowStart: number;
  /** Fencing is taking host h down now: the cause of what goes down next is the element `by` that cut it off. */
  recordFencing(by: number): void;
}

/** Event kinds of a copy gate. */
const OPERATOR = 0;
const RECONCILED = 1;
const COPY_FAILED = 2;

/**
 * Between an instance that may leave an old copy behind (a group with evacuation or a
 * replica set, in a model with management planes) and its group: the instance counts as
 * up while its own top component is up or its old copy is alive (rule 3 above).
 */
export class CopyGate implements EventHandler {
  /** Host of the old copy, or -1 (none). */
  copyHost = -1;
  private last = true;
  /** Both copies up since this time (seconds), or -1. */
  private splitSince = -1;
  /** A split brain happened during this copy's life. */
  private diverged = false;
  /** Token of the copy (operator events of earlier copies are stale). */
  private token = 0;
  constructor(
    private readonly net: NetworkSim,
    private readonly g: number,
    private readonly i: number,
    private readonly top: NetComponent,
    private readonly reconcile: { sample(s: RandomStream): number } | null,
    private readonly operator: { sample(s: RandomStream): number } | null,
    /** The application's failure modes' times to failure: the old copy fails as the application does. */
    private readonly ttfs: ReadonlyArray<{ sample(s: RandomStream): number }>,
  ) {}
  /** Up at the start of a replication, no copy. */
  reset(): void {
    this.copyHost = -1;
    this.last = true;
    this.splitSince = -1;
    this.diverged = false;
    this.token++;
  }
  /** The top component changed (or the copy came or went): tells the group when the instance's state changed. */
  instanceChanged(): void {
    const both = this.top.up && this.copyHost >= 0;
    const net = this.net;
    if (both && this.splitSince < 0) {
      this.splitSince = net.sys.scheduler.now;
      this.diverged = true;
      net.sys.count(this.g, 'splitBrains');
    } else if (!both && this.splitSince >= 0) this.endSplit();
    const up = this.top.up || this.copyHost >= 0;
    if (up === this.last) return;
    this.last = up;
    net.sys.groups[this.g].instanceChanged(this.i, up);
  }
  /** The split brain ends now (or at `at`, the horizon): its minutes inside the window are counted. */
  endSplit(at = this.net.sys.scheduler.now): void {
    if (this.splitSince < 0) return;
    const sys = this.net.sys;
    const from = Math.max(this.splitSince, sys.windowStart);
    if (at > from) sys.count(this.g, 'splitBrainMinutes', (at - from) / 60);
    this.splitSince = -1;
  }
  /** The old copy stays on host h (alive) as the instance moves away: `takeDown` then takes the instance's own stack down (the copy keeps it up). */
  leave(h: number, takeDown: () => void): void {
    this.copyHost = h;
    this.diverged = false;
    takeDown();
    const t = ++this.token;
    const stream = this.net.stream(this.g);
    if (this.operator !== null) this.net.sys.scheduler.schedule(this.operator.sample(stream), this, OPERATOR, t);
    // The old copy's own failure: the earliest of the application's modes, drawn afresh (exact for exponential times).
    let ttf = Infinity;
    for (const d of this.ttfs) ttf = Math.min(ttf, d.sample(stream));
    if (ttf < Infinity) this.net.sys.scheduler.schedule(ttf, this, COPY_FAILED, t);
    this.instanceChanged();
  }
  /** The old copy is gone (its host reachable again or down, or an operator removed it). */
  remove(): void {
    if (this.copyHost < 0) return;
    this.copyHost = -1;
    this.token++;
    this.instanceChanged();
    if (this.diverged && this.reconcile !== null) {
      this.net.sys.groups[this.g].hold(1);
      this.net.sys.scheduler.schedule(this.reconcile.sample(this.net.stream(this.g)), this, RECONCILED, 0);
    }
    this.diverged = false;
  }
  handle(kind: number, arg: number): void {
    if (kind === RECONCILED) this.net.sys.groups[this.g].hold(-1);
    else if (arg === this.token) this.net.removeCopy(this);
  }
}

/**
 * The management planes and old copies of one replication (rules 1-3 at the top of this
 * file). Built once per SystemSim when the model has a management plane; `reset` per
 * replication, after the components' (it hooks on their `leafHook`).
 */
export class NetworkSim {
  /** Per host: elements of its management plane down now. */
  private readonly mgmtDown: number[];
  /** Per host, per element of its management plane (in `management` order): 1 when it was up as the host last heard of it. */
  private readonly mgmtSeenUp: Uint8Array[];
  /** Per host: the management element whose loss last cut it off. */
  private readonly lastCut: number[] = [];
  /** Per host: how many times it has been cut off (this replication), and the cut its last fence was for (-1: none). */
  private readonly cuts: number[];
  private readonly fencedCut: number[];
  /** Per host: old copies alive on it. */
  private readonly copies: CopyGate[][];
  /** Per group with evacuation, per instance: its copy gate (else empty). */
  readonly gates: CopyGate[][];
  /** Per group: `fn(i, reachable)` told when the host under instance i becomes (un)reachable. */
  private readonly reachHooks: Array<Array<(i: number, reachable: boolean) => void>>;
  private streams: StreamFactory | null = null;
  private readonly groupStreams: Array<RandomStream | null>;

  constructor(
    private readonly model: SystemModel,
    readonly sys: NetSystem,
  ) {
    const nh = model.hosts.length;
    this.mgmtDown = new Array(nh).fill(0);
    this.mgmtSeenUp = model.hosts.map((host) => new Uint8Array(host.management.length).fill(1));
    this.cuts = new Array(nh).fill(0);
    this.fencedCut = new Array(nh).fill(-1);
    this.copies = model.hosts.map(() => []);
    this.reachHooks = model.functions.map(() => []);
    this.groupStreams = model.functions.map(() => null);
    this.gates = model.functions.map((f, g) => {
      const e = f.evacuation;
      if (e === null) return [];
      return f.instances.map(
        (inst, i) => new CopyGate(this, g, i, sys.components[inst.top], e.splitBrain.reconcile, e.splitBrain.operator, model.components[inst.top].modes.map((m) => m.ttf)),
      );
    });
  }

  /** True when the model has a management plane on some host (else no NetworkSim is needed). */
  static needed(model: SystemModel): boolean {
    return model.hosts.some((h) => h.management.length > 0);
  }

  /** The stream of group g's split-brain draws (`<group path>:splitBrain`). */
  stream(g: number): RandomStream {
    let s = this.groupStreams[g];
    if (s === null) s = this.groupStreams[g] = this.streams!.stream(`${this.model.functions[g].path}:splitBrain`);
    return s;
  }

  /** A new replication: every host reachable, no copy; hooks on the management elements and host tops. */
  reset(streams: StreamFactory): void {
    this.streams = streams;
    this.groupStreams.fill(null);
    this.mgmtDown.fill(0);
    this.cuts.fill(0);
    this.fencedCut.fill(-1);
    this.lastCut.length = 0;
    for (const c of this.copies) c.length = 0;
    for (const row of this.gates) for (const gate of row) gate.reset();
    for (const hooks of this.reachHooks) hooks.length = 0;
    const comps = this.sys.components;
    this.model.hosts.forEach((host, h) => {
      if (host.management.length === 0) return;
      const seen = this.mgmtSeenUp[h];
      seen.fill(1);
      host.management.forEach((ci, k) => {
        const c = comps[ci];
        // Whether the element was up when this host last heard of it: data on this object
        // (not a variable of the hook), so that a copy of the running simulation carries it.
        c.addLeafHook(() => {
          const up = c.up ? 1 : 0;
          if (up === seen[k]) return;
          seen[k] = up;
          this.mgmtChanged(h, c.up ? -1 : 1, ci);
        });
      });
      // Old copies die with their host.
      const top = comps[host.top];
      top.addLeafHook(() => {
        if (!top.up) this.dropCopies(h);
      });
    });
  }

  /** True while host h is reachable (its management plane is up; its own state aside). */
  reachable(h: number): boolean {
    return this.mgmtDown[h] === 0;
  }

  /** Calls `fn(i, reachable)` whenever the host under instance i of group g becomes unreachable or reachable again (this replication). */
  watchReach(g: number, fn: (i: number, reachable: boolean) => void): void {
    this.reachHooks[g].push(fn);
  }

  private mgmtChanged(h: number, delta: number, by: number): void {
    const before = this.mgmtDown[h] === 0;
    this.mgmtDown[h] += delta;
    const now = this.mgmtDown[h] === 0;
    if (before === now) return;
    if (now) {
      // The agent reports again: it destroys the instances evacuated elsewhere.
      this.dropCopies(h);
    } else {
      this.lastCut[h] = by;
      this.cuts[h]++;
    }
    const functions = this.model.functions;
    for (let g = 0; g < functions.length; g++) {
      const hooks = this.reachHooks[g];
      if (hooks.length === 0) continue;
      for (let i = 0; i < functions[g].n; i++) if (this.sys.hostOf(g, i) === h) for (let k = 0; k < hooks.length; k++) hooks[k](i, now);
    }
  }

  /** The management element whose loss last cut host h off (a component index). */
  cutBy(h: number): number {
    return this.lastCut[h] ?? this.model.hosts[h].management[0];
  }

  /**
   * Fences host h (rule 2): power-cycles it now if it is alive and unreachable, at most once
   * per cut (the fences of the other instances on it find it fenced already). Returns
   * true if it did.
   */
  fence(h: number): boolean {
    const host = this.model.hosts[h];
    const comps = this.sys.components;
    if (this.reachable(h) || host.hardware < 0 || !comps[host.top].up || this.fencedCut[h] === this.cuts[h]) return false;
    this.fencedCut[h] = this.cuts[h];
    this.sys.recordFencing(this.cutBy(h));
    const hw = comps[host.hardware];
    hw.plannedUp(true, hw.plannedDown());
    return true;
  }

  /**
   * Instance i of group g moves away from host h, which is alive: its old copy stays there
   * (rule 3) while `takeDown` takes the instance's own base down for its rebuild elsewhere.
   */
  leaveCopy(g: number, i: number, h: number, takeDown: () => void): void {
    const gate = this.gates[g][i];
    if (gate === undefined) return takeDown();
    this.removeCopy(gate);
    this.copies[h].push(gate);
    gate.leave(h, takeDown);
  }

  /** The horizon: split brains still open end there (their minutes are counted). */
  finish(horizon: number): void {
    for (const row of this.gates) for (const gate of row) gate.endSplit(horizon);
  }

  /** Removes `gate`'s old copy (an operator acted). */
  removeCopy(gate: CopyGate): void {
    const h = gate.copyHost;
    if (h < 0) return;
    const list = this.copies[h];
    list.splice(list.indexOf(gate), 1);
    gate.remove();
  }

  private dropCopies(h: number): void {
    const list = this.copies[h];
    if (list.length === 0) return;
    this.copies[h] = [];
    for (const gate of list) gate.remove();
  }
}
