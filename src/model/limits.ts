/**
 * Bounds on the size of input documents and of the work they ask for. Each bound has a
 * default that every shipped file is far below, and an environment variable that
 * raises (or lowers) it; error messages name the variable. Read at each use, so a
 * test or a long-lived process can change them.
 */

/** One bound: its default and the environment variable that overrides it. */
export interface Limit {
  /** The environment variable, e.g. `NFVSIM_MAX_ENTRIES`. */
  readonly env: string;
  /** The value without the variable. */
  readonly fallback: number;
  /** What it bounds, for error messages. */
  readonly what: string;
}

/** Bytes of one input file (read before it is parsed). */
export const MAX_BYTES: Limit = { env: 'NFVSIM_MAX_BYTES', fallback: 2_000_000, what: 'bytes in one input file' };
/**
 * Lines and flow items (each `,`, `[`, `{` and `- `) of one input file, counted before it
 * is parsed: the YAML parser spends some 10-50 us on each, so this bounds its time (about
 * a second at the limit).
 */
export const MAX_ITEMS: Limit = { env: 'NFVSIM_MAX_ITEMS', fallback: 20_000, what: "lines and flow items (',', '[', '{', '- ') in one input file" };
/** Entries of one mapping or items of one list in an input file. */
export const MAX_ENTRIES: Limit = { env: 'NFVSIM_MAX_ENTRIES', fallback: 10_000, what: 'entries in one mapping or list' };
/** Nodes of a document once its aliases are expanded (an alias counts as a copy of what it names). */
export const MAX_NODES: Limit = { env: 'NFVSIM_MAX_NODES', fallback: 1_000_000, what: 'nodes in a document with its aliases expanded' };
/** Nesting depth of a document once its aliases are expanded. */
export const MAX_DEPTH: Limit = { env: 'NFVSIM_MAX_DEPTH', fallback: 64, what: 'levels of nesting' };
/** Components a topology builds (hosts' stacks, racks, sites, shared elements, instances' VMs and applications). */
export const MAX_COMPONENTS: Limit = { env: 'NFVSIM_MAX_COMPONENTS', fallback: 100_000, what: 'components in one topology' };
/** Points of an experiment (a grid's combinations, scenarios or samples). */
export const MAX_POINTS: Limit = { env: 'NFVSIM_MAX_POINTS', fallback: 2_000, what: 'points in an experiment' };
/** The most replications per point an experiment may ask for: its `runs`, or `--runs` on the command line (a fixed bound, not raised). */
export const MAX_EXPERIMENT_RUNS = 1e7;
/** Syntax and schema problems printed for one file (the rest are counted). */
export const MAX_ISSUES_SHOWN: Limit = { env: 'NFVSIM_MAX_ISSUES', fallback: 20, what: 'problems listed for one file' };
/**
 * Estimated events of a whole run (every replication, or every point of a sweep) that
 * `run`, `analyze --compare` and `sweep` accept without `--max-events`.
 */
export const EVENT_BUDGET: Limit = { env: 'NFVSIM_EVENT_BUDGET', fallback: 2e9, what: 'events in one run' };

/**
 * The value of `limit`: its environment variable when that holds a positive number
 * (`1e6` and `1_000_000` are read too), else its default.
 */
export function limitValue(limit: Limit, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[limit.env];
  if (raw === undefined || raw.trim() === '') return limit.fallback;
  const v = Number(raw.replace(/_/g, ''));
  return Number.isFinite(v) && v > 0 ? v : limit.fallback;
}

/** The end of a message about `limit`: "the limit is 10,000 entries in one mapping or list (set NFVSIM_MAX_ENTRIES to raise it)". */
export function overLimit(limit: Limit, env: NodeJS.ProcessEnv = process.env): string {
  return `the limit is ${limitValue(limit, env).toLocaleString('en-US')} ${limit.what} (set ${limit.env} to raise it)`;
}
