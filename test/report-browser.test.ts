/**
 * The HTML reports in a real browser: headless Chromium (Debian's package; .ci/run
 * installs it) loads report.html from disk (a sweep's, a run's and a sensitivity study's), logs no console
 * message (the page's policy forbids any network access, so a fetch would log one), its
 * DOM holds every chart and the topology diagram as SVG with text, and every section a
 * planner reads; a screenshot is taken. Skipped, and said so, only where no Chromium is
 * installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadExperimentFile, loadExperimentText, loadTopology, runSweep, simulate, writeReport } from '../src/index.js';
import { ROOT } from './helpers.js';
import { sensitivityResults, sensitivityStudy } from '../src/sensitivity/run.js';
import { readJournals } from '../src/sweep/sweep.js';
import { writeSensitivityReport } from '../src/report/sensitivity.js';
// @ts-expect-error: a plain .mjs script without types
import { chromium, screenshot } from '../scripts/screenshot.mjs';

const bin: string | undefined = chromium();
if (!bin) console.warn('report-browser.test.ts: no chromium installed (apt-get install -y chromium): the browser test is skipped');

/** Loads `html` in headless Chromium: the DOM it built and the console messages it logged. */
function open(html: string): { dom: string; console: string[] } {
  const profile = mkdtempSync(join(tmpdir(), 'nfvsim-chromium-'));
  const r = spawnSync(
    bin!,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--enable-logging=stderr', '--v=0', `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(html).href],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.status).toBe(0);
  return { dom: r.stdout, console: r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)) };
}

/** The inline SVGs of a DOM, each as text. */
function svgs(dom: string): string[] {
  return dom.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

/** Opens `html` in Chromium, checks that it logged nothing and holds `charts` inline SVGs, each with text; returns its DOM and SVGs. */
function openChecked(html: string, charts: number): { dom: string; all: string[] } {
  const { dom, console } = open(html);
  expect(console).toEqual([]);
  const all = svgs(dom);
  expect(all.length).toBe(charts);
  for (const s of all) expect(s).toMatch(/<text[^>]*>[^<]+<\/text>/);
  return { dom, all };
}

/** Screenshots `html` and checks the PNG's size, and that it is not blank. */
function shoot(html: string, dir: string): void {
  const png = join(dir, 'shot.png');
  expect(screenshot(html, png, 1200, 2400)).toBe(0);
  const bytes = readFileSync(png);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  // Width and height from the IHDR chunk.
  expect(bytes.readUInt32BE(16)).toBe(1200);
  expect(bytes.readUInt32BE(20)).toBe(2400);
  // A page of charts compresses far worse than a blank one (a blank 1200x2400 PNG is a few KB).
  expect(bytes.length).toBeGreaterThan(100_000);
}

describe.skipIf(!bin)('the HTML reports in headless Chromium', () => {
  it("a sweep's report: the answer first, every chart and the deployment as SVG, no console message", async () => {
    const exp = loadExperimentText(
      stringify({
        base: 'topologies/sal1-pair.yaml',
        runs: 20,
        horizon: '2y',
        grid: { 'vnfs.vCSCF.ha.detector.interval': { label: 'heartbeat interval', values: ['100ms', '1s'] }, 'vnfs.vCSCF.ha.detector.misses': [2, 3] },
      }),
      'browser.yaml',
      ROOT,
    );
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-browser-'));
    await writeReport(dir, await runSweep(exp, { out: dir, jobs: 1 }), { model: exp.base.topology.model });
    const html = join(dir, 'report.html');
    // Six charts and the topology, each with text.
    const { dom, all } = openChecked(html, 7);
    expect(dom).toContain('SAL 1 compliance');
    // The answer leads: its words, then the paired difference (small multiples), before the table.
    const order = ['id="answer"', 'figure id="difference"', 'id="results"', 'id="topology"', 'figure id="downtime"'].map((k) => dom.indexOf(k));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(dom).toMatch(/Paired with it, .* points? (cost|costs) clearly more downtime|no point costs clearly more downtime/);
    expect(dom).toContain('heartbeat interval');
    // The deployment: both hosts and instances of the pair.
    const topo = all.find((s) => s.includes('class="topology"'))!;
    for (const t of ['compute-1', 'compute-2', 'vCSCF/1', 'vCSCF/2', 'volte-call-control']) expect(topo).toContain(t);
    shoot(html, dir);
  });

  it("a partitions sweep's report: the trade-off chart of downtime against actions on live nodes, as SVG with its labels", async () => {
    const exp = loadExperimentFile(join(ROOT, 'experiments', 'partitions-fencing.yaml'));
    const small = { ...exp, runs: 6, horizon: 5 * 365 * 86400, warmup: 0 };
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-browser-'));
    await writeReport(dir, await runSweep(small, { out: dir, jobs: 1 }), { model: exp.base.topology.model });
    const html = join(dir, 'report.html');
    // Six charts (no heatmap: three parameters) and the topology.
    const { dom, all } = openChecked(html, 7);
    expect(dom).toContain('figure id="tradeoff"');
    const chart = all.find((s) => s.includes('downtime against actions on live nodes'))!;
    expect(chart).toBeDefined();
    for (const t of ['false evacuations + partition takeovers', 'split brains per year', 'management switch MTTF / fencing success / VIM grace period', '150000h / 0.98 / 60s']) expect(chart).toContain(t);
  });

  it("a run's report: the summary, the deployment, every section of the text report, no console message", async () => {
    const topo = loadTopology(join(ROOT, 'topologies/default.yaml'));
    const report = simulate(topo, { runs: 4, horizon: 2 * 365 * 86400 });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-browser-run-'));
    await writeReport(dir, report, { model: topo.model });
    const html = join(dir, 'report.html');
    const { dom, console } = open(html);
    expect(console).toEqual([]);
    for (const id of ['summary', 'topology', 'service-1', 'service-2', 'groups', 'charts']) expect(dom).toContain(`id="${id}"`);
    // The executive summary comes first: availability in %, nines, downtime, verdicts.
    expect(dom.indexOf('id="summary"')).toBeLessThan(dom.indexOf('id="topology"'));
    expect(dom).toMatch(/<div class="big">99\.\d+ %/);
    expect(dom).toContain('nines');
    expect(dom).toContain('No target SAL in the topology');
    for (const section of [
      'Where the downtime comes from',
      'recovery phase',
      'cause (type/mode)',
      'cause layer',
      'SLA: downtime per simulated year and month',
      'Recovery and detection times against the SAL bounds',
      'detection time',
      'HA events per year',
      'HA events by group',
    ]) {
      expect(dom).toContain(section);
    }
    // Every figure the run has, by service.
    for (const s of report.results.services) expect(dom).toContain(`${s.name} in detail`);
    const all = svgs(dom);
    expect(all.length).toBe(5);
    for (const s of all) expect(s).toMatch(/<text[^>]*>[^<]+<\/text>/);
    const diagram = all.find((s) => s.includes('class="topology"'))!;
    for (const h of topo.model.hosts) expect(diagram).toContain(`>${h.name}</text>`);
    shoot(html, dir);
  });

  it("a sensitivity study's report: the answer, the tornado and importance charts and the deployment as SVG, the tables, no console message", async () => {
    const study = sensitivityStudy(join(ROOT, 'topologies/sal1-pair.yaml'), { factor: 2, runs: 20, horizon: 5 * 365 * 86400, only: ['components.server', 'components.cscf', 'vnfs.vCSCF.ha'] });
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-browser-sens-'));
    await runSweep(study.experiment, { out: dir, jobs: 1 });
    const results = sensitivityResults(study, readJournals([dir]));
    await writeSensitivityReport(dir, results, { model: study.experiment.base.topology.model });
    const html = join(dir, 'report.html');
    // The tornado chart, the importance chart and the topology, each with text.
    const { dom, all } = openChecked(html, 3);
    const tornado = all.find((s) => s.includes('each parameter improved'))!;
    expect(all.some((s) => s.includes('criticality of each component type'))).toBe(true);
    for (const t of ['server/crash MTTF x2', 'server repair /2', 'vCSCF ha.detector.interval /2', 'change in downtime']) expect(tornado).toContain(t);
    const order = ['id="answer"', 'figure id="tornado"', 'id="parameters"', 'id="types"', 'figure id="importance"', 'id="topology"'].map((k) => dom.indexOf(k));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const t of ['Birnbaum', 'criticality', 'RAW', 'SE paired (unpaired)']) expect(dom).toContain(t);
    shoot(html, dir);
  });
});
