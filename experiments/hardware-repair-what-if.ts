/**
 * What if hardware were repaired in 1 day instead of 3? A what-if on the default
 * topology, written with the scripting API. Both scenarios use the same seed, so they
 * share their random failure histories (common random numbers) and the difference is
 * due to the change, not to luck.
 *
 *   npx tsx experiments/hardware-repair-what-if.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadTopologyText, simulate } from '../src/index.js';

/** Runs both scenarios; returns the comparison as text. */
export async function main(opts: { runs?: number; horizonYears?: number } = {}): Promise<string> {
  const file = fileURLToPath(new URL('../topologies/default.yaml', import.meta.url));
  const base = parse(readFileSync(file, 'utf8'));
  const lines = ['scenario                 mobile-data downtime (min/y, 95% CI)'];
  for (const [label, repair] of [
    ['hardware MTTR 3 d', '3d'],
    ['hardware MTTR 1 d', '1d'],
  ]) {
    const doc = structuredClone(base);
    doc.components.server.repair.mean = repair;
    const topo = loadTopologyText(stringify(doc), `${file} [server repair ${repair}]`);
    const r = simulate(topo, { runs: opts.runs ?? 100, seed: 1, horizon: opts.horizonYears ? opts.horizonYears * 365 * 86400 : undefined });
    const d = r.results.services[0].downtimeMinutesPerYear;
    lines.push(`${label.padEnd(25)}${d.mean.toFixed(1)}  [${d.lo.toFixed(1)}, ${d.hi.toFixed(1)}]`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((s) => console.log(s));
}
