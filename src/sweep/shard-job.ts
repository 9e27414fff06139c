/**
 * One shard of a sweep as a self-contained job: everything a process on another machine
 * needs to run it (the point's topology text and hash, the settings, the replication
 * range) and nothing else. Jobs arrive from a queue, so every field is validated before
 * anything runs; the result is one journal line (see journal.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { loadTopologyCached } from '../model/index.js';
import { runShardPaired } from '../runner/run.js';
import { encodeLine, type JournalEntry } from './journal.js';
import { codeFingerprint } from '../version.js';

/** The schema of a shard job. */
export const ShardJobSchema = z.strictObject({
  /** Identifies the sweep (a hash of its manifest): a worker may serve many sweeps. */
  sweep: z.string().regex(/^[0-9a-f]{16,64}$/),
  /** The coordinator's code fingerprint: a worker of another build would give other numbers. */
  code: z.string().regex(/^[0-9a-f]{16}$/),
  task: z.number().int().nonnegative(),
  point: z.number().int().nonnegative(),
  shard: z.strictObject({ index: z.number().int().nonnegative(), from: z.number().int().nonnegative(), to: z.number().int().positive() }).refine((s) => s.to > s.from, 'shard.to must exceed shard.from'),
  settings: z.strictObject({ seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), horizon: z.number().positive(), warmup: z.number().nonnegative() }),
  topology: z.strictObject({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), text: z.string().min(1) }),
});

/** A shard job. Times in seconds. */
export type ShardJob = z.infer<typeof ShardJobSchema>;

/** A job that cannot be run: bad fields, a topology that does not match its hash or does not load. */
export class ShardJobError extends Error {}

/** Validates `data` as a shard job, or throws a ShardJobError saying what is wrong. */
export function parseShardJob(data: unknown): ShardJob {
  const r = ShardJobSchema.safeParse(data);
  if (!r.success) throw new ShardJobError(`invalid shard job: ${r.error.issues.map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`).join('; ')}`);
  const job = r.data;
  if (createHash('sha256').update(job.topology.text).digest('hex') !== job.topology.sha256) throw new ShardJobError(`invalid shard job: the topology text does not match its sha256 (task ${job.task})`);
  if (!(job.settings.horizon > job.settings.warmup)) throw new ShardJobError('invalid shard job: the horizon must exceed the warm-up');
  if (job.code !== codeFingerprint()) {
    throw new ShardJobError(`shard job from another nfvsim build (code ${job.code}; this worker is ${codeFingerprint()}): run workers from the same build as the coordinator`);
  }
  return job;
}

/** Runs a (validated) shard job and returns its journal entry. */
export function runShardJob(job: ShardJob): JournalEntry {
  // The hash was checked by parseShardJob.
  const topo = loadTopologyCached(job.topology.text, job.topology.file, job.topology.sha256);
  const { acc, paired } = runShardPaired(topo.model, job.settings, job.shard);
  return { task: job.task, point: job.point, shard: job.shard.index, acc, paired };
}

/** Validates, runs, and encodes as a journal line (what a queue worker returns). */
export function processShardJob(data: unknown): string {
  return encodeLine(runShardJob(parseShardJob(data)));
}
