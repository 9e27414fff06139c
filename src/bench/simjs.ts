/**
 * A published reference: the series-of-pairs model (see models.ts) written with SIM.JS
 * 2.0.3 (npm `simjs`, a general-purpose discrete-event library for JavaScript) the way
 * its documentation models things: a `Sim` per history (SIM.JS has no reset of the clock
 * and calendar), each replica an `Entity` whose life is a chain of timers
 * (`setTimer(duration).done(callback)`: fail, then repair, then fail ...), exponentials
 * from SIM.JS's own seeded `Random` (a Mersenne Twister, seeded once per call). The
 * state of the groups and the downtime are counted by the entities' callbacks, as the
 * limit (limit.ts) counts them. Times in hours.
 *
 * Events are the failures and repairs handled (delivered at times up to the horizon), as
 * the limit counts them; the first failures scheduled at the start are not events.
 *
 * Also a command, so that a whole process can be timed beside `nfvsim run`:
 *
 *   node dist/bench/simjs.js GROUPS HISTORIES [SEED]   # prints one JSON line
 *
 * SIM.JS as published on npm is a browserify bundle that exports nothing under Node: it
 * only assigns `window.Sim` when a global `window` exists. It is loaded here with a
 * `window` object set for the duration of the `require` (then removed), which gives the
 * library's own classes, unchanged.
 */
import { createRequire } from 'node:module';
import type * as SimJS from 'simjs';
import type { HandResult } from './hand.js';
import { loopCli } from './loop-cli.js';
import { MTTF_H, MTTR_H } from './models.js';

/** A reference's result: HandResult, plus the standard error of the mean availability. */
export interface ReferenceResult extends HandResult {
  /** Standard error of `availability`, from the spread of the histories' availabilities. */
  availabilityStdErr: number;
}

/** CommonJS `require` from this module (SIM.JS is a CommonJS bundle). */
const requireCjs = createRequire(import.meta.url);

/** The SIM.JS package's version (from its package.json), e.g. "2.0.3". */
export const SIMJS_VERSION: string = (requireCjs('simjs/package.json') as { version: string }).version;

/**
 * SIM.JS's exports, loaded as the bundle allows under Node: with a global `window` for
 * the time of the `require` (the bundle assigns `window.Sim`), removed afterwards.
 */
function loadSimjs(): typeof SimJS {
  const g = globalThis as { window?: unknown };
  const had = Object.prototype.hasOwnProperty.call(g, 'window');
  const saved = g.window;
  const win: { Sim?: typeof SimJS } = {};
  g.window = win;
  try {
    // A copy loaded earlier without `window` would be returned from the cache unrun.
    delete requireCjs.cache[requireCjs.resolve('simjs')];
    requireCjs('simjs');
  } finally {
    if (had) g.window = saved;
    else delete g.window;
  }
  if (!win.Sim || typeof win.Sim.Sim !== 'function') throw new Error('SIM.JS (npm simjs) did not define window.Sim: is simjs 2.0.3 installed (npm install)?');
  return win.Sim;
}

const { Sim, Entity, Random } = loadSimjs();

/** State of one history shared by its replicas (times in hours). */
interface Series {
  /** SIM.JS's generator, one per call of simjsLoop. */
  random: SimJS.Random;
  /** Replicas up in each group (0, 1 or 2). */
  upInGroup: Int32Array;
  /** Groups with both replicas down. */
  groupsDown: number;
  /** When the system last went down (h). */
  downSince: number;
  /** System downtime so far (h). */
  downtime: number;
  /** Failures and repairs handled. */
  events: number;
}

/** A replica: fails after Exp(MTTF), is repaired after Exp(MTTR), and so on. */
class Replica extends Entity {
  declare series: Series;
  declare group: number;

  /** Called by `Sim.addEntity`: the replica starts up and schedules its first failure. */
  start(series: Series, group: number): void {
    this.series = series;
    this.group = group;
    this.setTimer(series.random.exponential(1 / MTTF_H)).done(this.fail);
  }

  /** The replica fails: its group may go down, and with it the system; repair follows. */
  fail(): void {
    const s = this.series;
    s.events++;
    if (--s.upInGroup[this.group] === 0 && s.groupsDown++ === 0) s.downSince = this.time();
    this.setTimer(s.random.exponential(1 / MTTR_H)).done(this.repair);
  }

  /** The replica is repaired: its group is up again, and maybe the system; the next failure follows. */
  repair(): void {
    const s = this.series;
    s.events++;
    if (++s.upInGroup[this.group] === 1 && --s.groupsDown === 0) s.downtime += this.time() - s.downSince;
    this.setTimer(s.random.exponential(1 / MTTF_H)).done(this.fail);
  }
}

/**
 * Runs `histories` histories of the G-group model (`groups` series 1+1 groups,
 * `horizonHours` hours each) with SIM.JS and returns their events, mean availability and
 * its standard error. SIM.JS's generator is seeded once per call with `seed` (an integer).
 */
export function simjsLoop(groups: number, histories: number, horizonHours: number, seed: number): ReferenceResult {
  const series: Series = { random: new Random(seed), upInGroup: new Int32Array(groups), groupsDown: 0, downSince: 0, downtime: 0, events: 0 };
  // Sums of the histories' unavailabilities and their squares (for the standard error).
  let sumU = 0;
  let sumU2 = 0;
  for (let h = 0; h < histories; h++) {
    const sim = new Sim();
    series.upInGroup.fill(2);
    series.groupsDown = 0;
    series.downSince = 0;
    series.downtime = 0;
    for (let g = 0; g < groups; g++) {
      sim.addEntity(Replica, undefined, series, g);
      sim.addEntity(Replica, undefined, series, g);
    }
    sim.simulate(horizonHours);
    if (series.groupsDown > 0) series.downtime += horizonHours - series.downSince;
    const u = series.downtime / horizonHours;
    sumU += u;
    sumU2 += u * u;
  }
  const meanU = sumU / histories;
  const variance = histories > 1 ? Math.max(0, (sumU2 - histories * meanU * meanU) / (histories - 1)) : NaN;
  return { histories, events: series.events, availability: 1 - meanU, availabilityStdErr: Math.sqrt(variance / histories) };
}

loopCli(import.meta.url, 'simjs', simjsLoop, { library: `SIM.JS ${SIMJS_VERSION} (npm simjs)` });
