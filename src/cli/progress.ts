/**
 * Progress on stderr, in one of three forms (`--progress`):
 * - `bar`: a bar redrawn in place (carriage returns) at most every 100 ms; the default,
 *   drawn only when the stream is a terminal;
 * - `plain`: one line every few seconds (5 s by default) and a last line when done, no
 *   carriage returns: for batch logs, drawn whether or not the stream is a terminal;
 * - `none` (`--no-progress`): nothing.
 * Counts are items (replications, cycles) done out of a total. The rate and the ETA leave
 * out start-up (worker threads starting, the topology loaded, code compiled): they are
 * measured from the first update that shows work done, not from the start.
 */
import { InvalidArgumentError } from 'commander';
import { formatDuration } from '../engine/units.js';

/** A form of progress: `auto` is `bar` on a terminal and nothing elsewhere. */
export type ProgressMode = 'auto' | 'bar' | 'plain' | 'none';

const MODES: readonly ProgressMode[] = ['auto', 'bar', 'plain', 'none'];

/** A commander option parser for `--progress <mode>`. */
export function progressMode(v: string): ProgressMode {
  if (!(MODES as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${MODES.join(', ')}, got '${v}'`);
  return v as ProgressMode;
}

/** What a progress display needs of its output stream. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Options of a progress display (tests set the clock). */
export interface ProgressOptions {
  /** Clock in milliseconds (default Date.now). */
  now?: () => number;
  /** Plain mode: milliseconds between lines (default 5000). */
  intervalMs?: number;
}

/** Items per second and seconds left, from the work done since start-up ended. */
class RateMeter {
  /** When (ms) and at what count the first work was seen: the end of start-up. */
  private first: { t: number; done: number } | null = null;
  /** `done` at the first update: work done before (a resumed sweep) is not counted. */
  private base: number | undefined;

  constructor(readonly start: number) {}

  /** Records an update; returns the rate (items per second, NaN until measurable), the ETA (s) and the start-up (s, NaN until the first work is seen). */
  observe(done: number, total: number, now: number): { rate: number; eta: number; startup: number } {
    this.base ??= done;
    if (this.first === null && done > this.base) this.first = { t: now, done };
    const f = this.first;
    const rate = f && done > f.done && now > f.t ? ((done - f.done) * 1000) / (now - f.t) : NaN;
    return { rate, eta: (total - done) / rate, startup: f ? (f.t - this.start) / 1000 : NaN };
  }
}

const num = (x: number) => x.toLocaleString('en-US');
const rateText = (rate: number) => (Number.isFinite(rate) ? `${Number(rate.toPrecision(3)).toLocaleString('en-US')}/s` : '');
const etaText = (eta: number) => (Number.isFinite(eta) ? `ETA ${formatDuration(Math.max(0, Math.round(eta)), 2)}` : '');

/** A progress display: `update` as work is done, `finish` once at the end. */
export interface Progress {
  /** True when something is shown (else callers may skip reporting altogether). */
  readonly active: boolean;
  /** `done` of `total` items are done (`done` never decreases). */
  update(done: number, total: number): void;
  /** Ends the display: clears the bar, or writes the plain mode's last line. */
  finish(): void;
}

/** The bar: redrawn in place at most every 100 ms, only on a terminal unless forced. */
export class ProgressBar implements Progress {
  private last = -Infinity;
  private readonly meter: RateMeter;
  private readonly now: () => number;
  /** True when the bar is drawn: on a terminal, or when `force` asked for it. */
  readonly active: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    force = false,
    opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.meter = new RateMeter(this.now());
    this.active = force || Boolean(stream.isTTY);
  }

  /** Redraws the bar (at most every 100 ms, and always at the end). */
  update(done: number, total: number): void {
    if (!this.active) return;
    const now = this.now();
    const m = this.meter.observe(done, total, now);
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((width * Math.min(done, total)) / total);
    const tail = [rateText(m.rate), etaText(m.eta)].filter(Boolean).join('  ');
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${num(done)}/${num(total)} ${tail}   `);
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.active) this.stream.write('\r\x1b[K');
  }
}

/** Plain lines for logs: one when the first work is done, then one every `intervalMs`, and a last one. */
export class PlainProgress implements Progress {
  /** Always true: plain progress is written to terminals and files alike. */
  readonly active = true;
  private readonly meter: RateMeter;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly start: number;
  private last = -Infinity;
  private state: { done: number; total: number; startup: number; rate: number } | null = null;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    opts: ProgressOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.interval = opts.intervalMs ?? 5000;
    this.start = this.now();
    this.meter = new RateMeter(this.start);
  }

  /** Writes a line when the first work shows (with the start-up time) and then every interval. */
  update(done: number, total: number): void {
    const now = this.now();
    const m = this.meter.observe(done, total, now);
    const firstWork = this.state !== null && Number.isNaN(this.state.startup) && !Number.isNaN(m.startup);
    this.state = { done, total, startup: m.startup, rate: m.rate };
    if (!firstWork && now - this.last < this.interval) return;
    this.last = now;
    const pct = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : '';
    const parts = [`${num(done)}/${num(total)}${pct}`, rateText(m.rate), etaText(m.eta), `elapsed ${formatDuration((now - this.start) / 1000, 2)}`];
    if (!Number.isNaN(m.startup)) parts.push(`start-up ${formatDuration(m.startup, 2)}`);
    this.write(parts);
  }

  /** Writes the last line (once): how much was done, in what time, at what rate. */
  finish(): void {
    const s = this.state;
    if (s === null) return;
    this.state = null; // once
    const elapsed = (this.now() - this.start) / 1000;
    const parts = [`${num(s.done)}/${num(s.total)} done in ${formatDuration(elapsed, 3)}`, rateText(s.rate)];
    if (!Number.isNaN(s.startup)) parts.push(`start-up ${formatDuration(s.startup, 2)}`);
    this.write(parts);
  }

  private write(parts: string[]): void {
    this.stream.write(`${this.label}: ${parts.filter(Boolean).join(', ')}\n`);
  }
}

/** Nothing shown. */
const NONE: Progress = { active: false, update() {}, finish() {} };

/**
 * The progress display for `--progress <mode>` (`false`: `--no-progress`; undefined:
 * `auto`), labelled `label` (e.g. `simulating`), on `stream`.
 */
export function createProgress(stream: ProgressStream, label: string, mode: ProgressMode | boolean | undefined, opts: ProgressOptions = {}): Progress {
  const m: ProgressMode = mode === false ? 'none' : mode === true || mode === undefined ? 'auto' : mode;
  if (m === 'none') return NONE;
  if (m === 'plain') return new PlainProgress(stream, label, opts);
  return new ProgressBar(stream, label, m === 'bar', opts);
}
