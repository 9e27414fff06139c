/** The metric computations on hand-built timelines with known answers. */
import { describe, expect, it } from 'vitest';
import { ServiceRecorder, PHASE_INDEX, type OutageCause, type OutageRecord } from '../src/metrics/recorder.js';
import { DEFAULT_SAL_BOUNDS, salVerdict, clopperPearson } from '../src/metrics/sal.js';
import { linQuantile } from '../src/metrics/histogram.js';
import { sketchQuantile } from '../src/metrics/sketch.js';
import { parseDuration } from '../src/engine/units.js';

const YEAR = 365 * 86400;
const cause = (zone: number, layer = 2): OutageCause => ({ layer, type: 0, mode: 0, component: 0, zone });

function recorder(probation = 0, onOutage?: (o: OutageRecord) => void) {
  return new ServiceRecorder(
    { windowStart: 0, capacityThresholds: [0.5, 1], salBounds: DEFAULT_SAL_BOUNDS, probation, zones: 3, onOutage },
    8,
    1,
    1,
  );
}

/** Books an outage [t, t + phases...] with the given phase durations. */
function outage(r: ServiceRecorder, t: number, phases: Array<[keyof typeof PHASE_INDEX, number]>, c: OutageCause): number {
  let now = t;
  for (const [p, d] of phases) {
    r.update(now, false, 0, PHASE_INDEX[p], c);
    now += d;
  }
  r.update(now, true, 1, 0, c);
  return now;
}

describe('recorder', () => {
  it('two failures in one impact zone inside the probation window count once', () => {
    const r = recorder(3600);
    outage(r, 100, [['restart', 10]], cause(1));
    outage(r, 1000, [['restart', 10]], cause(1)); // same zone, 900 s later: correlated
    outage(r, 2000, [['restart', 10]], cause(2)); // another zone
    outage(r, 5000, [['restart', 10]], cause(1)); // same zone, 4900 s after the first: new window
    r.finish(10000);
    expect(r.result.outages).toBe(4);
    expect(r.result.correlated).toBe(3);
    expect(r.result.correlatedByZone).toEqual([0, 2, 1]);
  });

  it('losing 1 of 4 active/active instances is an impact fraction of 0.25; an outage is 1', () => {
    const r = recorder();
    r.update(100, true, 0.75, 0, cause(0));
    r.update(160, true, 1, 0, cause(0));
    outage(r, 1000, [['restart', 5]], cause(0));
    r.finish(2000);
    expect(r.result.impact.count).toBe(2);
    expect(r.result.impact.max).toBe(1);
    expect(linQuantile(r.result.impact, 0.5)).toBeCloseTo(0.25, 12);
    expect(r.result.outages).toBe(1);
    // Capacity-weighted: 60 s at 0.75 and 5 s at 0 over 2000 s.
    expect(r.result.capacityTime).toBeCloseTo(2000 - 60 * 0.25 - 5, 9);
    // Time with at least 100% capacity; at least 50%.
    expect(r.result.timeAtLeast).toEqual([1995, 1935]);
  });

  it('recovery-time phases add up to the outage; detection is its own figure', () => {
    const rows: OutageRecord[] = [];
    const r = recorder(0, (o) => rows.push(o));
    outage(r, 50, [['detection', 2], ['fencing', 3], ['failover', 1.5]], cause(0));
    r.finish(100);
    expect(rows).toHaveLength(1);
    expect(rows[0].duration).toBeCloseTo(6.5, 12);
    expect(rows[0].phases.reduce((a, b) => a + b, 0)).toBeCloseTo(rows[0].duration, 12);
    expect(rows[0].phases[PHASE_INDEX.detection]).toBeCloseTo(2, 12);
    expect(r.result.detection.sum).toBeCloseTo(2, 12);
    expect(r.result.phaseTime[PHASE_INDEX.fencing]).toBeCloseTo(3, 12);
    expect(r.result.downtime).toBeCloseTo(6.5, 12);
  });

  it('outages cut by the window are counted as censored, not judged against SAL bounds', () => {
    const r = new ServiceRecorder({ windowStart: 100, capacityThresholds: [], salBounds: DEFAULT_SAL_BOUNDS, probation: 0, zones: 1 }, 8, 1, 1);
    outage(r, 90, [['restart', 20]], cause(0)); // 10 s inside the window, started before it
    outage(r, 300, [['restart', 3]], cause(0)); // a complete one
    r.update(597, false, 0, PHASE_INDEX.restart, cause(0)); // still down at the end: 3 s seen
    r.finish(600);
    expect(r.result.outages).toBe(3);
    expect(r.result.censored).toBe(2);
    expect(r.result.recovery.count).toBe(1);
    expect(r.result.salBreaches).toEqual([0, 0, 0]);
    expect(r.result.downtime).toBeCloseTo(10 + 3 + 3, 9);
    // Attribution covers all downtime inside the window, the part of the straddling outage included.
    expect(r.result.downtimeByLayer.reduce((a, b) => a + b, 0)).toBeCloseTo(16, 9);
  });

  it('downtime per simulated year and month', () => {
    const r = recorder();
    outage(r, 1000, [['restart', 600]], cause(0));
    outage(r, YEAR - 100, [['restart', 300]], cause(0)); // spans the year boundary: 100 s + 200 s
    r.finish(2 * YEAR + 5);
    expect(r.result.yearly.count).toBe(2);
    expect(r.result.yearly.sum).toBeCloseTo(900, 6);
    expect(r.result.yearly.max).toBeCloseTo(700, 6);
    expect(r.result.monthly.count).toBe(24);
    expect(r.result.monthly.zeros).toBe(21);
  });

  it('a history that ends before its window begins (stopped by its event cap during the warm-up) has no year or month', () => {
    const r = new ServiceRecorder({ windowStart: 5 * YEAR, capacityThresholds: [], salBounds: DEFAULT_SAL_BOUNDS, probation: 0, zones: 1 }, 8, 1, 1);
    outage(r, 1000, [['restart', 600]], cause(0));
    r.finish(2 * YEAR);
    for (const s of [r.result.yearly, r.result.monthly]) {
      expect([s.count, s.zeros, s.min, s.max, s.sum]).toEqual([0, 0, Infinity, -Infinity, 0]);
    }
    expect(r.result.yearsOverBudget).toBe(0);
  });
});

describe('period boundaries', () => {
  it('downtime across a year edge after a fractional warm-up (8.3 y) is split, not looped on', () => {
    const w0 = parseDuration('8.3y');
    const r = new ServiceRecorder({ windowStart: w0, capacityThresholds: [], salBounds: DEFAULT_SAL_BOUNDS, probation: 0, zones: 1 }, 8, 1, 1);
    for (let k = 1; k <= 40; k++) {
      r.update(w0 + k * YEAR - 5, false, 0, PHASE_INDEX.restart, cause(0));
      r.update(w0 + k * YEAR + 5, true, 1, 0, cause(0));
    }
    r.finish(w0 + 41 * YEAR);
    expect(r.result.yearly.count).toBe(41);
    expect(r.result.yearly.sum).toBeCloseTo(400, 6);
    expect(r.result.downtime).toBeCloseTo(400, 6);
  });
});

describe('SAL verdicts on built timelines', () => {
  function run(detection: number, recovery: number, n = 200) {
    const r = recorder();
    let t = 0;
    for (let i = 0; i < n; i++) {
      t = outage(r, t + 1000, [['detection', detection], ['failover', recovery - detection]], cause(0));
    }
    r.finish(t + 1000);
    return [...[0, 1, 2].map((s): string => salVerdict(r.result.salBreaches[s], r.result.outages, 0.05).verdict), String(r.result.tl9000)];
  }
  it('passes and fails each bound', () => {
    expect(run(0.5, 4)).toEqual(['PASS', 'PASS', 'PASS', '0']);
    // Detection 2 s breaks SAL 1's detection bound (1 s) only.
    expect(run(2, 4)).toEqual(['FAIL', 'PASS', 'PASS', '0']);
    // Recovery 10 s breaks SAL 1's recovery bound (6 s, the upper end of 5-6 s).
    expect(run(0.5, 10)).toEqual(['FAIL', 'PASS', 'PASS', '0']);
    // Detection 7 s breaks SAL 1 and 2; recovery 20 s breaks SAL 1 and 2, and TL-9000.
    expect(run(7, 20)).toEqual(['FAIL', 'FAIL', 'PASS', '200']);
    expect(run(0.5, 30)).toEqual(['FAIL', 'FAIL', 'FAIL', '200']);
  });
  it('too few outages to decide is INCONCLUSIVE; none at all passes', () => {
    expect(run(0.5, 4, 10)[0]).toBe('INCONCLUSIVE');
    expect(salVerdict(0, 0, 0.05).verdict).toBe('PASS');
    // Clopper-Pearson: 0 of 100 -> one-sided 95% upper bound 1 - 0.05^(1/100).
    expect(clopperPearson(0, 100, 0.9).hi).toBeCloseTo(1 - 0.05 ** (1 / 100), 6);
  });
});

describe('recovery times against the SAL bounds', () => {
  it('breaches are exact counts of outages over the bound, however close; quantiles of few outages are exact', () => {
    const r = recorder();
    // Around the SAL 1 recovery bound (6 s), closer than any histogram bin; all detected in 0.5 s.
    const durations = [5.9, 5.99, 6, 6.001, 6.01, 6.1, 7];
    let t = 100;
    for (const d of durations) t = outage(r, t, [['detection', 0.5], ['failover', d - 0.5]], cause(0)) + 1000;
    r.finish(t + 1000);
    // Over the bound (strictly): 6.001, 6.01, 6.1, 7.
    expect(r.result.salRecoveryBreaches[0]).toBe(4);
    expect(r.result.salBreaches[0]).toBe(4);
    expect(r.result.salRecoveryBreaches[1]).toBe(0);
    // Few outages: the recovery quantiles are the observed order statistics themselves.
    expect(sketchQuantile(r.result.recovery, 0.5)).toBeCloseTo(6.001, 9);
    expect(sketchQuantile(r.result.recovery, 0.95)).toBeCloseTo(7, 9);
    expect(sketchQuantile(r.result.detection, 0.5)).toBeCloseTo(0.5, 12);
  });
});
