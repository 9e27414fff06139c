/**
 * Loads the compiled CLI for bin/nfvsim.js, quickly: the bundle dist/bundle/nfvsim.cjs
 * (scripts/bundle.mjs: the modules of dist/ in one CommonJS file), compiled with the V8
 * code cache made for it at build time (scripts/code-cache.mjs), so that V8 neither
 * parses nor compiles what a run uses. Falls back silently: to a normal compile when the
 * cache is missing, damaged, made for another bundle or refused by V8 (another Node or
 * V8 version, other V8 flags), and to the ES modules of dist/ (dist/cli/main.js) when
 * the bundle is missing or stale (`bundleCurrent`). The code run is the same in every case.
 *
 * The cache file: MAGIC, the SHA-256 of the bundle's bytes, the SHA-256 of the V8 data,
 * the bundle's size and mtime (ms) when the cache was made (two float64 LE), then the V8
 * data. Both digests are checked before V8 sees the data (V8 checks its own version and
 * flags, but not the data's integrity, and only the length of the text); the bundle's
 * digest only when its size or mtime is not the one recorded (the file the cache was made
 * for, untouched since: the usual case, and 1.4 MB not hashed at each start).
 */
'use strict';
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readFileSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** The bundle's path. */
const BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'nfvsim.cjs');
/** The code cache's path. */
const CODE_CACHE = `${BUNDLE}.v8cache`;
/** The bundle's inputs: [path from dist/, size, mtimeMs] of each file it was made from (scripts/bundle.mjs). */
const INPUTS = `${BUNDLE}.inputs.json`;
/**
 * The worker threads' bundle (of dist/runner/worker.js, scripts/bundle.mjs; with its
 * inputs beside it as the CLI's), which runner/parallel.ts gives the worker threads when
 * it is current.
 */
const WORKER_BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'worker.cjs');
/** The first bytes of a code cache file (its format's version). */
const MAGIC = Buffer.from('nfvsim code cache 2\n');
/** Bytes of a SHA-256 digest. */
const DIGEST = 32;
/** Bytes of the header after MAGIC: two digests, the bundle's size and mtime. */
const HEADER = 2 * DIGEST + 16;
/**
 * Node's CommonJS wrapper, on the bundle's first line so that line numbers stay the file's,
 * with one more parameter: the bundle imports ES modules through __nfvsimImport (V8, in
 * Node 20, loses a script's import() callback when the script comes from a code cache).
 */
const HEAD = '(function (exports, require, module, __filename, __dirname, __nfvsimImport) { ';
const TAIL = '\n})';

const sha256 = (data) => createHash('sha256').update(data).digest();

/**
 * Compiles the bundle's text `source` as a function of Node's CommonJS wrapper, with V8
 * code cache `cachedData` when given (V8 refuses it silently: `script.cachedDataRejected`).
 */
function compileBundle(source, cachedData) {
  return new vm.Script(HEAD + source + TAIL, { filename: BUNDLE, cachedData });
}

/** import() of a package for the bundle (packages resolve from here as from dist/bundle). */
const importForBundle = (specifier) => import(specifier);

/** Runs a compiled bundle as a CommonJS module; returns its exports (those of dist/cli/main.js). */
function runBundle(script) {
  const module = { exports: {}, filename: BUNDLE, id: BUNDLE, loaded: false };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE), importForBundle);
  module.loaded = true;
  return module.exports;
}

/**
 * The code cache file's bytes for the bundle's bytes `bundle` and V8 data `data`;
 * `stat`: the bundle file's size and mtimeMs (fs.Stats), or none (then its digest is
 * checked at each start).
 */
function codeCacheFile(bundle, data, stat = { size: -1, mtimeMs: -1 }) {
  const file = Buffer.alloc(16);
  file.writeDoubleLE(stat.size, 0);
  file.writeDoubleLE(stat.mtimeMs, 8);
  return Buffer.concat([MAGIC, sha256(bundle), sha256(data), file, data]);
}

/**
 * The V8 data of the code cache for the bundle's bytes `bundle`, or undefined (missing,
 * damaged, or for another bundle); `stat`: the bundle file's size and mtimeMs.
 */
function readCodeCache(bundle, stat) {
  let file;
  try {
    file = readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
  const at = MAGIC.length;
  if (file.length <= at + HEADER || !file.subarray(0, at).equals(MAGIC)) return undefined;
  const data = file.subarray(at + HEADER);
  const madeFor = { size: file.readDoubleLE(at + 2 * DIGEST), mtimeMs: file.readDoubleLE(at + 2 * DIGEST + 8) };
  const untouched = stat !== undefined && stat.size === bundle.length && stat.size === madeFor.size && stat.mtimeMs === madeFor.mtimeMs;
  if (!untouched && !sha256(bundle).equals(file.subarray(at, at + DIGEST))) return undefined;
  if (!sha256(data).equals(file.subarray(at + DIGEST, at + 2 * DIGEST))) return undefined;
  return data;
}

/** The bundle's bytes and its file's size and mtimeMs (fs.Stats), read through one descriptor. */
function readBundle() {
  const fd = openSync(BUNDLE, 'r');
  try {
    const stat = fstatSync(fd);
    return { bytes: readFileSync(fd), stat };
  } finally {
    closeSync(fd);
  }
}

/**
 * True when the bundle `bundle` (default: the CLI's) is there and was made from dist/ as
 * it is: every file it was made from (`${bundle}.inputs.json`) has the size and mtime it
 * had then (dist/ compiled again by tsc alone, without `npm run build`, makes the bundle
 * stale; a copy that does not keep mtimes too).
 */
function bundleCurrent(bundle = BUNDLE) {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(`${bundle}.inputs.json`, 'utf8'));
  } catch {
    return false;
  }
  const dist = join(__dirname, '..', 'dist');
  for (const [file, size, mtimeMs] of inputs) {
    const s = statSync(join(dist, file), { throwIfNoEntry: false });
    if (s === undefined || s.size !== size || s.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

/** The CLI's module: the bundle (with its code cache when it is good) when it is current, else dist/cli/main.js. */
async function loadCli() {
  let bundle;
  try {
    if (!bundleCurrent()) throw new Error('no current bundle');
    bundle = readBundle();
  } catch {
    return import('../dist/cli/main.js');
  }
  // ASCII (scripts/bundle.mjs checks): as latin1, the same text, and faster to decode.
  return runBundle(compileBundle(bundle.bytes.toString('latin1'), readCodeCache(bundle.bytes, bundle.stat)));
}

module.exports = { BUNDLE, CODE_CACHE, INPUTS, WORKER_BUNDLE, bundleCurrent, compileBundle, runBundle, codeCacheFile, readCodeCache, readBundle, loadCli };
