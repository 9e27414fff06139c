/**
 * The event calendar of the discrete-event kernel. It knows nothing of NFV: it
 * orders callbacks in time and hands them to their handlers.
 *
 * Contract:
 * - Events are ordered by (time, sequence number). The sequence number is assigned at
 *   scheduling time and strictly increases, so two events at the same time run in the
 *   order they were scheduled, never in an order the heap happens to produce.
 * - Time is a plain number (the simulator uses seconds); it never decreases.
 * - `cancel` is lazy: the event stays in the heap and is skipped when popped.
 * - A negative or NaN delay, or a time in the past, throws a SchedulingError.
 */

/** Receives the events scheduled for it. One method, so call sites stay monomorphic. */
export interface EventHandler {
  /** Called when an event for this handler is due. `kind` and `arg` are the values given at scheduling. */
  handle(kind: number, arg: number): void;
}

/** Thrown on misuse of the scheduler (negative / NaN delay, time in the past). */
export class SchedulingError extends Error {
  override name = 'SchedulingError';
}

/** Thrown by `run` when the number of processed events exceeds the configured cap. */
export class EventLimitError extends Error {
  override name = 'EventLimitError';
}

/** Identifier of a scheduled event (its sequence number), used to cancel it. */
export type EventId = number;

/** Initial capacity of the heap and slot arrays (they double when full). */
const INITIAL_CAPACITY = 64;

/** A Float64Array of `n` entries holding a copy of `a` (n >= a.length). */
function grownF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** An Int32Array of `n` entries holding a copy of `a` (n >= a.length). */
function grownI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * Binary min-heap of events keyed by (time, seq). The heap holds only each event's time
 * and the number of its slot; an event's seq, kind, argument and handler sit in slot
 * arrays that the sifts do not move, and slots are reused through a free list, so
 * scheduling allocates nothing once the arrays have grown. Times, slots, seqs, kinds
 * and arguments live in typed arrays (doubling when full).
 *
 * The event being handled stays at the root of the heap until its handler returns: the
 * first event the handler schedules replaces it with one sift-down ("replace top"), the
 * common case of a component that always has exactly one pending event, instead of a
 * sift-down to remove it and a sift-up to add the new one. Events still leave in
 * (time, seq) order, a total order, so the order is that of any other heap.
 */
export class Scheduler {
  /** Current simulation time. */
  now = 0;
  /** Number of events handled so far (cancelled events are not counted). */
  processed = 0;
  /**
   * Id of the event being handled (-1 outside `run`). A handler that keeps the id of the
   * one event it expects can ignore stale ones by comparing with this, instead of
   * calling `cancel` (cheaper on hot paths).
   */
  currentId: EventId = -1;

  // The heap: times and slot numbers, `size` entries in use.
  private heapT = new Float64Array(INITIAL_CAPACITY);
  private heapS = new Int32Array(INITIAL_CAPACITY);
  private size = 0;
  /** True while the root is the event being handled: the next push replaces it. */
  private topConsumed = false;
  // Slots, indexed by slot number: seqs and arguments in plain arrays, so that they stay
  // small integers (unboxed, and read back as such by handlers) and become doubles only if
  // they must; kinds (32-bit integers) in a typed array.
  private seqs: number[] = [];
  private kinds = new Int32Array(INITIAL_CAPACITY);
  private args: number[] = [];
  private handlers: EventHandler[] = [];
  /** Free slots, a stack of `freeCount` entries (as long as the slots at least). */
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  /** Slots in use or on the free list; the arrays may be longer (kept across resets). */
  private slotCount = 0;
  private nextSeq = 0;
  private cancelled = new Set<number>();
  private stopped = false;

  /** Empties the calendar and sets the clock and counters back to 0 (for reuse across histories). */
  reset(): void {
    this.now = 0;
    this.processed = 0;
    this.currentId = -1;
    this.size = 0;
    this.topConsumed = false;
    this.nextSeq = 0;
    this.freeCount = 0;
    this.slotCount = 0;
    // Only when it holds something: clearing a Set gives it a new table (an allocation per history).
    if (this.cancelled.size > 0) this.cancelled.clear();
    this.stopped = false;
  }

  /** Number of events in the calendar, cancelled ones included until they are popped. */
  get pending(): number {
    return this.topConsumed ? this.size - 1 : this.size;
  }

  /**
   * Schedules `handler.handle(kind, arg)` after `delay` time units (>= 0).
   * Returns the event's id for `cancel`.
   */
  schedule(delay: number, handler: EventHandler, kind = 0, arg = 0): EventId {
    this.delay = delay;
    return this.scheduleDelay(handler, kind, arg);
  }

  /**
   * The delay `scheduleDelay` uses. Hot paths set it and call `scheduleDelay`, so that the
   * delay (a double) travels in a field: passed as an argument to a call that is not
   * inlined, it would be boxed, a heap allocation per event.
   */
  delay = 0.5;

  /** `schedule(this.delay, handler, kind, arg)`: see `delay`. */
  scheduleDelay(handler: EventHandler, kind = 0, arg = 0): EventId {
    const delay = this.delay;
    if (!(delay >= 0)) throw new SchedulingError(`event delay must be a number >= 0, got ${delay}`);
    // The time travels in a field too (see `pushTime`).
    this.pushTime = this.now + delay;
    return this.push(handler, kind, arg);
  }

  /** Schedules an event at absolute time `time` (>= now). Returns its id. */
  scheduleAt(time: number, handler: EventHandler, kind = 0, arg = 0): EventId {
    if (!(time >= this.now)) throw new SchedulingError(`event time ${time} is before now (${this.now}) or NaN`);
    this.pushTime = time;
    return this.push(handler, kind, arg);
  }

  /** Cancels a scheduled event. Cancelling an event that already ran or was cancelled is a no-op. */
  cancel(id: EventId): void {
    if (id >= 0 && id < this.nextSeq) this.cancelled.add(id);
  }

  /** Stops `run` after the event being handled. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs events in order until the calendar is empty, `stop` is called, or the next
   * event lies beyond `until` (the clock is then set to `until`). Events at exactly
   * `until` are run. With `maxEvents`, throws EventLimitError once that many events
   * have been handled in total.
   */
  run(until = Infinity, maxEvents = Infinity): void {
    this.stopped = false;
    // A handler that threw left its event at the root.
    this.dropConsumedTop();
    this.eventCap = maxEvents;
    this.loop(until);
    this.currentId = -1;
    if (until !== Infinity && this.now < until && !this.stopped) this.now = until;
  }

  /**
   * The event loop of `run`. A function of its own, ending at the loop: V8 compiles a long
   * loop on the fly (on-stack replacement) before the code after it has ever run, and code
   * compiled so left the function at that code at the end of every history (a deoptimization
   * per history, the next history starting in the interpreter).
   */
  private loop(until: number): void {
    const maxEvents = this.eventCap;
    while (this.size > 0) {
      const t = this.heapT[0];
      if (t > until) return;
      const slot = this.heapS[0];
      const seq = this.seqs[slot];
      if (this.cancelled.size > 0 && this.cancelled.delete(seq)) {
        this.free[this.freeCount++] = slot;
        this.popTop();
        continue;
      }
      this.now = t;
      this.currentId = seq;
      if (++this.processed > maxEvents) {
        this.free[this.freeCount++] = slot;
        this.popTop();
        throw new EventLimitError(`more than ${maxEvents} events in one history (at time ${t})`);
      }
      // The event stays at the root while it is handled (see the class comment); its slot
      // is the one the first event the handler schedules takes (`push`).
      this.topConsumed = true;
      this.handlers[slot].handle(this.kinds[slot], this.args[slot]);
      if (this.topConsumed === true) {
        this.topConsumed = false;
        this.free[this.freeCount++] = slot;
        this.popTop();
      }
      if (this.stopped === true) return;
    }
  }

  /**
   * The `maxEvents` of the running `run`, kept in a field that has held a double
   * (Infinity) from the start, so that V8 reads it as a double whatever it holds: passed as
   * an argument, a whole number (a pilot's cap) taught the optimised loop to expect a small
   * integer, and the first uncapped run (Infinity) threw the loop out of its optimised code.
   */
  private eventCap = Infinity;

  /** Removes the root if it is the event just handled and nothing replaced it. */
  private dropConsumedTop(): void {
    if (this.topConsumed) {
      this.topConsumed = false;
      this.free[this.freeCount++] = this.heapS[0];
      this.popTop();
    }
  }

  /** The time of the event `push` adds: a field, not an argument, so a double is not boxed per event. */
  private pushTime = 0.5;

  private push(handler: EventHandler, kind: number, arg: number): EventId {
    const seq = this.nextSeq++;
    // Replacing the event being handled (the root): its slot, else a free or a new one.
    // `=== true`: V8 reads a boolean field as any value, and a bare test of it checks for
    // every falsy kind (an empty string, a number, a bigint) before it finds `true`.
    const replace = this.topConsumed === true;
    const slot = replace ? this.heapS[0] : this.freeCount > 0 ? this.free[--this.freeCount] : this.newSlot(handler);
    this.seqs[slot] = seq;
    this.kinds[slot] = kind;
    this.args[slot] = arg;
    // Mostly the handler already there (a component scheduling its own next event): the
    // store, and its write barrier, only when it changes.
    if (this.handlers[slot] !== handler) this.handlers[slot] = handler;
    if (replace) {
      // It takes the root's place and sifts down.
      this.topConsumed = false;
      this.siftTime = this.pushTime;
      this.siftDown(slot, this.size);
    } else this.siftUp(slot);
    return seq;
  }

  /** A slot not used yet in this history (the slot arrays grow when full); `handler` fills a new entry of `handlers`. */
  private newSlot(handler: EventHandler): number {
    const slot = this.slotCount++;
    if (slot === this.seqs.length) {
      this.seqs.push(0);
      this.args.push(0);
      this.handlers.push(handler);
    }
    if (slot === this.kinds.length) this.kinds = grownI32(this.kinds, 2 * slot);
    if (slot === this.free.length) this.free = grownI32(this.free, 2 * slot);
    return slot;
  }

  /** Adds the event of slot `slot` (time `pushTime`) at the end of the heap and sifts it up. */
  private siftUp(slot: number): void {
    const time = this.pushTime;
    if (this.size === this.heapT.length) {
      this.heapT = grownF64(this.heapT, 2 * this.size);
      this.heapS = grownI32(this.heapS, 2 * this.size);
    }
    const ht = this.heapT;
    const hs = this.heapS;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ht[p];
      // Ties go by seq: the new event has the largest seq, so it stays below an equal time.
      if (pt <= time) break;
      ht[i] = pt;
      hs[i] = hs[p];
      i = p;
    }
    ht[i] = time;
    hs[i] = slot;
  }

  /** Removes the root: the last entry takes its place and sifts down. */
  private popTop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.siftTime = this.heapT[last];
    this.siftDown(this.heapS[last], last);
  }

  /** The time of the event `siftDown` places: a field, not an argument (see `pushTime`). */
  private siftTime = 0.5;

  /** Puts the event of slot `sl` (time `siftTime`) at the root of a heap of `n` entries and sifts it down. */
  private siftDown(sl: number, n: number): void {
    const ht = this.heapT;
    const hs = this.heapS;
    const seqs = this.seqs;
    const t = this.siftTime;
    const s = seqs[sl];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let tc = ht[c];
      if (c + 1 < n) {
        const tr = ht[c + 1];
        // The earlier child, without a branch on which it is (`+(tr < tc)` is 0 or 1: a
        // comparison whose outcome is a coin toss costs a mispredicted jump at every level
        // when it is a branch). Equal times, rare, go by sequence number.
        if (tr === tc) {
          if (seqs[hs[c + 1]] < seqs[hs[c]]) c++;
        } else {
          c += +(tr < tc);
          tc = ht[c];
        }
      }
      if (t < tc || (t === tc && s < seqs[hs[c]])) break;
      ht[i] = tc;
      hs[i] = hs[c];
      i = c;
    }
    ht[i] = t;
    hs[i] = sl;
  }
}
