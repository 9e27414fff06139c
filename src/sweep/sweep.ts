/**
 * Running an experiment: every point x replication, split into deterministic shards
 * (point by point, SHARD_SIZE replications each), run inline or on worker threads.
 * Each finished shard is appended to `journal.jsonl` in the results folder; the results
 * are built from the journal alone, merging each point's shards in shard order, so they
 * are the same bytes for any number of threads and after any number of interruptions
 * (`resume`). Every point uses the experiment's seed: replication r of every point draws
 * from the same named streams (common random numbers), and each point's difference to
 * the baseline is estimated from the paired per-replication differences.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { outputStep, writeFileAtomic } from '../output.js';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { codeFingerprint, VERSION } from '../version.js';
import { YEAR } from '../engine/units.js';
import { emptyAccumulator, mergeAccumulators, summarize, type RunAccumulator, type RunSummary } from '../metrics/summary.js';
import { pairedDifference, type Estimate } from '../metrics/stats.js';
import { planShards, runShardPairedYielding, SHARD_SIZE } from '../runner/run.js';
import type { RunSettings } from '../runner/replication.js';
import type { ShardResult, ShardTask } from '../runner/worker.js';
import { replicationCounter } from '../runner/parallel.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { parameterLabelsOf } from '../experiment/schema.js';
import { Journal, readJournal, type JournalEntry } from './journal.js';

/** The compiled worker, shared with `run --jobs`. */
const WORKER = new URL('../../dist/runner/worker.js', import.meta.url).href;

/**
 * What identifies a sweep. Resuming, array shards and merging need the same identity:
 * every field but the file names (`experiment.file`, `base.file`), which depend on how a
 * path was typed and on the working directory. No dates, so it is reproducible.
 */
export interface SweepManifest {
  nfvsim: string;
  /** Fingerprint of the compiled code (see codeFingerprint): another build may give other numbers. */
  code: string;
  experiment: { file: string; name: string; sha256: string };
  base: { file: string; sha256: string };
  seed: number;
  runs: number;
  horizonSeconds: number;
  warmupSeconds: number;
  shardSize: number;
  points: Array<{ name: string; topologySha256: string }>;
  tasks: number;
}

/** A point's paired difference to the baseline, for one service (this point minus baseline). */
export interface PairedDifference {
  service: string;
  unavailability: Estimate;
  downtimeMinutesPerYear: Estimate;
  outagesPerYear: Estimate;
}

/** One point's results. */
export interface PointResult {
  index: number;
  name: string;
  params: Record<string, unknown>;
  topologySha256: string;
  summary: RunSummary;
  /** Differences to the baseline, per service; null for the baseline itself. */
  difference: PairedDifference[] | null;
}

/** What `results.json` holds. Times in seconds unless a name says otherwise. */
export interface SweepResults {
  nfvsim: string;
  experiment: {
    file: string;
    name: string;
    sha256: string;
    description: string | null;
    design: string;
    parameters: string[];
    /** Labels the experiment gives its parameters (`label:`), by path; absent when it gives none. */
    labels?: Record<string, string>;
  };
  base: { file: string; sha256: string };
  settings: { seed: number; runs: number; horizonSeconds: number; horizonReason: string; warmupSeconds: number; shardSize: number };
  /** The service and SAL the charts focus on. */
  focus: { service: string; sal: 1 | 2 | 3 };
  baseline: string;
  points: PointResult[];
}

/** Index of the focus service in every point's services (they are the same at every point). */
export function focusServiceIndex(r: SweepResults): number {
  return r.points[0].summary.services.findIndex((s) => s.name === r.focus.service);
}

/** Options of a sweep. */
export interface SweepOptions {
  /** Results folder (created if needed). */
  out: string;
  /** Worker threads (1: this thread). */
  jobs?: number;
  /** Continue the sweep already in `out` (must be the same experiment and inputs). */
  resume?: boolean;
  /** Called as replications finish (done, total), counting those already in the journal. */
  onProgress?: (done: number, total: number) => void;
  /** Stop after this many shards have been journalled in this call (for tests of interruption). */
  stopAfterShards?: number;
}

/** A problem with the results folder (not with the experiment): exit 2 in the CLI. */
export class SweepError extends Error {}

/**
 * The fixed task order: point by point, shard by shard. Every point replays replications
 * 0..runs-1 (common random numbers), except in an `uncertain` design, whose parameter
 * sets need histories independent of each other (the two-level estimators of
 * src/uncertainty): point i runs replications i * runs .. (i + 1) * runs - 1.
 */
export function planTasks(exp: LoadedExperiment): Array<{ task: number; point: number; shard: ReturnType<typeof planShards>[number] }> {
  const out: Array<{ task: number; point: number; shard: ReturnType<typeof planShards>[number] }> = [];
  for (const p of exp.points) {
    const offset = exp.design === 'uncertain' ? p.index * exp.runs : 0;
    for (const shard of planShards(exp.runs)) out.push({ task: out.length, point: p.index, shard: offset === 0 ? shard : { ...shard, from: shard.from + offset, to: shard.to + offset } });
  }
  return out;
}

/** The manifest of a sweep of `exp`. */
export function sweepManifest(exp: LoadedExperiment): SweepManifest {
  return {
    nfvsim: VERSION,
    code: codeFingerprint(),
    experiment: { file: exp.file, name: exp.name, sha256: exp.sha256 },
    base: { file: exp.base.file, sha256: exp.base.sha256 },
    seed: exp.seed,
    runs: exp.runs,
    horizonSeconds: exp.horizon,
    warmupSeconds: exp.warmup,
    shardSize: SHARD_SIZE,
    points: exp.points.map((p) => ({ name: p.name, topologySha256: p.topology.sha256 })),
    tasks: exp.points.length * planShards(exp.runs).length,
  };
}

/** The manifest without the file names: what must match to resume, shard or merge. */
export function sweepIdentity(m: SweepManifest): object {
  return { ...m, experiment: { name: m.experiment?.name, sha256: m.experiment?.sha256 }, base: { sha256: m.base?.sha256 } };
}

/**
 * Runs a file-system step on the results folder; its errors become OutputErrors naming
 * `what` (exit 1: an output that cannot be written), with a hint when a file is in the way.
 */
function fsStep<T>(what: string, fn: () => T): T {
  return outputStep(what, fn);
}

/** Compares the manifest at `path` with `manifest`; throws a SweepError saying what differs. */
function checkManifest(path: string, out: string, manifest: SweepManifest): void {
  let old: SweepManifest;
  try {
    old = JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new SweepError(`${path}: cannot read the manifest: ${(e as Error).message}`);
  }
  const a = sweepIdentity(old) as Record<string, unknown>;
  const b = sweepIdentity(manifest) as Record<string, unknown>;
  const diffs = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (diffs.length > 0) {
    throw new SweepError(
      `${out}: cannot resume: the sweep there was made with different ${diffs.join(', ')} ` +
        `(${diffs.map((k) => `${k}: was ${JSON.stringify(a[k] ?? null).slice(0, 80)}, now ${JSON.stringify(b[k] ?? null).slice(0, 80)}`).join('; ')}); ` +
        'start it in another --out folder',
    );
  }
}

/**
 * Checks the results folder and writes (or checks, on resume) its manifest. The manifest
 * is created exclusively (a hard link of a complete temporary file), so of several
 * processes starting at once (array-job shards) exactly one writes it and the others
 * check theirs against it.
 */
export function prepareFolder(exp: LoadedExperiment, opts: { out: string; resume?: boolean }): void {
  const manifest = sweepManifest(exp);
  const path = join(opts.out, 'manifest.json');
  fsStep(opts.out, () => {
    if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) throw new SweepError(`${opts.out} is a file; --out must name a folder`);
  });
  if (!existsSync(path)) {
    // Temporary files of a concurrent writer do not count; a manifest that appears meanwhile does.
    const others = fsStep(opts.out, () => (existsSync(opts.out) ? readdirSync(opts.out) : [])).filter((f) => !f.endsWith('.tmp') && f !== 'manifest.json');
    if (others.length > 0 && !existsSync(path)) {
      throw new SweepError(`${opts.out} exists and is not empty, and holds no sweep (no manifest.json); choose another --out`);
    }
    fsStep(opts.out, () => mkdirSync(opts.out, { recursive: true }));
    const tmp = `${path}.${process.pid}.${threadId}.tmp`;
    fsStep(opts.out, () => writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n'));
    try {
      linkSync(tmp, path);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsStep(opts.out, () => { throw e; });
      // Another process wrote it first: ours must be the same sweep.
      checkManifest(path, opts.out, manifest);
      return;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  if (!opts.resume) throw new SweepError(`${opts.out} already holds a sweep (manifest.json); add --resume to continue it, or choose another --out`);
  checkManifest(path, opts.out, manifest);
}

/** The journal files of a results folder: journal.jsonl and those of array-job shards, in name order. */
export function journalFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^journal(\.shard-\d+-of-\d+)?\.jsonl$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Every entry of every journal in `dirs`, file by file; `repair` names the one journal this process appends to (its torn last line is cut). */
export function* readJournals(dirs: readonly string[], repair?: string): Generator<JournalEntry> {
  for (const d of dirs) for (const f of journalFiles(d)) yield* readJournal(f, f === repair);
}

/** The tasks already in the journals of `dirs` (see readJournals for `repair`). */
export function doneTasks(dirs: readonly string[], repair?: string): Set<number> {
  const done = new Set<number>();
  for (const e of readJournals(dirs, repair)) done.add(e.task);
  return done;
}

/** Replications in `tasks`. */
function replicationsOf(tasks: ReadonlyArray<{ shard: { from: number; to: number } }>): number {
  return tasks.reduce((n, t) => n + t.shard.to - t.shard.from, 0);
}

/**
 * Runs `todo` (inline or on `jobs` worker threads) and appends each finished shard to
 * `journalPath`. `onProgress` is called with the replications run so far by this call,
 * per replication (inline) or every PROGRESS_POLL_MS (threads). At most `limit` shards
 * are journalled.
 */
async function executeTasks(
  exp: LoadedExperiment,
  todo: ReturnType<typeof planTasks>,
  journalPath: string,
  jobs: number,
  onProgress: (replications: number) => void,
  limit = Infinity,
): Promise<void> {
  const settings: RunSettings = { seed: exp.seed, horizon: exp.horizon, warmup: exp.warmup };
  const journal = new Journal(journalPath);
  let written = 0;
  const record = (e: JournalEntry) => {
    if (written >= limit) return;
    journal.append(e);
    written++;
  };
  try {
    if (jobs <= 1 || todo.length <= 1) {
      let ran = 0;
      for (const t of todo) {
        if (written >= limit) break;
        // Between replications the event loop runs: Ctrl-C stops the sweep between journal lines.
        const { acc, paired } = await runShardPairedYielding(exp.points[t.point].topology.model, settings, t.shard, () => onProgress(++ran));
        record({ task: t.task, point: t.point, shard: t.shard.index, acc, paired });
      }
      return;
    }
    const threads = Math.min(jobs, todo.length);
    const pool = new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
    const counter = replicationCounter(onProgress);
    try {
      await Promise.all(
        todo.map(async (t) => {
          const topo = exp.points[t.point].topology;
          const task: ShardTask = { settings, shard: t.shard, outages: false, paired: true, topology: { text: topo.text, file: topo.file, sha256: topo.sha256 }, progress: counter.buffer };
          const r = (await pool.run(task)) as ShardResult;
          record({ task: t.task, point: t.point, shard: t.shard.index, acc: r.acc, paired: r.paired! });
          counter.poll();
        }),
      );
    } finally {
      counter.stop();
      await pool.destroy();
    }
  } finally {
    journal.close();
  }
}

/**
 * Runs (or resumes) the sweep of `exp` into `opts.out`, then writes `results.json` and
 * `results.csv` there and returns the results. Shards already in a journal of the
 * folder are not run again.
 */
export async function runSweep(exp: LoadedExperiment, opts: SweepOptions): Promise<SweepResults> {
  prepareFolder(exp, opts);
  const done = doneTasks([opts.out], join(opts.out, 'journal.jsonl'));
  const tasks = planTasks(exp);
  const todo = tasks.filter((t) => !done.has(t.task));
  const total = exp.points.length * exp.runs;
  let finished = total - replicationsOf(todo);
  opts.onProgress?.(finished, total);
  await executeTasks(exp, todo, join(opts.out, 'journal.jsonl'), Math.max(1, opts.jobs ?? 1), (ran) => opts.onProgress?.(finished + ran, total), opts.stopAfterShards);
  const results = buildResults(exp, readJournals([opts.out]));
  writeResults(opts.out, results);
  return results;
}

/** One shard of an array job: index `index` (0-based) of `count`. */
export interface ArrayShard {
  index: number;
  count: number;
}

/** What one array-job shard did. */
export interface ArrayShardReport {
  /** Tasks (shards of points) that belong to this array shard, and how many of them it ran now (the rest were already journalled). */
  tasks: number;
  ran: number;
  /** The journal it wrote. */
  journal: string;
}

/**
 * Runs the tasks of one array-job shard (tasks i, i+n, i+2n, ... of the fixed task
 * order) into `opts.out`, in a journal of its own (`journal.shard-i-of-n.jsonl`), so
 * array tasks can share a folder or write to separate folders that `mergeSweep` reads.
 * Rerunning a shard runs only what its journal lacks. No broker, no coordination.
 */
export async function runSweepShard(exp: LoadedExperiment, opts: Omit<SweepOptions, 'resume' | 'stopAfterShards'> & { shard: ArrayShard }): Promise<ArrayShardReport> {
  const { index, count } = opts.shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new SweepError(`--shard ${index}/${count}: expected i/n with 0 <= i < n`);
  }
  // Array tasks start together: each may find the manifest another wrote; it must match.
  prepareFolder(exp, { out: opts.out, resume: true });
  const journal = join(opts.out, `journal.shard-${index}-of-${count}.jsonl`);
  const done = doneTasks([opts.out], journal);
  const mine = planTasks(exp).filter((t) => t.task % count === index);
  const todo = mine.filter((t) => !done.has(t.task));
  const total = replicationsOf(mine);
  let finished = total - replicationsOf(todo);
  opts.onProgress?.(finished, total);
  await executeTasks(exp, todo, journal, Math.max(1, opts.jobs ?? 1), (ran) => opts.onProgress?.(finished + ran, total));
  return { tasks: mine.length, ran: todo.length, journal };
}

/**
 * Merges the journals of a sweep's results folder and of any other folders (`from`:
 * array-job shards that wrote elsewhere) into results.json and results.csv in `out`.
 * Every folder must hold the same sweep (its manifest is checked). Throws
 * SweepInterrupted, naming how many shards are missing, when the sweep is not complete.
 */
export function mergeSweep(exp: LoadedExperiment, opts: { out: string; from?: readonly string[] }): SweepResults {
  const dirs = [opts.out, ...(opts.from ?? [])];
  for (const d of opts.from ?? []) {
    if (!existsSync(join(d, 'manifest.json'))) throw new SweepError(`${d}: no manifest.json: not the results folder of a sweep`);
    prepareFolder(exp, { out: d, resume: true });
  }
  // The folder merged into may be new (every journal elsewhere).
  prepareFolder(exp, { out: opts.out, resume: true });
  const results = buildResults(exp, readJournals(dirs));
  writeResults(opts.out, results);
  return results;
}

/** The sweep stopped before every shard was in (see `stopAfterShards`). */
export class SweepInterrupted extends Error {}

/**
 * One point's replications gathered from a journal, in replication order: its merged
 * accumulator and the per-replication values of each service that paired comparisons need.
 */
export interface PointReplications {
  acc: RunAccumulator;
  /** Downtime / window, indexed [service][replication]. */
  unavailability: number[][];
  /** Outages per year, indexed [service][replication]. */
  outages: number[][];
  /** Outages breaching SAL 1..3, indexed [service][sal - 1][replication]. */
  salBreaches: number[][][];
  /** Outages judged against the SAL bounds (not censored), indexed [service][replication]. */
  judged: number[][];
}

/**
 * Gathers journal entries, in any order (duplicates of a task are ignored), into each
 * point's replications. Each point's shards are merged in shard order as soon as the next
 * one is in, so only shards that arrive out of order are held. Memory: one accumulator per
 * point, plus the per-replication values (points x services x runs x 6 numbers). Throws
 * SweepInterrupted when shards are missing.
 */
export function gatherPoints(exp: LoadedExperiment, entries: Iterable<JournalEntry>): PointReplications[] {
  const shardsPerPoint = planShards(exp.runs).length;
  const perPoint = exp.points.map((p) => {
    const services = p.topology.model.services;
    return {
      acc: emptyAccumulator(p.topology.model),
      unavailability: services.map((): number[] => []),
      outages: services.map((): number[] => []),
      salBreaches: services.map(() => p.topology.model.metrics.salBounds.map((): number[] => [])),
      judged: services.map((): number[] => []),
      next: 0,
      waiting: new Map<number, JournalEntry>(),
    };
  });
  for (const e of entries) {
    const pp = perPoint[e.point];
    if (!pp || e.shard < pp.next || pp.waiting.has(e.shard) || e.task !== e.point * shardsPerPoint + e.shard) continue;
    pp.waiting.set(e.shard, e);
    for (let w = pp.waiting.get(pp.next); w !== undefined; w = pp.waiting.get(pp.next)) {
      pp.waiting.delete(pp.next++);
      mergeAccumulators(pp.acc, w.acc);
      w.paired.unavailability.forEach((xs, s) => pp.unavailability[s].push(...xs));
      w.paired.outagesPerYear.forEach((xs, s) => pp.outages[s].push(...xs));
      w.paired.salBreaches?.forEach((bySal, s) => bySal.forEach((xs, k) => pp.salBreaches[s][k]?.push(...xs)));
      w.paired.judged?.forEach((xs, s) => pp.judged[s].push(...xs));
    }
  }
  const missing = perPoint.reduce((n, pp) => n + shardsPerPoint - pp.next - pp.waiting.size, 0);
  if (missing > 0) throw new SweepInterrupted(`${missing} of ${shardsPerPoint * exp.points.length} shards still to run; run again with --resume`);
  return perPoint.map(({ acc, unavailability, outages, salBreaches, judged }) => ({ acc, unavailability, outages, salBreaches, judged }));
}

/**
 * Builds the results from journal entries, in any order (see gatherPoints). Throws
 * SweepInterrupted when shards are missing.
 */
export function buildResults(exp: LoadedExperiment, entries: Iterable<JournalEntry>): SweepResults {
  const perPoint = gatherPoints(exp, entries);
  const services = exp.base.topology.model.services.map((s) => s.name);
  const base = perPoint[exp.baseline];
  const diff = pairedDifference;
  const spec = exp.spec;
  const labels = parameterLabelsOf(spec);
  return {
    nfvsim: VERSION,
    experiment: {
      file: exp.file,
      name: exp.name,
      sha256: exp.sha256,
      description: spec.description ?? null,
      design: exp.design,
      parameters: exp.parameters,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    },
    base: { file: exp.base.file, sha256: exp.base.sha256 },
    settings: { seed: exp.seed, runs: exp.runs, horizonSeconds: exp.horizon, horizonReason: exp.horizonReason, warmupSeconds: exp.warmup, shardSize: SHARD_SIZE },
    focus: { service: exp.service.name, sal: exp.sal },
    baseline: exp.points[exp.baseline].name,
    points: exp.points.map((p, i) => ({
      index: p.index,
      name: p.name,
      params: p.params,
      topologySha256: p.topology.sha256,
      summary: summarize(p.topology.model, perPoint[i].acc),
      difference:
        i === exp.baseline
          ? null
          : services.map((name, s) => ({
              service: name,
              unavailability: diff(perPoint[i].unavailability[s], base.unavailability[s]),
              downtimeMinutesPerYear: diff(perPoint[i].unavailability[s], base.unavailability[s], YEAR / 60),
              outagesPerYear: diff(perPoint[i].outages[s], base.outages[s]),
            })),
    })),
  };
}

/** Writes results.json and results.csv into `out`. */
export function writeResults(out: string, results: SweepResults): void {
  writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileAtomic(join(out, 'results.csv'), resultsCsv(results));
}

function csvField(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per point and service: parameters, availability, downtime, outages, recovery,
 * SAL verdicts, difference to the baseline; with planned work, its downtime and the
 * unplanned view's downtime and SAL verdicts (empty otherwise).
 */
export function resultsCsv(r: SweepResults): string {
  const head = [
    'point',
    ...r.experiment.parameters,
    'service',
    'availability',
    'availability_lo',
    'availability_hi',
    'downtime_min_per_year',
    'downtime_lo',
    'downtime_hi',
    'outages_per_year',
    'outages_lo',
    'outages_hi',
    'recovery_p50_s',
    'recovery_p95_s',
    'sal1',
    'sal2',
    'sal3',
    'downtime_diff_vs_baseline',
    'downtime_diff_lo',
    'downtime_diff_hi',
    // With planned work (maintenance, upgrades): its downtime, and the unplanned view.
    'planned_downtime_min_per_year',
    'unplanned_downtime_min_per_year',
    'unplanned_sal1',
    'unplanned_sal2',
    'unplanned_sal3',
  ];
  const rows = [head.join(',')];
  for (const p of r.points) {
    p.summary.services.forEach((s, i) => {
      const d = p.difference?.[i]?.downtimeMinutesPerYear;
      rows.push(
        [
          p.name,
          ...r.experiment.parameters.map((k) => p.params[k]),
          s.name,
          s.availability.mean,
          s.availability.lo,
          s.availability.hi,
          s.downtimeMinutesPerYear.mean,
          s.downtimeMinutesPerYear.lo,
          s.downtimeMinutesPerYear.hi,
          s.outagesPerYear.mean,
          s.outagesPerYear.lo,
          s.outagesPerYear.hi,
          s.recoveryTime.p50,
          s.recoveryTime.p95,
          ...s.sal.map((c) => c.verdict),
          d?.mean,
          d?.lo,
          d?.hi,
          s.unplanned ? (s.downtimeMinutesPerYearByLayer.planned ?? 0) : undefined,
          s.unplanned?.downtimeMinutesPerYear.mean,
          ...(s.unplanned ? s.unplanned.sal.map((c) => c.verdict) : [undefined, undefined, undefined]),
        ]
          .map(csvField)
          .join(','),
      );
    });
  }
  return rows.join('\n') + '\n';
}
