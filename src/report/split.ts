/** The terminal report of a splitting run (`nfvsim run --rare-event splitting`) and of an automatic choice of method. */
import { formatDuration } from '../engine/units.js';
import { HEAVY_TAIL_K, heavyTail, MIN_OUTAGES_TO_PREDICT } from '../runner/precision-step.js';
import type { MethodChoice, SplitReport } from '../rare/split-run.js';
import { num, sig } from './format.js';
import { figureLines, precisionLine } from './rare.js';

/** The lines saying which method an automatic choice took and why. */
export function renderChoiceText(c: MethodChoice): string {
  const lines = [`Method: ${c.chosen} (automatic choice for ${(c.precision * 100).toFixed(1)}%: pilots predict the events to reach it)`];
  for (const p of c.pilots) {
    lines.push(
      `  ${p.method.padEnd(16)}` +
        (p.refused !== null
          ? `not considered: ${p.refused}`
          : `pilot ${num(p.events)} events, worst relative half-width ${Number.isFinite(p.worstRelativeHalfWidth) ? `${(p.worstRelativeHalfWidth * 100).toFixed(0)}%` : 'no outage seen'}; predicted ${Number.isFinite(p.predictedEvents) ? `${sig(p.predictedEvents / 1e6)} M events` : Number.isFinite(p.worstRelativeHalfWidth) ? `n/a (fewer than ${MIN_OUTAGES_TO_PREDICT} outages of a service)` : 'n/a'}` +
            (heavyTail(p.tail) ? `, not trusted: a heavy tail (Pareto k ${p.tail.toFixed(2)} >= ${HEAVY_TAIL_K})` : '')),
    );
  }
  return lines.join('\n') + '\n';
}

/** Renders a splitting report as text for a terminal. */
export function renderSplitText(report: SplitReport, elapsedSeconds?: number): string {
  const r = report.results;
  const set = report.settings;
  const lines: string[] = [];
  lines.push(`nfvsim ${report.nfvsim}   ${report.input.name} (${report.input.file})`);
  if (set.choice) lines.push(renderChoiceText(set.choice).trimEnd());
  const levels = r.factors.slice(1).map((f, i) => `level ${i + 1}: ${f}`).join(', ');
  lines.push(
    `Rare-event estimate: multilevel splitting (RESTART) over histories of ${formatDuration(set.horizonSeconds)}` +
      (set.warmupSeconds > 0 ? ` (warm-up ${formatDuration(set.warmupSeconds)})` : '') +
      `, seed ${set.seed}; importance: ${set.target !== null ? `redundancy used in ${set.target}` : 'none (no service has redundancy: nothing to split)'}`,
  );
  lines.push(`Splitting factors ${levels || 'none'}; plain crossings per history ${r.pilotCrossings.slice(1).map((c) => sig(c)).join(', ') || 'n/a'} (pilot)`);
  lines.push(
    `${num(r.histories)} histories (${num(r.batches)} batches of ${set.historiesPerBatch}), ${num(r.trials)} trials (${num(r.copies)} copies of running histories), ${sig(r.events / 1e6)} M events` +
      (elapsedSeconds !== undefined ? `, ${elapsedSeconds.toFixed(1)} s` : ''),
  );
  for (const p of r.problems) lines.push(`WARNING: ${p}.`);
  for (const n of r.notes ?? []) lines.push(`Note: ${n}.`);
  const stop = set.stop;
  if (stop) {
    const why = stop.reason === 'max-histories' ? `--max-runs ${num(stop.maxHistories)} ran out` : 'the estimate is not trustworthy (see the warnings)';
    lines.push(precisionLine(stop.precision, stop.reason, r.services, why, `${num(r.histories)} histories`));
  }
  const trustedNames = new Set(r.services.filter((s) => !r.problems.some((p) => p.startsWith(`${s.name}:`))).map((s) => s.name));
  for (const s of r.services) {
    lines.push('');
    lines.push(`${s.name}${s.depth > 0 ? `  (split on: ${s.depth} levels)` : ''}`);
    if (s.historiesWithOutage === 0) {
      lines.push(`  no outage in ${num(r.histories)} histories: no estimate`);
      continue;
    }
    lines.push(...figureLines(s, trustedNames.has(s.name)));
  }
  lines.push('');
  lines.push('Only the figures above are estimated in this mode: recovery-time distributions, SAL verdicts and attribution need plain histories (run with --rare-event plain, or without --precision).');
  return lines.join('\n') + '\n';
}
