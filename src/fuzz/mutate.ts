/**
 * Mutated input files for fuzzing: topology files (topologies/*.yaml) and experiment
 * files (experiments/*.yaml), each made from a shipped file by one to three operators.
 * Plain structural edits (a value replaced, a key deleted, renamed or copied, another
 * duration) keep many inputs valid, so the simulation runs; hostile operators build what
 * careless or hostile users write: recursive and exploding YAML aliases, huge and
 * non-finite numbers and durations, huge collections, grids and mappings, pathological
 * clocks (a 1 ms common-cause clock, an upgrade every millisecond, a Weibull shape of
 * 0.01) and byte-level corruption.
 *
 * Input `i` of seed `s` depends on (s, i) and the shipped files alone, so any input can
 * be made again by its number. No dependency beyond `yaml`: the test and `npm run fuzz`
 * (src/fuzz/main.ts) both import this module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Document, isMap, isSeq, parse, Scalar, stringify, YAMLSeq } from 'yaml';

/** A small, fast, seeded generator (mulberry32) of numbers in [0, 1). */
export class FuzzRandom {
  private state: number;

  /** A generator for input `index` of `seed`: the same pair always gives the same numbers. */
  constructor(seed: number, index = 0) {
    let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca6b) ^ 0x2545f491) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    this.state = (h ^ (h >>> 15)) >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [0, n) (0 when n <= 0). */
  int(n: number): number {
    return n > 0 ? Math.floor(this.next() * n) : 0;
  }

  /** One element of `xs` (a non-empty list). */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** What a fuzz input is made from: a shipped topology or experiment file, parsed. */
export interface FuzzBase {
  kind: 'topology' | 'experiment';
  /** The shipped file it comes from, relative to the repository, e.g. `topologies/default.yaml`. */
  name: string;
  /** The parsed document (an experiment's `base` made absolute, its runs and horizon made small). */
  doc: unknown;
  /** Paths of the leaves of the experiment's base topology (`vnfs.f.instances`), for grid keys; [] for topologies. */
  parameters: string[];
}

/** One mutated input. */
export interface FuzzInput {
  /** Its number: `generateInput(bases, seed, index)` makes it again. */
  index: number;
  kind: FuzzBase['kind'];
  /** The shipped file it was made from. */
  base: string;
  /** The operators applied, in order, with what each did, e.g. `rate: upgrade every 1ms`. */
  ops: string[];
  /** File extension to save it under: `.yaml`, or `.json` when written as JSON. */
  ext: '.yaml' | '.json';
  bytes: Buffer;
}

/** Runs and horizon of a mutated experiment before its operators (a small sweep, like `run --runs 2 --horizon 1y`). */
export const EXPERIMENT_RUNS = 2;
/** See EXPERIMENT_RUNS. */
export const EXPERIMENT_HORIZON = '1y';

type Key = string | number;
type Path = Key[];
type Json = any;

/** Every path to a node of `doc` (the root is []). */
export function paths(doc: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(doc)) doc.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (doc && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) paths(v, [...prefix, k], out);
  return out;
}

/** The node of `doc` at `path` (undefined when there is none). */
export function getIn(doc: Json, path: Path): Json {
  return path.reduce((d, k) => (d == null ? undefined : d[k]), doc);
}

/** Sets the node at `path` (a non-empty path whose parent exists) to `value`. */
function setIn(doc: Json, path: Path, value: Json): void {
  const parent = getIn(doc, path.slice(0, -1));
  if (parent != null && typeof parent === 'object') parent[path[path.length - 1]] = value;
}

/** The shipped files the fuzzer mutates: topologies and experiments below `root` (the benchmark models, b1-, b2-, add size, not variety). */
export function loadBases(root: string): FuzzBase[] {
  const yamlFiles = (dir: string) =>
    readdirSync(join(root, dir))
      .filter((f) => /\.(ya?ml|json)$/.test(f) && !/^b\d-/.test(f))
      .sort()
      .map((f) => join(dir, f));
  const bases: FuzzBase[] = yamlFiles('topologies').map((name) => ({ kind: 'topology', name, doc: parse(readFileSync(join(root, name), 'utf8')), parameters: [] }));
  for (const name of yamlFiles('experiments')) {
    const doc = parse(readFileSync(join(root, name), 'utf8'));
    if (!doc || typeof doc !== 'object' || typeof doc.base !== 'string') continue;
    // Saved elsewhere, the experiment must still find its base topology.
    doc.base = resolve(dirname(join(root, name)), doc.base);
    Object.assign(doc, { runs: EXPERIMENT_RUNS, horizon: EXPERIMENT_HORIZON });
    delete doc.warmup;
    const top = parse(readFileSync(doc.base, 'utf8'));
    const parameters = paths(top)
      .filter((p) => p.length > 1 && (typeof getIn(top, p) !== 'object' || getIn(top, p) === null))
      .map((p) => p.join('.'));
    bases.push({ kind: 'experiment', name, doc, parameters });
  }
  return bases;
}

/**
 * Deep-freezes a table of values the operators draw from, and returns it. An input gets
 * a copy of what it draws (`structuredClone`): a drawn object put into a document as it
 * is could be edited there by a later operator, and the edit would stay in the table for
 * every later input (seed 3 grew a 50,000-item list inside one, and inputs stopped being
 * the same for the same seed and number). Frozen, such an edit throws instead.
 */
function frozen<T extends Json[]>(table: T): T {
  const freeze = (v: Json): void => {
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
    for (const x of Object.values(v)) freeze(x as Json);
    Object.freeze(v);
  };
  freeze(table);
  return table;
}

/** Values a careless edit puts anywhere (frozen: see `frozen`). */
const NASTY_VALUES: Json[] = frozen([
  0, -1, 1, 2, 3, 1e9, -1e9, 0.5, 1e308, null, true, false, '', 'abc', '1ms', '0s', '-1h', '1e400h', '1y', '10',
  '200ms', '1e-9s', [], {}, ['x'], { dist: 'exponential', mean: '1ms' }, { dist: 'weibull', shape: 0.001, scale: '1h' },
  { dist: 'lognormal', mean: '1h', cv: 1e200 }, { dist: 'uniform', min: '0s', max: '0s' }, { dist: 'empirical', values: [] },
  { dist: 'deterministic', value: '0s' }, '__proto__', 'constructor', 'compute-1', 'rack-a', 'vMME',
]);
/** Keys a careless edit renames a key to. */
const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'x', '1', 'compute', 'k', 'layer', ''];
/** Huge, tiny and non-finite numbers and durations. */
const HUGE: Json[] = [1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1e-320, '1e400y', '1e309s', '9e15y', '1.1e9y', '1e9y', '1e-400s', '0.0000001ms', 1e21, -0, Infinity, -Infinity, NaN, 2 ** 31, 2 ** 53, '1e18ms'];
/** Pathological clocks put in place of a duration (frozen: see `frozen`). */
const RATES: Json[] = frozen([
  '1ms',
  '0.001ms',
  '1e-9s',
  { dist: 'exponential', mean: '1ms' },
  { dist: 'weibull', shape: 0.01, scale: '1h' },
  { dist: 'weibull', shape: 0.01, scale: '1000h' },
  { dist: 'weibull', shape: 50, scale: '1ms' },
  { dist: 'lognormal', mean: '1ms', cv: 100 },
  { dist: 'exponential', rate: '1e9/s' },
]);
/** Bytes that corruption writes: NUL, invalid UTF-8, a flipped case bit, YAML punctuation. */
const BYTES = [0x00, 0xff, 0xc3, 0x80, -1, 0x7b, 0x5b, 0x26, 0x2a, 0x3a, 0x09, 0x22, 0x0a];
/** Text pasted into a file. */
const SNIPPETS = ['', ':', '{', ']', '- ', '\t', '&a *a', '"', "'", '\n  x: 1\n', '#', '!!binary x', '<<: *a', '\n- &x [*x]\n', '\ufeff', '%YAML 1.1\n---\n', '? [a, b]\n: 1\n', '!!js/function x'];

/** A tree-level operator: edits `doc` in place and says what it did. */
type TreeOp = (doc: Json, r: FuzzRandom, base: FuzzBase) => string;
/** A serialization operator: writes `doc` as YAML with something the tree cannot hold (aliases). */
type TextOp = (doc: Json, r: FuzzRandom, base: FuzzBase) => { text: string; what: string };

/** Every non-root path of `doc`, or of the kind `keep` accepts. */
function nodes(doc: Json, keep: (v: Json) => boolean = () => true): Path[] {
  return paths(doc).filter((p) => p.length > 0 && keep(getIn(doc, p)));
}

const isDuration = (v: Json) => typeof v === 'string' && /^\d/.test(v);
const isCollection = (v: Json) => v !== null && typeof v === 'object';
const isMapping = (v: Json) => isCollection(v) && !Array.isArray(v);
const show = (v: Json) => (typeof v === 'number' ? String(v) : JSON.stringify(v)).slice(0, 60);

/** A number drawn from a wide range: ordinary, tiny, huge, negative, non-finite. */
function wildNumber(r: FuzzRandom): number {
  switch (r.int(5)) {
    case 0:
      return r.int(10);
    case 1:
      return (r.next() - 0.5) * 10 ** r.int(400);
    case 2:
      return r.pick([NaN, Infinity, -Infinity, -0, Number.MIN_VALUE, Number.MAX_VALUE]);
    case 3:
      return r.next();
    default:
      return -r.int(1000);
  }
}

const TREE_OPS: Record<string, TreeOp> = {
  set(doc, r) {
    const p = r.pick(nodes(doc));
    const v = structuredClone(r.pick(NASTY_VALUES));
    setIn(doc, p, v);
    return `set ${p.join('.')} = ${show(v)}`;
  },
  number(doc, r) {
    const p = r.pick(nodes(doc));
    const v = r.chance(0.5) ? wildNumber(r) : r.pick(HUGE);
    setIn(doc, p, v);
    return `number ${p.join('.')} = ${show(v)}`;
  },
  delete(doc, r) {
    const p = r.pick(nodes(doc));
    const parent = getIn(doc, p.slice(0, -1));
    if (Array.isArray(parent)) parent.splice(Number(p[p.length - 1]), 1);
    else if (parent && typeof parent === 'object') delete parent[p[p.length - 1]];
    return `delete ${p.join('.')}`;
  },
  rename(doc, r) {
    const p = r.pick(nodes(doc));
    const parent = getIn(doc, p.slice(0, -1));
    const key = r.pick(NASTY_KEYS);
    if (parent && typeof parent === 'object' && !Array.isArray(parent)) {
      const v = parent[p[p.length - 1]];
      delete parent[p[p.length - 1]];
      Object.defineProperty(parent, key, { value: v, enumerable: true, configurable: true, writable: true });
    }
    return `rename ${p.join('.')} to '${key}'`;
  },
  copy(doc, r) {
    const all = nodes(doc);
    const [to, from] = [r.pick(all), r.pick(all)];
    setIn(doc, to, structuredClone(getIn(doc, from)));
    return `copy ${from.join('.')} to ${to.join('.')}`;
  },
  duration(doc, r) {
    const all = nodes(doc, isDuration);
    if (all.length === 0) return 'duration (none)';
    const p = r.pick(all);
    const v = `${r.pick([0, 1, 2, 5, 30, 100, 1e4])}${r.pick(['ms', 's', 'm', 'h', 'd', 'y'])}`;
    setIn(doc, p, v);
    return `duration ${p.join('.')} = ${v}`;
  },
  int(doc, r) {
    const all = nodes(doc, (v) => typeof v === 'number');
    if (all.length === 0) return 'int (none)';
    const p = r.pick(all);
    const v = r.int(8);
    setIn(doc, p, v);
    return `int ${p.join('.')} = ${v}`;
  },
  collection(doc, r) {
    // Around the entry limit (10,000): below it, real work; above it, a refusal.
    let n = r.pick([100, 1000, 5000, 9999, 10_001, 20_000, 50_000]);
    const p = r.pick(nodes(doc));
    const kind = r.int(3);
    // Copies of a large node: about 3 MB at most (over the byte limit, but cheap to make).
    if (kind === 2) n = Math.max(2, Math.min(n, Math.floor(3e6 / (JSON.stringify(getIn(doc, p))?.length ?? 1))));
    const v =
      kind === 0
        ? Array.from({ length: n }, (_, i) => `x${i}`)
        : kind === 1
          ? Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { count: i }]))
          : Array.from({ length: n }, () => structuredClone(getIn(doc, p)));
    setIn(doc, p, v);
    return `collection ${p.join('.')} = ${['list', 'map', 'copies'][kind]} of ${n}`;
  },
  rate(doc, r, base) {
    // A pathological clock: a common-cause clock of 1 ms, an upgrade every millisecond, a tiny or heavy-tailed duration.
    // The keys below go on an experiment's `set` (made when it has none). When an earlier
    // operator replaced it by a string, a number or a list, that edit stays: nothing here.
    if (base.kind === 'experiment' && doc.set !== undefined && !isMapping(doc.set)) return 'rate (set is not a mapping)';
    const top = base.kind === 'topology' ? doc : (doc.set ??= {});
    const kind = r.int(4);
    if (base.kind === 'topology' && kind === 0 && doc.components && typeof doc.components === 'object') {
      const type = r.pick(Object.keys(doc.components).concat('none'));
      const mode = doc.components[type]?.failures && Object.values(doc.components[type].failures)[0];
      if (mode && typeof mode === 'object') {
        Object.assign(mode, { ttf: { dist: 'exponential', mean: r.pick(['1ms', '10ms', '1s']) }, common: true });
        delete (mode as Json).beta;
        return `rate: common-cause clock of 1ms-1s on ${type}`;
      }
    }
    if (base.kind === 'experiment' && kind === 0) {
      const modes = base.parameters.map((k) => /^(components\.[^.]+\.failures\.[^.]+)\.ttf\./.exec(k)?.[1]).filter((k): k is string => k !== undefined);
      if (modes.length > 0) {
        const mode = r.pick(modes);
        Object.assign(top, { [`${mode}.ttf`]: { dist: 'exponential', mean: '1ms' }, [`${mode}.common`]: true });
        return `rate: common-cause clock of 1ms on ${mode}`;
      }
    }
    if (kind === 1) {
      const vnfs = base.kind === 'topology' ? Object.keys(doc.vnfs ?? { f: 0 }) : base.parameters.map((k) => /^vnfs\.([^.]+)\./.exec(k)?.[1] ?? 'f');
      const target = r.pick(vnfs.length > 0 ? vnfs : ['f']);
      const campaign = { target, every: r.pick(['1ms', '1s', '1m']), step: r.pick(['1s', '0s', '1ms']) };
      if (base.kind === 'topology') doc.upgrades = { u: campaign };
      else top.upgrades = { u: campaign };
      return `rate: upgrade campaign every ${campaign.every}`;
    }
    const v = structuredClone(r.pick(RATES));
    if (base.kind === 'experiment' && base.parameters.length > 0) {
      const key = r.pick(base.parameters);
      top[key] = v;
      return `rate: set ${key} = ${show(v)}`;
    }
    const all = nodes(doc, isDuration);
    if (all.length === 0) return 'rate (none)';
    const p = r.pick(all);
    setIn(doc, p.length > 1 && r.chance(0.5) && isCollection(getIn(doc, p.slice(0, -1))) && 'dist' in getIn(doc, p.slice(0, -1)) ? p.slice(0, -1) : p, v);
    return `rate: ${p.join('.')} = ${show(v)}`;
  },
  grid(doc, r, base) {
    // An experiment's design grown past every bound: 10^5 values, 10^6 points, bad paths.
    if (base.kind !== 'experiment') return TREE_OPS.collection(doc, r, base);
    if (r.chance(0.5)) {
      delete doc.scenarios;
      delete doc.sample;
    }
    const keys = base.parameters.length > 0 ? base.parameters : ['vnfs.f.instances'];
    const dims = 1 + r.int(4);
    const width = r.pick([2, 10, 50, 100, 2000, 30_000]);
    const values = () => Array.from({ length: width }, (_, i) => (r.chance(0.5) ? i : structuredClone(r.pick(NASTY_VALUES))));
    doc.grid = {};
    for (let d = 0; d < dims; d++) doc.grid[r.chance(0.9) ? r.pick(keys) : r.pick(['__proto__.x', 'nope.nothing', '', 'simulation.runs'])] = values();
    return `grid of ${dims} parameters x ${width} values`;
  },
};

/** A YAML document of `doc` with a collection inside it made to contain an alias of itself. */
function recursiveAlias(doc: Json, r: FuzzRandom): { text: string; what: string } {
  const d = new Document(doc, { aliasDuplicateObjects: false });
  const colls: Path[] = [[], ...nodes(doc, isCollection)];
  const path = r.pick(colls);
  const node = path.length === 0 ? d.contents : d.getIn(path, true);
  if (isMap(node)) node.set('again', d.createAlias(node, 'self'));
  else if (isSeq(node)) node.add(d.createAlias(node, 'self'));
  else return { text: d.toString() + 'x: &self [*self]\n', what: 'recursive alias at the end' };
  return { text: d.toString(), what: `recursive alias in ${path.join('.') || '(root)'}` };
}

/** A YAML document of `doc` with a list of `levels` lists of `width` aliases of the one before (width^levels nodes expanded). */
function aliasBomb(doc: Json, r: FuzzRandom): { text: string; what: string } {
  const d = new Document(doc, { aliasDuplicateObjects: false });
  const levels = 2 + r.int(9);
  const width = 2 + r.int(12);
  const chain = new YAMLSeq();
  let prev: YAMLSeq | undefined;
  for (let l = 0; l < levels; l++) {
    const s = new YAMLSeq();
    for (let i = 0; i < width; i++) s.add(prev ? d.createAlias(prev, `b${l - 1}`) : new Scalar('1h'));
    s.anchor = `b${l}`;
    chain.add(s);
    prev = s;
  }
  const all = nodes(doc);
  const path = r.chance(0.3) || all.length === 0 ? [] : r.pick(all);
  if (path.length === 0) d.set('bomb', chain);
  else d.setIn(path, chain);
  return { text: d.toString(), what: `alias bomb of ${width}^${levels} at ${path.join('.') || 'bomb'}` };
}

/** Shared definitions by alias, as users write them (a valid use of anchors), at a random collection. */
function sharedAlias(doc: Json, r: FuzzRandom): { text: string; what: string } {
  const d = new Document(doc, { aliasDuplicateObjects: false });
  const colls = nodes(doc, isCollection);
  if (colls.length < 2) return { text: d.toString(), what: 'shared alias (none)' };
  const [from, to] = [r.pick(colls), r.pick(colls)];
  const node = d.getIn(from, true);
  if (!node || !(isMap(node) || isSeq(node)) || from.join('.').startsWith(to.join('.'))) return { text: d.toString(), what: 'shared alias (skipped)' };
  d.setIn(to, d.createAlias(node as YAMLSeq, 'shared'));
  try {
    return { text: d.toString(), what: `alias of ${from.join('.')} at ${to.join('.')}` };
  } catch {
    // The alias comes before its anchor in the file: not expressible.
    return { text: serialize(doc, false), what: 'shared alias (before its anchor: skipped)' };
  }
}

const TEXT_OPS: Record<string, TextOp> = { recursiveAlias, aliasBomb, sharedAlias };

/** Corrupts bytes of `text`: overwrites a few, pastes a snippet, cuts or repeats a span, or cuts the file short. */
function corrupt(text: Buffer, r: FuzzRandom): { bytes: Buffer; what: string } {
  if (text.length === 0) return { bytes: text, what: 'bytes (empty)' };
  const at = r.int(text.length);
  switch (r.int(4)) {
    case 0: {
      const out = Buffer.from(text);
      const n = 1 + r.int(4);
      for (let i = 0; i < n; i++) {
        const j = r.int(out.length);
        const b = r.pick(BYTES);
        out[j] = b < 0 ? out[j] ^ 0x20 : b;
      }
      return { bytes: out, what: `${n} bytes overwritten` };
    }
    case 1: {
      const s = r.pick(SNIPPETS);
      const len = r.int(40);
      return { bytes: Buffer.concat([text.subarray(0, at), Buffer.from(s), text.subarray(Math.min(text.length, at + len))]), what: `${len} bytes at ${at} replaced by ${JSON.stringify(s)}` };
    }
    case 2: {
      const len = 1 + r.int(200);
      return { bytes: Buffer.concat([text.subarray(0, at + len), text.subarray(at)]), what: `${len} bytes at ${at} repeated` };
    }
    default:
      return { bytes: text.subarray(0, at), what: `cut at byte ${at} of ${text.length}` };
  }
}

/** How often each operator is drawn (the plain edits keep many inputs valid). */
const WEIGHTS: Array<[string, number]> = [
  ['set', 4],
  ['number', 3],
  ['delete', 3],
  ['rename', 1],
  ['copy', 2],
  ['duration', 8],
  ['int', 6],
  ['collection', 1],
  ['rate', 3],
  ['grid', 1],
  ['recursiveAlias', 1],
  ['aliasBomb', 1],
  ['sharedAlias', 1],
  ['bytes', 3],
];

/** The operator names, for reports. */
export const OPERATORS: readonly string[] = WEIGHTS.map(([n]) => n);

function drawOperator(r: FuzzRandom): string {
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let x = r.next() * total;
  for (const [n, w] of WEIGHTS) if ((x -= w) < 0) return n;
  return WEIGHTS[0][0];
}

/** Writes `doc` as YAML (JSON for a few), keeping non-finite numbers as YAML's .inf and .nan. */
function serialize(doc: Json, json: boolean): string {
  if (json) return JSON.stringify(doc, null, 1);
  return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/**
 * Makes input `index` of `seed`: a base drawn from `bases`, one to three operators drawn
 * and applied in turn (tree edits first, then at most one alias operator when it
 * serializes, then byte corruption). Deterministic in (bases, seed, index).
 */
export function generateInput(bases: readonly FuzzBase[], seed: number, index: number): FuzzInput {
  const r = new FuzzRandom(seed, index);
  const base = r.pick(bases);
  const doc = structuredClone(base.doc);
  // One operator most often (many inputs stay valid and run), up to three.
  const drawn = Array.from({ length: r.pick([1, 1, 1, 1, 1, 1, 2, 2, 2, 3]) }, () => drawOperator(r));
  const ops: string[] = [];
  // Tree edits in the order drawn, those that grow the document last (the others walk it);
  // the alias and byte operators need text, so they come after (no alias in a grown document).
  const grows = (op: string) => op === 'collection' || op === 'grid';
  for (const op of [...drawn.filter((op) => !grows(op)), ...drawn.filter(grows)]) if (TREE_OPS[op] && nodes(doc).length > 0) ops.push(TREE_OPS[op](doc, r, base));
  const aliasOp = drawn.some(grows) ? undefined : drawn.find((op) => TEXT_OPS[op]);
  const json = !aliasOp && r.chance(0.1);
  let text: string;
  if (aliasOp) {
    const t = TEXT_OPS[aliasOp](doc, r, base);
    text = t.text;
    ops.push(t.what);
  } else {
    text = serialize(doc, json);
  }
  let bytes: Buffer = Buffer.from(text);
  for (const op of drawn) {
    if (op !== 'bytes') continue;
    const c = corrupt(bytes, r);
    bytes = c.bytes;
    ops.push(c.what);
  }
  return { index, kind: base.kind, base: base.name, ops, ext: json ? '.json' : '.yaml', bytes };
}
