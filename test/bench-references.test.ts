/**
 * The bench's published references: SIM.JS (src/bench/simjs.ts) and SimPy 2
 * (src/bench/simpy_loop.py) simulate the reference model on which nfvsim is compared with
 * them, so their availability must be the exact one within the statistical error, and a plausible wrong
 * answer must not be: the availability of 1-of-1 groups, (1 - U)^G, and that of half the
 * groups, (1 - U^2)^(G/2) (bookkeeping that loses a replica, or half the groups).
 *
 * Why the band is valid: the histories are independent and identically distributed (each
 * starts with everything up, and draws the next numbers of one Mersenne Twister stream),
 * so the standard error of the mean availability is the histories' sample standard
 * deviation over sqrt(n), which the loops report. A history's unavailability is a
 * compound Poisson sum (about 2 G T U^2 = 0.88 outages of B1 per 10-year history, each
 * Exp(mean 0.5 h): both replicas down until the first of two repairs): finite variance,
 * so with 400 histories the mean is close to normal and 4 standard errors is a band a
 * correct loop leaves with probability about 1e-4 (the seed is fixed: the test is
 * deterministic). So that a too-wide band cannot pass vacuously, the reported standard
 * error is also checked against that compound-Poisson value (Var = N E[X^2] = N * 2 *
 * 0.5^2 h^2 per history), within a factor 1.5.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simjsLoop, SIMJS_VERSION } from '../src/bench/simjs.js';
import { seriesOfPairsExact } from '../src/bench/models.js';
import { expectWithin, ROOT } from './helpers.js';

/** Groups, horizon (h) and histories of the check: B1, 10 years. */
const GROUPS = 20;
const HORIZON_H = 87600;
const HISTORIES = 400;
const U = 1 / 2001;

/** The standard error of the mean availability of `n` histories, from the compound-Poisson model above. */
function expectedStdErr(groups: number, n: number): number {
  const outages = 2 * groups * HORIZON_H * U * U;
  const varDowntime = outages * 2 * 0.5 ** 2; // h^2
  return Math.sqrt(varDowntime) / HORIZON_H / Math.sqrt(n);
}

/** The checks both references must pass: exact within 4 SE, wrong answers outside, a sound SE. */
function checkAgainstExact(r: { histories: number; events: number; availability: number; availabilityStdErr: number }): void {
  expect(r.histories).toBe(HISTORIES);
  // About 2 events per replica per 2,001 h: 40 replicas x 87,600 h, about 3,500 per history.
  expect(r.events / r.histories).toBeGreaterThan(3300);
  expect(r.events / r.histories).toBeLessThan(3700);
  const se = r.availabilityStdErr;
  const want = expectedStdErr(GROUPS, HISTORIES);
  expect(se, `standard error ${se} vs the compound-Poisson ${want}`).toBeGreaterThan(want / 1.5);
  expect(se).toBeLessThan(want * 1.5);
  const exact = seriesOfPairsExact(GROUPS);
  expectWithin({ mean: r.availability, se }, exact, (1 - U) ** GROUPS);
  expectWithin({ mean: r.availability, se }, exact, (1 - U * U) ** (GROUPS / 2));
}

/** True when Debian's /usr/bin/python3 can import SimPy 2 (python3-simpy). */
const SIMPY = spawnSync('/usr/bin/python3', ['-c', 'import SimPy.Simulation'], { encoding: 'utf8' }).status === 0;
if (!SIMPY) console.warn('bench-references: /usr/bin/python3 cannot import SimPy: the SimPy test is skipped (apt-get install python3-simpy)');

describe('published references of the bench', () => {
  it(`SIM.JS ${SIMJS_VERSION}: B1, ${HISTORIES} histories, the exact availability within 4 standard errors, wrong answers outside`, () => {
    const r = simjsLoop(GROUPS, HISTORIES, HORIZON_H, 1);
    checkAgainstExact(r);
    // Loading SIM.JS needs a global `window` for a moment; it is gone afterwards.
    expect('window' in globalThis).toBe(false);
    // The seed decides the numbers.
    expect(simjsLoop(GROUPS, 5, HORIZON_H, 7)).toEqual(simjsLoop(GROUPS, 5, HORIZON_H, 7));
    expect(simjsLoop(GROUPS, 5, HORIZON_H, 7).events).not.toBe(simjsLoop(GROUPS, 5, HORIZON_H, 8).events);
  });

  it('SIM.JS as a command prints one JSON line (needs npm run build)', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist/bench/simjs.js'), '20', '20', '1'], { encoding: 'utf8' });
    const r = JSON.parse(out);
    expect(r).toMatchObject({ library: `SIM.JS ${SIMJS_VERSION} (npm simjs)`, groups: 20, histories: 20 });
    expect(r.events).toBeGreaterThan(0);
    expect(r.eventsPerSecond).toBeGreaterThan(0);
  });

  it.skipIf(!SIMPY)(`SimPy 2 (skipped when /usr/bin/python3 cannot import SimPy: apt-get install python3-simpy): B1, ${HISTORIES} histories, the same checks, as a command`, () => {
    const out = execFileSync('/usr/bin/python3', [join(ROOT, 'src/bench/simpy_loop.py'), String(GROUPS), String(HISTORIES), '1'], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(1);
    const r = JSON.parse(out);
    expect(r.library).toMatch(/^SimPy 2\.\d+\.\d+ \(Python 3\.\d+\.\d+\)$/);
    expect(r.groups).toBe(GROUPS);
    expect(r.cpuSeconds).toBeGreaterThan(0);
    checkAgainstExact(r);
  });
});
