/**
 * Running the shards of a run on worker threads (piscina). Shards are fixed by the
 * number of replications alone and merged in shard order, so the result is the same
 * bytes as an inline run, whatever the number of threads.
 */
import { Piscina } from 'piscina';
import type { LoadedTopology } from '../model/index.js';
import type { OutageRecord } from '../metrics/recorder.js';
import type { RunAccumulator } from '../metrics/summary.js';
import { mergeShards, planShards } from './run.js';
import type { RunSettings } from './replication.js';
import type { ShardResult, ShardTask } from './worker.js';

/**
 * The compiled worker (dist/runner/worker.js). It is resolved from the package root so
 * that this module works both compiled and from the TypeScript sources (tests).
 */
const WORKER = new URL('../../dist/runner/worker.js', import.meta.url).href;

/**
 * Runs `runs` replications on `jobs` worker threads. `onShard` is called as shards
 * finish (in any order); outages, when `settings.onOutage` is given, are delivered in
 * replication order after all shards are done.
 */
export async function runParallel(
  topo: LoadedTopology & { text: string },
  settings: RunSettings,
  runs: number,
  jobs: number,
  onShard?: (replicationsDone: number, total: number) => void,
): Promise<RunAccumulator> {
  const shards = planShards(runs);
  const pool = new Piscina({ filename: WORKER, minThreads: Math.min(jobs, shards.length), maxThreads: Math.min(jobs, shards.length), idleTimeout: 1000 });
  const { onOutage, ...plain } = settings;
  let done = 0;
  try {
    const results: ShardResult[] = await Promise.all(
      shards.map(async (shard) => {
        const task: ShardTask = { text: topo.text, file: topo.file, sha256: topo.sha256, settings: plain, shard, outages: onOutage !== undefined };
        const r = (await pool.run(task)) as ShardResult;
        done += shard.to - shard.from;
        onShard?.(done, runs);
        return r;
      }),
    );
    results.sort((a, b) => a.index - b.index);
    if (onOutage) for (const r of results) for (const [s, rep, o] of r.outages) onOutage(s, rep, o as OutageRecord);
    return mergeShards(topo.model, results.map((r) => r.acc));
  } finally {
    await pool.destroy();
  }
}
