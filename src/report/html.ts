/**
 * The chart report: every chart as a Vega-Lite spec (`charts/<kind>.vl.json`), SVG and
 * PNG, and one self-contained HTML page (`report.html`: tables and inline SVG, no
 * scripts, no network) that opens in any browser. Built from results alone, so
 * `nfvsim chart <folder>` redraws it from saved results.
 */
import { mkdirSync } from 'node:fs';
import { outputStep, writeFileAtomic } from './output.js';
import { join } from 'node:path';
import type { RunReport } from './json.js';
import type { ServiceSummary } from '../metrics/summary.js';
import type { Estimate } from '../metrics/stats.js';
import { focusServiceIndex, type SweepResults } from '../sweep/sweep.js';
import { formatDuration } from '../engine/units.js';
import { estimateParts, num, sig } from './format.js';
import { isSweepResults, runCharts, sweepCharts, type Chart } from './charts.js';
import { renderPng, renderSvg } from './render.js';
import { haEvents } from './sweep-text.js';
import { formatValue, pathLabels } from '../experiment/design.js';

/** A chart with its renderings. */
export interface RenderedChart extends Chart {
  svg: string;
}

/** What `writeReport` wrote (paths relative to the folder). */
export interface WrittenReport {
  html: string;
  files: string[];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function est(e: Estimate, factor = 1): string {
  if (!Number.isFinite(e.mean)) return 'n/a';
  const p = estimateParts(e, factor);
  return `${p.mean} <span class="ci">[${p.ci}]</span>`;
}

function availability(s: Omit<ServiceSummary, 'unplanned'>): string {
  const a = s.availability;
  if (!Number.isFinite(a.mean)) return 'n/a';
  // Enough decimals to show the interval: availability is close to 1.
  const half = (a.hi - a.lo) / 2;
  const d = Math.max(4, Math.min(10, Number.isFinite(half) && half > 0 ? 1 - Math.floor(Math.log10(half)) : 6));
  return `${a.mean.toFixed(d)} <span class="ci">[${Number.isFinite(a.lo) ? `${a.lo.toFixed(d)} .. ${Math.min(1, a.hi).toFixed(d)}` : 'n/a'}]</span>`;
}

function verdicts(s: Omit<ServiceSummary, 'unplanned'>): string {
  return s.sal.map((c) => `<span class="v ${c.verdict}">${c.verdict === 'INCONCLUSIVE' ? '?' : c.verdict}</span>`).join(' ');
}

const STYLE = `
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; margin: 24px auto; max-width: 1280px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.meta { color: #555; font-size: 13px; margin-top: 2px; line-height: 1.5; }
div.table { overflow-x: auto; } table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 10px; text-align: right; white-space: nowrap; }
th { background: #f4f6f8; } td.l, th.l { text-align: left; } td.ev { white-space: normal; min-width: 240px; color: #444; }
tr.baseline td { background: #f3f8fd; font-weight: 600; }
.ci { color: #777; font-size: 12px; }
.v { display: inline-block; min-width: 14px; padding: 0 4px; border-radius: 3px; color: white; font-size: 11px; text-align: center; }
.v.PASS { background: #2e7d32; } .v.FAIL { background: #c62828; } .v.INCONCLUSIVE { background: #f9a825; }
figure { margin: 24px 0; } figcaption { font-size: 13px; color: #444; max-width: 800px; margin-top: 6px; line-height: 1.4; }
figure svg { max-width: 100%; height: auto; }
footer { margin-top: 40px; font-size: 12px; color: #777; }
`;

function figures(charts: RenderedChart[]): string {
  return charts
    .map(
      (c) =>
        `<figure id="${c.kind}">\n${c.svg.replace(/^<\?xml[^>]*>\s*/, '')}\n<figcaption><b>${esc(c.title)}.</b> ${esc(c.caption)} ` +
        `Files: <code>charts/${c.kind}.svg</code>, <code>.png</code>, <code>.vl.json</code> (the Vega-Lite spec).</figcaption>\n</figure>`,
    )
    .join('\n');
}

function page(title: string, meta: string, body: string, charts: RenderedChart[], version: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${meta}</p>
${body}
<h2>Charts</h2>
${figures(charts)}
<footer>Made by nfvsim ${esc(version)}. SAL verdicts: PASS, FAIL, ? (inconclusive) for SAL 1, 2, 3. Intervals are 95% confidence intervals over replications.</footer>
</body>
</html>
`;
}

/** The HTML page of a sweep. */
export function sweepHtml(r: SweepResults, charts: RenderedChart[]): string {
  const params = r.experiment.parameters;
  const labels = pathLabels(params);
  const si = focusServiceIndex(r);
  const set = r.settings;
  const meta = [
    r.experiment.description ? esc(r.experiment.description) + '<br>' : '',
    `Experiment <code>${esc(r.experiment.file)}</code> (${esc(r.experiment.design)}, ${r.points.length} points) on <code>${esc(r.base.file)}</code>. `,
    `${num(set.runs)} replications per point of ${esc(formatDuration(set.horizonSeconds))}${set.warmupSeconds > 0 ? ` after a ${esc(formatDuration(set.warmupSeconds))} warm-up` : ''}, seed ${set.seed} (common random numbers: every point replays the same failure histories where the topologies allow). `,
    `Focus: service <b>${esc(r.focus.service)}</b>; baseline <b>${esc(r.baseline)}</b>.`,
  ].join('');
  // Grid and sampled points are named by their values: show the values in columns. Scenarios by their names.
  const byName = r.experiment.design === 'scenarios';
  const head =
    `<tr>${byName ? '<th class="l">scenario</th>' : params.map((p) => `<th title="${esc(p)}">${esc(labels[p])}</th>`).join('')}` +
    `<th>availability</th><th>downtime (min/y)</th><th>vs baseline (min/y)</th><th>outages/y</th><th>recovery p95</th><th>SAL 1 2 3</th><th class="l">HA events per year</th></tr>`;
  const rows = r.points.map((p) => {
    const s = p.summary.services[si];
    const d = p.difference?.[si]?.downtimeMinutesPerYear;
    return (
      `<tr${p.difference === null ? ' class="baseline"' : ''}>` +
      (byName ? `<td class="l">${esc(p.name)}</td>` : params.map((k) => `<td>${esc(formatValue(p.params[k]))}</td>`).join('')) +
      `<td>${availability(s)}</td><td>${est(s.downtimeMinutesPerYear)}</td><td>${d ? est(d) : 'baseline'}</td>` +
      `<td>${est(s.outagesPerYear)}</td><td>${s.recoveryTime.count ? esc(formatDuration(s.recoveryTime.p95)) : 'n/a'}</td><td>${verdicts(s)}</td><td class="l ev">${esc(haEvents(s.events))}</td></tr>`
    );
  });
  const body = `<h2>Results for ${esc(r.focus.service)}</h2>\n<div class="table"><table>\n${head}\n${rows.join('\n')}\n</table></div>`;
  return page(`${r.experiment.name}: ${r.focus.service}`, meta, body, charts, r.nfvsim);
}

/** The HTML page of a single run. */
export function runHtml(r: RunReport, charts: RenderedChart[]): string {
  const set = r.settings;
  const meta =
    `Topology <code>${esc(r.input.file)}</code>. ${num(set.runs)} replications of ${esc(formatDuration(set.horizonSeconds))} ` +
    `(${esc(set.horizonReason)}), seed ${set.seed}; ${num(r.results.observedYears)} simulated years.`;
  const head = `<tr><th class="l">service</th><th>availability</th><th>downtime (min/y)</th><th>outages/y</th><th>recovery p50</th><th>recovery p95</th><th>SAL 1 2 3</th></tr>`;
  const row = (name: string, s: Omit<ServiceSummary, 'unplanned'>) =>
    `<tr><td class="l">${esc(name)}</td><td>${availability(s)}</td><td>${est(s.downtimeMinutesPerYear)}</td><td>${est(s.outagesPerYear)}</td>` +
    `<td>${s.recoveryTime.count ? esc(formatDuration(s.recoveryTime.p50)) : 'n/a'}</td><td>${s.recoveryTime.count ? esc(formatDuration(s.recoveryTime.p95)) : 'n/a'}</td><td>${verdicts(s)}</td></tr>`;
  // With planned work, a second row per service: the unplanned view (planned outages left out).
  const rows = r.results.services.flatMap((s) => (s.unplanned ? [row(s.name, s), row(`${s.name} (unplanned only)`, s.unplanned)] : [row(s.name, s)]));
  const body = `<h2>Services</h2>\n<div class="table"><table>\n${head}\n${rows.join('\n')}\n</table></div>\n<p class="meta">Failures per year by layer: ${
    Object.entries(r.results.failuresPerYear)
      .map(([l, e]) => `${esc(l)} ${sig(e.mean)}`)
      .join(', ') || 'none'
  }.</p>`;
  return page(`${r.input.name}: availability report`, meta, body, charts, r.nfvsim);
}

/**
 * Writes the charts (`charts/<kind>.vl.json`, `.svg`, `.png`) and `report.html` of a
 * sweep's results or a run's report into `dir` (created if needed). The same results
 * give the same bytes.
 */
export async function writeReport(dir: string, results: SweepResults | RunReport): Promise<WrittenReport> {
  const charts = isSweepResults(results) ? sweepCharts(results) : runCharts(results);
  outputStep(join(dir, 'charts'), () => mkdirSync(join(dir, 'charts'), { recursive: true }));
  const files: string[] = [];
  const rendered: RenderedChart[] = [];
  for (const c of charts) {
    const svg = await renderSvg(c.spec);
    rendered.push({ ...c, svg });
    writeFileAtomic(join(dir, 'charts', `${c.kind}.vl.json`), JSON.stringify(c.spec, null, 2) + '\n');
    writeFileAtomic(join(dir, 'charts', `${c.kind}.svg`), svg);
    writeFileAtomic(join(dir, 'charts', `${c.kind}.png`), renderPng(svg));
    files.push(`charts/${c.kind}.vl.json`, `charts/${c.kind}.svg`, `charts/${c.kind}.png`);
  }
  const html = isSweepResults(results) ? sweepHtml(results, rendered) : runHtml(results, rendered);
  // Last: a report.html on disk means every chart it shows was written.
  writeFileAtomic(join(dir, 'report.html'), html);
  files.push('report.html');
  return { html: 'report.html', files };
}
