/**
 * The limit: the series-of-pairs model (see models.ts) as the plainest event loop Node
 * runs fast. Everything lives in typed arrays: a binary heap of (time, replica) with
 * "replace top" (each replica has exactly one pending event, so an event's successor
 * takes its place at the root with one sift-down), an integer generator (xoshiro128**,
 * 32-bit operations only) and exponentials by inverse CDF. Nothing of nfvsim is
 * imported: it is the yardstick nfvsim's histories per second are divided by. Times
 * in hours.
 *
 * Also a command, so that a whole process can be timed beside `nfvsim run`:
 *
 *   node dist/bench/limit.js GROUPS HISTORIES [SEED]   # prints one JSON line
 */
import type { HandResult } from './hand.js';
import { siftUp } from './heap.js';
import { loopCli } from './loop-cli.js';
import { MTTF_H, MTTR_H } from './models.js';

/** 2^-32: a 32-bit integer times this is a fraction in [0, 1). */
const TWO_POW_MINUS_32 = 1 / 4294967296;

/**
 * Runs histories `first` .. `first + histories - 1` of the G-group model (`groups`
 * series 1+1 groups, `horizon` hours each) and returns their events and mean
 * availability. The generator is seeded once per call from (`seed`, `first`), so
 * batches that start at different histories draw different numbers.
 */
export function limitLoop(groups: number, histories: number, horizon: number, seed: number, first = 0): HandResult {
  // xoshiro128** state, from splitmix-style constants (never all zero).
  let s0 = (0x9e3779b9 ^ seed) | 0;
  let s1 = (0x243f6a88 ^ Math.imul(first, 0x85ebca6b)) | 0;
  let s2 = 0xb7e15162 | 0;
  let s3 = (0x85a308d3 ^ Math.imul(seed, 0x6c078965)) | 0;
  /** Next exponential time of mean `mean`: -mean ln(U), U in (0, 1]. */
  const expo = (mean: number): number => {
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return -mean * Math.log((r + 1) * TWO_POW_MINUS_32);
  };
  for (let i = 0; i < 16; i++) expo(1);

  const n = 2 * groups;
  const heapT = new Float64Array(n);
  const heapC = new Int32Array(n);
  const isUp = new Uint8Array(n);
  const upInGroup = new Int32Array(groups);
  let events = 0;
  let sumA = 0;
  for (let h = 0; h < histories; h++) {
    isUp.fill(1);
    upInGroup.fill(2);
    // Every replica's first failure.
    for (let c = 0; c < n; c++) siftUp(heapT, heapC, c, expo(MTTF_H), c);
    let groupsDown = 0;
    let downSince = 0;
    let downtime = 0;
    for (;;) {
      const now = heapT[0];
      if (now > horizon) break;
      const c = heapC[0];
      const g = c >> 1;
      let t: number;
      if (isUp[c] === 1) {
        isUp[c] = 0;
        if (--upInGroup[g] === 0 && groupsDown++ === 0) downSince = now;
        t = now + expo(MTTR_H);
      } else {
        isUp[c] = 1;
        if (++upInGroup[g] === 1 && --groupsDown === 0) downtime += now - downSince;
        t = now + expo(MTTF_H);
      }
      // Replace top: (t, c) enters at the root and sifts down.
      let i = 0;
      for (;;) {
        let k = 2 * i + 1;
        if (k >= n) break;
        if (k + 1 < n && heapT[k + 1] < heapT[k]) k++;
        if (heapT[k] >= t) break;
        heapT[i] = heapT[k];
        heapC[i] = heapC[k];
        i = k;
      }
      heapT[i] = t;
      heapC[i] = c;
      events++;
    }
    if (groupsDown > 0) downtime += horizon - downSince;
    sumA += 1 - downtime / horizon;
  }
  return { histories, events, availability: sumA / histories };
}

loopCli(import.meta.url, 'limit', limitLoop);
