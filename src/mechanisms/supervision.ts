/**
 * Process supervision and restart (systemd, a VNF manager's process monitor, kubelet
 * for a container). An announced crash of an instance's application is handled by its
 * supervisor instead of the component's own repair:
 *   1. restart in place: `restart` time; it works with probability `success`;
 *   2. otherwise, or when the crash comes within `window` after `maxRestarts` earlier
 *      crashes of the same instance (a crash loop), reboot the VM: `reboot` time; it
 *      works with probability `rebootSuccess`;
 *   3. otherwise rebuild the instance from its image: `rebuild` time (always works).
 * The repair time is the sum of the steps taken. Silent hangs are invisible to a
 * process supervisor: they keep the component's own repair.
 * Mean repair of a crash without crash loops: restart + (1 - success) (reboot +
 * (1 - rebootSuccess) rebuild).
 */
import type { RandomStream } from '../engine/rng.js';
import type { SupervisionModel } from '../model/build.js';
import type { Controller, ControllerFactory, CounterName, Delay, RepairPlan, SystemControl } from './types.js';

/** Decides the repair of one instance's application crashes. */
export class Supervisor {
  /** Times (seconds) of the recent crashes, oldest first (kept only with a crash-loop window). */
  private readonly crashes: number[] = [];
  private readonly restart: Delay;
  private readonly reboot: Delay;
  private readonly rebuild: Delay;

  constructor(
    private readonly cfg: SupervisionModel,
    private readonly rng: RandomStream,
    private readonly count: (c: CounterName) => void,
    /** The clock, read only with a crash-loop window. */
    private readonly clock: { readonly now: number },
    ctl: Pick<SystemControl, 'delay'>,
    /** Where its function is in the topology, e.g. `vnfs.f`. */
    where: string,
  ) {
    this.restart = ctl.delay(cfg.restart, rng, `${where}.supervision.restart`);
    this.reboot = ctl.delay(cfg.reboot, rng, `${where}.supervision.reboot`);
    this.rebuild = ctl.delay(cfg.rebuild, rng, `${where}.supervision.rebuild`);
  }

  /** Lays out the repair of a crash now on `plan` (true), or leaves a silent hang to the component's own repair (false). */
  repair(announced: boolean, plan: RepairPlan): boolean {
    if (!announced) return false;
    const c = this.cfg;
    let crashLoop = false;
    if (c.window !== Infinity) {
      const now = this.clock.now;
      const recent = this.crashes;
      while (recent.length > 0 && now - recent[0] > c.window) recent.shift();
      crashLoop = recent.length >= c.maxRestarts;
      recent.push(now);
      if (recent.length > c.maxRestarts + 1) recent.shift();
    }
    if (!crashLoop) {
      this.count('restarts');
      plan.step(this.restart);
      if (plan.endsHere(this.rng, c.success)) return true;
    }
    this.count('reboots');
    plan.step(this.reboot);
    if (plan.endsHere(this.rng, c.rebootSuccess)) return true;
    this.count('rebuilds');
    plan.step(this.rebuild);
    return true;
  }
}

/**
 * The supervision controller: every instance of a function with `supervision` gets a
 * Supervisor (stream `<instance path>:supervision`) that takes over the repair of its
 * application's crashes.
 */
export const supervision: ControllerFactory = {
  name: 'supervision',
  description: 'process supervision: restart in place, escalating to a VM reboot and a rebuild',
  attach(model, ctl) {
    const out: Controller[] = [];
    // A plain loop over the functions: run at every replication, and `forEach` took V8's slow path on the model's arrays when they were frozen.
    for (let g = 0; g < model.functions.length; g++) {
      const f = model.functions[g];
      const cfg = f.supervision;
      if (!cfg) continue;
      f.instances.forEach((inst, i) => {
        const sup = new Supervisor(cfg, ctl.streams.stream(`${inst.path}:supervision`), (c) => ctl.count(g, c), ctl.scheduler, ctl, f.path);
        ctl.takeRepair(g, i, (announced, plan) => sup.repair(announced, plan));
        out.push(sup as Controller);
      });
    }
    return out;
  },
  unanalyzable: (model) =>
    model.functions
      .filter((f) => f.supervision && f.supervision.window !== Infinity)
      .map((f) => `${f.path}.supervision.window: a crash-loop window makes repairs depend on the crash history, which a Markov chain cannot hold; remove 'window'`),
};
