/**
 * Ctrl-C (SIGINT) and SIGTERM during a command that computes, then writes files (`run`,
 * `sweep`). While it computes, a signal calls `stop` (which removes what is half done,
 * says so and exits 130): work in the calling thread lets the event loop run between
 * replications (runAllYielding), so the handler runs within a replication, on one thread
 * or many. Once the command writes its files, a signal lets them be completed (a report
 * never mixes two runs), then the command exits 130; a second signal ends the process at
 * once (the signal's default).
 */

/** Exit code of a command stopped by Ctrl-C (SIGINT) or SIGTERM (128 + SIGINT's number, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** The signals a command stops on. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A command's handling of Ctrl-C and SIGTERM, from `handleInterrupts` until `dispose`. */
export interface Interrupts {
  /** From now on the command writes its files: a signal lets them be completed (see `requested`). */
  writing(): void;
  /** True when a signal came while the files were written: the command must exit 130 when they are. */
  readonly requested: boolean;
  /** Gives the signals their default back. */
  dispose(): void;
}

/**
 * Handles SIGINT and SIGTERM for one command: `stop` while it computes (it should
 * remove partial files, say what happened and exit 130); after `writing()`, a note on
 * `err` and `requested`. Each signal is handled once: a second one has its default.
 */
export function handleInterrupts(err: NodeJS.WritableStream, stop: (signal: string) => void): Interrupts {
  let writing = false;
  let requested = false;
  const handler = (signal: string) => {
    if (!writing) return stop(signal);
    requested = true;
    err.write(`\nnfvsim: ${signal}: finishing the files being written, then stopping (again to stop at once)\n`);
  };
  for (const s of SIGNALS) process.once(s, handler);
  return {
    writing: () => void (writing = true),
    get requested() {
      return requested;
    },
    dispose: () => {
      for (const s of SIGNALS) process.removeListener(s, handler);
    },
  };
}
