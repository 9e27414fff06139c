/**
 * `nfvsim analyze`: the exact continuous-time Markov chain of a topology whose delays
 * are all exponential (or zero), built from the instantiated SystemModel and solved for
 * its steady state.
 *
 * The chain is not a separate model of the system: its transitions are computed by
 * running the simulator's rules on a discrete state, one event at a time. A tangible
 * state holds, for every component, whether it is up, supported, restarting or failed
 * (in which mode, holding a crew or queued for one, in which step of a controller's
 * repair), the FIFO queue of each crew pool, and per group its mechanism's own `state`
 * (plain data) and armed timers. From a tangible state every running exponential clock
 * (a failure mode of an up component, a repair, a restart, an armed timer of a
 * mechanism: a detection, a fence, a switchover, an election...) is a transition at its
 * rate. Zero delays are queued and run in the simulator's order (first scheduled, first
 * run: the scheduler orders equal times by scheduling order); random choices (coverage,
 * fencing success, supervision success) branch with their probabilities. Because every
 * clock is exponential, nothing else needs remembering (memorylessness), so the chain is
 * exact.
 *
 * Where the rules come from:
 * - Group mechanisms: their own code (mechanisms/*.ts), not a copy. Each group's
 *   registered mechanism is built once per block in a MechanismHost, whose context turns
 *   timers into clocks of the World being resolved, chances into branches (World.chance)
 *   and choices by index into checked picks (World.pick); the mechanism's `state` is
 *   pointed at the World's copy before each call (see mechanisms/types.ts).
 * - Controllers: attached like the simulation attaches them (attachControllers), with a
 *   control offering `takeRepair`, `delay`, streams and counters; the steps a controller
 *   lays out for a repair run as successive clocks. Parts a controller cannot offer that
 *   way are refused with the reasons its `unanalyzable` gives.
 * - Components: sim/system.ts's ComponentSim itself, through ChainComponent, which
 *   replaces only its timing (failure modes are clocks while it is up; a repair, a
 *   controller's repair step or a restart is its one clock). Crews are its CrewPool. A
 *   World loads the chain state into these objects before an event and saves it after.
 * What this file keeps of its own is what only the chain needs: blocks, lumping, the
 * exponential reading of delays, the solution, and reading a service's figures off its
 * groups (up when the mechanism says so and every required group is up; a service when
 * its whole chain is), which GroupSim and ServiceSim keep incrementally. A service given
 * by an expression is read with model/logic.ts, the code ServiceSim runs: each block
 * records the pattern of the expression's leaves in it (which are up) per state and the
 * patterns each transition goes through, and combineLogic multiplies the independent
 * blocks' pattern probabilities through the expression. A redundant set is its own
 * ComponentSim rule, with its members in use saved in the state. An instance that needs
 * side components (`needs`) has the simulation's InstanceGate between its top component
 * and its group; what the gate last told follows from the state (`sync` on load), and
 * the side components are in the instance's block.
 *
 * Steady state: sparse GTH elimination (ctmc.ts), unavailability summed over the down
 * states, and the residual sum |pi Q| / sum pi q reported per block.
 *
 * Decomposition. Groups (VNFs, VIM services) are split into blocks that share no
 * component instance, host, rack, site or shared element (a component and what runs on
 * it are in one block), no repair crew pool, no common-cause clock, and no mechanism
 * dependency (load balancer, broker);
 * evacuation (which moves instances and needs the VIM) is refused. A component that
 * can never go down (no failure mode in it or below it) is a constant and couples
 * nothing: groups on a host whose stack never fails are independent. Blocks are then
 * stochastically independent: their clocks and state never interact. So the
 * availability of a service is the product over blocks of the probability that the
 * chain members in that block are all up, and its outage frequency (up -> down
 * transitions per unit time) is sum over blocks of (the block's up -> down rate) x
 * (the product of the other blocks' availabilities): two independent blocks never
 * change state at the same instant.
 *
 * Common causes. A shared element (SAN, link) is one more support of the hardware of
 * the hosts that depend on it: those are in its children, and a component with shared
 * dependencies comes back only when its parent and every one of them are up (the
 * simulator's count of down supports). A common-cause clock (`beta`, `common` on a
 * failure mode) runs in calendar time, so it is a transition out of every state: it
 * fails every component of its type that is up, in model order; it couples all of them
 * into one block. A mode that fires only through its common clock has no clock of its
 * own. A non-exponential `common` clock is refused (or approximated) like any delay.
 *
 * Lumping (`lump`, default on). Symmetric replicas make states that differ only by which
 * replica is in which condition; they are merged (strong lumpability under a permutation
 * group), which changes no result. The permuted objects are units: the subtree of a root
 * component of a block (a host's lowest failing layer, or its rack when each rack holds
 * one host) with every instance on it. Units are interchangeable, in one class, when
 * their trees have the same components in the same order (layer, failure modes and their
 * rates, restart, crew pool, supervision, group, the positions of the side components an
 * instance needs). A unit holding an instance without its side components, or side
 * components without their instance (a host that never fails), is in no class. A unit with a shared element or a
 * dependency on one, or a component failed by a common-cause clock, is in no class: the
 * simulator fails a common cause's components, and returns a shared parent's children, in
 * model order, which a permutation does not preserve; so hosts under one failing rack are
 * not lumped either. A state is put in canonical form by sorting the units of each class
 * by their state (component states, places in the crews' FIFO queues, and per instance
 * what its mechanism's `shape` declares: per-instance fields and timers, and whether each
 * instance reference, such as the active, the switchover target or the leader, points at
 * it), renumbering the queues and those references with them. What
 * remains order-sensitive is the simulator's choice by index (the first standby not known
 * down, the first instance up after a manual recovery, the first member up as leader):
 * it is allowed only among instances on units in identical states (then every choice
 * leads to the same lumped state); otherwise the class is dropped and the block explored
 * again. `statesUnlumped` sums the orbit sizes of the lumped states, per class m! over
 * the product of the factorials of the numbers of identical units: the states of the
 * unlumped chain, except that it may miss some renumbered states that the choice by index
 * never reaches (a 2-of-3 quorum never elects its third member while another is up).
 *
 * What is counted as an outage is what the simulator's recorder counts: a period of
 * positive length with the service down. A failure that takes the service down and up
 * again in zero time (all-zero detection and switchover) is not an outage; a service
 * that comes up and goes down again at the same instant starts a new one.
 *
 * What is refused, with a message naming the part: non-exponential delays (unless
 * `approximate`, which replaces each by an exponential of the same mean and lists it),
 * the parts controllers declare unanalyzable (evacuation and replica sets, maintenance
 * and upgrade calendars, crash-loop windows of supervision), a block with more states
 * than the limit. A delay is resolved when it is made: a mechanism's delays when it is
 * built (before anything is explored), except one it makes only when first needed (the
 * standby check of an active/passive group, at the first silent standby failure), which
 * is refused after exploring if it is not exponential. Lost beats (spurious detections)
 * need beats, which are never exponential: with `approximate` the time to a spurious
 * detection and the interval a spuriously removed instance stays out of rotation are
 * exponentials of their means.
 */
import { Never, type Distribution } from '../engine/distributions.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import { formatDuration, YEAR } from '../engine/units.js';
import type { ComponentModel, FunctionModel, SystemModel } from '../model/build.js';
import { LAYERS } from '../model/schema.js';
import { logicUp, type LogicModel } from '../model/logic.js';
import type { Scheduler } from '../engine/scheduler.js';
import { ComponentSim, CrewPool, InstanceGate, NOTICED, REPAIR_DONE, RESTART_DONE, type ComponentHost, type SumPlan } from '../sim/system.js';
import { CONTROLLERS, MECHANISMS } from '../mechanisms/registry.js';
import { DistDelay, type Delay, type DelayPath, type FailureCause, type GroupMechanism, type MechanismContext, type MechanismShape, type RepairPlan, type RepairTaker, type SystemControl } from '../mechanisms/types.js';
import { CostHeap } from './heap.js';
import { FillError, residual as ctmcResidual, StiffChainError, steadyStateSparse, transientDistribution, type Ctmc } from './ctmc.js';

/** Default limit on the states of one block. */
export const DEFAULT_MAX_STATES = 200_000;

/** Options of `analyzeModel`. */
export interface AnalyzeOptions {
  /** Replace each non-exponential delay by an exponential of the same mean (listed in `approximations`). Default false. */
  approximate?: boolean;
  /** Refuse a block that needs more states than this (lumped states when lumping). Default DEFAULT_MAX_STATES. */
  maxStates?: number;
  /** Merge states that differ only by a permutation of interchangeable units (see the top of markov.ts); the results are the same. Default true. */
  lump?: boolean;
  /**
   * Also the transient figures from everything new and up at time 0 (the simulator's
   * start), at these times (seconds, ascending, >= 0): each service's point availability
   * A(t) and mission reliability R(t) = P(no outage in [0, t]) (see ServiceAnalysis.transient).
   */
  times?: readonly number[];
  /**
   * Leave out the states whose likeliest path from everything up is taken with a
   * probability below this (0 < truncate < 1; default: every reachable state): each block
   * is explored likeliest first (LikeliestFirst) and the states left out become one
   * (Truncated); the figures then come with an estimate of what was left out
   * (BlockResult.truncation, ServiceAnalysis.truncation) and `exact` is false. A block
   * with nothing beyond the cut-off is solved whole, as without it.
   */
  truncate?: number;
}

/** One non-exponential delay replaced by an exponential of the same mean (with `approximate`). */
export interface Approximation {
  /** Where it is in the topology, e.g. `components.server.repair` or `vnfs.vMME.ha.detector (heartbeat beats)`. */
  where: string;
  /** The original distribution, e.g. `lognormal(mean 3600 s, cv 1)`. */
  original: string;
  /** The mean kept (seconds). */
  meanSeconds: number;
}

/** One independent block and its chain. */
export interface BlockResult {
  /** A description: its groups and their hosts. */
  name: string;
  /** Names of its groups (VNFs, VIM services). */
  groups: string[];
  /** Names of the hosts its groups run on. */
  hosts: string[];
  /** Tangible states of its chain as solved (lumped states when lumping). */
  states: number;
  /** States of the unlumped chain: the sum over the lumped states of their orbit sizes (equal to `states` without lumping or symmetry). */
  statesUnlumped: number;
  /** Transitions (between distinct states) of the chain as solved. */
  transitions: number;
  /** Relative residual sum |pi Q| / sum pi q of the solution. */
  residual: number;
  /**
   * With AnalyzeOptions.truncate, when states were left out: how many, the estimated
   * share of time spent among them (`outside`: counted as up in the block's figures,
   * added to the upper ones), the rate (1/s) at which the chain enters them, and the mean
   * stay assumed there (s). `states` counts the one state standing for them.
   */
  truncation?: { leftOut: number; outside: number; entryRate: number; staySeconds: number };
}

/** Exact figures of one service. */
export interface ServiceAnalysis {
  name: string;
  plane: 'data' | 'control';
  chain: string[];
  /** Steady-state share of time the service is up. */
  availability: number;
  /** 1 - availability, summed directly over the down states (not computed as 1 - A). */
  unavailability: number;
  /** Expected downtime per year (365 d), minutes. */
  downtimeMinutesPerYear: number;
  /** Outages (up -> down transitions of the service, of positive length) per year: what the simulator's `outagesPerYear` estimates. */
  outagesPerYear: number;
  /** Mean outage duration (seconds): unavailability / outage rate; null without outages. */
  meanOutageSeconds: number | null;
  /** Indices into `AnalysisResult.blocks` of the blocks its chain spans. */
  blocks: number[];
  /** Its `up` expression written out; absent for a chain. */
  logic?: string;
  /**
   * With `AnalyzeOptions.times`: at each time, the point availability (P(up at t)) and
   * the mission reliability (P(no outage in [0, t])), from everything new and up at 0.
   * Per block by uniformisation (ctmc.ts transientDistribution; the reliability on the
   * block's chain with its down states made absorbing), multiplied over the independent
   * blocks. Null when a block's chain is too stiff for it (`transientRefused` says why).
   */
  transient?: { times: number[]; availability: number[]; reliability: number[] } | null;
  /** Why the transient figures could not be computed (a stiff chain), when asked for. */
  transientRefused?: string;
  /**
   * With AnalyzeOptions.truncate, when a block it spans was truncated: estimates of what
   * the states left out may change (the figures above count them as up): up to
   * `unavailability` more unavailability, and the outage rate off by up to `outagesPerYear`
   * either way. For a service given by an expression, loose: the whole share of time
   * beyond each cut-off counted as down, one outage per excursion.
   */
  truncation?: { unavailability: number; outagesPerYear: number };
}

/** The result of `analyzeModel`. */
export interface AnalysisResult {
  services: ServiceAnalysis[];
  blocks: BlockResult[];
  /** Delays replaced by exponentials (empty unless `approximate`). */
  approximations: Approximation[];
  /** True when every delay was exponential or zero (no approximation was needed). */
  exact: boolean;
  /** The largest block residual. */
  residual: number;
}

/** A topology analyze cannot represent exactly; `reasons` name each part and why. */
export class AnalysisRefused extends Error {
  override name = 'AnalysisRefused';
  constructor(
    /** The topology file. */
    readonly file: string,
    /** One line per refused part: what and why. */
    readonly reasons: string[],
    /** A closing hint (e.g. that --approximate would accept the non-exponential delays), or ''. */
    readonly hint = '',
  ) {
    super(`${file}: cannot analyze exactly:\n${reasons.map((r) => `  - ${r}`).join('\n')}${hint ? `\n${hint}` : ''}`);
  }
}

// ---------------------------------------------------------------------------------------
// Delays: an exponential rate (per second), IMMEDIATE (zero), or refused.

/** Rate of a zero delay. */
const IMMEDIATE = Infinity;

class DelayResolver {
  readonly refusals: string[] = [];
  /** True when a delay was refused for not being exponential (--approximate would accept it). */
  nonExponentialRefused = false;
  readonly approximations: Approximation[] = [];
  private readonly seen = new Set<string>();
  /** Rates of the delays resolved so far. */
  private readonly rates = new WeakMap<Delay, number>();
  constructor(private readonly approximate: boolean) {}

  /** The rate (1/s) of a delay, IMMEDIATE for a zero delay; refuses or approximates others. */
  rate(d: Distribution, where: string): number {
    if (d.mean === 0) return IMMEDIATE;
    if (d.kind === 'exponential') return 1 / d.mean;
    this.nonExponential(where, `${d.kind} (mean ${formatDuration(d.mean, 4)})`, d.mean);
    return 1 / d.mean;
  }

  /** The rate (1/s) of one path of a mechanism's delay: IMMEDIATE for zero, 0 for never; refuses or approximates others. */
  pathRate(p: DelayPath): number {
    const d = p.dist;
    if (d.mean === 0) return IMMEDIATE;
    if (d.mean === Infinity) return 0;
    if (d.kind === 'exponential') return 1 / d.mean;
    this.nonExponential(p.where, p.what ?? `${d.kind} (mean ${formatDuration(d.mean, 4)})`, d.mean);
    return 1 / d.mean;
  }

  /** The rate (1/s) of a mechanism's delay: the earliest of its paths (the sum of their rates), IMMEDIATE if one is zero, 0 if it never ends. */
  delayRate(delay: Delay): number {
    let r = this.rates.get(delay);
    if (r !== undefined) return r;
    r = 0;
    for (const p of delay.paths) {
      const x = this.pathRate(p);
      if (x === IMMEDIATE) {
        r = IMMEDIATE;
        break;
      }
      r += x;
    }
    this.rates.set(delay, r);
    return r;
  }

  /** Records a delay that is not exponential (mean in seconds). */
  nonExponential(where: string, what: string, mean: number): void {
    if (this.seen.has(where)) return;
    this.seen.add(where);
    if (this.approximate) this.approximations.push({ where, original: what, meanSeconds: mean });
    else {
      this.refusals.push(`${where}: ${what} is not exponential`);
      this.nonExponentialRefused = true;
    }
  }

  refuse(reason: string): void {
    if (this.seen.has(reason)) return;
    this.seen.add(reason);
    this.refusals.push(reason);
  }
}

// ---------------------------------------------------------------------------------------
// The block model: components and groups with their rates resolved.


// Rates are per second; IMMEDIATE marks a zero delay (run at once, in order); a detection
// rate of 0 means that no path sees the failure.

/** A failure mode: its failure rate, whether it is announced, its repair rate. */
interface LMode {
  rate: number;
  announced: boolean;
  repair: number;
}
/** A component of a block (local indices; a parent outside the block never goes down and is -1). */
interface LComp {
  path: string;
  layer: number;
  parent: number;
  children: number[];
  modes: LMode[];
  restart: number;
  crew: number;
  /** Rate of its crew's dispatch time before a repair (IMMEDIATE for zero), or 0 without one. */
  dispatch: number;
  /** Local indices of the shared elements it depends on besides its parent (a host's hardware; those outside the block never go down). */
  deps: number[];
  /** Local group index if it is an instance's top component, else -1. */
  group: number;
  /** On the top component of an instance that needs side components: their local indices (those outside the block never go down). */
  needs?: number[];
  instance: number;
  /** The controller that took over its repair (a supervisor: SystemControl.takeRepair), or null. */
  repairBy: RepairTaker | null;
  /** Rate at which it leaves its young phase while up (a controller's SystemControl.upLongerThan), or 0 when nobody asks its age. */
  age: number;
}
/** A component whose age a controller compares with an exponential delay (SystemControl.upLongerThan): the delay's rate, and the object holding its young phase. */
interface AgeWatch {
  rate: number;
  comp: ChainComponent | null;
}
/** A group (VNF or VIM service) of a block: its mechanism runs in a MechanismHost. */
interface LGroup {
  name: string;
  n: number;
  /** Local indices of the groups it requires. */
  requires: number[];
  /** Local indices of the groups whose mechanisms watch it (GroupMechanismFactory.watches). */
  watchedBy: number[];
  /** Local indices of the components its mechanism reads (GroupMechanismFactory.reads). */
  reads: number[];
  host: MechanismHost;
}

// ---------------------------------------------------------------------------------------
// The discrete state. Timer slots: `id` -1 for an exponential clock (rate `rate`), > 0
// for a zero delay waiting in the queue of the event being resolved.

interface Slot {
  id: number;
  kind: number;
  rate: number;
  /** A repair step's: the services it needs (its clock runs only while they are all up). */
  needs?: number[];
}
/** A step of a controller's repair still to come: its rate, or its rate and the services it needs. */
type PlanStep = TimedStep | { b: number };
/** A timed step: its rate, or its rate and the services it needs (with the rate of its fallback when they are down as it starts). `{ b }` in a plan is a branch point instead: the repair ends there with probability b (RepairPlan.endsHere). */
type TimedStep = number | { r: number; n: number[]; e?: number };
/** A component's state, as ComponentSim's fields. */
interface CompState {
  up: boolean;
  /** Supported: the component below is up. */
  sup: boolean;
  /** Restarting (its restart clock runs). */
  rs: boolean;
  /** Failed mode, or -1. */
  f: number;
  /** Holds a repair crew. */
  hc: boolean;
  /** Its one running clock (a repair step or a restart), or null. */
  t: Slot | null;
  /** Remaining supervision phases (rates) after the running one. */
  plan: PlanStep[];
  /** A redundant set's members in use (ComponentSim.inUse); absent on other components. */
  u?: boolean[];
  /** True while its crew repair is preempted: its clock `t` is kept but does not run (absent otherwise). */
  sp?: boolean;
  /** True while it is young: up for less than the exponential delay a controller compares its age with (SystemControl.upLongerThan; absent otherwise). */
  y?: boolean;
}
/** A group's state: its mechanism's verdict, its mechanism's own state, and its timers. */
interface GroupState {
  /** The mechanism's verdict (the group is up when this holds and its required groups are up). */
  mu: boolean;
  /** The mechanism's `state` (plain data). */
  s: Record<string, unknown>;
  /** Its timers by slot: armed (a clock, or a zero delay queued) or null. */
  t: Array<Slot | null>;
}
/** A tangible state of a block: what the simulator holds between two events. */
interface State {
  c: CompState[];
  pools: Array<{ busy: number; q: number[] }>;
  g: GroupState[];
}

/** An internal inconsistency of the analysis (a bug, not bad input). */
class ChainError extends Error {}

/** Zero delays that trigger each other without end (the simulator would not advance either). */
class ZeroDelayLoop extends Error {}

/** One resolution of a fired event: runs the simulator's rules on a copy of a state. */
class World {
  s: State;
  private queue: Array<{ id: number; owner: 'c' | 'g'; idx: number; kind: number }> = [];
  private head = 0;
  private nextId = 1;
  /** The failure being propagated (read by the mechanisms through their context). */
  cause: FailureCause = { layer: 0, announced: true };
  /** Probability of the choices made so far. */
  prob = 1;
  private choiceAt = 0;

  constructor(
    readonly blk: BlockModel,
    /** A private copy of the state to change. */
    state: State,
    /** Choices to replay (true/false), then new ones (default true) are appended. */
    readonly script: boolean[],
    /** The interchangeable units being lumped, or null: choices by index among their instances are checked (see `pick`). */
    readonly sym: Symmetry | null = null,
  ) {
    this.s = state;
    this.load();
  }

  /** Puts the state's components and crews into the block's component objects (which then run the rules), and points them at this World. */
  private load(): void {
    const comps = this.blk.chain.comps;
    this.blk.chain.world = this;
    this.s.c.forEach((x, ci) => comps[ci].load(x));
    // Supports down: the component below and the shared elements it rests on that are not up.
    for (const c of comps) {
      let down = 0;
      if (c.parent !== null && !(c.parent as ChainComponent).up) down++;
      for (const d of this.blk.comps[c.ci].deps) if (!comps[d].up) down++;
      c.downSupports = down;
    }
    // What the gates of instances that need side components last told their groups follows from the state.
    for (const g of this.blk.chain.gates) g.sync();
    this.s.pools.forEach((p, i) => {
      const pool = this.blk.chain.pools[i];
      // The repairs at work: holding a crew of the pool and not waiting (what a preemption chooses among).
      const running = pool.preemptive ? comps.filter((c, ci) => c.crew === pool && c.holdsCrew && !p.q.includes(ci)) : [];
      pool.restore(p.busy, p.q.map((ci) => comps[ci]), running);
    });
  }

  /** Writes the component objects and crews back into the state (after an event, before a choice compares units). */
  store(): void {
    const comps = this.blk.chain.comps;
    comps.forEach((c, ci) => (this.s.c[ci] = c.save()));
    this.s.pools = this.blk.chain.pools.map((p) => ({ busy: p.busy, q: p.waiting().map((c) => (c as ChainComponent).ci) }));
    sortRandomQueues(this.blk, this.s);
  }

  /** A random choice with probability p of true: replayed from the script, else true first. */
  chance(p: number): boolean {
    if (p >= 1) return true;
    if (p <= 0) return false;
    const i = this.choiceAt++;
    if (i >= this.script.length) this.script.push(true);
    const v = this.script[i];
    this.prob *= v ? p : 1 - p;
    return v;
  }

  /**
   * The first instance j of group `gi` (by index) with `cand(j)`, or -1: the simulator's
   * choice. The one place where the rules depend on instance indices, which a permutation
   * of interchangeable units does not preserve: with lumping it is allowed only among
   * candidates in distinct units of one class whose states are identical (then any choice
   * leads to the same lumped state); otherwise it throws Asymmetric.
   */
  pick(gi: number, n: number, cand: (j: number) => boolean): number {
    const found: number[] = [];
    for (let j = 0; j < n; j++) if (cand(j)) found.push(j);
    if (found.length > 1 && this.sym !== null) {
      this.store();
      this.sym.checkChoice(this.s, gi, found);
    }
    return found.length > 0 ? found[0] : -1;
  }

  /**
   * Goes on with component `ci`'s repair: resolves the branch points at the head of its
   * plan (the repair ends at one with its probability: RepairPlan.endsHere), then runs the
   * next step's clock, or ends the repair when none is left.
   */
  nextStep(ci: number): void {
    const c = this.blk.chain.comps[ci];
    while (c.plan.length > 0) {
      const p = c.plan.shift()!;
      if (typeof p !== 'number' && 'b' in p) {
        if (this.chance(p.b)) c.plan = [];
        continue;
      }
      c.t = this.step(p, ci);
      return;
    }
    c.onRepaired();
  }

  /** The clock of a controller's repair step of component `ci`. */
  step(p: TimedStep, ci: number): Slot {
    if (typeof p === 'number') return this.schedule(p, 'c', ci, REPAIR_DONE);
    if (p.e !== undefined) {
      // Replaced by its fallback (which needs nothing) when its services are not all up now.
      const up = groupsUp(this.blk, this.s);
      if (!p.n.every((sv) => this.blk.needs.get(sv)!.every((g) => up[g]))) return this.schedule(p.e, 'c', ci, REPAIR_DONE);
    }
    // A step that needs services: a clock that runs only while they are up (see clocks); never zero (build.ts).
    return { ...this.schedule(p.r, 'c', ci, REPAIR_DONE), needs: p.n };
  }

  /** A clock of `rate` for component or group `idx` (IMMEDIATE: a zero delay, queued now to run in order). */
  schedule(rate: number, owner: 'c' | 'g', idx: number, kind: number): Slot {
    if (rate === IMMEDIATE) {
      const id = this.nextId++;
      this.queue.push({ id, owner, idx, kind });
      return { id, kind, rate };
    }
    if (!(rate > 0)) throw new ChainError(`bad rate ${rate}`);
    return { id: -1, kind, rate };
  }

  /** Runs the queued zero-delay events, observing the services after each. */
  drain(observe: () => void): void {
    let guard = 0;
    while (this.head < this.queue.length) {
      if (++guard > 100000) throw new ZeroDelayLoop();
      const e = this.queue[this.head++];
      if (e.owner === 'c') {
        const c = this.blk.chain.comps[e.idx];
        if (c.t === null || c.t.id !== e.id) continue;
        this.componentTimer(e.idx, e.kind);
      } else {
        const t = this.s.g[e.idx].t;
        const slot = t[e.kind];
        if (slot === null || slot.id !== e.id) continue;
        t[e.kind] = null;
        this.groupTimer(e.idx, e.kind);
      }
      observe();
    }
  }

  // --- components: sim/system.ts's ComponentSim rules, run by ChainComponent ---

  /** Failure mode `mode` of component `ci` fires. */
  fail(ci: number, mode: number): void {
    this.blk.chain.comps[ci].fail(mode, false);
  }

  /** The running clock of component `ci` (a repair step or a restart, of `kind`) ends. */
  componentTimer(ci: number, kind: number): void {
    const c = this.blk.chain.comps[ci];
    c.t = null;
    if (kind === REPAIR_DONE) this.nextStep(ci);
    else if (kind === RESTART_DONE) c.onRestarted();
    else c.onNoticed();
  }

  /** Component `ci`, up, has been up longer than the delay its age is compared with (its young phase ends). */
  grownUp(ci: number): void {
    this.blk.chain.comps[ci].young = false;
  }

  /** A common-cause clock fires: every listed component that is up now fails in `mode`, in order (sim/system.ts CommonCauseSim). */
  failCommon(cc: LCommon): void {
    const comps = this.blk.chain.comps;
    for (const ci of cc.comps) if (comps[ci].up) comps[ci].failCommon(cc.mode);
  }

  // --- groups: their mechanisms' own code, run by their hosts ---

  /** Instance i of group gi went up or down (a component's rules tell it). */
  /** Instance i of group gi, down, lost the layer below (a gray application: see GroupMechanism.instanceSupportLost). */
  instanceSupportLost(gi: number, i: number): void {
    this.blk.groups[gi].host.bind(this, gi).instanceSupportLost?.(i);
  }

  instanceChanged(gi: number, i: number, isUp: boolean): void {
    this.blk.groups[gi].host.bind(this, gi).instanceChanged(i, isUp);
  }

  /** Timer `slot` of group `gi` ran out (it is disarmed already). */
  groupTimer(gi: number, slot: number): void {
    this.blk.groups[gi].host.bind(this, gi).onTimer!(slot);
  }

  /** Arms timer `slot` of group `gi` with a clock of `rate` (IMMEDIATE: queued now; 0: never, disarmed). */
  arm(gi: number, slot: number, rate: number): void {
    if (rate === 0) {
      this.s.g[gi].t[slot] = null;
      return;
    }
    const x = this.schedule(rate, 'g', gi, slot);
    // Where it sits says which timer it is (lumping moves per-instance timers): no kind in the state.
    x.kind = 0;
    this.s.g[gi].t[slot] = x;
  }
}

/**
 * What the components of a block live in, for analysis (sim/system.ts ComponentHost): no
 * calendar (a component's timing is overridden by ChainComponent), no observers; a
 * failure sets the cause the mechanisms read. `world` is the World being resolved.
 */
class ChainHost implements ComponentHost {
  world: World | null = null;
  comps: ChainComponent[] = [];
  pools: CrewPool[] = [];
  /** The gates of instances that need side components (sim/system.ts InstanceGate: the simulation's rule). */
  gates: InstanceGate[] = [];
  readonly ttfScale = 1;
  readonly observer = null;
  readonly trace = null;
  readonly watched = false;
  inPlannedStop = false;
  constructor(readonly res: DelayResolver) {}
  get scheduler(): Scheduler {
    throw new ChainError('a component used the calendar in analysis (a timing method not overridden by ChainComponent)');
  }
  get repairPlan(): SumPlan {
    throw new ChainError('a component used the simulation repair plan in analysis');
  }
  recordFailure(c: ComponentSim, mode: number): void {
    this.world!.cause = { layer: c.layer, announced: c.model.modes[mode].announced, unhealthy: c.model.modes[mode].unhealthy, degraded: c.model.modes[mode].degraded };
  }
  // A staged repair (steps that wait for services) is ChainComponent's own (clocks enabled by the state).
  servicesUp(): boolean {
    throw new ChainError('a component ran a staged repair in analysis');
  }
  watchStage(): void {
    throw new ChainError('a component ran a staged repair in analysis');
  }
  stageWaited(): void {}
  stageLost(): void {}
  repairPhaseChanged(): void {}
}

/** A repair plan that keeps its steps (analysis runs them as successive clocks). */
interface StepPlan extends RepairPlan {
  readonly steps: PlanStep[];
}

/**
 * A component run by analysis: sim/system.ts's ComponentSim with its rules unchanged and
 * its timing replaced by the chain's clocks. While it is up, its failure modes are clocks
 * of their rates (enumerated from the state, see `clocks`; nothing to arm or freeze); its
 * repair, a controller's repair steps and its restart are its one clock `t`.
 */
class ChainComponent extends ComponentSim {
  /** Its one running clock (a repair step or a restart), or null. */
  t: Slot | null = null;
  /** Remaining steps (rates) of a controller's repair after the running one. */
  plan: PlanStep[] = [];
  /** Up for less than the delay a controller compares its age with (only when `rates.age` > 0). */
  young = false;
  constructor(
    model: ComponentModel,
    private readonly chain: ChainHost,
    crew: CrewPool | null,
    /** Its index in the block. */
    readonly ci: number,
    /** Its rates. */
    private readonly rates: LComp,
  ) {
    super(model, chain, crew);
  }
  /** Takes its state from a chain state. */
  load(x: CompState): void {
    this.up = x.up;
    this.supported = x.sup;
    this.restarting = x.rs;
    this.failed = x.f >= 0;
    this.failedMode = x.f;
    this.holdsCrew = x.hc;
    this.t = x.t;
    this.plan = x.plan.slice();
    if (x.u !== undefined) x.u.forEach((v, i) => (this.inUse[i] = v));
    this.suspended = x.sp === true;
    this.young = x.y === true;
  }
  /** Its crew repair is preempted: the clock `t` (the phase it was in) stops until it gets a crew again. */
  private suspended = false;
  override suspendRepair(): void {
    this.suspended = true;
  }
  /** Its state, for a chain state. */
  save(): CompState {
    const x: CompState = { up: this.up, sup: this.supported, rs: this.restarting, f: this.failedMode, hc: this.holdsCrew, t: this.t, plan: this.plan };
    if (this.redundancy !== null) x.u = this.inUse.slice();
    if (this.suspended) x.sp = true;
    if (this.young) x.y = true;
    return x;
  }
  /** Comes up (the simulation restarts its failure clocks and its age here): young again when its age is watched. */
  protected override armFailure(): void {
    if (this.rates.age > 0) this.young = true;
  }
  protected override freezeClocks(): void {}
  protected override redraw(): void {}
  protected override cancelTimer(): void {
    this.t = null;
  }
  protected override scheduleNotice(): void {
    const m = this.model.modes[this.failedMode];
    this.t = this.chain.world!.schedule(this.chain.res.rate(m.notice!, `${typeWhere(this.model)}.failures.${m.name}.undetected`), 'c', this.ci, NOTICED);
  }
  override startRepair(): void {
    // A preempted repair resumes its phase (memoryless: the same clock).
    if (this.suspended) {
      this.suspended = false;
      return;
    }
    this.plan = [];
    const repair = this.rates.modes[this.failedMode].repair;
    // A crew's dispatch time first, then the repair: two clocks in turn (as a controller's steps).
    if (this.rates.dispatch > 0) {
      if (repair !== IMMEDIATE) this.plan = [repair];
      this.t = this.chain.world!.schedule(this.rates.dispatch, 'c', this.ci, REPAIR_DONE);
    } else this.t = this.chain.world!.schedule(repair, 'c', this.ci, REPAIR_DONE);
  }
  protected override newRepairPlan(): StepPlan {
    const steps: PlanStep[] = [];
    const chain = this.chain;
    return {
      steps,
      // Pausing and restarting a step are the same for an exponential clock (memorylessness).
      step: (d, needs, _restart, orElse) =>
        void steps.push(
          needs !== undefined && needs.length > 0
            ? orElse !== undefined
              ? { r: chain.res.delayRate(d), n: [...needs], e: chain.res.delayRate(orElse) }
              : { r: chain.res.delayRate(d), n: [...needs] }
            : chain.res.delayRate(d),
        ),
      // The outcome is drawn when the steps so far are done (World.nextStep): a branch point, and the controller lays out the rest.
      endsHere: (_s, p) => {
        if (p >= 1) return true;
        if (p > 0) steps.push({ b: p });
        return false;
      },
      // Phases split an outage's time in reports; the chain's availability does not need them.
      phase: () => {},
      then: () => {
        throw new ChainError('a repair plan moved an instance in analysis (its controller must refuse it)');
      },
    };
  }
  protected override scheduleTakenRepair(plan: RepairPlan): void {
    // Zero steps take no time: dropped. A branch point first (or nothing) is resolved by an immediate end of step.
    this.plan = (plan as StepPlan).steps.filter((r) => r !== IMMEDIATE);
    const first = this.plan[0];
    if (first !== undefined && (typeof first === 'number' || !('b' in first))) {
      this.plan.shift();
      this.t = this.chain.world!.step(first, this.ci);
    } else this.t = this.chain.world!.schedule(IMMEDIATE, 'c', this.ci, REPAIR_DONE);
  }
  protected override scheduleRestart(rebuild: number): void {
    if (rebuild >= 0) throw new ChainError(`${this.model.path}: a moved instance in analysis`);
    this.t = this.chain.world!.schedule(this.rates.restart, 'c', this.ci, RESTART_DONE);
  }
}

/**
 * A group's mechanism as analysis runs it: the registered mechanism's own code, with a
 * context whose timers are clocks of the World being resolved (a delay's rate from its
 * law), whose chances branch (World.chance), whose choices by index are checked for
 * lumping (World.pick), and whose state is the World's copy (bound before every call).
 * Its delays are resolved when it is built (refused or approximated at once); one made
 * later (a standby check, made at the first silent standby failure) when first made.
 */
class MechanismHost {
  readonly mech: GroupMechanism;
  readonly shape: MechanismShape;
  /** Its state and timers when everything is up (the simulator's start). */
  readonly initial: GroupState;
  private world: World | null = null;
  private gi = -1;
  constructor(
    fn: FunctionModel,
    res: DelayResolver,
    /** The block's local index of a group (model index) it watches. */
    localOf: (g: number) => number,
    /** The block's local index of a component (model index) it reads. */
    localComp: (c: number) => number,
  ) {
    const factory = MECHANISMS[fn.ha.mechanism];
    this.shape = factory.shape;
    const slots = this.shape.timers.fixed + this.shape.timers.perInstance * fn.n;
    this.initial = { mu: true, s: {}, t: new Array<Slot | null>(slots).fill(null) };
    const host = this;
    const rate = (d: Delay): number => res.delayRate(d);
    const world = (): World => {
      if (host.world === null) throw new ChainError(`${fn.path}: a mechanism acted outside an event`);
      return host.world;
    };
    const ctx: MechanismContext = {
      streams: NO_STREAMS,
      timers: {
        arm: (slot, d) => {
          // While the mechanism is built: its clocks at the start.
          if (host.world === null) host.initial.t[slot] = rate(d) === 0 ? null : initialSlot(rate(d), fn.path);
          else host.world.arm(host.gi, slot, rate(d));
        },
        disarm: (slot) => {
          (host.world === null ? host.initial.t : host.world.s.g[host.gi].t)[slot] = null;
        },
        armed: (slot) => (host.world === null ? host.initial.t : host.world.s.g[host.gi].t)[slot] !== null,
      },
      get cause() {
        return world().cause;
      },
      delay(dist, stream, where, what) {
        const d = new DistDelay(dist, stream, where, what);
        rate(d);
        return d;
      },
      chance: (_stream, p) => world().chance(p),
      first: (n, pred) => world().pick(host.gi, n, pred),
      get now(): number {
        throw new ChainError(`${fn.path}: a mechanism read the time (only a delay's sample may)`);
      },
      count() {},
      spurious() {},
      groupUp: (g) => groupsUp(world().blk, world().s)[localOf(g)],
      // Components hold their state in the block's objects while an event runs (World.load).
      componentUp: (c) => world().blk.chain.comps[localComp(c)].up,
    };
    this.mech = factory.create(fn, ctx, {
      set(up) {
        if (host.world === null) throw new ChainError(`${fn.path}: a mechanism reported a level while being built`);
        host.world.s.g[host.gi].mu = up;
      },
    });
    this.initial.s = JSON.parse(JSON.stringify(this.mech.state)) as Record<string, unknown>;
  }

  /** Points the mechanism at group `gi`'s state in `w`, for one call; returns the mechanism. */
  bind(w: World, gi: number): GroupMechanism {
    this.world = w;
    this.gi = gi;
    this.mech.state = w.s.g[gi].s;
    return this.mech;
  }
}

/** A clock armed while a mechanism is built: exponential (a zero delay then would run before anything exists). */
function initialSlot(rate: number, path: string): Slot {
  if (rate === IMMEDIATE) throw new ChainError(`${path}: a zero delay armed at the start`);
  return { id: -1, kind: 0, rate };
}

/** Mechanisms draw through their context in analysis, never from a stream: any use of one is a bug. */
const NO_STREAM = new Proxy({} as RandomStream, {
  get(_t, prop) {
    throw new ChainError(`a mechanism used a random stream directly (${String(prop)}) instead of its context`);
  },
});
const NO_STREAMS = { stream: () => NO_STREAM, streamHashed: () => NO_STREAM } as unknown as StreamFactory;

/** A block: its components and groups (local indices) and what to observe. */
/** A common-cause clock of a block: its rate (1/s), the mode it fails, the local components of its type. */
interface LCommon {
  rate: number;
  mode: number;
  comps: number[];
}
interface BlockModel {
  /** Resolves the delays of controllers' repairs (as their steps are laid out). */
  res: DelayResolver;
  /** The services repair steps in it wait for: service index -> local indices of its chain's groups. */
  needs: Map<number, number[]>;
  /** The block's components as objects that run ComponentSim's rules, and its crews. */
  chain: ChainHost;
  comps: LComp[];
  groups: LGroup[];
  crewSizes: number[];
  /** Common-cause clocks (calendar time: they run in every state). */
  commons: LCommon[];
  /** Per service touching the block: local indices of its chain members in the block. */
  watch: number[][];
  /** Per expression service touching the block: its leaves in the block (see LogicWatch). */
  logic: LogicWatch[];
  /** Local components that no permutation may move (infrastructure elements an expression names). */
  pinned: number[];
}

/**
 * The leaves of one expression service (model/logic.ts) that lie in a block: a local
 * group or a local component each, and its leaf number in the expression. The block's
 * part of the service's state is a pattern: bit j set while leaf j here is up.
 */
interface LogicWatch {
  leaves: Array<{ g: number } | { c: number }>;
  global: number[];
}

/** The pattern of `L` (bit j: its leaf j is up), given the groups' effective up and the components' up. */
function pattern(L: LogicWatch, gUp: readonly boolean[], cUp: (c: number) => boolean): number {
  let p = 0;
  L.leaves.forEach((x, j) => {
    if ('g' in x ? gUp[x.g] : cUp(x.c)) p |= 1 << j;
  });
  return p;
}

/**
 * A pool with order random takes any waiting repair alike (CrewPool.pick: each with
 * probability 1/n), so the order of its queue says nothing about the future: it is kept
 * sorted, which makes states that differ only by it one state.
 */
function sortRandomQueues(blk: BlockModel, s: State): void {
  s.pools.forEach((p, i) => {
    if (blk.chain.pools[i].order === 'random') p.q.sort((a, b) => a - b);
  });
}

/** Effective up of each group: its mechanism's verdict and every required group up (requirements are acyclic). */
function groupsUp(blk: BlockModel, s: State): boolean[] {
  if (blk.groups.length === 0) return [];
  const memo: Array<boolean | undefined> = new Array(blk.groups.length);
  const up = (i: number): boolean => (memo[i] ??= s.g[i].mu && blk.groups[i].requires.every(up));
  return blk.groups.map((_, i) => up(i));
}

function initialState(blk: BlockModel): State {
  return {
    // A redundant set starts with its first k members in use (as ComponentSim.reset).
    // A component whose age is watched starts young (up since time 0, as ComponentSim.reset).
    c: blk.chain.comps.map((c, ci): CompState => ({ up: true, sup: true, rs: false, f: -1, hc: false, t: null, plan: [], ...(c.redundancy !== null ? { u: c.redundancy.members.map((_, i) => i < c.redundancy!.k) } : {}), ...(blk.comps[ci].age > 0 ? { y: true } : {}) })),
    pools: blk.crewSizes.map(() => ({ busy: 0, q: [] })),
    g: blk.groups.map((G) => JSON.parse(JSON.stringify(G.host.initial)) as GroupState),
  };
}

/** A tangible successor: the state, its probability, per watched service whether it was up at some instant on the way, and per expression service the patterns it went through (its start included). */
interface Outcome {
  state: State;
  prob: number;
  seenUp: boolean[];
  visited: Array<Set<number>>;
}

/** A deep copy of plain data (what a state holds: objects, arrays, numbers, strings, booleans, null); twice as fast as a JSON round trip. */
function copyData<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) {
    const a = new Array(x.length);
    for (let i = 0; i < x.length; i++) a[i] = copyData(x[i]);
    return a as T;
  }
  const o: Record<string, unknown> = {};
  for (const k in x) o[k] = copyData((x as Record<string, unknown>)[k]);
  return o as T;
}

/** Every outcome of firing one clock from state `from` (left as it is; branches over the random choices). */
function fire(blk: BlockModel, sym: Symmetry | null, from: State, startUp: boolean[], act: (w: World) => void): Outcome[] {
  const out: Outcome[] = [];
  const script: boolean[] = [];
  for (;;) {
    const w = new World(blk, copyData(from), script, sym);
    const seen = blk.watch.map((ch) => ch.every((i) => startUp[i]));
    // Components hold their state in the block's objects while an event runs (see World.load).
    const cUp = (c: number) => blk.chain.comps[c].up;
    const visited = blk.logic.map((L) => new Set([pattern(L, startUp, cUp)]));
    // The watched groups' up as their watchers last saw it (told on a change, as the simulation does).
    const told = startUp.slice();
    const watched = blk.groups.some((G) => G.watchedBy.length > 0);
    // The components mechanisms read, as they last saw them (the state's, before the event).
    const readers = blk.groups.flatMap((G, gi) => G.reads.map((c) => ({ gi, c, was: w.s.c[c].up })));
    const observe = () => {
      for (const r of readers) {
        const now = cUp(r.c);
        if (now === r.was) continue;
        r.was = now;
        blk.groups[r.gi].host.bind(w, r.gi).onGroupsChanged?.();
      }
      let up = groupsUp(blk, w.s);
      for (let guard = 0; watched && blk.groups.some((G, i) => G.watchedBy.length > 0 && up[i] !== told[i]); guard++) {
        if (guard > 100) throw new ZeroDelayLoop();
        blk.groups.forEach((G, i) => {
          if (G.watchedBy.length === 0 || up[i] === told[i]) return;
          told[i] = up[i];
          for (const wi of G.watchedBy) blk.groups[wi].host.bind(w, wi).onGroupsChanged?.();
        });
        up = groupsUp(blk, w.s);
      }
      blk.watch.forEach((ch, k) => {
        if (ch.every((i) => up[i])) seen[k] = true;
      });
      blk.logic.forEach((L, k) => visited[k].add(pattern(L, up, cUp)));
    };
    act(w);
    observe();
    w.drain(observe);
    w.store();
    const left = (x: Slot | null) => x !== null && x.id > 0;
    if (w.s.c.some((c) => left(c.t)) || w.s.g.some((g) => g.t.some(left))) {
      throw new ChainError('a zero-delay event was left pending');
    }
    canonical(blk, w.s);
    out.push({ state: w.s, prob: w.prob, seenUp: seen, visited });
    // Next branch (depth first): flip the last `true` choice to `false`, dropping the choices after it.
    while (script.length > 0 && script[script.length - 1] === false) script.pop();
    if (script.length === 0) break;
    script[script.length - 1] = false;
  }
  return out;
}

/**
 * A state's key: its fields by position (JSON of arrays: components as [flags, failed
 * mode, clock, plan(, in use)], crews as [busy, queue], groups as [verdict, mechanism
 * state, timers], clocks as [id, kind, rate(, needs)] or 0), half the length of the
 * state's own JSON and as quick to make. `decodeState` gives the state back, its objects
 * with their properties in the order `ChainComponent.save` and the World make them.
 */
function encodeState(s: State): string {
  const slot = (t: Slot | null) => (t === null ? 0 : t.needs === undefined ? [t.id, t.kind, t.rate] : [t.id, t.kind, t.rate, t.needs]);
  return JSON.stringify([
    s.c.map((c) => {
      const flags = (c.up ? 1 : 0) | (c.sup ? 2 : 0) | (c.rs ? 4 : 0) | (c.hc ? 8 : 0) | (c.sp === true ? 16 : 0) | (c.y === true ? 32 : 0);
      return c.u === undefined ? [flags, c.f, slot(c.t), c.plan] : [flags, c.f, slot(c.t), c.plan, c.u];
    }),
    s.pools.map((p) => [p.busy, p.q]),
    s.g.map((g) => [g.mu ? 1 : 0, g.s, g.t.map(slot)]),
  ]);
}

/** The state a key of `encodeState` stands for (fresh objects). */
function decodeState(key: string): State {
  type SlotT = 0 | [number, number, number] | [number, number, number, number[]];
  const [c, pools, g] = JSON.parse(key) as [Array<[number, number, SlotT, PlanStep[], boolean[]?]>, Array<[number, number[]]>, Array<[number, Record<string, unknown>, SlotT[]]>];
  const slot = (t: SlotT): Slot | null => (t === 0 ? null : t.length === 3 ? { id: t[0], kind: t[1], rate: t[2] } : { id: t[0], kind: t[1], rate: t[2], needs: t[3] });
  return {
    c: c.map(([flags, f, t, plan, u]) => {
      const x: CompState = { up: (flags & 1) !== 0, sup: (flags & 2) !== 0, rs: (flags & 4) !== 0, f, hc: (flags & 8) !== 0, t: slot(t), plan };
      if (u !== undefined) x.u = u;
      if ((flags & 16) !== 0) x.sp = true;
      if ((flags & 32) !== 0) x.y = true;
      return x;
    }),
    pools: pools.map(([busy, q]) => ({ busy, q })),
    g: g.map(([mu, st, t]) => ({ mu: mu === 1, s: st, t: t.map(slot) })),
  };
}

/** Clears what the mechanisms keep but never read again (their shapes' `canonical`), so that states that behave the same have one key. */
function canonical(blk: BlockModel, s: State): void {
  s.g.forEach((g, gi) => {
    const c = blk.groups[gi].host.shape.canonical;
    if (c) c(g.s, (slot) => g.t[slot] !== null);
  });
}

// ---------------------------------------------------------------------------------------
// Lumping of interchangeable units (see the comment at the top).

/**
 * A unit: the subtree of a root component of a block (a rack, or a host's lowest layer
 * when its rack never fails) with the group instances on it. Position p of one unit
 * corresponds to position p of every unit of its class.
 */
interface Unit {
  /** Its components, depth first (children in model order). */
  comps: number[];
  /** The group instances whose top component is in it, in the same order: [group, instance]. */
  insts: Array<[number, number]>;
}

/** The simulator chose by index among instances of units that differ: the class(es) involved cannot be lumped. */
class Asymmetric extends Error {
  constructor(
    /** Indices into Symmetry.classes of the classes to drop. */
    readonly classes: Set<number>,
  ) {
    super('asymmetric choice');
  }
}

/**
 * Everything the state holds about a unit, with no index in it: its components' states
 * and their places in their crews' queues, and per instance on it its group's per-instance
 * fields and whether it is the active, the switchover target or the leader. Two units
 * with equal keys are in the same state: swapping them leaves the whole state unchanged.
 */
function unitKey(blk: BlockModel, s: State, u: Unit): string {
  // A random pool's queue is a set (see sortRandomQueues): waiting or not.
  const queued = u.comps.map((ci) => {
    const crew = blk.comps[ci].crew;
    if (crew < 0) return -1;
    const at = s.pools[crew].q.indexOf(ci);
    return blk.chain.pools[crew].order === 'random' ? Math.min(at, 0) : at;
  });
  const insts = u.insts.map(([gi, i]) => {
    const g = s.g[gi];
    const G = blk.groups[gi];
    const sh = G.host.shape;
    const timers: Array<Slot | null> = [];
    for (let k = 0; k < sh.timers.perInstance; k++) timers.push(g.t[sh.timers.fixed + k * G.n + i]);
    return [sh.perInstance.map((f) => (g.s[f] as unknown[])[i]), timers, sh.instanceRefs.map((r) => g.s[r] === i)];
  });
  return JSON.stringify([u.comps.map((ci) => s.c[ci]), queued, insts]);
}

/**
 * The interchangeable units of a block, in classes: the units of a class have the same
 * components (layer, failure modes, rates, restart, crew pool, supervision, group) in the
 * same tree, so that a permutation of the units of a class (with their components and
 * instances) maps the block onto itself. Only roots qualify (a unit's components fail,
 * return and restart without anything outside it iterating over several units), and none
 * of a unit's components may be a shared element, depend on one, or be failed by a
 * common-cause clock (which fails its components in model order).
 */
class Symmetry {
  /** Per group, per instance: its class and unit, or null when no permutation moves it. */
  private readonly at: Array<Array<{ cls: number; unit: number } | null>>;

  private constructor(
    private readonly blk: BlockModel,
    /** Classes of at least two interchangeable units. */
    readonly classes: Unit[][],
  ) {
    this.at = blk.groups.map((G) => new Array<{ cls: number; unit: number } | null>(G.n).fill(null));
    classes.forEach((units, cls) => units.forEach((u, unit) => u.insts.forEach(([gi, i]) => (this.at[gi][i] = { cls, unit }))));
  }

  /** The units of `blk` in classes, or null when no two are interchangeable. */
  static of(blk: BlockModel): Symmetry | null {
    // Components that couple units: shared elements, what depends on them, common-cause targets.
    const coupled = new Set<number>();
    blk.comps.forEach((c, ci) => {
      if (c.deps.length > 0) [ci, ...c.deps].forEach((d) => coupled.add(d));
    });
    for (const cc of blk.commons) cc.comps.forEach((ci) => coupled.add(ci));
    for (const ci of blk.pinned) coupled.add(ci);
    const bySignature = new Map<string, Unit[]>();
    blk.comps.forEach((root, ri) => {
      if (root.parent >= 0) return;
      const comps: number[] = [];
      const visit = (ci: number): void => {
        comps.push(ci);
        blk.comps[ci].children.forEach(visit);
      };
      visit(ri);
      if (comps.some((ci) => coupled.has(ci))) return;
      // An instance and the side components it needs move together: both in the unit, else it is in no class.
      if (blk.comps.some((m, ci) => m.needs !== undefined && m.needs.some((d) => comps.includes(d) !== comps.includes(ci)))) return;
      const signature = JSON.stringify(comps.map((ci) => {
        const m = blk.comps[ci];
        return [m.layer, m.modes, m.restart, m.crew, m.repairBy !== null, m.age, m.group, m.children.length, m.needs?.map((d) => comps.indexOf(d))];
      }));
      const insts = comps.filter((ci) => blk.comps[ci].group >= 0).map((ci): [number, number] => [blk.comps[ci].group, blk.comps[ci].instance]);
      const same = bySignature.get(signature);
      if (same) same.push({ comps, insts });
      else bySignature.set(signature, [{ comps, insts }]);
    });
    const classes = [...bySignature.values()].filter((units) => units.length > 1);
    return classes.length > 0 ? new Symmetry(blk, classes) : null;
  }

  /** The same without the classes `drop`, or null when none is left. */
  without(drop: Set<number>): Symmetry | null {
    const classes = this.classes.filter((_, i) => !drop.has(i));
    return classes.length > 0 ? new Symmetry(this.blk, classes) : null;
  }

  /**
   * Puts `s` (a tangible state, changed in place) in the canonical form of its orbit: in
   * each class, the units' states sorted by their keys (the crews' queues and the groups'
   * active, target and leader renumbered with them). Returns the size of the orbit, the
   * number of states of the unlumped chain it stands for: per class m! / (product of the
   * factorials of the numbers of equal keys).
   */
  lump(s: State): number {
    let orbit = 1;
    for (const units of this.classes) {
      const keys = units.map((u) => unitKey(this.blk, s, u));
      const order = units.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
      let run = 0;
      order.forEach((o, k) => {
        run = k > 0 && keys[o] === keys[order[k - 1]] ? run + 1 : 1;
        orbit = (orbit * (k + 1)) / run;
      });
      if (order.some((o, k) => o !== k)) this.permute(s, units, order);
    }
    return Math.round(orbit);
  }

  /** Moves the state of unit `order[k]` of `units` to unit k, for every k. */
  private permute(s: State, units: Unit[], order: number[]): void {
    const comp = new Map<number, number>();
    const inst = new Map<number, Map<number, number>>();
    order.forEach((o, k) => {
      units[o].comps.forEach((ci, p) => comp.set(ci, units[k].comps[p]));
      units[o].insts.forEach(([gi, i], p) => {
        if (!inst.has(gi)) inst.set(gi, new Map());
        inst.get(gi)!.set(i, units[k].insts[p][1]);
      });
    });
    const moved = <T>(a: T[], map: Map<number, number>): T[] => {
      const out = a.slice();
      for (const [from, to] of map) out[to] = a[from];
      return out;
    };
    s.c = moved(s.c, comp);
    for (const p of s.pools) p.q = p.q.map((ci) => comp.get(ci) ?? ci);
    for (const [gi, map] of inst) {
      const g = s.g[gi];
      const G = this.blk.groups[gi];
      const sh = G.host.shape;
      const re = (i: number) => (i >= 0 ? (map.get(i) ?? i) : i);
      for (const f of sh.perInstance) g.s[f] = moved(g.s[f] as unknown[], map);
      for (let k = 0; k < sh.timers.perInstance; k++) {
        const base = sh.timers.fixed + k * G.n;
        const part = moved(g.t.slice(base, base + G.n), map);
        for (let i = 0; i < G.n; i++) g.t[base + i] = part[i];
      }
      for (const r of sh.instanceRefs) g.s[r] = re(g.s[r] as number);
    }
  }

  /**
   * Allows the simulator's choice by index among `cands` (instances of group `gi`) in the
   * world state `s`: when no permutation moves them, or when they lie in distinct units of
   * one class in identical states. Otherwise throws Asymmetric with their classes.
   */
  checkChoice(s: State, gi: number, cands: number[]): void {
    const at = cands.map((j) => this.at[gi][j]);
    if (at.every((x) => x === null)) return;
    const first = at[0];
    if (first !== null && at.every((x) => x !== null && x.cls === first.cls) && new Set(at.map((x) => x!.unit)).size === at.length) {
      const units = this.classes[first.cls];
      const key = unitKey(this.blk, s, units[first.unit]);
      if (at.every((x) => unitKey(this.blk, s, units[x!.unit]) === key)) return;
    }
    throw new Asymmetric(new Set(at.filter((x) => x !== null).map((x) => x!.cls)));
  }
}

/** The clocks running in a tangible state: [rate, action]. */
/** The clocks that run in state `s`: rate (1/s), what firing does, and a name (the same clock in every state it runs in). */
function clocks(blk: BlockModel, s: State): Array<[number, (w: World) => void, string]> {
  const list: Array<[number, (w: World) => void, string]> = [];
  // The services repair steps wait for, up or not in this state (their groups are in the block).
  const servicesUp: Record<number, boolean> = {};
  if (blk.needs.size > 0) {
    const up = groupsUp(blk, s);
    for (const [sv, groups] of blk.needs) servicesUp[sv] = groups.every((g) => up[g]);
  }
  s.c.forEach((c, ci) => {
    if (c.up) blk.comps[ci].modes.forEach((m, j) => list.push([m.rate, (w) => w.fail(ci, j), `f${ci}.${j}`]));
    if (c.up && c.y === true) list.push([blk.comps[ci].age, (w) => w.grownUp(ci), `y${ci}`]);
    if (c.t !== null && c.sp !== true && (c.t.needs === undefined || c.t.needs.every((sv) => servicesUp[sv]))) {
      const kind = c.t.kind;
      list.push([c.t.rate, (w) => w.componentTimer(ci, kind), `c${ci}.${kind}`]);
    }
  });
  blk.commons.forEach((cc, i) => list.push([cc.rate, (w) => w.failCommon(cc), `x${i}`]));
  s.g.forEach((g, gi) => {
    g.t.forEach((slot, k) => {
      if (slot !== null)
        list.push([slot.rate, (w) => {
          w.s.g[gi].t[k] = null;
          w.groupTimer(gi, k);
        }, `g${gi}.${k}`]);
    });
  });
  return list;
}

/**
 * The order in which states are expanded: `next` gives the discovery index of the next
 * state to expand (-1: stop), `expanded` hears each expanded state's transitions (to the
 * discovery index of each successor, at its rate, self-loops included) and whether it
 * is at rest (see `explore`: all is well again, whatever roles the instances now hold).
 */
interface ExploreOrder {
  readonly measuresExtra?: boolean;
  next(discovered: number): number;
  expanded(from: number, out: ReadonlyArray<Jump>, atRest: boolean): void;
}

/** A transition as exploration hears it: to a discovery index, at a rate (1/s), by a rare clock (one that runs in everything up at the same rate, or one as slow as such a clock: a failure) or not (a repair, a detection, a recovery step...). */
interface Jump {
  to: number;
  rate: number;
  rare: boolean;
  /** For a rare jump when exploring likeliest first: the longest mean (s) of the clocks its event started (those of the state reached that did not run before, same names and rates); else 0. */
  extra: number;
  /** The clock's name (see `clocks`). */
  clock: string;
}

/** Breadth first: every state discovered, in the order discovered (the exact chain). */
function breadthFirst(): ExploreOrder {
  let i = 0;
  return { next: (discovered) => (i < discovered ? i++ : -1), expanded: () => {} };
}

/**
 * Likeliest first, with a cut-off (AnalyzeOptions.truncate): a state's cost is the least
 * over paths from everything up of -ln of the product of the jump probabilities on the
 * way (each transition's rate over its state's total rate out), so that exp(-cost) is the
 * chance that the likeliest path to it is taken from the start; states are expanded by
 * rising cost (Dijkstra, a binary heap) while the cost is at most `cutoff`. The states
 * discovered but not expanded are left out of the chain (see `truncate`).
 */
class LikeliestFirst implements ExploreOrder {
  /** Per discovery index: the least cost found so far (Infinity before it is reached). */
  readonly cost: number[] = [0];
  /** Per discovery index: whether it was expanded. */
  readonly done: boolean[] = [];
  /** Discovery indices in the order expanded. */
  readonly order: number[] = [];
  /** Per discovery index of an expanded state: at rest (see ExploreOrder). */
  readonly atRest: boolean[] = [];
  /** The rare jumps between distinct states (by discovery index): those to states left out are the ways out of the truncated chain. */
  readonly exits: Array<{ from: number; to: number; rate: number; extra: number; clock: string }> = [];
  /** The jumps out of the first state expanded at rest (all well: the likeliest), by clock name; they cost nothing, so that the recovery from each single event is kept. */
  readonly restJumps = new Map<string, Array<{ to: number; rate: number }>>();
  private restSeen = false;
  /** Whether exploration should measure each rare jump's `extra` (Jump). */
  readonly measuresExtra = true;
  /** States to expand, cheapest first (a state pushed again at a lower cost leaves its old entry, skipped when popped). */
  private readonly heap = new CostHeap();
  constructor(private readonly cutoff: number) {
    this.heap.push(0, 0);
  }
  next(): number {
    while (this.heap.size > 0) {
      const top = this.heap.pop();
      const cost = this.heap.poppedCost;
      if (this.done[top] || cost > this.cost[top]) continue;
      if (cost > this.cutoff) return -1;
      this.done[top] = true;
      this.order.push(top);
      return top;
    }
    return -1;
  }
  expanded(from: number, out: ReadonlyArray<Jump>, atRest: boolean): void {
    this.atRest[from] = atRest;
    const first = atRest && !this.restSeen;
    if (first) this.restSeen = true;
    for (const t of out) {
      if (t.rare && t.to !== from) this.exits.push({ from, to: t.to, rate: t.rate, extra: t.extra, clock: t.clock });
      if (first && t.to !== from) {
        const list = this.restJumps.get(t.clock);
        if (list) list.push({ to: t.to, rate: t.rate });
        else this.restJumps.set(t.clock, [{ to: t.to, rate: t.rate }]);
      }
    }
    let total = 0;
    for (const t of out) if (t.to !== from) total += t.rate;
    for (const t of out) {
      if (t.to === from) continue;
      const c = t.rare && !first ? this.cost[from] - Math.log(t.rate / total) : this.cost[from];
      if (!(c < (this.cost[t.to] ?? Infinity))) continue;
      this.cost[t.to] = c;
      this.heap.push(c, t.to);
    }
  }
}

/** Expands states in `order` (each state's clocks fired, every outcome added), recording transitions by discovery index. */
function explore(
  blk: BlockModel,
  sym: Symmetry | null,
  keys: string[],
  add: (s: State) => number,
  upIn: boolean[][],
  transitions: Ctmc['transitions'],
  outageFlows: Array<Array<{ from: number; rate: number }>>,
  patternIn: number[][],
  logicFlows: Array<Map<string, Array<{ from: number; rate: number }>>>,
  order: ExploreOrder,
): void {
  const out: Jump[] = [];
  // Rare clocks: failures (and common causes), and a mechanism's clock as slow as the fastest failure of everything up (a spurious detection); repairs, restarts and recovery steps, however slow, are not. At rest: a state whose clocks are failures and those mechanisms' clocks that run in everything up (same names and rates: a spurious detection...).
  const nominal = new Set<string>();
  let failureRate = 0;
  let failures = 0;
  for (let from = order.next(keys.length); from >= 0; from = order.next(keys.length)) {
    out.length = 0;
    let running = 0;
    let unusual = false;
    const s = decodeState(keys[from]);
    const startUp = groupsUp(blk, s);
    const clockList = clocks(blk, s);
    const before = order.measuresExtra ? new Set(clockList.map(([rate, , name]) => `${name}@${rate}`)) : null;
    if (from === 0) {
      for (const [rate, , name] of clockList) {
        if (name[0] === 'f' || name[0] === 'x') {
          if (!(rate > 0)) continue;
          failures++;
          if (rate > failureRate) failureRate = rate;
        } else if (name[0] === 'g') nominal.add(`${name}@${rate}`);
      }
    }
    for (const [rate, act, name] of clockList) {
      if (!(rate > 0)) continue;
      const failure = name[0] === 'f' || name[0] === 'x';
      const rare = failure || (name[0] === 'g' && rate <= failureRate);
      if (failure) running++;
      else if (!nominal.has(`${name}@${rate}`)) unusual = true;
      for (const o of fire(blk, sym, s, startUp, act)) {
        if (!(o.prob > 0)) continue;
        // Before lumping renumbers the components (and so the clocks' names).
        let extra = 0;
        if (rare && before !== null) {
          for (const [r2, , n2] of clocks(blk, o.state)) if (r2 !== IMMEDIATE && r2 > 0 && !before.has(`${n2}@${r2}`) && 1 / r2 > extra) extra = 1 / r2;
        }
        const to = add(o.state);
        const r = rate * o.prob;
        out.push({ to, rate: r, rare, extra, clock: name });
        if (to !== from) transitions.push({ from, to, rate: r });
        blk.watch.forEach((_, k) => {
          if (o.seenUp[k] && !upIn[to][k]) outageFlows[k].push({ from, rate: r });
        });
        // Expression services: the patterns on the way and at the end (combined with the other blocks' later).
        blk.logic.forEach((_, k) => {
          const end = patternIn[to][k];
          const v = o.visited[k];
          if (v.size === 1 && v.has(end)) return;
          const key = `${[...v].sort((a, b) => a - b).join(',')}|${end}`;
          let list = logicFlows[k].get(key);
          if (!list) logicFlows[k].set(key, (list = []));
          list.push({ from, rate: r });
        });
      }
    }
    order.expanded(from, out, !unusual && running === failures);
  }
}

/** The lumped chain of a block as explored: state keys, transitions, which watched services are up in each state, outage-starting flows, and the states of the unlumped chain. */
interface Explored {
  keys: string[];
  upIn: boolean[][];
  transitions: Ctmc['transitions'];
  /** Per watched service: transitions that start an outage (the path saw it up and ends with it down). */
  outageFlows: Array<Array<{ from: number; rate: number }>>;
  /** Sum over the states of their orbit sizes (= keys.length without lumping). */
  unlumped: number;
  /** Per state, per expression service: its pattern. */
  patternIn: number[][];
  /** Per expression service: transitions by the patterns they went through and their end pattern (`v1,v2|end`). */
  logicFlows: Array<Map<string, Array<{ from: number; rate: number }>>>;
  /** With a cut-off that left states out: the index of the state standing for all of them (the last) and what `truncate` reports. */
  truncated?: Truncated;
}

/**
 * A truncated chain (AnalyzeOptions.truncate). The states left out (discovered beyond the
 * cut-off) are one state, `beyond` (the last index), counted as up in the block's figures,
 * which leads back to everything up. A state left out is reached from a kept state by one
 * rare event (a failure, or a mechanism's clock as slow), so its way back is estimated as
 * the kept state's mean time to rest (toRest: until it is at rest, all well again) plus
 * `extra`: the mean time to rest after the same event from rest (the first state at rest
 * explored, whose jumps cost nothing, so that the recovery from each single event is
 * kept), or the longest mean of the clocks the event started when that is longer or
 * unknown. The mean stay in `beyond` is that, averaged over the ways in weighted by their
 * flow in the solved chain (solveBlock solves twice, first with the longest such stay).
 * The downtime the states left out may add is estimated alike, per watched service: the
 * kept state's mean downtime to rest plus `extra` (the whole recovery from the extra event
 * counted as down), times the flow, added to the unavailability's upper figure; the
 * outages, as one at the event plus the kept state's mean outages to rest plus those of
 * the recovery from the event alone (one when unknown), times the flow: the outage rate
 * may be off by that either way (a stay misjudged moves the kept states' share too).
 * Estimates, not bounds (test/truncate.test.ts checks them against whole chains).
 */
interface Truncated {
  beyond: number;
  /** States discovered but left out. */
  leftOut: number;
  /** The ways into `beyond`: from a kept state, at a rate (1/s), with `extra` (s) and, per watched service, the outages the event and its recovery may start (see above). */
  entries: Array<{ from: number; rate: number; extra: number; extraOutages: number[] }>;
  /** Per kept state, its mean time (s) to rest. */
  toRest: Float64Array;
  /** Per watched service, per kept state, its mean downtime (s) to rest. */
  downToRest: Float64Array[];
  /** Per watched service, per kept state, the mean number of its outages to rest. */
  outagesToRest: Float64Array[];
}

/**
 * Per state of a chain, the mean of what it accrues (`reward(i)` per second in state i)
 * until it reaches a state at rest (`atRest`: 0 there), by Gauss-Seidel sweeps on
 * v(s) = (reward(s) + sum_t q(s,t) v(t)) / q(s) (transitions to or from `skip` ignored),
 * until no value changes by more than 1e-9 relative; null when it does not settle in
 * `maxSweeps` sweeps or a state other than `skip` has no way out.
 */
function accruedToRest(n: number, transitions: Ctmc['transitions'], atRest: (i: number) => boolean, skip: number, reward: (i: number) => number, maxSweeps = 5000): Float64Array | null {
  const start = new Int32Array(n + 1);
  for (const t of transitions) if (t.from !== skip && t.to !== skip) start[t.from + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const to = new Int32Array(start[n]);
  const rate = new Float64Array(start[n]);
  const out = new Float64Array(n);
  for (const t of transitions) {
    if (t.from === skip || t.to === skip) continue;
    const k = fill[t.from]++;
    to[k] = t.to;
    rate[k] = t.rate;
    out[t.from] += t.rate;
  }
  const perSecond = Float64Array.from({ length: n }, (_, i) => reward(i));
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) if (i !== skip && !atRest(i) && !(out[i] > 0)) return null;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let i = n - 1; i >= 0; i--) {
      if (i === skip || atRest(i)) continue;
      let acc = perSecond[i];
      for (let k = start[i]; k < start[i + 1]; k++) acc += rate[k] * v[to[k]];
      const x = acc / out[i];
      const d = x === v[i] ? 0 : Math.abs(x - v[i]) / Math.max(Math.abs(x), 1e-300);
      if (d > change) change = d;
      v[i] = x;
    }
    if (change <= 1e-9) return v;
  }
  return null;
}

/**
 * What multiplies a block's states, for a refusal over the limit: the number of distinct
 * conditions of each component and of each group's mechanism (its state and timers) in
 * `keys` (a sample of at most 20,000 of them, evenly spaced), largest first, the six
 * largest of those above one.
 */
function multipliers(blk: BlockModel, keys: readonly string[]): string {
  const step = Math.max(1, Math.floor(keys.length / 20000));
  const comps = blk.chain.comps.map(() => new Set<string>());
  const groups = blk.groups.map(() => new Set<string>());
  for (let k = 0; k < keys.length; k += step) {
    const s = decodeState(keys[k]);
    s.c.forEach((c, ci) => comps[ci].add(JSON.stringify(c)));
    s.g.forEach((g, gi) => groups[gi].add(JSON.stringify(g)));
  }
  const parts: Array<[string, number]> = [
    ...comps.map((set, ci): [string, number] => [blk.chain.comps[ci].model.path, set.size]),
    ...groups.map((set, gi): [string, number] => [`the mechanism of ${blk.groups[gi].name}`, set.size]),
  ];
  const top = parts.filter(([, n]) => n > 1).sort((a, b) => b[1] - a[1]).slice(0, 6);
  return top.map(([what, n]) => `${what}: ${n}`).join(', ');
}

/**
 * Explores one block from everything up (the simulator's start), each state lumped by
 * `sym` (null: not lumped): breadth first, every reachable state (`cutoff` Infinity), or
 * likeliest first up to the cost `cutoff` (LikeliestFirst), the states beyond it made one
 * (Truncated).
 */
function exploreBlock(blk: BlockModel, sym: Symmetry | null, maxStates: number, describe: string, cutoff = Infinity): Explored {
  const index = new Map<string, number>();
  const x: Explored = { keys: [], upIn: [], transitions: [], outageFlows: blk.watch.map(() => []), unlumped: 0, patternIn: [], logicFlows: blk.logic.map(() => new Map()) };
  const orbits: number[] = [];
  const add = (s: State): number => {
    const orbit = sym === null ? 1 : sym.lump(s);
    // Lumping renumbers components in the queues.
    if (sym !== null) sortRandomQueues(blk, s);
    const k = encodeState(s);
    let i = index.get(k);
    if (i === undefined) {
      if (x.keys.length >= maxStates) {
        throw new AnalysisRefused('', [`${describe} needs more than ${maxStates} states${cutoff === Infinity ? '' : ' (found: kept or left out)'} (raise --max-states, or ${cutoff === Infinity ? 'leave out the least likely states with --truncate, e.g. --truncate 1e-6' : 'truncate more: a larger --truncate'}; groups that share no host, rack, crew or dependency are solved apart); what multiplies them (the distinct conditions of each part in the states explored): ${multipliers(blk, x.keys)}`]);
      }
      i = x.keys.length;
      index.set(k, i);
      x.keys.push(k);
      orbits.push(orbit);
      const up = groupsUp(blk, s);
      x.upIn.push(blk.watch.map((ch) => ch.every((g) => up[g])));
      x.patternIn.push(blk.logic.map((L) => pattern(L, up, (c) => s.c[c].up)));
    }
    return i;
  };
  add(initialState(blk));
  const order = cutoff === Infinity ? breadthFirst() : new LikeliestFirst(cutoff);
  try {
    explore(blk, sym, x.keys, add, x.upIn, x.transitions, x.outageFlows, x.patternIn, x.logicFlows, order);
  } catch (e) {
    if (e instanceof ZeroDelayLoop) throw new AnalysisRefused('', [`${describe}: zero delays trigger each other without end (time would not advance); give one of them a duration > 0`]);
    throw e;
  }
  if (!(order instanceof LikeliestFirst) || order.order.length === x.keys.length) {
    x.unlumped = orbits.reduce((a, b) => a + b, 0);
    return x;
  }
  return truncate(blk, x, orbits, order, describe);
}

/** Renumbers an exploration cut off by `order`: the expanded states in the order expanded, then one state standing for those left out (Truncated). */
function truncate(blk: BlockModel, x: Explored, orbits: readonly number[], order: LikeliestFirst, describe: string): Explored {
  const kept = order.order;
  const beyond = kept.length;
  const to = new Int32Array(x.keys.length).fill(beyond);
  kept.forEach((d, i) => (to[d] = i));
  const from = (list: Array<{ from: number; rate: number }>) => list.map((t) => ({ from: to[t.from], rate: t.rate }));
  const transitions = x.transitions.map((t) => ({ from: to[t.from], to: to[t.to], rate: t.rate })).filter((t) => t.from !== t.to);
  const atRest = (i: number) => order.atRest[kept[i]];
  const upIn = [...kept.map((d) => x.upIn[d]), blk.watch.map(() => true)];
  const toRest = accruedToRest(beyond + 1, transitions, atRest, beyond, () => 1);
  const downToRest = blk.watch.map((_, k) => accruedToRest(beyond + 1, transitions, atRest, beyond, (i) => (upIn[i][k] ? 0 : 1)));
  // Per watched service, per kept state: the rate (1/s) of the jumps that start an outage of it.
  const outageRates = x.outageFlows.map((list) => {
    const r = new Float64Array(beyond + 1);
    for (const t of list) r[to[t.from]] += t.rate;
    return r;
  });
  const outagesToRest = outageRates.map((r) => accruedToRest(beyond + 1, transitions, atRest, beyond, (i) => (i === beyond ? 0 : r[i])));
  if (toRest === null || downToRest.some((d) => d === null) || outagesToRest.some((d) => d === null)) {
    throw new AnalysisRefused('', [`${describe}: truncated (--truncate), but some kept states never come back to rest without a rarer event; a smaller --truncate keeps more of the chain`]);
  }
  // After the same event from rest (the first state at rest): the mean of `of` over its kept branches (null when none was kept).
  const alone = (clock: string, of: (i: number) => number): number | null => {
    const jumps = (order.restJumps.get(clock) ?? []).filter((j) => to[j.to] !== beyond);
    const total = jumps.reduce((a, j) => a + j.rate, 0);
    return total > 0 ? jumps.reduce((a, j) => a + j.rate * of(to[j.to]), 0) / total : null;
  };
  return {
    keys: [...kept.map((d) => x.keys[d]), encodeState({ c: [], pools: [], g: [] })],
    upIn,
    transitions,
    outageFlows: x.outageFlows.map(from),
    unlumped: kept.reduce((a, d) => a + orbits[d], 1),
    patternIn: [...kept.map((d) => x.patternIn[d]), x.patternIn[0]],
    logicFlows: x.logicFlows.map((m) => new Map([...m].map(([k, list]) => [k, from(list)]))),
    truncated: {
      beyond,
      leftOut: x.keys.length - kept.length,
      entries: order.exits
        .filter((e) => to[e.to] === beyond)
        .map((e) => ({
          from: to[e.from],
          rate: e.rate,
          extra: Math.max(e.extra, alone(e.clock, (i) => toRest[i]) ?? 0),
          // One outage at the event at most, and those of its recovery from rest (at least one when unknown).
          extraOutages: blk.watch.map((_, k) => 1 + (alone(e.clock, (i) => (outagesToRest[k] as Float64Array)[i]) ?? 1)),
        })),
      toRest,
      downToRest: downToRest as Float64Array[],
      outagesToRest: outagesToRest as Float64Array[],
    },
  };
}

/**
 * Explores and solves one block, lumped when `lump` (a class of units found asymmetric on
 * the way is dropped and the block explored again); returns per watched service its
 * availability, unavailability (summed over the down states) and outage rate (1/s).
 */
function solveBlock(
  blk: BlockModel,
  maxStates: number,
  describe: string,
  lump: boolean,
  times?: readonly number[],
  cutoff = Infinity,
): { avail: number[]; unavail: number[]; rate: number[]; logic: LogicPart[]; transient?: Array<{ availability: number[]; reliability: number[] }> | string; cutDown?: number[]; cutOutages?: number[]; result: Omit<BlockResult, 'name' | 'groups' | 'hosts'> } {
  let sym = lump ? Symmetry.of(blk) : null;
  let x: Explored;
  for (;;) {
    try {
      x = exploreBlock(blk, sym, maxStates, describe, cutoff);
      break;
    } catch (e) {
      if (!(e instanceof Asymmetric) || sym === null) throw e;
      sym = sym.without(e.classes);
    }
  }
  const { keys, upIn, transitions, outageFlows } = x;
  const cut = x.truncated;
  const chain: Ctmc = { n: keys.length, transitions };
  let pi: Float64Array;
  try {
    if (cut) {
      // Back from beyond the cut-off: first after the longest stay of a way in, then after the flow-weighted one (Truncated).
      const stayAfter = (e: Truncated['entries'][number]) => cut.toRest[e.from] + e.extra;
      const back = { from: cut.beyond, to: 0, rate: 1 / cut.entries.reduce((m, e) => Math.max(m, stayAfter(e)), 1) };
      transitions.push(back);
      pi = steadyStateSparse(chain);
      let flow = 0;
      let stay = 0;
      for (const e of cut.entries) {
        flow += pi[e.from] * e.rate;
        stay += pi[e.from] * e.rate * stayAfter(e);
      }
      if (flow > 0 && stay > 0) back.rate = flow / stay;
    }
    pi = steadyStateSparse(chain);
  } catch (e) {
    if (e instanceof FillError) {
      throw new AnalysisRefused('', [
        `${describe}: ${chain.n.toLocaleString('en-US')} states, but ${e.message} (too much memory): too large to solve exactly; fewer failing layers, restart times or instances in it would shrink it`,
      ]);
    }
    // Reachable from everything up and never back: a bug, not bad input.
    if (e instanceof RangeError) throw new ChainError(`${describe}: ${e.message}`);
    throw e;
  }
  const avail = blk.watch.map((_, k) => upIn.reduce((a, u, i) => (u[k] ? a + pi[i] : a), 0));
  const unavail = blk.watch.map((_, k) => upIn.reduce((a, u, i) => (u[k] ? a : a + pi[i]), 0));
  const rate = outageFlows.map((fl) => fl.reduce((acc, t) => acc + pi[t.from] * t.rate, 0));
  const logic = blk.logic.map((L, k): LogicPart => {
    const probs = new Map<number, number>();
    x.patternIn.forEach((p, i) => probs.set(p[k], (probs.get(p[k]) ?? 0) + pi[i]));
    const flows = [...x.logicFlows[k]].map(([key, fl]) => {
      const [v, end] = key.split('|');
      return { visited: v.split(',').map(Number), end: Number(end), rate: fl.reduce((acc, t) => acc + pi[t.from] * t.rate, 0) };
    });
    return { global: L.global, probs: [...probs], flows };
  });
  const transient = !times ? undefined : cut ? `${describe}: a truncated chain (--truncate): transient figures are computed on whole chains only` : blockTransient(chain, upIn, blk.watch.length, times, describe);
  const truncation = cut && {
    leftOut: cut.leftOut,
    outside: pi[cut.beyond],
    entryRate: cut.entries.reduce((acc, e) => acc + pi[e.from] * e.rate, 0),
    staySeconds: 1 / transitions.find((t) => t.from === cut.beyond)!.rate,
  };
  // Per watched service: the share of time the states left out may add to its downtime (Truncated).
  const cutDown = cut && blk.watch.map((_, k) => cut.entries.reduce((acc, e) => acc + pi[e.from] * e.rate * (cut.downToRest[k][e.from] + e.extra), 0));
  // Per watched service: the outage rate (1/s) the states left out may add or take away (Truncated).
  const cutOutages = cut && blk.watch.map((_, k) => cut.entries.reduce((acc, e) => acc + pi[e.from] * e.rate * (cut.outagesToRest[k][e.from] + e.extraOutages[k]), 0));
  return { avail, unavail, rate, logic, transient, ...(cutDown && cutOutages ? { cutDown, cutOutages } : {}), result: { states: chain.n, statesUnlumped: x.unlumped, transitions: transitions.length, residual: ctmcResidual(chain, pi), ...(truncation ? { truncation } : {}) } };
}

/**
 * Per watched service of a block: A(t) and R(t) from the initial state (index 0: everything
 * up), or why not (a chain too stiff for uniformisation). R(t) is the up mass of the chain
 * with every transition out of a state where the service is down removed: the first
 * outage is absorbing (a tangible down state is a down period of positive length: an outage).
 */
function blockTransient(chain: Ctmc, upIn: boolean[][], watched: number, times: readonly number[], describe: string): Array<{ availability: number[]; reliability: number[] }> | string {
  const p0 = new Float64Array(chain.n);
  p0[0] = 1;
  const upMass = (ps: Float64Array[], k: number) => ps.map((p) => upIn.reduce((a, u, i) => (u[k] ? a + p[i] : a), 0));
  try {
    const ps = transientDistribution(chain, p0, times);
    return Array.from({ length: watched }, (_, k) => {
      const absorbing: Ctmc = { n: chain.n, transitions: chain.transitions.filter((t) => upIn[t.from][k]) };
      return { availability: upMass(ps, k), reliability: upIn[0][k] ? upMass(transientDistribution(absorbing, p0, times), k) : times.map(() => 0) };
    });
  } catch (e) {
    if (e instanceof StiffChainError) return `${describe}: ${e.message}`;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// From the SystemModel to blocks.

class UnionFind {
  private readonly p: number[];
  constructor(n: number) {
    this.p = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.p[i] !== i) i = this.p[i] = this.p[this.p[i]];
    return i;
  }
  union(a: number, b: number): void {
    this.p[this.find(a)] = this.find(b);
  }
}

/** The groups and hosts of a block, for messages: `block {vMME, vSGW on hosts c-1, c-2}`. */
function blockName(fns: readonly FunctionModel[]): { name: string; groups: string[]; hosts: string[] } {
  const groups = fns.map((f) => f.name);
  const hosts = [...new Set(fns.flatMap((f) => f.instances.map((i) => i.host)))];
  const shown = hosts.length <= 6 ? hosts.join(', ') : `${hosts.slice(0, 3).join(', ')} ... ${hosts[hosts.length - 1]} (${hosts.length} hosts)`;
  return { name: `block {${groups.join(', ')} on host${hosts.length === 1 ? '' : 's'} ${shown}}`, groups, hosts };
}

function typeWhere(c: ComponentModel): string {
  return `components.${c.type}`;
}

/**
 * Attaches every registered controller as the simulation does, with a control that offers
 * only what a Markov chain can hold (taking over repairs, delays, streams, counters); a
 * controller says itself which parts of the model it cannot offer that way
 * (`unanalyzable`), and those are refused. Returns, per component index, the repair a
 * controller took over, and the components whose age a controller compares with a delay
 * (SystemControl.upLongerThan): the delay's rate, and the component object that holds
 * its young phase in the block being explored (set when the block is built).
 */
function attachControllers(model: SystemModel, res: DelayResolver): { repairBy: Map<number, RepairTaker>; ages: Map<number, AgeWatch> } {
  const repairBy = new Map<number, RepairTaker>();
  const ages = new Map<number, AgeWatch>();
  const offered: Partial<SystemControl> = {
    streams: NO_STREAMS,
    scheduler: new Proxy({} as Scheduler, {
      get(_t, prop) {
        throw new ChainError(`a controller read the scheduler (${String(prop)}) in analysis`);
      },
    }),
    count() {},
    takeRepair(g, i, repair, which = 'app') {
      const inst = model.functions[g].instances[i];
      repairBy.set(which === 'base' ? inst.base : inst.top, repair);
    },
    // An exponential delay is a phase of the application: young from each time it comes up, left at the delay's rate while up.
    upLongerThan(g, i, delay) {
      const ci = model.functions[g].instances[i].top;
      if (ages.has(ci)) throw new ChainError(`two ages asked of ${model.components[ci].path}`);
      const watch: AgeWatch = { rate: res.delayRate(delay), comp: null };
      ages.set(ci, watch);
      return () => {
        if (watch.comp === null) throw new ChainError(`the age of ${model.components[ci].path} asked outside its block`);
        return !watch.comp.young;
      };
    },
    delay(dist, stream, where, what) {
      const d = new DistDelay(dist, stream, where, what);
      res.delayRate(d);
      return d;
    },
  };
  for (const c of CONTROLLERS) {
    const reasons = c.unanalyzable(model);
    if (reasons.length > 0) {
      reasons.forEach((r) => res.refuse(r));
      continue;
    }
    const ctl = new Proxy(offered as SystemControl, {
      get(t, prop) {
        if (prop in t) return t[prop as keyof SystemControl];
        throw new ChainError(`controller ${c.name} used ctl.${String(prop)}, which analysis does not offer: its unanalyzable() must name that part of the model`);
      },
    });
    // Objects that only hold state (no `start`) may be returned (see ControllerFactory.attach).
    if (c.attach(model, ctl).some((x) => x.start !== undefined)) throw new ChainError(`controller ${c.name} started running controllers in analysis: its unanalyzable() must name that part of the model`);
  }
  return { repairBy, ages };
}

/**
 * Builds and solves the exact Markov chain of every block of `model` that a service
 * depends on, and combines the blocks per service.
 * @throws AnalysisRefused naming every part that cannot be represented exactly (or a block over the state limit)
 */
export function analyzeModel(model: SystemModel, opts: AnalyzeOptions = {}): AnalysisResult {
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
  // Planned work runs on a calendar (and moves instances): not a time-homogeneous chain.
  const res = new DelayResolver(opts.approximate ?? false);
  const { repairBy, ages } = attachControllers(model, res);
  const C = model.components.length;
  const F = model.functions.length;
  const uf = new UnionFind(C + F);
  // A component that never goes down (no failure mode, nothing below it that fails) is a
  // constant: what runs on it is not coupled through it. Parents come before children.
  // A host's hardware also rests on its shared elements (which come before it).
  const deps: number[][] = model.components.map(() => []);
  for (const sh of model.shared) for (const d of sh.dependents) deps[d].push(sh.component);
  const canGoDown: boolean[] = [];
  for (const c of model.components) canGoDown[c.index] = c.modes.length > 0 || (c.parent >= 0 && canGoDown[c.parent]) || deps[c.index].some((d) => canGoDown[d]);
  for (const c of model.components) if (c.parent >= 0 && canGoDown[c.parent]) uf.union(c.index, c.parent);
  for (const c of model.components) for (const d of deps[c.index]) if (canGoDown[d]) uf.union(c.index, d);
  // A common-cause clock couples every component of its type.
  for (const cc of model.commonCauses) for (const ci of cc.components) uf.union(ci, cc.components[0]);
  const byCrew = new Map<number, number>();
  for (const c of model.components) {
    if (c.crew < 0 || c.modes.length === 0) continue;
    const first = byCrew.get(c.crew);
    if (first === undefined) byCrew.set(c.crew, c.index);
    else uf.union(first, c.index);
  }
  model.functions.forEach((f, fi) => {
    for (const inst of f.instances) uf.union(C + fi, inst.top);
    for (const r of f.requires) uf.union(C + fi, C + r);
    // A group its mechanism watches (a cluster manager) is read in its states: one block.
    for (const w of MECHANISMS[f.ha.mechanism].watches?.(f) ?? []) uf.union(C + fi, C + w);
    // So is a component it reads (a heartbeat link).
    for (const c of MECHANISMS[f.ha.mechanism].reads?.(f) ?? []) uf.union(C + fi, c);
  });
  // A repair that waits for services couples the component with the service's groups.
  const couplings = CONTROLLERS.flatMap((c) => c.couplings?.(model) ?? []);
  for (const [ci, sv] of couplings) for (const fi of model.services[sv].chain) uf.union(ci, C + fi);
  // An instance that needs side components is cut off while one is down (InstanceGate): one block with them.
  model.functions.forEach((f, fi) => {
    for (const inst of f.instances) for (const c of inst.needs ?? []) if (canGoDown[c]) uf.union(C + fi, c);
  });
  for (const [, sv] of couplings) {
    const s = model.services[sv];
    if (s.logic !== null) res.refuse(`services.${s.name}: a repair waits for this service, which is given by an expression (up = ${s.logic.text}): analyze handles only chains there; simulate it (nfvsim run)`);
  }
  // Blocks the services need, in order of first use: their chains' groups, and the
  // infrastructure elements an expression names that can go down.
  const roots: number[] = [];
  const serviceBlocks = model.services.map((s) => {
    const bs: number[] = [];
    const nodes = s.chain.map((fi) => C + fi);
    if (s.logic !== null) for (const l of s.logic.leaves) if (l.kind === 'element' && l.component >= 0 && canGoDown[l.component]) nodes.push(l.component);
    for (const x of nodes) {
      const r = uf.find(x);
      let b = roots.indexOf(r);
      if (b < 0) b = roots.push(r) - 1;
      if (!bs.includes(b)) bs.push(b);
    }
    return bs;
  });

  // Check and resolve every part of the blocks; collect refusals before solving anything.
  interface Pending {
    blk: BlockModel;
    fns: FunctionModel[];
    /** Per watched service: its index in model.services. */
    services: number[];
    /** Per expression service it holds leaves of (BlockModel.logic): its index in model.services. */
    logicServices: number[];
    /** Paths of its root components (to name a block without groups). */
    paths: string[];
  }
  const pendings: Pending[] = roots.map((root) => {
    const compIdx = model.components.filter((c) => uf.find(c.index) === root).map((c) => c.index);
    const fnIdx = model.functions.map((_, i) => i).filter((i) => uf.find(C + i) === root);
    const local = new Map(compIdx.map((g, l) => [g, l]));
    const localFn = new Map(fnIdx.map((g, l) => [g, l]));
    const crewIdx: number[] = [];
    const comps: LComp[] = compIdx.map((gi) => {
      const c = model.components[gi];
      const w = typeWhere(c);
      let crew = -1;
      if (c.crew >= 0) {
        crew = crewIdx.indexOf(c.crew);
        if (crew < 0) crew = crewIdx.push(c.crew) - 1;
      }
      return {
        path: c.path,
        layer: LAYERS.indexOf(c.layer),
        // A parent outside the block never goes down (see canGoDown): the component is a root here.
        parent: c.parent >= 0 && local.has(c.parent) ? local.get(c.parent)! : -1,
        children: c.children.filter((ch) => local.has(ch)).map((ch) => local.get(ch)!),
        deps: deps[gi].filter((d) => local.has(d)).map((d) => local.get(d)!),
        modes: c.modes.map((m) => {
          const mw = `${w}.failures.${m.name}`;
          // A mode that fires only through its common clock has no clock of its own.
          const rate = m.ttf instanceof Never ? 0 : nonZero(res, m.ttf, `${mw}.ttf`);
          return { rate, announced: m.announced, repair: res.rate(m.repair, `${mw}.repair (or ${w}.repair)`) };
        }),
        restart: res.rate(c.restart, c.redundancy !== undefined ? `${c.path}.failover` : `${w}.restart`),
        crew,
        dispatch: c.crew >= 0 && model.crews[c.crew].dispatch !== null ? res.rate(model.crews[c.crew].dispatch!, `crews.${model.crews[c.crew].name}.dispatch`) : 0,
        group: -1,
        instance: -1,
        repairBy: repairBy.get(gi) ?? null,
        age: ages.get(gi)?.rate ?? 0,
      };
    });
    const groups: LGroup[] = fnIdx.map((fi, li): LGroup => {
      const f = model.functions[fi];
      f.instances.forEach((inst, i) => {
        const lc = comps[local.get(inst.top)!];
        lc.group = li;
        lc.instance = i;
        if (inst.needs !== undefined) lc.needs = inst.needs.filter((c) => local.has(c)).map((c) => local.get(c)!);
      });
      // The mechanism's own code, run on the chain's states; its delays are resolved now.
      const reads = (MECHANISMS[f.ha.mechanism].reads?.(f) ?? []).map((c) => local.get(c)!);
      return {
        name: f.name,
        n: f.n,
        requires: f.requires.map((r) => localFn.get(r)!),
        watchedBy: [],
        reads,
        host: new MechanismHost(f, res, (g) => localFn.get(g)!, (c) => local.get(c)!),
      };
    });
    fnIdx.forEach((fi, li) => {
      const f = model.functions[fi];
      for (const w of MECHANISMS[f.ha.mechanism].watches?.(f) ?? []) groups[localFn.get(w)!].watchedBy.push(li);
    });
    const services: number[] = [];
    const watch: number[][] = [];
    const logicServices: number[] = [];
    const logic: LogicWatch[] = [];
    const pinned = new Set<number>();
    // A mechanism that reads components (a heartbeat link, members' links) may tell its
    // instances apart by them: its instances are not lumped.
    for (const fi of fnIdx) {
      const f = model.functions[fi];
      if ((MECHANISMS[f.ha.mechanism].reads?.(f) ?? []).length > 0) for (const inst of f.instances) pinned.add(local.get(inst.top)!);
    }
    model.services.forEach((s, si) => {
      if (s.logic !== null) {
        const L: LogicWatch = { leaves: [], global: [] };
        s.logic.leaves.forEach((l, j) => {
          const at = l.kind === 'group' ? localFn.get(l.index) : l.component >= 0 ? local.get(l.component) : undefined;
          if (at === undefined) return;
          L.leaves.push(l.kind === 'group' ? { g: at } : { c: at });
          L.global.push(j);
          if (l.kind === 'element') pinned.add(at);
        });
        if (L.leaves.length > 30) res.refuse(`services.${s.name}: ${L.leaves.length} parts of its expression lie in one block (at most 30)`);
        if (L.leaves.length > 0) {
          logicServices.push(si);
          logic.push(L);
        }
        return;
      }
      const members = s.chain.filter((fi) => localFn.has(fi)).map((fi) => localFn.get(fi)!);
      if (members.length > 0) {
        services.push(si);
        watch.push(members);
      }
    });
    const commons: LCommon[] = [];
    for (const cc of model.commonCauses) {
      const mine = cc.components.filter((ci) => local.has(ci)).map((ci) => local.get(ci)!);
      if (mine.length > 0) commons.push({ rate: nonZero(res, cc.ttf, `${cc.path}.ttf (the common clock of 'common: true')`), mode: cc.modeIndex, comps: mine });
    }
    // The components as objects running the simulator's rules, linked as in the block.
    const chain = new ChainHost(res);
    chain.pools = crewIdx.map((ci) => {
      const cm = model.crews[ci];
      const pool = new CrewPool(cm.size, cm.order, cm.rank, cm.dispatch, cm.preemptive);
      // A random pick branches: index i with probability 1/n, as successive chances.
      pool.choose = (n) => {
        for (let i = 0; i < n - 1; i++) if (chain.world!.chance(1 / (n - i))) return i;
        return n - 1;
      };
      return pool;
    });
    chain.comps = compIdx.map((g, l) => new ChainComponent(model.components[g], chain, comps[l].crew >= 0 ? chain.pools[comps[l].crew] : null, l, comps[l]));
    compIdx.forEach((g, l) => {
      const watch = ages.get(g);
      if (watch !== undefined) watch.comp = chain.comps[l];
    });
    chain.comps.forEach((c, l) => {
      const lc = comps[l];
      c.children = lc.children.map((ch) => chain.comps[ch]);
      c.parent = lc.parent >= 0 ? chain.comps[lc.parent] : null;
      c.repairBy = lc.repairBy;
      if (lc.group >= 0) {
        c.group = { instanceChanged: (i, up) => chain.world!.instanceChanged(lc.group, i, up) };
        c.instance = lc.instance;
        // A gray application that loses its VM or host while down stops serving, as in the simulation.
        if (c.model.modes.some((m) => m.degraded > 0)) c.hostHook = (up) => {
          if (!up && !c.up) chain.world!.instanceSupportLost(lc.group, lc.instance);
        };
      }
      // A redundant set: its members in preference order (one outside the block never goes down).
      const r = model.components[compIdx[l]].redundancy;
      if (r !== undefined) {
        c.setMembers = r.members.map((m) => (local.has(m) ? chain.comps[local.get(m)!] : NEVER_DOWN));
        c.inUse.forEach((_, i) => (c.inUse[i] = i < r.k));
      }
      // An instance that needs side components: the simulation's gate between its top component and its group.
      if (lc.needs !== undefined) {
        const gate = new InstanceGate(c.group!, c, lc.needs.map((m) => chain.comps[m]));
        c.group = gate;
        gate.listen(c.instance);
        chain.gates.push(gate);
      }
    });
    // The services that repairs in this block wait for, by their local groups.
    const needs = new Map<number, number[]>();
    for (const [ci, sv] of couplings) if (local.has(ci)) needs.set(sv, model.services[sv].chain.map((fi) => localFn.get(fi)!));
    return {
      blk: { res, chain, needs, comps, groups, crewSizes: crewIdx.map((ci) => model.crews[ci].size), watch, commons, logic, pinned: [...pinned] },
      fns: fnIdx.map((i) => model.functions[i]),
      services,
      logicServices,
      paths: compIdx.filter((ci) => model.components[ci].parent < 0 || !local.has(model.components[ci].parent)).map((ci) => model.components[ci].path),
    };
  });
  if (res.refusals.length > 0) {
    const only = res.refusals.length === res.refusals.filter((r) => r.endsWith('is not exponential')).length;
    const hint = res.nonExponentialRefused
      ? `--approximate replaces the non-exponential delays by exponentials of the same mean${only ? '' : ' (the other parts stay refused)'}`
      : '';
    throw new AnalysisRefused(model.file, res.refusals, hint);
  }

  const blocks: BlockResult[] = [];
  const perBlock = pendings.map((p) => {
    const nm = p.fns.length > 0 ? blockName(p.fns) : { name: `block {${p.paths.join(', ')}}`, groups: [], hosts: [] };
    let solved;
    try {
      solved = solveBlock(p.blk, maxStates, nm.name, opts.lump ?? true, opts.times, opts.truncate === undefined ? Infinity : -Math.log(opts.truncate));
    } catch (e) {
      if (e instanceof AnalysisRefused) throw new AnalysisRefused(model.file, e.reasons);
      throw e;
    }
    blocks.push({ ...nm, ...solved.result });
    return solved;
  });
  // Delays a mechanism made only when it needed them (during exploration) are refused now.
  if (res.refusals.length > 0) throw new AnalysisRefused(model.file, res.refusals, res.nonExponentialRefused ? '--approximate replaces the non-exponential delays by exponentials of the same mean' : '');
  const services: ServiceAnalysis[] = model.services.map((s, si) => withTruncation(serviceOf(s, si), si));
  return {
    services,
    blocks,
    approximations: res.approximations,
    exact: res.approximations.length === 0 && blocks.every((b) => b.truncation === undefined),
    residual: blocks.reduce((m, b) => Math.max(m, b.residual), 0),
  };

  /** A service's figures with what truncated blocks left out (ServiceAnalysis.truncation): the downtime estimate of a chain's watch, the whole share left out for an expression. */
  function withTruncation(sv: ServiceAnalysis, si: number): ServiceAnalysis {
    const cut = sv.blocks.filter((b) => blocks[b].truncation !== undefined);
    if (cut.length === 0) return sv;
    // An expression service: the whole share of time beyond each cut-off counted as down, and one outage per excursion (loose).
    const down = (b: number) => (sv.logic !== undefined ? blocks[b].truncation!.outside : perBlock[b].cutDown![pendings[b].services.indexOf(si)]);
    const outages = (b: number) => (sv.logic !== undefined ? blocks[b].truncation!.entryRate : perBlock[b].cutOutages![pendings[b].services.indexOf(si)]);
    return {
      ...sv,
      truncation: {
        unavailability: cut.reduce((a, b) => a + down(b), 0),
        outagesPerYear: cut.reduce((a, b) => a + outages(b), 0) * YEAR,
      },
    };
  }

  function serviceOf(s: SystemModel['services'][number], si: number): ServiceAnalysis {
    const bs = serviceBlocks[si];
    if (s.logic !== null) {
      const parts = bs.map((b) => perBlock[b].logic[pendings[b].logicServices.indexOf(si)]);
      const c = combineLogic(s.logic, parts);
      if (c === null) throw new AnalysisRefused(model.file, [`services.${s.name}: its expression spans ${bs.length} blocks whose states combine in too many ways (more than ${MAX_LOGIC_EVALUATIONS.toLocaleString('en-US')} evaluations)`]);
      return {
        name: s.name,
        plane: s.plane,
        chain: s.chain.map((i) => model.functions[i].name),
        logic: s.logic.text,
        availability: c.availability,
        unavailability: c.unavailability,
        downtimeMinutesPerYear: (c.unavailability * YEAR) / 60,
        outagesPerYear: c.rate * YEAR,
        meanOutageSeconds: c.rate > 0 ? c.unavailability / c.rate : null,
        blocks: bs,
        // Transient figures multiply independent blocks, which holds for a chain (all must be up) only.
        ...(opts.times ? { transient: null, transientRefused: `${s.name}: a service given by an expression: transient figures are computed for chains only` } : {}),
      };
    }
    const parts = bs.map((b) => {
      const k = pendings[b].services.indexOf(si);
      return { a: perBlock[b].avail[k], u: perBlock[b].unavail[k], r: perBlock[b].rate[k] };
    });
    const availability = parts.reduce((acc, p) => acc * p.a, 1);
    // 1 - prod(1 - u_b), without cancellation: sum over b of u_b prod_{b' < b} (1 - u_b').
    let unavailability = 0;
    let upBefore = 1;
    for (const p of parts) {
      unavailability += p.u * upBefore;
      upBefore *= p.a;
    }
    const rate = parts.reduce((acc, p, i) => acc + p.r * parts.reduce((x, q, j) => (j === i ? x : x * q.a), 1), 0);
    const times = opts.times;
    // Independent blocks, all starting up: the service is up (has had no outage) when every block is (has).
    let transient: ServiceAnalysis['transient'];
    let transientRefused: string | undefined;
    if (times) {
      const per = bs.map((b) => {
        const t = perBlock[b].transient!;
        return typeof t === 'string' ? t : t[pendings[b].services.indexOf(si)];
      });
      const why = per.find((t): t is string => typeof t === 'string');
      if (why !== undefined) transientRefused = why;
      const ok = per.filter((t): t is { availability: number[]; reliability: number[] } => typeof t !== 'string');
      transient =
        why !== undefined
          ? null
          : {
              times: [...times],
              availability: times.map((_, i) => ok.reduce((a, t) => a * t.availability[i], 1)),
              reliability: times.map((_, i) => ok.reduce((a, t) => a * t.reliability[i], 1)),
            };
    }
    return {
      name: s.name,
      plane: s.plane,
      chain: s.chain.map((i) => model.functions[i].name),
      availability,
      unavailability,
      downtimeMinutesPerYear: (unavailability * YEAR) / 60,
      outagesPerYear: rate * YEAR,
      meanOutageSeconds: rate > 0 ? unavailability / rate : null,
      blocks: bs,
      ...(times ? { transient, ...(transientRefused !== undefined ? { transientRefused } : {}) } : {}),
    };
  }
}

/** One block's part of an expression service: its leaves' numbers, the probability of each pattern, and the flows of transitions by the patterns they went through. */
interface LogicPart {
  global: number[];
  probs: Array<[number, number]>;
  flows: Array<{ visited: number[]; end: number; rate: number }>;
}

/** Most evaluations of an expression when its blocks' patterns are combined. */
const MAX_LOGIC_EVALUATIONS = 5_000_000;

/**
 * Combines the independent blocks of an expression service (their patterns' probabilities
 * multiply): availability and unavailability (each summed over its own combinations,
 * without cancellation), and the outage rate (1/s): per block, per flow, the combinations
 * of the other blocks under which a pattern on the way was up and the end is down. The
 * expression is evaluated by model/logic.ts, as in the simulation. Leaves in no block
 * never go down. Returns null when there are more than MAX_LOGIC_EVALUATIONS to make.
 */
function combineLogic(logic: LogicModel, parts: LogicPart[]): { availability: number; unavailability: number; rate: number } | null {
  const combos = parts.reduce((a, p) => a * p.probs.length, 1);
  const flows = parts.reduce((a, p) => a + p.flows.length, 0);
  if (combos * (1 + flows) > MAX_LOGIC_EVALUATIONS) return null;
  const up = logic.leaves.map(() => true);
  const set = (p: LogicPart, pat: number) => p.global.forEach((g, j) => (up[g] = ((pat >> j) & 1) === 1));
  /** Calls fn(probability) for every combination of the patterns of the blocks other than `skip`. */
  const each = (skip: number, fn: (prob: number) => void, b = 0, prob = 1): void => {
    if (b === parts.length) return fn(prob);
    if (b === skip) return each(skip, fn, b + 1, prob);
    for (const [pat, pr] of parts[b].probs) {
      set(parts[b], pat);
      each(skip, fn, b + 1, prob * pr);
    }
  };
  let availability = 0;
  let unavailability = 0;
  each(-1, (p) => {
    if (logicUp(logic.root, up)) availability += p;
    else unavailability += p;
  });
  let rate = 0;
  parts.forEach((part, b) => {
    for (const f of part.flows) {
      each(b, (p) => {
        set(part, f.end);
        if (logicUp(logic.root, up)) return;
        for (const v of f.visited) {
          set(part, v);
          if (logicUp(logic.root, up)) {
            rate += f.rate * p;
            return;
          }
        }
      });
    }
  });
  return { availability, unavailability, rate };
}

/** A member of a redundant set outside its block: it never goes down (only its `up` is read). */
const NEVER_DOWN = Object.freeze({ up: true }) as ComponentSim;

/** A time to failure: refused or approximated like any delay, but never zero (build.ts requires a mean > 0). */
function nonZero(res: DelayResolver, d: Distribution, where: string): number {
  const r = res.rate(d, where);
  return r === IMMEDIATE ? 0 : r;
}
