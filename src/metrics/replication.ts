/**
 * What one replication produces, and how its arrays are indexed: the result record, the
 * mechanism counters, and the attribution slots of outage causes (the stack's layers,
 * then planned work, then spurious detections). The simulation fills these in; the
 * estimators (summary.ts) and reports read them. A leaf of the metrics layer, so that
 * neither the simulation nor the estimators import the other's modules for them.
 */
import { LAYERS } from '../model/schema.js';
import type { ServiceReplication } from './recorder.js';

/** The counters a mechanism can increment, per group. */
export const COUNTERS = [
  'detections',
  'failovers',
  'failedFailovers',
  'spuriousFailovers',
  'splitBrains',
  'elections',
  'restarts',
  'reboots',
  'rebuilds',
  'evacuations',
  'secondOrderOutages',
  'liveMigrations',
  'migrationOutages',
  'coldMigrations',
  'upgradeSteps',
  'failedUpgradeSteps',
  'recoveries',
  'undetectedFailures',
  'lostNotifications',
  'escalations',
  'controlPlaneWaits',
  'falseEvacuations',
  'splitBrainMinutes',
  'partitionTakeovers',
] as const;
/** A counter name. */
export type CounterName = (typeof COUNTERS)[number];

/** The name of the attribution slot of outages started by a spurious detection. */
export const SPURIOUS = 'spurious-detection';
/** The name of the attribution slot of outages started by planned work (maintenance, live migration, upgrades). */
export const PLANNED = 'planned';
/** Layers as causes: the stack's layers, then planned work, then spurious detections. */
export const CAUSE_LAYERS: readonly string[] = [...LAYERS, PLANNED, SPURIOUS];
/** Index of the planned-work slot in CAUSE_LAYERS. */
export const PLANNED_LAYER = LAYERS.length;
/** Index of the spurious-detection slot in CAUSE_LAYERS. */
export const SPURIOUS_LAYER = LAYERS.length + 1;

/** What one replication produced. Every time is in seconds inside the window [warmup, end]. */
export interface ReplicationResult {
  /** Replication index (0-based). */
  replication: number;
  /** Length of the observation window actually simulated (horizon - warmup, less if truncated). */
  window: number;
  /** Events handled. */
  events: number;
  /** True when the event cap stopped the replication before the horizon. */
  truncated: boolean;
  /** Per service, in model order. */
  services: ServiceReplication[];
  /** Own component failures inside the window, by layer (indexed like LAYERS). */
  failuresByLayer: number[];
  /** Per group (model order): mechanism counters inside the window, indexed like COUNTERS. */
  groupCounters: number[][];
}
