/**
 * How the event simulation runs a group mechanism: its context (mechanisms/types.ts) on
 * the scheduler and the random streams. Timers are scheduler events; a timer disarmed or
 * re-armed leaves its old event in the queue, skipped when it comes (it is not the id
 * the slot expects). Delays are drawn when armed; chances draw one uniform.
 */
import type { Distribution } from '../engine/distributions.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { EventHandler, EventId, Scheduler } from '../engine/scheduler.js';
import type { FunctionModel } from '../model/build.js';
import { DistDelay, type CounterName, type Delay, type FailureCause, type GroupMechanism, type GroupMechanismFactory, type GroupOutput, type MechanismContext, type Timers } from '../mechanisms/types.js';

/** A mechanism's timers as scheduler events (slot = the event's kind). */
class SimTimers implements Timers, EventHandler {
  /** Per slot, the id of the event it expects, or -1 (disarmed). */
  private readonly ids: EventId[];
  /** The mechanism whose `onTimer` runs. */
  mechanism: GroupMechanism | null = null;
  constructor(
    private readonly scheduler: Scheduler,
    slots: number,
  ) {
    this.ids = new Array<EventId>(slots).fill(-1);
  }
  /** Every timer disarmed (a new replication). */
  reset(): void {
    for (let s = 0; s < this.ids.length; s++) this.ids[s] = -1;
    this.mechanism = null;
  }
  arm(slot: number, delay: Delay): void {
    const d = delay.sample();
    this.ids[slot] = d === Infinity ? -1 : this.scheduler.schedule(d, this, slot);
  }
  disarm(slot: number): void {
    this.ids[slot] = -1;
  }
  armed(slot: number): boolean {
    return this.ids[slot] >= 0;
  }
  handle(slot: number): void {
    if (this.scheduler.currentId !== this.ids[slot]) return;
    this.ids[slot] = -1;
    this.mechanism!.onTimer!(slot);
  }
}

/** What the simulation gives a group's mechanism besides time and chance. */
export interface SimGroupHooks {
  /** The streams of the replication being run. */
  readonly streams: StreamFactory;
  /** The failure being propagated now: one object whose fields give the latest failure when read (read once, when the context is made). */
  readonly cause: FailureCause;
  /** Adds one to the group's counter. */
  count(counter: CounterName): void;
  /** What goes down next was started by a spurious detection. */
  spurious(): void;
  /** True while group g is up (absent: every group is). */
  groupUp?(g: number): boolean;
  /** True while component c is up (absent: every component is). */
  componentUp?(c: number): boolean;
}

/**
 * The mechanism of `group` in one simulation: its context and timers are made once; each
 * replication builds a new mechanism on them (`create`), drawing from `hooks.streams`.
 */
export class SimMechanismHost {
  private readonly timers: SimTimers;
  private readonly ctx: MechanismContext;
  constructor(
    private readonly factory: GroupMechanismFactory,
    private readonly group: FunctionModel,
    scheduler: Scheduler,
    hooks: SimGroupHooks,
    private readonly out: GroupOutput,
  ) {
    const shape = factory.shape.timers;
    this.timers = new SimTimers(scheduler, shape.fixed + shape.perInstance * group.n);
    this.ctx = simContext(this.timers, scheduler, hooks);
  }
  /** A new mechanism for a replication (every timer disarmed). */
  create(): GroupMechanism {
    this.timers.reset();
    const m = this.factory.create(this.group, this.ctx, this.out);
    this.timers.mechanism = m;
    return m;
  }
}

/** Builds the mechanism of `group` for one replication, on `scheduler` (the contract tests' way; the simulation keeps a SimMechanismHost). */
export function createSimMechanism(factory: GroupMechanismFactory, group: FunctionModel, scheduler: Scheduler, hooks: SimGroupHooks, out: GroupOutput): GroupMechanism {
  return new SimMechanismHost(factory, group, scheduler, hooks, out).create();
}

/** The context of a mechanism in the simulation (frozen: it never changes, and a copy of a running simulation skips it). */
function simContext(timers: SimTimers, scheduler: Scheduler, hooks: SimGroupHooks): MechanismContext {
  return Object.freeze({
    get streams() {
      return hooks.streams;
    },
    timers,
    // The same object all along (the simulation rewrites it at each failure).
    cause: hooks.cause,
    delay: (dist: Distribution, stream: RandomStream, where: string, what?: string) => new DistDelay(dist, stream, where, what),
    chance: (stream: RandomStream, p: number) => stream.next() < p,
    first(n: number, pred: (j: number) => boolean): number {
      for (let j = 0; j < n; j++) if (pred(j)) return j;
      return -1;
    },
    get now() {
      return scheduler.now;
    },
    count: (counter: CounterName) => hooks.count(counter),
    spurious: () => hooks.spurious(),
    groupUp: (g: number) => (hooks.groupUp ? hooks.groupUp(g) : true),
    componentUp: (c: number) => (hooks.componentUp ? hooks.componentUp(c) : true),
  });
}
