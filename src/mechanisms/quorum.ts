/**
 * Quorum and leader election (etcd, Galera, Kubernetes masters).
 *
 * n members, of which a majority k must be up (k defaults to floor(n/2) + 1). Among
 * them one leader: the lowest-numbered member up when an election ends. The group is up
 * while the quorum holds and a leader is elected. When the leader fails (quorum still
 * held), or when quorum returns, an election takes `electionTimeout`; a member that is
 * not the leader can fail without effect while the quorum holds.
 *
 * Partitions (`partition.links`): member i reaches the others through element links[i]
 * (a component; -1: never cut off). Members whose element is up form the connected side;
 * the members behind each element that is down form a side of their own. The side with
 * the most members up serves if they are k or more (ties: the connected side, then the
 * lower element); members elsewhere count as absent although they run. A leader outside
 * the serving side can no longer commit: it is lost as if it had failed (its lease runs
 * out before the majority's election timeout, so the two never serve at once), and the
 * serving side elects the lowest-numbered of its members up after `electionTimeout`.
 * With a quorum device (`partition.quorumDevice`: corosync-qdevice, a tie-breaker), its
 * vote counts for the connected side while a member is up there: that side serves with
 * one member fewer than k (an even split goes its way; two members survive the loss of
 * one).
 */
import type { FunctionModel } from '../model/build.js';
import type { Delay, GroupMechanism, GroupMechanismFactory, GroupOutput, MechanismContext } from './types.js';

type Config = Extract<FunctionModel['ha'], { mechanism: 'quorum' }>;

/** Its one timer: the election under way. */
const ELECTION = 0;

/** The sides while no partition link is down: the connected one alone (see `serving`). */
const CONNECTED_ONLY: readonly number[] = [-1];

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
  /** Per member, the component of its link (-1: never cut off); null without partitions. */
  private readonly links: readonly number[] | null;
  /** A quorum device votes with the connected side. */
  private readonly quorumDevice: boolean;

  constructor(
    private readonly group: FunctionModel,
    cfg: Config,
    private readonly ctx: MechanismContext,
    private readonly out: GroupOutput,
  ) {
    this.state = { up: new Array<boolean>(group.n).fill(true), upCount: group.n, leader: 0, isUp: true, phase: 'restart' };
    this.election = ctx.delay(cfg.electionTimeout, ctx.streams.stream(`${group.path}:election`), `${group.path}.ha.electionTimeout`);
    this.instant = cfg.electionTimeout.mean === 0;
    this.links = cfg.links;
    this.quorumDevice = cfg.quorumDevice;
  }

  instanceChanged(i: number, isUp: boolean): void {
    const s = this.state;
    s.up[i] = isUp;
    s.upCount += isUp ? 1 : -1;
    this.settle();
  }

  /** A link (`partition.links`) went down or came back: the sides changed. */
  onGroupsChanged(): void {
    if (this.links !== null) this.settle();
  }

  /** After a change: quorum lost (no leader, no election), the leader lost (an election), or quorum back without a leader (an election). */
  private settle(): void {
    const s = this.state;
    const serving = this.serving();
    if (serving.votes < this.group.k) {
      s.leader = -1;
      this.ctx.timers.disarm(ELECTION);
    } else if (s.leader >= 0 && !this.member(s.leader, serving.side)) {
      s.leader = -1;
      this.startElection();
    } else if (s.leader < 0 && !this.ctx.timers.armed(ELECTION)) {
      this.startElection();
    }
    this.update();
  }

  /**
   * The serving side and its votes: its members up, plus the quorum device's on the
   * connected side while a member is up there. Side -1 is the connected one, else the
   * component of a down link (see the top); without partitions, every member up on side -1.
   */
  private serving(): { side: number; votes: number } {
    const links = this.links;
    if (links === null) return { side: -1, votes: this.state.upCount };
    let cut = false;
    for (let j = 0; j < links.length && !cut; j++) cut = links[j] >= 0 && !this.ctx.componentUp(links[j]);
    let best = { side: -1, votes: -1 };
    // Sides in order: the connected one, then each down element by index (the tie-break);
    // with every link up (the usual case) only the connected one, built without allocating.
    const sides = cut ? [-1, ...new Set(links.filter((c) => c >= 0 && !this.ctx.componentUp(c)))].sort((a, b) => a - b) : CONNECTED_ONLY;
    for (const side of sides) {
      let n = 0;
      for (let j = 0; j < links.length; j++) if (this.member(j, side)) n++;
      if (n > 0 && side === -1 && this.quorumDevice) n++;
      if (n > best.votes) best = { side, votes: n };
    }
    return best;
  }

  /** The side member j is on: -1 connected, else its link's component. */
  private sideOf(j: number): number {
    const c = this.links === null ? -1 : this.links[j];
    return c >= 0 && !this.ctx.componentUp(c) ? c : -1;
  }

  /** True when member j is up and on `side`. */
  private member(j: number, side: number): boolean {
    return this.state.up[j] && this.sideOf(j) === side;
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
    if (this.links === null) this.state.leader = this.ctx.first(up.length, (j) => up[j]);
    else {
      const side = this.serving().side;
      this.state.leader = this.ctx.first(up.length, (j) => this.member(j, side));
    }
  }

  private update(): void {
    const s = this.state;
    const quorum = this.serving().votes >= this.group.k;
    const up = s.leader >= 0 && quorum;
    const phase = quorum ? 'failover' : 'restart';
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
  reads: (group) => (group.ha.mechanism === 'quorum' && group.ha.links !== null ? [...new Set(group.ha.links.filter((c) => c >= 0))] : []),
};
