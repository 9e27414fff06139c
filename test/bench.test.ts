/**
 * The bench's yardsticks: the limit (src/bench/limit.ts) and the hand-written loop
 * (src/bench/hand.ts) simulate the model nfvsim is measured on, so their availability
 * must be the exact one within the statistical error, and the limit's command prints
 * one JSON line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitLoop } from '../src/bench/limit.js';
import { handLoop } from '../src/bench/hand.js';
import { seriesOfPairsExact } from '../src/bench/models.js';
import { agreement, gainRow, gainTable, type GainCell } from '../src/bench/gain.js';
import { turnVerdict } from '../src/bench/verdict.js';
import { loadTopologyFile } from '../src/model/index.js';
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

  it("the gain table's agreement: combined standard errors against plain histories, the worst service named, over 3 flagged", () => {
    const cell = (estimates: GainCell['estimates']): GainCell => ({ refused: null, units: 1, events: 1, seconds: 1, reached: true, worst: 0.1, problem: null, estimates });
    const plain = cell([
      { service: 'a', mean: 1e-5, se: 3e-7, trusted: true },
      { service: 'b', mean: 2e-4, se: 0, trusted: true },
    ]);
    // a: |1.2e-5 - 1e-5| / hypot(4e-7, 3e-7) = 4; b: both SEs 0, not compared.
    const off = cell([
      { service: 'a', mean: 1.2e-5, se: 4e-7, trusted: true },
      { service: 'b', mean: 3e-4, se: 0, trusted: true },
    ]);
    const z = agreement(off, plain)!;
    expect(z.service).toBe('a');
    expect(z.z).toBeCloseTo(4, 10);
    expect(agreement(cell([{ service: 'b', mean: 1, se: 0, trusted: true }]), cell([{ service: 'b', mean: 2, se: 0, trusted: true }]))).toBeNull();
    // A service whose SE its method does not trust (a heavy tail) is left out, and named.
    const tailed = cell([
      { service: 'a', mean: 1.2e-5, se: 1e-9, trusted: false },
      { service: 'c', mean: 1e-3, se: 1e-4, trusted: true },
    ]);
    const some = agreement(tailed, cell([
      { service: 'a', mean: 1e-5, se: 3e-7, trusted: true },
      { service: 'c', mean: 1.1e-3, se: 1e-4, trusted: true },
    ]))!;
    expect(some.service).toBe('c');
    expect(some.untrusted).toEqual(['a']);
    const row = { topology: 't.yaml', plain, failureBiasing: { ...cell([]), refused: 'not applicable' }, splitting: off };
    expect(gainTable([row])[2]).toMatch(/\| -; 4\.00 \(a\) OVER 3 \|$/);
    expect(gainTable([{ ...row, splitting: tailed, plain: cell([{ service: 'a', mean: 1e-5, se: 3e-7, trusted: true }, { service: 'c', mean: 1.1e-3, se: 1e-4, trusted: true }]) }])[2]).toMatch(/; 0\.71 \(c\), not compared: a \(heavy tail\) \|$/);
  });

  it('a gain row runs the three methods on a shipped topology, and the accelerated estimates agree with plain histories within 3 combined SE', async () => {
    const t = loadTopologyFile(join(ROOT, 'topologies/exp-ap-pair.yaml'), 'topologies/exp-ap-pair.yaml');
    const row = await gainRow(t, 'exp-ap-pair.yaml', 20);
    for (const c of [row.plain, row.failureBiasing, row.splitting]) {
      expect(c.refused).toBeNull();
      expect(c.estimates.map((e) => e.service)).toEqual(t.model.services.map((s) => s.name));
    }
    for (const c of [row.failureBiasing, row.splitting]) expect(agreement(c, row.plain)!.z).toBeLessThanOrEqual(3);
  }, 120_000);

  it('--compare runs two builds in one process (this one against itself: ratios near 1), and a missing build is a message, exit 1 (needs npm run build)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-compare-'));
    try {
      const out = join(dir, 'compare.json');
      const ok = spawnSync(process.execPath, [join(ROOT, 'dist/bench/main.js'), '--compare', join(ROOT, 'dist'), '--compare-pairs', '4', '--out', out], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
      const { compare } = JSON.parse(readFileSync(out, 'utf8')) as { compare: Array<{ model: string; pairs: number; ratio: number; low: number; high: number; thisNsPerEvent: number }> };
      expect(compare.map((c) => c.model)).toEqual(['B1', 'B2']);
      for (const c of compare) {
        expect(c.pairs).toBe(4);
        expect(c.thisNsPerEvent).toBeGreaterThan(0);
        // The same code on both sides: the median ratio is 1 up to the machine's noise.
        expect(c.ratio).toBeGreaterThan(0.5);
        expect(c.ratio).toBeLessThan(2);
        expect(c.low).toBeLessThanOrEqual(c.ratio);
        expect(c.high).toBeGreaterThanOrEqual(c.ratio);
      }
      expect(ok.stdout).toMatch(/compare, B1 \(20 groups, 4 pairs of 50 histories/);
      const missing = spawnSync(process.execPath, [join(ROOT, 'dist/bench/main.js'), '--compare', join(dir, 'nowhere'), '--out', out], { encoding: 'utf8' });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/--compare: .*nowhere.*model\/index\.js is missing/);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('--help lists the options; an unknown option stops the bench at once with a message, exit 1 (needs npm run build)', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'dist/bench/main.js'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const o of ['--seconds', '--repeats', '--only-refs', '--only-flatness', '--compare', '--help']) expect(help.stdout).toContain(o);
    const typo = spawnSync(process.execPath, [join(ROOT, 'dist/bench/main.js'), '--secnds', '2'], { encoding: 'utf8', timeout: 20_000 });
    expect(typo.status).toBe(1);
    expect(typo.stderr).toMatch(/unknown option --secnds/);
    expect(typo.stdout).toBe('');
  });
});

describe('bench verdicts on per-turn ratios', () => {
  it('the median decides; turns on the other side of the line are counted', () => {
    // All five turns above the line: met, no turn against.
    expect(turnVerdict([0.52, 0.51, 0.55, 0.53, 0.54], 0.5)).toEqual({ median: 0.53, min: 0.51, max: 0.55, met: true, against: 0 });
    // Median above, two turns below: met but borderline.
    expect(turnVerdict([0.49, 0.51, 0.52, 0.48, 0.53], 0.5)).toMatchObject({ median: 0.51, met: true, against: 2 });
    // Median below, one turn at the line (at the line counts as meeting it): not met, one against.
    expect(turnVerdict([2.4, 3, 2.5, 2.6, 2.45], 3)).toMatchObject({ median: 2.5, met: false, against: 1 });
    // An even count takes the upper middle ratio.
    expect(turnVerdict([1, 4, 2, 3], 2.5).median).toBe(3);
    expect(() => turnVerdict([], 1)).toThrow(RangeError);
  });
});
