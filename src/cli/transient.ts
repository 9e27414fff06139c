/**
 * `nfvsim transient <topology>`: point availability A(t) and mission reliability R(t)
 * over the horizon, from everything new and up or with components failed at time 0,
 * and the distribution of interval availability per month and per year; the exact
 * Markov values beside them when the model is all-exponential.
 */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadTopologyFile } from '../model/index.js';
import { YEAR } from '../engine/units.js';
import { checkEventBudget } from '../runner/budget.js';
import { createProgress, progressMode, type ProgressMode } from './progress.js';
import { durationOption, nonNegativeInt, positiveInt, UsageError } from './options.js';

/** The most interval availabilities (histories x whole months and years) a study keeps in memory (8 bytes each). */
export const MAX_PERIOD_VALUES = 50_000_000;

/** Options of `nfvsim transient`. */
interface TransientCliOptions {
  runs?: number;
  horizon?: number;
  seed?: number;
  points: number;
  initialDown?: string[];
  target?: number;
  service?: string;
  exact: boolean;
  out?: string;
  jobs?: number;
  charts: boolean;
  json?: boolean;
  progress?: ProgressMode | false;
}

/** A commander parser for an availability: a share in (0, 1) such as 0.9999, or a percentage such as '99.99%'. */
export function availabilityOption(v: string): number {
  const m = /^\s*([\d.]+)\s*(%?)\s*$/.exec(v);
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`expected an availability in (0, 1) such as 0.9999, or a percentage such as '99.99%', got '${v}'`);
  return x;
}

/** Registers `transient` on `program`; it writes its table (or JSON) to `out` and its notes to `err`. */
export function registerTransient(program: Command, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): void {
  const { out, err } = io;
  program
    .command('transient')
    .description(
      'point availability A(t) and mission reliability R(t) = P(no outage in [0, t]) over the horizon, from all new or with components failed at 0, ' +
        'and the distribution of interval availability per month and per year, with 95% CIs; the exact Markov values beside them for all-exponential models',
    )
    .argument('<topology>', 'topology file (YAML or JSON)')
    .option('-n, --runs <n>', "histories (default: the file's simulation.runs, else 100)", positiveInt())
    .option('--horizon <duration>', "length of each history, from time 0 (default: the file's, else 10 x the largest MTTF, at least 10y)", durationOption)
    .option('-s, --seed <n>', "seed of every random stream (default: the file's, else 1)", nonNegativeInt)
    .option('--points <n>', 'A(t) and R(t) at n + 1 evenly spaced times from 0 to the horizon', positiveInt(), 100)
    .option(
      '--initial-down <component>',
      "a component failed at time 0: its path as in the topology's model, e.g. 'vnfs.vFW.instances.1.app' or 'hosts.compute-1.hardware', optionally ':<failure mode>' (default its first); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--target <availability>', "the availability a month or a year is judged against, e.g. '99.99%' (default: each service's target)", availabilityOption)
    .option('--service <name>', 'the service the table and charts show (default: every service in the table, the first in the charts)')
    .option('--no-exact', 'do not solve the Markov chain for the exact A(t) and R(t)')
    .option('-o, --out <dir>', 'results folder (default: results/transient-<topology name>)')
    .option('-j, --jobs <n>', 'worker threads (default: the available parallelism when the run is large enough); results are the same bytes for any number', positiveInt())
    .option('--no-charts', 'do not draw the charts and report.html')
    .option('--json', 'print transient.json on stdout instead of the table')
    .option('--progress <mode>', "progress on stderr: 'auto', 'bar', 'plain', 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .action(async (file: string, opts: TransientCliOptions) => {
      const topo = loadTopologyFile(file);
      if (opts.service !== undefined && !topo.model.services.some((s) => s.name === opts.service)) {
        throw new UsageError(`--service ${opts.service}: no such service; ${topo.file} has: ${topo.model.services.map((s) => s.name).join(', ')}`);
      }
      // Loaded here, not at start-up: only this command needs them.
      const { parseInitialDown, transientStudy } = await import('../transient/run.js');
      const { renderTransientText, writeTransientReport } = await import('../report/transient.js');
      parseInitialDown(topo, opts.initialDown ?? []);
      const d = topo.model.defaults;
      const runs = opts.runs ?? d.runs;
      const seed = opts.seed ?? d.seed;
      const horizon = opts.horizon ?? d.horizon;
      if (!(horizon > 0)) throw new UsageError('--horizon must be longer than 0');
      // The interval availability keeps every period of every history (8 bytes each) for its quantiles.
      const periods = Math.floor(horizon / (YEAR / 12) + 1e-9) + Math.floor(horizon / YEAR + 1e-9);
      if (runs * periods > MAX_PERIOD_VALUES) {
        throw new UsageError(`${runs} histories x ${periods} months and years is more than ${MAX_PERIOD_VALUES.toLocaleString('en-US')} interval availabilities to keep: run fewer histories (--runs) or a shorter horizon`);
      }
      const eventsPerRun = checkEventBudget([topo.model], { seed, horizon, runs }, topo.file, 'shorten the horizon (--horizon) or run fewer histories (--runs)');
      const dir = opts.out ?? join('results', `transient-${topo.model.name}`);
      const bar = createProgress(err, 'transient', opts.progress);
      const started = Date.now();
      let r;
      try {
        r = await transientStudy(topo, {
          runs,
          seed,
          horizon,
          points: opts.points,
          initialDown: opts.initialDown,
          target: opts.target,
          exact: opts.exact,
          jobs: opts.jobs,
          eventsPerRun,
          onProgress: bar.active ? (done, total) => bar.update(done, total) : undefined,
        });
      } finally {
        bar.finish();
      }
      await writeTransientReport(dir, r, { charts: opts.charts, service: opts.service });
      out.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : renderTransientText(r, opts.service));
      err.write(
        `nfvsim: ${runs} histories in ${((Date.now() - started) / 1000).toFixed(1)} s; results in ${join(dir, 'transient.json')} and transient.csv` +
          (opts.charts ? `, charts in ${join(dir, 'charts')} (point-availability, reliability, interval-availability), report in ${join(dir, 'report.html')}` : '') +
          '\n',
      );
    });
}
