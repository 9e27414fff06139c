/**
 * `nfvsim analyze <topology>`: the exact steady state of the topology's continuous-time
 * Markov chain (src/analysis/markov.ts), and with `--compare` the Monte Carlo estimate
 * of the same topology beside it. Text by default, one JSON document with `--json`.
 * Refused topologies (a non-exponential delay without --approximate, evacuation, a block
 * over the state limit...) exit 2 with the reasons, like any bad input.
 */
import { checkEventBudget } from '../runner/budget.js';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { AnalysisResult } from '../analysis/markov.js';
import { loadTopologyFile } from '../model/index.js';
import { simulateParallel } from '../simulate.js';
import { VERSION } from '../version.js';
import type { RunReport } from '../report/json.js';
import type { Estimate } from '../metrics/stats.js';
import { formatDuration, YEAR } from '../engine/units.js';
import { sig } from '../report/format.js';
import { durationOption, nonNegativeInt, openProbability, positiveInt, UsageError } from './options.js';

/** Options of `nfvsim analyze`. */
interface AnalyzeCliOptions {
  approximate?: boolean;
  compare?: boolean;
  runs?: number;
  seed?: number;
  jobs?: number;
  json?: boolean;
  maxStates: number;
  /** False with --no-lump. */
  lump: boolean;
  /** Times (seconds) of the exact transient A(t), R(t) (--at). */
  at?: number[];
  /** Leave out states less likely than this (--truncate; AnalyzeOptions.truncate). */
  truncate?: number;
}

/** One figure, exact against simulated. */
export interface ComparedFigure {
  exact: number;
  simulated: Estimate;
  /** With a truncated chain: the range the figure may lie in, given what the states left out may add (ServiceAnalysis.truncation). */
  range?: [number, number];
  /** True when the exact value (with a truncated chain: some value of `range`) lies inside the simulated 95% confidence interval. */
  inside: boolean;
}

/** The document `nfvsim analyze --json` prints. Times in seconds unless a name says otherwise. */
export interface AnalyzeReport {
  nfvsim: string;
  input: { file: string; name: string; sha256: string };
  settings: { approximate: boolean; maxStates: number; lump: boolean; truncate: number | null };
  analysis: AnalysisResult;
  /** With --compare: the simulation settings and, per service, exact against simulated. */
  comparison: null | {
    settings: RunReport['settings'];
    services: Array<{ name: string; availability: ComparedFigure; downtimeMinutesPerYear: ComparedFigure; outagesPerYear: ComparedFigure }>;
  };
}

/** An exact figure against the simulated estimate; with `range` (a truncated chain), whether the range meets the confidence interval. */
const compared = (exact: number, simulated: Estimate, range?: [number, number]): ComparedFigure =>
  range ? { exact, simulated, range, inside: simulated.lo <= range[1] && range[0] <= simulated.hi } : { exact, simulated, inside: simulated.lo <= exact && exact <= simulated.hi };

/** Decimals of a percentage that show three significant digits of its complement `u` (an unavailability). */
function pctDecimals(u: number): number {
  if (!(u > 0)) return 6;
  return Math.max(2, Math.min(12, 2 - Math.floor(Math.log10(u * 100))));
}

const pct = (x: number, d: number) => `${(100 * x).toFixed(d)} %`;

/** Renders the text report. */
export function renderAnalyzeText(r: AnalyzeReport): string {
  const a = r.analysis;
  const out: string[] = [];
  out.push(`nfvsim ${r.nfvsim} analyze   ${r.input.name} (${r.input.file})`);
  const states = a.blocks.reduce((s, b) => s + b.states, 0);
  const unlumped = a.blocks.reduce((s, b) => s + b.statesUnlumped, 0);
  // With symmetric instances lumped: how many states of the full chain they stand for.
  const full = (n: number, u: number) => (u === n ? '' : ` (${u.toLocaleString('en-US')} unlumped)`);
  out.push(
    `${a.exact ? 'exact' : 'APPROXIMATE'} steady state of the continuous-time Markov chain: ${a.blocks.length} independent block${a.blocks.length === 1 ? '' : 's'}, ` +
      `${states.toLocaleString('en-US')} states in all${full(states, unlumped)}, solved by GTH elimination; residual ${sig(a.residual, 2)}`,
  );
  // The largest blocks first; many small ones are summarised.
  const shown = [...a.blocks].sort((x, y) => y.states - x.states).slice(0, 8);
  for (const b of shown) {
    out.push(`  ${b.name}: ${b.states.toLocaleString('en-US')} states${full(b.states, b.statesUnlumped)}, ${b.transitions.toLocaleString('en-US')} transitions, residual ${sig(b.residual, 2)}`);
    const t = b.truncation;
    if (t) {
      out.push(
        `    TRUNCATED (--truncate ${r.settings.truncate?.toExponential()}): ${t.leftOut.toLocaleString('en-US')} less likely states left out (one state stands for them, counted as up); ` +
          `entered ${sig(t.entryRate * YEAR, 3)} times a year, for about ${formatDuration(t.staySeconds, 3)} each (estimated): ${sig(t.outside, 3)} of the time`,
      );
    }
  }
  if (a.blocks.length > shown.length) {
    const cut = a.blocks.filter((b) => !shown.includes(b) && b.truncation !== undefined).length;
    out.push(`  ... and ${a.blocks.length - shown.length} smaller blocks${cut > 0 ? ` (${cut} of them truncated too; --json gives each)` : ''}`);
  }
  if (a.approximations.length > 0) {
    out.push('');
    out.push(`APPROXIMATE (--approximate): ${a.approximations.length} non-exponential delay${a.approximations.length === 1 ? '' : 's'} replaced by exponentials of the same mean:`);
    for (const x of a.approximations) out.push(`  ${x.where}: ${x.original} -> exponential(mean ${formatDuration(x.meanSeconds)})`);
  }
  const cmp = r.comparison;
  if (cmp) {
    const s = cmp.settings;
    out.push('');
    out.push(`simulated (nfvsim run): ${s.runs} runs x ${formatDuration(s.horizonSeconds)} horizon${s.warmupSeconds > 0 ? `, ${formatDuration(s.warmupSeconds)} warm-up` : ''}, seed ${s.seed}; SE = standard error of the estimate`);
  }
  for (const s of a.services) {
    out.push('');
    out.push(`${s.name}  (${s.plane} plane: ${s.logic !== undefined ? `up = ${s.logic}` : s.chain.join(' -> ')}; ${s.blocks.length} block${s.blocks.length === 1 ? '' : 's'})`);
    const d = pctDecimals(s.unavailability);
    if (s.truncation) {
      const t = s.truncation;
      out.push(`  truncated: the states left out may add up to about ${sig(t.unavailability, 3)} of unavailability (${sig((t.unavailability * YEAR) / 60, 3)} min a year), and move the outages by up to ${sig(t.outagesPerYear, 3)} a year either way (estimates; the figures below count them as up)`);
    }
    if (s.transientRefused) out.push(`  transient (--at): not computed: ${s.transientRefused}`);
    if (s.transient) {
      const t = s.transient;
      out.push(`  from everything new and up at 0 (uniformisation):`);
      for (let k = 0; k < t.times.length; k++) {
        out.push(`    t = ${formatDuration(t.times[k]).padEnd(10)} A(t) = ${pct(t.availability[k], d).padEnd(14)} R(t) = P(no outage in [0, t]) = ${pct(t.reliability[k], Math.max(2, pctDecimals(1 - t.reliability[k])))}`);
      }
    }
    const c = cmp?.services.find((x) => x.name === s.name);
    if (!c) {
      out.push(`  ${'availability'.padEnd(22)}${pct(s.availability, d)}   (unavailability ${sig(s.unavailability, 4)})`);
      out.push(`  ${'downtime per year'.padEnd(22)}${sig(s.downtimeMinutesPerYear, 4)} min`);
      out.push(`  ${'outages per year'.padEnd(22)}${sig(s.outagesPerYear, 4)}`);
      out.push(`  ${'mean outage'.padEnd(22)}${s.meanOutageSeconds === null ? 'no outages' : formatDuration(s.meanOutageSeconds, 4)}`);
      continue;
    }
    const label = a.exact ? 'exact' : 'Markov (approx.)';
    out.push(`  ${''.padEnd(22)}${label.padEnd(20)}${'simulated'.padEnd(20)}${'95% CI'.padEnd(30)}${a.exact ? 'exact' : 'Markov'} inside CI`);
    if (s.truncation) out.push(`  (truncated: "inside" when the range from the figure to the figure with what was left out meets the CI)`);
    const row = (label: string, f: ComparedFigure, fmt: (x: number) => string) =>
      out.push(`  ${label.padEnd(22)}${fmt(f.exact).padEnd(20)}${fmt(f.simulated.mean).padEnd(20)}${`${fmt(f.simulated.lo)} .. ${fmt(f.simulated.hi)}`.padEnd(30)}${f.inside ? 'yes' : 'NO'}  (${zText(f)})`);
    row('availability', c.availability, (x) => pct(x, d));
    row('downtime per year', c.downtimeMinutesPerYear, (x) => `${sig(x, 4)} min`);
    row('outages per year', c.outagesPerYear, (x) => sig(x, 4));
  }
  return out.join('\n') + '\n';
}

function zText(f: ComparedFigure): string {
  const se = f.simulated.se;
  if (!(se > 0)) return 'no spread';
  const m = f.simulated.mean;
  // With a range (a truncated chain): the distance to its nearer end, none inside it.
  const gap = f.range ? Math.max(0, f.range[0] - m, m - f.range[1]) : Math.abs(m - f.exact);
  return `${sig(gap / se, 2)} SE apart`;
}

/**
 * Default of `--max-states`: the solver's DEFAULT_MAX_STATES (src/analysis/markov.ts; a
 * test checks that they agree), written here so that the CLI loads the solver only
 * when `analyze` runs.
 */
export const CLI_DEFAULT_MAX_STATES = 200_000;

/** Registers `nfvsim analyze` on the program; `io` are the streams main() writes to. */
export function registerAnalyze(program: Command, io: { out: NodeJS.WritableStream }): void {
  program
    .command('analyze')
    .description('solve the exact continuous-time Markov chain of an all-exponential topology (steady state), optionally beside the simulation')
    .argument('<topology>', 'topology file (YAML or JSON)')
    .option('--approximate', 'replace non-exponential delays by exponentials of the same mean (the output lists each one)')
    .option('--compare', 'also simulate the topology and print the estimate, its 95% CI and whether the exact value lies inside')
    .option('-n, --runs <n>', "replications for --compare (default: the file's simulation.runs, else 100)", positiveInt())
    .option('-s, --seed <n>', "seed for --compare (default: the file's, else 1)", nonNegativeInt)
    .option('-j, --jobs <n>', `worker threads for --compare (default: ${availableParallelism()}, or none for a run too small to be worth starting them)`, positiveInt())
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--max-states <n>', 'refuse a block that needs more states than this', positiveInt(), CLI_DEFAULT_MAX_STATES)
    .option(
      '--truncate <p>',
      'leave out the states whose likeliest path from everything up is taken with a probability below p (e.g. 1e-12): explores likeliest first, and reports an estimate of what was left out',
      openProbability,
    )
    .option('--no-lump', 'do not merge states that differ only by a permutation of interchangeable instances (same results, more states)')
    .option(
      '--at <duration>',
      "also the exact point availability A(t) and mission reliability R(t) at this time from everything new, by uniformisation (repeatable; a chain too stiff for it is said so); nfvsim transient simulates them",
      (v: string, prev: number[] = []) => [...prev, durationOption(v)],
    )
    .action(async (file: string, opts: AnalyzeCliOptions) => {
      if (!opts.compare && (opts.runs !== undefined || opts.seed !== undefined || opts.jobs !== undefined)) {
        throw new UsageError('--runs, --seed and --jobs apply to the simulation: add --compare');
      }
      const topo = loadTopologyFile(file);
      const { analyzeModel, AnalysisRefused } = await import('../analysis/markov.js');
      let analysis: AnalysisResult;
      try {
        const times = opts.at ? [...opts.at].sort((x, y) => x - y) : undefined;
        analysis = analyzeModel(topo.model, { approximate: opts.approximate, maxStates: opts.maxStates, lump: opts.lump, ...(times ? { times } : {}), ...(opts.truncate !== undefined ? { truncate: opts.truncate } : {}) });
      } catch (e) {
        if (e instanceof AnalysisRefused) throw new UsageError(e.message);
        throw e;
      }
      const report: AnalyzeReport = {
        nfvsim: VERSION,
        input: { file: topo.file, name: topo.model.name, sha256: topo.sha256 },
        settings: { approximate: opts.approximate ?? false, maxStates: opts.maxStates, lump: opts.lump, truncate: opts.truncate ?? null },
        analysis,
        comparison: null,
      };
      if (opts.compare) {
        const d = topo.model.defaults;
        const eventsPerRun = checkEventBudget([topo.model], { seed: opts.seed ?? d.seed, horizon: d.horizon, runs: opts.runs ?? d.runs }, topo.file, 'run fewer histories (--runs), or set simulation.horizon shorter in the file');
        // Without --jobs: threads only for a run worth their start-up (see simulateParallel).
        const sim = await simulateParallel(topo, { runs: opts.runs, seed: opts.seed, jobs: opts.jobs, eventsPerRun });
        report.comparison = {
          settings: sim.settings,
          services: analysis.services.map((s) => {
            const m = sim.results.services.find((x) => x.name === s.name)!;
            // A truncated chain: each figure judged by the range what was left out allows (the unavailability may only grow; the outage rate may move either way).
            const t = s.truncation;
            return {
              name: s.name,
              availability: compared(s.availability, m.availability, t && [s.availability - t.unavailability, s.availability]),
              downtimeMinutesPerYear: compared(s.downtimeMinutesPerYear, m.downtimeMinutesPerYear, t && [s.downtimeMinutesPerYear, s.downtimeMinutesPerYear + (t.unavailability * YEAR) / 60]),
              outagesPerYear: compared(s.outagesPerYear, m.outagesPerYear, t && [s.outagesPerYear - t.outagesPerYear, s.outagesPerYear + t.outagesPerYear]),
            };
          }),
        };
      }
      io.out.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderAnalyzeText(report));
    });
}
