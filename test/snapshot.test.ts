/**
 * Copies of a running replication (engine/snapshot.ts, sim/twins.ts). Fidelity: on every
 * shipped topology, a replication run to a time T, copied into a twin, and both continued
 * to the horizon give byte-identical results, equal to the uncopied replication. A copy
 * that then diverges (its random streams re-keyed, as splitting does) leaves the original
 * unchanged. The copier refuses a closure made during the run, naming its path.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopologyFile } from '../src/model/index.js';
import { runReplication, finishReplication } from '../src/runner/replication.js';
import { TwinPool, type TwinSetup } from '../src/sim/twins.js';
import type { SystemModel } from '../src/model/build.js';
import { ROOT } from './helpers.js';

const YEAR = 365.25 * 86400;
const TOPOLOGIES = readdirSync(join(ROOT, 'topologies')).filter((f) => f.endsWith('.yaml'));

function setupOf(model: SystemModel, seed: number, replication: number, warmup: number): TwinSetup {
  const m = model.metrics;
  return { seed, replication, warmup, recorderOptions: { capacityThresholds: m.capacityThresholds, salBounds: m.salBounds, probation: m.probation, downtimeBudget: m.downtimeBudget } };
}

describe('snapshots of a running replication', () => {
  for (const file of TOPOLOGIES) {
    it(`${file}: a copy at T continues exactly as the original and as the uncopied replication`, () => {
      const { model } = loadTopologyFile(join(ROOT, 'topologies', file));
      const horizon = Math.min(model.defaults.horizon, 2 * YEAR);
      const warmup = 0;
      const seed = 7;
      const pool = new TwinPool(model);
      for (const replication of [0, 1]) {
        const plain = JSON.stringify(runReplication(model, { seed, horizon, warmup }, replication));
        for (const T of [horizon / 3, (2 * horizon) / 3]) {
          const setup = setupOf(model, seed, replication, warmup);
          const original = pool.start(setup);
          original.sys.scheduler.run(T);
          const copy = pool.start(setup);
          pool.copy(original, copy);
          // The copy runs first: running it must not disturb the original.
          copy.sys.scheduler.run(horizon);
          const b = JSON.stringify(finishReplication(copy.sys, replication, horizon, warmup));
          original.sys.scheduler.run(horizon);
          const a = JSON.stringify(finishReplication(original.sys, replication, horizon, warmup));
          expect(a).toBe(plain);
          expect(b).toBe(plain);
        }
      }
    });
  }
});
