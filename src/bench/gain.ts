/**
 * The gain table of the rare-event methods on every shipped topology (`npm run bench`,
 * or alone: `node dist/bench/gain.js [--budget 60] [--out gain.json] [topology ...]`):
 * plain histories (`run --precision 10%`), failure biasing (`--rare-event --precision
 * 10%`, where it applies) and splitting (`--rare-event splitting --precision 10%`, its
 * pilots included), one thread each, each with a wall-time budget (`--budget` seconds,
 * default 60). Per method: histories, cycles or trials (with the copies of running
 * histories splitting made), events, seconds, and the worst relative 95% half-width over the services when the
 * budget ran out first. Timings are wall time on whatever machine runs it. And per
 * accelerated method, how far its unavailability estimates lie from plain histories', in
 * combined standard errors (`agreement`): the check, on every shipped topology, that the
 * acceleration is unbiased (|z| <= 3).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadTopologyFile, type LoadedTopology } from '../model/index.js';
import { simulateToPrecision } from '../simulate.js';
import { runRareEvent } from '../rare/run.js';
import { runSplitting } from '../rare/split-run.js';
import { SPLIT_LIMITS } from '../rare/splitting.js';
import { rareEventBlockers } from '../rare/applicability.js';

/** One method's run to 10% on one topology. */
export interface GainCell {
  /** Why it did not run (not applicable, refused), or null. */
  refused: string | null;
  /** Histories (plain, splitting) or cycles (failure biasing). */
  units: number;
  /** Splitting only: trials (main trials and retrials), and copies of running histories. */
  trials?: number;
  copies?: number;
  /** Splitting only: its factors per level (1: not split). */
  factors?: number[];
  events: number;
  seconds: number;
  /** True when every service reached 10% within the budget. */
  reached: boolean;
  /** The worst relative half-width at the stop. */
  worst: number;
  /** A warning of the method that the run ended with (degenerate weights or too few outages), or null. */
  problem: string | null;
  /**
   * Per service (model order): its unavailability's estimate and standard error (empty
   * when refused), and whether the method trusts that standard error: false for a service
   * whose per-history (weighted) downtime has a heavy tail (Pareto k >= 0.7: splitting's
   * own warning or note), whose SE a run that missed the rare long outages sees far too
   * small.
   */
  estimates: Array<{ service: string; mean: number; se: number; trusted: boolean }>;
}

/**
 * How far an accelerated method's estimates lie from plain histories': the largest, over
 * the services whose two standard errors are both known, not both 0 and trusted by their
 * methods, of |mean - plain mean| / sqrt(se^2 + plain se^2) (combined standard errors),
 * with the service it was found on (null when no service can be compared), and the
 * services left out for an untrusted SE. With trusted SEs, unbiased methods give |z| <= 3
 * nearly always (each comparison |z| > 3 with probability 0.3%).
 */
export function agreement(method: GainCell, plain: GainCell): { z: number; service: string; untrusted: string[] } | null {
  let worst: { z: number; service: string; untrusted: string[] } | null = null;
  const untrusted: string[] = [];
  for (let i = 0; i < method.estimates.length && i < plain.estimates.length; i++) {
    const a = method.estimates[i];
    const b = plain.estimates[i];
    if (!a.trusted || !b.trusted) {
      untrusted.push(a.service);
      continue;
    }
    const se = Math.hypot(a.se, b.se);
    if (!(se > 0) || !Number.isFinite(a.mean) || !Number.isFinite(b.mean)) continue;
    const z = Math.abs(a.mean - b.mean) / se;
    if (worst === null || z > worst.z) worst = { z, service: a.service, untrusted };
  }
  return worst;
}

/** Estimates of a result's services, as GainCell.estimates wants them (`paretoK`: splitting's per service; its SE is not trusted at SPLIT_LIMITS.paretoK or more). */
function estimatesOf(services: ReadonlyArray<{ name: string; unavailability: { mean: number; se: number }; paretoK?: number }>): GainCell['estimates'] {
  return services.map((s) => ({ service: s.name, mean: s.unavailability.mean, se: s.unavailability.se, trusted: !(s.paretoK !== undefined && s.paretoK >= SPLIT_LIMITS.paretoK) }));
}

/** The three methods on one topology. */
export interface GainRow {
  topology: string;
  plain: GainCell;
  failureBiasing: GainCell;
  splitting: GainCell;
}

const PRECISION = 0.1;

/** Runs `f`, timing it (wall seconds). */
async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

/** The three methods on `topo`, each with `budget` seconds. */
export async function gainRow(topo: LoadedTopology, name: string, budget: number): Promise<GainRow> {
  const [p, ps] = await timed(() => simulateToPrecision(topo, { precision: PRECISION, jobs: 1, maxTimeSeconds: budget }));
  const pWorst = Math.max(...(p.settings.stop?.achieved ?? []).map((a) => a.relativeHalfWidth));
  const plain: GainCell = { refused: null, units: p.settings.runs, events: p.results.events, seconds: ps, reached: p.settings.stop?.reason === 'precision', worst: pWorst, problem: null, estimates: estimatesOf(p.results.services) };
  let failureBiasing: GainCell;
  const blockers = rareEventBlockers(topo.model);
  if (blockers.length > 0) failureBiasing = { refused: blockers[0], units: 0, events: 0, seconds: 0, reached: false, worst: NaN, problem: null, estimates: [] };
  else {
    try {
      const [r, rs] = await timed(() => runRareEvent(topo, { precision: PRECISION, jobs: 1, maxTimeSeconds: budget }));
      const worst = Math.max(...r.results.services.map((s) => s.relativeHalfWidth));
      failureBiasing = { refused: null, units: r.results.cycles, events: r.results.events, seconds: rs, reached: r.settings.stop?.reason === 'precision', worst, problem: r.results.problems[0] ?? null, estimates: estimatesOf(r.results.services) };
    } catch (e) {
      failureBiasing = { refused: (e as Error).message, units: 0, events: 0, seconds: 0, reached: false, worst: NaN, problem: null, estimates: [] };
    }
  }
  const [s, ss] = await timed(() => runSplitting(topo, { precision: PRECISION, maxTimeSeconds: budget }));
  const sWorst = Math.max(...s.results.services.map((x) => x.relativeHalfWidth));
  const splitting: GainCell = {
    refused: null,
    units: s.results.histories,
    trials: s.results.trials,
    copies: s.results.copies,
    factors: s.results.factors,
    events: s.results.events,
    seconds: ss,
    reached: s.settings.stop?.reason === 'precision',
    worst: sWorst,
    problem: s.results.problems[0] ?? null,
    estimates: estimatesOf(s.results.services),
  };
  return { topology: name, plain, failureBiasing, splitting };
}

/** A cell as text. */
function cell(c: GainCell, unit: string): string {
  if (c.refused !== null) return `refused (${c.refused.length > 60 ? c.refused.slice(0, 57) + '...' : c.refused})`;
  const units = `${c.units.toLocaleString('en-US')} ${unit}` + (c.trials !== undefined ? ` (${c.trials.toLocaleString('en-US')} trials, ${(c.copies ?? 0).toLocaleString('en-US')} copies, factors ${c.factors!.slice(1).join('/') || 'none'})` : '');
  const end = c.reached ? '' : `, NOT reached: ${Number.isFinite(c.worst) ? `${(c.worst * 100).toFixed(0)}%` : 'no outage'} at the budget`;
  return `${units}, ${(c.events / 1e6).toFixed(2)} M events, ${c.seconds.toFixed(1)} s${end}${c.problem ? ' (warning)' : ''}`;
}

/** `agreement(method, plain)` as text: the largest |z| and its service, or why there is none. */
function agreementText(method: GainCell, plain: GainCell): string {
  if (method.refused !== null) return '-';
  const a = agreement(method, plain);
  if (a === null) return 'no service to compare';
  const left = a.untrusted.length > 0 ? `, not compared: ${a.untrusted.join(', ')} (heavy tail)` : '';
  return `${a.z.toFixed(2)} (${a.service})${a.z > 3 ? ' OVER 3' : ''}${left}`;
}

/** The table as Markdown (README) lines. */
export function gainTable(rows: readonly GainRow[]): string[] {
  const out = [
    '| topology | plain | failure biasing | splitting | largest \|z\| against plain: failure biasing; splitting |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows)
    out.push(
      `| ${r.topology} | ${cell(r.plain, 'histories')} | ${cell(r.failureBiasing, 'cycles')} | ${cell(r.splitting, 'histories')} | ${agreementText(r.failureBiasing, r.plain)}; ${agreementText(r.splitting, r.plain)} |`,
    );
  return out;
}

/** Every shipped topology (topologies/*.yaml), by name. */
export function shippedTopologies(): string[] {
  const dir = fileURLToPath(new URL('../../topologies/', import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Runs the table on `files` (default: every shipped topology), printing each row as it comes. */
export async function runGain(budget: number, files: readonly string[] = shippedTopologies()): Promise<GainRow[]> {
  const rows: GainRow[] = [];
  console.log(`Gain to a 10% relative 95% half-width on every service's unavailability, one thread, budget ${budget} s per method (wall time; a shared machine is noisy):`);
  console.log(gainTable([]).join('\n'));
  for (const f of files) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const row = await gainRow(loadTopologyFile(f, `topologies/${name}`), name, budget);
    rows.push(row);
    console.log(gainTable([row])[2]);
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--budget');
  const budget = at > 0 ? Number(process.argv[at + 1]) : 60;
  const outAt = process.argv.indexOf('--out');
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--budget' && all[i - 1] !== '--out');
  const rows = await runGain(budget, files.length > 0 ? files : undefined);
  if (outAt > 0) writeFileSync(process.argv[outAt + 1], JSON.stringify(rows, null, 2) + '\n');
}
