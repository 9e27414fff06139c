/**
 * `npm run fuzz -- --count N`: runs N mutated topology and experiment files through
 * `nfvsim validate` and a small `run` or `sweep`, each input in a child process with a
 * heap and a time limit, and prints the figures: inputs tried, exit codes by class,
 * findings (their inputs saved for reproduction), the slowest input's CPU time and the
 * peak memory. Exits 1 when there is a finding, 0 otherwise.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { nonNegativeInt, positiveInt } from '../cli/options.js';
import { EVENT_BUDGET } from '../model/limits.js';
import { formatSummary, FUZZ_DEFAULTS, FUZZ_EVENT_BUDGET, runFuzz } from './harness.js';
import { loadBases } from './mutate.js';

/** The repository root (topologies/ and experiments/ are read from it). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const program = new Command()
  .name('npm run fuzz --')
  .description('run mutated topology and experiment files through nfvsim validate and a small run or sweep; report exit codes, findings, CPU and memory')
  .option('-n, --count <n>', 'inputs to try', positiveInt(), 1000)
  .option('--first <n>', 'number of the first input (to go on from an earlier session, or repeat one input)', nonNegativeInt, 0)
  .option('-s, --seed <n>', 'seed of the mutations', nonNegativeInt, FUZZ_DEFAULTS.seed)
  .option('-j, --jobs <n>', 'child processes at once', positiveInt(), availableParallelism())
  .option('-o, --out <dir>', 'where the inputs of findings are saved', 'fuzz-findings')
  .option('--timeout <s>', 'wall-clock limit of one input (validate and run), seconds', positiveInt(), FUZZ_DEFAULTS.timeoutMs / 1000)
  .option('--validate-cpu <ms>', 'CPU bound of validate, ms (over it: a finding)', positiveInt(), FUZZ_DEFAULTS.validateCpuMs)
  .option('--max-old-space <mb>', 'heap limit of each child process, MB', positiveInt(), FUZZ_DEFAULTS.maxOldSpaceMb)
  .option('--event-budget <n>', `${EVENT_BUDGET.env} of the children (runs estimated over it are refused)`, FUZZ_EVENT_BUDGET)
  .option('-q, --quiet', 'no progress line');
program.parse(process.argv);
const o = program.opts<{ count: number; first: number; seed: number; jobs: number; out: string; timeout: number; validateCpu: number; maxOldSpace: number; eventBudget: string; quiet?: boolean }>();

let shown = 0;
const summary = await runFuzz(loadBases(ROOT), {
  count: o.count,
  first: o.first,
  seed: o.seed,
  jobs: o.jobs,
  out: o.out,
  timeoutMs: o.timeout * 1000,
  validateCpuMs: o.validateCpu,
  maxOldSpaceMb: o.maxOldSpace,
  env: { [EVENT_BUDGET.env]: o.eventBudget },
  recycle: FUZZ_DEFAULTS.recycle,
  onProgress: (done, count, findings) => {
    if (o.quiet || (done - shown < Math.max(1, Math.floor(count / 100)) && done < count)) return;
    shown = done;
    process.stderr.write(`fuzz: ${done}/${count} inputs, ${findings} findings\n`);
  },
});
process.stdout.write(formatSummary(summary));
process.exitCode = summary.findings.length > 0 ? 1 : 0;
