#!/usr/bin/env node
// Entry point of the `nfvsim` command: runs the compiled CLI (built by `npm install`
// through the `prepare` script, or by `npm run build`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`nfvsim: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
