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
 * Issues given a line and column: the first this many (a few are printed; finding a
 * node's line walks its mappings, so locating 10,000 issues in a mapping of 5,000 keys
 * would take seconds).
 */
const MAX_LOCATED = 200;

/** Converts zod issues to input issues with dotted paths and positions (the first MAX_LOCATED issues located). */
export function zodIssues(error: z.ZodError, parsedText: ParsedText | undefined): InputIssue[] {
  const out: InputIssue[] = [];
  for (const [n, issue] of logicBranches(error.issues, []).entries()) {
    const parsed = n < MAX_LOCATED ? parsedText : undefined;
    const segs = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...segs, key];
        out.push({ path: formatPath(path), message: `unknown key '${key}'`, ...parsed?.locate(path) });
      }
      continue;
    }
    // A bad record key: zod says only 'Invalid key in record'; the key's own issue says what was expected.
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      out.push({ path: formatPath(segs), message: issue.issues[0].message, ...parsed?.locate(segs) });
      continue;
    }
    out.push({ path: formatPath(segs), message: issue.message, ...parsed?.locate(segs) });
  }
  return out;
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
  // An experiment given where a topology is expected: one line that says so, not the
  // schema's complaint about every key an experiment has and a topology lacks.
  if (isExperimentDocument(parsed.data)) {
    throw new TopologyError(file, [
      {
        path: 'base',
        message: "expected a topology, but this is an experiment file (it has 'base:', the topology it varies): run it with nfvsim sweep (or nfvsim uncertainty, nfvsim optimize for those designs)",
        ...parsed.locate(['base']),
      },
    ]);
  }
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
  if (!result.success) throw new TopologyError(file, zodIssues(result.error, parsed));
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
