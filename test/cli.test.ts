/**
 * The command line as a user meets it: bad input of every kind gives a message that
 * names the file, the path inside it and what was expected, exit code 2, and no stack
 * trace; good input runs; --json prints exactly one JSON document.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, SMALL_TOPOLOGY } from './helpers.js';

let dir: string;
const BASE = SMALL_TOPOLOGY;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfvsim-cli-'));
});

/** Each bad input: [description, file text, the path the message must name, a phrase it must contain]. */
const BAD: Array<[string, string, string, string]> = [
  ['YAML syntax error', 'components:\n  hw: { layer: hardware\nhosts: [\n', 'bad.yaml:3:1', 'syntax error'],
  ['a duration without a unit', BASE.replace('mean: 1000h', 'mean: 1000'), 'components.hw.failures.crash.ttf.mean', 'duration with a unit'],
  ['an unknown key', BASE.replace('count: 2,', 'count: 2, colour: blue,'), 'hosts.h.colour', "unknown key 'colour'"],
  ['a misspelt optional key', BASE.replace('failures:', 'failure:'), 'components.hw.failure', "unknown key 'failure' (did you mean 'failures'?)"],
  ['a misspelt required key', BASE.replace('instances: 2', 'instnaces: 2'), 'vnfs.f.instnaces', "unknown key 'instnaces' (did you mean 'instances'?)"],
  ['a misspelt name among choices', BASE.replace('policy: anti-affinity', 'policy: anti-afinity'), 'vnfs.f.placement.policy', "got 'anti-afinity' (did you mean 'anti-affinity'?)"],
  ['a fraction where a whole number belongs', BASE.replace('instances: 2', 'instances: 1.5'), 'vnfs.f.instances', 'expected a whole number, got 1.5'],
  ['a number below its bound', BASE.replace('instances: 2', 'instances: -1'), 'vnfs.f.instances', 'expected a number > 0, got -1'],
  ['a missing required section', BASE.replace(/services:[^\n]*\n(  .*\n)*/, ''), 'services', 'missing: a mapping is required here'],
  ['a wrong type', BASE.replace('instances: 2', 'instances: two'), 'vnfs.f.instances', "expected a number, got 'two'"],
  ['an unknown distribution', BASE.replace('dist: exponential, mean: 10h', 'dist: exponentail, mean: 10h'), 'components.hw.repair.dist', "'exponential'"],
  ['an unknown component type', BASE.replace('stack: [hw]', 'stack: [hw, linux]'), 'hosts.h.stack[1]', "unknown component type 'linux'"],
  ['an unknown host', BASE.replace('placement: { group: h, policy: anti-affinity }', 'placement: { hosts: [h-1, h-7] }'), 'vnfs.f.placement.hosts[1]', "unknown host 'h-7'"],
  ['an unknown rack', BASE.replace('racks: [r1]', 'racks: [r9]'), 'hosts.h.racks[0]', "unknown rack 'r9'"],
  ['k > n', BASE.replace('k: 1', 'k: 3'), 'vnfs.f.k', 'k (3) must not exceed instances (2)'],
  ['a chain naming a missing VNF', BASE.replace('chain: [f]', 'chain: [f, vFW]'), 'services.s.chain[1]', "unknown VNF or VIM service 'vFW'"],
  ['impossible anti-affinity', BASE.replace('instances: 2', 'instances: 3'), 'vnfs.f.placement.policy', 'impossible anti-affinity'],
  ['impossible rack anti-affinity', BASE.replace('policy: anti-affinity', 'policy: rack-anti-affinity'), 'vnfs.f.placement.policy', 'impossible rack anti-affinity'],
  ['a layer out of place', BASE.replace('app: app,', 'app: hw,'), 'vnfs.f.app', "has layer 'hardware', expected 'vnf'"],
  ['bad distribution parameters', BASE.replace('{ dist: exponential, mean: 10h }', '{ dist: uniform, min: 5h, max: 1h }'), 'components.hw.repair', 'must be >= min'],
  ['a zero time to failure', BASE.replace('mean: 1000h', 'mean: 0s'), 'components.hw.failures.crash.ttf.mean', 'expected a duration above zero'],
  ['a unit written as a word', BASE.replace('mean: 1000h', 'mean: 5 minutes'), 'components.hw.failures.crash.ttf.mean', "unknown unit 'minutes' in '5 minutes': write '5min'"],
  ['a negative duration', BASE.replace('mean: 1000h', 'mean: -30s'), 'components.hw.failures.crash.ttf.mean', "a duration cannot be negative: '-30s'"],
  ['warm-up longer than the horizon', BASE.replace('horizon: 2y', 'horizon: 2y, warmup: 3y'), 'simulation.warmup', 'shorter than the horizon'],
  ['a list where a mapping belongs', 'components: []\nhosts: {}\nservices: {}\n', 'components', 'expected a mapping, got a list'],
  ['an empty file', '', 'bad.yaml', 'expected a mapping'],
];

describe('bad input', () => {
  it.each(BAD)('%s: names the file and path, exits 2, prints no stack trace', (_what, text, path, phrase) => {
    const file = write('bad.yaml', text);
    for (const cmd of [['validate', file], ['run', file]]) {
      const r = cli(cmd);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(file);
      expect(r.stderr).toContain(path.replace('bad.yaml', file));
      expect(r.stderr).toContain(phrase);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('an experiment given where a topology is expected, and a topology where an experiment is: one line naming what the file is and the command for it', () => {
    for (const cmd of ['run', 'analyze', 'diagram', 'transient']) {
      const r = cli([cmd, 'experiments/heartbeat-sal1.yaml']);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^nfvsim: invalid input\nexperiments\/heartbeat-sal1\.yaml:\d+:\d+: base: expected a topology, but this is an experiment file \(it has 'base:', the topology it varies\): run it with nfvsim sweep/);
      // Not the schema's complaint about every key a topology has and an experiment lacks.
      expect(r.stderr.trim().split('\n')).toHaveLength(2);
    }
    for (const cmd of ['sweep', 'uncertainty', 'optimize']) {
      const r = cli([cmd, 'topologies/minimal.yaml']);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^nfvsim: invalid input\ntopologies\/minimal\.yaml:\d+:\d+: expected an experiment \(a file with 'base:', the topology it varies\), but this is a topology: run it with nfvsim run/);
      expect(r.stderr.trim().split('\n')).toHaveLength(2);
    }
    // validate tells them apart by the same rule.
    expect(cli(['validate', 'experiments/heartbeat-sal1.yaml']).stdout).toMatch(/: valid experiment: grid/);
    // An experiment whose base: is misspelt is still read as one: one line, not the topology schema's complaints.
    const bsae = cli(['validate', write('bsae.yaml', readFileSync(join(ROOT, 'experiments/fencing.yaml'), 'utf8').replace('base: ../topologies/sal1-pair.yaml', `bsae: ${join(ROOT, 'topologies/sal1-pair.yaml')}`))]);
    expect(bsae.code).toBe(2);
    expect(bsae.stderr).toMatch(/bsae: unknown key 'bsae' \(did you mean 'base'\?\)\n$/);
    expect(cli(['validate', 'topologies/minimal.yaml']).stdout).toMatch(/: valid: 1 host, 2 components, 1 VNF\/VIM service, 1 service\n/);
  });

  it('a misspelt key is one message, and a suggestion names only a key allowed there (the branch the discriminator chose)', () => {
    const typo = cli(['validate', write('typo-instances.yaml', BASE.replace('instances: 2', 'instnaces: 2'))]);
    expect(typo.stderr).toMatch(/vnfs\.f\.instnaces: unknown key 'instnaces' \(did you mean 'instances'\?\)/);
    expect(typo.stderr).not.toMatch(/vnfs\.f\.instances:/);
    const repair = (spec: string) => cli(['validate', write('typo-dist.yaml', BASE.replace('{ dist: exponential, mean: 10h }', spec))]).stderr;
    // An exponential has no cv: no suggestion of the lognormal's.
    expect(repair('{ dist: exponential, mean: 10h, cvv: 1 }')).toMatch(/components\.hw\.repair\.cvv: unknown key 'cvv'\n/);
    // A uniform's max, not the exponential's mean; and max is not reported missing as well.
    const man = repair('{ dist: uniform, min: 1h, man: 2h }');
    expect(man).toMatch(/components\.hw\.repair\.man: unknown key 'man' \(did you mean 'max'\?\)/);
    expect(man).not.toMatch(/repair\.max/);
    // A misspelt discriminator: zod reports the discriminator missing; the key written for it is named.
    expect(repair('{ dsit: exponential, mean: 10h }')).toMatch(/components\.hw\.repair\.dist: missing: required here \('dsit' is not a key here: did you mean 'dist'\?\)/);
    // A long bad duration is quoted cut short, not echoed whole.
    const long = cli(['validate', write('long-duration.yaml', BASE.replace('mean: 1000h', `mean: "${'1'.repeat(100_000)}x"`))]);
    expect(long.code).toBe(2);
    expect(long.stderr.length).toBeLessThan(1000);
    expect(long.stderr).toMatch(/unknown unit 'x' in '1{40}\.\.\.'/);
  });

  it('an experiment with a misspelt key or design is told the nearest key it may have there', () => {
    const text = readFileSync(join(ROOT, 'experiments/fencing.yaml'), 'utf8').replace('base: ../topologies/sal1-pair.yaml', `base: ${join(ROOT, 'topologies/sal1-pair.yaml')}`);
    const r = cli(['sweep', write('exp-typo.yaml', text.replace('runs: 100', 'runz: 100').replace('  - name: slow fencing', '  - nmae: slow fencing'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runz: unknown key 'runz' \(did you mean 'runs'\?\)/);
    expect(r.stderr).toMatch(/scenarios\[2\]\.nmae: unknown key 'nmae' \(did you mean 'name'\?\)/);
    // The required name reported missing is the misspelt key's, said once.
    expect(r.stderr).not.toMatch(/scenarios\[2\]\.name: missing/);
    // A point that sets `base` sets an unknown key of the topology (not "this is an experiment file").
    const setBase = cli(['sweep', write('exp-set-base.yaml', text.replace('  vnfs.vCSCF.ha.aliveProbability: 0.2', '  vnfs.vCSCF.ha.aliveProbability: 0.2\n  base: 1'))]);
    expect(setBase.code).toBe(2);
    expect(setBase.stderr).toMatch(/unknown key 'base'/);
    expect(setBase.stderr).not.toMatch(/this is an experiment file/);
    // A base that is an experiment: said so at `base`.
    const inner = write('exp-inner.yaml', text);
    const outer = cli(['sweep', write('exp-outer.yaml', text.replace(/base: .*/, `base: ${inner}`))]);
    expect(outer.code).toBe(2);
    expect(outer.stderr).toMatch(/exp-outer\.yaml:\d+:\d+: base: must name a topology, but .*exp-inner\.yaml is an experiment file/);
  });

  it('no command: the help on stderr and exit 2 (a script sees the mistake); asked for, the help on stdout and exit 0', () => {
    const none = cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/Usage: nfvsim/);
    for (const args of [['--help'], ['help'], ['help', 'run'], ['run', '--help']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Usage: nfvsim/);
    }
  });

  it('a missing file', () => {
    const r = cli(['run', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.yaml: cannot read: no such file');
  });

  it('bad options', () => {
    const file = write('good.yaml', BASE);
    for (const args of [['--runs', '0'], ['--runs', 'x'], ['--horizon', '10'], ['--seed', '-3'], ['--horizon', '1h', '--warmup', '2h'], ['--bogus']]) {
      const r = cli(['run', file, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('good input', () => {
  it('validate says what it found', () => {
    const r = cli(['validate', write('good.yaml', BASE)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid: 2 hosts, 4 components, 1 VNF\/VIM service, 1 service/);
  });

  it('run prints availability with a confidence interval, downtime and outages per year', () => {
    const r = cli(['run', write('good.yaml', BASE)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/availability\s+[\d.]+ %\s+95% CI [\d.]+ \.\. [\d.]+ %/);
    expect(r.stdout).toMatch(/downtime per year/);
    expect(r.stdout).toMatch(/outages per year/);
    expect(r.stdout).toMatch(/10 runs x 2 y horizon \(set in the topology file\)/);
  });

  it('run --json prints exactly one JSON document with version, input hash and seed', () => {
    const r = cli(['run', write('good.yaml', BASE), '--json', '--seed', '9']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.nfvsim).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.settings.seed).toBe(9);
    expect(doc.results.services[0].availability.mean).toBeGreaterThan(0.9);
  });

  it('says so, with bounds, when no outage is seen', () => {
    const text = BASE.replace('mean: 1000h', 'mean: 100y');
    const r = cli(['run', write('rare.yaml', text)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no outage observed in 20 simulated years/);
    expect(r.stdout).toMatch(/outages per year\s+< 0.15/);
    expect(r.stdout).toMatch(/unavailability\s+< /);
    expect(r.stdout).not.toMatch(/100(\.0+)? %/);
  });

  it('schema prints the JSON Schema', () => {
    const r = cli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toContain('json-schema.org');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['components', 'hosts', 'vnfs', 'services']));
  });

  it('--help states the defaults', () => {
    const r = cli(['run', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/default: the file's simulation.runs, else 100\)/);
    expect(help).toMatch(/seed .*\(default: the file's, else 1\)/);
    expect(help).toMatch(/10 x the largest MTTF, at least 10y/);
  });

  it("analyze --help states the solver's state limit, which the CLI writes down to load the solver only when analyze runs", async () => {
    const { DEFAULT_MAX_STATES } = await import('../src/analysis/markov.js');
    const { CLI_DEFAULT_MAX_STATES } = await import('../src/cli/analyze.js');
    expect(CLI_DEFAULT_MAX_STATES).toBe(DEFAULT_MAX_STATES);
    expect(cli(['analyze', '--help']).stdout.replace(/\s+/g, ' ')).toMatch(new RegExp(`default: ${DEFAULT_MAX_STATES}\\)`));
  });
});

describe('metrics outputs', () => {
  const slow = BASE.replace('chain: [f] }', 'chain: [f], sal: 1 }').replace('k: 1,', 'k: 2,');
  const fast = BASE.replace('chain: [f] }', 'chain: [f], sal: 3 }').replace('mean: 10h', 'mean: 2s');

  it('--fail-on-sal exits 3 when the target SAL is not met, 0 when it is, 2 without a target', () => {
    const bad = cli(['run', write('slow.yaml', slow), '--fail-on-sal']);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr).toMatch(/s: target SAL 1 not met \(FAIL\)/);
    expect(bad.stdout).toMatch(/target SAL 1: FAIL/);
    const good = cli(['run', write('fast.yaml', fast), '--fail-on-sal']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/target SAL 3: PASS/);
    const none = cli(['run', write('none.yaml', BASE), '--fail-on-sal']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no service .* has a target SAL/);
  });

  it('--fail-on-sal with nothing observed (an empty window) is INCONCLUSIVE: exit 3', () => {
    const r = cli(['run', write('slow.yaml', slow), '--max-events', '1', '--warmup', '1y', '--fail-on-sal']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/INCONCLUSIVE/);
  });

  it('a fractional warm-up runs (period edges after it do not hang the recorder)', () => {
    const r = cli(['run', write('good.yaml', BASE), '--warmup', '8.3y', '--horizon', '30y', '--runs', '20']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('--csv writes one row per outage; --events writes one replication as JSON lines', () => {
    const csv = join(dir, 'o.csv');
    const ev = join(dir, 'ev.jsonl');
    const r = cli(['run', write('good.yaml', BASE), '--json', '--csv', csv, '--events', ev, '--events-run', '3']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^replication,service,start_s,end_s,duration_s,detection_s/);
    expect(rows.length - 1).toBe(doc.results.services[0].outagesObserved);
    const cells = rows[1].split(',');
    expect(Number(cells[4])).toBeCloseTo(Number(cells[3]) - Number(cells[2]), 6);
    const events = readFileSync(ev, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e, i) => i === 0 || e.t >= events[i - 1].t)).toBe(true);
    expect(events.some((e) => e.kind === 'component' && e.event === 'fail')).toBe(true);
    // The log replays the same history: the CSV's outages of replication 3 appear in it.
    const rep3 = rows.slice(1).filter((l) => l.startsWith('3,')).length;
    expect(events.filter((e) => e.kind === 'service' && e.event === 'down').length).toBe(rep3);
  });

  it('--json carries the ETSI metrics', () => {
    const r = cli(['run', write('good.yaml', BASE), '--json']);
    const s = JSON.parse(r.stdout).results.services[0];
    for (const key of ['recoveryTime', 'detectionTime', 'impactFraction', 'failureFrequency', 'sla', 'sal', 'tl9000PerYear', 'downtimeMinutesPerYearByType', 'downtimeMinutesPerYearByMode', 'availabilityAtLeast', 'outagesCensored']) {
      expect(s, key).toHaveProperty(key);
    }
    expect(s.sal.map((x: { sal: number }) => x.sal)).toEqual([1, 2, 3]);
  });
});

describe('progress', () => {
  it('--progress plain writes plain lines (no carriage returns) counted per replication from the workers, with a last line', () => {
    // The default topology over 10 years: long enough for the 100 ms counter reads to
    // see replications between shard ends (shards are 50 replications).
    const r = cli(['run', '--runs', '100', '--horizon', '10y', '--jobs', '2', '--progress', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\r');
    const lines = r.stderr.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^simulating: [\d,]+\/100 /);
    expect(lines[lines.length - 1]).toMatch(/^simulating: 100\/100 done in [\d.]+ m?s, [\d.]+\/s, start-up [\d.]+ m?s$/);
    // The first line comes before any replication is done; then the one that ends start-up.
    expect(lines[0]).toMatch(/^simulating: 0\/100 \(0%\)/);
    expect(lines[1]).toMatch(/start-up/);
    const counts = lines.map((l) => Number(/: (\d+)\//.exec(l)![1]));
    expect(counts.some((c) => c % 50 !== 0), counts.join(' ')).toBe(true);
    // The report itself is unchanged on stdout.
    expect(r.stdout).toContain('mobile-data');
  });

  it('nothing on stderr when it is not a terminal, unless asked; --no-progress and --progress none say nothing', () => {
    for (const extra of [[], ['--no-progress'], ['--progress', 'none']]) {
      const r = cli(['run', write('quiet.yaml', BASE), '--jobs', '1', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    const bad = cli(['run', write('quiet.yaml', BASE), '--progress', 'fancy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected one of auto, bar, plain, none');
  });
});
