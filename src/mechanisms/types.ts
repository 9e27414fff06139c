/**
 * The contract between the system simulation and HA mechanisms. A mechanism decides
 * the state of a group of instances (a VNF or VIM service) from the states of its
 * instances, possibly after delays it schedules itself (detection, fencing,
 * switchover, election...).
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
 * - A mechanism schedules its own events on `ctx.scheduler` (it is an EventHandler);
 *   it ignores stale events by comparing `scheduler.currentId` with the id it expects.
 */
import type { Scheduler } from '../engine/scheduler.js';
import type { StreamFactory } from '../engine/rng.js';
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
  /**
   * True when planned work stopped it cleanly (maintenance, a migration, an upgrade
   * step): it is known to be down, so no fencing is needed before a takeover.
   */
  readonly clean?: boolean;
}

/** What a mechanism may use of the running replication. */
export interface MechanismContext {
  readonly scheduler: Scheduler;
  readonly streams: StreamFactory;
  /** The failure being propagated now (valid inside `instanceChanged(i, false)`). */
  readonly cause: FailureCause;
  /** Adds one to this group's counter. */
  count(counter: CounterName): void;
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
  /** Instance `i` (0-based) went up (`true`) or down (`false`) now. */
  instanceChanged(i: number, up: boolean): void;
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
  /** Builds the mechanism for one replication. All instances start up. */
  create(group: FunctionModel, ctx: MechanismContext, out: GroupOutput): GroupMechanism;
}

/** The placement operations of the running system (evacuation, migrations). Indices: group (function) and instance. */
export interface PlacementControl {
  readonly scheduler: Scheduler;
  /** True when the host the instance runs on is up. */
  hostUp(group: number, instance: number): boolean;
  /** True when the control-plane service is up. */
  serviceUp(service: number): boolean;
  /** Calls `fn` every time the service comes up. */
  onServiceUp(service: number, fn: () => void): void;
  /** Picks a target host for the instance (or -1): up, free slot, policy kept. */
  pickHost(group: number, instance: number): number;
  /** Moves the instance to `host`; its base component comes up after `rebuild` seconds. */
  move(group: number, instance: number, host: number, rebuild: number): void;
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
   * Hands the repair of instance i of function g's application (its top component) to
   * `repair`: at each own failure of that component, `repair(announced)` returns the
   * repair time in seconds, or NaN to leave the failure to the component's own repair
   * (and crew). At most one per component.
   */
  takeRepair(g: number, i: number, repair: (announced: boolean) => number): void;
  /**
   * Calls `fn(up)` when the host under instance i of function g goes down (`false`) or
   * comes back (`true`), whatever the instance itself is doing; the host is the layer
   * below the instance's base (its VM, pod or process), wherever the instance runs now.
   */
  watchBase(g: number, i: number, fn: (up: boolean) => void): void;
  /** True while planned work is taking something down (a host stop is then no failure). */
  readonly inPlannedStop: boolean;
}

/**
 * A running controller: reacts to the system as a whole rather than deciding one
 * group's level (supervision, evacuation, planned work, ...).
 */
export interface Controller {
  /** Starts it at time 0, after every component's clocks (schedules its first events). */
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
   * in registration order, and the controllers' `start` in the order returned.
   */
  attach(model: SystemModel, ctl: SystemControl): Controller[];
}
