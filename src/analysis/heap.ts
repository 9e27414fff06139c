/**
 * A binary min-heap of (cost, id) pairs with lazy deletion: a new, lower cost for an id is
 * pushed as a new entry, and the caller skips the stale ones when they are popped (by
 * comparing the popped cost with the id's current one). Shared by the sparse elimination's
 * minimum-degree order (ctmc.ts) and the likeliest-first exploration (markov.ts).
 * Equal costs come out in an order set by the heap's shape alone (deterministic).
 */
export class CostHeap {
  private readonly costs: number[] = [];
  private readonly ids: number[] = [];
  /** The cost of the entry `pop` returned last. */
  poppedCost = 0;

  /** Entries held (stale ones included). */
  get size(): number {
    return this.costs.length;
  }

  /** Adds `id` at `cost`. */
  push(cost: number, id: number): void {
    const { costs, ids } = this;
    let i = costs.length;
    costs.push(cost);
    ids.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (costs[p] <= cost) break;
      costs[i] = costs[p];
      ids[i] = ids[p];
      i = p;
    }
    costs[i] = cost;
    ids[i] = id;
  }

  /** Removes the cheapest entry (the heap must not be empty): returns its id, its cost in `poppedCost`. */
  pop(): number {
    const { costs, ids } = this;
    const top = ids[0];
    this.poppedCost = costs[0];
    const c = costs.pop()!;
    const k = ids.pop()!;
    const size = costs.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && costs[r] < costs[l] ? r : l;
        if (costs[m] >= c) break;
        costs[i] = costs[m];
        ids[i] = ids[m];
        i = m;
      }
      costs[i] = c;
      ids[i] = k;
    }
    return top;
  }
}
