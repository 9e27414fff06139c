/**
 * The shared shard queue of a run on several threads (runner/run.ts `claimShard`,
 * runner/parallel.ts): every shard claimed once, by one thread; a closed queue gives no
 * more; a failure while results are merged stops the run with that error (no hang).
 * Needs the build (the worker threads run dist/runner/worker.js).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopologyFile, runAll, SHARD_SIZE } from '../src/index.js';
import { claimShard, closeShardQueue } from '../src/runner/run.js';
import { ROOT } from './helpers.js';

const DEFAULT = join(ROOT, 'topologies/default.yaml');

describe('the shared shard queue', () => {
  it('gives each position once, then -1; closed, it gives no more', () => {
    const q = new Int32Array(new SharedArrayBuffer(4));
    expect([claimShard(q, 3), claimShard(q, 3), claimShard(q, 3), claimShard(q, 3), claimShard(q, 3)]).toEqual([0, 1, 2, -1, -1]);
    const r = new Int32Array(new SharedArrayBuffer(4));
    expect(claimShard(r, 5)).toBe(0);
    closeShardQueue(r, 5);
    expect(claimShard(r, 5)).toBe(-1);
  });

  it('a run on 3 threads: the bytes of an inline run, each replication once (continued from a shard boundary too)', async () => {
    const { runParallel } = await import('../src/runner/parallel.js');
    const t = loadTopologyFile(DEFAULT);
    const settings = { seed: 9, horizon: 365 * 86400, warmup: 0 };
    const runs = 6 * SHARD_SIZE + 3;
    const acc = await runParallel(t, settings, runs, 3);
    expect(acc.replications).toBe(runs);
    expect(JSON.stringify(acc)).toBe(JSON.stringify(runAll(t.model, settings, runs)));
    const half = runAll(t.model, settings, 2 * SHARD_SIZE);
    const rest = await runParallel(t, settings, runs, 3, undefined, { from: 2 * SHARD_SIZE, into: half });
    expect(JSON.stringify(rest)).toBe(JSON.stringify(acc));
  });

  it('an error while a result is merged (an outage writer that throws) fails the run with it, every thread stopped', async () => {
    const { runParallel } = await import('../src/runner/parallel.js');
    const t = loadTopologyFile(DEFAULT);
    const settings = { seed: 5, horizon: 2 * 365 * 86400, warmup: 0 };
    let calls = 0;
    const onOutage = () => {
      // A shard past the first: its results may come from a worker (a message) or this thread.
      if (++calls > 50) throw new Error('disk full');
    };
    await expect(runParallel(t, { ...settings, onOutage }, 20 * SHARD_SIZE, 2)).rejects.toThrow('disk full');
  });
});
