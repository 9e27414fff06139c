/**
 * The `nfvsim` command line. The only layer that touches argv, stdout, stderr and exit
 * codes. Exit codes: 0 success; 2 bad input (topology file, options); 70 internal error.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadTopologyFile, simulate, TopologyError, topologyJsonSchema, VERSION } from '../index.js';
import { DEFAULT_RUNS, DEFAULT_SEED } from '../model/build.js';
import { parseDuration, formatDuration } from '../engine/units.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { ProgressBar } from './progress.js';
import { topologyReferenceMarkdown } from '../model/docs.js';

/** Exit code for bad input. */
export const EXIT_INPUT = 2;

/** The built-in default topology. */
export const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../topologies/default.yaml', import.meta.url));

/** An error in the user's input that the CLI reports without a stack trace. */
class UsageError extends Error {}

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${v}'`);
    return Number(v);
  };
}
function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a non-negative integer, got '${v}'`);
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
    .option('-n, --runs <n>', `replications (default: the file's simulation.runs, else ${DEFAULT_RUNS})`, positiveInt('runs'))
    .option('--horizon <duration>', "simulated time per replication, e.g. '50y' (default: the file's, else 10 x the largest MTTF, at least 10y)", duration)
    .option('--warmup <duration>', "initial time not counted, e.g. '1y' (default: the file's, else 0)", duration)
    .option('-s, --seed <n>', `seed of every random stream (default: the file's, else ${DEFAULT_SEED})`, nonNegativeInt)
    .option('--json', 'print exactly one JSON document on stdout (version, input hash, seed, settings, results)')
    .option('--max-events <n>', 'cap on events per replication (a replication that hits it stops early and is flagged)', positiveInt('max-events'))
    .option('--no-progress', 'do not draw the progress bar (it is drawn only when stderr is a terminal)')
    .action((file: string | undefined, opts: RunOptions) => {
      const topo = file === undefined ? loadTopologyFile(DEFAULT_TOPOLOGY, 'built-in topologies/default.yaml') : loadTopologyFile(file);
      const horizon = opts.horizon ?? topo.model.defaults.horizon;
      const warmup = opts.warmup ?? topo.model.defaults.warmup;
      if (!(horizon > warmup)) {
        throw new UsageError(`the horizon (${formatDuration(horizon)}) must be longer than the warm-up (${formatDuration(warmup)})`);
      }
      const bar = new ProgressBar(err, 'simulating');
      const started = Date.now();
      const report = simulate(topo, {
        runs: opts.runs,
        seed: opts.seed,
        horizon: opts.horizon,
        warmup: opts.warmup,
        maxEvents: opts.maxEvents,
        onProgress: opts.progress ? (d, t) => bar.update(d, t) : undefined,
      });
      bar.finish();
      out.write(opts.json ? renderJson(report) : renderText(report, (Date.now() - started) / 1000));
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
    } else if (e instanceof UsageError) {
      err.write(`nfvsim: ${e.message}\n`);
      code = EXIT_INPUT;
    } else {
      throw e;
    }
  }
  return code;
}
