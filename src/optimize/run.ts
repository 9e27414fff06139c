/**
 * Design search (`nfvsim optimize <experiment>`): the candidate designs are the grid of
 * the experiment's `optimize.space`; each costs, per year, the sum of `optimize.costs`
 * over its built model (components of a type, instances of a VNF or VIM service, crew
 * members, hosts of a group). The search finds the cheapest designs that meet the target
 * (availability and/or SAL of the focus service) and the cost/downtime Pareto front.
 *
 * Racing with common random numbers: every design replays the same histories
 * (replication r of every design draws from the same named streams). Round 1 runs
 * `initialRuns` replications of every design; each later round doubles the replications
 * of the designs still in the race, up to `runs`. After each round a design leaves the
 * race when
 * - its verdict on the target is decided: PASS (every target's 95% verdict is PASS:
 *   the availability's CI at or above the target, the SAL's breach share's one-sided 95%
 *   bound within the tolerance) or FAIL (one of them is FAIL);
 * - it costs more than a design that already meets the target (it cannot be the cheapest);
 * - (availability targets only) a design that costs no more is surely better: the paired
 *   95% interval of the difference in unavailability over their common replications
 *   lies above 0 (so it cannot be the cheapest design that meets the target either).
 * Designs left undecided when the budget runs out are reported as such. Each verdict is
 * 95% on its own (no correction for the number of designs).
 *
 * The Pareto front (cost against expected downtime): a design is on it when no other
 * design costs no more and has less downtime, compared on the histories both ran (the
 * mean paired difference: designs that left the race early have fewer); a design is
 * marked surely dominated when a design that costs no more has a paired interval of the
 * difference entirely below it. A design surely worse than one that fails the
 * availability target fails it too.
 */
import { Piscina } from 'piscina';
import type { SystemModel } from '../model/build.js';
import { TopologyError } from '../model/errors.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { clipEstimate, pairedDifference, type Estimate } from '../metrics/stats.js';
import { targetVerdict, salVerdict, type SalVerdict } from '../metrics/sal.js';
import { emptyAccumulator, mergeAccumulators, summarize, type RunAccumulator } from '../metrics/summary.js';
import { runShardPairedYielding, SHARD_SIZE, type PairedValues, type Shard } from '../runner/run.js';
import type { RunSettings } from '../runner/replication.js';
import type { ShardResult, ShardTask } from '../runner/worker.js';
import { YEAR } from '../engine/units.js';
import { VERSION } from '../version.js';

/** The compiled worker, shared with `run --jobs` and sweeps. */
const WORKER = new URL('../../dist/runner/worker.js', import.meta.url).href;

/** A design's cost per year, item by item. */
export interface DesignCost {
  total: number;
  items: Array<{ key: string; count: number; each: number }>;
}

/** How many of what a cost key charges on the model has: components of a type, instances of a function, members of a crew, hosts of a group; null when the key names nothing. */
function countOf(model: SystemModel, key: string): number | null {
  const [section, name] = key.split('.');
  if (section === 'components') return model.components.some((c) => c.type === name) ? model.components.filter((c) => c.type === name).length : null;
  if (section === 'vnfs' || section === 'vim') {
    const f = model.functions.find((x) => x.name === name);
    return f ? f.instances.length : null;
  }
  if (section === 'crews') return model.crews.find((c) => c.name === name)?.size ?? null;
  const hosts = model.hosts.filter((h) => h.group === name).length;
  return hosts > 0 ? hosts : null;
}

/** The cost per year of a design's model: sum over the cost keys of (count x cost each); a key naming nothing in this design counts 0. */
export function designCost(model: SystemModel, costs: Readonly<Record<string, number>>): DesignCost {
  const items = Object.entries(costs).map(([key, each]) => ({ key, count: countOf(model, key) ?? 0, each }));
  return { total: items.reduce((s, i) => s + i.count * i.each, 0), items };
}

/** Checks an optimize experiment: every cost key names something in at least one design. Throws a TopologyError naming the key. */
export function checkCosts(exp: LoadedExperiment): void {
  const costs = exp.spec.optimize!.costs;
  const bad = Object.keys(costs).filter((k) => exp.points.every((p) => countOf(p.topology.model, k) === null));
  if (bad.length) {
    const m = exp.base.topology.model;
    const have = `component types: ${[...new Set(m.components.map((c) => c.type))].join(', ')}; VNFs and VIM services: ${m.functions.map((f) => f.name).join(', ')}; crews: ${m.crews.map((c) => c.name).join(', ') || 'none'}; host groups: ${[...new Set(m.hosts.map((h) => h.group))].join(', ')}`;
    throw new TopologyError(
      exp.file,
      bad.map((k) => ({ path: `optimize.costs.${k}`, message: `names nothing in any design (${have})` })),
    );
  }
}

/** Where a design stands against the target. */
export type DesignVerdict = 'meets' | 'fails' | 'undecided';

/** One candidate design and what the race found. */
export interface DesignResult {
  index: number;
  name: string;
  params: Record<string, unknown>;
  cost: DesignCost;
  /** Replications it got. */
  runs: number;
  availability: Estimate;
  downtimeMinutesPerYear: Estimate;
  /** With a SAL target: the share of outages breaching it and the 95% verdict. */
  sal: null | { share: number; verdict: SalVerdict };
  /** With an availability target: its 95% verdict. */
  availabilityVerdict: SalVerdict | null;
  verdict: DesignVerdict;
  /** Why it left the race (or 'budget' when it ran to the last round). */
  stopped: string;
  onFront: boolean;
  /** The first design that costs no more and is surely better (paired), or null. */
  surelyDominatedBy: string | null;
}

/** What `optimize.json` holds. */
export interface OptimizeResults {
  nfvsim: string;
  experiment: { file: string; name: string; sha256: string };
  topology: { file: string; sha256: string; name: string };
  settings: { seed: number; maxRuns: number; initialRuns: number; horizonSeconds: number; warmupSeconds: number; salTolerance: number };
  focus: { service: string };
  target: { availability: number | null; sal: number | null };
  /** Replications run in all, and what running every design to the budget would have taken. */
  replications: { spent: number; exhaustive: number; rounds: number };
  /** Designs that meet the target, cheapest first. */
  meeting: number[];
  /** The cheapest design that meets the target, and whether every cheaper design was decided (FAIL or surely worse). */
  answer: null | { design: number; cheaperUndecided: number[] };
  /** Designs on the cost/downtime Pareto front, cheapest first. */
  front: number[];
  designs: DesignResult[];
}

/** Per design: what its replications so far add up to. */
interface Race {
  done: number;
  acc: RunAccumulator;
  unavailability: number[];
  breaches: number;
  judged: number;
  active: boolean;
  stopped: string;
}

/** Runs shard tasks (inline, or on a pool of worker threads) and returns their results in task order. */
class ShardRunner {
  private pool: Piscina | null = null;
  constructor(
    private readonly exp: LoadedExperiment,
    private readonly settings: RunSettings,
    private readonly jobs: number,
  ) {}
  async run(tasks: Array<{ design: number; shard: Shard }>, onReplication: () => void): Promise<Array<{ acc: RunAccumulator; paired: PairedValues }>> {
    if (this.jobs <= 1 || tasks.length <= 1) {
      const out: Array<{ acc: RunAccumulator; paired: PairedValues }> = [];
      for (const t of tasks) out.push(await runShardPairedYielding(this.exp.points[t.design].topology.model, this.settings, t.shard, onReplication));
      return out;
    }
    this.pool ??= new Piscina({ filename: WORKER, minThreads: this.jobs, maxThreads: this.jobs, idleTimeout: 1000 });
    const pool = this.pool;
    return Promise.all(
      tasks.map(async (t) => {
        const topo = this.exp.points[t.design].topology;
        const task: ShardTask = { settings: this.settings, shard: t.shard, outages: false, paired: true, topology: { text: topo.text, file: topo.file, sha256: topo.sha256 } };
        const r = (await pool.run(task)) as ShardResult;
        for (let i = t.shard.from; i < t.shard.to; i++) onReplication();
        return { acc: r.acc, paired: r.paired! };
      }),
    );
  }
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** Options of a design search. */
export interface OptimizeOptions {
  /** Worker threads (default 1); the results are the same for any number. */
  jobs?: number;
  /** Called with the replications run so far and an upper bound of the total. */
  onProgress?: (done: number, bound: number) => void;
}

/** Runs the design search of an experiment with an `optimize:` section. */
export async function optimize(exp: LoadedExperiment, opts: OptimizeOptions = {}): Promise<OptimizeResults> {
  const spec = exp.spec.optimize;
  if (!spec) throw new TopologyError(exp.file, [{ path: '', message: "no 'optimize:' section" }]);
  checkCosts(exp);
  const s = exp.service.index;
  const model = exp.base.topology.model;
  const tolerance = model.metrics.salTolerance;
  const target = { availability: spec.target.availability ?? null, sal: spec.target.sal ?? null };
  const maxRuns = exp.runs;
  const initialRuns = Math.min(maxRuns, spec.initialRuns ?? SHARD_SIZE);
  const M = exp.points.length;
  const costs = exp.points.map((p) => designCost(p.topology.model, spec.costs));
  const race: Race[] = exp.points.map((p) => ({ done: 0, acc: emptyAccumulator(p.topology.model), unavailability: [], breaches: 0, judged: 0, active: true, stopped: 'budget' }));
  const settings: RunSettings = { seed: exp.seed, horizon: exp.horizon, warmup: exp.warmup };
  const runner = new ShardRunner(exp, settings, Math.max(1, opts.jobs ?? 1));
  let spent = 0;
  let rounds = 0;
  // Availability with its Student-t interval, clipped to [0, 1].
  const estimate = (r: Race): Estimate => clipEstimate(pairedDifference(r.unavailability.map(() => 1), r.unavailability), 0, 1);
  const verdicts = (r: Race, d: number) => {
    const e = estimate(r);
    // No downtime seen: judged by the 95% upper bound from zero outages (PASS or INCONCLUSIVE, as `run` does).
    const upper = e.mean === 1 ? summarize(exp.points[d].topology.model, r.acc).services[s].noOutage?.unavailabilityUpper : undefined;
    const a = target.availability === null ? null : targetVerdict(target.availability, e, upper).verdict;
    const sv = target.sal === null ? null : salVerdict(r.breaches, r.judged, tolerance);
    const all = [a, sv ? sv.verdict : null].filter((v): v is SalVerdict => v !== null);
    const verdict: DesignVerdict = all.includes('FAIL') ? 'fails' : all.every((v) => v === 'PASS') ? 'meets' : 'undecided';
    return { a, sal: sv, verdict };
  };
  try {
    for (let n = initialRuns; ; n = Math.min(maxRuns, 2 * n)) {
      rounds++;
      const tasks: Array<{ design: number; shard: Shard }> = [];
      race.forEach((r, d) => {
        if (!r.active) return;
        for (let from = r.done; from < n; from = Math.min(n, from + SHARD_SIZE)) tasks.push({ design: d, shard: { index: tasks.length, from, to: Math.min(n, from + SHARD_SIZE) } });
      });
      const bound = spent + tasks.reduce((x, t) => x + t.shard.to - t.shard.from, 0);
      const results = await runner.run(tasks, () => opts.onProgress?.(++spent, bound));
      tasks.forEach((t, i) => {
        const r = race[t.design];
        mergeAccumulators(r.acc, results[i].acc);
        r.unavailability.push(...results[i].paired.unavailability[s]);
        r.breaches += target.sal === null ? 0 : results[i].paired.salBreaches![s][target.sal - 1].reduce((a, b) => a + b, 0);
        r.judged += results[i].paired.judged![s].reduce((a, b) => a + b, 0);
        r.done = t.shard.to;
      });
      // Who leaves the race.
      const v = race.map((r, d) => verdicts(r, d));
      const meetsCost = Math.min(...race.map((_, d) => (v[d].verdict === 'meets' ? costs[d].total : Infinity)));
      race.forEach((r, d) => {
        if (!r.active) return;
        if (v[d].verdict !== 'undecided') {
          r.active = false;
          r.stopped = v[d].verdict === 'meets' ? 'meets the target' : 'fails the target';
        } else if (costs[d].total > meetsCost) {
          r.active = false;
          r.stopped = 'costs more than a design that meets the target';
        } else if (target.sal === null) {
          const better = race.findIndex((q, e) => e !== d && costs[e].total <= costs[d].total && surelyBetter(q, r));
          if (better >= 0) {
            r.active = false;
            r.stopped = `surely worse than '${exp.points[better].name}', which costs no more`;
          }
        }
      });
      if (n >= maxRuns || race.every((r) => !r.active)) break;
    }
  } finally {
    await runner.close();
  }
  const v = race.map((r, d) => verdicts(r, d));
  // Surely worse (availability) than a design that fails: it fails too.
  race.forEach((r, d) => {
    const by = r.stopped.startsWith('surely worse') ? race.findIndex((q, e) => e !== d && costs[e].total <= costs[d].total && surelyBetter(q, r)) : -1;
    if (by >= 0 && v[d].verdict === 'undecided' && v[by].verdict === 'fails') {
      v[d] = { ...v[d], verdict: 'fails' };
      r.stopped += ' and fails the target: fails too';
    }
  });
  const designs: DesignResult[] = exp.points.map((p, d) => {
    const a = estimate(race[d]);
    return {
      index: d,
      name: p.name,
      params: p.params,
      cost: costs[d],
      runs: race[d].done,
      availability: a,
      downtimeMinutesPerYear: { mean: ((1 - a.mean) * YEAR) / 60, se: (a.se * YEAR) / 60, lo: ((1 - a.hi) * YEAR) / 60, hi: ((1 - a.lo) * YEAR) / 60 },
      sal: v[d].sal ? { share: v[d].sal!.share, verdict: v[d].sal!.verdict } : null,
      availabilityVerdict: v[d].a,
      verdict: v[d].verdict,
      stopped: race[d].stopped,
      onFront: false,
      surelyDominatedBy: null,
    };
  });
  for (const x of designs) {
    // Downtime compared on the replications both designs ran (common random numbers): mean of U_x - U_y.
    const worse = (y: DesignResult) => meanDifference(race[x.index], race[y.index]);
    x.onFront = !designs.some((y) => y !== x && y.cost.total <= x.cost.total && worse(y) >= 0 && (y.cost.total < x.cost.total || worse(y) > 0));
    const by = designs.find((y) => y !== x && y.cost.total <= x.cost.total && surelyBetter(race[y.index], race[x.index]));
    x.surelyDominatedBy = by ? by.name : null;
  }
  const byCost = (a: number, b: number) => designs[a].cost.total - designs[b].cost.total || a - b;
  const meeting = designs.filter((x) => x.verdict === 'meets').map((x) => x.index).sort(byCost);
  const answer =
    meeting.length === 0
      ? null
      : { design: meeting[0], cheaperUndecided: designs.filter((x) => x.cost.total < designs[meeting[0]].cost.total && x.verdict === 'undecided' && (target.sal !== null || x.surelyDominatedBy === null)).map((x) => x.index) };
  return {
    nfvsim: VERSION,
    experiment: { file: exp.file, name: exp.name, sha256: exp.sha256 },
    topology: { file: exp.base.file, sha256: exp.base.sha256, name: model.name },
    settings: { seed: exp.seed, maxRuns, initialRuns, horizonSeconds: exp.horizon, warmupSeconds: exp.warmup, salTolerance: tolerance },
    focus: { service: exp.service.name },
    target,
    replications: { spent: race.reduce((x, r) => x + r.done, 0), exhaustive: M * maxRuns, rounds },
    meeting,
    answer,
    front: designs.filter((x) => x.onFront).map((x) => x.index).sort(byCost),
    designs,
  };
}

/** The mean of U_a - U_b over the replications both ran (0 when they share none). */
function meanDifference(a: Race, b: Race): number {
  const n = Math.min(a.done, b.done);
  let sum = 0;
  for (let r = 0; r < n; r++) sum += a.unavailability[r] - b.unavailability[r];
  return n > 0 ? sum / n : 0;
}

/** True when `a` is surely better than `b`: the paired 95% interval of U_b - U_a over their common replications lies above 0. */
function surelyBetter(a: Race, b: Race): boolean {
  const n = Math.min(a.done, b.done);
  if (n < 2) return false;
  return pairedDifference(b.unavailability.slice(0, n), a.unavailability.slice(0, n)).lo > 0;
}
