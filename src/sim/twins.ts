/**
 * Copies of a running replication (engine/snapshot.ts applied to SystemSim): simulations
 * of one model, each built afresh, reset and started for the replication to copy (so that
 * it is a twin of the original: the same construction, the same hooks, the same events at
 * start), into which the state of a running one is copied. Used by splitting
 * (src/rare/splitting.ts) to clone a history at a level crossing instead of replaying it.
 *
 * A twin is built as a new SystemSim: one reset for another replication keeps objects
 * made on first use (random streams of repairs, calendar slots), so its skeleton would
 * not match a fresh one's. Building, starting and walking one costs a fraction of a
 * history (1 to 6 ms on the shipped topologies). A twin that has served can take another
 * copy, of any replication of the same model (`take`, `release`): its skeleton, recorded
 * when it was built, still names the objects its functions captured, and a copy
 * overwrites all the state that matters.
 */
import { Scheduler } from '../engine/scheduler.js';
import { RandomStream, StreamFactory } from '../engine/rng.js';
import { copyInto, sharedBetween, Skeleton } from '../engine/snapshot.js';
import type { SystemModel } from '../model/build.js';
import { SystemSim, type ModelRecorderOptions } from './system.js';

/** What a twin is reset with (the same for the original and all its copies). Times in seconds. */
export interface TwinSetup {
  seed: number;
  replication: number;
  warmup: number;
  recorderOptions: ModelRecorderOptions;
}

/** One simulation of the pool: its random streams' factory and its skeleton (see engine/snapshot.ts). */
export interface Twin {
  readonly sys: SystemSim;
  readonly factory: StreamFactory;
  readonly skeleton: Skeleton;
  /** Its random streams, once a state was copied into it (null before). */
  streams: RandomStream[] | null;
  /** The random streams among its skeleton's nodes (copied in place by every copy). */
  readonly ownStreams: readonly RandomStream[];
}

/** Spare twins kept at most (more are left to the garbage collector). */
const MAX_SPARE = 64;

/** Makes and copies twin simulations of one model (one per thread; see the top of this file). */
export class TwinPool {
  private shared: Set<object> | null = null;
  /** The first twin's skeleton: later ones built alike share its copiers and hints. */
  private template: Skeleton | null = null;
  /** Twins that served and may take a copy. */
  private readonly spare: Twin[] = [];
  constructor(readonly model: SystemModel) {}

  /**
   * A simulation reset and started for `setup` (no observer, no trace), with its
   * skeleton: the original of a replication, or a twin to copy one into.
   */
  start(setup: TwinSetup): Twin {
    const sys = new SystemSim(this.model, new Scheduler());
    const factory = this.begin(sys, setup);
    if (this.shared === null) {
      // What two fresh simulations of the model have in common by identity is kept by reference in copies.
      const other = new SystemSim(this.model, new Scheduler());
      this.begin(other, setup);
      this.shared = sharedBetween(sys, other);
    }
    const skeleton = new Skeleton(sys, this.shared, this.template ?? undefined);
    this.template ??= skeleton;
    const ownStreams = skeleton.nodes.filter((n): n is RandomStream => n instanceof RandomStream);
    return { sys, factory, skeleton, streams: null, ownStreams };
  }

  /**
   * The nodes of a twin's skeleton (the size of a copy), starting one for `setup` if none is
   * spare. Off the run's path: the yardstick `copyNodes` (rare/splitting.ts) is tested against.
   */
  size(setup: TwinSetup): number {
    const t = this.take(setup);
    this.release(t);
    return t.skeleton.nodes.length;
  }

  /** A twin to copy a running simulation into: a spare one, or one started for `setup`. */
  take(setup: TwinSetup): Twin {
    return this.spare.pop() ?? this.start(setup);
  }

  /** Gives back a twin that is no longer used (it may take a copy later). */
  release(t: Twin): void {
    t.sys.observer = null;
    t.streams = null;
    if (this.spare.length < MAX_SPARE) this.spare.push(t);
  }

  private begin(sys: SystemSim, setup: TwinSetup): StreamFactory {
    const factory = new StreamFactory(setup.seed, setup.replication);
    sys.observer = null;
    sys.reset(factory, setup.warmup, setup.recorderOptions);
    sys.start();
    // What a running simulation makes on first use is made now, in the skeleton: copied in place, not afresh.
    sys.makeLazyState();
    return factory;
  }

  /**
   * Copies the state of `from` into `to` (both started for the same setup): `to`
   * continues exactly as `from` would. `from`'s observer is not copied (`to` has none).
   * Returns `to`'s random streams (also kept in `to.streams`).
   */
  copy(from: Twin, to: Twin): RandomStream[] {
    const observer = from.sys.observer;
    from.sys.observer = null;
    const streams = to.ownStreams.slice();
    try {
      copyInto(from.skeleton, to.skeleton, (c) => {
        if (c instanceof RandomStream) streams.push(c);
      });
    } finally {
      from.sys.observer = observer;
    }
    to.streams = streams;
    return streams;
  }
}
