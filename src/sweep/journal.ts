/**
 * The journal of a sweep: one JSON line per finished shard, appended and flushed to disk
 * as each shard finishes, so a sweep killed at any moment loses at most the shards that
 * were running. A line cut short by a kill (no newline at the end) is dropped on resume.
 *
 * Numbers survive the round trip exactly (JSON prints the shortest text that parses back
 * to the same double); the non-finite ones, which JSON lacks, are written as the strings
 * "Infinity", "-Infinity" and "NaN" and read back as numbers.
 */
import { closeSync, existsSync, fsyncSync, openSync, readSync, truncateSync, writeSync } from 'node:fs';
import type { RunAccumulator } from '../metrics/summary.js';
import type { PairedValues } from '../runner/run.js';

/** One finished shard of one point. */
export interface JournalEntry {
  /** Task number: the position of (point, shard) in the sweep's fixed task order. */
  task: number;
  point: number;
  shard: number;
  acc: RunAccumulator;
  paired: PairedValues;
}

const NON_FINITE = new Set(['Infinity', '-Infinity', 'NaN']);

/** Serializes a value as one JSON line, keeping non-finite numbers. */
export function encodeLine(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) + '\n';
}

/** Parses a line written by `encodeLine`. */
export function decodeLine(line: string): unknown {
  return JSON.parse(line, (_k, x) => (typeof x === 'string' && NON_FINITE.has(x) ? Number(x) : x));
}

/** A journal file open for appending. */
export class Journal {
  private fd: number;

  /** Opens (creating if needed) `path` for appending. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends one entry and flushes it to disk before returning. */
  append(e: JournalEntry): void {
    writeSync(this.fd, encodeLine(e));
    fsyncSync(this.fd);
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }
}

/** A journal line that is complete but cannot be read. */
export class JournalError extends Error {}

/**
 * Reads the entries of a journal one at a time, in file order, without holding the
 * file in memory. A last line without its newline (a write cut short by a kill, or a
 * line another process is writing now) is skipped; with `repair` (only for the journal
 * this process is about to append to) it is also cut from the file, so appending can go
 * on after it. A complete line that does not parse is an error (the file was changed by
 * something else).
 */
export function* readJournal(path: string, repair = false): Generator<JournalEntry> {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let pending: Buffer[] = [];
  let offset = 0;
  let complete = 0;
  let lineNo = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, offset);
      if (n === 0) break;
      offset += n;
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl !== -1 && nl < n; nl = chunk.indexOf(10, from)) {
        pending.push(Buffer.from(chunk.subarray(from, nl)));
        const line = Buffer.concat(pending).toString('utf8');
        pending = [];
        complete += Buffer.byteLength(line) + 1;
        from = nl + 1;
        yield parseEntry(line, path, ++lineNo);
      }
      if (from < n) pending.push(Buffer.from(chunk.subarray(from, n)));
    }
  } finally {
    closeSync(fd);
  }
  if (repair && complete < offset) truncateSync(path, complete);
}

function parseEntry(line: string, path: string, lineNo: number): JournalEntry {
  let e: JournalEntry;
  try {
    e = decodeLine(line) as JournalEntry;
  } catch {
    throw new JournalError(`${path}:${lineNo}: not a journal line (the file was changed by hand?); remove the line or start the sweep in a new folder`);
  }
  if (typeof e?.task !== 'number' || typeof e.point !== 'number' || typeof e.shard !== 'number' || typeof e.acc !== 'object' || typeof e.paired !== 'object') {
    throw new JournalError(`${path}:${lineNo}: a journal line lacks task, point, shard, acc or paired`);
  }
  return e;
}
