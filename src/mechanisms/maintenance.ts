/**
 * Planned host maintenance, rolling: each host of a plan in turn is put in maintenance
 * mode, drained, taken down for the work and brought back.
 *
 * Semantics (times in seconds):
 * - Due times: host p (0-based, plan order) of round r is due at
 *   `start + r * every + p * spacing`. Hosts are maintained one at a time: a host due
 *   while another of the plan is in maintenance waits for it (FIFO); a host due again
 *   while it still waits keeps one place in the queue.
 * - A host that is not up (hardware to hypervisor) when its turn comes skips this
 *   window (it is being repaired anyway). From its turn until its window ends the host
 *   is in maintenance mode: no migration or evacuation may choose it as a target.
 * - Drain (`drain: migrate`): the control-plane service `vim`, if named, must be up;
 *   the window waits for it (and ends if the host fails meanwhile: a VIM does not
 *   migrate off a dead host). Then every instance on the host leaves it:
 *   - live (its function's `migration.live`, and the instance up): it queues for one of
 *     the function's `maxConcurrent` migration slots (shared by every plan: see
 *     MigrationSlots), keeps running through the pre-copy `time`, then switches to a
 *     target host (up, free slot, not in maintenance, the function's placement policy
 *     kept, the least loaded first). The switch stuns it for a `blackout`: longer than
 *     `tolerance`, the instance is down for the whole blackout (planned downtime, cause
 *     `live-migration/<function>`; its HA mechanism sees a clean stop); otherwise
 *     nobody notices. Without a target it stays. If the host fails during the
 *     pre-copy, the migration is dropped.
 *   - cold (otherwise, with `coldMigration` given): a target is chosen the same way and
 *     the instance's VM (or pod, or process) is shut down at once and booted there
 *     after `coldMigration`; then its application restarts (its restart time). Without
 *     a target it stays.
 *   Instances that stay go down with the host and restart when it returns (the VIM's
 *   evacuation does not treat a host in maintenance as failed).
 * - When no migration is in flight, the host's hardware is taken down for `duration`
 *   (cause `maintenance/<plan>`); it then boots with its own restart time and the
 *   layers above restart. If the host failed during the drain, the window ends there.
 * - The window ends (and the next host may start) once the host is up again and every
 *   instance on it is up: redundancy is restored before the next host goes. Instances
 *   are not moved back.
 * - Random streams: `maintenance.<plan>:duration`, `maintenance.<plan>:cold`, and per
 *   function `<function path>:migration` (shared by every plan).
 */
import type { EventHandler } from '../engine/scheduler.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { MaintenanceModel, SystemModel } from '../model/build.js';
import type { Controller, ControllerFactory, PlannedControl } from './types.js';

/**
 * Live-migration slots of every function, shared by all maintenance plans of a
 * replication: at most `maxConcurrent` migrations of one function's instances run at
 * once, whichever plan started them; the others wait in FIFO order.
 */
export class MigrationSlots {
  private readonly active: number[];
  private readonly waiting: Array<Array<() => void>>;
  private readonly streams: Array<RandomStream | null>;
  constructor(
    private readonly model: SystemModel,
    private readonly factory: StreamFactory,
  ) {
    this.active = model.functions.map(() => 0);
    this.waiting = model.functions.map(() => []);
    this.streams = model.functions.map(() => null);
  }
  /** Function g's migration stream (pre-copy times, blackouts), one for every plan. */
  stream(g: number): RandomStream {
    return (this.streams[g] ??= this.factory.stream(`${this.model.functions[g].path}:migration`));
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
  private readonly durationRng: RandomStream;
  private readonly coldRng: RandomStream;
  /** Per function and instance: the token of its blackout (a planned stop), for its end. */
  private readonly blackoutToken: number[][];
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
  private hostToken = 0;
  /** The work is over: waiting for the host and its instances to be up before the next host. */
  private returning = false;
  private waitingForVim = false;

  constructor(
    private readonly plan: MaintenanceModel,
    private readonly model: SystemModel,
    private readonly ctl: PlannedControl,
    streams: StreamFactory,
    private readonly slots: MigrationSlots,
  ) {
    this.durationRng = streams.stream(`maintenance.${plan.name}:duration`);
    this.coldRng = streams.stream(`maintenance.${plan.name}:cold`);
    const fs = model.functions;
    this.blackoutToken = fs.map((f) => f.instances.map(() => 0));
    this.liveCause = fs.map((f) => model.plannedCauses.indexOf(`live-migration/${f.name}`));
    if (plan.vim >= 0) ctl.onServiceUp(plan.vim, () => this.vimUp());
    const check = () => this.checkReturned();
    for (const h of plan.hosts) ctl.watchHost(h, check);
    fs.forEach((_, g) => ctl.watchGroup(g, check));
  }

  /** Schedules the first due time. */
  start(): void {
    if (this.plan.hosts.length > 0) this.ctl.scheduler.schedule(this.plan.start, this, DUE, 0);
  }

  handle(kind: number, arg: number): void {
    // Migration events carry (function, instance) packed by `pack`.
    const g = Math.floor(arg / 16384);
    const i = arg % 16384;
    if (kind === DUE) this.due();
    else if (kind === PRECOPY_DONE) this.switchOver(g, i);
    else if (kind === BLACKOUT_END) this.ctl.instanceBack(g, i, this.blackoutToken[g][i]);
    else this.workDone();
  }

  /** A host is due: queue it, schedule the next due time, start if idle. */
  private due(): void {
    const plan = this.plan;
    const h = plan.hosts[this.position];
    if (!this.queue.includes(h)) this.queue.push(h);
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
      this.ctl.setMaintenance(h, true);
      this.drain();
    }
  }

  /** Ends the current window (the host is back, or the window was given up) and starts the next. */
  private endWindow(): void {
    this.ctl.setMaintenance(this.current, false);
    this.current = -1;
    this.returning = false;
    this.waitingForVim = false;
    this.begin();
  }

  /** After the work: the window ends once the host and every instance on it are up again. */
  private checkReturned(): void {
    if (!this.returning) return;
    const { ctl } = this;
    const h = this.current;
    if (!ctl.hostReady(h)) return;
    for (const [g, i] of ctl.instancesOn(h)) if (!ctl.instanceUp(g, i)) return;
    this.endWindow();
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
    if (!ctl.hostReady(h)) {
      // It failed while the window waited for the VIM: no drain off a dead host.
      this.endWindow();
      return;
    }
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

  private startLive(g: number, i: number): void {
    const t = this.model.functions[g].migration!.time.sample(this.slots.stream(g));
    this.ctl.scheduler.schedule(t, this, PRECOPY_DONE, pack(g, i));
  }

  /** The pre-copy of instance i of function g is done: switch it over, or leave it. */
  private switchOver(g: number, i: number): void {
    const ctl = this.ctl;
    const mig = this.model.functions[g].migration!;
    this.draining--;
    // Only off a host that is still up: if it failed during the pre-copy, the migration is dropped.
    if (ctl.hostOf(g, i) === this.current && ctl.hostReady(this.current)) {
      if (!ctl.instanceUp(g, i)) this.cold(g, i);
      else {
        const target = ctl.pickHost(g, i);
        if (target >= 0) {
          const blackout = mig.blackout.sample(this.slots.stream(g));
          // Up: the move only relinks it to the target host.
          ctl.move(g, i, target, 0);
          ctl.count(g, 'liveMigrations');
          if (blackout > mig.tolerance) {
            ctl.count(g, 'migrationOutages');
            this.blackoutToken[g][i] = ctl.instanceDown(g, i, this.liveCause[g]);
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
    ctl.move(g, i, target, plan.coldMigration.sample(this.coldRng));
    ctl.count(g, 'coldMigrations');
  }

  /** Once drained, takes the current host down for the work (or ends the window if it failed meanwhile). */
  private takeDown(): void {
    const h = this.current;
    if (h < 0 || this.draining > 0 || this.hostIsDown || this.returning || this.waitingForVim) return;
    if (!this.ctl.hostReady(h)) {
      this.endWindow();
      return;
    }
    this.hostIsDown = true;
    this.hostToken = this.ctl.hostDown(h, this.plan.cause);
    this.ctl.scheduler.schedule(this.plan.duration.sample(this.durationRng), this, WORK_DONE, 0);
  }

  private workDone(): void {
    this.ctl.hostBack(this.current, this.hostToken);
    this.hostIsDown = false;
    this.returning = true;
    this.checkReturned();
  }
}

/** The maintenance controller: one MaintenanceController per plan, sharing one set of MigrationSlots. */
export const maintenance: ControllerFactory = {
  name: 'maintenance',
  description: 'rolling host maintenance windows, draining hosts by live or cold migration',
  unanalyzable: (model) =>
    model.maintenance.map((p) => `maintenance.${p.name}: scheduled maintenance windows follow a calendar, which a time-homogeneous Markov chain cannot hold; remove it to analyze the rest`),
  attach(model, ctl) {
    // A plain loop (see the upgrade controller's attach).
    const out: Controller[] = [];
    if (model.maintenance.length === 0) return out;
    const slots = new MigrationSlots(model, ctl.streams);
    for (let i = 0; i < model.maintenance.length; i++) out.push(new MaintenanceController(model.maintenance[i], model, ctl, ctl.streams, slots));
    return out;
  },
};
