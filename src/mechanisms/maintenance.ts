/**
 * Planned host maintenance, rolling: each host of a plan in turn is put in maintenance
 * mode, drained, taken down for the work and brought back.
 *
 * Semantics (times in seconds):
 * - Due times: host p (0-based, plan order) of round r is due at
 *   `start + r * every + p * spacing`. Hosts are maintained one at a time: a host due
 *   while another of the plan is in maintenance waits for it (FIFO).
 * - A host that is not up (hardware to hypervisor) when its turn comes skips this
 *   window (it is being repaired anyway).
 * - Drain (`drain: migrate`): the control-plane service `vim`, if named, must be up;
 *   the window waits for it. Then every instance on the host leaves it:
 *   - live (its function's `migration.live`, and the instance up): it queues for one of
 *     the function's `maxConcurrent` migration slots, keeps running through the
 *     pre-copy `time` (slots shared by every plan: see MigrationSlots), then switches to a target host (up, free slot, the function's
 *     placement policy kept, the least loaded first). The switch stuns it for a
 *     `blackout`: longer than `tolerance`, the instance is down for the whole blackout
 *     (planned downtime, cause `live-migration/<function>`; its HA mechanism sees an
 *     announced failure); otherwise nobody notices. Without a target it stays.
 *   - cold (otherwise, with `coldMigration` given): a target is chosen the same way and
 *     the instance's VM (or pod, or process) is shut down at once and booted there after
 *     `coldMigration`; then its application restarts (its restart time). Without a
 *     target it stays.
 *   Instances that stay go down with the host and restart when it returns.
 * - When no migration is in flight, the host's hardware is taken down for `duration`
 *   (cause `maintenance/<plan>`); it then boots with its own restart time and the
 *   layers above restart. If the host failed during the drain, the window ends there.
 *   Instances are not moved back.
 */
import type { EventHandler } from '../engine/scheduler.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { MaintenanceModel, SystemModel } from '../model/build.js';
import type { PlacementControl } from './evacuation.js';
import type { CounterName } from './types.js';

/** What planned work may do to the running system. Indices: g = function, i = instance, h = host. */
export interface PlannedControl extends PlacementControl {
  readonly streams: StreamFactory;
  /** True when the host's whole stack (hardware to its top) is up. */
  hostReady(h: number): boolean;
  /** The host instance i of function g runs on now. */
  hostOf(g: number, i: number): number;
  /** The instances on host h now, as [g, i] pairs in function and instance order. */
  instancesOn(h: number): Array<[number, number]>;
  /** True when the instance (its application) is up. */
  instanceUp(g: number, i: number): boolean;
  /** True when the instance's base (its VM, pod or process) is up. */
  baseUp(g: number, i: number): boolean;
  /** Takes the host's hardware down for planned work (it must be ready), attributed to planned slot `cause`. */
  hostDown(h: number, cause: number): void;
  /** The host's planned work is over: it boots (restart time), then the layers above restart. */
  hostBack(h: number): void;
  /** Takes the instance's application down for planned work (it must be up). */
  instanceDown(g: number, i: number, cause: number): void;
  /** The instance's application comes back at once (unless it failed or lost its support meanwhile). */
  instanceBack(g: number, i: number): void;
  /** Shuts the instance's base (VM, pod or process) down for planned work (it must be up); `move` then boots it elsewhere. */
  baseDown(g: number, i: number, cause: number): void;
  /** Calls `fn` after any instance of function g comes up. */
  watchGroup(g: number, fn: () => void): void;
  /** Adds one to function g's counter. */
  count(g: number, c: CounterName): void;
}

/**
 * Live-migration slots of every function, shared by all maintenance plans of a
 * replication: at most `maxConcurrent` migrations of one function's instances run at
 * once, whichever plan started them; the others wait in FIFO order.
 */
export class MigrationSlots {
  private readonly active: number[];
  private readonly waiting: Array<Array<() => void>>;
  constructor(private readonly model: SystemModel) {
    this.active = model.functions.map(() => 0);
    this.waiting = model.functions.map(() => []);
  }
  /** Runs `start` now if function g has a free slot, else when one frees up. */
  request(g: number, start: () => void): void {
    if (this.active[g] < this.model.functions[g].migration!.maxConcurrent) {
      this.active[g]++;
      start();
    } else this.waiting[g].push(start);
  }
  /** A migration of function g ended: its slot goes to the next waiting one, if any. */
  release(g: number): void {
    const next = this.waiting[g].shift();
    if (next !== undefined) next();
    else this.active[g]--;
  }
}

const DUE = 0;
const PRECOPY_DONE = 1;
const BLACKOUT_END = 2;
const WORK_DONE = 3;

/** Packs (g, i) into one event argument (instances per function are at most 10,000). */
const pack = (g: number, i: number) => g * 16384 + i;

/** Runs one maintenance plan in one replication. */
export class MaintenanceController implements EventHandler {
  private readonly rng: RandomStream;
  /** Per function: its migration stream (created when first used). */
  private readonly migrationRng: Array<RandomStream | null>;
  /** The live-migration attribution slot of each function, or -1. */
  private readonly liveCause: number[];
  private readonly queue: number[] = [];
  private round = 0;
  private position = 0;
  /** Host in maintenance (draining or down), or -1. */
  private current = -1;
  /** Live migrations queued or in flight off the current host. */
  private draining = 0;
  private hostIsDown = false;
  private waitingForVim = false;

  constructor(
    private readonly plan: MaintenanceModel,
    private readonly model: SystemModel,
    private readonly ctl: PlannedControl,
    private readonly streams: StreamFactory,
    private readonly slots: MigrationSlots,
  ) {
    this.rng = streams.stream(`maintenance.${plan.name}`);
    const fs = model.functions;
    this.migrationRng = fs.map(() => null);
    this.liveCause = fs.map((f) => model.plannedCauses.indexOf(`live-migration/${f.name}`));
    if (plan.vim >= 0) ctl.onServiceUp(plan.vim, () => this.vimUp());
  }

  /** Schedules the first due time. */
  start(): void {
    if (this.plan.hosts.length > 0) this.ctl.scheduler.schedule(this.plan.start, this, DUE, 0);
  }

  handle(kind: number, arg: number): void {
    if (kind === DUE) this.due();
    else if (kind === PRECOPY_DONE) this.switchOver(Math.floor(arg / 16384), arg % 16384);
    else if (kind === BLACKOUT_END) this.ctl.instanceBack(Math.floor(arg / 16384), arg % 16384);
    else this.workDone();
  }

  /** A host is due: queue it, schedule the next due time, start if idle. */
  private due(): void {
    const plan = this.plan;
    this.queue.push(plan.hosts[this.position]);
    if (++this.position === plan.hosts.length) {
      this.position = 0;
      this.round++;
    }
    const next = plan.start + this.round * plan.every + this.position * plan.spacing;
    this.ctl.scheduler.schedule(Math.max(0, next - this.ctl.scheduler.now), this, DUE, 0);
    this.begin();
  }

  /** Starts the next queued host's window, if none is running. */
  private begin(): void {
    while (this.current < 0 && this.queue.length > 0) {
      const h = this.queue.shift()!;
      if (!this.ctl.hostReady(h)) continue;
      this.current = h;
      this.drain();
    }
  }

  private vimUp(): void {
    if (!this.waitingForVim) return;
    this.waitingForVim = false;
    this.drain();
  }

  /** Moves the instances off the current host (or waits for the VIM), then takes it down. */
  private drain(): void {
    const { plan, ctl } = this;
    const h = this.current;
    if (plan.drain === 'migrate') {
      if (plan.vim >= 0 && !ctl.serviceUp(plan.vim)) {
        this.waitingForVim = true;
        return;
      }
      for (const [g, i] of ctl.instancesOn(h)) {
        const mig = this.model.functions[g].migration;
        if (mig !== null && mig.live && ctl.instanceUp(g, i)) {
          this.draining++;
          this.slots.request(g, () => this.startLive(g, i));
        } else this.cold(g, i);
      }
    }
    this.takeDown();
  }

  private migrationStream(g: number): RandomStream {
    return (this.migrationRng[g] ??= this.streams.stream(`${this.model.functions[g].path}:migration`));
  }

  private startLive(g: number, i: number): void {
    const t = this.model.functions[g].migration!.time.sample(this.migrationStream(g));
    this.ctl.scheduler.schedule(t, this, PRECOPY_DONE, pack(g, i));
  }

  /** The pre-copy of instance i of function g is done: switch it over, or leave it. */
  private switchOver(g: number, i: number): void {
    const ctl = this.ctl;
    const mig = this.model.functions[g].migration!;
    this.draining--;
    if (ctl.hostOf(g, i) === this.current) {
      if (!ctl.instanceUp(g, i)) this.cold(g, i);
      else {
        const target = ctl.pickHost(g, i);
        if (target >= 0) {
          const blackout = mig.blackout.sample(this.migrationStream(g));
          // Up: the move only relinks it to the target host.
          ctl.move(g, i, target, 0);
          ctl.count(g, 'liveMigrations');
          if (blackout > mig.tolerance) {
            ctl.count(g, 'migrationOutages');
            ctl.instanceDown(g, i, this.liveCause[g]);
            ctl.scheduler.schedule(blackout, this, BLACKOUT_END, pack(g, i));
          }
        }
      }
    }
    this.slots.release(g);
    this.takeDown();
  }

  /** Shuts instance i of function g down and boots it on another host (if there is one and a cold-migration time). */
  private cold(g: number, i: number): void {
    const { ctl, plan } = this;
    if (plan.coldMigration === null) return;
    const target = ctl.pickHost(g, i);
    if (target < 0) return;
    if (ctl.baseUp(g, i)) ctl.baseDown(g, i, plan.cause);
    ctl.move(g, i, target, plan.coldMigration.sample(this.rng));
    ctl.count(g, 'coldMigrations');
  }

  /** Once drained, takes the current host down for the work (or ends the window if it failed meanwhile). */
  private takeDown(): void {
    const h = this.current;
    if (h < 0 || this.draining > 0 || this.hostIsDown || this.waitingForVim) return;
    if (!this.ctl.hostReady(h)) {
      this.current = -1;
      this.begin();
      return;
    }
    this.hostIsDown = true;
    this.ctl.hostDown(h, this.plan.cause);
    this.ctl.scheduler.schedule(this.plan.duration.sample(this.rng), this, WORK_DONE, 0);
  }

  private workDone(): void {
    this.ctl.hostBack(this.current);
    this.hostIsDown = false;
    this.current = -1;
    this.begin();
  }
}
