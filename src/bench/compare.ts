/**
 * Two builds of nfvsim compared in one process (`npm run bench -- --compare DIR`): a
 * yardstick for changes of a few per cent on a machine whose speed drifts. Whole
 * processes a minute apart can differ by 10% or more on a shared machine; batches of
 * histories run in turn in one process, by two builds, after the same warm-up, move
 * together with the machine.
 *
 * Method: each build (this one's `dist/` and DIR, another build's `dist/`, e.g. of a
 * worktree of an older commit) loads its own modules and builds B1 (20 groups; batches
 * of 50 histories) and B2 (200 groups; batches of 5); after a warm-up of each, `pairs`
 * pairs of batches run, the order within a pair alternating (this build first, then the
 * other first); each batch is timed in nanoseconds per event; the figure is the median
 * of the pairwise ratios (this build / the other: below 1 is faster). Both builds run
 * the same histories (seed 1, replications counted on from the warm-up), so they do the
 * same events when their outputs are the same.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A comparison that cannot be made (a build missing, no measurable work): a message, not a stack trace. */
export class CompareError extends Error {}

/** One build's B1 or B2: runs `n` more histories, returns nanoseconds per event. */
type Batch = (n: number) => number;

/** The modules a build must have for the comparison (paths under its `dist/`). */
const MODULES = ['model/index.js', 'runner/replication.js', 'bench/models.js'] as const;

/** Ten years, in seconds: the bench's horizon. */
const HORIZON = 10 * 8760 * 3600;

/** A comparison on one model. */
export interface BuildComparison {
  model: 'B1' | 'B2';
  groups: number;
  batch: number;
  pairs: number;
  /** Medians of the batches' nanoseconds per event. */
  thisNsPerEvent: number;
  otherNsPerEvent: number;
  /** Median of the pairwise ratios, this build / the other. */
  ratio: number;
  /** The smallest and largest pairwise ratio. */
  low: number;
  high: number;
}

/** The batch runner of the build in `dist` for `groups` groups (loads that build's own modules). */
async function batchOf(dist: string, groups: number): Promise<Batch> {
  for (const m of MODULES) {
    if (!existsSync(join(dist, m))) throw new CompareError(`--compare: ${join(dist, m)} is missing: give the dist/ directory of a built nfvsim (npm run build)`);
  }
  const url = (m: string) => pathToFileURL(join(dist, m)).href;
  const { loadTopologyText } = (await import(url('model/index.js'))) as typeof import('../model/index.js');
  const { runReplication } = (await import(url('runner/replication.js'))) as typeof import('../runner/replication.js');
  const { seriesOfPairs } = (await import(url('bench/models.js'))) as typeof import('./models.js');
  const model = loadTopologyText(seriesOfPairs(groups), `B${groups}.yaml`).model;
  let replication = 0;
  return (n) => {
    let events = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++, replication++) events += runReplication(model, { seed: 1, horizon: HORIZON, warmup: 0 }, replication).events;
    const ns = Number(process.hrtime.bigint() - t0);
    if (!(events > 0) || !(ns > 0)) throw new CompareError('--compare: a batch did no measurable work');
    return ns / events;
  };
}

const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Compares this build with the one in `otherDist` (a `dist/` directory) on B1 and B2,
 * `pairs` pairs of batches each after `warmup` histories of B1 (a tenth as many of B2);
 * prints a line per model and returns the figures.
 */
export async function compareBuilds(otherDist: string, pairs: number, warmup = 300): Promise<BuildComparison[]> {
  const thisDist = fileURLToPath(new URL('..', import.meta.url));
  const other = resolve(otherDist);
  if (!(pairs >= 2)) throw new CompareError('--compare-pairs: expected at least 2 pairs');
  const out: BuildComparison[] = [];
  for (const [name, groups, batch] of [['B1', 20, 50], ['B2', 200, 5]] as const) {
    const mine = await batchOf(thisDist, groups);
    const theirs = await batchOf(other, groups);
    const warm = name === 'B1' ? warmup : Math.ceil(warmup / 10);
    mine(warm);
    theirs(warm);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let p = 0; p < pairs; p++) {
      let x: number;
      let y: number;
      if (p % 2 === 0) {
        x = mine(batch);
        y = theirs(batch);
      } else {
        y = theirs(batch);
        x = mine(batch);
      }
      a.push(x);
      b.push(y);
      ratios.push(x / y);
    }
    const r: BuildComparison = {
      model: name,
      groups,
      batch,
      pairs,
      thisNsPerEvent: median(a),
      otherNsPerEvent: median(b),
      ratio: median(ratios),
      low: Math.min(...ratios),
      high: Math.max(...ratios),
    };
    console.log(
      `compare, ${name} (${groups} groups, ${pairs} pairs of ${batch} histories in turn, one process): this build ${r.thisNsPerEvent.toFixed(1)} ns/event, ` +
        `${other} ${r.otherNsPerEvent.toFixed(1)}: ${r.ratio.toFixed(3)}x the other's time per event (median of the pairs; ${r.low.toFixed(3)} to ${r.high.toFixed(3)})`,
    );
    out.push(r);
  }
  return out;
}
