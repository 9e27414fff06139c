/**
 * k-of-n with ideal, instant detection and switchover: the group is up while at least
 * k of its n instances are up; it serves min(up, m) / m of its capacity. This is the
 * behaviour of every group that has no HA mechanism configured.
 */
import type { FunctionModel } from '../model/build.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput } from './types.js';

class KOfN implements GroupMechanism {
  state: { upCount: number; up: boolean; capacity: number };
  private readonly k: number;
  private readonly m: number;
  /** max(k, m): with at least this many instances up, the group is up with full capacity. */
  private readonly full: number;

  constructor(
    group: FunctionModel,
    private readonly out: GroupOutput,
  ) {
    this.state = { upCount: group.n, up: true, capacity: 1 };
    this.k = group.k;
    this.m = group.m;
    this.full = Math.max(group.k, group.m);
  }

  instanceChanged(_i: number, isUp: boolean): void {
    const s = this.state;
    // `=== true`: a parameter's type is unknown to V8 (see Scheduler.push).
    const n = (s.upCount += isUp === true ? 1 : -1);
    // Above both k and m before and after the change (one instance more or less): still
    // up with full capacity, nothing to tell (the common case; no division).
    if ((isUp === true ? n - 1 : n) >= this.full) return;
    const up = s.upCount >= this.k;
    const capacity = up ? Math.min(s.upCount, this.m) / this.m : 0;
    if (up !== s.up || capacity !== s.capacity) {
      s.up = up;
      s.capacity = capacity;
      this.out.set(up, capacity);
    }
  }
}

/** The ideal k-of-n group. */
export const kOfN: GroupMechanismFactory = {
  name: 'k-of-n',
  description: 'up while at least k of n instances are up; failover is instant and perfect',
  example: { k: 2, ha: { mechanism: 'k-of-n' } },
  shape: { timers: { fixed: 0, perInstance: 0 }, perInstance: [], instanceRefs: [] },
  create: (group, _ctx, out) => new KOfN(group, out),
};
