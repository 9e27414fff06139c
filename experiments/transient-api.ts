/**
 * Transient and mission measures scripted with the API, on the SAL 1 vCSCF pair
 * (topologies/sal1-pair.yaml): the point availability A(t) and the mission reliability
 * R(t) = P(no outage in [0, t]) from everything new, and again after the standby's
 * server has failed at time 0 (the pair is exposed until its repair: A(t) dips while a
 * failure of the active finds no standby), with the distribution of downtime per month
 * and per year. The same as
 *
 *   nfvsim transient topologies/sal1-pair.yaml --runs 400 --horizon 2y
 *   nfvsim transient topologies/sal1-pair.yaml --runs 400 --horizon 10d --initial-down hosts.compute-2.hardware
 *
 *   npx tsx experiments/transient-api.ts [results-folder]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopologyFile, renderTransientText, transientStudy, writeTransientReport } from '../src/index.js';

/** Runs both studies, writes their reports under `out` and returns their tables as text. */
export async function main(opts: { out?: string; runs?: number; horizonYears?: number; jobs?: number } = {}): Promise<string> {
  const topo = loadTopologyFile(fileURLToPath(new URL('../topologies/sal1-pair.yaml', import.meta.url)));
  const out = opts.out ?? 'results/transient-sal1-pair-api';
  const runs = opts.runs ?? 400;
  const fromNew = await transientStudy(topo, { runs, horizon: (opts.horizonYears ?? 2) * 365 * 86400, points: 48, target: 0.99999, jobs: opts.jobs ?? 1 });
  await writeTransientReport(join(out, 'from-new'), fromNew);
  // The standby's server down at 0: the pair runs on one leg until the repair (about 3 days).
  const afterFailure = await transientStudy(topo, { runs, horizon: 10 * 86400, points: 40, initialDown: ['hosts.compute-2.hardware'], jobs: opts.jobs ?? 1 });
  await writeTransientReport(join(out, 'server-down'), afterFailure);
  return `${renderTransientText(fromNew)}\n${renderTransientText(afterFailure)}reports: ${out}/from-new/report.html, ${out}/server-down/report.html\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main({ out: process.argv[2] }).then((s) => process.stdout.write(s));
}
