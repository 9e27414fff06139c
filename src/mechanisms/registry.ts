/**
 * The registry of group mechanisms: one line per mechanism. A topology names a
 * mechanism in `ha.mechanism`; the shared contract tests run every entry.
 */
import { activeActive } from './active-active.js';
import { activePassive } from './active-passive.js';
import { kOfN } from './k-of-n.js';
import { messageQueue } from './message-queue.js';
import { quorum } from './quorum.js';
import { lease } from './lease.js';
import { evacuation } from './evacuation.js';
import { maintenance } from './maintenance.js';
import { supervision } from './supervision.js';
import { upgrades } from './upgrade.js';
import { recovery } from './recovery.js';
import type { ControllerFactory, GroupMechanismFactory } from './types.js';

/** Every group mechanism by name. */
export const MECHANISMS: Readonly<Record<string, GroupMechanismFactory>> = {
  'k-of-n': kOfN,
  'active-passive': activePassive,
  'active-active': activeActive,
  quorum,
  'message-queue': messageQueue,
  lease,
};

/**
 * Every controller kind, one line each, in the order the simulation attaches them at
 * the start of a replication (hooks on the same event run in this order) and starts
 * them at time 0.
 */
export const CONTROLLERS: readonly ControllerFactory[] = [supervision, recovery, evacuation, maintenance, upgrades];
