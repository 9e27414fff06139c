/**
 * Experiments and sweeps: designs, errors that name the experiment file and path,
 * results that are the same bytes for any number of threads and after a SIGKILL and a
 * resume, paired differences, and charts that render.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadExperimentText, runSweep, SweepInterrupted, TopologyError, toVegaLite, writeReport, renderSvg, isPaired, sweepCharts, type ExperimentInput } from '../src/index.js';
import { designPoints } from '../src/experiment/design.js';
import { ExperimentSpec } from '../src/experiment/schema.js';
import { cli, ROOT } from './helpers.js';
import { encodeLine, Journal, JournalError, readJournal } from '../src/sweep/journal.js';

const tmp = (p = 'nfvsim-sweep-') => mkdtempSync(join(tmpdir(), p));

/** A small experiment on the SAL 1 pair: 3 points x 120 runs (3 shards each) of 2 years. */
const SMALL: ExperimentInput = {
  name: 'small',
  base: 'topologies/sal1-pair.yaml',
  runs: 120,
  seed: 3,
  horizon: '2y',
  grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '500ms', '2s'] },
  baseline: 'interval=500ms',
};

function load(e: ExperimentInput, file = 'test-experiment.yaml') {
  return loadExperimentText(stringify(e), file, ROOT);
}

function errorOf(e: unknown, file = 'exp.yaml'): TopologyError {
  try {
    loadExperimentText(typeof e === 'string' ? e : stringify(e), file, ROOT);
  } catch (err) {
    if (err instanceof TopologyError) return err;
    throw err;
  }
  throw new Error('expected a TopologyError');
}

const files = (dir: string) => ['results.json', 'results.csv'].map((f) => readFileSync(join(dir, f), 'utf8'));

describe('designs', () => {
  it('a grid is every combination, the first parameter slowest', () => {
    const e = ExperimentSpec.parse({ base: 'x', runs: 1, grid: { 'a.b': [1, 2], 'c.d': ['x', 'y', 'z'] } });
    expect(designPoints(e).map((p) => p.name)).toEqual(['b=1, d=x', 'b=1, d=y', 'b=1, d=z', 'b=2, d=x', 'b=2, d=y', 'b=2, d=z']);
  });

  it('a Latin hypercube puts exactly one point in each stratum of each range, reproducibly from the seed', () => {
    const spec = { base: 'x', runs: 1, seed: 9, sample: { method: 'latin-hypercube', points: 20, ranges: { 'a.x': { min: 0, max: 1 }, 'a.y': { min: '1s', max: '21s' } } } };
    const pts = designPoints(ExperimentSpec.parse(spec));
    const xs = pts.map((p) => p.params['a.x'] as number);
    const ys = pts.map((p) => parseFloat(p.params['a.y'] as string));
    expect(new Set(xs.map((x) => Math.min(19, Math.floor(x * 20)))).size).toBe(20);
    expect(new Set(ys.map((y) => Math.min(19, Math.floor(y - 1)))).size).toBe(20);
    expect(designPoints(ExperimentSpec.parse(spec))).toEqual(pts);
    expect(designPoints(ExperimentSpec.parse({ ...spec, seed: 10 }))).not.toEqual(pts);
  });

  it('log-scale random samples stay in range; integers are rounded', () => {
    const pts = designPoints(ExperimentSpec.parse({ base: 'x', runs: 1, sample: { method: 'random', points: 50, ranges: { 'a.n': { min: 1, max: 1000, scale: 'log', integer: true } } } }));
    for (const p of pts) {
      const v = p.params['a.n'] as number;
      expect(Number.isInteger(v) && v >= 1 && v <= 1000).toBe(true);
    }
  });

  it("'*' sets every key, null removes one, and YAML aliases in the base are not shared", () => {
    const exp = load({ ...SMALL, grid: undefined, baseline: undefined, scenarios: [{ name: 'a', set: { 'vnfs.*.ha.fencing': null, 'vnfs.vCSCF.ha.splitBrainRecovery': '10m' } }, { name: 'b' }] });
    const doc = JSON.parse(exp.points[0].topology.text);
    expect(doc.vnfs.vCSCF.ha.fencing).toBeUndefined();
    expect(JSON.parse(exp.points[1].topology.text).vnfs.vCSCF.ha.fencing).toBeDefined();
    const dflt = load({ base: 'topologies/default.yaml', runs: 1, scenarios: [{ name: 'x', set: { 'vnfs.vMME.evacuation.rebuild': '1m' } }] });
    const d = JSON.parse(dflt.points[0].topology.text);
    expect(d.vnfs.vMME.evacuation.rebuild).toBe('1m');
    expect(d.vnfs.vLB.evacuation.rebuild).not.toBe('1m');
  });
});

describe('bad experiments name the file, the path and what was expected', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no design', { base: 'topologies/sal1-pair.yaml', runs: 10 }, /exactly one design/],
    ['two designs', { ...SMALL, scenarios: [{ name: 'a' }] }, /scenarios: give exactly one design: grid, scenarios, sample, uncertain or optimize \(found grid, scenarios\)/],
    ['missing base file', { ...SMALL, base: 'topologies/nope.yaml' }, /exp\.yaml:\d+:\d+: base: cannot read: no such file/],
    ['misspelt path', { ...SMALL, grid: { 'vnfs.vCSF.ha.detector.interval': ['1s'] } }, /grid\["vnfs\.vCSF\.ha\.detector\.interval"\]\[0\]: 'vnfs\.vCSF\.ha\.detector\.interval': the base topology has no 'vCSF' in vnfs \(it has: vCSCF\)/],
    ['a value the topology rejects', { ...SMALL, grid: { 'vnfs.vCSCF.ha.detector.interval': ['1s', 'soon'] } }, /grid\[.*\]\[1\]: point 2 .* makes the base topology invalid: vnfs\.vCSCF\.ha\.detector\.interval: expected a duration/],
    ['unknown baseline', { ...SMALL, baseline: 'fast' }, /baseline: no point named 'fast'; the points are: 'interval=100ms'/],
    ['unknown service', { ...SMALL, service: 'voice' }, /service: unknown service 'voice'; the base topology has: volte-call-control/],
    ['bad range', { ...SMALL, grid: undefined, sample: { method: 'random', points: 3, ranges: { 'vnfs.vCSCF.ha.coverage': { min: 0.99, max: 0.9 } } } }, /sample\.ranges\[.*\]\.max: max \(0\.9\) must be at least min \(0\.99\)/],
    ['bad path syntax', { ...SMALL, grid: { 'vnfs..x': [1] } }, /expected a dotted path/],
    ['unknown key', { ...SMALL, replications: 5 }, /unknown key 'replications'/],
    ['a simulation setting as a parameter', { ...SMALL, grid: { 'simulation.horizon': ['1y', '5y'] } }, /'simulation\.horizon': a sweep's horizon, warm-up, runs and seed are the experiment's own fields/],
    ['duplicate grid values', { ...SMALL, grid: { 'vnfs.vCSCF.ha.detector.interval': ['1s', '1s'] } }, /grid\[.*\]\[1\]: duplicate point name 'interval=1s'/],
    ['duplicate labelled grid values', { ...SMALL, grid: { 'vnfs.vCSCF.ha.detector.interval': { label: 'heartbeat interval', values: ['1s', '1s'] } } }, /grid\[.*\]\.values\[1\]: duplicate point name 'interval=1s'/],
    ['an unknown key beside values', { ...SMALL, grid: { 'vnfs.vCSCF.ha.detector.interval': { lable: 'x', values: ['1s'] } } }, /grid\[.*\]/],
  ];
  it.each(cases)('%s', (_, doc, re) => {
    const e = errorOf(doc);
    expect(e.file).toBe('exp.yaml');
    expect(e.message).toMatch(re);
  });

  it('the CLI exits 2 with the message and no stack trace', () => {
    const dir = tmp();
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, stringify({ ...SMALL, base: join(ROOT, 'topologies/sal1-pair.yaml'), grid: { 'vnfs.vCSCF.ha.detector.misses': [3, 'many'] } }));
    const r = cli(['sweep', f, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: grid\["vnfs\.vCSCF\.ha\.detector\.misses"\]\[1\]: point 2/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('sweeps', () => {
  it('give the same bytes for 1 and 2 worker threads', async () => {
    const exp = load(SMALL);
    const [a, b] = [tmp(), tmp()];
    await runSweep(exp, { out: a, jobs: 1 });
    await runSweep(exp, { out: b, jobs: 2 });
    expect(files(b)).toEqual(files(a));
    const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ seed: 3, runs: 120, shardSize: 50, tasks: 9 });
    expect(manifest.experiment.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.nfvsim).toBeTypeOf('string');
  });

  it('resume after an interruption and a torn journal line, with the same bytes as an uninterrupted sweep', async () => {
    const exp = load(SMALL);
    const whole = tmp();
    await runSweep(exp, { out: whole, jobs: 1 });
    const cut = tmp();
    await expect(runSweep(exp, { out: cut, jobs: 1, stopAfterShards: 4 })).rejects.toThrow(SweepInterrupted);
    // A write cut short: half a line at the end of the journal.
    const line = readFileSync(join(cut, 'journal.jsonl'), 'utf8').split('\n')[0];
    appendFileSync(join(cut, 'journal.jsonl'), line.slice(0, line.length / 2));
    let seen = 0;
    await runSweep(exp, { out: cut, jobs: 2, resume: true, onProgress: (d) => (seen = Math.max(seen, d)) });
    expect(files(cut)).toEqual(files(whole));
    expect(seen).toBe(360);
    // Only the 5 missing shards ran: 4 + 5 lines.
    expect(readFileSync(join(cut, 'journal.jsonl'), 'utf8').trim().split('\n').length).toBe(9);
  });

  it('are not resumed into a folder of another experiment, nor written over without --resume', async () => {
    const exp = load(SMALL);
    const dir = tmp();
    await runSweep(exp, { out: dir, jobs: 1, stopAfterShards: 1 }).catch(() => undefined);
    await expect(runSweep(exp, { out: dir })).rejects.toThrow(/already holds a sweep.*--resume/);
    await expect(runSweep(load({ ...SMALL, seed: 4 }), { out: dir, resume: true })).rejects.toThrow(/cannot resume: the sweep there was made with different experiment, seed .*seed: was 3, now 4/);
  });

  it('survive SIGKILL of the CLI mid-run: --resume gives the same bytes as an uninterrupted run', async () => {
    const dir = tmp();
    const expFile = join(dir, 'kill.yaml');
    // Big enough that the kill lands mid-run: 6 points x 150 runs of 10 years.
    writeFileSync(
      expFile,
      stringify({ ...SMALL, base: join(ROOT, 'topologies/sal1-pair.yaml'), runs: 150, horizon: '10y', grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '200ms', '500ms', '1s', '2s', '5s'] } }),
    );
    const whole = join(dir, 'whole');
    expect(cli(['sweep', expFile, '--out', whole, '--jobs', '1', '--no-charts']).code).toBe(0);
    const cut = join(dir, 'cut');
    const child = spawn(process.execPath, [join(ROOT, 'bin/nfvsim.js'), 'sweep', expFile, '--out', cut, '--jobs', '1', '--no-charts'], { stdio: 'ignore' });
    const journal = join(cut, 'journal.jsonl');
    const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0);
    const t0 = Date.now();
    while (lines() < 3 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const done = lines();
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(18);
    expect(existsSync(join(cut, 'results.json'))).toBe(false);
    const again = cli(['sweep', expFile, '--out', cut, '--jobs', '2', '--no-charts', '--resume']);
    expect(again.code).toBe(0);
    expect(files(cut)).toEqual(files(whole));
    const without = cli(['sweep', expFile, '--out', cut, '--no-charts']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/already holds a sweep/);
  }, 180_000);
});

describe('the journal', () => {
  it('reads lines longer than its read buffer, keeps non-finite numbers, drops a torn last line and refuses a garbled one', () => {
    const dir = tmp();
    const path = join(dir, 'journal.jsonl');
    const j = new Journal(path);
    const big = Array.from({ length: 300_000 }, (_, i) => i / 7);
    const entry = (task: number) => ({ task, point: 0, shard: task, acc: { min: Infinity, max: -Infinity, nan: NaN, big } as never, paired: { unavailability: [[task]], outagesPerYear: [[0]] } });
    j.append(entry(0));
    j.append(entry(1));
    j.close();
    const whole = readFileSync(path).length;
    appendFileSync(path, encodeLine(entry(2)).slice(0, 1000));
    expect([...readJournal(path)].map((e) => e.task)).toEqual([0, 1]);
    expect(readFileSync(path).length).toBeGreaterThan(whole);
    const got = [...readJournal(path, true)];
    expect(got.map((e) => e.task)).toEqual([0, 1]);
    expect(got[1].acc).toEqual(entry(1).acc);
    expect(readFileSync(path).length).toBe(whole);
    appendFileSync(path, 'not json\n');
    expect(() => [...readJournal(path)]).toThrow(JournalError);
    expect(() => [...readJournal(path)]).toThrow(/journal\.jsonl:3: not a journal line/);
  });
});

describe('sweep identity', () => {
  it('resumes whatever the spelling of the paths and the working directory; refuses another build', async () => {
    const dir = tmp();
    const f = join(dir, 'id.yaml');
    writeFileSync(f, stringify({ ...SMALL, runs: 60, base: join(ROOT, 'topologies/sal1-pair.yaml') }));
    const out = join(dir, 'out');
    await runSweep(loadExperimentText(readFileSync(f, 'utf8'), 'id.yaml', dir), { out, jobs: 1, stopAfterShards: 2 }).catch(() => undefined);
    const again = cli(['sweep', `./${'id.yaml'}`, '--out', 'out', '--resume', '--jobs', '1', '--no-charts'], { cwd: dir });
    expect(again.stderr).not.toMatch(/cannot resume/);
    expect(again.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.code).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...manifest, code: '0123456789abcdef' }));
    const other = cli(['sweep', f, '--out', out, '--resume', '--no-charts']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cannot resume: the sweep there was made with different code/);
  });

  it('--runs, --horizon and --seed replace the experiment\'s for one sweep, and are part of its identity (resume, shards, merge)', () => {
    const dir = tmp();
    const f = join(ROOT, 'experiments/fencing.yaml');
    const out = join(dir, 'small');
    const small = ['--runs', '20', '--horizon', '2y', '--seed', '3'];
    const r = cli(['sweep', f, '--out', out, '--jobs', '1', '--no-charts', ...small]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 points x 20 runs x 2 y, seed 3/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.settings).toMatchObject({ seed: 3, runs: 20, horizonSeconds: 2 * 365 * 86400, horizonReason: 'set on the command line' });
    // The same as a copy of the file with those settings in it: the same results.
    const copy = join(dir, 'fencing-small.yaml');
    writeFileSync(copy, readFileSync(f, 'utf8').replace('base: ../topologies/sal1-pair.yaml', `base: ${join(ROOT, 'topologies/sal1-pair.yaml')}`).replace('runs: 100', 'runs: 20').replace('seed: 1', 'seed: 3').replace('horizon: 10y', 'horizon: 2y'));
    const c = cli(['sweep', copy, '--out', join(dir, 'copy'), '--jobs', '1', '--no-charts', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).points).toEqual(results.points);
    // Resuming without them is another sweep: refused, saying what differs; with them, it goes on.
    const other = cli(['sweep', f, '--out', out, '--resume', '--no-charts']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cannot resume: the sweep there was made with different seed, runs, horizonSeconds/);
    expect(cli(['sweep', f, '--out', out, '--resume', '--jobs', '1', '--no-charts', ...small]).code).toBe(0);
    // Array-job shards: the merge command printed carries the settings, and merge needs them.
    const sharded = join(dir, 'sharded');
    const sh = cli(['sweep', f, '--out', sharded, '--shard', '0/1', '--jobs', '1', ...small]);
    expect(sh.code, sh.stderr).toBe(0);
    expect(sh.stderr).toContain(`nfvsim merge ${f} --out ${sharded} --runs 20 --horizon 63072000s --seed 3`);
    expect(cli(['merge', f, '--out', sharded, '--no-charts']).code).toBe(2);
    const merged = cli(['merge', f, '--out', sharded, '--no-charts', '--json', ...small]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout).points).toEqual(results.points);
    // A horizon within the experiment's warm-up: exit 2, no stack trace.
    const warm = join(dir, 'warm.yaml');
    writeFileSync(warm, readFileSync(copy, 'utf8').replace('horizon: 2y', 'horizon: 2y\nwarmup: 1y'));
    const w = cli(['sweep', warm, '--out', join(dir, 'w'), '--horizon', '6mo', '--no-charts']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/warm\.yaml:\d+:\d+: horizon: the horizon \(--horizon\) \(183 d\) must exceed the warm-up \(1 y\)/);
    expect(w.stderr).not.toMatch(/\n\s+at /);
  });

  it('--out naming a file, and chart on results that are not a sweep, are clear errors', () => {
    const dir = tmp();
    const f = join(dir, 'afile');
    writeFileSync(f, 'x');
    const r = cli(['sweep', join(ROOT, 'experiments/fencing.yaml'), '--out', f, '--no-charts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a file; --out must name a folder/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'results.json'), JSON.stringify({ points: [{}], focus: { service: 'x' }, experiment: { parameters: [] } }));
    const c = cli(['chart', bad]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/not the results of a sweep: point 1 has no summary/);
    expect(c.stderr).not.toMatch(/\n\s+at /);
  });

  it('a grid of three parameters draws every point on its own row', async () => {
    const exp = load({ ...SMALL, runs: 5, baseline: undefined, grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '1s'], 'vnfs.vCSCF.ha.detector.misses': [2, 3], 'vnfs.vCSCF.ha.coverage': [0.99, 0.999] } });
    const r = await runSweep(exp, { out: tmp(), jobs: 1 });
    const spec = JSON.stringify(toVegaLite(r, 'downtime'));
    expect(spec).toContain('"field":"series"');
    expect(spec).not.toContain('"field":"group"');
  });
});

describe('paired comparisons', () => {
  it('identical scenarios differ by exactly 0; the paired mean is the difference of the means', async () => {
    const exp = load({ ...SMALL, grid: undefined, baseline: 'same', scenarios: [{ name: 'same' }, { name: 'copy' }, { name: 'slow', set: { 'vnfs.vCSCF.ha.switchover.max': '20s' } }] });
    const r = await runSweep(exp, { out: tmp(), jobs: 1 });
    const copy = r.points[1].difference![0].downtimeMinutesPerYear;
    expect(copy.mean).toBe(0);
    expect(copy.se).toBe(0);
    const slow = r.points[2].difference![0];
    const means = r.points.map((p) => p.summary.services[0].unavailability.mean);
    expect(slow.unavailability.mean).toBeCloseTo(means[2] - means[0], 12);
    // Common random numbers: the paired interval is much narrower than the points' own.
    const own = r.points[2].summary.services[0].unavailability;
    expect(slow.unavailability.hi - slow.unavailability.lo).toBeLessThan((own.hi - own.lo) / 3);
    expect(slow.unavailability.lo).toBeGreaterThan(0);
  });
});

describe('charts', () => {
  it('every chart compiles, renders to SVG and PNG, and the HTML report is self-contained', async () => {
    const exp = load({ ...SMALL, runs: 20, grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '1s'], 'vnfs.vCSCF.ha.detector.misses': [2, 3] }, baseline: undefined });
    const dir = tmp();
    const r = await runSweep(exp, { out: dir, jobs: 1 });
    const w = await writeReport(dir, r);
    for (const kind of ['downtime', 'difference', 'heatmap', 'layers', 'recovery', 'impact']) {
      expect(w.files).toContain(`charts/${kind}.svg`);
      const svg = readFileSync(join(dir, 'charts', `${kind}.svg`), 'utf8');
      expect(svg).toMatch(/^<svg/);
      expect(svg).toMatch(/<text/);
      const png = readFileSync(join(dir, 'charts', `${kind}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(5000);
      expect(JSON.parse(readFileSync(join(dir, 'charts', `${kind}.vl.json`), 'utf8')).$schema).toMatch(/vega-lite/);
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!vega\.github\.io|www\.w3\.org)/);
    expect((html.match(/<svg/g) ?? []).length).toBe(6);
    expect(html).toContain('SAL 1 compliance');
    // The same results give the same bytes.
    const again = await renderSvg(toVegaLite(r, 'recovery')!);
    expect(again).toBe(readFileSync(join(dir, 'charts', 'recovery.svg'), 'utf8'));
    // nfvsim chart redraws from the saved results alone.
    const redraw = cli(['chart', dir]);
    expect(redraw.code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(html);
  });

  it('charts and the CSV carry the numbers of results.json', async () => {
    const exp = load({ ...SMALL, runs: 20, baseline: undefined, grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '1s'], 'vnfs.vCSCF.ha.detector.misses': [2, 3] } });
    const dir = tmp();
    const r = await runSweep(exp, { out: dir, jobs: 1 });
    const values = (spec: unknown): Array<Record<string, unknown>> => {
      const out: Array<Record<string, unknown>> = [];
      const walk = (n: unknown): void => {
        if (Array.isArray(n)) n.forEach(walk);
        else if (n && typeof n === 'object') {
          const v = (n as { data?: { values?: unknown } }).data?.values;
          if (Array.isArray(v)) out.push(...(v as Array<Record<string, unknown>>));
          Object.values(n).forEach(walk);
        }
      };
      walk(spec);
      return out;
    };
    // Downtime: one row per point, at the interval in seconds, with the point's mean and CI.
    const rows = values(toVegaLite(r, 'downtime')).filter((v) => 'mean' in v);
    expect(rows.map((v) => v.point)).toEqual(r.points.map((p) => p.name));
    r.points.forEach((p, i) => {
      const d = p.summary.services[0].downtimeMinutesPerYear;
      expect(rows[i]).toMatchObject({ mean: d.mean, lo: d.lo, hi: d.hi, x: i < 2 ? 0.1 : 1 });
    });
    // Heatmap: each cell's verdict is the point's SAL 1 verdict.
    const cells = values(toVegaLite(r, 'heatmap'));
    expect(cells.map((c) => c.verdict)).toEqual(r.points.map((p) => p.summary.services[0].sal[0].verdict));
    // Difference: the paired estimates of every point; the baseline at exactly 0.
    const diffs = values(toVegaLite(r, 'difference')).filter((v) => 'point' in v);
    expect(diffs.map((d) => d.point)).toEqual(r.points.map((p) => p.name));
    expect(diffs.map((d) => d.mean)).toEqual(r.points.map((p) => (p.difference ? p.difference[0].downtimeMinutesPerYear.mean : 0)));
    // CSV: a header with the parameters, one row per point and service, the same numbers.
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^point,vnfs\.vCSCF\.ha\.detector\.interval,vnfs\.vCSCF\.ha\.detector\.misses,service,availability,/);
    expect(csv.length).toBe(1 + r.points.length);
    // Fields may be quoted (point names hold commas).
    // Every field ends with a comma once one is appended (empty trailing fields included).
    const fields = (line: string) => [...`${line},`.matchAll(/("(?:[^"]|"")*"|[^,]*),/g)].map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"'));
    const head = fields(csv[0]);
    const row = fields(csv[2]);
    expect(row.length).toBe(head.length);
    expect(row[head.indexOf('point')]).toBe('interval=100ms, misses=3');
    expect(row[head.indexOf('vnfs.vCSCF.ha.detector.misses')]).toBe('3');
    expect(Number(row[head.indexOf('downtime_min_per_year')])).toBe(r.points[1].summary.services[0].downtimeMinutesPerYear.mean);
    expect(Number(row[head.indexOf('downtime_diff_vs_baseline')])).toBe(r.points[1].difference![0].downtimeMinutesPerYear.mean);
  });

  it('the primary chart is the paired difference when points are paired, the absolute downtime otherwise', async () => {
    const r = await runSweep(load({ ...SMALL, runs: 10 }), { out: tmp(), jobs: 1 });
    expect(isPaired(r)).toBe(true);
    const paired = sweepCharts(r);
    expect(paired[0].kind).toBe('difference');
    expect(paired[1].kind).toBe('downtime');
    // The same results without the paired differences (a single point, or results without pairing).
    const unpaired = { ...r, points: r.points.map((p) => ({ ...p, difference: null })) };
    expect(isPaired(unpaired)).toBe(false);
    expect(sweepCharts(unpaired)[0].kind).toBe('downtime');
    expect(sweepCharts(unpaired).some((c) => c.kind === 'difference')).toBe(false);
    const single = await runSweep(load({ ...SMALL, runs: 10, grid: undefined, baseline: undefined, scenarios: [{ name: 'only' }] }), { out: tmp(), jobs: 1 });
    expect(sweepCharts(single)[0].kind).toBe('downtime');
  });

  it('charts read at a glance: small multiples of the difference, opaque legends, a labelled budget, integer ticks, parameter labels', async () => {
    const exp = load({
      ...SMALL,
      runs: 10,
      baseline: undefined,
      grid: {
        'vnfs.vCSCF.ha.detector.misses': { label: 'missed beats', values: [2, 3, 5] },
        'vnfs.vCSCF.ha.detector.interval': ['100ms', '1s'],
      },
    });
    const r = await runSweep(exp, { out: tmp(), jobs: 1 });
    expect(r.experiment.labels).toEqual({ 'vnfs.vCSCF.ha.detector.misses': 'missed beats' });
    const diff = toVegaLite(r, 'difference') as unknown as Record<string, any>;
    // One panel per value of the second parameter, each with its own y scale.
    expect(diff.facet.field).toBe('panel');
    expect(new Set(diff.data.values.map((v: { panel: string }) => v.panel))).toEqual(new Set(['vCSCF detector interval = 100ms', 'vCSCF detector interval = 1s']));
    expect(diff.resolve.scale.y).toBe('independent');
    // Integer parameters get whole ticks; the label names the axis; swatches are opaque.
    expect(diff.spec.encoding.x.axis).toEqual({ tickMinStep: 1, format: 'd' });
    expect(diff.spec.encoding.x.title).toBe('missed beats');
    expect(diff.config.legend.symbolOpacity).toBe(1);
    const down = JSON.stringify(toVegaLite(r, 'downtime'));
    expect(down).toContain('"title":"missed beats"');
    expect(down).toMatch(/"label":"budget 5\.26 min\/y"/);
    // Without a label, a readable name from the path (not just its last segment).
    expect(JSON.stringify(toVegaLite(r, 'heatmap'))).toContain('vCSCF detector interval');
    // Rendered: the budget's label is drawn, and marks carry hover titles.
    const svg = await renderSvg(toVegaLite(r, 'downtime')!);
    expect(svg).toContain('budget 5.26 min/y');
    expect(svg).toMatch(/<title>[^<]*mean: /);
    expect(svg).toContain('DejaVu Sans');
    expect(svg).toMatch(/font-family="system-ui/);
  });

  it('a one-parameter sweep has no heatmap; toVegaLite says so with null', async () => {
    const r = await runSweep(load({ ...SMALL, runs: 10 }), { out: tmp(), jobs: 1 });
    expect(toVegaLite(r, 'heatmap')).toBeNull();
    expect(toVegaLite(r, 'downtime')).not.toBeNull();
  });

  it('run --report writes report.json, the charts and report.html; chart on a folder without results exits 2', () => {
    const dir = tmp();
    const r = cli(['run', 'topologies/sal1-pair.yaml', '--runs', '10', '--horizon', '2y', '--report', dir, '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'charts')).length).toBe(12);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('volte-call-control');
    const empty = cli(['chart', tmp()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/: no results there: none of transient\.json, uncertainty\.json, optimize\.json, sensitivity\.json \(from those studies\), results\.json \(from nfvsim sweep\) or report\.json/);
    // A folder that is not there, or a file: said so.
    const none = cli(['chart', join(tmp(), 'nope')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nope: no such folder\n/);
    const file = join(dir, 'report.json');
    const notDir = cli(['chart', file]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toMatch(/report\.json: not a folder/);
  });
});
