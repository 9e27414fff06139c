/**
 * A sweep scripted with the API: a Latin-hypercube sample of the vCSCF pair's failover
 * coverage and switchover time, run to a results folder that a second call resumes
 * (nothing is run twice), then charted. The same seed gives the same numbers, whatever
 * the number of threads.
 *
 *   npx tsx experiments/sweep-api.ts [results-folder]
 */
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadExperimentText, renderSweepText, sweep, writeReport, type ExperimentInput } from '../src/index.js';

/** Runs the sweep into `out` (resuming whatever is there) and returns the table as text. */
export async function main(opts: { out?: string; runs?: number; points?: number; jobs?: number } = {}): Promise<string> {
  const experiment: ExperimentInput = {
    name: 'coverage-switchover-lhs',
    description: 'Failover coverage x switchover time of the SAL 1 vCSCF pair (Latin hypercube).',
    base: 'topologies/sal1-pair.yaml',
    runs: opts.runs ?? 100,
    seed: 7,
    horizon: '10y',
    sample: {
      method: 'latin-hypercube',
      points: opts.points ?? 8,
      ranges: {
        'vnfs.vCSCF.ha.coverage': { min: 0.99, max: 0.9999 },
        'vnfs.vCSCF.ha.switchover.max': { min: '2s', max: '10s' },
      },
    },
  };
  // The base path is relative to the folder given here: the repository root.
  const root = fileURLToPath(new URL('..', import.meta.url));
  const exp = loadExperimentText(stringify(experiment), 'experiments/sweep-api.ts (inline experiment)', root);
  const out = opts.out ?? 'results/coverage-switchover-lhs';
  const results = await sweep(exp, { out, jobs: opts.jobs ?? 1, resume: true });
  await writeReport(out, results);
  return renderSweepText(results) + `report: ${out}/report.html\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main({ out: process.argv[2] }).then((s) => process.stdout.write(s));
}
