/**
 * A service's availability target (`target:` in the topology) and its verdict: PASS when
 * the availability's 95% CI lies at or above the target, FAIL below, INCONCLUSIVE when it
 * straddles it. Checked on one component whose exact availability is MTTF / (MTTF + MTTR)
 * = 0.99: a target a little below passes, a little above fails, the exact value itself is
 * inconclusive; the CLI's `--fail-on-target` exits 3 unless every target passes, and bad
 * targets are input errors naming the path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { targetVerdict } from '../src/metrics/sal.js';
import { cli, exp, run, topo } from './helpers.js';

/** One host that fails (MTTF 99 h, MTTR 1 h: availability 0.99 exactly) under one VNF instance, with `target`. */
function single(target: object | undefined) {
  return {
    components: { hw: { layer: 'hardware', failures: { crash: { ttf: exp('99h') } }, repair: exp('1h') }, app: { layer: 'vnf' } },
    hosts: { h: { count: 1, stack: ['hw'] } },
    vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
    services: { s: { chain: ['f'], ...(target ? { target } : {}) } },
    simulation: { runs: 40, horizon: '2y' },
  };
}

function write(doc: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nfvsim-target-')), 't.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

describe('availability targets', () => {
  it('judges by the 95% CI: PASS at or above, FAIL below, INCONCLUSIVE across; no FAIL without an outage', () => {
    expect(targetVerdict(0.999, { lo: 0.9995, hi: 0.9999 }).verdict).toBe('PASS');
    expect(targetVerdict(0.999, { lo: 0.999, hi: 0.9999 }).verdict).toBe('PASS');
    expect(targetVerdict(0.999, { lo: 0.99, hi: 0.9989 }).verdict).toBe('FAIL');
    expect(targetVerdict(0.999, { lo: 0.998, hi: 0.9995 }).verdict).toBe('INCONCLUSIVE');
    expect(targetVerdict(0.999, { lo: 1, hi: 1 }, 1e-4).verdict).toBe('PASS');
    expect(targetVerdict(0.99999, { lo: 1, hi: 1 }, 1e-4).verdict).toBe('INCONCLUSIVE');
    expect(targetVerdict(0.99999, { lo: 1, hi: 1 }).downtimeMinutesPerYear).toBeCloseTo(5.256, 3);
  });

  it('on a component of exact availability 0.99: 0.985 passes, 0.995 fails, 0.99 itself is inconclusive', () => {
    const verdict = (availability: number) => run(single({ availability }), { runs: 200, horizon: 2 * 365 * 86400 }).results.services[0];
    const below = verdict(0.985);
    expect(below.availability.lo).toBeGreaterThan(0.985);
    expect(below.target?.verdict).toBe('PASS');
    expect(verdict(0.995).target?.verdict).toBe('FAIL');
    const exact = verdict(0.99);
    // The CI covers the exact value (checked here, not assumed), so the verdict cannot decide.
    expect(exact.availability.lo).toBeLessThanOrEqual(0.99);
    expect(exact.availability.hi).toBeGreaterThanOrEqual(0.99);
    expect(exact.target?.verdict).toBe('INCONCLUSIVE');
  });

  it('takes a downtime budget per year as the same target', () => {
    const m = topo(single({ downtime: '87.6h' })).model;
    // 87.6 h of a 8,760 h year: availability 0.99.
    expect(m.services[0].target).toBeCloseTo(0.99, 12);
    expect(topo(single(undefined)).model.services[0].target).toBeNull();
  });

  it('the CLI prints the verdict, and --fail-on-target exits 3 unless every target passes', () => {
    const fail = cli(['run', write(single({ availability: 0.995 })), '--fail-on-target', '--no-progress']);
    expect(fail.code).toBe(3);
    expect(fail.stdout).toMatch(/target 99\.5 % \(2\.63e\+3 min\/y\): FAIL|target 99\.5 % \(2630 min\/y\): FAIL/);
    expect(fail.stderr).toMatch(/s: availability target 0\.995 not met \(FAIL\)/);
    const pass = cli(['run', write(single({ availability: 0.98 })), '--fail-on-target', '--no-progress']);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/target 98 % .*: PASS/);
    const none = cli(['run', write(single(undefined)), '--fail-on-target', '--no-progress']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no service .* has an availability target/);
  });

  it.each([
    ['both forms', { availability: 0.99, downtime: '1h' }, 'services.s.target', 'exactly one'],
    ['neither form', {}, 'services.s.target', 'exactly one'],
    ['an availability of 1', { availability: 1 }, 'services.s.target.availability', ''],
    ['a downtime of a year', { downtime: '1y' }, 'services.s.target.downtime', 'shorter than a year'],
    ['a zero downtime', { downtime: '0s' }, 'services.s.target.downtime', 'above zero'],
  ])('refuses a target with %s, naming the path (exit 2)', (_what, target, path, phrase) => {
    const r = cli(['validate', write(single(target))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain(phrase);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
