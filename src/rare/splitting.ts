/**
 * Multilevel splitting (RESTART, Villén-Altamirano and Villén-Altamirano, 1991) over
 * plain histories: an estimator of service unavailability, outage rates, outages over
 * 15 s and mean outage duration that needs neither exponential clocks nor regeneration.
 *
 * Importance function (from the model): for a service with redundancy, how much of it is
 * used up. Its groups are the functions of its chain and the groups they require (a
 * balancer, a broker); group g has n_g instances and needs k_g. A group that re-places
 * its instances off failed hosts (`evacuation`, a replica set) with an anti-affinity
 * policy and more candidate hosts than instances (S_g = 1; else S_g = 0) counts its
 * hosts and control plane too: cap_g, the instances it could run, is its candidate hosts
 * up (their whole stack; at most n_g) while the control plane its re-placement needs is
 * up, else up_g; and s_g = 1 while a spare host is up (more candidate hosts up than
 * instances) with the control plane, else 0. A group's distance from failing the service
 * is d_g = 0 when up_g < k_g (up_g: instances whose application is up), else
 * up_g - k_g + 1, plus, when S_g = 1, (max(cap_g, up_g) - k_g) + s_g; all up, that is
 * n_g - k_g + 1, or 2 (n_g - k_g + 1) when S_g = 1. So a worker node lost, or the
 * Kubernetes API down, counts as redundancy used up, and two nodes lost is a level of its
 * own: the long outages of a replica set come from there (its pods wait days for a node
 * or for the API), not from a pod's restart. A group that re-places nothing and whose
 * instances' stacks restore at very different speeds (a component under FAST_RESTORE of
 * the slowest's mean time to restore: an application restarted in minutes on a server
 * repaired in days) is *weighted*: below the outage its up_g counts as down only the
 * instances whose lowest component down restores slowly (d_g = n_g - long_g - k_g + 1
 * while up_g >= k_g), so a fast restart is not a level until it is the last straw. Its
 * candidate hosts are weighed alike (`hostWeighted`): a host down by a fast cause (a host
 * OS panic of an hour on servers repaired in days) counts as up in cap_g and s_g, so it is
 * its pod down, not a node lost. The service's depth D is the smallest of its groups'
 * distances all up, its distance the smallest now (clipped to [0, D]), its level
 * D - distance.
 * The level of the system is the largest level of a service with D >= 2. It is read from
 * the components' and services' up states as the simulation reports them
 * (SystemSim.observer), so it is a function of the simulation's state.
 *
 * RESTART over one history of horizon H: the history is the *main trial*. When a trial's
 * level rises from a to b, for each level j in (a, b] it gets (R_j - 1) prod_{a<i<j} R_i
 * *retrials* made at level j; a retrial lives until its level falls below the level it
 * was made at (or the horizon), the main trial to the horizon. While at level l every
 * trial counts what the service recorder books (downtime, outages, outages over 15 s) with
 * the weight 1 / prod_{i<=l} R_i; what an event books counts at the level before it. For
 * any process whose future depends only on its state (here: the whole simulation, clocks'
 * ages, pending timers, heartbeat phases, calendars included), the copies made at a
 * crossing continue independently from the same state, so the weighted sums are unbiased
 * for the plain history's expectations over the same window, whatever the distributions.
 *
 * Cloning by snapshot: at a crossing, each retrial is a copy of the running simulation
 * (engine/snapshot.ts through sim/twins.ts: the calendar, the clocks' ages, pending
 * timers, random streams, mechanisms, controllers and recorders, copied into a twin
 * simulation of the same model) and runs at once, depth first, while the trial that
 * crossed waits. The copy's future is its own: every random stream it holds is re-keyed
 * to seed s + 2^32 (1 + history), replication = the retrial's number in its history (a
 * sub-stream named like the original), later streams too (StreamFactory.rekey), and its
 * components' clocks are redrawn given their ages (ComponentSim.redrawClocks: times to
 * failure and repairs under way, of any law with a residual draw; their law given the
 * history is the same, so the state is). So a history's
 * tree is a function of the seed and the history alone. The cost of a retrial is one copy
 * (about a millisecond on the shipped topologies, a tenth of one on a 1-of-3 group) and
 * its own events. The main trial is exactly the plain history of the same seed and
 * replication; it runs on a simulation reused from history to history and moves to a twin
 * (replayed to that event) only at its first crossing that makes retrials, so histories
 * that never split cost what plain ones do; when most histories split (`eagerTwin`), it
 * starts on a twin at once.
 *
 * Batches of histories are independent (their replications do not overlap) and the 95%
 * CIs are Student intervals over batches; histories run in order in one thread, so the
 * result is the same for any number of threads.
 */
import { Scheduler } from '../engine/scheduler.js';
import { StreamFactory } from '../engine/rng.js';
import type { SystemModel } from '../model/build.js';
import { hostIndexOf, recorderOptionsOf, SystemSim, type ModelRecorderOptions, type TransitionObserver } from '../sim/system.js';
import { TwinPool, type Twin, type TwinSetup } from '../sim/twins.js';
import { addBivariate } from '../metrics/stats.js';
import { mergeRareBooks, rareBooks, rareFigures, type RareBooks, type RareFigures } from './cycles.js';
import { paretoK, trimTail } from '../metrics/pareto.js';

const TWO32 = 4294967296;

/** The importance function of a model (see the top of this file). */
export interface Importance {
  /** Per component (model order): the group it is the application (top) of, or -1. */
  readonly topGroup: Int32Array;
  /** Per group: its instances' top components, and k. */
  readonly tops: readonly (readonly number[])[];
  readonly k: readonly number[];
  /** Per group: its instances (n), and its most spare-host steps S_g (0 or 1). */
  readonly n: readonly number[];
  readonly spareMax: readonly number[];
  /** Per group with S_g = 1: the top components of its candidate hosts' stacks, and the control-plane service its re-placement needs (-1: none). */
  readonly hostTops: readonly (readonly number[])[];
  readonly controlPlane: readonly number[];
  /** Per component: the groups (S_g = 1) whose candidate hosts it is read for: the top of one, or any component of its stack when the group's hosts are weighted (`hostWeighted`). */
  readonly hostGroupsOf: readonly (readonly number[])[];
  /**
   * Per group: 1 when its instances' restores differ by more than FAST_RESTORE (some
   * component of their stacks restores in under FAST_RESTORE of the slowest's time) and it
   * re-places nothing (no evacuation, no replica set; planned work may still move an
   * instance for a while, and the level then reads the stack it was placed on: a poorer
   * weighting, never a bias, as it is still a function of the reported state): an
   * instance down by a fast cause then counts as up in the levels below the outage (see
   * `restoreTimeOf`); else 0.
   */
  readonly weighted: readonly number[];
  /** Per weighted group, per instance: its stack from the top down (the top, the layer below, ... its host's hardware), and 1 where that component is slow. */
  readonly chains: readonly (readonly (readonly number[])[])[];
  readonly slow: readonly (readonly (readonly number[])[])[];
  /**
   * Per group with S_g = 1: 1 when its candidate hosts' stacks restore at very different
   * speeds (as for `weighted`): a host down by a fast cause then counts as up in cap_g and
   * s_g; and per such group and candidate host its stack and slow flags (as `chains`, `slow`).
   */
  readonly hostWeighted: readonly number[];
  readonly hostChains: readonly (readonly (readonly number[])[])[];
  readonly hostSlow: readonly (readonly (readonly number[])[])[];
  /** Per component: the weighted groups whose instances' stacks hold it. */
  readonly chainGroupsOf: readonly (readonly number[])[];
  /** Per service: its depth D (0 when the service has no redundancy: not split on). */
  readonly depth: readonly number[];
  /** Per service: its groups (chain and what they require, transitively). */
  readonly groups: readonly (readonly number[])[];
  /** The largest level: max D over services. */
  readonly maxLevel: number;
}

/**
 * A component restores fast, for the importance function, when its mean time to restore is
 * under this fraction of the slowest restore in its group's stacks. A down instance of a
 * weighted group (`Importance.weighted`) counts in the levels below the outage only when
 * the lowest component down in its stack restores slowly: a 2-minute application restart
 * beside 3-day server repairs makes retrials that die within minutes, each a copy of the
 * whole simulation, while a server down is where the long overlaps (and the outages) come
 * from. The same for a candidate host of a group that re-places its instances. The level
 * is still a function of the state (any function is unbiased for RESTART); only its
 * efficiency changes. On maintenance-rolling.yaml's API (server 3 d, host OS 1 h,
 * application 2 min) the levels become one and two controllers' servers down (crossed 15
 * and 0.2 times per plain history, against 167 and 2.9 when every down instance counted);
 * on kubernetes.yaml (workers' host OS 1 h, kubelet 5 min, server 3 d) levels 2 and 3 are
 * crossed 57 and 1.3 times per history instead of 359 and 12.
 */
export const FAST_RESTORE = 0.1;

/**
 * Component c's mean time to restore once it has failed, in seconds: over its failure
 * modes the longest mean notice delay plus repair, plus its mean restart. Infinity for a
 * component with no failure mode of its own (a redundant set, a component only planned
 * work takes down): it is never taken for fast.
 */
export function restoreTimeOf(model: SystemModel, c: number): number {
  const comp = model.components[c];
  if (comp.modes.length === 0) return Infinity;
  let worst = 0;
  for (const m of comp.modes) worst = Math.max(worst, (m.notice === null ? 0 : m.notice.mean) + m.repair.mean);
  return worst + comp.restart.mean;
}

/** Per stack of `chains`, per component: 1 when it restores slowly (at least FAST_RESTORE of the slowest restore of all the stacks), else 0. */
function slowFlags(model: SystemModel, chains: readonly (readonly number[])[]): number[][] {
  const times = chains.flat().map((c) => restoreTimeOf(model, c)).filter((t) => t < Infinity);
  const slowest = times.length > 0 ? Math.max(...times) : 0;
  return chains.map((chain) => chain.map((c) => (restoreTimeOf(model, c) >= FAST_RESTORE * slowest ? 1 : 0)));
}

/** The stack of the component `top`: it, the layer below, ... down to its host's hardware. */
function stackOf(model: SystemModel, top: number): number[] {
  const chain: number[] = [];
  for (let c = top; c >= 0; c = model.components[c].parent) chain.push(c);
  return chain;
}

/** The anti-affinity policies: one instance of a group per host (or rack, site, zone), so a host beyond its instances is a spare. */
const ANTI_AFFINE = new Set(['anti-affinity', 'rack-anti-affinity', 'site-anti-affinity', 'zone-anti-affinity']);

/**
 * The importance function of `model`, over the services in `targets` (indices; default:
 * every service with redundancy). The others are not split on (depth 0).
 */
export function importanceOf(model: SystemModel, targets?: readonly number[]): Importance {
  const topGroup = new Int32Array(model.components.length).fill(-1);
  const tops = model.functions.map((f, g) =>
    f.instances.map((inst) => {
      topGroup[inst.top] = g;
      return inst.top;
    }),
  );
  const hostIndex = hostIndexOf(model);
  const hostTops = model.functions.map((f) => {
    const e = f.evacuation;
    if (e === null || !ANTI_AFFINE.has(e.policy) || e.candidates.length <= f.n) return [];
    return e.candidates.map((name) => model.hosts[hostIndex.get(name)!].top);
  });
  const spareMax = hostTops.map((ts) => (ts.length > 0 ? 1 : 0));
  // Weighted groups and hosts (see Importance.weighted): each instance's and candidate host's stack, its restore times.
  const chains = model.functions.map((f) => f.instances.map((inst) => stackOf(model, inst.top)));
  const slow = chains.map((cs) => slowFlags(model, cs));
  // Only a group that never moves its instances: one that does (any evacuation) would leave its stacks, read from the placement, behind.
  const weighted = model.functions.map((f, g) => (f.evacuation === null && slow[g].some((ch) => ch.includes(0)) ? 1 : 0));
  const hostChains = hostTops.map((ts) => ts.map((t) => stackOf(model, t)));
  const hostSlow = hostChains.map((cs) => slowFlags(model, cs));
  const hostWeighted = hostSlow.map((ss) => (ss.some((ch) => ch.includes(0)) ? 1 : 0));
  const chainGroupsOf: number[][] = model.components.map(() => []);
  const hostGroupsOf: number[][] = model.components.map(() => []);
  model.functions.forEach((_, g) => {
    if (weighted[g] === 1) for (const c of new Set(chains[g].flat())) chainGroupsOf[c].push(g);
    // A weighted host is read through its whole stack, another through its top only.
    for (const c of new Set(hostWeighted[g] === 1 ? hostChains[g].flat() : hostTops[g])) hostGroupsOf[c].push(g);
  });
  const controlPlane = model.functions.map((f, g) => (spareMax[g] > 0 ? f.evacuation!.vim : -1));
  const groups = model.services.map((s) => {
    const seen = new Set<number>();
    const visit = (g: number) => {
      if (seen.has(g)) return;
      seen.add(g);
      for (const r of model.functions[g].requires) visit(r);
    };
    for (const g of s.chain) visit(g);
    return [...seen].sort((a, b) => a - b);
  });
  const depth = groups.map((gs, s) => {
    const d = Math.min(...gs.map((g) => { const f = model.functions[g]; return f.n - f.k + 1 + (spareMax[g] > 0 ? f.n - f.k + 1 : 0); }));
    return d >= 2 && (targets === undefined || targets.includes(s)) ? d : 0;
  });
  return {
    topGroup,
    tops,
    k: model.functions.map((f) => f.k),
    n: model.functions.map((f) => f.n),
    spareMax,
    hostTops,
    controlPlane,
    hostGroupsOf,
    weighted,
    chains: chains.map((cs, g) => (weighted[g] ? cs : [])),
    slow: slow.map((ss, g) => (weighted[g] ? ss : [])),
    hostWeighted,
    hostChains: hostChains.map((cs, g) => (hostWeighted[g] ? cs : [])),
    hostSlow: hostSlow.map((ss, g) => (hostWeighted[g] ? ss : [])),
    chainGroupsOf,
    depth,
    groups,
    maxLevel: Math.max(0, ...depth),
  };
}

/**
 * Follows the level of one simulation and stops its scheduler after any event that
 * changes it (the trial driver then acts on the crossing). Exported for the tests of the
 * importance function.
 */
export class LevelWatch implements TransitionObserver {
  /** The level the driver last saw; an event that leaves another level stops the run. */
  seen = 0;
  /** True once this run was stopped for a level change. */
  stopped = false;
  /** Per group: instances up, clipped distance (d_g in [0, the largest depth]) as counted in `hist`. */
  private readonly up: Int32Array;
  /** Per weighted group: its instances down by a slow cause (the lowest component down in the stack is slow). */
  private readonly long: Int32Array;
  private readonly x: Int32Array;
  /** Per group with S_g = 1: candidate hosts up; and 1 while its control plane is up (or it needs none). */
  private readonly hostsUp: Int32Array;
  private readonly cpUp: Int32Array;
  /** Per split-on service: how many of its groups are at each distance 0 .. D (D: D or more). */
  private readonly hist: Int32Array[];
  /** Per group: the split-on services it belongs to. */
  private readonly servicesOf: number[][];
  /** Groups whose spare-host step reads a control-plane service. */
  private readonly cpGroups: number[];
  private sys!: SystemSim;
  constructor(private readonly imp: Importance) {
    this.up = new Int32Array(imp.tops.length);
    this.long = new Int32Array(imp.tops.length);
    this.x = new Int32Array(imp.tops.length);
    this.hostsUp = new Int32Array(imp.tops.length);
    this.cpUp = new Int32Array(imp.tops.length);
    this.hist = imp.depth.map((D) => new Int32Array(D + 1));
    this.servicesOf = imp.tops.map(() => []);
    imp.groups.forEach((gs, s) => {
      if (imp.depth[s] > 0) for (const g of gs) this.servicesOf[g].push(s);
    });
    this.cpGroups = imp.controlPlane.flatMap((v, g) => (v >= 0 && this.servicesOf[g].length > 0 ? [g] : []));
  }
  /** Watches `sys` (reset and started): counts its instances, hosts and control planes up. */
  attach(sys: SystemSim): void {
    this.sys = sys;
    for (const h of this.hist) h.fill(0);
    for (let g = 0; g < this.up.length; g++) {
      this.up[g] = this.count(g);
      this.long[g] = this.countLong(g);
      this.hostsUp[g] = this.countHosts(g);
      this.cpUp[g] = this.controlPlaneUp(g);
      this.x[g] = this.clipped(g);
      for (const s of this.servicesOf[g]) this.hist[s][Math.min(this.x[g], this.imp.depth[s])]++;
    }
    this.seen = this.level();
  }
  private count(g: number): number {
    const c = this.sys.components;
    let n = 0;
    for (const t of this.imp.tops[g]) if (c[t].up) n++;
    return n;
  }
  /** Weighted group g's instances down by a slow cause: the top down and the lowest component down in its stack slow (0 for other groups). */
  private countLong(g: number): number {
    if (this.imp.weighted[g] === 0) return 0;
    const chains = this.imp.chains[g];
    const slow = this.imp.slow[g];
    let n = 0;
    for (let i = 0; i < chains.length; i++) if (this.downSlowly(chains[i], slow[i])) n++;
    return n;
  }
  /** True when the top of `chain` (a stack, top first) is down and the lowest component down in it is slow (`slow`: its flags). */
  private downSlowly(chain: readonly number[], slow: readonly number[]): boolean {
    const c = this.sys.components;
    if (c[chain[0]].up) return false;
    let j = chain.length - 1;
    while (j > 0 && c[chain[j]].up) j--;
    return slow[j] === 1;
  }
  /** Group g's candidate hosts up; with weighted hosts, those down by a fast cause count as up. */
  private countHosts(g: number): number {
    const c = this.sys.components;
    const tops = this.imp.hostTops[g];
    let n = 0;
    if (this.imp.hostWeighted[g] === 0) {
      for (const t of tops) if (c[t].up) n++;
      return n;
    }
    const chains = this.imp.hostChains[g];
    const slow = this.imp.hostSlow[g];
    for (let i = 0; i < chains.length; i++) if (!this.downSlowly(chains[i], slow[i])) n++;
    return n;
  }
  private controlPlaneUp(g: number): number {
    const v = this.imp.controlPlane[g];
    return v < 0 || this.sys.serviceUp(v) ? 1 : 0;
  }
  /** Group g's distance from failing its services (see the top of this file), clipped to [0, the largest depth]. */
  private clipped(g: number): number {
    const imp = this.imp;
    const up = this.up[g];
    const k = imp.k[g];
    let d = up - k + 1;
    if (d <= 0) return 0;
    // A weighted group: only the instances down by a slow cause use up redundancy (up - k + 1 >= 1 here).
    if (imp.weighted[g] === 1) d = imp.n[g] - this.long[g] - k + 1;
    if (imp.spareMax[g] > 0) {
      const hosts = this.hostsUp[g];
      const n = imp.n[g];
      const cp = this.cpUp[g] === 1;
      // The instances it could run: on the hosts up while the control plane is (at most n), else those up.
      const cap = cp ? (hosts < n ? hosts : n) : up;
      d += (cap > up ? cap : up) - k;
      if (cp && hosts > n) d++;
    }
    return d > imp.maxLevel ? imp.maxLevel : d;
  }
  /** The level now: the largest over split-on services of D - (their smallest group distance, at most D). */
  level(): number {
    const imp = this.imp;
    let best = 0;
    for (let s = 0; s < imp.depth.length; s++) {
      const D = imp.depth[s];
      if (D === 0) continue;
      const h = this.hist[s];
      let d = 0;
      while (d < D && h[d] === 0) d++;
      if (D - d > best) best = D - d;
    }
    return best;
  }
  /** Moves group g to its distance now (its instances recounted) in the services' counts. */
  private place(g: number): void {
    this.up[g] = this.count(g);
    this.long[g] = this.countLong(g);
    const x = this.clipped(g);
    if (x === this.x[g]) return;
    for (const s of this.servicesOf[g]) {
      const D = this.imp.depth[s];
      this.hist[s][Math.min(this.x[g], D)]--;
      this.hist[s][Math.min(x, D)]++;
    }
    this.x[g] = x;
  }
  /** Stops the run when the level changed. */
  private check(): void {
    if (!this.stopped && this.level() !== this.seen) {
      this.stopped = true;
      this.sys.scheduler.stop();
    }
  }
  componentChanged(index: number): void {
    const hg = this.imp.hostGroupsOf[index];
    for (let i = 0; i < hg.length; i++) {
      const g = hg[i];
      if (this.servicesOf[g].length === 0) continue;
      this.hostsUp[g] = this.countHosts(g);
      this.place(g);
    }
    const cg = this.imp.chainGroupsOf[index];
    for (let i = 0; i < cg.length; i++) if (this.servicesOf[cg[i]].length > 0) this.place(cg[i]);
    const g = this.imp.topGroup[index];
    if (g >= 0 && this.imp.weighted[g] === 0 && this.servicesOf[g].length > 0) this.place(g);
    this.check();
  }
  serviceChanged(): void {
    const gs = this.cpGroups;
    if (gs.length === 0) return;
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i];
      const up = this.controlPlaneUp(g);
      if (up === this.cpUp[g]) continue;
      this.cpUp[g] = up;
      this.place(g);
    }
    this.check();
  }
  groupChanged(): void {}
}

/** Splitting factors per level: R[l] for l = 1 .. maxLevel (R[0] unused, 1). */
export type Factors = readonly number[];

/** Weight of a trial at level l: 1 / prod_{i<=l} R_i. */
function weights(R: Factors): number[] {
  const w = [1];
  for (let l = 1; l < R.length; l++) w.push(w[l - 1] / R[l]);
  return w;
}

/** What the histories of a batch (or a run) added up. Sums are weighted (see the top of this file). */
export interface SplitAccumulator {
  histories: number;
  /** Batches merged, and per service the batch sums of downtime, outages and outages over 15 s, with the batch's window (seconds). */
  batches: number;
  services: Array<RareBooks & { historiesWithOutage: number; batchesWithDowntime: number; largest: number[]; total: number }>;
  /** Trials run (main trials included), events handled (with the replays of main trials to their first split, see runHistory), and copies of running trials made (sim/twins.ts). */
  trials: number;
  events: number;
  copies: number;
  /** Per level, trials that rose to it or above (unweighted) and the weighted crossings (a plain history's expected count, summed). */
  reached: number[];
  crossings: number[];
}

/** An empty accumulator for `model` with levels up to `maxLevel`. */
export function emptySplitAccumulator(model: SystemModel, maxLevel: number): SplitAccumulator {
  return {
    histories: 0,
    batches: 0,
    services: model.services.map(() => ({ ...rareBooks(), historiesWithOutage: 0, batchesWithDowntime: 0, largest: [], total: 0 })),
    trials: 0,
    events: 0,
    copies: 0,
    reached: new Array(maxLevel + 1).fill(0),
    crossings: new Array(maxLevel + 1).fill(0),
  };
}

/** Adds `b` into `a` (batches in order). */
export function mergeSplitAccumulators(a: SplitAccumulator, b: SplitAccumulator): void {
  a.histories += b.histories;
  a.batches += b.batches;
  a.services.forEach((s, i) => {
    const o = b.services[i];
    mergeRareBooks(s, o);
    s.historiesWithOutage += o.historiesWithOutage;
    s.batchesWithDowntime += o.batchesWithDowntime;
    s.total += o.total;
    s.largest.push(...o.largest);
    trimTail(s.largest);
  });
  a.trials += b.trials;
  a.events += b.events;
  a.copies += b.copies;
  b.reached.forEach((x, l) => (a.reached[l] += x));
  b.crossings.forEach((x, l) => (a.crossings[l] += x));
}

/** Settings of a splitting run. Times in seconds. */
export interface SplitSettings {
  seed: number;
  horizon: number;
  warmup: number;
  /** Splitting factors per level (see Factors). */
  factors: Factors;
  /** Refuse a history that needs more trials than this (factors far too large). */
  maxTrialsPerHistory?: number;
  /** The main trial starts on a twin (see runHistory): when most histories split (`eagerTwin`). Default false. */
  eagerTwin?: boolean;
}

/** Thrown when a history needs more trials than allowed. */
export class SplittingError extends Error {}

/** The recorder options of trials: the model's, booking totals only (the estimator reads nothing else; see RecorderOptions.totalsOnly). */
function trialRecorderOptions(model: SystemModel): ModelRecorderOptions {
  return { ...recorderOptionsOf(model), totalsOnly: true };
}

const TRIAL_SIMS = new WeakMap<SystemModel, SystemSim>();

/** The simulation the main trials of `model` share in this thread (reset for each, like plain replications), until their first split. */
function trialSim(model: SystemModel): SystemSim {
  let sys = TRIAL_SIMS.get(model);
  if (!sys) TRIAL_SIMS.set(model, (sys = new SystemSim(model, new Scheduler())));
  return sys;
}

const TWIN_POOLS = new WeakMap<SystemModel, TwinPool>();

/** The twin maker of `model` in this thread (sim/twins.ts). */
function twinPool(model: SystemModel): TwinPool {
  let pool = TWIN_POOLS.get(model);
  if (!pool) TWIN_POOLS.set(model, (pool = new TwinPool(model)));
  return pool;
}

/**
 * Runs the RESTART tree of one history (replication `history`) and adds its weighted
 * books per service into `out` (downtime, outages, outages over 15 s), its counts into `acc`.
 */
function runHistory(model: SystemModel, imp: Importance, settings: SplitSettings, history: number, out: Float64Array, acc: SplitWork): void {
  const R = settings.factors;
  const w = weights(R);
  const nS = model.services.length;
  const recorderOptions = trialRecorderOptions(model);
  const keySeed = settings.seed + TWO32 * (1 + history);
  const maxTrials = settings.maxTrialsPerHistory ?? 200_000;
  const pool = twinPool(model);
  const setup: TwinSetup = { seed: settings.seed, replication: history, warmup: settings.warmup, recorderOptions };
  let retrials = 0;
  // Per depth of the tree (a trial's retrials run while it waits): the books at its last booking and now.
  const books: Float64Array[] = [];
  const booksAt = (depth: number) => (books[depth] ??= new Float64Array(6 * nS));

  // The main trial runs on the thread's reused simulation (a plain history), and moves to a
  // twin (sim/twins.ts) only at its first crossing that makes retrials (see promote): most
  // histories of a rare case never split, and a new twin per history costs more than the
  // history on small models.
  // With `eagerTwin` (most histories split), it starts on a twin at once instead.
  if (settings.eagerTwin && R.some((r) => r > 1)) {
    const t = pool.start(setup);
    pool.release(runTrial(t.sys, t, 0, 0, -1) ?? t);
  } else {
    const main = trialSim(model);
    main.observer = null;
    main.reset(new StreamFactory(settings.seed, history), settings.warmup, recorderOptions);
    main.start();
    const twin = runTrial(main, null, 0, 0, -1);
    if (twin !== null) pool.release(twin);
  }

  /**
   * The main trial as a twin: a new twin started for the history and run to event `at`
   * (the crossing the reused simulation has just handled: the same events, bit for bit, so
   * the same state; a replay that does not stop there exactly is an internal error).
   */
  function promote(at: number): Twin {
    const t = pool.start(setup);
    const watch = new LevelWatch(imp);
    watch.attach(t.sys);
    t.sys.observer = watch;
    const sch = t.sys.scheduler;
    while (sch.processed < at) {
      watch.stopped = false;
      sch.run(settings.horizon);
      watch.seen = watch.level();
      if (!watch.stopped) break;
    }
    if (sch.processed !== at) throw new Error(`internal error: a replay of the main trial reached event ${sch.processed}, not ${at}: the simulation is not deterministic`);
    t.sys.observer = null;
    // The replay is work too.
    acc.events += at;
    return t;
  }

  /**
   * Runs one trial on `sys` (made at level `made`; `twin`: its twin, or null for the main
   * trial on the reused simulation) to the horizon or until its level falls below `made`.
   * At each crossing its retrials run at once, each on a copy of it (a twin) with its own
   * streams from there, while it waits. Returns the twin it ended on (the main trial's, if
   * it was promoted), or null.
   */
  function runTrial(start: SystemSim, twinAtStart: Twin | null, made: number, depth: number, parentLevel: number): Twin | null {
    acc.trials++;
    let twin = twinAtStart;
    let sys = start;
    let watch = new LevelWatch(imp);
    watch.attach(sys);
    sys.observer = watch;
    let sch = sys.scheduler;
    let events = -sch.processed;
    const b = booksAt(depth);
    let level = watch.level();
    if (parentLevel >= 0) sameLevel(level, parentLevel);
    watch.seen = level;
    read(sys, b, 0);
    for (;;) {
      watch.stopped = false;
      sch.run(settings.horizon);
      if (!watch.stopped) {
        sys.finish(settings.horizon);
        book(sys, b, w[level]);
        break;
      }
      const now = watch.level();
      watch.seen = now;
      if (now === level) continue;
      book(sys, b, w[level]);
      if (now < made) break;
      if (now > level) {
        for (let l = level + 1; l <= now; l++) {
          acc.reached[l]++;
          acc.crossings[l] += w[level];
        }
        let copies = 1;
        for (let j = level + 1; j <= now; j++) {
          const n = (R[j] - 1) * copies;
          if (n > 0 && twin === null) {
            // The main trial's first split: it continues on a twin in the same state.
            events += sch.processed;
            sys.observer = null;
            twin = promote(sch.processed);
            sys = twin.sys;
            sch = sys.scheduler;
            watch = new LevelWatch(imp);
            watch.attach(sys);
            sameLevel(watch.level(), now);
            watch.seen = now;
            sys.observer = watch;
            events -= sch.processed;
          }
          for (let c = 0; c < n; c++) {
            if (++retrials > maxTrials) throw new SplittingError(`a history needed more than ${maxTrials.toLocaleString('en-US')} retrials: the splitting factors are too large for this model`);
            const copy = pool.take(setup);
            acc.copies++;
            for (const s of pool.copy(twin!, copy)) s.reseed(keySeed, retrials);
            copy.factory.rekey(keySeed, retrials);
            copy.sys.redrawClocks();
            runTrial(copy.sys, copy, j, depth + 1, now);
            pool.release(copy);
          }
          copies *= R[j];
        }
      }
      level = now;
    }
    sys.observer = null;
    acc.events += events + sch.processed;
    return twin;
  }

  /**
   * A copy's level, counted afresh from its state, must be its original's as followed
   * event by event: else the importance function read state that changed unreported, the
   * weights would be wrong, and the run stops instead of being silently biased.
   */
  function sameLevel(copy: number, original: number): void {
    if (copy !== original) throw new Error(`internal error: a copy of a running history is at level ${copy}, its original at ${original}: the importance function read state the simulation did not report`);
  }

  /** Reads the books of every service (downtime, outages, outages over 15 s) into `into` from `at`. */
  function read(sys: SystemSim, into: Float64Array, at: number): void {
    for (let s = 0; s < nS; s++) {
      const r = sys.services[s].recorder.result;
      into[at + 3 * s] = r.downtime;
      into[at + 3 * s + 1] = r.outages;
      into[at + 3 * s + 2] = r.tl9000;
    }
  }
  /** Adds what was booked since the last call (the first half of `b`) with `weight` into `out`. */
  function book(sys: SystemSim, b: Float64Array, weight: number): void {
    const k = 3 * nS;
    read(sys, b, k);
    for (let i = 0; i < k; i++) {
      out[i] += weight * (b[k + i] - b[i]);
      b[i] = b[k + i];
    }
  }
}

/** Histories per batch. */
export const HISTORIES_PER_BATCH = 8;

/** The work a batch's trees did: trials, events, copies, and per level the trials that rose to it and the weighted crossings. */
export interface SplitWork {
  trials: number;
  events: number;
  copies: number;
  reached: number[];
  crossings: number[];
}

/**
 * What one batch of histories booked, as plain JSON (it may come from a worker thread):
 * per history, per service s, the weighted downtime, outages and outages over 15 s at
 * 3 s .. 3 s + 2; and the batch's work. `addSplitBatch` adds it to a run's accumulator;
 * batches are added in batch order whoever ran them, so a run is the same bytes for any
 * number of threads.
 */
export interface SplitBatch extends SplitWork {
  histories: number[][];
}

/**
 * Runs batch `batch` (histories batch * HISTORIES_PER_BATCH .. + HISTORIES_PER_BATCH - 1,
 * each its own replication) and returns what it booked. `first` offsets the replications
 * (pilots use their own range). A function of its arguments alone (any thread).
 */
export function computeSplitBatch(model: SystemModel, imp: Importance, settings: SplitSettings, batch: number, first = 0): SplitBatch {
  const nS = model.services.length;
  const L = imp.maxLevel;
  const r: SplitBatch = { histories: [], trials: 0, events: 0, copies: 0, reached: new Array(L + 1).fill(0), crossings: new Array(L + 1).fill(0) };
  const one = new Float64Array(3 * nS);
  for (let h = 0; h < HISTORIES_PER_BATCH; h++) {
    one.fill(0);
    runHistory(model, imp, settings, first + batch * HISTORIES_PER_BATCH + h, one, r);
    r.histories.push(Array.from(one));
  }
  return r;
}

/** Adds batch `b` (computeSplitBatch) into `acc`, after the batches before it. */
export function addSplitBatch(model: SystemModel, settings: SplitSettings, acc: SplitAccumulator, b: SplitBatch): void {
  const nS = model.services.length;
  const window = settings.horizon - settings.warmup;
  const sums = new Float64Array(3 * nS);
  acc.trials += b.trials;
  acc.events += b.events;
  acc.copies += b.copies;
  b.reached.forEach((x, l) => (acc.reached[l] += x));
  b.crossings.forEach((x, l) => (acc.crossings[l] += x));
  for (const one of b.histories) {
    for (let s = 0; s < nS; s++) {
      const a = acc.services[s];
      if (one[3 * s + 1] > 0) a.historiesWithOutage++;
      a.largest.push(one[3 * s]);
      a.total += one[3 * s];
    }
    for (let i = 0; i < sums.length; i++) sums[i] += one[i];
    acc.histories++;
  }
  const w = HISTORIES_PER_BATCH * window;
  for (let s = 0; s < nS; s++) {
    const a = acc.services[s];
    addBivariate(a.downtime, sums[3 * s], w);
    addBivariate(a.outages, sums[3 * s + 1], w);
    addBivariate(a.tl9000, sums[3 * s + 2], w);
    addBivariate(a.meanOutage, sums[3 * s], sums[3 * s + 1]);
    if (sums[3 * s] > 0) a.batchesWithDowntime++;
    if (a.largest.length > 2 * 4096) trimTail(a.largest);
  }
  acc.batches++;
}

/** Runs batch `batch` here and adds it into `acc` (computeSplitBatch, then addSplitBatch). */
export function runSplitBatch(model: SystemModel, imp: Importance, settings: SplitSettings, batch: number, acc: SplitAccumulator, first = 0): void {
  addSplitBatch(model, settings, acc, computeSplitBatch(model, imp, settings, batch, first));
}

/** Histories of each pilot stage of `chooseFactors`. */
export const PILOT_HISTORIES = 8 * HISTORIES_PER_BATCH;

/** First replication of the pilots (apart from the run's, which start at 0). */
const PILOT_FIRST = 0xc0000000;

/** Most a factor may be. */
const MAX_FACTOR = 30;

/** Retrials per history each level may make at least, and at most (see `retrialBudget`). */
const RETRIALS_PER_LEVEL = 4;
const MAX_RETRIALS_PER_LEVEL = 256;

/**
 * The work the retrials of one level may cost per history, in histories (see
 * `retrialBudget`). Measured (2026-12-03) on maintenance-rolling.yaml, 4,000 histories each,
 * relative half-width squared times seconds (less is better), factors of levels 1/2/3:
 * 1/9/4 2.53, 1/30/4 2.15, 1/30/16 1.88, 1/60/16 1.93, 1/100/32 2.24, 3/9/4 6.04: a level
 * may spend a few histories' work, not one (9 was the budget of one), nor tens.
 */
const HISTORIES_PER_LEVEL = 4;

/**
 * Most a factor at the top level may be: copies of a trial in an outage resample how long
 * it lasts (its repairs under way are redrawn given their ages: ComponentSim.redrawClocks),
 * and outages are rare, so they cost little. Worth it only when copies are cheap against
 * a history (a budget of 8 retrials per level or more); else 1. 16, not 4: on
 * maintenance-rolling.yaml (see HISTORIES_PER_LEVEL) the per-history downtime's tail went
 * from Pareto k 0.72 to 0.05, and the work to a given precision down by 12%.
 */
const MAX_TOP_FACTOR = 16;

/**
 * Events one node of a copy's skeleton costs as much as. Measured on the shipped
 * topologies (2026-12-03, second measurement: hints, lazily made state made in twins, memos
 * kept, trials booking totals only): a copy costs 0.08 to 0.1 us per node (kubernetes
 * 1,055 nodes in 85 us, maintenance-rolling 924 in 97, default 2,681 in 258,
 * openstack-control-plane 3,656 in 370), plus its streams' reseeding and clocks' redrawing
 * (about a fifth more); an event 0.4 to 0.8 us. Those node counts are of that build's
 * simulations (today's are smaller: kubernetes 814, default 2,097, openstack-control-plane
 * 3,050); `copyNodes` is fitted to today's, and the constant was left as it was.
 */
const EVENTS_PER_COPY_NODE = 0.2;

/**
 * The nodes of a copy's skeleton (engine/snapshot.ts), estimated from the model's
 * structure alone: 100 + 4 per component + 11 per failure mode + 20 per function
 * (group). Fitted (2026-12-05, least squares of the relative error) to the node counts of
 * a twin on the 23 shipped topologies, which it gives within 0.76x to 1.21x
 * (openstack-control-plane 2,332 for 3,050; rack-failure 300 for 248).
 *
 * Contract: a function of the model only, so the factors splitting chooses, and so its
 * estimates, depend on the model, the seed and the run's settings (horizon, warm-up), not
 * on the machine's speed nor on how many objects this build's simulation happens to hold
 * (counting them made the factors move with changes that leave every draw the same).
 * Refit it (to copies made as splitting makes them: recorders booking totals only) when a
 * copy's cost per component changes by much; it is a cost model, so a refit changes the
 * factors chosen.
 */
export function copyNodes(model: SystemModel): number {
  let modes = 0;
  for (const c of model.components) modes += c.modes.length;
  return 100 + 4 * model.components.length + 11 * modes + 20 * model.functions.length;
}

/** The work of one copy of a running simulation, in events: `copyNodes` times EVENTS_PER_COPY_NODE. */
export function copyWork(model: SystemModel): number {
  return EVENTS_PER_COPY_NODE * copyNodes(model);
}

/**
 * Retrials per history each level may make: as many copies as cost HISTORIES_PER_LEVEL
 * histories together (events per plain history over the work of a copy), between
 * RETRIALS_PER_LEVEL and MAX_RETRIALS_PER_LEVEL.
 */
export function retrialBudget(eventsPerHistory: number, copy: number): number {
  return Math.max(RETRIALS_PER_LEVEL, Math.min(MAX_RETRIALS_PER_LEVEL, Math.floor((HISTORIES_PER_LEVEL * eventsPerHistory) / copy)));
}

/**
 * Splitting factors from the crossings per plain history of each level (G[l], l >= 1):
 * RESTART's balance R_l = G_l / G_{l+1} (each trial at level l then reaches l + 1 about
 * once), but at most what keeps about `budget` retrials of level l per history
 * (G_l prod_{i<=l} R_i), at most MAX_FACTOR (at the top level MAX_TOP_FACTOR with a budget
 * of 8 or more, else 1), at least 1; a level never crossed gets 1.
 */
export function factorsFrom(G: readonly number[], budget = RETRIALS_PER_LEVEL): number[] {
  const top = budget >= 8 ? MAX_TOP_FACTOR : 1;
  const L = G.length - 1;
  const R = [1];
  let prod = 1;
  for (let l = 1; l <= L; l++) {
    let r = 1;
    if (G[l] > 0) {
      const most = budget / (G[l] * prod);
      const balance = l < L && G[l + 1] > 0 ? G[l] / G[l + 1] : Infinity;
      r = Math.max(1, Math.min(l === L ? top : MAX_FACTOR, Math.round(Math.min(most, balance))));
    }
    R.push(r);
    prod *= r;
  }
  return R;
}

/**
 * True when a plain history crosses the levels that split (R_l > 1) at least half a time on
 * average (plan.crossings): then most main trials split, and starting them on a twin costs
 * less than replaying them to their first split (see runHistory). Only the cost depends on it.
 */
function eagerTwin(plan: SplitPlan): boolean {
  let g = 0;
  plan.factors.forEach((r, l) => {
    if (l > 0 && r > 1) g += plan.crossings[l] ?? 0;
  });
  return g >= 0.5;
}

/** The settings of a splitting run of `base` with the factors the pilots chose in `plan`. */
export function splitSettings(base: { seed: number; horizon: number; warmup: number }, plan: SplitPlan): SplitSettings {
  return { ...base, factors: plan.factors, eagerTwin: eagerTwin(plan) };
}

/** What the pilots chose: the service split on, the factors, and the plain crossings per history by level. */
export interface SplitPlan {
  /** Index of the service the importance function follows, or -1 (no service has redundancy). */
  target: number;
  factors: number[];
  crossings: number[];
  /**
   * The work of one history with these factors, in events, roughly: a plain history's
   * events once, plus HISTORIES_PER_LEVEL times as much per level split (each level's
   * retrials are kept to about that, see retrialBudget). Decides only whether worker threads are
   * worth starting; results do not depend on it. Absent: unknown.
   */
  workPerHistory?: number;
}

/**
 * Chooses the service to split on and the splitting factors from pilot runs (their own
 * replications, thrown away). Stage 0 runs PILOT_HISTORIES plain histories and picks,
 * among the services with redundancy, the one whose unavailability plain histories
 * estimate worst (largest relative variance over the pilot's batches; no downtime at all
 * counts as the worst); its levels make the importance function. Then, from the
 * crossings of each level by a plain history (G_l, estimated with the weights), the
 * factors of `factorsFrom` with the budget of `retrialBudget` (stage 0's events per
 * history against `copyWork`); a level no pilot reached stays at 1. While a stage
 * reaches no new level, the next one splits 4 times harder at the highest level reached
 * (the crossings it measures are weighted, so unbiased whatever the pilot's factors), up
 * to 64 times; stages stop when the top level is reached.
 */
export function chooseFactors(model: SystemModel, settings: Omit<SplitSettings, 'factors'>): SplitPlan {
  const batches = PILOT_HISTORIES / HISTORIES_PER_BATCH;
  const all = importanceOf(model);
  const plain = emptySplitAccumulator(model, all.maxLevel);
  const flat = new Array<number>(all.maxLevel + 1).fill(1);
  for (let b = 0; b < batches; b++) runSplitBatch(model, all, { ...settings, factors: flat }, b, plain, PILOT_FIRST);
  let target = -1;
  let worst = -1;
  plain.services.forEach((a, s) => {
    if (all.depth[s] === 0) return;
    const d = a.downtime;
    const rv = d.mx > 0 ? d.m2x / (d.n - 1) / (d.mx * d.mx) : Infinity;
    if (rv > worst) {
      worst = rv;
      target = s;
    }
  });
  const plainWork = plain.events / plain.histories;
  if (target < 0) return { target, factors: [1], crossings: [0], workPerHistory: plainWork };
  const imp = importanceOf(model, [target]);
  const L = imp.maxLevel;
  const budget = retrialBudget(plainWork, copyWork(model));
  let R = new Array<number>(L + 1).fill(1);
  let G = new Array<number>(L + 1).fill(0);
  let chosen = R;
  let known = 0;
  let boost = 1;
  for (let stage = 1; stage <= L + 4; stage++) {
    const acc = emptySplitAccumulator(model, L);
    for (let b = 0; b < batches; b++) runSplitBatch(model, imp, { ...settings, factors: R }, b, acc, PILOT_FIRST + stage * PILOT_HISTORIES);
    G = acc.crossings.map((c) => c / acc.histories);
    let reach = 0;
    for (let l = 1; l <= L; l++) if (acc.reached[l] > 0) reach = l;
    chosen = factorsFrom(G, budget);
    if (reach === L || reach === 0) break;
    // No new level: the next pilot splits harder at the highest level reached, to see beyond it.
    boost = reach > known ? 1 : boost * 4;
    if (boost > 64) break;
    known = Math.max(known, reach);
    R = [...chosen];
    R[reach] = Math.min(MAX_FACTOR * 4, R[reach] * boost);
  }
  return { target, factors: chosen, crossings: G, workPerHistory: plainWork * (1 + HISTORIES_PER_LEVEL * chosen.filter((r) => r > 1).length) };
}

/** The estimates of one service (see RareFigures). Rates per year, times in seconds unless named. */
export interface SplitServiceSummary extends RareFigures {
  name: string;
  /** Its depth D (0: not split on; its figures come from the main trials, i.e. plain histories, and the retrials of the target). */
  depth: number;
  /** Histories (trees) with at least one outage booked. */
  historiesWithOutage: number;
  /** Pareto k of the per-history weighted downtime (NaN: too few to fit). */
  paretoK: number;
  /** Share of the total downtime booked by the largest history. */
  largestShare: number;
}

/** What a splitting run estimated, and how. */
export interface SplitSummary {
  method: 'splitting';
  factors: number[];
  /** Plain crossings per history by level (pilot). */
  pilotCrossings: number[];
  batches: number;
  histories: number;
  trials: number;
  events: number;
  /** Copies of running trials made: one per retrial (each retrial starts as a copy of the trial that crossed). */
  copies: number;
  problems: string[];
  /** What the report should say about services not split on (their CIs are kept). */
  notes: string[];
  services: SplitServiceSummary[];
}

/** Limits of a trustworthy splitting estimate (see `splitProblems`). */
export const SPLIT_LIMITS = { minBatchesWithOutage: 10, paretoK: 0.7, largestShare: 0.2 } as const;

/** Summarizes a splitting accumulator. */
export function summarizeSplit(model: SystemModel, imp: Importance, acc: SplitAccumulator, factors: number[], pilotCrossings: number[]): SplitSummary {
  const problems: string[] = [];
  const notes: string[] = [];
  const services = model.services.map((svc, i): SplitServiceSummary => {
    const a = acc.services[i];
    const k = paretoK(a.largest, acc.histories);
    const largest = a.largest.length > 0 ? Math.max(...a.largest) : 0;
    const share = a.total > 0 ? largest / a.total : 0;
    const nonzero = a.batchesWithDowntime;
    if (a.total > 0) {
      if (nonzero < SPLIT_LIMITS.minBatchesWithOutage) {
        const saw =
          nonzero === acc.batches
            ? `only ${acc.batches === 1 ? '1 batch, with downtime:' : `${acc.batches} batches, all with downtime:`}`
            : `only ${nonzero} of ${acc.batches} batches saw downtime:`;
        problems.push(`${svc.name}: ${saw} a batch CI needs at least ${SPLIT_LIMITS.minBatchesWithOutage} batches with downtime: run more histories`);
      }
      if (share > SPLIT_LIMITS.largestShare) problems.push(`${svc.name}: one history carries ${(share * 100).toFixed(0)}% of the downtime (over ${SPLIT_LIMITS.largestShare * 100}%): the estimate rests on too few outages`);
      // The tail of the weights splitting gives: a problem for the service split on. A
      // service not split on books mostly through its main trials (plain histories, weight
      // 1), whose tail a plain run reports with its CI: a note, as it would be there.
      if (k >= SPLIT_LIMITS.paretoK) {
        if (imp.depth[i] > 0) problems.push(`${svc.name}: the per-history downtime has a heavy tail (Pareto k = ${k.toFixed(2)} >= ${SPLIT_LIMITS.paretoK}): its variance is likely infinite, so the CI cannot be trusted`);
        else notes.push(`${svc.name} (not split on): its per-history downtime has a heavy tail (Pareto k = ${k.toFixed(2)}): a few long outages carry it, as in plain histories; its CI is the batch CI plain histories would give`);
      }
    }
    return {
      name: svc.name,
      depth: imp.depth[i],
      ...rareFigures(a),
      historiesWithOutage: a.historiesWithOutage,
      paretoK: k,
      largestShare: share,
    };
  });
  return {
    method: 'splitting',
    factors,
    pilotCrossings,
    batches: acc.batches,
    histories: acc.histories,
    trials: acc.trials,
    events: acc.events,
    copies: acc.copies,
    problems,
    notes,
    services,
  };
}
