/** The terminal report of a run: what a planner reads in ten seconds. */
import { formatDuration } from '../engine/units.js';
import type { RunSummary, ServiceSummary } from '../metrics/summary.js';
import { durationParts, estimateParts, num, sig } from './format.js';
import type { RunReport } from './json.js';

function row(label: string, value: string, ci: string): string {
  return `  ${label.padEnd(22)}${value.padEnd(18)}${ci ? `95% CI ${ci}` : ''}`;
}

function serviceBlock(s: ServiceSummary): string[] {
  const chain = s.chain.length > 4 ? `${s.chain.slice(0, 3).join(' -> ')} -> ... (${s.chain.length} in all)` : s.chain.join(' -> ');
  const lines = [`${s.name}  (${s.plane} plane: ${chain})`];
  if (s.noOutage) {
    const b = s.noOutage;
    lines.push(`  no outage observed in ${num(b.observedYears)} simulated years`);
    lines.push(row('outages per year', `< ${sig(b.outageRateUpper)}`, '') + '(95% upper bound, zero events)');
    lines.push(
      row('unavailability', `< ${sig(b.unavailabilityUpper)}`, '') +
        `(approximate: that rate x the longest mean restore, ${formatDuration(b.restoreSeconds)})`,
    );
    return lines;
  }
  const a = estimateParts(s.availability, 100, 3);
  const nines = -Math.log10(s.unavailability.mean);
  lines.push(row('availability', `${a.mean} %`, `${a.ci} %`) + (Number.isFinite(nines) ? `  (${nines.toFixed(1)} nines)` : ''));
  const d = estimateParts(s.downtimeMinutesPerYear);
  lines.push(row('downtime per year', `${d.mean} min`, `${d.ci} min`));
  const o = estimateParts(s.outagesPerYear);
  lines.push(row('outages per year', o.mean, o.ci));
  if (s.meanOutageSeconds) {
    const m = durationParts(s.meanOutageSeconds);
    lines.push(row('mean outage', m.mean, m.ci));
  }
  const c = estimateParts(s.capacityWeightedAvailability, 100, 3);
  lines.push(row('capacity served', `${c.mean} %`, `${c.ci} %`));
  const causes = Object.entries(s.downtimeByLayer).sort((x, y) => y[1] - x[1]);
  const total = causes.reduce((acc, [, v]) => acc + v, 0);
  if (total > 0) {
    lines.push(
      `  downtime by cause     ${causes
        .map(([layer, v]) => `${layer} ${sig(v, 2)} (${Math.round((100 * v) / total)}%)`)
        .join(', ')} min/y`,
    );
  }
  lines.push(`  outages observed      ${num(s.outagesObserved)}`);
  return lines;
}

/** Renders a report as text for a terminal (no colours, fits 100 columns). */
export function renderText(report: RunReport, elapsedSeconds?: number): string {
  const s: RunSummary = report.results;
  const set = report.settings;
  const lines: string[] = [];
  lines.push(`nfvsim ${report.nfvsim}   ${report.input.name} (${report.input.file})`);
  lines.push(
    `${num(set.runs)} runs x ${formatDuration(set.horizonSeconds)} horizon (${set.horizonReason}), ` +
      `${set.warmupSeconds > 0 ? `warm-up ${formatDuration(set.warmupSeconds)}` : 'no warm-up'}, seed ${set.seed}`,
  );
  lines.push(
    `${num(s.observedYears)} simulated years, ${sig(s.events / 1e6)} M events` +
      (elapsedSeconds !== undefined ? `, ${elapsedSeconds.toFixed(1)} s` : ''),
  );
  if (s.truncatedReplications > 0) {
    lines.push(`WARNING: ${s.truncatedReplications} replications hit the event cap and stopped early; their figures cover less time.`);
  }
  for (const svc of s.services) {
    lines.push('');
    lines.push(...serviceBlock(svc));
  }
  lines.push('');
  const f = Object.entries(s.failuresPerYear).map(([layer, e]) => `${layer} ${sig(e.mean)}`);
  lines.push(`Component failures per year: ${f.join(', ') || 'none'}`);
  if (s.groups.length > 0) {
    lines.push('HA events per year:');
    for (const g of s.groups) {
      const parts = Object.entries(g.perYear).map(([c, e]) => `${c} ${sig(e.mean)}`);
      lines.push(`  ${g.name} (${g.mechanism}): ${parts.join(', ')}`);
    }
  }
  const ideal = report.idealGroups;
  if (ideal.length > 0) {
    lines.push(`Ideal k-of-n (instant, perfect failover): ${ideal.length > 6 ? `${ideal.slice(0, 6).join(', ')} and ${ideal.length - 6} more` : ideal.join(', ')}.`);
  }
  return lines.join('\n') + '\n';
}
