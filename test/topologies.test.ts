/** Every file in topologies/ validates and runs; every script in experiments/ runs (small sizes). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTopologyFile, simulate } from '../src/index.js';
import { cli, ROOT } from './helpers.js';

const topologies = readdirSync(join(ROOT, 'topologies')).filter((f) => /\.(ya?ml|json)$/.test(f));
const experiments = readdirSync(join(ROOT, 'experiments')).filter((f) => /\.(ts|ya?ml)$/.test(f));

describe('topologies/', () => {
  it('has the built-in default and others', () => {
    expect(topologies).toContain('default.yaml');
    expect(topologies.length).toBeGreaterThanOrEqual(4);
  });

  it.each(topologies)('%s validates (CLI) and runs', (f) => {
    const path = join(ROOT, 'topologies', f);
    expect(cli(['validate', path]).code).toBe(0);
    const t = loadTopologyFile(path);
    const r = simulate(t, { runs: 4, horizon: 5 * 365 * 86400 });
    expect(r.results.services.length).toBeGreaterThan(0);
    for (const s of r.results.services) {
      expect(s.availability.mean).toBeGreaterThan(0.9);
      expect(s.availability.mean).toBeLessThanOrEqual(1);
    }
    expect(r.results.events).toBeGreaterThan(0);
  });
});

describe('experiments/', () => {
  it.each(experiments)('%s runs', async (f) => {
    const mod = await import(pathToFileURL(join(ROOT, 'experiments', f)).href);
    expect(typeof mod.main).toBe('function');
    const out: string = await mod.main({ runs: 4, horizonYears: 5 });
    expect(out.length).toBeGreaterThan(0);
  });
});

describe('README', () => {
  it('holds the topology reference generated from the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { topologyReferenceMarkdown } = await import('../src/model/docs.js');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- reference:start -->\n([\s\S]*)<!-- reference:end -->/.exec(readme);
    expect(m, 'reference markers').not.toBeNull();
    expect(m![1]).toBe(topologyReferenceMarkdown());
  });
});
