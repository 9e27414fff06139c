/**
 * `npm run bench`: throughput of nfvsim against two hand-written event loops on the
 * reference models B1 (20 1+1 groups in series) and B2 (200), plus the default
 * topology. The loops: "the limit" (limit.ts: typed-array heap with replace-top, an
 * integer generator, xoshiro128**) and "hand" (hand.ts: the same heap with separate
 * pop and push, and seedrandom's Alea, nfvsim's generator). Each in-process measurement
 * repeats a batch of histories for at least `--seconds` (default 5; rates per CPU second
 * of the process) and the bench quotes
 * the median of `--repeats` (default 5) measurements. Figures go to stdout and, as
 * JSON, to `bench-results.json`.
 *
 * Whole processes, as a user runs them: `nfvsim run --jobs 1` against the limit as a
 * process (`node dist/bench/limit.js`), the same histories, B1 at 10,000 histories and
 * B2 at 1,000, run in turn (A B A B ...), CPU time (all threads, from the process's
 * start: cpu-report.ts) and wall time, the median of the pairwise ratios. Beside them,
 * unless `--no-refs`, two published discrete-event libraries on the same model, as
 * whole processes in the same turns: SIM.JS 2.0.3 (npm simjs, a dev dependency:
 * `node dist/bench/simjs.js`, simjs.ts) at the same histories, and SimPy 2 (Debian's
 * python3-simpy for /usr/bin/python3: src/bench/simpy_loop.py; its CPU time is the
 * process's own getrusage at exit, start-up included) at a fifth of them (B1 2,000, B2
 * 200: SimPy takes some 35 s for 10,000 B1 histories), compared in histories per second:
 * nfvsim's speed-up over each, wall and CPU, the median of the ratios within each turn.
 * A reference that is missing stops the bench (exit 1) with how to install it. The
 * start-up (`node bin/nfvsim.js run topologies/minimal.yaml --runs 10` as a user runs it, wall,
 * beside `node -e 0`: `startup`); and events per second from 20 to 2,000 groups
 * (`flatness`, in process, in turns).
 *
 * It also measures the gain of the rare-event estimator (`--rare-event`, unless
 * `--no-rare`): histories (plain run to precision) against cycles (failure biasing) and
 * seconds, one thread each, to a 10% relative 95% half-width on the unavailability, on B1,
 * on sal1-pair without heartbeat loss (the estimator refuses loss > 0) and on B1 with
 * 10 times the MTTF (rarer outages).
 *
 * Unless `--no-gain`, the gain table of gain.ts: plain, failure biasing and splitting to
 * 10% on every shipped topology, one thread, `--gain-budget` seconds (default 60) per method.
 *
 * It also measures peak memory with 2,000, 8,000 and 32,000 histories (separate processes) and,
 * unless `--no-scaling`, the speed-up of `nfvsim run --jobs 2` over `--jobs 1` on a B2
 * run of 30 s or more: the median of `--scaling-pairs` (default 3) pairs run in turn.
 *
 * The targets of issue 23 are printed with MET or NOT MET. A figure that cannot be
 * measured (a process that fails, a rate that is not a positive number) stops the bench
 * with a message and exit code 1.
 *
 *   npm run bench [-- --seconds 5 --repeats 5 --out bench-results.json --no-rare --no-gain --gain-budget 60 --no-scaling --scaling-pairs 3 --no-refs]
 *   npm run bench -- --help              (this list; an option not in it stops the bench)
 *   npm run bench -- --only-startup      (the start-up figure alone)
 *   npm run bench -- --only-scaling      (the --jobs 2 figure alone, after B2's rate in process; with --only-startup, both)
 *   npm run bench -- --only-flatness     (events per second from 20 to 2,000 groups alone; may be combined with the others)
 *   npm run bench -- --only-refs         (the whole-process comparison alone: nfvsim, the limit, SIM.JS and SimPy;
 *                                         may be combined with --only-startup, --only-scaling and --only-flatness; --repeats applies)
 *   --no-refs                            (no SIM.JS or SimPy: the whole-process comparison is nfvsim against the limit)
 *   npm run bench -- --compare DIR [--compare-pairs 30]
 *                                        (alone: this build against the one in DIR, another build's dist/
 *                                         directory, in one process, B1 and B2; bench/compare.ts)
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopologyFile, loadTopologyText } from '../model/index.js';
import { runAll } from '../runner/run.js';
import { summarize } from '../metrics/summary.js';
import type { SystemModel } from '../model/build.js';
import { CompareError, compareBuilds } from './compare.js';
import { handLoop, type HandResult } from './hand.js';
import { limitLoop } from './limit.js';
import type { CpuReport } from './cpu-report.js';
import { simulateToPrecision } from '../index.js';
import { runRareEvent } from '../rare/run.js';
import { seriesOfPairs, seriesOfPairsExact } from './models.js';
import { runGain } from './gain.js';
import { median, turnVerdict } from './verdict.js';

const HORIZON_H = 87600;

/** A figure the bench could not measure: it stops with this message and exit code 1. */
class BenchError extends Error {
  override name = 'BenchError';
}

/** `x`, checked to be a positive finite number (a rate, a time): else a BenchError naming `what`. */
function measured(what: string, x: number): number {
  if (!(x > 0 && Number.isFinite(x))) throw new BenchError(`cannot measure ${what}: got ${x}`);
  return x;
}

/** A target of issue 23 and whether the figure meets it. */
interface Target {
  target: string;
  figure: string;
  met: boolean;
  /**
   * For a figure that is the median of ratios taken turn by turn: how many turns fell on
   * the other side of the line than the median (0: every turn agrees with the verdict).
   * A verdict that some turns contradict is printed as borderline: the machine's noise
   * can turn it on another run.
   */
  turnsAgainst?: number;
  /** The number of turns (with `turnsAgainst`). */
  turns?: number;
}
const targets: Target[] = [];

/** Records a target (`met` decides MET / NOT MET) and prints it. */
function target(name: string, figure: string, met: boolean): void {
  targets.push({ target: name, figure, met });
  console.log(`  target: ${name}: ${figure}: ${met ? 'MET' : 'NOT MET'}`);
}

/**
 * A target judged on the median of per-turn ratios `turns` against `goal` (turnVerdict);
 * `format` prints a ratio. The figure shows the turns' range, and the verdict says how
 * many turns disagree with it.
 */
function turnTarget(name: string, turns: number[], goal: number, format: (x: number) => string): void {
  const v = turnVerdict(turns, goal);
  const figure = `${format(v.median)} (turns ${format(v.min)} to ${format(v.max)})`;
  targets.push({ target: name, figure, met: v.met, turnsAgainst: v.against, turns: turns.length });
  const note = v.against > 0 ? ` (borderline: ${v.against} of ${turns.length} turns ${v.met ? 'below' : 'at or above'} the line)` : '';
  console.log(`  target: ${name}: ${figure}: ${v.met ? 'MET' : 'NOT MET'}${note}`);
}

const CPU_HOOK = fileURLToPath(new URL('./cpu-report.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/nfvsim.js', import.meta.url));
const LIMIT = fileURLToPath(new URL('./limit.js', import.meta.url));
/** The SIM.JS reference as a command (simjs.ts). */
const SIMJS = fileURLToPath(new URL('./simjs.js', import.meta.url));
/** The SimPy reference (not compiled: run from src/ by Debian's Python, which has python3-simpy). */
const SIMPY = fileURLToPath(new URL('../../src/bench/simpy_loop.py', import.meta.url));
/** Debian's Python, for which python3-simpy installs SimPy 2 (not whatever `python3` is first on PATH). */
const PYTHON = '/usr/bin/python3';
const topologyPath = (name: string) => fileURLToPath(new URL(`../../topologies/${name}`, import.meta.url));

/** Wall and CPU seconds of one whole process (and what it printed). */
interface ProcessTime {
  wall: number;
  cpu: number;
  stdout: string;
}

/**
 * Runs `node args...` to its end, with cpu-report.ts preloaded, and returns its wall time
 * (measured here, around the process) and CPU time (user + system, every thread, as the
 * process reports it at exit). A process that fails, or reports no CPU time, is a BenchError.
 */
function timeProcess(what: string, args: string[]): ProcessTime {
  const file = join(tmpdir(), `nfvsim-bench-cpu-${process.pid}.json`);
  // No report from an earlier process may pass for this one's.
  rmSync(file, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(CPU_HOOK).href, ...args], {
    env: { ...process.env, NFVSIM_BENCH_CPU_FILE: file },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new BenchError(`cannot measure ${what}: \`node ${args.join(' ')}\` exited with ${r.status ?? r.signal}: ${(r.stderr || String(r.error ?? '')).trim().slice(0, 500)}`);
  let cpu: CpuReport;
  try {
    cpu = JSON.parse(readFileSync(file, 'utf8')) as CpuReport;
  } catch (e) {
    throw new BenchError(`cannot measure ${what}: no CPU report from the process (${(e as Error).message})`);
  } finally {
    rmSync(file, { force: true });
  }
  return { wall: measured(`${what} (wall)`, wall), cpu: measured(`${what} (CPU)`, cpu.user + cpu.system), stdout: r.stdout };
}

/**
 * Runs the SimPy reference (`/usr/bin/python3 src/bench/simpy_loop.py args...`) to its end
 * and returns its wall time (measured here, around the process: the interpreter's start-up
 * included) and CPU time (user + system of the whole process from its start, which the
 * script reports from getrusage(RUSAGE_SELF) as it ends). A process that fails is a BenchError.
 */
function timePython(what: string, args: string[]): ProcessTime {
  const t0 = performance.now();
  const r = spawnSync(PYTHON, [SIMPY, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new BenchError(`cannot measure ${what}: \`${PYTHON} ${SIMPY} ${args.join(' ')}\` exited with ${r.status ?? r.signal}: ${(r.stderr || String(r.error ?? '')).trim().slice(0, 500)}`);
  let cpu: number;
  try {
    cpu = (JSON.parse(r.stdout) as { cpuSeconds: number }).cpuSeconds;
  } catch (e) {
    throw new BenchError(`cannot measure ${what}: no JSON line from the process (${(e as Error).message})`);
  }
  return { wall: measured(`${what} (wall)`, wall), cpu: measured(`${what} (CPU)`, cpu), stdout: r.stdout };
}

/**
 * The published references' requirements, checked before anything is measured: SIM.JS's
 * command runs (npm simjs, a dev dependency), and /usr/bin/python3 imports SimPy 2 (Debian's
 * python3-simpy). Else a BenchError that says how to install it.
 */
function checkReferences(): void {
  const js = spawnSync(process.execPath, [SIMJS, '2', '1', '1'], { encoding: 'utf8' });
  if (js.status !== 0) {
    throw new BenchError(
      `the SIM.JS reference does not run (\`node ${SIMJS} 2 1 1\` exited with ${js.status ?? js.signal}: ${(js.stderr || String(js.error ?? '')).trim().slice(0, 300)}): ` +
        'install SIM.JS 2.0.3, a dev dependency, with `npm install` (and build with `npm run build`), or leave the references out with --no-refs',
    );
  }
  const py = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import SimPy.Simulation; print(SimPy.__version__)'], { encoding: 'utf8' }) : null;
  if (!py || py.status !== 0) {
    const why = py ? (py.stderr || String(py.error ?? '')).trim().split('\n').pop() : `${PYTHON} not found`;
    throw new BenchError(
      `the SimPy reference needs SimPy 2 for ${PYTHON} (${why}): install Debian's package with \`apt-get install python3-simpy\` ` +
        "(PyPI's simpy 3 and 4 are another API), or leave the references out with --no-refs",
    );
  }
}

/** A reference's JSON line (simjs.ts, simpy_loop.py). */
interface ReferenceLine {
  library: string;
  histories: number;
  events: number;
  availability: number;
  availabilityStdErr: number;
  historiesPerSecond: number;
  eventsPerSecond: number;
}

/** One process of the whole-process comparison: its name, the histories it runs and how to time one run. */
interface Contender {
  name: string;
  histories: number;
  time: () => ProcessTime;
}

/**
 * Times the contenders in turn, `repeats` turns (A B C ... A B C ...), and returns each
 * one's runs, turn by turn (a ratio taken within a turn stays meaningful when the
 * machine's speed drifts).
 */
function timeInTurn(contenders: Contender[], repeats: number): ProcessTime[][] {
  const runs: ProcessTime[][] = contenders.map(() => []);
  for (let i = 0; i < repeats; i++) contenders.forEach((c, j) => runs[j].push(c.time()));
  return runs;
}

/**
 * Whole processes, --jobs 1: `nfvsim run --json` against the limit as a process (same
 * histories) and, with `refs`, SIM.JS (same histories) and SimPy (a fifth of them), in
 * turn, on B1 (10,000 histories) and B2 (1,000); prints each line and the targets, and
 * returns the figures.
 */
function wholeProcesses(repeats: number, refs: boolean) {
  console.log(
    `Whole processes, --jobs 1 (nfvsim run --json against node dist/bench/limit.js${refs ? ', SIM.JS (node dist/bench/simjs.js) and SimPy (/usr/bin/python3 src/bench/simpy_loop.py)' : ''}, in turn; medians of ${repeats}):`,
  );
  const loadBefore = loadavg()[0];
  const processRatios: Record<string, unknown> = {};
  for (const [name, file, groups, histories] of [
    ['B1', 'b1-20-pairs.yaml', 20, 10_000],
    ['B2', 'b2-200-pairs.yaml', 200, 1_000],
  ] as Array<[string, string, number, number]>) {
    const what = `${name}, ${histories} histories`;
    const simpyHistories = histories / 5;
    const contenders: Contender[] = [
      { name: 'nfvsim', histories, time: () => timeProcess(`${what}: nfvsim`, [CLI, 'run', topologyPath(file), '--runs', String(histories), '--jobs', '1', '--json']) },
      { name: 'limit', histories, time: () => timeProcess(`${what}: the limit`, [LIMIT, String(groups), String(histories), '1']) },
    ];
    if (refs) {
      contenders.push(
        { name: 'simjs', histories, time: () => timeProcess(`${what}: SIM.JS`, [SIMJS, String(groups), String(histories), '1']) },
        { name: 'simpy', histories: simpyHistories, time: () => timePython(`${name}, ${simpyHistories} histories: SimPy`, [String(groups), String(simpyHistories), '1']) },
      );
    }
    const runs = timeInTurn(contenders, repeats);
    const [as, bs] = runs;
    const times = (xs: ProcessTime[]) => ({ wallSeconds: median(xs.map((x) => x.wall)), cpuSeconds: median(xs.map((x) => x.cpu)) });
    // nfvsim's histories/s over contender j's, within each turn; the median over the turns.
    const perTurn = (j: number, k: 'wall' | 'cpu') => as.map((x, i) => runs[j][i][k] / contenders[j].histories / (x[k] / histories));
    const speedup = (j: number, k: 'wall' | 'cpu') => median(perTurn(j, k));
    const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
    const factor = (x: number) => `${x.toFixed(2)}x`;
    const p = { nfvsim: times(as), limit: times(bs), ratioWall: speedup(1, 'wall'), ratioCpu: speedup(1, 'cpu') };
    const row: Record<string, unknown> = { histories, ...p };
    console.log(
      `${name}, ${histories.toLocaleString('en-US')} histories: nfvsim ${p.nfvsim.wallSeconds.toFixed(2)} s wall, ${p.nfvsim.cpuSeconds.toFixed(2)} s CPU; ` +
        `the limit ${p.limit.wallSeconds.toFixed(2)} s wall, ${p.limit.cpuSeconds.toFixed(2)} s CPU: nfvsim at ${(100 * p.ratioWall).toFixed(1)}% of the limit's histories/s (wall), ${(100 * p.ratioCpu).toFixed(1)}% (CPU)`,
    );
    turnTarget(`${name}: nfvsim >= 50% of the limit's histories/s, --jobs 1, wall`, perTurn(1, 'wall'), 0.5, percent);
    turnTarget(`${name}: nfvsim >= 50% of the limit's histories/s, --jobs 1, CPU`, perTurn(1, 'cpu'), 0.5, percent);
    if (refs) {
      const exact = seriesOfPairsExact(groups);
      for (const [j, label, goal] of [
        [2, 'SIM.JS', 3],
        [3, 'SimPy', 10],
      ] as Array<[number, string, number]>) {
        const c = contenders[j];
        const xs = runs[j];
        const lines = xs.map((x) => JSON.parse(x.stdout) as ReferenceLine);
        const z = Math.abs(lines[0].availability - exact) / lines[0].availabilityStdErr;
        // A reference far from the exact availability simulates another model: no comparison.
        if (!(z < 6)) throw new BenchError(`cannot compare with ${label} on ${name}: its availability ${lines[0].availability} is ${z.toFixed(1)} standard errors from the exact ${exact}`);
        const r = {
          library: lines[0].library,
          histories: c.histories,
          ...times(xs),
          historiesPerSecondWall: c.histories / median(xs.map((x) => x.wall)),
          historiesPerSecondCpu: c.histories / median(xs.map((x) => x.cpu)),
          loopHistoriesPerSecond: median(lines.map((l) => l.historiesPerSecond)),
          loopEventsPerSecond: median(lines.map((l) => l.eventsPerSecond)),
          events: lines[0].events,
          availability: lines[0].availability,
          availabilityStdErr: lines[0].availabilityStdErr,
          speedupWall: measured(`${name}: nfvsim over ${label} (wall)`, speedup(j, 'wall')),
          speedupCpu: measured(`${name}: nfvsim over ${label} (CPU)`, speedup(j, 'cpu')),
        };
        row[c.name] = r;
        const fewer = c.histories === histories ? '' : ` (${c.histories.toLocaleString('en-US')} histories, a fifth of nfvsim's: ${label} is slow; compared in histories/s)`;
        console.log(
          `${name}, ${r.library}${fewer}: ${r.wallSeconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU: ${r.historiesPerSecondWall.toFixed(0)} histories/s wall, ${r.historiesPerSecondCpu.toFixed(0)} CPU ` +
            `(nfvsim ${(histories / p.nfvsim.wallSeconds).toFixed(0)} wall, ${(histories / p.nfvsim.cpuSeconds).toFixed(0)} CPU); in its own loop (wall) ${r.loopHistoriesPerSecond.toFixed(0)} histories/s, ${(r.loopEventsPerSecond / 1e6).toFixed(2)} M events/s; ` +
            `availability ${r.availability.toFixed(8)} ± ${r.availabilityStdErr.toExponential(1)} (exact ${exact.toFixed(8)}, ${z.toFixed(1)} SE): nfvsim ${r.speedupWall.toFixed(2)}x its histories/s (wall), ${r.speedupCpu.toFixed(2)}x (CPU)`,
        );
        turnTarget(`${name}: nfvsim >= ${goal}x ${label}'s histories/s, --jobs 1, wall`, perTurn(j, 'wall'), goal, factor);
        turnTarget(`${name}: nfvsim >= ${goal}x ${label}'s histories/s, --jobs 1, CPU`, perTurn(j, 'cpu'), goal, factor);
      }
    }
    processRatios[name] = row;
  }
  processRatios.loadAverage = [loadBefore, loadavg()[0]];
  console.log(`whole processes: load average ${loadBefore.toFixed(2)} to ${loadavg()[0].toFixed(2)}`);
  return processRatios;
}

interface Measurement {
  historiesPerSecond: number;
  eventsPerSecond: number;
  availability: number;
}

function arg(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : String(fallback);
}

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Repeats `batch` (returns histories and events) until `seconds` of wall time have
 * passed; rates are per second of this process's CPU time (the work is single-threaded),
 * so that other work on a shared machine does not move them as it moves wall time.
 */
function measure(seconds: number, batch: (first: number) => HandResult): Measurement {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let histories = 0;
  let events = 0;
  let aSum = 0;
  while ((performance.now() - t0) / 1000 < seconds) {
    const r = batch(histories);
    histories += r.histories;
    events += r.events;
    aSum += r.availability * r.histories;
  }
  const dt = cpuSeconds() - c0;
  return { historiesPerSecond: histories / dt, eventsPerSecond: events / dt, availability: aSum / histories };
}

/** The median of `repeats` in-process measurements of `batch` (after one batch to warm up): histories and events per second, checked. */
function rates(what: string, seconds: number, repeats: number, batch: (first: number) => HandResult) {
  batch(0);
  const ms = Array.from({ length: repeats }, () => measure(seconds, batch));
  return {
    historiesPerSecond: measured(`${what} (histories/s)`, median(ms.map((m) => m.historiesPerSecond))),
    eventsPerSecond: measured(`${what} (events/s)`, median(ms.map((m) => m.eventsPerSecond))),
    availability: ms[0].availability,
  };
}

/**
 * Events per CPU second at 20, 200 and 2,000 groups, nfvsim and the limit, in process: in
 * each of `repeats` turns every one of the six is measured for `seconds` in turn, so that
 * a turn's ratio 2,000 / 20 compares measurements taken a few seconds apart (the machine's
 * speed drifts more than that between the start and the end of the bench). The target is
 * judged on the turns' ratios (turnTarget); the limit's median ratio is printed beside it.
 * The sizes run from 20 up in even turns and from 2,000 down in odd ones, so that a steady
 * drift of the machine's speed does not lean every turn's ratio the same way. Returns per
 * size the median rates (`sizes`), and the turns' ratios of nfvsim and of the limit.
 */
function flatness(seconds: number, repeats: number) {
  // Histories per call (`runAll`, one accumulator of the model's size each): a call at
  // 2,000 groups takes about half a second, as a user's run of the model makes one
  // accumulator for all its histories (one per call charged 2,000-group histories some 14%).
  const sizes = [
    [20, 100],
    [200, 50],
    [2000, 10],
  ] as const;
  const runs = sizes.map(([groups, batch]) => {
    const model = loadTopologyText(seriesOfPairs(groups), `G${groups}.yaml`).model;
    const sim = nfvsimBatch(model, batch, HORIZON_H * 3600);
    const limit = (first: number) => limitLoop(groups, batch, HORIZON_H, 1, first);
    sim(0);
    limit(0);
    return { groups, sim, limit, simRates: [] as number[], limitRates: [] as number[] };
  });
  for (let turn = 0; turn < repeats; turn++) {
    for (const r of turn % 2 === 0 ? runs : [...runs].reverse()) {
      r.simRates.push(measured(`${r.groups} groups, nfvsim (events/s)`, measure(seconds, r.sim).eventsPerSecond));
      r.limitRates.push(measured(`${r.groups} groups, the limit (events/s)`, measure(seconds, r.limit).eventsPerSecond));
    }
  }
  const flat = runs.map((r) => ({ groups: r.groups, eventsPerSecond: median(r.simRates), limitEventsPerSecond: median(r.limitRates) }));
  console.log(
    `events/s by groups (medians of ${repeats} turns): ${flat.map((f) => `${f.groups}: nfvsim ${(f.eventsPerSecond / 1e6).toFixed(2)} M/s, the limit ${(f.limitEventsPerSecond / 1e6).toFixed(2)} M/s`).join('; ')}`,
  );
  const [small, , large] = runs;
  const turns = large.simRates.map((x, i) => x / small.simRates[i]);
  const limitTurns = large.limitRates.map((x, i) => x / small.limitRates[i]);
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const lv = turnVerdict(limitTurns, 0.8);
  console.log(`  the limit's own 2,000 / 20: ${pct(lv.median)} (turns ${pct(lv.min)} to ${pct(lv.max)})`);
  turnTarget('events/s flat from 20 to 2,000 groups (2,000 / 20 >= 0.8)', turns, 0.8, pct);
  return { sizes: flat, turns, limitTurns };
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

/** Wall seconds of `node args`, run from the package root with nothing preloaded (as a user runs it); a process that fails is a BenchError. */
function wallOf(what: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new BenchError(`cannot measure ${what}: \`node ${args.join(' ')}\` exited with ${r.status ?? r.signal}: ${(r.stderr || String(r.error ?? '')).trim().slice(0, 500)}`);
  return measured(`${what} (wall)`, wall);
}

/**
 * The start-up, as a user meets it: `node bin/nfvsim.js run topologies/minimal.yaml --runs
 * 10` from the package root, nothing preloaded (the CPU hook is an ES module of its own:
 * it would slow the start it measures), wall time, the median of max(11, repeats)
 * processes, each beside a `node -e 0` (Node's own start, the floor) in turn; the CPU
 * time of 5 more processes with the hook; the load average while it ran; the same pairs
 * with the cache of validated topologies off (a file's first run, for information); and,
 * when the machine sets NODE_EXTRA_CA_CERTS, the same pairs without it (for information).
 */
function startup(repeats: number) {
  const args = ['bin/nfvsim.js', 'run', 'topologies/minimal.yaml', '--runs', '10'];
  const load = loadavg()[0];
  /** Median wall seconds of max(11, repeats) pairs in turn, `node -e 0` then the start-up, under `env` (`label` names the variant in errors). */
  const pairs = (env: NodeJS.ProcessEnv, label: string) => {
    const walls: number[] = [];
    const nodeWalls: number[] = [];
    for (let i = 0; i < Math.max(11, repeats); i++) {
      nodeWalls.push(wallOf(`node -e 0${label}`, ['-e', '0'], env));
      walls.push(wallOf(`start-up${label}`, args, env));
    }
    return { wallSeconds: median(walls), nodeWallSeconds: median(nodeWalls), processes: walls.length };
  };
  const asIs = pairs(process.env, '');
  // A topology is validated once and cached (model/cache.ts): the figures above are of a
  // file run before, as every run of it after its first. A first run's (the cache off),
  // for information.
  const cold = pairs({ ...process.env, NFVSIM_CACHE: 'off' }, ' without the topology cache');
  const cpu = median(Array.from({ length: 5 }, () => timeProcess('start-up (CPU)', [CLI, ...args.slice(1)]).cpu));
  // Node reads and parses the file NODE_EXTRA_CA_CERTS names at every start, before any of
  // nfvsim's code (tens of ms for a system's whole certificate bundle): when the machine
  // sets it, the same pairs without it too, for information (the target is judged as is).
  let withoutExtraCaCerts: { wallSeconds: number; nodeWallSeconds: number } | undefined;
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const { wallSeconds, nodeWallSeconds } = pairs(env, ' without NODE_EXTRA_CA_CERTS');
    withoutExtraCaCerts = { wallSeconds, nodeWallSeconds };
  }
  const r = {
    command: `node ${args.join(' ')}`,
    wallSeconds: asIs.wallSeconds,
    cpuSeconds: cpu,
    nodeWallSeconds: asIs.nodeWallSeconds,
    processes: asIs.processes,
    loadAverage: [load, loadavg()[0]],
    withoutExtraCaCerts,
    withoutTopologyCache: { wallSeconds: cold.wallSeconds, nodeWallSeconds: cold.nodeWallSeconds },
  };
  const ms = (x: number) => `${(1000 * x).toFixed(0)} ms`;
  console.log(
    `start-up: ${r.command}: ${ms(r.wallSeconds)} wall (median of ${r.processes}; node -e 0 beside it: ${ms(r.nodeWallSeconds)}), ` +
      `${ms(cpu)} CPU (median of 5, with the CPU hook); load average ${r.loadAverage.map((x) => x.toFixed(2)).join(' to ')}`,
  );
  console.log(
    `  a topology's first run (the cache of validated topologies off, NFVSIM_CACHE=off): ${ms(cold.wallSeconds)} wall ` +
      `(node -e 0 beside it: ${ms(cold.nodeWallSeconds)}; for information, the target is judged on the figure above)`,
  );
  if (withoutExtraCaCerts !== undefined) {
    console.log(
      `  this machine sets NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}), which Node reads at every start; without it: ` +
        `${ms(withoutExtraCaCerts.wallSeconds)} wall (node -e 0 beside it: ${ms(withoutExtraCaCerts.nodeWallSeconds)}; for information, the target is judged on the figure above)`,
    );
  }
  target('nfvsim run topologies/minimal.yaml --runs 10 under 150 ms wall', ms(r.wallSeconds), r.wallSeconds < 0.15);
  return r;
}

/**
 * `nfvsim run --jobs 2` against `--jobs 1` on B2 (whole CLI processes, wall time), on a
 * run of about 40 s of single-thread work (from `b2PerSecond`, B2 histories per second in
 * process), so that start-up costs weigh as on real runs: `pairs` pairs run in turn
 * (--jobs 1, --jobs 2, ...), the median of the pairwise speed-ups (a pair is run
 * back to back, so that a change in the machine's load moves both of its runs alike),
 * and the load average before and after.
 */
function scaling(b2PerSecond: number, pairs: number) {
  const time = (jobs: number, runs: number) => timeProcess(`B2 with --jobs ${jobs}`, [CLI, 'run', topologyPath('b2-200-pairs.yaml'), '--runs', String(runs), '--jobs', String(jobs), '--json']).wall;
  const runs = Math.max(100, Math.ceil((40 * b2PerSecond) / 50) * 50);
  const load = loadavg()[0];
  const ones: number[] = [];
  const twos: number[] = [];
  for (let i = 0; i < pairs; i++) {
    ones.push(time(1, runs));
    twos.push(time(2, runs));
    console.log(`B2, ${runs} histories, pair ${i + 1} of ${pairs}: --jobs 1 ${ones[i].toFixed(1)} s, --jobs 2 ${twos[i].toFixed(1)} s: ${(ones[i] / twos[i]).toFixed(2)}x (load average ${loadavg()[0].toFixed(2)})`);
  }
  const speedup = median(ones.map((one, i) => one / twos[i]));
  const r = { runs, pairs, jobs1Seconds: median(ones), jobs2Seconds: median(twos), speedup, speedups: ones.map((one, i) => one / twos[i]), loadAverage: [load, loadavg()[0]] };
  console.log(`B2, ${runs} histories: --jobs 1 ${r.jobs1Seconds.toFixed(1)} s, --jobs 2 ${r.jobs2Seconds.toFixed(1)} s (medians of ${pairs}): speed-up ${speedup.toFixed(2)}x (median of the pairs); load average ${r.loadAverage.map((x) => x.toFixed(2)).join(' to ')}`);
  target('B2: --jobs 2 at least 1.8x --jobs 1 (wall)', `${speedup.toFixed(2)}x`, speedup >= 1.8);
  return r;
}

/** The bench's options: those that take a value, then the flags. */
const VALUE_OPTIONS = ['seconds', 'repeats', 'out', 'gain-budget', 'scaling-pairs', 'compare', 'compare-pairs'];
const FLAG_OPTIONS = ['no-rare', 'no-gain', 'no-scaling', 'no-refs', 'only-startup', 'only-scaling', 'only-flatness', 'only-refs', 'help'];

/** Stops at an option the bench does not know (a typo would otherwise run the whole bench, some 15 minutes). */
function checkOptions(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name !== null && VALUE_OPTIONS.includes(name)) i++;
    else if (name === null || !FLAG_OPTIONS.includes(name)) throw new BenchError(`unknown option ${a} (npm run bench -- --help lists them)`);
  }
}

async function main(): Promise<void> {
  checkOptions(process.argv.slice(2));
  if (process.argv.includes('--help')) {
    // The usage is this file's doc comment, from its first option line.
    const doc = readFileSync(fileURLToPath(new URL('../../src/bench/main.ts', import.meta.url)), 'utf8');
    const usage = doc.slice(doc.indexOf(' *   npm run bench'), doc.indexOf(' */'));
    console.log(usage.replace(/^ \* ?/gm, ''));
    return;
  }
  const seconds = Number(arg('seconds', 5));
  const repeats = Number(arg('repeats', 5));
  if (!(seconds > 0)) throw new BenchError(`--seconds: expected a positive number, got ${arg('seconds', 5)}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new BenchError(`--repeats: expected a whole number >= 1, got ${arg('repeats', 5)}`);
  const out = arg('out', 'bench-results.json');
  const results: Record<string, unknown> = {};
  if (process.argv.includes('--compare')) {
    // Two builds in one process (bench/compare.ts), alone: a yardstick for a change, not a target.
    const dir = arg('compare', '');
    if (dir === '' || dir.startsWith('--')) throw new CompareError('--compare: expected the dist/ directory of another build');
    results.compare = await compareBuilds(dir, Number(arg('compare-pairs', 30)));
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    console.log(`figures written to ${out}`);
    return;
  }
  const refs = !process.argv.includes('--no-refs');
  const only = FLAG_OPTIONS.some((o) => o.startsWith('only-') && process.argv.includes(`--${o}`));
  // A missing reference stops the bench before anything is measured.
  if (refs && (!only || process.argv.includes('--only-refs'))) checkReferences();
  if (only) {
    if (process.argv.includes('--only-refs')) results.wholeProcess = wholeProcesses(repeats, refs);
    if (process.argv.includes('--only-startup')) results.startup = startup(repeats);
    if (process.argv.includes('--only-flatness')) results.flatness = flatness(seconds, repeats);
    if (process.argv.includes('--only-scaling')) {
      const model = loadTopologyText(seriesOfPairs(200), 'B2.yaml').model;
      const b2 = rates('B2, nfvsim', seconds, repeats, nfvsimBatch(model, 10, HORIZON_H * 3600)).historiesPerSecond;
      results.scaling = scaling(b2, Number(arg('scaling-pairs', 3)));
    }
    results.targets = targets;
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    console.log(`figures written to ${out}`);
    return;
  }
  let s2 = 10;
  console.log(`nfvsim bench: each figure is the median of ${repeats} measurements of at least ${seconds} s (node ${process.version})`);
  console.log('In process (one thread; rates per CPU second): the limit (typed arrays, xoshiro128**), the hand-written loop (seedrandom Alea), nfvsim (runAll):');
  for (const [name, groups, batch] of [
    ['B1', 20, 100],
    ['B2', 200, 10],
  ] as Array<[string, number, number]>) {
    const model = loadTopologyText(seriesOfPairs(groups), `${name}.yaml`).model;
    const limit = rates(`${name}, the limit`, seconds, repeats, (first) => limitLoop(groups, batch, HORIZON_H, 1, first));
    const hand = rates(`${name}, hand-written loop`, seconds, repeats, (first) => handLoop(groups, batch, HORIZON_H, 1, first));
    const sim = rates(`${name}, nfvsim`, seconds, repeats, nfvsimBatch(model, batch, HORIZON_H * 3600));
    const s = sim.historiesPerSecond;
    if (name === 'B2') s2 = s;
    const exact = seriesOfPairsExact(groups);
    const row = { groups, exactAvailability: exact, limit, hand, nfvsim: sim, ratio: s / limit.historiesPerSecond, ratioToHand: s / hand.historiesPerSecond };
    results[name] = row;
    const rate = (m: Measurement) => `${m.historiesPerSecond.toFixed(1)} histories/s (${(m.eventsPerSecond / 1e6).toFixed(2)} M events/s)`;
    console.log(
      `${name} (${groups} 1+1 groups, 10 y): nfvsim ${rate(sim)}, the limit ${rate(limit)}, hand-written ${rate(hand)}: ` +
        `nfvsim at ${(100 * row.ratio).toFixed(1)}% of the limit, ${(100 * row.ratioToHand).toFixed(1)}% of the hand-written loop; ` +
        `availability ${sim.availability.toFixed(8)} vs exact ${exact.toFixed(8)}`,
    );
  }

  // Whole processes, --jobs 1: nfvsim run against the limit as a process, same histories; and the references.
  results.wholeProcess = wholeProcesses(repeats, refs);

  results.startup = startup(repeats);

  // Events per CPU second from 20 to 2,000 groups (in process, one thread): flat is the target.
  results.flatness = flatness(seconds, repeats);

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
      // Failure biasing needs no lost beats and no registration (state that survives a return to all-up: rare/applicability.ts).
      'sal1-pair (heartbeat loss 0, no registration)': await rareGain('sal1-pair (heartbeat loss 0, no registration)', sal1.replace('loss: 0.0001, ', '').replace(/^\s*registration: .*\n/m, ''), 'sal1-pair-noloss.yaml', null, 3),
      'B1, MTTF 20000 h': await rareGain('B1 with MTTF 20,000 h', b1.replace('mean: 2000h', 'mean: 20000h'), 'b1-mttf20000h.yaml', u(20000), 3),
    };
  }
  if (!process.argv.includes('--no-gain')) results.gain = await runGain(Number(arg('gain-budget', 60)));
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

  if (!process.argv.includes('--no-scaling')) results.scaling = scaling(s2, Number(arg('scaling-pairs', 3)));
  results.targets = targets;
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  const borderline = targets.filter((t) => (t.turnsAgainst ?? 0) > 0);
  console.log(
    `targets: ${targets.filter((t) => t.met).length} of ${targets.length} met${targets.some((t) => !t.met) ? ` (not met: ${targets.filter((t) => !t.met).map((t) => t.target).join('; ')})` : ''}` +
      (borderline.length > 0 ? `; borderline (some turns on the other side of the line): ${borderline.map((t) => t.target).join('; ')}` : ''),
  );
  console.log(`figures written to ${out}`);
}

try {
  await main();
} catch (e) {
  if (!(e instanceof BenchError || e instanceof CompareError)) throw e;
  process.stderr.write(`nfvsim bench: ${e.message}\n`);
  process.exitCode = 1;
}
