/**
 * The quantile sketch against exact sorted-sample quantiles: within its stated relative
 * error on known distributions, exact for small samples, and merges that do not depend
 * on how the values were split or in which order the parts were merged.
 */
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../src/engine/rng.js';
import { Exponential, Lognormal } from '../src/engine/distributions.js';
import {
  addSketch,
  addZeros,
  EXACT_LIMIT,
  mergeSketch,
  sketch,
  sketchBins,
  sketchError,
  sketchQuantile,
  SKETCH_ALPHA,
  SKETCH_BUCKETS,
  type QuantileSketch,
} from '../src/metrics/sketch.js';
import { formatDuration } from '../src/engine/units.js';

const QS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

/** The exact q-quantile of a sample: the order statistic x_(k), k = max(1, ceil(q n)). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

/** `n` draws from a stream named after the test's distribution. */
function draws(name: string, n: number, draw: (rng: RandomStream) => number): number[] {
  const rng = new RandomStream(`test.sketch.${name}`, 1, 0);
  return Array.from({ length: n }, () => draw(rng));
}

function sketchOf(values: number[]): QuantileSketch {
  const s = sketch();
  for (const x of values) addSketch(s, x);
  return s;
}

const exponential = new Exponential(1 / 30); // rate 1/30 s: mean 30 s
const lognormal = Lognormal.fromMeanCv(5, 3);
const samples: Record<string, number[]> = {
  exponential: draws('exponential', 50_000, (r) => exponential.sample(r)),
  lognormal: draws('lognormal', 50_000, (r) => lognormal.sample(r)),
  // An atom at zero (40% of the values: failures detected at once), then seconds to days.
  'mixture with an atom at zero': draws('mixture', 50_000, (r) => (r.next() < 0.4 ? 0 : r.next() < 0.9 ? 1 + 4 * r.next() : lognormal.sample(r) * 1e4)),
};

describe('quantile sketch', () => {
  it('states an accuracy of 1% or better and a bounded size', () => {
    expect(SKETCH_ALPHA).toBeLessThanOrEqual(0.01);
    expect(SKETCH_ALPHA).toBeCloseTo(1 / 201, 12);
    expect(SKETCH_BUCKETS).toBeLessThan(5000);
  });

  for (const [name, values] of Object.entries(samples)) {
    it(`${name}: every quantile within the stated relative error of the exact order statistic`, () => {
      const sorted = [...values].sort((a, b) => a - b);
      const s = sketchOf(values);
      expect(s.exact).toBeNull();
      expect(sketchError(s)).toBe(SKETCH_ALPHA);
      for (const q of QS) {
        const exact = exactQuantile(sorted, q);
        const est = sketchQuantile(s, q);
        if (exact === 0) expect(est, `q ${q}`).toBe(0);
        else expect(Math.abs(est - exact) / exact, `q ${q}: ${est} vs ${exact}`).toBeLessThanOrEqual(SKETCH_ALPHA * (1 + 1e-12));
        // Printed to 3 significant digits, it is still within 1%.
        if (exact > 0) expect(Math.abs(Number(est.toPrecision(3)) - exact) / exact).toBeLessThan(0.01);
      }
      expect(sketchQuantile(s, 1)).toBe(sorted[sorted.length - 1]);
      expect(sketchQuantile(s, 0)).toBe(sorted[0]);
      expect(s.count).toBe(values.length);
      expect(s.bins.length).toBeLessThanOrEqual(SKETCH_BUCKETS);
    });
  }

  it('the atom at zero is counted apart and reported as exactly 0', () => {
    const s = sketchOf(samples['mixture with an atom at zero']);
    expect(s.zeros / s.count).toBeGreaterThan(0.38);
    expect(sketchQuantile(s, 0.3)).toBe(0);
    expect(sketchQuantile(s, 0.5)).toBeGreaterThan(0);
  });

  it('small samples give exact quantiles; beyond EXACT_LIMIT values the sketch takes over', () => {
    const values = samples.lognormal.slice(0, EXACT_LIMIT);
    const sorted = [...values].sort((a, b) => a - b);
    const s = sketchOf(values);
    expect(sketchError(s)).toBe(0);
    for (const q of QS) expect(sketchQuantile(s, q)).toBe(exactQuantile(sorted, q));
    addSketch(s, 1);
    expect(s.exact).toBeNull();
    expect(sketchError(s)).toBe(SKETCH_ALPHA);
    // Two exact halves merge exactly; together past the limit they do not.
    const a = sketchOf(values.slice(0, 400));
    mergeSketch(a, sketchOf(values.slice(400)));
    expect(sketchQuantile(a, 0.95)).toBe(exactQuantile(sorted, 0.95));
    mergeSketch(a, sketchOf([2]));
    expect(a.exact).toBeNull();
  });

  it('zeros are counted, not kept: addZeros(n) is n zeros added one by one, and zeros kept among the values (older sketches) read the same', () => {
    const values = samples['mixture with an atom at zero'];
    for (const n of [10, 600, EXACT_LIMIT, 3 * EXACT_LIMIT]) {
      const part = values.slice(0, n);
      const nonZero = part.filter((x) => x !== 0);
      const zeros = n - nonZero.length;
      expect(zeros, 'the sample has zeros to count').toBeGreaterThan(0.3 * n);
      const oneByOne = sketchOf(part);
      // The non-zero values, then the zeros at once, in two lots (one crossing the limit when n > it).
      const atOnce = sketchOf(nonZero);
      addZeros(atOnce, zeros - 1);
      addZeros(atOnce, 1);
      addZeros(atOnce, 0);
      const sorted = [...part].sort((a, b) => a - b);
      for (const s of [oneByOne, atOnce]) {
        expect([s.count, s.zeros, s.min, s.max, s.sum]).toEqual([n, zeros, 0, sorted[n - 1], oneByOne.sum]);
        expect(s.exact === null).toBe(n > EXACT_LIMIT);
        for (const q of [0, ...QS, 1]) {
          const k = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
          if (n <= EXACT_LIMIT) expect(sketchQuantile(s, q), `n ${n} q ${q}`).toBe(sorted[k - 1]);
          else expect(sketchQuantile(s, q), `n ${n} q ${q}`).toBe(sketchQuantile(oneByOne, q));
        }
      }
      expect({ offset: atOnce.offset, bins: atOnce.bins, sole: atOnce.sole }).toEqual({ offset: oneByOne.offset, bins: oneByOne.bins, sole: oneByOne.sole });
    }
    // A sketch written with its zeros among its values (as before this rule) reads the same,
    // alone and merged with one that counts them.
    const part = values.slice(0, 400);
    const old = sketchOf(part);
    old.exact = [...part];
    for (const q of QS) expect(sketchQuantile(old, q)).toBe(sketchQuantile(sketchOf(part), q));
    mergeSketch(old, sketchOf(values.slice(400, 900)));
    const sorted900 = values.slice(0, 900).sort((a, b) => a - b);
    for (const q of QS) expect(sketchQuantile(old, q)).toBe(exactQuantile(sorted900, q));
    // Wrong on purpose: reading the kept values alone as the sample misses the zeros.
    const s = sketchOf(part);
    const keptOnly = [...s.exact!].sort((a, b) => a - b);
    expect(exactQuantile(keptOnly, 0.25)).not.toBe(sketchQuantile(s, 0.25));
    expect(sketchQuantile(s, 0.25)).toBe(0);
  });

  it('a merge does not depend on how the values were split, nor on the order of merging', () => {
    const values = samples['mixture with an atom at zero'];
    const whole = sketchOf(values);
    // Parts of uneven sizes (some small enough to stay exact), merged in three orders and shapes.
    const cuts = [0, 7, 300, 1200, 9000, 9001, 30_000, values.length];
    const parts = cuts.slice(1).map((c, i) => sketchOf(values.slice(cuts[i], c)));
    const fold = (order: number[]) => {
      const acc = sketch();
      for (const i of order) mergeSketch(acc, structuredClone(parts[i]));
      return acc;
    };
    const forward = fold(parts.map((_, i) => i));
    const backward = fold(parts.map((_, i) => parts.length - 1 - i));
    // Associativity: (p0 + p1) + (p2 + ... ) built as a tree.
    const left = fold([0, 1, 2]);
    const right = fold([3, 4, 5, 6]);
    mergeSketch(left, right);
    for (const m of [forward, backward, left]) {
      expect(m.bins).toEqual(whole.bins);
      expect(m.sole).toEqual(whole.sole);
      expect(m.offset).toBe(whole.offset);
      expect([m.count, m.zeros, m.min, m.max]).toEqual([whole.count, whole.zeros, whole.min, whole.max]);
      expect(m.sum).toBeCloseTo(whole.sum, 3);
      for (const q of QS) expect(sketchQuantile(m, q)).toBe(sketchQuantile(whole, q));
    }
    // Merging the same parts in the same order twice gives the same bytes.
    expect(JSON.stringify(fold([3, 1, 0, 2, 6, 5, 4]))).toBe(JSON.stringify(fold([3, 1, 0, 2, 6, 5, 4])));
  });

  it('keeps no buckets while it keeps the values, and makes from them the buckets it would have kept', () => {
    // The buckets as the module's contract defines them, worked out here on their own:
    // bucket ceil(ln x / ln 1.01) counts the values >= 1 ns in it, and knows their value
    // when they are all the same (-1 when they differ).
    const reference = (values: number[]) => {
      const counts = new Map<number, number>();
      const sole = new Map<number, number>();
      for (const x of values) {
        if (!(x >= 1e-9)) continue;
        const i = Math.ceil(Math.log(x) / Math.log(1.01));
        counts.set(i, (counts.get(i) ?? 0) + 1);
        sole.set(i, !sole.has(i) || sole.get(i) === x ? x : -1);
      }
      const lo = Math.min(...counts.keys());
      const hi = Math.max(...counts.keys());
      return {
        offset: lo,
        bins: Array.from({ length: hi - lo + 1 }, (_, j) => counts.get(lo + j) ?? 0),
        sole: Array.from({ length: hi - lo + 1 }, (_, j) => sole.get(lo + j) ?? 0),
      };
    };
    const values = samples['mixture with an atom at zero'].slice(0, 3 * EXACT_LIMIT);
    // A replication's sketch: a few values, no bucket array however wide they spread.
    const small = sketchOf([1e-3, 5, 86_400 * 30, 0]);
    expect(small.bins.length).toBe(0);
    expect(small.sole.length).toBe(0);
    const kept = sketchOf(values.slice(0, EXACT_LIMIT));
    // Every value but the exact zeros (the values it lacks are zeros).
    expect(kept.exact).toHaveLength(values.slice(0, EXACT_LIMIT).filter((x) => x !== 0).length);
    expect(kept.exact!.length).toBeLessThan(0.7 * EXACT_LIMIT);
    expect(kept.bins.length).toBe(0);
    // One value more: the buckets are made, every value in them.
    const crossed = sketchOf(values.slice(0, EXACT_LIMIT + 1));
    expect(crossed.exact).toBeNull();
    expect({ offset: crossed.offset, bins: crossed.bins, sole: crossed.sole }).toEqual(reference(values.slice(0, EXACT_LIMIT + 1)));
    const all = sketchOf(values);
    expect({ offset: all.offset, bins: all.bins, sole: all.sole }).toEqual(reference(values));
    // Merges past the limit, with the values on either side or both: the same buckets.
    const cut = 700;
    for (const [a, b] of [
      [sketchOf(values.slice(0, cut)), sketchOf(values.slice(cut))],
      [sketchOf(values.slice(cut)), sketchOf(values.slice(0, cut))],
      [sketchOf(values.slice(0, cut)), sketchOf(values.slice(cut, 2 * cut))],
    ]) {
      const n = a.count + b.count;
      const b0 = JSON.stringify(b);
      mergeSketch(a, b);
      expect(JSON.stringify(b), 'b unchanged').toBe(b0);
      expect(a.exact).toBeNull();
      expect({ offset: a.offset, bins: a.bins, sole: a.sole }).toEqual(reference(n === values.length ? values : values.slice(0, n)));
    }
    // The chart's bins of a sketch that keeps its values are those of its buckets.
    const chart = sketchBins(kept);
    const viaBuckets = sketchOf(values.slice(0, EXACT_LIMIT));
    mergeSketch(viaBuckets, sketchOf(values.slice(0, EXACT_LIMIT)));
    expect(chart.map((b) => [b.lo, b.hi, 2 * b.count])).toEqual(sketchBins(viaBuckets).map((b) => [b.lo, b.hi, b.count]));
    expect(kept.bins.length, 'sketchBins leaves the sketch as it was').toBe(0);
    // Buckets a sketch has beside its values (as sketches written before this rule have) are ignored.
    const stale = sketchOf(values.slice(0, 10));
    stale.offset = 5;
    stale.bins = [99, 99];
    stale.sole = [-1, -1];
    for (const x of values.slice(10, EXACT_LIMIT + 1)) addSketch(stale, x);
    expect({ offset: stale.offset, bins: stale.bins, sole: stale.sole }).toEqual(reference(values.slice(0, EXACT_LIMIT + 1)));
  });

  it('a deterministic time (an atom) is reported exactly, not at its bucket\'s estimate', () => {
    // 3,000 detections of exactly 1 s (three missed beats of 1/3 s) among 2,000 spread values
    // (none in 1 s's bucket, (1/1.01, 1]: a bucket holding other values too gives its estimate).
    const spread = samples.lognormal.filter((x) => x < 0.98 || x > 1.02).slice(0, 2000);
    const values = [...Array.from({ length: 3000 }, () => 1), ...spread];
    const s = sketchOf(values);
    expect(s.exact).toBeNull();
    const sorted = [...values].sort((a, b) => a - b);
    expect(exactQuantile(sorted, 0.5)).toBe(1);
    expect(sketchQuantile(s, 0.5)).toBe(1);
    expect(formatDuration(sketchQuantile(s, 0.5))).toBe('1 s');
  });

  it('survives a JSON round trip (the sweep journal) unchanged', () => {
    const s = sketchOf(samples.exponential.slice(0, 5000));
    const back = JSON.parse(JSON.stringify(s)) as QuantileSketch;
    expect(back).toEqual(s);
    for (const q of QS) expect(sketchQuantile(back, q)).toBe(sketchQuantile(s, q));
  });

  it('chart bins hold every value, in increasing, non-overlapping ranges', () => {
    const s = sketchOf(samples['mixture with an atom at zero']);
    const bins = sketchBins(s);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(s.count);
    expect(bins[0]).toMatchObject({ lo: 0, count: s.zeros });
    for (let i = 1; i < bins.length; i++) {
      expect(bins[i].lo).toBeGreaterThanOrEqual(bins[i - 1].hi * (1 - 1e-12));
      expect(bins[i].hi / bins[i].lo).toBeCloseTo(1.01 ** 10, 9);
    }
    // Each value lies in its bin.
    const sorted = [...samples['mixture with an atom at zero']].sort((a, b) => a - b);
    let k = 0;
    const outside: string[] = [];
    for (const b of bins) {
      for (let j = 0; j < b.count; j++, k++) {
        const x = sorted[k];
        const inside = b.lo === 0 ? x === 0 : x > b.lo * (1 - 1e-12) && x <= b.hi * (1 + 1e-12);
        if (!inside) outside.push(`${x} not in (${b.lo}, ${b.hi}]`);
      }
    }
    expect(outside.slice(0, 5)).toEqual([]);
  });

  it('a bound inside what used to be one bin is now told apart (the SAL 1 recovery bound, 6 s)', () => {
    // Recovery times just under and just over 6 s, 1.5% apart: the old 20-per-decade bins
    // (12% wide) printed both as one value; the sketch keeps them apart.
    const around = (bound: number) => [
      ...Array.from({ length: 1000 }, (_, i) => 1 + (4 * i) / 1000),
      ...Array.from({ length: 2000 }, () => bound),
      ...Array.from({ length: 100 }, () => 30),
    ];
    const below = sketchOf(around(5.95));
    const above = sketchOf(around(6.04));
    expect(formatDuration(sketchQuantile(below, 0.95))).not.toBe(formatDuration(sketchQuantile(above, 0.95)));
    expect(sketchQuantile(below, 0.95)).toBeLessThan(6);
    expect(sketchQuantile(above, 0.95)).toBeGreaterThan(6);
  });
});
