/**
 * Sweeps beyond one machine: a real redis-server (Debian's package; .ci/run installs it,
 * this file starts its own on a free loopback port), a coordinator and two worker
 * processes, one of them killed with SIGKILL mid-shard; array-job shards and merge.
 * Each result must be the bytes of the same sweep run locally.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { buildResults, loadExperimentFile, runSweep } from '../src/index.js';
import { readJournals } from '../src/sweep/sweep.js';
import { shardJobs, startQueueWorker } from '../src/sweep/queue.js';
import { parseShardJob } from '../src/sweep/shard-job.js';
import { parseShardOption } from '../src/cli/main.js';
import { cli, ROOT } from './helpers.js';

const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
if (!REDIS) console.warn('distributed.test.ts: no redis-server installed (apt-get install -y redis-server): the queue tests are skipped');

const tmp = () => mkdtempSync(join(tmpdir(), 'nfvsim-dist-'));
const files = (dir: string) => ['results.json', 'results.csv'].map((f) => readFileSync(join(dir, f), 'utf8'));

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let redis: ChildProcess | undefined;
let url = '';
const children: ChildProcess[] = [];

/** Starts a CLI process; collects its stderr. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/nfvsim.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const log = { stderr: '', stdout: '' };
  child.stderr!.on('data', (d) => (log.stderr += d));
  child.stdout!.on('data', (d) => (log.stdout += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log, exited };
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An experiment on the default topology whose shards take about a second each: 2 points x 100 runs of 10 years. */
function experimentFile(dir: string): string {
  const f = join(dir, 'dist.yaml');
  writeFileSync(f, stringify({ base: join(ROOT, 'topologies/default.yaml'), runs: 100, seed: 5, horizon: '10y', grid: { 'vnfs.vSGW.instances': [3, 4] } }));
  return f;
}

beforeAll(async () => {
  if (!REDIS) return;
  const port = await freePort();
  redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  await until(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG', 10_000);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  redis?.kill('SIGKILL');
});

describe.skipIf(!REDIS)('sweeps on a BullMQ queue (real redis-server)', () => {
  it('a coordinator and two workers, one killed with SIGKILL mid-shard, give the bytes of a local sweep', async () => {
    const dir = tmp();
    const file = experimentFile(dir);
    const local = join(dir, 'local');
    await runSweep(loadExperimentFile(file), { out: local, jobs: 1 });

    const a = start(['worker', '--queue', url, '-c', '1', '--lock-duration', '2s']);
    const b = start(['worker', '--queue', url, '-c', '1', '--lock-duration', '2s']);
    await until(() => a.log.stderr.includes('waiting for shards') && b.log.stderr.includes('waiting for shards'));
    const out = join(dir, 'queued');
    const coord = start(['sweep', file, '--out', out, '--queue', url, '--no-charts']);
    // Kill worker A as soon as it has taken a shard: it dies holding the job's lock.
    await until(() => /taking task \d+/.test(a.log.stderr));
    a.child.kill('SIGKILL');
    const killedTask = /taking task (\d+)/.exec(a.log.stderr)![1];
    expect(a.log.stderr).not.toMatch(new RegExp(`done task ${killedTask} `));
    expect(await coord.exited).toBe(0);
    expect(files(out)).toEqual(files(local));
    // The shard A died with was retried by B once A's lock expired.
    expect(b.log.stderr).toMatch(new RegExp(`taking task ${killedTask} .*\\(a retry\\)`));
    expect(b.log.stderr).toMatch(new RegExp(`done task ${killedTask} `));
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 180_000);

  it('a shard that fails stops the coordinator with the error; --resume queues it again and finishes', async () => {
    const dir = tmp();
    const file = experimentFile(dir);
    const local = join(dir, 'local');
    await runSweep(loadExperimentFile(file), { out: local, jobs: 1 });
    // A broken worker: every job fails for good.
    const broken = new Worker('nfvsim-fail', async () => { throw new UnrecoverableError('disk full'); }, { connection: { url } });
    const out = join(dir, 'out');
    const first = start(['sweep', file, '--out', out, '--queue', url, '--queue-name', 'nfvsim-fail', '--no-charts']);
    expect(await first.exited).toBe(2);
    expect(first.log.stderr).toMatch(/shard \d+ failed on a worker after 1 attempt\(s\): disk full/);
    await broken.close();
    const good = start(['worker', '--queue', url, '--queue-name', 'nfvsim-fail', '-c', '1']);
    await until(() => good.log.stderr.includes('waiting for shards'));
    const second = start(['sweep', file, '--out', out, '--queue', url, '--queue-name', 'nfvsim-fail', '--resume', '--no-charts']);
    expect(await second.exited).toBe(0);
    expect(files(out)).toEqual(files(local));
    good.child.kill('SIGTERM');
    await good.exited;
  }, 180_000);

  it('a worker validates every job: a malformed one fails at once, without retries', async () => {
    const worker = startQueueWorker({ queue: url, queueName: 'nfvsim-validation' });
    const queue = new Queue('nfvsim-validation', { connection: { url } });
    const events = new QueueEvents('nfvsim-validation', { connection: { url } });
    try {
      await events.waitUntilReady();
      const failed = new Promise<string>((r) => events.on('failed', ({ failedReason }) => r(failedReason)));
      const job = await queue.add('bad', { sweep: 'not-hex', task: -1, topology: { text: 'x' } }, { attempts: 3 });
      expect(await failed).toMatch(/invalid shard job: .*sweep/);
      const state = await queue.getJob(job.id!);
      expect(state?.attemptsMade).toBe(1);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 60_000);
});

describe('array-job shards and merge (no broker)', () => {
  it('shards 0/3, 1/3, 2/3 (by option, JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID) plus merge give the bytes of a local sweep', async () => {
    const dir = tmp();
    const file = experimentFile(dir);
    const local = join(dir, 'local');
    await runSweep(loadExperimentFile(file), { out: local, jobs: 1 });
    const out = join(dir, 'array');
    const early = cli(['merge', file, '--out', out, '--no-charts']);
    expect(early.code).toBe(2);
    // The three array tasks start together and share the folder.
    const shards = [
      start(['sweep', file, '--out', out, '--shard', '0/3', '--jobs', '1', '--no-charts']),
      start(['sweep', file, '--out', out, '--shard', '3', '--jobs', '1', '--no-charts'], { JOB_COMPLETION_INDEX: '1' }),
      start(['sweep', file, '--out', out, '--shard', '3', '--jobs', '1', '--no-charts'], { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1' }),
    ];
    // Shard 0 first, so merging before the others finish is refused with what is missing.
    expect(await shards[0].exited).toBe(0);
    expect(shards[0].log.stderr).toMatch(/shard 0\/3: 2 of its 2 tasks run now/);
    for (const s of shards.slice(1)) expect(await s.exited).toBe(0);
    expect(shards[2].log.stderr).toMatch(/shard 2\/3/);
    const merged = cli(['merge', file, '--out', out, '--no-charts']);
    expect(merged.code).toBe(0);
    expect(files(out)).toEqual(files(local));
    // A shard run again does nothing new.
    const again = cli(['sweep', file, '--out', out, '--shard', '1/3', '--jobs', '1', '--no-charts']);
    expect(again.stderr).toMatch(/0 of its 1 tasks run now/);
  }, 180_000);

  it('merge says what is missing; a duplicated shard result counts once', async () => {
    const dir = tmp();
    const file = experimentFile(dir);
    const out = join(dir, 'part');
    expect(cli(['sweep', file, '--out', out, '--shard', '0/2', '--jobs', '1', '--no-charts']).code).toBe(0);
    const r = cli(['merge', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot merge yet: 2 of 4 shards still to run/);
    // A gap (shard 0 of point 0 missing, shard 1 present) counts one missing shard, not two.
    const journal = join(out, 'journal.shard-0-of-2.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    writeFileSync(journal, lines.filter((l) => !l.startsWith('{"task":0,')).join('\n') + '\n');
    expect(cli(['sweep', file, '--out', out, '--shard', '1/2', '--jobs', '1', '--no-charts']).code).toBe(0);
    expect(cli(['merge', file, '--out', out, '--no-charts']).stderr).toMatch(/cannot merge yet: 1 of 4 shards still to run/);
    expect(cli(['sweep', file, '--out', out, '--shard', '0/2', '--jobs', '1', '--no-charts']).code).toBe(0);
    expect(cli(['sweep', file, '--out', out, '--shard', '1/2', '--jobs', '1', '--no-charts']).code).toBe(0);
    const exp = loadExperimentFile(file);
    const entries = [...readJournals([out])];
    // At-least-once delivery: every entry twice, in another order.
    expect(JSON.stringify(buildResults(exp, [...entries, ...[...entries].reverse()]))).toBe(JSON.stringify(buildResults(exp, entries)));
  }, 120_000);

  it('an unreachable Redis is a clear error (exit 2), not endless retries', async () => {
    const port = await freePort();
    const dir = tmp();
    const w = cli(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const c = cli(['sweep', experimentFile(dir), '--out', join(dir, 'out'), '--queue', `redis://127.0.0.1:${port}`]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/cannot reach Redis/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a worker rejects a job from another build', () => {
    const exp = loadExperimentFile(experimentFile(tmp()));
    const [job] = shardJobs(exp, new Set());
    expect(() => parseShardJob(job)).not.toThrow();
    expect(() => parseShardJob({ ...job, code: '0123456789abcdef' })).toThrow(/shard job from another nfvsim build/);
    expect(() => parseShardJob({ ...job, topology: { ...job.topology, text: job.topology.text + ' ' } })).toThrow(/does not match its sha256/);
  });

  it('--shard takes its index from the environment of an Indexed Job or a job array', () => {
    expect(parseShardOption('2/5', {})).toEqual({ index: 2, count: 5 });
    expect(parseShardOption('4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShardOption('4', { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5' })).toEqual({ index: 2, count: 4 });
    expect(() => parseShardOption('4', {})).toThrow(/no shard index/);
    expect(() => parseShardOption('4/4', {})).toThrow(/not in 0\.\.3/);
    expect(() => parseShardOption('x', {})).toThrow(/expected i\/n/);
  });
});
