/**
 * `nfvsim sensitivity <topology>`: the change in downtime (and in each SAL breach share)
 * when each parameter improves by a factor, and the importance of each component type,
 * run as a sweep (base + one scenario per variant) on threads or a queue; resumable.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { progressMode } from './progress.js';
import { runStudySweep, type StudyCliOptions } from './study-sweep.js';
import { durationOption, nonNegativeInt, positiveInt } from './options.js';

/** Options of `nfvsim sensitivity`. */
interface SensitivityCliOptions extends StudyCliOptions {
  factor: number;
  only?: string[];
  importance: boolean;
  runs?: number;
  horizon?: number;
  warmup?: number;
  seed?: number;
  service?: string;
}

/** A commander parser for the improvement factor (a finite number above 1). */
function factorOption(v: string): number {
  const x = Number(v);
  if (!(x > 1 && Number.isFinite(x))) throw new InvalidArgumentError(`expected a factor above 1 such as 2, got '${v}'`);
  return x;
}

/** Registers `sensitivity` on `program`; it writes its table (or JSON) to `out` and its notes to `err`. */
export function registerSensitivity(program: Command, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): void {
  const { out, err } = io;
  program
    .command('sensitivity')
    .description(
      'change in downtime per year and in each SAL breach share when each parameter (MTTF, repair, restart, HA delays and probabilities) improves by a factor, ' +
        'with paired 95% CIs (common random numbers), and the importance of each component type (Birnbaum, criticality, RAW); runs as a sweep, resumable',
    )
    .argument('<topology>', 'topology file (YAML or JSON)')
    .option('-f, --factor <x>', 'improvement factor: MTTF x factor; repair, restart and HA delays / factor; failure probabilities / factor', factorOption, 2)
    .option('--only <path>', "only the parameters and component types at or under this dotted path, e.g. 'components.server' or 'vnfs.vMME.ha' ('*' matches one name); repeatable", (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-importance', 'no importance measures (no perfect / failed variant of each component type)')
    .option('-n, --runs <n>', "replications per variant (default: the file's simulation.runs, else 100)", positiveInt())
    .option('--horizon <duration>', "simulated time per replication (default: the file's, else 10 x the largest MTTF, at least 10y)", durationOption)
    .option('--warmup <duration>', "initial time not counted (default: the file's, else 0)", durationOption)
    .option('-s, --seed <n>', "seed of every random stream (default: the file's, else 1)", nonNegativeInt)
    .option('--service <name>', 'the service the table and chart focus on (default: the first; every service is in the JSON and CSV)')
    .option('-o, --out <dir>', 'results folder (default: results/sensitivity-<topology name>)')
    .option('-j, --jobs <n>', `worker threads (default: ${availableParallelism()}); results are the same bytes for any number`, positiveInt())
    .option('--resume', 'continue the study already in --out: shards already done are not run again')
    .option('--queue <url>', 'run the shards on a BullMQ queue in Redis (as `nfvsim sweep --queue`); `nfvsim worker` processes run them')
    .option('--queue-name <name>', 'BullMQ queue name (default: nfvsim)')
    .option('--no-charts', 'do not draw the tornado chart and report.html')
    .option('--json', 'print sensitivity.json on stdout instead of the table')
    .option('--progress <mode>', "progress on stderr: 'auto', 'bar', 'plain', 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .action(async (file: string, opts: SensitivityCliOptions) => {
      // Loaded here, not at start-up: only this command needs sweeps and charts.
      const { readJournals } = await import('../sweep/sweep.js');
      const { sensitivityResults, sensitivityStudy } = await import('../sensitivity/run.js');
      const { renderSensitivityText, writeSensitivityReport } = await import('../report/sensitivity.js');
      const study = sensitivityStudy(file, { factor: opts.factor, only: opts.only, importance: opts.importance, runs: opts.runs, horizon: opts.horizon, warmup: opts.warmup, seed: opts.seed, service: opts.service });
      const exp = study.experiment;
      const dir = opts.out ?? join('results', exp.name);
      const started = Date.now();
      await runStudySweep(exp, dir, file, 'sensitivity', 'lower --runs or --horizon, or study fewer parameters (--only, --no-importance)', opts, err);
      const results = sensitivityResults(study, readJournals([dir]));
      await writeSensitivityReport(dir, results, { model: exp.base.topology.model, charts: opts.charts });
      out.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderSensitivityText(results));
      err.write(
        `nfvsim: ${exp.points.length} variants (base included) x ${exp.runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
          `results in ${join(dir, 'sensitivity.json')} and sensitivity.csv${opts.charts ? `, tornado chart in ${join(dir, 'charts', 'tornado.png')}, report in ${join(dir, 'report.html')}` : ''}\n`,
      );
    });
}
