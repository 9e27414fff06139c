/**
 * Vega-Lite chart specs built from results: pure functions of a sweep's results.json or
 * a run's report.json, with the data inlined, so a spec renders the same anywhere
 * (headlessly here, in the Vega editor, in a notebook).
 *
 * Charts of a sweep (for its focus service), the answer first: each point's paired
 * difference to the baseline (when points are paired); downtime per year against the
 * swept parameter with 95% CI bands; downtime
 * per cause layer as stacked bars; the recovery-time ECDF with the SAL bounds marked; the
 * impact-fraction histogram; a SAL-compliance heatmap for two-parameter grids. Charts of
 * a run: the same per service.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RunReport } from './json.js';
import type { ServiceSummary } from '../metrics/summary.js';
import { focusServiceIndex, type SweepResults } from '../sweep/sweep.js';
import { CAUSE_LAYERS } from '../metrics/summary.js';
import { DURATION_PATTERN, parseDuration } from '../engine/units.js';
import { formatValue, parameterLabels } from '../experiment/design.js';
import { sig } from './format.js';

/**
 * The font stack of every chart (SVG text and the HTML page): the reader's system
 * font first, then DejaVu Sans, which is shipped in assets/fonts so PNGs (resvg, no
 * system fonts) render text anywhere, then common fallbacks.
 */
export const CHART_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

/** The kinds of chart. */
export type ChartKind =
  | 'downtime'
  | 'difference'
  | 'layers'
  | 'recovery'
  | 'impact'
  | 'heatmap'
  | 'tradeoff'
  | 'tornado'
  | 'importance'
  | 'point-availability'
  | 'reliability'
  | 'interval-availability'
  | 'uncertainty'
  | 'uncertainty-inputs'
  | 'pareto';

/** A chart: its spec and the words around it in the report. */
export interface Chart {
  kind: ChartKind;
  title: string;
  /** One or two sentences on how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

/** The most series drawn in one ECDF or histogram; beyond it, an even selection (said in the caption). */
export const MAX_SERIES = 8;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** The width of a chart's plot area, pixels. */
export const WIDTH = 560;
const VERDICT_COLOURS = { domain: ['PASS', 'INCONCLUSIVE', 'FAIL'], range: ['#2e7d32', '#f9a825', '#c62828'] };

/** A top-level Vega-Lite spec with the house style (font, axes, legend, padding); `extra` holds data, marks and encodings (checked when compiled). */
export function base(title: string, extra: Record<string, unknown> = {}): TopLevelSpec {
  const spec = {
    $schema: SCHEMA,
    title: { text: title, anchor: 'start', fontSize: 15 },
    config: {
      font: CHART_FONT,
      axis: { labelFontSize: 11, titleFontSize: 12, titleLimit: 520, grid: true, gridColor: '#e6e6e6' },
      // Swatches at full opacity, whatever the marks' (a CI band is drawn faint).
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, titleLimit: 260, symbolOpacity: 1, symbolSize: 120, symbolStrokeWidth: 2.5 },
      view: { stroke: '#cccccc' },
    },
    background: 'white',
    padding: 12,
    ...extra,
  };
  return spec as unknown as TopLevelSpec;
}

/** One labelled series of a chart: a point of a sweep, or a service of a run. */
interface Series {
  label: string;
  s: ServiceSummary;
}

/** The yearly downtime budget (minutes) when every series has the same, else undefined (no rule drawn). */
function commonBudget(series: readonly Series[]): number | undefined {
  const b = series[0]?.s.sla.downtimeBudgetMinutes;
  return series.every((x) => x.s.sla.downtimeBudgetMinutes === b) ? b : undefined;
}

/** Up to MAX_SERIES series evenly spread over the list (first and last kept). */
function pick<T>(xs: readonly T[]): T[] {
  if (xs.length <= MAX_SERIES) return [...xs];
  const out: T[] = [];
  for (let i = 0; i < MAX_SERIES; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (MAX_SERIES - 1))]);
  return out;
}

/** A finite number, or null (Vega-Lite data holds no NaN or Infinity). */
export const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Downtime by cause layer, stacked, one bar per series. */
function layersChart(series: Series[], what: string): Chart {
  const rows = series.flatMap((x) =>
    CAUSE_LAYERS.filter((l) => (x.s.downtimeMinutesPerYearByLayer as Record<string, number>)[l] > 0).map((l) => ({
      series: x.label,
      layer: l,
      layerIndex: CAUSE_LAYERS.indexOf(l),
      minutes: (x.s.downtimeMinutesPerYearByLayer as Record<string, number>)[l],
    })),
  );
  return {
    kind: 'layers',
    title: `Downtime per year by cause layer`,
    caption: `Minutes of downtime per year of ${what}, split by the layer of the failure that started each outage ('spurious-detection': outages no failure started).`,
    spec: base('Downtime per year by cause layer', {
      width: WIDTH,
      height: { step: 26 },
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'series', type: 'nominal', sort: series.map((x) => x.label), title: null, axis: { labelLimit: 240 } },
        x: { field: 'minutes', type: 'quantitative', stack: 'zero', title: 'downtime (minutes per year)' },
        color: { field: 'layer', type: 'nominal', scale: { domain: CAUSE_LAYERS.filter((l) => rows.some((q) => q.layer === l)), scheme: 'tableau10' }, title: 'cause layer' },
        order: { field: 'layerIndex', type: 'quantitative' },
        tooltip: [
          { field: 'series', type: 'nominal' },
          { field: 'layer', type: 'nominal' },
          { field: 'minutes', type: 'quantitative', format: '.2f' },
        ],
      },
    }),
  };
}

/** ECDF of recovery times (log axis), with the SAL recovery bounds as rules. */
function recoveryChart(series: Series[], what: string): Chart {
  const shown = pick(series);
  const rows: Array<{ series: string; seconds: number; share: number }> = [];
  for (const x of shown) {
    const n = x.s.recoveryTimeBins.reduce((a, b) => a + b.count, 0);
    if (n === 0) continue;
    let acc = 0;
    // The ECDF starts at the first bin's lower edge (1 ms for values below it).
    rows.push({ series: x.label, seconds: Math.max(1e-3, x.s.recoveryTimeBins[0].lo), share: 0 });
    for (const b of x.s.recoveryTimeBins) {
      acc += b.count;
      rows.push({ series: x.label, seconds: b.hi, share: acc / n });
    }
  }
  // The SAL bounds, when every series has the same (a point may change metrics.salBounds).
  const boundsOf = (x: Series) => x.s.sal.map((c) => c.recoveryBound).join(',');
  const same = series.every((x) => boundsOf(x) === boundsOf(series[0]));
  const bounds = same ? (series[0]?.s.sal.map((c) => ({ bound: c.recoveryBound, label: `SAL ${c.sal}: ${c.recoveryBound} s` })) ?? []) : [];
  const note = shown.length < series.length ? ` Showing ${shown.length} of ${series.length} series, evenly spread.` : '';
  return {
    kind: 'recovery',
    title: 'Failure recovery time (ECDF)',
    caption: `Share of outages of ${what} recovered (detected and restored) within a time; ${same ? 'the rules mark the SAL recovery bounds' : 'no SAL bounds are drawn: they differ between the series'}. Bins are a factor 1.01^10 = 1.105 wide (about 23 per decade).${note}`,
    spec: base('Failure recovery time (ECDF)', {
      width: WIDTH,
      height: 300,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
          encoding: {
            x: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'recovery time (s, log scale)' },
            y: { field: 'share', type: 'quantitative', title: 'share of outages recovered', scale: { domain: [0, 1] }, axis: { format: '%' } },
            color: { field: 'series', type: 'nominal', sort: shown.map((x) => x.label), title: null },
            tooltip: [
              { field: 'series', type: 'nominal' },
              { field: 'seconds', type: 'quantitative', format: '.3~s' },
              { field: 'share', type: 'quantitative', format: '.1%' },
            ],
          },
        },
        {
          data: { values: bounds },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#555555' },
          encoding: { x: { field: 'bound', type: 'quantitative' } },
        },
        {
          data: { values: bounds },
          // Right of each rule, from the bottom up: where an ECDF has little ink.
          mark: { type: 'text', angle: 270, align: 'left', baseline: 'top', dy: 3, y: { expr: 'height - 4' }, fontSize: 10, color: '#333333' },
          encoding: { x: { field: 'bound', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    }),
  };
}

/** Impact fraction per incident, in 10 bins, one colour per series. */
function impactChart(series: Series[], what: string): Chart {
  const shown = pick(series);
  const rows: Array<{ series: string; bin: string; order: number; share: number }> = [];
  for (const x of shown) {
    const n = x.s.impactFractionBins.reduce((a, b) => a + b.count, 0);
    if (n === 0) continue;
    const tens = new Array(10).fill(0);
    for (const b of x.s.impactFractionBins) tens[Math.min(9, Math.floor(b.lo * 10 + 1e-9))] += b.count;
    tens.forEach((c, i) => rows.push({ series: x.label, bin: `${i * 10}–${(i + 1) * 10}%`, order: i, share: c / n }));
  }
  const note = shown.length < series.length ? ` Showing ${shown.length} of ${series.length} series.` : '';
  return {
    kind: 'impact',
    title: 'Failure impact fraction',
    caption: `Share of incidents of ${what} (periods with less than full capacity) by the largest share of capacity lost; 100% is an outage.${note}`,
    spec: base('Failure impact fraction', {
      width: WIDTH,
      height: 260,
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'bin', type: 'ordinal', sort: { field: 'order' }, title: 'capacity lost in the incident', axis: { labelAngle: 0 } },
        xOffset: { field: 'series', type: 'nominal', sort: shown.map((x) => x.label) },
        y: { field: 'share', type: 'quantitative', title: 'share of incidents', axis: { format: '%' } },
        color: { field: 'series', type: 'nominal', sort: shown.map((x) => x.label), title: null },
        tooltip: [
          { field: 'series', type: 'nominal' },
          { field: 'bin', type: 'ordinal' },
          { field: 'share', type: 'quantitative', format: '.1%' },
        ],
      },
    }),
  };
}

/** Tooltip of a row with a name and an estimate (mean, lo, hi). */
export function ciTooltip(name: string): object[] {
  return [
    { field: name, type: 'nominal' },
    { field: 'mean', type: 'quantitative', format: '.3f' },
    { field: 'lo', type: 'quantitative', format: '.3f' },
    { field: 'hi', type: 'quantitative', format: '.3f' },
  ];
}

/** A horizontal estimate: a rule from lo to hi (its axis titled `title`) and a dot at the mean. */
export function ciBars(title: string): object[] {
  return [
    { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lo', type: 'quantitative', title }, x2: { field: 'hi' } } },
    { mark: { type: 'point', filled: true, size: 70 }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
  ];
}

/** Downtime per year per series as points with 95% CI bars (a nominal axis). */
function downtimeNominal(series: Series[], title: string, caption: string): Chart {
  const rows = series.map((x) => ({ series: x.label, mean: fin(x.s.downtimeMinutesPerYear.mean), lo: fin(x.s.downtimeMinutesPerYear.lo), hi: fin(x.s.downtimeMinutesPerYear.hi) }));
  const budget = commonBudget(series);
  return {
    kind: 'downtime',
    title,
    caption,
    spec: base(title, {
      width: WIDTH,
      height: { step: 28 },
      layer: [
        {
          data: { values: rows },
          layer: ciBars('downtime (minutes per year, 95% CI)'),
          encoding: {
            y: { field: 'series', type: 'nominal', sort: series.map((x) => x.label), title: null, axis: { labelLimit: 240 } },
            color: { value: '#1f5f99' },
            tooltip: ciTooltip('series'),
          },
        },
        ...(budget !== undefined
          ? [
              {
                data: { values: [{ budget, label: `budget ${budget} min` }] },
                layer: [
                  { mark: { type: 'rule', strokeDash: [4, 3], color: '#c62828' }, encoding: { x: { field: 'budget', type: 'quantitative' } } },
                  { mark: { type: 'text', align: 'left', dx: 4, y: -6, color: '#c62828', fontSize: 10 }, encoding: { x: { field: 'budget', type: 'quantitative' }, text: { field: 'label' } } },
                ],
              },
            ]
          : []),
      ],
    }),
  };
}

/** The unit to show durations up to `max` seconds in. */
export function durationUnit(max: number): { name: string; seconds: number } {
  if (max >= 2 * 86400) return { name: 'days', seconds: 86400 };
  if (max >= 2 * 3600) return { name: 'hours', seconds: 3600 };
  if (max >= 120) return { name: 'minutes', seconds: 60 };
  return { name: 's', seconds: 1 };
}

/** A parameter's values as numbers (durations in seconds), or null when they are not all numeric. */
function numericValues(values: unknown[]): { values: number[]; duration: boolean } | null {
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) return { values: values as number[], duration: false };
  if (values.every((v) => typeof v === 'string' && DURATION_PATTERN.test(v))) return { values: (values as string[]).map(parseDuration), duration: true };
  return null;
}

/** A sweep's x axis: the first parameter when it is numeric (a number or a duration) and the design draws lines, else null. */
interface SweepAxis {
  /** The parameter on x, and the one drawn as colours (one line per value), if any. */
  x: string;
  colour: string | undefined;
  /** x of each point, in `unit`. */
  values: number[];
  unit: { name: string; seconds: number };
  /** Vega-Lite encoding of x. */
  enc: Record<string, unknown>;
  labels: Record<string, string>;
  sampled: boolean;
}

/** The x axis of a sweep's line charts, or null when the points read better one per row (scenarios, a third grid parameter, values that are not numbers). */
function sweepAxis(r: SweepResults): SweepAxis | null {
  const params = r.experiment.parameters;
  const labels = parameterLabels(params, r.experiment.labels);
  const x = params[0];
  // A line per value of the second parameter reads well; with a third, points that differ
  // only in it would share a line: show every point on its own row instead.
  const gridTooWide = r.experiment.design === 'grid' && params.length > 2;
  const num = x !== undefined && r.experiment.design !== 'scenarios' && !gridTooWide ? numericValues(r.points.map((p) => p.params[x])) : null;
  if (!num) return null;
  const positive = num.values.every((v) => v > 0);
  const spread = positive ? Math.max(...num.values) / Math.min(...num.values) : 1;
  // Durations in a unit that suits their size.
  const unit = num.duration ? durationUnit(Math.max(...num.values)) : { name: '', seconds: 1 };
  const integers = !num.duration && num.values.every((v) => Number.isInteger(v));
  const title = `${labels[x]}${num.duration ? ` (${unit.name})` : ''}${spread >= 20 ? ', log scale' : ''}`;
  return {
    x,
    colour: params.length > 1 && r.experiment.design === 'grid' ? params[1] : undefined,
    values: num.values.map((v) => v / unit.seconds),
    unit,
    enc: {
      field: 'x',
      type: 'quantitative',
      title,
      scale: spread >= 20 ? { type: 'log' } : { zero: false, nice: false, padding: 12 },
      // Whole numbers (instances, misses) get whole ticks.
      axis: integers ? { tickMinStep: 1, format: 'd' } : {},
    },
    labels,
    sampled: r.experiment.design === 'random' || r.experiment.design === 'latin-hypercube' || r.experiment.design === 'uncertain',
  };
}

/** The dashed budget line across a chart of downtime on y, labelled at its left end. */
function budgetRule(budget: number): object {
  return {
    data: { values: [{ budget, label: `budget ${sig(budget)} min/y` }] },
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#c62828', strokeWidth: 1.5 }, encoding: { y: { field: 'budget', type: 'quantitative' } } },
      {
        // At the left end, above the line.
        mark: { type: 'text', align: 'left', baseline: 'bottom', x: 0, dx: 4, dy: -3, color: '#c62828', fontSize: 11 },
        encoding: { y: { field: 'budget', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * One line chart of a sweep against its first parameter, one line per value of the second,
 * with 95% CI bands (bars for sampled designs): the downtime per year of each point
 * (`absolute`), or its paired difference to the baseline (`difference`, the baseline at 0).
 */
function sweepLines(r: SweepResults, service: number, axis: SweepAxis, what: 'downtime' | 'difference'): Chart {
  const { x, colour, labels } = axis;
  const rows = r.points.map((p, i) => {
    const d = what === 'downtime' ? p.summary.services[service].downtimeMinutesPerYear : p.difference?.[service]?.downtimeMinutesPerYear;
    // The baseline is its own difference: exactly 0.
    const e = d ?? { mean: 0, lo: 0, hi: 0 };
    return { x: axis.values[i], group: colour !== undefined ? formatValue(p.params[colour]) : r.focus.service, point: p.name, mean: fin(e.mean), lo: fin(e.lo), hi: fin(e.hi) };
  });
  const colourEnc =
    colour !== undefined
      ? { field: 'group', type: 'nominal', title: labels[colour], sort: [...new Set(rows.map((q) => q.group))], scale: { scheme: 'tableau10' } }
      : { value: '#1f5f99' };
  const yTitle = what === 'downtime' ? 'downtime (minutes per year)' : `change in downtime vs baseline (min/y)`;
  const series: Series[] = r.points.map((p) => ({ label: p.name, s: p.summary.services[service] }));
  const budget = what === 'downtime' ? commonBudget(series) : undefined;
  const title = what === 'downtime' ? `${r.focus.service}: downtime per year` : `${r.focus.service}: change in downtime vs '${r.baseline}'`;
  const against = `against ${labels[x]}` + (colour !== undefined ? `, one line per ${labels[colour]}` : '');
  const caption =
    what === 'downtime'
      ? `Expected downtime of ${r.focus.service} per year ${against}; the band (or bar) is the 95% confidence interval` +
        (budget !== undefined ? ' and the dashed line the yearly downtime budget.' : '.') +
        ' Every point has wide intervals of its own (a few long repairs dominate the downtime); the paired differences to the baseline are much sharper.'
      : `Each point's downtime per year minus the baseline's ('${r.baseline}', at 0), ${against}. Paired: every point replays the same failure histories ` +
        `(common random numbers), so the difference is estimated replication by replication, with its own 95% confidence interval (the band or bar). ` +
        `Above 0 costs downtime, below saves it. Each interval is 95% on its own.`;
  const yEnc = { field: 'mean', type: 'quantitative', title: yTitle };
  const marks = axis.sampled
    ? [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { y: yEnc, tooltip: ciTooltip('point') } },
      ]
    : [
        { mark: { type: 'area', opacity: 0.16 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { mark: { type: 'line', strokeWidth: 2.5, point: { filled: true, size: 60 } }, encoding: { y: yEnc, tooltip: ciTooltip('point') } },
      ];
  const note = axis.sampled && r.experiment.parameters.length > 1 ? ' Other parameters vary too (a sampled design).' : '';
  const groups = [...new Set(rows.map((q) => q.group))];
  if (what === 'difference' && colour !== undefined && groups.length > 1) {
    // Small multiples, one panel per value of the second parameter, each with its own y
    // scale: a large difference in one panel does not flatten the small ones of another.
    const columns = Math.min(3, groups.length);
    return {
      kind: what,
      title,
      caption: caption.replace(`, one line per ${labels[colour]}`, `, one panel per ${labels[colour]}`) + ' Each panel has its own scale: read the numbers on its axis.' + note,
      spec: base(title, {
        // Each panel headed by its value, named: 'missed beats = 3'.
        data: { values: rows.map((q) => ({ ...q, panel: `${labels[colour]} = ${q.group}` })) },
        facet: { field: 'panel', type: 'nominal', sort: groups.map((g) => `${labels[colour]} = ${g}`), title: null, header: { labelFontSize: 12.5, labelFontWeight: 'bold', labelLimit: 0 } },
        columns,
        spec: {
          width: Math.round(Math.max(200, Math.min(WIDTH, (WIDTH + 240) / columns - 40))),
          height: 240,
          encoding: { x: axis.enc, color: { ...colourEnc, legend: null } },
          // A short y title: a rotated title longer than the panel pushes the panels apart.
          layer: [
            { mark: { type: 'rule', color: '#555555', strokeWidth: 1.5 }, encoding: { y: { datum: 0, type: 'quantitative', title: 'vs baseline (min/y)' } } },
            ...marks.map((m) => (m.encoding.y && 'title' in m.encoding.y ? { ...m, encoding: { ...m.encoding, y: { ...m.encoding.y, title: 'vs baseline (min/y)' } } } : m)),
          ],
        },
        resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
      }),
    };
  }
  return {
    kind: what,
    title,
    caption: caption + note,
    spec: base(title, {
      width: WIDTH,
      height: 320,
      layer: [
        ...(what === 'difference' ? [{ mark: { type: 'rule', color: '#555555', strokeWidth: 1.5 }, encoding: { y: { datum: 0 } } }] : []),
        { data: { values: rows }, encoding: { x: axis.enc, color: colourEnc }, layer: marks },
        ...(budget !== undefined ? [budgetRule(budget)] : []),
      ],
    }),
  };
}

/** Downtime per year against the (first) swept parameter, with a 95% CI band; one line per value of the second. */
function downtimeSweep(r: SweepResults, service: number): Chart {
  const axis = sweepAxis(r);
  if (axis) return sweepLines(r, service, axis, 'downtime');
  const series: Series[] = r.points.map((p) => ({ label: p.name, s: p.summary.services[service] }));
  return downtimeNominal(
    series,
    `${r.focus.service}: downtime per year`,
    `Expected downtime of ${r.focus.service} per year at each point, with its 95% confidence interval; the dashed line is the yearly downtime budget.`,
  );
}

/** True when the points of `r` are paired with a baseline: some point has a paired difference. */
export function isPaired(r: SweepResults): boolean {
  // The parameter sets of an uncertain design draw histories of their own: no pairing.
  return r.experiment.design !== 'uncertain' && r.points.some((p) => Array.isArray(p.difference) && p.difference.length > 0);
}

/** Each point's paired difference in downtime to the baseline, with its 95% CI: lines against the parameter where it is numeric, else one row per point. */
function differenceChart(r: SweepResults, service: number): Chart | null {
  if (!isPaired(r)) return null;
  const axis = sweepAxis(r);
  if (axis) return sweepLines(r, service, axis, 'difference');
  const rows = r.points
    .filter((p) => p.difference !== null)
    .map((p) => {
      const d = p.difference![service].downtimeMinutesPerYear;
      const effect = d.lo > 0 ? 'more downtime' : d.hi < 0 ? 'less downtime' : 'no clear difference';
      return { point: p.name, mean: fin(d.mean), lo: fin(d.lo), hi: fin(d.hi), effect };
    });
  const title = `${r.focus.service}: change in downtime vs '${r.baseline}'`;
  return {
    kind: 'difference',
    title,
    caption:
      `Each point's downtime per year minus the baseline's ('${r.baseline}'), estimated from paired replications that share their random numbers, with its 95% confidence interval. ` +
      `Each interval is 95% on its own: of ${rows.length} comparisons with no real difference, about ${(rows.length / 20).toFixed(1)} would clear zero by chance.`,
    spec: estimateRows(title, rows, 'point', 'difference in downtime (minutes per year, 95% CI)', {
      color: {
        field: 'effect',
        type: 'nominal',
        title: 'vs baseline (95%)',
        scale: { domain: ['less downtime', 'no clear difference', 'more downtime'], range: ['#2e7d32', '#8a8a8a', '#c62828'] },
      },
      tooltip: ciTooltip('point'),
    }),
  };
}

/**
 * One row per item (named by the field `name`) with an estimate (fields mean, lo, hi) as a
 * dot and a 95% CI bar on an x axis titled `axis`, beside a rule at zero; `encoding`
 * adds the colour and tooltip of the rows.
 */
export function estimateRows(title: string, rows: ReadonlyArray<Record<string, unknown>>, name: string, axis: string, encoding: { color: object; tooltip: object[] }): TopLevelSpec {
  return base(title, {
    width: WIDTH,
    height: { step: 28 },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888888' }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      {
        data: { values: rows },
        encoding: { y: { field: name, type: 'nominal', sort: rows.map((q) => q[name]), title: null, axis: { labelLimit: 300 } }, ...encoding },
        layer: ciBars(axis),
      },
    ],
  });
}

/**
 * Partitions' trade-off, one mark per point: the focus service's downtime per year (95% CI)
 * against the actions its groups took on nodes that were alive (false evacuations plus
 * takeovers across a cut heartbeat link, per year), coloured by split brains per year.
 * Null when no point has any of them.
 */
function tradeoffChart(r: SweepResults, service: number): Chart | null {
  const params = r.experiment.parameters;
  const rows = r.points.map((p) => {
    const s = p.summary.services[service];
    const e = s.events;
    const d = s.downtimeMinutesPerYear;
    return {
      point: p.name,
      short: params.map((k) => formatValue(p.params[k])).join(' / '),
      ...Object.fromEntries(params.map((k) => [k, formatValue(p.params[k])])),
      alive: fin((e.falseEvacuations ?? 0) + (e.partitionTakeovers ?? 0)),
      splitBrains: fin(e.splitBrains ?? 0),
      splitMinutes: fin(e.splitBrainMinutes ?? 0),
      mean: fin(d.mean),
      lo: fin(d.lo),
      hi: fin(d.hi),
    };
  });
  if (!rows.some((q) => (q.alive ?? 0) > 0 || (q.splitBrains ?? 0) > 0)) return null;
  const labels = parameterLabels(params, r.experiment.labels);
  const mid = Math.max(...rows.map((q) => q.alive ?? 0)) / 2;
  const title = `${r.focus.service}: downtime against actions on live nodes`;
  return {
    kind: 'tradeoff',
    title,
    caption:
      `Each point of the sweep: the downtime of ${r.focus.service} per year (95% CI) against the false evacuations and takeovers across a cut heartbeat link per year in its groups, ` +
      'actions on nodes that were alive; the colour is the split brains per year (two active copies). Fewer false actions (a longer grace period) tend to cost longer real outages; acting without fencing costs split brains.',
    spec: base(title, {
      title: { text: title, anchor: 'start', fontSize: 15, subtitle: `labels: ${params.map((k) => labels[k]).join(' / ')}`, subtitleFontSize: 11 },
      data: { values: rows },
      width: 620,
      height: 360,
      encoding: {
        x: { field: 'alive', type: 'quantitative', title: 'false evacuations + partition takeovers (per year)' },
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 1.5, color: '#777' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        {
          mark: { type: 'point', filled: true, size: 140, stroke: '#333', strokeWidth: 0.5 },
          encoding: {
            y: { field: 'mean', type: 'quantitative', title: 'downtime (minutes per year, 95% CI)' },
            color: { field: 'splitBrains', type: 'quantitative', title: 'split brains per year', scale: { scheme: 'orangered' } },
            tooltip: [
              { field: 'point', type: 'nominal' },
              ...params.map((k) => ({ field: k, type: 'nominal', title: labels[k] })),
              { field: 'mean', type: 'quantitative', format: '.3g', title: 'downtime (min/y)' },
              { field: 'alive', type: 'quantitative', format: '.3g', title: 'actions on live nodes per year' },
              { field: 'splitBrains', type: 'quantitative', format: '.3g', title: 'split brains per year' },
              { field: 'splitMinutes', type: 'quantitative', format: '.3g', title: 'minutes with two active copies per year' },
            ],
          },
        },
        // Each point named beside its mark: to its right in the left half, to its left in the right half.
        ...(['left', 'right'] as const).map((align) => ({
          transform: [{ filter: align === 'left' ? `datum.alive <= ${mid}` : `datum.alive > ${mid}` }],
          mark: { type: 'text', align, dx: align === 'left' ? 10 : -10, fontSize: 10, color: '#333' },
          encoding: { y: { field: 'mean', type: 'quantitative' }, text: { field: 'short' } },
        })),
      ],
    }),
  };
}

/** SAL compliance of the focus service over a two-parameter grid. */
function heatmapChart(r: SweepResults, service: number): Chart | null {
  const params = r.experiment.parameters;
  if (r.experiment.design !== 'grid' || params.length !== 2) return null;
  const labels = parameterLabels(params, r.experiment.labels);
  const sal = r.focus.sal;
  const rows = r.points.map((p) => {
    const s = p.summary.services[service];
    return {
      x: formatValue(p.params[params[0]]),
      y: formatValue(p.params[params[1]]),
      verdict: s.sal[sal - 1].verdict,
      text: `${s.downtimeMinutesPerYear.mean.toFixed(2)} min/y`,
      share: s.sal[sal - 1].share,
    };
  });
  const title = `${r.focus.service}: SAL ${sal} compliance`;
  return {
    kind: 'heatmap',
    title,
    caption: `Verdict on SAL ${sal} at each combination: PASS when the share of outages breaching the SAL's detection or recovery bound is below the tolerance with 95% confidence, FAIL when above, INCONCLUSIVE otherwise. The text is the downtime per year.`,
    spec: base(title, {
      data: { values: rows },
      width: { step: 110 },
      height: { step: 44 },
      encoding: {
        x: { field: 'x', type: 'ordinal', sort: [...new Set(rows.map((q) => q.x))], title: labels[params[0]], axis: { labelAngle: 0, grid: false, ticks: false } },
        y: { field: 'y', type: 'ordinal', sort: [...new Set(rows.map((q) => q.y))], title: labels[params[1]], axis: { grid: false, ticks: false } },
      },
      layer: [
        {
          mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
          encoding: {
            color: { field: 'verdict', type: 'nominal', scale: VERDICT_COLOURS, title: `SAL ${sal}` },
            tooltip: [
              { field: 'x', type: 'ordinal', title: labels[params[0]] },
              { field: 'y', type: 'ordinal', title: labels[params[1]] },
              { field: 'verdict', type: 'nominal' },
              { field: 'share', type: 'quantitative', format: '.1%', title: 'share breaching' },
            ],
          },
        },
        { mark: { type: 'text', fontSize: 11, color: 'white' }, encoding: { text: { field: 'text' } } },
      ],
    }),
  };
}

/**
 * The charts of a sweep, in report order. The first is the primary chart: the paired
 * difference to the baseline when the points are paired (see `isPaired`), else the
 * downtime per year of each point.
 */
export function sweepCharts(r: SweepResults): Chart[] {
  const service = focusServiceIndex(r);
  const series: Series[] = r.points.map((p) => ({ label: p.name, s: p.summary.services[service] }));
  const what = `${r.focus.service} at each point`;
  // The answer first: with paired points, the difference to the baseline; the absolute figures second.
  return [differenceChart(r, service), downtimeSweep(r, service), tradeoffChart(r, service), heatmapChart(r, service), layersChart(series, what), recoveryChart(series, what), impactChart(series, what)].filter(
    (c): c is Chart => c !== null,
  );
}

/** The charts of a single run, one series per service. */
export function runCharts(r: RunReport): Chart[] {
  const series: Series[] = r.results.services.map((s) => ({ label: s.name, s }));
  const what = 'each service';
  return [
    downtimeNominal(series, 'Downtime per year by service', 'Expected downtime per year of each service with its 95% confidence interval; the dashed line is the yearly downtime budget.'),
    layersChart(series, what),
    recoveryChart(series, what),
    impactChart(series, what),
  ];
}

/** True when `x` is a sweep's results (results.json) rather than a run's report. */
export function isSweepResults(x: SweepResults | RunReport): x is SweepResults {
  return Array.isArray((x as SweepResults).points);
}

/**
 * The Vega-Lite spec of one chart of a sweep's or a run's results, or null when that
 * chart does not apply (a heatmap needs a two-parameter grid; a difference needs a baseline
 * and another point).
 */
export function toVegaLite(results: SweepResults | RunReport, kind: ChartKind): TopLevelSpec | null {
  const charts = isSweepResults(results) ? sweepCharts(results) : runCharts(results);
  return charts.find((c) => c.kind === kind)?.spec ?? null;
}
