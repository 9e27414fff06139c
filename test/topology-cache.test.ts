/**
 * The cache of validated topologies (model/cache.ts, `loadTopologyTextCached`): a text
 * seen before is built from its entry without being parsed or validated; an entry is only
 * made for a text without errors, and only by the process that read the file; a damaged
 * entry, or one whose build fails, is a miss; the bounds are checked again on a hit;
 * NFVSIM_CACHE=off turns it off; the cache keeps the MAX_ENTRIES most recently used
 * entries and touches no other file; and runs of the CLI give the same bytes with an empty
 * cache, a full one and none, on one thread and on two.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirectories, entryBytes, MAX_ENTRIES, readValidated, userCacheDirectory, userCacheDirectoryFor, writeValidated } from '../src/model/cache.js';
import { loadTopologyFile, loadTopologyTextCached, TopologyError } from '../src/model/index.js';
import { parseText, validateTopologyData } from '../src/model/load.js';
import { ROOT, SMALL_TOPOLOGY } from './helpers.js';

/** A small valid topology with a name (the model keeps it). */
const TEXT = `name: cached\n${SMALL_TOPOLOGY}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const validated = (text: string) => validateTopologyData(parseText(text, 'x.yaml'), 'x.yaml');

let dir: string;
/** The environment variables the tests set, as they were before (restored after each test). */
const VARIABLES = ['NFVSIM_CACHE', 'NFVSIM_MAX_BYTES', 'NFVSIM_MAX_COMPONENTS', 'XDG_CACHE_HOME'];
const saved = new Map(VARIABLES.map((v) => [v, process.env[v]]));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfvsim-cache-'));
  process.env.NFVSIM_CACHE = join(dir, 'cache');
});
afterEach(() => {
  for (const [v, value] of saved) {
    if (value === undefined) delete process.env[v];
    else process.env[v] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

const entries = () => (existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')) : []);

describe('the cache of validated topologies', () => {
  it('stores a topology once it is built, and builds the same model from the entry', () => {
    const first = loadTopologyTextCached(TEXT, 'small.yaml');
    expect(entries()).toHaveLength(1);
    expect(readValidated(sha(TEXT))).toEqual(validated(TEXT));
    const second = loadTopologyTextCached(TEXT, 'small.yaml');
    expect(second.sha256).toBe(first.sha256);
    // Everything, Infinity, -0, undefined and functions' names included.
    const all = (m: unknown) => inspect(m, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity });
    expect(all(second.model)).toBe(all(first.model));
    expect(all(second.model)).toContain("name: 'cached'");
  });

  it('does not parse or validate a text it holds: the entry decides', () => {
    // An entry for TEXT that holds another (valid) topology: a hit builds that one.
    const other = TEXT.replace('name: cached', 'name: from the entry');
    expect(other).not.toBe(TEXT);
    writeValidated(sha(TEXT), entryBytes(validated(other))!);
    expect(loadTopologyTextCached(TEXT, 'small.yaml').model.name).toBe('from the entry');
  });

  it('treats a damaged entry as a miss and writes a sound one', () => {
    loadTopologyTextCached(TEXT, 'small.yaml');
    const [name] = entries();
    const file = join(dir, 'cache', name);
    const bytes = readFileSync(file);
    // A changed letter inside a string: the data still reads, the digest tells.
    const at = bytes.lastIndexOf(Buffer.from('cached'));
    expect(at).toBeGreaterThan(0);
    bytes[at + 5] = 'x'.charCodeAt(0);
    writeFileSync(file, bytes);
    expect(readValidated(sha(TEXT))).toBeUndefined();
    writeFileSync(file, bytes.subarray(0, 20));
    expect(readValidated(sha(TEXT))).toBeUndefined();
    const again = loadTopologyTextCached(TEXT, 'small.yaml');
    expect(again.model.name).toBe(validated(TEXT).name);
    expect(readValidated(sha(TEXT))).toEqual(validated(TEXT));
  });

  it('loads the text when the entry does not build, with the errors of the text', () => {
    // Valid for the schema, not for the model: a service over a VNF that does not exist.
    const data = validated(TEXT);
    const broken = { ...data, services: { s: { chain: ['no-such-vnf'] } } } as typeof data;
    expect(() => loadTopologyTextCached(JSON.stringify(broken), 'broken.json')).toThrow(TopologyError);
    expect(entries()).toEqual([]);
    writeValidated(sha(TEXT), entryBytes(broken)!);
    expect(loadTopologyTextCached(TEXT, 'small.yaml').model.name).toBe(data.name);
  });

  it('never stores a text with an error, and reports it located as without the cache', () => {
    const bad = TEXT.replace('mean: 1000h', 'mean: 1000');
    expect(bad).not.toBe(TEXT);
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, bad);
    for (let i = 0; i < 2; i++) {
      const e = (() => {
        try {
          loadTopologyFile(path);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(TopologyError);
      expect((e as TopologyError).issues[0].line).toBeGreaterThan(0);
    }
    expect(entries()).toEqual([]);
  });

  it('checks the document bounds in force: a text cached under raised bounds is refused under lower ones', () => {
    process.env.NFVSIM_MAX_BYTES = '5000000';
    loadTopologyTextCached(TEXT, 'small.yaml');
    expect(entries()).toHaveLength(1);
    process.env.NFVSIM_MAX_BYTES = '100';
    expect(() => loadTopologyTextCached(TEXT, 'small.yaml')).toThrow(/NFVSIM_MAX_BYTES/);
  });

  it('checks the model bounds again on a hit (the build runs on every load)', () => {
    loadTopologyTextCached(TEXT, 'small.yaml');
    expect(entries()).toHaveLength(1);
    process.env.NFVSIM_MAX_COMPONENTS = '2';
    expect(() => loadTopologyTextCached(TEXT, 'small.yaml')).toThrow(/NFVSIM_MAX_COMPONENTS/);
  });

  it('is only read, not written, by worker threads (store false)', () => {
    loadTopologyTextCached(TEXT, 'small.yaml', false);
    expect(entries()).toEqual([]);
    const other = TEXT.replace('name: cached', 'name: from the entry');
    writeValidated(sha(TEXT), entryBytes(validated(other))!);
    expect(loadTopologyTextCached(TEXT, 'small.yaml', false).model.name).toBe('from the entry');
  });

  it('is off with NFVSIM_CACHE=off', () => {
    process.env.NFVSIM_CACHE = 'off';
    expect(cacheDirectories()).toEqual([]);
    loadTopologyTextCached(TEXT, 'small.yaml');
    expect(existsSync(join(dir, 'cache'))).toBe(false);
    expect(readValidated(sha(TEXT))).toBeUndefined();
  });

  it(`keeps the ${MAX_ENTRIES} most recently used entries, and touches no other file`, () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache, { recursive: true });
    const old = new Date(Date.now() - 3_600_000);
    const foreign = ['firmware-1.bin', 'notes.tmp', `${'a'.repeat(64)}.txt`];
    for (const f of foreign) {
      writeFileSync(join(cache, f), 'not nfvsim');
      utimesSync(join(cache, f), old, old);
    }
    const entry = entryBytes(validated(TEXT))!;
    const texts = Array.from({ length: MAX_ENTRIES }, (_, i) => `text ${i}`);
    const seen = new Set(readdirSync(cache));
    texts.forEach((t, i) => {
      writeValidated(sha(t), entry);
      const added = readdirSync(cache).filter((n) => !seen.has(n));
      expect(added).toHaveLength(1);
      seen.add(added[0]);
      // Used i minutes after the first (modification times decide what goes first).
      const when = new Date(old.getTime() + i * 60_000);
      utimesSync(join(cache, added[0]), when, when);
    });
    expect(entries().filter((n) => /^[0-9a-f]{64}\.bin$/.test(n))).toHaveLength(MAX_ENTRIES);
    // The oldest (text 0) is read now: used, it outlives the next ones.
    expect(readValidated(sha('text 0'))).toBeDefined();
    for (let i = 0; i < 10; i++) writeValidated(sha(`new ${i}`), entry);
    const names = entries();
    expect(names.filter((n) => /^[0-9a-f]{64}\.bin$/.test(n))).toHaveLength(MAX_ENTRIES);
    expect(readValidated(sha('text 0'))).toBeDefined();
    for (let i = 1; i <= 10; i++) expect(readValidated(sha(`text ${i}`)), `text ${i}`).toBeUndefined();
    expect(readValidated(sha('text 11'))).toBeDefined();
    for (let i = 0; i < 10; i++) expect(readValidated(sha(`new ${i}`))).toBeDefined();
    for (const f of foreign) expect(names).toContain(f);
  });

  it('gives the CLI the same bytes with an empty cache, a full one and none', { timeout: 60_000 }, () => {
    const cache = join(dir, 'cli-cache');
    const runCli = (env: string, jobs = '1') =>
      spawnSync(process.execPath, ['bin/nfvsim.js', 'run', 'topologies/sal1-pair.yaml', '--runs', '4', '--seed', '3', '--json', '--jobs', jobs], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NFVSIM_CACHE: env },
      });
    const cold = runCli(cache);
    expect(cold.status, cold.stderr).toBe(0);
    expect(readdirSync(cache)).toHaveLength(1);
    const warm = runCli(cache);
    const none = runCli('off');
    // Worker threads read the entry the first process wrote.
    const threads = runCli(cache, '2');
    expect(threads.status, threads.stderr).toBe(0);
    expect(warm.stdout).toBe(cold.stdout);
    expect(none.stdout).toBe(cold.stdout);
    expect(threads.stdout).toBe(cold.stdout);
    expect(readdirSync(cache)).toHaveLength(1);
  });

  it("lives in the package's directory, then the user's: NFVSIM_CACHE names one instead", () => {
    const own = join(ROOT, 'node_modules', '.cache', 'nfvsim', 'topologies');
    process.env.NFVSIM_CACHE = join(dir, 'mine');
    expect(cacheDirectories()).toEqual([join(dir, 'mine')]);
    delete process.env.NFVSIM_CACHE;
    process.env.XDG_CACHE_HOME = join(dir, 'xdg');
    expect(cacheDirectories()).toEqual([own, join(dir, 'xdg', 'nfvsim', 'topologies')]);
    // A relative XDG_CACHE_HOME is ignored (the XDG rule): the home directory's.
    process.env.XDG_CACHE_HOME = 'relative/cache';
    if (homedir() === '') return;
    const home = process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches') : process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local')) : join(homedir(), '.cache');
    expect(userCacheDirectory()).toBe(join(home, 'nfvsim', 'topologies'));
    expect(cacheDirectories()).toEqual([own, join(home, 'nfvsim', 'topologies')]);
  });

  it("the user's cache directory on each platform, from full paths only (a Windows path rooted on the current drive is not one)", () => {
    const home = (h: string) => () => h;
    const noHome = () => {
      throw new Error('no home');
    };
    // Linux and macOS: XDG_CACHE_HOME when absolute, else the home directory's.
    expect(userCacheDirectoryFor({ XDG_CACHE_HOME: '/var/cache/u' }, 'linux', home('/home/u'))).toBe('/var/cache/u/nfvsim/topologies');
    expect(userCacheDirectoryFor({ XDG_CACHE_HOME: 'rel' }, 'linux', home('/home/u'))).toBe('/home/u/.cache/nfvsim/topologies');
    expect(userCacheDirectoryFor({}, 'darwin', home('/Users/u'))).toBe('/Users/u/Library/Caches/nfvsim/topologies');
    expect(userCacheDirectoryFor({}, 'linux', home(''))).toBeNull();
    expect(userCacheDirectoryFor({}, 'linux', home('relative'))).toBeNull();
    expect(userCacheDirectoryFor({}, 'linux', noHome)).toBeNull();
    // Windows: LOCALAPPDATA with a drive or on a share; a path rooted on the current drive is skipped.
    expect(userCacheDirectoryFor({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', home('C:\\Users\\u'))).toBe('C:\\Users\\u\\AppData\\Local\\nfvsim\\topologies');
    expect(userCacheDirectoryFor({ LOCALAPPDATA: '\\\\srv\\share\\u' }, 'win32', noHome)).toBe('\\\\srv\\share\\u\\nfvsim\\topologies');
    expect(userCacheDirectoryFor({ LOCALAPPDATA: '\\Users\\u\\AppData\\Local' }, 'win32', home('D:\\u'))).toBe('D:\\u\\AppData\\Local\\nfvsim\\topologies');
    expect(userCacheDirectoryFor({ LOCALAPPDATA: '\\Users\\u' }, 'win32', home('\\u'))).toBeNull();
    expect(userCacheDirectoryFor({ XDG_CACHE_HOME: 'C:/cache' }, 'win32', noHome)).toBe('C:\\cache\\nfvsim\\topologies');
    expect(userCacheDirectoryFor({ XDG_CACHE_HOME: '/cache' }, 'win32', noHome)).toBeNull();
  });

  it("falls back to the user's directory when the package's cannot be written (a global install)", { timeout: 60_000 }, () => {
    // A copy of the package whose node_modules/.cache is a file: its cache directory cannot
    // be made, not even by root (whom permissions do not stop).
    const pkg = join(dir, 'installed');
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true, preserveTimestamps: true });
    mkdirSync(join(pkg, 'topologies'));
    writeFileSync(join(pkg, 'topologies', 'small.yaml'), TEXT);
    mkdirSync(join(pkg, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name !== '.cache' && name !== '.bin') symlinkSync(join(ROOT, 'node_modules', name), join(pkg, 'node_modules', name), 'junction');
    }
    writeFileSync(join(pkg, 'node_modules', '.cache'), 'not a directory\n');
    // The copies' modification times (a copy rounds them to the millisecond) in the bundles'
    // lists of inputs, so that the copy runs its bundle, as an install does.
    for (const list of ['nfvsim.cjs.inputs.json', 'worker.cjs.inputs.json']) {
      const file = join(pkg, 'dist', 'bundle', list);
      const inputs = JSON.parse(readFileSync(file, 'utf8')) as Array<[string, number, number]>;
      writeFileSync(file, JSON.stringify(inputs.map(([f]) => [f, statSync(join(pkg, 'dist', f)).size, statSync(join(pkg, 'dist', f)).mtimeMs])) + '\n');
    }
    expect((createRequire(import.meta.url)(join(pkg, 'bin', 'load-cli.js')) as { bundleCurrent: () => boolean }).bundleCurrent()).toBe(true);
    const user = join(dir, 'xdg', 'nfvsim', 'topologies');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'xdg') };
    delete env.NFVSIM_CACHE;
    const runCli = () => spawnSync(process.execPath, ['bin/nfvsim.js', 'run', 'topologies/small.yaml', '--runs', '3', '--json'], { cwd: pkg, encoding: 'utf8', env });
    const first = runCli();
    expect(first.status, first.stderr).toBe(0);
    const [entry] = readdirSync(user);
    expect(readdirSync(user)).toHaveLength(1);
    // The second run reads it there: a hit marks its entry used (its modification time).
    const long = new Date(Date.now() - 3_600_000);
    utimesSync(join(user, entry), long, long);
    const second = runCli();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(join(user, entry)).mtimeMs).toBeGreaterThan(long.getTime() + 1_000_000);
    if (typeof process.getuid === 'function') {
      // Made private; and not used once others may write it (XDG_CACHE_HOME or the home
      // directory may be shared): no hit, no entry written.
      expect(statSync(user).mode & 0o777).toBe(0o700);
      chmodSync(user, 0o777);
      utimesSync(join(user, entry), long, long);
      const third = runCli();
      expect(third.status, third.stderr).toBe(0);
      expect(third.stdout).toBe(first.stdout);
      // Not touched (to the millisecond: file systems keep times in finer or coarser units).
      expect(Math.abs(statSync(join(user, entry)).mtimeMs - long.getTime())).toBeLessThan(1);
      expect(readdirSync(user)).toEqual([entry]);
    }
  });
});
