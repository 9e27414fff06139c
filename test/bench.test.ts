/**
 * The bench's yardsticks: the limit (src/bench/limit.ts) and the hand-written loop
 * (src/bench/hand.ts) simulate the model nfvsim is measured on, so their availability
 * must be the exact one within the statistical error, and the limit's command prints
 * one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitLoop } from '../src/bench/limit.js';
import { handLoop } from '../src/bench/hand.js';
import { seriesOfPairsExact } from '../src/bench/models.js';
import { ROOT } from './helpers.js';

describe('bench loops', () => {
  it('estimate the exact unavailability of B1 (4,000 histories of 10 y: within 15%, about 5 standard errors)', () => {
    const exactU = 1 - seriesOfPairsExact(20);
    for (const loop of [limitLoop, handLoop]) {
      const r = loop(20, 4000, 87600, 1);
      expect(r.histories).toBe(4000);
      // About 2 events per replica per 2,001 h: 40 replicas x 87,600 h.
      expect(r.events / r.histories).toBeGreaterThan(3300);
      expect(r.events / r.histories).toBeLessThan(3700);
      expect(Math.abs(1 - r.availability - exactU) / exactU).toBeLessThan(0.15);
    }
  });

  it('the limit draws other numbers for another first history, the same for the same', () => {
    expect(limitLoop(20, 10, 87600, 1, 10)).toEqual(limitLoop(20, 10, 87600, 1, 10));
    expect(limitLoop(20, 10, 87600, 1, 10).events).not.toBe(limitLoop(20, 10, 87600, 1, 0).events);
  });

  it('the limit as a command prints one JSON line (needs npm run build)', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist/bench/limit.js'), '20', '50', '1'], { encoding: 'utf8' });
    const r = JSON.parse(out);
    expect(r).toMatchObject({ groups: 20, histories: 50 });
    expect(r.events).toBeGreaterThan(0);
    expect(r.eventsPerSecond).toBeGreaterThan(0);
  });
});
