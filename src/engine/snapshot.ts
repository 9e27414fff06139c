/**
 * Deep copies of a running simulation's state ("twins"). It knows nothing of what it
 * copies: an object graph (the scheduler's calendar, random streams and whatever the
 * simulation built on them) reached from one root.
 *
 * The problem is closures. A simulation built once wires its parts together with
 * functions (hooks, callbacks) that capture its own objects; a plain deep copy would keep
 * those functions, still bound to the original. So a copy is made *into a twin*: a second
 * graph built by the same code from the same inputs (the same model, reset and started
 * with the same arguments), whose functions capture the twin's own objects. Right after
 * it is built, each graph records its *skeleton*: every object and function it reaches,
 * numbered in walk order. Two graphs built alike have the same skeleton shape, so object
 * number k of one corresponds to object number k of the other.
 *
 * Copying `src` into `dst` then walks src's graph once (from its root and from every
 * skeleton object, so objects captured by functions are copied even when no property
 * reaches them any more), with a Map from original to copy (so aliasing and cycles are
 * preserved):
 * - primitives are copied; objects in `shared` (the immutable model both graphs were built
 *   from, its distributions, registries: what two fresh graphs have in common by
 *   identity, see `sharedBetween`) are kept by reference and not entered;
 * - skeleton object k of src is copied *in place* into skeleton object k of dst (its own
 *   properties, array elements, Map and Set entries, typed-array contents), so the
 *   twin's functions that captured it see the copied state;
 * - an object made after the skeleton (during the run) is copied afresh: arrays, typed
 *   arrays, Maps, Sets, and class instances by prototype (Object.create(proto) plus own
 *   properties);
 * - frozen skeleton objects (not Maps or Sets) and memos (`memo`) are not copied: the
 *   twin's own are already right;
 * - each field of a skeleton object carries a hint, the skeleton node or shared object it
 *   held when recorded: a value still that object takes its image without a look-up
 *   (checked by identity, so a stale hint only costs the look-up);
 * - skeleton function k of src becomes skeleton function k of dst; any other function
 *   (one made during the run, a closure over run-time state) is refused with a
 *   SnapshotError naming its path: scheduled work must be data (a handler object, an event
 *   kind and an argument: see Scheduler), not a closure.
 *
 * Contract for the code copied: (1) the skeleton is recorded when both graphs were built
 * and started alike (the same calls, the same random numbers); (2) a function made before
 * the skeleton keeps its mutable state in objects it reaches through properties or
 * captured objects, not in captured `let` variables (those are invisible to the copier);
 * (3) objects with internal slots other than arrays, typed arrays, Maps and Sets (WeakMap,
 * Promise, ...) are not part of the state. Fidelity tests (test/snapshot.test.ts) check
 * the result end to end: a copy continued to the horizon gives the same bytes as the
 * original.
 */

/** A graph cannot be copied (a closure made during the run, an unsupported object): an internal error naming the path. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

type Node = object;

/** Typed arrays (not DataView). */
function isTypedArray(v: object): v is Float64Array | Int32Array | Uint8Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Refuses objects whose state sits in internal slots the copier cannot reach. */
function checkCopyable(v: object, path: () => string): void {
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise || v instanceof DataView || v instanceof WeakRef) {
    throw new SnapshotError(`internal error: cannot copy ${path()}: a ${v.constructor.name} is not copyable state`);
  }
}

/** True for objects whose own properties may include accessors (object literals): classes keep theirs on the prototype. */
function mayHaveAccessors(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Calls `visit(key, value)` on every own data property of `v` (accessors: `accessor(key, descriptor)`). */
function eachProperty(v: Node, visit: (key: string, value: unknown) => void, accessor?: (key: string, d: PropertyDescriptor) => void): void {
  if (mayHaveAccessors(v)) {
    const ds = Object.getOwnPropertyDescriptors(v);
    for (const k of Object.keys(ds)) {
      const d = ds[k];
      if ('value' in d) visit(k, d.value);
      else accessor?.(k, d);
    }
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) visit(k, o[k]);
}

/**
 * The objects two graphs built alike have in common by identity (the model they were
 * built from and what hangs off it, module-level registries): the copier keeps them by
 * reference. Walks both in parallel and throws a SnapshotError naming the first place
 * where their shapes differ (then they are not twins).
 */
export function sharedBetween(a: object, b: object): Set<object> {
  const shared = new Set<object>();
  const seen = new Map<object, object>();
  const path: string[] = ['root'];
  const where = () => path.join('');
  const walk = (x: unknown, y: unknown): void => {
    if (typeof x !== typeof y) throw new SnapshotError(`internal error: the twins differ at ${where()}: ${typeof x} against ${typeof y}`);
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) {
      if (y !== null && typeof y === 'object') throw new SnapshotError(`internal error: the twins differ at ${where()}`);
      return;
    }
    if (y === null) throw new SnapshotError(`internal error: the twins differ at ${where()}: an object against null`);
    const xo = x as object;
    const yo = y as object;
    if (xo === yo) {
      shared.add(xo);
      return;
    }
    const before = seen.get(xo);
    if (before !== undefined) {
      if (before !== yo) throw new SnapshotError(`internal error: the twins differ at ${where()}: aliasing differs`);
      return;
    }
    seen.set(xo, yo);
    if (typeof xo === 'function') return;
    if (Object.getPrototypeOf(xo) !== Object.getPrototypeOf(yo)) throw new SnapshotError(`internal error: the twins differ at ${where()}: different classes`);
    checkCopyable(xo, where);
    if (isTypedArray(xo)) return;
    if (Array.isArray(xo)) {
      const ya = yo as unknown[];
      if (xo.length !== ya.length) throw new SnapshotError(`internal error: the twins differ at ${where()}: lengths ${xo.length} and ${ya.length}`);
      for (let i = 0; i < xo.length; i++) {
        path.push(`[${i}]`);
        walk(xo[i], ya[i]);
        path.pop();
      }
      return;
    }
    if (xo instanceof Map || xo instanceof Set) {
      const xs = [...(xo as Map<unknown, unknown>).entries()];
      const ys = [...(yo as Map<unknown, unknown>).entries()];
      if (xs.length !== ys.length) throw new SnapshotError(`internal error: the twins differ at ${where()}: sizes ${xs.length} and ${ys.length}`);
      for (let i = 0; i < xs.length; i++) {
        path.push(`.entry(${i})`);
        walk(xs[i][0], ys[i][0]);
        walk(xs[i][1], ys[i][1]);
        path.pop();
      }
      return;
    }
    const xk: Array<[string, unknown]> = [];
    const yk: Array<[string, unknown]> = [];
    eachProperty(xo, (k, v) => xk.push([k, v]), (k, d) => xk.push([k, [d.get, d.set]]));
    eachProperty(yo, (k, v) => yk.push([k, v]), (k, d) => yk.push([k, [d.get, d.set]]));
    if (xk.length !== yk.length) throw new SnapshotError(`internal error: the twins differ at ${where()}: ${xk.length} and ${yk.length} properties`);
    for (let i = 0; i < xk.length; i++) {
      path.push(`.${xk[i][0]}`);
      if (xk[i][0] !== yk[i][0]) throw new SnapshotError(`internal error: the twins differ at ${where()}: property ${yk[i][0]}`);
      walk(xk[i][1], yk[i][1]);
      path.pop();
    }
  };
  walk(a, b);
  return shared;
}

/** How a skeleton node is copied in place. */
const KIND_FUNCTION = 0;
const KIND_ARRAY = 1;
const KIND_TYPED = 2;
const KIND_MAP = 3;
const KIND_SET = 4;
/** An object literal (own properties may come and go, or be accessors): property by property, from its keys. */
const KIND_LITERAL = 5;
/** A class instance: its fields, by the compiled copier of its class and field list. */
const KIND_CLASS = 6;
/**
 * A frozen object (an object literal, an array or a class instance, not a Map or Set,
 * whose entries freezing does not reach): not copied. It cannot have changed since it was
 * recorded, and its twin (built alike, frozen too) holds the images of its values: the
 * twin's own nodes.
 */
const KIND_FROZEN = 7;
/** A memo (see `memo`): not copied, the twin keeps its own. */
const KIND_MEMO = 8;

/** Objects declared memos (see `memo`). */
const MEMOS = new WeakSet<object>();

/**
 * Declares `o` a memo: a cache whose entries are made on demand from what the graph was
 * built with (the same key gives an equivalent entry in every twin), are never changed,
 * and matter by value, not identity. A copy leaves a twin's memo as it is (its entries,
 * made by the twin itself, are its own and valid); an entry that the rest of the state
 * refers to is copied with that state. Returns `o`.
 */
export function memo<T extends object>(o: T): T {
  MEMOS.add(o);
  return o;
}

function kindOf(o: Node, accessors: boolean): number {
  if (typeof o === 'function') return KIND_FUNCTION;
  // A frozen Map or Set still changes (freezing does not reach its entries): copied.
  if (isTypedArray(o)) return KIND_TYPED;
  if (o instanceof Map) return MEMOS.has(o) ? KIND_MEMO : KIND_MAP;
  if (o instanceof Set) return MEMOS.has(o) ? KIND_MEMO : KIND_SET;
  if (Object.isFrozen(o)) return KIND_FROZEN;
  if (MEMOS.has(o)) return KIND_MEMO;
  if (Array.isArray(o)) return KIND_ARRAY;
  return accessors || mayHaveAccessors(o) ? KIND_LITERAL : KIND_CLASS;
}

/**
 * Copies the own fields of a class instance `o` into `t` (of the same class), each object
 * value through `conv`: code generated per class and field list (`copierFor`), so that
 * every field is a named load and store V8 can inline, not a keyed one by a key list.
 */
export interface Copier {
  /**
   * @param S the source's skeleton nodes, `D` the twin's
   * @param h per field copied (in `copied` order): the skeleton node j >= 0 it held when
   *   recorded, or the shared object `HS[-j - 2]` (j <= -2), or nothing (-1). A value still
   *   that node (`S[j]`) takes its twin (`D[j]`), a value still that shared object is kept,
   *   both without a look-up.
   */
  (o: object, t: object, conv: (v: unknown) => unknown, S: readonly Node[], D: readonly Node[], h: Int32Array, HS: readonly object[]): void;
  /** Every own key of the objects it copies (accessors included), in order: what the checks compare with. */
  keys?: readonly string[];
  /** The keys it copies (`keys` without accessors), in order: what `h` is indexed by. */
  copied?: readonly string[];
  /** Hints of -1 for every field copied (an object made during the run). */
  noHints?: Int32Array;
}

/** Compiled copiers by prototype, then by field list. */
const COPIERS = new WeakMap<object, Map<string, Copier>>();

/** Per prototype: the copier of its class's fields (the first list seen), for instances made during a run. */
const CLASS_COPIERS = new WeakMap<object, Copier>();

/** Per field list of object literals made during a run: its copier, or null when one such literal had accessors. */
const LITERAL_COPIERS = new Map<string, Copier | null>();

/** Generated code: the image of object value `x` whose hint is `j` (see Copier). */
const IMAGE = 'j >= 0 ? (S[j] === x ? D[j] : conv(x)) : j < -1 && HS[-j - 2] === x ? x : conv(x)';

/** The body of an array copier: every element, object values through `conv` (or a hint: see Copier). */
const ARRAY_COPY = `const n = o.length;
if (t.length !== n) t.length = n;
const m = h.length;
for (let i = 0; i < n; i++) {
  const x = o[i];
  if (x !== null && (typeof x === 'object' || typeof x === 'function')) {
    const j = i < m ? h[i] : -1;
    t[i] = ${IMAGE};
  } else t[i] = x;
}`;

/**
 * Array copiers by what an array held when first seen: numbers (0), objects (1), anything
 * else or nothing (2). The same code made three times, so that V8's element loads and
 * stores in each see few kinds of arrays (one function for all would see every kind and
 * slow down to the generic path); any array is copied right by any of them.
 */
const ARRAY_COPIERS = [0, 1, 2].map(() => new Function('o', 't', 'conv', 'S', 'D', 'h', 'HS', ARRAY_COPY) as Copier);

/** No hints (an array made during the run). */
const NO_HINTS = new Int32Array(0);

/** Which ARRAY_COPIERS entry copies `a` (by its first element). */
function arrayClass(a: readonly unknown[]): number {
  const x = a.length > 0 ? a[0] : undefined;
  return typeof x === 'number' ? 0 : x !== null && typeof x === 'object' ? 1 : 2;
}

/** Stands for the null prototype in the copier tables (a WeakMap key must be an object). */
const NULL_PROTO = {};

/** A copier of the properties `copied` (a load and a store each), whose keys are `all` (`copied` and accessors). */
function compileCopier(copied: readonly string[], all: readonly string[]): Copier {
  const body = copied.map((k, i) => {
    const f = JSON.stringify(k);
    return `x = o[${f}]; if (x !== null && (typeof x === 'object' || typeof x === 'function')) { j = h[${i}]; t[${f}] = ${IMAGE}; } else t[${f}] = x;`;
  });
  const c = new Function('o', 't', 'conv', 'S', 'D', 'h', 'HS', `let x, j;\n${body.join('\n')}`) as Copier;
  c.keys = all.slice();
  c.copied = copied.slice();
  c.noHints = new Int32Array(copied.length).fill(-1);
  return c;
}

/**
 * The copier of class instance `o`'s fields as they are now. A class's fields are all
 * defined by its constructor (ES2022 class fields), so its instances share one list; an
 * instance whose list differs gets a copier of its own list.
 */
function copierFor(o: Node): Copier {
  const proto = (Object.getPrototypeOf(o) as object | null) ?? NULL_PROTO;
  let byKeys = COPIERS.get(proto);
  if (byKeys === undefined) COPIERS.set(proto, (byKeys = new Map()));
  const keys = Object.keys(o);
  const sig = keys.join('\n');
  let c = byKeys.get(sig);
  if (c === undefined) byKeys.set(sig, (c = compileCopier(keys, keys)));
  if (!CLASS_COPIERS.has(proto)) CLASS_COPIERS.set(proto, c);
  return c;
}

/**
 * The copier of object literal `o`'s own data properties (not its accessors: a twin in
 * place has its own, made by the same code), compiled for its keys as they are now;
 * `keys` is then every own key (accessors included), for the check that they still are.
 */
function dataCopierFor(o: Node): Copier {
  const ds = Object.getOwnPropertyDescriptors(o);
  const copied = Object.keys(ds).filter((k) => 'value' in ds[k]);
  const all = Object.keys(o);
  const sig = `${all.join('\n')}\u0000${copied.join('\n')}`;
  let c = DATA_COPIERS.get(sig);
  if (c === undefined) DATA_COPIERS.set(sig, (c = compileCopier(copied, all)));
  return c;
}

/** Copiers of object literals with accessors, by their keys and data keys. */
const DATA_COPIERS = new Map<string, Copier>();

/** True when object `o`'s own enumerable keys are `keys`, in order. */
function hasKeys(o: object, keys: readonly string[]): boolean {
  const ks = Object.keys(o);
  if (ks.length !== keys.length) return false;
  for (let i = 0; i < ks.length; i++) if (ks[i] !== keys[i]) return false;
  return true;
}

/** True when object `o` has an own accessor property. */
function hasAccessors(o: object): boolean {
  const ds = Object.getOwnPropertyDescriptors(o);
  for (const k of Object.keys(ds)) if (!('value' in ds[k])) return true;
  return false;
}

/**
 * When true, every in-place copy of a class instance checks that its fields are still
 * those its copier was compiled for (a field added after construction would otherwise be
 * missed): the tests turn it on; off, a copy costs only its loads and stores.
 */
export const snapshotChecks = { fields: false };

/**
 * The objects and functions a graph reaches from its root when recorded (outside
 * `shared`), numbered in walk order: see the top of this file.
 */
export class Skeleton {
  /** The nodes in walk order. */
  readonly nodes: Node[] = [];
  /** Node -> its number. */
  readonly ordinal = new Map<Node, number>();
  /** The object literals among the nodes that have accessor properties (the others are copied property by property). */
  readonly withAccessors = new Set<Node>();
  /** Per node: how it is copied in place (KIND_*). */
  readonly kinds: Uint8Array;
  /**
   * Per node: the compiled copier of a class instance (KIND_CLASS), of an array
   * (ARRAY_COPIERS), or of an object literal's data properties (its keys as when
   * recorded; `dataCopierFor` when it has accessors); else null.
   */
  readonly copiers: Array<Copier | null>;
  /** Per node with a copier: its hints (see Copier), from the values it held when recorded. */
  readonly hints: Int32Array[];
  /** The shared objects the hints name (HS in Copier). */
  readonly sharedHints: object[];
  /** Skeletons found built alike with this one (node k of each of the same kind and prototype), by `alike`. */
  private readonly alikeWith = new WeakSet<Skeleton>();

  /**
   * @param root the graph's root (a simulation)
   * @param shared objects kept by reference (see sharedBetween)
   */
  constructor(
    readonly root: object,
    readonly shared: ReadonlySet<object>,
    template?: Skeleton,
  ) {
    this.add(root);
    const n = this.nodes.length;
    this.kinds = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const o = this.nodes[k];
      this.kinds[k] = kindOf(o, this.withAccessors.has(o));
    }
    if (template !== undefined && template.shared === shared && this.alike(template)) {
      // Built alike: the same copiers and hints (node numbers, the same in both).
      this.copiers = template.copiers;
      this.hints = template.hints;
      this.sharedHints = template.sharedHints;
      this.alikeWith.add(template);
      template.alikeWith.add(this);
      return;
    }
    this.copiers = new Array<Copier | null>(n).fill(null);
    this.sharedHints = [];
    for (let k = 0; k < n; k++) {
      const o = this.nodes[k];
      const kind = this.kinds[k];
      if (kind === KIND_CLASS) this.copiers[k] = copierFor(o);
      else if (kind === KIND_ARRAY) this.copiers[k] = ARRAY_COPIERS[arrayClass(o as unknown[])];
      else if (kind === KIND_LITERAL) this.copiers[k] = this.withAccessors.has(o) ? dataCopierFor(o) : copierFor(o);
    }
    const sharedIndex = new Map<object, number>();
    const hintOf = (v: unknown): number => {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return -1;
      const j = this.ordinal.get(v as Node);
      if (j !== undefined) return j;
      if (!shared.has(v as object)) return -1;
      let h = sharedIndex.get(v as object);
      if (h === undefined) {
        sharedIndex.set(v as object, (h = this.sharedHints.length));
        this.sharedHints.push(v as object);
      }
      return -h - 2;
    };
    this.hints = [];
    for (let k = 0; k < n; k++) {
      const c = this.copiers[k];
      if (c === null) {
        this.hints.push(NO_HINTS);
        continue;
      }
      const o = this.nodes[k] as Record<string, unknown>;
      const fields = this.kinds[k] === KIND_ARRAY ? (o as unknown as unknown[]) : c.copied!.map((key) => o[key]);
      const h = new Int32Array(fields.length);
      for (let i = 0; i < fields.length; i++) h[i] = hintOf(fields[i]);
      this.hints.push(h);
    }
  }

  /**
   * True when `other` has as many nodes, each of the same kind and prototype, and (with
   * `snapshotChecks.fields`) each class instance the same fields: built alike.
   */
  private alike(other: Skeleton): boolean {
    const n = this.nodes.length;
    if (other.nodes.length !== n) return false;
    for (let k = 0; k < n; k++) {
      const a = this.nodes[k];
      if (this.kinds[k] !== other.kinds[k] || (typeof a !== 'function' && Object.getPrototypeOf(a) !== Object.getPrototypeOf(other.nodes[k]))) return false;
      if (snapshotChecks.fields && this.kinds[k] === KIND_CLASS && !hasKeys(a, other.copiers[k]!.keys!)) return false;
    }
    return true;
  }

  /**
   * The first skeleton node where `other` differs from this one in kind or prototype, or
   * -1 when they are alike (checked once per pair, then remembered).
   */
  differsFrom(other: Skeleton): number {
    if (this.alikeWith.has(other)) return -1;
    const n = this.nodes.length;
    if (other.nodes.length !== n) return Math.min(n, other.nodes.length);
    for (let k = 0; k < n; k++) {
      const a = this.nodes[k];
      const b = other.nodes[k];
      if (this.kinds[k] !== other.kinds[k] || (typeof a !== 'function' && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b))) return k;
    }
    this.alikeWith.add(other);
    return -1;
  }

  /** Walks from `v` (depth first, explicit stack: the same order in twins). */
  private add(v: unknown): void {
    const stack: unknown[] = [v];
    const push = (x: unknown) => {
      if (x !== null && (typeof x === 'object' || typeof x === 'function')) stack.push(x);
    };
    while (stack.length > 0) {
      const o = stack.pop() as Node;
      if (this.shared.has(o) || this.ordinal.has(o)) continue;
      this.ordinal.set(o, this.nodes.length);
      this.nodes.push(o);
      if (typeof o === 'function' || isTypedArray(o)) continue;
      // Children are pushed in reverse, so that they are numbered in order.
      if (Array.isArray(o)) {
        for (let i = o.length - 1; i >= 0; i--) push(o[i]);
      } else if (o instanceof Map) {
        const es = [...o];
        for (let i = es.length - 1; i >= 0; i--) {
          push(es[i][1]);
          push(es[i][0]);
        }
      } else if (o instanceof Set) {
        const xs = [...o];
        for (let i = xs.length - 1; i >= 0; i--) push(xs[i]);
      } else if (mayHaveAccessors(o)) {
        const ds = Object.getOwnPropertyDescriptors(o);
        const keys = Object.keys(ds);
        for (let i = keys.length - 1; i >= 0; i--) {
          const d = ds[keys[i]];
          if ('value' in d) push(d.value);
          else {
            this.withAccessors.add(o);
            push(d.set);
            push(d.get);
          }
        }
      } else {
        const oo = o as Record<string, unknown>;
        const keys = Object.keys(oo);
        for (let i = keys.length - 1; i >= 0; i--) push(oo[keys[i]]);
      }
    }
  }
}

/**
 * The path from `root` to `target` through properties, elements and entries (for errors;
 * a breadth-first search, so the shortest one), or `(unreachable)`.
 */
function pathTo(roots: readonly object[], target: object, shared: ReadonlySet<object>): string {
  const from = new Map<object, [object | null, string]>();
  const queue: object[] = [];
  // From the root first; from the other roots (skeleton nodes) only for what it does not reach.
  let next = 0;
  const visit = (parent: object, key: string, v: unknown) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function') || shared.has(v as object) || from.has(v as object)) return;
    from.set(v as object, [parent, key]);
    queue.push(v as object);
  };
  for (let q = 0; q < queue.length || next < roots.length; q++) {
    if (q === queue.length) {
      while (next < roots.length && from.has(roots[next])) next++;
      if (next === roots.length) break;
      from.set(roots[next], [null, next === 0 ? 'root' : `<skeleton node ${next - 1}>`]);
      queue.push(roots[next++]);
    }
    const o = queue[q];
    if (o === target) break;
    if (typeof o === 'function' || isTypedArray(o)) continue;
    if (Array.isArray(o)) o.forEach((x, i) => visit(o, `[${i}]`, x));
    else if (o instanceof Map) for (const [k, x] of o) (visit(o, `.key(${String(k)})`, k), visit(o, `.get(${String(k)})`, x));
    else if (o instanceof Set) for (const x of o) visit(o, '.has(...)', x);
    else eachProperty(o, (k, x) => visit(o, `.${k}`, x), (k, d) => (visit(o, `.${k}`, d.get), visit(o, `.${k}`, d.set)));
  }
  if (!from.has(target)) return '(unreachable)';
  const parts: string[] = [];
  for (let x: object | null = target; x !== null; ) {
    const [parent, key]: [object | null, string] = from.get(x)!;
    parts.push(key);
    x = parent;
  }
  return parts.reverse().join('');
}

/**
 * Copies the state of `src` (the graph of `srcSkeleton`) into its twin `dst` (the graph
 * of `dstSkeleton`, built alike): see the top of this file. Afterwards dst's graph is
 * an image of src's; src is not changed. `onFresh` is called with every object copied
 * afresh (one made during the run: the skeleton's own nodes are copied in place, and a
 * caller finds what it needs among them once), e.g. to find the copied random streams.
 * `dst` may have run since its skeleton was recorded (its state is overwritten).
 */
export function copyInto(srcSkeleton: Skeleton, dstSkeleton: Skeleton, onFresh?: (copy: object) => void): void {
  const { shared, ordinal, withAccessors, kinds, copiers, hints, sharedHints } = srcSkeleton;
  const srcNodes = srcSkeleton.nodes;
  const dstNodes = dstSkeleton.nodes;
  if (dstNodes.length !== srcNodes.length || dstSkeleton.shared !== shared) {
    throw new SnapshotError(`internal error: the twin's skeleton has ${dstNodes.length} nodes, the original's ${srcNodes.length}: they were not built alike`);
  }
  const differs = dstSkeleton.differsFrom(srcSkeleton);
  if (differs >= 0) throw new SnapshotError(`internal error: cannot copy skeleton node ${differs}: its twin is of another kind: the graphs were not built alike`);
  const checks = snapshotChecks.fields;
  // Copies made afresh; skeleton nodes already copied are marked in `done`.
  const map = new Map<Node, Node>();
  const done = new Uint8Array(srcNodes.length);
  const buffers = new Set<ArrayBufferLike>();
  // The path is found only for an error (tracking it on the way costs more than the copy).
  const where = (o: object) => pathTo([srcSkeleton.root, ...srcNodes], o, shared);

  /** Skeleton node k of src, copied in place into node k of dst (once). */
  const convAt = (k: number): Node => {
    const t = dstNodes[k];
    if (done[k] === 1) return t;
    done[k] = 1;
    const kind = kinds[k];
    if (kind === KIND_FUNCTION || kind === KIND_FROZEN || kind === KIND_MEMO) return t;
    const o = srcNodes[k];
    const c = copiers[k];
    if (kind === KIND_CLASS) {
      if (checks && !hasKeys(o, c!.keys!)) throw new SnapshotError(`internal error: cannot copy ${where(o)}: its fields changed after it was built (a field added or deleted at run time)`);
      c!(o, t, conv, srcNodes, dstNodes, hints[k], sharedHints);
    } else if (kind === KIND_ARRAY) c!(o, t, conv, srcNodes, dstNodes, hints[k], sharedHints);
    else if (c !== null && hasKeys(o, c.keys!) && hasKeys(t, c.keys!)) c(o, t, conv, srcNodes, dstNodes, hints[k], sharedHints);
    else fill(o, t, true);
    return t;
  };

  const conv = (v: unknown): unknown => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    const o = v as Node;
    const k = ordinal.get(o);
    if (k !== undefined) return convAt(k);
    if (shared.has(o)) return o;
    const made = map.get(o);
    if (made !== undefined) return made;
    if (typeof o === 'function') {
      throw new SnapshotError(`internal error: cannot copy ${where(o)}: a function made while the simulation ran (a closure over run-time state); schedule a handler object with an event kind instead`);
    }
    // Made during the run: copied afresh.
    checkCopyable(o, () => where(o));
    let t: Node;
    let c: Copier | null = null;
    if (isTypedArray(o)) t = new (o.constructor as new (n: number) => typeof o)(o.length);
    else if (Array.isArray(o)) t = new Array(o.length);
    else if (o instanceof Map) t = new Map();
    else if (o instanceof Set) t = new Set();
    else {
      const proto = Object.getPrototypeOf(o) as object | null;
      t = Object.create(proto) as Node;
      c = afreshCopier(o, proto);
    }
    map.set(o, t);
    if (c !== null) c(o, t, conv, srcNodes, dstNodes, c.noHints!, sharedHints);
    else if (Array.isArray(o)) ARRAY_COPIERS[arrayClass(o)](o, t, conv, srcNodes, dstNodes, NO_HINTS, sharedHints);
    else fill(o, t, false);
    onFresh?.(t);
    return t;
  };

  /**
   * The copier of an object made during the run: a class instance's class copier (its
   * fields are its constructor's: checked with `snapshotChecks.fields`); a literal's by its
   * field list, or null for a literal with accessors (copied by `fill`).
   */
  const afreshCopier = (o: Node, proto: object | null): Copier | null => {
    if (proto !== Object.prototype && proto !== null) {
      const c = CLASS_COPIERS.get(proto) ?? copierFor(o);
      if (checks && !hasKeys(o, c.keys!)) throw new SnapshotError(`internal error: cannot copy ${where(o)}: its fields are not those of its class's other instances (a field added or deleted at run time)`);
      return c;
    }
    const sig = Object.keys(o).join('\n');
    let c = LITERAL_COPIERS.get(sig);
    if (c === undefined) {
      c = hasAccessors(o) ? null : copierFor(o);
      LITERAL_COPIERS.set(sig, c);
    } else if (checks && c !== null && hasAccessors(o)) {
      throw new SnapshotError(`internal error: cannot copy ${where(o)}: an object literal with accessors whose keys were first seen without`);
    }
    return c;
  };

  /** Copies a typed array, Map, Set or object literal (arrays and class instances have compiled copiers). */
  const fill = (o: Node, t: Node, inPlace: boolean): void => {
    if (isTypedArray(o)) {
      if (o.byteOffset !== 0 || o.byteLength !== o.buffer.byteLength || buffers.has(o.buffer)) {
        throw new SnapshotError(`internal error: cannot copy ${where(o)}: a typed array that shares its buffer`);
      }
      buffers.add(o.buffer);
      (t as typeof o).set(o);
      return;
    }
    if (o instanceof Map) {
      const entries = [...o];
      const tm = t as Map<unknown, unknown>;
      tm.clear();
      for (const [k, x] of entries) tm.set(conv(k), conv(x));
      return;
    }
    if (o instanceof Set) {
      const values = [...o];
      const ts = t as Set<unknown>;
      ts.clear();
      for (const x of values) ts.add(conv(x));
      return;
    }
    const tt = t as Record<string, unknown>;
    let n = 0;
    // A skeleton node without accessors takes the fast path; a fresh object literal is checked.
    if (inPlace ? withAccessors.has(o) : mayHaveAccessors(o)) {
      const ds = Object.getOwnPropertyDescriptors(o);
      for (const key of Object.keys(ds)) {
        const d = ds[key];
        n++;
        if ('value' in d) tt[key] = conv(d.value);
        else if (!inPlace) {
          // A twin in place has its own accessor (made by the same code); a fresh copy gets the twin's functions.
          Object.defineProperty(t, key, { ...d, get: conv(d.get) as (() => unknown) | undefined, set: conv(d.set) as ((x: unknown) => void) | undefined });
        }
      }
    } else {
      const oo = o as Record<string, unknown>;
      const keys = Object.keys(oo);
      n = keys.length;
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        const x = oo[key];
        tt[key] = x !== null && (typeof x === 'object' || typeof x === 'function') ? conv(x) : x;
      }
    }
    // A property an object literal lost during the run (class instances keep theirs: nothing here deletes one).
    if (inPlace && mayHaveAccessors(o) && Object.keys(tt).length !== n) for (const key of Object.keys(tt)) if (!Object.prototype.hasOwnProperty.call(o, key)) delete tt[key];
  };

  conv(srcSkeleton.root);
  // Skeleton objects no property reaches any more may still be captured by the twin's functions.
  for (let i = 0; i < srcNodes.length; i++) if (done[i] === 0) convAt(i);
}
