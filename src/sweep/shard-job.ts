/**
 * One shard of a sweep as a self-contained job: everything a process on another machine
 * needs to run it (the point's topology text and hash, the settings, the replication
 * range) and nothing else. Jobs arrive from a queue, so every field is validated before
 * anything runs; the result is one journal line (see journal.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { YEAR } from '../engine/units.js';
import { loadTopologyCached, type LoadedTopology } from '../model/index.js';
import { runShardPaired } from '../runner/run.js';
import { encodeLine, type JournalEntry } from './journal.js';
import { codeFingerprint } from '../version.js';

/**
 * The most replications one job may ask for. A sweep's jobs hold SHARD_SIZE (50)
 * replications each, so this only refuses jobs that were not built by a coordinator
 * (or were altered on the way); raise it here, in coordinator and workers alike.
 */
export const MAX_JOB_REPLICATIONS = 100_000;

/** The longest horizon a job may ask for, seconds (100 000 years); raise it here, in coordinator and workers alike. */
export const MAX_JOB_HORIZON = 100_000 * YEAR;

/** The schema of a shard job. */
export const ShardJobSchema = z.strictObject({
  /** Identifies the sweep (a hash of its manifest): a worker may serve many sweeps. */
  sweep: z.string().regex(/^[0-9a-f]{16,64}$/),
  /** The coordinator's code fingerprint: a worker of another build would give other numbers. */
  code: z.string().regex(/^[0-9a-f]{16}$/),
  task: z.number().int().nonnegative(),
  point: z.number().int().nonnegative(),
  /** Replications [from, to): at least one, at most MAX_JOB_REPLICATIONS. */
  shard: z
    .strictObject({ index: z.number().int().nonnegative(), from: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), to: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) })
    .refine((s) => s.to > s.from, 'shard.to must exceed shard.from')
    .refine((s) => s.to - s.from <= MAX_JOB_REPLICATIONS, `at most ${MAX_JOB_REPLICATIONS} replications per job (MAX_JOB_REPLICATIONS)`),
  /** Seconds; the horizon finite and at most MAX_JOB_HORIZON. */
  settings: z.strictObject({
    seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    horizon: z.number().positive().max(MAX_JOB_HORIZON, `the horizon is at most ${MAX_JOB_HORIZON / YEAR} years per job (MAX_JOB_HORIZON)`),
    warmup: z.number().nonnegative().finite(),
  }),
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

/** Runs a (validated) shard job and returns its journal entry; a topology that does not load is a ShardJobError. */
export function runShardJob(job: ShardJob): JournalEntry {
  let topo: LoadedTopology;
  try {
    // The hash was checked by parseShardJob.
    topo = loadTopologyCached(job.topology.text, job.topology.file, job.topology.sha256);
  } catch (e) {
    throw new ShardJobError(`invalid shard job: the topology of task ${job.task} does not load: ${(e as Error).message}`);
  }
  const { acc, paired } = runShardPaired(topo.model, job.settings, job.shard);
  return { task: job.task, point: job.point, shard: job.shard.index, acc, paired };
}

/**
 * The digest of a shard job: sha256 (hex) of its canonical JSON (keys sorted at every
 * level) without the topology text, which the topology's sha256 stands for (a worker
 * checks the text against it). The coordinator keeps the digest of every job it queues
 * and accepts a result only with the digest of the job the worker ran.
 */
export function jobDigest(job: ShardJob): string {
  const { text: _text, ...topology } = job.topology;
  return createHash('sha256').update(canonicalJson({ ...job, topology })).digest('hex');
}

/** JSON with the keys of every object sorted, so equal values give equal text. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** What a queue worker returns for a job: the journal line and the digest of the job it ran. */
export interface ShardJobResult {
  /** One journal line (see journal.ts), newline included. */
  line: string;
  /** jobDigest of the job as the worker received it. */
  digest: string;
}

/** Validates, runs, and encodes as a journal line with the job's digest (what a queue worker returns). */
export function processShardJob(data: unknown): ShardJobResult {
  const job = parseShardJob(data);
  return { line: encodeLine(runShardJob(job)), digest: jobDigest(job) };
}
