/**
 * The cache of validated topologies (model/cache.ts, `loadTopologyTextCached`): a text
 * seen before is built from its entry without being parsed or validated; an entry is only
 * made for a text without errors; a damaged entry, or one whose build fails, is a miss;
 * NFVSIM_CACHE=off turns it off; the cache keeps at most MAX_ENTRIES entries; and runs
 * of the CLI give the same bytes with an empty cache, a full one and none.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirectory, entryBytes, MAX_ENTRIES, readValidated, writeValidated } from '../src/model/cache.js';
import { loadTopologyFile, loadTopologyTextCached, TopologyError } from '../src/model/index.js';
import { parseText, validateTopologyData } from '../src/model/load.js';
import { ROOT, SMALL_TOPOLOGY } from './helpers.js';

/** A small valid topology with a name (the model keeps it). */
const TEXT = `name: cached\n${SMALL_TOPOLOGY}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const validated = (text: string) => validateTopologyData(parseText(text, 'x.yaml'), 'x.yaml');

let dir: string;
const saved = process.env.NFVSIM_CACHE;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfvsim-cache-'));
  process.env.NFVSIM_CACHE = join(dir, 'cache');
});
afterEach(() => {
  if (saved === undefined) delete process.env.NFVSIM_CACHE;
  else process.env.NFVSIM_CACHE = saved;
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
    expect(JSON.stringify(second.model)).toBe(JSON.stringify(first.model));
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
    bytes[bytes.length - 3] ^= 0xff;
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
    const savedBytes = process.env.NFVSIM_MAX_BYTES;
    try {
      process.env.NFVSIM_MAX_BYTES = '5000000';
      loadTopologyTextCached(TEXT, 'small.yaml');
      expect(entries()).toHaveLength(1);
      process.env.NFVSIM_MAX_BYTES = '100';
      expect(() => loadTopologyTextCached(TEXT, 'small.yaml')).toThrow(/NFVSIM_MAX_BYTES/);
    } finally {
      if (savedBytes === undefined) delete process.env.NFVSIM_MAX_BYTES;
      else process.env.NFVSIM_MAX_BYTES = savedBytes;
    }
  });

  it('is off with NFVSIM_CACHE=off', () => {
    process.env.NFVSIM_CACHE = 'off';
    expect(cacheDirectory()).toBeNull();
    loadTopologyTextCached(TEXT, 'small.yaml');
    expect(existsSync(join(dir, 'cache'))).toBe(false);
    expect(readValidated(sha(TEXT))).toBeUndefined();
  });

  it(`keeps at most ${MAX_ENTRIES} entries`, () => {
    const entry = entryBytes(validated(TEXT))!;
    for (let i = 0; i < MAX_ENTRIES + 20; i++) writeValidated(sha(`text ${i}`), entry);
    expect(entries().length).toBe(MAX_ENTRIES);
    expect(entries().every((n) => n.endsWith('.bin'))).toBe(true);
  });

  it('gives the CLI the same bytes with an empty cache, a full one and none', { timeout: 60_000 }, () => {
    const cache = join(dir, 'cli-cache');
    const runCli = (env: string) =>
      spawnSync(process.execPath, ['bin/nfvsim.js', 'run', 'topologies/sal1-pair.yaml', '--runs', '4', '--seed', '3', '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NFVSIM_CACHE: env },
      });
    const cold = runCli(cache);
    expect(cold.status, cold.stderr).toBe(0);
    expect(readdirSync(cache)).toHaveLength(1);
    const warm = runCli(cache);
    const none = runCli('off');
    expect(warm.stdout).toBe(cold.stdout);
    expect(none.stdout).toBe(cold.stdout);
  });
});
