#!/usr/bin/env node
/**
 * Makes the V8 code cache of the CLI's bundle (dist/bundle/nfvsim.cjs.v8cache; run by
 * `npm run build` after scripts/bundle.mjs). The bundle is compiled exactly as
 * bin/load-cli.js compiles it, then runs a small simulation (`run
 * topologies/minimal.yaml --runs 10`, with the text report and with --json, its output
 * dropped) so that the functions a run calls are compiled too, and the cache holds all
 * of them. A cache only serves the Node (V8) version and V8 flags that made it; with any
 * other, bin/load-cli.js compiles the bundle as if there were none.
 *
 *   node scripts/code-cache.mjs      (from the package root)
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE, codeCacheFile, compileBundle, readBundle, runBundle } from '../bin/load-cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A cache of an older bundle must not stay beside a new one (it would be refused, but
// it is a file that no longer belongs).
rmSync(CODE_CACHE, { force: true });
const { bytes, stat } = readBundle();
const script = compileBundle(bytes.toString('latin1'));
const { main } = runBundle(script);
const write = process.stdout.write;
process.stdout.write = () => true;
const minimal = fileURLToPath(new URL('../topologies/minimal.yaml', import.meta.url));
// The warm-up runs as a user's run of a file seen before: the cache of validated topologies
// (src/model/cache.ts) is filled first, by a process of its own, so that the code cache
// holds the code such a run uses and not the YAML parser's and the schema's, which a run
// of a new file compiles when it needs them.
spawnSync(process.execPath, [join(ROOT, 'bin', 'nfvsim.js'), 'run', minimal, '--runs', '1', '--no-progress'], { stdio: 'ignore' });
try {
  // The text report and the JSON one.
  for (const args of [['run', minimal, '--runs', '10', '--no-progress'], ['run', minimal, '--runs', '10', '--json', '--no-progress']]) {
    const code = await main([process.argv[0], 'nfvsim', ...args]);
    if (code !== 0) {
      process.stderr.write(`code-cache: the warm-up \`nfvsim ${args.join(' ')}\` exited with ${code}; no code cache made\n`);
      process.exit(1);
    }
  }
} finally {
  process.stdout.write = write;
}
const data = script.createCachedData();
writeFileSync(`${CODE_CACHE}.tmp`, codeCacheFile(bytes, data, stat));
renameSync(`${CODE_CACHE}.tmp`, CODE_CACHE);
process.stdout.write(`code cache: ${relative(ROOT, CODE_CACHE)} (${(data.length / 1024).toFixed(0)} KiB)\n`);
