/**
 * The report of a transient study (`nfvsim transient`): a text table, `transient.json`,
 * `transient.csv` (one row per service and grid time), the charts of A(t), R(t) and the
 * interval availability per month and year, and `report.html`.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { outputStep, writeFileAtomic } from '../output.js';
import { formatDuration, YEAR } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';
import type { IntervalAvailability, ServiceTransient, TransientResults } from '../transient/run.js';
import { alignColumns, estimateParts, sig } from './format.js';
import type { RenderedChart } from './html.js';
import { base, durationUnit, fin, WIDTH, type Chart } from './charts.js';

/** The index of the service a report focuses on (by name; the first by default). */
function focusIndex(r: TransientResults, service?: string): number {
  const i = service === undefined ? 0 : r.services.findIndex((s) => s.name === service);
  return i < 0 ? 0 : i;
}

/** An availability estimate in %, with its interval: `99.95 % [99.91 .. 99.98]`. */
function pctEstimate(e: Estimate): string {
  const p = estimateParts(e, 100, 2);
  return `${p.mean} % [${p.ci}]`;
}

/** An exact share in %, to as many decimals as `like`'s interval shows. */
function pctExact(x: number | undefined, like: Estimate): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const d = estimateParts(like, 100, 2).mean.split('.')[1]?.length ?? 2;
  return `${(100 * x).toFixed(d)} %`;
}

/** At most `rows` grid indices, evenly spread, first and last included. */
function shownRows(points: number, rows = 10): number[] {
  const step = Math.max(1, Math.ceil(points / rows));
  const out: number[] = [];
  for (let k = 0; k < points; k += step) out.push(k);
  out.push(points);
  return out;
}

/** One paragraph on the interval availability over periods of one length. */
function intervalLines(what: string, ia: IntervalAvailability | null): string[] {
  if (!ia) return [`  per ${what}: the horizon holds no whole ${what}`];
  const q = ia.quantiles.map((x) => `${sig(x.p * 100, 2)}%: ${(100 * x.availability).toFixed(4)} %`).join(', ');
  const lines = [
    `  per ${what} (${ia.periods} per history): mean ${pctEstimate(ia.mean)}; no downtime in ${pctEstimate(ia.noDowntime)} of ${what}s`,
    `    quantiles of the interval availability: ${q}`,
  ];
  if (ia.meetsTarget && ia.target !== null) lines.push(`    ${what}s meeting the target ${(100 * ia.target).toPrecision(6)} %: ${pctEstimate(ia.meetsTarget)}`);
  return lines;
}

/** The text report: per service (the focus service only, when given), A(t) and R(t) at about ten grid times beside the exact values, then the interval availability. */
export function renderTransientText(r: TransientResults, service?: string): string {
  const set = r.settings;
  const out: string[] = [];
  out.push(`nfvsim ${r.nfvsim} transient   ${r.topology.name} (${r.topology.file})`);
  const from = set.initialDown.length ? `with ${set.initialDown.map((d) => `${d.path} (${d.mode})`).join(', ')} failed at time 0` : 'from everything new and up';
  out.push(`${set.runs.toLocaleString('en-US')} histories of ${formatDuration(set.horizonSeconds)} ${from}, seed ${set.seed}; A(t) and R(t) at ${set.points + 1} times, 95% Wilson intervals`);
  out.push(r.exactNote === null ? 'exact: the transient solution of the Markov chain (analyze), by uniformisation' : `exact: ${r.exactNote}`);
  const services = service === undefined ? r.services : [r.services[focusIndex(r, service)]];
  for (const s of services) {
    out.push('', `service ${s.name}${s.exactSteadyState !== null ? `   (steady state, exact: ${pctExact(s.exactSteadyState, s.availability[s.availability.length - 1])})` : ''}`);
    const rows = shownRows(set.points).map((k) => [
      formatDuration(r.times[k]),
      pctEstimate(s.availability[k]),
      pctExact(s.exact?.availability[k], s.availability[k]),
      pctEstimate(s.reliability[k]),
      pctExact(s.exact?.reliability[k], s.reliability[k]),
    ]);
    out.push(...alignColumns(['t', 'A(t) [95% CI]', 'exact A(t)', 'R(t) = P(no outage in [0,t]) [95% CI]', 'exact R(t)'], rows).map((l) => `  ${l}`));
    out.push('  interval availability (1 - downtime in the period / its length), over histories and periods:');
    out.push(...intervalLines('month', s.month), ...intervalLines('year', s.year));
  }
  return out.join('\n') + '\n';
}

/** One CSV row per service and grid time. */
export function transientCsv(r: TransientResults): string {
  const lines = ['service,t_seconds,availability,availability_lo,availability_hi,availability_exact,reliability,reliability_lo,reliability_hi,reliability_exact'];
  for (const s of r.services) {
    r.times.forEach((t, k) => {
      const a = s.availability[k];
      const q = s.reliability[k];
      const x = (v: number | undefined) => (v === undefined ? '' : String(v));
      lines.push([JSON.stringify(s.name), t, a.mean, a.lo, a.hi, x(s.exact?.availability[k]), q.mean, q.lo, q.hi, x(s.exact?.reliability[k])].join(','));
    });
  }
  return lines.join('\n') + '\n';
}

/** A(t) or R(t) of a service over time: the estimate with its 95% band, and the exact curve dashed where known. */
function curveChart(r: TransientResults, s: ServiceTransient, what: 'availability' | 'reliability'): Chart {
  const unit = durationUnit(r.settings.horizonSeconds);
  const est = s[what];
  const exact = s.exact?.[what];
  const rows = r.times.map((t, k) => ({ t: t / unit.seconds, mean: fin(est[k].mean), lo: fin(est[k].lo), hi: fin(est[k].hi), series: 'simulated (95% CI)' }));
  const exactRows = exact ? r.times.map((t, k) => ({ t: t / unit.seconds, mean: exact[k], series: 'exact (Markov chain)' })) : [];
  const from = r.settings.initialDown.length ? `with ${r.settings.initialDown.map((d) => d.path).join(', ')} down at 0` : 'from all new';
  const title = what === 'availability' ? `${s.name}: point availability A(t), ${from}` : `${s.name}: mission reliability R(t) = P(no outage in [0, t]), ${from}`;
  const yTitle = what === 'availability' ? 'A(t): P(service up at t)' : 'R(t): P(no outage in [0, t])';
  const caption =
    (what === 'availability'
      ? `The share of ${r.settings.runs.toLocaleString('en-US')} histories in which ${s.name} is up at time t, with its 95% Wilson interval (the band).`
      : `The share of ${r.settings.runs.toLocaleString('en-US')} histories in which ${s.name} has had no outage by time t, with its 95% Wilson interval (the band): the probability that a mission of length t is served without interruption.`) +
    (exact ? ' The dashed line is the exact value from the Markov chain (nfvsim analyze), solved by uniformisation.' : '') +
    (what === 'availability' && s.exactSteadyState !== null ? ' It tends to the steady-state availability.' : '');
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: ['simulated (95% CI)', 'exact (Markov chain)'], range: ['#1f5f99', '#c62828'] } };
  const x = { field: 't', type: 'quantitative', title: `t (${unit.name})` };
  return {
    kind: what === 'availability' ? 'point-availability' : 'reliability',
    title,
    caption,
    spec: base(title, {
      width: WIDTH,
      height: 300,
      layer: [
        {
          data: { values: rows },
          encoding: { x, color: colour },
          layer: [
            { mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative', scale: { zero: false } }, y2: { field: 'hi' } } },
            {
              mark: { type: 'line', strokeWidth: 2 },
              encoding: {
                y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { zero: false } },
                tooltip: [x, { field: 'mean', type: 'quantitative', format: '.6f' }, { field: 'lo', type: 'quantitative', format: '.6f' }, { field: 'hi', type: 'quantitative', format: '.6f' }],
              },
            },
          ],
        },
        ...(exact ? [{ data: { values: exactRows }, mark: { type: 'line', strokeWidth: 1.5, strokeDash: [6, 4] }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: colour } }] : []),
      ],
    }),
  };
}

/** P(downtime in a month >= x) and P(downtime in a year >= x) against x, log-log, with each period's downtime budget from the target. */
function intervalChart(s: ServiceTransient): Chart | null {
  const parts = [
    { name: 'month', ia: s.month },
    { name: 'year', ia: s.year },
  ].filter((p): p is { name: string; ia: IntervalAvailability } => p.ia !== null && p.ia.exceedance.length > 0);
  if (parts.length === 0) return null;
  const rows = parts.flatMap((p) => p.ia.exceedance.map((e) => ({ period: p.name, minutes: e.minutes, probability: e.probability })));
  const budgets = parts.filter((p) => p.ia.target !== null).map((p) => ({ period: p.name, minutes: ((1 - p.ia.target!) * p.ia.periodSeconds) / 60 }));
  const title = `${s.name}: downtime per ${parts.map((p) => p.name).join(' and per ')}, across histories`;
  const clean = parts.map((p) => `${sig(100 * p.ia.noDowntime.mean, 3)}% of ${p.name}s`).join(' and ');
  const colours: Record<string, string> = { month: '#1f5f99', year: '#e15759' };
  const colour = { field: 'period', type: 'nominal', title: 'period', scale: { domain: parts.map((p) => p.name), range: parts.map((p) => colours[p.name]) } };
  return {
    kind: 'interval-availability',
    title,
    caption:
      `The probability that a calendar month (a twelfth of 365 days) or a year of the horizon has at least x minutes of downtime, over every whole period of every history (both axes logarithmic). ` +
      `${clean} have none (not drawn on a log scale). ` +
      (budgets.length ? `The dashed lines are each period's downtime budget at the target availability: where a curve crosses its line reads the share of periods that miss the target. ` : '') +
      'Interval availability is 1 - downtime / the period.',
    spec: base(title, {
      width: WIDTH,
      height: 300,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', strokeWidth: 2, point: { size: 14 } },
          encoding: {
            x: { field: 'minutes', type: 'quantitative', scale: { type: 'log' }, title: 'downtime in the period, x (minutes)' },
            y: { field: 'probability', type: 'quantitative', scale: { type: 'log' }, title: 'P(downtime in the period >= x)' },
            color: colour,
            tooltip: [{ field: 'period', type: 'nominal' }, { field: 'minutes', type: 'quantitative', format: '.4g' }, { field: 'probability', type: 'quantitative', format: '.4g' }],
          },
        },
        ...(budgets.length
          ? [{ data: { values: budgets }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'minutes', type: 'quantitative' }, color: colour } }]
          : []),
      ],
    }),
  };
}

/** The charts of a study for one service: A(t), R(t), interval availability. */
export function transientCharts(r: TransientResults, service?: string): Chart[] {
  const s = r.services[focusIndex(r, service)];
  return [curveChart(r, s, 'availability'), curveChart(r, s, 'reliability'), intervalChart(s)].filter((c): c is Chart => c !== null);
}

/** The HTML page: the settings, the charts, the table of the focus service. */
async function transientHtml(r: TransientResults, charts: RenderedChart[], service?: string): Promise<string> {
  const { esc, figure, page } = await import('./html.js');
  const set = r.settings;
  const s = r.services[focusIndex(r, service)];
  const meta =
    `Topology <code>${esc(r.topology.file)}</code>. ${set.runs.toLocaleString('en-US')} histories of ${esc(formatDuration(set.horizonSeconds))}, seed ${set.seed}, ` +
    `${set.initialDown.length ? `with ${esc(set.initialDown.map((d) => d.path).join(', '))} failed at time 0` : 'from everything new and up'}, no warm-up. Focus: service <b>${esc(s.name)}</b>. ` +
    `Exact values: ${esc(r.exactNote ?? 'the transient solution of the Markov chain, by uniformisation')}.`;
  const years = set.horizonSeconds / YEAR;
  const body = [
    '<h2 id="curves">Availability and reliability over time</h2>',
    ...charts.filter((c) => c.kind !== 'interval-availability').map(figure),
    '<h2 id="interval">Interval availability</h2>',
    `<pre>${esc([...intervalLines('month', s.month), ...intervalLines('year', s.year)].join('\n'))}</pre>`,
    ...charts.filter((c) => c.kind === 'interval-availability').map(figure),
    `<p class="note">Every figure is in <code>transient.json</code>; A(t) and R(t) at every grid time in <code>transient.csv</code>. Horizon: ${sig(years, 3)} years.</p>`,
  ].join('\n');
  return page(`${r.topology.name}: transient and mission measures`, meta, [['curves', 'A(t) and R(t)'], ['interval', 'Interval availability']], body, r.nfvsim);
}

/** Writes `transient.json`, `transient.csv` and, unless `charts` is false, the charts and `report.html` into `dir`. Returns the files written, relative to `dir`. */
export async function writeTransientReport(dir: string, r: TransientResults, opts: { charts?: boolean; service?: string } = {}): Promise<string[]> {
  outputStep(dir, () => mkdirSync(dir, { recursive: true }));
  writeFileAtomic(join(dir, 'transient.json'), JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(join(dir, 'transient.csv'), transientCsv(r));
  if (opts.charts === false) return ['transient.json', 'transient.csv'];
  const { writeCharts } = await import('./html.js');
  const { rendered, files } = await writeCharts(dir, transientCharts(r, opts.service));
  writeFileAtomic(join(dir, 'report.html'), await transientHtml(r, rendered, opts.service));
  return ['transient.json', 'transient.csv', ...files, 'report.html'];
}
