/**
 * Loading an experiment file: syntax -> schema -> the base topology -> one validated
 * topology per point. Every problem is a TopologyError naming the experiment file, the
 * path inside it (line:col where known) and what was expected; a point whose values make
 * the topology invalid is reported with the topology's own path and message.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve, isAbsolute, relative } from 'node:path';
import { loadTopologyData, loadTopologyText, TopologyError, type LoadedTopology } from '../model/index.js';
import { isExperimentDocument, parseText, readInputFile, refuseTopologyAsExperiment, zodIssues } from '../model/load.js';
import { formatPath, type InputIssue } from '../model/errors.js';
import { formatDuration, parseDuration } from '../engine/units.js';
import { ExperimentSpec, type Experiment } from './schema.js';
import { designKind, designParameters, designPoints, designSize, formatValue, rangeProblems, uncertainProblems, type DesignKind } from './design.js';
import { limitValue, MAX_NODES, MAX_POINTS, overLimit } from '../model/limits.js';

/** One point of a loaded experiment: its values and its validated topology. */
export interface ExperimentPoint {
  /** 0-based position in the design. */
  index: number;
  name: string;
  /** Values set at this point, by path (without the experiment-wide `set`). */
  params: Record<string, unknown>;
  /** The topology of this point (its text is the base document with the values set, as JSON). */
  topology: LoadedTopology;
}

/** A validated experiment, ready to run. Times in seconds. */
export interface LoadedExperiment {
  /** The experiment file as named by the user. */
  file: string;
  /** SHA-256 of the experiment text. */
  sha256: string;
  spec: Experiment;
  name: string;
  design: DesignKind;
  /** The paths that vary across points. */
  parameters: string[];
  base: { file: string; sha256: string; topology: LoadedTopology };
  points: ExperimentPoint[];
  runs: number;
  seed: number;
  horizon: number;
  warmup: number;
  /** Where the horizon came from. */
  horizonReason: string;
  /** The focus service (index into every point's services) and its name. */
  service: { index: number; name: string };
  /** The SAL the compliance heatmap shows. */
  sal: 1 | 2 | 3;
  /** Index of the baseline point. */
  baseline: number;
}

/**
 * Settings given on the command line in place of an experiment's own (`nfvsim sweep
 * --runs 20 --horizon 2y --seed 3`, to try a study small or on another seed). The loader
 * puts them in the experiment before anything is drawn from it, so the result is the
 * experiment a copy of the file with those values would give: its parameter sets (a
 * `sample:` or `uncertain:` design draws them from the seed), runs, shards, results and
 * manifest; a sweep resumed, sharded or merged with other settings is then refused,
 * saying what differs.
 */
export interface ExperimentOverrides {
  /** At most MAX_EXPERIMENT_RUNS (model/limits.ts), as in the file. */
  runs?: number;
  seed?: number;
  /** Seconds. */
  horizon?: number;
}

/** Loads and validates an experiment file, with `overrides` in place of its own settings (see ExperimentOverrides). */
export function loadExperimentFile(file: string, overrides: ExperimentOverrides = {}): LoadedExperiment {
  return loadExperimentText(readInputFile(file), file, dirname(file), overrides);
}

/**
 * Loads an experiment from text. `file` names it in errors; `dir` is the folder the
 * base topology path is relative to; `overrides` replace its settings (ExperimentOverrides).
 */
export function loadExperimentText(text: string, file: string, dir: string, overrides: ExperimentOverrides = {}): LoadedExperiment {
  const parsed = parseText(text, file);
  refuseTopologyAsExperiment(parsed, file);
  const result = ExperimentSpec.safeParse(parsed.data);
  if (!result.success) throw new TopologyError(file, zodIssues(result.error, parsed, ExperimentSpec));
  // The command line's settings, in the spec before anything is drawn from it (the design's seed).
  const spec = { ...result.data, runs: overrides.runs ?? result.data.runs, seed: overrides.seed ?? result.data.seed };
  const issue = (path: Array<string | number>, message: string): InputIssue => ({ path: formatPath(path), message, ...parsed.locate(path) });
  const problems: InputIssue[] = [];
  if (spec.sample) {
    for (const [p, r] of Object.entries(spec.sample.ranges)) for (const pr of rangeProblems(r)) problems.push(issue(['sample', 'ranges', p, ...pr.path], pr.message));
  }
  for (const [p, u] of Object.entries(spec.uncertain?.parameters ?? {})) for (const pr of uncertainProblems(u)) problems.push(issue(['uncertain', 'parameters', p, ...pr.path], pr.message));
  // The simulation settings of a sweep are the experiment's own (the same for every point).
  const setPaths: Array<[string, Array<string | number>]> = [
    ...Object.keys(spec.set ?? {}).map((p): [string, Array<string | number>] => [p, ['set', p]]),
    ...Object.keys(spec.grid ?? {}).map((p): [string, Array<string | number>] => [p, ['grid', p]]),
    ...Object.keys(spec.sample?.ranges ?? {}).map((p): [string, Array<string | number>] => [p, ['sample', 'ranges', p]]),
    ...Object.keys(spec.uncertain?.parameters ?? {}).map((p): [string, Array<string | number>] => [p, ['uncertain', 'parameters', p]]),
    ...Object.keys(spec.optimize?.space ?? {}).map((p): [string, Array<string | number>] => [p, ['optimize', 'space', p]]),
    ...(spec.scenarios ?? []).flatMap((sc, i) => Object.keys(sc.set).map((p): [string, Array<string | number>] => [p, ['scenarios', i, 'set', p]])),
  ];
  for (const [p, where] of setPaths) {
    if (p === 'simulation' || p.startsWith('simulation.') || p === '*') {
      problems.push(issue(where, `'${p}': a sweep's horizon, warm-up, runs and seed are the experiment's own fields (horizon, warmup, runs, seed), the same for every point; they cannot vary by point`));
    }
  }
  const size = designSize(spec);
  const maxPoints = limitValue(MAX_POINTS);
  if (size > maxPoints) {
    const where: Array<string | number> = spec.grid ? ['grid'] : spec.scenarios ? ['scenarios'] : spec.uncertain ? ['uncertain', 'samples'] : spec.optimize ? ['optimize', 'space'] : ['sample', 'points'];
    problems.push(issue(where, `${size.toLocaleString('en-US')} points; ${overLimit(MAX_POINTS)}`));
  }
  const seconds = (key: 'horizon' | 'warmup'): number | undefined => {
    const text = spec[key];
    if (text === undefined) return undefined;
    try {
      return parseDuration(text);
    } catch (e) {
      problems.push(issue([key], (e as Error).message));
      return NaN;
    }
  };
  const horizonSet = seconds('horizon');
  const warmupSet = seconds('warmup');
  if (problems.length) throw new TopologyError(file, problems);

  // The base topology: its own errors name its own file.
  const basePath = isAbsolute(spec.base) ? spec.base : resolve(dir, spec.base);
  const baseDisplay = isAbsolute(spec.base) ? spec.base : relative(process.cwd(), basePath) || basePath;
  let baseText: string;
  try {
    baseText = readInputFile(basePath);
  } catch (e) {
    if (e instanceof TopologyError) throw new TopologyError(file, [issue(['base'], `${e.issues[0].message}: ${basePath}`)]);
    throw e;
  }
  const baseParsed = parseText(baseText, baseDisplay);
  if (isExperimentDocument(baseParsed.data)) throw new TopologyError(file, [issue(['base'], `must name a topology, but ${baseDisplay} is an experiment file (it has 'base:' itself)`)]);
  const baseTopology = loadTopologyText(baseText, baseDisplay);
  // Aliases in YAML share objects; a plain JSON copy gives each path its own value.
  const baseData = JSON.parse(JSON.stringify(baseParsed.data)) as Record<string, unknown>;

  const points: ExperimentPoint[] = [];
  const maxNodes = limitValue(MAX_NODES);
  const design = designPoints(spec);
  const names = new Map<string, number>();
  design.forEach((dp, index) => {
    const prior = names.get(dp.name);
    if (prior !== undefined) {
      const where = spec.scenarios ? ['scenarios', index, 'name'] : (Object.values(dp.origin)[0] ?? []);
      throw new TopologyError(file, [issue(where, `duplicate point name '${dp.name}' (also point ${prior + 1}); give distinct values`)]);
    }
    names.set(dp.name, index);
    const doc = JSON.parse(JSON.stringify(baseData)) as Record<string, unknown>;
    for (const [p, v] of Object.entries(spec.set ?? {})) {
      const why = setPath(doc, p, v);
      if (why) throw new TopologyError(file, [issue(['set', p], why)]);
    }
    for (const [p, v] of Object.entries(dp.params)) {
      const why = setPath(doc, p, v);
      if (why) throw new TopologyError(file, [issue(dp.origin[p], why)]);
    }
    // Values set at '*' paths are copied to every match: the point must stay within the node bound.
    if (nodesOver(doc, maxNodes)) {
      throw new TopologyError(file, [issue(Object.values(dp.origin)[0] ?? ['set'], `point ${index + 1} grows the base topology beyond ${maxNodes.toLocaleString('en-US')} nodes; ${overLimit(MAX_NODES)}`)]);
    }
    const pointText = JSON.stringify(doc, null, 1);
    let topology: LoadedTopology;
    try {
      // The point is data already: no YAML parser (the base text was parsed once, above).
      topology = loadTopologyData(pointText, JSON.parse(pointText), `${baseDisplay} @ ${dp.name}`);
    } catch (e) {
      if (!(e instanceof TopologyError)) throw e;
      const where = Object.values(dp.origin)[0] ?? ['set'];
      const what = Object.entries(dp.params)
        .map(([p, v]) => `${p}=${formatValue(v)}`)
        .join(', ');
      throw new TopologyError(
        file,
        e.issues.map((i) => issue(where, `point ${index + 1} (${what || dp.name}) makes the base topology invalid: ${i.path ? `${i.path}: ` : ''}${i.message}`)),
      );
    }
    points.push({ index, name: dp.name, params: dp.params, topology });
  });

  const model = baseTopology.model;
  let service = { index: 0, name: model.services[0].name };
  if (spec.service !== undefined) {
    const i = model.services.findIndex((s) => s.name === spec.service);
    if (i < 0) throw new TopologyError(file, [issue(['service'], `unknown service '${spec.service}'; the base topology has: ${model.services.map((s) => s.name).join(', ')}`)]);
    service = { index: i, name: spec.service };
  }
  // Paired comparisons match services by position: every point must keep the base's services.
  const serviceNames = model.services.map((s) => s.name).join(', ');
  for (const pt of points) {
    const names = pt.topology.model.services.map((s) => s.name).join(', ');
    if (names !== serviceNames) {
      throw new TopologyError(file, [issue(Object.values(design[pt.index].origin)[0] ?? [], `point '${pt.name}' changes the services (${names}); every point must keep the base topology's services (${serviceNames})`)]);
    }
  }
  let baseline = 0;
  if (spec.baseline !== undefined) {
    baseline = points.findIndex((p) => p.name === spec.baseline);
    if (baseline < 0) throw new TopologyError(file, [issue(['baseline'], `no point named '${spec.baseline}'; the points are: ${points.map((p) => `'${p.name}'`).join(', ')}`)]);
  }
  const horizon = overrides.horizon ?? horizonSet ?? model.defaults.horizon;
  const warmup = warmupSet ?? model.defaults.warmup;
  if (!(horizon > warmup)) {
    const given = overrides.horizon !== undefined ? ' (--horizon)' : '';
    throw new TopologyError(file, [issue(['horizon'], `the horizon${given} (${formatDuration(horizon)}) must exceed the warm-up (${formatDuration(warmup)})`)]);
  }
  return {
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    spec,
    name: spec.name ?? file.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, ''),
    design: designKind(spec),
    parameters: designParameters(spec),
    base: { file: baseDisplay, sha256: baseTopology.sha256, topology: baseTopology },
    points,
    runs: spec.runs,
    seed: spec.seed,
    horizon,
    warmup,
    horizonReason: overrides.horizon !== undefined ? 'set on the command line' : spec.horizon !== undefined ? 'set in the experiment' : `the base topology's: ${model.defaults.horizonReason}`,
    service,
    sal: spec.sal ?? model.services[service.index].sal ?? 1,
    baseline,
  };
}

/**
 * Sets `value` at dotted `path` in `doc`. Every segment but the last must exist (so a
 * misspelt name is an error, not a new branch); the last may be new. A `*` segment
 * stands for every key of a mapping (or item of a list) there. A `null` value removes
 * the key (to switch an optional feature off). Returns why it cannot be set, or undefined.
 */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): string | undefined {
  return setAt(doc, path.split('.'), 0, path, value);
}

function setAt(node: unknown, segs: string[], i: number, path: string, value: unknown): string | undefined {
  const seg = segs[i];
  const at = segs.slice(0, i).join('.') || 'the top level';
  if (node === null || typeof node !== 'object') return `'${path}': '${at}' is a ${node === null ? 'null' : typeof node}, not a mapping or a list`;
  if (seg === '*') {
    const keys = Object.keys(node);
    if (keys.length === 0) return `'${path}': '*' matches nothing: '${at}' is empty`;
    // Removing list items: from the end, so the indices still to visit stay valid.
    if (Array.isArray(node) && value === null && i === segs.length - 1) keys.reverse();
    for (const k of keys) {
      const why = setAt(node, [...segs.slice(0, i), k, ...segs.slice(i + 1)], i, path, value);
      if (why) return why;
    }
    return undefined;
  }
  if (i < segs.length - 1) {
    const next = child(node, seg);
    if (next === undefined) {
      const keys = Object.keys(node);
      return `'${path}': the base topology has no '${seg}' in ${at}${keys.length ? ` (it has: ${keys.slice(0, 20).join(', ')})` : ''}`;
    }
    return setAt(next, segs, i + 1, path, value);
  }
  if (Array.isArray(node)) {
    const k = Number(seg);
    if (!/^\d+$/.test(seg) || k > node.length || (value === null && k >= node.length)) return `'${path}': '${seg}' is not an index of the list at '${at}' (0..${node.length - 1})`;
    if (value === null) node.splice(k, 1);
    else node[k] = value;
    return undefined;
  }
  if (seg === '__proto__') return `'${path}': '__proto__' cannot be a name`;
  if (value === null) delete (node as Record<string, unknown>)[seg];
  else (node as Record<string, unknown>)[seg] = value;
  return undefined;
}

function child(node: unknown, seg: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(seg) ? node[Number(seg)] : undefined;
  if (node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, seg)) return (node as Record<string, unknown>)[seg];
  return undefined;
}

/** True when `value` holds more than `limit` nodes (objects, arrays and leaves, shared ones counted at each place). Stops counting there. */
function nodesOver(value: unknown, limit: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++count > limit) return true;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return false;
}
