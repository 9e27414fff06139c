/**
 * The report of a design search (`nfvsim optimize`): a text summary and table,
 * `optimize.json`, `optimize.csv` (one row per design), the cost/downtime chart with the
 * Pareto front, and `report.html`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { outputStep, writeFileAtomic } from '../output.js';
import { formatDuration, YEAR } from '../engine/units.js';
import type { Estimate } from '../metrics/stats.js';
import type { DesignResult, OptimizeResults } from '../optimize/run.js';
import { alignColumns, estimateParts, num, sig } from './format.js';
import type { RenderedChart } from './html.js';
import { base, fin, WIDTH, type Chart } from './charts.js';

const pct = (e: Estimate) => {
  const p = estimateParts(e, 100, 2);
  return `${p.mean} % [${p.ci}]`;
};
const minutes = (e: Estimate) => {
  const p = estimateParts(e);
  return `${p.mean} [${p.ci}]`;
};
const money = (x: number) => num(x, Number.isInteger(x) ? 0 : 2);

/** The target in words: `availability >= 99.95 % and SAL 1`. */
function targetText(r: OptimizeResults): string {
  return [r.target.availability !== null ? `availability >= ${sig(100 * r.target.availability, 8)} %` : '', r.target.sal !== null ? `SAL ${r.target.sal}` : ''].filter(Boolean).join(' and ');
}

/** A design's verdict as a word, with each target's 95% verdict. */
function verdictText(d: DesignResult): string {
  const parts = [d.availabilityVerdict !== null ? `A ${d.availabilityVerdict}` : '', d.sal ? `SAL ${d.sal.verdict}` : ''].filter(Boolean).join(', ');
  return `${d.verdict.toUpperCase()} (${parts})`;
}

/** The answer in sentences. */
function answerLines(r: OptimizeResults): string[] {
  const out: string[] = [];
  if (r.answer === null) {
    const undecided = r.designs.filter((d) => d.verdict === 'undecided').length;
    out.push(`no design is shown to meet the target${undecided ? ` (${undecided} undecided after ${num(r.settings.maxRuns)} histories: raise runs)` : ' (every design fails it)'}`);
    return out;
  }
  const d = r.designs[r.answer.design];
  out.push(`cheapest design that meets the target: ${d.name}   cost ${money(d.cost.total)} per year; availability ${pct(d.availability)}, verdict ${verdictText(d)}`);
  const cheaper = r.designs.filter((x) => x.cost.total < d.cost.total);
  if (r.answer.cheaperUndecided.length === 0) {
    out.push(
      cheaper.length === 0
        ? '  it is the cheapest design of all'
        : `  how sure: every cheaper design (${cheaper.length}) fails the target or is surely worse than one that costs no more (each a 95% verdict)`,
    );
  } else {
    out.push(`  NOT SURE: ${r.answer.cheaperUndecided.length} cheaper design(s) still undecided after ${num(r.settings.maxRuns)} histories: ${r.answer.cheaperUndecided.map((i) => r.designs[i].name).join('; ')}`);
  }
  if (r.meeting.length > 1) out.push(`  designs that meet the target, cheapest first: ${r.meeting.slice(0, 6).map((i) => `${r.designs[i].name} (${money(r.designs[i].cost.total)})`).join('; ')}${r.meeting.length > 6 ? '; ...' : ''}`);
  return out;
}

/** The text report: the search, the answer, the Pareto front, every design. */
export function renderOptimizeText(r: OptimizeResults): string {
  const set = r.settings;
  const out = [
    `nfvsim ${r.nfvsim} optimize   ${r.experiment.name} (${r.experiment.file}) on ${r.topology.name} (${r.topology.file})`,
    `${r.designs.length} designs; target for ${r.focus.service}: ${targetText(r)}; racing with common random numbers, ${num(set.initialRuns)} to ${num(set.maxRuns)} histories of ${formatDuration(set.horizonSeconds - set.warmupSeconds)} per design (seed ${set.seed})`,
    `histories run: ${num(r.replications.spent)} of the ${num(r.replications.exhaustive)} an exhaustive run would take, in ${r.replications.rounds} round${r.replications.rounds === 1 ? '' : 's'}`,
    '',
    ...answerLines(r),
    '',
    `cost/downtime Pareto front (cheapest first): ${r.front.map((i) => `${r.designs[i].name} (${money(r.designs[i].cost.total)}/y, ${sig(r.designs[i].downtimeMinutesPerYear.mean, 3)} min/y)`).join('; ')}`,
    '',
  ];
  const rows = [...r.designs]
    .sort((a, b) => a.cost.total - b.cost.total || a.index - b.index)
    .map((d) => [d.name, money(d.cost.total), num(d.runs), pct(d.availability), minutes(d.downtimeMinutesPerYear), verdictText(d), d.onFront ? 'yes' : '', d.stopped]);
  out.push(...alignColumns(['design', 'cost/y', 'runs', 'availability [95% CI]', 'downtime min/y', 'verdict', 'front', 'left the race because'], rows));
  return out.join('\n') + '\n';
}

/** One CSV row per design. */
export function optimizeCsv(r: OptimizeResults): string {
  const q = (x: string) => JSON.stringify(x);
  const lines = ['design,name,cost_per_year,runs,availability,availability_lo,availability_hi,downtime_min_per_year,verdict,on_front,stopped'];
  for (const d of r.designs) lines.push([d.index + 1, q(d.name), d.cost.total, d.runs, d.availability.mean, d.availability.lo, d.availability.hi, d.downtimeMinutesPerYear.mean, d.verdict, d.onFront, q(d.stopped)].join(','));
  return lines.join('\n') + '\n';
}

/** Cost against downtime per year, one point per design with its 95% CI, coloured by verdict; the Pareto front joined; the target's downtime budget. */
export function paretoChart(r: OptimizeResults): Chart {
  const rows = r.designs.map((d) => ({
    design: d.name,
    cost: d.cost.total,
    mean: fin(Math.max(d.downtimeMinutesPerYear.mean, 1e-3)),
    lo: fin(Math.max(d.downtimeMinutesPerYear.lo, 1e-3)),
    hi: fin(Math.max(d.downtimeMinutesPerYear.hi, 1e-3)),
    verdict: d.verdict,
    runs: d.runs,
  }));
  const front = r.front.map((i) => rows[i]);
  const budget = r.target.availability !== null ? ((1 - r.target.availability) * YEAR) / 60 : null;
  const title = `${r.focus.service}: cost against downtime of each design`;
  const answer = r.answer ? r.designs[r.answer.design].name : null;
  return {
    kind: 'pareto',
    title,
    caption:
      `Each point is a design: its cost per year and its expected downtime per year (log scale) with the 95% interval, coloured by its verdict on the target (${targetText(r)}). ` +
      'The line joins the Pareto front: the designs no other design beats on both cost and downtime. An interval reaching 0 is drawn down to 0.001 min (a log scale has no 0). ' +
      (budget !== null ? `The dashed line is the downtime the availability target allows (${sig(budget, 3)} min/y). ` : '') +
      (answer ? `The cheapest design that meets the target is ${answer}. ` : '') +
      'Designs that left the race early have wider intervals (fewer histories).',
    spec: base(title, {
      width: WIDTH,
      height: 320,
      layer: [
        { data: { values: front }, mark: { type: 'line', color: '#888888', strokeDash: [2, 2] }, encoding: { x: { field: 'cost', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } } },
        {
          data: { values: rows },
          encoding: {
            x: { field: 'cost', type: 'quantitative', title: 'cost per year', scale: { zero: false } },
            color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: ['meets', 'undecided', 'fails'], range: ['#2e7d32', '#f9a825', '#c62828'] } },
            tooltip: [{ field: 'design', type: 'nominal' }, { field: 'cost', type: 'quantitative' }, { field: 'mean', type: 'quantitative', format: '.4g' }, { field: 'lo', type: 'quantitative', format: '.4g' }, { field: 'hi', type: 'quantitative', format: '.4g' }, { field: 'runs', type: 'quantitative' }],
          },
          layer: [
            { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'hi' } } },
            { mark: { type: 'point', filled: true, size: 80 }, encoding: { y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: 'downtime per year (minutes, 95% CI)' } } },
          ],
        },
        ...(budget !== null
          ? [{ data: { values: [{ budget }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#c62828', strokeWidth: 1.5 }, encoding: { y: { field: 'budget', type: 'quantitative' } } }]
          : []),
      ],
    }),
  };
}

/** The HTML page: the answer, the chart, the table. */
async function optimizeHtml(r: OptimizeResults, charts: RenderedChart[]): Promise<string> {
  const { esc, figure, page } = await import('./html.js');
  const text = renderOptimizeText(r).split('\n');
  const meta = `Experiment <code>${esc(r.experiment.file)}</code> on <code>${esc(r.topology.file)}</code>. Focus: service <b>${esc(r.focus.service)}</b>; target ${esc(targetText(r))}.`;
  const body = ['<h2 id="answer">The answer</h2>', `<pre>${esc(text.slice(4).join('\n'))}</pre>`, ...charts.map(figure)].join('\n');
  return page(`${r.experiment.name}: design search`, meta, [['answer', 'The answer']], body, r.nfvsim);
}

/** Writes `optimize.json`, `optimize.csv` and, unless `charts` is false, the chart and `report.html` into `dir`. Returns the files written, relative to `dir`. */
export async function writeOptimizeReport(dir: string, r: OptimizeResults, opts: { charts?: boolean } = {}): Promise<string[]> {
  outputStep(dir, () => mkdirSync(dir, { recursive: true }));
  writeFileAtomic(join(dir, 'optimize.json'), JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(join(dir, 'optimize.csv'), optimizeCsv(r));
  if (opts.charts === false) return ['optimize.json', 'optimize.csv'];
  const { writeCharts } = await import('./html.js');
  const { rendered, files } = await writeCharts(dir, [paretoChart(r)]);
  writeFileAtomic(join(dir, 'report.html'), await optimizeHtml(r, rendered));
  return ['optimize.json', 'optimize.csv', ...files, 'report.html'];
}
