/** Progress displays on a fake clock: when they write, what, and a rate and ETA that leave out start-up. */
import { describe, expect, it } from 'vitest';
import { createProgress, PlainProgress, ProgressBar } from '../src/cli/progress.js';

/** A stream that keeps what is written, a terminal or not. */
function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

describe('progress', () => {
  it('plain: a line at the start, one when start-up ends, then one per interval and a last one; rate and ETA from after start-up', () => {
    let t = 0;
    const { out, stream } = sink(false);
    const p = new PlainProgress(stream, 'simulating', { now: () => t, intervalMs: 5000 });
    p.update(0, 1000);
    t = 3000; // 3 s of start-up, then 20 replications a second
    p.update(1, 1000);
    for (let i = 2; i <= 1000; i++) {
      t += 50;
      p.update(i, 1000);
    }
    p.finish();
    p.finish();
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out[0]).toBe('simulating: 0/1,000 (0%), elapsed 0 s\n');
    expect(out[1]).toBe('simulating: 1/1,000 (0%), elapsed 3 s, start-up 3 s\n');
    // 5 s after that line: 100 more replications, at 20/s (not 101 / 8 s), 899 left: 45 s.
    expect(out[2]).toBe('simulating: 101/1,000 (10%), 20/s, ETA 45 s, elapsed 8 s, start-up 3 s\n');
    // Then at 13, 18, ... 48 s (every 5 s until the end at 52.95 s), and the last line once: 12 in all.
    expect(out.length).toBe(12);
    expect(out[out.length - 1]).toBe('simulating: 1,000/1,000 done in 53 s, 20/s, start-up 3 s\n');
  });

  it('bar: drawn in place on a terminal only (unless forced), at most every 100 ms, cleared at the end', () => {
    let t = 0;
    const tty = sink(true);
    const bar = new ProgressBar(tty.stream, 'cycles', false, { now: () => t });
    bar.update(0, 10);
    t = 2000;
    bar.update(1, 10);
    t = 2050;
    bar.update(2, 10); // within 100 ms: not drawn
    t = 2500;
    bar.update(5, 10);
    bar.finish();
    expect(tty.out.length).toBe(4);
    expect(tty.out.slice(0, 3).every((l) => l.startsWith('\r'))).toBe(true);
    // 4 cycles in 0.5 s after start-up: 8/s; 5 left: ETA 1 s (rounded).
    expect(tty.out[2]).toContain('5/10 8/s  ETA 1 s');
    expect(tty.out[3]).toBe('\r\x1b[K');
    const file = sink(false);
    const quiet = createProgress(file.stream, 'x', undefined);
    expect(quiet.active).toBe(false);
    quiet.update(1, 2);
    quiet.finish();
    expect(file.out).toEqual([]);
    expect(createProgress(file.stream, 'x', 'bar').active).toBe(true);
    expect(createProgress(tty.stream, 'x', false).active).toBe(false);
    expect(createProgress(tty.stream, 'x', 'none').active).toBe(false);
    expect(createProgress(file.stream, 'x', 'plain')).toBeInstanceOf(PlainProgress);
  });
});
