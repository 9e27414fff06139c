/**
 * The zod schema of experiment files (`experiments/*.yaml`): a base topology and the
 * parameters to vary, addressed by dotted paths into the topology document. The single
 * source of truth for the experiment types and their JSON Schema (`nfvsim schema --experiment`).
 */
import { z } from 'zod';
import { MAX_EXPERIMENT_RUNS } from '../model/limits.js';
import { topologySchemas, type JsonSchemaOptions } from '../model/schema.js';

/** The topology's duration schema (the same object, so that the JSON Schemas share its definition). */
const Duration = topologySchemas().Duration;

/** A dotted path into the topology document, e.g. `vnfs.vMME.ha.detector.interval` (a number segment indexes a list). */
export const ParameterPath = z
  .string()
  .regex(/^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*$/, { message: "expected a dotted path into the topology such as 'vnfs.vMME.ha.detector.interval' (names, list indices or '*')" })
  .describe("A dotted path into the topology document, e.g. 'vnfs.vMME.ha.detector.interval'; a number segment indexes a list; '*' stands for every key there (e.g. 'vim.*.instances').");

/** Values set at paths: `{ path: value }`. A value is anything the topology accepts there; null removes the key. */
export const Assignments = z.record(ParameterPath, z.unknown().describe('The value set at that path (anything the topology accepts there; null removes the key).')).describe('Values to set, by path: { path: value }; null removes the key (switches an optional feature off).');

/** A parameter's name in charts and tables, e.g. 'heartbeat interval' (default: derived from its path). */
export const ParameterLabel = z.string().min(1).max(60).describe("The parameter's name in charts and tables, e.g. 'heartbeat interval' (default: derived from its path).");

/** The values of one grid parameter: a list, or `{ values, label }` to name the parameter in charts and tables. */
export const GridValues = z.union([
  z.array(z.unknown()).min(1, { message: 'give at least one value' }).describe('The values the parameter at that path takes.'),
  z
    .strictObject({
      values: z.array(z.unknown()).min(1, { message: 'give at least one value' }).describe('The values the parameter at that path takes.'),
      label: ParameterLabel.optional(),
    })
    .describe('The values, with a label for charts and tables.'),
]).describe("The values the parameter at that path takes: a list, or { values: [...], label: 'heartbeat interval' } to name the parameter in charts and tables (default: a name derived from the path).");

/** A range sampled by `random` or `latin-hypercube` designs. */
export const RangeSpec = z
  .strictObject({
    min: z.union([z.number(), Duration]).describe("Lower end: a number, or a duration such as '1d' (then the value set is a duration)."),
    max: z.union([z.number(), Duration]).describe('Upper end, of the same kind as min.'),
    scale: z.enum(['linear', 'log']).default('linear').describe('Sample uniformly on a linear or a logarithmic scale (log needs min > 0).'),
    integer: z.boolean().default(false).describe('Round to the nearest integer (numbers only).'),
    label: ParameterLabel.optional(),
  })
  .describe('A range to sample from.');

/** A magnitude of an uncertain value: a number, or a duration (then the value set is a duration). */
const Magnitude = z.union([z.number(), Duration]);

/** The unit appended to a drawn number: a time unit ('y' gives '1.3y') or a rate ('/y' gives '0.8/y'). */
const ValueUnit = z
  .string()
  .regex(/^\/?(ms|s|min|m|h|d|w|mo|y)$/, { message: "expected a unit such as 'y', 'h' or a rate such as '/y'" })
  .describe("A unit appended to the drawn number: a duration unit ('y' makes 1.3 into '1.3y') or a rate ('/y' makes 0.8 into '0.8/y'). Only for numbers.");

const uncertainCommon = { unit: ValueUnit.optional(), label: ParameterLabel.optional() };

/** What is known of one parameter's value: a distribution over it (epistemic uncertainty), e.g. an MTTF lognormal around 1 y with error factor 3. */
export const UncertainValue = z
  .discriminatedUnion('dist', [
    z
      .strictObject({
        dist: z.literal('lognormal'),
        median: Magnitude.describe('The median value.'),
        errorFactor: z.number().gt(1).describe('The ratio of the 95th percentile to the median (and of the median to the 5th): sigma = ln(errorFactor) / 1.645.'),
        ...uncertainCommon,
      })
      .describe('Lognormal around a median, with an error factor (as in PRA data books).'),
    z.strictObject({ dist: z.literal('uniform'), min: Magnitude, max: Magnitude, ...uncertainCommon }).describe('Uniform between min and max.'),
    z.strictObject({ dist: z.literal('loguniform'), min: Magnitude, max: Magnitude, ...uncertainCommon }).describe('Uniform on a logarithmic scale between min > 0 and max.'),
    z
      .strictObject({ dist: z.literal('gamma'), shape: z.number().positive().describe('Shape k.'), scale: Magnitude.describe('Scale theta (mean k theta).'), ...uncertainCommon })
      .describe('Gamma with shape k and scale theta, e.g. a failure rate from k failures seen in k theta years.'),
    z.strictObject({ dist: z.literal('normal'), mean: Magnitude, sd: Magnitude, ...uncertainCommon }).describe('Normal, truncated to values >= 0 (mean > 0).'),
    z
      .strictObject({
        dist: z.literal('discrete'),
        values: z.array(z.unknown()).min(1, { message: 'give at least one value' }).describe('The values it may take (anything the topology accepts at that path).'),
        weights: z.array(z.number().nonnegative()).optional().describe('Their relative weights (default: equal).'),
        label: ParameterLabel.optional(),
      })
      .describe('One of a list of values, with weights.'),
  ])
  .describe("A distribution over a parameter's value: lognormal (median, errorFactor), uniform or loguniform (min, max), gamma (shape, scale), normal (mean, sd), or discrete (values, weights).");

/** Uncertain inputs: parameter sets drawn from distributions over values, each run with its own histories (`nfvsim uncertainty`). */
export const UncertainSpec = z
  .strictObject({
    samples: z.number().int().min(2).max(10000).describe('Parameter sets drawn (the outer level); each runs `runs` histories of its own.'),
    parameters: z
      .record(ParameterPath, UncertainValue)
      .refine((r) => Object.keys(r).length > 0, { message: 'give at least one parameter' })
      .describe('The distribution of each uncertain parameter, by path (drawn independently, each from its own named random stream).'),
    target: z.number().gt(0).lt(1).optional().describe("The availability whose probability of being met is reported (default: the service's target)."),
  })
  .describe('Uncertain inputs: a two-level run (parameter sets, then histories of each).');

/** What a cost is charged on, by path: a component type, a VNF or VIM service (per instance), a crew (per member), a host group (per host). */
export const CostKey = z
  .string()
  .regex(/^(components|vnfs|vim|crews|hosts)\.[A-Za-z0-9_-]+$/, { message: "expected 'components.<type>', 'vnfs.<name>', 'vim.<name>', 'crews.<name>' or 'hosts.<group>'" })
  .describe("What a cost is charged on: 'components.<type>' (per component of the type), 'vnfs.<name>' or 'vim.<name>' (per instance), 'crews.<name>' (per crew member), 'hosts.<group>' (per host).");

/** A design search (`nfvsim optimize`): the choices, their costs per year and the target. */
export const OptimizeSpec = z
  .strictObject({
    space: z
      .record(ParameterPath, GridValues)
      .refine((r) => Object.keys(r).length > 0, { message: 'give at least one choice' })
      .describe('The design choices, as a grid: every combination of the listed values is a candidate design (replicas, heartbeat interval and misses, crews, placement policy, fencing...).'),
    costs: z
      .record(CostKey, z.number().nonnegative().max(1e15))
      .refine((r) => Object.keys(r).length > 0, { message: 'give at least one cost' })
      .describe("Costs per year, by what they are charged on (see the keys); a design's cost is the sum over its built model."),
    target: z
      .strictObject({
        availability: z.number().gt(0).lt(1).optional().describe('The least availability of the focus service, a share in (0, 1).'),
        sal: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional().describe("The SAL the focus service's outages must meet (the share breaching its bounds within the tolerance)."),
      })
      .refine((t) => t.availability !== undefined || t.sal !== undefined, { message: 'give availability, sal or both' })
      .describe('What a design must meet.'),
    initialRuns: z
      .number()
      .int()
      .min(2)
      .max(1e7)
      .optional()
      .describe('Replications of every design in the first round (default: 50, at most runs); each later round doubles them for the designs still in the race, up to runs.'),
  })
  .describe('A design search: the cheapest designs that meet the target, and the cost/downtime Pareto front, by racing with common random numbers.');

/** A named scenario: values set on top of the base. */
export const ScenarioSpec = z
  .strictObject({
    name: z.string().min(1).max(60).describe('The scenario name used in reports.'),
    description: z.string().optional().describe('What the scenario is.'),
    set: Assignments.default({}),
  })
  .describe('A named scenario.');

/** Random or Latin-hypercube samples over ranges. */
export const SampleSpec = z
  .strictObject({
    method: z.enum(['random', 'latin-hypercube']).describe('Independent uniform draws, or one draw in each of `points` equal strata per parameter.'),
    points: z.number().int().min(1).max(10000).describe('Number of points.'),
    ranges: z
      .record(ParameterPath, RangeSpec)
      .refine((r) => Object.keys(r).length > 0, { message: 'give at least one range' })
      .describe('The range of each sampled parameter, by path.'),
  })
  .describe('Sampled points over ranges.');

/** A whole experiment file. */
export const ExperimentSpec = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema this file follows (for editors; not read by nfvsim).'),
    name: z.string().min(1).optional().describe('A name for reports (default: the file name).'),
    description: z.string().optional().describe('What the experiment asks, for reports.'),
    base: z.string().min(1).describe('The base topology file, relative to the experiment file.'),
    runs: z.number().int().positive().max(MAX_EXPERIMENT_RUNS).describe('Replications per point.'),
    seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(1).describe('Seed of every random stream (and of the sampling). Every point uses it: common random numbers.'),
    horizon: Duration.optional().describe("Simulated time per replication (default: the base topology's, the same for every point)."),
    warmup: Duration.optional().describe("Initial time not counted (default: the base topology's)."),
    service: z.string().optional().describe('The service the charts and comparisons focus on (default: the first service). Every service is in results.json.'),
    sal: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional().describe("The SAL the compliance heatmap shows (default: the service's target SAL, else 1)."),
    baseline: z.string().optional().describe('The point the others are compared with, by name (default: the first point).'),
    set: Assignments.optional().describe('Values set at every point, before the point’s own.'),
    grid: z
      .record(ParameterPath, GridValues)
      .optional()
      .describe('A full factorial grid: every combination of the listed values (the first parameter varies slowest); a parameter is a list of values, or { values, label }.'),
    scenarios: z.array(ScenarioSpec).min(1).optional().describe('A list of named scenarios.'),
    sample: SampleSpec.optional(),
    uncertain: UncertainSpec.optional(),
    optimize: OptimizeSpec.optional(),
  })
  .superRefine((e, ctx) => {
    const given = (['grid', 'scenarios', 'sample', 'uncertain', 'optimize'] as const).filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: given.length > 1 ? [given[1]] : [], message: `give exactly one design: grid, scenarios, sample, uncertain or optimize (found ${given.length ? given.join(', ') : 'none'})` });
    }
    if (e.grid && Object.keys(e.grid).length === 0) ctx.addIssue({ code: 'custom', path: ['grid'], message: 'give at least one parameter' });
  })
  .describe('An nfvsim experiment: a base topology, the parameters to vary, replications per point and a seed.');

/** An experiment as written. */
export type ExperimentInput = z.input<typeof ExperimentSpec>;
/** An experiment after validation, with defaults. */
export type Experiment = z.output<typeof ExperimentSpec>;
/** A range after validation. */
export type RangeSpecT = z.output<typeof RangeSpec>;
/** An uncertain value after validation. */
export type UncertainValueT = z.output<typeof UncertainValue>;

/** The values a grid parameter takes, whichever form it is written in. */
export function gridValues(g: z.output<typeof GridValues>): unknown[] {
  return Array.isArray(g) ? g : g.values;
}

/** The labels the experiment gives its parameters (`label:` on a grid parameter or a sampled range), by path. */
export function parameterLabelsOf(e: Experiment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, g] of Object.entries(e.grid ?? e.optimize?.space ?? {})) if (!Array.isArray(g) && g.label !== undefined) out[p] = g.label;
  for (const [p, r] of Object.entries(e.sample?.ranges ?? {})) if (r.label !== undefined) out[p] = r.label;
  for (const [p, u] of Object.entries(e.uncertain?.parameters ?? {})) if (u.label !== undefined) out[p] = u.label;
  return out;
}

/** The JSON Schema (draft 2020-12) of experiment files. */
export function experimentJsonSchema(opts: JsonSchemaOptions = {}): Record<string, unknown> {
  return z.toJSONSchema(ExperimentSpec, { io: 'input', target: 'draft-2020-12', reused: opts.inline ? 'inline' : 'ref' }) as Record<string, unknown>;
}
