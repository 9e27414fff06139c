/**
 * `nfvsim sensitivity` against exact answers. Sensitivities: a series of two independent
 * exponential components, whose unavailability U = 1 - (1 - qA)(1 - qB) with
 * q = MTTR / (MTTF + MTTR) is known before and after each improvement; the paired
 * estimate lies within 4 paired SE of the exact change and the change of the wrong
 * component lies outside; the paired SE is smaller than the unpaired one (common random
 * numbers pair the histories); the same for a 1+1 pair with one repair crew. Importance:
 * a series/parallel system C -- (A || B), whose
 * Birnbaum, criticality and RAW are known in closed form. Then the design's selection,
 * the CLI (table, files, errors) and determinism across threads.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readJournals, runSweep } from '../src/sweep/sweep.js';
import { sensitivityResults, sensitivityStudy, type SensitivityOptions } from '../src/sensitivity/run.js';
import { scaleDistribution } from '../src/sensitivity/design.js';
import { TopologyError } from '../src/model/errors.js';
import { YEAR } from '../src/engine/units.js';
import { cli, exp, expectWithin, ROOT, thrown } from './helpers.js';

const H = 3600;

/** Writes `doc` as a YAML topology file in a new temporary folder; returns its path. */
function topologyFile(doc: object, name = 'topo.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nfvsim-sens-')), name);
  writeFileSync(file, stringify(doc));
  return file;
}

/** Runs the study of `file` inline into a new folder and returns its results. */
async function study(file: string, opts: SensitivityOptions, jobs = 1) {
  const s = sensitivityStudy(file, opts);
  const out = mkdtempSync(join(tmpdir(), 'nfvsim-sens-out-'));
  await runSweep(s.experiment, { out, jobs });
  return { results: sensitivityResults(s, readJournals([out])), out };
}

/** A host type that never fails, and an app type with exponential failures and repairs (hours). */
const app = (mttf: number, mttr: number) => ({ layer: 'vnf', failures: { crash: { ttf: exp(`${mttf}h`) } }, repair: exp(`${mttr}h`) });
const hw = (mttf: number, mttr: number) => ({ layer: 'hardware', failures: { crash: { ttf: exp(`${mttf}h`) } }, repair: exp(`${mttr}h`) });
const q = (mttf: number, mttr: number) => mttr / (mttf + mttr);

describe('sensitivity against closed forms', () => {
  // Two VNFs in series, each alone on a host that never fails: independent components.
  const series = {
    name: 'series',
    components: { host: { layer: 'hardware' }, appA: app(100, 10), appB: app(40, 2) },
    hosts: { ha: { stack: ['host'] }, hb: { stack: ['host'] } },
    vnfs: { vA: { instances: 1, app: 'appA', placement: { group: 'ha' } }, vB: { instances: 1, app: 'appB', placement: { group: 'hb' } } },
    services: { s: { chain: ['vA', 'vB'] } },
  };
  const U = (qa: number, qb: number) => 1 - (1 - qa) * (1 - qb);
  const minutes = YEAR / 60;

  it('MTTF x2 and repair /2 of a series of two: the exact change within 4 paired SE, the other component\'s change outside; CRN narrows the CI', async () => {
    const { results: r } = await study(topologyFile(series), { factor: 2, runs: 100, horizon: 20000 * H, seed: 7, importance: false });
    const effect = (path: string) => {
      const p = r.parameters.find((x) => x.path === path);
      expect(p, path).toBeDefined();
      return p!.effects[0];
    };
    const base = U(q(100, 10), q(40, 2));
    const mttfA = (U(q(200, 10), q(40, 2)) - base) * minutes;
    const mttfB = (U(q(100, 10), q(80, 2)) - base) * minutes;
    const repairA = (U(q(100, 5), q(40, 2)) - base) * minutes;
    const repairB = (U(q(100, 10), q(40, 1)) - base) * minutes;
    // The wrong answer: the factor applied to the other component.
    expectWithin(effect('components.appA.failures.crash.ttf').downtimeMinutesPerYear, mttfA, mttfB);
    expectWithin(effect('components.appB.failures.crash.ttf').downtimeMinutesPerYear, mttfB, mttfA);
    expectWithin(effect('components.appA.repair').downtimeMinutesPerYear, repairA, repairB);
    expectWithin(effect('components.appB.repair').downtimeMinutesPerYear, repairB, repairA);
    // Common random numbers: the paired SE is below the SE of independent runs.
    for (const p of r.parameters) expect(p.effects[0].downtimeMinutesPerYear.se, p.label).toBeLessThan(0.8 * p.effects[0].unpairedSe);
    // The base itself, for the record.
    expectWithin({ mean: r.base[0].downtimeMinutesPerYear.mean, se: r.base[0].downtimeMinutesPerYear.se }, base * minutes, U(q(100, 10), 0) * minutes);
  });

  it('MTTF x2 of a 1+1 pair with one repair crew: U = 2 r^2 / (1 + 2 r + 2 r^2), r = MTTR / MTTF', async () => {
    const doc = {
      name: 'pair-one-crew',
      components: { hw: { ...hw(100, 20), crew: 'techs' }, app: { layer: 'vnf' } },
      crews: { techs: 1 },
      hosts: { h: { count: 2, stack: ['hw'] } },
      vnfs: { f: { instances: 2, k: 1, app: 'app', placement: { group: 'h', policy: 'anti-affinity' } } },
      services: { s: { chain: ['f'] } },
    };
    const { results: r } = await study(topologyFile(doc), { factor: 2, runs: 100, horizon: 20000 * H, seed: 11, only: ['components.hw.failures'] });
    const oneCrew = (mttf: number, mttr: number) => {
      const x = mttr / mttf;
      return (2 * x * x) / (1 + 2 * x + 2 * x * x);
    };
    // Wrong answer: independent repairs (a crew each), U = q^2.
    const exact = (oneCrew(200, 20) - oneCrew(100, 20)) * minutes;
    const wrong = (q(200, 20) ** 2 - q(100, 20) ** 2) * minutes;
    const e = r.parameters.find((p) => p.path === 'components.hw.failures.crash.ttf')!.effects[0];
    expectWithin(e.downtimeMinutesPerYear, exact, wrong);
    expect(e.downtimeMinutesPerYear.se).toBeLessThan(e.unpairedSe);
  });

  it('SAL breach shares: repair /2 of one component with exponential repairs, share = exp(-bound / MTTR)', async () => {
    // Recovery time = repair time (mean 10 s); SAL 1, 2, 3 recovery bounds 6, 15, 25 s.
    const doc = {
      name: 'one-app',
      components: { host: { layer: 'hardware' }, app: { layer: 'vnf', failures: { crash: { ttf: exp('1h') } }, repair: exp('10s') } },
      hosts: { h: { stack: ['host'] } },
      vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
      services: { s: { chain: ['f'] } },
    };
    const { results: r } = await study(topologyFile(doc), { factor: 2, runs: 40, horizon: 2000 * H, seed: 5, importance: false });
    const bounds = [6, 15, 25];
    const share = (mttr: number) => bounds.map((b) => Math.exp(-b / mttr));
    // The base shares, with a binomial SE over the expected number of outages.
    const outages = (40 * 2000) / (1 + 10 / 3600);
    bounds.forEach((_, k) => expectWithin({ mean: r.base[0].salShare[k], se: Math.sqrt((share(10)[k] * (1 - share(10)[k])) / outages) }, share(10)[k], share(5)[k]));
    const repair = r.parameters.find((p) => p.path === 'components.app.repair')!.effects[0];
    // Wrong answer: the next SAL's change.
    const change = share(5).map((x, k) => x - share(10)[k]);
    bounds.forEach((_, k) => expectWithin(repair.salShare[k], change[k], change[(k + 1) % 3]));
    // MTTF x2 leaves the shares as they are (the repairs are the same draws: exactly 0 is not required, 0 within 4 SE is).
    const mttf = r.parameters.find((p) => p.path === 'components.app.failures.crash.ttf')!.effects[0];
    for (const x of mttf.salShare) expect(Math.abs(x.mean)).toBeLessThanOrEqual(4 * x.se);
  });

  it('importance on C -- (A || B): Birnbaum, criticality and RAW against closed forms', async () => {
    // Hardware types A, B (a 1-of-2 pair, one instance on each) and C (alone), apps that never fail.
    const doc = {
      name: 'series-parallel',
      components: { hwA: hw(90, 10), hwB: hw(40, 10), hwC: hw(190, 10), appP: { layer: 'vnf' }, appC: { layer: 'vnf' } },
      hosts: { ga: { stack: ['hwA'] }, gb: { stack: ['hwB'] }, gc: { stack: ['hwC'] } },
      vnfs: {
        vC: { instances: 1, app: 'appC', placement: { group: 'gc' } },
        vP: { instances: 2, k: 1, app: 'appP', placement: { hosts: ['ga-1', 'gb-1'] } },
      },
      services: { s: { chain: ['vC', 'vP'] } },
    };
    const { results: r } = await study(topologyFile(doc), { factor: 2, runs: 100, horizon: 20000 * H, seed: 3, only: ['components'] });
    const [qa, qb, qc] = [q(90, 10), q(40, 10), q(190, 10)];
    const u = 1 - (1 - qc) * (1 - qa * qb);
    // U with a type perfect (q = 0) or failed (q = 1).
    const uWith = (a: number, b: number, c: number) => 1 - (1 - c) * (1 - a * b);
    const exact = {
      hwA: { birnbaum: uWith(1, qb, qc) - uWith(0, qb, qc), criticality: (u - uWith(0, qb, qc)) / u, raw: uWith(1, qb, qc) / u },
      hwB: { birnbaum: uWith(qa, 1, qc) - uWith(qa, 0, qc), criticality: (u - uWith(qa, 0, qc)) / u, raw: uWith(qa, 1, qc) / u },
      hwC: { birnbaum: uWith(qa, qb, 1) - uWith(qa, qb, 0), criticality: (u - uWith(qa, qb, 0)) / u, raw: uWith(qa, qb, 1) / u },
    };
    expect(r.importance.map((t) => t.type)).toEqual(['hwA', 'hwB', 'hwC']);
    const m = (type: 'hwA' | 'hwB' | 'hwC') => r.importance.find((t) => t.type === type)!.measures[0];
    // Wrong answers: A's and B's measures swapped (the pair's members told apart), C's Birnbaum taken as 1.
    expectWithin(m('hwA').birnbaum, exact.hwA.birnbaum, exact.hwB.birnbaum);
    expectWithin(m('hwB').birnbaum, exact.hwB.birnbaum, exact.hwA.birnbaum);
    expectWithin(m('hwC').birnbaum, exact.hwC.birnbaum, 1);
    // In a 1-of-2 pair both members have the same criticality, qA qB (1 - qC) / U: the wrong answer is the series element's.
    expectWithin(m('hwA').criticality, exact.hwA.criticality, exact.hwC.criticality);
    expectWithin(m('hwB').criticality, exact.hwB.criticality, exact.hwC.criticality);
    expectWithin(m('hwC').criticality, exact.hwC.criticality, exact.hwA.criticality);
    expectWithin(m('hwA').raw, exact.hwA.raw, exact.hwB.raw);
    expectWithin(m('hwB').raw, exact.hwB.raw, exact.hwA.raw);
    // C failed: the service is always down (but for the first millisecond), RAW = 1 / U.
    expectWithin(m('hwC').raw, 1 / u, exact.hwA.raw);
    expect(m('hwC').failedAvailability.mean).toBeLessThan(1e-9);
  });
});

describe('the design', () => {
  const file = join(ROOT, 'topologies/sal1-pair.yaml');

  it('enumerates times to failure, repairs, restarts and HA delays of the types in use; --only selects by path', () => {
    const all = sensitivityStudy(file, { factor: 2 });
    const kinds = new Set(all.design.parameters.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['mttf', 'repair', 'ha']));
    expect(all.design.parameters.some((p) => p.path === 'vnfs.vCSCF.ha.detector.interval')).toBe(true);
    expect(all.experiment.points[0].name).toBe('base');
    expect(all.experiment.points.length).toBe(1 + all.design.parameters.length + 2 * all.design.importance.length);
    const ha = sensitivityStudy(file, { factor: 2, only: ['vnfs.vCSCF.ha'] });
    expect(ha.design.importance).toEqual([]);
    expect(ha.design.parameters.every((p) => p.path.startsWith('vnfs.vCSCF.ha.'))).toBe(true);
    const interval = ha.design.parameters.find((p) => p.path === 'vnfs.vCSCF.ha.detector.interval')!;
    expect(interval.to).toBe('0.1s');
  });

  it('scales every time of a distribution and keeps its shape', () => {
    expect(scaleDistribution({ dist: 'exponential', rate: '2/y' }, 2, 'x')).toEqual({ dist: 'exponential', mean: `${YEAR}s` });
    expect(scaleDistribution({ dist: 'weibull', shape: 2, scale: '10h' }, 0.5, 'x')).toEqual({ dist: 'weibull', shape: 2, scale: '18000s' });
    expect(scaleDistribution({ dist: 'lognormal', mu: 1, sigma: 1 }, Math.E, 'x')).toEqual({ dist: 'lognormal', mu: 2, sigma: 1 });
  });

  it('refuses a path that is not in the topology, or selects nothing, naming the file and the path', () => {
    const e = thrown(() => sensitivityStudy(file, { factor: 2, only: ['components.nosuch'] })) as TopologyError;
    expect(e).toBeInstanceOf(TopologyError);
    expect(e.message).toContain('sal1-pair.yaml: components.nosuch:');
    expect(e.message).toMatch(/no 'nosuch' in components \(it has: /);
    const none = thrown(() => sensitivityStudy(file, { factor: 2, only: ['services'] })) as TopologyError;
    expect(none.message).toContain('services: selects no parameter');
    // A type whose name a dotted path cannot address.
    const spaced = topologyFile({
      components: { 'my server': hw(100, 10), app: { layer: 'vnf' } },
      hosts: { h: { stack: ['my server'] } },
      vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
      services: { s: { chain: ['f'] } },
    });
    expect((thrown(() => sensitivityStudy(spaced, { factor: 2 })) as TopologyError).message).toContain('components.my server.failures.crash.ttf: a name on this path has characters other than');
  });
});

describe('nfvsim sensitivity (CLI)', () => {
  it('prints the table and writes JSON, CSV, the tornado chart and report.html; the same bytes for any --jobs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-sens-cli-'));
    const args = ['sensitivity', 'topologies/minimal.yaml', '--runs', '60', '--horizon', '5y', '--no-progress'];
    const a = cli([...args, '--jobs', '1', '--out', join(dir, 'a')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/parameter improved +downtime change min\/y/);
    expect(a.stdout).toContain('server/crash MTTF x2');
    expect(a.stdout).toMatch(/importance of component types/);
    const b = cli([...args, '--jobs', '2', '--out', join(dir, 'b'), '--no-charts']);
    expect(b.code, b.stderr).toBe(0);
    for (const f of ['sensitivity.json', 'sensitivity.csv']) expect(readFileSync(join(dir, 'b', f), 'utf8')).toBe(readFileSync(join(dir, 'a', f), 'utf8'));
    for (const f of ['charts/tornado.svg', 'charts/tornado.png', 'charts/tornado.vl.json', 'charts/importance.svg', 'charts/importance.png', 'report.html']) expect(readFileSync(join(dir, 'a', f)).length).toBeGreaterThan(100);
    // `nfvsim chart` redraws the study's own report, byte for byte.
    const html = readFileSync(join(dir, 'a', 'report.html'), 'utf8');
    expect(cli(['chart', join(dir, 'a')]).code).toBe(0);
    expect(readFileSync(join(dir, 'a', 'report.html'), 'utf8')).toBe(html);
    expect(readFileSync(join(dir, 'a', 'sensitivity.csv'), 'utf8')).toMatch(/^kind,subject,label,service,measure,mean,se,lo,hi,unpaired_se\nmttf,components\.server\.failures\.crash\.ttf,/);
  });

  it('bad input: exit 2, the file and the path named, no stack trace', () => {
    const bad = cli(['sensitivity', 'topologies/minimal.yaml', '--only', 'vnfs.vFW.ha.nosuch', '--runs', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('topologies/minimal.yaml: vnfs.vFW.ha.nosuch:');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const factor = cli(['sensitivity', 'topologies/minimal.yaml', '--factor', '1']);
    expect(factor.code).toBe(2);
    expect(factor.stderr).toContain('expected a factor above 1');
    const missing = cli(['sensitivity', 'nosuch.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nosuch.yaml: cannot read: no such file');
  });
});
