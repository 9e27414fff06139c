/**
 * Fuzzing: mutated topology and experiment files from src/fuzz/mutate.ts (the module
 * `npm run fuzz` runs too), each of which must run or be refused by a TopologyError that
 * names the file and a path (or a line) inside it. In this process, many inputs, with
 * the size limits lowered through their environment variables so that "huge" stays
 * cheap, each under a time bound; then a bounded sample through the real command line,
 * each input in a child process with a heap and a time limit (src/fuzz/harness.ts): exit
 * 0, 2 or 3, no stack trace, `validate` within its CPU bound.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopologyFile, simulate, TopologyError } from '../src/index.js';
import { loadExperimentFile } from '../src/experiment/load.js';
import { checkEventBudget, SWEEP_PILOT_EVENTS } from '../src/runner/budget.js';
import { YEAR } from '../src/engine/units.js';
import { generateInput, loadBases, OPERATORS, type FuzzInput } from '../src/fuzz/mutate.js';
import { childEnvironment, formatSummary, FUZZ_DEFAULTS, FUZZ_EVENT_BUDGET, runFuzz } from '../src/fuzz/harness.js';
import { ROOT } from './helpers.js';

const bases = loadBases(ROOT);
/** Lowered limits: a collection of thousands is then over them, and refused in milliseconds. */
const LIMITS = { NFVSIM_MAX_ENTRIES: '300', NFVSIM_MAX_ITEMS: '4000', NFVSIM_MAX_NODES: '20000', NFVSIM_MAX_POINTS: '50', NFVSIM_EVENT_BUDGET: '2e7' };
/** Per-input time bound (ms): the pilot is capped at 200,000 events, the run at 3,000 per history. */
const BOUND_MS = 5000;

/** Loads an input as the CLI does (a file read as UTF-8), applies the event budget, runs a topology briefly; 'ran' or 'rejected', throws on anything else. */
function attempt(input: FuzzInput, file: string): 'ran' | 'rejected' {
  try {
    if (input.kind === 'experiment') {
      const exp = loadExperimentFile(file);
      checkEventBudget(
        exp.points.map((p) => p.topology.model),
        exp,
        exp.file,
        'test',
        { pilotEvents: SWEEP_PILOT_EVENTS, clockIn: exp.base.file },
      );
      return 'ran';
    }
    const t = loadTopologyFile(file);
    const horizon = Math.min(t.model.defaults.horizon, 20 * YEAR);
    checkEventBudget([t.model], { seed: 1, horizon, runs: 2 }, t.file, 'test');
    const r = simulate(t, { runs: 2, horizon, warmup: 0, maxEvents: 3000 });
    for (const s of r.results.services) {
      const a = s.availability.mean;
      if (!(a >= 0 && a <= 1)) throw new Error(`availability out of range: ${a}`);
    }
    return 'ran';
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    expect(e.file).toBe(file);
    expect(e.message).toContain(file);
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues.slice(0, 20)) {
      expect(i.path !== '' || i.line !== undefined || /cannot|expected a mapping|syntax|the file has/.test(i.message), JSON.stringify(i)).toBe(true);
      expect(i.message.length).toBeGreaterThan(0);
    }
    return 'rejected';
  }
}

describe('fuzzed input files', () => {
  let saved: NodeJS.ProcessEnv;
  beforeAll(() => {
    saved = { ...process.env };
    Object.assign(process.env, LIMITS);
  });
  afterAll(() => {
    process.env = saved;
  });

  it('inputs are the same for the same seed and number', () => {
    const a = generateInput(bases, 5, 17);
    expect(generateInput(bases, 5, 17)).toEqual(a);
    expect(generateInput(bases, 6, 17).bytes.equals(a.bytes)).toBe(false);
    expect(bases.some((b) => b.kind === 'experiment') && bases.some((b) => b.kind === 'topology')).toBe(true);
  });

  it('an operator meets what an earlier one left: an experiment whose set is a string (seed 3, input 1838)', () => {
    // The number operator replaced the experiment's whole `set` by '1e-400s'; the rate
    // operator then set a key on that string and threw, which ended a whole campaign.
    // Now the rate operator does nothing there, and says so: the file has the string.
    const input = generateInput(bases, 3, 1838);
    expect(input.kind).toBe('experiment');
    expect(input.ops).toEqual(['number set = "1e-400s"', 'rate (set is not a mapping)']);
    expect(input.bytes.toString()).toMatch(/^set: 1e-400s$/m);
  });

  it('an input does not depend on the inputs made before it (seed 3: input 6194 edits a value that input 6524 draws)', () => {
    // 6194 puts a list of 50,000 items into one of the grid values it drew; that value was
    // the fuzzer's own (not a copy), so 6524 drew it with the list, and a long campaign
    // grew its values until it ran out of memory.
    const first = generateInput(bases, 3, 6524).bytes;
    const edits = generateInput(bases, 3, 6194);
    expect(edits.ops[1]).toMatch(/^collection grid\..* = list of 50000$/);
    expect(generateInput(bases, 3, 6524).bytes.equals(first)).toBe(true);
    expect(first.length).toBeLessThan(200_000);
  });

  it('every mutated topology and experiment runs or is refused naming the file, each within a time bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-fuzz-'));
    const outcomes: Record<string, { ran: number; rejected: number }> = {};
    let slowest = { ms: 0, input: -1 };
    const drawn = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const input = generateInput(bases, 20261202, i);
      for (const o of input.ops) drawn.add(o.split(/[ :]/)[0]);
      const file = join(dir, `in-${i}${input.ext}`);
      writeFileSync(file, input.bytes);
      const started = performance.now();
      const outcome = attempt(input, file);
      const ms = performance.now() - started;
      if (ms > slowest.ms) slowest = { ms, input: i };
      expect(ms, `input ${i} (${input.ops.join('; ')}) took ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
      (outcomes[input.kind] ??= { ran: 0, rejected: 0 })[outcome]++;
      // A recursive alias never loads.
      if (input.ops.some((o) => o.startsWith('recursive alias'))) expect(outcome, input.ops.join('; ')).toBe('rejected');
    }
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(outcomes, slowest);
    // Every operator was drawn (by the first word of what it says it did; corruption says 'cut', 'N bytes', ...).
    const described: Record<string, RegExp> = { recursiveAlias: /^recursive$/, aliasBomb: /^alias$/, sharedAlias: /^(alias|shared)$/, bytes: /^(cut|\d+)$/ };
    for (const op of OPERATORS) expect([...drawn].some((d) => (described[op] ?? new RegExp(`^${op}$`)).test(d)), op).toBe(true);
    // Both outcomes occur for both kinds, or the fuzzer is not exercising anything.
    for (const kind of ['topology', 'experiment']) {
      expect(outcomes[kind].ran, kind).toBeGreaterThan(30);
      expect(outcomes[kind].rejected, kind).toBeGreaterThan(30);
    }
  });
});

describe('fuzzing through the command line (npm run fuzz)', () => {
  it('a bounded sample, each input in a child process with heap and time limits: exit 0, 2 or 3, no finding', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-fuzz-findings-'));
    const summary = await runFuzz(bases, {
      count: 40,
      seed: 20261203,
      jobs: 2,
      out,
      timeoutMs: FUZZ_DEFAULTS.timeoutMs,
      validateCpuMs: FUZZ_DEFAULTS.validateCpuMs,
      maxOldSpaceMb: FUZZ_DEFAULTS.maxOldSpaceMb,
      env: { NFVSIM_EVENT_BUDGET: FUZZ_EVENT_BUDGET },
      recycle: FUZZ_DEFAULTS.recycle,
    });
    const text = formatSummary(summary);
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(text);
    expect(summary.findings, text).toEqual([]);
    expect(summary.tried).toBe(40);
    expect(summary.codes.validate['0'] + summary.codes.validate['2']).toBe(40);
    expect(summary.codes.run['0']).toBeGreaterThan(0);
    expect(text).toMatch(/^fuzz: 40 inputs tried \(seed 20261203: .*\n {2}validate {2}exit 0 \d+, exit 2 \d+\n/);
    expect(text).toMatch(/slowest {3}input \d+: \w+ used [\d.]+ s of CPU/);
    expect(text).toMatch(/memory {4}peak \d+ MB resident/);
  });

  it("gives its children a cache of validated topologies of the campaign's own, unless one is named", () => {
    // A campaign validates thousands of inputs, each an entry: in the package's cache
    // (the 256 most recently used) they would push out the user's own topologies.
    const work = mkdtempSync(join(tmpdir(), 'nfvsim-fuzz-work-'));
    const saved = process.env.NFVSIM_CACHE;
    try {
      delete process.env.NFVSIM_CACHE;
      const env = childEnvironment(work, { NFVSIM_EVENT_BUDGET: '5' });
      expect(env.NFVSIM_CACHE).toBe(join(work, 'cache'));
      expect(existsSync(env.NFVSIM_CACHE!) && statSync(env.NFVSIM_CACHE!).isDirectory()).toBe(true);
      expect(env.NFVSIM_EVENT_BUDGET).toBe('5');
      expect(env.PATH).toBe(process.env.PATH);
      // Set but empty: as unset (empty would mean the package's cache).
      process.env.NFVSIM_CACHE = '';
      expect(childEnvironment(work, {}).NFVSIM_CACHE).toBe(join(work, 'cache'));
      process.env.NFVSIM_CACHE = 'off';
      expect(childEnvironment(work, {}).NFVSIM_CACHE).toBe('off');
      expect(childEnvironment(work, { NFVSIM_CACHE: '/elsewhere' }).NFVSIM_CACHE).toBe('/elsewhere');
    } finally {
      if (saved === undefined) delete process.env.NFVSIM_CACHE;
      else process.env.NFVSIM_CACHE = saved;
    }
  });

  it('an input the fuzzer cannot make is a finding, saved, and the campaign goes on', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-fuzz-findings-'));
    // A real base, and one whose document cannot be copied (a function in it): the inputs
    // drawn from the second throw as they are made; those from the first still run.
    const real = bases.find((b) => b.name === 'topologies/minimal.yaml')!;
    const broken = { ...real, name: 'broken', doc: { f() {} } };
    const summary = await runFuzz([real, broken], { count: 8, first: 7, seed: 9, jobs: 2, out, timeoutMs: 60_000, validateCpuMs: 2000, maxOldSpaceMb: 512, env: { NFVSIM_EVENT_BUDGET: FUZZ_EVENT_BUDGET }, recycle: 10 });
    const text = formatSummary(summary);
    expect(summary.tried, text).toBe(8);
    const made = Object.values(summary.codes.validate ?? {}).reduce((a, n) => a + n, 0);
    const failed = summary.codes.generate?.error ?? 0;
    expect(made, text).toBeGreaterThan(0);
    expect(failed, text).toBeGreaterThan(0);
    expect(made + failed, text).toBe(8);
    // Every finding is one the fuzzer could not make; the inputs made ran to an answer.
    expect(summary.findings.length, text).toBe(failed);
    expect(summary.findings.every((f) => f.command === 'generate' && /^the fuzzer threw: /.test(f.what)), text).toBe(true);
    const f = summary.findings[0];
    const saved = readFileSync(f.file!, 'utf8');
    expect(saved).toContain(`input ${f.index} of seed 9: the fuzzer could not make it`);
    expect(saved).toContain(`m.generateInput(m.loadBases('.'), 9, ${f.index})`);
    expect(saved).toContain(`npm run fuzz -- --seed 9 --first ${f.index} --count 1`);
    expect(text).toMatch(new RegExp(`generate  error ${failed}\\n`));
    expect(text).toMatch(new RegExp(`\\n {4}input ${f.index}: the fuzzer threw: .* -> .*seed-9-input-${f.index}\\.generate\\.txt\\n`));
  });
});
