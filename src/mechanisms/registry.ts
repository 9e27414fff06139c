/**
 * The registry of group mechanisms: one line per mechanism. A topology names a
 * mechanism by its key; the shared contract tests run every entry.
 */
import { kOfN } from './k-of-n.js';
import type { GroupMechanismFactory } from './types.js';

/** Every group mechanism by name. */
export const MECHANISMS: Readonly<Record<string, GroupMechanismFactory>> = {
  'k-of-n': kOfN,
};

/** The mechanism used for groups that configure none. */
export const DEFAULT_MECHANISM = 'k-of-n';
