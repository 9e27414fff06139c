/**
 * The chart report: every chart as a Vega-Lite spec (`charts/<kind>.vl.json`), SVG and
 * PNG, the topology diagram (`topology.svg`), and one self-contained HTML page
 * (`report.html`: tables and inline SVG with hover titles, no scripts, no network, no
 * web fonts) that opens in any browser. A run's page has what the text report says,
 * for a planner: the executive summary first (availability, nines, downtime, SAL
 * verdicts and the target), the deployment, then per service where the downtime comes
 * from, the SLA view, recovery against the SAL bounds, HA events and capacity. A
 * sweep's page leads with the answer (the paired differences). Built from results (and
 * the drawing already in the folder), so `nfvsim chart <folder>` redraws it byte for byte.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { outputStep, writeFileAtomic } from '../output.js';
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
import { formatValue, parameterLabels } from '../experiment/design.js';
import type { SystemModel } from '../model/build.js';
import { renderDiagram } from './diagram.js';

/** A chart with its renderings. */
export interface RenderedChart extends Chart {
  svg: string;
}

/** What `writeReport` wrote (paths relative to the folder). */
export interface WrittenReport {
  html: string;
  files: string[];
}

/** Escapes text for HTML (element content and attribute values). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A service's figures, with or without its unplanned view. */
type Figures = Omit<ServiceSummary, 'unplanned'>;

/** An estimate as `mean` and its interval beneath (scaled by `factor`, with `unit`). */
/** An estimate as HTML: the mean, then its 95% interval in a smaller line. */
export function est(e: Estimate, factor = 1, unit = '', minDecimals = 0): string {
  if (!Number.isFinite(e.mean)) return 'n/a';
  const p = estimateParts(e, factor, minDecimals);
  return `${p.mean}${unit} <span class="ci">[${p.ci}${p.ci === 'n/a' ? '' : unit}]</span>`;
}

/** Availability in %, with as many decimals as its interval needs (at least 3), and its interval. */
function availability(s: Figures): string {
  return est(s.availability, 100, ' %', 3);
}

/** The nines of an unavailability (e.g. 4.3), or '' when it cannot be said. */
function nines(s: Figures): string {
  const n = -Math.log10(s.unavailability.mean);
  return Number.isFinite(n) ? n.toFixed(1) : '';
}

/** A verdict badge (PASS, FAIL, ? for inconclusive). */
function badge(v: string, text = v === 'INCONCLUSIVE' ? '?' : v): string {
  return `<span class="v ${esc(v)}" title="${esc(v)}">${esc(text)}</span>`;
}

function verdicts(s: Figures): string {
  return `<span class="vs">${s.sal.map((c) => badge(c.verdict)).join(' ')}</span>`;
}

const dur = (x: number) => (Number.isFinite(x) ? esc(formatDuration(x)) : 'n/a');
const pct = (x: number, d = 0) => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : 'n/a');

/** A table (cells are HTML) in a container that scrolls sideways on narrow screens; the first column, and those in `left`, align left. */
/** An HTML table (in a container that scrolls sideways) of `head` and `rows` (cells are HTML); columns in `left` are left-aligned. */
export function table(head: string[], rows: string[][], left: readonly number[] = []): string {
  const cls = (i: number) => (i === 0 || left.includes(i) ? ' class="l"' : '');
  return (
    `<div class="table"><table>\n<tr>${head.map((h, i) => `<th${cls(i)}>${h}</th>`).join('')}</tr>\n` +
    rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n') +
    '\n</table></div>'
  );
}

/** Minutes per year by key, largest first, as rows with a share bar. */
function shareRows(entries: Array<[string, number]>, total: number, limit = 8): string[][] {
  const sorted = entries.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const rows = sorted.slice(0, limit).map(([k, v]) => [esc(k), sig(v, 3), bar(total > 0 ? v / total : 0)]);
  const rest = sorted.slice(limit).reduce((a, [, v]) => a + v, 0);
  if (rest > 0) rows.push([`${sorted.length - limit} more`, sig(rest, 3), bar(rest / total)]);
  return rows;
}

/** A share as a small horizontal bar with its percentage. */
function bar(share: number): string {
  const w = Math.max(0, Math.min(100, 100 * share));
  return `<span class="bar"><span style="width:${w.toFixed(1)}%"></span></span> ${pct(share)}`;
}

const STYLE = `
:root { --font: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; }
body { font-family: var(--font); margin: 24px auto; max-width: 1280px; color: #222; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 2px solid #dde3ea; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 6px; color: #1d2733; }
p.meta, p.note { color: #555; font-size: 13px; margin-top: 2px; max-width: 960px; }
nav { font-size: 13px; margin: 8px 0 0; } nav a { margin-right: 14px; color: #1f5f99; }
div.table { overflow-x: auto; max-width: 100%; } table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 10px; text-align: right; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; } td.l, th.l { text-align: left; } td.ev { min-width: 220px; max-width: 420px; color: #444; text-align: left; }
tr.baseline td { background: #f3f8fd; font-weight: 600; }
.ci { color: #777; font-size: 11.5px; display: block; white-space: nowrap; font-weight: normal; }
.v { display: inline-block; min-width: 16px; padding: 0 5px; border-radius: 3px; color: white; font-size: 11.5px; text-align: center; font-weight: 600; }
.v.PASS { background: #2e7d32; } .v.FAIL { background: #c62828; } .v.INCONCLUSIVE { background: #b7791f; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 12px; }
.card { flex: 1 1 380px; max-width: 620px; border: 1px solid #dde3ea; border-radius: 8px; padding: 14px 18px; background: #fbfcfd; }
.card.PASS { border-left: 5px solid #2e7d32; } .card.FAIL { border-left: 5px solid #c62828; } .card.INCONCLUSIVE { border-left: 5px solid #b7791f; }
.card h3 { margin: 0 0 2px; font-size: 17px; } .card .chain { color: #555; font-size: 12.5px; margin-bottom: 10px; }
.big { font-size: 30px; font-weight: 700; color: #1d2733; letter-spacing: -0.5px; } .big small { font-size: 15px; font-weight: 600; color: #555; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; font-size: 13.5px; margin-top: 8px; } .kv dt { color: #555; } .kv dd { margin: 0; }
.kv .ci, .answer .ci { display: inline; margin-left: 4px; } .vs { white-space: nowrap; }
.answer { font-size: 15px; max-width: 1000px; }
.target { margin-top: 10px; font-size: 14px; font-weight: 600; }
.split { display: flex; flex-wrap: wrap; gap: 8px 36px; } .split > div { flex: 0 1 auto; min-width: 260px; }
.bar { display: inline-block; width: 80px; height: 9px; background: #edf0f3; border-radius: 2px; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #4e79a7; border-radius: 2px; }
figure { margin: 20px 0 28px; } figcaption { font-size: 13px; color: #444; max-width: 860px; margin-top: 6px; }
figure svg { max-width: 100%; height: auto; } figure.diagram { overflow-x: auto; }
code { font-size: 12px; background: #f4f6f8; padding: 0 3px; border-radius: 3px; }
footer { margin-top: 40px; font-size: 12px; color: #777; }
`;

/** A rendered chart as an HTML figure, with its caption and the names of its files. */
export function figure(c: RenderedChart): string {
  return (
    `<figure id="${c.kind}">\n${c.svg.replace(/^<\?xml[^>]*>\s*/, '')}\n<figcaption><b>${esc(c.title)}.</b> ${esc(c.caption)} ` +
    `Hover a mark for its figures. Files: <code>charts/${c.kind}.svg</code>, <code>.png</code>, <code>.vl.json</code> (the Vega-Lite spec).</figcaption>\n</figure>`
  );
}

/** The topology diagram as a figure, or '' when there is none. */
export function diagramFigure(svg: string | undefined, what: string): string {
  if (!svg) return '';
  return (
    `<h2 id="topology">The deployment</h2>\n<figure class="diagram">\n${svg}\n<figcaption>${esc(what)}: the services' chains; sites, racks and hosts with their stacks (bottom up) and the instances each carries. ` +
    'A red border marks an impact zone with a failure of its own: everything inside goes down with it (every host is one too). Also in <code>topology.svg</code>; ' +
    '<code>nfvsim diagram</code> draws it as SVG, DOT or Mermaid.</figcaption>\n</figure>'
  );
}

/** A whole self-contained HTML page (house style, no script, no network): title, meta line, navigation, body. */
export function page(title: string, meta: string, nav: Array<[string, string]>, body: string, version: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${meta}</p>
<nav>${nav.map(([id, text]) => `<a href="#${id}">${esc(text)}</a>`).join('')}</nav>
${body}
<footer>Made by nfvsim ${esc(version)}. SAL verdicts: PASS, FAIL, ? (inconclusive) for SAL 1, 2, 3. Intervals in brackets are 95% confidence intervals over replications.</footer>
</body>
</html>
`;
}

/** The chain of a service, shortened past four members. */
function chainText(s: Figures): string {
  if (s.logic !== undefined) return `up = ${s.logic}`;
  return s.chain.length > 4 ? `${s.chain.slice(0, 3).join(' → ')} → ... (${s.chain.length} in all)` : s.chain.join(' → ');
}

/** The largest cause of downtime, as `rack-infra/outage (54%)`, or ''. */
function topCause(s: Figures): string {
  const total = Object.values(s.downtimeMinutesPerYearByLayer).reduce((a, b) => a + (b ?? 0), 0);
  const top = Object.entries(s.downtimeMinutesPerYearByMode).sort((a, b) => b[1] - a[1])[0];
  return top && total > 0 ? `${top[0]} (${pct(top[1] / total)})` : '';
}

/** The executive summary card of one service. */
function summaryCard(s: ServiceSummary, id: string): string {
  const target = s.targetSal
    ? `<div class="target">Target SAL ${s.targetSal}: ${badge(s.sal[s.targetSal - 1].verdict, s.sal[s.targetSal - 1].verdict)}${
        s.unplanned ? ` <span class="ci" style="display:inline">(without planned work: ${s.unplanned.sal[s.targetSal - 1].verdict})</span>` : ''
      }</div>`
    : '<div class="target" style="color:#666;font-weight:normal">No target SAL in the topology (<code>sal:</code> on the service).</div>';
  // The availability target (`target:`), judged on its own: a SAL says nothing of how much downtime there is.
  const t = s.target ?? null;
  const availabilityTarget = t
    ? `<div class="target">Availability target ${sig(100 * t.availability, 7)} % (${sig(t.downtimeMinutesPerYear)} min/y): ${badge(t.verdict, t.verdict)}</div>`
    : '';
  // The card's edge shows the worst verdict on the targets the topology sets (SAL and availability).
  const verdictsSet = [...(s.targetSal ? [s.sal[s.targetSal - 1].verdict] : []), ...(t ? [t.verdict] : [])];
  const edge = verdictsSet.includes('FAIL') ? 'FAIL' : verdictsSet.includes('INCONCLUSIVE') ? 'INCONCLUSIVE' : verdictsSet.length > 0 ? 'PASS' : '';
  const card = `<div class="card${edge ? ` ${edge}` : ''}">`;
  const head = `<h3><a href="#${id}">${esc(s.name)}</a></h3><div class="chain">${esc(s.plane)} plane: ${esc(chainText(s))}</div>`;
  if (s.noOutage) {
    const b = s.noOutage;
    return (
      `${card}${head}<div class="big">no outage seen</div><dl class="kv">` +
      `<dt>in</dt><dd>${sig(b.observedYears)} simulated years</dd>` +
      `<dt>outages per year</dt><dd>&lt; ${sig(b.outageRateUpper)} (95% upper bound)</dd>` +
      `<dt>unavailability</dt><dd>&lt; ${sig(b.unavailabilityUpper)} (approximate: that rate x the longest mean restore, ${dur(b.restoreSeconds)})</dd>` +
      `<dt>SAL 1 2 3</dt><dd>${verdicts(s)}</dd></dl>${target}${availabilityTarget}</div>`
    );
  }
  const a = estimateParts(s.availability, 100, 3);
  const n = nines(s);
  const cause = topCause(s);
  const sla = s.sla.years > 0 ? `${pct(s.sla.yearsOverBudget.share, 1)} of ${num(s.sla.years)} simulated years over the ${sig(s.sla.downtimeBudgetMinutes)} min budget` : 'n/a';
  return (
    `${card}${head}` +
    `<div class="big">${a.mean} %${n ? ` <small>${n} nines</small>` : ''}</div>` +
    `<div class="ci">availability, 95% CI ${a.ci} %</div>` +
    `<dl class="kv">` +
    `<dt>downtime per year</dt><dd>${est(s.downtimeMinutesPerYear, 1, ' min')}</dd>` +
    `<dt>outages per year</dt><dd>${est(s.outagesPerYear)}</dd>` +
    (s.meanOutageSeconds ? `<dt>mean outage</dt><dd>${dur(s.meanOutageSeconds.mean)}</dd>` : '') +
    `<dt>recovery p95</dt><dd>${s.recoveryTime.count ? dur(s.recoveryTime.p95) : 'n/a'}</dd>` +
    `<dt>SLA</dt><dd>${sla}</dd>` +
    (cause ? `<dt>largest cause</dt><dd>${esc(cause)}</dd>` : '') +
    `<dt>SAL 1 2 3</dt><dd>${verdicts(s)}</dd>` +
    `</dl>${target}${availabilityTarget}</div>`
  );
}

/** The detailed sections of one service: where the downtime comes from, SLA, recovery against SAL bounds, HA events, capacity. */
function serviceDetail(s: ServiceSummary, id: string): string {
  const out = [`<h2 id="${id}">${esc(s.name)} in detail</h2>`, `<p class="note">${esc(s.plane)} plane: ${esc(s.logic !== undefined ? `up = ${s.logic}` : s.chain.join(' → '))}.</p>`];
  if (s.noOutage) {
    out.push('<p class="note">No outage was observed: there is no downtime to break down.</p>');
    return out.join('\n');
  }
  const total = Object.values(s.downtimeMinutesPerYearByLayer).reduce((a, b) => a + (b ?? 0), 0);
  const minutes = s.downtimeMinutesPerYear.mean;
  // Where the downtime comes from: phase, cause, layer.
  out.push('<h3>Where the downtime comes from</h3>');
  out.push(
    '<div class="split">' +
      `<div>${table(['recovery phase', 'min/y', 'share'], shareRows(Object.entries(s.phases).map(([k, v]) => [k, (v ?? 0) * minutes] as [string, number]), minutes))}</div>` +
      `<div>${table(['cause (type/mode)', 'min/y', 'share'], shareRows(Object.entries(s.downtimeMinutesPerYearByMode), total))}</div>` +
      `<div>${table(['cause layer', 'min/y', 'share'], shareRows(Object.entries(s.downtimeMinutesPerYearByLayer) as Array<[string, number]>, total))}</div>` +
      '</div>',
  );
  out.push(
    '<p class="note">Phases: detection (including the time until a silent failure is noticed), fencing, failover (switchover, election, waiting for a lease or a cluster manager), restart (waiting for an instance to come back, or a recovery action), manual (a failed failover or fence waiting for an operator), split brain, notification (from a detection to the manager that acts), waiting (a recovery step waiting for a manager or a control-plane service). ' +
      'Causes: the failure that started each outage (<i>planned</i>: planned work; <i>spurious-detection</i>: no failure).</p>',
  );
  if (s.failureFrequency.topZones.length) {
    out.push(
      `<p class="note">Impact zones with the most failures per year: ${s.failureFrequency.topZones.map((z) => `${esc(z.zone)} ${sig(z.perYear)}`).join(', ')}. ` +
        `${sig(s.failureFrequency.correlatedPerYear.mean)} correlated failures per year (${s.failureFrequency.probationSeconds > 0 ? `probation ${dur(s.failureFrequency.probationSeconds)}` : 'no probation window'}); ` +
        `${sig(s.tl9000PerYear.mean)} outages over 15 s per year (TL-9000).</p>`,
    );
  }
  // Failures by the topology's own zones (power domains, availability zones), as in the text report.
  for (const [kind, zones] of Object.entries(s.failureFrequency.byUserZone ?? {})) {
    if (zones.length > 0) out.push(`<p class="note">Correlated failures per year by ${esc(kind)}: ${zones.map((z) => `${esc(z.zone)} ${sig(z.perYear)}`).join(', ')}.</p>`);
  }
  // SLA view.
  if (s.sla.years > 0) {
    const y = s.sla.perYearMinutes;
    const m = s.sla.perMonthMinutes;
    const o = s.sla.yearsOverBudget;
    out.push('<h3>SLA: downtime per simulated year and month</h3>');
    out.push(
      table(
        ['period', 'mean', 'p50', 'p95', 'p99', 'max'],
        [
          ['per year (min)', sig(y.mean, 3), sig(y.p50, 3), sig(y.p95, 3), sig(y.p99, 3), sig(y.max, 3)],
          ['per month (min)', sig(m.mean, 3), sig(m.p50, 3), sig(m.p95, 3), sig(m.p99, 3), sig(m.max, 3)],
        ],
      ),
    );
    out.push(
      `<p class="note"><b>${pct(o.share, 1)}</b> of ${num(s.sla.years)} simulated years exceed the ${sig(s.sla.downtimeBudgetMinutes)} min downtime budget ` +
        `(95% CI ${pct(o.lo, 1)} .. ${pct(o.hi, 1)}). A year's downtime is skewed: most years see little, a few long outages make the mean.</p>`,
    );
  }
  // Recovery against the SAL bounds.
  out.push('<h3>Recovery and detection times against the SAL bounds</h3>');
  const judged = s.outagesObserved - s.outagesCensored;
  out.push(
    table(
      ['SAL', 'detection bound', 'recovery bound', 'outages breaching detection', 'breaching recovery', 'breaching either', `share (95% upper) vs tolerance ${pct(s.tolerance)}`, 'verdict'],
      s.sal.map((c) => [
        `SAL ${c.sal}${s.targetSal === c.sal ? ' (target)' : ''}`,
        dur(c.detectionBound),
        dur(c.recoveryBound),
        num(c.detectionBreaches),
        num(c.recoveryBreaches),
        num(c.breaches),
        judged > 0 ? `${pct(c.share, 1)} (≤ ${pct(c.upper, 1)})` : 'no outage to judge',
        badge(c.verdict, c.verdict),
      ]),
    ),
  );
  const distRow = (name: string, d: ServiceSummary['recoveryTime']) => [name, d.count ? dur(d.mean) : 'n/a', dur(d.p50), dur(d.p95), dur(d.p99), dur(d.max), num(d.count)];
  out.push(table(['per outage', 'mean', 'p50', 'p95', 'p99', 'max', 'outages'], [distRow('recovery time (detection + restoration)', s.recoveryTime), distRow('detection time', s.detectionTime)]));
  out.push(
    `<p class="note">${num(s.outagesObserved)} outages observed${s.outagesCensored > 0 ? `, ${num(s.outagesCensored)} of them cut by the window's ends (left out of these times and verdicts)` : ''}. ` +
      'An outage breaches a SAL when its detection or its recovery time exceeds the bound; PASS when the one-sided 95% upper bound of the share breaching is within the tolerance, FAIL when the lower bound exceeds it.</p>',
  );
  // HA events.
  const ev = Object.entries(s.events).filter(([, v]) => (v ?? 0) > 0);
  out.push('<h3>HA events per year</h3>');
  out.push(ev.length ? table(['event', 'per year'], ev.map(([k, v]) => [esc(k), sig(v!)])) : '<p class="note">No HA mechanism event.</p>');
  // Capacity and impact.
  out.push('<h3>Capacity</h3>');
  out.push(
    table(
      ['measure', 'value'],
      [
        ['capacity served (mean share)', est(s.capacityWeightedAvailability, 100, ' %', 3)],
        ...s.availabilityAtLeast.map((x) => [`time with at least ${pct(x.threshold)} of capacity`, est(x.availability, 100, ' %', 3)]),
        ...(s.impactFraction.count > 0
          ? [[`capacity lost per incident (${num(s.impactFraction.count)} incidents)`, `mean ${sig(s.impactFraction.mean, 2)}, p95 ${sig(s.impactFraction.p95, 2)}, max ${sig(s.impactFraction.max, 2)}`]]
          : []),
      ],
    ),
  );
  if (s.unplanned) {
    const u = s.unplanned;
    const planned = s.downtimeMinutesPerYearByLayer.planned ?? 0;
    out.push('<h3>Without planned work</h3>');
    out.push(
      `<p class="note">Planned work (maintenance, migrations, upgrades) causes ${sig(planned, 3)} min/y of the downtime above (${total > 0 ? pct(planned / total) : '0%'}). ` +
        `The unplanned view leaves every outage it started out:</p>`,
    );
    out.push(
      table(
        ['view', 'availability', 'downtime (min/y)', 'outages/y', 'recovery p95', 'SAL 1 2 3'],
        [
          ['all outages (ETSI)', availability(s), est(s.downtimeMinutesPerYear), est(s.outagesPerYear), dur(s.recoveryTime.p95), verdicts(s)],
          ['unplanned only', availability(u), est(u.downtimeMinutesPerYear), est(u.outagesPerYear), dur(u.recoveryTime.p95), verdicts(u)],
        ],
      ),
    );
  }
  return out.join('\n');
}

/** Options of the HTML pages. */
export interface HtmlOptions {
  /** The topology diagram (an SVG document), shown in its own section. */
  diagram?: string;
}

/** The HTML page of a sweep: the answer (the primary chart and a summary of the differences), the table, the deployment, the other charts. */
export function sweepHtml(r: SweepResults, charts: RenderedChart[], opts: HtmlOptions = {}): string {
  const params = r.experiment.parameters;
  const labels = parameterLabels(params, r.experiment.labels);
  const si = focusServiceIndex(r);
  const set = r.settings;
  const meta = [
    r.experiment.description ? esc(r.experiment.description) + '<br>' : '',
    `Experiment <code>${esc(r.experiment.file)}</code> (${esc(r.experiment.design)}, ${r.points.length} points) on <code>${esc(r.base.file)}</code>. `,
    `${num(set.runs)} replications per point of ${esc(formatDuration(set.horizonSeconds))}${set.warmupSeconds > 0 ? ` after a ${esc(formatDuration(set.warmupSeconds))} warm-up` : ''}, seed ${set.seed} (common random numbers: every point replays the same failure histories where the topologies allow). `,
    `Focus: service <b>${esc(r.focus.service)}</b>; baseline <b>${esc(r.baseline)}</b>.`,
  ].join('');
  const [primary, ...rest] = charts;
  // The answer in words: which points differ from the baseline with 95% confidence.
  const diffs = r.points.filter((p) => p.difference !== null).map((p) => ({ p, d: p.difference![si].downtimeMinutesPerYear }));
  const more = diffs.filter((x) => x.d.lo > 0).sort((a, b) => b.d.mean - a.d.mean);
  const less = diffs.filter((x) => x.d.hi < 0).sort((a, b) => a.d.mean - b.d.mean);
  const signed = (x: { d: Estimate }) => `${x.d.mean > 0 ? '+' : ''}${estimateParts(x.d).mean} min/y`;
  const list = (xs: typeof more) => xs.slice(0, 4).map((x) => `<b>${esc(x.p.name)}</b> (${signed(x)})`).join(', ') + (xs.length > 4 ? ` and ${xs.length - 4} more` : '');
  const base = r.points.find((p) => p.difference === null)?.summary.services[si];
  const sal = r.focus.sal;
  const passing = r.points.filter((p) => p.summary.services[si].sal[sal - 1].verdict === 'PASS').length;
  const answer = [
    base ? `At the baseline <b>${esc(r.baseline)}</b>, ${esc(r.focus.service)} is down ${est(base.downtimeMinutesPerYear, 1, ' min/y')} (availability ${availability(base)}).` : '',
    diffs.length
      ? `Paired with it, ${more.length ? `${more.length} of ${diffs.length} points cost clearly more downtime: ${list(more)}` : `no point costs clearly more downtime`}; ` +
        `${less.length ? `${less.length} clearly less: ${list(less)}` : 'none clearly less'}; ${diffs.length - more.length - less.length} show no clear difference (95% paired intervals).`
      : '',
    `SAL ${sal}: ${passing} of ${r.points.length} points PASS.`,
  ]
    .filter(Boolean)
    .map((x) => `<p class="answer">${x}</p>`)
    .join('\n');
  // Grid and sampled points are named by their values: show the values in columns. Scenarios by their names.
  const byName = r.experiment.design === 'scenarios';
  const head = [
    ...(byName ? ['scenario'] : params.map((p) => `<span title="${esc(p)}">${esc(labels[p])}</span>`)),
    'availability',
    'downtime (min/y)',
    'vs baseline (min/y)',
    'outages/y',
    'recovery p95',
    'SAL 1 2 3',
    'HA events per year',
  ];
  const rows = r.points.map((p) => {
    const s = p.summary.services[si];
    const d = p.difference?.[si]?.downtimeMinutesPerYear;
    return (
      `<tr${p.difference === null ? ' class="baseline"' : ''}>` +
      (byName ? `<td class="l">${esc(p.name)}</td>` : params.map((k, i) => `<td${i === 0 ? ' class="l"' : ''}>${esc(formatValue(p.params[k]))}</td>`).join('')) +
      `<td>${availability(s)}</td><td>${est(s.downtimeMinutesPerYear)}</td><td>${d ? (d.mean > 0 ? '+' : '') + est(d) : 'baseline'}</td>` +
      `<td>${est(s.outagesPerYear)}</td><td>${s.recoveryTime.count ? dur(s.recoveryTime.p95) : 'n/a'}</td><td>${verdicts(s)}</td><td class="ev">${esc(haEvents(s.events))}</td></tr>`
    );
  });
  const body = [
    `<h2 id="answer">The answer</h2>`,
    answer,
    primary ? figure(primary) : '',
    `<h2 id="results">Results for ${esc(r.focus.service)}</h2>`,
    `<div class="table"><table>\n<tr>${head.map((h, i) => `<th${i === 0 || i === head.length - 1 ? ' class="l"' : ''}>${h}</th>`).join('')}</tr>\n${rows.join('\n')}\n</table></div>`,
    diagramFigure(opts.diagram, `The base topology, ${r.base.file}`),
    `<h2 id="charts">More charts</h2>`,
    rest.map(figure).join('\n'),
  ].join('\n');
  const nav: Array<[string, string]> = [['answer', 'The answer'], ['results', 'Results'], ...(opts.diagram ? [['topology', 'Deployment'] as [string, string]] : []), ['charts', 'Charts']];
  return page(`${r.experiment.name}: ${r.focus.service}`, meta, nav, body, r.nfvsim);
}

/** The HTML page of a single run: the executive summary, the deployment, each service in detail, HA events by group, the charts. */
export function runHtml(r: RunReport, charts: RenderedChart[], opts: HtmlOptions = {}): string {
  const set = r.settings;
  const res = r.results;
  const meta =
    `Topology <code>${esc(r.input.file)}</code>. ${num(set.runs)} replications of ${esc(formatDuration(set.horizonSeconds))} ` +
    `(${esc(set.horizonReason)})${set.warmupSeconds > 0 ? ` after a ${esc(formatDuration(set.warmupSeconds))} warm-up` : ''}, seed ${set.seed}; ${num(res.observedYears)} simulated years.` +
    (res.truncatedReplications > 0 ? ` <b>Warning:</b> ${res.truncatedReplications} replications hit the event cap and stopped early.` : '');
  const ids = res.services.map((_, i) => `service-${i + 1}`);
  const failures = Object.entries(res.failuresPerYear).map(([l, e]) => `${esc(l)} ${sig(e.mean)}`);
  const groups = res.groups.map((g) => [`${esc(g.name)}`, esc(g.mechanism), esc(Object.entries(g.perYear).map(([c, e]) => `${c} ${sig(e!.mean)}`).join(', ') || 'none')]);
  const body = [
    '<h2 id="summary">At a glance</h2>',
    `<div class="cards">${res.services.map((s, i) => summaryCard(s, ids[i])).join('\n')}</div>`,
    diagramFigure(opts.diagram, `The topology ${r.input.name}`),
    ...res.services.map((s, i) => serviceDetail(s, ids[i])),
    '<h2 id="groups">HA events by group, failures by layer</h2>',
    groups.length ? table(['group', 'mechanism', 'events per year'], groups, [1, 2]) : '<p class="note">No HA mechanism event.</p>',
    `<p class="note">Component failures per year by layer: ${failures.join(', ') || 'none'}.` +
      (r.idealGroups.length ? ` Ideal k-of-n (instant, perfect failover): ${esc(r.idealGroups.join(', '))}.` : '') +
      '</p>',
    '<h2 id="charts">Charts</h2>',
    charts.map(figure).join('\n'),
  ].join('\n');
  const nav: Array<[string, string]> = [
    ['summary', 'At a glance'],
    ...(opts.diagram ? [['topology', 'Deployment'] as [string, string]] : []),
    ...res.services.map((s, i): [string, string] => [ids[i], s.name]),
    ['groups', 'HA events'],
    ['charts', 'Charts'],
  ];
  return page(`${r.input.name}: availability report`, meta, nav, body, r.nfvsim);
}

/** Options of `writeReport`. */
export interface ReportOptions {
  /** The model the results come from (a run's topology, a sweep's base): drawn as `topology.svg` and in the report. Without it, a `topology.svg` already in the folder is used. */
  model?: SystemModel;
}

/**
 * Renders `charts` and writes each into `dir/charts` as `<kind>.vl.json` (the Vega-Lite
 * spec), `.svg` and `.png`; returns the rendered charts and the files written (relative to `dir`).
 */
export async function writeCharts(dir: string, charts: readonly Chart[]): Promise<{ rendered: RenderedChart[]; files: string[] }> {
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
  return { rendered, files };
}

/**
 * Writes the charts (`charts/<kind>.vl.json`, `.svg`, `.png`) and `report.html` of a
 * sweep's results or a run's report into `dir` (created if needed). The same results
 * give the same bytes.
 */
export async function writeReport(dir: string, results: SweepResults | RunReport, opts: ReportOptions = {}): Promise<WrittenReport> {
  const charts = isSweepResults(results) ? sweepCharts(results) : runCharts(results);
  const { rendered, files } = await writeCharts(dir, charts);
  // The deployment: drawn from the model when given, else the drawing already in the folder (a redraw).
  let diagram: string | undefined;
  const diagramFile = join(dir, 'topology.svg');
  if (opts.model) {
    diagram = renderDiagram(opts.model, 'svg');
    writeFileAtomic(diagramFile, diagram);
    files.push('topology.svg');
  } else if (existsSync(diagramFile)) {
    diagram = readFileSync(diagramFile, 'utf8');
  }
  const html = isSweepResults(results) ? sweepHtml(results, rendered, { diagram }) : runHtml(results, rendered, { diagram });
  // Last: a report.html on disk means every chart it shows was written.
  writeFileAtomic(join(dir, 'report.html'), html);
  files.push('report.html');
  return { html: 'report.html', files };
}
