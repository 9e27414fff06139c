/**
 * One replication of an NFV system: component lifecycles (failure, repair, restart,
 * propagation through the stack), groups (VNFs, VIM services) driven by their
 * mechanism, services (chains), and the per-replication recorder.
 *
 * Component semantics (all times in seconds):
 * - A component is *up* when it has not failed, the component below it is up, and it is
 *   not restarting. Each failure mode runs a time-to-failure clock that advances only
 *   while the component is up (competing risks; a clock frozen while down resumes
 *   where it stopped).
 * - When a mode fires, the component *fails*: its repair starts at once (or queues for
 *   a crew), everything stacked on it goes *down*. Down components do not fail.
 * - When a repair ends and the layer below is up, the component is up at once (the
 *   repair includes its restart). If the layer below is down, it waits, and restarts
 *   with its restart time when that layer returns.
 * - When a layer returns, each component stacked on it that has not failed restarts
 *   (restart time), then the layers above it in turn.
 * - A repair already running continues while the layer below is down.
 * - A supervised application's announced crash is repaired by its supervisor (no crew);
 *   an evacuated instance's VM (or pod, or process) moves to another host and is rebuilt
 *   there (see mechanisms/supervision.ts and mechanisms/evacuation.ts).
 *
 * One SystemSim is built per model and thread and `reset` for each replication; every
 * piece of per-replication state is re-initialised there (the determinism tests check
 * that a replication gives the same result alone or after others).
 */
import type { EventHandler, EventId, Scheduler } from '../engine/scheduler.js';
import { nameHash, type RandomStream, type StreamFactory } from '../engine/rng.js';
import { Exponential, type Distribution } from '../engine/distributions.js';
import { isImpactZone, placementDomain, type CommonCauseModel, type ComponentModel, type FailureModeModel, type FunctionModel, type RedundancyModel, type SystemModel } from '../model/build.js';
import { logicCapacity, logicUp, type LogicModel } from '../model/logic.js';
import { LAYERS } from '../model/schema.js';
import { DistDelay, type Controller, type Delay, type FailureCause, type GroupMechanism, type GroupOutput, type PlacementControl, type RepairPlan, type RepairTaker, type SystemControl } from '../mechanisms/types.js';
import { SimMechanismHost } from './mechanism-runtime.js';
import { NetworkSim } from './network.js';
import { CONTROLLERS, MECHANISMS } from '../mechanisms/registry.js';
import { ServiceRecorder, PHASES, PHASE_INDEX, phaseIndex, type OutageCause, type OutageRecord, type Phase, type RecorderOptions, type ServiceReplication } from '../metrics/recorder.js';
import { COUNTERS, PLANNED_LAYER, SPURIOUS_LAYER, type CounterName } from '../metrics/replication.js';

const FAIL = 0;
/** The kinds of a component's own timers: its repair (the last step of it) ends; its restart ends; its silent failure is noticed (its repair starts). */
export const REPAIR_DONE = 1;
export const RESTART_DONE = 2;
export const NOTICED = 3;

/** Index of each counter name (a Map: the name varies at the call site, and indexing an object by it is a megamorphic keyed load). */
const COUNTER_INDEX: ReadonlyMap<CounterName, number> = new Map(COUNTERS.map((c, i) => [c, i]));

/** Index of each layer name, for per-layer counters. */
const LAYER_INDEX: Readonly<Record<string, number>> = Object.fromEntries(LAYERS.map((l, i) => [l, i]));

/**
 * Empties `a` (an array reset at each replication). Setting `length` is a call into the
 * runtime, which most of these arrays (empty at the end of most histories) do not need.
 */
function empty(a: unknown[]): void {
  if (a.length !== 0) a.length = 0;
}

/**
 * Removes entry `at` (0 <= at < a.length) of `a`, keeping the order of the others: the
 * same as `a.splice(at, 1)` without the runtime call and the array of removed entries.
 */
function removeAt<T>(a: T[], at: number): void {
  for (let i = at + 1; i < a.length; i++) a[i - 1] = a[i];
  a.pop();
}

/** Sets every entry of `a` to `v` (a loop: `fill` calls into the runtime, slow on the short arrays reset at each replication). */
function fillWith<T>(a: T[], v: T): void {
  for (let i = 0; i < a.length; i++) a[i] = v;
}

/**
 * Repair crews of one pool: at most `size` repairs at once, the rest wait; a freed crew
 * takes the one waiting longest (fifo), one drawn alike among those waiting (random:
 * `choose`), or the first waiting of the least rank (priority: `rank` by component index).
 * With `preemptive` (priority only), a repair that arrives when every crew is busy takes
 * the crew of the running repair of the greatest rank above its own (of those, the
 * component of the greatest index): that one is suspended (ComponentSim.suspendRepair)
 * and waits first among its rank, to resume with its remaining time. `dispatch` (or null)
 * is added before each repair by the component.
 */
export class CrewPool {
  busy = 0;
  private queue: ComponentSim[] = [];
  private head = 0;
  /** With order random: picks an index in [0, n) uniformly (the simulation draws from the pool's stream; analysis branches). */
  choose: ((n: number) => number) | null = null;
  /** With order random, in a simulation: the stream `choose` draws from (a property, so a copy of the simulation reaches it). */
  pickStream: RandomStream | null = null;
  constructor(
    readonly size: number,
    readonly order: 'fifo' | 'random' | 'priority' = 'fifo',
    private readonly rank: readonly number[] | null = null,
    readonly dispatch: Distribution | null = null,
    readonly preemptive = false,
  ) {}
  /** With `preemptive`: the components being repaired now. */
  private running: ComponentSim[] = [];
  /** All crews free, nobody waiting. */
  reset(): void {
    this.busy = 0;
    empty(this.queue);
    this.head = 0;
    empty(this.running);
  }
  /** Asks for a crew; returns true if one is free now (or taken from a repair it preempts), else queues `c`. */
  request(c: ComponentSim): boolean {
    if (this.busy < this.size) {
      this.busy++;
      if (this.preemptive) this.running.push(c);
      return true;
    }
    if (this.preemptive) {
      const rank = this.rank!;
      let victim = -1;
      for (let i = 0; i < this.running.length; i++) {
        const r = this.running[i];
        const worse = victim < 0 ? rank[r.model.index] > rank[c.model.index] : rank[r.model.index] > rank[this.running[victim].model.index] || (rank[r.model.index] === rank[this.running[victim].model.index] && r.model.index > this.running[victim].model.index);
        if (worse) victim = i;
      }
      if (victim >= 0) {
        const v = this.running[victim];
        this.running[victim] = c;
        v.suspendRepair();
        this.queue.splice(this.head, 0, v);
        return true;
      }
    }
    this.queue.push(c);
    return false;
  }
  /** A repair (of `done`) ended: hands the crew to the next waiting component, if any. */
  release(done?: ComponentSim): ComponentSim | undefined {
    if (this.preemptive) {
      const at = this.running.indexOf(done!);
      if (at >= 0) this.running.splice(at, 1);
      if (this.head < this.queue.length) {
        const next = this.pick();
        this.running.push(next);
        return next;
      }
    }
    if (this.order !== 'fifo' && this.head < this.queue.length) return this.pick();
    if (this.head < this.queue.length) {
      const next = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return next;
    }
    this.busy--;
    return undefined;
  }
  /** The waiting component a freed crew takes under order random or priority, taken out of the queue (which then starts at 0). */
  private pick(): ComponentSim {
    const q = this.queue.slice(this.head);
    let at = 0;
    if (this.order === 'random') at = this.choose!(q.length);
    else {
      const rank = this.rank!;
      for (let i = 1; i < q.length; i++) if (rank[q[i].model.index] < rank[q[at].model.index]) at = i;
    }
    const next = q.splice(at, 1)[0];
    this.queue = q;
    this.head = 0;
    return next;
  }

  /** The components waiting, first first (analysis saves them with its state). */
  waiting(): ComponentSim[] {
    return this.queue.slice(this.head);
  }
  /** Sets its state: `busy` crews at work, `waiting` in order, `running` the repairs at work (with `preemptive`; analysis restores a state). */
  restore(busy: number, waiting: ComponentSim[], running: ComponentSim[] = []): void {
    this.busy = busy;
    this.queue = waiting;
    this.head = 0;
    this.running = running;
  }
}

/**
 * What a component needs of the replication it lives in (SystemSim is one; analysis has
 * its own, see analysis/markov.ts): the clock and calendar, the failure-time scale, the
 * observers, the failure record, and the plan a controller lays a taken-over repair on.
 */
export interface ComponentHost {
  readonly scheduler: Scheduler;
  readonly ttfScale: number;
  readonly observer: TransitionObserver | null;
  readonly trace: ((e: TraceEvent) => void) | null;
  /** True when `observer` or `trace` is set (one test on the hot paths). */
  readonly watched: boolean;
  inPlannedStop: boolean;
  readonly repairPlan: SumPlan;
  /** Records the failure of `c` in `mode` (now): the cause that what goes down next inherits. */
  recordFailure(c: ComponentSim, mode: number): void;
  /** True when every service in `services` is up. */
  servicesUp(services: readonly number[]): boolean;
  /** Starts (`on`) or stops telling `c.stageCheck()` when any of `services` goes up or down. */
  watchStage(c: ComponentSim, services: readonly number[], on: boolean): void;
  /** A step of `c`'s staged repair waits for a service (a second-order outage); `first`: the first wait of this step. */
  stageWaited(c: ComponentSim, first: boolean): void;
  /** The repair phase of a component of function g's instances changed. */
  repairPhaseChanged(g: number): void;
  /** A step of `c`'s staged repair was replaced by its fallback (a lost notification). */
  stageLost(c: ComponentSim): void;
}

/** What a component tells when it goes up or down: the group it is an instance of. */
export interface InstanceListener {
  instanceChanged(i: number, up: boolean): void;
}

/**
 * Between an instance that needs side components (`needs`: a virtual switch, a storage
 * client) and its group: the instance counts as up to the group while its top component
 * and every side component it needs are up. A side component going down cuts the
 * instance off without stopping it (its clocks run, nothing restarts); its return
 * reconnects it at once. Tells the group only of changes. The one place of this rule:
 * the simulation (SystemSim) and `analyze` (analysis/markov.ts) both put a gate between
 * the instance's top component and its group (`top.group = gate`, then `listen`).
 */
export class InstanceGate implements InstanceListener {
  private last = true;
  constructor(
    private readonly target: InstanceListener,
    private readonly top: ComponentSim,
    private readonly sides: readonly ComponentSim[],
  ) {}
  /** Up at the start of a replication. */
  reset(): void {
    this.last = true;
  }
  /** True while the instance is connected: its top component and every side component it needs are up. */
  connected(): boolean {
    let up = this.top.up;
    for (let k = 0; k < this.sides.length && up; k++) up = this.sides[k].up;
    return up;
  }
  /** Takes what the group was last told from the components' state (analysis, after loading a state between events). */
  sync(): void {
    this.last = this.connected();
  }
  /** Makes the side components tell the gate (instance `i`) when they go up or down, after any hook they have (their `reset` clears it). */
  listen(i: number): void {
    for (const c of this.sides) c.addLeafHook(() => this.instanceChanged(i));
  }
  /** The top component (or a side component) changed: tells the group when the instance's state changed. */
  instanceChanged(i: number): void {
    const up = this.connected();
    if (up === this.last) return;
    this.last = up;
    this.target.instanceChanged(i, up);
  }
}

/** The names of a component's random streams: its path plus the purpose. */
interface StreamNames {
  ttf: string[];
  repair: string[];
  restart: string;
  /** Their hashes (see nameHash), computed once. */
  ttfHash: Array<[number, number]>;
  repairHash: Array<[number, number]>;
  restartHash: [number, number];
  /** The modes' distributions (shared, read-only). */
  ttfDist: Distribution[];
  repairDist: Distribution[];
  /** Per mode, the mean of an exponential time to failure / repair, else 0 (see ComponentSim.ttfExp; shared, readonly, not frozen: see ttfExp below). */
  ttfExp: readonly number[];
  repairExp: readonly number[];
}

/** Stream names per component model, built once per model rather than per replication. */
const STREAM_NAMES = new WeakMap<ComponentModel, StreamNames>();

function streamNames(model: ComponentModel): StreamNames {
  let n = STREAM_NAMES.get(model);
  if (!n) {
    n = {
      ttf: model.modes.map((m) => `${model.path}:${m.name}:ttf`),
      repair: model.modes.map((m) => `${model.path}:${m.name}:repair`),
      restart: `${model.path}:restart`,
      ttfHash: [],
      repairHash: [],
      restartHash: [0, 0],
      ttfDist: model.modes.map((m) => m.ttf),
      repairDist: model.modes.map((m) => m.repair),
      // Not frozen (readonly by type): V8's optimised code reads a frozen array through a
      // generic keyed load, a call per read (one per event here).
      ttfExp: sharedMeans(model.modes.map((m) => expMean(m.ttf))),
      repairExp: sharedMeans(model.modes.map((m) => expMean(m.repair))),
    };
    n.ttfHash = n.ttf.map(nameHash);
    n.repairHash = n.repair.map(nameHash);
    n.restartHash = nameHash(n.restart);
    STREAM_NAMES.set(model, n);
  }
  return n;
}

/** One array per distinct list of means (sharedMeans). */
const SHARED_MEANS = new Map<string, readonly number[]>();

/**
 * The array of `means` that every component with the same means uses (never changed:
 * see StreamNames.ttfExp): the thousand replicas of a large model then read one array,
 * which stays in the cache, instead of one each.
 */
function sharedMeans(means: number[]): readonly number[] {
  const key = means.join(',');
  let a = SHARED_MEANS.get(key);
  if (a === undefined) {
    if (SHARED_MEANS.size > 100_000) SHARED_MEANS.clear();
    SHARED_MEANS.set(key, (a = means));
  }
  return a;
}

/** The set members and members in use of a component that is not a redundant set: empty, shared by all (not part of a copy's state). */
const NOT_A_SET: never[] = Object.freeze([]) as unknown as never[];

/** The mean of an exponential distribution, else 0 (see ComponentSim.ttfExp). */
function expMean(d: Distribution): number {
  return d instanceof Exponential ? d.mean : 0;
}

/** What a step that needs nothing needs (shared, never changed). */
const NO_NEEDS: readonly number[] = [];

/**
 * The rarely used state of a component (planned stops, moves, silent failures, staged
 * and preempted repairs, its restart and dispatch streams), made on its first use: the
 * fields every failure and repair touches stay together in a smaller ComponentSim (fewer
 * cache lines per event on large models). Its fields mean what ComponentSim's accessors
 * of the same names say.
 */
class ComponentRare {
  plannedToken = 0;
  rebuildAfterRepair = -1;
  suspendedLeft = -1;
  restartStream: RandomStream | null = null;
  restartSeeded = false;
  dispatchStream: RandomStream | null = null;
  dispatchSeeded = false;
  /** Per mode (made when a notice is first drawn: most components have none). */
  noticeStreams: Array<RandomStream | null> | null = null;
  noticeSeeded: boolean[] | null = null;
  stages: Stage[] | null = null;
  stageAt = 0;
  stageDue = -1;
  stageLeft = 0;
  stageNeeds: readonly number[] = NO_NEEDS;
  stageWaitedOnce = false;
  constructor(readonly modes: number) {}
  /** For a new replication (the planned-stop token keeps counting). */
  reset(): void {
    this.rebuildAfterRepair = -1;
    this.suspendedLeft = -1;
    this.restartSeeded = false;
    this.dispatchSeeded = false;
    if (this.noticeSeeded !== null) fillWith(this.noticeSeeded, false);
    this.stages = null;
  }

  // V8 gives a field the representation of the first value stored in it. The times above
  // start at a whole number (-1, 0: none) and later hold fractions of seconds; the first
  // fraction, mid-run, gave every ComponentRare a new hidden class and threw out each
  // optimised function that had inlined a read of one (a component's `fail`,
  // `startRepair`, `onRepaired`, `reset`: a dozen deoptimizations in a default run). One
  // object written with fractions when the class is defined makes them doubles from the start.
  static {
    const primed = new ComponentRare(0);
    primed.rebuildAfterRepair = primed.suspendedLeft = primed.stageDue = primed.stageLeft = 0.5;
  }
}

/**
 * The runtime state of one component in one replication, and its rules. The rules (what
 * fails, what goes down with it, who repairs it, when it comes back) are written here
 * once; the timing (failure clocks drawn and frozen, repairs and restarts drawn and
 * scheduled) is in a few protected methods (`armFailure`, `freezeClocks`, `redraw`,
 * `cancelTimer`, `startRepair`, `scheduleTakenRepair`, `scheduleRestart`), which `analyze`
 * overrides with exponential clocks on its chain's states (analysis/markov.ts).
 */
export class ComponentSim implements EventHandler {
  failed = false;
  supported = true;
  up = true;
  /** When it last came up (seconds): an entry of `remaining` (see there). */
  get upSince(): number {
    return this.remaining[this.modeCount];
  }
  set upSince(v: number) {
    this.remaining[this.modeCount] = v;
  }
  /** True while a repair crew works on (or is queued for) this component. */
  holdsCrew = false;
  /** Counts planned stops; `plannedDown` returns it and `plannedUp` must present it. */
  private get plannedToken(): number {
    return this.rare === null ? 0 : this.rare.plannedToken;
  }
  private set plannedToken(v: number) {
    this.x.plannedToken = v;
  }
  /** Called when it comes up (a host's top component, watched by maintenance), or null. */
  upHook: (() => void) | null = null;
  /** After a move while failed: the rebuild time to apply once repaired (-1: none). */
  get rebuildAfterRepair(): number {
    return this.rare === null ? -1 : this.rare.rebuildAfterRepair;
  }
  set rebuildAfterRepair(v: number) {
    if (this.rare !== null || v >= 0) this.x.rebuildAfterRepair = v;
  }
  /** Its rarely used state (ComponentRare), or null until first used. */
  private rare: ComponentRare | null = null;
  /** Its rarely used state, made on first use. */
  private get x(): ComponentRare {
    return (this.rare ??= new ComponentRare(this.modeCount));
  }
  /** Id of the one event this component expects next; others are stale. */
  pending: EventId = -1;
  failedMode = -1;
  /** Its failure modes (model.modes.length). */
  readonly modeCount: number;
  /**
   * Per failure mode, the up time left before it fires (seconds; frozen while down), then
   * at index `modeCount` the time it last came up (`upSince`), at `modeCount + 1` when
   * its running repair is due (`repairDue`), at `modeCount + 2` when that repair was drawn
   * (`repairFrom`), and from `modeCount + 3` per mode the up time its clock was drawn with
   * (so its age is that minus what is left: `redrawClocks`): the component's times in one
   * array of unboxed doubles (a field holding a double is a number object of its own, one
   * more cache line to load per event on a large model).
   */
  readonly remaining: number[];
  /**
   * Mode 0's streams (`ttfStreams[0]`, `repairStreams[0]`, below) in fields of their own: the
   * event path reads one field instead of an array and its elements, two more objects
   * to load, which on a large model are cache misses (every component has mode 0; most
   * have no other).
   */
  private ttf0: RandomStream | null = null;
  private repair0: RandomStream | null = null;
  /** Counts its replications (`reset`): the `mark` of a repair stream seeded in this one. */
  private epoch = 0;
  /**
   * Per mode, the mean of an exponential time to failure / repair, else 0. The hot paths
   * draw such a clock as the mean times `drawExponential`'s `e`, exactly
   * Exponential.sample, without its call: a call that returns a double and is not inlined
   * boxes it, a heap allocation per event.
   * Shared by every simulation of the model (not part of a copy's state).
   */
  private readonly ttfExp: readonly number[];
  private readonly repairExp: readonly number[];
  readonly layer: number;
  children: ComponentSim[] = [];
  /** The group instance this component is the top of, if any. */
  group: InstanceListener | null = null;
  /**
   * Takes over the repair of its own failures (a controller's, e.g. a supervisor's): lays
   * the repair's steps out on the plan and returns true, or returns false to leave the
   * failure to the component's own repair (SystemControl.takeRepair).
   */
  repairBy: RepairTaker | null = null;
  instance = -1;
  /** Told when it goes up or down (an infrastructure element a service's expression names, a side component instances need), or null. */
  leafHook: (() => void) | null = null;
  /** True when a failure mode is noticed after a delay (then `fail` looks at the mode's). */
  private readonly notices: boolean;
  /** The event of the repair `startRepair` drew last (its own repair: not a notice, a taken-over or a staged repair). */
  private repairEvent: EventId = -1;
  // The fields above are what a failure and a repair read (the event loop's path): V8
  // lays an object's fields out in the order they are declared, so they share a few
  // cache lines. Those below are read off that path (planned work, relocation,
  // redundant sets, the streams of modes other than 0, a stream's first use in a history).
  /** What it is in the model (read off the event path: names, modes' rarely used settings, links). */
  readonly model: ComponentModel;
  /** Streams live as long as the component and are re-seeded for each replication. */
  private readonly ttfStreams: RandomStream[];
  /**
   * Made on first use and re-seeded on first use in a replication (many components never
   * fail or never restart in a history): a stream whose `mark` is not `epoch` has not
   * been seeded in this one.
   */
  private readonly repairStreams: Array<RandomStream | null>;
  /**
   * How many of its supports are down: the component below, plus the shared elements a
   * host's hardware depends on. `supported` is true exactly when this is 0.
   */
  downSupports = 0;
  restarting = false;
  /** True while it is taken down for planned work (maintenance, an upgrade step, a migration blackout). */
  planned = false;
  /** Called when the layer below goes down or comes back (the base of an evacuable instance). */
  hostHook: ((up: boolean) => void) | null = null;
  private readonly names: StreamNames;
  private streams!: StreamFactory;
  readonly ttf: readonly Distribution[];
  readonly repair: readonly Distribution[];
  readonly restart: Distribution;
  /** The component it runs on (changes when its instance is moved to another host). */
  parent: ComponentSim | null = null;
  /** A redundant set's rule (the component of `shared` with `of`), or null. */
  readonly redundancy: RedundancyModel | null;
  /** A redundant set's members, in preference order (linked at `reset`; analysis links its own). */
  setMembers: readonly ComponentSim[] = NOT_A_SET;
  /** A redundant set's members in use, by position in `setMembers` (analysis saves it with its state). */
  readonly inUse: boolean[];
  /** Adds `fn` to what is told when it goes up or down, after any hook it has (its `reset` clears them). */
  addLeafHook(fn: () => void): void {
    const prev = this.leafHook;
    this.leafHook = prev === null ? fn : () => (prev(), fn());
  }

  constructor(
    model: ComponentModel,
    readonly sys: ComponentHost,
    readonly crew: CrewPool | null,
  ) {
    this.model = model;
    const modes = model.modes;
    this.names = streamNames(model);
    this.modeCount = modes.length;
    this.remaining = [];
    for (let j = 0; j < 2 * modes.length + 3; j++) this.remaining.push(0);
    this.ttf = this.names.ttfDist;
    this.repair = this.names.repairDist;
    this.ttfStreams = [];
    this.repairStreams = modes.map(() => null);
    this.notices = modes.some((m) => m.notice !== null);
    this.restart = model.restart;
    this.ttfExp = this.names.ttfExp;
    this.repairExp = this.names.repairExp;
    this.layer = LAYER_INDEX[model.layer];
    this.redundancy = model.redundancy ?? null;
    this.inUse = this.redundancy !== null ? this.redundancy.members.map(() => false) : NOT_A_SET;
  }

  /** Back to new and up, for a replication drawing from `streams` (links as in the model). */
  reset(streams: StreamFactory, byIndex: readonly ComponentSim[]): void {
    if (this.rare !== null) this.rare.reset();
    this.repairPhase = -1;
    this.failed = false;
    this.supported = true;
    this.downSupports = 0;
    this.restarting = false;
    this.up = true;
    this.upSince = 0;
    this.holdsCrew = false;
    this.planned = false;
    this.upHook = null;
    this.pending = -1;
    this.failedMode = -1;
    this.streams = streams;
    this.upSince = 0;
    this.repairDue = 0;
    for (let j = 0; j < this.modeCount; j++) {
      const ttf = this.ttfStreams[j];
      if (ttf === undefined) this.newTtfStream(j, streams);
      else ttf.reseed(streams.seed, streams.replication);
      this.remaining[j] = 0;
      this.remaining[this.modeCount + 3 + j] = 0;
    }
    // A new replication: every repair stream is seeded again on first use (`repairStream`).
    this.epoch++;
    // Relocations of the previous history are undone.
    const m = this.model;
    const ch = this.children;
    let moved = ch.length !== m.children.length;
    for (let k = 0; k < ch.length && !moved; k++) moved = ch[k] !== byIndex[m.children[k]];
    if (moved) {
      ch.length = 0;
      for (const i of m.children) ch.push(byIndex[i]);
    }
    this.parent = m.parent >= 0 ? byIndex[m.parent] : null;
    this.repairBy = null;
    this.hostHook = null;
    this.leafHook = null;
    if (this.redundancy !== null) {
      const r = this.redundancy;
      this.setMembers = r.members.map((i) => byIndex[i]);
      for (let i = 0; i < this.inUse.length; i++) this.inUse[i] = i < r.k;
    }
  }

  /**
   * Makes now what it would make on first use (its rarely used state, its restart and
   * repair streams), so that a copy of a running simulation (sim/twins.ts) finds it in
   * place instead of making it afresh. Changes no draw: a stream's first use in a
   * replication reseeds it (a repair stream's `mark` is left unset, the restart stream's
   * `seeded` flag false), as a new one would start.
   */
  makeLazyState(): void {
    for (let m = 0; m < this.modeCount; m++) if (this.repairStreams[m] === null) this.newRepairStream(m);
    const x = this.x;
    if (x.restartStream === null) x.restartStream = this.streams.streamHashed(this.names.restart, this.names.restartHash);
  }

  /** Mode m's repair stream, seeded for this replication. */
  private repairStream(m: number): RandomStream {
    const r = m === 0 ? this.repair0 : this.repairStreams[m];
    return r !== null && r.mark === this.epoch ? r : this.seedRepairStream(m);
  }

  /** Mode m's repair stream, made or re-seeded on its first use in a replication (`repairStream`). */
  private seedRepairStream(m: number): RandomStream {
    let r = this.repairStreams[m];
    if (r === null) r = this.newRepairStream(m);
    else r.reseed(this.streams.seed, this.streams.replication);
    r.mark = this.epoch;
    return r;
  }

  /** Makes mode m's time-to-failure stream, from `streams` (seeded for its replication). */
  private newTtfStream(m: number, streams: StreamFactory): void {
    const r = streams.streamHashed(this.names.ttf[m], this.names.ttfHash[m]);
    this.ttfStreams[m] = r;
    if (m === 0) this.ttf0 = r;
  }

  /** Makes mode m's repair stream (seeded for the factory's replication, not marked as seeded in it: `repairStream`). */
  private newRepairStream(m: number): RandomStream {
    const r = this.streams.streamHashed(this.names.repair[m], this.names.repairHash[m]);
    this.repairStreams[m] = r;
    if (m === 0) this.repair0 = r;
    return r;
  }

  private noticeStream(m: number): RandomStream {
    const x = this.x;
    const streams = (x.noticeStreams ??= new Array<RandomStream | null>(x.modes).fill(null));
    const seeded = (x.noticeSeeded ??= new Array<boolean>(x.modes).fill(false));
    let r = streams[m];
    if (r === null) r = streams[m] = this.streams.stream(`${this.model.path}:${this.model.modes[m].name}:notice`);
    else if (!seeded[m]) r.reseed(this.streams.seed, this.streams.replication);
    seeded[m] = true;
    return r;
  }

  private get restartStream(): RandomStream {
    const x = this.x;
    let r = x.restartStream;
    if (r === null) r = x.restartStream = this.streams.streamHashed(this.names.restart, this.names.restartHash);
    else if (!x.restartSeeded) r.reseed(this.streams.seed, this.streams.replication);
    x.restartSeeded = true;
    return r;
  }

  /** Starts the clocks at time 0 (everything new and up). */
  start(): void {
    const scale = this.sys.ttfScale;
    const r = this.remaining;
    const drawn = this.modeCount + 3;
    for (let j = 0; j < this.modeCount; j++) {
      // An exponential drawn without a call (see ttfExp), then scaled: exactly sample(rng) * scale.
      const mean = this.ttfExp[j];
      const rng = this.ttfStreams[j];
      let x: number;
      if (mean > 0) {
        rng.drawExponential();
        x = mean * rng.e;
      } else x = this.ttf[j].sample(rng);
      r[drawn + j] = r[j] = x * scale;
    }
    this.armFailure();
  }

  /**
   * Makes the up component fail in `mode` now (rare-event cycles: the forced first
   * failure of a cycle). Its other clocks keep their remaining up time.
   */
  failNow(mode: number): void {
    if (!this.up) throw new Error(`${this.model.path} is not up: it cannot be made to fail`);
    this.freezeClocks(-1);
    this.remaining[mode] = 0;
    this.armFailure();
  }

  /**
   * Tells the history's trace (the host's `trace`, which must be set) that this component
   * did `event` now, with `detail`. Out of line: the hot paths only test `sys.watched` (or that a trace is set).
   */
  private traced(event: string, detail?: string): void {
    const sys = this.sys;
    const e: TraceEvent = { t: sys.scheduler.now, kind: 'component', name: this.model.path, event };
    if (detail !== undefined) e.detail = detail;
    sys.trace!(e);
  }

  handle(kind: number, arg: number): void {
    // Stale events (superseded when the component went down) are skipped here rather
    // than cancelled in the scheduler: a component expects exactly one event at a time.
    if (this.sys.scheduler.currentId !== this.pending) return;
    this.pending = -1;
    if (kind === FAIL) this.onFail(arg);
    else if (kind === REPAIR_DONE) this.onRepaired();
    else if (kind === RESTART_DONE) this.onRestarted();
    else this.onNoticed();
  }

  /** Schedules the earliest failure mode's event (the component is up). */
  protected armFailure(): void {
    const r = this.remaining;
    const n = this.modeCount;
    r[n] = this.sys.scheduler.now; // upSince
    if (n === 0) return;
    let j = 0;
    if (n > 1) for (let i = 1; i < n; i++) if (r[i] < r[j]) j = i;
    // Only modes that fire through a common clock (Never): no event of its own.
    if (r[j] === Infinity) return;
    const scheduler = this.sys.scheduler;
    scheduler.delay = r[j];
    this.pending = scheduler.scheduleDelay(this, FAIL, j);
  }

  /** Stops the failure clocks (the component leaves the up state without failing). */
  protected freezeClocks(except: number): void {
    const n = this.modeCount;
    const r = this.remaining;
    const elapsed = this.sys.scheduler.now - r[n]; // upSince
    for (let i = 0; i < n; i++) {
      if (i === except) continue;
      const left = r[i] - elapsed;
      r[i] = left > 0 ? left : 0;
    }
  }

  private onFail(mode: number): void {
    this.redraw(mode);
    this.fail(mode, false);
  }

  /** Mode `mode` fired: the other clocks stop where they are, its own is drawn afresh. */
  protected redraw(mode: number): void {
    // With one mode, the clock that fired is the only one: nothing to freeze.
    if (this.modeCount !== 1) this.freezeClocks(mode);
    const mean = this.ttfExp[mode];
    if (mean > 0) {
      const rng = mode === 0 ? this.ttf0! : this.ttfStreams[mode];
      const r = this.remaining;
      rng.drawExponential();
      r[this.modeCount + 3 + mode] = r[mode] = mean * this.sys.ttfScale * rng.e;
    } else this.redrawOther(mode);
  }

  /** `redraw` of a mode whose time to failure is not exponential. */
  private redrawOther(mode: number): void {
    const r = this.remaining;
    r[this.modeCount + 3 + mode] = r[mode] = this.ttf[mode].sample(this.ttfStreams[mode]) * this.sys.ttfScale;
  }

  /** Drops the one event it expects (its failure, repair or restart): it will not come. */
  protected cancelTimer(): void {
    this.pending = -1;
  }

  /**
   * A common-cause clock fails this component in `mode` now (it must be up): its own
   * clocks stop where they are (none is redrawn) and its pending failure event is dropped.
   */
  failCommon(mode: number): void {
    this.freezeClocks(-1);
    this.cancelTimer();
    this.fail(mode, true);
  }

  /** The component fails in `mode` now (its clocks are already dealt with): repair, propagation. */
  fail(mode: number, common: boolean): void {
    const sys = this.sys;
    this.failed = true;
    this.failedMode = mode;
    this.up = false;
    if (sys.watched) this.watchFail(mode, common);
    sys.recordFailure(this, mode);
    this.propagateDown();
    // The common case (its own repair, asked for at once) here; the rest out of line, so
    // that this stays small enough for V8 to inline into the event loop.
    if (this.repairBy !== null || this.notices) this.repairAfterFailure(mode);
    else this.requestRepair();
  }

  /** `watchChange` for a failure of its own in `mode` (by a common cause or not): out of line, so that `fail` stays small. */
  private watchFail(mode: number, common: boolean): void {
    const name = this.model.modes[mode].name;
    this.watchChange(false, true, 'fail', common ? `${name} (common cause)` : name);
  }

  /**
   * Tells the observer and the trace (which are set: `sys.watched`; out of line, see
   * `traced`) that it went up or down, `failed` when by a failure of its own.
   */
  private watchChange(up: boolean, failed: boolean, event: string, detail?: string): void {
    const sys = this.sys;
    if (sys.observer !== null) sys.observer.componentChanged(this.model.index, up, failed);
    if (sys.trace !== null) this.traced(event, detail);
  }

  /** After `fail`, when a controller may take the repair over or a mode is noticed late: who repairs, and when it starts. */
  private repairAfterFailure(mode: number): void {
    // A controller that took over the repair (a supervisor) decides at the crash: no crew needed.
    if (this.repairBy !== null) {
      const plan = this.newRepairPlan();
      if (this.repairBy(this.model.modes[mode].announced, plan, mode)) {
        this.holdsCrew = false;
        this.scheduleTakenRepair(plan);
        return;
      }
    }
    // A silent failure is repaired only once noticed (an operator, a monitoring alarm).
    if (this.notices && this.model.modes[mode].notice !== null) this.scheduleNotice();
    else this.requestRepair();
  }

  /** Its own repair starts, once a crew (if any) is free. */
  private requestRepair(): void {
    this.holdsCrew = this.crew !== null;
    if (this.crew === null || this.crew.request(this)) this.startRepair();
  }

  /** Its failure (in `failedMode`) is noticed after its mode's `notice` delay, drawn now. */
  protected scheduleNotice(): void {
    const m = this.failedMode;
    this.setRepairPhase(PHASE_INDEX.detection);
    this.pending = this.sys.scheduler.schedule(this.model.modes[m].notice!.sample(this.noticeStream(m)), this, NOTICED, 0);
  }

  /** Its failure is noticed (`scheduleNotice`'s event): its own repair starts, once a crew (if any) is free. */
  onNoticed(): void {
    this.setRepairPhase(-1);
    this.requestRepair();
  }

  /** An empty plan for a controller to lay a taken-over repair on. */
  protected newRepairPlan(): RepairPlan {
    const plan = this.sys.repairPlan;
    plan.clear();
    return plan;
  }

  /**
   * Schedules the end of a taken-over repair laid out on `plan` (from newRepairPlan): one
   * event after the sum of its steps, or, when a step needs services, step by step (a
   * step that needs a service that is down waits for it: see `stageCheck`).
   */
  protected scheduleTakenRepair(plan: RepairPlan): void {
    const p = plan as SumPlan;
    if (!p.staged) {
      this.pending = this.sys.scheduler.schedule(p.total, this, REPAIR_DONE, 0);
      return;
    }
    this.stages = p.stages();
    this.stageAt = 0;
    this.startStage();
  }

  /** The steps of a staged repair (null: none), the one running, its due time (-1: waiting) and remaining time. */
  private get stages(): Stage[] | null {
    return this.rare === null ? null : this.rare.stages;
  }
  private set stages(v: Stage[] | null) {
    if (this.rare !== null || v !== null) this.x.stages = v;
  }
  private get stageAt(): number {
    return this.x.stageAt;
  }
  private set stageAt(v: number) {
    this.x.stageAt = v;
  }
  private get stageDue(): number {
    return this.x.stageDue;
  }
  private set stageDue(v: number) {
    this.x.stageDue = v;
  }
  private get stageLeft(): number {
    return this.x.stageLeft;
  }
  private set stageLeft(v: number) {
    this.x.stageLeft = v;
  }
  /** What the running step needs (none when it was replaced by its fallback). */
  private get stageNeeds(): readonly number[] {
    return this.x.stageNeeds;
  }
  private set stageNeeds(v: readonly number[]) {
    this.x.stageNeeds = v;
  }
  /** True once the running step has waited for a service (counted once per step). */
  private get stageWaitedOnce(): boolean {
    return this.x.stageWaitedOnce;
  }
  private set stageWaitedOnce(v: boolean) {
    this.x.stageWaitedOnce = v;
  }
  /**
   * The recovery phase of its staged repair now (index into PHASES: the running step's,
   * or `waiting` while a step waits for a service), or -1 when it is not in a staged
   * repair. Its group takes it while the group is down waiting for an instance.
   */
  repairPhase = -1;

  /** Sets `repairPhase` and tells its group when it changed. */
  private setRepairPhase(p: number): void {
    if (p === this.repairPhase) return;
    this.repairPhase = p;
    if (this.fn >= 0) this.sys.repairPhaseChanged(this.fn);
  }

  /** Starts step `stageAt` of the staged repair: now if what it needs is up, else when it is. */
  private startStage(): void {
    const st = this.stages![this.stageAt];
    const sys = this.sys;
    if (st.before !== null) st.before();
    this.stageNeeds = st.needs;
    this.stageLeft = st.d;
    if (st.orElse !== null && !sys.servicesUp(st.needs)) {
      // Lost: replaced by its fallback, which needs nothing.
      this.stageNeeds = NO_NEEDS;
      this.stageLeft = st.orElse.sample();
      sys.stageLost(this);
    }
    this.stageDue = -1;
    this.stageWaitedOnce = false;
    if (this.stageNeeds.length > 0) sys.watchStage(this, this.stageNeeds, true);
    if (sys.servicesUp(this.stageNeeds)) this.runStage();
    else this.waitStage();
  }

  /** The current step waits for a service it needs: phase `waiting`, counted. */
  private waitStage(): void {
    this.setRepairPhase(PHASE_INDEX.waiting);
    this.sys.stageWaited(this, !this.stageWaitedOnce);
    this.stageWaitedOnce = true;
  }

  /** Runs the current step for its remaining time (what it needs is up). */
  private runStage(): void {
    this.setRepairPhase(this.stages![this.stageAt].phase);
    this.stageDue = this.sys.scheduler.now + this.stageLeft;
    this.pending = this.sys.scheduler.schedule(this.stageLeft, this, REPAIR_DONE, 0);
  }

  /**
   * A service a step needs went up or down (or the step starts): a running step pauses
   * when one is down (keeping its remaining time, or all of it with `restart`), a waiting
   * one resumes when all are up. Counts a second-order outage when a step waits.
   */
  stageCheck(): void {
    if (this.stages === null) return;
    const st = this.stages[this.stageAt];
    const allUp = this.sys.servicesUp(this.stageNeeds);
    if (this.stageDue >= 0 && !allUp) {
      // Started again from scratch: a new attempt, a new draw of its time.
      this.stageLeft = st.restart ? st.delay.sample() : Math.max(0, this.stageDue - this.sys.scheduler.now);
      this.stageDue = -1;
      this.pending = -1;
      this.waitStage();
    } else if (this.stageDue < 0 && allUp) this.runStage();
  }

  /** The function (group) whose instance it belongs to (its application or its VM), or -1. */
  fn = -1;

  /** A step of a staged repair ended: the next one starts; true while steps remain. */
  private nextStage(): boolean {
    if (this.stageNeeds.length > 0) this.sys.watchStage(this, this.stageNeeds, false);
    if (++this.stageAt < this.stages!.length) {
      this.startStage();
      return true;
    }
    this.stages = null;
    this.setRepairPhase(-1);
    return false;
  }

  /** Time left of a crew repair preempted by one of a higher priority (-1: none), and when the running one is due. */
  private get suspendedLeft(): number {
    return this.rare === null ? -1 : this.rare.suspendedLeft;
  }
  private set suspendedLeft(v: number) {
    if (this.rare !== null || v >= 0) this.x.suspendedLeft = v;
  }
  /** When its running crew repair is due (seconds): an entry of `remaining` (see there). */
  private get repairDue(): number {
    return this.remaining[this.modeCount + 1];
  }
  private set repairDue(v: number) {
    this.remaining[this.modeCount + 1] = v;
  }

  /** Its crew repair is preempted (CrewPool): it stops now and resumes with the time left when it gets a crew again. */
  suspendRepair(): void {
    this.suspendedLeft = Math.max(0, this.repairDue - this.sys.scheduler.now);
    this.pending = -1;
  }

  /** Begins the repair of the failed mode (a crew, if any, is already held), or resumes a preempted one. */
  startRepair(): void {
    if (this.suspendedLeft >= 0) return this.resumeRepair();
    const m = this.failedMode;
    const mean = this.repairExp[m];
    const rng = this.repairStream(m);
    const scheduler = this.sys.scheduler;
    if (mean > 0) {
      rng.drawExponential();
      scheduler.delay = mean * rng.e;
    } else scheduler.delay = this.repair[m].sample(rng);
    if (this.crew !== null && this.crew.dispatch !== null) this.addDispatch();
    this.repairDue = scheduler.now + scheduler.delay;
    this.remaining[this.modeCount + 2] = scheduler.now; // repairFrom
    this.pending = this.repairEvent = scheduler.scheduleDelay(this, REPAIR_DONE, 0);
  }

  /** A preempted crew repair resumes with the time it had left (`startRepair`). */
  private resumeRepair(): void {
    this.pending = this.sys.scheduler.schedule(this.suspendedLeft, this, REPAIR_DONE, 0);
    this.repairDue = this.sys.scheduler.now + this.suspendedLeft;
    this.suspendedLeft = -1;
  }

  /** Adds the crew's dispatch time, drawn now, to the repair time `startRepair` drew (in `scheduler.delay`). */
  private addDispatch(): void {
    this.sys.scheduler.delay += this.crew!.dispatch!.sample(this.dispatchStream());
  }

  /**
   * Splitting (src/rare/splitting.ts), at a level crossing after its streams were
   * re-keyed: draws afresh the time left of every clock whose law allows it, given the
   * clock's age, so that copies of the state diverge at once. A clock's drawn time is
   * seen by nothing but its firing, so given the history it is its law conditioned on not
   * having fired by its age (Distribution.residual): a time to failure (running or frozen;
   * its age the up time it has run) and an own repair under way (its age the time since it
   * was drawn), exponential or not. A new draw from that law leaves the law of the future
   * unchanged. Kept as drawn: fixed and discrete times, clocks far in their tail (see
   * Distribution.residual), a repair with a crew's dispatch delay in it (a sum of two
   * laws), a staged or resumed repair, and every other timer (restarts, notices,
   * mechanisms' timers, common-cause clocks).
   */
  redrawClocks(): void {
    const r = this.remaining;
    const n = this.modeCount;
    const scale = this.sys.ttfScale;
    if (n > 0) {
      // Up time the clocks have run since the component last came up (frozen while down).
      // `upSince` is kept: it is state of its own (how long the component has been up,
      // e.g. whether it has registered: SystemControl.upLongerThan).
      const elapsed = this.up ? this.sys.scheduler.now - r[n] : 0;
      let changed = false;
      for (let j = 0; j < n; j++) {
        const drawn = r[n + 3 + j];
        const leftNow = r[j] > elapsed ? r[j] - elapsed : 0;
        if (!(drawn < Infinity)) continue;
        const x = this.ttf[j].residual((drawn - leftNow) / scale, this.ttfStreams[j]);
        if (x < 0) continue;
        const left = x * scale;
        // What it has run plus what is now left; kept relative to `upSince` as the clocks are.
        r[n + 3 + j] = drawn - leftNow + left;
        r[j] = left + elapsed;
        changed = true;
      }
      if (changed && this.up) this.rearmFailure(elapsed);
    }
    if (this.failed && this.pending >= 0 && this.pending === this.repairEvent && this.stages === null && (this.crew === null || this.crew.dispatch === null)) {
      const m = this.failedMode;
      const now = this.sys.scheduler.now;
      const d = this.repair[m].residual(now - r[n + 2], this.repairStream(m));
      if (d < 0) return;
      this.repairDue = now + d;
      this.pending = this.repairEvent = this.sys.scheduler.schedule(d, this, REPAIR_DONE, 0);
    }
  }

  /**
   * Schedules the earliest failure mode's event again after its clocks were redrawn while
   * it is up (`redrawClocks`), `elapsed` seconds after it came up: unlike `armFailure`, it
   * keeps `upSince`. The event it expected before is dropped.
   */
  private rearmFailure(elapsed: number): void {
    const r = this.remaining;
    let j = 0;
    for (let i = 1; i < this.modeCount; i++) if (r[i] < r[j]) j = i;
    if (r[j] === Infinity) {
      this.pending = -1;
      return;
    }
    this.pending = this.sys.scheduler.schedule(r[j] > elapsed ? r[j] - elapsed : 0, this, FAIL, j);
  }

  /** The stream of its crew's dispatch times, `<path>:dispatch` (made on first use in a replication). */
  private dispatchStream(): RandomStream {
    const x = this.x;
    if (x.dispatchStream === null || !x.dispatchSeeded) {
      if (x.dispatchStream === null) x.dispatchStream = this.streams.stream(`${this.model.path}:dispatch`);
      else x.dispatchStream.reseed(this.streams.seed, this.streams.replication);
      x.dispatchSeeded = true;
    }
    return x.dispatchStream;
  }

  /** Its repair (the last step of it) is done. */
  onRepaired(): void {
    if (this.stages !== null && this.nextStage()) return;
    this.failed = false;
    this.failedMode = -1;
    const sys = this.sys;
    if (sys.trace !== null) this.traced('repaired');
    if (this.holdsCrew === true) this.releaseCrew();
    if (this.supported === false) return;
    if (this.rebuildAfterRepair >= 0) this.rebuild();
    else this.becomeUp();
  }

  /** Its crew is free for the next repair waiting (`onRepaired`). */
  private releaseCrew(): void {
    this.holdsCrew = false;
    const next = this.crew!.release(this);
    if (next) next.startRepair();
  }

  /** Moved to another host while failed: rebuilt there once repaired (`onRepaired`). */
  private rebuild(): void {
    this.restarting = true;
    this.pending = this.sys.scheduler.schedule(this.rebuildAfterRepair, this, RESTART_DONE, 0);
    this.rebuildAfterRepair = -1;
  }

  /** Its restart is done. */
  onRestarted(): void {
    this.restarting = false;
    if (this.redundancy !== null) this.setChanged();
    else this.becomeUp();
  }

  /**
   * The rule of a redundant set (`redundancy`), run when a member goes down or comes up
   * and when a switch-over ends. Members that are down leave the in-use list. When one in
   * use has left while the set was up and enough members are up to replace it, and the
   * failover time is not zero, the set goes down and a switch-over (its restart clock, of
   * the failover time) starts; while it runs nothing else is decided. Otherwise the in-use
   * list is filled with up members in preference order, and the set is up exactly when it
   * holds k. So a returning member stays a standby while the set is up (no failback), and
   * with failover 0 the set is up exactly while k members are (nothing else is remembered).
   */
  private setChanged(): void {
    const r = this.redundancy!;
    const m = this.setMembers;
    const inUse = this.inUse;
    let up = 0;
    let lost = false;
    for (let i = 0; i < m.length; i++) {
      if (m[i].up) up++;
      else if (inUse[i]) {
        inUse[i] = false;
        lost = true;
      }
    }
    if (this.restarting) return;
    if (lost && this.up && up >= r.k && r.failover.mean > 0) {
      this.setDown();
      this.restarting = true;
      this.scheduleRestart(-1);
      return;
    }
    let used = 0;
    for (let i = 0; i < m.length; i++) if (inUse[i]) used++;
    for (let i = 0; i < m.length && used < r.k; i++) {
      if (m[i].up && !inUse[i]) {
        inUse[i] = true;
        used++;
      }
    }
    if (used >= r.k && !this.up) this.becomeUp();
    else if (used < r.k && this.up) this.setDown();
  }

  /** A redundant set goes down (its members cannot carry it, or it switches over): what depends on it goes down. */
  private setDown(): void {
    this.up = false;
    const sys = this.sys;
    if (sys.watched) this.watchChange(false, false, 'down', this.restarting ? 'switch-over' : 'too few members up');
    this.propagateDown();
  }

  private becomeUp(): void {
    this.up = true;
    const sys = this.sys;
    if (sys.watched) this.watchChange(true, false, 'up');
    this.armFailure();
    if (this.upHook !== null) this.upHook();
    if (this.leafHook !== null) this.leafHook();
    if (this.group !== null) this.group.instanceChanged(this.instance, true);
    const ch = this.children;
    for (let i = 0; i < ch.length; i++) ch[i].supportReturned();
  }

  private propagateDown(): void {
    if (this.group !== null) this.group.instanceChanged(this.instance, false);
    if (this.leafHook !== null) this.leafHook();
    const ch = this.children;
    for (let i = 0; i < ch.length; i++) ch[i].supportLost();
  }

  /**
   * Takes the component down for planned work (it must be up): its clocks stop and
   * everything on it goes down, as for a failure, but nothing is repaired; it stays
   * down until `plannedUp`. Record the planned cause first (SystemSim.recordPlanned).
   */
  plannedDown(): number {
    this.planned = true;
    this.up = false;
    const sys = this.sys;
    if (sys.watched) this.watchChange(false, false, 'down', 'planned work');
    this.freezeClocks(-1);
    this.pending = -1;
    sys.inPlannedStop = true;
    this.propagateDown();
    sys.inPlannedStop = false;
    return ++this.plannedToken;
  }

  /**
   * The planned work is over: the component comes up now, or after its restart time
   * with `restart`, unless it failed meanwhile or the layer below is down (then the
   * usual rules bring it back).
   */
  plannedUp(restart: boolean, token: number): void {
    // A stale end (of a stop that relocation already ended) must not end a later stop.
    if (!this.planned || token !== this.plannedToken) return;
    this.planned = false;
    if (this.failed || !this.supported) return;
    if (restart) {
      this.restarting = true;
      this.pending = this.sys.scheduler.schedule(this.restart.sample(this.restartStream), this, RESTART_DONE, 0);
    } else this.becomeUp();
  }

  /** The layer below (or a shared element it depends on) went down. */
  supportLost(): void {
    if (this.redundancy !== null) return this.setChanged();
    // Already unsupported: another support is down too; nothing changes.
    if (this.downSupports++ > 0) return;
    this.supported = false;
    if (this.hostHook !== null) this.hostHook(false);
    if (this.up) {
      this.up = false;
      const sys = this.sys;
      if (sys.watched) this.watchChange(false, false, 'down', 'the layer below went down');
      this.freezeClocks(-1);
      this.cancelTimer();
      this.propagateDown();
    } else if (this.restarting) {
      this.restarting = false;
      this.cancelTimer();
    }
  }

  /**
   * Moves this component (and what runs on it) onto `to`: it was down with its old
   * host. It comes up after `delay` seconds if `to` is up and it has not failed itself;
   * otherwise it follows the usual rules.
   */
  relocate(to: ComponentSim, delay: number): void {
    const old = this.parent;
    if (old) old.children.splice(old.children.indexOf(this), 1);
    this.parent = to;
    to.children.push(this);
    const sys = this.sys;
    if (sys.trace !== null) this.traced('moved', `to ${to.model.path} (up in ${delay} s)`);
    if (this.up) return;
    this.restarting = false;
    this.planned = false;
    this.supported = to.up;
    this.downSupports = to.up ? 0 : 1;
    // Without a VM the moved component is the application itself: redeployed, then started.
    const total = this.layer > LAYER_INDEX.vm ? delay + this.restart.sample(this.restartStream) : delay;
    if (this.failed) this.rebuildAfterRepair = total;
    else if (this.supported) {
      this.restarting = true;
      this.pending = this.sys.scheduler.schedule(total, this, RESTART_DONE, 0);
    } else this.pending = -1;
  }

  /** The layer below (or a shared element it depends on) came back up. */
  supportReturned(): void {
    if (this.redundancy !== null) return this.setChanged();
    // Up only when every support is: the last one back restarts it.
    if (--this.downSupports > 0) return;
    this.supported = true;
    if (this.hostHook !== null) this.hostHook(true);
    if (!this.failed && !this.planned) {
      this.restarting = true;
      // Moved while failed onto a host that was down, and repaired meanwhile: rebuilt now.
      const rebuild = this.rebuildAfterRepair;
      this.rebuildAfterRepair = -1;
      this.scheduleRestart(rebuild);
    }
  }

  /** Schedules the end of its restart: after `rebuild` seconds when >= 0 (a moved instance rebuilt), else its restart time. */
  protected scheduleRestart(rebuild: number): void {
    this.pending = this.sys.scheduler.schedule(rebuild >= 0 ? rebuild : this.restart.sample(this.restartStream), this, RESTART_DONE, 0);
  }
}

/**
 * The common-cause clock of one failure mode of one component type (see
 * CommonCauseModel): a renewal process in calendar time, drawn from its own stream
 * `<components.type.failures.mode>:common`. When it fires, every component of the type
 * that is up at that instant fails in the mode, in model order; each is recorded as a
 * failure of its own (failure counts per layer count every component failed).
 */
class CommonCauseSim implements EventHandler {
  private stream!: RandomStream;
  private readonly members: ComponentSim[];
  constructor(
    readonly model: CommonCauseModel,
    private readonly sys: SystemSim,
  ) {
    this.members = model.components.map((i) => sys.components[i]);
  }
  /** A fresh stream for a replication. */
  reset(streams: StreamFactory): void {
    this.stream = streams.stream(`${this.model.path}:common`);
  }
  /** Draws the first firing (at time 0, everything new). */
  start(): void {
    this.sys.scheduler.schedule(this.model.ttf.sample(this.stream), this, 0, 0);
  }
  handle(): void {
    const mode = this.model.modeIndex;
    const m = this.members;
    for (let i = 0; i < m.length; i++) if (m[i].up) m[i].failCommon(mode);
    this.sys.scheduler.schedule(this.model.ttf.sample(this.stream), this, 0, 0);
  }
}

/** One step of a staged repair: its length (seconds), the services it needs, whether a pause starts it again (with a new draw of its delay). */
interface Stage {
  readonly d: number;
  readonly needs: readonly number[];
  readonly restart: boolean;
  readonly delay: Delay;
  /** What replaces it when its services are not all up as it starts (RepairPlan.step), or null. */
  readonly orElse: Delay | null;
  /** Its recovery phase (index into PHASES; RepairPlan.phase). */
  readonly phase: number;
  /** Run as it starts (RepairPlan.then), or null. */
  readonly before: (() => void) | null;
}

/** A repair plan that draws each step as it is laid out and sums them (seconds). */
export class SumPlan implements RepairPlan {
  total = 0;
  /** True when a step needs services: then the steps are run one by one (`stages()`). */
  staged = false;
  /** The steps so far, in parallel lists reused from repair to repair (no allocation per step). */
  private n = 0;
  private readonly ds: number[] = [];
  private readonly delays: Delay[] = [];
  private readonly needs: Array<readonly number[]> = [];
  private readonly restarts: boolean[] = [];
  private readonly orElses: Array<Delay | null> = [];
  private readonly phases: number[] = [];
  private readonly befores: Array<(() => void) | null> = [];
  /** The phase of the steps laid out next (RepairPlan.phase). */
  private ph: number = PHASE_INDEX.restart;
  /** What runs as the next step starts (RepairPlan.then), or null. */
  private hook: (() => void) | null = null;
  then(fn: () => void): void {
    this.hook = fn;
    this.staged = true;
  }
  /** Empties it for a new repair. */
  clear(): void {
    this.total = 0;
    this.staged = false;
    this.n = 0;
    this.ph = PHASE_INDEX.restart;
    this.hook = null;
  }
  phase(p: Phase): void {
    this.ph = phaseIndex(p);
  }
  step(delay: Delay, needs?: readonly number[], restart = false, orElse?: Delay): void {
    const d = delay.sample();
    this.total += d;
    const i = this.n++;
    this.ds[i] = d;
    this.delays[i] = delay;
    this.needs[i] = needs ?? NO_NEEDS;
    this.restarts[i] = restart;
    this.orElses[i] = orElse ?? null;
    this.phases[i] = this.ph;
    this.befores[i] = this.hook;
    this.hook = null;
    // Steps in another phase than `restart` are run one by one, so that an outage's time
    // is split by phase; so are steps that need services (they may wait).
    if ((needs !== undefined && needs.length > 0) || this.ph !== PHASE_INDEX.restart) this.staged = true;
  }
  /** The steps laid out, as stages of a staged repair. */
  stages(): Stage[] {
    const out: Stage[] = [];
    for (let i = 0; i < this.n; i++) out.push({ d: this.ds[i], needs: this.needs[i], restart: this.restarts[i], delay: this.delays[i], orElse: this.orElses[i], phase: this.phases[i], before: this.befores[i] });
    return out;
  }
  endsHere(stream: RandomStream, p: number): boolean {
    return stream.next() < p;
  }
}

/** A group (VNF or VIM service) at run time. */
export class GroupSim implements GroupOutput {
  /** Effective state: the mechanism's, held down while a required group is down. */
  up = true;
  capacity = 1;
  /** Recovery phase while down (index into PHASES). */
  phase: number = PHASE_INDEX.restart;
  private mechUp = true;
  private mechCapacity = 1;
  private mechPhase: number = PHASE_INDEX.restart;
  private requiredDown = 0;
  /** The groups it requires (to take the phase of the one that is down). */
  required: GroupSim[] = [];
  /** The groups whose mechanisms watch this one (GroupMechanismFactory.watches): told when it goes up or down. */
  watchers: GroupSim[] = [];
  /**
   * The components of its instances whose repairs may run in phases: those with a silent
   * failure mode noticed after a delay (the first `phasedStatic`, fixed), then those whose
   * repair a controller took over this replication (detection-driven recovery).
   */
  phased: ComponentSim[] = [];
  phasedStatic = 0;
  /** The services it is a member of (once per place in a chain) ... */
  services: ServiceSim[] = [];
  /** ... and, per entry of `services`, its place in that service's chain (ServiceSim.members). */
  servicePlaces: number[] = [];
  dependents: GroupSim[] = [];
  mechanism!: GroupMechanism;
  /** Per-replication counters, indexed like COUNTERS. */
  readonly counters: number[] = new Array(COUNTERS.length).fill(0);
  constructor(
    readonly model: FunctionModel,
    private readonly sys: SystemSim,
  ) {}
  /** Back to up with full capacity, counters at zero. */
  reset(): void {
    this.up = true;
    this.capacity = 1;
    this.phase = PHASE_INDEX.restart;
    this.mechUp = true;
    this.mechCapacity = 1;
    this.mechPhase = PHASE_INDEX.restart;
    this.requiredDown = 0;
    this.held = 0;
    fillWith(this.counters, 0);
    empty(this.upWatchers);
    if (this.phased.length !== this.phasedStatic) this.phased.length = this.phasedStatic;
  }
  /** Called after any of its instances comes up (planned work waiting for redundancy). */
  readonly upWatchers: Array<() => void> = [];
  instanceChanged(i: number, up: boolean): void {
    this.mechanism.instanceChanged(i, up);
    if (up === true && this.upWatchers.length > 0) this.tellUpWatchers();
  }
  /** Calls every `upWatchers` entry (out of line: `instanceChanged`, on every event's path, stays small enough to inline). */
  private tellUpWatchers(): void {
    const w = this.upWatchers;
    for (let k = 0; k < w.length; k++) w[k]();
  }
  /** Called by the mechanism. */
  set(up: boolean, capacity: number, phase: Phase = 'restart'): void {
    this.mechUp = up;
    this.mechCapacity = capacity;
    this.mechPhase = phaseIndex(phase);
    this.refresh();
  }
  /** A group this one requires went up (-1) or down (+1), or changed phase (0). */
  requiredChanged(delta: number): void {
    this.requiredDown += delta;
    this.refresh();
  }
  /** Held down (+1: a split brain being reconciled, sim/network.ts) or released (-1); the outage's phase is then `splitBrain`. */
  hold(delta: number): void {
    this.held += delta;
    this.requiredDown += delta;
    this.refresh();
  }
  private held = 0;
  /** The repair phase of one of its instances' components changed. */
  repairPhaseChanged(): void {
    if (!this.up) this.refresh();
  }
  /**
   * Its level from the mechanism's and the required groups'. The phase of an outage: the
   * mechanism's; when the mechanism waits for an instance to come back (`restart`), the
   * repair phase of the first of its instances in a phased repair (detection,
   * notification, waiting, restart), if any; when a required group holds it down, that
   * group's phase.
   */
  private refresh(): void {
    const up = this.mechUp && this.requiredDown === 0;
    const capacity = up ? this.mechCapacity : 0;
    let phase = this.mechPhase;
    if (!this.mechUp && phase === PHASE_INDEX.restart && this.phased.length > 0) {
      const c = this.phased;
      for (let i = 0; i < c.length; i++) {
        if (c[i].repairPhase >= 0) {
          phase = c[i].repairPhase;
          break;
        }
      }
    }
    if (this.mechUp && !up) {
      if (this.held > 0) phase = PHASE_INDEX.splitBrain;
      for (const r of this.required) {
        if (!r.up) {
          phase = r.phase;
          break;
        }
      }
    }
    if (up === this.up && capacity === this.capacity && (up || phase === this.phase)) return;
    const obs = this.sys.observer;
    if (obs !== null && (this.up && this.capacity === 1) !== (up && capacity === 1)) obs.groupChanged(up && capacity === 1);
    const changedUp = up !== this.up;
    this.up = up;
    this.capacity = capacity;
    this.phase = phase;
    const sys = this.sys;
    if (sys.trace) sys.trace({ t: sys.scheduler.now, kind: 'group', name: this.model.name, event: up ? 'up' : 'down', detail: up ? `capacity ${capacity}` : `phase ${PHASES[phase]}` });
    const delta = changedUp ? (up ? -1 : 1) : 0;
    const s = this.services;
    const places = this.servicePlaces;
    // Every service notes its member's new capacity before any reacts to it: a service's
    // reaction (a repair step waiting on it) may change another group, which tells its
    // services, among them one of ours not told yet (see ServiceSim).
    for (let i = 0; i < s.length; i++) s[i].noteMember(places[i]);
    for (let i = 0; i < s.length; i++) s[i].memberChanged(delta);
    if (changedUp || !up) {
      const d = this.dependents;
      for (let i = 0; i < d.length; i++) d[i].requiredChanged(delta);
    }
    if (changedUp) {
      const w = this.watchers;
      for (let i = 0; i < w.length; i++) w[i].mechanism.onGroupsChanged?.();
    }
  }
}

/** One event of a traced history (`--events`). Times in seconds. */
export interface TraceEvent {
  t: number;
  /** What changed: a component, a group (VNF / VIM service), a service, or a mechanism counter. */
  kind: 'component' | 'group' | 'service' | 'counter';
  /** Its path or name. */
  name: string;
  /** What happened: fail, repaired, up, down, moved; or the group/service state; or the counter name. */
  event: string;
  /** Details: failure mode, capacity, recovery phase, target host. */
  detail?: string;
}

const NO_CAUSE: OutageCause = { layer: 0, type: 0, mode: 0, component: 0, zone: 0 };

/**
 * A service (chain) at run time: feeds its recorder.
 *
 * A chain is up while every member group is, at the capacity of its least member, and
 * while down in the phase of its first member (in chain order) that is down. It keeps
 * the places of its members that are short of full capacity (down ones included, at
 * capacity 0) in an unordered set, so that a member's change costs the size of that set
 * (a few members at a time), not the length of the chain. A group that changes has every
 * service it is in note it (`noteMember`) before it tells any of them (`memberChanged`),
 * so the set holds every member short of capacity whenever a service works out its state,
 * also when a service's reaction changes another group while the first is still telling
 * its services.
 */
class ServiceSim {
  downMembers = 0;
  /** Its chain's member groups (see `setMembers`). */
  members: GroupSim[] = [];
  /** Places in `members` of the members below full capacity, unordered (`shortCount` of them). */
  private short: number[] = [];
  private shortCount = 0;
  /** Per place in `members`: its index in `short`, or -1 when the member is at full capacity. */
  private shortAt: number[] = [];
  /** Called when the service comes back up. */
  readonly upListeners: Array<() => void> = [];
  /** Components whose running repair step needs it: told when it goes up or down. */
  readonly stageWatchers: ComponentSim[] = [];
  private capacity = 1;
  private phase = -1;
  recorder!: ServiceRecorder;
  /**
   * The unplanned view (only when the model has planned work): the same history with
   * every outage and every capacity incident that planned work started taken out.
   */
  unplanned: ServiceRecorder | null = null;
  /** The current outage / capacity incident was started by planned work. */
  private outagePlanned = false;
  private incidentPlanned = false;
  private unplannedCapacity = 1;

  constructor(
    private readonly sys: SystemSim,
    private readonly name: string,
  ) {}

  /** Makes it a service given by the expression `logic` over these groups and components (SystemSim's). */
  useLogic(logic: LogicModel, groups: readonly GroupSim[], components: readonly ComponentSim[]): void {
    this.logic = logic;
    this.leafGroups = logic.leaves.map((l) => (l.kind === 'group' ? groups[l.index] : null));
    this.leafComponents = logic.leaves.map((l) => (l.kind === 'element' && l.component >= 0 ? components[l.component] : null));
    this.leafUp = logic.leaves.map(() => true);
    this.leafCap = logic.leaves.map(() => 1);
  }

  /** Makes `members` its chain (each told its place: GroupSim.servicePlaces). */
  setMembers(members: GroupSim[]): void {
    this.members = members;
    this.shortAt = members.map(() => -1);
    this.short = members.map(() => -1);
    this.shortCount = 0;
    members.forEach((g, place) => {
      g.services.push(this);
      g.servicePlaces.push(place);
    });
  }

  /** Up at full capacity, with a fresh recorder. */
  reset(opts: RecorderOptions): void {
    this.downMembers = 0;
    for (let j = 0; j < this.shortCount; j++) this.shortAt[this.short[j]] = -1;
    this.shortCount = 0;
    this.capacity = 1;
    this.phase = -1;
    empty(this.upListeners);
    empty(this.stageWatchers);
    // One extra slot in each attribution for outages no failure started (spurious detections).
    const sys = this.sys;
    const modes = sys.modeNames.length + sys.model.plannedCauses.length + 1;
    this.recorder = new ServiceRecorder(opts, SPURIOUS_LAYER + 1, sys.typeNames.length + 2, modes);
    this.unplanned = sys.hasPlannedWork && !opts.totalsOnly ? new ServiceRecorder({ ...opts, onOutage: undefined }, SPURIOUS_LAYER + 1, sys.typeNames.length + 2, modes) : null;
    this.outagePlanned = false;
    this.incidentPlanned = false;
    this.unplannedCapacity = 1;
  }

  /** What the replication recorded: with planned work, the unplanned view rides along. */
  result(): ServiceReplication {
    return this.unplanned === null ? this.recorder.result : { ...this.recorder.result, unplanned: this.unplanned.result };
  }

  /**
   * The member at place `place` of the chain changed capacity (or went up or down): it
   * joins or leaves the set of those short of full capacity. Called by the member for
   * every service it is in before `memberChanged` (see the class comment).
   */
  noteMember(place: number): void {
    if (this.logic !== null) return;
    const short = this.short;
    const shortAt = this.shortAt;
    const at = shortAt[place];
    if (this.members[place].capacity < 1) {
      if (at < 0) {
        short[this.shortCount] = place;
        shortAt[place] = this.shortCount++;
      }
    } else if (at >= 0) {
      const last = short[--this.shortCount];
      short[at] = last;
      shortAt[last] = at;
      shortAt[place] = -1;
    }
  }

  /**
   * A member changed (and its `noteMember` is done; for an `up` expression, a leaf):
   * `downDelta` is +1 when it went down, -1 when it came up, 0 for capacity or phase.
   */
  memberChanged(downDelta: number): void {
    if (this.logic !== null) return this.logicChanged();
    const m = this.members;
    const short = this.short;
    const wasDown = this.downMembers > 0;
    this.downMembers += downDelta;
    const isDown = this.downMembers > 0;
    const n = this.shortCount;
    let cap = 0;
    let phase = -1;
    if (!isDown) {
      // The least capacity: of the members short of it (the others are at 1).
      cap = 1;
      for (let j = 0; j < n; j++) {
        const c = m[short[j]].capacity;
        if (c < cap) cap = c;
      }
    } else {
      // The phase of the first member down in chain order (a member down is short of capacity).
      let first = m.length;
      for (let j = 0; j < n; j++) {
        const i = short[j];
        if (i < first && !m[i].up) first = i;
      }
      if (first < m.length) phase = m[first].phase;
    }
    this.changed(wasDown, isDown, cap, phase);
  }

  /** The service's `up` expression (model/logic.ts), or null for a chain; with it, per leaf its group or its element's component (null: never down). */
  logic: LogicModel | null = null;
  leafGroups: Array<GroupSim | null> = [];
  leafComponents: Array<ComponentSim | null> = [];
  private leafUp: boolean[] = [];
  private leafCap: number[] = [];

  /**
   * A leaf of the expression changed: the service is up and at the capacity that
   * model/logic.ts gives for its leaves now; while down, its phase is that of the first
   * group leaf that is down (restart when only elements are). `downMembers` is 1 while
   * it is down (what `servicesUp` reads).
   */
  private logicChanged(): void {
    const g = this.leafGroups;
    const c = this.leafComponents;
    const up = this.leafUp;
    const cap = this.leafCap;
    let phase = -1;
    for (let i = 0; i < g.length; i++) {
      const gi = g[i];
      const ci = c[i];
      up[i] = gi !== null ? gi.up : ci === null || ci.up;
      cap[i] = gi !== null ? gi.capacity : up[i] ? 1 : 0;
    }
    const root = this.logic!.root;
    const isDown = !logicUp(root, up);
    if (isDown) {
      for (let i = 0; i < g.length && phase < 0; i++) if (g[i] !== null && !up[i]) phase = g[i]!.phase;
    }
    const wasDown = this.downMembers > 0;
    this.downMembers = isDown ? 1 : 0;
    this.changed(wasDown, isDown, isDown ? 0 : logicCapacity(root, up, cap), phase);
  }

  /** Records the service's new state (down or not, capacity, phase of a down state: -1 for none) if it changed. */
  private changed(wasDown: boolean, isDown: boolean, cap: number, phase: number): void {
    if (isDown === wasDown && cap === this.capacity && phase === this.phase) return;
    const wasFull = !wasDown && this.capacity >= 1;
    this.capacity = cap;
    this.phase = phase;
    const sys = this.sys;
    if (sys.trace) sys.trace({ t: sys.scheduler.now, kind: 'service', name: this.name, event: isDown ? 'down' : 'up', detail: isDown ? `phase ${PHASES[phase < 0 ? PHASE_INDEX.restart : phase]}` : `capacity ${cap}` });
    // The cause is read by the recorder only when an outage starts: build it only then.
    const cause = isDown && !wasDown ? this.sys.outageCause() : NO_CAUSE;
    this.recorder.update(this.sys.scheduler.now, !isDown, cap, phase < 0 ? PHASE_INDEX.restart : phase, cause);
    if (this.unplanned !== null) this.updateUnplanned(wasFull, isDown, wasDown, cap, phase, cause);
    if (isDown !== wasDown && sys.observer !== null) sys.observer.serviceChanged();
    if (!isDown && wasDown) for (const fn of this.upListeners) fn();
    if (isDown !== wasDown && this.stageWatchers.length > 0) for (const c of this.stageWatchers.slice()) c.stageCheck();
  }

  /** Feeds the unplanned view: outages and incidents that planned work started are left out. */
  private updateUnplanned(wasFull: boolean, isDown: boolean, wasDown: boolean, cap: number, phase: number, cause: OutageCause): void {
    if (wasFull && (isDown || cap < 1)) this.incidentPlanned = this.sys.plannedNow;
    if (isDown && !wasDown) this.outagePlanned = cause.layer === PLANNED_LAYER;
    let up = true;
    let c: number;
    if (isDown && !this.outagePlanned) {
      up = false;
      c = 0;
    } else if (this.incidentPlanned) c = 1;
    else c = isDown ? this.unplannedCapacity : cap;
    this.unplannedCapacity = c;
    this.unplanned!.update(this.sys.scheduler.now, up, c, phase < 0 ? PHASE_INDEX.restart : phase, cause);
    if (!isDown && cap >= 1) this.incidentPlanned = false;
  }

  /** Closes the books at the end of the window. */
  finish(end: number): void {
    this.recorder.finish(end);
    this.unplanned?.finish(end);
  }
}

/** In hostDomains: the policy keeps nothing apart (placementDomain gives undefined). */
const NO_DOMAIN = -1;
/** In hostDomains: the host has no domain under the policy, so it cannot take an instance (placementDomain gives null). */
const NO_PLACE = -2;

/**
 * Per host (model order), function f's placement domain (model/build.ts placementDomain)
 * as a number: equal numbers for equal domains (>= 0), else NO_DOMAIN or NO_PLACE. So
 * placement compares numbers, not names, for every candidate host and instance.
 */
function hostDomains(model: SystemModel, f: FunctionModel): Int32Array {
  const ids = new Map<string, number>();
  const out = new Int32Array(model.hosts.length);
  model.hosts.forEach((host, h) => {
    const dom = placementDomain(f.policy, f.zone, host);
    if (dom === undefined) out[h] = NO_DOMAIN;
    else if (dom === null) out[h] = NO_PLACE;
    else {
      if (!ids.has(dom)) ids.set(dom, ids.size);
      out[h] = ids.get(dom)!;
    }
  });
  return out;
}

/** What every replication of a model shares: names and indices, computed once per model. */
interface ModelStatics {
  typeNames: string[];
  modeNames: string[];
  zoneComponents: number[];
  hostIndex: Map<string, number>;
  /** Per component (model order): the index of its type in `typeNames`. */
  typeOf: number[];
  /** Per component, per failure mode: the index of its `type/mode` key in `modeNames`. */
  modeOf: number[][];
  /** Per component: its index in `zoneComponents`, or undefined for a component that is no impact zone. */
  zoneOf: Array<number | undefined>;
}

const STATICS = new WeakMap<SystemModel, ModelStatics>();

/** Host name -> index in `model.hosts` (built once per model). */
export function hostIndexOf(model: SystemModel): ReadonlyMap<string, number> {
  return modelStatics(model).hostIndex;
}

function modelStatics(model: SystemModel): ModelStatics {
  let st = STATICS.get(model);
  if (st) return st;
  const typeNames = [...new Set(model.components.map((c) => c.type))];
  const modeNames: string[] = [];
  const modeIndex = new Map<string, number>();
  for (const c of model.components) {
    for (const m of c.modes) {
      const key = `${c.type}/${m.name}`;
      if (!modeIndex.has(key)) {
        modeIndex.set(key, modeNames.length);
        modeNames.push(key);
      }
    }
  }
  // A redundant set is no impact zone (it never fails itself; its members are zones).
  const zoneComponents = model.components.filter(isImpactZone).map((c) => c.index);
  const typeIndex = new Map(typeNames.map((t, i) => [t, i]));
  const zoneIndex = new Map(zoneComponents.map((c, i) => [c, i]));
  st = {
    typeNames,
    modeNames,
    zoneComponents,
    hostIndex: new Map(model.hosts.map((h, i) => [h.name, i])),
    typeOf: model.components.map((c) => typeIndex.get(c.type)!),
    modeOf: model.components.map((c) => c.modes.map((m) => modeIndex.get(`${c.type}/${m.name}`)!)),
    zoneOf: model.components.map((c) => zoneIndex.get(c.index)),
  };
  STATICS.set(model, st);
  return st;
}

/**
 * Told of every change of the up state of components and groups (rare-event cycles,
 * src/rare; `SystemSim.observer` is null in normal runs). Calls come at the simulation's
 * current time, after the state changed.
 */
export interface TransitionObserver {
  /** Component `index` (model order) came up (`up`), or went down: by its own failure (`failed`) or with the layer below. */
  componentChanged(index: number, up: boolean, failed: boolean): void;
  /** A group became full (up at capacity 1: `full`) or stopped being full. */
  groupChanged(full: boolean): void;
  /** A service went up or down (read it with SystemSim.serviceUp). */
  serviceChanged(): void;
}

/** What a replication's recorders take from the model (the rest of RecorderOptions is per run): SystemSim.reset's `recorderOptions`. */
export type ModelRecorderOptions = Omit<RecorderOptions, 'windowStart' | 'zones' | 'onOutage'>;

/** The recorder options of `model`'s metrics (capacity thresholds, SAL bounds, probation, downtime budget), for SystemSim.reset. */
export function recorderOptionsOf(model: SystemModel): ModelRecorderOptions {
  const m = model.metrics;
  return { capacityThresholds: m.capacityThresholds, salBounds: m.salBounds, probation: m.probation, downtimeBudget: m.downtimeBudget };
}

/**
 * The most recent failure as the HA mechanisms see it (`MechanismContext.cause`, a
 * FailureCause), worked out from the system's latest cause when a field is read rather
 * than written at every failure: most failures take down nothing whose mechanism reads
 * it, and the five fields cost some 130 instructions a failure on the hot path. A read
 * gives what the latest `recordFailure`, `recordCleanStop` or `reset` described, at the
 * time of the read: the same as one object overwritten at each of them, which is the
 * contract (a mechanism that keeps the object sees the next failure's values).
 * - a failure of component c in mode m: c's layer, and mode m's `announced`,
 *   `unhealthy` and `degraded`; not clean;
 * - a clean stop of c (planned work, fencing): c's layer, announced, healthy, not
 *   degraded, clean;
 * - nothing yet this history: layer 0, announced, healthy, not degraded, not clean.
 */
export class CauseView implements FailureCause {
  constructor(private readonly sys: SystemSim) {}

  /** Layer index (into LAYERS) of the component that failed or stopped (0 before any). */
  get layer(): number {
    const c = this.sys.causeComponent;
    return c === null ? 0 : c.layer;
  }

  /** The latest failure's mode, or null after a clean stop or before any failure. */
  private get mode(): FailureModeModel | null {
    const c = this.sys.causeComponent;
    return c === null || this.sys.causeClean ? null : c.model.modes[this.sys.causeMode];
  }

  /** True for an announced failure (and a clean stop, and before any failure). */
  get announced(): boolean {
    const m = this.mode;
    return m === null || m.announced;
  }

  /** True for a silent failure the health check reports as not healthy. */
  get unhealthy(): boolean {
    const m = this.mode;
    return m !== null && m.unhealthy;
  }

  /** The share of requests a gray failure serves badly (0: none). */
  get degraded(): number {
    const m = this.mode;
    return m === null ? 0 : m.degraded;
  }

  /** True when planned work or fencing stopped it cleanly. */
  get clean(): boolean {
    return this.sys.causeClean;
  }
}

/** The whole system in one replication. */
export class SystemSim {
  readonly components: ComponentSim[];
  readonly groups: GroupSim[];
  readonly services: ServiceSim[];
  /** Own failures inside the window, by layer. */
  readonly failuresByLayer: number[] = new Array(LAYERS.length).fill(0);
  /** The most recent failure, as mechanisms see it (worked out when read: see CauseView). */
  readonly cause: CauseView = new CauseView(this);
  /** True while planned work is taking something down (hooks that react to host failures ignore it). */
  inPlannedStop = false;
  /** The most recent failure: component and mode (the cause of an outage that starts now). */
  causeComponent: ComponentSim | null = null;
  causeMode = 0;
  /** True when the latest thing to go down was stopped cleanly (recordCleanStop), not failed. */
  causeClean = false;
  /** True when the latest thing to go down was started by a spurious detection. */
  spuriousCause = false;
  /** The planned-work slot (into model.plannedCauses) of the latest thing to go down, or -1 for a failure. */
  private plannedCause = -1;
  /** True when the latest thing to go down was planned work (not a failure, not a spurious detection). */
  get plannedNow(): boolean {
    return this.plannedCause >= 0 && !this.spuriousCause;
  }
  /** True when the model has maintenance or upgrades (services then keep an unplanned view). */
  readonly hasPlannedWork: boolean;
  /** The controllers of the current replication (see CONTROLLERS), in start order. */
  private controllers: Controller[] = [];
  /** The random streams of the current replication. */
  private streams!: StreamFactory;
  /** Component type names and `type/mode` names, for attribution. */
  readonly typeNames: string[];
  readonly modeNames: string[];
  /** Impact zones: component indices of the sites, racks and host hardware. */
  readonly zoneComponents: number[];
  /** Per component: its type's index, its modes' `type/mode` indices, its impact zone's index (ModelStatics): an outage's cause without a look-up by name. */
  private readonly typeOf: number[];
  private readonly modeOf: number[][];
  private readonly zoneOf: Array<number | undefined>;
  /** Per host (model order): instances placed on it now. */
  private readonly hostLoad: number[];
  /** Per group, per instance: index of the host it runs on now. */
  private readonly instanceHost: number[][];
  /** Per group, per instance: index of the host the model places it on (where each replication starts). */
  private readonly instanceHome: number[][];
  /** Per host (model order): in maintenance (draining, down for the work, or coming back): no instance may move there. */
  private readonly hostInMaintenance: boolean[];
  private readonly hostIndex: Map<string, number>;

  /** Start of the observation window of the current replication (seconds). */
  windowStart = 0;
  /**
   * Factor on every drawn time to failure: 1/θ under failure biasing with factor θ
   * (src/rare), exactly 1 otherwise (so normal runs draw the same numbers). Not reset.
   */
  ttfScale = 1;
  /** Receives every up/down transition (src/rare), or null (the default: no cost). Not reset. */
  get observer(): TransitionObserver | null {
    return this.observerNow;
  }
  set observer(o: TransitionObserver | null) {
    this.observerNow = o;
    (this as { watched: boolean }).watched = o !== null || this.traceNow !== null;
  }
  /** Receives every event of the history, or null (the default: no cost). */
  get trace(): ((e: TraceEvent) => void) | null {
    return this.traceNow;
  }
  set trace(t: ((e: TraceEvent) => void) | null) {
    this.traceNow = t;
    (this as { watched: boolean }).watched = t !== null || this.observerNow !== null;
  }
  /** What `observer` returns (set through its setter, which keeps `watched`). */
  private observerNow: TransitionObserver | null = null;
  /** What `trace` returns (set through its setter, which keeps `watched`). */
  private traceNow: ((e: TraceEvent) => void) | null = null;
  /** True when `observer` or `trace` is set: components test this one flag on their hot paths. Kept by their setters. */
  readonly watched: boolean = false;
  private readonly crews: CrewPool[];
  /** The common-cause clocks (`beta`, `common` on failure modes). */
  private readonly commons: CommonCauseSim[];
  private readonly control: PlacementControl & { base(g: number, i: number): ComponentSim };
  /** What controllers may use of the running system (one object; it reads the current replication's state). */
  private readonly systemControl: SystemControl;
  /** Per group, its mechanism's context and timers (a new mechanism on them each replication). */
  private readonly mechanismHosts: SimMechanismHost[];
  /** The plan a controller lays a taken-over repair on (one at a time): the sum of the steps' draws. */
  readonly repairPlan = new SumPlan();
  /** The gates of instances that need side components, with the indices of those components. */
  private readonly gates: Array<{ gate: InstanceGate; i: number }> = [];
  /** [group, instance] pairs of the instances whose application has a gray failure mode (told when it loses its support while down). */
  private readonly grayInstances: Array<[number, number]>;
  /** [group, component] pairs: the components each group's mechanism reads (GroupMechanismFactory.reads). */
  private readonly reads: Array<[number, number]>;
  /** Management planes, fencing of alive hosts and old copies (sim/network.ts), or null when no host has a management plane. */
  private readonly net: NetworkSim | null;

  /**
   * Builds the run-time structure of `model` once; `reset` prepares it for each
   * replication, so a worker reuses one SystemSim for all its replications.
   */
  constructor(
    readonly model: SystemModel,
    readonly scheduler: Scheduler,
  ) {
    const st = modelStatics(model);
    this.typeNames = st.typeNames;
    this.typeOf = st.typeOf;
    this.modeNames = st.modeNames;
    this.modeOf = st.modeOf;
    this.zoneComponents = st.zoneComponents;
    this.zoneOf = st.zoneOf;
    this.hostIndex = st.hostIndex;
    this.crews = model.crews.map((c) => new CrewPool(c.size, c.order, c.rank, c.dispatch, c.preemptive));
    this.components = model.components.map((c) => new ComponentSim(c, this, c.crew >= 0 ? this.crews[c.crew] : null));
    model.functions.forEach((f, g) =>
      f.instances.forEach((inst) => {
        this.components[inst.top].fn = g;
        this.components[inst.base].fn = g;
      }),
    );
    this.commons = model.commonCauses.map((cc) => new CommonCauseSim(cc, this));
    this.groups = model.functions.map((f) => {
      const g = new GroupSim(f, this);
      f.instances.forEach((inst, i) => {
        const top = this.components[inst.top];
        top.group = g;
        top.instance = i;
        for (const c of inst.base === inst.top ? [top] : [top, this.components[inst.base]]) if (c.model.modes.some((m) => m.notice !== null)) g.phased.push(c);
        if (inst.needs !== undefined) {
          const gate = new InstanceGate(g, top, inst.needs.map((c) => this.components[c]));
          top.group = gate;
          this.gates.push({ gate, i });
        }
      });
      g.phasedStatic = g.phased.length;
      return g;
    });
    const sys = this;
    this.mechanismHosts = model.functions.map(
      (f, gi) =>
        new SimMechanismHost(
          MECHANISMS[f.ha.mechanism],
          f,
          this.scheduler,
          {
            get streams() {
              return sys.streams;
            },
            get cause() {
              return sys.cause;
            },
            count: (counter: CounterName) => this.count(gi, counter),
            spurious() {
              sys.spuriousCause = true;
            },
            groupUp: (g: number) => this.groups[g].up,
            componentUp: (c: number) => this.components[c].up,
          },
          this.groups[gi],
        ),
    );
    model.functions.forEach((f, i) => {
      for (const r of f.requires) {
        this.groups[r].dependents.push(this.groups[i]);
        this.groups[i].required.push(this.groups[r]);
      }
      for (const w of MECHANISMS[f.ha.mechanism].watches?.(f) ?? []) this.groups[w].watchers.push(this.groups[i]);
    });
    this.services = model.services.map((s) => {
      const sim = new ServiceSim(this, s.name);
      sim.setMembers(s.chain.map((i) => this.groups[i]));
      if (s.logic !== null) sim.useLogic(s.logic, this.groups, this.components);
      return sim;
    });
    this.hostLoad = new Array(model.hosts.length).fill(0);
    this.instanceHost = model.functions.map((f) => f.instances.map(() => 0));
    this.instanceHome = model.functions.map((f) => f.instances.map((inst) => this.hostIndex.get(inst.host)!));
    this.grayInstances = model.functions.flatMap((f, gi) =>
      f.instances.flatMap((inst, i): Array<[number, number]> => (model.components[inst.top].modes.some((m) => m.degraded > 0) ? [[gi, i]] : [])),
    );
    this.reads = model.functions.flatMap((f, gi) => (MECHANISMS[f.ha.mechanism].reads?.(f) ?? []).map((ci): [number, number] => [gi, ci]));
    this.net = NetworkSim.needed(model)
      ? new NetworkSim(model, {
          scheduler: this.scheduler,
          components: this.components,
          groups: this.groups,
          hostOf: (g, i) => this.instanceHost[g][i],
          count: (g, c, amount) => this.count(g, c, amount),
          get windowStart() {
            return sys.windowStart;
          },
          recordFencing: (by) => this.recordFencing(by),
        })
      : null;
    // Instances that may leave an old copy behind tell their group through its gate.
    this.net?.gates.forEach((row, g) =>
      row.forEach((gate, i) => {
        this.components[model.functions[g].instances[i].top].group = gate;
      }),
    );
    this.hostInMaintenance = new Array(model.hosts.length).fill(false);
    this.control = this.placement();
    this.systemControl = this.controlOf();
    this.hasPlannedWork = model.maintenance.length > 0 || model.upgrades.length > 0;
  }

  /**
   * Prepares a new replication: everything new and up at time 0, the scheduler empty,
   * random streams from `streams`, statistics from `windowStart` on.
   */
  reset(
    streams: StreamFactory,
    windowStart: number,
    recorderOptions: ModelRecorderOptions,
    onOutage?: (service: number, o: OutageRecord) => void,
    trace: ((e: TraceEvent) => void) | null = null,
  ): void {
    this.scheduler.reset();
    this.windowStart = windowStart;
    this.trace = trace;
    fillWith(this.failuresByLayer, 0);
    this.inPlannedStop = false;
    this.causeComponent = null;
    this.causeMode = 0;
    this.causeClean = false;
    this.spuriousCause = false;
    this.plannedCause = -1;
    // Indexed loops, and what most models do not have in methods of their own behind a
    // test: this runs once a history, so V8 compiles it after some tens of histories, and a
    // for-of (its iterator protocol), a destructuring or a closure per element made it the
    // largest of a run's compile jobs.
    if (this.crews.length > 0) this.resetCrews(streams);
    const components = this.components;
    for (let i = 0; i < components.length; i++) components[i].reset(streams, components);
    const commons = this.commons;
    for (let i = 0; i < commons.length; i++) commons[i].reset(streams);
    this.streams = streams;
    const groups = this.groups;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      g.reset();
      g.mechanism = this.mechanismHosts[gi].create();
    }
    if (this.hasInstanceHooks) this.hookInstances();
    // Management planes after the components' reset (they hook on their leaf hooks), before the controllers.
    if (this.net !== null) this.net.reset(streams);
    this.resetServices(windowStart, recorderOptions, onOutage);
    fillWith(this.hostLoad, 0);
    fillWith(this.hostInMaintenance, false);
    const home = this.instanceHome;
    for (let gi = 0; gi < home.length; gi++) {
      const row = home[gi];
      for (let i = 0; i < row.length; i++) {
        const h = row[i];
        this.hostLoad[h]++;
        this.instanceHost[gi][i] = h;
      }
    }
    // Controllers last: they see the placement above, and hook on in registry order.
    this.controllers = [];
    for (let k = 0; k < CONTROLLERS.length; k++) {
      const attached = CONTROLLERS[k].attach(this.model, this.systemControl);
      for (let i = 0; i < attached.length; i++) this.controllers.push(attached[i]);
    }
  }

  /** `reset` of the repair crews, drawing the random ones' picks from `streams`. */
  private resetCrews(streams: StreamFactory): void {
    const model = this.model;
    this.crews.forEach((c, i) => {
      c.reset();
      if (c.order !== 'random') return;
      c.pickStream = streams.stream(`crews.${model.crews[i].name}:pick`);
      c.choose = (n) => Math.min(n - 1, Math.floor(c.pickStream!.next() * n));
    });
  }

  /**
   * True when `hookInstances` has something to hook: one of the three lists it walks is not
   * empty. Beside it, so that a fourth kind of hook is added to both; `reset` calls it only
   * then, so that a model without such hooks never runs (nor compiles) it.
   */
  private get hasInstanceHooks(): boolean {
    return this.gates.length > 0 || this.grayInstances.length > 0 || this.reads.length > 0;
  }

  /** `reset`'s hooks on instances (after the components' and groups' reset): gates, gray applications, components a mechanism reads. */
  private hookInstances(): void {
    const model = this.model;
    // Side components tell the gates of the instances that need them.
    for (const { gate, i } of this.gates) {
      gate.reset();
      gate.listen(i);
    }
    // A gray application that loses its VM or host while down stops serving (its mechanism is told).
    for (const [gi, i] of this.grayInstances) {
      const top = this.components[model.functions[gi].instances[i].top];
      const g = this.groups[gi];
      const prev = top.hostHook;
      const fn = (up: boolean) => {
        if (!up && !top.up) g.mechanism.instanceSupportLost?.(i);
      };
      top.hostHook = prev === null ? fn : (up) => (prev(up), fn(up));
    }
    // Components a mechanism reads (a heartbeat link) tell it when they go up or down.
    for (const [gi, ci] of this.reads) {
      const g = this.groups[gi];
      this.components[ci].addLeafHook(() => g.mechanism.onGroupsChanged?.());
    }
  }

  /** `reset` of the services: hooks on the infrastructure elements their expressions name, and a new recorder each. */
  private resetServices(windowStart: number, recorderOptions: ModelRecorderOptions, onOutage: ((service: number, o: OutageRecord) => void) | undefined): void {
    const services = this.services;
    // Infrastructure elements a service's expression names tell it when they go up or down.
    for (let si = 0; si < services.length; si++) {
      const svc = services[si];
      const leaves = svc.leafComponents;
      for (let k = 0; k < leaves.length; k++) {
        const c = leaves[k];
        if (c !== null) c.addLeafHook(() => svc.memberChanged(0));
      }
    }
    // One literal shape for every replication (a spread and added keys made a new map each time).
    for (let si = 0; si < services.length; si++) {
      services[si].reset({
        capacityThresholds: recorderOptions.capacityThresholds,
        salBounds: recorderOptions.salBounds,
        probation: recorderOptions.probation,
        downtimeBudget: recorderOptions.downtimeBudget,
        totalsOnly: recorderOptions.totalsOnly === true,
        windowStart,
        zones: this.zoneComponents.length + 1,
        onOutage: onOutage ? (o) => onOutage(si, o) : undefined,
      });
    }
  }

  /** What controllers may use of the running system (see SystemControl in mechanisms/types.ts). */
  private controlOf(): SystemControl {
    const sys = this;
    const model = this.model;
    const top = (g: number, i: number) => this.components[model.functions[g].instances[i].top];
    const hw = (h: number) => this.components[model.hosts[h].hardware];
    return {
      ...this.control,
      get streams() {
        return sys.streams;
      },
      get inPlannedStop() {
        return sys.inPlannedStop;
      },
      takeRepair: (g, i, repair, which = 'app') => {
        const c = which === 'base' ? this.control.base(g, i) : top(g, i);
        c.repairBy = repair;
        this.groups[g].phased.push(c);
      },
      delay: (dist, stream, where, what) => new DistDelay(dist, stream, where, what),
      watchReach: (g, fn) => this.net?.watchReach(g, fn),
      watchBase: (g, i, fn) => {
        const b = this.control.base(g, i);
        const prev = b.hostHook;
        b.hostHook = prev === null ? fn : (up) => (prev(up), fn(up));
      },
      hostReady: (h) => model.hosts[h].hardware >= 0 && hw(h).up && this.components[model.hosts[h].top].up,
      hostOf: (g, i) => this.instanceHost[g][i],
      instancesOn(h) {
        const out: Array<[number, number]> = [];
        sys.instanceHost.forEach((row, g) => row.forEach((hh, i) => hh === h && out.push([g, i])));
        return out;
      },
      instanceUp: (g, i) => top(g, i).up,
      upLongerThan: (g, i, delay) => () => sys.scheduler.now - top(g, i).upSince >= delay.sample(),
      baseUp: (g, i) => this.control.base(g, i).up,
      hostDown(h, cause) {
        sys.recordPlanned(hw(h), cause);
        return hw(h).plannedDown();
      },
      hostBack: (h, token) => hw(h).plannedUp(true, token),
      instanceDown(g, i, cause) {
        sys.recordPlanned(top(g, i), cause);
        return top(g, i).plannedDown();
      },
      instanceBack: (g, i, token) => top(g, i).plannedUp(false, token),
      setMaintenance: (h, on) => {
        this.hostInMaintenance[h] = on;
      },
      watchHost: (h, fn) => {
        const c = this.components[model.hosts[h].top];
        const prev = c.upHook;
        c.upHook = prev === null ? fn : () => (prev(), fn());
      },
      baseDown(g, i, cause) {
        const b = sys.control.base(g, i);
        sys.recordPlanned(b, cause);
        b.plannedDown();
      },
      watchGroup: (g, fn) => this.groups[g].upWatchers.push(fn),
      count: (g, c) => this.count(g, c),
    };
  }

  /** Adds one to group g's counter now (inside the window only), and traces it. */
  private count(g: number, c: CounterName, amount = 1): void {
    const now = this.scheduler.now;
    if (now >= this.windowStart) this.groups[g].counters[COUNTER_INDEX.get(c)!] += amount;
    if (this.trace) this.trace({ t: now, kind: 'counter', name: this.model.functions[g].name, event: c });
  }

  /** The placement operations evacuation uses. */
  private placement(): PlacementControl & { base(g: number, i: number): ComponentSim } {
    const sys = this;
    const model = this.model;
    const hostTop = (h: number) => this.components[model.hosts[h].top];
    const candidates: number[][] = [];
    const candidateHosts = (g: number): readonly number[] => (candidates[g] ??= model.functions[g].candidates.map((name) => sys.hostIndex.get(name)!));
    const domains: Int32Array[] = [];
    const domainsOf = (g: number): Int32Array => (domains[g] ??= hostDomains(model, model.functions[g]));
    // Per host: whether its stack has a hypervisor (an instance with a VM needs one).
    const hypervisor = model.hosts.map((h) => h.layers.includes('hypervisor'));
    // The instance's lowest own component (it stays the same component when the instance moves).
    const base = (g: number, i: number) => this.components[model.functions[g].instances[i].base];
    return {
      base,
      scheduler: this.scheduler,
      hostUp: (g, i) => hostTop(this.instanceHost[g][i]).up,
      hostReachable: (g, i) => this.net === null || this.net.reachable(this.instanceHost[g][i]),
      fence: (g, i) => this.net !== null && this.net.fence(this.instanceHost[g][i]),
      fenceInstance: (g, i) => {
        const h = this.instanceHost[g][i];
        const b = base(g, i);
        if (this.net === null || this.net.reachable(h) || !hostTop(h).up || !b.up) return -1;
        this.recordFencing(this.net.cutBy(h));
        return b.plannedDown();
      },
      unfenceInstance: (g, i, token) => base(g, i).plannedUp(true, token),
      serviceUp: (s) => this.services[s].downMembers === 0,
      onServiceUp: (s, fn) => this.services[s].upListeners.push(fn),
      candidateHosts,
      pickHost(g, i) {
        const f = model.functions[g];
        const cands = candidateHosts(g);
        const mine = sys.instanceHost[g];
        const domain = domainsOf(g);
        let best = -1;
        for (let c = 0; c < cands.length; c++) {
          const h = cands[c];
          const host = model.hosts[h];
          if (h === mine[i] || sys.hostLoad[h] >= host.slots || !hostTop(h).up || sys.hostInMaintenance[h] || (sys.net !== null && !sys.net.reachable(h))) continue;
          if (f.hasVm && !hypervisor[h]) continue;
          // The placement policy's domains (model/build.ts placementDomain): never two instances in one.
          const dom = domain[h];
          if (dom === NO_PLACE) continue;
          let clash = false;
          if (dom !== NO_DOMAIN) {
            for (let j = 0; j < mine.length && !clash; j++) {
              if (j === i) continue;
              clash = mine[j] === h || domain[mine[j]] === dom;
            }
          }
          if (clash) continue;
          if (best < 0 || sys.hostLoad[h] < sys.hostLoad[best]) best = h;
        }
        return best;
      },
      move(g, i, h, rebuild, keepOld = false) {
        const from = sys.instanceHost[g][i];
        sys.hostLoad[from]--;
        sys.hostLoad[h]++;
        sys.instanceHost[g][i] = h;
        const b = base(g, i);
        // Moved off an alive host (unreachable, not fenced): an application that is up there
        // keeps running as the old copy (sim/network.ts); either way the instance is rebuilt
        // from scratch on `h`.
        if (keepOld && b.up && sys.net !== null) {
          if (sys.components[model.functions[g].instances[i].top].up) sys.net.leaveCopy(g, i, from, () => b.plannedDown());
          else b.plannedDown();
        }
        b.relocate(hostTop(h), rebuild);
      },
    };
  }

  /** Makes what components make on first use, now (see ComponentSim.makeLazyState): for twins of a running simulation. */
  makeLazyState(): void {
    for (const c of this.components) c.makeLazyState();
  }

  /** Starts every component's clocks (all up at time 0), then the controllers. */
  start(): void {
    for (const c of this.components) c.start();
    for (const cc of this.commons) cc.start();
    for (const c of this.controllers) c.start?.();
  }

  /** Planned work takes `c` down now: it is the cause of what goes down next (attributed to `cause`, a planned-work slot). */
  recordPlanned(c: ComponentSim, cause: number): void {
    this.recordCleanStop(c, cause);
  }

  /**
   * Fencing powers off an alive host now (sim/network.ts): what goes down next is caused
   * by the management-plane element `by` (component index) that cut the host off.
   */
  recordFencing(by: number): void {
    this.recordCleanStop(this.components[by], -1);
  }

  /**
   * `c` is the cause of what goes down next, a stop attributed to planned slot `planned`
   * (-1: to `c` as a failure). To the HA mechanisms it looks like an announced failure,
   * and a clean one: the stopped node is known to be down (no fencing).
   */
  private recordCleanStop(c: ComponentSim, planned: number): void {
    this.causeComponent = c;
    this.causeMode = 0;
    this.plannedCause = planned;
    this.spuriousCause = false;
    this.causeClean = true;
  }

  /** True when every service in `services` is up. */
  /** True when service `s` (model order) is up. */
  serviceUp(s: number): boolean {
    return this.services[s].downMembers === 0;
  }

  /** True when every service in `services` (model order) is up. */
  servicesUp(services: readonly number[]): boolean {
    for (let i = 0; i < services.length; i++) if (this.services[services[i]].downMembers > 0) return false;
    return true;
  }

  watchStage(c: ComponentSim, services: readonly number[], on: boolean): void {
    // An index loop over the model's (readonly) array.
    for (let k = 0; k < services.length; k++) {
      const w = this.services[services[k]].stageWatchers;
      const at = w.indexOf(c);
      if (on && at < 0) w.push(c);
      else if (!on && at >= 0) removeAt(w, at);
    }
  }

  stageWaited(c: ComponentSim, first: boolean): void {
    if (c.fn < 0) return;
    this.count(c.fn, 'secondOrderOutages');
    if (first) this.count(c.fn, 'controlPlaneWaits');
  }

  repairPhaseChanged(g: number): void {
    this.groups[g].repairPhaseChanged();
  }

  stageLost(c: ComponentSim): void {
    if (c.fn >= 0) this.count(c.fn, 'lostNotifications');
  }

  recordFailure(c: ComponentSim, mode: number): void {
    this.causeComponent = c;
    this.causeMode = mode;
    this.causeClean = false;
    this.spuriousCause = false;
    this.plannedCause = -1;
    if (this.scheduler.now >= this.windowStart) this.failuresByLayer[c.layer]++;
  }

  /** The cause of an outage starting now: the most recent failure, with its impact zone. */
  outageCause(): OutageCause {
    const c = this.causeComponent;
    // Outages no failure started (a spurious detection) have a slot of their own, after the real ones.
    if (c === null || this.spuriousCause) {
      return { layer: SPURIOUS_LAYER, type: this.typeNames.length + 1, mode: this.modeNames.length + this.model.plannedCauses.length, component: -1, zone: this.zoneComponents.length };
    }
    // The zone: the first site, rack or host hardware at or below the failed component (now).
    let z: ComponentSim | null = c;
    while (z !== null && z.layer > LAYER_INDEX.hardware) z = z.parent;
    const planned = this.plannedCause >= 0;
    return {
      layer: planned ? PLANNED_LAYER : c.layer,
      type: planned ? this.typeNames.length : this.typeOf[c.model.index],
      mode: planned ? this.modeNames.length + this.plannedCause : this.modeOf[c.model.index][this.causeMode],
      component: c.model.index,
      zone: z !== null ? this.zoneOf[z.model.index]! : 0,
    };
  }

  /** Splitting (src/rare/splitting.ts): every component draws its clocks afresh given their ages (ComponentSim.redrawClocks). */
  redrawClocks(): void {
    for (const c of this.components) c.redrawClocks();
  }

  /** Closes every service's books at the horizon. */
  finish(horizon: number): void {
    const services = this.services;
    for (let i = 0; i < services.length; i++) services[i].finish(horizon);
    if (this.net !== null) this.net.finish(horizon);
  }
}
