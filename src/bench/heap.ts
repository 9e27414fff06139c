/** The sift-up the bench's hand-written loops share (hand.ts, limit.ts). */

/**
 * Adds (time `t`, replica `c`) to the binary min-heap held in `heapT` / `heapC` whose
 * entries 0 .. `i` - 1 are in use: the entry enters at index `i` and sifts up. Equal
 * times stay below the earlier entry.
 */
export function siftUp(heapT: Float64Array, heapC: Int32Array, i: number, t: number, c: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heapT[p] <= t) break;
    heapT[i] = heapT[p];
    heapC[i] = heapC[p];
    i = p;
  }
  heapT[i] = t;
  heapC[i] = c;
}
