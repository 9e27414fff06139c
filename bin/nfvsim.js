#!/usr/bin/env node
// Entry point of the `nfvsim` command: runs the compiled CLI (built by `npm install`
// through the `prepare` script, or by `npm run build`), from its bundle when there is one
// (load-cli.js).
const { loadCli } = require('./load-cli.js');

loadCli().then(({ main }) => main(process.argv)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`nfvsim: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
