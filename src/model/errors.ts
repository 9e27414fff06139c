/**
 * Errors in user input. Every problem names the file, the path inside it and what was
 * expected; the CLI prints them and exits 2 without a stack trace.
 */
import { limitValue, MAX_ISSUES_SHOWN } from './limits.js';

/** One problem found in an input file. */
export interface InputIssue {
  /** Dotted path inside the document, e.g. `vnfs.vMME.k` (`` for the whole document). */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
  /** 1-based line of the offending node, when known. */
  line?: number;
  /** 1-based column of the offending node, when known. */
  col?: number;
}

/** A topology (or other input file) that cannot be used. Carries every issue found. */
export class TopologyError extends Error {
  override name = 'TopologyError';
  constructor(
    /** The file the issues are in (as the user named it), or `<input>` for text without a file. */
    readonly file: string,
    /** The issues, in document order where known. */
    readonly issues: InputIssue[],
  ) {
    super(formatIssues(file, issues));
  }
}

/**
 * Formats issues as `file:line:col: path: message`, one per line: the first
 * MAX_ISSUES_SHOWN of them (default 20), then a line saying how many more there are.
 */
export function formatIssues(file: string, issues: InputIssue[]): string {
  const shown = Math.max(1, Math.floor(limitValue(MAX_ISSUES_SHOWN)));
  const lines = issues
    .slice(0, shown)
    .map((i) => {
      const where = i.line !== undefined ? `${file}:${i.line}:${i.col ?? 1}` : file;
      return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
    });
  if (issues.length > shown) lines.push(`${file}: ... and ${issues.length - shown} more problems (${MAX_ISSUES_SHOWN.env} sets how many are listed)`);
  return lines.join('\n');
}

/** Joins path segments as `a.b[2].c`. Keys that are not plain identifiers are quoted. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
