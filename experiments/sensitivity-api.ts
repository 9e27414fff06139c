/**
 * A sensitivity study scripted with the API: which improvement of the SAL 1 vCSCF pair
 * (topologies/sal1-pair.yaml) buys the most downtime, the hardware's MTTF and repair or
 * the HA mechanism's delays, each improved by a factor 2, and how important each
 * component type is. It runs as a sweep (resumable: a second call runs nothing), with
 * common random numbers, then writes sensitivity.json, sensitivity.csv, the tornado
 * chart and report.html. The same as
 *
 *   nfvsim sensitivity topologies/sal1-pair.yaml --only components.server --only vnfs.vCSCF.ha --runs 200 --horizon 20y
 *
 *   npx tsx experiments/sensitivity-api.ts [results-folder]
 */
import { fileURLToPath } from 'node:url';
import { renderSensitivityText, sensitivity, writeSensitivityReport } from '../src/index.js';

/** Runs the study into `out` (resuming whatever is there), writes its report and returns the table as text. */
export async function main(opts: { out?: string; runs?: number; horizonYears?: number; jobs?: number } = {}): Promise<string> {
  const file = fileURLToPath(new URL('../topologies/sal1-pair.yaml', import.meta.url));
  const out = opts.out ?? 'results/sensitivity-sal1-pair-api';
  const results = await sensitivity(file, {
    factor: 2,
    only: ['components.server', 'vnfs.vCSCF.ha'],
    runs: opts.runs ?? 200,
    horizon: (opts.horizonYears ?? 20) * 365 * 86400,
    out,
    jobs: opts.jobs ?? 1,
    resume: true,
  });
  await writeSensitivityReport(out, results);
  return renderSensitivityText(results) + `report: ${out}/report.html\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main({ out: process.argv[2] }).then((s) => process.stdout.write(s));
}
