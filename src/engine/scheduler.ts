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

/**
 * Binary min-heap of events keyed by (time, seq), stored in parallel arrays so
 * scheduling allocates nothing once the arrays have grown. (Slots past the heap's size
 * keep stale handler references until overwritten; they are never read.)
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

  // Plain arrays rather than typed arrays: a typed array's backing store is costly to
  // allocate and collect, and a scheduler lives for one short history.
  private times: number[] = [];
  private seqs: number[] = [];
  private kinds: number[] = [];
  private args: number[] = [];
  private handlers: EventHandler[] = [];
  private size = 0;
  private nextSeq = 0;
  private cancelled = new Set<number>();
  private stopped = false;

  /** Empties the calendar and sets the clock and counters back to 0 (for reuse across histories). */
  reset(): void {
    this.now = 0;
    this.processed = 0;
    this.currentId = -1;
    this.size = 0;
    this.nextSeq = 0;
    this.cancelled.clear();
    this.stopped = false;
  }

  /** Number of events in the calendar, cancelled ones included until they are popped. */
  get pending(): number {
    return this.size;
  }

  /**
   * Schedules `handler.handle(kind, arg)` after `delay` time units (>= 0).
   * Returns the event's id for `cancel`.
   */
  schedule(delay: number, handler: EventHandler, kind = 0, arg = 0): EventId {
    if (!(delay >= 0)) throw new SchedulingError(`event delay must be a number >= 0, got ${delay}`);
    return this.push(this.now + delay, handler, kind, arg);
  }

  /** Schedules an event at absolute time `time` (>= now). Returns its id. */
  scheduleAt(time: number, handler: EventHandler, kind = 0, arg = 0): EventId {
    if (!(time >= this.now)) throw new SchedulingError(`event time ${time} is before now (${this.now}) or NaN`);
    return this.push(time, handler, kind, arg);
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
    while (this.size > 0 && !this.stopped) {
      const t = this.times[0];
      if (t > until) break;
      const seq = this.seqs[0];
      const handler = this.handlers[0];
      const kind = this.kinds[0];
      const arg = this.args[0];
      this.popTop();
      if (this.cancelled.size > 0 && this.cancelled.delete(seq)) continue;
      this.now = t;
      this.currentId = seq;
      if (++this.processed > maxEvents) {
        throw new EventLimitError(`more than ${maxEvents} events in one history (at time ${t})`);
      }
      handler.handle(kind, arg);
    }
    this.currentId = -1;
    if (until !== Infinity && this.now < until && !this.stopped) this.now = until;
  }

  private push(time: number, handler: EventHandler, kind: number, arg: number): EventId {
    if (this.size === this.times.length) {
      this.times.push(0);
      this.seqs.push(0);
      this.kinds.push(0);
      this.args.push(0);
      this.handlers.push(handler);
    }
    const seq = this.nextSeq++;
    // Sift up from the end.
    let i = this.size++;
    const times = this.times;
    const seqs = this.seqs;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      this.move(p, i);
      i = p;
    }
    times[i] = time;
    seqs[i] = seq;
    this.kinds[i] = kind;
    this.args[i] = arg;
    this.handlers[i] = handler;
    return seq;
  }

  private popTop(): void {
    const last = --this.size;
    if (last === 0) return;
    const times = this.times;
    const seqs = this.seqs;
    const t = times[last];
    const s = seqs[last];
    const k = this.kinds[last];
    const a = this.args[last];
    const h = this.handlers[last];
    // Sift down from the root.
    let i = 0;
    const n = last;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (times[r] < times[c] || (times[r] === times[c] && seqs[r] < seqs[c]))) c = r;
      if (t < times[c] || (t === times[c] && s < seqs[c])) break;
      this.move(c, i);
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    this.kinds[i] = k;
    this.args[i] = a;
    this.handlers[i] = h;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.kinds[to] = this.kinds[from];
    this.args[to] = this.args[from];
    this.handlers[to] = this.handlers[from];
  }

}
