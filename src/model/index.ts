/**
 * Loading a topology: file or text -> YAML/JSON syntax -> schema -> semantic checks ->
 * an immutable SystemModel (objects frozen, arrays readonly by type). Every failure is a TopologyError naming the file and path.
 */
import { createHash } from 'node:crypto';
import { buildModel, type SystemModel } from './build.js';
import { parseText, readInputFile, refuseExperimentAsTopology, validateTopologyData, type ParsedText } from './load.js';
import { TopologyError } from './errors.js';
import { entryBytes, readValidated, writeValidated } from './cache.js';

export * from './build.js';
export * from './errors.js';
export { topologyJsonSchema, topologySchemas, LAYERS, type Topology, type TopologyInput, type LayerName } from './schema.js';

/** A loaded topology: the model and the identity of its input. */
export interface LoadedTopology {
  model: SystemModel;
  /** The file name as given. */
  file: string;
  /** SHA-256 of the input text (hex). */
  sha256: string;
  /** The input text (worker threads load the topology from it). */
  text: string;
}

/** SHA-256 of a topology's text (hex): its identity in reports, for worker threads and in the cache. */
function textSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Loads a topology from YAML or JSON text; `file` is the name used in error messages. */
export function loadTopologyText(text: string, file: string): LoadedTopology {
  return fromText(text, file, textSha256(text), false);
}

/**
 * Parses, validates and builds `text` (SHA-256 `sha256`); with `store`, and once the model
 * is built, keeps its validated data in the cache of validated topologies (model/cache.ts).
 */
function fromText(text: string, file: string, sha256: string, store: boolean): LoadedTopology {
  const parsed = parseText(text, file);
  refuseExperimentAsTopology(parsed, file);
  const topology = validateTopologyData(parsed, file);
  // Serialized before the build, which must not be able to change what is stored.
  const entry = store ? entryBytes(topology) : undefined;
  const model = buildModel(topology, file, parsed);
  if (entry !== undefined) writeValidated(sha256, entry);
  return { model, file, sha256, text };
}

/**
 * `loadTopologyText` through the cache of validated topologies (model/cache.ts): a text
 * validated before is not parsed or validated again, only built; one that was not is
 * loaded as by `loadTopologyText` and, once its model is built, stored. The same model
 * either way; errors are those of `loadTopologyText` (an entry is only ever made for a
 * text without any, and a cached text whose build fails is loaded again from the text).
 * `store`: false to read the cache only (worker threads and queue workers: a sweep's
 * points are texts made per point, which would crowd out the user's files).
 */
export function loadTopologyTextCached(text: string, file: string, store = true): LoadedTopology {
  const sha256 = textSha256(text);
  const validated = readValidated(sha256);
  if (validated !== undefined) {
    try {
      return { model: buildModel(validated, file), file, sha256, text };
    } catch {
      // Not what was stored (another build of the model's code): the text decides.
    }
  }
  return fromText(text, file, sha256, store);
}

/**
 * Loads a topology from JSON `text` whose parsed value is `data` (a fresh object: an
 * experiment's point, built as data): the same model and identity as
 * `loadTopologyText(text, file)`, without the YAML parser (ten times faster on a large
 * topology); errors name paths but no lines.
 */
export function loadTopologyData(text: string, data: unknown, file: string): LoadedTopology {
  const parsed: ParsedText = { data, locate: () => undefined };
  const model = buildModel(validateTopologyData(parsed, file), file, parsed);
  return { model, file, sha256: textSha256(text), text };
}

/** Loads a topology file (YAML or JSON), through the cache of validated topologies; `displayName` (default: `file`) is the name used in reports and errors. */
export function loadTopologyFile(file: string, displayName = file): LoadedTopology {
  try {
    return loadTopologyTextCached(readInputFile(file), displayName);
  } catch (e) {
    if (e instanceof TopologyError && e.file !== displayName) throw new TopologyError(displayName, e.issues);
    throw e;
  }
}

const RECENT = new Map<string, LoadedTopology>();

/**
 * `loadTopologyTextCached` for processes that receive the same topologies again and again
 * (worker threads, queue workers): keeps the 8 most recently loaded, by SHA-256. Throws
 * if the text does not hash to `sha256`.
 */
export function loadTopologyCached(text: string, file: string, sha256: string): LoadedTopology {
  let topo = RECENT.get(sha256);
  if (!topo) {
    // Reads the cache, does not write it: the process that sent the text loaded it from its
    // file, and wrote the entry then; a sweep's points are not worth entries.
    topo = loadTopologyTextCached(text, file, false);
    if (topo.sha256 !== sha256) throw new Error(`topology hash mismatch for ${file}`);
    // A sweep sends its points in order: a few recent topologies are all a process needs.
    if (RECENT.size >= 8) RECENT.delete(RECENT.keys().next().value!);
    RECENT.set(sha256, topo);
  }
  return topo;
}
