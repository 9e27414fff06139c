/**
 * The report of an uncertainty study (`nfvsim uncertainty`): a text summary,
 * `uncertainty.json`, `uncertainty.csv` (one row per parameter set), the chart of the
 * distribution of downtime across parameter sets, the chart of downtime against each
 * uncertain input, and `report.html`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { outputStep, writeFileAtomic } from '../output.js';
import { formatDuration, YEAR } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';
import { formatValue } from '../experiment/design.js';
import type { UncertainValueT } from '../experiment/schema.js';
import type { ServiceUncertainty, UncertaintyResults, VerdictCounts } from '../uncertainty/run.js';
import { alignColumns, estimateParts, num, sig } from './format.js';
import type { RenderedChart } from './html.js';
import { base, fin, WIDTH, type Chart } from './charts.js';

/** The index of the focus service. */
function focusIndex(r: UncertaintyResults): number {
  return Math.max(0, r.services.findIndex((s) => s.service === r.focus.service));
}

/** A distribution over a value, in words: `lognormal(median 1y, error factor 3)`. */
export function describeUncertain(u: UncertainValueT): string {
  const v = (x: unknown) => `${formatValue(x)}${'unit' in u && u.unit !== undefined ? u.unit : ''}`;
  switch (u.dist) {
    case 'lognormal':
      return `lognormal(median ${v(u.median)}, error factor ${u.errorFactor})`;
    case 'uniform':
    case 'loguniform':
      return `${u.dist}(${v(u.min)} .. ${v(u.max)})`;
    case 'gamma':
      return `gamma(shape ${u.shape}, scale ${v(u.scale)})`;
    case 'normal':
      return `normal(mean ${v(u.mean)}, sd ${v(u.sd)}, >= 0)`;
    case 'discrete':
      return `one of ${u.values.map((x, i) => `${formatValue(x)}${u.weights ? ` (weight ${u.weights[i]})` : ''}`).join(', ')}`;
  }
}

const pct = (e: Estimate) => {
  const p = estimateParts(e, 100, 2);
  return `${p.mean} % [${p.ci}]`;
};
const verdicts = (v: VerdictCounts) => `the sets' own verdicts: ${v.PASS} PASS, ${v.FAIL} FAIL, ${v.INCONCLUSIVE} INCONCLUSIVE`;
/** Decimals of a percentage that show two significant digits of the unavailability 1 - a. */
const pctDecimals = (a: number) => Math.max(2, Math.min(8, -1 - Math.floor(Math.log10(Math.max(1e-12, 1 - a)) + 1e-9)));
/** Availability as a percentage with `decimals` (default: enough for its unavailability). */
const availabilityPct = (a: number, decimals = pctDecimals(a)) => `${(100 * a).toFixed(decimals)} %`;

/** The lines of one service. */
function serviceLines(r: UncertaintyResults, s: ServiceUncertainty): string[] {
  const d = estimateParts(s.downtimeMinutesPerYear);
  const out = [
    `service ${s.service}`,
    `  availability over the parameter uncertainty: E[A] = ${pct(s.availability)}`,
    `    across parameter sets: ${s.availabilityQuantiles.map((q) => `${sig(q.p * 100, 2)}%: ${availabilityPct(q.value, pctDecimals(s.availabilityQuantiles[s.availabilityQuantiles.length - 1].value))}`).join(', ')}`,
    `  downtime per year: E = ${d.mean} min [${d.ci}]; across sets: ${s.downtimeQuantiles.map((q) => `${sig(q.p * 100, 2)}%: ${num(q.value, q.value < 10 ? 2 : 0)}`).join(', ')} min`,
    `  simulation noise is ${sig(100 * s.noiseShare, 2)}% of the spread across sets${s.noiseShare > 0.25 ? ' (the quantiles are blurred by it: raise runs per set)' : ' (the rest is the parameters\')'}`,
  ];
  if (s.target) out.push(`  P(A >= ${availabilityPct(s.target.availability)}) = ${pct(s.target.probability)}   (${verdicts(s.target.verdicts)})`);
  else out.push('  no availability target (give the service a target, or uncertain.target)');
  for (const c of s.sal) out.push(`  P(meet SAL ${c.sal}) = ${pct(c.probability)}   (${verdicts(c.verdicts)})`);
  out.push(`  (P(meet SAL k): the share of sets whose outages breach SAL k's bounds in at most ${sig(100 * r.settings.salTolerance, 2)}% of cases)`);
  return out;
}

/** The text report: the inputs, then per service E[A], the quantiles, P(meet target) and P(meet SAL). */
export function renderUncertaintyText(r: UncertaintyResults): string {
  const set = r.settings;
  const out = [
    `nfvsim ${r.nfvsim} uncertainty   ${r.experiment.name} (${r.experiment.file}) on ${r.topology.name} (${r.topology.file})`,
    `${num(set.samples)} parameter sets x ${num(set.runs)} histories of ${formatDuration(set.horizonSeconds - set.warmupSeconds)} each (seed ${set.seed}); every set has histories of its own; 95% intervals`,
    'uncertain inputs (drawn independently):',
    ...alignColumns(
      ['  parameter', 'distribution', 'path'],
      r.parameters.map((p) => [`  ${p.label}`, describeUncertain(p.distribution), p.path]),
    ),
  ];
  for (const s of r.services) out.push('', ...serviceLines(r, s));
  return out.join('\n') + '\n';
}

/** A value drawn for a parameter as a number in the unit it is written in ('45.2d' is 45.2 d, '0.8/y' is 0.8 /y), or null when it is not a number. */
function numeric(v: unknown): { value: number; unit: string } | null {
  if (typeof v === 'number') return { value: v, unit: '' };
  const m = typeof v === 'string' ? /^\s*([\d.]+(?:[eE][+-]?\d+)?)\s*(\/?[a-z]+)\s*$/.exec(v) : null;
  return m ? { value: Number(m[1]), unit: m[2] } : null;
}

/** One CSV row per parameter set: its values, then per service its availability (with CI) and downtime per year. */
export function uncertaintyCsv(r: UncertaintyResults): string {
  const q = (x: unknown) => JSON.stringify(typeof x === 'string' ? x : formatValue(x));
  const head = ['set', 'name', ...r.parameters.map((p) => q(p.path)), ...r.services.flatMap((s) => ['availability', 'availability_lo', 'availability_hi', 'downtime_min_per_year'].map((c) => q(`${s.service}.${c}`)))];
  const rows = r.sets.map((x) => [
    x.index + 1,
    q(x.name),
    ...r.parameters.map((p) => q(x.values[p.path])),
    ...x.services.flatMap((s) => [s.availability.mean, s.availability.lo, s.availability.hi, s.downtimeMinutesPerYear.mean]),
  ]);
  return [head, ...rows].map((row) => row.join(',')).join('\n') + '\n';
}

/** The distribution across parameter sets of the focus service's downtime per year (an ECDF), with the target's budget. */
export function distributionChart(r: UncertaintyResults): Chart {
  const s = focusIndex(r);
  const svc = r.services[s];
  const values = r.sets.map((x) => x.services[s].downtimeMinutesPerYear.mean).sort((a, b) => a - b);
  const rows = values.map((v, i) => ({ downtime: Math.max(v, 1e-3), share: (i + 1) / values.length }));
  const title = `${svc.service}: downtime per year across the parameter uncertainty`;
  const budget = svc.target ? ((1 - svc.target.availability) * YEAR) / 60 : null;
  const e = estimateParts(svc.downtimeMinutesPerYear);
  return {
    kind: 'uncertainty',
    title,
    caption:
      `Each of the ${num(values.length)} parameter sets drawn from the uncertain inputs gives the expected downtime of ${svc.service} per year (from ${num(r.settings.runs)} histories of its own); ` +
      `the curve is the share of sets at or below each downtime (log scale; a set with no downtime is drawn at 0.001 min). The mean over the uncertainty is ${e.mean} min/y [${e.ci}]. ` +
      (budget !== null && svc.target
        ? `The dashed line is the downtime the target ${availabilityPct(svc.target.availability)} allows (${sig(budget, 3)} min/y): the curve's height there is P(meet the target) = ${sig(100 * svc.target.probability.mean, 3)}%. `
        : '') +
      `Simulation noise is ${sig(100 * svc.noiseShare, 2)}% of the spread.`,
    spec: base(title, {
      width: WIDTH,
      height: 300,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, color: '#1f5f99' },
          encoding: {
            x: { field: 'downtime', type: 'quantitative', scale: { type: 'log' }, title: 'expected downtime per year of a parameter set (min)' },
            y: { field: 'share', type: 'quantitative', title: 'share of parameter sets at or below', scale: { domain: [0, 1] } },
            tooltip: [{ field: 'downtime', type: 'quantitative', format: '.4g' }, { field: 'share', type: 'quantitative', format: '.3f' }],
          },
        },
        ...(budget !== null
          ? [
              {
                data: { values: [{ budget, label: `target: ${sig(budget, 3)} min/y` }] },
                layer: [
                  { mark: { type: 'rule', strokeDash: [4, 3], color: '#c62828', strokeWidth: 1.5 }, encoding: { x: { field: 'budget', type: 'quantitative' } } },
                  { mark: { type: 'text', align: 'left', baseline: 'top', y: 4, dx: 4, color: '#c62828', fontSize: 11 }, encoding: { x: { field: 'budget', type: 'quantitative' }, text: { field: 'label' } } },
                ],
              },
            ]
          : []),
      ],
    }),
  };
}

/** The focus service's downtime per year of each set against each numeric uncertain input (one panel per input): which uncertainty drives the spread. */
export function inputsChart(r: UncertaintyResults): Chart | null {
  const s = focusIndex(r);
  // Inputs whose values are numbers in one unit.
  const params = r.parameters
    .map((p) => ({ p, xs: r.sets.map((x) => numeric(x.values[p.path])) }))
    .filter(({ xs }) => xs.every((x) => x !== null && x.unit === xs[0]!.unit))
    .map(({ p, xs }) => ({ label: xs[0]!.unit ? `${p.label} (${xs[0]!.unit})` : p.label, xs: xs.map((x) => x!.value) }));
  if (params.length === 0) return null;
  const rows = params.flatMap((p) => r.sets.map((x, i) => ({ input: p.label, value: p.xs[i], downtime: fin(Math.max(x.services[s].downtimeMinutesPerYear.mean, 1e-3)), set: x.index + 1 })));
  const title = `${r.focus.service}: downtime per year against each uncertain input`;
  const columns = Math.min(3, params.length);
  return {
    kind: 'uncertainty-inputs',
    title,
    caption:
      'One dot per parameter set: its expected downtime per year (log scale) against the value drawn for each uncertain input (in the unit it is written in). ' +
      'An input whose panel shows a clear trend drives the spread; a shapeless cloud means it matters little beside the others.',
    spec: base(title, {
      data: { values: rows },
      facet: { field: 'input', type: 'nominal', title: null, sort: params.map((p) => p.label), header: { labelFontSize: 12.5, labelFontWeight: 'bold', labelLimit: 0 } },
      columns,
      spec: {
        width: Math.round(Math.max(200, Math.min(WIDTH, (WIDTH + 240) / columns - 40))),
        height: 220,
        mark: { type: 'point', filled: true, size: 18, opacity: 0.55, color: '#1f5f99' },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: 'value drawn', scale: { zero: false } },
          y: { field: 'downtime', type: 'quantitative', scale: { type: 'log' }, title: 'downtime (min/y)' },
          tooltip: [{ field: 'set', type: 'quantitative' }, { field: 'value', type: 'quantitative', format: '.4g' }, { field: 'downtime', type: 'quantitative', format: '.4g' }],
        },
      },
      resolve: { scale: { x: 'independent' } },
    }),
  };
}

/** The HTML page: the answer, the charts, the inputs. */
async function uncertaintyHtml(r: UncertaintyResults, charts: RenderedChart[]): Promise<string> {
  const { esc, figure, page, table } = await import('./html.js');
  const set = r.settings;
  const s = r.services[focusIndex(r)];
  const meta =
    `Experiment <code>${esc(r.experiment.file)}</code> on <code>${esc(r.topology.file)}</code>. ${num(set.samples)} parameter sets x ${num(set.runs)} histories of ` +
    `${esc(formatDuration(set.horizonSeconds - set.warmupSeconds))}, seed ${set.seed}; each set has histories of its own. Focus: service <b>${esc(s.service)}</b>.`;
  const body = [
    '<h2 id="answer">The answer</h2>',
    `<pre>${esc(serviceLines(r, s).join('\n'))}</pre>`,
    ...charts.map(figure),
    '<h2 id="inputs">Uncertain inputs</h2>',
    table(
      ['parameter', 'distribution', 'path'],
      r.parameters.map((p) => [esc(p.label), esc(describeUncertain(p.distribution)), `<code>${esc(p.path)}</code>`]),
      [0, 1, 2],
    ),
    '<p class="note">Every parameter set and its figures are in <code>uncertainty.csv</code>; everything in <code>uncertainty.json</code>.</p>',
  ].join('\n');
  return page(`${r.experiment.name}: uncertain inputs`, meta, [['answer', 'The answer'], ['inputs', 'Inputs']], body, r.nfvsim);
}

/** Writes `uncertainty.json`, `uncertainty.csv` and, unless `charts` is false, the charts and `report.html` into `dir`. Returns the files written, relative to `dir`. */
export async function writeUncertaintyReport(dir: string, r: UncertaintyResults, opts: { charts?: boolean } = {}): Promise<string[]> {
  outputStep(dir, () => mkdirSync(dir, { recursive: true }));
  writeFileAtomic(join(dir, 'uncertainty.json'), JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(join(dir, 'uncertainty.csv'), uncertaintyCsv(r));
  if (opts.charts === false) return ['uncertainty.json', 'uncertainty.csv'];
  const { writeCharts } = await import('./html.js');
  const { rendered, files } = await writeCharts(dir, [distributionChart(r), inputsChart(r)].filter((c): c is Chart => c !== null));
  writeFileAtomic(join(dir, 'report.html'), await uncertaintyHtml(r, rendered));
  return ['uncertainty.json', 'uncertainty.csv', ...files, 'report.html'];
}
