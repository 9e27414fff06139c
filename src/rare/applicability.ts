/**
 * Where the regenerative failure-biasing estimator (src/rare/cycles.ts) applies.
 *
 * It needs a regeneration state: every component up, nothing recovering, every group
 * up at full capacity, and nothing remembered that changes what happens next. That holds
 * when every time to failure is exponential (memoryless clocks) and no part of the model
 * keeps state or clocks of its own while everything is up. The parts that break it are
 * refused, each named with its path in the topology.
 */
import { Exponential } from '../engine/distributions.js';
import type { SystemModel } from '../model/build.js';

/** Thrown when the estimator does not apply to a topology; `blockers` says what blocks it (one line each). */
export class RareEventRefused extends Error {
  constructor(
    readonly file: string,
    readonly blockers: readonly string[],
  ) {
    super(
      `--rare-event does not apply to ${file}: ${blockers.length === 1 ? blockers[0] : `\n  - ${blockers.join('\n  - ')}`}\n` +
        '(failure biasing over regenerative cycles needs exponential times to failure and no state that survives a return to all-up; run without --rare-event)',
    );
    this.name = 'RareEventRefused';
  }
}

/**
 * What keeps `model` from having a regeneration state, one line per part, naming its
 * path; empty when the estimator applies:
 * - a time to failure that is not exponential (its clock remembers its age);
 * - no failure mode at all (nothing to estimate);
 * - a heartbeat with `loss` > 0 (spurious detections happen while everything is up, on
 *   a beat grid whose phase survives);
 * - process supervision with an escalation `window` (it remembers recent crashes);
 * - recovery with a heartbeat `registration` (it depends on the time since each restart);
 * - evacuation and replica sets (instances stay on the host they moved to);
 * - common-cause clocks (`beta`, `common`: not biased, not in the all-up rate);
 * - redundant sets with a standby (`shared` with `of`, k < n: which members are in use
 *   survives a return to all-up);
 * - planned work (maintenance windows and upgrade campaigns run on a calendar, and
 *   migrations move instances).
 */
export function rareEventBlockers(model: SystemModel): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let modes = 0;
  // Common-cause modes are reported once, below (their own clock may be `never`).
  const common = new Set(model.commonCauses.map((cc) => `${cc.type}/${cc.mode}`));
  for (const c of model.components) {
    for (const m of c.modes) {
      modes++;
      const key = `components.${c.type}.failures.${m.name}.ttf`;
      if (!(m.ttf instanceof Exponential) && !common.has(`${c.type}/${m.name}`) && !seen.has(key)) {
        seen.add(key);
        out.push(`${key} is ${m.ttf.describe()}: only exponential times to failure are memoryless`);
      }
    }
  }
  if (modes === 0) out.push('no component has a failure mode: nothing fails');
  for (const f of model.functions) {
    const ha = f.ha;
    if ((ha.mechanism === 'active-passive' || ha.mechanism === 'active-active') && ha.detector.loss > 0 && ha.detector.interval !== Infinity) {
      out.push(`${f.path}.ha.detector.loss is ${ha.detector.loss}: lost beats cause spurious detections while everything is up`);
    }
    if (f.supervision && f.supervision.window !== Infinity) {
      out.push(`${f.path}.supervision.window is set: the supervisor remembers recent crashes across cycles`);
    }
    if (f.recovery && f.recovery.actions.some((a) => a.action === 'evacuate')) {
      out.push(`${f.path}.recovery: an evacuate action leaves the instance on its new host, so all-up is not one state`);
    }
    if (f.recovery && f.recovery.registration) {
      out.push(`${f.path}.recovery.registration is set: whether an instance has registered depends on how long it has been up, which survives a return to all-up`);
    }
    if (f.evacuation) {
      out.push(`${f.path}.${f.evacuation.style}: an evacuated instance stays on its new host, so all-up is not one state`);
    }
  }
  for (const cc of model.commonCauses) {
    out.push(`${cc.path}.${cc.beta !== null ? 'beta' : 'common'}: a common-cause clock fails several components at once, and the estimator does not bias it`);
  }
  // A redundant set keeps which members are in use (no failback): all-up is not one state.
  for (const c of model.components) {
    if (c.redundancy !== undefined && c.redundancy.k < c.redundancy.members.length) out.push(`${c.path}: a redundant set remembers which members are in use, so all-up is not one state`);
  }
  for (const p of model.maintenance) out.push(`maintenance.${p.name}: maintenance windows follow a calendar (and move instances), not a return to all-up`);
  for (const p of model.upgrades) out.push(`upgrades.${p.name}: upgrade campaigns follow a calendar, not a return to all-up`);
  return out;
}
