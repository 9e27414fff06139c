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
import type { ControllerFactory, CounterName } from './types.js';

/** Decides the repair time of one instance's application crashes. */
export class Supervisor {
  /** Times (seconds) of the recent crashes, oldest first. */
  private readonly crashes: number[] = [];

  constructor(
    private readonly cfg: SupervisionModel,
    private readonly rng: RandomStream,
    private readonly count: (c: CounterName) => void,
  ) {}

  /** Repair time (seconds) of a crash now, or NaN when the supervisor does not handle it (a silent hang). */
  repairTime(now: number, announced: boolean): number {
    if (!announced) return NaN;
    const c = this.cfg;
    const recent = this.crashes;
    while (recent.length > 0 && now - recent[0] > c.window) recent.shift();
    const crashLoop = recent.length >= c.maxRestarts && c.window !== Infinity;
    recent.push(now);
    if (recent.length > c.maxRestarts + 1) recent.shift();
    let t = 0;
    if (!crashLoop) {
      this.count('restarts');
      t += c.restart.sample(this.rng);
      if (this.rng.next() < c.success) return t;
    }
    this.count('reboots');
    t += c.reboot.sample(this.rng);
    if (this.rng.next() < c.rebootSuccess) return t;
    this.count('rebuilds');
    return t + c.rebuild.sample(this.rng);
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
    model.functions.forEach((f, g) => {
      const cfg = f.supervision;
      if (!cfg) return;
      f.instances.forEach((inst, i) => {
        const sup = new Supervisor(cfg, ctl.streams.stream(`${inst.path}:supervision`), (c) => ctl.count(g, c));
        ctl.takeRepair(g, i, (announced) => sup.repairTime(ctl.scheduler.now, announced));
      });
    });
    return [];
  },
};
