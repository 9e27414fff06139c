/**
 * Writing output files safely. Every output is written under a temporary name in the
 * same folder and renamed over its final name only when complete, so a failed or
 * interrupted write leaves no file that looks complete (and never half of an older
 * one). Failures are OutputErrors, which the CLI reports with exit code 1.
 */
import { accessSync, closeSync, constants, existsSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';

/** Writing an output file failed: it cannot be created, written or renamed into place. */
export class OutputError extends Error {
  override name = 'OutputError';
  constructor(
    /** The output file (or folder) as the user named it. */
    readonly path: string,
    cause: unknown,
    /** A hint appended to the message, e.g. what is in the way. */
    hint = '',
  ) {
    super(`cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}${hint}`);
  }
}

/**
 * The temporary name `path` is written under before its rename: a hidden file in the
 * same folder (a rename within one file system is atomic), unique to this process and
 * thread, ending in `.tmp` (which sweeps ignore in their folders).
 */
export function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${threadId}.tmp`);
}

/** What `path` is (links followed), or undefined when it cannot be told (not there, no access). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** True when `path` is (or links to) a character device: /dev/null, a terminal. */
const isCharacterDevice = (path: string): boolean => statOf(path)?.isCharacterDevice() === true;

/** True when `path` is a folder (following links). */
const isFolder = (path: string): boolean => statOf(path)?.isDirectory() === true;

/** Runs `fn`; a file-system error (one with an errno code) becomes an OutputError naming `path`; others pass unchanged. */
export function outputStep<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (e instanceof OutputError || typeof code !== 'string') throw e;
    // A file asked for under a name that ends in '/' (nothing there): ENOTDIR, but nothing is in the way.
    const bare = path.replace(/[\\/]+$/, '');
    const slash = code === 'ENOTDIR' && bare !== path && !existsSync(bare) && isFolder(dirname(resolve(bare)));
    const hint = slash ? " (the name ends in '/': a file name is needed here)" : code === 'EISDIR' ? ' (a folder is in the way)' : code === 'ENOTDIR' || code === 'EEXIST' ? ' (a file or folder is in the way)' : '';
    throw new OutputError(path, e, hint);
  }
}

/**
 * True when `path` is (or links to) something other than a file or folder: a device
 * (`/dev/stdout`, `/dev/null`), a FIFO, a socket. Such an output is written in place:
 * renaming a temporary file over it would replace the device or the link itself (as
 * root, `/dev/null` with a regular file), and it has no old content to protect.
 */
export function specialTarget(path: string): boolean {
  const st = statOf(path);
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

/**
 * Where an output named `path` is written: a symbolic link is followed (to its target,
 * even one not there yet), so that the file it names is replaced and the link is kept;
 * `inPlace` when that is a device or FIFO (`specialTarget`: `/dev/stdout` on a pipe or a
 * terminal, `/dev/null`, a named pipe), which is written directly, not renamed over.
 */
export function outputTarget(path: string): { path: string; inPlace: boolean } {
  let target = path;
  try {
    if (lstatSync(path).isSymbolicLink()) {
      try {
        target = realpathSync(path);
      } catch {
        // A link to nothing yet: its target, as the link names it.
        target = resolve(dirname(path), readlinkSync(path));
      }
    }
  } catch {
    // Not there: a new file.
  }
  return { path: target, inPlace: specialTarget(target) };
}

/**
 * Writes `data` to `path` through a temporary name and a rename. On failure the
 * temporary file is removed, `path` is left as it was, and an OutputError is thrown.
 * A link is followed (`outputTarget`: the link stays a link); a device or FIFO is
 * written in place (a FIFO waits for its reader, as any writer does).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const target = outputTarget(path);
  if (target.inPlace) {
    outputStep(path, () => writeFileSync(target.path, data));
    return;
  }
  const tmp = temporaryName(target.path);
  outputStep(path, () => {
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, target.path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  });
}

/**
 * Checks, before any work is spent, that `path` can be written: creates and removes its
 * temporary file (so nothing is left at `path` itself, and an existing file there is
 * untouched; a device or FIFO is checked for write access). Throws an OutputError when it cannot.
 */
export function checkWritable(path: string): void {
  const target = outputTarget(path);
  // A device or FIFO: may this process write it? (Opening a FIFO to try would wait for a reader.)
  if (target.inPlace) return outputStep(path, () => accessSync(target.path, constants.W_OK));
  const tmp = temporaryName(target.path);
  outputStep(path, () => {
    if (existsSync(target.path) && statSync(target.path).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    closeSync(openSync(tmp, 'w'));
    rmSync(tmp, { force: true });
  });
}

/** The identity of a file for comparisons: its real path when it exists (links resolved), else its absolute path. */
function identity(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // Not there yet: the real path of its folder, if that exists.
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Device and inode of an existing file (hard links to one file share them), or undefined. */
function inode(path: string): string | undefined {
  const s = statOf(path);
  return s === undefined ? undefined : `${s.dev}:${s.ino}`;
}

/**
 * Why these outputs cannot be written as asked, or null: an output that would overwrite
 * an input (by path, symbolic or hard link), or two outputs that are the same file.
 * `inputs` and `outputs` pair a description (`the topology`, `--csv`) with a path.
 */
export function outputClash(inputs: ReadonlyArray<[string, string]>, outputs: ReadonlyArray<[string, string]>): string | null {
  const same = (a: string, b: string) => identity(a) === identity(b) || (inode(a) !== undefined && inode(a) === inode(b));
  for (const [flag, out] of outputs) {
    for (const [what, input] of inputs) {
      if (same(out, input)) return `${flag} ${out} would overwrite ${what} ${input}; write the output elsewhere`;
    }
  }
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      // Two outputs to a sink such as /dev/null are no clash (a device holds no file to mix up).
      if (same(outputs[i][1], outputs[j][1]) && !isCharacterDevice(outputs[i][1])) return `${outputs[i][0]} and ${outputs[j][0]} name the same file (${outputs[j][1]}); give each its own`;
    }
  }
  return null;
}

/** The files `nfvsim run` writes, as [option, path]: `--csv`, `--events`, and `--report`'s report.json and report.html. */
export function runOutputs(opts: { csv?: string; events?: string; report?: string }): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (opts.csv) out.push(['--csv', opts.csv]);
  if (opts.events) out.push(['--events', opts.events]);
  if (opts.report) out.push(['--report', join(opts.report, 'report.json')], ['--report', join(opts.report, 'report.html')]);
  return out;
}
