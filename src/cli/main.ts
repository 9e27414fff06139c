/**
 * The `nfvsim` command line. The only layer that touches argv, stdout, stderr and exit
 * codes. Exit codes: 0 success; 2 bad input (topology file, options); 3 a target SAL not
 * met (with --fail-on-sal); 70 internal error.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadTopologyFile, runReplication, simulateParallel, TopologyError, topologyJsonSchema, VERSION } from '../index.js';
import { OutageCsv, OutputError } from '../report/csv.js';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../model/build.js';
import { parseDuration, formatDuration } from '../engine/units.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { ProgressBar } from './progress.js';
import { topologyReferenceMarkdown } from '../model/docs.js';
import { registerAnalyze } from './analyze.js';

/** Exit code for bad input. */
export const EXIT_INPUT = 2;
/** Exit code of `run --fail-on-sal` when a target SAL is not met. */
export const EXIT_SAL = 3;

/** Opens an output file through `fn`; an unwritable path is a usage error, not a crash. */
function openOutput<T>(path: string, fn: (path: string) => T): T {
  try {
    return fn(path);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The built-in default topology. */
export const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../topologies/default.yaml', import.meta.url));

/** An error in the user's input that the CLI reports without a stack trace (exit 2). */
export class UsageError extends Error {}

/** A commander option parser for a positive integer. */
export function positiveInt() {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${v}'`);
    return Number(v);
  };
}
/** A commander option parser for a non-negative safe integer. */
export function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) {
    throw new InvalidArgumentError(`expected a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, got '${v}'`);
  }
  return Number(v);
}
function duration(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

interface RunOptions {
  jobs?: number;
  failOnSal?: boolean;
  csv?: string;
  events?: string;
  eventsRun?: number;
  runs?: number;
  horizon?: number;
  warmup?: number;
  seed?: number;
  json?: boolean;
  maxEvents?: number;
  progress: boolean;
}

/** Runs the CLI with `argv` (as process.argv: node, script, args...). Resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  let code = 0;
  const program = new Command();
  program
    .name('nfvsim')
    .description('Monte Carlo simulator of the availability of NFV deployments')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('simulate a topology and report service availability with 95% confidence intervals')
    .argument('[topology]', 'topology file (YAML or JSON); default: the built-in topologies/default.yaml')
    .option('-n, --runs <n>', `replications (default: the file's simulation.runs, else ${DEFAULT_RUNS})`, positiveInt())
    .option('--horizon <duration>', "simulated time per replication, e.g. '50y' (default: the file's, else 10 x the largest MTTF, at least 10y)", duration)
    .option('--warmup <duration>', "initial time not counted, e.g. '1y' (default: the file's, else 0)", duration)
    .option('-s, --seed <n>', `seed of every random stream (default: the file's, else ${DEFAULT_SEED})`, nonNegativeInt)
    .option('-j, --jobs <n>', `worker threads (default: ${availableParallelism()}, the available parallelism); results are the same bytes for any number`, positiveInt())
    .option('--json', 'print exactly one JSON document on stdout (version, input hash, seed, settings, results)')
    .option('--max-events <n>', 'cap on events per replication (a replication that hits it stops early and is flagged)', positiveInt())
    .option('--no-progress', 'do not draw the progress bar (it is drawn only when stderr is a terminal)')
    .option('--fail-on-sal', "exit 3 when a service's target SAL (its `sal:` in the topology) is not met: a verdict of FAIL or INCONCLUSIVE")
    .option('--csv <file>', 'write one row per outage to this CSV file')
    .option('--events <file>', 'write the event log of one replication (JSON lines) to this file, to replay and read a history')
    .option('--events-run <n>', 'the replication --events writes (0-based; default 0)', nonNegativeInt)
    .action(async (file: string | undefined, opts: RunOptions) => {
      const topo = file === undefined ? loadTopologyFile(DEFAULT_TOPOLOGY, 'built-in topologies/default.yaml') : loadTopologyFile(file);
      const horizon = opts.horizon ?? topo.model.defaults.horizon;
      const warmup = opts.warmup ?? topo.model.defaults.warmup;
      if (!(horizon > warmup)) {
        throw new UsageError(`the horizon (${formatDuration(horizon)}) must be longer than the warm-up (${formatDuration(warmup)})`);
      }
      const targets = topo.model.services.filter((s) => s.sal !== null);
      if (opts.failOnSal && targets.length === 0) {
        throw new UsageError(`--fail-on-sal: no service in ${topo.file} has a target SAL; add 'sal: 1' (or 2, 3) to a service`);
      }
      const runs = opts.runs ?? topo.model.defaults.runs;
      if (opts.eventsRun !== undefined && opts.eventsRun >= runs) throw new UsageError(`--events-run ${opts.eventsRun}: there are only ${runs} replications (0..${runs - 1})`);
      const csv = opts.csv ? openOutput(opts.csv, (p) => new OutageCsv(p, topo.model)) : undefined;
      // Check that the event log can be written before spending the run.
      if (opts.events) openOutput(opts.events, (p) => writeFileSync(p, ''));
      const bar = new ProgressBar(err, 'simulating');
      const started = Date.now();
      let report;
      try {
        report = await simulateParallel(topo, {
          jobs: opts.jobs ?? availableParallelism(),
          runs: opts.runs,
          seed: opts.seed,
          horizon: opts.horizon,
          warmup: opts.warmup,
          maxEvents: opts.maxEvents,
          onProgress: opts.progress ? (d, t) => bar.update(d, t) : undefined,
          onOutage: csv ? (s, r, o) => csv.write(s, r, o) : undefined,
        });
      } finally {
        csv?.close();
        bar.finish();
      }
      if (opts.events) {
        const file = opts.events;
        const lines: string[] = [];
        runReplication(
          topo.model,
          { seed: report.settings.seed, horizon: report.settings.horizonSeconds, warmup: report.settings.warmupSeconds, maxEvents: opts.maxEvents },
          opts.eventsRun ?? 0,
          { trace: (e) => lines.push(JSON.stringify({ ...e, time: formatDuration(e.t) })) },
        );
        openOutput(file, (p) => writeFileSync(p, lines.join('\n') + '\n'));
      }
      out.write(opts.json ? renderJson(report) : renderText(report, (Date.now() - started) / 1000));
      if (opts.failOnSal) {
        const failed = report.results.services.filter((s) => s.targetSal !== null && s.sal[s.targetSal - 1].verdict !== 'PASS');
        for (const s of failed) err.write(`nfvsim: ${s.name}: target SAL ${s.targetSal} not met (${s.sal[s.targetSal! - 1].verdict})\n`);
        if (failed.length > 0) code = EXIT_SAL;
      }
    });

  program
    .command('validate')
    .description('check a topology file and exit 0 if it is valid, 2 if not')
    .argument('<topology>', 'topology file (YAML or JSON)')
    .action((file: string) => {
      const topo = loadTopologyFile(file);
      const m = topo.model;
      out.write(
        `${file}: valid: ${m.hosts.length} hosts, ${m.components.length} components, ` +
          `${m.functions.length} VNFs/VIM services, ${m.services.length} services\n`,
      );
    });

  registerAnalyze(program, { out });

  program
    .command('schema')
    .description('print the JSON Schema of topology files (or, with --markdown, the reference table)')
    .option('--markdown', 'print the topology reference as Markdown instead')
    .action((opts: { markdown?: boolean }) => {
      out.write(opts.markdown ? topologyReferenceMarkdown() : JSON.stringify(topologyJsonSchema(), null, 2) + '\n');
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : EXIT_INPUT;
    } else if (e instanceof TopologyError) {
      err.write(`nfvsim: invalid input\n${e.message}\n`);
      code = EXIT_INPUT;
    } else if (e instanceof OutputError) {
      err.write(`nfvsim: ${e.message}\n`);
      code = 1;
    } else if (e instanceof UsageError) {
      err.write(`nfvsim: ${e.message}\n`);
      code = EXIT_INPUT;
    } else {
      throw e;
    }
  }
  return code;
}
