/**
 * Quorum and leader election (etcd, Galera, Kubernetes masters).
 *
 * n members, of which a majority k must be up (k defaults to floor(n/2) + 1). Among
 * them one leader: the lowest-numbered member up when an election ends. The group is up
 * while the quorum holds and a leader is elected. When the leader fails (quorum still
 * held), or when quorum returns, an election takes `electionTimeout`; a member that is
 * not the leader can fail without effect while the quorum holds.
 */
import type { EventHandler, EventId, Scheduler } from '../engine/scheduler.js';
import type { RandomStream } from '../engine/rng.js';
import type { FunctionModel } from '../model/build.js';
import type { GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'quorum' }>;

class Quorum implements GroupMechanism, EventHandler {
  private readonly up: boolean[];
  private upCount: number;
  private leader = 0;
  private election: EventId = -1;
  private isUp = true;
  private phase: 'failover' | 'restart' = 'restart';
  private readonly rng: RandomStream;
  private readonly scheduler: Scheduler;

  constructor(
    private readonly group: FunctionModel,
    private readonly cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    this.up = new Array(group.n).fill(true);
    this.upCount = group.n;
    this.rng = ctx.streams.stream(`${group.path}:election`);
    this.scheduler = ctx.scheduler;
  }

  instanceChanged(i: number, isUp: boolean): void {
    this.up[i] = isUp;
    this.upCount += isUp ? 1 : -1;
    const quorum = this.upCount >= this.group.k;
    if (!quorum) {
      this.leader = -1;
      this.election = -1;
    } else if (!isUp && i === this.leader) {
      this.leader = -1;
      this.startElection();
    } else if (isUp && this.leader < 0 && this.election < 0) {
      this.startElection();
    }
    this.update();
  }

  private startElection(): void {
    const t = this.cfg.electionTimeout.sample(this.rng);
    if (t > 0) this.election = this.scheduler.schedule(t, this, 0);
    else this.elect();
  }

  handle(): void {
    if (this.scheduler.currentId !== this.election) return;
    this.elect();
    this.update();
  }

  private elect(): void {
    this.election = -1;
    this.ctx.count('elections');
    this.leader = this.up.indexOf(true);
  }

  private update(): void {
    const up = this.leader >= 0 && this.upCount >= this.group.k;
    const phase = this.upCount >= this.group.k ? 'failover' : 'restart';
    if (up !== this.isUp || (!up && phase !== this.phase)) {
      this.isUp = up;
      this.phase = phase;
      this.out.set(up, up ? 1 : 0, phase);
    }
  }
}

/** Majority quorum with leader election. */
export const quorum: GroupMechanismFactory = {
  name: 'quorum',
  description: 'up while a majority is up and a leader is elected; losing the leader costs an election',
  example: { ha: { mechanism: 'quorum', electionTimeout: { dist: 'exponential', mean: '3s' } } },
  create(group, ctx, out) {
    if (group.ha.mechanism !== 'quorum') throw new Error('quorum: wrong configuration');
    return new Quorum(group, group.ha, ctx, out);
  },
};
