/**
 * Lease-based leader election without a majority (kube-controller-manager,
 * kube-scheduler, SDN mastership): n members, one of which holds a lease and does the
 * work; the others stand by, trying to take the lease.
 *
 * Rules:
 * - The group is up (at full capacity) while a leader holds the lease; the members that
 *   are not the leader can fail without effect.
 * - When the leader fails (a crash, a hang or a planned stop: a lease is not released),
 *   nobody leads until the lease expires and a standby's next retry takes it: `takeover`
 *   after the failure (about the lease duration: kube-controller-manager renews every
 *   2 s a lease of 15 s, so 13-17 s). Then the lowest-numbered member up leads; if none
 *   is up, the group stays down until one comes up.
 * - A member that comes up while nobody leads and no takeover is under way takes the
 *   lease at once (it expired long ago).
 * No majority is needed: one member up is enough (k = 1).
 */
import type { FunctionModel } from '../model/build.js';
import type { Delay, GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'lease' }>;

/** Its one timer: the lease of a failed leader running out (and a standby's retry). */
const TAKEOVER = 0;

class Lease implements GroupMechanism {
  state: {
    up: boolean[];
    /** The member holding the lease, or -1. */
    leader: number;
    /** What it last reported. */
    isUp: boolean;
    phase: 'failover' | 'restart';
  };
  private readonly takeover: Delay;

  constructor(
    group: FunctionModel,
    cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    this.state = { up: new Array<boolean>(group.n).fill(true), leader: 0, isUp: true, phase: 'restart' };
    this.takeover = ctx.delay(cfg.takeover, ctx.streams.stream(`${group.path}:lease`), `${group.path}.ha.takeover`);
  }

  instanceChanged(i: number, isUp: boolean): void {
    const s = this.state;
    s.up[i] = isUp;
    if (!isUp && i === s.leader) {
      s.leader = -1;
      this.ctx.timers.arm(TAKEOVER, this.takeover);
      // A zero takeover runs after what is due now: nothing to do here.
    } else if (isUp && s.leader < 0 && !this.ctx.timers.armed(TAKEOVER)) {
      this.elect();
    }
    this.update();
  }

  onTimer(): void {
    this.elect();
    this.update();
  }

  private elect(): void {
    const up = this.state.up;
    this.state.leader = this.ctx.first(up.length, (j) => up[j]);
    if (this.state.leader >= 0) this.ctx.count('elections');
  }

  private update(): void {
    const s = this.state;
    const up = s.leader >= 0;
    const phase = this.ctx.timers.armed(TAKEOVER) ? 'failover' : 'restart';
    if (up !== s.isUp || (!up && phase !== s.phase)) {
      s.isUp = up;
      // Read only while down: kept at its initial value while up (one state per situation).
      s.phase = up ? 'restart' : phase;
      this.out.set(up, up ? 1 : 0, phase);
    }
  }
}

/** Lease-based leader election: one leader among n, re-elected when its lease runs out. */
export const lease: GroupMechanismFactory = {
  name: 'lease',
  description: 'one leader among n holding a lease (no majority): a failed leader is replaced after the lease runs out',
  example: { ha: { mechanism: 'lease', takeover: { dist: 'exponential', mean: '15s' } } },
  shape: { timers: { fixed: 1, perInstance: 0 }, perInstance: ['up'], instanceRefs: ['leader'] },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'lease') throw new Error('lease: wrong configuration');
    return new Lease(group, group.ha, ctx, out);
  },
};
