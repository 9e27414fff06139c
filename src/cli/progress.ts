/** A progress bar with ETA on stderr, drawn only when stderr is a terminal. */

/** Draws `done / total` at most every 100 ms; `finish` clears the line. */
export class ProgressBar {
  private last = 0;
  private readonly start = Date.now();
  /** `done` at the first update: work already done before (a resumed sweep) does not count towards the rate. */
  private base: number | undefined;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  /** True when the stream is a terminal (otherwise nothing is drawn). */
  get active(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** Updates the bar. */
  update(done: number, total: number): void {
    if (!this.active) return;
    this.base ??= done;
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((width * done) / total);
    const elapsed = (now - this.start) / 1000;
    const eta = done > this.base ? (elapsed * (total - done)) / (done - this.base) : NaN;
    const etaText = Number.isFinite(eta) ? `ETA ${eta.toFixed(0)} s` : '';
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${etaText}   `);
  }

  /** Clears the bar's line. */
  finish(): void {
    if (this.active) this.stream.write('\r\x1b[K');
  }
}
