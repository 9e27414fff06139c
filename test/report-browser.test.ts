/**
 * The HTML report in a real browser: headless Chromium (Debian's package; .ci/run
 * installs it) loads report.html from disk, its DOM holds every chart as SVG, and a
 * screenshot is taken. Skipped, and said so, only where no Chromium is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadExperimentText, runSweep, writeReport } from '../src/index.js';
import { ROOT } from './helpers.js';
// @ts-expect-error: a plain .mjs script without types
import { chromium, screenshot } from '../scripts/screenshot.mjs';

const bin: string | undefined = chromium();
if (!bin) console.warn('report-browser.test.ts: no chromium installed (apt-get install -y chromium): the browser test is skipped');

describe.skipIf(!bin)('the HTML report in headless Chromium', () => {
  it('loads from disk with every chart as SVG, and screenshots', async () => {
    const exp = loadExperimentText(
      stringify({ base: 'topologies/sal1-pair.yaml', runs: 20, horizon: '2y', grid: { 'vnfs.vCSCF.ha.detector.interval': ['100ms', '1s'], 'vnfs.vCSCF.ha.detector.misses': [2, 3] } }),
      'browser.yaml',
      ROOT,
    );
    const dir = mkdtempSync(join(tmpdir(), 'nfvsim-browser-'));
    await writeReport(dir, await runSweep(exp, { out: dir, jobs: 1 }));
    const html = join(dir, 'report.html');
    const profile = mkdtempSync(join(tmpdir(), 'nfvsim-chromium-'));
    const dom = spawnSync(bin!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(html).href], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(dom.status).toBe(0);
    // The browser parsed the page: six inline charts, each with its text.
    expect((dom.stdout.match(/<svg/g) ?? []).length).toBe(6);
    expect(dom.stdout).toContain('SAL 1 compliance');
    const png = join(dir, 'shot.png');
    expect(screenshot(html, png, 1200, 2400)).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // Width and height from the IHDR chunk.
    expect(bytes.readUInt32BE(16)).toBe(1200);
    expect(bytes.readUInt32BE(20)).toBe(2400);
    // A page of charts compresses far worse than a blank one (a blank 1200x2400 PNG is a few KB).
    expect(bytes.length).toBeGreaterThan(100_000);
  });
});
