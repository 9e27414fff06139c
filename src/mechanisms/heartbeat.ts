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
 * - An unhealthy application (a silent failure mode with `unhealthy`: the guest's health
 *   check answers the challenge with "not healthy") is declared at the first challenge
 *   whose answer arrives, each answer lost with probability p, or at the (k - j)-th
 *   missed beat if that comes first: delay = (min(G, k - j) - 1 + U) T, G geometric
 *   with success 1 - p. With p = 0: U T, mean T / 2.
 * - Before an instance has registered (recovery's `registration`), the beats see nothing:
 *   `detection(cause, false)` leaves only the other paths.
 * - What it sees: `heartbeat` (guest heartbeat, challenge/response) sees every failure,
 *   silent hangs and unhealthy applications included; `process` sees announced
 *   failures only (a hung process still exists); `watchdog` (libvirt-style) sees
 *   failures of the VM and the layers below, not of the application.
 * - Other paths: an announced failure of the application or the VM is reported after
 *   the `announced` delay (by the layer below, which is up); a host-level failure
 *   (hardware, host OS, hypervisor, rack, site) after the `peerNotification` delay
 *   (server-group messaging): a crashed host cannot announce its own death (planned
 *   work stopping a host does announce it). The earliest path wins. A failure no path
 *   sees is never detected: it lasts until the instance recovers.
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
import { Deterministic, type Distribution } from '../engine/distributions.js';
import type { RandomStream } from '../engine/rng.js';
import { formatDuration } from '../engine/units.js';
import { memo } from '../engine/snapshot.js';
import { beatsSee, detectionPaths, type DetectionPaths, type DetectorModel } from '../model/build.js';
import type { Delay, DelayPath, FailureCause } from './types.js';


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

/** Mean detection delay (seconds) of an unhealthy application (answered "not healthy"), with loss probability p. */
export function meanUnhealthyDetection(interval: number, k: number, p: number): number {
  // E[min(G, k - j) - 1 + U] with P(j) ∝ p^j, j < k; E[min(G, m)] = sum over n < m of p^n.
  let norm = 0;
  let e = 0;
  for (let j = 0; j < k; j++) {
    const w = Math.pow(p, j);
    let em = 0;
    for (let n = 0; n < k - j; n++) em += Math.pow(p, n);
    norm += w;
    e += w * em;
  }
  return (e / norm - 0.5) * interval;
}

/** The law of the beats path of a detection (never exponential: analysis approximates it by its mean). */
class BeatsLaw implements Distribution {
  readonly kind = 'beats';
  constructor(
    readonly mean: number,
    private readonly text: string,
  ) {}
  sample(): number {
    throw new Error('the beats path is drawn by its detector');
  }
  survival(): number {
    throw new Error('the beats path is drawn by its detector');
  }
  /** Not a clock's law: nothing to redraw. */
  residual(): number {
    return -1;
  }
  describe(): string {
    return this.text;
  }
}

/** What a detector needs of its mechanism's context. */
interface DetectorContext {
  readonly now: number;
  delay(dist: Distribution, stream: RandomStream, where: string, what?: string): Delay;
}

/** The paths of `missedBeats`: the beats alone, or none. */
const BEATS_ONLY: DetectionPaths = { beats: true, announced: false, peer: false };
const NEVER_SEEN: DetectionPaths = { beats: false, announced: false, peer: false };

/**
 * One of a detector's delays, as data (a simulation is copied by engine/snapshot.ts, which
 * refuses closures made while it runs): from a failure the paths `seen` see to its
 * detection (Detector.detectionDelay), or with `seen` null from now to a spurious detection
 * (Detector.spuriousDelay). Seconds.
 */
class DetectorDelay implements Delay {
  constructor(
    private readonly detector: Detector,
    readonly paths: readonly DelayPath[],
    private readonly seen: DetectionPaths | null,
    private readonly unhealthy: boolean,
  ) {}
  sample(): number {
    return this.seen === null ? this.detector.spuriousDelay(this.detector.now) : this.detector.detectionDelay(this.seen, this.unhealthy);
  }
}

/**
 * A detector attached to one instance (its own random streams). Its delays are made once,
 * through the mechanism's context (so that analysis sees their laws): `detection(cause)`
 * from a failure to its detection, `spurious` from now to a spurious detection (null when
 * beats are never lost), `readd` from a spurious removal to the next successful beat.
 */
export class Detector {
  private readonly weights: Float64Array;
  private readonly extraMean: number;
  /** Offset of this detector's beat grid in [0, interval), drawn on first use (-1: not yet). */
  private phase = -1;
  /** The paths that may see a failure: missed beats, the announcement, the peers' notification (null: none configured). */
  private readonly beats: DelayPath | null;
  /** The beats path of an unhealthy application (answered "not healthy"), made on first use. */
  private beatsUnhealthy: DelayPath | null = null;
  private readonly where: string;
  private readonly announced: Delay | null;
  private readonly peer: Delay | null;
  /** Detection delays by cause (index: see `detection`), made on first use: a memo (a copy of a running simulation keeps its twin's). */
  private readonly byCause = memo<Array<Delay | undefined>>([]);
  /** Time from now to a spurious detection, or null when beats are never lost. */
  readonly spurious: Delay | null;
  /** One interval: from a spurious removal back into rotation (null when beats are never lost, or not asked for). */
  readonly readd: Delay | null;

  constructor(
    readonly model: DetectorModel,
    private readonly detectStream: RandomStream,
    private readonly spuriousStream: RandomStream,
    private readonly ctx: DetectorContext,
    /** Where the detector is in the topology, e.g. `vnfs.f.ha.detector`. */
    where: string,
    /** Which of its optional delays its user needs: `spurious` (lost beats on a healthy instance; default true), `readd` (a load balancer puts a spuriously removed instance back; default false). */
    uses: { readonly spurious?: boolean; readonly readd?: boolean } = {},
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
    this.where = where;
    if (model.interval !== Infinity) {
      const mean = meanBeatDetection(model.interval, k, model.loss);
      const what = `heartbeat detection ((k - j - 1 + U) x interval, U uniform; mean ${formatDuration(mean, 4)})`;
      this.beats = ctx.delay(new BeatsLaw(mean, what), detectStream, `${where} (missed beats)`, what).paths[0];
    } else this.beats = null;
    this.announced = model.announced ? ctx.delay(model.announced, detectStream, `${where}.announced`) : null;
    this.peer = model.peerNotification ? ctx.delay(model.peerNotification, detectStream, `${where}.peerNotification`) : null;
    const q = 1 / (this.extraMean + 1);
    // Lost beats so rare (mean beyond 1e15 beats) that they never happen within any horizon.
    if ((uses.spurious ?? true) && model.loss > 0 && model.interval !== Infinity && q > 1e-15) {
      // The N-th beat from a time on the detector's grid (random phase): mean (E[N] - 1/2) T.
      const mean = (meanBeatsToSpurious(model.loss, k) - 0.5) * model.interval;
      const what = `time to a spurious detection (next beat + (k - 1 + geometric) x interval; mean ${formatDuration(mean, 4)})`;
      const path = ctx.delay(new BeatsLaw(mean, what), spuriousStream, `${where} (lost beats)`, what).paths[0];
      this.spurious = new DetectorDelay(this, [path], null, false);
      this.readd = uses.readd ? ctx.delay(new Deterministic(model.interval), spuriousStream, `${where} (back in rotation after a spurious removal)`) : null;
    } else {
      this.spurious = null;
      this.readd = null;
    }
  }

  /** A detector watching what lives at `path`, with its streams `<path>:detect` and `<path>:spurious`, named `where` in the topology (`uses`: see the constructor). */
  static at(model: DetectorModel, ctx: DetectorContext & { readonly streams: { stream(name: string): RandomStream } }, path: string, where: string, uses: { readonly spurious?: boolean; readonly readd?: boolean } = {}): Detector {
    return new Detector(model, ctx.streams.stream(`${path}:detect`), ctx.streams.stream(`${path}:spurious`), ctx, where, uses);
  }

  /** The simulation's current time (seconds). */
  get now(): number {
    return this.ctx.now;
  }

  /** True when missed beats reveal a failure with this cause (model/build.ts beatsSee). */
  beatsSee(cause: FailureCause): boolean {
    return beatsSee(this.model, cause.layer, cause.announced);
  }

  /**
   * The delay from a failure with this cause to its detection: the earliest of the paths
   * that see it (missed beats, or the first answered challenge for an unhealthy
   * application; the announcement of a crash; the peers' notification of a host-level
   * failure); no path: never. With `beats` false (an instance not registered yet), the
   * beats see nothing.
   */
  detection(cause: FailureCause, beats = true): Delay {
    const unhealthy = cause.unhealthy === true && !cause.announced;
    const planned = cause.clean === true;
    const key = cause.layer * 16 + (planned ? 8 : 0) + (cause.announced ? 4 : 0) + (unhealthy ? 2 : 0) + (beats ? 1 : 0);
    let d = this.byCause[key];
    if (d === undefined) {
      const all = detectionPaths(this.model, cause.layer, cause.announced, planned);
      const seen: DetectionPaths = beats ? all : { ...all, beats: false };
      const paths: DelayPath[] = [];
      if (seen.beats) paths.push(unhealthy ? this.unhealthyPath() : this.beats!);
      if (seen.announced) paths.push(...this.announced!.paths);
      if (seen.peer) paths.push(...this.peer!.paths);
      d = this.byCause[key] = new DetectorDelay(this, paths, seen, unhealthy);
    }
    return d;
  }

  /**
   * The delay from the loss of every beat (a cut heartbeat link: the watched node is alive
   * but silent) to its detection by missed beats; never, without beats.
   */
  missedBeats(): Delay {
    if (this.beats === null) return new DetectorDelay(this, [], NEVER_SEEN, false);
    return new DetectorDelay(this, [this.beats], BEATS_ONLY, false);
  }

  /** The beats path of an unhealthy application (made once, on first use). */
  private unhealthyPath(): DelayPath {
    if (this.beatsUnhealthy === null) {
      const mean = meanUnhealthyDetection(this.model.interval, this.model.misses, this.model.loss);
      const what = `heartbeat detection of a "not healthy" answer ((min(G, k - j) - 1 + U) x interval, U uniform; mean ${formatDuration(mean, 4)})`;
      this.beatsUnhealthy = this.ctx.delay(new BeatsLaw(mean, what), this.detectStream, `${this.where} (not-healthy answer)`, what).paths[0];
    }
    return this.beatsUnhealthy;
  }

  /** Delay (seconds) from a failure the paths `seen` see to its detection: the earliest of them; Infinity if none. For DetectorDelay only. */
  detectionDelay(seen: DetectionPaths, unhealthy: boolean): number {
    const m = this.model;
    let best = Infinity;
    if (seen.beats) {
      const u = this.detectStream.next();
      let j = 0;
      if (m.loss > 0) {
        const v = this.detectStream.next();
        while (j < m.misses - 1 && v >= this.weights[j]) j++;
      }
      // Challenges until the failure is declared: by missed beats, the (k - j)-th.
      let n = m.misses - j;
      if (unhealthy) {
        // Or the first whose "not healthy" answer arrives (each lost with probability p).
        let g = 1;
        while (g < n && m.loss > 0 && this.detectStream.next() < m.loss) g++;
        n = g;
      }
      best = (n - 1 + u) * m.interval;
    }
    if (seen.announced) best = Math.min(best, this.announced!.sample());
    if (seen.peer) best = Math.min(best, this.peer!.sample());
    return best;
  }

  /**
   * Time (seconds) from `now` until lost beats falsely declare a healthy instance failed;
   * Infinity if beats are never lost. The beats fall on this detector's grid. For DetectorDelay only.
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
