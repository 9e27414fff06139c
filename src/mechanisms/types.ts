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
import type { FunctionModel } from '../model/build.js';
import type { Phase } from '../metrics/recorder.js';

/** The counters a mechanism can increment, per group. */
export const COUNTERS = [
  'detections',
  'failovers',
  'failedFailovers',
  'spuriousFailovers',
  'splitBrains',
  'elections',
  'restarts',
  'reboots',
  'rebuilds',
  'evacuations',
  'secondOrderOutages',
  'liveMigrations',
  'migrationOutages',
  'coldMigrations',
  'upgradeSteps',
  'failedUpgradeSteps',
] as const;
/** A counter name. */
export type CounterName = (typeof COUNTERS)[number];

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
