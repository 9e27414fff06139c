/**
 * Quorum and leader election (etcd, Galera, Kubernetes masters).
 *
 * n members, of which a majority k must be up (k defaults to floor(n/2) + 1). Among
 * them one leader: the lowest-numbered member up when an election ends. The group is up
 * while the quorum holds and a leader is elected. When the leader fails (quorum still
 * held), or when quorum returns, an election takes `electionTimeout`; a member that is
 * not the leader can fail without effect while the quorum holds.
 */
import type { FunctionModel } from '../model/build.js';
import type { Delay, GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'quorum' }>;

/** Its one timer: the election under way. */
const ELECTION = 0;

class Quorum implements GroupMechanism {
  state: {
    up: boolean[];
    upCount: number;
    /** The leader, or -1. */
    leader: number;
    /** What it last reported. */
    isUp: boolean;
    phase: 'failover' | 'restart';
  };
  private readonly election: Delay;
  /** A zero timeout elects at once (no event). */
  private readonly instant: boolean;

  constructor(
    private readonly group: FunctionModel,
    cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    this.state = { up: new Array<boolean>(group.n).fill(true), upCount: group.n, leader: 0, isUp: true, phase: 'restart' };
    this.election = ctx.delay(cfg.electionTimeout, ctx.streams.stream(`${group.path}:election`), `${group.path}.ha.electionTimeout`);
    this.instant = cfg.electionTimeout.mean === 0;
  }

  instanceChanged(i: number, isUp: boolean): void {
    const s = this.state;
    s.up[i] = isUp;
    s.upCount += isUp ? 1 : -1;
    const quorum = s.upCount >= this.group.k;
    if (!quorum) {
      s.leader = -1;
      this.ctx.timers.disarm(ELECTION);
    } else if (!isUp && i === s.leader) {
      s.leader = -1;
      this.startElection();
    } else if (isUp && s.leader < 0 && !this.ctx.timers.armed(ELECTION)) {
      this.startElection();
    }
    this.update();
  }

  private startElection(): void {
    if (this.instant) this.elect();
    else this.ctx.timers.arm(ELECTION, this.election);
  }

  onTimer(): void {
    this.elect();
    this.update();
  }

  private elect(): void {
    this.ctx.count('elections');
    const up = this.state.up;
    this.state.leader = this.ctx.first(up.length, (j) => up[j]);
  }

  private update(): void {
    const s = this.state;
    const up = s.leader >= 0 && s.upCount >= this.group.k;
    const phase = s.upCount >= this.group.k ? 'failover' : 'restart';
    if (up !== s.isUp || (!up && phase !== s.phase)) {
      s.isUp = up;
      // Read only while down: kept at its initial value while up (one state per situation).
      s.phase = up ? 'restart' : phase;
      this.out.set(up, up ? 1 : 0, phase);
    }
  }
}

/** Majority quorum with leader election. */
export const quorum: GroupMechanismFactory = {
  name: 'quorum',
  description: 'up while a majority is up and a leader is elected; losing the leader costs an election',
  example: { ha: { mechanism: 'quorum', electionTimeout: { dist: 'exponential', mean: '3s' } } },
  shape: { timers: { fixed: 1, perInstance: 0 }, perInstance: ['up'], instanceRefs: ['leader'] },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'quorum') throw new Error('quorum: wrong configuration');
    return new Quorum(group, group.ha, ctx, out);
  },
};
