/**
 * Experiment designs: a grid, named scenarios, or random / Latin-hypercube samples,
 * turned into an ordered list of points (name + values by path). Pure: the points
 * depend only on the experiment (and its seed, for samples).
 */
import { RandomStream } from '../engine/rng.js';
import { DURATION_PATTERN, parseDuration, UNIT_SECONDS } from '../engine/units.js';
import { DistributionError, GammaDist, Lognormal, TruncatedNormal } from '../engine/distributions.js';
import { gridValues, parameterLabelsOf, type Experiment, type RangeSpecT, type UncertainValueT } from './schema.js';

/** One point of a design before its topology is built. */
export interface DesignPoint {
  /** Name used in reports, e.g. `interval=500ms, misses=3` or a scenario's name. */
  name: string;
  /** Values set at this point, by path (the experiment-wide `set` is not repeated here). */
  params: Record<string, unknown>;
  /** Where each value comes from in the experiment file, for error messages (path segments). */
  origin: Record<string, Array<string | number>>;
}

/** The kind of design of an experiment. */
export type DesignKind = 'grid' | 'scenarios' | 'random' | 'latin-hypercube' | 'uncertain' | 'optimize';

/** The kind of design `e` uses. */
export function designKind(e: Experiment): DesignKind {
  if (e.grid) return 'grid';
  if (e.scenarios) return 'scenarios';
  if (e.uncertain) return 'uncertain';
  if (e.optimize) return 'optimize';
  return e.sample!.method;
}

/** The parameters that vary across points, in order. */
export function designParameters(e: Experiment): string[] {
  if (e.grid) return Object.keys(e.grid);
  if (e.sample) return Object.keys(e.sample.ranges);
  if (e.uncertain) return Object.keys(e.uncertain.parameters);
  if (e.optimize) return Object.keys(e.optimize.space);
  const seen = new Set<string>();
  for (const s of e.scenarios!) for (const p of Object.keys(s.set)) seen.add(p);
  return [...seen];
}

/** Short labels for paths: the last segment, or more segments where the last is ambiguous. */
export function pathLabels(paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    const segs = p.split('.');
    let n = 1;
    const label = (q: string, k: number) => q.split('.').slice(-k).join('.');
    while (n < segs.length && paths.some((q) => q !== p && label(q, n) === label(p, n))) n++;
    out[p] = label(p, n);
  }
  return out;
}

/** Top-level sections of a topology whose name adds nothing to a parameter's label. */
const SECTIONS = new Set(['vnfs', 'vim', 'components', 'hosts', 'racks', 'sites', 'shared', 'services', 'maintenance', 'upgrades', 'crews', 'metrics']);
/** Path segments that add nothing to a parameter's label. */
const FILLER = new Set(['ha', 'failures', 'placement']);

/**
 * Readable names of parameters for charts and tables: the experiment's own `label:`
 * where it gives one, else the path without its section and filler segments, in words
 * (`components.vnf-app.failures.crash.ttf.mean` -> `vnf-app crash ttf mean`). Point
 * names keep the short `pathLabels` (baselines refer to them).
 */
export function parameterLabels(paths: readonly string[], given: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    const segs = p.split('.');
    const words = segs.filter((s, i) => !(i === 0 && SECTIONS.has(s)) && !FILLER.has(s));
    out[p] = given[p] ?? (words.length > 0 ? words.join(' ') : p);
  }
  return out;
}

/** A value as it appears in a point name or a table; `(base)` where a point leaves the base topology's value. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(base)';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** The number of points of an experiment, without building them (a grid's is the product of its lists' lengths). */
export function designSize(e: Experiment): number {
  const grid = e.grid ?? e.optimize?.space;
  if (grid) return Object.values(grid).reduce((n, g) => n * gridValues(g).length, 1);
  if (e.scenarios) return e.scenarios.length;
  if (e.uncertain) return e.uncertain.samples;
  return e.sample!.points;
}

/** The points of an experiment, in order. */
export function designPoints(e: Experiment): DesignPoint[] {
  // A design search's space is a grid too.
  const grid = e.grid ?? e.optimize?.space;
  const section = e.grid ? ['grid'] : ['optimize', 'space'];
  if (grid) {
    const paths = Object.keys(grid);
    // A design search names its designs by the labels it gives (a grid keeps the short path labels its baseline refers to).
    const labels = e.optimize ? { ...pathLabels(paths), ...parameterLabelsOf(e) } : pathLabels(paths);
    let points: DesignPoint[] = [{ name: '', params: {}, origin: {} }];
    // The first parameter varies slowest.
    for (const p of paths) {
      const next: DesignPoint[] = [];
      // Where a value sits in the file: grid.<p>[i], or grid.<p>.values[i] in the { values, label } form.
      const at = Array.isArray(grid[p]) ? [...section, p] : [...section, p, 'values'];
      for (const pt of points) {
        gridValues(grid[p]).forEach((v, i) => {
          next.push({ name: '', params: { ...pt.params, [p]: v }, origin: { ...pt.origin, [p]: [...at, i] } });
        });
      }
      points = next;
    }
    for (const pt of points) pt.name = paths.map((p) => `${labels[p]}=${formatValue(pt.params[p])}`).join(', ');
    return points;
  }
  if (e.scenarios) {
    return e.scenarios.map((s, i) => ({
      name: s.name,
      params: { ...s.set },
      origin: Object.fromEntries(Object.keys(s.set).map((p) => [p, ['scenarios', i, 'set', p]])),
    }));
  }
  if (e.uncertain) {
    const u = e.uncertain;
    const paths = Object.keys(u.parameters);
    const n = u.samples;
    const columns = paths.map((p) => drawUncertain(u.parameters[p], n, new RandomStream(`experiment/uncertain/${p}`, e.seed, 0)));
    const width = String(n).length;
    const labels = { ...pathLabels(paths), ...parameterLabelsOf(e) };
    return Array.from({ length: n }, (_, i) => ({
      name: `#${String(i + 1).padStart(width, '0')} ${paths.map((p, j) => `${labels[p]}=${formatValue(columns[j][i])}`).join(', ')}`.slice(0, 200),
      params: Object.fromEntries(paths.map((p, j) => [p, columns[j][i]])),
      origin: Object.fromEntries(paths.map((p) => [p, ['uncertain', 'parameters', p]])),
    }));
  }
  const sample = e.sample!;
  const paths = Object.keys(sample.ranges);
  const n = sample.points;
  const columns = paths.map((p) => sampleColumn(sample.ranges[p], n, sample.method, new RandomStream(`experiment/sample/${p}`, e.seed, 0)));
  const width = String(n).length;
  const labels = pathLabels(paths);
  return Array.from({ length: n }, (_, i) => ({
    name: `#${String(i + 1).padStart(width, '0')} ${paths.map((p, j) => `${labels[p]}=${formatValue(columns[j][i])}`).join(', ')}`,
    params: Object.fromEntries(paths.map((p, j) => [p, columns[j][i]])),
    origin: Object.fromEntries(paths.map((p) => [p, ['sample', 'ranges', p]])),
  }));
}

/** Draws `n` values of one range: independent uniforms, or one per stratum in a random order (Latin hypercube). */
function sampleColumn(r: RangeSpecT, n: number, method: 'random' | 'latin-hypercube', rng: RandomStream): Array<number | string> {
  const isDuration = typeof r.min === 'string';
  const lo = typeof r.min === 'string' ? parseDuration(r.min) : r.min;
  const hi = typeof r.max === 'string' ? parseDuration(r.max) : r.max;
  let u: number[];
  if (method === 'random') {
    u = Array.from({ length: n }, () => rng.next());
  } else {
    // A random permutation of the strata (Fisher-Yates), then a uniform draw inside each.
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    u = perm.map((s) => (s + rng.next()) / n);
  }
  return u.map((x) => {
    let v = r.scale === 'log' ? Math.exp(Math.log(lo) + x * (Math.log(hi) - Math.log(lo))) : lo + x * (hi - lo);
    if (r.integer) v = Math.round(v);
    // Six significant digits: enough for a parameter, and a stable text form.
    v = Number(v.toPrecision(6));
    return isDuration ? `${v}s` : v;
  });
}

/** Checks a range: kinds agree, min <= max, log scale needs min > 0. Returns problems (path relative to the range). */
export function rangeProblems(r: RangeSpecT): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  if (typeof r.min !== typeof r.max) return [{ path: ['max'], message: 'min and max must both be numbers or both be durations' }];
  const end = (key: 'min' | 'max'): number => {
    const v = r[key];
    if (typeof v !== 'string') return v;
    try {
      return parseDuration(v);
    } catch (e) {
      out.push({ path: [key], message: (e as Error).message });
      return NaN;
    }
  };
  const lo = end('min');
  const hi = end('max');
  if (out.length > 0) return out;
  if (!Number.isFinite(hi - lo)) return [{ path: ['max'], message: `the range from ${formatValue(r.min)} to ${formatValue(r.max)} is too wide to sample (its width is not a finite number)` }];
  if (!(lo <= hi)) out.push({ path: ['max'], message: `max (${formatValue(r.max)}) must be at least min (${formatValue(r.min)})` });
  if (r.scale === 'log' && !(lo > 0)) out.push({ path: ['min'], message: 'a log scale needs min > 0' });
  if (r.integer && typeof r.min === 'string') out.push({ path: ['integer'], message: 'integer applies to numbers, not durations' });
  return out;
}

/** A magnitude in the units it is drawn in: a number as written, a duration in seconds. */
function magnitude(v: number | string): number {
  return typeof v === 'string' ? parseDuration(v) : v;
}

/** The 95th percentile of the standard normal: an error factor EF gives sigma = ln(EF) / Z95. */
export const Z95 = 1.6448536269514722;

/**
 * Draws `n` values of an uncertain parameter from `rng`, in order. A number drawn is set as
 * a number (with `unit` appended when given: '1.3y', '0.8/y'); when the distribution is
 * given in durations, as a duration in the unit of its first magnitude ('45.5182d'). Nine significant digits: a stable text form.
 */
export function drawUncertain(u: UncertainValueT, n: number, rng: RandomStream): unknown[] {
  if (u.dist === 'discrete') {
    const w = u.weights ?? u.values.map(() => 1);
    const total = w.reduce((a, b) => a + b, 0);
    return Array.from({ length: n }, () => {
      let x = rng.next() * total;
      let i = 0;
      while (i < w.length - 1 && (x >= w[i] || w[i] === 0)) x -= w[i++];
      return u.values[i];
    });
  }
  const first = u.dist === 'lognormal' ? u.median : u.dist === 'gamma' ? u.scale : u.dist === 'normal' ? u.mean : u.min;
  // Durations are set in the unit the distribution is written in ('10d' .. '100d' gives '45.5182d').
  const durationUnit = typeof first === 'string' ? DURATION_PATTERN.exec(first)![2] : undefined;
  const draw: () => number = (() => {
    switch (u.dist) {
      case 'lognormal': {
        const d = new Lognormal(Math.log(magnitude(u.median)), Math.log(u.errorFactor) / Z95);
        return () => d.sample(rng);
      }
      case 'uniform': {
        const [lo, hi] = [magnitude(u.min), magnitude(u.max)];
        return () => lo + rng.next() * (hi - lo);
      }
      case 'loguniform': {
        const [lo, hi] = [Math.log(magnitude(u.min)), Math.log(magnitude(u.max))];
        return () => Math.exp(lo + rng.next() * (hi - lo));
      }
      case 'gamma': {
        const d = new GammaDist(u.shape, magnitude(u.scale));
        return () => d.sample(rng);
      }
      case 'normal': {
        const d = new TruncatedNormal(magnitude(u.mean), magnitude(u.sd));
        return () => d.sample(rng);
      }
    }
  })();
  return Array.from({ length: n }, () => {
    const x = draw();
    if (durationUnit !== undefined) return `${Number((x / UNIT_SECONDS[durationUnit]).toPrecision(9))}${durationUnit}`;
    const v = Number(x.toPrecision(9));
    return u.unit !== undefined ? `${v}${u.unit}` : v;
  });
}

/** Checks an uncertain value: magnitudes of one kind, ordered ends, positive where needed, weights that fit. Returns problems (path relative to the value). */
export function uncertainProblems(u: UncertainValueT): Array<{ path: string[]; message: string }> {
  if (u.dist === 'discrete') {
    if (u.weights && u.weights.length !== u.values.length) return [{ path: ['weights'], message: `give one weight per value (${u.values.length}), got ${u.weights.length}` }];
    if (u.weights && !(u.weights.reduce((a, b) => a + b, 0) > 0)) return [{ path: ['weights'], message: 'the weights must not all be 0' }];
    return [];
  }
  const fields: Array<[string, number | string]> =
    u.dist === 'lognormal' ? [['median', u.median]] : u.dist === 'gamma' ? [['scale', u.scale]] : u.dist === 'normal' ? [['mean', u.mean], ['sd', u.sd]] : [['min', u.min], ['max', u.max]];
  if (new Set(fields.map(([, v]) => typeof v)).size > 1) return [{ path: [fields[1][0]], message: `${fields.map(([k]) => k).join(' and ')} must both be numbers or both be durations` }];
  const out: Array<{ path: string[]; message: string }> = [];
  const values: Record<string, number> = {};
  for (const [k, v] of fields) {
    try {
      values[k] = magnitude(v);
    } catch (e) {
      out.push({ path: [k], message: (e as Error).message });
    }
  }
  if (out.length) return out;
  if (u.unit !== undefined && typeof fields[0][1] === 'string') out.push({ path: ['unit'], message: 'a unit goes with numbers; durations carry their own' });
  const positive = (k: string) => {
    if (!(values[k] > 0) || !Number.isFinite(values[k])) out.push({ path: [k], message: `${k} must be above 0, got ${formatValue(fields.find(([f]) => f === k)![1])}` });
  };
  if (u.dist === 'lognormal' || u.dist === 'gamma') positive(fields[0][0]);
  if (u.dist === 'normal') {
    positive('mean');
    positive('sd');
  }
  if (u.dist === 'uniform' || u.dist === 'loguniform') {
    if (!(values.min >= 0)) out.push({ path: ['min'], message: 'min must be at least 0' });
    if (u.dist === 'loguniform' && !(values.min > 0)) out.push({ path: ['min'], message: 'a loguniform needs min > 0' });
    if (!(values.max > values.min)) out.push({ path: ['max'], message: `max (${formatValue(u.max)}) must be above min (${formatValue(u.min)})` });
  }
  if (out.length > 0) return out;
  // The law itself, made as drawUncertain makes it (no draw): parameters that pass the
  // checks above may still overflow it, e.g. a lognormal's mean, median x exp(sigma^2 / 2),
  // for an error factor of 1e308 (sigma = ln(errorFactor) / 1.645 = 431).
  try {
    drawUncertain(u, 0, new RandomStream('experiment/uncertain/check', 0, 0));
  } catch (e) {
    if (!(e instanceof DistributionError)) throw e;
    const at = u.dist === 'lognormal' ? 'errorFactor' : fields[0][0];
    const given = fields.map(([k, v]) => `${k} ${formatValue(v)}`).join(', ') + (u.dist === 'lognormal' ? `, errorFactor ${u.errorFactor}` : '');
    out.push({ path: [at], message: `a ${u.dist} law with ${given} cannot be drawn from: ${e.message}` });
  }
  return out;
}
