/**
 * `npm run bench`: throughput of nfvsim against a hand-written event loop on the
 * reference models B1 (20 1+1 groups in series) and B2 (200), plus the default
 * topology. Each measurement repeats a batch of histories for at least `--seconds`
 * (default 5) and the bench quotes the median of `--repeats` (default 5) measurements.
 * Figures go to stdout and, as JSON, to `bench-results.json`.
 *
 * It also measures peak memory with 2,000, 8,000 and 32,000 histories (separate processes) and,
 * unless `--no-scaling`, the speed-up of `nfvsim run --jobs 2` over `--jobs 1` on a B2
 * run of 30 s or more.
 *
 *   npm run bench [-- --seconds 5 --repeats 5 --out bench-results.json --no-scaling]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { loadTopologyFile, loadTopologyText } from '../model/index.js';
import { runAll } from '../runner/run.js';
import { summarize } from '../metrics/summary.js';
import type { SystemModel } from '../model/build.js';
import { handLoop } from './hand.js';
import { seriesOfPairs, seriesOfPairsExact } from './models.js';

const HORIZON_H = 87600;

interface Measurement {
  historiesPerSecond: number;
  eventsPerSecond: number;
  availability: number;
}

function arg(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : String(fallback);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Repeats `batch` (returns histories and events) until `seconds` have passed. */
function measure(seconds: number, batch: (first: number) => { histories: number; events: number; availability: number }): Measurement {
  const t0 = performance.now();
  let histories = 0;
  let events = 0;
  let aSum = 0;
  while ((performance.now() - t0) / 1000 < seconds) {
    const r = batch(histories);
    histories += r.histories;
    events += r.events;
    aSum += r.availability * r.histories;
  }
  const dt = (performance.now() - t0) / 1000;
  return { historiesPerSecond: histories / dt, eventsPerSecond: events / dt, availability: aSum / histories };
}

function nfvsimBatch(model: SystemModel, histories: number, horizonSeconds: number) {
  return (first: number) => {
    // Replications first..first+histories-1 (distinct histories in every batch).
    const acc = runAll(model, { seed: 1 + first, horizon: horizonSeconds, warmup: 0 }, histories);
    return { histories, events: acc.events, availability: summarize(model, acc).services[0].availability.mean };
  };
}

function main(): void {
  const seconds = Number(arg('seconds', 5));
  const repeats = Number(arg('repeats', 5));
  const out = arg('out', 'bench-results.json');
  const results: Record<string, unknown> = {};
  let s2 = 10;
  console.log(`nfvsim bench: each figure is the median of ${repeats} measurements of at least ${seconds} s (node ${process.version})`);
  for (const [name, groups, batch] of [
    ['B1', 20, 100],
    ['B2', 200, 10],
  ] as Array<[string, number, number]>) {
    const model = loadTopologyText(seriesOfPairs(groups), `${name}.yaml`).model;
    const hand: Measurement[] = [];
    const sim: Measurement[] = [];
    for (let r = 0; r < repeats; r++) {
      hand.push(measure(seconds, (first) => handLoop(groups, batch, HORIZON_H, 1, first)));
      sim.push(measure(seconds, nfvsimBatch(model, batch, HORIZON_H * 3600)));
    }
    const h = median(hand.map((m) => m.historiesPerSecond));
    const s = median(sim.map((m) => m.historiesPerSecond));
    if (name === 'B2') s2 = s;
    const exact = seriesOfPairsExact(groups);
    const row = {
      groups,
      exactAvailability: exact,
      hand: { historiesPerSecond: h, eventsPerSecond: median(hand.map((m) => m.eventsPerSecond)), availability: hand[0].availability },
      nfvsim: { historiesPerSecond: s, eventsPerSecond: median(sim.map((m) => m.eventsPerSecond)), availability: sim[0].availability },
      ratio: s / h,
    };
    results[name] = row;
    console.log(
      `${name} (${groups} 1+1 groups, 10 y): nfvsim ${s.toFixed(1)} histories/s (${(row.nfvsim.eventsPerSecond / 1e6).toFixed(2)} M events/s), ` +
        `hand-written ${h.toFixed(1)} histories/s (${(row.hand.eventsPerSecond / 1e6).toFixed(2)} M events/s): ratio ${(100 * row.ratio).toFixed(1)}%; ` +
        `availability ${row.nfvsim.availability.toFixed(8)} vs exact ${exact.toFixed(8)}`,
    );
  }
  const def = loadTopologyFile(fileURLToPath(new URL('../../topologies/default.yaml', import.meta.url)), 'topologies/default.yaml').model;
  const d = median(Array.from({ length: repeats }, () => measure(seconds, nfvsimBatch(def, 5, def.defaults.horizon)).historiesPerSecond));
  results.default = { historiesPerSecond: d, horizonYears: def.defaults.horizon / (365 * 86400) };
  console.log(`default topology (${(def.defaults.horizon / (365 * 86400)).toFixed(0)} y histories): ${d.toFixed(2)} histories/s`);
  const mem = process.resourceUsage().maxRSS / 1024;
  results.peakMemoryMiB = mem;
  console.log(`peak memory of this bench process (max RSS): ${mem.toFixed(0)} MiB`);

  // Peak memory against the number of histories: separate processes, one thread; the
  // live heap after a full collection, and the process's peak RSS.
  const mem2 = (runs: number) => {
    const script = `import('${pathToFileURL(fileURLToPath(new URL('../index.js', import.meta.url))).href}').then((m) => { const t = m.loadTopologyFile(${JSON.stringify(fileURLToPath(new URL('../../topologies/b1-20-pairs.yaml', import.meta.url)))}); m.simulate(t, { runs: ${runs} }); gc(); console.log(process.resourceUsage().maxRSS / 1024, process.memoryUsage().heapUsed / 1048576); })`;
    const [rssMiB, liveMiB] = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }).trim().split(' ').map(Number);
    return { histories: runs, peakRssMiB: rssMiB, liveHeapMiB: liveMiB };
  };
  const mems = [2000, 8000, 32000].map(mem2);
  results.memory = mems;
  console.log(`memory, B1: ${mems.map((m) => `${m.histories} histories: peak RSS ${m.peakRssMiB.toFixed(0)} MiB, live heap ${m.liveHeapMiB.toFixed(1)} MiB`).join('; ')}`);

  if (!process.argv.includes('--no-scaling')) {
    // --jobs 2 against --jobs 1 on a run of 30 s or more (whole CLI processes).
    const cli = fileURLToPath(new URL('../../bin/nfvsim.js', import.meta.url));
    const b2 = fileURLToPath(new URL('../../topologies/b2-200-pairs.yaml', import.meta.url));
    const time = (jobs: number, runs: number) => {
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, 'run', b2, '--runs', String(runs), '--jobs', String(jobs), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      return (performance.now() - t0) / 1000;
    };
    // About 40 s of single-thread work, so that start-up costs weigh as on real runs.
    const runs = Math.max(100, Math.ceil((40 * s2) / 50) * 50);
    const one = time(1, runs);
    const two = time(2, runs);
    results.scaling = { runs, jobs1Seconds: one, jobs2Seconds: two, speedup: one / two };
    console.log(`B2, ${runs} histories: --jobs 1 ${one.toFixed(1)} s, --jobs 2 ${two.toFixed(1)} s: speedup ${(one / two).toFixed(2)}x`);
  }
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`figures written to ${out}`);
}

main();
