/**
 * Heartbeat / health-check failure detection, without scheduling the beats.
 *
 * A detector challenges each instance every `interval` T; `misses` k consecutive
 * missed beats declare a failure. Beats are lost independently with probability p on a
 * healthy instance.
 *
 * - Detection of a real failure: the failure falls at a uniformly distributed phase of
 *   the beat interval, so the next beat is missed after U*T (U uniform). Before the
 *   failure, j beats in a row may already have been lost; given no spurious detection
 *   yet, P(j) is proportional to p^j for j = 0..k-1 (exact for independent losses in
 *   steady state). The failure is declared at the (k - j)-th missed beat:
 *   delay = (k - j - 1 + U) T. With p = 0: mean (k - 1/2) T.
 * - What it sees: `heartbeat` (guest heartbeat, challenge/response) sees every failure,
 *   silent hangs and unhealthy applications included; `process` sees announced
 *   failures only (a hung process still exists); `watchdog` (libvirt-style) sees
 *   failures of the VM and the layers below, not of the application.
 * - Other paths: an announced failure is reported after the `announced` delay; a
 *   host-level failure (hardware, host OS, hypervisor, rack, site) after the
 *   `peerNotification` delay (server-group messaging). The earliest path wins. A
 *   failure no path sees is never detected: it lasts until the instance recovers.
 * - Spurious detection of a healthy instance: k lost beats in a row. The number of
 *   beats N until the first such run has the exact mean E[N] = (1 - p^k) / ((1 - p) p^k)
 *   (sum of p^-i, i = 1..k). It is drawn as k + a geometric variable with that exact
 *   mean; the tail of the true distribution is geometric too, with a ratio that differs
 *   from ours by O(k p^k) relative (Feller, vol. 1, XIII.7), so rates are exact and the
 *   shape is accurate for small p^k. Each detector beats on its own grid, phase + n T,
 *   with the phase drawn uniformly per history (instances are not in step): counted
 *   from a time t, the N-th beat falls at (next beat after t) + (N - 1) T, mean
 *   (E[N] - 1/2) T.
 */
import type { Distribution } from '../engine/distributions.js';
import type { RandomStream } from '../engine/rng.js';
import type { DetectorModel } from '../model/build.js';
import { LAYERS } from '../model/schema.js';
import type { FailureCause } from './types.js';

const VM = LAYERS.indexOf('vm');
const HYPERVISOR = LAYERS.indexOf('hypervisor');

/** Expected number of beats until `k` consecutive losses with loss probability `p` (Infinity if p = 0). */
export function meanBeatsToSpurious(p: number, k: number): number {
  if (p <= 0) return Infinity;
  return (1 - Math.pow(p, k)) / ((1 - p) * Math.pow(p, k));
}

/** Mean detection delay (seconds) of a failure the beats see, with loss probability p. */
export function meanBeatDetection(interval: number, k: number, p: number): number {
  // E[k - j - 1 + U] with P(j) ∝ p^j, j < k.
  let norm = 0;
  let ej = 0;
  for (let j = 0; j < k; j++) {
    const w = Math.pow(p, j);
    norm += w;
    ej += j * w;
  }
  return (k - ej / norm - 0.5) * interval;
}

/** A detector attached to one instance (its own random streams). */
export class Detector {
  private readonly weights: Float64Array;
  private readonly extraMean: number;
  /** Offset of this detector's beat grid in [0, interval), drawn on first use (-1: not yet). */
  private phase = -1;

  constructor(
    readonly model: DetectorModel,
    private readonly detectStream: RandomStream,
    private readonly spuriousStream: RandomStream,
  ) {
    const k = model.misses;
    this.weights = new Float64Array(k);
    let acc = 0;
    for (let j = 0; j < k; j++) acc += Math.pow(model.loss, j);
    let c = 0;
    for (let j = 0; j < k; j++) {
      c += Math.pow(model.loss, j) / acc;
      this.weights[j] = c;
    }
    this.extraMean = meanBeatsToSpurious(model.loss, k) - k;
  }

  /** A detector watching what lives at `path`, with its streams `<path>:detect` and `<path>:spurious`. */
  static at(model: DetectorModel, streams: { stream(name: string): RandomStream }, path: string): Detector {
    return new Detector(model, streams.stream(`${path}:detect`), streams.stream(`${path}:spurious`));
  }

  /** True when missed beats reveal a failure with this cause. */
  beatsSee(cause: FailureCause): boolean {
    if (this.model.interval === Infinity) return false;
    switch (this.model.kind) {
      case 'heartbeat':
        return true;
      case 'process':
        return cause.announced;
      case 'watchdog':
        return cause.layer <= VM;
    }
  }

  /** Delay (seconds) from the failure to its detection; Infinity if no path sees it. */
  detectionDelay(cause: FailureCause): number {
    const m = this.model;
    let best = Infinity;
    if (this.beatsSee(cause)) {
      const u = this.detectStream.next();
      let j = 0;
      if (m.loss > 0) {
        const v = this.detectStream.next();
        while (j < m.misses - 1 && v >= this.weights[j]) j++;
      }
      best = (m.misses - j - 1 + u) * m.interval;
    }
    if (cause.announced && m.announced) best = Math.min(best, sample(m.announced, this.detectStream));
    if (cause.layer <= HYPERVISOR && m.peerNotification) best = Math.min(best, sample(m.peerNotification, this.detectStream));
    return best;
  }

  /**
   * Time (seconds) from `now` until lost beats falsely declare a healthy instance failed;
   * Infinity if beats are never lost. The beats fall on this detector's grid.
   */
  spuriousDelay(now: number): number {
    if (this.model.loss <= 0 || this.model.interval === Infinity) return Infinity;
    const q = 1 / (this.extraMean + 1);
    // So rare (mean beyond 1e15 beats) that it never happens within any horizon.
    if (!(q > 1e-15)) return Infinity;
    const t = this.model.interval;
    if (this.phase < 0) this.phase = this.spuriousStream.next() * t;
    // Geometric number of extra beats (failures before success) with mean extraMean.
    const extra = q >= 1 ? 0 : Math.floor(Math.log(1 - this.spuriousStream.next()) / Math.log1p(-q));
    const next = this.phase + (Math.floor((now - this.phase) / t) + 1) * t;
    return next - now + (this.model.misses + extra - 1) * t;
  }
}

function sample(d: Distribution, s: RandomStream): number {
  return d.sample(s);
}
