/**
 * The event budget's pilot runs replication 0 of the model; the run that follows gets
 * that result instead of running the same history again (runner/replication.ts,
 * `keepPilot`), once, and only when it is the result the run would compute.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyFile } from '../src/model/index.js';
import { estimateEvents } from '../src/runner/budget.js';
import { keepPilot, runReplication, type RunSettings } from '../src/runner/replication.js';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

const model = loadTopologyFile(join(ROOT, 'topologies', 'minimal.yaml'), 'minimal.yaml').model;
const horizon = model.defaults.horizon;
const base: RunSettings = { seed: 5, horizon, warmup: 0 };
/** A pilot's replication 0, kept. */
function pilot(settings: RunSettings = base) {
  const r = runReplication(model, { ...settings, maxEvents: 1e6 }, 0);
  keepPilot(model, { ...settings, maxEvents: 1e6 }, r);
  return r;
}

describe('the budget pilot as the run\'s replication 0', () => {
  it('is handed over once, to the same model, seed and horizon, and equals a fresh run of it', () => {
    const r = pilot();
    expect(runReplication(model, base, 0)).toBe(r);
    const again = runReplication(model, base, 0);
    expect(again).not.toBe(r);
    expect(JSON.stringify(again)).toBe(JSON.stringify(r));
  });

  it('is not handed over when the run differs in anything that changes the result or must watch it', () => {
    const cases: Array<[string, RunSettings, number]> = [
      ['another seed', { ...base, seed: 6 }, 0],
      ['another horizon', { ...base, horizon: horizon / 2 }, 0],
      ['a warm-up', { ...base, warmup: horizon / 10 }, 0],
      ['another replication', base, 1],
      ['a cap below its events', { ...base, maxEvents: 3 }, 0],
      ['an outage callback', { ...base, onOutage: () => undefined }, 0],
    ];
    for (const [what, settings, replication] of cases) {
      const r = pilot();
      expect(r.events, 'the pilot has more events than the small cap').toBeGreaterThan(3);
      expect(runReplication(model, settings, replication), what).not.toBe(r);
    }
    const r = pilot();
    expect(runReplication(model, base, 0, { trace: () => undefined }), 'a trace').not.toBe(r);
    // A pilot with a warm-up is not kept at all.
    const w = pilot({ ...base, warmup: 1 });
    expect(runReplication(model, { ...base, warmup: 1 }, 0)).not.toBe(w);
  });

  it("the budget's pilot: the run's replication 0 right after it is the one a fresh run computes", () => {
    estimateEvents(model, 9, horizon);
    const first = runReplication(model, { seed: 9, horizon, warmup: 0 }, 0);
    const fresh = runReplication(model, { seed: 9, horizon, warmup: 0 }, 0);
    expect(first).not.toBe(fresh);
    expect(JSON.stringify(first)).toBe(JSON.stringify(fresh));
  });
});
