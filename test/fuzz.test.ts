/**
 * Property-based fuzzing of topology input: thousands of mutated topology files, each
 * of which must either run or be rejected by a TopologyError that names the file and
 * a path (or a line) inside it. Any other exception fails the test. A cap on events
 * per history keeps a mutated "1ms" time to failure from hanging the run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadTopologyText, simulate, TopologyError } from '../src/index.js';
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
