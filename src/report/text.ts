/** The terminal report of a run: what a planner reads in ten seconds. */
import { formatDuration } from '../engine/units.js';
import type { Distribution, RunSummary, ServiceSummary } from '../metrics/summary.js';
import type { TargetVerdict } from '../metrics/sal.js';
import { counted, durationParts, estimateParts, num, sig } from './format.js';
import type { RunReport } from './json.js';

const W = 22;

function row(label: string, value: string, ci: string): string {
  // An interval that cannot be computed (one replication) shows as n/a, without its unit.
  const c = ci.startsWith('n/a') ? 'n/a' : ci;
  return `  ${label.padEnd(W)}${value.padEnd(18)}${c ? `95% CI ${c}` : ''}`;
}

function line(label: string, text: string): string {
  return `  ${label.padEnd(W)}${text}`;
}

const pct = (x: number, d = 0) => `${(100 * x).toFixed(d)}%`;
const dur = (s: number) => (Number.isFinite(s) ? formatDuration(s) : 'n/a');

function durations(d: Distribution): string {
  return `mean ${dur(d.mean)}, p50 ${dur(d.p50)}, p95 ${dur(d.p95)}, p99 ${dur(d.p99)}, max ${dur(d.max)}`;
}

/** An availability target as a planner states it: `99.999 % (5.26 min/y)`. */
function targetText(t: TargetVerdict): string {
  return `${sig(100 * t.availability, 7)} % (${sig(t.downtimeMinutesPerYear)} min/y)`;
}

function serviceBlock(s: ServiceSummary): string[] {
  const chain = s.logic !== undefined ? `up = ${s.logic}` : s.chain.length > 4 ? `${s.chain.slice(0, 3).join(' -> ')} -> ... (${s.chain.length} in all)` : s.chain.join(' -> ');
  const target = s.targetSal
    ? `   target SAL ${s.targetSal}: ${s.sal[s.targetSal - 1].verdict}` + (s.unplanned ? ` (unplanned only: ${s.unplanned.sal[s.targetSal - 1].verdict})` : '')
    : '';
  const availabilityTarget = s.target ? `   target ${targetText(s.target)}: ${s.target.verdict}` : '';
  const lines = [`${s.name}  (${s.plane} plane: ${chain})${target}${availabilityTarget}`];
  if (s.noOutage) {
    const b = s.noOutage;
    lines.push(`  no outage observed in ${sig(b.observedYears)} simulated years`);
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
  const ff = s.failureFrequency;
  lines.push(
    line(
      '',
      `${sig(s.tl9000PerYear.mean)} over 15 s (TL-9000); ${sig(ff.correlatedPerYear.mean)} correlated failures` +
        (ff.probationSeconds > 0 ? ` (probation ${formatDuration(ff.probationSeconds)})` : ' (no probation window)'),
    ),
  );
  for (const [kind, zones] of Object.entries(ff.byUserZone ?? {})) {
    if (zones.length > 0) lines.push(line(`failures by ${kind}`, `${zones.map((z) => `${z.zone} ${sig(z.perYear)}`).join(', ')} per year (correlated)`));
  }
  if (s.meanOutageSeconds) {
    const m = durationParts(s.meanOutageSeconds);
    lines.push(row('mean outage', m.mean, m.ci));
  }
  lines.push(line('recovery time', durations(s.recoveryTime)));
  lines.push(line('detection time', durations(s.detectionTime)));
  const phases = Object.entries(s.phases)
    .sort((x, y) => y[1] - x[1])
    .map(([p, v]) => `${p} ${pct(v)}`);
  if (phases.length) lines.push(line('downtime by phase', phases.join(', ')));
  const c = estimateParts(s.capacityWeightedAvailability, 100, 3);
  const atLeast = s.availabilityAtLeast.map((x) => `>= ${pct(x.threshold)}: ${estimateParts(x.availability, 100, 3).mean} %`).join(', ');
  lines.push(line('capacity served', `${c.mean} % (time with ${atLeast})`));
  if (s.impactFraction.count > 0) {
    lines.push(line('impact per incident', `mean ${sig(s.impactFraction.mean, 2)}, p95 ${sig(s.impactFraction.p95, 2)}, max ${sig(s.impactFraction.max, 2)} of capacity (${num(s.impactFraction.count)} incidents)`));
  }
  if (s.sla.years > 0) {
    const y = s.sla.perYearMinutes;
    lines.push(
      line(
        'SLA (per year)',
        `downtime p50 ${sig(y.p50, 2)} min, p95 ${sig(y.p95, 2)} min, max ${sig(y.max, 2)} min; ` +
          `${pct(s.sla.yearsOverBudget.share, 1)} of ${num(s.sla.years)} years over the ${sig(s.sla.downtimeBudgetMinutes)} min budget`,
      ),
    );
  }
  lines.push(
    line(
      'SAL compliance',
      `${s.sal.map((x) => `SAL ${x.sal} ${x.verdict}`).join(', ')}   ` +
        (s.outagesObserved - s.outagesCensored > 0
          ? `(outages breaching: ${s.sal.map((x) => `${pct(x.share, 1)} <= ${pct(x.upper, 1)}`).join(' / ')}; tolerance ${pct(s.tolerance)})`
          : '(no complete outage to judge)'),
    ),
  );
  if (s.unplanned) lines.push(...unplannedLines(s, s.unplanned));
  const causes = Object.entries(s.downtimeMinutesPerYearByMode).slice(0, 4);
  const total = Object.values(s.downtimeMinutesPerYearByLayer).reduce((x, y) => x + y, 0);
  if (causes.length) {
    lines.push(line('top causes (min/y)', causes.map(([k, v]) => `${k} ${sig(v, 2)} (${pct(v / total)})`).join(', ')));
    const layers = Object.entries(s.downtimeMinutesPerYearByLayer).sort((x, y) => y[1] - x[1]);
    lines.push(line('by layer (min/y)', layers.map(([k, v]) => `${k} ${sig(v, 2)}`).join(', ')));
  }
  const ev = Object.entries(s.events).map(([k, v]) => `${k} ${sig(v)}`);
  if (ev.length) lines.push(line('HA events per year', ev.join(', ')));
  lines.push(line('outages observed', num(s.outagesObserved) + (s.outagesCensored > 0 ? ` (${num(s.outagesCensored)} cut by the window's ends)` : '')));
  return lines;
}

/** The unplanned view beside the full one: planned work counted (above, as ETSI requires) and left out (here). */
function unplannedLines(s: ServiceSummary, u: Omit<ServiceSummary, 'unplanned'>): string[] {
  const planned = s.downtimeMinutesPerYearByLayer.planned ?? 0;
  const total = Object.values(s.downtimeMinutesPerYearByLayer).reduce((x, y) => x + y, 0);
  const a = estimateParts(u.availability, 100, 3);
  const d = estimateParts(u.downtimeMinutesPerYear);
  const o = estimateParts(u.outagesPerYear);
  return [
    line('planned work', `${sig(planned, 3)} min/y of the downtime (${total > 0 ? pct(planned / total) : '0%'}); ${sig(Math.max(0, s.outagesPerYear.mean - u.outagesPerYear.mean), 3)} outages/y started by it`),
    row('unplanned only', `${a.mean} %`, `${a.ci} %`) + `  downtime ${d.mean} min/y (${d.ci}), outages ${o.mean}/y`,
    line('', `${u.sal.map((x) => `SAL ${x.sal} ${x.verdict}`).join(', ')} without planned work (recovery p95 ${dur(u.recoveryTime.p95)})`),
  ];
}

/** Renders a report as text for a terminal (no colours). */
export function renderText(report: RunReport, elapsedSeconds?: number): string {
  const s: RunSummary = report.results;
  const set = report.settings;
  const lines: string[] = [];
  lines.push(`nfvsim ${report.nfvsim}   ${report.input.name} (${report.input.file})`);
  lines.push(
    `${counted(set.runs, 'run')} x ${formatDuration(set.horizonSeconds)} horizon (${set.horizonReason}), ` +
      `${set.warmupSeconds > 0 ? `warm-up ${formatDuration(set.warmupSeconds)}` : 'no warm-up'}, seed ${set.seed}`,
  );
  lines.push(
    // Many years with separators (10,000); fewer in significant digits (1.5, 2.85e-5), not rounded to 2 or 0.
    `${s.observedYears >= 1000 ? num(s.observedYears) : sig(s.observedYears)} simulated years, ${sig(s.events / 1e6)} M events` +
      (elapsedSeconds !== undefined ? `, ${elapsedSeconds.toFixed(1)} s` : ''),
  );
  const stop = set.stop;
  if (stop) {
    const worst = Math.max(...stop.achieved.map((a) => a.relativeHalfWidth));
    const got = Number.isFinite(worst) ? `${(worst * 100).toFixed(1)}%` : 'no outage seen yet';
    const why =
      stop.reason === 'precision'
        ? `precision reached: every service's unavailability within ${(stop.precision * 100).toFixed(1)}% (95% CI half-width; worst ${got})`
        : `NOT reached: ${stop.reason === 'max-runs' ? `--max-runs ${num(stop.maxRuns)} ran out` : `--max-time ran out (this stop depends on the machine: not reproducible from the seed)`}; worst relative half-width ${got}, target ${(stop.precision * 100).toFixed(1)}%`;
    lines.push(`Run to precision: ${why}; ${num(set.runs)} runs.`);
  }
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
    lines.push('HA events per year by group:');
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
