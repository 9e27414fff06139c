/** Every file in topologies/ validates and runs; every experiment file and script in experiments/ runs (small sizes). */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile, loadTopologyFile, runSweep, simulate, writeReport } from '../src/index.js';
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
  const scripts = experiments.filter((f) => f.endsWith('.ts'));
  const files = experiments.filter((f) => /\.ya?ml$/.test(f));

  it('ships the experiments the issue asks for', () => {
    expect(files).toEqual(expect.arrayContaining(['heartbeat-sal1.yaml', 'replicas-mttf.yaml', 'fencing.yaml', 'controllers.yaml', 'rack-anti-affinity.yaml', 'beta-factor.yaml']));
  });

  it.each(scripts)('%s runs', async (f) => {
    const mod = await import(pathToFileURL(join(ROOT, 'experiments', f)).href);
    expect(typeof mod.main).toBe('function');
    const out: string = await mod.main({ runs: 4, horizonYears: 5, points: 3, out: mkdtempSync(join(tmpdir(), 'nfvsim-exp-')) });
    expect(out.length).toBeGreaterThan(0);
  });

  it.each(files)('%s validates and sweeps (small), with charts', async (f) => {
    const exp = loadExperimentFile(join(ROOT, 'experiments', f));
    expect(exp.points.length).toBeGreaterThanOrEqual(3);
    // Small: 6 replications of 2 years per point.
    const small = { ...exp, runs: 6, horizon: 2 * 365 * 86400, warmup: 0 };
    const out = mkdtempSync(join(tmpdir(), 'nfvsim-exp-'));
    const r = await runSweep(small, { out, jobs: 1 });
    expect(r.points.map((p) => p.name)).toEqual(exp.points.map((p) => p.name));
    for (const p of r.points) {
      expect(p.summary.replications).toBe(6);
      expect(p.summary.services.find((s) => s.name === exp.service.name)).toBeDefined();
    }
    const written = await writeReport(out, r);
    expect(written.files).toContain('charts/downtime.svg');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
  });
});

describe('README', () => {
  it('holds the topology reference generated from the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { topologyReferenceMarkdown } = await import('../src/report/reference.js');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- reference:start -->\n([\s\S]*)<!-- reference:end -->/.exec(readme);
    expect(m, 'reference markers').not.toBeNull();
    expect(m![1]).toBe(topologyReferenceMarkdown());
  });

  it('holds the experiment reference generated from the schema', async () => {
    const { readFileSync } = await import('node:fs');
    const { experimentReferenceMarkdown } = await import('../src/report/reference.js');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- experiment-reference:start -->\n([\s\S]*)<!-- experiment-reference:end -->/.exec(readme);
    expect(m, 'experiment reference markers').not.toBeNull();
    expect(m![1]).toBe(experimentReferenceMarkdown());
  });
});
