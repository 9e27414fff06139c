#!/usr/bin/env node
// Entry point of the `nfvsim` command: runs the compiled CLI (built by `npm install`
// through the `prepare` script, or by `npm run build`), from its bundle when there is one
// (load-cli.js).
const { loadCli } = require('./load-cli.js');

/** Handles of the standard streams (what is left of them once a command is done keeps nothing going). */
const STDIO = new Set(['TTYWrap', 'PipeWrap']);

/**
 * True when nothing but the standard streams is left and they hold no unwritten bytes: the
 * command is done and every byte of its output is out. Node would then still wait, before
 * it exits, for V8's background tasks (the optimizing compiler's jobs, concurrent marking),
 * some 10-20 ms of a short run whose results nothing uses; exiting now skips that wait.
 */
function finished() {
  return (
    process.stdout.writableLength === 0 &&
    process.stderr.writableLength === 0 &&
    process.getActiveResourcesInfo().every((r) => STDIO.has(r))
  );
}

loadCli().then(({ main }) => main(process.argv)).then(
  (code) => {
    process.exitCode = code;
    if (finished()) process.exit();
  },
  (err) => { process.stderr.write(`nfvsim: internal error: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 70; },
);
