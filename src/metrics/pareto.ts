/**
 * The Pareto tail diagnostic of importance weights: the shape k of a generalized Pareto
 * distribution fitted to the largest weights. Vehtari, Simpson, Gelman, Yao, Gabry,
 * "Pareto smoothed importance sampling", JMLR 25(72), 2024: with k < 1/2 the weights have
 * a finite variance and the central limit theorem (so a batch CI) holds; with k >= 1/2
 * the variance is (likely) infinite and an estimate can be far from the truth while its
 * CI, computed from what was seen, looks tight. The fit is Zhang and Stephens' empirical
 * Bayes estimate ("A new and efficient estimation method for the generalized Pareto
 * distribution", Technometrics 51(3), 2009) with the weakly informative prior on k of the
 * PSIS paper, on the M = min(n/5, 3 sqrt(n)) largest of n weights.
 */

/** How many of the largest weights to keep for the fit (per accumulator; merged by keeping the largest). */
export const TAIL_KEEP = 4096;

/** Fewest exceedances over the threshold for a fit; with fewer, `paretoK` returns NaN. */
const MIN_TAIL = 20;

/**
 * Shape k of a generalized Pareto distribution fitted to `x`, the exceedances over a
 * threshold (all > 0), sorted ascending (Zhang and Stephens 2009, with the PSIS prior).
 */
export function gpdShape(x: readonly number[]): number {
  const n = x.length;
  const priorBs = 3;
  const priorK = 10;
  const m = 30 + Math.floor(Math.sqrt(n));
  const quartile = x[Math.floor(n / 4 + 0.5) - 1];
  const b = new Float64Array(m);
  const logLik = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const bi = (1 - Math.sqrt(m / (i + 0.5))) / (priorBs * quartile) + 1 / x[n - 1];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.log1p(-bi * x[j]);
    const ki = s / n;
    b[i] = bi;
    logLik[i] = n * (Math.log(-bi / ki) - ki - 1);
  }
  // Posterior weights of the grid points: 1 / sum_j exp(l_j - l_i).
  let bPost = 0;
  let wSum = 0;
  for (let i = 0; i < m; i++) {
    let d = 0;
    for (let j = 0; j < m; j++) d += Math.exp(logLik[j] - logLik[i]);
    const w = 1 / d;
    wSum += w;
    bPost += b[i] * w;
  }
  bPost /= wSum;
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.log1p(-bPost * x[j]);
  const k = s / n;
  return (n * k + priorK * 0.5) / (n + priorK);
}

/**
 * The Pareto k of `n` importance weights, of which `largest` holds the largest ones (any
 * order; at least min(n/5, 3 sqrt(n)) + 1 of them for the standard tail). NaN when the
 * tail is too short to fit.
 */
export function paretoK(largest: readonly number[], n: number): number {
  const top = [...largest].sort((a, b) => b - a);
  const m = Math.min(Math.ceil(Math.min(0.2 * n, 3 * Math.sqrt(n))), top.length - 1);
  if (m < MIN_TAIL) return NaN;
  const cut = top[m];
  const x: number[] = [];
  for (let i = m - 1; i >= 0; i--) if (top[i] > cut) x.push(top[i] - cut);
  return x.length < MIN_TAIL ? NaN : gpdShape(x);
}

/** Keeps the TAIL_KEEP largest numbers of `a`, in place (descending). */
export function trimTail(a: number[]): void {
  a.sort((p, q) => q - p);
  if (a.length > TAIL_KEEP) a.length = TAIL_KEEP;
}
