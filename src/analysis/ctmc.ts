/**
 * Exact steady state of a finite continuous-time Markov chain by GTH elimination
 * (Grassmann, Taksar, Heyman 1985): subtraction-free, so accurate even when rates span
 * many orders of magnitude. Used by the tests as the exact answer the simulator is
 * compared with (and, later, by `nfvsim analyze`).
 */

import { denseMatrix, type DenseKernel } from './dense-kernel.js';
import { CostHeap } from './heap.js';

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
 * `kernel` 'js' forces the plain JavaScript row update (the same bits; for tests).
 */
export function steadyState(chain: Ctmc, kernel: DenseKernel = 'wasm-simd'): Float64Array {
  const n = chain.n;
  if (n === 1) return Float64Array.of(1);
  // Row-major in one array: a[i * n + j] is the rate from i to j. The diagonal is never
  // read (a pivot's sum and the back substitution take off-diagonal entries only), so the
  // update below runs over whole rows without skipping it (dense-kernel.ts: the same bits
  // in WebAssembly SIMD or in plain JavaScript).
  const m = denseMatrix(n, kernel);
  const a = m.a;
  for (const { from, to, rate } of chain.transitions) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
    if (from !== to) a[from * n + to] += rate;
  }
  // Elimination of states n-1 .. 1, in blocks of BLOCK pivots: the pivot rows of a block
  // are first eliminated among themselves (each with its sum s_p once the pivots above it
  // are applied), then every row below takes the block's pivots in turn while it is in
  // the cache. Each entry receives the same updates in the same order, with the same
  // factors, as pivot by pivot: the same bits, with a fraction of the memory traffic.
  const BLOCK = 16;
  const sums = new Float64Array(BLOCK);
  for (let hi = n - 1; hi > 0; hi -= BLOCK) {
    const lo = Math.max(1, hi - BLOCK + 1);
    for (let k = hi; k >= lo; k--) {
      const rk = k * n;
      let s = 0;
      for (let j = 0; j < k; j++) s += a[rk + j];
      if (!(s > 0)) throw new RangeError(`the chain is not irreducible (state ${k} cannot reach lower states)`);
      sums[hi - k] = s;
      for (let i = lo; i < k; i++) {
        const ri = i * n;
        const f = a[ri + k] / s;
        a[ri + k] = f;
        if (f !== 0) m.axpy(i, k, f, k);
      }
    }
    for (let i = 0; i < lo; i++) {
      const ri = i * n;
      for (let k = hi; k >= lo; k--) {
        const f = a[ri + k] / sums[hi - k];
        a[ri + k] = f;
        if (f !== 0) m.axpy(i, k, f, k);
      }
    }
  }
  // Back substitution.
  const pi = new Float64Array(n);
  pi[0] = 1;
  let total = 1;
  for (let k = 1; k < n; k++) {
    let v = 0;
    for (let i = 0; i < k; i++) v += pi[i] * a[i * n + k];
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
export const DENSE_SWITCH = 4000;

/**
 * Solves pi Q = 0, sum(pi) = 1 for an irreducible chain by GTH elimination on sparse
 * rows: the same subtraction-free arithmetic as `steadyState` (so as accurate when
 * rates span many orders of magnitude), with the states eliminated in a fill-reducing
 * order (minimum degree: next, the state whose elimination links the fewest pairs of
 * its remaining predecessors and successors). GTH is stable in any elimination order.
 * When the states left have filled in (at most DENSE_SWITCH of them, with a tenth of
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
  // Row k: the rates a[k][j] to the states j not yet eliminated, as parallel arrays.
  const cols: Int32Array[] = new Array(n);
  const vals: Float64Array[] = new Array(n);
  const len = new Int32Array(n);
  const inn: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  // pos[j]: where column j sits in the row being updated, or -1 (a scatter marker).
  const pos = new Int32Array(n).fill(-1);
  const append = (i: number, j: number, v: number) => {
    let c = cols[i];
    if (c === undefined || len[i] === c.length) {
      const size = c === undefined ? 4 : c.length * 2;
      const nc = new Int32Array(size);
      const nv = new Float64Array(size);
      if (c !== undefined) {
        nc.set(c);
        nv.set(vals[i]);
      }
      cols[i] = c = nc;
      vals[i] = nv;
    }
    c[len[i]] = j;
    vals[i][len[i]] = v;
    return len[i]++;
  };
  let nnz = 0;
  {
    const byRow: Array<Map<number, number>> = Array.from({ length: n }, () => new Map());
    for (const { from, to, rate } of chain.transitions) {
      if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
      if (from === to || rate === 0) continue;
      const r = byRow[from];
      r.set(to, (r.get(to) ?? 0) + rate);
      inn[to].add(from);
    }
    byRow.forEach((r, i) => {
      for (const [j, v] of r) append(i, j, v);
      nnz += r.size;
    });
  }
  // Cheapest first, stale entries skipped when popped.
  const heap = new CostHeap();
  const cost = (k: number) => inn[k].size * len[k];
  const current = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    current[k] = cost(k);
    heap.push(current[k], k);
  }
  const eliminated = new Uint8Array(n);
  const order: number[] = [];
  // For each eliminated state k: the states (eliminated later) that fed it, and the factors a[i][k] / s_k.
  const feedFrom: Int32Array[] = new Array(n);
  const feedBy: Float64Array[] = new Array(n);
  const touched = new Set<number>();
  const pi = new Float64Array(n);
  let denseDone = false;
  for (let step = 0; step < n - 1; step++) {
    const left = n - step;
    if (left <= DENSE_SWITCH && nnz * 10 >= left * left) {
      // Solve the states left densely (their censored chain), then back-substitute.
      const ids: number[] = [];
      for (let k = 0; k < n; k++) if (!eliminated[k]) ids.push(k);
      const local = new Map(ids.map((k, i) => [k, i]));
      const transitions: Ctmc['transitions'] = [];
      ids.forEach((k, i) => {
        for (let p = 0; p < len[k]; p++) transitions.push({ from: i, to: local.get(cols[k][p])!, rate: vals[k][p] });
      });
      const sub = steadyState({ n: ids.length, transitions });
      ids.forEach((k, i) => (pi[k] = sub[i]));
      denseDone = true;
      break;
    }
    // Entries whose cost is no longer current were superseded by a newer push.
    let k = heap.pop();
    while (eliminated[k] || heap.poppedCost !== current[k]) k = heap.pop();
    const lk = len[k];
    const ck = cols[k];
    const vk = vals[k];
    let s = 0;
    for (let p = 0; p < lk; p++) s += vk[p];
    if (!(s > 0)) throw new RangeError(`the chain is not irreducible (state ${k} cannot reach the states left)`);
    const from = new Int32Array(inn[k].size);
    const by = new Float64Array(inn[k].size);
    let nf = 0;
    touched.clear();
    for (const i of inn[k]) {
      // Scatter row i, take a[i][k] out of it, add f a[k][j], gather.
      let ci = cols[i];
      let vi = vals[i];
      let li = len[i];
      for (let p = 0; p < li; p++) pos[ci[p]] = p;
      const pk = pos[k];
      if (pk < 0) throw new Error(`internal: state ${i} is listed as feeding ${k} but has no rate to it`);
      const f = vi[pk] / s;
      li--;
      if (pk !== li) {
        ci[pk] = ci[li];
        vi[pk] = vi[li];
        pos[ci[pk]] = pk;
      }
      pos[k] = -1;
      len[i] = li;
      nnz--;
      from[nf] = i;
      by[nf++] = f;
      touched.add(i);
      for (let q = 0; q < lk; q++) {
        const j = ck[q];
        if (j === i) continue;
        const p = pos[j];
        if (p >= 0) vi[p] += f * vk[q];
        else {
          pos[j] = append(i, j, f * vk[q]);
          ci = cols[i];
          vi = vals[i];
          inn[j].add(i);
          touched.add(j);
          if (++nnz > maxFill) throw new FillError(maxFill);
        }
      }
      li = len[i];
      for (let p = 0; p < li; p++) pos[ci[p]] = -1;
    }
    for (let q = 0; q < lk; q++) {
      inn[ck[q]].delete(k);
      touched.add(ck[q]);
    }
    nnz -= lk;
    feedFrom[k] = from;
    feedBy[k] = by;
    eliminated[k] = 1;
    order.push(k);
    len[k] = 0;
    inn[k].clear();
    for (const t of touched) {
      const c = cost(t);
      if (c !== current[t]) heap.push((current[t] = c), t);
    }
  }
  if (!denseDone) {
    for (let k = 0; k < n; k++) if (!eliminated[k]) pi[k] = 1;
  }
  for (let m = order.length - 1; m >= 0; m--) {
    const k = order[m];
    const from = feedFrom[k];
    const by = feedBy[k];
    let v = 0;
    for (let q = 0; q < from.length; q++) v += pi[from[q]] * by[q];
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

/** Default bound on the work of `transientDistribution`: matrix-vector products times (states + transitions). */
export const DEFAULT_MAX_TRANSIENT_WORK = 2e9;

/** The chain is too stiff for uniformisation within the work bound: its fastest rate times the horizon needs too many steps. */
export class StiffChainError extends RangeError {
  override name = 'StiffChainError';
}

/**
 * The transient distribution p(t) = p0 exp(Q t) at each of `times` (seconds, ascending,
 * >= 0) by uniformisation (Jensen's method): with q >= every state's total rate out and
 * P = I + Q / q, p(t) = sum_k Poisson(k; q t) p0 P^k. Each gap between successive times
 * is split into steps with q dt <= 64 (no underflow of e^{-q dt}), and each step's series
 * is cut when the Poisson weights left are below `tol` (default 1e-13): every entry is
 * then accurate to about `tol` times the number of steps. Subtraction-free, so
 * probabilities stay in [0, 1]. States without a way out (absorbing) are allowed.
 * Cost: about 1.2 q max(times) products of a vector with P.
 * @throws StiffChainError when that cost, times (states + transitions), exceeds `maxWork`
 * @throws RangeError for a rate that is not finite and >= 0, or times not ascending and >= 0
 */
export function transientDistribution(chain: Ctmc, p0: Float64Array, times: readonly number[], opts: { tol?: number; maxWork?: number } = {}): Float64Array[] {
  const n = chain.n;
  const tol = opts.tol ?? 1e-13;
  const out = new Float64Array(n);
  // Incoming transitions in CSR form: y_j = x_j (1 - out_j / q) + sum_i x_i r_ij / q.
  const counts = new Int32Array(n + 1);
  for (const { from, to, rate } of chain.transitions) {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be finite and >= 0, got ${rate}`);
    if (from === to || rate === 0) continue;
    out[from] += rate;
    counts[to + 1]++;
  }
  for (let j = 0; j < n; j++) counts[j + 1] += counts[j];
  const src = new Int32Array(counts[n]);
  const val = new Float64Array(counts[n]);
  const fill = counts.slice(0, n);
  let q = 0;
  for (let j = 0; j < n; j++) if (out[j] > q) q = out[j];
  for (const { from, to, rate } of chain.transitions) {
    if (from === to || rate === 0) continue;
    const k = fill[to]++;
    src[k] = from;
    val[k] = rate / q;
  }
  const stay = new Float64Array(n);
  for (let j = 0; j < n; j++) stay[j] = q > 0 ? 1 - out[j] / q : 1;
  for (let i = 0; i < times.length; i++) {
    if (!(times[i] >= 0) || (i > 0 && times[i] < times[i - 1])) throw new RangeError(`times must be ascending and >= 0 (at ${i}: ${times[i]})`);
  }
  const last = times.length > 0 ? times[times.length - 1] : 0;
  const work = (1.2 * q * last + 30 * times.length) * (n + counts[n]);
  const maxWork = opts.maxWork ?? DEFAULT_MAX_TRANSIENT_WORK;
  if (work > maxWork) {
    throw new StiffChainError(`uniformisation would take about ${work.toExponential(1)} operations (fastest rate ${q.toPrecision(3)}/s over ${last} s; bound ${maxWork.toExponential(1)})`);
  }
  const step = (x: Float64Array, y: Float64Array): void => {
    for (let j = 0; j < n; j++) {
      let v = x[j] * stay[j];
      for (let k = counts[j]; k < counts[j + 1]; k++) v += x[src[k]] * val[k];
      y[j] = v;
    }
  };
  const p = Float64Array.from(p0);
  let term = new Float64Array(n);
  let next = new Float64Array(n);
  const acc = new Float64Array(n);
  /** p <- p exp(Q dt), q dt <= 64. */
  const advance = (dt: number): void => {
    const lambda = q * dt;
    let w = Math.exp(-lambda);
    let cum = w;
    term.set(p);
    for (let j = 0; j < n; j++) acc[j] = w * p[j];
    for (let k = 1; 1 - cum > tol || k <= lambda; k++) {
      step(term, next);
      [term, next] = [next, term];
      w *= lambda / k;
      cum += w;
      for (let j = 0; j < n; j++) acc[j] += w * term[j];
      if (w === 0 && k > lambda) break;
    }
    p.set(acc);
  };
  const result: Float64Array[] = [];
  let now = 0;
  for (const t of times) {
    const gap = t - now;
    if (q > 0) {
      const steps = Math.ceil((q * gap) / 64);
      for (let s = 0; s < steps; s++) advance(gap / steps);
    }
    now = t;
    result.push(Float64Array.from(p));
  }
  return result;
}
