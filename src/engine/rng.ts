/**
 * Named, seeded random streams.
 *
 * A stream is identified by (seed, replication, name). The name is the stable path of
 * what draws from it plus the purpose, e.g. `vnfs.vMME.instances.1.app:crash:ttf`,
 * never a creation counter. So replication r draws the same numbers whether it runs
 * alone, in a pool of threads or on another machine, and the same component draws the
 * same numbers in two scenarios (common random numbers).
 *
 * The generator is seedrandom's Alea (fast to create and to draw from; period about
 * 2^116). There is no global generator: every draw goes through a stream.
 */
import seedrandom from 'seedrandom';

/** One independent sequence of uniform numbers. */
export class RandomStream {
  /** Draws a uniform number in [0, 1) with 32 bits of resolution. */
  readonly next: () => number;

  /** @param key the full identity of the stream, `seed:replication:name`. */
  constructor(readonly key: string) {
    this.next = seedrandom.alea(key) as unknown as () => number;
  }

  /** A uniform number in (0, 1]: safe to take the logarithm of. */
  nextOpen(): number {
    return 1 - this.next();
  }
}

/** Hands out the streams of one replication of one seed. */
export class StreamFactory {
  /**
   * @param seed the run's seed (any integer)
   * @param replication the replication's index, 0-based
   */
  constructor(
    readonly seed: number,
    readonly replication: number,
  ) {}

  /** The stream called `name` in this replication. Creating it twice gives two identical streams. */
  stream(name: string): RandomStream {
    return new RandomStream(`${this.seed}:${this.replication}:${name}`);
  }
}
