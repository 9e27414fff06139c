import { describe, expect, it } from 'vitest';
import { Scheduler, SchedulingError, EventLimitError, type EventHandler } from '../src/engine/scheduler.js';
import seedrandom from 'seedrandom';
import { RandomStream, StreamFactory, streamState } from '../src/engine/rng.js';
import {
  Deterministic,
  DistributionError,
  Empirical,
  Exponential,
  GammaDist,
  Lognormal,
  TruncatedNormal,
  Uniform,
  Weibull,
  type Distribution,
} from '../src/engine/distributions.js';
import { durationProblem, parseDuration, formatDuration } from '../src/engine/units.js';
import { TimeWeightedMonitor } from '../src/engine/monitor.js';
import { studentTQuantile } from '../src/metrics/stats.js';

class Recorder implements EventHandler {
  log: Array<[number, number, number]> = [];
  constructor(private s: Scheduler) {}
  handle(kind: number, arg: number) {
    this.log.push([this.s.now, kind, arg]);
  }
}

describe('scheduler', () => {
  it('orders events by time, then by scheduling order at equal times', () => {
    const s = new Scheduler();
    const r = new Recorder(s);
    s.schedule(5, r, 1);
    s.schedule(1, r, 2);
    for (let i = 0; i < 50; i++) s.schedule(3, r, 100 + i);
    s.schedule(0, r, 3);
    s.run();
    expect(r.log.map((x) => x[1])).toEqual([3, 2, ...Array.from({ length: 50 }, (_, i) => 100 + i), 1]);
    expect(r.log.map((x) => x[0])).toEqual([0, 1, ...Array(50).fill(3), 5]);
  });

  it('keeps FIFO order for equal times under heavy interleaving', () => {
    const s = new Scheduler();
    const r = new Recorder(s);
    // Random times from a fixed stream, many ties.
    const rng = new RandomStream('heap-test');
    const expected: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rng.next() * 100);
      s.schedule(t, r, i);
      expected.push([t, i]);
    }
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    s.run();
    expect(r.log.map((x) => x[1])).toEqual(expected.map((x) => x[1]));
  });

  it('rejects negative and NaN delays and times in the past', () => {
    const s = new Scheduler();
    const r = new Recorder(s);
    expect(() => s.schedule(-1, r)).toThrow(SchedulingError);
    expect(() => s.schedule(NaN, r)).toThrow(/delay must be a number >= 0/);
    s.schedule(10, r);
    s.run();
    expect(() => s.scheduleAt(5, r)).toThrow(SchedulingError);
  });

  it('cancels lazily and runs until a horizon', () => {
    const s = new Scheduler();
    const r = new Recorder(s);
    const a = s.schedule(1, r, 1);
    s.schedule(2, r, 2);
    s.schedule(30, r, 3);
    s.cancel(a);
    s.run(10);
    expect(r.log.map((x) => x[1])).toEqual([2]);
    expect(s.now).toBe(10);
    expect(s.processed).toBe(1);
    s.run();
    expect(r.log.map((x) => x[1])).toEqual([2, 3]);
  });

  it('replaces the handled event with the first one its handler schedules, in the order of a plain heap', () => {
    // Handlers that schedule 0, 1 or 3 events (ties included), checked against a sorted list.
    const s = new Scheduler();
    const rng = new RandomStream('replace-top-test');
    const log: number[] = [];
    const pendingSeen: number[] = [];
    let next = 0;
    const h: EventHandler = {
      handle(kind) {
        log.push(kind);
        pendingSeen.push(s.pending);
        const k = Math.floor(rng.next() * 4) % 4;
        for (let j = 0; j < (k === 3 ? 3 : k === 0 ? 0 : 1) && next < 3000; j++) s.schedule(Math.floor(rng.next() * 5), h, next++);
      },
    };
    for (let i = 0; i < 20; i++) s.schedule(i % 3, h, next++);
    const times = new Map<number, number>();
    const orig = s.schedule.bind(s);
    s.schedule = (d, hh, kind = 0, arg = 0) => {
      times.set(kind, s.now + d);
      return orig(d, hh, kind, arg);
    };
    for (let i = 0; i < 20; i++) times.set(i, i % 3);
    s.run();
    const expected = [...times.keys()].sort((a, b) => times.get(a)! - times.get(b)! || a - b);
    expect(log).toEqual(expected);
    // `pending` does not count the event being handled.
    expect(pendingSeen[0]).toBe(19);
    expect(s.pending).toBe(0);
  });

  it('drops an event whose handler threw, and goes on with the next run', () => {
    const s = new Scheduler();
    const r = new Recorder(s);
    const boom: EventHandler = { handle: () => { throw new Error('boom'); } };
    s.schedule(1, boom);
    s.schedule(2, r, 7);
    expect(() => s.run()).toThrow('boom');
    expect(s.pending).toBe(1);
    s.run();
    expect(r.log).toEqual([[2, 7, 0]]);
  });

  it('throws EventLimitError past the event cap', () => {
    const s = new Scheduler();
    const loop: EventHandler = { handle: () => s.schedule(0, loop) };
    s.schedule(0, loop);
    expect(() => s.run(Infinity, 1000)).toThrow(EventLimitError);
  });
});

describe('random streams', () => {
  it('are identified by (seed, replication, name), not by creation order', () => {
    const a = new StreamFactory(7, 3);
    const b = new StreamFactory(7, 3);
    b.stream('something-else').next();
    const xa = a.stream('vnfs.vMME.instances.1.app:crash:ttf');
    const xb = b.stream('vnfs.vMME.instances.1.app:crash:ttf');
    const va = Array.from({ length: 5 }, () => xa.next());
    const vb = Array.from({ length: 5 }, () => xb.next());
    expect(va).toEqual(vb);
    const other = [new StreamFactory(8, 3), new StreamFactory(7, 4)].map((f) => f.stream('vnfs.vMME.instances.1.app:crash:ttf').next());
    expect(other).not.toContain(va[0]);
    expect(new StreamFactory(7, 3).stream('vnfs.vMME.instances.2.app:crash:ttf').next()).not.toBe(va[0]);
  });

  it("are seedrandom's Alea, bit for bit, and re-seed in place to the same numbers", () => {
    for (const [seed, rep, name] of [[1, 0, 'a'], [123456789, 77, 'vnfs.vMME.instances.1.app:crash:ttf'], [2 ** 40 + 3, 5, 'x:repair']] as const) {
      const ours = new RandomStream(name, seed, rep);
      const ref = seedrandom.alea('', { state: streamState(seed, rep, name) }) as unknown as () => number;
      const a = Array.from({ length: 1000 }, () => ours.next());
      expect(a).toEqual(Array.from({ length: 1000 }, () => ref()));
      ours.reseed(seed + 1, rep);
      const b = ours.next();
      expect(b).toBe(new RandomStream(name, seed + 1, rep).next());
      ours.reseed(seed, rep);
      expect(Array.from({ length: 1000 }, () => ours.next())).toEqual(a);
    }
  });

  it('draws uniforms in [0, 1) with the right mean and variance', () => {
    const r = new RandomStream('uniformity');
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) inRange = false;
      s += u;
      s2 += u * u;
    }
    expect(inRange).toBe(true);
    // Mean 1/2 with sd sqrt(1/12 / n); 4 standard errors.
    expect(Math.abs(s / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - 1 / 3)).toBeLessThan(0.005);
  });
});

describe('distributions', () => {
  const cases: Array<[string, Distribution, number]> = [
    // [name, distribution, exact variance]
    ['exponential', new Exponential(10), 100],
    ['weibull k=2', new Weibull(2, 10), 100 * (1 - Math.PI / 4)],
    ['weibull k=0.7', new Weibull(0.7, 10), NaN],
    ['lognormal mean/cv', Lognormal.fromMeanCv(10, 0.5), 25],
    ['gamma k=2.5', new GammaDist(2.5, 4), 2.5 * 16],
    ['gamma k=0.5', new GammaDist(0.5, 4), 0.5 * 16],
    ['normal truncated', new TruncatedNormal(5, 4), NaN],
    ['uniform', new Uniform(2, 8), 3],
    ['empirical', new Empirical([1, 2, 10], [1, 1, 2]), NaN],
  ];
  it.each(cases)('%s: the sample mean lies within 4 standard errors of the exact mean', (name, d, v) => {
    const rng = new RandomStream(`dist:${name}`);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const x = d.sample(rng);
      if (x < min) min = x;
      s += x;
      s2 += x * x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    const mean = s / n;
    const sampleVar = s2 / n - mean * mean;
    expect(Math.abs(mean - d.mean)).toBeLessThan(4 * Math.sqrt(sampleVar / n));
    if (!Number.isNaN(v)) expect(Math.abs(sampleVar - v) / v).toBeLessThan(0.05);
  });

  it('knows the exact means', () => {
    expect(new Weibull(1, 5).mean).toBeCloseTo(5, 10);
    expect(new Weibull(2, 1).mean).toBeCloseTo(Math.sqrt(Math.PI) / 2, 10);
    expect(Lognormal.fromMeanCv(7, 2).mean).toBeCloseTo(7, 10);
    expect(new Deterministic(3).sample()).toBe(3);
    // Truncated normal N(0+, 1): mean sqrt(2/pi)... with mu > 0 required, check N(1,1).
    expect(new TruncatedNormal(1, 1).mean).toBeCloseTo(1 + 0.2419707 / 0.8413447, 5);
  });

  it('rejects invalid parameters', () => {
    expect(() => new Exponential(0)).toThrow(DistributionError);
    expect(() => new Weibull(-1, 1)).toThrow(DistributionError);
    expect(() => new Lognormal(0, 0)).toThrow(DistributionError);
    expect(() => new Uniform(5, 2)).toThrow(/max/);
    expect(() => new Empirical([])).toThrow(/empty/);
    expect(() => new Empirical([1, 2], [1])).toThrow(/weights/);
    expect(() => new TruncatedNormal(-1, 1)).toThrow(DistributionError);
  });
});

describe('units', () => {
  it('parses durations with units into seconds', () => {
    expect(parseDuration('200ms')).toBeCloseTo(0.2, 12);
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('4h')).toBe(14400);
    expect(parseDuration('3d')).toBe(259200);
    expect(parseDuration('2y')).toBe(2 * 365 * 86400);
    expect(parseDuration('1.5h')).toBe(5400);
    expect(() => parseDuration('10')).toThrow(/unit/);
    expect(() => parseDuration('-1h')).toThrow();
    expect(() => parseDuration('1 parsec')).toThrow();
    expect(formatDuration(90)).toBe('1.5 min');
    expect(formatDuration(0.2)).toBe('200 ms');
  });

  it('says what is wrong with a duration: a sign, a unit written as a word, an unknown unit, no unit', () => {
    expect(durationProblem('30s')).toBeNull();
    expect(durationProblem('5 min')).toBeNull();
    expect(durationProblem('0s')).toBeNull();
    expect(durationProblem('0s', true)).toBe("expected a duration above zero, e.g. '30s', got '0s'");
    expect(durationProblem('-30s')).toBe("a duration cannot be negative: '-30s' (e.g. '30s')");
    expect(durationProblem('5 minutes')).toBe("unknown unit 'minutes' in '5 minutes': write '5min' (units: ms, s, m or min, h, d, w, mo, y)");
    expect(durationProblem('1 year')).toMatch(/write '1y'/);
    expect(durationProblem('2hrs')).toMatch(/write '2h'/);
    expect(durationProblem('3 Days')).toMatch(/write '3d'/);
    expect(durationProblem('5H')).toMatch(/unknown unit 'H' in '5H': write '5h'/);
    expect(durationProblem('5 parsecs')).toBe("unknown unit 'parsecs' in '5 parsecs' (units: ms, s, m or min, h, d, w, mo, y; e.g. '30s', '4h', '2y')");
    expect(durationProblem('10')).toBe("'10' has no unit (units: ms, s, m or min, h, d, w, mo, y; e.g. '10s', '10h')");
    expect(durationProblem('soon')).toMatch(/^expected a duration with a unit, e\.g\. .*, got 'soon'/);
    // The command line's options say the same (parseDuration throws these).
    expect(() => parseDuration('-1y')).toThrow("a duration cannot be negative: '-1y'");
    expect(() => parseDuration('5minutes')).toThrow("write '5min'");
  });
});

describe('time-weighted monitor', () => {
  it('integrates a level over the window only', () => {
    const m = new TimeWeightedMonitor(10, 1);
    m.set(5, 0); // before the window: not integrated
    m.set(12, 1);
    m.set(20, 0);
    m.set(25, 1);
    expect(m.integral(30)).toBe(8 + 5);
    expect(m.mean(30)).toBeCloseTo(13 / 20, 12);
  });
});

describe('Student t quantiles', () => {
  it('match tables', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(studentTQuantile(0.975, 99)).toBeCloseTo(1.984, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 3);
  });
});

describe('special functions agree with mathjs', async () => {
  const math = await import('mathjs');
  const { lgamma, gammaFn, erf, normalCdf } = await import('../src/engine/special.js');
  it('lgamma, gamma, erf', () => {
    for (const x of [0.1, 0.5, 1, 1.5, 2.5, 7, 20.3, 150]) {
      const ref = math.lgamma(x) as number;
      expect(Math.abs(lgamma(x) - ref)).toBeLessThan(1e-11 * Math.max(1, Math.abs(ref)));
      if (x < 100) expect(gammaFn(x) / (math.gamma(x) as number)).toBeCloseTo(1, 12);
    }
    for (const x of [-3, -1, -0.2, 0, 0.1, 0.5, 1, 2, 4]) expect(erf(x)).toBeCloseTo(math.erf(x) as number, 13);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 13);
  });
});
