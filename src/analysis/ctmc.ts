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

/**
 * Solves pi Q = 0, sum(pi) = 1 for an irreducible chain by GTH elimination on sparse
 * rows (the same subtraction-free arithmetic as `steadyState`, so as accurate when rates
 * span many orders of magnitude). States are eliminated from n-1 down to 1, so an order
 * in which the last states are the "far" ones (breadth-first from a typical state, as
 * `exploreCtmc` numbers them) keeps the fill-in small. Memory and time grow with the
 * fill-in, not with n^2.
 * @throws RangeError when a rate is not finite and >= 0, or the chain is not irreducible
 */
export function steadyStateSparse(chain: Ctmc): Float64Array {
  const n = chain.n;
  if (n === 1) return Float64Array.of(1);
  const rows: Array<Map<number, number>> = Array.from({ length: n }, () => new Map());
  // cols[j]: rows i that may hold a[i][j] != 0 (a superset is harmless).
  const cols: Array<number[]> = Array.from({ length: n }, () => []);
  const colSeen: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  const link = (i: number, j: number) => {
    const s = colSeen[j];
    if (!s.has(i)) {
      s.add(i);
      cols[j].push(i);
    }
  };
  for (const { from, to, rate } of chain.transitions) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
    if (from === to || rate === 0) continue;
    const r = rows[from];
    r.set(to, (r.get(to) ?? 0) + rate);
    link(from, to);
  }
  for (let k = n - 1; k > 0; k--) {
    const rk = rows[k];
    let s = 0;
    const lower: Array<[number, number]> = [];
    for (const [j, v] of rk) {
      if (j < k) {
        s += v;
        lower.push([j, v]);
      }
    }
    if (!(s > 0)) throw new RangeError(`the chain is not irreducible (state ${k} cannot reach lower states)`);
    for (const i of cols[k]) {
      if (i >= k) continue;
      const ri = rows[i];
      const aik = ri.get(k);
      if (aik === undefined || aik === 0) continue;
      const f = aik / s;
      for (const [j, v] of lower) {
        if (j === i) continue;
        const old = ri.get(j);
        if (old === undefined) link(i, j);
        ri.set(j, (old ?? 0) + f * v);
      }
      ri.set(k, f);
    }
    // Row k's entries to higher states are no longer needed.
    colSeen[k].clear();
  }
  const pi = new Float64Array(n);
  pi[0] = 1;
  let total = 1;
  for (let k = 1; k < n; k++) {
    let v = 0;
    for (const i of cols[k]) if (i < k) v += pi[i] * (rows[i].get(k) ?? 0);
    pi[k] = v;
    total += v;
  }
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
