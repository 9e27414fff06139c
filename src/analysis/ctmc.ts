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
