/**
 * The registry of group mechanisms: one line per mechanism. A topology names a
 * mechanism in `ha.mechanism`; the shared contract tests run every entry.
 */
import { activeActive } from './active-active.js';
import { activePassive } from './active-passive.js';
import { kOfN } from './k-of-n.js';
import { messageQueue } from './message-queue.js';
import { quorum } from './quorum.js';
import type { GroupMechanismFactory } from './types.js';

/** Every group mechanism by name. */
export const MECHANISMS: Readonly<Record<string, GroupMechanismFactory>> = {
  'k-of-n': kOfN,
  'active-passive': activePassive,
  'active-active': activeActive,
  quorum,
  'message-queue': messageQueue,
};
