/**
 * Reading topology files: YAML or JSON text -> syntax check -> schema check. Each
 * problem is reported with the file, the path inside the document and, where the
 * parser knows it, the line and column.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isCollection, isMap, isNode, isPair, isScalar, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { TopologyError, formatPath, type InputIssue } from './errors.js';
import { CREW_UNION_ERROR, LOGIC_UNION_ERROR, topologySchemas, type Topology } from './schema.js';
import { limitValue, MAX_BYTES, MAX_DEPTH, MAX_ENTRIES, MAX_ITEMS, MAX_NODES, overLimit } from './limits.js';

/** A parsed document with a way to find where a path lies in the text. */
export interface ParsedText {
  /** The plain data (objects, arrays, strings, numbers, booleans, null). */
  data: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest ancestor found. */
  locate(path: ReadonlyArray<string | number>): { line: number; col: number } | undefined;
}

/**
 * Parses YAML (and therefore JSON, which YAML 1.2 contains) text. Syntax errors throw a
 * TopologyError naming `file`, line and column (the first MAX_ISSUES_SHOWN are printed,
 * the rest counted). Before the document is turned into plain data, its structure is
 * checked in one pass, linear in its size (see `checkStructure`): duplicate keys,
 * mapping keys that are collections, recursive aliases, aliases that expand the document
 * beyond MAX_NODES nodes or MAX_DEPTH levels, and mappings or lists with more than
 * MAX_ENTRIES entries are errors naming the path and line.
 */
export function parseText(text: string, file: string): ParsedText {
  checkSize(text, file);
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // Duplicate keys are found by checkStructure in linear time (the parser's own check is quadratic).
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false });
  } catch (e) {
    throw new TopologyError(file, [{ path: '', message: `cannot parse: ${firstLine((e as Error).message)}` }]);
  }
  if (doc.errors.length > 0) {
    throw new TopologyError(
      file,
      doc.errors.map((err) => {
        const pos = lineCounter.linePos(err.pos[0]);
        return { path: '', message: `syntax error: ${firstLine(err.message)}`, line: pos.line, col: pos.col };
      }),
    );
  }
  const structural = checkStructure(doc, lineCounter);
  if (structural.length > 0) throw new TopologyError(file, structural);
  let data: unknown;
  try {
    // Aliases are bounded by checkStructure; the conversion shares the object an alias names.
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    throw new TopologyError(file, [{ path: '', message: `cannot read document: ${firstLine((e as Error).message)}` }]);
  }
  return {
    data,
    locate(path) {
      for (let n = path.length; n >= 0; n--) {
        let node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        // A key written as a number (`3:`) is found under the number, not the string.
        if (node === undefined && n > 0 && path.slice(0, n).some((seg) => typeof seg === 'string' && /^\d+$/.test(seg))) {
          node = doc.getIn(path.slice(0, n).map((seg) => (typeof seg === 'string' && /^\d+$/.test(seg) ? Number(seg) : seg)), true);
        }
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0]);
          return { line: pos.line, col: pos.col };
        }
      }
      return undefined;
    },
  };
}

/**
 * Refuses text over MAX_BYTES bytes or MAX_ITEMS lines and flow items before it is
 * parsed (the parser's time grows with them: a file of a million short lines would take
 * it minutes). One pass over the characters.
 */
export function checkSize(text: string, file: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > limitValue(MAX_BYTES)) {
    throw new TopologyError(file, [{ path: '', message: `the file has ${bytes.toLocaleString('en-US')} bytes; ${overLimit(MAX_BYTES)}` }]);
  }
  const max = limitValue(MAX_ITEMS);
  let items = 0;
  let line = 1;
  let lineAtLimit = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // '\n', ',', '[', '{', and '-' before a space.
    if (c === 10 || c === 44 || c === 91 || c === 123 || (c === 45 && text.charCodeAt(i + 1) === 32)) {
      if (++items === max + 1) lineAtLimit = line;
      if (c === 10) line++;
    }
  }
  if (items > max) {
    throw new TopologyError(file, [{ path: '', line: lineAtLimit, col: 1, message: `the file has ${items.toLocaleString('en-US')} lines and flow items; ${overLimit(MAX_ITEMS)}` }]);
  }
}

/** Stop looking for more structural problems after this many. */
const MAX_STRUCTURE_ISSUES = 100;

/**
 * Checks the structure of a parsed document in one pass over its nodes (aliases are not
 * followed: the size and height of what an alias names are known by then, as an anchor
 * precedes its aliases). Returns the problems found, each with its path and line:
 * - a mapping key that is a mapping or a list (it has no place in an input file, and
 *   would be turned into a string silently), or a key given twice;
 * - more than MAX_ENTRIES entries in one mapping or list;
 * - an alias inside the node it names (a recursive structure), or naming no anchor;
 * - more than MAX_NODES nodes or MAX_DEPTH levels once every alias is expanded (an alias
 *   bomb: a few lines of aliases of aliases that stand for billions of nodes).
 */
export function checkStructure(doc: Document, lineCounter: LineCounter): InputIssue[] {
  const maxEntries = limitValue(MAX_ENTRIES);
  const maxNodes = limitValue(MAX_NODES);
  const maxDepth = limitValue(MAX_DEPTH);
  const issues: InputIssue[] = [];
  const at = (node: { range?: [number, number, number] | null } | null | undefined) => {
    const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    return pos ? { line: pos.line, col: pos.col } : {};
  };
  const fail = (path: Array<string | number>, message: string, node: { range?: [number, number, number] | null } | null | undefined) => {
    if (issues.length < MAX_STRUCTURE_ISSUES) issues.push({ path: formatPath(path), message, ...at(node) });
  };
  /** The latest node carrying each anchor, in document order (what an alias names). */
  const anchors = new Map<string, Node>();
  /** Size and height of every anchored node, once visited. */
  const measured = new Map<Node, { size: number; height: number }>();
  const open = new Set<Node>();
  let biggest: { size: number; path: Array<string | number>; node: Node; source: string } | undefined;
  const keyName = (key: unknown): string => {
    const k = isAlias(key) ? anchors.get(key.source) : key;
    return isScalar(k) ? String(k.value) : String(k);
  };
  /** Returns the node's size and height with aliases expanded (aliases counted as copies). */
  const visitNode = (node: unknown, path: Array<string | number>, depth: number): { size: number; height: number } => {
    if (issues.length >= MAX_STRUCTURE_ISSUES) return { size: 1, height: 1 };
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        fail(path, `alias '*${node.source}' names no anchor '&${node.source}' before it`, node);
        return { size: 1, height: 1 };
      }
      if (open.has(target)) {
        fail(path, `alias '*${node.source}' lies inside the node it names: a recursive structure has no place in an input file`, node);
        return { size: 1, height: 1 };
      }
      const m = measured.get(target) ?? { size: 1, height: 1 };
      if (!biggest || m.size > biggest.size) biggest = { size: m.size, path, node, source: node.source };
      if (depth - 1 + m.height > maxDepth) fail(path, `alias '*${node.source}' nests the document more than ${maxDepth} levels deep; ${overLimit(MAX_DEPTH)}`, node);
      return m;
    }
    if (!isNode(node)) return { size: 1, height: 1 };
    if (depth > maxDepth) {
      fail(path, `nested more than ${maxDepth} levels deep; ${overLimit(MAX_DEPTH)}`, node);
      return { size: 1, height: 1 };
    }
    if (node.anchor) anchors.set(node.anchor, node);
    let size = 1;
    let height = 1;
    if (isCollection(node)) {
      const items = node.items as unknown[];
      if (items.length > maxEntries) {
        fail(path, `${items.length.toLocaleString('en-US')} entries; ${overLimit(MAX_ENTRIES)}`, node);
        return { size: items.length, height: 1 };
      }
      open.add(node);
      const seen = isMap(node) ? new Map<string, Pair>() : undefined;
      items.forEach((item, i) => {
        let child: unknown = item;
        let childPath: Array<string | number> = [...path, i];
        if (isPair(item)) {
          if (isCollection(item.key)) {
            fail(path, 'a mapping key must be a plain name, not a mapping or a list', item.key);
            return;
          }
          const name = keyName(item.key);
          const prior = seen?.get(name);
          if (prior) {
            const first = at(prior.key as Node);
            fail([...path, name], `key '${name}' is given twice${first.line !== undefined ? ` (first on line ${first.line})` : ''}`, item.key as Node);
          } else seen?.set(name, item);
          child = item.value;
          childPath = [...path, name];
        }
        const m = visitNode(child, childPath, depth + 1);
        size += m.size;
        height = Math.max(height, m.height + 1);
      });
      open.delete(node);
    }
    if (node.anchor) measured.set(node, { size, height });
    return { size, height };
  };
  const total = visitNode(doc.contents, [], 1);
  if (issues.length === 0 && total.size > maxNodes) {
    if (biggest && biggest.size > 1) {
      fail(biggest.path, `aliases expand the document to ${total.size.toLocaleString('en-US')} nodes ('*${biggest.source}' here alone stands for ${biggest.size.toLocaleString('en-US')}); ${overLimit(MAX_NODES)}`, biggest.node);
    } else fail([], `the document has ${total.size.toLocaleString('en-US')} nodes; ${overLimit(MAX_NODES)}`, undefined);
  }
  return issues;
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/**
 * Messages given a line and column: the first this many (a few are printed; finding a
 * node's line walks its mappings, so locating 10,000 issues in a mapping of 5,000 keys
 * would take seconds). Counted in messages, so one issue of 10,000 unknown keys is
 * located for its first 200.
 */
const MAX_LOCATED = 200;

/**
 * Converts zod issues to input issues with dotted paths and positions (the first
 * MAX_LOCATED messages located). zod's own wording is put in the file's terms where it is
 * zod's default (`friendlyMessage`); the schema's own messages are kept. With `schema`
 * (the one that was validated), an unknown key close to a key the schema allows at that
 * place says which (`did you mean 'instances'?`), and a misspelt required key is one
 * issue, not two (the unknown key, and the required one reported missing).
 */
export function zodIssues(error: z.ZodError, parsedText: ParsedText | undefined, schema?: z.ZodType): InputIssue[] {
  const out: InputIssue[] = [];
  const issues = logicBranches(error.issues, []);
  // Keys meant by misspelt keys, per object path: their "missing" issues are dropped.
  const meant = new Set<string>();
  const suggestions = new Map<z.core.$ZodIssue, Map<string, string>>();
  // The keys allowed per object path, worked out once for all the issues there.
  const knownAt = new Map<string, string[]>();
  const keysAt = (segs: Array<string | number>): string[] => {
    const at = formatPath(segs);
    let known = knownAt.get(at);
    if (known === undefined) knownAt.set(at, (known = schema === undefined ? [] : knownKeys(schema, segs, parsedText?.data)));
    return known;
  };
  if (schema !== undefined) {
    for (const issue of issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      const segs = pathOf(issue);
      const known = keysAt(segs);
      const present = valueAt(parsedText?.data, segs).value;
      const map = new Map<string, string>();
      for (const key of issue.keys) {
        // A key the mapping already has is not what a misspelt one stands for.
        const near = nearestKey(key, known.filter((k) => !valueAt(present, [k]).has));
        if (near === null) continue;
        map.set(key, near);
        meant.add(formatPath([...segs, near]));
      }
      suggestions.set(issue, map);
    }
  }
  // Messages are located while fewer than MAX_LOCATED are out (an issue of unknown keys is one message per key).
  const locator = () => (out.length < MAX_LOCATED ? parsedText : undefined);
  for (const issue of issues) {
    const parsed = locator();
    const segs = pathOf(issue);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...segs, key];
        const near = suggestions.get(issue)?.get(key);
        out.push({ path: formatPath(path), message: `unknown key '${key}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}`, ...locator()?.locate(path) });
      }
      continue;
    }
    // A required key reported missing (whatever zod calls it) because it was misspelt: the unknown key says it.
    if (meant.has(formatPath(segs)) && !valueAt(parsedText?.data, segs).has) continue;
    // A bad record key: zod says only 'Invalid key in record'; the key's own issue says what was expected.
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      out.push({ path: formatPath(segs), message: issue.issues[0].message, ...parsed?.locate(segs) });
      continue;
    }
    const at = parsedText === undefined ? undefined : valueAt(parsedText.data, segs);
    out.push({ path: formatPath(segs), message: friendlyMessage(issue, at) + misspeltAs(segs, at), ...parsed?.locate(segs) });
  }
  return out;

  /**
   * For a required key that is missing: the key written in its place, when the mapping has
   * one that is not a key of its own there and is near the missing one (`dsit:` for
   * `dist:`, which zod reports only as `dist` missing: a union is not entered without it).
   */
  function misspeltAs(segs: Array<string | number>, at: { has: boolean } | undefined): string {
    const key = segs.at(-1);
    if (schema === undefined || at === undefined || at.has || typeof key !== 'string') return '';
    const parentPath = segs.slice(0, -1);
    const parent = valueAt(parsedText?.data, parentPath).value;
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return '';
    const allowed = keysAt(parentPath);
    const near = nearestKey(key, Object.keys(parent).filter((k) => !allowed.includes(k)));
    return near === null ? '' : ` ('${near}' is not a key here: did you mean '${key}'?)`;
  }
}

/** An issue's path, its symbols (which zod allows) as strings. */
function pathOf(issue: z.core.$ZodIssue): Array<string | number> {
  return issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>;
}

/** The value at `path` in parsed data, and whether it is there at all (a key present with null is there). */
function valueAt(data: unknown, path: ReadonlyArray<string | number>): { has: boolean; value: unknown } {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, seg)) return { has: false, value: undefined };
    v = (v as Record<string | number, unknown>)[seg];
  }
  return { has: true, value: v };
}

/** zod's names of types, in the file's terms. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  record: 'a mapping',
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
};

/** A value as an error message shows it: a string quoted, a mapping or list named, a number as it is. */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  return String(v);
}

/**
 * An issue's message in the file's terms where zod worded it by default ("Invalid input:
 * expected record, received undefined" is "missing: a mapping is required"; "Too small:
 * expected number to be >0" is "expected a number > 0, got -1"; a name not among the
 * choices lists them, with the nearest when it is a near miss); the schema's own
 * messages are returned as they are. `at`: the value the issue is about, when known.
 */
function friendlyMessage(issue: z.core.$ZodIssue, at: { has: boolean; value: unknown } | undefined): string {
  if (issue.code === 'invalid_type' && /^Invalid input: expected /.test(issue.message)) {
    const want = TYPE_WORDS[issue.expected] ?? issue.expected;
    if (at !== undefined && !at.has) return `missing: ${want} is required here`;
    if (at !== undefined) return `expected ${want}, got ${shown(at.value)}`;
    return `expected ${want}`;
  }
  // A required key not there, whatever its schema (a union, an enumeration, a duration...).
  if (at !== undefined && !at.has && issue.code !== 'unrecognized_keys') {
    return /^Invalid /.test(issue.message) ? 'missing: required here' : `missing: required here (${issue.message})`;
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big): /.test(issue.message)) {
    const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
    const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const got = at?.has ? `, got ${Array.isArray(at.value) ? (at.value.length === 1 ? '1 item' : `${at.value.length} items`) : shown(at.value)}` : '';
    if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `expected a number ${op} ${bound}${got}`;
    const n = Number(bound);
    if (issue.origin === 'array' || issue.origin === 'set') return `expected a list of ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} ${n === 1 ? 'item' : 'items'}${got}`;
    if (issue.origin === 'string') return `expected a string of ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} ${n === 1 ? 'character' : 'characters'}${got}`;
  }
  // A name not among the choices (a discriminator such as `dist`, an enumeration such as
  // `policy`): the choices, and the nearest when the name is a near miss.
  const choices =
    issue.code === 'invalid_union' && Array.isArray((issue as { options?: unknown }).options) && /^Invalid discriminator value/.test(issue.message)
      ? (issue as unknown as { options: unknown[] }).options.map(String)
      : issue.code === 'invalid_value' && /^Invalid option: /.test(issue.message)
        ? issue.values.map(String)
        : issue.code === 'invalid_union' && issue.message === 'Invalid input' && issue.errors.length > 0 && issue.errors.every((b) => b.length === 1 && b[0].code === 'invalid_value' && b[0].path.length === 0)
          ? // A union of literals (`sal: 1 | 2 | 3`): its values.
            issue.errors.flatMap((b) => (b[0] as { values: unknown[] }).values.map(String))
          : null;
  if (choices !== null) {
    const got = at?.has ? at.value : undefined;
    const near = typeof got === 'string' ? nearestKey(got, choices) : null;
    return `expected one of ${choices.map((c) => `'${c}'`).join(', ')}${at?.has ? `, got ${shown(got)}` : ''}${near !== null ? ` (did you mean '${near}'?)` : ''}`;
  }
  return issue.message;
}

/**
 * The keys `schema` allows on the mapping at `path` of `data` (the union of every
 * branch's where the schema branches there), empty when it cannot tell. Walks zod's
 * definitions: objects by key, records and lists to their values, wrappers (optional,
 * default, lazy, pipes) to what they wrap, unions to each option, but a discriminated
 * union (`dist:`, `mechanism:`) only to the options the data's discriminator selects
 * (all of them when it selects none: the discriminator itself is wrong or missing).
 */
export function knownKeys(schema: z.ZodType, path: ReadonlyArray<string | number>, data?: unknown): string[] {
  const out = new Set<string>();
  // `stall`: steps taken without going down the path (wrappers, unions), bounded so that
  // a schema that wraps itself cannot loop; every step down the path resets it.
  const walk = (s: z.core.$ZodType | undefined, i: number, here: unknown, stall: number): void => {
    if (s === undefined || stall > 32) return;
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    const same = (t: unknown) => walk(t as z.core.$ZodType, i, here, stall + 1);
    const down = (t: unknown) => walk(t as z.core.$ZodType, i + 1, valueAt(here, [path[i]]).value, 0);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return same(def.innerType);
      case 'pipe':
        return same(def.in);
      case 'lazy':
        // zod keeps what the getter made (`innerType`); the getter would build it again.
        return same((s as unknown as { _zod: { innerType: z.core.$ZodType } })._zod.innerType);
      case 'union': {
        const options = def.options as z.core.$ZodType[];
        const disc = def.discriminator;
        const value = typeof disc === 'string' ? valueAt(here, [disc]).value : undefined;
        const chosen = value === undefined ? [] : options.filter((o) => (o._zod as { propValues?: Record<string, Set<unknown>> }).propValues?.[disc as string]?.has(value));
        for (const o of chosen.length > 0 ? chosen : options) same(o);
        return;
      }
      case 'intersection':
        same(def.left);
        same(def.right);
        return;
      case 'object': {
        const shape = def.shape as Record<string, z.core.$ZodType>;
        if (i === path.length) for (const k of Object.keys(shape)) out.add(k);
        else if (typeof path[i] === 'string' && Object.hasOwn(shape, path[i])) down(shape[path[i] as string]);
        return;
      }
      case 'record':
      case 'array':
        if (i < path.length) down(def.type === 'record' ? def.valueType : def.element);
        return;
      default:
        return;
    }
  };
  walk(schema as unknown as z.core.$ZodType, 0, data, 0);
  return [...out];
}

/** The key (or name) of `known` nearest `key` by edit distance (a transposition is one edit), within 2 and under half the key's length, or null. */
function nearestKey(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  const limit = Math.min(2, Math.floor((key.length - 1) / 2));
  let best: string | null = null;
  let bestD = limit + 1;
  for (const k of known) {
    if (Math.abs(k.length - key.length) >= bestD) continue;
    const d = editDistance(lower, k.toLowerCase());
    // The first of equals in the schema's order.
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** The optimal string alignment distance of `a` and `b` (insertions, deletions, substitutions, transpositions of neighbours). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The issues with a service expression's or a crew's union (LOGIC_UNION_ERROR,
 * CREW_UNION_ERROR) replaced by those of
 * the branch its input took (an object: the operator's own errors, at their deeper path),
 * when exactly one branch failed for more than the input's type; `prefix` is the path
 * of the issues' parent.
 */
function logicBranches(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && (issue.message === LOGIC_UNION_ERROR || issue.message === CREW_UNION_ERROR)) {
      const deeper = issue.errors.filter((b) => !(b.length === 1 && b[0].code === 'invalid_type' && b[0].path.length === 0));
      if (deeper.length === 1) {
        out.push(...logicBranches(deeper[0], path));
        continue;
      }
    }
    out.push({ ...issue, path } as z.core.$ZodIssue);
  }
  return out;
}

/** Documents validated so far in this thread (see `validateTopologyData`). */
let validated = 0;

/**
 * True when a parsed document is an experiment file rather than a topology: a mapping
 * with a `base:` key (the topology it varies; no topology has one). The one rule for
 * telling the two apart (`nfvsim validate`, and the loaders' errors when one is given
 * for the other).
 */
export function isExperimentDocument(data: unknown): boolean {
  return data !== null && typeof data === 'object' && !Array.isArray(data) && Object.hasOwn(data, 'base');
}

/**
 * Throws when the topology file `file` (parsed) is an experiment file: one line that says
 * so and names the command for it, not the schema's complaint about every key an
 * experiment has and a topology lacks. For files given as topologies (the loaders of
 * files and texts); an experiment's points are checked by the schema alone (a `set` of
 * `base` is an unknown key there).
 */
export function refuseExperimentAsTopology(parsed: ParsedText, file: string): void {
  if (!isExperimentDocument(parsed.data)) return;
  throw new TopologyError(file, [
    {
      path: 'base',
      message: "expected a topology, but this is an experiment file (it has 'base:', the topology it varies): run it with nfvsim sweep (or nfvsim uncertainty, nfvsim optimize for those designs)",
      ...parsed.locate(['base']),
    },
  ]);
}

/**
 * Throws when the experiment file `file` (parsed) is a topology (`isTopologyDocument`):
 * one line that says so and names the command for it (the mirror of
 * `refuseExperimentAsTopology`).
 */
export function refuseTopologyAsExperiment(parsed: ParsedText, file: string): void {
  if (!isTopologyDocument(parsed.data)) return;
  throw new TopologyError(file, [
    {
      path: '',
      message: "expected an experiment (a file with 'base:', the topology it varies), but this is a topology: run it with nfvsim run, or name it as an experiment's base",
      ...parsed.locate([]),
    },
  ]);
}

/**
 * True when `validate` should read a parsed document as an experiment: it is one
 * (`isExperimentDocument`), or it has no `components:` (every topology has) and a key
 * within two edits of `base` (`bsae:`), so that the experiment's schema says "did you
 * mean 'base'?" instead of the topology's complaining about every key.
 */
export function readAsExperiment(data: unknown): boolean {
  if (isExperimentDocument(data)) return true;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.hasOwn(data, 'components')) return false;
  return nearestKey('base', Object.keys(data)) !== null;
}

/**
 * True when a parsed document looks like a topology rather than an experiment: a mapping
 * without `base:` that has `components:` (which every topology has).
 */
export function isTopologyDocument(data: unknown): boolean {
  return data !== null && typeof data === 'object' && !Array.isArray(data) && !Object.hasOwn(data, 'base') && Object.hasOwn(data, 'components');
}

/**
 * Validates a parsed document against the topology schema. Throws a TopologyError
 * listing every schema violation.
 *
 * The first document of a thread is checked without zod's compiled fast path (`jitless`):
 * compiling it (code generated for each object schema) costs more than a single check
 * gains, and a run checks one document. Later documents (a sweep's points) use it. Either
 * way zod gives the same data and the same issues.
 */
export function validateTopologyData(parsed: ParsedText, file: string): Topology {
  if (parsed.data === null || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
    throw new TopologyError(file, [{ path: '', message: 'expected a mapping (an object) at the top of the document' }]);
  }
  // zod drops a `__proto__` key silently; a name the user wrote must not vanish.
  const protoKeys: InputIssue[] = [];
  const walk = (v: unknown, path: Array<string | number>): void => {
    if (v === null || typeof v !== 'object') return;
    for (const key of Object.keys(v)) {
      const p = [...path, Array.isArray(v) ? Number(key) : key];
      if (key === '__proto__') protoKeys.push({ path: formatPath(p), message: "'__proto__' cannot be a name", ...parsed.locate(p) });
      else walk((v as Record<string, unknown>)[key], p);
    }
  };
  walk(parsed.data, []);
  if (protoKeys.length > 0) throw new TopologyError(file, protoKeys);
  const result = topologySchemas().TopologySpec.safeParse(parsed.data, validated++ === 0 ? { jitless: true } : undefined);
  if (!result.success) throw new TopologyError(file, zodIssues(result.error, parsed, topologySchemas().TopologySpec));
  return result.data;
}

/** Reads a file as UTF-8 text; a missing or unreadable file is a TopologyError. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory, expected a file' : err.message;
    throw new TopologyError(file, [{ path: '', message: `cannot read: ${why}` }]);
  }
}
