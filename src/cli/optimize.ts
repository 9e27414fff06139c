/**
 * `nfvsim optimize <experiment>`: a design search over the grid of an experiment's
 * `optimize.space`: the cheapest designs that meet the target and the cost/downtime
 * Pareto front, racing the designs with common random numbers.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createProgress, progressMode, type ProgressMode } from './progress.js';
import { experimentSettingOptions, positiveInt, UsageError, type ExperimentSettingOptions } from './options.js';

/** Options of `nfvsim optimize`. */
interface OptimizeCliOptions extends ExperimentSettingOptions {
  out?: string;
  jobs?: number;
  charts: boolean;
  json?: boolean;
  progress?: ProgressMode | false;
}

/** Registers `optimize` on `program`; it writes its summary (or JSON) to `out` and its notes to `err`. */
export function registerOptimize(program: Command, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): void {
  const { out, err } = io;
  experimentSettingOptions(program
    .command('optimize'), 'the most histories a design gets')
    .description(
      "design search over an experiment's 'optimize:' section: the cheapest designs that meet the availability and/or SAL target and the cost/downtime Pareto front, " +
        'racing the designs with common random numbers (more histories only where a verdict is still open), with a 95% verdict per design',
    )
    .argument('<experiment>', "experiment file (YAML or JSON) with an 'optimize:' section")
    .option('-o, --out <dir>', 'results folder (default: results/<experiment name>)')
    .option('-j, --jobs <n>', `worker threads (default: ${availableParallelism()}); results are the same bytes for any number`, positiveInt())
    .option('--no-charts', 'do not draw the chart and report.html')
    .option('--json', 'print optimize.json on stdout instead of the summary')
    .option('--progress <mode>', "progress on stderr: 'auto', 'bar', 'plain', 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .action(async (file: string, opts: OptimizeCliOptions) => {
      // Loaded here, not at start-up: only this command needs them.
      const { loadExperimentFile } = await import('../experiment/load.js');
      const exp = loadExperimentFile(file, opts);
      if (exp.design !== 'optimize') throw new UsageError(`${file}: no 'optimize:' section (its design is ${exp.design}); run it with nfvsim sweep, or see the README's "Design search"`);
      const { optimize, checkCosts } = await import('../optimize/run.js');
      const { renderOptimizeText, writeOptimizeReport } = await import('../report/optimize.js');
      const { checkEventBudget, SWEEP_PILOT_EVENTS } = await import('../runner/budget.js');
      checkCosts(exp);
      checkEventBudget(
        exp.points.map((p) => p.topology.model),
        exp,
        file,
        'lower runs or the horizon (in the experiment, or --runs, --horizon), or search fewer designs',
        { pilotEvents: SWEEP_PILOT_EVENTS },
      );
      const dir = opts.out ?? join('results', exp.name);
      const bar = createProgress(err, 'optimize', opts.progress);
      const started = Date.now();
      let r;
      try {
        r = await optimize(exp, { jobs: opts.jobs ?? availableParallelism(), onProgress: bar.active ? (d, t) => bar.update(d, t) : undefined });
      } finally {
        bar.finish();
      }
      await writeOptimizeReport(dir, r, { charts: opts.charts });
      out.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : renderOptimizeText(r));
      err.write(
        `nfvsim: ${exp.points.length} designs, ${r.replications.spent} histories in ${((Date.now() - started) / 1000).toFixed(1)} s; results in ${join(dir, 'optimize.json')} and optimize.csv` +
          (opts.charts ? `, chart in ${join(dir, 'charts', 'pareto.png')}, report in ${join(dir, 'report.html')}` : '') +
          '\n',
      );
    });
}
