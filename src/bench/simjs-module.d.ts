/**
 * Types of the part of SIM.JS 2.0.3 (npm `simjs`, which ships none) that the bench's
 * reference loop uses (simjs.ts): the simulator, entities and their timers, and the
 * seeded generator. Times are in the model's unit (the bench uses hours).
 *
 * Note: the published package is a browserify bundle that, under Node, exports nothing
 * (it only assigns `window.Sim` when a global `window` exists); simjs.ts loads it
 * accordingly and uses these declarations as types only.
 */
declare module 'simjs' {
  /** A pending event: a timer or a request, delivered by `Sim.simulate` at `deliverAt`. */
  export class Request {
    /** Simulated time at which it is delivered. */
    deliverAt: number;
    /** Calls `callback` (with `this` = `context`, else the entity) when the request is delivered. */
    done(callback: () => void, context?: object, argument?: unknown): Request;
    /** Cancels the request: it is skipped when its time comes. */
    cancel(): void;
  }

  /** The simulator: a clock and a calendar of requests. */
  export class Sim {
    constructor();
    /** The current simulated time. */
    time(): number;
    /**
     * Creates `new Klass(this, name)`, then calls its `start(...args)`; returns the entity.
     * `Klass.prototype` must have a `start` method.
     */
    addEntity<T extends Entity, A extends unknown[]>(Klass: new (sim: Sim, name?: string) => T & { start(...args: A): void }, name?: string, ...args: A): T;
    /** Delivers the requests due at times up to `endTime`, in time order; then finalizes the entities. */
    simulate(endTime: number, maxEvents?: number): boolean;
  }

  /** An actor of the model: subclasses define `start()`, and act through timers and requests. */
  export class Entity {
    constructor(sim: Sim, name?: string);
    /** The simulator the entity belongs to. */
    sim: Sim;
    /** The entity's name (given, else the class name and a number). */
    name: string;
    /** The current simulated time. */
    time(): number;
    /** A request delivered `duration` time units from now. */
    setTimer(duration: number): Request;
  }

  /** SIM.JS's generator: a Mersenne Twister (MT19937) and variates drawn from it. */
  export class Random {
    /** `seed`: an integer (default: the clock). */
    constructor(seed?: number);
    /** A number in [0, 1), 32 bits of resolution. */
    random(): number;
    /** An exponential variate of rate `lambda` (mean 1 / lambda): -ln(random()) / lambda. */
    exponential(lambda: number): number;
  }
}
