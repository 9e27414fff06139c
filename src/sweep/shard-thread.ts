/**
 * A worker thread that runs one shard job (workerData: the job as it came from the
 * queue) and posts a ShardThreadReply. It lets the sandboxed child's main thread stay
 * free while a shard computes: to notice that the worker that forked it is gone and to
 * stop a shard that overruns the job timeout (see processor.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { processShardJob, ShardJobError, type ShardJobResult } from './shard-job.js';

/** What the thread posts: the result, or why the job failed (`invalid`: the job itself is wrong, retrying cannot help). */
export type ShardThreadReply = { ok: ShardJobResult } | { error: string; invalid: boolean };

let reply: ShardThreadReply;
try {
  reply = { ok: processShardJob(workerData) };
} catch (e) {
  reply = { error: e instanceof Error ? e.message : String(e), invalid: e instanceof ShardJobError };
}
parentPort!.postMessage(reply);
