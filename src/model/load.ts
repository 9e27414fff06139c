/**
 * Reading topology files: YAML or JSON text -> syntax check -> schema check. Each
 * problem is reported with the file, the path inside the document and, where the
 * parser knows it, the line and column.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, isCollection, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { TopologyError, formatPath, type InputIssue } from './errors.js';
import { TopologySpec, type Topology } from './schema.js';

/** A parsed document with a way to find where a path lies in the text. */
export interface ParsedText {
  /** The plain data (objects, arrays, strings, numbers, booleans, null). */
  data: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest ancestor found. */
  locate(path: ReadonlyArray<string | number>): { line: number; col: number } | undefined;
}

/**
 * Parses YAML (and therefore JSON, which YAML 1.2 contains) text. Syntax errors,
 * duplicate keys included, throw a TopologyError naming `file`, line and column.
 */
export function parseText(text: string, file: string): ParsedText {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
  } catch (e) {
    throw new TopologyError(file, [{ path: '', message: `cannot parse: ${(e as Error).message}` }]);
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
  // A mapping key that is itself a mapping or a list has no place in a topology (and
  // would be silently turned into a string by the conversion below).
  const complexKeys: InputIssue[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        const pos = pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
        complexKeys.push({ path: '', message: 'a mapping key must be a plain name, not a mapping or a list', ...(pos ? { line: pos.line, col: pos.col } : {}) });
      }
    },
  });
  if (complexKeys.length > 0) throw new TopologyError(file, complexKeys);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
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

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Converts zod issues to input issues with dotted paths and positions. */
export function zodIssues(error: z.ZodError, parsed: ParsedText | undefined): InputIssue[] {
  const out: InputIssue[] = [];
  for (const issue of error.issues) {
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
 * Validates a parsed document against the topology schema. Throws a TopologyError
 * listing every schema violation.
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
  const result = TopologySpec.safeParse(parsed.data);
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
