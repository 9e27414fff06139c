/**
 * k-of-n with ideal, instant detection and switchover: the group is up while at least
 * k of its n instances are up; it serves min(up, m) / m of its capacity. This is the
 * behaviour of every group that has no HA mechanism configured.
 */
import type { FunctionModel } from '../model/build.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput } from './types.js';

class KOfN implements GroupMechanism {
  private upCount: number;
  private up = true;
  private capacity = 1;
  private readonly k: number;
  private readonly m: number;

  constructor(
    group: FunctionModel,
    private readonly out: GroupOutput,
  ) {
    this.upCount = group.n;
    this.k = group.k;
    this.m = group.m;
  }

  instanceChanged(_i: number, isUp: boolean): void {
    this.upCount += isUp ? 1 : -1;
    const up = this.upCount >= this.k;
    const capacity = up ? Math.min(this.upCount, this.m) / this.m : 0;
    if (up !== this.up || capacity !== this.capacity) {
      this.up = up;
      this.capacity = capacity;
      this.out.set(up, capacity);
    }
  }
}

/** The ideal k-of-n group. */
export const kOfN: GroupMechanismFactory = {
  name: 'k-of-n',
  description: 'up while at least k of n instances are up; failover is instant and perfect',
  example: { k: 2, ha: { mechanism: 'k-of-n' } },
  create: (group, _ctx, out) => new KOfN(group, out),
};
