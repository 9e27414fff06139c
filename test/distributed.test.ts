/**
 * Sweeps beyond one machine: a real redis-server (Debian's package; .ci/run installs it,
 * this file starts its own on a free loopback port), a coordinator and two worker
 * processes, one of them killed with SIGKILL mid-shard; array-job shards and merge.
 * Each result must be the bytes of the same sweep run locally.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { buildResults, loadExperimentFile, runSweep } from '../src/index.js';
import { readJournals } from '../src/sweep/sweep.js';
import { checkRedis, queueAccess, shardJobs, startQueueWorker, sweepId } from '../src/sweep/queue.js';
import { redact, redactUrl, redisOptions } from '../src/sweep/redis-access.js';
import { parseShardJob, type ShardJob } from '../src/sweep/shard-job.js';
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

  it('a sensitivity study on the queue gives the bytes of a local one', async () => {
    const dir = tmp();
    const args = ['sensitivity', 'topologies/minimal.yaml', '--runs', '60', '--horizon', '5y', '--no-charts', '--no-progress'];
    const local = start([...args, '--out', join(dir, 'local'), '--jobs', '1']);
    expect(await local.exited).toBe(0);
    const w = start(['worker', '--queue', url, '--queue-name', 'nfvsim-sens', '-c', '1']);
    await until(() => w.log.stderr.includes('waiting for shards'));
    const queued = start([...args, '--out', join(dir, 'queued'), '--queue', url, '--queue-name', 'nfvsim-sens']);
    expect(await queued.exited).toBe(0);
    expect(queued.log.stdout).toBe(local.log.stdout);
    for (const f of ['sensitivity.json', 'sensitivity.csv']) expect(readFileSync(join(dir, 'queued', f), 'utf8')).toBe(readFileSync(join(dir, 'local', f), 'utf8'));
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
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

  it('a job beyond the limits or whose topology does not load fails at once; a shard past --job-timeout is stopped and fails', async () => {
    const worker = startQueueWorker({ queue: url, queueName: 'nfvsim-limits', jobTimeout: 1000 });
    const queue = new Queue('nfvsim-limits', { connection: { url } });
    try {
      const [good] = shardJobs(loadExperimentFile(oneShardFile(tmp(), '1000y')), new Set());
      const text = 'services: [';
      const bad = {
        replications: { ...good, shard: { index: 0, from: 0, to: 1e15 } },
        horizon: { ...good, settings: { ...good.settings, horizon: 1e300 } },
        topology: { ...good, topology: { file: 'broken.yaml', text, sha256: createHash('sha256').update(text).digest('hex') } },
        timeout: good,
      };
      const jobs = await Promise.all(Object.entries(bad).map(([name, data]) => queue.add(name, data, { attempts: 3, backoff: { type: 'fixed', delay: 10 } })));
      const reasons: Record<string, string> = {};
      for (let i = 0; i < 300 && Object.keys(reasons).length < jobs.length; i++) {
        for (const j of jobs) {
          const now = await queue.getJob(j.id!);
          if (now?.failedReason && (await now.isFailed())) {
            reasons[j.name] = now.failedReason;
            expect(now.attemptsMade, j.name).toBe(1);
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(reasons.replications).toMatch(/at most 100000 replications per job \(MAX_JOB_REPLICATIONS\)/);
      expect(reasons.horizon).toMatch(/the horizon is at most 100000 years per job \(MAX_JOB_HORIZON\)/);
      expect(reasons.topology).toMatch(/the topology of task 0 does not load/);
      expect(reasons.timeout).toMatch(/the shard ran longer than the job timeout \(1 s, nfvsim worker --job-timeout\) and was stopped/);
    } finally {
      await worker.close();
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

/** The pids whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether process `pid` still runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** An experiment of one point and one shard (50 runs) of `horizon`. */
function oneShardFile(dir: string, horizon: string): string {
  const f = join(dir, `one-${horizon}.yaml`);
  writeFileSync(f, stringify({ base: join(ROOT, 'topologies/default.yaml'), runs: 50, seed: 5, horizon, grid: { 'vnfs.vSGW.instances': [3] } }));
  return f;
}

/** Runs `fn` with a queue named `name`, then empties and closes it. */
async function withQueue(name: string, fn: (queue: Queue) => Promise<void>): Promise<void> {
  const queue = new Queue(name, { connection: { url } });
  try {
    await fn(queue);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** A one-shard experiment of 10 years and its local sweep, made once for the tests below. */
let oneShard: Promise<{ dir: string; file: string; local: string }> | undefined;
function oneShardSweep() {
  return (oneShard ??= (async () => {
    const dir = tmp();
    const file = oneShardFile(dir, '10y');
    const local = join(dir, 'local');
    await runSweep(loadExperimentFile(file), { out: local, jobs: 1 });
    return { dir, file, local };
  })());
}

describe.skipIf(!REDIS)('queue workers leave nothing behind, stop in time, run only what was queued (real redis-server)', () => {
  let dir = '';
  let file = '';
  let local = '';
  beforeAll(async () => {
    if (!REDIS) return;
    ({ dir, file, local } = await oneShardSweep());
  }, 60_000);

  it('a worker killed with SIGKILL mid-shard leaves no child process behind', () =>
    withQueue('nfvsim-orphan', async (queue) => {
      const w = start(['worker', '--queue', url, '--queue-name', 'nfvsim-orphan', '-c', '1']);
      await until(() => w.log.stderr.includes('waiting for shards'), 30_000);
      // A shard of 1000 years: it runs far longer than this test.
      const [job] = shardJobs(loadExperimentFile(oneShardFile(dir, '1000y')), new Set());
      await queue.add('long', job);
      await until(() => w.log.stderr.includes('taking task'), 30_000);
      // The sandbox's child process is forked as the job starts; let it reach the shard.
      await until(() => childrenOf(w.child.pid!).length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      const kids = childrenOf(w.child.pid!);
      w.child.kill('SIGKILL');
      await w.exited;
      const t0 = Date.now();
      await until(() => kids.every((k) => !alive(k)), 2_000);
      console.log(`distributed.test.ts: the killed worker's children were gone ${Date.now() - t0} ms after its death`);
    }), 60_000);

  it('SIGTERM stops a worker within 10 s, its shard goes back to wait and another worker completes it', async () => {
    const q = ['--queue', url, '--queue-name', 'nfvsim-term'];
    const a = start(['worker', ...q, '-c', '1']);
    await until(() => a.log.stderr.includes('waiting for shards'), 30_000);
    const out = join(dir, 'term');
    const coord = start(['sweep', file, '--out', out, ...q, '--no-charts']);
    await until(() => a.log.stderr.includes('taking task 0'), 30_000);
    const kids = childrenOf(a.child.pid!);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const stopMs = Date.now() - t0;
    console.log(`distributed.test.ts: a worker stopped ${stopMs} ms after SIGTERM`);
    expect(stopMs).toBeLessThan(10_000);
    expect(a.log.stderr).not.toMatch(/done task 0/);
    expect(kids.filter(alive)).toEqual([]);
    // Moved back to wait at once (not by stall detection, which would wait for the lock to expire).
    await withQueue('nfvsim-term', async (queue) => {
      const id = sweepId(loadExperimentFile(file));
      expect(await queue.getJobState(`${id}-0`)).toBe('waiting');
      const b = start(['worker', ...q, '-c', '1']);
      expect(await coord.exited).toBe(0);
      expect(b.log.stderr).toMatch(/taking task 0 .*of sweep \w+\n/);
      expect(b.log.stderr).toMatch(/done task 0 /);
      expect(files(out)).toEqual(files(local));
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    });
  }, 90_000);

  it('a job altered in Redis before a worker takes it is rejected and queued again: results are the bytes of a local sweep', async () => {
    const q = ['--queue', url, '--queue-name', 'nfvsim-alter'];
    const out = join(dir, 'alter');
    const coord = start(['sweep', file, '--out', out, ...q, '--no-charts']);
    await withQueue('nfvsim-alter', async (queue) => {
      const id = sweepId(loadExperimentFile(file));
      let job: Job | undefined;
      for (let i = 0; i < 300 && !job; i++) {
        job = await queue.getJob(`${id}-0`);
        if (!job) await new Promise((r) => setTimeout(r, 100));
      }
      expect(job).toBeDefined();
      const data = job!.data as ShardJob;
      await job!.updateData({ ...data, settings: { ...data.settings, seed: data.settings.seed + 1 } });
      const w = start(['worker', ...q, '-c', '1']);
      expect(await coord.exited).toBe(0);
      expect(coord.log.stderr).toMatch(/rejected job \w+-0 \(task 0\): the worker ran other data than was queued/);
      expect(coord.log.stderr).toMatch(/queued task 0 again/);
      expect(files(out)).toEqual(files(local));
      w.child.kill('SIGTERM');
      await w.exited;
    });
  }, 90_000);
});

describe.skipIf(!REDIS)('Redis credentials and TLS (real redis-server with requirepass and a private CA)', () => {
  const password = 'pw-Secret-4711';
  let tlsUrl = '';
  let plainPort = 0;
  let ca = '';
  let dir = '';
  let server: ChildProcess | undefined;
  let tlsOk = false;

  beforeAll(async () => {
    if (!REDIS) return;
    dir = tmp();
    const ssl = (args: string[]) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=nfvsim test CA']);
    ssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf']);
    ca = join(dir, 'ca.crt');
    if (!existsSync(join(dir, 'server.crt'))) return;
    const tlsPort = await freePort();
    plainPort = await freePort();
    server = spawn(REDIS!, ['--port', String(plainPort), '--tls-port', String(tlsPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password,
      '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', ca, '--tls-auth-clients', 'no'], { stdio: 'ignore' });
    children.push(server);
    tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
    const access = { url: tlsUrl, password, ca: readFileSync(ca, 'utf8') };
    for (let i = 0; i < 50 && !tlsOk; i++) {
      tlsOk = await checkRedis(access, 1000).then(() => true, () => false);
      if (!tlsOk) await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  it('a sweep over rediss:// with the password from a file (coordinator) and the environment (worker), the CA from --redis-ca and NFVSIM_REDIS_CA: the bytes of a local sweep', async () => {
    expect(tlsOk).toBe(true);
    const { file, local } = await oneShardSweep();
    const pwFile = join(dir, 'password');
    writeFileSync(pwFile, `${password}\n`);
    const w = start(['worker', '--queue', tlsUrl, '-c', '1'], { NFVSIM_REDIS_PASSWORD: password, NFVSIM_REDIS_CA: ca });
    await until(() => w.log.stderr.includes('waiting for shards'), 30_000);
    const out = join(dir, 'tls');
    const coord = start(['sweep', file, '--out', out, '--queue', tlsUrl, '--redis-password-file', pwFile, '--redis-ca', ca, '--no-charts']);
    expect(await coord.exited).toBe(0);
    expect(files(out)).toEqual(files(local));
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    for (const text of [w.log.stderr, coord.log.stderr, coord.log.stdout]) expect(text).not.toContain(password);
  }, 90_000);

  it('no message shows the password: a wrong one in the URL, a TLS server without its CA', async () => {
    const wrong = cli(['worker', '--queue', `redis://default:wrong-${password}@127.0.0.1:${plainPort}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`cannot reach Redis at redis://default:\\*\\*\\*@127\\.0\\.0\\.1:${plainPort}: WRONGPASS`));
    expect(wrong.stderr).not.toContain(password);
    const noCa = cli(['worker', '--queue', `rediss://:${password}@${tlsUrl.slice('rediss://'.length)}`]);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toMatch(/cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*certificate/);
    expect(noCa.stderr).not.toContain(password);
  }, 60_000);

  it('redactUrl and redisOptions: the password never printed, the options reach the connection', () => {
    expect(redactUrl('see redis://nfv:s3cret@h:1/2 and rediss://:p@w@x:2')).toBe('see redis://nfv:***@h:1/2 and rediss://:***@x:2');
    expect(redact('AUTH failed for s3cret-pass', { url: 'redis://h', password: 's3cret-pass' })).toBe('AUTH failed for ***');
    expect(redisOptions({ url: 'rediss://nfv:from-url@[::1]:6380/3', password: 'from-env', ca: 'PEM' })).toEqual({ host: '::1', port: 6380, username: 'nfv', password: 'from-env', db: 3, tls: { ca: ['PEM'] } });
    expect(redisOptions({ url: 'redis://:p%40ss@h' })).toEqual({ host: 'h', port: 6379, password: 'p@ss' });
    expect(() => redisOptions({ url: 'http://h' })).toThrow(/expected a Redis URL/);
    expect(() => queueAccess({ url: 'redis://h', passwordFile: '/nonexistent/pw' })).toThrow(/cannot read the Redis password file \/nonexistent\/pw: ENOENT/);
    expect(() => queueAccess({ url: 'redis://h' }, { NFVSIM_REDIS_CA: join(ROOT, 'package.json') })).toThrow(/a CA .* is for TLS: use a rediss:\/\/ URL/);
    expect(queueAccess({ url: 'rediss://u:in-url@h' }, { NFVSIM_REDIS_PASSWORD: 'env-pw', NFVSIM_REDIS_CA: join(ROOT, 'package.json') })).toMatchObject({ password: 'env-pw', ca: expect.stringContaining('nfvsim') });
  });
});
