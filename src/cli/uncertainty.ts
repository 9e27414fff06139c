/**
 * `nfvsim uncertainty <experiment>`: a two-level run of an experiment with an `uncertain:`
 * section (parameter sets drawn from distributions over values, then histories of each),
 * run as a sweep on threads or a queue, resumable; reports the distribution of
 * availability and downtime across the parameter uncertainty and the probability of
 * meeting the availability target and each SAL.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { progressMode } from './progress.js';
import { runStudySweep, type StudyCliOptions } from './study-sweep.js';
import { experimentSettingOptions, positiveInt, UsageError, type ExperimentSettingOptions } from './options.js';

/** Registers `uncertainty` on `program`; it writes its summary (or JSON) to `out` and its notes to `err`. */
export function registerUncertainty(program: Command, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): void {
  const { out, err } = io;
  experimentSettingOptions(program
    .command('uncertainty'), 'histories per parameter set')
    .description(
      "two-level run of an experiment with an 'uncertain:' section: parameter sets drawn from distributions over values, then histories of each; " +
        'the distribution of availability and downtime per year across the parameter uncertainty, P(meet the availability target) and P(meet each SAL), with 95% CIs; runs as a sweep, resumable',
    )
    .argument('<experiment>', "experiment file (YAML or JSON) with an 'uncertain:' section")
    .option('-o, --out <dir>', 'results folder (default: results/<experiment name>)')
    .option('-j, --jobs <n>', `worker threads (default: ${availableParallelism()}); results are the same bytes for any number`, positiveInt())
    .option('--resume', 'continue the study already in --out: shards already done are not run again')
    .option('--queue <url>', 'run the shards on a BullMQ queue in Redis (as `nfvsim sweep --queue`); `nfvsim worker` processes run them')
    .option('--queue-name <name>', 'BullMQ queue name (default: nfvsim)')
    .option('--no-charts', 'do not draw the charts and report.html')
    .option('--json', 'print uncertainty.json on stdout instead of the summary')
    .option('--progress <mode>', "progress on stderr: 'auto', 'bar', 'plain', 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .action(async (file: string, opts: StudyCliOptions & ExperimentSettingOptions) => {
      // Loaded here, not at start-up: only this command needs them.
      const { loadExperimentFile } = await import('../experiment/load.js');
      const exp = loadExperimentFile(file, opts);
      if (exp.design !== 'uncertain') throw new UsageError(`${file}: no 'uncertain:' section (its design is ${exp.design}); run it with nfvsim sweep, or see the README's "Uncertain inputs"`);
      const { readJournals } = await import('../sweep/sweep.js');
      const { uncertaintyResults } = await import('../uncertainty/run.js');
      const { renderUncertaintyText, writeUncertaintyReport } = await import('../report/uncertainty.js');
      const dir = opts.out ?? join('results', exp.name);
      const started = Date.now();
      await runStudySweep(exp, dir, file, 'uncertainty', 'lower runs (histories per set; or --runs), uncertain.samples or the horizon (or --horizon)', opts, err);
      const results = uncertaintyResults(exp, readJournals([dir]));
      const files = await writeUncertaintyReport(dir, results, { charts: opts.charts });
      out.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderUncertaintyText(results));
      err.write(
        `nfvsim: ${exp.points.length} parameter sets x ${exp.runs} histories in ${((Date.now() - started) / 1000).toFixed(1)} s; results in ${join(dir, 'uncertainty.json')} and uncertainty.csv` +
          (opts.charts ? `, charts in ${join(dir, 'charts')} (${files.filter((f) => f.endsWith('.png')).map((f) => f.slice(7, -4)).join(', ')}), report in ${join(dir, 'report.html')}` : '') +
          '\n',
      );
    });
}
