/**
 * Detection-driven recovery: the fault-management chain that turns a detection into a
 * recovery (guest heartbeat or kubelet probe -> Doctor / controller-manager -> VNF manager
 * or VIM -> restart, reboot, rebuild). A function's `recovery` takes over the repair of
 * its instances' own failures (instead of the component's own repair and crew):
 *   1. detection: the detector's delay for the failure (see heartbeat.ts: missed beats,
 *      the first answered challenge for an unhealthy application, the announcement of a
 *      crash). With `registration`, the beats monitor the application only once it has
 *      registered, a registration time after it last came up (after a failure, or after
 *      a planned stop: a voluntary Exit stops monitoring without any detection); a failure
 *      before then is seen by the detector's other paths only. The registration time is
 *      drawn at the failure (one draw per up period: the same law as drawing it at the
 *      start; analysis holds an exponential registration time as a phase of the
 *      application: SystemControl.upLongerThan). When the detector does not see the failure, an operator
 *      notices it after `undetected` (a failure nothing sees and no `undetected` covers
 *      is refused when the topology is loaded). Without any detector an announced crash
 *      is reported at once by the layer below it (which is up: the crash is its own);
 *   2. notification: the path from the detection to the manager that acts; with
 *      `managers` (services: Doctor, the VNF manager...) it needs them all up, waiting
 *      (and pausing) while one is down, or, with `onManagerDown: lost`, a notification
 *      that finds one down is lost and an operator notices the failure after
 *      `undetected` (counted: `lostNotifications`);
 *   3. the actions of the ladder in order, each taking its time and working with its
 *      probability, until one works; the last that applies always works. A failure of
 *      the VM or pod skips `restart` (a process restart cannot fix its VM). `evacuate`
 *      moves the instance as it starts to another host chosen as evacuation does (up, a
 *      free slot, the placement policy kept; it stays when none can take it) and
 *      re-creates it there during its time.
 * The downtime of the failed component is the sum of the steps; what runs above it
 * restarts as usual when it is back. The application's failures are taken over always;
 * the VM's (or pod's) when the ladder has a reboot or a rebuild. An action that `needs`
 * control-plane services (the VIM's API and compute services, the Kubernetes API)
 * progresses only while all of them are up: when one goes down it pauses and resumes
 * with its remaining time (or, with `onControlPlaneLoss: restart`, starts again) when
 * they are back; the data plane keeps running meanwhile. Each wait counts a
 * second-order outage.
 * Streams: `<instance path>:recovery` (notification, actions, chances) and the detector's
 * `<instance path>:recovery:detect`.
 * Phases of the outage it causes (when the group waits for the instance): `detection`
 * (the detector's or the operator's), `notification`, `restart` (the actions), and
 * `waiting` while a step waits for a manager or a control-plane service it needs.
 * Counters: `recoveries` (each taken-over failure), `undetectedFailures` (those only an
 * operator noticed), `restarts`, `reboots`, `rebuilds` (each action tried),
 * `escalations` (an action that did not work, so the next was tried),
 * `controlPlaneWaits` (steps that waited for a service, once per step),
 * `lostNotifications`, `secondOrderOutages` (each wait).
 */
import type { RandomStream } from '../engine/rng.js';
import type { FunctionModel, RecoveryModel } from '../model/build.js';
import { LAYERS } from '../model/schema.js';
import { Detector } from './heartbeat.js';
import type { Controller, ControllerFactory, CounterName, Delay, RepairPlan, SystemControl } from './types.js';

const VM = LAYERS.indexOf('vm');

/** The counter of each action. */
const ACTION_COUNTER: Readonly<Record<RecoveryModel['actions'][number]['action'], CounterName>> = { restart: 'restarts', reboot: 'reboots', rebuild: 'rebuilds', evacuate: 'evacuations' };

/** The recovery chain of one instance. */
class Recoverer {
  private readonly detector: Detector | null;
  private readonly notification: Delay;
  private readonly undetected: Delay | null;
  /** The ladder, with each action's counter and whether it evacuates looked up once (not by name at each failure). */
  private readonly actions: ReadonlyArray<{ readonly action: RecoveryModel['actions'][number]['action']; readonly counter: CounterName; readonly evacuate: boolean; readonly time: Delay; readonly success: number; readonly needs: readonly number[] }>;
  /** The ladder for a failure of the VM or pod: without `restart`. */
  private readonly vmActions: Recoverer['actions'];
  private readonly restartOnLoss: boolean;
  private readonly managers: readonly number[];
  private readonly lostWhenManagerDown: boolean;
  private readonly rng: RandomStream;
  /** Whether the application has registered (been up longer than a registration time), or null without `registration`. */
  private readonly registered: (() => boolean) | null;

  constructor(
    f: FunctionModel,
    cfg: RecoveryModel,
    instancePath: string,
    ctl: Pick<SystemControl, 'delay' | 'streams' | 'scheduler' | 'upLongerThan'>,
    private readonly count: (c: CounterName) => void,
    /** Moves the instance to another host if one can take it (an `evacuate` action starting). */
    private readonly evacuate: () => void,
    /** Its function and instance indices. */
    g: number,
    i: number,
  ) {
    const where = `${f.path}.recovery`;
    const rng = (this.rng = ctl.streams.stream(`${instancePath}:recovery`));
    // Frozen: it never changes (a copy of a running simulation skips it).
    const ctx = Object.freeze({ streams: ctl.streams, delay: ctl.delay, get now() { return ctl.scheduler.now; } });
    this.detector = cfg.detector ? Detector.at(cfg.detector, ctx, `${instancePath}:recovery`, `${where}.detector`, { spurious: false }) : null;
    this.notification = ctl.delay(cfg.notification, rng, `${where}.notification`);
    this.undetected = cfg.undetected ? ctl.delay(cfg.undetected, rng, `${where}.undetected`) : null;
    this.registered = cfg.registration ? ctl.upLongerThan(g, i, ctl.delay(cfg.registration, rng, `${where}.registration`)) : null;
    this.actions = cfg.actions.map((a, j) => ({ action: a.action, counter: ACTION_COUNTER[a.action], evacuate: a.action === 'evacuate', time: ctl.delay(a.time, rng, `${where}.actions.${j}.time`), success: a.success, needs: a.needs }));
    this.vmActions = this.actions.filter((a) => a.action !== 'restart');
    this.restartOnLoss = cfg.restartOnLoss;
    this.managers = cfg.managers;
    this.lostWhenManagerDown = cfg.lostWhenManagerDown;
  }

  /**
   * Lays out the recovery of an own failure at `layer` (announced or silent; `unhealthy`:
   * answered "not healthy") on `plan`.
   */
  repair(layer: number, announced: boolean, unhealthy: boolean, plan: RepairPlan): boolean {
    this.count('recoveries');
    const cause = { layer, announced, unhealthy };
    const registered = this.registered === null || this.registered();
    const seen = this.detector !== null ? this.detector.detection(cause, registered) : null;
    plan.phase('detection');
    if (seen !== null && seen.paths.length > 0) plan.step(seen);
    else if (!(this.detector === null && announced)) {
      // Nothing sees it: an operator notices it (the loader made sure `undetected` is set).
      this.count('undetectedFailures');
      plan.step(this.undetected!);
    }
    plan.phase('notification');
    if (this.managers.length > 0) plan.step(this.notification, this.managers, false, this.lostWhenManagerDown ? this.undetected! : undefined);
    else plan.step(this.notification);
    const ladder = layer <= VM ? this.vmActions : this.actions;
    plan.phase('restart');
    for (let k = 0; k < ladder.length; k++) {
      const a = ladder[k];
      this.count(a.counter);
      // Moved as the action starts; re-created there during its time.
      if (a.evacuate) plan.then(this.evacuate);
      if (a.needs.length > 0) plan.step(a.time, a.needs, this.restartOnLoss);
      else plan.step(a.time);
      if (k === ladder.length - 1 || plan.endsHere(this.rng, a.success)) return true;
      this.count('escalations');
    }
    return true;
  }
}

/**
 * The recovery controller: every instance of a function with `recovery` gets a
 * Recoverer that takes over the repair of its application's failures (and its VM's, when
 * the ladder can fix a VM).
 */
export const recovery: ControllerFactory = {
  name: 'recovery',
  description: 'detection-driven recovery: detector or operator, notification, then restart / reboot / rebuild until one works',
  attach(model, ctl) {
    const out: Controller[] = [];
    // A plain loop over the functions: run at every replication, and `forEach` took V8's slow path on the model's arrays when they were frozen.
    for (let g = 0; g < model.functions.length; g++) {
      const f = model.functions[g];
      const cfg = f.recovery;
      if (!cfg) continue;
      f.instances.forEach((inst, i) => {
        const evacuate = () => {
          const h = ctl.pickHost(g, i);
          if (h >= 0) ctl.move(g, i, h, 0);
        };
        const r = new Recoverer(f, cfg, inst.path, ctl, (c) => ctl.count(g, c), evacuate, g, i);
        out.push(r as Controller);
        const top = model.components[inst.top];
        const appLayer = LAYERS.indexOf(top.layer);
        ctl.takeRepair(g, i, (announced, plan, mode) => r.repair(appLayer, announced, top.modes[mode].unhealthy, plan));
        if (cfg.base && inst.base !== inst.top) {
          const vm = model.components[inst.base];
          const vmLayer = LAYERS.indexOf(vm.layer);
          ctl.takeRepair(g, i, (announced, plan, mode) => r.repair(vmLayer, announced, vm.modes[mode].unhealthy, plan), 'base');
        }
      });
    }
    return out;
  },
  unanalyzable: (model) =>
    model.functions.flatMap((f) => {
      const r = f.recovery;
      if (!r) return [];
      const out: string[] = [];
      r.actions.forEach((a, j) => {
        if (a.action === 'evacuate') out.push(`${f.path}.recovery.actions.${j}: an evacuation moves the instance to another host, which analyze does not model; use 'rebuild' to analyze the rest`);
      });
      return out;
    }),
  couplings(model) {
    const out: Array<[number, number]> = [];
    for (const f of model.functions) {
      if (!f.recovery) continue;
      const needs = [...new Set([...f.recovery.managers, ...f.recovery.actions.flatMap((a) => a.needs)])];
      for (const inst of f.instances) {
        for (const s of needs) {
          out.push([inst.top, s]);
          if (f.recovery.base && inst.base !== inst.top) out.push([inst.base, s]);
        }
      }
    }
    return out;
  },
};
