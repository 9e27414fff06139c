#!/usr/bin/env node
/**
 * Opens an HTML report in headless Chromium and saves a full-page screenshot (PNG), to
 * look at the report as a reader will.
 *
 *   node scripts/screenshot.mjs results/heartbeat-sal1/report.html shot.png [width] [height]
 *
 * Needs Debian's chromium (apt-get install -y chromium). Exits 2 when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium binary, or undefined. */
export function chromium() {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
}

/** Screenshots `html` into `png` at `width` x `height` CSS pixels; returns Chromium's exit status. */
export function screenshot(html, png, width = 1200, height = 4000) {
  const bin = chromium();
  if (!bin) throw new Error('no chromium found (apt-get install -y chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'nfvsim-chromium-'));
  try {
    const r = spawnSync(
      bin,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        `--screenshot=${resolve(png)}`,
        pathToFileURL(resolve(html)).href,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.status !== 0) process.stderr.write(r.stderr);
    return r.status ?? 1;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [html, png, w, h] = process.argv.slice(2);
  if (!html || !png) {
    process.stderr.write('usage: node scripts/screenshot.mjs report.html shot.png [width] [height]\n');
    process.exit(2);
  }
  if (!chromium()) {
    process.stderr.write('screenshot: no chromium found (apt-get install -y chromium)\n');
    process.exit(2);
  }
  process.exit(screenshot(html, png, Number(w ?? 1200), Number(h ?? 4000)));
}
