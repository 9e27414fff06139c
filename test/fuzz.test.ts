/**
 * Property-based fuzzing of topology input: thousands of mutated topology files, each
 * of which must either run or be rejected by a TopologyError that names the file and
 * a path (or a line) inside it. Any other exception fails the test. A cap on events
 * per history keeps a mutated "1ms" time to failure from hanging the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isMap, isSeq, parse, Scalar, stringify, YAMLSeq } from 'yaml';
import { loadTopologyFile, loadTopologyText, simulate, TopologyError } from '../src/index.js';
import { checkEventBudget } from '../src/runner/budget.js';
import { ROOT } from './helpers.js';

const FILE = 'fuzzed.yaml';
// The benchmark models (hundreds of identical groups) add size, not variety.
const isBase = (f: string) => /\.(ya?ml|json)$/.test(f) && !/^b\d-/.test(f);
const bases: unknown[] = readdirSync(join(ROOT, 'topologies'))
  .filter(isBase)
  .map((f) => parse(readFileSync(join(ROOT, 'topologies', f), 'utf8')));

type Json = unknown;

/** Every path to a node of `doc`. */
function paths(doc: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix);
  if (Array.isArray(doc)) doc.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (doc && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) paths(v, [...prefix, k], out);
  return out;
}

function getIn(doc: any, path: Array<string | number>) {
  return path.reduce((d, k) => (d == null ? undefined : d[k]), doc);
}

const NASTY_VALUES: Json[] = [
  0, -1, 1, 2, 3, 1e9, -1e9, 0.5, 1e308, NaN, null, true, false, '', 'abc', '1ms', '0s', '-1h', '1e400h', '1y', '10',
  '200ms', '1e-9s', [], {}, ['x'], { dist: 'exponential', mean: '1ms' }, { dist: 'weibull', shape: 0.001, scale: '1h' },
  { dist: 'lognormal', mean: '1h', cv: 1e200 }, { dist: 'uniform', min: '0s', max: '0s' }, { dist: 'empirical', values: [] },
  { dist: 'deterministic', value: '0s' }, '__proto__', 'constructor', 'compute-1', 'rack-a', 'vMME',
];
const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'x', '1', 'compute', 'k', 'layer', ''];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...NASTY_VALUES) }),
  fc.record({ op: fc.constant('setNum' as const), at: fc.nat(), value: fc.double({ noNaN: false }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('rename' as const), at: fc.nat(), key: fc.constantFrom(...NASTY_KEYS) }),
  fc.record({ op: fc.constant('copy' as const), at: fc.nat(), from: fc.nat() }),
  // Plausible edits, so that many mutants still run: another duration, another small count.
  fc.record({ op: fc.constant('duration' as const), at: fc.nat(), n: fc.constantFrom(0, 1, 2, 5, 30, 100, 1e4), unit: fc.constantFrom('ms', 's', 'm', 'h', 'd', 'y') }),
  fc.record({ op: fc.constant('int' as const), at: fc.nat(), n: fc.integer({ min: 0, max: 7 }) }),
);

function mutate(doc: any, m: any): void {
  let all = paths(doc).filter((p) => p.length > 0);
  if (m.op === 'duration') all = all.filter((p) => typeof getIn(doc, p) === 'string' && /^\d/.test(getIn(doc, p)));
  if (m.op === 'int') all = all.filter((p) => typeof getIn(doc, p) === 'number');
  if (all.length === 0) return;
  const path = all[m.at % all.length];
  const parent = getIn(doc, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent == null || typeof parent !== 'object') return;
  switch (m.op) {
    case 'set':
    case 'setNum':
      parent[key] = structuredClone(m.value);
      break;
    case 'duration':
      parent[key] = `${m.n}${m.unit}`;
      break;
    case 'int':
      parent[key] = m.n;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        const v = parent[key];
        delete parent[key];
        Object.defineProperty(parent, m.key, { value: v, enumerable: true, configurable: true, writable: true });
      }
      break;
    case 'copy':
      parent[key] = structuredClone(getIn(doc, all[m.from % all.length]));
      break;
  }
}

/** Runs one input as the CLI would; returns 'ran' or 'rejected', throws on anything else. */
function attempt(text: string): 'ran' | 'rejected' {
  try {
    const t = loadTopologyText(text, FILE);
    const r = simulate(t, { runs: 2, horizon: Math.min(t.model.defaults.horizon, 20 * 365 * 86400), warmup: 0, maxEvents: 3000 });
    for (const s of r.results.services) {
      const a = s.availability.mean;
      if (!(a >= 0 && a <= 1)) throw new Error(`availability out of range: ${a}`);
    }
    return 'ran';
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    expect(e.file).toBe(FILE);
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) {
      expect(i.path !== '' || i.line !== undefined || /cannot|expected a mapping|syntax/.test(i.message), JSON.stringify(i)).toBe(true);
      expect(i.message.length).toBeGreaterThan(0);
    }
    expect(e.message).toContain(FILE);
    return 'rejected';
  }
}

describe('fuzzed topology files', () => {
  it('structural mutations either run or are rejected with file and path', () => {
    const outcomes = { ran: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, muts) => {
        const doc = structuredClone(bases[b]);
        for (const m of muts) mutate(doc, m);
        outcomes[attempt(stringify(doc, { aliasDuplicateObjects: false }))]++;
      }),
      { numRuns: 2500, seed: 20261121 },
    );
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(outcomes);
    // Both outcomes must occur, or the fuzzer is not exercising anything.
    expect(outcomes.ran).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it('text mutations (cut, duplicated or garbled bytes) either run or are rejected with file and line', () => {
    const texts = readdirSync(join(ROOT, 'topologies'))
      .filter(isBase)
      .map((f) => readFileSync(join(ROOT, 'topologies', f), 'utf8'));
    fc.assert(
      fc.property(
        fc.nat(texts.length - 1),
        fc.nat(),
        fc.nat(40),
        fc.constantFrom('', ':', '{', ']', '- ', '\t', '&a *a', '"', "'", '\n  x: 1\n', '#', '!!binary x', '<<: *a'),
        (t, at, len, insert) => {
          const text = texts[t];
          const i = at % text.length;
          attempt(text.slice(0, i) + insert + text.slice(i + len));
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });
});

/**
 * Hostile and careless input: operators that build recursive and exploding aliases, huge
 * and non-finite numbers, huge collections, pathological rates and corrupted bytes. Each
 * input goes through the loader and the run-time checks the CLI applies (the event
 * budget's pilot, then a short capped run), under a time bound; a sample goes through
 * the real CLI. Every input must run or be refused with a TopologyError naming the file.
 * The size limits are lowered through their environment variables, so that "huge" stays
 * cheap; one test in cli.test.ts meets the default limits with a 20,000-key mapping.
 */
describe('hostile input', () => {
  const LIMITS = { NFVSIM_MAX_ENTRIES: '300', NFVSIM_MAX_NODES: '20000', NFVSIM_MAX_POINTS: '50', NFVSIM_EVENT_BUDGET: '2e7' };
  /** Per-input time bound (ms): the pilot is capped at 200,000 events, the run at 3,000 per history. */
  const BOUND_MS = 5000;
  type Op = 'recursive' | 'bomb' | 'number' | 'collection' | 'rate' | 'bytes';

  /** A YAML document of `doc` with its node at `path` made to contain an alias of itself. */
  function recursive(doc: Json, path: Array<string | number>): string {
    const d = new Document(doc, { aliasDuplicateObjects: false });
    const node = path.length === 0 ? d.contents : d.getIn(path, true);
    if (isMap(node)) node.set('again', d.createAlias(node, 'self'));
    else if (isSeq(node)) node.add(d.createAlias(node, 'self'));
    else return d.toString() + 'x: &self [*self]\n';
    return d.toString();
  }

  /** A YAML document of `doc` with a list of `levels` lists of `width` aliases of the one before set at `path`. */
  function bomb(doc: Json, path: Array<string | number>, levels: number, width: number): string {
    const d = new Document(doc, { aliasDuplicateObjects: false });
    const chain = new YAMLSeq();
    let prev: YAMLSeq | undefined;
    for (let l = 0; l < levels; l++) {
      const s = new YAMLSeq();
      for (let i = 0; i < width; i++) s.add(prev ? d.createAlias(prev, `b${l - 1}`) : new Scalar('1h'));
      s.anchor = `b${l}`;
      chain.add(s);
      prev = s;
    }
    if (path.length === 0) d.set('bomb', chain);
    else d.setIn(path, chain);
    return d.toString();
  }

  const HUGE: Json[] = [1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1e-320, '1e400y', '1e309s', '9e15y', '1.1e9y', '1e9y', '1e-400s', '0.0000001ms', 1e21, -0, '.inf', '-.inf', '.nan'];
  const RATES: Json[] = ['1ms', '0.001ms', '1e-9s', { dist: 'exponential', mean: '1ms' }, { dist: 'weibull', shape: 0.01, scale: '1h' }, { dist: 'exponential', rate: '1e9/s' }];

  /** Builds one hostile input: its bytes, from a base document and the operator's draws. */
  function build(op: Op, b: number, at: number, pick: number, size: number): Buffer {
    const doc = structuredClone(bases[b]) as any;
    const all = paths(doc).filter((p) => p.length > 0);
    const path = all[at % all.length];
    switch (op) {
      case 'recursive': {
        const colls = [[], ...all.filter((p) => typeof getIn(doc, p) === 'object' && getIn(doc, p) !== null)];
        return Buffer.from(recursive(doc, colls[at % colls.length]));
      }
      case 'bomb':
        return Buffer.from(bomb(doc, path, 2 + (size % 8), 2 + (pick % 12)));
      case 'number': {
        const leaves = all.filter((p) => typeof getIn(doc, p) !== 'object');
        const p = leaves[at % leaves.length];
        const v = HUGE[pick % HUGE.length];
        getIn(doc, p.slice(0, -1))[p[p.length - 1]] = v;
        // '.inf' and friends must reach the parser as YAML, not as quoted strings.
        return Buffer.from(stringify(doc, { aliasDuplicateObjects: false }).replace(/'(\.inf|-\.inf|\.nan)'/g, '$1'));
      }
      case 'collection': {
        const n = 250 + (size % 200);
        const parent = getIn(doc, path.slice(0, -1));
        if (pick % 2 === 0) parent[path[path.length - 1]] = Array.from({ length: n }, (_, i) => `x${i}`);
        else parent[path[path.length - 1]] = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { count: i }]));
        return Buffer.from(stringify(doc, { aliasDuplicateObjects: false }));
      }
      case 'rate': {
        // A pathological clock: a duration made tiny, a failure mode made common, an upgrade every millisecond.
        const comps = Object.keys(doc.components ?? {});
        const c = doc.components?.[comps[pick % Math.max(1, comps.length)]];
        const mode = c?.failures && Object.values(c.failures)[0];
        if (size % 3 === 0 && mode) Object.assign(mode, { ttf: { dist: 'exponential', mean: '1ms' }, common: true, beta: undefined });
        else if (size % 3 === 1 && doc.vnfs) doc.upgrades = { u: { target: Object.keys(doc.vnfs)[0], every: '1ms', step: '1s' } };
        else {
          const durs = all.filter((p) => typeof getIn(doc, p) === 'string' && /^\d/.test(getIn(doc, p)));
          const p = durs[at % Math.max(1, durs.length)] ?? path;
          getIn(doc, p.slice(0, -1))[p[p.length - 1]] = structuredClone(RATES[pick % RATES.length]);
        }
        return Buffer.from(stringify(JSON.parse(JSON.stringify(doc)), { aliasDuplicateObjects: false }));
      }
      case 'bytes': {
        const text = Buffer.from(stringify(doc, { aliasDuplicateObjects: false }));
        const out = Buffer.from(text);
        // Flip, zero or set high bits in a few bytes; sometimes cut the file short.
        for (let i = 0; i < 1 + (size % 3); i++) {
          const j = (at + i * 7919 + pick * 104729) % out.length;
          out[j] = [0x00, 0xff, 0xc3, 0x80, out[j] ^ 0x20, 0x7b, 0x5b, 0x26, 0x2a][(pick + i) % 9];
        }
        return size % 4 === 0 ? out.subarray(0, at % out.length) : out;
      }
    }
  }

  /** Loads the bytes as the CLI does (a file read as UTF-8), applies the event budget, runs briefly. */
  function hostileAttempt(file: string): 'ran' | 'rejected' {
    try {
      const t = loadTopologyFile(file);
      const horizon = Math.min(t.model.defaults.horizon, 20 * 365 * 86400);
      checkEventBudget([t.model], { seed: 1, horizon, runs: 2 }, t.file, 'test');
      simulate(t, { runs: 2, horizon, warmup: 0, maxEvents: 3000 });
      return 'ran';
    } catch (e) {
      if (!(e instanceof TopologyError)) throw e;
      expect(e.file).toBe(file);
      expect(e.message).toContain(file);
      for (const i of e.issues) expect(i.message.length).toBeGreaterThan(0);
      return 'rejected';
    }
  }

  const op = fc.constantFrom<Op>('recursive', 'bomb', 'number', 'collection', 'rate', 'bytes');
  const input = fc.tuple(op, fc.nat(bases.length - 1), fc.nat(), fc.nat(), fc.nat());

  it('every operator ends in a run or a refusal naming the file, within a time bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-hostile-'));
    const file = join(dir, 'hostile.yaml');
    const saved = { ...process.env };
    Object.assign(process.env, LIMITS);
    const outcomes: Record<string, { ran: number; rejected: number }> = {};
    let slowest = { ms: 0, op: '' };
    try {
      fc.assert(
        fc.property(input, ([o, b, at, pick, size]) => {
          writeFileSync(file, build(o, b, at, pick, size));
          const started = performance.now();
          const outcome = hostileAttempt(file);
          const ms = performance.now() - started;
          if (ms > slowest.ms) slowest = { ms, op: o };
          expect(ms, `${o} took ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
          (outcomes[o] ??= { ran: 0, rejected: 0 })[outcome]++;
        }),
        { numRuns: 300, seed: 20261202 },
      );
    } finally {
      process.env = saved;
    }
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(outcomes, slowest);
    for (const o of ['recursive', 'bomb', 'collection'] as const) {
      expect(outcomes[o].rejected, o).toBeGreaterThan(0);
      expect(outcomes[o].ran, `${o} never runs`).toBe(0);
    }
    expect(outcomes.rate.rejected).toBeGreaterThan(0);
    expect(outcomes.number.ran + outcomes.bytes.ran).toBeGreaterThan(0);
  });

  it('a sample of each operator through the real CLI: exit 0, 2 or 3, the file named, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-hostile-cli-'));
    const codes: Record<string, number[]> = {};
    // One input of each operator.
    const ops: Op[] = ['recursive', 'bomb', 'number', 'collection', 'rate', 'bytes'];
    const draws = fc.sample(fc.tuple(fc.nat(bases.length - 1), fc.nat(), fc.nat(), fc.nat()), { numRuns: ops.length, seed: 42 });
    for (const [k, [b, at, pick, size]] of draws.entries()) {
      const o = ops[k % ops.length];
      const file = join(dir, `${o}.yaml`);
      writeFileSync(file, build(o, b, at, pick, size));
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/nfvsim.js'), 'run', file, '--runs', '2', '--jobs', '1', '--horizon', '2y', '--no-progress'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, ...LIMITS },
      });
      (codes[o] ??= []).push(r.status ?? -1);
      expect([0, 2, 3], `${o}: ${r.stderr}`).toContain(r.status);
      if (r.status === 2) expect(r.stderr).toContain(file);
      expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    }
    if (process.env.NFVSIM_TEST_VERBOSE) console.log(codes);
  });
});
