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

  /**
   * @param root the graph's root (a simulation)
   * @param shared objects kept by reference (see sharedBetween)
   */
  constructor(
    readonly root: object,
    readonly shared: ReadonlySet<object>,
  ) {
    this.add(root);
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
 * an image of src's; src is not changed. `onCopy` is called with every copy made (in
 * place or afresh), e.g. to find the copied random streams. `dst` may have run since its
 * skeleton was recorded (its state is overwritten).
 */
export function copyInto(srcSkeleton: Skeleton, dstSkeleton: Skeleton, onCopy?: (copy: object) => void): void {
  const { shared, ordinal, withAccessors } = srcSkeleton;
  const srcNodes = srcSkeleton.nodes;
  const dstNodes = dstSkeleton.nodes;
  if (dstNodes.length !== srcNodes.length || dstSkeleton.shared !== shared) {
    throw new SnapshotError(`internal error: the twin's skeleton has ${dstNodes.length} nodes, the original's ${srcNodes.length}: they were not built alike`);
  }
  // Copies made afresh; skeleton nodes already copied are marked in `done`.
  const map = new Map<Node, Node>();
  const done = new Uint8Array(srcNodes.length);
  const buffers = new Set<ArrayBufferLike>();
  // The path is found only for an error (tracking it on the way costs more than the copy).
  const where = (o: object) => pathTo([srcSkeleton.root, ...srcNodes], o, shared);

  const conv = (v: unknown): unknown => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    const o = v as Node;
    const k = ordinal.get(o);
    let t: Node;
    let inPlace = false;
    if (k !== undefined) {
      t = dstNodes[k];
      if (done[k] === 1) return t;
      done[k] = 1;
      inPlace = true;
      if (typeof t !== typeof o || Object.getPrototypeOf(t) !== Object.getPrototypeOf(o)) {
        throw new SnapshotError(`internal error: cannot copy ${where(o)}: its twin (skeleton node ${k}) is of another kind: the graphs were not built alike`);
      }
    } else if (shared.has(o)) {
      return o;
    } else if (map.has(o)) {
      return map.get(o);
    } else if (typeof o === 'function') {
      throw new SnapshotError(`internal error: cannot copy ${where(o)}: a function made while the simulation ran (a closure over run-time state); schedule a handler object with an event kind instead`);
    } else {
      checkCopyable(o, () => where(o));
      if (isTypedArray(o)) t = new (o.constructor as new (n: number) => typeof o)(o.length);
      else if (Array.isArray(o)) t = new Array(o.length);
      else if (o instanceof Map) t = new Map();
      else if (o instanceof Set) t = new Set();
      else t = Object.create(Object.getPrototypeOf(o)) as Node;
      map.set(o, t);
    }
    if (typeof o === 'function') return t;
    fill(o, t, inPlace);
    onCopy?.(t);
    return t;
  };

  const fill = (o: Node, t: Node, inPlace: boolean): void => {
    if (Array.isArray(o)) {
      const ta = t as unknown[];
      const n = o.length;
      if (ta.length !== n) ta.length = n;
      for (let i = 0; i < n; i++) {
        const x: unknown = o[i];
        ta[i] = x !== null && (typeof x === 'object' || typeof x === 'function') ? conv(x) : x;
      }
      return;
    }
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
  for (let i = 0; i < srcNodes.length; i++) conv(srcNodes[i]);
}
