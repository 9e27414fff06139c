/**
 * The `nfvsim` command line. The only layer that touches argv, stdout, stderr and exit
 * codes. Exit codes: 0 success; 1 an output file cannot be written; 2 bad input (topology
 * file, options, an output that would overwrite an input, a run over the event budget);
 * 3 a target SAL not met (with --fail-on-sal) or an availability target not met (with
 * --fail-on-target); 70 internal error; 130 a run stopped by Ctrl-C or SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
// writeReport loads vega and resvg on first use: commands that do not draw stay light.
// Only what every `run` needs is imported here; sweeps, experiments, the rare-event
// estimator, charts and the reference are loaded by the commands that use them (start-up).
import { loadTopologyFile, TopologyError, topologyJsonSchema, type LoadedTopology } from '../model/index.js';
import { runReplication } from '../runner/replication.js';
import { PRECISION_FIRST_BATCH, simulateParallel, simulateToPrecision } from '../simulate.js';
import { HEAVY_TAIL_K, heavyTail, MIN_OUTAGES_TO_PREDICT, PLAIN_ENOUGH_EVENTS, plainIsEnough, predictedEvents, type PilotFigures } from '../runner/precision-step.js';
import { EVENT_BUDGET, limitValue } from '../model/limits.js';
import { VERSION } from '../version.js';
import type { PlainChoice, RunReport } from '../report/json.js';
import type { SweepResults } from '../sweep/sweep.js';
import type { ReportOptions, WrittenReport } from '../report/html.js';
import { OutageCsv, OutputError } from '../report/csv.js';
import { checkWritable, outputClash, outputStep, runOutputs, writeFileAtomic } from '../output.js';
import { checkEventBudget, estimateEvents, SWEEP_PILOT_EVENTS } from '../runner/budget.js';
import type { OutageRecord } from '../metrics/recorder.js';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../model/build.js';
import { formatDuration } from '../engine/units.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { counted } from '../report/format.js';
import { createProgress, progressMode, type ProgressMode } from './progress.js';
import { EXIT_INTERRUPTED, handleInterrupts } from './interrupt.js';
import { parseText, readAsExperiment, readInputFile } from '../model/load.js';
import type { ArrayShard } from '../sweep/sweep.js';
import { registerAnalyze } from './analyze.js';
import { durationOption, experimentSettingArgs, experimentSettingOptions, nonNegativeInt, positiveInt, UsageError, type ExperimentSettingOptions } from './options.js';
import { registerSensitivity } from './sensitivity.js';
import { registerTransient } from './transient.js';
import { registerUncertainty } from './uncertainty.js';
import { registerOptimize } from './optimize.js';
import { DEFAULT_COLLAPSE_HOSTS, renderDiagram, type DiagramFormat } from '../report/diagram.js';
import { redactUrl } from '../sweep/redis-access.js';

/** Sweeps, their journal and text (loaded by sweep, merge and chart). */
const sweepModules = async () => ({ ...(await import('../sweep/sweep.js')), ...(await import('../sweep/journal.js')), ...(await import('../report/sweep-text.js')) });

/** Experiment files (loaded by validate, sweep and merge). */
const experimentModule = () => import('../experiment/load.js');

/** `writeReport` of the API: charts and report.html (loads vega and resvg on first use). */
async function writeReport(dir: string, results: SweepResults | RunReport, options: ReportOptions = {}): Promise<WrittenReport> {
  return (await import('../report/html.js')).writeReport(dir, results, options);
}

/** The formats of `nfvsim diagram`, and the file extensions that imply each. */
const DIAGRAM_FORMATS: Readonly<Record<string, readonly string[]>> = { svg: ['svg'], png: ['png'], dot: ['dot', 'gv'], mermaid: ['mmd', 'mermaid'] };

/**
 * The diagram format of `nfvsim diagram`: `--format` when given, else the one `--out`'s
 * extension implies (DIAGRAM_FORMATS), else svg (stdout, or a file name without an
 * extension). An extension that implies none (`x.txt`, `x.html`) is a usage error rather
 * than an SVG under a name that says otherwise; so is PNG on stdout (binary).
 */
function diagramFormatOf(format: string | undefined, file: string | undefined): string {
  const known = Object.keys(DIAGRAM_FORMATS);
  if (format !== undefined) {
    format = format.toLowerCase();
    if (!known.includes(format)) throw new UsageError(`--format ${format}: expected ${known.join(', ')}`);
  }
  // The extension of the file's own name (`x.png`; not `.hidden`, nor a dot in a folder's name).
  const ext = file === undefined ? undefined : /[^/\\]\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  if (ext !== undefined) {
    const implied = known.find((f) => DIAGRAM_FORMATS[f].includes(ext));
    if (implied === undefined && format === undefined) {
      const all = known.map((f) => DIAGRAM_FORMATS[f].map((e) => `.${e}`).join('/')).join(', ');
      throw new UsageError(`--out ${file}: cannot tell the format from '.${ext}' (expected ${all}); give --format ${known.join('|')}`);
    }
    if (implied !== undefined && format !== undefined && implied !== format) throw new UsageError(`--format ${format} but --out ${file} names ${implied}: give one, or make them agree`);
    format ??= implied;
  }
  format ??= 'svg';
  if (format === 'png' && file === undefined) throw new UsageError('--format png writes binary: give --out <file>.png');
  return format;
}

/** The BullMQ queue module (bullmq and ioredis: loaded only by --queue and worker). */
function queueModule() {
  return import('../sweep/queue.js');
}

/** Why `r` cannot be charted (a results.json edited or from elsewhere), or null. */
function sweepResultsProblem(r: { points?: unknown; focus?: { service?: unknown }; experiment?: { parameters?: unknown } }): string | null {
  if (!Array.isArray(r.points) || r.points.length === 0) return 'no points';
  if (typeof r.focus?.service !== 'string') return 'no focus service';
  if (!Array.isArray(r.experiment?.parameters)) return 'no parameter list';
  for (const [i, p] of (r.points as Array<{ summary?: { services?: Array<{ name?: unknown }> } }>).entries()) {
    if (!Array.isArray(p?.summary?.services)) return `point ${i + 1} has no summary`;
    if (!p.summary.services.some((s) => s?.name === r.focus!.service)) return `point ${i + 1} has no service '${r.focus.service}'`;
  }
  return null;
}

/** Exit code of a command stopped by Ctrl-C or SIGTERM (defined in interrupt.ts). */
export { EXIT_INTERRUPTED } from './interrupt.js';
/** Exit code for bad input. */
export const EXIT_INPUT = 2;
/** Exit code when an output file cannot be written (README: exit codes). */
export const EXIT_OUTPUT = 1;
/** Exit code of `run --fail-on-sal` when a target SAL is not met, and of `run --fail-on-target` when an availability target is not met. */
export const EXIT_SAL = 3;

/** Opens an output file through `fn`; an unwritable path is an OutputError (exit 1), not a crash. */
function openOutput<T>(path: string, fn: (path: string) => T): T {
  return outputStep(path, () => fn(path));
}

/** The built-in default topology. */
export const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../topologies/default.yaml', import.meta.url));

/** '10%' or '0.1' -> 0.1, in (0, 1). */
function percentage(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(v);
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`expected a share such as '10%' or 0.1 (between 0 and 1), got '${v}'`);
  return x;
}

interface RunOptions {
  jobs?: number;
  failOnSal?: boolean;
  failOnTarget?: boolean;
  csv?: string;
  events?: string;
  eventsRun?: number;
  runs?: number;
  horizon?: number;
  warmup?: number;
  seed?: number;
  json?: boolean;
  maxEvents?: number;
  /** `--progress <mode>`; false: `--no-progress`; undefined: auto (a bar on a terminal). */
  progress?: ProgressMode | false;
  report?: string;
  precision?: number;
  maxRuns?: number;
  maxTime?: number;
  /** `--rare-event [method]`: true (no method: failure biasing), or the method's name. */
  rareEvent?: boolean | RareMethodOption;
  bias?: number;
  cycles?: number;
  maxCycles?: number;
}

/** The methods `--rare-event` takes ('plain': plain histories, no rare-event method and no automatic choice). */
const RARE_METHODS = ['failure-biasing', 'splitting', 'auto', 'plain'] as const;

/** The flags of the options in `keys` that were given (not undefined, not false), e.g. 'failOnSal' -> '--fail-on-sal'. */
function flagsGiven(opts: RunOptions, keys: ReadonlyArray<keyof RunOptions>): string[] {
  return keys.filter((k) => opts[k] !== undefined && opts[k] !== false).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

/** Options only plain histories serve (outage lists, event logs, reports, verdicts, capped histories). */
const PLAIN_ONLY: ReadonlyArray<keyof RunOptions> = ['csv', 'events', 'report', 'failOnSal', 'failOnTarget', 'maxEvents'];

/** Options that shape histories, which failure biasing (regenerative cycles) does not have. */
const HISTORY_OPTIONS: ReadonlyArray<keyof RunOptions> = ['runs', 'horizon', 'warmup', 'maxRuns'];

/** Options of failure biasing only. */
const CYCLE_OPTIONS: ReadonlyArray<keyof RunOptions> = ['bias', 'cycles', 'maxCycles'];

/** Histories the budget must allow for a hand-over to the pilots (the splitting run's check: rare/split-run.ts). */
const HAND_OVER_HISTORIES = 4 * PRECISION_FIRST_BATCH;

/**
 * Why a costly plain run may not be handed to the pilots, or null: the pilots and the
 * rare-event run need time (`elapsed` of `maxTime` seconds) and an event budget for
 * HAND_OVER_HISTORIES histories of `eventsPerRun` events.
 */
function handOverBlocked(elapsed: number, eventsPerRun: number, maxTime: number | undefined): string | null {
  if (maxTime !== undefined && elapsed > maxTime / 2) return 'over half of --max-time is spent';
  if (eventsPerRun * HAND_OVER_HISTORIES > limitValue(EVENT_BUDGET)) return `${HAND_OVER_HISTORIES} histories would exceed the event budget`;
  return null;
}

/** The work a plain run's first batch (`p`) predicts to reach the precision, in words (its tail: see plainIsEnough). */
function predictionText(p: PilotFigures, precision: number): string {
  const { seen, tail } = p;
  const e = predictedEvents(p.events, p.worst, precision, seen);
  if (!Number.isFinite(e)) return `predict nothing (a service has ${seen === 0 ? 'no outage' : `only ${seen} outage${seen === 1 ? '' : 's'}`} yet, under the ${MIN_OUTAGES_TO_PREDICT} a prediction needs)`;
  const text = `predict ${(e / 1e6).toPrecision(3)} M events to reach ${(precision * 100).toFixed(1)}%`;
  return heavyTail(tail) ? `${text}, but from a heavy tail (Pareto k ${tail.toFixed(2)} >= ${HEAVY_TAIL_K}: a few histories carry the downtime, so the spread seen so far, and the prediction, are too low)` : text;
}
type RareMethodOption = (typeof RARE_METHODS)[number];

/** A commander option parser for `--rare-event [method]`. */
function rareMethod(v: string): RareMethodOption {
  if (!(RARE_METHODS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected ${RARE_METHODS.join(', ')} (or nothing: failure-biasing), got '${v}' (a topology goes before --rare-event)`);
  return v as RareMethodOption;
}

/** A commander option parser for a failure-biasing factor (a finite number >= 1). */
function biasFactor(v: string): number {
  const x = Number(v);
  if (!(x >= 1 && Number.isFinite(x))) throw new InvalidArgumentError(`expected a factor >= 1 such as 20, got '${v}'`);
  return x;
}

interface SweepCliOptions extends ExperimentSettingOptions {
  out?: string;
  queue?: string;
  queueName?: string;
  redisPasswordFile?: string;
  redisCa?: string;
  shard?: string;
  jobs?: number;
  resume?: boolean;
  charts: boolean;
  progress?: ProgressMode | false;
  json?: boolean;
}

/**
 * Parses `--shard i/n`, or `--shard n` with i from JOB_COMPLETION_INDEX (Kubernetes
 * Indexed Job) or SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (Slurm job array).
 */
export function parseShardOption(v: string, env: NodeJS.ProcessEnv): ArrayShard {
  const m = /^\s*(?:(\d+)\s*\/\s*)?(\d+)\s*$/.exec(v);
  if (!m || Number(m[2]) < 1) throw new UsageError(`--shard ${v}: expected i/n (0 <= i < n), or n with the index in JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID`);
  const count = Number(m[2]);
  let index: number;
  if (m[1] !== undefined) index = Number(m[1]);
  else if (env.JOB_COMPLETION_INDEX !== undefined) index = Number(env.JOB_COMPLETION_INDEX);
  else if (env.SLURM_ARRAY_TASK_ID !== undefined) index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
  else throw new UsageError(`--shard ${v}: no shard index: give i/n, or set JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID`);
  if (!(Number.isInteger(index) && index >= 0 && index < count)) throw new UsageError(`--shard ${v}: shard index ${index} is not in 0..${count - 1}`);
  return { index, count };
}

/** `e` when it is a SweepError or a JournalError (bad input to a sweep), else null; loads their modules only when `e` is an Error at all. */
async function sweepInputError(e: unknown): Promise<Error | null> {
  if (!(e instanceof Error)) return null;
  const { SweepError, JournalError } = await sweepModules();
  return e instanceof SweepError || e instanceof JournalError ? e : null;
}

/** Runs the CLI with `argv` (as process.argv: node, script, args...). Resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  let code = 0;
  /** How plain histories were chosen automatically, for the next plain report (`settings.choice`), or undefined. */
  let plainChoice: PlainChoice | undefined;
  const program = new Command();
  program
    .name('nfvsim')
    .description('Monte Carlo simulator of the availability of NFV deployments')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(see nfvsim --help)');

  program
    .command('run')
    .description('simulate a topology and report service availability with 95% confidence intervals')
    .argument('[topology]', 'topology file (YAML or JSON); default: the built-in topologies/default.yaml')
    .option('-n, --runs <n>', `replications (default: the file's simulation.runs, else ${DEFAULT_RUNS})`, positiveInt())
    .option('--horizon <duration>', "simulated time per replication, e.g. '50y' (default: the file's, else 10 x the largest MTTF, at least 10y, at most 1000y)", durationOption)
    .option('--warmup <duration>', "initial time not counted, e.g. '1y' (default: the file's, else 0)", durationOption)
    .option('-s, --seed <n>', `seed of every random stream (default: the file's, else ${DEFAULT_SEED})`, nonNegativeInt)
    .option('-j, --jobs <n>', `threads: this one and n - 1 worker threads (default: ${availableParallelism()}, the available parallelism, or this one alone for a run too small to be worth starting workers); results are the same bytes for any number`, positiveInt())
    .option('--json', 'print exactly one JSON document on stdout (version, input hash, seed, settings, results)')
    .option('--max-events <n>', 'cap on events per replication (a replication that hits it stops early and is flagged); without it, a run estimated over the event budget (NFVSIM_EVENT_BUDGET, 2e9) is refused', positiveInt())
    .option('--progress <mode>', "progress on stderr: 'auto' (the default: a bar on a terminal, nothing elsewhere), 'bar' (redrawn in place), 'plain' (a line every 5 s, for logs), 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .option('--fail-on-sal', "exit 3 when a service's target SAL (its `sal:` in the topology) is not met: a verdict of FAIL or INCONCLUSIVE")
    .option('--fail-on-target', "exit 3 when a service's availability target (its `target:` in the topology) is not met: a verdict of FAIL or INCONCLUSIVE")
    .option('--csv <file>', 'write one row per outage to this CSV file')
    .option('--events <file>', 'write the event log of one replication (JSON lines) to this file, to replay and read a history')
    .option('--events-run <n>', 'the replication --events writes (0-based; default 0)', nonNegativeInt)
    .option('--report <dir>', 'also write report.json, charts (Vega-Lite, SVG, PNG) and report.html into this folder')
    .option('--precision <pct>', "run to precision: add replications in batches (200, then sized from the half-width reached) until every service's unavailability has a 95% CI half-width within this share of its estimate, e.g. '10%'", percentage)
    .option('--max-runs <n>', 'with --precision: budget of replications (default 1000000)', positiveInt())
    .option('--max-time <duration>', "with --precision: budget of wall time, e.g. '10m' (a run it stops is not reproducible from the seed)", durationOption)
    .option(
      '--rare-event [method]',
      "estimate rare figures (unavailability, outages, outages over 15 s, mean outage) by a rare-event method instead of plain histories: 'failure-biasing' (the default: regenerative cycles; needs exponential times to failure), 'splitting' (RESTART over histories; any model), 'auto' (with --precision: pilots pick plain, failure-biasing or splitting and the report says which), or 'plain' (plain histories only). Without it, --precision runs plain histories first and lets the pilots choose when their first batch predicts more than 200 M events; see README",
      rareMethod,
    )
    .option('--bias <theta>', 'with --rare-event: failure-biasing factor (>= 1; default: automatic, 1 + 1 / (2 Λ r_max))', biasFactor)
    .option('--cycles <n>', 'with --rare-event: regenerative cycles to run (default 100000; with --precision, see --max-cycles)', positiveInt())
    .option('--max-cycles <n>', 'with --rare-event --precision: budget of cycles (default 100000000)', positiveInt())
    .action(async function runAction(this: unknown, file: string | undefined, opts: RunOptions): Promise<void> {
      const topo = file === undefined ? loadTopologyFile(DEFAULT_TOPOLOGY, 'built-in topologies/default.yaml') : loadTopologyFile(file);
      if (opts.rareEvent === 'splitting') return runSplit(topo, opts);
      // Without --rare-event, a run to precision is plain first (see plainIsEnough), unless
      // an option only plain histories give was asked for.
      let plainFirst = opts.rareEvent === undefined && opts.precision !== undefined && flagsGiven(opts, PLAIN_ONLY).length === 0;
      if (opts.rareEvent === 'auto') {
        const chosen = await runAuto(topo, opts);
        if (chosen === null) return;
        opts.rareEvent = undefined;
      } else if (opts.rareEvent === 'plain') opts.rareEvent = undefined;
      else if (opts.rareEvent) return runRare(topo, opts);
      if (opts.bias !== undefined || opts.cycles !== undefined || opts.maxCycles !== undefined) throw new UsageError('--bias, --cycles and --max-cycles go with --rare-event');
      const horizon = opts.horizon ?? topo.model.defaults.horizon;
      const warmup = opts.warmup ?? topo.model.defaults.warmup;
      if (!(horizon > warmup)) {
        throw new UsageError(`the horizon (${formatDuration(horizon)}) must be longer than the warm-up (${formatDuration(warmup)})`);
      }
      const targets = topo.model.services.filter((s) => s.sal !== null);
      if (opts.failOnSal && targets.length === 0) {
        throw new UsageError(`--fail-on-sal: no service in ${topo.file} has a target SAL; add 'sal: 1' (or 2, 3) to a service`);
      }
      if (opts.failOnTarget && !topo.model.services.some((s) => s.target !== null)) {
        throw new UsageError(`--fail-on-target: no service in ${topo.file} has an availability target; add 'target: { availability: 0.99999 }' (or 'downtime: 5.26m') to a service`);
      }
      const runs = opts.runs ?? topo.model.defaults.runs;
      if (opts.eventsRun !== undefined && opts.eventsRun >= runs) throw new UsageError(`--events-run ${opts.eventsRun}: there are only ${runs} replications (0..${runs - 1})`);
      // Outputs are checked before the run is spent: none may overwrite the input or another, each must be writable.
      const clash = outputClash([['the topology', file ?? DEFAULT_TOPOLOGY]], runOutputs(opts));
      if (clash) throw new UsageError(clash);
      if (opts.events) checkWritable(opts.events);
      if (opts.report) {
        openOutput(opts.report, (dir) => mkdirSync(dir, { recursive: true }));
        checkWritable(join(opts.report, 'report.json'));
      }
      // The events of one replication: the budget check measures them anyway; with
      // --max-events there is no budget, and a short pilot, capped, estimates them. Without
      // --jobs they decide whether worker threads are worth starting (runsInline).
      const seed = opts.seed ?? topo.model.defaults.seed;
      let eventsPerRun: number;
      if (opts.maxEvents === undefined) {
        const advice = 'shorten the horizon (--horizon), run fewer histories (--runs), cap each history with --max-events N (a capped history stops early and is flagged)';
        eventsPerRun = checkEventBudget([topo.model], { seed, horizon, runs: opts.precision !== undefined ? PRECISION_FIRST_BATCH : runs }, topo.file, advice);
      } else eventsPerRun = Math.min(opts.maxEvents, estimateEvents(topo.model, seed, horizon, SWEEP_PILOT_EVENTS).perReplication);
      if (opts.precision === undefined && (opts.maxRuns !== undefined || opts.maxTime !== undefined)) throw new UsageError('--max-runs and --max-time are budgets of --precision: give --precision too');
      if (opts.precision !== undefined && opts.runs !== undefined) throw new UsageError('--precision decides the number of runs: give --max-runs as its budget instead of --runs');
      const csv = opts.csv ? new OutageCsv(opts.csv, topo.model) : undefined;
      const bar = createProgress(err, 'simulating', opts.progress);
      const started = Date.now();
      let report;
      let complete = false;
      // The plain-first rule's decision (see `abandon` below): what it says, and the first batch as the plain pilot when it hands over.
      let methodLine = '';
      let plainPilot: PilotFigures | undefined;
      // Ctrl-C or SIGTERM during the run, on any number of threads: nothing is half-written
      // (the CSV's temporary file is removed; the event log and report are written only
      // after the run), exit 130. While the outputs are written, they are completed first.
      const interrupts = handleInterrupts(err, () => {
        csv?.abort();
        bar.finish();
        err.write('\nnfvsim: interrupted: no output written (a run is not resumable; a sweep is, with --resume)\n');
        process.exit(EXIT_INTERRUPTED);
      });
      try {
        try {
          const common = {
            // Without --jobs: the available parallelism, or this thread for a small run.
            jobs: opts.jobs,
            eventsPerRun,
            seed: opts.seed,
            horizon: opts.horizon,
            warmup: opts.warmup,
            maxEvents: opts.maxEvents,
            onProgress: bar.active ? (d: number, t: number) => bar.update(d, t) : undefined,
            onOutage: csv ? (s: number, r: number, o: OutageRecord) => csv.write(s, r, o) : undefined,
          };
          if (opts.precision === undefined) report = await simulateParallel(topo, { ...common, runs: opts.runs });
          else {
            const precision = opts.precision;
            const abandon = (done: number, pilot: PilotFigures) => {
              if (!plainFirst) return false;
              plainFirst = false;
              const { events, worst, seen, tail } = pilot;
              const predicted = `${done} histories ${predictionText(pilot, precision)}`;
              const limit = `${PLAIN_ENOUGH_EVENTS / 1e6} M events`;
              if (plainIsEnough(events, worst, precision, seen, tail)) {
                methodLine = `Method: plain (its first ${predicted}: within the ${limit} over which pilots choose the method; --rare-event forces one)\n`;
              } else {
                const keep = handOverBlocked((Date.now() - started) / 1000, eventsPerRun, opts.maxTime);
                const over = heavyTail(tail) || !Number.isFinite(predictedEvents(events, worst, precision, seen)) ? '' : `, over ${limit}`;
                if (keep === null) {
                  methodLine = `Plain histories: the first ${predicted}${over}: pilots choose the method (--rare-event forces one).\n`;
                  plainPilot = pilot;
                  return true;
                }
                methodLine = `Method: plain (its first ${predicted}${over}, but ${keep}: no pilots; --rare-event forces one)\n`;
              }
              plainChoice = { chosen: 'plain', by: 'first batch', text: methodLine.trim() };
              return false;
            };
            report = await simulateToPrecision(topo, { ...common, precision, maxRuns: opts.maxRuns, maxTimeSeconds: opts.maxTime, abandon });
          }
          complete = true;
          interrupts.writing();
        } finally {
          // A run that failed leaves no CSV that looks complete.
          if (complete) csv?.close();
          else csv?.abort();
          bar.finish();
          // Said once the bar is gone (on stderr with --json: stdout is the report).
          if (methodLine !== '') (opts.json ? err : out).write(methodLine);
        }
        if (report !== null && plainChoice !== undefined) report.settings.choice = plainChoice;
        plainChoice = undefined;
        if (report !== null) code = await writeRunOutputs(topo, report, opts, started);
      } finally {
        interrupts.dispose();
      }
      if (interrupts.requested) code = EXIT_INTERRUPTED;
      // A costly plain run handed over: the pilots choose (plain again: run from the start, without the rule).
      else if (report === null) {
        // The time budget left bounds the rest of the run (not the pilots).
        const left = opts.maxTime === undefined ? undefined : Math.max(1, opts.maxTime - (Date.now() - started) / 1000);
        const rest = { ...opts, maxTime: left };
        if ((await runAuto(topo, rest, plainPilot)) === 'plain') await runAction(file, { ...rest, rareEvent: 'plain' });
      }
    });

  program
    .command('validate')
    .description('check a topology or experiment file and exit 0 if it is valid, 2 if not')
    .argument('<file>', 'topology or experiment file (YAML or JSON); an experiment is a file with a `base:` topology')
    .action(async (file: string) => {
      const data = parseText(readInputFile(file), file).data;
      if (readAsExperiment(data)) {
        const exp = (await experimentModule()).loadExperimentFile(file);
        out.write(
          `${file}: valid experiment: ${exp.design}, ${counted(exp.points.length, 'point')} x ${counted(exp.runs, 'run')} on ${exp.base.file}, ` +
            `baseline '${exp.points[exp.baseline].name}', service ${exp.service.name}\n`,
        );
        return;
      }
      const topo = loadTopologyFile(file);
      const m = topo.model;
      out.write(
        `${file}: valid: ${counted(m.hosts.length, 'host')}, ${counted(m.components.length, 'component')}, ` +
          `${counted(m.functions.length, 'VNF/VIM service')}, ${counted(m.services.length, 'service')}` +
          // Common causes, only where the topology has them.
          (m.shared.length > 0 ? `, ${counted(m.shared.length, 'shared element')}` : '') +
          (m.commonCauses.length > 0 ? `, common-cause clocks on ${m.commonCauses.map((c) => `${c.type}/${c.mode}`).join(', ')}` : '') +
          // Planned work, only where the topology has it.
          (m.maintenance.length > 0 ? `, maintenance plans ${m.maintenance.map((p) => `${p.name} (${counted(p.hosts.length, 'host')})`).join(', ')}` : '') +
          (m.upgrades.length > 0 ? `, upgrade campaigns ${m.upgrades.map((p) => `${p.name} (${m.functions[p.target].name})`).join(', ')}` : '') +
          '\n',
      );
    });

  registerAnalyze(program, { out });
  registerSensitivity(program, { out, err });
  registerTransient(program, { out, err });
  registerUncertainty(program, { out, err });
  registerOptimize(program, { out, err });

  /**
   * What `run` does once the simulation is done: the event log, the report on stdout, the
   * report folder, and the verdicts of --fail-on-sal and --fail-on-target (the exit code:
   * EXIT_SAL when a target is missed, else 0).
   */
  async function writeRunOutputs(topo: LoadedTopology, report: RunReport, opts: RunOptions, started: number): Promise<number> {
    let verdict = 0;
    if (opts.events) {
      const file = opts.events;
      const lines: string[] = [];
      runReplication(
        topo.model,
        { seed: report.settings.seed, horizon: report.settings.horizonSeconds, warmup: report.settings.warmupSeconds, maxEvents: opts.maxEvents },
        opts.eventsRun ?? 0,
        { trace: (e) => lines.push(JSON.stringify({ ...e, time: formatDuration(e.t) })) },
      );
      writeFileAtomic(file, lines.join('\n') + '\n');
    }
    out.write(opts.json ? renderJson(report) : renderText(report, (Date.now() - started) / 1000));
    if (opts.report) {
      const dir = opts.report;
      writeFileAtomic(join(dir, 'report.json'), renderJson(report));
      await writeReport(dir, report, { model: topo.model });
      err.write(`nfvsim: report written to ${join(dir, 'report.html')} (charts in ${join(dir, 'charts')})\n`);
    }
    if (opts.failOnSal) {
      const failed = report.results.services.filter((s) => s.targetSal !== null && s.sal[s.targetSal - 1].verdict !== 'PASS');
      for (const s of failed) err.write(`nfvsim: ${s.name}: target SAL ${s.targetSal} not met (${s.sal[s.targetSal! - 1].verdict})\n`);
      if (failed.length > 0) verdict = EXIT_SAL;
    }
    if (opts.failOnTarget) {
      const failed = report.results.services.filter((s) => s.target !== null && s.target.verdict !== 'PASS');
      for (const s of failed) err.write(`nfvsim: ${s.name}: availability target ${s.target!.availability} not met (${s.target!.verdict})\n`);
      if (failed.length > 0) verdict = EXIT_SAL;
    }
    return verdict;
  }

  /**
   * `run --rare-event auto --precision X`: pilots choose the method (rare/split-run.ts
   * chooseMethod). Runs failure biasing or splitting here and returns null; for plain
   * histories, prints the choice (text: before the report; --json: on stderr) and returns
   * 'plain' for the caller to run them.
   */
  async function runAuto(topo: LoadedTopology, opts: RunOptions, plainPilot?: PilotFigures): Promise<'plain' | null> {
    if (opts.precision === undefined) throw new UsageError('--rare-event auto chooses the method that reaches a precision soonest: give --precision too, e.g. --precision 10%');
    const { chooseMethod } = await import('../rare/split-run.js');
    const { renderChoiceText } = await import('../report/split.js');
    const d = topo.model.defaults;
    const given = flagsGiven(opts, HISTORY_OPTIONS);
    const noFailureBiasing = given.length > 0 ? `${given.join(', ')} given: it runs regenerative cycles, not histories` : undefined;
    const { choice, plan } = chooseMethod(topo, opts.precision, { seed: opts.seed ?? d.seed, horizon: opts.horizon ?? d.horizon, warmup: opts.warmup ?? d.warmup }, noFailureBiasing, plainPilot);
    if (choice.chosen === 'splitting') {
      await runSplit(topo, opts, { choice, plan });
      return null;
    }
    const text = renderChoiceText(choice);
    if (opts.json) err.write(text);
    else out.write(text + '\n');
    if (choice.chosen === 'failure-biasing') {
      await runRare(topo, { ...opts, rareEvent: true });
      return null;
    }
    // Recorded in the plain run's report (`settings.choice`).
    plainChoice = { chosen: 'plain', by: 'pilots', text: text.trim(), pilots: choice.pilots };
    return 'plain';
  }

  /** `run --rare-event splitting`: multilevel splitting over histories (rare/splitting.ts). */
  async function runSplit(topo: LoadedTopology, opts: RunOptions, auto?: { choice: import('../rare/split-run.js').MethodChoice; plan: import('../rare/splitting.js').SplitPlan }): Promise<void> {
    const clash = flagsGiven(opts, [...PLAIN_ONLY, ...CYCLE_OPTIONS]);
    if (clash.length > 0) throw new UsageError(`${clash.join(', ')}: not with --rare-event splitting (it estimates unavailability, outage rates and mean outage only; SAL verdicts and outage lists need plain histories)`);
    if (opts.precision !== undefined && opts.runs !== undefined) throw new UsageError('--precision decides the number of histories: give --max-runs as its budget instead of --runs');
    if (opts.precision === undefined && (opts.maxRuns !== undefined || opts.maxTime !== undefined)) throw new UsageError('--max-runs and --max-time are budgets of --precision: give --precision too');
    const horizon = opts.horizon ?? topo.model.defaults.horizon;
    const warmup = opts.warmup ?? topo.model.defaults.warmup;
    if (!(horizon > warmup)) throw new UsageError(`the horizon (${formatDuration(horizon)}) must be longer than the warm-up (${formatDuration(warmup)})`);
    // The pilots and the first step are some hundreds of plain histories: refuse what plain histories would refuse.
    checkEventBudget([topo.model], { seed: opts.seed ?? topo.model.defaults.seed, horizon, runs: HAND_OVER_HISTORIES }, topo.file, 'shorten the horizon (--horizon) or run plain histories with --max-events N');
    const { runSplitting } = await import('../rare/split-run.js');
    const { SplittingError, HISTORIES_PER_BATCH } = await import('../rare/splitting.js');
    const { renderSplitText } = await import('../report/split.js');
    // Splitting runs whole batches: say so when --runs is not a multiple (the report counts what ran).
    if (opts.runs !== undefined && opts.runs % HISTORIES_PER_BATCH !== 0) {
      const ran = Math.ceil(opts.runs / HISTORIES_PER_BATCH) * HISTORIES_PER_BATCH;
      err.write(`nfvsim: splitting runs whole batches of ${HISTORIES_PER_BATCH} histories: --runs ${opts.runs} runs ${ran}\n`);
    }
    const started = Date.now();
    let report;
    try {
      report = await runSplitting(topo, {
        seed: opts.seed,
        horizon,
        warmup,
        histories: opts.runs,
        precision: opts.precision,
        maxHistories: opts.maxRuns,
        maxTimeSeconds: opts.maxTime,
        plan: auto?.plan,
        jobs: opts.jobs ?? availableParallelism(),
        jobsChosen: opts.jobs === undefined,
      });
    } catch (e) {
      if (e instanceof SplittingError) throw new UsageError(`${topo.file}: ${e.message}`);
      throw e;
    }
    if (auto) report.settings.choice = auto.choice;
    out.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderSplitText(report, (Date.now() - started) / 1000));
  }

  /** `run --rare-event`: the regenerative failure-biasing estimator. */
  async function runRare(topo: LoadedTopology, opts: RunOptions): Promise<void> {
    const clash = flagsGiven(opts, [...HISTORY_OPTIONS, ...PLAIN_ONLY]);
    if (clash.length > 0) throw new UsageError(`${clash.join(', ')}: not with --rare-event (it runs cycles, not histories; see --cycles, --precision, --max-cycles)`);
    if (opts.precision !== undefined && opts.cycles !== undefined) throw new UsageError('--precision decides the number of cycles: give --max-cycles as its budget instead of --cycles');
    if (opts.precision === undefined && (opts.maxCycles !== undefined || opts.maxTime !== undefined)) throw new UsageError('--max-cycles and --max-time are budgets of --precision: give --precision too');
    const { runRareEvent } = await import('../rare/run.js');
    const { RareEventRefused } = await import('../rare/applicability.js');
    const { RareEventError } = await import('../rare/cycles.js');
    const { renderRareText } = await import('../report/rare.js');
    const bar = createProgress(err, 'cycles', opts.progress);
    const started = Date.now();
    let report;
    try {
      report = await runRareEvent(topo, {
        seed: opts.seed,
        bias: opts.bias,
        cycles: opts.cycles,
        precision: opts.precision,
        maxCycles: opts.maxCycles,
        maxTimeSeconds: opts.maxTime,
        jobs: opts.jobs ?? availableParallelism(),
        onProgress: bar.active ? (d, t) => bar.update(d, t) : undefined,
      });
    } catch (e) {
      if (e instanceof RareEventRefused || e instanceof RareEventError) throw new UsageError(e.message);
      throw e;
    } finally {
      bar.finish();
    }
    out.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : renderRareText(report, (Date.now() - started) / 1000));
  }

  experimentSettingOptions(program
    .command('sweep'))
    .description('run an experiment (a base topology and parameters to vary) point by point; resumable; writes results, charts and report.html')
    .argument('<experiment>', 'experiment file (YAML or JSON), e.g. experiments/heartbeat-sal1.yaml')
    .option('-o, --out <dir>', 'results folder (default: results/<experiment name>)')
    .option('-j, --jobs <n>', `worker threads (default: ${availableParallelism()}); results are the same bytes for any number`, positiveInt())
    .option('--resume', 'continue the sweep already in --out: shards already done are not run again')
    .option('--queue <url>', 'coordinate the sweep on a BullMQ queue in Redis (e.g. redis://127.0.0.1:6379); `nfvsim worker` processes run the shards')
    .option('--queue-name <name>', 'BullMQ queue name (default: nfvsim); workers must use the same')
    .option('--redis-password-file <file>', 'with --queue: read the Redis password from this file (else NFVSIM_REDIS_PASSWORD, else the URL\'s)')
    .option('--redis-ca <file>', 'with a rediss:// --queue: the CA certificate (PEM) of the Redis server (else the file named by NFVSIM_REDIS_CA)')
    .option('--shard <i/n>', 'run only array-job shard i of n (0-based) into its own journal, then stop; `nfvsim merge` gathers them. With just n, i comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID')
    .option('--no-charts', 'do not draw the charts and report.html (nfvsim chart draws them later)')
    .option('--progress <mode>', "progress on stderr: 'auto' (the default: a bar on a terminal, nothing elsewhere), 'bar' (redrawn in place), 'plain' (a line every 5 s, for logs), 'none'", progressMode)
    .option('--no-progress', 'no progress (the same as --progress none)')
    .option('--json', 'print results.json on stdout instead of the table')
    .action(async (file: string, opts: SweepCliOptions) => {
      const { runSweep, runSweepShard, renderSweepText } = await sweepModules();
      const exp = (await experimentModule()).loadExperimentFile(file, opts);
      const dir = opts.out ?? join('results', exp.name);
      // The settings given here, to repeat in the commands printed below (--resume, merge).
      const settings = experimentSettingArgs(opts);
      checkEventBudget(exp.points.map((p) => p.topology.model), exp, exp.file, 'lower runs or the horizon (in the experiment, or --runs, --horizon)', { pilotEvents: SWEEP_PILOT_EVENTS, clockIn: exp.base.file });
      const bar = createProgress(err, 'sweeping', opts.progress);
      const started = Date.now();
      if (opts.queue && opts.shard) throw new UsageError('--queue and --shard are two ways to split a sweep: give one');
      // Ctrl-C or SIGTERM, on any number of threads: every finished shard is already in
      // the journal (a line is written whole between replications): say how to go on, exit 130.
      const interrupts = handleInterrupts(err, () => {
        bar.finish();
        const again = opts.shard
          ? `nfvsim sweep ${file} --out ${dir}${settings} --shard ${opts.shard}`
          : `nfvsim sweep ${file} --out ${dir}${settings} --resume${opts.queue ? ` --queue ${redactUrl(opts.queue)}${opts.queueName ? ` --queue-name ${opts.queueName}` : ''}` : ''}`;
        err.write(`\nnfvsim: interrupted; finished shards are kept in the journal in ${dir}. Continue with:\n  ${again}\n`);
        process.exit(EXIT_INTERRUPTED);
      });
      const onProgress = bar.active ? (d: number, t: number) => bar.update(d, t) : undefined;
      let results;
      try {
        if (opts.shard) {
          const shard = parseShardOption(opts.shard, process.env);
          const r = await runSweepShard(exp, { out: dir, jobs: opts.jobs ?? availableParallelism(), shard, onProgress });
          bar.finish();
          err.write(
            `nfvsim: shard ${shard.index}/${shard.count}: ${r.ran} of its ${r.tasks} tasks run now (the rest were done before), in ${r.journal}; ` +
              `when every shard is done: nfvsim merge ${file} --out ${dir}${settings}\n`,
          );
          return;
        }
        const qm = opts.queue ? await queueModule() : undefined;
        results = qm
          ? await qm.runSweepOnQueue(exp, {
              out: dir,
              resume: opts.resume,
              queue: qm.queueAccess({ url: opts.queue!, passwordFile: opts.redisPasswordFile, caFile: opts.redisCa }),
              queueName: opts.queueName,
              onProgress,
              log: (l) => err.write(`nfvsim: ${l}\n`),
            })
          : await runSweep(exp, { out: dir, jobs: opts.jobs ?? availableParallelism(), resume: opts.resume, onProgress });
        // results.json is written: the charts and report are completed before a signal stops the sweep.
        interrupts.writing();
        bar.finish();
        out.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderSweepText(results));
        if (opts.charts) await writeReport(dir, results, { model: exp.base.topology.model });
      } finally {
        interrupts.dispose();
        bar.finish();
      }
      err.write(
        `nfvsim: ${exp.points.length} points x ${exp.runs} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
          `results in ${join(dir, 'results.json')} and results.csv${opts.charts ? `, report in ${join(dir, 'report.html')}` : ''}\n`,
      );
      if (interrupts.requested) code = EXIT_INTERRUPTED;
    });

  program
    .command('worker')
    .description(
      'take shards of sweeps from a BullMQ queue and run them (one child process per --concurrency). ' +
        'SIGTERM or Ctrl-C stops it within 10 s: the shards in hand go back to the queue for another worker and their child processes are killed',
    )
    .requiredOption('--queue <url>', 'Redis URL of the queue, e.g. redis://127.0.0.1:6379 (rediss:// for TLS)')
    .option('--queue-name <name>', 'BullMQ queue name (default: nfvsim)')
    .option('-c, --concurrency <n>', 'shards at once (default: the available parallelism)', positiveInt())
    .option('--lock-duration <duration>', "how long a silent worker keeps a shard before it is retried elsewhere (default '30s')", durationOption)
    .option('--job-timeout <duration>', "wall-clock limit of one shard; a shard still running then is stopped and fails, not retried (default '1h')", durationOption)
    .option('--redis-password-file <file>', 'read the Redis password from this file (else NFVSIM_REDIS_PASSWORD, else the URL\'s)')
    .option('--redis-ca <file>', 'with a rediss:// URL: the CA certificate (PEM) of the Redis server (else the file named by NFVSIM_REDIS_CA)')
    .action(async (opts: { queue: string; queueName?: string; concurrency?: number; lockDuration?: number; jobTimeout?: number; redisPasswordFile?: string; redisCa?: string }) => {
      const { checkRedis, queueAccess, startQueueWorker, WORKER_STOP_MS } = await queueModule();
      const access = queueAccess({ url: opts.queue, passwordFile: opts.redisPasswordFile, caFile: opts.redisCa });
      await checkRedis(access);
      const say = (l: string) => err.write(`nfvsim worker ${process.pid}: ${l}\n`);
      const worker = startQueueWorker({
        queue: access,
        queueName: opts.queueName,
        concurrency: opts.concurrency ?? availableParallelism(),
        lockDuration: opts.lockDuration !== undefined ? Math.round(opts.lockDuration * 1000) : undefined,
        jobTimeout: opts.jobTimeout !== undefined ? Math.round(opts.jobTimeout * 1000) : undefined,
        log: say,
      });
      await worker.waitUntilReady();
      say(`waiting for shards on ${redactUrl(opts.queue)} (queue ${opts.queueName ?? 'nfvsim'})`);
      await new Promise<never>(() => {
        const stop = (signal: string) => {
          say(`${signal}: putting the shards in hand back on the queue and stopping (within ${WORKER_STOP_MS / 1000} s)`);
          // Past the bound, exit anyway: children left die on their own (processor.ts).
          setTimeout(() => {
            say(`not stopped after ${WORKER_STOP_MS / 1000} s: exiting`);
            process.exit(1);
          }, WORKER_STOP_MS - 500).unref();
          void worker
            .abandon()
            .then(
              () => say('stopped'),
              (e: Error) => say(`stopping: ${redactUrl(e.message)}`),
            )
            // Exit now: a child still starting up would keep the event loop alive; it dies
            // with this process (see processor.ts).
            .then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  experimentSettingOptions(program
    .command('merge'))
    .description('merge the journals of an array-job sweep (nfvsim sweep --shard i/n) into results, charts and report.html')
    .argument('<experiment>', 'the experiment file the shards ran')
    .option('-o, --out <dir>', 'results folder (default: results/<experiment name>)')
    .option('--from <dirs...>', 'more folders whose journals to read (shards that wrote elsewhere)')
    .option('--no-charts', 'do not draw the charts and report.html')
    .option('--json', 'print results.json on stdout instead of the table')
    .action(async (file: string, opts: ExperimentSettingOptions & { out?: string; from?: string[]; charts: boolean; json?: boolean }) => {
      const { mergeSweep, SweepInterrupted, renderSweepText } = await sweepModules();
      const exp = (await experimentModule()).loadExperimentFile(file, opts);
      const dir = opts.out ?? join('results', exp.name);
      let results;
      try {
        results = mergeSweep(exp, { out: dir, from: opts.from });
      } catch (e) {
        if (e instanceof SweepInterrupted) throw new UsageError(`${dir}: cannot merge yet: ${e.message.replace(/; run again with --resume$/, '')} (run the missing array shards again)`);
        throw e;
      }
      out.write(opts.json ? JSON.stringify(results, null, 2) + '\n' : renderSweepText(results));
      if (opts.charts) await writeReport(dir, results, { model: exp.base.topology.model });
      err.write(`nfvsim: merged into ${join(dir, 'results.json')}${opts.charts ? ` and ${join(dir, 'report.html')}` : ''}\n`);
    });

  program
    .command('chart')
    .description('redraw the charts and report.html of a results folder (from nfvsim sweep, sensitivity, transient, uncertainty, optimize, or run --report)')
    .argument('<dir>', 'results folder holding transient.json, uncertainty.json, optimize.json or sensitivity.json (a study), results.json (a sweep) or report.json (a run)')
    .action(async (dir: string) => {
      if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder`);
      if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a folder (chart takes the folder a study, a sweep or run --report wrote)`);
      // Transient, uncertainty and optimize studies keep their own results (an uncertainty study's folder also holds its sweep's results.json).
      const studies: Array<[string, (r: Record<string, unknown>) => boolean, (r: never) => Promise<string[]>]> = [
        ['transient.json', (r) => Array.isArray(r.times) && Array.isArray(r.services), async (r) => (await import('../report/transient.js')).writeTransientReport(dir, r)],
        ['uncertainty.json', (r) => Array.isArray(r.sets) && Array.isArray(r.services) && Array.isArray(r.parameters), async (r) => (await import('../report/uncertainty.js')).writeUncertaintyReport(dir, r)],
        ['optimize.json', (r) => Array.isArray(r.designs) && Array.isArray(r.front), async (r) => (await import('../report/optimize.js')).writeOptimizeReport(dir, r)],
      ];
      for (const [name, valid, redraw] of studies) {
        const path = join(dir, name);
        if (!existsSync(path)) continue;
        let r;
        try {
          r = JSON.parse(readFileSync(path, 'utf8'));
        } catch (e) {
          throw new UsageError(`${path}: cannot read: ${(e as Error).message}`);
        }
        if (r === null || typeof r !== 'object' || !valid(r)) throw new UsageError(`${path}: not the results of nfvsim ${name.replace('.json', '')}`);
        const files = await redraw(r as never);
        out.write(`${join(dir, 'report.html')}: ${files.length - 1} files and the report redrawn\n`);
        return;
      }
      // A sensitivity study's folder also holds its sweep's results.json: its own report comes first.
      const sens = join(dir, 'sensitivity.json');
      if (existsSync(sens)) {
        let r;
        try {
          r = JSON.parse(readFileSync(sens, 'utf8'));
        } catch (e) {
          throw new UsageError(`${sens}: cannot read: ${(e as Error).message}`);
        }
        if (!Array.isArray(r?.parameters) || !Array.isArray(r?.importance) || !Array.isArray(r?.base) || typeof r?.focus?.service !== 'string') {
          throw new UsageError(`${sens}: not the results of nfvsim sensitivity`);
        }
        const files = await (await import('../report/sensitivity.js')).writeSensitivityReport(dir, r);
        out.write(`${join(dir, 'report.html')}: ${files.length - 1} files and the report redrawn\n`);
        return;
      }
      const { isSweepResults } = await import('../report/charts.js');
      const path = existsSync(join(dir, 'results.json')) ? join(dir, 'results.json') : join(dir, 'report.json');
      if (!existsSync(path)) {
        throw new UsageError(
          `${dir}: no results there: none of transient.json, uncertainty.json, optimize.json, sensitivity.json (from those studies), results.json (from nfvsim sweep) or report.json (from nfvsim run --report)`,
        );
      }
      let results;
      try {
        results = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new UsageError(`${path}: cannot read: ${(e as Error).message}`);
      }
      const ok = results && typeof results === 'object' && (isSweepResults(results) ? sweepResultsProblem(results) === null : Array.isArray(results.results?.services) && results.results.services.every((x: { name?: unknown; sal?: unknown }) => typeof x?.name === 'string' && Array.isArray(x.sal)));
      if (isSweepResults(results) && sweepResultsProblem(results)) throw new UsageError(`${path}: not the results of a sweep: ${sweepResultsProblem(results)}`);
      if (!ok) throw new UsageError(`${path}: not nfvsim results (expected the results.json of a sweep or the report.json of a run)`);
      const written = await writeReport(dir, results);
      out.write(`${join(dir, written.html)}: ${written.files.length - 1} chart files and the report redrawn\n`);
    });

  program
    .command('diagram')
    .description('draw a topology: sites, racks, hosts and their stacks, where every instance is placed, the services\' chains and the impact zones')
    .argument('<topology>', 'topology file (YAML or JSON)')
    .option('-f, --format <format>', 'svg (drawn here, no Graphviz needed), png (the SVG rendered, needs --out), dot (Graphviz) or mermaid (default: from --out\'s extension: .svg, .png, .dot/.gv, .mmd/.mermaid; else svg)')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--collapse <n>', `draw more than n hosts of one group in one rack as one box (default ${DEFAULT_COLLAPSE_HOSTS})`, nonNegativeInt)
    .action(async (file: string, opts: { format?: string; out?: string; collapse?: number }) => {
      const format = diagramFormatOf(opts.format, opts.out);
      const model = loadTopologyFile(file).model;
      if (format === 'png') {
        const svg = renderDiagram(model, 'svg', { collapseHosts: opts.collapse });
        writeFileAtomic(opts.out!, (await import('../report/render.js')).renderPng(svg));
        return;
      }
      const text = renderDiagram(model, format as DiagramFormat, { collapseHosts: opts.collapse });
      if (opts.out) writeFileAtomic(opts.out, text);
      else out.write(text);
    });

  program
    .command('schema')
    .description('print the JSON Schema of topology files (or, with --markdown, the reference table; with --experiment, of experiment files)')
    .option('--markdown', 'print the topology reference as Markdown instead')
    .option('--experiment', 'print the JSON Schema of experiment files instead')
    .action(async (opts: { markdown?: boolean; experiment?: boolean }) => {
      if (opts.experiment) out.write(JSON.stringify((await import('../experiment/schema.js')).experimentJsonSchema(), null, 2) + '\n');
      else out.write(opts.markdown ? (await import('../report/reference.js')).topologyReferenceMarkdown() : JSON.stringify(topologyJsonSchema(), null, 2) + '\n');
    });

  // After a usage error, the command whose help to read (`nfvsim run --help`), not "--help".
  for (const c of program.commands) c.showHelpAfterError(`(see nfvsim ${c.name()} --help)`);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help asked for (--help, help [command]) and the version exit 0; help shown because
      // no command was given (`nfvsim` alone: commander's help with error) is a usage error.
      code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0) ? 0 : EXIT_INPUT;
    } else if (e instanceof TopologyError) {
      err.write(`nfvsim: invalid input\n${e.message}\n`);
      code = EXIT_INPUT;
    } else if (e instanceof OutputError) {
      err.write(`nfvsim: ${e.message}\n`);
      code = EXIT_OUTPUT;
    } else if (e instanceof UsageError) {
      err.write(`nfvsim: ${e.message}\n`);
      code = EXIT_INPUT;
    } else if (await sweepInputError(e)) {
      err.write(`nfvsim: ${(e as Error).message}\n`);
      code = EXIT_INPUT;
    } else {
      throw e;
    }
  }
  return code;
}
