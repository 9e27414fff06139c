/**
 * `npm run bench`: throughput of nfvsim against a hand-written event loop on the
 * reference models B1 (20 1+1 groups in series) and B2 (200), plus the default
 * topology. Each measurement repeats a batch of histories for at least `--seconds`
 * (default 5) and the bench quotes the median of `--repeats` (default 5) measurements.
 * Figures go to stdout and, as JSON, to `bench-results.json`.
 *
 * It also measures the gain of the rare-event estimator (`--rare-event`, unless
 * `--no-rare`): histories (plain run to precision) against cycles (failure biasing) and
 * seconds, one thread each, to a 10% relative 95% half-width on the unavailability, on B1,
 * on sal1-pair without heartbeat loss (the estimator refuses loss > 0) and on B1 with
 * 10 times the MTTF (rarer outages).
 *
 * It also measures peak memory with 2,000, 8,000 and 32,000 histories (separate processes) and,
 * unless `--no-scaling`, the speed-up of `nfvsim run --jobs 2` over `--jobs 1` on a B2
 * run of 30 s or more.
 *
 *   npm run bench [-- --seconds 5 --repeats 5 --out bench-results.json --no-scaling]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { loadTopologyFile, loadTopologyText } from '../model/index.js';
import { runAll } from '../runner/run.js';
import { summarize } from '../metrics/summary.js';
import type { SystemModel } from '../model/build.js';
import { handLoop } from './hand.js';
import { simulateToPrecision } from '../index.js';
import { runRareEvent } from '../rare/run.js';
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

/**
 * Histories and seconds to a 10% relative 95% half-width on the unavailability: the plain
 * run to precision (`--precision 10%`) against failure biasing (`--rare-event --precision
 * 10%`), one thread each; seconds are the median of `repeats` runs (the counts are fixed
 * by the seed). `exact` is the exact unavailability where known, else null.
 */
async function rareGain(name: string, text: string, file: string, exact: number | null, repeats: number) {
  const topo = loadTopologyText(text, file);
  const plainS: number[] = [];
  const rareS: number[] = [];
  let plain;
  let rare;
  for (let i = 0; i < repeats; i++) {
    let t0 = performance.now();
    plain = await simulateToPrecision(topo, { precision: 0.1, jobs: 1 });
    plainS.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    rare = await runRareEvent(topo, { precision: 0.1, jobs: 1 });
    rareS.push((performance.now() - t0) / 1000);
  }
  const p = plain!.results.services[0];
  const r = rare!.results.services[0];
  const row = {
    exactUnavailability: exact,
    plain: { histories: plain!.settings.runs, horizonYears: plain!.settings.horizonSeconds / (365 * 86400), events: plain!.results.events, seconds: median(plainS), unavailability: p.unavailability },
    rareEvent: { cycles: rare!.results.cycles, bias: rare!.settings.bias, events: rare!.results.events, seconds: median(rareS), unavailability: r.unavailability, likelihoodRatioMean: rare!.results.likelihoodRatio.mean.mean },
    speedup: median(plainS) / median(rareS),
  };
  console.log(
    `${name}: to a 10% half-width on the unavailability, plain ${row.plain.histories} histories of ${row.plain.horizonYears} y (${(row.plain.events / 1e6).toFixed(2)} M events, ${row.plain.seconds.toFixed(2)} s), ` +
      `failure biasing (θ = ${row.rareEvent.bias.toPrecision(3)}) ${row.rareEvent.cycles} cycles (${(row.rareEvent.events / 1e6).toFixed(2)} M events, ${row.rareEvent.seconds.toFixed(2)} s): ` +
      `speed-up ${row.speedup.toFixed(2)}x; U plain ${p.unavailability.mean.toExponential(3)}, biased ${r.unavailability.mean.toExponential(3)}` +
      (exact !== null ? `, exact ${exact.toExponential(3)}` : ''),
  );
  return row;
}

async function main(): Promise<void> {
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
  if (!process.argv.includes('--no-rare')) {
    const b1File = fileURLToPath(new URL('../../topologies/b1-20-pairs.yaml', import.meta.url));
    const b1 = readFileSync(b1File, 'utf8');
    const sal1 = readFileSync(fileURLToPath(new URL('../../topologies/sal1-pair.yaml', import.meta.url)), 'utf8');
    const u = (mttf: number) => 1 - (1 - (1 / (mttf + 1)) ** 2) ** 20;
    results.rareEvent = {
      B1: await rareGain('B1', b1, 'b1-20-pairs.yaml', u(2000), 3),
      'sal1-pair (heartbeat loss 0)': await rareGain('sal1-pair (heartbeat loss 0)', sal1.replace('loss: 0.0001, ', ''), 'sal1-pair-noloss.yaml', null, 3),
      'B1, MTTF 20000 h': await rareGain('B1 with MTTF 20,000 h', b1.replace('mean: 2000h', 'mean: 20000h'), 'b1-mttf20000h.yaml', u(20000), 3),
    };
  }
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

await main();
