/**
 * The design of a sensitivity study (`nfvsim sensitivity`): which parameters of a
 * topology can improve, what each becomes when it improves by a factor, and the variants
 * for the importance measures of each component type. Pure: a function of the topology
 * document, the factor and the selection.
 *
 * Parameters, for a factor f (default 2):
 * - `mttf`: a failure mode's time to failure, every time of its distribution x f
 *   (`components.<type>.failures.<mode>.ttf`);
 * - `repair`: a type's or a mode's repair time / f, and a silent mode's `undetected` / f;
 * - `restart`: a type's restart time / f;
 * - `ha`: a delay of a VNF's or VIM service's HA mechanism, supervision, recovery, evacuation or
 *   replica set / f (detector interval, switchover, fencing, reboot, rebuild, ...), and
 *   its probabilities of failing (1 - coverage, 1 - success, beat loss, ...) / f.
 * Importance variants of a component type: `perfect` (no failure mode: it never fails)
 * and `failed` (every component of the type fails 1 ms after it first comes up, silently,
 * and is never repaired).
 */
import { TopologyError, type InputIssue } from '../model/errors.js';
import type { z } from 'zod';
import { topologySchemas, type DistributionSpecT, type LayerName, type TopologySchemas } from '../model/schema.js';
import type { SystemModel } from '../model/build.js';
import { MAX_DURATION, parseDuration, UNIT_SECONDS } from '../engine/units.js';
import { ParameterPath } from '../experiment/schema.js';

/** What kind of parameter improves. */
export type ParameterKind = 'mttf' | 'repair' | 'restart' | 'ha';

/** One parameter of a sensitivity study and its improved value. */
export interface SensitivityParameter {
  /** The dotted path of the value in the topology document, e.g. `components.server.failures.crash.ttf`. */
  path: string;
  kind: ParameterKind;
  /** A short name for tables and charts, e.g. `server/crash MTTF x2`. */
  label: string;
  /** The value in the topology (defaults filled in). */
  from: unknown;
  /** The improved value. */
  to: unknown;
}

/** A component type whose importance is measured. */
export interface ImportanceSubject {
  type: string;
  layer: LayerName;
  /** Components of the type in the model. */
  components: number;
}

/** The design: the parameters and the component types, in topology order. */
export interface SensitivityDesign {
  factor: number;
  parameters: SensitivityParameter[];
  importance: ImportanceSubject[];
}

/** Options of `sensitivityDesign`. */
export interface DesignOptions {
  /** The improvement factor (> 1). */
  factor: number;
  /** Dotted path prefixes that select parameters and types (`components.server`, `vnfs.vMME.ha`, `*` segments allowed); all when empty. */
  only?: readonly string[];
  /** Measure the importance of component types (default true). */
  importance?: boolean;
}

/** The failure modes a component type gets in the `failed` variant: one silent mode that fires 1 ms after start and is never repaired. */
export const ALWAYS_FAILED = {
  failed: { ttf: { dist: 'deterministic', value: '1ms' }, announced: false, undetected: '0s', repair: { dist: 'deterministic', value: '1000000000y' } },
} as const satisfies Record<string, z.input<TopologySchemas['FailureModeSpec']>>;

/** Probabilities of a good outcome: improving one divides the chance of the bad outcome, 1 - p, by the factor. */
const SUCCESS_KEYS = new Set(['coverage', 'success', 'rebootSuccess']);
/** Probabilities of a bad outcome: improving one divides it by the factor. */
const FAILURE_KEYS = new Set(['loss', 'aliveProbability']);
/** Delays that do not get better when shorter (or are not the mechanism's speed): left out. */
const NOT_IMPROVED = new Set(['window']);
/** The sections of a VNF or VIM service that hold HA parameters. */
const HA_SECTIONS = ['ha', 'supervision', 'recovery', 'evacuation', 'replicaSet'] as const;

/** Seconds as a duration string, at 12 significant digits. Throws past the longest duration accepted. */
function seconds(s: number, what: string): string {
  if (s > MAX_DURATION) throw new RangeError(`${what}: ${s} s is longer than the longest duration accepted (1e9y)`);
  return `${Number(s.toPrecision(12))}s`;
}

/** A duration string times k. */
function scaleText(text: string, k: number, what: string): string {
  return seconds(parseDuration(text) * k, what);
}

/** The mean of an exponential given as a rate ('2/y'), in seconds. */
function rateMean(rate: string): number {
  const m = /^\s*([\d.eE+-]+)\s*\/\s*(ms|s|min|m|h|d|w|mo|y)\s*$/.exec(rate);
  if (!m) throw new RangeError(`'${rate}' is not a rate`);
  return UNIT_SECONDS[m[2]] / Number(m[1]);
}

/** A distribution with every time multiplied by k (the same shape, its scale times k). */
export function scaleDistribution(d: DistributionSpecT, k: number, what: string): DistributionSpecT {
  const t = (x: string) => scaleText(x, k, what);
  switch (d.dist) {
    case 'exponential':
      return { dist: 'exponential', mean: seconds((d.mean !== undefined ? parseDuration(d.mean) : rateMean(d.rate!)) * k, what) };
    case 'weibull':
    case 'gamma':
      return { ...d, scale: t(d.scale) };
    case 'lognormal':
      return d.mean !== undefined ? { ...d, mean: t(d.mean) } : { ...d, mu: d.mu! + Math.log(k) };
    case 'normal':
      return { ...d, mean: t(d.mean), sd: t(d.sd) };
    case 'uniform':
      return { ...d, min: t(d.min), max: t(d.max) };
    case 'deterministic':
      return { ...d, value: t(d.value) };
    case 'empirical':
      return { ...d, values: d.values.map(t) };
  }
}

/** A delay (a duration string or a distribution) times k. */
function scaleDelay(v: unknown, k: number, what: string): unknown {
  return typeof v === 'string' ? scaleText(v, k, what) : scaleDistribution(v as DistributionSpecT, k, what);
}

const isDelay = (v: unknown): boolean => (typeof v === 'string' && /^\s*[\d.]/.test(v)) || (v !== null && typeof v === 'object' && 'dist' in v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** The factor as written in labels: 2, 1.5, 10. */
const fx = (f: number): string => String(Number(f.toPrecision(4)));

/** The HA parameters under one section of a function, found by walking it (delays and probabilities). */
function haParameters(node: Record<string, unknown>, path: string, owner: string, f: number, out: SensitivityParameter[]): void {
  for (const [key, v] of Object.entries(node)) {
    const p = `${path}.${key}`;
    if (NOT_IMPROVED.has(key)) continue;
    if (typeof v === 'number' && (SUCCESS_KEYS.has(key) || FAILURE_KEYS.has(key))) {
      const to = SUCCESS_KEYS.has(key) ? 1 - (1 - v) / f : v / f;
      const rest = p.split('.').slice(2).join('.');
      if (to !== v) out.push({ path: p, kind: 'ha', label: `${owner} ${SUCCESS_KEYS.has(key) ? `1-${rest}` : rest} /${fx(f)}`, from: v, to: Number(to.toPrecision(12)) });
    } else if (isDelay(v)) {
      const to = scaleDelay(v, 1 / f, p);
      if (!same(to, v) && !(typeof v === 'string' && parseDuration(v) === 0)) out.push({ path: p, kind: 'ha', label: `${owner} ${p.split('.').slice(2).join('.')} /${fx(f)}`, from: v, to });
    } else if (v !== null && typeof v === 'object') {
      // Objects and lists (a recovery's actions: `recovery.actions.0.time`).
      haParameters(v as Record<string, unknown>, p, owner, f, out);
    }
  }
}

/** Every parameter of a topology (validated data, defaults filled in) that can improve, in topology order; only types the model uses. */
export function allParameters(data: unknown, model: SystemModel, f: number): SensitivityParameter[] {
  const topo = topologySchemas().TopologySpec.parse(data);
  const used = new Set(model.components.map((c) => c.type));
  const out: SensitivityParameter[] = [];
  for (const [type, spec] of Object.entries(topo.components)) {
    if (!used.has(type)) continue;
    const at = `components.${type}`;
    for (const [mode, m] of Object.entries(spec.failures)) {
      out.push({ path: `${at}.failures.${mode}.ttf`, kind: 'mttf', label: `${type}/${mode} MTTF x${fx(f)}`, from: m.ttf, to: scaleDistribution(m.ttf, f, `${at}.failures.${mode}.ttf`) });
    }
    if (spec.repair && Object.values(spec.failures).some((m) => !m.repair)) {
      out.push({ path: `${at}.repair`, kind: 'repair', label: `${type} repair /${fx(f)}`, from: spec.repair, to: scaleDistribution(spec.repair, 1 / f, `${at}.repair`) });
    }
    for (const [mode, m] of Object.entries(spec.failures)) {
      if (m.repair) out.push({ path: `${at}.failures.${mode}.repair`, kind: 'repair', label: `${type}/${mode} repair /${fx(f)}`, from: m.repair, to: scaleDistribution(m.repair, 1 / f, `${at}.failures.${mode}.repair`) });
      // The time until a silent failure is noticed (and its repair starts) counts with the repair.
      if (m.undetected !== undefined) {
        const p = `${at}.failures.${mode}.undetected`;
        const to = scaleDelay(m.undetected, 1 / f, p);
        if (!same(to, m.undetected)) out.push({ path: p, kind: 'repair', label: `${type}/${mode} undetected /${fx(f)}`, from: m.undetected, to });
      }
    }
    if (spec.restart) {
      const to = scaleDistribution(spec.restart, 1 / f, `${at}.restart`);
      if (!same(to, spec.restart)) out.push({ path: `${at}.restart`, kind: 'restart', label: `${type} restart /${fx(f)}`, from: spec.restart, to });
    }
  }
  for (const section of ['vim', 'vnfs'] as const) {
    for (const [name, fn] of Object.entries(topo[section])) {
      for (const s of HA_SECTIONS) {
        const v = (fn as Record<string, unknown>)[s];
        if (v && typeof v === 'object') haParameters(v as Record<string, unknown>, `${section}.${name}.${s}`, name, f, out);
      }
    }
  }
  return out;
}

/** True when dotted `path` lies at or under selector `sel` (`*` matches any one segment). */
export function selects(sel: string, path: string): boolean {
  const a = sel.split('.');
  const b = path.split('.');
  return a.length <= b.length && a.every((s, i) => s === '*' || s === b[i]);
}

/** Why selector `sel` names nothing in the document, or undefined when every segment exists. */
function missingIn(doc: unknown, sel: string): string | undefined {
  const segs = sel.split('.');
  let nodes: unknown[] = [doc];
  for (let i = 0; i < segs.length; i++) {
    const next: unknown[] = [];
    for (const n of nodes) {
      if (n === null || typeof n !== 'object') continue;
      if (segs[i] === '*') next.push(...Object.values(n));
      else if (Object.prototype.hasOwnProperty.call(n, segs[i])) next.push((n as Record<string, unknown>)[segs[i]]);
    }
    if (next.length === 0) {
      const at = segs.slice(0, i).join('.') || 'the top level';
      const keys = nodes.flatMap((n) => (n !== null && typeof n === 'object' ? Object.keys(n) : []));
      return `the topology has no '${segs[i]}' in ${at}${keys.length ? ` (it has: ${[...new Set(keys)].slice(0, 20).join(', ')})` : ''}`;
    }
    nodes = next;
  }
  return undefined;
}

/**
 * The design of a sensitivity study of a topology (its document as data, defaults not yet
 * filled in, and its model). Every `only` selector must be a path into the document that
 * selects at least one parameter or component type; otherwise a TopologyError names the
 * file and the selector.
 */
export function sensitivityDesign(data: unknown, model: SystemModel, file: string, opts: DesignOptions): SensitivityDesign {
  const f = opts.factor;
  if (!(f > 1 && Number.isFinite(f))) throw new TopologyError(file, [{ path: '', message: `the improvement factor must be a finite number above 1, got ${f}` }]);
  const all = allParameters(data, model, f);
  const types: ImportanceSubject[] = [];
  if (opts.importance !== false) {
    for (const c of model.components) {
      const t = types.find((x) => x.type === c.type);
      if (t) t.components++;
      else if (c.modes.length > 0) types.push({ type: c.type, layer: c.layer, components: 1 });
    }
  }
  const only = opts.only ?? [];
  const issues: InputIssue[] = [];
  for (const sel of only) {
    const syntax = ParameterPath.safeParse(sel);
    const why = !syntax.success ? syntax.error.issues[0].message : missingIn(data, sel);
    if (why) issues.push({ path: sel, message: why });
    else if (!all.some((p) => selects(sel, p.path)) && !types.some((t) => selects(sel, `components.${t.type}`))) {
      issues.push({
        path: sel,
        message:
          'selects no parameter sensitivity can improve (times to failure, repairs and restarts of component types the model uses, and the delays and probabilities of ha, supervision, recovery, evacuation and replicaSet sections)' +
          (opts.importance === false ? '' : ', nor a component type that can fail'),
      });
    }
  }
  if (issues.length) throw new TopologyError(file, issues);
  const chosen = (path: string) => only.length === 0 || only.some((sel) => selects(sel, path));
  const design = {
    factor: f,
    parameters: all.filter((p) => chosen(p.path)),
    // A type is measured when a selector is its path or above it (`components`, `components.server`, `*`).
    importance: types.filter((t) => only.length === 0 || only.some((sel) => selects(sel, `components.${t.type}`))),
  };
  // Variants are set by dotted paths: a name with a dot or a space cannot be addressed.
  const paths = [...design.parameters.map((p) => p.path), ...design.importance.map((t) => `components.${t.type}.failures`)];
  const bad = paths.filter((p) => !ParameterPath.safeParse(p).success);
  if (bad.length) {
    throw new TopologyError(file, bad.map((p) => ({ path: p, message: "a name on this path has characters other than letters, digits, '-' and '_', so a variant cannot set it by a dotted path; rename it, or leave it out with --only" })));
  }
  return design;
}
