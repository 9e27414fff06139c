/**
 * Sweeps beyond one machine, on BullMQ (Redis). The coordinator (`nfvsim sweep --queue`)
 * puts every shard that is not yet in the results folder's journal on the queue as a
 * self-contained job (job id = sweep id + task, so adding it twice adds it once), keeps
 * the digest of every job it queued, then polls for completed jobs and appends each
 * result to the journal (a task already there is ignored: BullMQ delivers at least once)
 * and removes the job. A result is accepted only with the digest of the job as queued: a
 * job altered in Redis (or a stray result) is rejected and queued again with the right
 * data. Workers (`nfvsim worker`) on any number of machines run jobs in BullMQ's
 * sandboxed processors (a forked child process per job slot, see processor.ts), so a
 * CPU-bound shard never blocks the lock renewal; a worker that dies mid-shard loses its
 * lock and the job is retried by another, and its children die with it. A worker told to
 * stop (SIGTERM, SIGINT) puts the jobs in hand back on the queue and kills their children.
 * The results are built from the journal exactly as for a local sweep, so they are the
 * same bytes.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Queue, WaitingError, Worker, type ChildPool, type Job, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import type { LoadedExperiment } from '../experiment/load.js';
import { Journal, decodeLine, type JournalEntry } from './journal.js';
import { buildResults, doneTasks, planTasks, prepareFolder, readJournals, sweepIdentity, sweepManifest, SweepError, writeResults, type SweepOptions, type SweepResults } from './sweep.js';
import { codeFingerprint } from '../version.js';
import { jobDigest, ShardJobSchema, type ShardJob, type ShardJobResult } from './shard-job.js';
import { readRedisAccess, redact, redactUrl, redisOptions, RedisAccessError, type RedisAccess, type RedisAccessSources } from './redis-access.js';

/** The default queue name. */
export const DEFAULT_QUEUE_NAME = 'nfvsim';

/** The sandboxed processor: a compiled module whose default export runs one job. */
const PROCESSOR = new URL('../../dist/sweep/processor.js', import.meta.url);

/** How long a worker told to stop may take, ms: jobs in hand go back to the queue and their children are killed within this. */
export const WORKER_STOP_MS = 10_000;

/** How many times the coordinator queues a task again after a result that does not match what it queued, before it gives up. */
export const MAX_REQUEUES = 3;

/** Where to reach Redis: a URL, or a RedisAccess with a password and CA kept off the command line. */
export type QueueAccess = string | RedisAccess;

const access = (a: QueueAccess): RedisAccess => (typeof a === 'string' ? { url: a } : a);

/** BullMQ connection options for `a` (workers need maxRetriesPerRequest null). Throws a SweepError for a bad URL. */
export function connection(a: QueueAccess): ReturnType<typeof redisOptions> & { maxRetriesPerRequest: null } {
  try {
    return { ...redisOptions(access(a)), maxRetriesPerRequest: null };
  } catch (e) {
    if (e instanceof RedisAccessError) throw new SweepError(e.message);
    throw e;
  }
}

/**
 * Checks that Redis answers at `a` within `timeoutMs`, or throws a SweepError saying
 * why (BullMQ itself would retry a refused connection for ever, printing each failure).
 * The message shows the URL with its password redacted.
 */
export async function checkRedis(a: QueueAccess, timeoutMs = 5000): Promise<void> {
  const acc = access(a);
  const client = new Redis({ ...connection(acc), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause = '';
  client.on('error', (e: Error) => (cause ||= e.message));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = redact((cause || (e as Error).message).replace(/\.$/, ''), acc);
    throw new SweepError(`cannot reach Redis at ${redactUrl(acc.url)}: ${why}. Is redis-server running there (and bound to an address this machine can reach)?`);
  } finally {
    client.disconnect();
  }
}

/** Reports errors of a BullMQ object once per kind every 10 s, as one line (password redacted), instead of a stack trace per retry. */
function quietErrors(target: { on(event: 'error', fn: (e: Error) => void): unknown }, acc: RedisAccess, log: (line: string) => void): void {
  const last = new Map<string, number>();
  target.on('error', (e: Error) => {
    const now = Date.now();
    if (now - (last.get(e.message) ?? 0) < 10_000) return;
    last.set(e.message, now);
    log(redact(`queue error (retrying): ${e.message}`, acc));
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
  /** Where Redis is: a URL (e.g. redis://127.0.0.1:6379), or a RedisAccess with password and CA. */
  queue: QueueAccess;
  /** Queue name (default `nfvsim`); workers must use the same. */
  queueName?: string;
  /** Poll interval for completed jobs, ms (default 250). */
  pollMs?: number;
  /** Attempts per job for failures a worker reports (default 3); a validation failure is not retried. */
  attempts?: number;
  /** Called with a line for the log (job failures, retries, rejected results). */
  log?: (line: string) => void;
}

/**
 * Coordinates a sweep on a BullMQ queue: enqueues what the journal lacks, gathers
 * results as workers complete them, and writes results.json and results.csv. Resumable
 * like a local sweep; a coordinator restarted while workers run picks up their results.
 * A result is accepted only if the worker ran exactly the job queued (same jobDigest);
 * otherwise the task is queued again with the right data, at most MAX_REQUEUES times,
 * then the sweep stops with a SweepError naming the task.
 */
export async function runSweepOnQueue(exp: LoadedExperiment, opts: QueueSweepOptions): Promise<SweepResults> {
  const acc = access(opts.queue);
  const jobsToQueue = checkedJobs(exp);
  await checkRedis(acc);
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
  const log = opts.log ?? ((l: string) => process.stderr.write(`nfvsim: ${l}\n`));
  const queue = new Queue(opts.queueName ?? DEFAULT_QUEUE_NAME, { connection: connection(acc) });
  quietErrors(queue, acc, log);
  const journal = new Journal(journalPath);
  // What this coordinator queues, by task: the job and its digest.
  const expected = new Map(jobsToQueue.map((data) => [data.task, { data, digest: jobDigest(data) }]));
  const requeues = new Map<number, number>();
  const jobOpts = (task: number) => ({ jobId: `${prefix}${task}`, attempts: opts.attempts ?? 3, backoff: { type: 'fixed' as const, delay: 1000 }, removeOnComplete: false, removeOnFail: false });
  const taskOf = (job: Job) => Number(job.id!.slice(prefix.length));
  /** Drops `job` (not what was queued) and queues its task again with the right data, or throws once MAX_REQUEUES is reached. */
  const requeue = async (job: Job, why: string) => {
    const task = taskOf(job);
    const n = (requeues.get(task) ?? 0) + 1;
    requeues.set(task, n);
    log(`rejected job ${job.id} (task ${task}): ${why}`);
    if (n > MAX_REQUEUES) {
      throw new SweepError(`task ${task}: ${n} results that do not match the job queued (${why}); is something altering jobs in Redis? The finished shards are kept in ${journalPath}`);
    }
    await job.remove();
    const { data } = expected.get(task)!;
    await queue.add(`shard ${task}`, data, jobOpts(task));
    log(`queued task ${task} again with the data it was queued with (${n} of at most ${MAX_REQUEUES})`);
  };
  try {
    const jobs = jobsToQueue.filter((j) => !done.has(j.task));
    // Jobs of this sweep that failed in an earlier run are queued again (adding a job whose
    // id still exists would add nothing); anew, so with the data built here.
    for (const data of jobs) {
      const old = await queue.getJob(`${prefix}${data.task}`);
      if (old && (await old.isFailed())) await old.remove();
    }
    for (let i = 0; i < jobs.length; i += 500) {
      await queue.addBulk(jobs.slice(i, i + 500).map((data) => ({ name: `shard ${data.task}`, data, opts: jobOpts(data.task) })));
    }
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    while (done.size < tasks.length) {
      let progressed = false;
      for (let start = 0; ; start += 200) {
        const page = await queue.getJobs(['completed'], start, start + 199, true);
        if (page.length === 0) break;
        for (const job of page) {
          if (!job.id?.startsWith(prefix)) continue;
          progressed = true;
          const task = taskOf(job);
          if (done.has(task)) {
            await job.remove();
            continue;
          }
          const want = expected.get(task);
          const taken = want ? takeResult(job, want) : 'a task this sweep does not have';
          if (typeof taken === 'string') {
            if (!want) {
              log(`ignored job ${job.id}: ${taken}`);
              await job.remove();
            } else await requeue(job, taken);
            continue;
          }
          journal.append(taken);
          done.add(task);
          finished += reps.get(task)!;
          opts.onProgress?.(finished, total);
          await job.remove();
        }
        if (page.length < 200) break;
      }
      // Failed jobs of this sweep, wherever they are in the failed list (other sweeps' too).
      let failedJob: Job | undefined;
      if (!progressed) {
        for (let start = 0; !failedJob; start += 500) {
          const page = await queue.getJobs(['failed'], start, start + 499, true);
          failedJob = page.find((j) => j.id?.startsWith(prefix) && expected.has(taskOf(j)) && !done.has(taskOf(j)));
          if (page.length < 500) break;
        }
      }
      if (failedJob) {
        const j = failedJob;
        // A job altered in Redis may fail for that alone: run the data queued instead.
        if (safeDigest(j.data) !== expected.get(taskOf(j))!.digest) {
          await requeue(j, 'it failed with other data than was queued');
          continue;
        }
        throw new SweepError(
          `shard ${taskOf(j)} failed on a worker after ${j.attemptsMade} attempt(s): ${j.failedReason}; ` +
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

/** The shard jobs of every task of `exp`, each checked against the job schema (its limits), or a SweepError saying which limit a job would break. */
function checkedJobs(exp: LoadedExperiment): ShardJob[] {
  const jobs = shardJobs(exp, new Set());
  const bad = jobs.length ? ShardJobSchema.safeParse(jobs[0]) : undefined;
  if (bad && !bad.success) {
    throw new SweepError(`this sweep cannot go on a queue: ${bad.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (the limits are in src/sweep/shard-job.ts)`);
  }
  return jobs;
}

/** jobDigest of whatever a job holds, or '' when it is not shaped like a shard job. */
function safeDigest(data: unknown): string {
  try {
    return jobDigest(data as ShardJob);
  } catch {
    return '';
  }
}

/** A completed job's result if it is the journal line of the job queued (`want`), else why not. */
function takeResult(job: Job, want: { data: ShardJob; digest: string }): JournalEntry | string {
  const r = job.returnvalue as Partial<ShardJobResult> | null;
  if (!r || typeof r.line !== 'string' || typeof r.digest !== 'string') return 'the worker returned no journal line and digest';
  if (r.digest !== want.digest) return `the worker ran other data than was queued (digest ${r.digest.slice(0, 12)}, queued ${want.digest.slice(0, 12)}): the job was altered in Redis`;
  let entry: JournalEntry;
  try {
    entry = decodeLine(r.line) as JournalEntry;
  } catch {
    return 'the worker returned something that is not a journal line';
  }
  const d = want.data;
  if (entry?.task !== d.task || entry.point !== d.point || entry.shard !== d.shard.index || typeof entry.acc !== 'object' || typeof entry.paired !== 'object') {
    return `the result does not belong to task ${d.task}`;
  }
  return entry;
}

/** Options of a queue worker. */
export interface QueueWorkerOptions {
  /** Where Redis is: a URL, or a RedisAccess with password and CA. */
  queue: QueueAccess;
  /** Queue name (default `nfvsim`); the coordinator must use the same. */
  queueName?: string;
  /** Jobs at once (child processes); default 1. */
  concurrency?: number;
  /** Lock duration, ms: a job whose worker stops renewing its lock for this long is retried elsewhere (default 30 000). */
  lockDuration?: number;
  /** Wall-clock limit of one job, ms, in (0, MAX_JOB_TIMEOUT_MS] (default JOB_TIMEOUT_MS): a shard still running then is stopped and its job failed, not retried. */
  jobTimeout?: number;
  /** Log lines (job taken, done, failed). */
  log?: (line: string) => void;
}

/** The default job timeout, ms (one hour). */
export const JOB_TIMEOUT_MS = 3_600_000;

/** The longest job timeout, ms (about 24.8 days: the longest a Node timer waits). */
export const MAX_JOB_TIMEOUT_MS = 2 ** 31 - 1;

/** A BullMQ worker of shard jobs that can abandon the jobs in hand (see `abandon`). */
export class ShardWorker extends Worker {
  private abandoning = false;
  private readonly inHand = new Map<string, Job>();
  /** Children being started (forked, loading the processor). */
  private readonly starting = new Set<Promise<unknown>>();

  /** Wraps BullMQ's sandbox: a job abandoned (see `abandon`) ends as moved back to wait, not as failed or completed. */
  protected override createSandbox(processor: Parameters<Worker['createSandbox']>[0]): void {
    super.createSandbox(processor);
    // BullMQ's pool lists a child only once it has loaded the processor, so a child still
    // starting when the worker abandons its jobs escapes close(): kill it as it comes.
    const pool = (this as unknown as { childPool: ChildPool }).childPool;
    const retain = pool.retain.bind(pool);
    pool.retain = async (file: string) => {
      const started = retain(file);
      this.starting.add(started);
      const child = await started.finally(() => this.starting.delete(started));
      if (this.abandoning) {
        await pool.kill(child, 'SIGKILL');
        throw new WaitingError();
      }
      return child;
    };
    const run = this.processFn;
    this.processFn = (async (job: Job, token?: string, signal?: AbortSignal) => {
      if (this.abandoning) {
        await job.moveToWait(token).catch(() => undefined);
        throw new WaitingError();
      }
      this.inHand.set(job.id!, job);
      try {
        const result = await run(job, token, signal);
        if (this.abandoning) throw new WaitingError();
        return result;
      } catch (e) {
        throw this.abandoning ? new WaitingError() : e;
      } finally {
        this.inHand.delete(job.id!);
      }
    }) as Processor;
  }

  /**
   * Stops the worker at once: takes no more jobs, moves the jobs in hand back to wait
   * (for any worker to take) and kills their child processes, then closes. Resolves
   * when every child is dead; the caller bounds the time (WORKER_STOP_MS). A child
   * still starting up is killed once it has started; a process that exits sooner takes
   * it along all the same (the child sees its parent gone, see processor.ts).
   */
  async abandon(): Promise<void> {
    this.abandoning = true;
    await Promise.all([...this.inHand.values()].map((j) => j.moveToWait(j.token).catch(() => undefined)));
    // close(true) does not wait for the jobs; it kills the children with SIGTERM, which
    // ends them at once (processor.ts removes BullMQ's handler that would wait).
    await this.close(true);
    // Children still starting are killed as soon as they have started (see createSandbox).
    await Promise.allSettled([...this.starting]);
  }
}

/**
 * Starts a worker that takes shard jobs from the queue and runs each in a sandboxed
 * child process (validating the job first). Returns the worker: `close()` it to stop
 * after the jobs in hand, `abandon()` to stop now and give them back to the queue.
 */
export function startQueueWorker(opts: QueueWorkerOptions): ShardWorker {
  const acc = access(opts.queue);
  const lockDuration = opts.lockDuration ?? 30_000;
  const jobTimeout = opts.jobTimeout ?? JOB_TIMEOUT_MS;
  if (!(jobTimeout > 0 && jobTimeout <= MAX_JOB_TIMEOUT_MS)) throw new SweepError(`--job-timeout: expected more than 0 and at most ${(MAX_JOB_TIMEOUT_MS / 86_400_000).toFixed(1)} days`);
  const worker = new ShardWorker(opts.queueName ?? DEFAULT_QUEUE_NAME, PROCESSOR, {
    connection: connection(acc),
    concurrency: opts.concurrency ?? 1,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 5,
    // Children in their own process group (a Ctrl-C reaches the worker alone, which
    // decides what becomes of the jobs), told the job timeout; see processor.ts.
    workerForkOptions: { detached: true, env: { ...process.env, NFVSIM_WORKER_PID: String(process.pid), NFVSIM_JOB_TIMEOUT_MS: String(jobTimeout) } },
  });
  const log = opts.log ?? (() => undefined);
  quietErrors(worker, acc, log);
  const what = (job: Job) => {
    const d = job.data as Partial<ShardJob>;
    return `task ${d.task} (point ${d.point}, replications ${d.shard?.from}..${d.shard ? d.shard.to - 1 : '?'}) of sweep ${d.sweep}`;
  };
  worker.on('active', (job) => log(`taking ${what(job)}${job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0 ? ' (a retry)' : ''}`));
  worker.on('completed', (job) => log(`done ${what(job)}`));
  worker.on('failed', (job, err) => log(`failed ${job ? what(job) : 'a job'}: ${err.message}`));
  return worker;
}

/**
 * The RedisAccess of the CLI's `--queue`, `--redis-password-file` and `--redis-ca` and of
 * the environment (NFVSIM_REDIS_PASSWORD, NFVSIM_REDIS_CA); see readRedisAccess. A file
 * that cannot be read or a bad URL is a SweepError (exit 2), its message redacted.
 */
export function queueAccess(src: RedisAccessSources, env: NodeJS.ProcessEnv = process.env): RedisAccess {
  try {
    return readRedisAccess(src, env);
  } catch (e) {
    if (e instanceof RedisAccessError) throw new SweepError(e.message);
    throw e;
  }
}
