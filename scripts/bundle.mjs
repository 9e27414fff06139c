#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js and every module it reaches, run by `npm run
 * build` after tsc) into one CommonJS file, dist/bundle/nfvsim.cjs, for start-up: one file
 * to read and compile instead of some hundred ES modules to resolve, read and link, and a
 * file that a V8 code cache can be made for (scripts/code-cache.mjs; bin/load-cli.js loads
 * both, and falls back to dist/cli/main.js when the bundle is missing or stale).
 *
 * It also bundles the worker threads' entry (dist/runner/worker.js) into
 * dist/bundle/worker.cjs, which the worker threads of a run load when it is current
 * (runner/parallel.ts): one file to read and compile instead of some forty modules, so
 * that a worker starts its first shard sooner.
 *
 * The bundles are made from the compiled modules in dist/, so they run the same code as
 * they do. Rules:
 * - Of the packages in node_modules only the small ones every command needs are bundled
 *   (BUNDLED); every other package stays external: required (CommonJS) or imported
 *   (ES modules, with `import()`) from node_modules, by the command that needs it and
 *   only when it runs. A module reached only through `import()` becomes a function that
 *   runs on the first `import()`, as before.
 * - `import.meta.url` in each module becomes the URL of that module's file in dist/, so
 *   that paths built from it (the default topology, package.json, fonts, the worker
 *   threads' entry dist/runner/worker.js) name the same files as from dist/.
 * - Each bundle has a list of the files it was made from, with their sizes and mtimes
 *   (`<bundle>.inputs.json`): bin/load-cli.js `bundleCurrent` tells a stale bundle by it.
 *
 *   node scripts/bundle.mjs      (from the package root, after tsc)
 *
 * For profiling: `NFVSIM_BUNDLE_DEBUG=1 node scripts/bundle.mjs && node
 * scripts/code-cache.mjs` makes the same bundles with their whitespace and comments, each
 * module after a line `// <its file>`, so that a CPU profile's line numbers tell the
 * module. Their comments may hold characters outside ASCII (read as latin1: only the
 * comments change) and the word import(), which the two checks below then let pass.
 * `npm run build` makes the usual bundles again.
 */
import { build } from 'esbuild';
import { statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** The bundle (bin/load-cli.js reads it from here). */
export const BUNDLE = join(DIST, 'bundle', 'nfvsim.cjs');
/** The worker threads' bundle (bin/load-cli.js WORKER_BUNDLE). */
const WORKER_BUNDLE = join(DIST, 'bundle', 'worker.cjs');
/** The packages bundled: small, and loaded by every command. Any other stays external. */
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'seedrandom']);
/**
 * Node's modules that the bundle loads on first use of one of their exports, not when it
 * starts: a run of the CLI uses none of them (worker threads start only for big runs;
 * commander spawns no child for our commands), and each costs some milliseconds to load.
 */
const LAZY_BUILTINS = ['node:worker_threads', 'node:child_process'];
/**
 * Packages bundled but run (their modules' top level) on first use of one of their exports,
 * not when the bundle starts: zod and yaml validate and parse a topology, which a run of a
 * topology validated before does not do (src/model/cache.ts).
 */
const LAZY_PACKAGES = ['zod', 'yaml'];
/** NFVSIM_BUNDLE_DEBUG=1: the bundles for reading a profile (see the header). */
const DEBUG = process.env.NFVSIM_BUNDLE_DEBUG === '1';

/**
 * The source of a stand-in for the module `specifier` (a lazy builtin or package): a
 * CommonJS module with a getter for each of `names`, each of which requires the module on
 * first use.
 */
function standIn(specifier, names) {
  return (
    `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(specifier)}));\n` +
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(module.exports, name, { get: () => load()[name], enumerable: true });\n`
  );
}

/** The package a bare import specifier names ('@scope/name/sub' -> '@scope/name'). */
function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** esbuild plugin: externals by package, and `import.meta.url` per module of dist/. */
const nfvsimPlugin = {
  name: 'nfvsim',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      // A lazy package: its stand-in for the modules of dist/, the package itself (its ES
      // module entry, found by esbuild as for an import, and bundled) for the stand-in's
      // own require().
      if (LAZY_PACKAGES.includes(args.path) && args.pluginData?.lazyPackage !== true) {
        if (args.namespace !== 'nfvsim-lazy-package') return { path: args.path, namespace: 'nfvsim-lazy-package' };
        const found = await b.resolve(args.path, { kind: 'import-statement', resolveDir: ROOT, pluginData: { lazyPackage: true } });
        return found.errors.length > 0 ? { errors: found.errors } : { path: found.path };
      }
      // The lazy module's own require() of the builtin, and every other builtin: external.
      const builtin = args.path.startsWith('node:') ? args.path : isBuiltin(args.path) ? `node:${args.path}` : undefined;
      if (builtin && LAZY_BUILTINS.includes(builtin) && args.namespace !== 'nfvsim-lazy') return { path: builtin, namespace: 'nfvsim-lazy' };
      if (builtin) return { path: args.path, external: true };
      return BUNDLED.has(packageOf(args.path)) ? undefined : { path: args.path, external: true };
    });
    // A CommonJS module with a getter for each export of the builtin (its names as in this
    // Node), each of which loads the builtin on first use: code reads an import's property
    // where it uses it (esbuild: `import_x.name`), so nothing is loaded until then.
    b.onLoad({ filter: /.*/, namespace: 'nfvsim-lazy' }, (args) => ({
      contents: standIn(args.path, Object.keys(createRequire(import.meta.url)(args.path))),
      loader: 'js',
    }));
    // A stand-in for a lazy package, as for a lazy builtin: a getter for each export of its
    // ES module entry, each of which runs the package's bundled modules on first use
    // (esbuild makes a module that is require()d a function run on the first require()).
    // Named imports only (a default import would get the stand-in itself: the check in
    // the next onLoad refuses one).
    b.onLoad({ filter: /.*/, namespace: 'nfvsim-lazy-package' }, async (args) => ({
      contents: standIn(args.path, Object.keys(await import(args.path))),
      loader: 'js',
      resolveDir: ROOT,
    }));
    // zod's locales: English only, the messages zod sets up by default (nfvsim sets no
    // other locale). The 63 others were a fifth of the bundle, read, compiled from the code
    // cache and initialised at every start for nothing.
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(DIST + sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const lazyDefault = new RegExp(`import\\s+[\\w$]+\\s*(?:,[^'"]*)?from\\s*['"](${LAZY_PACKAGES.join('|')})['"]`).exec(source);
      if (lazyDefault) throw new Error(`${args.path}: a default import of ${lazyDefault[1]}, which the bundle loads on first use through named imports only (scripts/bundle.mjs LAZY_PACKAGES)`);
      // __nfvsimDist (the banner) is the URL of dist/, ending in '/'.
      const url = `(__nfvsimDist + ${JSON.stringify(relative(DIST, args.path).split(sep).join('/'))})`;
      const text = source
        .replaceAll('import.meta.url', url)
        // import() of a package: through __nfvsimImport, the loader's import() (bin/load-cli.js:
        // V8 loses the import() of a script compiled from a code cache in Node 20).
        .replace(/\bimport\((['"])([^'"./][^'"]*)\1\)/g, (_, _q, spec) => `__nfvsimImport(${JSON.stringify(spec)})`);
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * Bundles `entry` (a module of dist/) into `outfile` and writes the list of its inputs
 * beside it (`${outfile}.inputs.json`). `banner`: code before the bundle's own (after
 * __nfvsimDist, the URL of dist/). Returns the bundle's size and the number of its inputs.
 */
async function bundle(entry, outfile, banner = '') {
  const head = `var __nfvsimDist = require("node:url").pathToFileURL(require("node:path").join(__dirname, "..") + "/").href;${banner}`;
  const result = await build({
    // The metafile's paths are relative to this.
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // No keepNames: it wraps every function in a call that redefines its `name`, also each
    // closure a hot function creates, each time it creates it (some 15 ms of a 10-history
    // run, in process). Names stay those of dist/ but for one esbuild renames (a class that names
    // itself: `_Command`, a name taken twice: `date2`); nfvsim prints no function's or
    // class's name (its errors set `name` themselves), and test/bundle.test.ts compares
    // the bundle's output, errors included, with dist/'s.
    keepNames: false,
    // Only whitespace: names and syntax as in dist/, in a smaller file to read and hash.
    minifyWhitespace: !DEBUG,
    // ASCII only (non-ASCII characters escaped), so bin/load-cli.js reads the file as latin1.
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: head },
    plugins: [nfvsimPlugin],
    metafile: true,
  });
  const text = await readFile(outfile);
  if (!DEBUG && text.some((c) => c > 0x7f)) throw new Error(`${outfile}: a byte outside ASCII (bin/load-cli.js reads the bundle as latin1)`);
  // The banner's own import() aside.
  const left = /\bimport\(.{0,40}/.exec(text.toString('latin1').replace(head, ''));
  if (left && !DEBUG) throw new Error(`${outfile}: an import() not through __nfvsimImport: ${left[0]}`);
  // What the bundle was made from, for bin/load-cli.js to tell a stale bundle (dist/
  // compiled again, by tsc alone, or a package updated) and run dist/ instead: each module
  // of dist/ in it and the package.json of each package in it, with size and mtime.
  const inputs = [
    ...Object.keys(result.metafile.inputs)
      .map((f) => resolve(ROOT, f))
      .filter((f) => f.startsWith(DIST + sep)),
    ...[...BUNDLED].map((name) => join(ROOT, 'node_modules', name, 'package.json')),
  ].map((f) => {
    const s = statSync(f);
    return [relative(DIST, f).split(sep).join('/'), s.size, s.mtimeMs];
  });
  writeFileSync(`${outfile}.inputs.json`, JSON.stringify(inputs) + '\n');
  return { bytes: text.length, inputs: inputs.length };
}

const cli = await bundle(join(DIST, 'cli', 'main.js'), BUNDLE);
process.stdout.write(`bundle: ${relative(ROOT, BUNDLE)} (${(cli.bytes / 1024).toFixed(0)} KiB) from dist/cli/main.js and ${cli.inputs - 1} more files\n`);
// A worker thread requires its bundle as a module of its own: import() of a package is
// the module's own (the CLI's bundle gets it from bin/load-cli.js, see the plugin).
const worker = await bundle(join(DIST, 'runner', 'worker.js'), WORKER_BUNDLE, 'var __nfvsimImport = (specifier) => import(specifier);');
process.stdout.write(`bundle: ${relative(ROOT, WORKER_BUNDLE)} (${(worker.bytes / 1024).toFixed(0)} KiB) from dist/runner/worker.js and ${worker.inputs - 1} more files\n`);
