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
 * then the V8 data. Both digests are checked before V8 sees the data (V8 checks its own
 * version and flags, but not the data's integrity, and only the length of the text).
 */
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync, statSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

/** The bundle's path. */
const BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'nfvsim.cjs');
/** The code cache's path. */
const CODE_CACHE = `${BUNDLE}.v8cache`;
/** The bundle's inputs: [path from dist/, size, mtimeMs] of each file it was made from (scripts/bundle.mjs). */
const INPUTS = `${BUNDLE}.inputs.json`;
/** The first bytes of a code cache file (its format's version). */
const MAGIC = Buffer.from('nfvsim code cache 1\n');
/** Bytes of a SHA-256 digest. */
const DIGEST = 32;
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

/** The code cache file's bytes for the bundle's bytes `bundle` and V8 data `data`. */
function codeCacheFile(bundle, data) {
  return Buffer.concat([MAGIC, sha256(bundle), sha256(data), data]);
}

/** The V8 data of the code cache for the bundle's bytes `bundle`, or undefined (missing, damaged, or for another bundle). */
function readCodeCache(bundle) {
  let file;
  try {
    file = readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
  const at = MAGIC.length;
  if (file.length <= at + 2 * DIGEST || !file.subarray(0, at).equals(MAGIC)) return undefined;
  const data = file.subarray(at + 2 * DIGEST);
  if (!sha256(bundle).equals(file.subarray(at, at + DIGEST))) return undefined;
  if (!sha256(data).equals(file.subarray(at + DIGEST, at + 2 * DIGEST))) return undefined;
  return data;
}

/**
 * True when the bundle is there and was made from dist/ as it is: every file it was made
 * from has the size and mtime it had then (dist/ compiled again by tsc alone, without
 * `npm run build`, makes the bundle stale; a copy that does not keep mtimes too).
 */
function bundleCurrent() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
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
  let bytes;
  try {
    if (!bundleCurrent()) throw new Error('no current bundle');
    bytes = readFileSync(BUNDLE);
  } catch {
    return import('../dist/cli/main.js');
  }
  // ASCII (scripts/bundle.mjs checks): as latin1, the same text, and faster to decode.
  return runBundle(compileBundle(bytes.toString('latin1'), readCodeCache(bytes)));
}

module.exports = { BUNDLE, CODE_CACHE, INPUTS, bundleCurrent, compileBundle, runBundle, codeCacheFile, readCodeCache, loadCli };
