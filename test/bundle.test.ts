/**
 * The CLI's bundle and its code cache (scripts/bundle.mjs, scripts/code-cache.mjs,
 * bin/load-cli.js), and the worker threads' bundle (runner/parallel.ts): the bundles give
 * the same bytes as the ES modules of dist/, the build's
 * code cache is one that V8 takes, and a code cache that is damaged, made for another
 * script or missing, or a missing bundle, changes nothing but the start-up time.
 * (No timing here: start-up is measured by `npm run bench`.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle', 'nfvsim.cjs');
const CACHE = `${BUNDLE}.v8cache`;
const INPUTS = `${BUNDLE}.inputs.json`;
const RUN = ['run', 'topologies/minimal.yaml', '--runs', '10', '--json'];

/** Runs `node args` in `cwd`; returns exit code, stdout and stderr. */
function node(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command line run by the ES modules of dist/ (dist/cli/main.js), without the bundle. */
function esModules(args: string[]) {
  const main = pathToFileURL(join(ROOT, 'dist', 'cli', 'main.js')).href;
  return node(['--input-type=module', '-e', `import { main } from ${JSON.stringify(main)}; process.exitCode = await main([process.argv[0], 'nfvsim', ...process.argv.slice(1)]);`, ...args]);
}

let reference: ReturnType<typeof node>;
let copy: string;

beforeAll(() => {
  reference = esModules(RUN);
  expect(reference.code, reference.stderr).toBe(0);
  // A copy of the package whose dist/bundle a test may change: bin/ and dist/bundle are
  // copies, the rest links to this package.
  copy = mkdtempSync(join(tmpdir(), 'nfvsim-bundle-'));
  cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  for (const name of ['node_modules', 'topologies', 'assets']) symlinkSync(join(ROOT, name), join(copy, name));
  mkdirSync(join(copy, 'dist'));
  for (const name of readdirSync(join(ROOT, 'dist'))) if (name !== 'bundle') symlinkSync(join(ROOT, 'dist', name), join(copy, 'dist', name));
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** Puts `bundle` (or none), `cache` (or none) and `inputs` (default: the build's) in the copy's dist/bundle. */
function install(bundle: Buffer | undefined, cache: Buffer | undefined, inputs: Buffer = readFileSync(INPUTS)): void {
  const dir = join(copy, 'dist', 'bundle');
  rmSync(dir, { recursive: true, force: true });
  if (!bundle) return;
  mkdirSync(dir);
  writeFileSync(join(dir, 'nfvsim.cjs'), bundle);
  writeFileSync(join(dir, 'nfvsim.cjs.inputs.json'), inputs);
  if (cache) writeFileSync(join(dir, 'nfvsim.cjs.v8cache'), cache);
}

describe('the bundle', () => {
  it('is built with its code cache, and is current', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(CACHE)).toBe(true);
    const load = createRequire(import.meta.url)(join(ROOT, 'bin', 'load-cli.js')) as { bundleCurrent(): boolean };
    expect(load.bundleCurrent()).toBe(true);
  });

  it('gives the same bytes as dist/cli/main.js', () => {
    const r = node(['bin/nfvsim.js', ...RUN]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(reference.stdout);
    expect(r.stderr).toBe(reference.stderr);
  });

  it('gives the same bytes with --jobs 2 (worker threads from the worker bundle, dist/bundle/worker.cjs) as with --jobs 1', () => {
    const load = createRequire(import.meta.url)(join(ROOT, 'bin', 'load-cli.js')) as { WORKER_BUNDLE: string; bundleCurrent(bundle: string): boolean };
    expect(load.bundleCurrent(load.WORKER_BUNDLE)).toBe(true);
    const args = ['run', 'topologies/sal1-pair.yaml', '--runs', '120', '--horizon', '3y', '--seed', '7', '--json'];
    const one = esModules([...args, '--jobs', '1']);
    const two = node(['bin/nfvsim.js', ...args, '--jobs', '2']);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  it('worker threads load the worker bundle when it is current, else dist/runner/worker.js (the same bytes)', () => {
    const args = ['bin/nfvsim.js', 'run', 'topologies/sal1-pair.yaml', '--runs', '120', '--horizon', '2y', '--seed', '3', '--json', '--jobs'];
    const one = node([...args, '1']);
    expect(one.code, one.stderr).toBe(0);
    const dir = join(copy, 'dist', 'bundle');
    const inputs = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'worker.cjs.inputs.json'), 'utf8')) as Array<[string, number, number]>;
    const worker = (text: string, list: Array<[string, number, number]>) => {
      install(readFileSync(BUNDLE), readFileSync(CACHE));
      writeFileSync(join(dir, 'worker.cjs'), text);
      writeFileSync(join(dir, 'worker.cjs.inputs.json'), JSON.stringify(list));
    };
    // Current (the build's inputs) but failing when loaded: the run fails, so it was loaded.
    worker('throw new Error("the worker bundle ran");\n', inputs);
    expect(node([...args, '2'], copy).code).not.toBe(0);
    // The same, made from a file of dist/ of another size: stale, dist/runner/worker.js runs.
    worker('throw new Error("a stale worker bundle ran");\n', inputs.map(([f, size, mtime], i): [string, number, number] => [f, i === 0 ? size + 1 : size, mtime]));
    const stale = node([...args, '2'], copy);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stdout).toBe(one.stdout);
  });

  // The bundle keeps no function names (scripts/bundle.mjs: keepNames): errors of every
  // layer (the topology's schema and meaning, commander, an option's parser, a usage rule)
  // must read the same.
  it.each([
    ['a topology error (schema)', ['run', 'test/bad.yaml']],
    ['a topology error (meaning)', ['validate', 'test/bad-meaning.yaml']],
    ['an unknown option', ['run', 'topologies/minimal.yaml', '--colour']],
    ["an option's bad value", ['run', 'topologies/minimal.yaml', '--runs', 'ten']],
    ['a usage error', ['run', 'topologies/minimal.yaml', '--fail-on-sal']],
    ['no such file', ['run', 'test/no-such-file.yaml']],
  ])('gives the same error as dist/cli/main.js: %s', (_what, args) => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-bundle-errors-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'components:\n  hw: { layer: hardware, failures: { crash: { ttf: { dist: exponential, mean: 1000 } } } }\n');
      writeFileSync(join(dir, 'bad-meaning.yaml'), readFileSync(join(ROOT, 'topologies', 'minimal.yaml'), 'utf8').replace('group: server }', 'group: nosuch }'));
      const at = args.map((a) => (a.startsWith('test/') ? join(dir, a.slice(5)) : a));
      const bundled = node(['bin/nfvsim.js', ...at]);
      const reference = esModules(at);
      expect(bundled.code).toBe(reference.code);
      expect(bundled.code).not.toBe(0);
      expect(bundled.stderr).toBe(reference.stderr);
      expect(bundled.stdout).toBe(reference.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads worker_threads and child_process only on first use (a small run uses neither)', () => {
    const probe = `process.on('exit', () => process.stderr.write('LOADED ' + process.moduleLoadList.filter((m) => /^NativeModule (worker_threads|child_process)$/.test(m)).join(',')));
process.argv = [process.argv[0], 'bin/nfvsim.js', ...${JSON.stringify(RUN)}]; require('./bin/nfvsim.js');`;
    const r = node(['-e', probe]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(reference.stdout);
    expect(r.stderr).toMatch(/LOADED $/);
  });

  it('runs zod and yaml only when a topology is validated: not for a topology validated before', () => {
    // zod sets globalThis.__zod_globalConfig when its modules run; the bundle runs them on
    // the first use of an export (scripts/bundle.mjs LAZY_PACKAGES).
    const cache = mkdtempSync(join(tmpdir(), 'nfvsim-lazy-'));
    try {
      const probe = `process.on('exit', () => process.stderr.write('ZOD ' + (globalThis.__zod_globalConfig !== undefined)));
process.argv = [process.argv[0], 'bin/nfvsim.js', ...${JSON.stringify(RUN)}]; require('./bin/nfvsim.js');`;
      const run = (nfvsimCache: string) => {
        const r = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NFVSIM_CACHE: nfvsimCache } });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe(reference.stdout);
        return r.stderr;
      };
      // The first run validates (and fills the cache); the second reads the cache.
      expect(run(cache)).toMatch(/ZOD true$/);
      expect(run(cache)).toMatch(/ZOD false$/);
      expect(run('off')).toMatch(/ZOD true$/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('loads its packages that are ES modules (vega) on first use', () => {
    const out = join(copy, 'report');
    const r = node(['bin/nfvsim.js', 'run', 'topologies/minimal.yaml', '--runs', '5', '--report', out, '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('binds its code cache to the bundle: by its digest, unless the file is the one the cache was made for (size and mtime)', () => {
    type Stat = { size: number; mtimeMs: number };
    const L = createRequire(import.meta.url)(join(ROOT, 'bin', 'load-cli.js')) as { readBundle(): { bytes: Buffer; stat: Stat }; readCodeCache(b: Buffer, s?: Stat): Buffer | undefined };
    const { bytes, stat } = L.readBundle();
    expect(L.readCodeCache(bytes, stat)).toBeDefined();
    expect(L.readCodeCache(bytes)).toBeDefined();
    // Other bytes of the same length (what V8 would take): refused unless size and mtime are the recorded ones.
    const other = Buffer.from(bytes);
    other[other.length >> 1] ^= 1;
    expect(L.readCodeCache(other, { size: stat.size, mtimeMs: stat.mtimeMs + 1 })).toBeUndefined();
    expect(L.readCodeCache(other)).toBeUndefined();
  });

  it("has a code cache that this Node's V8 takes", () => {
    const r = node(['-e', `const L = require(${JSON.stringify(join(ROOT, 'bin', 'load-cli.js'))}); const b = require('node:fs').readFileSync(L.BUNDLE); const data = L.readCodeCache(b); process.stdout.write(String(data !== undefined && !L.compileBundle(b.toString('latin1'), data).cachedDataRejected));`]);
    expect(r.stdout, r.stderr).toBe('true');
  });
});

describe('start-up without a usable code cache or bundle: the same bytes', () => {
  const bundle = () => readFileSync(BUNDLE);
  const cache = () => readFileSync(CACHE);
  const load = createRequire(import.meta.url)(join(ROOT, 'bin', 'load-cli.js')) as { codeCacheFile(bundle: Buffer, data: Buffer): Buffer };
  const cases: Array<[string, () => [Buffer | undefined, Buffer | undefined, Buffer?]]> = [
    ['the copy as built', () => [bundle(), cache()]],
    ['no code cache', () => [bundle(), undefined]],
    ['a code cache cut short', () => [bundle(), cache().subarray(0, 1000)]],
    // A flipped byte in V8's data crashes V8 if it gets that far: the digest stops it.
    ['a code cache with a flipped byte', () => {
      const c = Buffer.from(cache());
      for (const at of [100, 1000, c.length >> 1]) c[at] ^= 0x5a;
      return [bundle(), c];
    }],
    ['a code cache of another bundle', () => {
      const b = Buffer.concat([bundle(), Buffer.from('\n// another build\n')]);
      return [b, cache()];
    }],
    // Right digests, V8 data of another script: V8 refuses it (as it does a cache of
    // another V8 version or other flags).
    ["a code cache V8 refuses", () => {
      const b = bundle();
      const vm = createRequire(import.meta.url)('node:vm') as typeof import('node:vm');
      return [b, load.codeCacheFile(b, new vm.Script('1 + 1').createCachedData())];
    }],
    ['no bundle (dist/cli/main.js)', () => [undefined, undefined]],
    // A bundle that fails if it runs, made from a dist/version.js of another size: stale,
    // so dist/cli/main.js runs.
    ['a stale bundle (dist/cli/main.js)', () => {
      const inputs = (JSON.parse(readFileSync(INPUTS, 'utf8')) as Array<[string, number, number]>).map(([f, size, mtime]): [string, number, number] => [f, f === 'version.js' ? size + 1 : size, mtime]);
      return [Buffer.from('throw new Error("a stale bundle ran");\n'), undefined, Buffer.from(JSON.stringify(inputs))];
    }],
    ['no list of what the bundle was made from (dist/cli/main.js)', () => [Buffer.from('throw new Error("a bundle of unknown inputs ran");\n'), undefined, Buffer.from('')]],
  ];
  it.each(cases)('%s', (_what, files) => {
    install(...files());
    const r = node(['bin/nfvsim.js', ...RUN], copy);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(reference.stderr);
    expect(r.stdout).toBe(reference.stdout);
  });
});
