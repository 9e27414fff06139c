/**
 * A fuzzing child process (forked by src/fuzz/harness.ts, with a heap limit): runs each
 * input it is sent through the real command line, `main()` of src/cli/main.ts, exactly
 * as bin/nfvsim.js does (an exception that escapes is exit 70), and answers with the
 * exit code, CPU time, peak resident memory and stderr of each command. It handles
 * inputs one at a time until told to stop; the parent kills it when an input takes too
 * long, and forks another.
 */
import { rmSync } from 'node:fs';
import { main } from '../cli/main.js';
import { fuzzCommands, type ChildReply, type ChildRequest, type CommandOutcome } from './harness.js';

const STDERR_KEPT = 4000;

/** Runs one command in this process, capturing stderr (stdout is discarded by the parent). */
async function runCommand(args: string[]): Promise<CommandOutcome> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    if (stderr.length < STDERR_KEPT) stderr += String(chunk).slice(0, STDERR_KEPT - stderr.length);
    return true;
  }) as typeof process.stderr.write;
  const cpu = process.cpuUsage();
  let code: number;
  try {
    code = await main(['node', 'nfvsim', ...args]);
  } catch (e) {
    // As bin/nfvsim.js: an exception that escapes the CLI is an internal error.
    stderr += `nfvsim: internal error: ${(e as Error)?.stack ?? e}\n`;
    code = 70;
  } finally {
    process.stderr.write = write;
  }
  const used = process.cpuUsage(cpu);
  return { command: args[0], code, cpuMs: (used.user + used.system) / 1000, maxRssKb: process.resourceUsage().maxRSS, stderr };
}

/** Handles one request. */
async function handle(req: ChildRequest): Promise<void> {
  if (req.type === 'stop') {
    process.disconnect?.();
    return;
  }
  const outcomes: CommandOutcome[] = [];
  for (const args of fuzzCommands(req.kind, req.file, req.out)) outcomes.push(await runCommand(args));
  rmSync(req.out, { recursive: true, force: true });
  process.send!({ index: req.index, outcomes } satisfies ChildReply);
}

if (process.send) {
  // One input at a time, in the order sent.
  let chain = Promise.resolve();
  process.on('message', (req: ChildRequest) => {
    chain = chain.then(() => handle(req));
  });
  // Messages sent before the listener is attached would be lost: the parent waits for this.
  process.send({ ready: true });
}
