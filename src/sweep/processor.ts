/**
 * BullMQ's sandboxed processor for shard jobs, loaded by the worker in a forked child
 * process (BullMQ's default: child_process.fork of its main.js, one child per job slot,
 * reused between jobs). The shard runs on a worker thread of this child (shard-thread.ts),
 * so this main thread stays free to:
 * - die with the worker: when the IPC channel to the parent closes ('disconnect') or the
 *   parent process is gone (process.ppid changes, polled every PARENT_POLL_MS), the child
 *   kills itself with SIGKILL, shard thread included, so a worker killed with SIGKILL
 *   leaves no orphan;
 * - enforce the job timeout (NFVSIM_JOB_TIMEOUT_MS, from `nfvsim worker --job-timeout`):
 *   an overrunning shard's thread is terminated and the job fails, not retried;
 * - die at once on SIGTERM (BullMQ's own handler would wait for the job to finish): the
 *   worker abandons jobs in hand by killing their children.
 * A job that fails validation, or whose topology does not load, fails without retries:
 * running it again would not help.
 */
import { isMainThread, Worker } from 'node:worker_threads';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import type { ShardJobResult } from './shard-job.js';
import type { ShardThreadReply } from './shard-thread.js';
import { formatDuration } from '../engine/units.js';

/** How often the child checks that its parent (the worker) still lives, ms. */
export const PARENT_POLL_MS = 500;

/** Installs the watch on the parent and the signal behaviour described above (forked children only). */
function dieWithParent(): void {
  const die = () => process.kill(process.pid, 'SIGKILL');
  // The worker's pid comes from the worker itself: it may be gone before this module loads.
  const parent = Number(process.env.NFVSIM_WORKER_PID) || process.ppid;
  const orphaned = () => !process.connected || process.ppid !== parent;
  if (orphaned()) die();
  setInterval(() => {
    if (orphaned()) die();
  }, PARENT_POLL_MS).unref();
  process.on('disconnect', die);
  // Writes to a closed pipe (the parent gone) must not spin.
  for (const s of [process.stdout, process.stderr]) s.on('error', die);
  // With no listener, SIGTERM and SIGINT terminate the process at once.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
}

// startQueueWorker forks (BullMQ's default); were this loaded on a worker thread
// (useWorkerThreads), the process would be the worker's own: leave it alone.
if (isMainThread && process.send) dieWithParent();

/** The job timeout, ms (Infinity when NFVSIM_JOB_TIMEOUT_MS is unset). */
const TIMEOUT_MS = Number(process.env.NFVSIM_JOB_TIMEOUT_MS) > 0 ? Number(process.env.NFVSIM_JOB_TIMEOUT_MS) : Infinity;

const THREAD = new URL('./shard-thread.js', import.meta.url);

/** Runs one shard job on a fresh thread; resolves to its journal line and digest. */
export default function runJob(job: SandboxedJob): Promise<ShardJobResult> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(THREAD, { workerData: job.data });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer =
      TIMEOUT_MS < Infinity
        ? setTimeout(() => {
            settle(() => reject(new UnrecoverableError(`the shard ran longer than the job timeout (${formatDuration(TIMEOUT_MS / 1000)}, nfvsim worker --job-timeout) and was stopped`)));
            void thread.terminate();
          }, TIMEOUT_MS)
        : undefined;
    thread.once('message', (r: ShardThreadReply) =>
      settle(() => ('ok' in r ? resolve(r.ok) : reject(r.invalid ? new UnrecoverableError(r.error) : new Error(r.error)))),
    );
    thread.once('error', (e) => settle(() => reject(e)));
    thread.once('exit', (code) => settle(() => reject(new Error(`the shard thread exited (code ${code}) without a result`))));
  });
}
