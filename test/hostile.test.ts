/**
 * Hostile and careless input, item by item: every input ends in exit 0, 2 or 3 with a
 * message naming the file and the path inside it (never exit 70 or a stack trace), in
 * bounded time; outputs never overwrite inputs or each other and are never left looking
 * complete after a failure. Loader-level checks run in this process; a few go through
 * the real CLI (each spawn costs about a second).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadExperimentText, loadTopologyText, TopologyError } from '../src/index.js';
import { MAX_DEFAULT_HORIZON } from '../src/model/build.js';
import { YEAR } from '../src/engine/units.js';
import { OutageCsv } from '../src/report/csv.js';
import { OutputError, writeFileAtomic } from '../src/output.js';
import { checkEventBudget } from '../src/runner/budget.js';
import { cli, ROOT, SMALL_TOPOLOGY, thrown } from './helpers.js';

let dir: string;
const BASE = SMALL_TOPOLOGY.replace('app: { layer: vnf }', 'app: { layer: vnf, failures: { crash: { ttf: { dist: exponential, mean: 100h } } }, repair: { dist: exponential, mean: 1m } }').replace('runs: 10', 'runs: 4');

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The TopologyError loading `text` throws (fails the test if it loads). */
function refusal(text: string, file = 'in.yaml'): TopologyError {
  const e = thrown(() => loadTopologyText(text, file));
  expect(e, 'expected a refusal').toBeInstanceOf(TopologyError);
  return e as TopologyError;
}

/** The TopologyError loading experiment `text` (base topology in `dir`) throws. */
function expRefusal(text: string): TopologyError {
  const e = thrown(() => loadExperimentText(text, 'exp.yaml', dir));
  expect(e, 'expected a refusal').toBeInstanceOf(TopologyError);
  expect((e as TopologyError).file).toBe('exp.yaml');
  return e as TopologyError;
}

/** Runs the CLI and checks what every refusal must be: exit 2, the file named, no stack trace. */
function refusedByCli(args: string[], file: string) {
  const r = cli(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(file);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  return r;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfvsim-hostile-'));
  write('base.yaml', BASE);
});

describe('aliases', () => {
  it('a recursive alias is refused with its path and line, in a topology, a description and an experiment set, by every command', () => {
    const top = write('rec.yaml', `${BASE}x: &a [*a]\n`);
    const r = refusedByCli(['validate', top], top);
    expect(r.stderr).toMatch(/rec\.yaml:\d+:\d+: x\[0\]: alias '\*a' lies inside the node it names/);
    refusedByCli(['run', top], top);
    expect(refusal(BASE.replace('components:', 'description: &d { a: [*d] }\ncomponents:')).message).toMatch(/description\.a\[0\]: alias '\*d' lies inside/);
    const exp = write('exp-rec.yaml', 'base: base.yaml\nruns: 2\nset: { description: &a [*a] }\ngrid: { vnfs.f.instances: [2] }\n');
    expect(refusedByCli(['sweep', exp, '--out', join(dir, 'out-rec')], exp).stderr).toMatch(/set\.description\[0\]: alias '\*a' lies inside/);
  });

  it('an alias bomb is refused at once, naming the alias, the expanded size and NFVSIM_MAX_NODES', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const started = Date.now();
    const e = refusal(lines.join('\n'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.message).toMatch(/in\.yaml:10:\d+: a9\[0\]: aliases expand the document to [\d,]{14} nodes .*set NFVSIM_MAX_NODES to raise it/);
  });

  it('ordinary aliases (shared definitions) still load', () => {
    const t = loadTopologyText(BASE.replace('  hw: {', '  hw: &hw {').replace('  app: { layer: vnf,', '  hw2: *hw\n  app: { layer: vnf,'), 'ok.yaml');
    expect(t.model.services.length).toBe(1);
  });
});

describe('sizes', () => {
  it('a mapping of 15,000 keys is refused quickly by the CLI with the limit and NFVSIM_MAX_ENTRIES', () => {
    const keys = write('keys.yaml', `components:\n${Array.from({ length: 15_000 }, (_, i) => `  k${i}: 1\n`).join('')}`);
    const started = Date.now();
    const r = refusedByCli(['validate', keys], keys);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/keys\.yaml:2:3: components: 15,000 entries; the limit is 10,000 entries in one mapping or list \(set NFVSIM_MAX_ENTRIES to raise it\)/);
  });

  it('9,000 unknown keys in one mapping: the first 200 messages located, the rest without a line, quickly', () => {
    const text = BASE.replace('f: { instances: 2,', `f: { ${Array.from({ length: 9_000 }, (_, i) => `x${i}: 1, `).join('')}instances: 2,`);
    const started = Date.now();
    const e = thrown(() => loadTopologyText(text, 'unknown.yaml')) as TopologyError;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e.issues).toHaveLength(9_000);
    expect(e.issues.filter((i) => i.line !== undefined)).toHaveLength(200);
    expect(e.issues[0]).toMatchObject({ path: 'vnfs.f.x0', message: "unknown key 'x0'" });
    expect(e.issues[8_999].line).toBeUndefined();
  });

  it('duplicate keys are found in linear time, with both lines; the limit can be raised', () => {
    const many = (n: number) => `components:\n${Array.from({ length: n }, (_, i) => `  k${i}: 1\n`).join('')}  k7: 2\n`;
    const started = Date.now();
    const saved = { ...process.env };
    Object.assign(process.env, { NFVSIM_MAX_ENTRIES: '50000', NFVSIM_MAX_ITEMS: '50000' });
    try {
      expect(refusal(many(20_000)).message).toMatch(/in\.yaml:20002:3: components\.k7: key 'k7' is given twice \(first on line 9\)/);
    } finally {
      process.env = saved;
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an experiment of a million grid points, or a list of 15,000 values, is refused naming the limit', () => {
    const grid = ['vnfs.f.instances', 'vnfs.f.k', 'components.hw.repair.mean'].map((p) => `  ${p}: [${Array(100).fill(2).join(', ')}]`).join('\n');
    expect(expRefusal(`base: base.yaml\nruns: 2\ngrid:\n${grid}\n`).message).toMatch(/exp\.yaml:4:3: grid: 1,000,000 points; the limit is 2,000 points in an experiment \(set NFVSIM_MAX_POINTS to raise it\)/);
    expect(expRefusal(`base: base.yaml\nruns: 2\ngrid:\n  vnfs.f.instances: [${Array(15_000).fill(2).join(',')}]\n`).message).toMatch(/grid\["vnfs\.f\.instances"\]: 15,000 entries; the limit is 10,000/);
  });

  it('a file of too many lines or flow items, or too many bytes, is refused before it is parsed, naming the limit', () => {
    for (const text of [`x: [${Array(100_000).fill(1).join(',')}]\n`, Array(30_000).fill('- 1\n').join(''), `x: [${'{a: 1}'.repeat(50_000)}]\n`]) {
      const started = Date.now();
      const e = refusal(text);
      expect(Date.now() - started).toBeLessThan(500);
      expect(e.message).toMatch(/in\.yaml:\d+:1: the file has [\d,]+ lines and flow items; the limit is 20,000 lines and flow items .* \(set NFVSIM_MAX_ITEMS to raise it\)/);
    }
    expect(refusal(`x: "${'a'.repeat(3_000_000)}"\n`).message).toMatch(/in\.yaml: the file has 3,000,006 bytes; the limit is 2,000,000 bytes in one input file \(set NFVSIM_MAX_BYTES to raise it\)/);
  });

  it('a topology that would build too many components is refused before building, naming the largest part and NFVSIM_MAX_COMPONENTS', () => {
    const groups = Array.from({ length: 11 }, (_, i) => `  g${i}: { count: 10000, stack: [hw] }`).join('\n');
    const started = Date.now();
    const e = refusal(BASE.replace('hosts:\n', `hosts:\n${groups}\n`));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(e.message).toMatch(/hosts\.g0\.count: the topology would build 110,004 components \(10,000 here\); the limit is 100,000 components in one topology \(set NFVSIM_MAX_COMPONENTS to raise it\)/);
  });

  it('a malformed file lists 20 problems and says how many more there are', () => {
    const e = refusal(Array.from({ length: 100 }, (_, i) => (i % 2 ? `a${i}: [\n` : `  b: "${i}\n`)).join(''), 'many.yaml');
    expect(e.issues.length).toBeGreaterThan(100);
    const lines = e.message.split('\n');
    expect(lines.length).toBe(21);
    expect(lines[20]).toMatch(/many\.yaml: \.\.\. and \d+ more problems \(NFVSIM_MAX_ISSUES sets how many are listed\)/);
  });
});

describe('numbers and durations', () => {
  it.each([
    ['horizon: 1e400y', 'horizon', 'not a finite duration'],
    ['warmup: 1e309s', 'warmup', 'not a finite duration'],
    ['horizon: 2e9y', 'horizon', 'longest duration accepted, 1e9y'],
  ])('an experiment %s is refused at its path', (line, path, phrase) => {
    const e = expRefusal(`base: base.yaml\nruns: 2\n${line}\ngrid: { vnfs.f.instances: [2] }\n`);
    expect(e.issues[0].path).toBe(path);
    expect(e.message).toContain(phrase);
  });

  it('a sample range from 1e400y, or too wide to sample, is refused at its path', () => {
    const range = (min: string, max: string) => `base: base.yaml\nruns: 2\nsample: { method: random, points: 3, ranges: { vnfs.f.instances: { min: ${min}, max: ${max} } } }\n`;
    expect(expRefusal(range('1e400y', '1y')).message).toMatch(/sample\.ranges\["vnfs\.f\.instances"\]\.min: '1e400y' is not a finite duration/);
    expect(expRefusal(range('-1e308', '1e308')).message).toMatch(/\.max: the range from -1e\+308 to 1e\+308 is too wide to sample/);
  });

  it('a topology duration over a billion years is refused at its path', () => {
    expect(refusal(BASE.replace('mean: 1000h', 'mean: 1e10y')).message).toMatch(/components\.hw\.failures\.crash\.ttf\.mean: '1e10y' is longer than the longest duration accepted/);
  });
});

describe('horizons and clock rates', () => {
  it('the default horizon is capped at 1000 y, and the reason says so (rack MTTF 10,000 y; Weibull shape 0.01)', () => {
    const noHorizon = BASE.replace('simulation: { runs: 4, horizon: 2y }', '');
    for (const text of [noHorizon.replace('mean: 1000h', 'mean: 10000y'), noHorizon.replace('dist: exponential, mean: 1000h', 'dist: weibull, shape: 0.01, scale: 1000h')]) {
      const d = loadTopologyText(text, 'cap.yaml').model.defaults;
      expect(d.horizon).toBe(MAX_DEFAULT_HORIZON);
      expect(MAX_DEFAULT_HORIZON).toBe(1000 * YEAR);
      expect(d.horizonReason).toMatch(/capped at 1000y/);
    }
    const f = write('cap.yaml', noHorizon.replace('mean: 1000h', 'mean: 10000y'));
    const r = cli(['run', f, '--runs', '2', '--jobs', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 runs x 1000 y horizon \(default: 10 x the largest MTTF \(components\.hw\.failures\.crash\.ttf\), at least 10y, capped at 1000y\)/);
  });

  it('a 1 ms common-cause clock and an upgrade campaign every 1 ms are refused before the run, naming the clock and the way out', () => {
    const cc = write('cc.yaml', BASE.replace('mean: 100h } } }', 'mean: 1ms }, common: true } }'));
    const started = Date.now();
    const r = refusedByCli(['run', cc, '--jobs', '1'], cc);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/cc\.yaml: components\.app\.failures\.crash: this run would handle about [\d.e+]+ events .* more than the budget of 2e\+9/);
    expect(r.stderr).toMatch(/--max-events N/);
    expect(r.stderr).toMatch(/NFVSIM_EVENT_BUDGET/);
    // Capped histories are bounded work: the run goes ahead, flagged.
    expect(cli(['run', cc, '--jobs', '1', '--max-events', '2000']).code).toBe(0);
    const upgrade = loadTopologyText(`${BASE}upgrades:\n  u: { target: f, every: 1ms, step: 1s }\n`, 'up.yaml');
    const e = thrown(() => checkEventBudget([upgrade.model], { seed: 1, horizon: 2 * YEAR, runs: 4 }, 'up.yaml', 'lower --runs'));
    expect(e).toBeInstanceOf(TopologyError);
    expect((e as TopologyError).issues[0].path).toBe('upgrades.u.every');
    // A campaign that starts late, on day 45, every microsecond: the pilot's first 45 days are quiet, its last events show the rate.
    const late = loadTopologyText(`${BASE}upgrades:\n  u: { target: f, start: 45d, every: 0.001ms, step: 1s }\n`, 'late.yaml');
    const l = thrown(() => checkEventBudget([late.model], { seed: 1, horizon: YEAR, runs: 2 }, 'late.yaml', 'lower --runs'));
    expect(l).toBeInstanceOf(TopologyError);
    expect((l as TopologyError).message).toMatch(/late\.yaml: upgrades\.u\.every: this run would handle about [\d.]+e\+13 events .*measured over the first 45 d of one history: [\d,]+ events, the last [\d,]+ of them in \d+ ms\)/);
    // A plain topology is within the budget.
    expect(() => checkEventBudget([loadTopologyText(BASE, 'ok.yaml').model], { seed: 1, horizon: 2 * YEAR, runs: 4 }, 'ok.yaml', '')).not.toThrow();
  });
});

describe('meaningless or empty input', () => {
  it('an empty topology (no hosts, no services) is refused', () => {
    const e = refusal('components: {}\nhosts: {}\nservices: {}\n');
    expect(e.message).toMatch(/in\.yaml:2:\d+: hosts: no host group/);
    expect(e.message).toMatch(/in\.yaml:3:\d+: services: no service/);
  });

  it('m on active-passive and quorum groups, and maxRestarts without a window, are refused at their path', () => {
    const ap = BASE.replace('k: 1, app: app,', 'm: 1, app: app, ha: { mechanism: active-passive, detector: { interval: 1s }, switchover: 2s },');
    expect(refusal(ap).message).toMatch(/vnfs\.f\.m: m has no effect on active-passive/);
    const q = BASE.replace('k: 1, app: app,', 'instances: 3, m: 2, app: app, ha: { mechanism: quorum },').replace('instances: 2, ', '').replace('count: 2', 'count: 3');
    expect(refusal(q).message).toMatch(/vnfs\.f\.m: m has no effect on a quorum/);
    const sup = BASE.replace('policy: anti-affinity }', 'policy: anti-affinity }, supervision: { restart: 1s, reboot: 1m, rebuild: 5m, maxRestarts: 2 }');
    expect(refusal(sup).message).toMatch(/vnfs\.f\.supervision\.maxRestarts: maxRestarts has no effect without 'window'/);
    expect(() => loadTopologyText(sup.replace('maxRestarts: 2', 'maxRestarts: 2, window: 1h'), 'ok.yaml')).not.toThrow();
  });
});

describe('outputs', () => {
  it('an unwritable --csv, --events, --report or --out exits 1 before any simulation', () => {
    const top = join(dir, 'base.yaml');
    const blocker = write('afile', 'x');
    for (const args of [['--csv', join(blocker, 'o.csv')], ['--events', join(blocker, 'e.jsonl')], ['--report', join(blocker, 'rep')]]) {
      const r = cli(['run', top, '--jobs', '1', ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/cannot write .*afile.*ENOTDIR/);
      // Checked before the run: no report was printed.
      expect(r.stdout).toBe('');
    }
    // A folder where a file is asked for: said so, whether it exists or is only named with a slash.
    const folder = cli(['run', top, '--jobs', '1', '--csv', dir]);
    expect(folder.code, folder.stderr).toBe(1);
    expect(folder.stderr).toMatch(/cannot write .*: EISDIR \(a folder is in the way\)/);
    const slash = cli(['run', top, '--jobs', '1', '--csv', join(dir, 'not-yet') + '/']);
    expect(slash.code, slash.stderr).toBe(1);
    expect(slash.stderr).toMatch(/cannot write .*not-yet\/: ENOTDIR \(the name ends in '\/': a file name is needed here\)/);
    // A folder output under a file: what is in the way, not "give a file name".
    const under = cli(['run', top, '--jobs', '1', '--report', join(blocker, 'rep') + '/']);
    expect(under.code, under.stderr).toBe(1);
    expect(under.stderr).toMatch(/cannot write .*afile.*ENOTDIR \(a file or folder is in the way\)/);
    const exp = write('exp-out.yaml', 'base: base.yaml\nruns: 2\ngrid: { vnfs.f.instances: [2] }\n');
    const s = cli(['sweep', exp, '--out', join(blocker, 'out'), '--jobs', '1', '--no-charts']);
    expect(s.code, s.stderr).toBe(1);
    expect(s.stderr).toMatch(/cannot write/);
  });

  it('--csv naming the topology (by path or hard link), and --csv and --events naming one file, are refused with exit 2', () => {
    const top = write('keep.yaml', BASE);
    const link = join(dir, 'keep-link.csv');
    linkSync(top, link);
    for (const csv of [top, link]) {
      const r = refusedByCli(['run', top, '--jobs', '1', '--csv', csv], csv);
      expect(r.stderr).toMatch(/would overwrite the topology/);
    }
    expect(readFileSync(top, 'utf8')).toBe(BASE);
    const same = join(dir, 'same.out');
    const r = refusedByCli(['run', top, '--jobs', '1', '--csv', same, '--events', `${dir}/./same.out`], 'same.out');
    expect(r.stderr).toMatch(/--csv and --events name the same file/);
    expect(existsSync(same)).toBe(false);
  });

  it('outputs go through a temporary name: a failed run leaves no CSV, a failed write no file, a good run no temporary file', () => {
    const model = loadTopologyText(BASE, 'b.yaml').model;
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-out-'));
    const failed = new OutageCsv(join(out, 'failed.csv'), model);
    failed.abort();
    const done = new OutageCsv(join(out, 'done.csv'), model);
    done.close();
    expect(readdirSync(out)).toEqual(['done.csv']);
    expect(thrown(() => writeFileAtomic(join(out, 'missing', 'x.json'), '{}'))).toBeInstanceOf(OutputError);
    writeFileAtomic(join(out, 'x.json'), '{}');
    expect(readdirSync(out).sort()).toEqual(['done.csv', 'x.json']);
    const csv = join(out, 'o.csv');
    const r = cli(['run', join(dir, 'base.yaml'), '--jobs', '1', '--csv', csv, '--events', join(out, 'e.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['done.csv', 'e.jsonl', 'o.csv', 'x.json']);
    // Options refused after the outputs were checked: still no temporary file.
    const refused = cli(['run', join(dir, 'base.yaml'), '--jobs', '1', '--csv', join(out, 'p.csv'), '--max-runs', '5']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['done.csv', 'e.jsonl', 'o.csv', 'x.json']);
  });
});

describe('outputs that are devices', () => {
  it('a device or FIFO (or a link to one) is written in place, never renamed over; a link to a file has its file replaced: /dev/null stays a device, a link stays a link', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-dev-'));
    const link = join(out, 'null-link');
    symlinkSync('/dev/null', link);
    // Never /dev/null itself: a fault here would replace it on the machine (tests may run as root).
    const link2 = join(out, 'null-link-2');
    symlinkSync('/dev/null', link2);
    for (const args of [['diagram', 'topologies/minimal.yaml', '--out', link], ['run', join(dir, 'base.yaml'), '--jobs', '1', '--csv', link], ['run', join(dir, 'base.yaml'), '--jobs', '1', '--events', link], ['run', join(dir, 'base.yaml'), '--jobs', '1', '--csv', link, '--events', link2]]) {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(lstatSync(link).isSymbolicLink(), args.join(' ')).toBe(true);
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(out)).toEqual(['null-link', 'null-link-2']);
    // A link to a file, or to none yet: the file it names is written (atomically), the link kept.
    writeFileSync(join(out, 'target.csv'), 'old');
    symlinkSync('target.csv', join(out, 'file-link.csv'));
    symlinkSync('new.csv', join(out, 'dangling.csv'));
    for (const name of ['file-link.csv', 'dangling.csv']) {
      const r = cli(['run', join(dir, 'base.yaml'), '--jobs', '1', '--csv', join(out, name)]);
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(join(out, name)).isSymbolicLink(), name).toBe(true);
    }
    expect(readFileSync(join(out, 'target.csv'), 'utf8')).toMatch(/^replication,service,/);
    expect(readFileSync(join(out, 'new.csv'), 'utf8')).toMatch(/^replication,service,/);
    expect(readdirSync(out).sort()).toEqual(['dangling.csv', 'file-link.csv', 'new.csv', 'null-link', 'null-link-2', 'target.csv']);
    // A FIFO, with a reader: the diagram arrives through it whole.
    const fifo = join(out, 'pipe');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return;
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d) => (got += d));
    const done = new Promise((resolve) => reader.on('close', resolve));
    const r = cli(['diagram', 'topologies/minimal.yaml', '--format', 'svg', '--out', fifo]);
    expect(r.code, r.stderr).toBe(0);
    await done;
    expect(got).toMatch(/^<svg [\s\S]*<\/svg>\n?$/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe('interruptions', () => {
  /** Starts the CLI with `args`; resolves its exit code and stderr once it has exited. */
  function start(args: string[]) {
    const child = spawn(process.execPath, [`${ROOT}/bin/nfvsim.js`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    return { child, exited, stderr: () => err };
  }

  /** Waits (at most 60 s) until `ready()`. */
  async function until(ready: () => boolean): Promise<void> {
    const started = Date.now();
    while (!ready() && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  }

  it.each([
    ['SIGINT', '2', 'worker threads'],
    ['SIGTERM', '1', 'the calling thread (--jobs 1)'],
  ] as const)('%s during a run on --jobs %s (%s) exits 130 and leaves no output, not even a temporary file', async (signal, jobs, _where) => {
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-int-'));
    const run = start(['run', '-n', '5000', '--jobs', jobs, '--csv', join(out, 'o.csv'), '--progress', 'plain']);
    // Interrupt once the first replication is done (the run is under way).
    await until(() => /simulating: [1-9]/.test(run.stderr()));
    const sent = Date.now();
    run.child.kill(signal);
    expect(await run.exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(run.stderr()).toMatch(/interrupted: no output written/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('SIGTERM during a sweep on --jobs 1 exits 130, keeps the finished shards in the journal and no temporary file; --resume completes it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nfvsim-int-sweep-')), 'out');
    const exp = write('exp-int.yaml', 'base: base.yaml\nruns: 400\nhorizon: 100y\ngrid: { components.hw.repair.mean: [10h, 20h] }\n');
    const sweep = start(['sweep', exp, '--out', out, '--jobs', '1', '--no-charts', '--no-progress']);
    const lines = () => (existsSync(join(out, 'journal.jsonl')) ? readFileSync(join(out, 'journal.jsonl'), 'utf8').split('\n').length - 1 : 0);
    await until(() => lines() >= 1);
    sweep.child.kill('SIGTERM');
    expect(await sweep.exited, sweep.stderr()).toBe(130);
    expect(sweep.stderr()).toMatch(/finished shards are kept in the journal .* Continue with:\n\s+nfvsim sweep .* --resume/);
    const kept = lines();
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(16);
    expect(readFileSync(join(out, 'journal.jsonl'), 'utf8').endsWith('\n')).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp') || f.startsWith('results'))).toEqual([]);
    const resumed = cli(['sweep', exp, '--out', out, '--jobs', '1', '--no-charts', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lines()).toBe(16);
    expect(existsSync(join(out, 'results.json'))).toBe(true);
  });
});
