/**
 * Exact steady state of a finite continuous-time Markov chain by GTH elimination
 * (Grassmann, Taksar, Heyman 1985): subtraction-free, so accurate even when rates span
 * many orders of magnitude. Used by the tests as the exact answer the simulator is
 * compared with (and, later, by `nfvsim analyze`).
 */

/** A sparse generator: transitions (from, to, rate) between states 0..n-1. */
export interface Ctmc {
  /** Number of states. */
  n: number;
  /** Transitions with rate > 0 (per second, or any consistent unit). Self-loops are ignored. */
  transitions: Array<{ from: number; to: number; rate: number }>;
}

/**
 * Solves pi Q = 0, sum(pi) = 1 for an irreducible chain. Returns pi.
 * Cost O(n^3) time and O(n^2) memory: for chains up to a few thousand states.
 */
export function steadyState(chain: Ctmc): Float64Array {
  const n = chain.n;
  if (n === 1) return Float64Array.of(1);
  const a = Array.from({ length: n }, () => new Float64Array(n));
  for (const { from, to, rate } of chain.transitions) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
    if (from !== to) a[from][to] += rate;
  }
  // Elimination of states n-1 .. 1.
  for (let k = n - 1; k > 0; k--) {
    let s = 0;
    for (let j = 0; j < k; j++) s += a[k][j];
    if (!(s > 0)) throw new RangeError(`the chain is not irreducible (state ${k} cannot reach lower states)`);
    for (let i = 0; i < k; i++) {
      const f = a[i][k] / s;
      if (f === 0) continue;
      for (let j = 0; j < k; j++) if (j !== i) a[i][j] += f * a[k][j];
    }
    for (let i = 0; i < k; i++) a[i][k] /= s;
  }
  // Back substitution.
  const pi = new Float64Array(n);
  pi[0] = 1;
  let total = 1;
  for (let k = 1; k < n; k++) {
    let v = 0;
    for (let i = 0; i < k; i++) v += pi[i] * a[i][k];
    pi[k] = v;
    total += v;
  }
  for (let k = 0; k < n; k++) pi[k] /= total;
  return pi;
}

/**
 * Builds a chain by exploring states reachable from `initial`. `next(state)` lists the
 * transitions out of a state as [target, rate]; states are compared by `key`.
 */
export function exploreCtmc<S>(
  initial: S,
  key: (s: S) => string,
  next: (s: S) => Array<[S, number]>,
  maxStates = 20000,
): { chain: Ctmc; states: S[] } {
  const index = new Map<string, number>();
  const states: S[] = [];
  const transitions: Ctmc['transitions'] = [];
  const add = (s: S): number => {
    const k = key(s);
    let i = index.get(k);
    if (i === undefined) {
      if (states.length >= maxStates) throw new RangeError(`more than ${maxStates} states`);
      i = states.length;
      index.set(k, i);
      states.push(s);
    }
    return i;
  };
  add(initial);
  for (let i = 0; i < states.length; i++) {
    for (const [t, rate] of next(states[i])) {
      if (rate > 0) transitions.push({ from: i, to: add(t), rate });
    }
  }
  return { chain: { n: states.length, transitions }, states };
}

/** Default bound on the nonzero rates `steadyStateSparse` holds during elimination (about 2 GB of maps). */
export const DEFAULT_MAX_FILL = 20_000_000;

/** The elimination filled in more nonzero rates than allowed. */
export class FillError extends RangeError {
  override name = 'FillError';
  constructor(readonly maxFill: number) {
    super(`the elimination fills in more than ${maxFill} nonzero rates`);
  }
}

/** Largest number of states left that `steadyStateSparse` hands to the dense solver. */
export const DENSE_SWITCH = 2500;

/**
 * Solves pi Q = 0, sum(pi) = 1 for an irreducible chain by GTH elimination on sparse
 * rows: the same subtraction-free arithmetic as `steadyState` (so as accurate when
 * rates span many orders of magnitude), with the states eliminated in a fill-reducing
 * order (minimum degree: next, the state whose elimination links the fewest pairs of
 * its remaining predecessors and successors). GTH is stable in any elimination order.
 * When the states left have filled in (at most DENSE_SWITCH of them, with a fifth of
 * their pairs linked), they are solved densely by `steadyState` (their censored chain
 * has the same stationary distribution up to a factor), which is faster there. Time
 * and memory grow with the fill-in, not with n^2 or n^3.
 * @param maxFill the most nonzero rates the elimination may hold at once (a memory bound)
 * @throws RangeError when a rate is not finite and >= 0, or the chain is not irreducible
 * @throws FillError when the fill-in exceeds `maxFill`
 */
export function steadyStateSparse(chain: Ctmc, maxFill = DEFAULT_MAX_FILL): Float64Array {
  const n = chain.n;
  if (n === 1) return Float64Array.of(1);
  const out: Array<Map<number, number>> = Array.from({ length: n }, () => new Map());
  const inn: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  let nnz = 0;
  for (const { from, to, rate } of chain.transitions) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
    if (from === to || rate === 0) continue;
    const r = out[from];
    const old = r.get(to);
    if (old === undefined) nnz++;
    r.set(to, (old ?? 0) + rate);
    inn[to].add(from);
  }
  // A binary min-heap of [cost, state], with stale entries skipped when popped.
  const heapCost: number[] = [];
  const heapState: number[] = [];
  const push = (c: number, k: number) => {
    let i = heapCost.length;
    heapCost.push(c);
    heapState.push(k);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heapCost[p] <= c) break;
      heapCost[i] = heapCost[p];
      heapState[i] = heapState[p];
      i = p;
    }
    heapCost[i] = c;
    heapState[i] = k;
  };
  /** Pops the cheapest entry: [cost, state]. */
  const pop = (): [number, number] => {
    const top: [number, number] = [heapCost[0], heapState[0]];
    const c = heapCost.pop()!;
    const k = heapState.pop()!;
    const len = heapCost.length;
    if (len > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        const m = r < len && heapCost[r] < heapCost[l] ? r : l;
        if (heapCost[m] >= c) break;
        heapCost[i] = heapCost[m];
        heapState[i] = heapState[m];
        i = m;
      }
      heapCost[i] = c;
      heapState[i] = k;
    }
    return top;
  };
  const cost = (k: number) => inn[k].size * out[k].size;
  const current = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    current[k] = cost(k);
    push(current[k], k);
  }
  const eliminated = new Uint8Array(n);
  const order: number[] = [];
  // For each eliminated state: the states (eliminated later) that fed it, and the factor a[i][k] / s_k.
  const feeders: Array<Array<[number, number]>> = new Array(n);
  const touched = new Set<number>();
  const pi = new Float64Array(n);
  let denseDone = false;
  for (let step = 0; step < n - 1; step++) {
    const left = n - step;
    if (left <= DENSE_SWITCH && nnz * 5 >= left * left) {
      // Solve the states left densely (their censored chain), then back-substitute.
      const ids: number[] = [];
      for (let k = 0; k < n; k++) if (!eliminated[k]) ids.push(k);
      const local = new Map(ids.map((k, i) => [k, i]));
      const transitions: Ctmc['transitions'] = [];
      ids.forEach((k, i) => {
        for (const [j, v] of out[k]) transitions.push({ from: i, to: local.get(j)!, rate: v });
      });
      const sub = steadyState({ n: ids.length, transitions });
      ids.forEach((k, i) => (pi[k] = sub[i]));
      denseDone = true;
      break;
    }
    // Entries whose cost is no longer current were superseded by a newer push.
    let [c, k] = pop();
    while (eliminated[k] || c !== current[k]) [c, k] = pop();
    const rk = out[k];
    let s = 0;
    for (const v of rk.values()) s += v;
    if (!(s > 0)) throw new RangeError(`the chain is not irreducible (state ${k} cannot reach the states left)`);
    const list: Array<[number, number]> = [];
    touched.clear();
    for (const i of inn[k]) {
      const ri = out[i];
      const f = ri.get(k)! / s;
      ri.delete(k);
      nnz--;
      list.push([i, f]);
      touched.add(i);
      for (const [j, v] of rk) {
        if (j === i) continue;
        const old = ri.get(j);
        if (old === undefined) {
          inn[j].add(i);
          touched.add(j);
          if (++nnz > maxFill) throw new FillError(maxFill);
        }
        ri.set(j, (old ?? 0) + f * v);
      }
    }
    for (const j of rk.keys()) {
      inn[j].delete(k);
      touched.add(j);
    }
    nnz -= rk.size;
    feeders[k] = list;
    eliminated[k] = 1;
    order.push(k);
    out[k] = new Map();
    inn[k] = new Set();
    for (const t of touched) {
      const c = cost(t);
      if (c !== current[t]) push((current[t] = c), t);
    }
  }
  if (!denseDone) {
    for (let k = 0; k < n; k++) if (!eliminated[k]) pi[k] = 1;
  }
  for (let m = order.length - 1; m >= 0; m--) {
    const k = order[m];
    let v = 0;
    for (const [i, f] of feeders[k]) v += pi[i] * f;
    pi[k] = v;
  }
  let total = 0;
  for (let k = 0; k < n; k++) total += pi[k];
  for (let k = 0; k < n; k++) pi[k] /= total;
  return pi;
}

/**
 * The relative residual of a steady-state vector: sum_j |(pi Q)_j| / sum_j pi_j q_j,
 * where q_j is the total rate out of state j (dimensionless; 0 for an exact solution,
 * about 1e-15 for a good floating-point one).
 */
export function residual(chain: Ctmc, pi: Float64Array): number {
  const flow = new Float64Array(chain.n);
  let out = 0;
  for (const { from, to, rate } of chain.transitions) {
    if (from === to) continue;
    const f = pi[from] * rate;
    flow[to] += f;
    flow[from] -= f;
    out += f;
  }
  let r = 0;
  for (let j = 0; j < chain.n; j++) r += Math.abs(flow[j]);
  return out > 0 ? r / out : 0;
}
