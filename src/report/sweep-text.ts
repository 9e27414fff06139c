/** A sweep's results as text for a terminal: one line per point for the focus service. */
import { focusServiceIndex, type SweepResults } from '../sweep/sweep.js';
import { formatDuration } from '../engine/units.js';
import { alignColumns, estimateParts, num, sig } from './format.js';

/** HA events per year, as `failovers 25.7, splitBrains 0.31` (counters that fired). */
export function haEvents(events: Partial<Record<string, number>>): string {
  return (
    Object.entries(events)
      .filter(([, v]) => (v ?? 0) > 0)
      .map(([k, v]) => `${k} ${sig(v!)}`)
      .join(', ') || 'none'
  );
}

/** Renders the focus service's figures per point, with the paired difference to the baseline. */
export function renderSweepText(r: SweepResults): string {
  const si = focusServiceIndex(r);
  const set = r.settings;
  const lines = [
    `nfvsim ${r.nfvsim}   experiment ${r.experiment.name} (${r.experiment.file}) on ${r.base.file}`,
    `${r.experiment.design}, ${r.points.length} points x ${num(set.runs)} runs x ${formatDuration(set.horizonSeconds)}, seed ${set.seed} (${r.experiment.design === 'uncertain' ? 'each point its own histories: nfvsim uncertainty gives the two-level estimates' : 'common random numbers'})`,
    `service ${r.focus.service}; differences are paired, to the baseline '${r.baseline}'; 95% confidence intervals`,
    '',
  ];
  // Planned work in any point: its downtime, and the SAL verdicts without it, in two more columns.
  const planned = r.points.some((p) => p.summary.services[si].unplanned !== undefined);
  const rows = r.points.map((p) => {
    const s = p.summary.services[si];
    const d = estimateParts(s.downtimeMinutesPerYear);
    const diff = p.difference?.[si]?.downtimeMinutesPerYear;
    const dd = diff ? estimateParts(diff) : undefined;
    const u = s.unplanned;
    return [
      p.name,
      `${d.mean} [${d.ci}]`,
      dd ? `${diff!.mean > 0 ? '+' : ''}${dd.mean} [${dd.ci}]` : 'baseline',
      ...(planned ? [u ? sig(s.downtimeMinutesPerYearByLayer.planned ?? 0, 3) : '-'] : []),
      s.recoveryTime.count ? formatDuration(s.recoveryTime.p95) : 'n/a',
      s.sal.map((c) => c.verdict.slice(0, 4)).join(' '),
      ...(planned ? [u ? u.sal.map((c) => c.verdict.slice(0, 4)).join(' ') : '-'] : []),
      haEvents(s.events),
    ];
  });
  const head = [
    'point',
    'downtime min/y',
    'vs baseline min/y',
    ...(planned ? ['of it planned'] : []),
    'recovery p95',
    'SAL 1 2 3',
    ...(planned ? ['unplanned only'] : []),
    'HA events per year',
  ];
  lines.push(...alignColumns(head, rows));
  return lines.join('\n') + '\n';
}
