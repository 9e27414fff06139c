/**
 * The published JSON Schemas (`nfvsim schema`, `nfvsim schema --experiment`) agree with
 * the loader: every shipped topology and experiment is valid under them (checked by a
 * real JSON Schema validator, Ajv, draft 2020-12), the inputs the loader refuses for
 * their shape (an exponential without a mean or rate, or with both; a zero mean or
 * rate) are refused by the schema too, a JSON file may name its schema in `$schema`,
 * and shared definitions are referenced rather than repeated.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { topologyJsonSchema } from '../src/model/schema.js';
import { experimentJsonSchema } from '../src/experiment/schema.js';
import { cli, exp, ROOT } from './helpers.js';

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validTopology = ajv.compile(topologyJsonSchema());
const validExperiment = ajv.compile(experimentJsonSchema());

const yamlFiles = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => /\.ya?ml$/.test(f));
const read = (dir: string, f: string) => parse(readFileSync(join(ROOT, dir, f), 'utf8'), { merge: true }) as Record<string, unknown>;

/** A small valid topology whose one failure mode has the time to failure `ttf`. */
function withTtf(ttf: object) {
  return {
    components: { hw: { layer: 'hardware', failures: { crash: { ttf } }, repair: exp('1h') }, app: { layer: 'vnf' } },
    hosts: { h: { count: 1, stack: ['hw'] } },
    vnfs: { f: { instances: 1, app: 'app', placement: { group: 'h' } } },
    services: { s: { chain: ['f'] } },
  };
}

describe('JSON Schema of topologies', () => {
  it.each(yamlFiles('topologies'))('accepts topologies/%s', (f) => {
    expect(validTopology(read('topologies', f)), JSON.stringify(validTopology.errors?.slice(0, 3))).toBe(true);
  });

  it.each([
    ['a mean', exp('10h')],
    ['a rate', { dist: 'exponential', rate: '2/y' }],
    ['a fractional mean', exp('0.5h')],
  ])('accepts an exponential with %s', (_what, ttf) => {
    expect(validTopology(withTtf(ttf))).toBe(true);
  });

  it.each([
    ['neither mean nor rate', { dist: 'exponential' }],
    ['both mean and rate', { dist: 'exponential', mean: '1h', rate: '1/h' }],
    ['a zero mean', exp('0s')],
    ['a zero mean written 0.0h', exp('0.0h')],
    ['a zero rate', { dist: 'exponential', rate: '0/y' }],
  ])('refuses an exponential with %s, as the loader does', (_what, ttf) => {
    expect(validTopology(withTtf(ttf))).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-schema-'));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify(withTtf(ttf)));
    expect(cli(['validate', file]).code).toBe(2);
  });

  it('lets a JSON topology name its schema', () => {
    const doc = { $schema: './nfvsim.schema.json', ...withTtf(exp('10h')) };
    expect(validTopology(doc)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-schema-'));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = cli(['validate', file]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('references shared definitions instead of repeating them', () => {
    const r = cli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(Object.keys(schema.$defs ?? {}).length).toBeGreaterThan(10);
    // The inlined form repeats every distribution at each use: over 600 KB printed.
    expect(r.stdout.length).toBeLessThan(120_000);
    expect(JSON.stringify(topologyJsonSchema({ inline: true })).length).toBeGreaterThan(3 * JSON.stringify(schema).length);
  });
});

describe('JSON Schema of experiments', () => {
  it.each(yamlFiles('experiments'))('accepts experiments/%s', (f) => {
    expect(validExperiment(read('experiments', f)), JSON.stringify(validExperiment.errors?.slice(0, 3))).toBe(true);
  });

  it('lets an experiment name its schema', () => {
    const doc = { $schema: 'x.json', ...read('experiments', 'fencing.yaml') };
    expect(validExperiment(doc)).toBe(true);
  });
});
