/**
 * Named, seeded random streams.
 *
 * A stream is identified by (seed, replication, name). The name is the stable path of
 * what draws from it plus the purpose, e.g. `vnfs.vMME.instances.1.app:crash:ttf`,
 * never a creation counter. So replication r draws the same numbers whether it runs
 * alone, in a pool of threads or on another machine, and the same component draws the
 * same numbers in two scenarios (common random numbers).
 *
 * The generator is seedrandom's Alea (period about 2^116). Rather than Alea's string
 * seeding (3.5 us per stream, which dominated short histories), a stream's initial
 * Alea state (three 32-bit fractions) is a hash of (seed, replication, name): the name
 * is hashed once (FNV-1a and a second FNV basis, cached) and mixed with the seed and
 * replication through murmur3's 32-bit finalizer. The step runs on the stream's own
 * fields (the same numbers as seedrandom.alea from that state, checked by a test), so a
 * stream is re-seeded in place for the next replication. There is no global generator:
 * every draw goes through a stream.
 */

/** 2^-32, exactly: turns a 32-bit word into Alea's fraction. */
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const NAME_HASHES = new Map<string, [number, number]>();

/** The two 32-bit hashes of a stream name (cached); pass them to `StreamFactory.streamHashed` to skip the lookup. */
export function nameHash(name: string): [number, number] {
  let h = NAME_HASHES.get(name);
  if (!h) {
    h = [fnv1a(name, 0x811c9dc5), fmix32(fnv1a(name, 0x6c62272e))];
    if (NAME_HASHES.size > 1_000_000) NAME_HASHES.clear();
    NAME_HASHES.set(name, h);
  }
  return h;
}

/** The initial Alea state for (seed, replication, name): three fractions in (0, 1). */
export function streamState(seed: number, replication: number, name: string, hash: readonly [number, number] = nameHash(name)): { c: number; s0: number; s1: number; s2: number } {
  const mix = seedMixOf(seed);
  return { c: 1, s0: stateWord(hash[0], hash[1], mix, replication, 0), s1: stateWord(hash[0], hash[1], mix, replication, 1), s2: stateWord(hash[0], hash[1], mix, replication, 2) };
}

/** The seed's contribution to every stream state (see streamState). */
function seedMixOf(seed: number): number {
  return fmix32((seed >>> 0) ^ fmix32(Math.floor(seed / 4294967296) + 0x9e3779b9));
}

/** Word j (0..2) of the initial state of (seed, replication, name hash), as a fraction in (0, 1). */
function stateWord(a: number, b: number, seedMix: number, replication: number, j: number): number {
  return finishWord(nameSeedWord(a, b, seedMix, j), replicationMix(replication, j)) * TWO_POW_MINUS_32;
}

/** The part of word j that depends on the name hash (a, b) and the seed only (kept per stream). */
function nameSeedWord(a: number, b: number, seedMix: number, j: number): number {
  let x = fmix32(a ^ Math.imul(j + 1, 0x9e3779b9));
  x = fmix32(x ^ b);
  return fmix32(x ^ seedMix);
}

/** The replication's contribution to word j (the same for every stream of the replication). */
function replicationMix(replication: number, j: number): number {
  return fmix32((replication >>> 0) + Math.imul(j + 1, 0x85ebca6b));
}

/** Word j from its name-and-seed part and its replication part, as an integer in [1, 2^32). */
function finishWord(nameSeed: number, repMix: number): number {
  return fmix32(nameSeed ^ repMix) || 1;
}

/** The replication parts of the last replication asked for (streams are re-seeded a replication at a time). */
const lastReplication = { replication: NaN, mix: [0, 0, 0] };

/** replicationMix(replication, 0..2), cached for the last replication. */
function replicationMixes(replication: number): number[] {
  const c = lastReplication;
  if (c.replication !== replication) {
    for (let j = 0; j < 3; j++) c.mix[j] = replicationMix(replication, j);
    c.replication = replication;
  }
  return c.mix;
}

/**
 * One independent sequence of uniform numbers: seedrandom's Alea step, run on this
 * object's own fields. It gives exactly the numbers of `seedrandom.alea('', { state })`
 * started from `streamState(seed, replication, name)` (a test checks them bit for bit),
 * but can be re-seeded in place: a component keeps its streams from one replication to
 * the next instead of allocating new generators (which cost more, in allocation and
 * garbage collection, than a short history).
 */
export class RandomStream {
  /**
   * Alea's state: the carry `c` (an integer below 2091640) and the three words, each
   * Alea's fraction times 2^32 (an integer in [0, 2^32)) kept as a signed 32-bit
   * integer (`| 0`; read back with `>>> 0`). Whole numbers of 32 bits are small
   * integers to V8 (64-bit Node), held in the object itself, where fractions would each
   * be a number object of its own: the step then reads and writes one object instead
   * of five, which matters when a large model's thousands of streams do not fit the
   * cache. The step's arithmetic is exact either way (see `advance`).
   */
  private c = 1;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  /**
   * A number for the stream's single owner (-1 until it sets one), e.g. which of its
   * histories the stream was last seeded for; the stream itself never reads it. On the
   * stream, next to the state words a draw reads, so that the owner's check loads what
   * the draw loads anyway.
   */
  mark = -1;
  private hashA = 0;
  private hashB = 0;
  /** The seed `ns0`..`ns2` are for (NaN: none yet). */
  private nsSeed = NaN;
  // The name-and-seed parts of the three state words (see nameSeedWord).
  private ns0 = 0;
  private ns1 = 0;
  private ns2 = 0;

  /**
   * @param name the stream's name
   * @param seed the run's seed
   * @param replication the replication index
   * @param hash the name's hashes (nameHash(name)), when already known
   */
  constructor(
    readonly name: string,
    public seed = 0,
    public replication = 0,
    hash: readonly [number, number] = nameHash(name),
  ) {
    this.hashA = hash[0];
    this.hashB = hash[1];
    this.reseed(seed, replication);
  }

  /**
   * Restarts the stream at the beginning of (seed, replication, its name): the state of
   * `streamState`, with the parts that do not change between replications kept. Allocates
   * nothing.
   */
  reseed(seed: number, replication: number): void {
    this.seed = seed;
    this.replication = replication;
    if (seed !== this.nsSeed) {
      const mix = seedMixOf(seed);
      this.ns0 = nameSeedWord(this.hashA, this.hashB, mix, 0);
      this.ns1 = nameSeedWord(this.hashA, this.hashB, mix, 1);
      this.ns2 = nameSeedWord(this.hashA, this.hashB, mix, 2);
      this.nsSeed = seed;
    }
    const r = replicationMixes(replication);
    this.c = 1;
    this.s0 = finishWord(this.ns0, r[0]) | 0;
    this.s1 = finishWord(this.ns1, r[1]) | 0;
    this.s2 = finishWord(this.ns2, r[2]) | 0;
  }

  /**
   * Alea's step: draws the next uniform number, which `u` then reads (from the new state).
   * Hot paths call this and read `u`: a double returned from a call that is not inlined
   * is boxed, an allocation per draw.
   */
  advance(): void {
    // Alea's t = 2091639 s0 + c 2^-32 is T / 2^32 with the integer T = 2091639 S0 + c
    // (S0 = s0 2^32), below 2^53: exact in a double, as Alea's own t is. Its new carry
    // floor(t) is floor(T / 2^32), its new word t - floor(t) is (T mod 2^32) / 2^32.
    const t = 2091639 * (this.s0 >>> 0) + this.c;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.s2 = t | 0; // T mod 2^32, as a signed 32-bit integer
    this.c = (t * TWO_POW_MINUS_32) | 0; // floor(T / 2^32)
  }

  /** The number the last `advance` drew, in [0, 1): Alea's fraction, the last word over 2^32 (exact). */
  get u(): number {
    return (this.s2 >>> 0) * TWO_POW_MINUS_32;
  }

  /** Draws a uniform number in [0, 1) with 32 bits of resolution. */
  next(): number {
    this.advance();
    return this.u;
  }

  /**
   * Draws a standard exponential number (mean 1) by the ziggurat (see `drawExponential`).
   * An exponential law of mean m is m times this draw: every exponential clock in nfvsim
   * is drawn so, whatever its mean, so a stream gives the same sequence of standard
   * draws in two scenarios that differ only in a mean (common random numbers, as with
   * the inverse CDF used before).
   */
  exponential(): number {
    this.drawExponential();
    return this.e;
  }

  /**
   * The standard exponential number the last `drawExponential` drew. A field of its own,
   * written in place (a double from the start, so V8 keeps it as one): a double returned
   * from a call V8 does not inline (the event loop's inlining budget runs out) would be a
   * new heap number per draw.
   */
  e = 0.5;

  /**
   * Draws a standard exponential number into `e`: the ziggurat of Marsaglia and Tsang
   * (2000), 256 strips of equal area: 97.8% of draws are one 32-bit word of the stream, a
   * table look-up and a product (98.9% of words are accepted, the rest drawn again).
   * The word's low 8 bits choose a strip i, its high 24 bits j a point (j + 1/2) w_i in it
   * (w_i: the strip's width over 2^24); a point left of the strip above (j < k_i) is the
   * draw. Otherwise `exponentialRest` finishes exactly: the base strip's tail (r + a new
   * exponential, r = 7.697), or the wedge's test against exp(-x), or a new draw. The law
   * is exactly exponential but for the 24-bit grid of points (spacing at most 5.2e-7 of
   * the mean, in the base strip; the half step keeps the grid's mean unbiased).
   */
  drawExponential(): void {
    this.advance();
    const w = this.s2 >>> 0;
    const i = w & 255;
    const j = w >>> 8;
    if (j < ZIG_K[i]!) this.e = (j + 0.5) * ZIG_W[i]!;
    else exponentialRest(this, i, j);
  }

  /** The stream's identity, `seed:replication:name`. */
  get key(): string {
    return `${this.seed}:${this.replication}:${this.name}`;
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
   * @param replication the replication's index, 0-based (changed only by `rekey`)
   */
  constructor(
    public seed: number,
    public replication: number,
  ) {}

  /**
   * From now on, streams made or first seeded by this factory start at (seed, replication)
   * (splitting re-keys a copy of a simulation at a level crossing: src/rare/splitting.ts).
   */
  rekey(seed: number, replication: number): void {
    this.seed = seed;
    this.replication = replication;
  }

  /** The stream called `name` in this replication. Creating it twice gives two identical streams. */
  stream(name: string): RandomStream {
    return new RandomStream(name, this.seed, this.replication);
  }

  /** The same as `stream(name)`, with the name's hashes precomputed by `nameHash(name)`. */
  streamHashed(name: string, hash: readonly [number, number]): RandomStream {
    return new RandomStream(name, this.seed, this.replication, hash);
  }
}

/**
 * The ziggurat's tables for the standard exponential density exp(-x) (Marsaglia and Tsang,
 * "The Ziggurat Method for Generating Random Variables", Journal of Statistical Software
 * 5(8), 2000: their `zigset`, with 24-bit points). 256 strips of area ZIG_V each: strip 0
 * is the base (the rectangle [0, r) x [0, exp(-r)) and the tail beyond r), strip i >= 1
 * the rectangle [0, x_i) x [exp(-x_i), exp(-x_{i-1})), x_255 = r > x_254 > ... > x_1 > x_0 = 0.
 */
const ZIG_R = 7.69711747013104972;
/** The area of each strip (256 ZIG_V = 1.0111: the draw is rejected 1.1% of the time). */
const ZIG_V = 3.949659822581572e-3;
/** k_i: the points j < k_i of strip i lie under the strip above (accepted at once). */
const ZIG_K = new Uint32Array(256);
/** w_i: strip i's width over 2^24 (the point j is (j + 1/2) w_i). */
const ZIG_W = new Float64Array(256);
/** f_i = exp(-x_i): the density at strip i's right edge (f_0 = 1, the top). */
const ZIG_F = new Float64Array(256);
{
  const m = 16777216; // 2^24 points per strip
  let x = ZIG_R;
  let wider = x;
  const q = ZIG_V / Math.exp(-x); // the base strip's width, rectangle and tail together
  ZIG_K[0] = Math.floor((x / q) * m);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[255] = x / m;
  ZIG_F[0] = 1;
  ZIG_F[255] = Math.exp(-x);
  for (let i = 254; i >= 1; i--) {
    x = -Math.log(ZIG_V / x + Math.exp(-x));
    ZIG_K[i + 1] = Math.floor((x / wider) * m);
    wider = x;
    ZIG_F[i] = Math.exp(-x);
    ZIG_W[i] = x / m;
  }
}

/**
 * The ziggurat, for tests: r, v, for each strip k_i, w_i and f_i, and `rest`, the slow
 * path (`exponentialRest`: its draw after the word (i, j) missed strip i's rectangle).
 */
export const ZIGGURAT = {
  r: ZIG_R,
  v: ZIG_V,
  k: ZIG_K,
  w: ZIG_W,
  f: ZIG_F,
  rest: (rng: RandomStream, i: number, j: number): number => {
    exponentialRest(rng, i, j);
    return rng.e;
  },
} as const;

/**
 * The rest of `drawExponential` after the word (i, j) fell outside strip i's rectangle
 * under the strip above: exact; the draw goes to `rng.e` (a double returned from this call,
 * which V8 does not inline, was a new heap number per slow draw). A point rejected in a
 * wedge starts the draw again from a new word (`drawExponential`).
 */
function exponentialRest(rng: RandomStream, i: number, j: number): void {
  // The base strip beyond r: the tail, r plus a (memoryless) exponential.
  if (i === 0) {
    rng.e = ZIG_R - Math.log(rng.nextOpen());
    return;
  }
  const x = (j + 0.5) * ZIG_W[i]!;
  // The wedge: a uniform height in the strip, under the density or not.
  if (ZIG_F[i]! + rng.next() * (ZIG_F[i - 1]! - ZIG_F[i]!) < Math.exp(-x)) rng.e = x;
  else rng.drawExponential();
}
