/**
 * The reports of a sensitivity study (`nfvsim sensitivity`): a table for the terminal,
 * `sensitivity.json`, `sensitivity.csv` (long format: one row per parameter or component
 * type, service and measure), the tornado and importance charts (Vega-Lite -> SVG, PNG) and a
 * self-contained `report.html`. Pure functions of the results, so the same results give
 * the same bytes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';
import { writeFileAtomic } from '../output.js';
import type { SensitivityResults } from '../sensitivity/run.js';
import type { SystemModel } from '../model/build.js';
import { base, ciBars, ciTooltip, estimateRows, fin, WIDTH, type Chart } from './charts.js';
import { alignColumns, estimateParts, num, sig } from './format.js';
import { renderDiagram } from './diagram.js';

/** The most parameters the tornado chart shows (the largest effects). */
export const TORNADO_MAX = 20;

/** Index of the focus service. */
function focusIndex(r: SensitivityResults): number {
  return Math.max(0, r.base.findIndex((b) => b.service === r.focus.service));
}

/** Below this (minutes per year, about 60 microseconds), a change is rounding noise: shown as 0. */
const NO_CHANGE = 1e-6;

/** True when every replication gave the same figure with and without the change (it has no effect on that service). */
export function noEffect(e: Estimate): boolean {
  return Math.max(Math.abs(e.mean), Math.abs(e.lo), Math.abs(e.hi)) < NO_CHANGE;
}

/** `+1.2 [0.8 .. 1.6]`, scaled by `factor`; `0` for no change at all. */
function signed(e: Estimate, factor = 1): string {
  if (noEffect({ mean: e.mean * factor, se: 0, lo: e.lo * factor, hi: e.hi * factor })) return '0';
  const p = estimateParts(e, factor);
  return `${e.mean > 0 ? '+' : ''}${p.mean} [${p.ci}]`;
}

/** An estimate as `mean [lo .. hi]`, with the decimals its interval needs (an exact one, with no spread, at 4 significant digits). */
function sigCi(e: Estimate): string {
  if (!Number.isFinite(e.mean)) return 'n/a';
  if (!(e.hi > e.lo)) return `${sig(e.mean, 4)}${Number.isFinite(e.lo) ? '' : ' [n/a]'}`;
  const p = estimateParts(e);
  return `${p.mean} [${p.ci}]`;
}

/** The parameters in order of the size of their effect on the focus service's downtime (largest first). */
export function rankedParameters(r: SensitivityResults): SensitivityResults['parameters'] {
  const s = focusIndex(r);
  return [...r.parameters].sort((a, b) => Math.abs(b.effects[s].downtimeMinutesPerYear.mean) - Math.abs(a.effects[s].downtimeMinutesPerYear.mean) || a.path.localeCompare(b.path));
}

/** The results as text for a terminal: the parameters by effect, then the importance of each component type, for the focus service. */
export function renderSensitivityText(r: SensitivityResults): string {
  const s = focusIndex(r);
  const set = r.settings;
  const b = r.base[s];
  const d = estimateParts(b.downtimeMinutesPerYear);
  const variants = r.parameters.length + 2 * r.importance.length;
  const lines = [
    `nfvsim ${r.nfvsim}   sensitivity of ${r.topology.name} (${r.topology.file}), factor ${set.factor}`,
    `base + ${variants} variants x ${num(set.runs)} runs x ${formatDuration(set.horizonSeconds)}, seed ${set.seed} (common random numbers: paired differences to the base, 95% CI)`,
    `service ${r.focus.service}: base downtime ${d.mean} min/y [${d.ci}], SAL breach shares ${b.salShare.map((x) => (Number.isFinite(x) ? `${sig(x * 100, 3)}%` : 'n/a')).join(' / ')}`,
    '',
  ];
  if (r.parameters.length > 0) {
    const ranked = rankedParameters(r);
    const none = ranked.filter((p) => noEffect(p.effects[s].downtimeMinutesPerYear));
    const rows = ranked.filter((p) => !none.includes(p)).map((p) => {
      const e = p.effects[s];
      const dt = e.downtimeMinutesPerYear;
      return [
        p.label,
        signed(dt),
        `${sig(dt.se, 2)} (${sig(e.unpairedSe, 2)})`,
        e.salShare.map((x) => (Number.isFinite(x.mean) ? `${x.mean > 0 ? '+' : ''}${sig(x.mean * 100, 2)}` : 'n/a')).join(' / '),
      ];
    });
    lines.push(...alignColumns(['parameter improved', 'downtime change min/y', 'SE paired (unpaired)', 'SAL 1/2/3 breach share change (points)'], rows));
    if (none.length > 0) lines.push(`no effect on ${r.focus.service}'s downtime (${none.length}): ${none.map((p) => p.label).join(', ')}`);
    lines.push('');
  }
  if (r.importance.length > 0) {
    const rows = r.importance.map((t) => {
      const m = t.measures[s];
      return [t.type, t.layer, String(t.components), sigCi(m.birnbaum), sigCi(m.criticality), sigCi(m.raw), signed(m.perfectChangeMinutesPerYear)];
    });
    lines.push(
      `importance of component types for ${r.focus.service} (Birnbaum: A(perfect) - A(failed); criticality: (U - U(perfect)) / U; RAW: U(failed) / U)`,
      ...alignColumns(['type', 'layer', 'count', 'Birnbaum', 'criticality', 'RAW', 'if perfect min/y'], rows),
    );
    if (!(b.downtimeMinutesPerYear.mean > 0)) lines.push(`no downtime at the base: criticality and RAW (ratios to it) are n/a; run more (--runs) or longer (--horizon)`);
  }
  return lines.join('\n').trimEnd() + '\n';
}

function csvField(v: unknown): string {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The results as CSV, one row per subject (a parameter's path, or a component type),
 * service and measure: `downtime_change_min_per_year`, `sal1_share_change` .. `sal3`
 * for parameters; `birnbaum`, `criticality`, `raw`, `perfect_change_min_per_year` for
 * types; each with mean, se, lo, hi (95%).
 */
export function sensitivityCsv(r: SensitivityResults): string {
  const rows = [['kind', 'subject', 'label', 'service', 'measure', 'mean', 'se', 'lo', 'hi', 'unpaired_se'].join(',')];
  const row = (kind: string, subject: string, label: string, service: string, measure: string, e: Estimate, unpaired?: number) =>
    rows.push([kind, subject, label, service, measure, e.mean, e.se, e.lo, e.hi, unpaired].map(csvField).join(','));
  for (const p of r.parameters) {
    for (const e of p.effects) {
      row(p.kind, p.path, p.label, e.service, 'downtime_change_min_per_year', e.downtimeMinutesPerYear, e.unpairedSe);
      e.salShare.forEach((x, k) => row(p.kind, p.path, p.label, e.service, `sal${k + 1}_share_change`, x));
    }
  }
  for (const t of r.importance) {
    for (const m of t.measures) {
      row('importance', `components.${t.type}`, t.type, m.service, 'birnbaum', m.birnbaum);
      row('importance', `components.${t.type}`, t.type, m.service, 'criticality', m.criticality);
      row('importance', `components.${t.type}`, t.type, m.service, 'raw', m.raw);
      row('importance', `components.${t.type}`, t.type, m.service, 'perfect_change_min_per_year', m.perfectChangeMinutesPerYear);
    }
  }
  return rows.join('\n') + '\n';
}

/** The tornado chart's axis title. */
const AXIS = 'change in downtime (minutes per year, paired 95% CI)';

/** The colours of the parameter kinds in the tornado chart. */
const KIND_COLOURS = { domain: ['mttf', 'repair', 'restart', 'ha'], range: ['#4e79a7', '#f28e2b', '#76b7b2', '#b07aa1'] };

/**
 * The tornado chart: the change in the focus service's downtime per year when each
 * parameter improves, largest effect first (at most TORNADO_MAX), as a bar from zero
 * with its paired 95% CI; null when the study has no parameter.
 */
export function tornadoChart(r: SensitivityResults): Chart | null {
  if (r.parameters.length === 0) return null;
  const s = focusIndex(r);
  const shown = rankedParameters(r).slice(0, TORNADO_MAX);
  const rows = shown.map((p) => {
    const e = p.effects[s].downtimeMinutesPerYear;
    return { parameter: p.label, kind: p.kind, mean: fin(e.mean), lo: fin(e.lo), hi: fin(e.hi), clear: e.lo > 0 || e.hi < 0 };
  });
  const title = `${r.focus.service}: change in downtime per year, each parameter improved (factor ${r.settings.factor})`;
  const more = r.parameters.length - shown.length;
  return {
    kind: 'tornado',
    title,
    caption:
      `Each bar is the change in ${r.focus.service}'s downtime (minutes per year) when one parameter improves by a factor ${r.settings.factor} (MTTF x ${r.settings.factor}; repair, restart and HA delays / ${r.settings.factor}), ` +
      `the others left as they are, largest effect first; the black line is its paired 95% confidence interval (every variant replays the base's random numbers), and a faint bar one that holds zero (no clear effect). Negative: less downtime.` +
      (more > 0 ? ` The ${more} parameters with smaller effects are in the table.` : ''),
    spec: base(title, {
      width: WIDTH,
      height: { step: 24 },
      layer: [
        {
          data: { values: rows },
          encoding: {
            y: { field: 'parameter', type: 'nominal', sort: rows.map((q) => q.parameter), title: null, axis: { labelLimit: 320 } },
            tooltip: [...ciTooltip('parameter'), { field: 'kind', type: 'nominal' }],
          },
          layer: [
            {
              mark: { type: 'bar', height: { band: 0.7 } },
              encoding: {
                x: { field: 'mean', type: 'quantitative', title: AXIS },
                color: { field: 'kind', type: 'nominal', scale: KIND_COLOURS, title: 'parameter' },
                // Faint: the interval holds zero (no clear effect).
                opacity: { condition: { test: 'datum.clear', value: 1 }, value: 0.35 },
              },
            },
            { ...ciBars(AXIS)[0], mark: { type: 'rule', strokeWidth: 1.5, color: '#222222' } },
          ],
        },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#555555' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      ],
    }),
  };
}

/**
 * The criticality of each component type for the focus service (the share of its
 * unavailability the type's failures cause), with 95% CIs, largest first; null when the
 * study measured no type.
 */
export function importanceChart(r: SensitivityResults): Chart | null {
  if (r.importance.length === 0) return null;
  const s = focusIndex(r);
  const rows = r.importance
    .map((t) => {
      const c = t.measures[s].criticality;
      return { type: `${t.type} (${t.layer})`, mean: fin(c.mean), lo: fin(c.lo), hi: fin(c.hi), raw: fin(t.measures[s].raw.mean), birnbaum: fin(t.measures[s].birnbaum.mean) };
    })
    .sort((a, b) => (b.mean ?? 0) - (a.mean ?? 0));
  const title = `${r.focus.service}: criticality of each component type`;
  return {
    kind: 'importance',
    title,
    caption:
      `The share of ${r.focus.service}'s unavailability that would go if the type never failed, (U - U(perfect)) / U, with its 95% confidence interval from paired replications. ` +
      'Hover a type for its risk achievement worth (U(always failed) / U) and Birnbaum importance (A(perfect) - A(always failed)).',
    spec: estimateRows(title, rows, 'type', 'criticality (share of unavailability, 95% CI)', {
      color: { value: '#4e79a7' },
      tooltip: [...ciTooltip('type'), { field: 'raw', type: 'quantitative', format: '.4g', title: 'RAW' }, { field: 'birnbaum', type: 'quantitative', format: '.6g', title: 'Birnbaum' }],
    }),
  };
}

/** The HTML page of a study: the answer and the tornado chart, the parameters' table, the importance table, the deployment. */
async function sensitivityHtml(r: SensitivityResults, charts: Array<Chart & { svg: string }>, diagram: string | undefined): Promise<string> {
  const { esc, est, figure, page, table, diagramFigure } = await import('./html.js');
  const s = focusIndex(r);
  const set = r.settings;
  const b = r.base[s];
  const ranked = rankedParameters(r);
  const better = ranked.filter((p) => p.effects[s].downtimeMinutesPerYear.hi < 0).slice(0, 3);
  const answer = [
    `At the base, ${esc(r.focus.service)} is down ${est(b.downtimeMinutesPerYear, 1, ' min/y')}.`,
    better.length
      ? `Improving one parameter by a factor ${set.factor}, the largest gains are: ${better.map((p) => `<b>${esc(p.label)}</b> (${esc(signed(p.effects[s].downtimeMinutesPerYear))} min/y)`).join(', ')}.`
      : r.parameters.length
        ? `No parameter improved by a factor ${set.factor} clearly reduces the downtime (95% paired intervals).`
        : '',
  ]
    .filter(Boolean)
    .map((x) => `<p class="answer">${x}</p>`)
    .join('\n');
  const pct = (x: Estimate) => (Number.isFinite(x.mean) ? `${x.mean > 0 ? '+' : ''}${sig(x.mean * 100, 2)}` : 'n/a');
  const paramRows = ranked.map((p) => {
    const e = p.effects[s];
    return [`<span title="${esc(p.path)}">${esc(p.label)}</span>`, est(e.downtimeMinutesPerYear), `${sig(e.downtimeMinutesPerYear.se, 2)} (${sig(e.unpairedSe, 2)})`, e.salShare.map(pct).join(' / ')];
  });
  const impRows = r.importance.map((t) => {
    const m = t.measures[s];
    return [esc(t.type), esc(t.layer), String(t.components), esc(sigCi(m.birnbaum)), esc(sigCi(m.criticality)), esc(sigCi(m.raw)), est(m.perfectChangeMinutesPerYear)];
  });
  const meta =
    `Topology <code>${esc(r.topology.file)}</code>. ${num(set.runs)} replications of ${esc(formatDuration(set.horizonSeconds))} per variant, seed ${set.seed}; ` +
    `every variant replays the base's random numbers (common random numbers), and each change is estimated from the per-replication differences. Focus: service <b>${esc(r.focus.service)}</b>.`;
  const body = [
    '<h2 id="answer">The answer</h2>',
    answer,
    ...charts.filter((c) => c.kind === 'tornado').map(figure),
    `<h2 id="parameters">Parameters, by effect on ${esc(r.focus.service)}</h2>`,
    paramRows.length ? table(['parameter improved', 'downtime change (min/y)', 'SE paired (unpaired)', 'SAL 1/2/3 breach share change (points)'], paramRows, [0]) : '<p class="note">No parameter in this study.</p>',
    `<h2 id="types">Importance of component types</h2>`,
    '<p class="note">Birnbaum: A(type perfect) - A(type always failed). Criticality: (U - U(perfect)) / U, the share of the unavailability removed if the type never failed. RAW (risk achievement worth): U(always failed) / U. "Perfect": no failure mode; "always failed": every component of the type fails at the start and is never repaired.</p>',
    impRows.length ? table(['type', 'layer', 'count', 'Birnbaum', 'criticality', 'RAW', 'if perfect (min/y)'], impRows, [0, 1]) : '<p class="note">No component type in this study.</p>',
    ...charts.filter((c) => c.kind === 'importance').map(figure),
    diagramFigure(diagram, `The topology ${r.topology.name}`),
  ].join('\n');
  const nav: Array<[string, string]> = [['answer', 'The answer'], ['parameters', 'Parameters'], ['types', 'Importance'], ...(diagram ? [['topology', 'Deployment'] as [string, string]] : [])];
  return page(`${r.topology.name}: sensitivity and importance`, meta, nav, body, r.nfvsim);
}

/**
 * Writes `sensitivity.json` and `sensitivity.csv` into `dir`, and unless `charts` is false
 * the tornado and importance charts (`charts/tornado.vl.json`, `.svg`, `.png`, and
 * `charts/importance.*`), `topology.svg` (with
 * `model`; without it the `topology.svg` already in `dir` is shown) and `report.html`
 * (loading vega and resvg). Returns the files written, relative to `dir`.
 */
export async function writeSensitivityReport(dir: string, r: SensitivityResults, opts: { model?: SystemModel; charts?: boolean } = {}): Promise<string[]> {
  writeFileAtomic(join(dir, 'sensitivity.json'), JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(join(dir, 'sensitivity.csv'), sensitivityCsv(r));
  if (opts.charts === false) return ['sensitivity.json', 'sensitivity.csv'];
  const model = opts.model;
  const { writeCharts } = await import('./html.js');
  const charts = [tornadoChart(r), importanceChart(r)].filter((c): c is Chart => c !== null);
  const { rendered, files } = await writeCharts(dir, charts);
  // The deployment: drawn from the model when given, else the drawing already in the folder (a redraw).
  const diagramFile = join(dir, 'topology.svg');
  const diagram = model ? renderDiagram(model, 'svg') : existsSync(diagramFile) ? readFileSync(diagramFile, 'utf8') : undefined;
  if (model) writeFileAtomic(diagramFile, diagram!);
  writeFileAtomic(join(dir, 'report.html'), await sensitivityHtml(r, rendered, diagram));
  return ['sensitivity.json', 'sensitivity.csv', ...files, ...(model ? ['topology.svg'] : []), 'report.html'];
}
