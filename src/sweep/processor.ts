/**
 * BullMQ's sandboxed processor for shard jobs (loaded by the worker in a child process).
 * A job that fails validation is failed without retries: running it again would not help.
 */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { processShardJob, ShardJobError } from './shard-job.js';

/** Runs one shard job; returns its journal line. */
export default async function runJob(job: SandboxedJob): Promise<string> {
  try {
    return processShardJob(job.data);
  } catch (e) {
    if (e instanceof ShardJobError) throw new UnrecoverableError(e.message);
    throw e;
  }
}
