/**
 * Sensitivity and importance as a sweep. A study is an experiment generated from the
 * topology: the base, one scenario per improved parameter, and two per component type
 * (perfect, failed); it runs on the sweep engine (shards, journal, threads, resume, a
 * queue) with one seed for every scenario, so replication r of every scenario replays the
 * same named random streams (common random numbers) and each effect is estimated from
 * the per-replication differences to the base. The results are built from the sweep's
 * journal alone: the same bytes for any number of threads.
 *
 * Estimators (U: a replication's unavailability, downtime / window; per service):
 * - effect of a parameter: mean(U_variant - U_base) in minutes per year, with a paired
 *   Student-t interval; the SAL breach shares' change as a difference of ratio
 *   estimators (breaching outages / judged outages), delta method on paired replications;
 * - Birnbaum importance of a type: A(perfect) - A(failed) = mean(U_failed - U_perfect);
 * - criticality importance: (U - U_perfect) / U = sum(U_base - U_perfect) / sum(U_base);
 * - risk achievement worth: U_failed / U = sum(U_failed) / sum(U_base);
 * ratios with delta-method intervals on the paired replications.
 */
import { basename, dirname } from 'node:path';
import { parseText, readInputFile } from '../model/load.js';
import { loadTopologyText, TopologyError } from '../model/index.js';
import type { SystemModel } from '../model/build.js';
import { loadExperimentText, type LoadedExperiment } from '../experiment/load.js';
import { YEAR } from '../engine/units.js';
import { VERSION } from '../version.js';
import { pairedDifference, pairedRatio, pairedRatioDifference, unpairedStandardError, type Estimate } from '../metrics/stats.js';
import { summarize } from '../metrics/summary.js';
import { SHARD_SIZE } from '../runner/run.js';
import { gatherPoints, type PointReplications } from '../sweep/sweep.js';
import type { JournalEntry } from '../sweep/journal.js';
import { ALWAYS_FAILED, sensitivityDesign, type DesignOptions, type ParameterKind, type SensitivityDesign } from './design.js';

/** Options of a sensitivity study. Times in seconds; each defaults to the topology's. */
export interface SensitivityOptions extends DesignOptions {
  runs?: number;
  seed?: number;
  horizon?: number;
  warmup?: number;
  /** The service the table and chart focus on (default: the first). */
  service?: string;
}

/** A study ready to run: the generated experiment and its design. */
export interface SensitivityStudy {
  experiment: LoadedExperiment;
  design: SensitivityDesign;
}

/** The name of the base scenario. */
export const BASE_POINT = 'base';
/** The longest scenario name an experiment accepts. */
const NAME_MAX = 60;

/** `label`, cut to NAME_MAX characters and made unique among `taken`. */
function uniqueName(label: string, taken: Set<string>): string {
  let name = label.length > NAME_MAX ? `${label.slice(0, NAME_MAX - 3)}...` : label;
  for (let i = 2; taken.has(name); i++) name = `${label.slice(0, NAME_MAX - 6)} (${i})`;
  taken.add(name);
  return name;
}

/**
 * `set` entries for the `failed` variant of `type`: remove the recovery chains that take
 * over the repair of a component of that type (their last action always works), and let
 * the silent failures of the other types they covered be noticed at once (`undetected:
 * 0s`, as a topology without recovery must say; those components sit on or under one
 * that never comes back, so when they are repaired hardly matters).
 */
function recoveriesOf(model: SystemModel, type: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of model.functions) {
    const r = f.recovery;
    if (!r) continue;
    const covered = f.instances.flatMap((inst) => (r.base && inst.base !== inst.top ? [inst.top, inst.base] : [inst.top])).map((c) => model.components[c]);
    if (!covered.some((c) => c.type === type)) continue;
    out[`${f.path}.recovery`] = null;
    for (const c of covered) {
      if (c.type === type) continue;
      for (const m of c.modes) if (!m.announced && m.notice === null) out[`components.${c.type}.failures.${m.name}.undetected`] = '0s';
    }
  }
  return out;
}

/**
 * Builds the study of the topology in `file`: validates the selection (a TopologyError
 * naming the file and the selector), and generates the experiment (base first, then one
 * scenario per parameter, then `<type> perfect` and `<type> failed` per component type).
 */
export function sensitivityStudy(file: string, opts: SensitivityOptions): SensitivityStudy {
  const text = readInputFile(file);
  const topo = loadTopologyText(text, file);
  const data = parseText(text, file).data;
  if (opts.service !== undefined && !topo.model.services.some((s) => s.name === opts.service)) {
    throw new TopologyError(file, [{ path: '', message: `--service ${opts.service}: no such service; the topology has: ${topo.model.services.map((s) => s.name).join(', ')}` }]);
  }
  const design = sensitivityDesign(data, topo.model, file, opts);
  if (design.parameters.length + design.importance.length === 0) {
    throw new TopologyError(file, [{ path: '', message: 'nothing to vary: no parameter can improve and no component type can fail (or --no-importance left none)' }]);
  }
  const taken = new Set<string>([BASE_POINT]);
  const scenarios = [
    { name: BASE_POINT, set: {} },
    ...design.parameters.map((p) => ({ name: uniqueName(p.label, taken), set: { [p.path]: p.to } })),
    ...design.importance.flatMap((t) => [
      { name: uniqueName(`${t.type} perfect`, taken), set: { [`components.${t.type}.failures`]: {} } },
      // Never repaired: it needs no crew (a crew held forever would starve other types),
      // and no recovery chain takes its failure over (its last action always works).
      { name: uniqueName(`${t.type} failed`, taken), set: { [`components.${t.type}.failures`]: ALWAYS_FAILED, [`components.${t.type}.crew`]: null, ...recoveriesOf(topo.model, t.type) } },
    ]),
  ];
  const d = topo.model.defaults;
  const spec = {
    name: `sensitivity-${topo.model.name}`,
    description: `Sensitivity and importance of ${topo.model.name}: each parameter improved by a factor ${design.factor}; each component type perfect and failed.`,
    base: basename(file),
    runs: opts.runs ?? d.runs,
    seed: opts.seed ?? d.seed,
    horizon: `${opts.horizon ?? d.horizon}s`,
    warmup: `${opts.warmup ?? d.warmup}s`,
    ...(opts.service !== undefined ? { service: opts.service } : {}),
    baseline: BASE_POINT,
    scenarios,
  };
  const experiment = loadExperimentText(JSON.stringify(spec, null, 1), file, dirname(file));
  return { experiment: { ...experiment, horizonReason: opts.horizon !== undefined ? 'set on the command line' : d.horizonReason }, design };
}

/** A parameter's effect on one service (variant minus base). */
export interface ParameterEffect {
  service: string;
  /** Change in downtime, minutes per year, with its paired 95% CI. */
  downtimeMinutesPerYear: Estimate;
  /** The standard error the change would have from independent runs (no common random numbers). */
  unpairedSe: number;
  /** Change in the share of outages breaching SAL 1, 2, 3 (a share: 0.01 is one percentage point), paired 95% CIs. */
  salShare: Estimate[];
}

/** The classic importance measures of a component type for one service. */
export interface ImportanceMeasures {
  service: string;
  /** Birnbaum: A(type perfect) - A(type always failed), an availability difference. */
  birnbaum: Estimate;
  /** Criticality: (U - U(perfect)) / U, the share of the unavailability the type's failures cause. */
  criticality: Estimate;
  /** Risk achievement worth: U(failed) / U. */
  raw: Estimate;
  /** Downtime (minutes per year) with the type perfect, and its change from the base (paired). */
  perfectDowntimeMinutesPerYear: Estimate;
  perfectChangeMinutesPerYear: Estimate;
  /** Availability with the type always failed. */
  failedAvailability: Estimate;
}

/** What `sensitivity.json` holds. */
export interface SensitivityResults {
  nfvsim: string;
  topology: { file: string; sha256: string; name: string };
  settings: { seed: number; runs: number; horizonSeconds: number; horizonReason: string; warmupSeconds: number; shardSize: number; factor: number };
  /** The service the table and chart focus on. */
  focus: { service: string };
  /** The base figures per service. */
  base: Array<{ service: string; availability: Estimate; downtimeMinutesPerYear: Estimate; salShare: number[] }>;
  parameters: Array<{ path: string; kind: ParameterKind; label: string; from: unknown; to: unknown; effects: ParameterEffect[] }>;
  importance: Array<{ type: string; layer: string; components: number; measures: ImportanceMeasures[] }>;
}

/** Builds the results of a study from its sweep's journal entries (in any order). Throws SweepInterrupted when shards are missing. */
export function sensitivityResults(study: SensitivityStudy, entries: Iterable<JournalEntry>): SensitivityResults {
  return resultsFromPoints(study, gatherPoints(study.experiment, entries));
}

/** Builds the results from each point's replications (see gatherPoints). */
export function resultsFromPoints(study: SensitivityStudy, points: PointReplications[]): SensitivityResults {
  const { experiment: exp, design } = study;
  const model = exp.base.topology.model;
  const services = model.services.map((s) => s.name);
  const minutes = YEAR / 60;
  const base = points[0];
  const baseSummary = summarize(model, base.acc);
  const effect = (v: PointReplications, s: number): ParameterEffect => ({
    service: services[s],
    downtimeMinutesPerYear: pairedDifference(v.unavailability[s], base.unavailability[s], minutes),
    unpairedSe: unpairedStandardError(v.unavailability[s], base.unavailability[s], minutes),
    salShare: v.salBreaches[s].map((b, k) => pairedRatioDifference(b, v.judged[s], base.salBreaches[s][k], base.judged[s])),
  });
  const np = design.parameters.length;
  return {
    nfvsim: VERSION,
    topology: { file: exp.base.file, sha256: exp.base.sha256, name: model.name },
    settings: { seed: exp.seed, runs: exp.runs, horizonSeconds: exp.horizon, horizonReason: exp.horizonReason, warmupSeconds: exp.warmup, shardSize: SHARD_SIZE, factor: design.factor },
    focus: { service: exp.service.name },
    base: baseSummary.services.map((s) => ({ service: s.name, availability: s.availability, downtimeMinutesPerYear: s.downtimeMinutesPerYear, salShare: s.sal.map((c) => c.share) })),
    parameters: design.parameters.map((p, i) => ({ ...p, effects: services.map((_, s) => effect(points[1 + i], s)) })),
    importance: design.importance.map((t, i) => {
      const perfect = points[1 + np + 2 * i];
      const failed = points[2 + np + 2 * i];
      return {
        ...t,
        measures: services.map((service, s): ImportanceMeasures => {
          const u = base.unavailability[s];
          const u0 = perfect.unavailability[s];
          const u1 = failed.unavailability[s];
          return {
            service,
            birnbaum: pairedDifference(u1, u0),
            criticality: pairedRatio(
              u.map((x, r) => x - u0[r]),
              u,
            ),
            raw: pairedRatio(u1, u),
            perfectDowntimeMinutesPerYear: pairedDifference(u0, u0.map(() => 0), minutes),
            perfectChangeMinutesPerYear: pairedDifference(u0, u, minutes),
            failedAvailability: pairedDifference(u1.map(() => 1), u1),
          };
        }),
      };
    }),
  };
}
