/**
 * The contract between the system simulation and HA mechanisms. A mechanism decides
 * the state of a group of instances (a VNF or VIM service) from the states of its
 * instances, possibly after delays it waits for itself (detection, fencing,
 * switchover, election...).
 *
 * A mechanism is written once and run two ways: by the event simulation (sim/system.ts)
 * and by `analyze`'s exact Markov chain (analysis/markov.ts), which runs the same code
 * from each state of the chain. That is why a mechanism touches time and chance only
 * through its context:
 * - Its whole mutable state is the plain-data object `state` (numbers, booleans,
 *   strings, arrays and objects of them: what JSON holds). It reads and writes it there
 *   and nowhere else; analysis saves and restores it between events.
 * - It waits through numbered timers (`ctx.timers.arm(slot, delay)`; `onTimer(slot)`
 *   when one runs out), never through the scheduler or the clock. A delay is a `Delay`
 *   made once by `ctx.delay` (or a detector): the simulation draws it, analysis reads its
 *   law (exponential, zero, or refused / approximated by its mean).
 * - It draws a random choice with `ctx.chance(stream, p)` (the simulation: one uniform
 *   from the stream, below p; analysis: both branches with their probabilities), and
 *   chooses an instance by index with `ctx.first(n, pred)` (analysis checks that lumping
 *   of interchangeable instances allows the choice).
 * - Its factory's `shape` says which fields of its state are per instance and which hold
 *   an instance's index (lumping permutes them), how many timers it has, and which fields
 *   are dead in a state (so that states that behave the same have one key).
 *
 * Contract:
 * - The simulation calls `instanceChanged(i, up)` at the moment instance i (0-based)
 *   goes up or down; calls come in time order and only on a real change. When an
 *   instance goes down, `ctx.cause` describes the failure that took it down. The object
 *   is reused for the next failure: copy what must be kept.
 * - The mechanism reports the group's level through `GroupOutput.set` whenever it
 *   changes: whether the group is up and the share of capacity it serves (0..1). All
 *   instances start up and the group starts up with full capacity.
 * - Dependencies on other groups (a load balancer, a broker) are not the mechanism's
 *   business: the simulation holds the group down while a group it requires is down.
 * - Every random draw goes through a stream taken from `ctx.streams` with a stable name
 *   under the group's path (e.g. `vnfs.vMME.instances.1:detect`).
 */
import type { Scheduler } from '../engine/scheduler.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { Distribution } from '../engine/distributions.js';
import type { FunctionModel, SystemModel } from '../model/build.js';
import type { Phase } from '../metrics/recorder.js';
import type { CounterName } from '../metrics/replication.js';

export { COUNTERS, type CounterName } from '../metrics/replication.js';

/** The failure that is taking instances down now. */
export interface FailureCause {
  /** Layer index (into LAYERS) of the component that failed. */
  readonly layer: number;
  /** True for an announced failure (a crash), false for a silent one (a hang). */
  readonly announced: boolean;
  /** A silent failure the guest's health check reports "not healthy" (seen at the next answered heartbeat challenge). */
  readonly unhealthy?: boolean;
  /** A gray failure: the share (0..1) of its requests the instance serves badly while it stays in rotation; 0 or absent otherwise. */
  readonly degraded?: number;
  /**
   * True when planned work stopped it cleanly (maintenance, a migration, an upgrade
   * step): it is known to be down, so no fencing is needed before a takeover.
   */
  readonly clean?: boolean;
}

/**
 * One competing path of a delay, as analysis sees it: the delay is the earliest of its
 * paths. `where` names it in refusals and approximations (e.g. `vnfs.f.ha.switchover`);
 * `what`, when set, describes a law that is never exponential (missed beats) and takes
 * the place of the distribution's own description.
 */
export interface DelayPath {
  readonly dist: Distribution;
  readonly where: string;
  readonly what?: string;
}

/**
 * A delay a mechanism waits for. The simulation calls `sample` (seconds; Infinity: it
 * never ends); analysis reads `paths` (none: it never ends; otherwise the earliest of
 * them, so a rate that is the sum of the paths' rates when they are exponential).
 * Contract: `sample` draws from the law that `paths` describe.
 */
export interface Delay {
  sample(): number;
  readonly paths: readonly DelayPath[];
}

/** A delay of one distribution drawn from one stream. */
export class DistDelay implements Delay {
  readonly paths: readonly DelayPath[];
  constructor(
    readonly dist: Distribution,
    private readonly stream: RandomStream,
    where: string,
    what?: string,
  ) {
    this.paths = [what === undefined ? { dist, where } : { dist, where, what }];
  }
  sample(): number {
    return this.dist.sample(this.stream);
  }
}

/**
 * A mechanism's timers, numbered 0 .. `shape.timers(n) - 1`. Each is armed or not; when
 * an armed timer runs out, it is disarmed and the mechanism's `onTimer(slot)` is called.
 * Timers that run out at the same instant run in the order they were armed (a zero delay
 * runs after what is already due now).
 */
export interface Timers {
  /** Arms timer `slot` with a delay drawn now from `delay`, replacing any armed; a delay that never ends leaves it disarmed. */
  arm(slot: number, delay: Delay): void;
  /** Disarms timer `slot` (nothing happens if it is not armed). */
  disarm(slot: number): void;
  /** True while timer `slot` is armed. */
  armed(slot: number): boolean;
}

/** What a mechanism may use of the running replication. */
export interface MechanismContext {
  /** Streams for its delays and choices, by name under the group's path. */
  readonly streams: StreamFactory;
  /** Its timers. */
  readonly timers: Timers;
  /** The failure being propagated now (valid inside `instanceChanged(i, false)`). */
  readonly cause: FailureCause;
  /**
   * A delay of distribution `dist` drawn from `stream`, named `where` for analysis (e.g.
   * `vnfs.f.ha.switchover`; `what` describes a law that is never exponential). Made once,
   * when the mechanism is built: analysis resolves (or refuses) every delay made then.
   */
  delay(dist: Distribution, stream: RandomStream, where: string, what?: string): Delay;
  /** A random choice: true with probability p (the simulation draws one uniform from `stream` whatever p is). */
  chance(stream: RandomStream, p: number): boolean;
  /** The lowest instance index j < n with `pred(j)`, or -1: the one choice by index a mechanism may make. */
  first(n: number, pred: (j: number) => boolean): number;
  /** The time now (seconds): for delays that depend on a phase (beats on a grid), never for a rule. */
  readonly now: number;
  /** Adds one to this group's counter. */
  count(counter: CounterName): void;
  /** True while group g (model index; one its factory's `watches` lists) is up. */
  groupUp(g: number): boolean;
  /** True while component c (model index; one its factory's `reads` lists, e.g. a heartbeat link) is up. */
  componentUp(c: number): boolean;
  /**
   * Says that what goes down next was started by a spurious detection, not by a
   * failure: outages it starts are attributed to `spurious` rather than to the most
   * recent failure.
   */
  spurious(): void;
}

/** Where a mechanism reports the group's level. */
export interface GroupOutput {
  /**
   * The group is up (`up`) and serves `capacity` (0..1) of its full capacity, from now
   * on; while down, `phase` says which recovery phase the outage is in (default
   * `restart`: waiting for an instance to come back by its own repair or restart).
   */
  set(up: boolean, capacity: number, phase?: Phase): void;
}

/** A running mechanism attached to one group. */
export interface GroupMechanism {
  /** Its whole mutable state, plain data (see the top of this file); analysis replaces it between events. */
  state: object;
  /** Instance `i` (0-based) went up (`true`) or down (`false`) now. */
  instanceChanged(i: number, up: boolean): void;
  /** Timer `slot` ran out (it is disarmed already). */
  onTimer?(slot: number): void;
  /**
   * Instance `i`, down already, lost the layer below it now (its VM or host went down under
   * a failed application): called only for applications with a gray failure mode, which
   * stop serving then.
   */
  instanceSupportLost?(i: number): void;
  /** A group it watches (its factory's `watches`) or a component it reads (`reads`) went up or down; may be called when nothing it reads changed (it must then do nothing). */
  onGroupsChanged?(): void;
}

/**
 * How analysis reads a mechanism's state (see the top of this file). Field names are keys
 * of `GroupMechanism.state`.
 */
export interface MechanismShape {
  /** Its number of timers for a group of n instances: `fixed` group-wide ones (slots 0 .. fixed - 1), then `perInstance` kinds, kind k of instance i at slot fixed + k n + i. */
  readonly timers: { readonly fixed: number; readonly perInstance: number };
  /** Fields that are arrays indexed by instance. */
  readonly perInstance: readonly string[];
  /** Fields that hold an instance's index (or -1), and are read in every state. */
  readonly instanceRefs: readonly string[];
  /**
   * Clears what the state keeps but never reads again (given which timers are armed), so
   * that states that behave the same have one key. Only analysis calls it.
   */
  canonical?(state: object, armed: (slot: number) => boolean): void;
}

/** Creates a mechanism for a group; registered by name in `registry.ts`. */
export interface GroupMechanismFactory {
  /** The name used in topology files and reports. */
  readonly name: string;
  /** One line on what it models. */
  readonly description: string;
  /**
   * A working configuration for a group of 3 instances, used by the shared contract
   * tests: `k` if the mechanism needs a particular one, and the `ha` section (it may
   * name a helper group `aux` as its balancer or broker).
   */
  readonly example: { readonly k?: number; readonly ha: Record<string, unknown> };
  /** How analysis reads its state. */
  readonly shape: MechanismShape;
  /** Builds the mechanism for one replication. All instances start up. */
  create(group: FunctionModel, ctx: MechanismContext, out: GroupOutput): GroupMechanism;
  /**
   * The groups (model indices) whose up state it reads (`ctx.groupUp`) without depending on
   * them (it keeps serving while they are down), e.g. its cluster manager; none if absent.
   */
  watches?(group: FunctionModel): readonly number[];
  /**
   * The components (model indices) whose up state it reads (`ctx.componentUp`), e.g. a
   * heartbeat link that can be cut; told through `onGroupsChanged`; none if absent.
   */
  reads?(group: FunctionModel): readonly number[];
}

/** The placement operations of the running system (evacuation, migrations). Indices: group (function) and instance. */
export interface PlacementControl {
  readonly scheduler: Scheduler;
  /** True when the host the instance runs on is up. */
  hostUp(group: number, instance: number): boolean;
  /** True when the host the instance runs on is reachable: its management plane is up (sim/network.ts; always, without one). */
  hostReachable(group: number, instance: number): boolean;
  /** Fences the host the instance runs on if it is alive and unreachable (a power cycle); true if it did. */
  fence(group: number, instance: number): boolean;
  /** Fences the instance alone if its host is alive and unreachable and it is up there: its base goes down and stays down; returns the fence's token, or -1 if it did nothing. */
  fenceInstance(group: number, instance: number): number;
  /** Ends the instance-level fence with `token` (the instance has not moved since): its base boots again on its host. */
  unfenceInstance(group: number, instance: number, token: number): void;
  /** True when the control-plane service is up. */
  serviceUp(service: number): boolean;
  /** Calls `fn` every time the service comes up. */
  onServiceUp(service: number, fn: () => void): void;
  /** The hosts (indices into model.hosts) the group's instances may be placed on, in placement order. */
  candidateHosts(group: number): readonly number[];
  /** Picks a target host for the instance (or -1): one of `candidateHosts`, up, free slot, policy kept. */
  pickHost(group: number, instance: number): number;
  /**
   * Moves the instance to `host`; its base component comes up after `rebuild` seconds. With
   * `keepOld` (an evacuation), an instance moved off a host that is still alive leaves its
   * old copy running there and is rebuilt from scratch (sim/network.ts); without it, an
   * instance that is up moves as it is (a live migration).
   */
  move(group: number, instance: number, host: number, rebuild: number, keepOld?: boolean): void;
}

/** What planned work may do to the running system. Indices: g = function, i = instance, h = host. */
export interface PlannedControl extends PlacementControl {
  readonly streams: StreamFactory;
  /** True when the host's whole stack (hardware to its top) is up. */
  hostReady(h: number): boolean;
  /** The host instance i of function g runs on now. */
  hostOf(g: number, i: number): number;
  /** The instances on host h now, as [g, i] pairs in function and instance order. */
  instancesOn(h: number): Array<[number, number]>;
  /** True when the instance (its application) is up. */
  instanceUp(g: number, i: number): boolean;
  /** True when the instance's base (its VM, pod or process) is up. */
  baseUp(g: number, i: number): boolean;
  /** Takes the host's hardware down for planned work (it must be ready), attributed to planned slot `cause`; returns the stop's token. */
  hostDown(h: number, cause: number): number;
  /** The host's planned work (the stop with `token`) is over: it boots (restart time), then the layers above restart. */
  hostBack(h: number, token: number): void;
  /** Takes the instance's application down for planned work (it must be up); returns the stop's token. */
  instanceDown(g: number, i: number, cause: number): number;
  /** The stop with `token` is over: the application comes back at once (unless it failed, lost its support or was moved meanwhile). */
  instanceBack(g: number, i: number, token: number): void;
  /** Puts host h in maintenance mode (no instance may move there) or takes it out. */
  setMaintenance(h: number, on: boolean): void;
  /** Calls `fn` every time host h's top component comes up. */
  watchHost(h: number, fn: () => void): void;
  /** Shuts the instance's base (VM, pod or process) down for planned work (it must be up); `move` then boots it elsewhere. */
  baseDown(g: number, i: number, cause: number): void;
  /** Calls `fn` after any instance of function g comes up. */
  watchGroup(g: number, fn: () => void): void;
  /** Adds one to function g's counter. */
  count(g: number, c: CounterName): void;
}

/**
 * Everything a controller may use of the running replication: placement, planned
 * stops, and the hooks by which it takes over part of a component's life. Indices:
 * g = function (group), i = instance, h = host, in model order.
 */
export interface SystemControl extends PlannedControl {
  /**
   * Hands the repair of instance i of function g's application (its top component; with
   * `which` 'base', its lowest own component, the VM or pod) to `repair`: at each own
   * failure of that component in mode `mode`, `repair(announced, plan, mode)` lays out the
   * repair's steps on `plan` and returns true, or returns false to leave the failure to
   * the component's own repair (and crew). At most one per component.
   */
  takeRepair(g: number, i: number, repair: RepairTaker, which?: 'app' | 'base'): void;
  /** A delay of distribution `dist` drawn from `stream`, named `where` for analysis (see MechanismContext.delay). */
  delay(dist: Distribution, stream: RandomStream, where: string, what?: string): Delay;
  /**
   * Calls `fn(up)` when the host under instance i of function g goes down (`false`) or
   * comes back (`true`), whatever the instance itself is doing; the host is the layer
   * below the instance's base (its VM, pod or process), wherever the instance runs now.
   */
  watchBase(g: number, i: number, fn: (up: boolean) => void): void;
  /** Calls `fn(i, reachable)` when the host under instance i of function g becomes unreachable (its management plane cut) or reachable again. */
  watchReach(g: number, fn: (i: number, reachable: boolean) => void): void;
  /** True while planned work is taking something down (a host stop is then no failure). */
  readonly inPlannedStop: boolean;
  /**
   * A test of whether instance i of function g's application has been up longer than a
   * delay of `delay`'s law: each call draws one delay and compares it with the time since
   * the application last came up (at the start, or after its last restart; while it is
   * down, the age it had when it went down). The simulation compares the age it keeps;
   * analysis holds an exponential `delay` as a phase of the application (entered each
   * time it comes up, left at the delay's rate while it is up), which has the same law.
   * Call it once per instance at attach time; call the test as often as needed.
   */
  upLongerThan(g: number, i: number, delay: Delay): () => boolean;
}

/** A controller's repair of a component's own failures (SystemControl.takeRepair): lays it out on `plan` (true) or leaves it to the component (false). */
export type RepairTaker = (announced: boolean, plan: RepairPlan, mode: number) => boolean;

/**
 * The steps of a repair a controller took over (SystemControl.takeRepair): the repair
 * lasts the sum of its steps, taken in order. The simulation draws each step's delay as
 * it is laid out and draws one uniform per `endsHere`; analysis runs the steps as successive
 * clocks and branches where each `endsHere` was asked, when the steps before it are done.
 */
export interface RepairPlan {
  /**
   * One more step, lasting `delay`; with `needs` (service indices, e.g. the VIM's API and
   * compute services), it progresses only while every one of them is up: when one goes
   * down it pauses and resumes with its remaining time when all are back (or, with
   * `restart`, starts again from scratch). With `orElse`, a step whose services are not
   * all up when it starts is replaced by `orElse`, which needs nothing (a notification
   * lost because a manager on its path is down, noticed by an operator instead).
   */
  step(delay: Delay, needs?: readonly number[], restart?: boolean, orElse?: Delay): void;
  /**
   * Whether the repair ends after the steps laid out so far: with probability p it does
   * (true: lay out nothing more), else it goes on with the steps laid out next (false).
   * The simulation draws one uniform from `stream` now. Analysis returns false and
   * branches when the steps so far are done, with the same law (nothing during the steps
   * depends on the outcome), so the chain's state does not carry an outcome decided in
   * advance.
   */
  endsHere(stream: RandomStream, p: number): boolean;
  /**
   * Runs `fn` when the steps laid out so far are done, as the next one starts (e.g. an
   * evacuation moving the instance before its re-creation). The simulation only: a
   * controller that uses it says so in `unanalyzable`.
   */
  then(fn: () => void): void;
  /**
   * The recovery phase of the steps laid out next (default `restart`): while the repair
   * runs such a step and the group waits for the instance, the outage is in that phase
   * (`waiting` while a step waits for a service it needs).
   */
  phase(p: Phase): void;
}

/**
 * A running controller: reacts to the system as a whole rather than deciding one
 * group's level (supervision, evacuation, planned work, ...).
 */
export interface Controller {
  /** Starts it at time 0, after every component's clocks (schedules its first events). Absent: it only holds state, driven by its hooks. */
  start?(): void;
}

/**
 * A kind of controller, registered by name in `registry.ts`. The simulation core calls
 * `attach` for every registered kind, in registry order, at the start of each
 * replication; the kind finds in the model what it has to control (nothing: it returns
 * no controller).
 */
export interface ControllerFactory {
  /** The name used in reports (and the topology section it reads). */
  readonly name: string;
  /** One line on what it models. */
  readonly description: string;
  /**
   * Builds this replication's controllers of `model` on `ctl`. Hooks registered here run
   * in registration order, and the controllers' `start` in the order returned. Every
   * object that holds state of the replication is returned (with or without `start`), not
   * only captured by the hooks: a copy of the running simulation (engine/snapshot.ts)
   * reaches state through properties only.
   */
  attach(model: SystemModel, ctl: SystemControl): Controller[];
  /**
   * What of `model` this kind controls that `analyze` cannot hold in a Markov chain, one
   * line per part naming it (empty: analysis attaches it like the simulation, with a
   * control that offers `takeRepair`, `delay`, `streams` and `count` only).
   */
  unanalyzable(model: SystemModel): string[];
  /**
   * The repairs it lays out that wait for services (RepairPlan.step's `needs`): [component
   * index, service index] pairs. Analysis keeps each such component in one block with the
   * groups of the service.
   */
  couplings?(model: SystemModel): Array<[number, number]>;
}
