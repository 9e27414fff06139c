/**
 * Service logic beyond a series chain: the one place where the rule "is this service up,
 * and with what share of its capacity" is written for a service given by an `up`
 * expression. The simulation (sim/system.ts ServiceSim) and the exact analysis
 * (analysis/markov.ts) both call `logicUp`; the simulation also calls `logicCapacity`.
 *
 * An expression is a tree whose leaves are numbered 0..L-1 (`LogicModel.leaves`); the
 * caller says which leaves are up (and at what capacity). Rules:
 * - a leaf is up when its group (VNF, VIM service) or infrastructure element is up; its
 *   capacity is the group's share of capacity served (0..1), or 1 for an element that is up;
 * - `all`: up when every part is up; capacity = the least of the parts' (a series chain);
 * - `k` of parts with weights w_i (default 1): up when the weights of the parts that are up
 *   sum to at least k; capacity = min(1, sum of w_i x capacity_i over the parts / k).
 *   `any` is k = 1 with weights 1 (capacity: the sum of the parts' capacities, at most 1).
 */

/** A node of a resolved service expression. */
export type LogicNode =
  | { readonly op: 'leaf'; readonly leaf: number }
  | { readonly op: 'all'; readonly parts: readonly LogicNode[] }
  | { readonly op: 'k'; readonly k: number; readonly weights: readonly number[]; readonly parts: readonly LogicNode[] };

/** A leaf: a group (index into SystemModel.functions) or an infrastructure element (index of its component, -1 when it never fails). */
export type LogicLeaf =
  | { readonly kind: 'group'; readonly index: number; readonly name: string }
  | { readonly kind: 'element'; readonly component: number; readonly name: string };

/** A service expression, resolved (see ServiceSpec.up). */
export interface LogicModel {
  readonly root: LogicNode;
  /** The leaves, numbered as the nodes name them; a name used twice is one leaf. */
  readonly leaves: readonly LogicLeaf[];
  /** The expression written out, for reports: `any(all(vLB-a, vFW-a), all(vLB-b, vFW-b))`. */
  readonly text: string;
}

/** True when the expression `n` is up, given which leaves are up (`up[leaf]`). */
export function logicUp(n: LogicNode, up: ArrayLike<boolean>): boolean {
  if (n.op === 'leaf') return up[n.leaf];
  if (n.op === 'all') {
    for (let i = 0; i < n.parts.length; i++) if (!logicUp(n.parts[i], up)) return false;
    return true;
  }
  let sum = 0;
  for (let i = 0; i < n.parts.length; i++) if (logicUp(n.parts[i], up)) sum += n.weights[i];
  return sum >= n.k;
}

/** The share of capacity (0..1) the expression `n` serves, given each leaf's capacity (`cap[leaf]`, 0 when down). */
export function logicCapacity(n: LogicNode, up: ArrayLike<boolean>, cap: ArrayLike<number>): number {
  if (!logicUp(n, up)) return 0;
  if (n.op === 'leaf') return cap[n.leaf];
  if (n.op === 'all') {
    let c = 1;
    for (let i = 0; i < n.parts.length; i++) c = Math.min(c, logicCapacity(n.parts[i], up, cap));
    return c;
  }
  let sum = 0;
  for (let i = 0; i < n.parts.length; i++) sum += n.weights[i] * logicCapacity(n.parts[i], up, cap);
  return Math.min(1, sum / n.k);
}

/** The expression written out (leaf names from `leaves`). */
export function logicText(n: LogicNode, leaves: readonly LogicLeaf[]): string {
  if (n.op === 'leaf') return leaves[n.leaf].name;
  const parts = n.parts.map((p) => logicText(p, leaves)).join(', ');
  if (n.op === 'all') return `all(${parts})`;
  const plain = n.weights.every((w) => w === 1);
  if (plain && n.k === 1) return `any(${parts})`;
  return plain ? `${n.k}-of(${parts})` : `${n.k}-of(${parts}; weights ${n.weights.join(', ')})`;
}
