/**
 * Sweeps beyond one machine, on BullMQ (Redis). The coordinator (`nfvsim sweep --queue`)
 * puts every shard that is not yet in the results folder's journal on the queue as a
 * self-contained job (job id = sweep id + task, so adding it twice adds it once), then
 * polls for completed jobs, appends each result to the journal (a task already there is
 * ignored: BullMQ delivers at least once) and removes the job. Workers (`nfvsim worker`)
 * on any number of machines run jobs in BullMQ's sandboxed processors (a child process
 * per job slot), so a CPU-bound shard never blocks the lock renewal; a worker that dies
 * mid-shard loses its lock and the job is retried by another. The results are built from
 * the journal exactly as for a local sweep, so they are the same bytes.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { LoadedExperiment } from '../experiment/load.js';
import { Journal, decodeLine, type JournalEntry } from './journal.js';
import { buildResults, doneTasks, planTasks, prepareFolder, readJournals, sweepIdentity, sweepManifest, SweepError, writeResults, type SweepOptions, type SweepResults } from './sweep.js';
import { codeFingerprint } from '../version.js';
import type { ShardJob } from './shard-job.js';

/** The default queue name. */
export const DEFAULT_QUEUE_NAME = 'nfvsim';

/** The sandboxed processor: a compiled module whose default export runs one job. */
const PROCESSOR = new URL('../../dist/sweep/processor.js', import.meta.url);

/** BullMQ connection options for a redis:// URL (workers need maxRetriesPerRequest null). */
export function connection(url: string): { url: string; maxRetriesPerRequest: null } {
  if (!/^rediss?:\/\//.test(url)) throw new SweepError(`--queue ${url}: expected a Redis URL such as redis://127.0.0.1:6379`);
  return { url, maxRetriesPerRequest: null };
}

/**
 * Checks that Redis answers at `url` within `timeoutMs`, or throws a SweepError saying
 * why (BullMQ itself would retry a refused connection for ever, printing each failure).
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  connection(url);
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause = '';
  client.on('error', (e: Error) => (cause ||= e.message));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause || (e as Error).message).replace(/\.$/, '');
    throw new SweepError(`cannot reach Redis at ${url}: ${why}. Is redis-server running there (and bound to an address this machine can reach)?`);
  } finally {
    client.disconnect();
  }
}

/** Reports errors of a BullMQ object once per kind every 10 s, as one line, instead of a stack trace per retry. */
function quietErrors(target: { on(event: 'error', fn: (e: Error) => void): unknown }, log: (line: string) => void): void {
  const last = new Map<string, number>();
  target.on('error', (e: Error) => {
    const now = Date.now();
    if (now - (last.get(e.message) ?? 0) < 10_000) return;
    last.set(e.message, now);
    log(`queue error (retrying): ${e.message}`);
  });
}

/** The id of a sweep: a hash of its manifest (inputs, seed, runs, version). */
export function sweepId(exp: LoadedExperiment): string {
  return createHash('sha256').update(JSON.stringify(sweepIdentity(sweepManifest(exp)))).digest('hex').slice(0, 24);
}

/** The shard jobs of every task of `exp` not in `done`. */
export function shardJobs(exp: LoadedExperiment, done: ReadonlySet<number>): ShardJob[] {
  const id = sweepId(exp);
  return planTasks(exp)
    .filter((t) => !done.has(t.task))
    .map((t) => {
      const topo = exp.points[t.point].topology;
      return {
        sweep: id,
        code: codeFingerprint(),
        task: t.task,
        point: t.point,
        shard: { index: t.shard.index, from: t.shard.from, to: t.shard.to },
        settings: { seed: exp.seed, horizon: exp.horizon, warmup: exp.warmup },
        topology: { file: topo.file, sha256: topo.sha256, text: topo.text },
      };
    });
}

/** Options of a sweep on a queue. */
export interface QueueSweepOptions extends Omit<SweepOptions, 'jobs' | 'stopAfterShards'> {
  /** Redis URL, e.g. redis://127.0.0.1:6379. */
  queue: string;
  /** Queue name (default `nfvsim`); workers must use the same. */
  queueName?: string;
  /** Poll interval for completed jobs, ms (default 250). */
  pollMs?: number;
  /** Attempts per job for failures a worker reports (default 3); a validation failure is not retried. */
  attempts?: number;
  /** Called with a line for the log (job failures, retries). */
  log?: (line: string) => void;
}

/**
 * Coordinates a sweep on a BullMQ queue: enqueues what the journal lacks, gathers
 * results as workers complete them, and writes results.json and results.csv. Resumable
 * like a local sweep; a coordinator restarted while workers run picks up their results.
 */
export async function runSweepOnQueue(exp: LoadedExperiment, opts: QueueSweepOptions): Promise<SweepResults> {
  await checkRedis(opts.queue);
  prepareFolder(exp, opts);
  const journalPath = join(opts.out, 'journal.jsonl');
  const done = doneTasks([opts.out], journalPath);
  const tasks = planTasks(exp);
  const reps = new Map(tasks.map((t) => [t.task, t.shard.to - t.shard.from]));
  const total = exp.points.length * exp.runs;
  let finished = tasks.filter((t) => done.has(t.task)).reduce((n, t) => n + reps.get(t.task)!, 0);
  opts.onProgress?.(finished, total);
  const id = sweepId(exp);
  const prefix = `${id}-`;
  const queue = new Queue(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: connection(opts.queue) });
  quietErrors(queue, opts.log ?? ((l) => process.stderr.write(`nfvsim: ${l}\n`)));
  const journal = new Journal(journalPath);
  try {
    const jobs = shardJobs(exp, done);
    // Jobs of this sweep that failed in an earlier run go back to the queue (adding a job
    // whose id still exists would add nothing).
    for (const data of jobs) {
      const old = await queue.getJob(`${prefix}${data.task}`);
      if (old && (await old.isFailed())) await old.retry('failed');
    }
    for (let i = 0; i < jobs.length; i += 500) {
      await queue.addBulk(
        jobs.slice(i, i + 500).map((data) => ({
          name: `shard ${data.task}`,
          data,
          opts: { jobId: `${prefix}${data.task}`, attempts: opts.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
        })),
      );
    }
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    while (done.size < tasks.length) {
      let progressed = false;
      for (let start = 0; ; start += 200) {
        const page = await queue.getJobs(['completed'], start, start + 199, true);
        if (page.length === 0) break;
        for (const job of page) {
          if (!job.id?.startsWith(prefix)) continue;
          const entry = takeResult(job, id);
          if (!done.has(entry.task)) {
            journal.append(entry);
            done.add(entry.task);
            finished += reps.get(entry.task)!;
            opts.onProgress?.(finished, total);
          }
          await job.remove();
          progressed = true;
        }
        if (page.length < 200) break;
      }
      // Failed jobs of this sweep, wherever they are in the failed list (other sweeps' too).
      let failedJob: Job | undefined;
      if (!progressed) {
        for (let start = 0; !failedJob; start += 500) {
          const page = await queue.getJobs(['failed'], start, start + 499, true);
          failedJob = page.find((j) => j.id?.startsWith(prefix));
          if (page.length < 500) break;
        }
      }
      if (failedJob) {
        const j = failedJob;
        throw new SweepError(
          `shard ${(j.data as ShardJob).task} failed on a worker after ${j.attemptsMade} attempt(s): ${j.failedReason}; ` +
            `the finished shards are kept in ${journalPath}. Fix the cause and run again with --resume (failed shards are queued again)`,
        );
      }
      if (!progressed) await wait(opts.pollMs ?? 250);
    }
  } finally {
    journal.close();
    await queue.close();
  }
  const results = buildResults(exp, readJournals([opts.out]));
  writeResults(opts.out, results);
  return results;
}

/** Reads and checks a completed job's result: a journal line for the job's own task. */
function takeResult(job: Job, id: string): JournalEntry {
  const data = job.data as ShardJob;
  let entry: JournalEntry;
  try {
    entry = decodeLine(String(job.returnvalue)) as JournalEntry;
  } catch {
    throw new SweepError(`job ${job.id}: the worker returned something that is not a journal line`);
  }
  if (data.sweep !== id || entry.task !== data.task || entry.point !== data.point || entry.shard !== data.shard.index || typeof entry.acc !== 'object' || typeof entry.paired !== 'object') {
    throw new SweepError(`job ${job.id}: the result does not belong to task ${data.task} of sweep ${id}`);
  }
  return entry;
}

/** Options of a queue worker. */
export interface QueueWorkerOptions {
  /** Redis URL. */
  queue: string;
  queueName?: string;
  /** Jobs at once (child processes); default 1. */
  concurrency?: number;
  /** Lock duration, ms: a job whose worker stops renewing its lock for this long is retried elsewhere (default 30 000). */
  lockDuration?: number;
  /** Log lines (job taken, done, failed). */
  log?: (line: string) => void;
}

/**
 * Starts a worker that takes shard jobs from the queue and runs each in a sandboxed
 * child process (validating the job first). Returns the BullMQ worker; `close()` it to
 * stop after the jobs in hand.
 */
export function startQueueWorker(opts: QueueWorkerOptions): Worker {
  const lockDuration = opts.lockDuration ?? 30_000;
  const worker = new Worker(opts.queueName ?? DEFAULT_QUEUE_NAME, PROCESSOR, {
    connection: connection(opts.queue),
    concurrency: opts.concurrency ?? 1,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 5,
  });
  const log = opts.log ?? (() => undefined);
  quietErrors(worker, log);
  const what = (job: Job) => {
    const d = job.data as Partial<ShardJob>;
    return `task ${d.task} (point ${d.point}, replications ${d.shard?.from}..${d.shard ? d.shard.to - 1 : '?'}) of sweep ${d.sweep}`;
  };
  worker.on('active', (job) => log(`taking ${what(job)}${job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0 ? ' (a retry)' : ''}`));
  worker.on('completed', (job) => log(`done ${what(job)}`));
  worker.on('failed', (job, err) => log(`failed ${job ? what(job) : 'a job'}: ${err.message}`));
  return worker;
}
