/**
 * The cache of validated topologies: a topology file that was read, checked and built
 * once is not parsed and validated again. The YAML parser, the schema's construction
 * (some 600 zod objects) and its validation are a fifth of a short run's start-up (some
 * 50 ms), and the parser's code is hot enough in that time for V8 to compile it in the
 * background, work no later history uses. A run of a topology seen before reads its
 * validated data (defaults filled in) from here and only builds the model from it.
 *
 * Rules:
 * - An entry is the schema's output for one text, written only after the model was built
 *   from it without an error, so a file with any error is never cached and always gets
 *   its located messages. Entries are written for topology files the CLI loads
 *   (`loadTopologyFile`); worker threads and queue workers read them but do not write
 *   (a sweep's points, texts made per point, would crowd out the user's files).
 * - Its key is the SHA-256 of the text, of the document bounds in force (NFVSIM_MAX_BYTES,
 *   _ITEMS, _ENTRIES, _NODES, _DEPTH: a text accepted under raised bounds is read and
 *   refused again under lower ones) and of the identity of the code that decides
 *   validation: the files of the compiled schema, loader, limits and units modules and
 *   the package.json of zod and of the YAML parser (path, size, modification time;
 *   `codeIdentity`, taken when this module loads). Other code (the model's build, the
 *   simulation) reads the entry, it does not shape it: it runs on every load.
 * - An entry holds a SHA-256 of its data, checked before the data is read: a damaged,
 *   truncated or foreign file is a miss. (A check against damage, not tampering: whoever
 *   can write the cache directory can make nfvsim build a model from data the schema did
 *   not check; keep NFVSIM_CACHE in a directory only you write.) Entries are written to a
 *   temporary file and renamed (`writeFileAtomic`), so a process reading while another
 *   writes sees all of an entry or none.
 * - The data is stored with V8's serializer (node:v8), which keeps every number
 *   (Infinity, -0), `undefined`, key order and shared objects: what is read is equal to
 *   what the schema returned.
 * - The cache lives in `node_modules/.cache/nfvsim/topologies` under the package root,
 *   and, when that cannot be written (an install the user cannot write: a global one, a
 *   read-only file system), in the user's cache directory (`userCacheDirectory`:
 *   `$XDG_CACHE_HOME/nfvsim/topologies` when XDG_CACHE_HOME is an absolute path, else
 *   `~/.cache/nfvsim/topologies`, `~/Library/Caches/...` on macOS, `%LOCALAPPDATA%\...`
 *   on Windows): an entry is read from the first of the two that holds a sound one and
 *   written to the first that takes it. The user's directory is not asked for, and
 *   XDG_CACHE_HOME or the home directory may be shared (`/tmp` in some containers), so it
 *   is made private (mode 0700) and, on POSIX systems, used only while it is a directory
 *   of this user's that no one else may write (`privateDirectory`). NFVSIM_CACHE
 *   names one directory instead of both, used as it is; NFVSIM_CACHE=off turns the cache off. Any
 *   failure to read or write (no such directory, read-only, full) is a miss, never an
 *   error. Each directory keeps at most MAX_ENTRIES entries, removing the least recently
 *   used beyond that (a hit marks its entry used), and never touches a file not named as
 *   its entries are.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../output.js';
import { limitValue, MAX_BYTES, MAX_DEPTH, MAX_ENTRIES as MAX_DOCUMENT_ENTRIES, MAX_ITEMS, MAX_NODES } from './limits.js';
import type { Topology } from './schema.js';

/** The first bytes of an entry (its format's version). */
const MAGIC = Buffer.from('nfvsim validated topology 1\n');
/** Bytes of a SHA-256 digest. */
const DIGEST = 32;
/** The most entries kept; beyond, the oldest (by modification time) are removed. */
export const MAX_ENTRIES = 256;

/** The bounds on a document that reading and validating it check (model/limits.ts), part of an entry's key. */
const PARSE_LIMITS = [MAX_BYTES, MAX_ITEMS, MAX_DOCUMENT_ENTRIES, MAX_NODES, MAX_DEPTH];

/** The modules (beside this one, in model/ and engine/) whose code decides what validation returns. */
const VALIDATION_MODULES = ['./schema', './load', './limits', '../engine/units'];
/** The packages whose code decides it too: the schema library and the YAML parser. */
const VALIDATION_PACKAGES = ['zod', 'yaml'];
/** The names of entries, and of their temporary files: pruning touches nothing else in the directory. */
const ENTRY_NAME = /^[0-9a-f]{64}\.bin$/;
const TEMPORARY_NAME = /^\.[0-9a-f]{64}\.bin\.\d+\.\d+\.tmp$/;

/**
 * The cache's directories, in the order an entry is looked for and written (see the
 * module's rules): none when it is off (NFVSIM_CACHE=off), the one NFVSIM_CACHE names,
 * else the package's and then the user's (when the user's can be worked out).
 */
export function cacheDirectories(): string[] {
  return places().map((p) => p.dir);
}

/** A directory of the cache, and whether it must be private to be used (the user's: see `privateDirectory`). */
interface Place {
  dir: string;
  private: boolean;
}

/** The cache's directories (`cacheDirectories`), each with whether it must be private. */
function places(): Place[] {
  const env = process.env.NFVSIM_CACHE;
  if (env === 'off') return [];
  if (env !== undefined && env !== '') return [{ dir: env, private: false }];
  const own = { dir: fileURLToPath(new URL('../../node_modules/.cache/nfvsim/topologies', import.meta.url)), private: false };
  const user = userCacheDirectory();
  return user === null ? [own] : [own, { dir: user, private: true }];
}

/**
 * True when `dir` is a directory only this user may write, so that entries in it are this
 * user's: on POSIX systems, its own (not a link) and not writable by its group or others;
 * elsewhere (Windows: no user ids here), any directory.
 */
function privateDirectory(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) return false;
    return typeof process.getuid !== 'function' || (st.uid === process.getuid() && (st.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/**
 * The directory in the user's cache for entries the package's directory does not take:
 * `nfvsim/topologies` under $XDG_CACHE_HOME when it is an absolute path, else under the
 * platform's cache directory (`~/Library/Caches` on macOS, %LOCALAPPDATA% on Windows,
 * `~/.cache` elsewhere); null when there is no home directory to put it in.
 */
export function userCacheDirectory(): string | null {
  return userCacheDirectoryFor(process.env, process.platform, homedir);
}

/**
 * `userCacheDirectory` for environment `env` on `platform`, `home` giving the home
 * directory (it may throw: no home). Paths are taken only when they are full: on Windows
 * a drive and its root (`C:\...`) or a network share (`\\server\share`), not a path
 * rooted on whatever drive is current (`\Users\...`), which names another directory
 * when the command runs from another drive.
 */
export function userCacheDirectoryFor(env: Record<string, string | undefined>, platform: string, home: () => string): string | null {
  const path = platform === 'win32' ? win32 : posix;
  const full = (p: string) => path.isAbsolute(p) && (platform !== 'win32' || /^(?:[a-zA-Z]:[\\/]|[\\/]{2}[^\\/])/.test(p));
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && full(xdg)) return path.join(xdg, 'nfvsim', 'topologies');
  const local = env.LOCALAPPDATA;
  if (platform === 'win32' && local !== undefined && full(local)) return path.join(local, 'nfvsim', 'topologies');
  let dir: string;
  try {
    dir = home();
  } catch {
    return null;
  }
  if (dir === '' || !full(dir)) return null;
  if (platform === 'darwin') return path.join(dir, 'Library', 'Caches', 'nfvsim', 'topologies');
  if (platform === 'win32') return path.join(dir, 'AppData', 'Local', 'nfvsim', 'topologies');
  return path.join(dir, '.cache', 'nfvsim', 'topologies');
}

/**
 * The identity of the code that decides what a text validates to: the path, size and
 * modification time of each validation module's file (VALIDATION_MODULES) and of the
 * package.json of zod and of the YAML parser; null when one cannot be found (then nothing
 * is cached). Worked out when this module loads, so that a long-lived process (a queue
 * worker) built again while it runs keeps storing under the identity of the code it runs.
 * A few `stat` calls: reading and hashing the files cost more than the cache saves on a
 * small topology. Building again or installing another zod or yaml changes it.
 */
const codeIdentity: string | null = (() => {
  try {
    // The modules as this one runs: .js in dist/ (the bundle is made from them), .ts from
    // the sources under the test runner.
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const files = VALIDATION_MODULES.map((m) => fileURLToPath(new URL(m + ext, import.meta.url)));
    for (const pkg of VALIDATION_PACKAGES) {
      // Where an install from this package's root puts it, else where Node finds it.
      const local = fileURLToPath(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url));
      files.push(statSync(local, { throwIfNoEntry: false }) ? local : createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    }
    const hash = createHash('sha256');
    for (const f of files) {
      const st = statSync(f);
      hash.update(`${f}\0${st.size}\0${st.mtimeMs}\0`);
    }
    return hash.digest('hex');
  } catch {
    return null;
  }
})();

/** The name of the entry for the text whose SHA-256 is `textSha256` (hex), or null when nothing is cached (the code's identity is unknown). */
function entryName(textSha256: string): string | null {
  const code = codeIdentity;
  if (code === null) return null;
  // The bounds checked before validation, as set now: a text accepted under raised
  // bounds must be refused again under lower ones.
  const bounds = PARSE_LIMITS.map((l) => limitValue(l)).join(',');
  return `${createHash('sha256').update(code).update('\0').update(bounds).update('\0').update(textSha256).digest('hex')}.bin`;
}

/** The validated data of the text whose SHA-256 is `textSha256`, from the first directory that holds a sound entry for it. */
export function readValidated(textSha256: string): Topology | undefined {
  const dirs = places();
  if (dirs.length === 0) return undefined;
  const name = entryName(textSha256);
  if (name === null) return undefined;
  for (const place of dirs) {
    if (place.private && !privateDirectory(place.dir)) continue;
    const topology = readEntry(join(place.dir, name));
    if (topology !== undefined) return topology;
  }
  return undefined;
}

/** The data of the entry in `file` when it is there and sound (then marked used), else undefined. */
function readEntry(file: string): Topology | undefined {
  try {
    const bytes = readFileSync(file);
    const at = MAGIC.length;
    if (bytes.length < at + DIGEST || !bytes.subarray(0, at).equals(MAGIC)) return undefined;
    const data = bytes.subarray(at + DIGEST);
    if (!createHash('sha256').update(data).digest().equals(bytes.subarray(at, at + DIGEST))) return undefined;
    const topology = deserialize(data) as Topology;
    touch(file);
    return topology;
  } catch {
    return undefined;
  }
}

/** Marks an entry used now (its modification time), so that pruning removes the least recently used. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Read-only: pruning then goes by the time the entry was written.
  }
}

/**
 * The bytes of an entry for `topology` (the schema's output), made before the model is
 * built from it (the build must not be able to change what is stored); undefined when
 * the cache is off or the data cannot be serialized.
 */
export function entryBytes(topology: Topology): Buffer | undefined {
  if (places().length === 0) return undefined;
  try {
    const data = serialize(topology);
    return Buffer.concat([MAGIC, createHash('sha256').update(data).digest(), data]);
  } catch {
    return undefined;
  }
}

/**
 * Stores an entry (`entryBytes`) for the text whose SHA-256 is `textSha256` in the first
 * directory that takes it (see `cacheDirectories`); failures are ignored.
 */
export function writeValidated(textSha256: string, entry: Buffer): void {
  const name = entryName(textSha256);
  if (name === null) return;
  for (const { dir, private: mine } of places()) {
    try {
      // The user's directory is made private (a directory made earlier is left as it is
      // and used only if it is private).
      mkdirSync(dir, mine ? { recursive: true, mode: 0o700 } : { recursive: true });
      if (mine && !privateDirectory(dir)) continue;
      // Through a temporary name unique to this process and thread, then a rename.
      writeFileAtomic(join(dir, name), entry);
    } catch {
      // This one cannot be written: the next, if any.
      continue;
    }
    try {
      prune(dir);
    } catch {
      // Pruned next time.
    }
    return;
  }
}

/**
 * Removes the least recently used entries of `dir` beyond MAX_ENTRIES (and temporary files
 * of entries over a minute old); files of other names are never touched (NFVSIM_CACHE may
 * name a directory that holds other things).
 */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((name) => ENTRY_NAME.test(name) || TEMPORARY_NAME.test(name));
  if (names.length <= MAX_ENTRIES) return;
  const now = Date.now();
  const entries: Array<{ path: string; mtime: number }> = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const mtime = statSync(path).mtimeMs;
      if (TEMPORARY_NAME.test(name)) {
        if (now - mtime > 60_000) unlinkSync(path);
      } else entries.push({ path, mtime });
    } catch {
      // Removed meanwhile by another process.
    }
  }
  entries.sort((a, b) => a.mtime - b.mtime);
  for (let i = 0; i < entries.length - MAX_ENTRIES; i++) {
    try {
      unlinkSync(entries[i].path);
    } catch {
      // Removed meanwhile by another process.
    }
  }
}
