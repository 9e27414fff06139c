/**
 * Rolling software upgrades of a VNF or VIM service: one instance at a time.
 *
 * Semantics (times in seconds):
 * - Campaigns begin at `start`, then every `every` (one campaign without it). A
 *   campaign due while another runs begins when that one ends.
 * - A campaign upgrades instances 1..n in order. Before each step it waits until every
 *   instance of the group is up (redundancy restored, the rule for scale-in), and after
 *   each step it waits `pause` first.
 * - A step takes the instance's application down for `step` (cause `upgrade/<plan>`; to
 *   the HA mechanism the stop looks like an announced failure), then it is up again at
 *   once. With probability `failure` the step fails: the instance stays down `rollback`
 *   longer and the campaign stops.
 * - If the instance fails or loses its VM or host during a step, it comes back by the
 *   usual rules once the step is over.
 * - Random streams: `upgrades.<plan>:step`, `:failure`, `:rollback`.
 */
import type { EventHandler } from '../engine/scheduler.js';
import type { RandomStream, StreamFactory } from '../engine/rng.js';
import type { SystemModel, UpgradeModel } from '../model/build.js';
import type { Controller, ControllerFactory, PlannedControl } from './types.js';

const CAMPAIGN_DUE = 0;
const STEP_DONE = 1;
const ROLLBACK_DONE = 2;
const PAUSE_DONE = 3;

/** Runs one upgrade plan in one replication. */
export class UpgradeController implements EventHandler {
  private readonly stepRng: RandomStream;
  private readonly failureRng: RandomStream;
  private readonly rollbackRng: RandomStream;
  private readonly n: number;
  /** The token of the current step's planned stop. */
  private token = 0;
  private running = false;
  private due = 0;
  private next = 0;
  private waitingForUp = false;

  constructor(
    private readonly plan: UpgradeModel,
    model: SystemModel,
    private readonly ctl: PlannedControl,
    streams: StreamFactory,
  ) {
    this.stepRng = streams.stream(`upgrades.${plan.name}:step`);
    this.failureRng = streams.stream(`upgrades.${plan.name}:failure`);
    this.rollbackRng = streams.stream(`upgrades.${plan.name}:rollback`);
    this.n = model.functions[plan.target].n;
    ctl.watchGroup(plan.target, () => this.instanceUp());
  }

  /** Schedules the first campaign. */
  start(): void {
    this.ctl.scheduler.schedule(this.plan.start, this, CAMPAIGN_DUE, 0);
  }

  handle(kind: number, arg: number): void {
    if (kind === CAMPAIGN_DUE) {
      if (Number.isFinite(this.plan.every)) this.ctl.scheduler.schedule(this.plan.every, this, CAMPAIGN_DUE, 0);
      this.due++;
      if (!this.running) this.begin();
    } else if (kind === STEP_DONE) this.stepDone(arg);
    else if (kind === ROLLBACK_DONE) {
      this.ctl.instanceBack(this.plan.target, arg, this.token);
      this.end();
    } else this.tryStep();
  }

  private begin(): void {
    this.due--;
    this.running = true;
    this.next = 0;
    this.tryStep();
  }

  private end(): void {
    this.running = false;
    if (this.due > 0) this.begin();
  }

  private allUp(): boolean {
    for (let i = 0; i < this.n; i++) if (!this.ctl.instanceUp(this.plan.target, i)) return false;
    return true;
  }

  private instanceUp(): void {
    if (this.waitingForUp && this.allUp()) {
      this.waitingForUp = false;
      this.tryStep();
    }
  }

  /** Upgrades the next instance once every instance is up. */
  private tryStep(): void {
    if (!this.allUp()) {
      this.waitingForUp = true;
      return;
    }
    const { ctl, plan } = this;
    const i = this.next++;
    ctl.count(plan.target, 'upgradeSteps');
    this.token = ctl.instanceDown(plan.target, i, plan.cause);
    ctl.scheduler.schedule(plan.step.sample(this.stepRng), this, STEP_DONE, i);
  }

  private stepDone(i: number): void {
    const { ctl, plan } = this;
    if (plan.failure > 0 && this.failureRng.next() < plan.failure) {
      ctl.count(plan.target, 'failedUpgradeSteps');
      ctl.scheduler.schedule(plan.rollback!.sample(this.rollbackRng), this, ROLLBACK_DONE, i);
      return;
    }
    ctl.instanceBack(plan.target, i, this.token);
    if (this.next >= this.n) this.end();
    else ctl.scheduler.schedule(plan.pause, this, PAUSE_DONE, 0);
  }
}

/** The upgrade controller: one UpgradeController per campaign plan. */
export const upgrades: ControllerFactory = {
  name: 'upgrades',
  description: 'rolling software upgrades, one instance at a time, with failed steps rolled back',
  unanalyzable: (model) =>
    model.upgrades.map((p) => `upgrades.${p.name}: scheduled upgrade campaigns follow a calendar, which a time-homogeneous Markov chain cannot hold; remove it to analyze the rest`),
  attach(model, ctl) {
    // A plain loop, as the other controllers: run at every replication, and an array made
    // by `map` changed its shape once `reset` was compiled (V8 threw that code away).
    const out: Controller[] = [];
    for (let i = 0; i < model.upgrades.length; i++) out.push(new UpgradeController(model.upgrades[i], model, ctl, ctl.streams));
    return out;
  },
};
