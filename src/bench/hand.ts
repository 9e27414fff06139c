/**
 * The limit: the series-of-pairs model written as a minimal hand-written event loop
 * (flat arrays, a binary heap, inline exponential sampling, nothing else), with the same
 * random generator as nfvsim (seedrandom's Alea, one stream per history). Times in
 * hours.
 */
import seedrandom from 'seedrandom';
import { siftUp } from './heap.js';
import { MTTF_H, MTTR_H } from './models.js';

/** Result of running `histories` histories. */
export interface HandResult {
  histories: number;
  events: number;
  /** Mean availability over histories. */
  availability: number;
}

/** Runs the hand-written loop. */
export function handLoop(groups: number, histories: number, horizon: number, seed: number, first = 0): HandResult {
  const n = groups * 2;
  const mttf = MTTF_H;
  const mttr = MTTR_H;
  const heapT = new Float64Array(n);
  const heapC = new Int32Array(n);
  const down = new Uint8Array(n);
  const groupDown = new Int32Array(groups);
  let events = 0;
  let sumA = 0;
  for (let h = first; h < first + histories; h++) {
    const rng = seedrandom.alea(`${seed}:${h}:hand`) as unknown as () => number;
    let size = 0;
    const push = (t: number, c: number) => siftUp(heapT, heapC, size++, t, c);
    down.fill(0);
    groupDown.fill(0);
    for (let c = 0; c < n; c++) push(-mttf * Math.log(1 - rng()), c);
    let failedGroups = 0;
    let downSince = 0;
    let downtime = 0;
    for (;;) {
      const t = heapT[0];
      if (t > horizon) break;
      const c = heapC[0];
      // pop
      const lt = heapT[--size];
      const lc = heapC[size];
      let i = 0;
      for (;;) {
        let k = 2 * i + 1;
        if (k >= size) break;
        if (k + 1 < size && heapT[k + 1] < heapT[k]) k++;
        if (lt <= heapT[k]) break;
        heapT[i] = heapT[k];
        heapC[i] = heapC[k];
        i = k;
      }
      heapT[i] = lt;
      heapC[i] = lc;
      events++;
      const g = c >> 1;
      if (down[c] === 0) {
        down[c] = 1;
        if (++groupDown[g] === 2 && failedGroups++ === 0) downSince = t;
        push(t - mttr * Math.log(1 - rng()), c);
      } else {
        down[c] = 0;
        if (groupDown[g]-- === 2 && --failedGroups === 0) downtime += t - downSince;
        push(t - mttf * Math.log(1 - rng()), c);
      }
    }
    if (failedGroups > 0) downtime += horizon - downSince;
    sumA += 1 - downtime / horizon;
  }
  return { histories, events, availability: sumA / histories };
}
