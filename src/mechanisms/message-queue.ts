/**
 * Message queue with competing consumers (nova-scheduler, nova-conductor, cinder-volume,
 * heat-engine...). Redundant workers take work from a queue; a failed worker simply
 * stops taking work. The group is up while its broker (another group, itself A/P or
 * clustered; enforced by the simulation as a dependency) and at least k workers (default
 * 1) are up; it serves the share of workers up (m defaults to n).
 */
import { kOfN } from './k-of-n.js';
import type { GroupMechanismFactory } from './types.js';

/** Competing consumers on a broker. */
export const messageQueue: GroupMechanismFactory = {
  name: 'message-queue',
  description: 'competing consumers: up while the broker and at least k workers are up; capacity is the share of workers up',
  example: { ha: { mechanism: 'message-queue', broker: 'aux' } },
  shape: kOfN.shape,
  create: (group, ctx, out) => kOfN.create(group, ctx, out),
};
