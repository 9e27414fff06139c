/**
 * Running mutated inputs (src/fuzz/mutate.ts) through the real command line, each in a
 * child process (src/fuzz/child.ts) with a heap limit (--max-old-space-size) and a time
 * limit per input: `validate`, then a small `run` (2 runs x 1 y, one thread) of a
 * topology or a small `sweep` (2 runs x 1 y per point) of an experiment. Exit codes 0, 2
 * and 3 are answers; anything else is a finding: exit 70 (an internal error), another
 * code, a stack trace on stderr, a child killed by a signal or out of memory, an input
 * past its time limit, a `validate` over its CPU bound. Each finding's input is saved
 * with what happened, to reproduce it. `jobs` children run at once; each handles many
 * inputs (forking one per input would cost more than most inputs) and is replaced after
 * a crash, a time-out or `recycle` inputs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInput, type FuzzBase, type FuzzInput } from './mutate.js';

/** What the parent sends: one input to run, or `stop`. */
export type ChildRequest = { type: 'input'; index: number; kind: 'topology' | 'experiment'; file: string; out: string } | { type: 'stop' };

/** One command's outcome. */
export interface CommandOutcome {
  /** `validate`, `run` or `sweep`. */
  command: string;
  /** The exit code main() returned, or 70 for an exception that escaped it (as bin/nfvsim.js). */
  code: number;
  /** CPU time (user + system, all threads of the child) in milliseconds. */
  cpuMs: number;
  /** The child's peak resident memory so far (kB), read when the command ended. */
  maxRssKb: number;
  /** The command's stderr (the first 4,000 characters). */
  stderr: string;
}

/** What the child answers for one input. */
export interface ChildReply {
  index: number;
  outcomes: CommandOutcome[];
}

/** The arguments `nfvsim` gets for each command of an input: validate, then a small run or sweep. */
export function fuzzCommands(kind: 'topology' | 'experiment', file: string, out: string): string[][] {
  const second =
    kind === 'topology'
      ? ['run', file, '--runs', '2', '--horizon', '1y', '--jobs', '1', '--no-progress']
      : ['sweep', file, '--out', out, '--jobs', '1', '--no-charts', '--no-progress'];
  return [['validate', file], second];
}

/** The compiled child, resolved from the package root (so this module also works from the TypeScript sources in tests). */
const CHILD = new URL('../../dist/fuzz/child.js', import.meta.url);

/** Settings of a fuzzing session. */
export interface FuzzOptions {
  /** Inputs to try: numbers `first`, `first + 1`, ... (default first: 0). */
  count: number;
  first?: number;
  seed: number;
  /** Child processes at once. */
  jobs: number;
  /** Where findings are saved (created when there is one). */
  out: string;
  /** Wall-clock limit of one input (both commands), ms; past it the child is killed: a finding. */
  timeoutMs: number;
  /** CPU bound of `validate` (ms): over it is a finding. */
  validateCpuMs: number;
  /** Heap limit of each child (MB). */
  maxOldSpaceMb: number;
  /** Environment of the children on top of this process's (e.g. a lower NFVSIM_EVENT_BUDGET). */
  env: Record<string, string>;
  /** Inputs a child handles before it is replaced. */
  recycle: number;
  /** Called after each input with the inputs done. */
  onProgress?: (done: number, count: number, findings: number) => void;
}

/** An input that did not end in an answer. */
export interface FuzzFinding {
  index: number;
  base: string;
  ops: string[];
  /**
   * The command that failed (`validate`, `run`, `sweep`), `input` when the child died
   * without saying which, or `generate` when the fuzzer itself could not make the input.
   */
  command: string;
  /** What happened: `exit 70`, `exit 1`, `stack trace`, `timeout`, `slow validate`, `crash (SIGABRT)`, `the fuzzer threw: ...`. */
  what: string;
  /** Where the input is saved (with a `.txt` beside it that says what happened), when it was; for `generate`, the `.txt` itself. */
  file?: string;
}

/** The figures of a session. */
export interface FuzzSummary {
  tried: number;
  seed: number;
  /** Exit codes by command: `validate` -> `0` -> count; `timeout` and `crash` are classes too. */
  codes: Record<string, Record<string, number>>;
  /** Inputs by kind (topology, experiment). */
  kinds: Record<string, number>;
  findings: FuzzFinding[];
  /** The command that used most CPU. */
  slowest: { index: number; command: string; cpuMs: number; base: string; ops: string[] } | null;
  /** The highest peak resident memory of a child, and the input during which it was reached. */
  peak: { index: number; maxRssKb: number; base: string; ops: string[] } | null;
  /** The most CPU `validate` took. */
  slowestValidateMs: number;
  wallMs: number;
}

/**
 * The event budget of the fuzz's runs (NFVSIM_EVENT_BUDGET of the children): low, so that
 * every run accepted is short (a run over it must be refused up front), and a run that
 * takes long is a wrong estimate.
 */
export const FUZZ_EVENT_BUDGET = '1e7';

/** Defaults of `npm run fuzz`, also used by the bounded sample of the test. */
export const FUZZ_DEFAULTS = { seed: 1, timeoutMs: 60_000, validateCpuMs: 2000, maxOldSpaceMb: 1024, recycle: 500 };

/** Exit codes that are answers: success, bad input, a target not met. */
export const ANSWER_CODES: readonly number[] = [0, 2, 3];

/** What is wrong with a command's outcome, or null when it is an answer. */
export function outcomeProblem(o: CommandOutcome, validateCpuMs: number): string | null {
  if (!ANSWER_CODES.includes(o.code)) return `exit ${o.code}`;
  if (/\n\s+at .+(\(|:\d+:\d+)/.test(o.stderr) || /internal error/.test(o.stderr)) return 'stack trace';
  if (o.command === 'validate' && o.cpuMs > validateCpuMs) return 'slow validate';
  return null;
}

/** The command line that reproduces an input's commands (with the children's environment). */
function reproduction(input: FuzzInput, file: string, env: Record<string, string>): string {
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  return fuzzCommands(input.kind, file, `${file}.out`)
    .map((args) => `${vars}./bin/nfvsim.js ${args.join(' ')}`)
    .join('\n');
}

/** Saves a finding's input and what happened beside it; returns the input's path. */
function saveFinding(out: string, seed: number, input: FuzzInput, what: string, detail: string, env: Record<string, string>): string {
  mkdirSync(out, { recursive: true });
  const file = join(out, `seed-${seed}-input-${input.index}${input.ext}`);
  writeFileSync(file, input.bytes);
  const note = [`input ${input.index} of seed ${seed}: ${input.kind} from ${input.base}`, `operators: ${input.ops.join('; ')}`, `finding: ${what}`, '', 'reproduce:', reproduction(input, file, env), '', detail, ''];
  writeFileSync(`${file}.txt`, note.join('\n'));
  return file;
}

/**
 * The children's environment: this process's, with the cache of validated topologies in
 * the campaign's work directory `work` (created here; removed with it at the end), so
 * that a campaign's thousands of inputs neither evict the user's entries from the
 * package's cache (it keeps the most recently used 256) nor leave theirs in it, then
 * `extra` on top. An NFVSIM_CACHE set (not empty) in this process's environment or in `extra` wins.
 * The cache's code still runs: an input `validate` accepts is read back by its `run`.
 */
export function childEnvironment(work: string, extra: Record<string, string>): Record<string, string | undefined> {
  const cache = join(work, 'cache');
  mkdirSync(cache, { recursive: true });
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  // Unset or empty: the campaign's own (an empty NFVSIM_CACHE would mean the package's).
  if (!env.NFVSIM_CACHE) env.NFVSIM_CACHE = cache;
  return env;
}

/**
 * Runs `opts.count` inputs of `bases` through the command line, `opts.jobs` child
 * processes at once, and returns the figures. Inputs are made here, in order, from
 * (seed, number): the figures other than times do not depend on `jobs`.
 */
export async function runFuzz(bases: readonly FuzzBase[], opts: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'nfvsim-fuzz-'));
  const first = opts.first ?? 0;
  const summary: FuzzSummary = { tried: 0, seed: opts.seed, codes: {}, kinds: {}, findings: [], slowest: null, peak: null, slowestValidateMs: 0, wallMs: 0 };
  const count = (command: string, cls: string) => {
    const c = (summary.codes[command] ??= {});
    c[cls] = (c[cls] ?? 0) + 1;
  };
  const finding = (input: FuzzInput, command: string, what: string, detail: string) => {
    summary.findings.push({ index: input.index, base: input.base, ops: input.ops, command, what, file: saveFinding(opts.out, opts.seed, input, what, detail, opts.env) });
  };
  /** An input the mutators could not make: what they threw, saved as `seed-S-input-I.generate.txt`. */
  const generateFinding = (index: number, e: unknown) => {
    mkdirSync(opts.out, { recursive: true });
    const file = join(opts.out, `seed-${opts.seed}-input-${index}.generate.txt`);
    const stack = e instanceof Error ? (e.stack ?? e.message) : String(e);
    const make = `node -e "import('./dist/fuzz/mutate.js').then((m) => m.generateInput(m.loadBases('.'), ${opts.seed}, ${index}))"`;
    writeFileSync(file, [`input ${index} of seed ${opts.seed}: the fuzzer could not make it`, '', 'reproduce (in the package, built):', make, `or: npm run fuzz -- --seed ${opts.seed} --first ${index} --count 1`, '', stack, ''].join('\n'));
    summary.findings.push({ index, base: '(none)', ops: [], command: 'generate', what: `the fuzzer threw: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200), file });
  };
  const record = (input: FuzzInput, reply: ChildReply) => {
    for (const o of reply.outcomes) {
      count(o.command, String(o.code));
      if (o.cpuMs > (summary.slowest?.cpuMs ?? -1)) summary.slowest = { index: input.index, command: o.command, cpuMs: o.cpuMs, base: input.base, ops: input.ops };
      if (o.maxRssKb > (summary.peak?.maxRssKb ?? -1)) summary.peak = { index: input.index, maxRssKb: o.maxRssKb, base: input.base, ops: input.ops };
      if (o.command === 'validate') summary.slowestValidateMs = Math.max(summary.slowestValidateMs, o.cpuMs);
      const problem = outcomeProblem(o, opts.validateCpuMs);
      if (problem) finding(input, o.command, problem, `${o.command}: exit ${o.code}, ${o.cpuMs.toFixed(0)} ms CPU, peak ${(o.maxRssKb / 1024).toFixed(0)} MB\nstderr:\n${o.stderr}`);
    }
  };

  let next = first;
  const end = first + opts.count;
  const env = childEnvironment(work, opts.env);

  /** One child: takes inputs until none are left; replaced after a crash, a time-out or `recycle` inputs. */
  const lane = async (lane: number): Promise<void> => {
    const dir = join(work, `lane-${lane}`);
    mkdirSync(dir, { recursive: true });
    let child: ChildProcess | undefined;
    let handled = 0;
    /** A new child, once it says it is ready (its message listener attached); undefined if it died first. */
    const spawnChild = async (): Promise<ChildProcess | undefined> => {
      handled = 0;
      const c = fork(CHILD, [], { execArgv: [`--max-old-space-size=${opts.maxOldSpaceMb}`], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      const ready = await new Promise<boolean>((resolve) => {
        c.once('message', () => resolve(true));
        c.once('exit', () => resolve(false));
      });
      c.removeAllListeners('message');
      c.removeAllListeners('exit');
      return ready ? c : undefined;
    };
    while (next < end) {
      const index = next++;
      let input: FuzzInput;
      try {
        input = generateInput(bases, opts.seed, index);
      } catch (e) {
        // A fault of the fuzzer's own (an operator that met a document it did not expect):
        // a finding like any other, so that the inputs already tried keep their figures.
        summary.tried++;
        count('generate', 'error');
        generateFinding(index, e);
        opts.onProgress?.(summary.tried, opts.count, summary.findings.length);
        continue;
      }
      summary.kinds[input.kind] = (summary.kinds[input.kind] ?? 0) + 1;
      const file = join(dir, `input-${index}${input.ext}`);
      writeFileSync(file, input.bytes);
      if (!child || handled >= opts.recycle) {
        child?.send({ type: 'stop' } satisfies ChildRequest);
        child = await spawnChild();
        if (!child) throw new Error(`cannot start the fuzzing child process ${CHILD.pathname} (is the package built?)`);
      }
      const c = child;
      handled++;
      let stderr = '';
      c.stderr!.on('data', (d) => {
        if (stderr.length < 4000) stderr += d;
      });
      const outcome = await new Promise<{ reply?: ChildReply; death?: string }>((resolve) => {
        const timer = setTimeout(() => {
          c.kill('SIGKILL');
          resolve({ death: 'timeout' });
        }, opts.timeoutMs);
        const onMessage = (m: ChildReply) => done({ reply: m });
        const onExit = (code: number | null, signal: string | null) => done({ death: signal ? `crash (${signal})` : `crash (exit ${code})` });
        const done = (o: { reply?: ChildReply; death?: string }) => {
          clearTimeout(timer);
          c.off('message', onMessage);
          c.off('exit', onExit);
          resolve(o);
        };
        c.on('message', onMessage);
        c.on('exit', onExit);
        c.send({ type: 'input', index, kind: input.kind, file, out: join(dir, `out-${index}`) } satisfies ChildRequest);
      });
      c.stderr!.removeAllListeners('data');
      summary.tried++;
      if (outcome.reply) record(input, outcome.reply);
      else {
        count('input', outcome.death!.replace(/ \(.*/, ''));
        finding(input, 'input', outcome.death!, `the child ${outcome.death === 'timeout' ? `was killed after ${opts.timeoutMs} ms` : 'died'}\nchild stderr:\n${stderr}`);
        child = undefined;
      }
      rmSync(file, { force: true });
      rmSync(join(dir, `out-${index}`), { recursive: true, force: true });
      opts.onProgress?.(summary.tried, opts.count, summary.findings.length);
    }
    child?.send({ type: 'stop' } satisfies ChildRequest);
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, (_, i) => lane(i)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  summary.findings.sort((a, b) => a.index - b.index);
  summary.wallMs = Date.now() - started;
  return summary;
}

/** The figures as text: inputs tried, exit codes by command and class, findings, the slowest input and the peak memory. */
export function formatSummary(s: FuzzSummary): string {
  const kinds = Object.entries(s.kinds).map(([k, n]) => `${n.toLocaleString('en-US')} ${k} file${n === 1 ? '' : 's'}`);
  const lines = [`fuzz: ${s.tried.toLocaleString('en-US')} input${s.tried === 1 ? '' : 's'} tried (seed ${s.seed}${kinds.length > 0 ? `: ${kinds.join(', ')}` : ''}) in ${(s.wallMs / 1000).toFixed(0)} s`];
  for (const [command, codes] of Object.entries(s.codes)) {
    const byClass = Object.entries(codes)
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([c, n]) => `${/^\d+$/.test(c) ? `exit ${c}` : c} ${n.toLocaleString('en-US')}`);
    lines.push(`  ${command.padEnd(9)} ${byClass.join(', ')}`);
  }
  lines.push(`  findings  ${s.findings.length}${s.findings.length > 0 ? ' (inputs saved; see the .txt beside each):' : ''}`);
  for (const f of s.findings.slice(0, 30)) {
    if (f.command === 'generate') lines.push(`    input ${f.index}: ${f.what.slice(0, 160)} -> ${f.file}`);
    else lines.push(`    input ${f.index} (${f.base}; ${f.ops.join('; ').slice(0, 120)}): ${f.command} ${f.what}${f.file ? ` -> ${f.file}` : ''}`);
  }
  if (s.findings.length > 30) lines.push(`    ... and ${s.findings.length - 30} more`);
  if (s.slowest) lines.push(`  slowest   input ${s.slowest.index}: ${s.slowest.command} used ${(s.slowest.cpuMs / 1000).toFixed(2)} s of CPU (${s.slowest.base}; ${s.slowest.ops.join('; ').slice(0, 120)}); slowest validate ${(s.slowestValidateMs / 1000).toFixed(2)} s`);
  if (s.peak) lines.push(`  memory    peak ${(s.peak.maxRssKb / 1024).toFixed(0)} MB resident in a child, reached in input ${s.peak.index} (${s.peak.base}; ${s.peak.ops.join('; ').slice(0, 120)})`);
  return lines.join('\n') + '\n';
}
