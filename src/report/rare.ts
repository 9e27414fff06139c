/** The terminal report of a rare-event run (`nfvsim run --rare-event`). */
import type { RareEventReport } from '../rare/run.js';
import type { RareFigures } from '../rare/cycles.js';
import type { Estimate } from '../metrics/stats.js';
import { durationParts, estimateParts, num, sig } from './format.js';

const W = 22;

/** In place of a CI that cannot be trusted (the weights are degenerate). */
const UNTRUSTED = 'no trustworthy 95% CI (see the warning)';

/** `mean` and its 95% CI in significant digits (rare figures span many decades); no CI when `trusted` is false. */
function sci(e: Estimate, unit = '', trusted = true): string {
  const u = unit ? ` ${unit}` : '';
  const ci = !trusted ? UNTRUSTED : Number.isFinite(e.lo) ? `95% CI ${sig(e.lo)} .. ${sig(e.hi)}${u}` : '95% CI n/a';
  return `${(sig(e.mean) + u).padEnd(18)}${ci}`;
}

/** The lines of a service's rare-event figures (availability to mean outage); without CIs when not `trusted`. */
export function figureLines(s: RareFigures, trusted: boolean): string[] {
  const a = estimateParts(s.availability, 100, 3);
  const nines = -Math.log10(s.unavailability.mean);
  const m = durationParts(s.meanOutageSeconds);
  return [
    `  ${'availability'.padEnd(W)}${(a.mean + ' %').padEnd(18)}${trusted ? `95% CI ${a.ci} %` : UNTRUSTED}` + (Number.isFinite(nines) ? `  (${nines.toFixed(1)} nines)` : ''),
    `  ${'unavailability'.padEnd(W)}${sci(s.unavailability, '', trusted)}` + (trusted ? `  (relative half-width ${(s.relativeHalfWidth * 100).toFixed(1)}%)` : ''),
    `  ${'downtime per year'.padEnd(W)}${sci(s.downtimeMinutesPerYear, 'min', trusted)}`,
    `  ${'outages per year'.padEnd(W)}${sci(s.outagesPerYear, '', trusted)}`,
    `  ${'over 15 s per year'.padEnd(W)}${sci(s.tl9000PerYear, '', trusted)}  (TL-9000)`,
    `  ${'mean outage'.padEnd(W)}${m.mean.padEnd(18)}${!trusted ? UNTRUSTED : Number.isFinite(s.meanOutageSeconds.lo) ? `95% CI ${m.ci}` : ''}`,
  ];
}

/**
 * The line of a rare-event run to precision: reached, or why not (`why` for a budget or
 * degenerate stop; a `max-time` stop is said here), and what was run (`done`).
 */
export function precisionLine(precision: number, reason: string, services: ReadonlyArray<{ relativeHalfWidth: number }>, why: string, done: string): string {
  const worst = Math.max(...services.map((s) => s.relativeHalfWidth));
  const got = Number.isFinite(worst) ? `${(worst * 100).toFixed(1)}%` : 'no outage seen yet';
  return (
    `Run to precision: ` +
    (reason === 'precision'
      ? `reached: every service's unavailability within ${(precision * 100).toFixed(1)}% (95% CI half-width; worst ${got})`
      : `NOT reached: ${reason === 'max-time' ? '--max-time ran out (this stop depends on the machine: not reproducible from the seed)' : why}; worst relative half-width ${got}, target ${(precision * 100).toFixed(1)}%`) +
    `; ${done}.`
  );
}

/** Renders a rare-event report as text for a terminal. */
export function renderRareText(report: RareEventReport, elapsedSeconds?: number): string {
  const r = report.results;
  const set = report.settings;
  const lines: string[] = [];
  lines.push(`nfvsim ${report.nfvsim}   ${report.input.name} (${report.input.file})`);
  lines.push(
    `Rare-event estimate: failure biasing over regenerative cycles, bias θ = ${sig(set.bias)} (${set.biasReason}), seed ${set.seed}`,
  );
  lines.push(
    `${num(r.cycles)} cycles (${num(r.batches)} batches of ${set.cyclesPerBatch}), ${sig(r.events / 1e6)} M events` +
      (elapsedSeconds !== undefined ? `, ${elapsedSeconds.toFixed(1)} s` : '') +
      `; all-up failure rate ${sig(r.failuresPerYearAllUp)} per year, mean cycle ${durationParts(r.meanCycleSeconds).mean}`,
  );
  const lr = r.likelihoodRatio;
  lines.push(
    `Likelihood ratio: mean ${sig(lr.mean.mean, 4)} (95% CI ${sig(lr.mean.lo, 4)} .. ${sig(lr.mean.hi, 4)}; 1 expected), ` +
      `effective sample size ${num(lr.effectiveSampleSize)} of ${num(r.cycles)}, max ${sig(lr.max)}, tail Pareto k ${Number.isFinite(lr.paretoK) ? lr.paretoK.toFixed(2) : 'n/a'} (< 0.5 needed)`,
  );
  for (const p of r.problems) lines.push(`WARNING: no estimate below can be trusted: ${p}.`);
  const stop = set.stop;
  if (stop) {
    const why = stop.reason === 'max-cycles' ? `--max-cycles ${num(stop.maxCycles)} ran out` : 'stopped: the likelihood ratios are degenerate (see the warning)';
    lines.push(precisionLine(stop.precision, stop.reason, r.services, why, `${num(r.cycles)} cycles`));
  }
  for (const s of r.services) {
    lines.push('');
    lines.push(s.name);
    if (s.cyclesWithOutage === 0) {
      lines.push(`  no outage in ${num(r.cycles)} cycles: no estimate (try more cycles or a larger --bias)`);
      continue;
    }
    lines.push(...figureLines(s, r.problems.length === 0));
    lines.push(`  ${'cycles with an outage'.padEnd(W)}${num(s.cyclesWithOutage)} of ${num(r.cycles)} (under the biased measure)`);
  }
  lines.push('');
  lines.push('Only the figures above are estimated in this mode (no recovery-time distribution, SAL verdicts or attribution: run with --rare-event plain, or without --precision, for those).');
  return lines.join('\n') + '\n';
}
