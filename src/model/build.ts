/**
 * Semantic checks and instantiation: a schema-valid topology -> an immutable
 * SystemModel (its objects frozen, its arrays readonly by type: see deepFreeze) shared
 * by every replication. Every problem found (unknown names, layer order, k > n,
 * impossible placement, bad distribution parameters) is
 * collected with its path and thrown together as one TopologyError.
 */
import {
  Deterministic,
  Distribution,
  DistributionError,
  Empirical,
  Exponential,
  GammaDist,
  Lognormal,
  Never,
  TruncatedNormal,
  Uniform,
  Weibull,
} from '../engine/distributions.js';
import { parseDuration, UNIT_SECONDS, YEAR } from '../engine/units.js';
import { TopologyError, formatPath, type InputIssue } from './errors.js';
import { limitValue, MAX_COMPONENTS, overLimit } from './limits.js';
import type { ParsedText } from './load.js';
import { logicText, type LogicLeaf, type LogicModel, type LogicNode } from './logic.js';
import { LAYERS, type PlacementPolicy, type ServiceLogicInput, type DelaySpecT, type DetectorSpecT, type DistributionSpecT, type HaSpecT, type LayerName, type Topology } from './schema.js';

/** One failure mode of one component, with its distributions built. */
export interface FailureModeModel {
  /** Mode name, e.g. `crash`. */
  readonly name: string;
  /** Time to failure (seconds of up time). */
  readonly ttf: Distribution;
  /** Time to repair after this failure (seconds). */
  readonly repair: Distribution;
  /** True for a crash noticed at once by the layer below; false for a silent hang. */
  readonly announced: boolean;
  /** A silent failure the guest's health check reports "not healthy": heartbeat beats see it at the next answered challenge (true for a gray failure too). */
  readonly unhealthy: boolean;
  /** A gray failure's share of requests served badly while it stays in rotation (the schema's `degraded`), or 0. */
  readonly degraded: number;
  /**
   * A silent failure's time until it is noticed and its own repair starts (its `undetected`),
   * or null: announced, or noticed at once (`undetected: 0s`). A recovery chain that takes
   * the component's repair over does not use it.
   */
  readonly notice: Distribution | null;
}

/** One component instance in the system (a host's hardware, a VM, a VNF instance's software...). */
export interface ComponentModel {
  /** Position in `SystemModel.components`; parents come before children. */
  readonly index: number;
  /** Stable path, e.g. `hosts.compute-1.hardware` or `vnfs.vMME.instances.1.app`; random streams are named after it. */
  readonly path: string;
  /** Component type name (a key of `components` in the topology). */
  readonly type: string;
  /** Layer of the stack. */
  readonly layer: LayerName;
  /** Index of the component it runs on, or -1. */
  readonly parent: number;
  /** Indices of the components running on it; for a shared element, also the hosts' hardware that depends on it (whose `parent` is their rack). */
  readonly children: readonly number[];
  /** Failure modes (competing risks). */
  readonly modes: readonly FailureModeModel[];
  /** Time to come back after the layer below returns. */
  readonly restart: Distribution;
  /** Index into `SystemModel.crews`, or -1 for unlimited repair. */
  readonly crew: number;
  /** Only on the component of a redundant set (`shared` with `of`): its members and rule (see RedundancyModel). */
  readonly redundancy?: RedundancyModel;
}

/**
 * A redundant set of shared elements (`shared` with `of`), resolved. Its component is up
 * while `k` members are in use and no switch-over runs (the rule is ComponentSim's).
 */
export interface RedundancyModel {
  /** Indices of the members' components, in preference order (the first k are in use at the start). */
  readonly members: readonly number[];
  readonly k: number;
  /** Switch-over time after a member in use fails while another can take its place (seconds). */
  readonly failover: Distribution;
}

/**
 * The common-cause clock of one failure mode of one component type (`beta` or `common`
 * on the mode). It runs in calendar time from time 0; when it fires, every component
 * in `components` that is up at that instant fails in that mode (in index order), and
 * it draws its next time from `ttf`. A component down when it fires is not affected.
 */
export interface CommonCauseModel {
  /** Component type name. */
  readonly type: string;
  /** Failure mode name. */
  readonly mode: string;
  /** Index of the mode in the `modes` of each component of the type. */
  readonly modeIndex: number;
  /** Time between firings (seconds): exponential of mean MTTF / beta, or the mode's ttf for `common`. */
  readonly ttf: Distribution;
  /** The beta factor, or null for a shared failure-mode stream (`common: true`). */
  readonly beta: number | null;
  /** Where it is in the topology, `components.<type>.failures.<mode>`; its random stream is `<path>:common`. */
  readonly path: string;
  /** Indices of every component of the type (scope: the whole topology). */
  readonly components: readonly number[];
}

/** A shared element (SAN, network link): the hosts that depend on it are down while it is. */
export interface SharedModel {
  readonly name: string;
  /** Index of its component; the bottom components of its dependent hosts are among that component's `children`. */
  readonly component: number;
  /** Names of the hosts that depend on it. */
  readonly hosts: readonly string[];
  /** Indices of the hosts' bottom (hardware) components that depend on it. */
  readonly dependents: readonly number[];
}

/** One instance of a VNF or VIM service. */
export interface InstanceModel {
  /** 1-based instance number. */
  readonly number: number;
  /** Path, e.g. `vnfs.vMME.instances.1`. */
  readonly path: string;
  /** Host it is placed on. */
  readonly host: string;
  /** Index of its top component (the application); the instance is up when that component is up. */
  readonly top: number;
  /** Index of its lowest own component: its VM or pod, else the application itself (what moves when it moves). */
  readonly base: number;
  /** Only with `needs`: indices of its host's side components it needs (it counts as down while one is down). */
  readonly needs?: readonly number[];
}

/** A failure detector, resolved. Times in seconds. */
export interface DetectorModel {
  readonly kind: 'heartbeat' | 'process' | 'watchdog';
  /** Beat interval; Infinity when there are no beats. */
  readonly interval: number;
  readonly misses: number;
  readonly loss: number;
  /** Delay to react to an announced failure, or null (found by missed beats). */
  readonly announced: Distribution | null;
  /** Peer notification delay for host-level failures, or null. */
  readonly peerNotification: Distribution | null;
}

/** Fencing, resolved. */
export interface FencingModel {
  readonly time: Distribution;
  readonly success: number;
  readonly onFailure: 'wait' | 'takeover';
  readonly operator: Distribution | null;
  /** Evacuation only: gentler levels tried in order before the power fence (`time`, `success`); empty otherwise. */
  readonly escalation: ReadonlyArray<{ readonly scope: 'instance' | 'host'; readonly time: Distribution; readonly success: number }>;
}

/** The HA mechanism of a group, resolved (distributions built, names turned into indices). */
export type HaModel =
  | { readonly mechanism: 'k-of-n' }
  | {
      readonly mechanism: 'active-passive';
      readonly detector: DetectorModel;
      readonly switchover: Distribution;
      readonly coverage: number;
      readonly manual: Distribution | null;
      readonly standbyCheck: number | null;
      readonly fencing: FencingModel | null;
      readonly aliveProbability: number;
      /** The group of its cluster manager (no takeover while it is down), or -1. */
      readonly clusterManager: number;
      readonly splitBrainRecovery: Distribution | null;
      /** Its partitionable heartbeat link (the schema's `partition`), or null: the link's component index, the detection delay (null: the detector's missed beats), and whether a quorum device breaks the tie. */
      readonly partition: { readonly link: number; readonly detection: Distribution | null; readonly quorumDevice: boolean } | null;
    }
  | { readonly mechanism: 'active-active'; readonly detector: DetectorModel; readonly balancer: number; readonly downBelow: number }
  | {
      readonly mechanism: 'quorum';
      readonly electionTimeout: Distribution;
      /** Per member, the component index of the element it reaches the others through, or -1 (never cut off); null: no partitions. */
      readonly links: readonly number[] | null;
      /** A quorum device votes with the connected side (`partition.quorumDevice`). */
      readonly quorumDevice: boolean;
    }
  | { readonly mechanism: 'message-queue'; readonly broker: number }
  | { readonly mechanism: 'lease'; readonly takeover: Distribution };

/** Process supervision, resolved. Times in seconds. */
export interface SupervisionModel {
  readonly restart: Distribution;
  readonly success: number;
  /** Escalation window (seconds), or Infinity when not set. */
  readonly window: number;
  readonly maxRestarts: number;
  readonly reboot: Distribution;
  readonly rebootSuccess: number;
  readonly rebuild: Distribution;
}

/** One action of a recovery ladder, resolved. */
export interface RecoveryActionModel {
  readonly action: 'restart' | 'reboot' | 'rebuild' | 'evacuate';
  readonly time: Distribution;
  readonly success: number;
  /** Indices of the services it needs (it progresses only while they are all up). */
  readonly needs: readonly number[];
}

/** Detection-driven recovery, resolved (see RecoverySpec). */
export interface RecoveryModel {
  /** The monitor whose report starts a recovery, or null (announced failures reported at once, silent ones after `undetected`). */
  readonly detector: DetectorModel | null;
  readonly notification: Distribution;
  /** Indices of the services on the notification path (it needs them all up). */
  readonly managers: readonly number[];
  /** A notification that finds a manager down is lost (an operator notices after `undetected`) rather than waiting. */
  readonly lostWhenManagerDown: boolean;
  /** Operator's time to notice a failure the detector does not see, or null (then no such failure may exist: checked). */
  readonly undetected: Distribution | null;
  /** Registration time after the application comes up, before the detector's beats monitor it (Init / Init-Ack), or null (at once). */
  readonly registration: Distribution | null;
  readonly actions: readonly RecoveryActionModel[];
  /** An action interrupted by a service it needs going down starts again from scratch (else it resumes). */
  readonly restartOnLoss: boolean;
  /** True when it also repairs the instance's VM or pod (the ladder has a reboot or rebuild, and the instance has a VM). */
  readonly base: boolean;
}

/**
 * True when the detector `d` sees a failure at `layer` (index into LAYERS), announced or
 * silent: by missed beats (heartbeat: every failure; process: announced failures only;
 * watchdog: the VM and the layers below), by the announcement of a crash (its `announced`
 * path), or by the peers' notification of a host-level failure (hardware to hypervisor).
 */
export function detectorSees(d: DetectorModel, layer: number, announced: boolean): boolean {
  const p = detectionPaths(d, layer, announced);
  return p.beats || p.announced || p.peer;
}

/** Which paths of the detector `d` see a failure at `layer`, announced or silent (see detectorSees). */
export interface DetectionPaths {
  readonly beats: boolean;
  readonly announced: boolean;
  readonly peer: boolean;
}

/**
 * The paths of `d` that see a failure at `layer` (see detectorSees): the one place this
 * rule is written. An announced crash is reported by a surviving reporter only: a crash of
 * the application or the VM (or pod, or a VIM service) is announced by the layer below it
 * on the same host, which is up; a host-level failure (hardware, host OS, hypervisor, rack,
 * site) takes its own reporter down, so only missed beats or the peers' notification see it.
 * Planned work stops a host cleanly and says so (`planned`): its announcement is seen.
 */
export function detectionPaths(d: DetectorModel, layer: number, announced: boolean, planned = false): DetectionPaths {
  const hostLevel = layer <= LAYERS.indexOf('hypervisor');
  // Planned work (`planned`: a clean stop) announces itself, a host's stop included.
  return { beats: beatsSee(d, layer, announced), announced: announced && (!hostLevel || planned) && d.announced !== null, peer: hostLevel && d.peerNotification !== null };
}

/** True when a path of `d` other than its beats sees a failure at `layer` (before an instance has registered, only those do). */
export function otherPathsSee(d: DetectorModel, layer: number, announced: boolean): boolean {
  const p = detectionPaths(d, layer, announced);
  return p.announced || p.peer;
}

/** True when missed beats of `d` reveal a failure at `layer` (see detectorSees). */
export function beatsSee(d: DetectorModel, layer: number, announced: boolean): boolean {
  if (d.interval === Infinity) return false;
  switch (d.kind) {
    case 'heartbeat':
      return true;
    case 'process':
      return announced;
    case 'watchdog':
      return layer <= LAYERS.indexOf('vm');
  }
}

/** Rescheduling of the instances of failed hosts (OpenStack evacuation or a Kubernetes replica set), resolved. */
export interface EvacuationModel {
  /** `evacuation` or `replicaSet`, as configured. */
  readonly style: 'evacuation' | 'replicaSet';
  /** Index of the control-plane service that must be up. */
  readonly vim: number;
  readonly detection: Distribution;
  readonly wait: Distribution;
  readonly fencing: FencingModel | null;
  readonly rebuild: Distribution;
  /** Hosts it may move instances to (names), in preference order. */
  readonly candidates: readonly string[];
  /** The placement policy kept when moving: the anti-affinity policies avoid the hosts / racks / sites / zones of other instances. */
  readonly policy: PlacementPolicy;
  /**
   * Two copies after evacuating an alive, unreachable host (see the schema's
   * `evacuation.splitBrain`): the reconciliation outage of a stateful VNF (null: stateless)
   * and the operator's time to remove the old copy (null: never).
   */
  readonly splitBrain: { readonly reconcile: Distribution | null; readonly operator: Distribution | null };
}

/** A VNF or VIM service: n instances, k needed, m carry full capacity. */
export interface FunctionModel {
  readonly name: string;
  readonly kind: 'vnf' | 'vim';
  /** Path, e.g. `vnfs.vMME`. */
  readonly path: string;
  readonly n: number;
  readonly k: number;
  readonly m: number;
  readonly instances: readonly InstanceModel[];
  /** Its HA mechanism. */
  readonly ha: HaModel;
  /** Indices of the groups it cannot work without (its load balancer, its broker). */
  readonly requires: readonly number[];
  /** Process supervision of its applications, or null. */
  readonly supervision: SupervisionModel | null;
  /** Detection-driven recovery of its instances' own failures, or null. */
  readonly recovery: RecoveryModel | null;
  /** Rescheduling off failed hosts, or null. */
  readonly evacuation: EvacuationModel | null;
  /** True when its instances run in VMs or pods (so they can only move to hosts with a hypervisor / runtime). */
  readonly hasVm: boolean;
  /** Hosts its instances may run on (names, placement order): where migrations and evacuations may take them. */
  readonly candidates: readonly string[];
  /** Its placement policy, kept when instances move. */
  readonly policy: PlacementPolicy;
  /** With policy zone-anti-affinity: the kind of zones (a key of `zones`), else null. */
  readonly zone: string | null;
  /** Live-migration policy during host maintenance, or null (cold migration). */
  readonly migration: MigrationModel | null;
}

/** Live migration of a function's instances, resolved. Times in seconds. */
export interface MigrationModel {
  readonly live: boolean;
  /** Pre-copy time (the instance runs). */
  readonly time: Distribution;
  /** Stun time at the switch-over. */
  readonly blackout: Distribution;
  /** A blackout longer than this takes the instance down for the blackout. */
  readonly tolerance: number;
  readonly maxConcurrent: number;
}

/** A rolling host maintenance plan, resolved. Times in seconds. */
export interface MaintenanceModel {
  readonly name: string;
  /** Indices into `SystemModel.hosts`, in maintenance order. */
  readonly hosts: readonly number[];
  readonly every: number;
  readonly start: number;
  /** Between the due times of consecutive hosts of a round. */
  readonly spacing: number;
  readonly duration: Distribution;
  readonly drain: 'migrate' | 'none';
  /** Index of the control-plane service that must be up to drain, or -1. */
  readonly vim: number;
  /** Cold-migration time, or null (then every instance on its hosts migrates live). */
  readonly coldMigration: Distribution | null;
  /** Index of its attribution slot in `plannedCauses`. */
  readonly cause: number;
}

/** A rolling upgrade campaign, resolved. Times in seconds. */
export interface UpgradeModel {
  readonly name: string;
  /** Index into `SystemModel.functions`. */
  readonly target: number;
  readonly start: number;
  /** Period between campaigns; Infinity for one campaign. */
  readonly every: number;
  readonly step: Distribution;
  readonly pause: number;
  readonly failure: number;
  readonly rollback: Distribution | null;
  /** Index of its attribution slot in `plannedCauses`. */
  readonly cause: number;
}

/** A chain of functions that must all be up. */
export interface ServiceModel {
  readonly name: string;
  /** `data` for a chain of VNFs, `control` for a chain of VIM services. */
  readonly plane: 'data' | 'control';
  /** Target SAL (1..3), or null. */
  readonly sal: 1 | 2 | 3 | null;
  /** Availability target: the least steady-state availability (a share in (0, 1)), or null. */
  readonly target: number | null;
  /** Indices into `SystemModel.functions`: the chain, or with `logic` the groups it names (in order of first use). */
  readonly chain: readonly number[];
  /** The service's `up` expression (model/logic.ts), or null for a chain (every member up). */
  readonly logic: LogicModel | null;
}

/** A host: a hardware -> host OS -> hypervisor stack. */
export interface HostModel {
  readonly name: string;
  readonly group: string;
  readonly rack: string | null;
  /** The site of its rack, or null. */
  readonly site: string | null;
  /** Its zone of each kind it has one of (`zones`: kind -> zone name). */
  readonly zones: Readonly<Record<string, string>>;
  readonly slots: number;
  /** Index of the top component of its stack (what instances run on). */
  readonly top: number;
  /** Layers present in its stack. */
  readonly layers: readonly LayerName[];
  /** Index of the bottom (hardware) component of its stack, or -1 (taken down for maintenance). */
  readonly hardware: number;
  /** Its side components (`beside`): role -> component index. */
  readonly beside: Readonly<Record<string, number>>;
  /** Its management plane (`management`): component indices of the shared elements and side components it is reachable through (empty: always reachable while up). */
  readonly management: readonly number[];
  /** Its data plane (`data`): component indices the instances on it need to serve (added to their `needs`). */
  readonly data: readonly number[];
}

/** Metrics settings, resolved. Times in seconds. */
export interface MetricsModel {
  readonly probation: number;
  readonly capacityThresholds: readonly number[];
  readonly salTolerance: number;
  /** Bounds of SAL 1, 2, 3. */
  readonly salBounds: ReadonlyArray<{ readonly detection: number; readonly recovery: number }>;
  readonly downtimeBudget: number;
}

/** Simulation settings resolved from the file's `simulation` section (CLI options override them). */
export interface SimulationDefaults {
  readonly runs: number;
  /** Seconds per replication. */
  readonly horizon: number;
  /** Why this horizon: `file` when the file set it, else the rule that chose it. */
  readonly horizonReason: string;
  /** Seconds at the start not counted. */
  readonly warmup: number;
  readonly seed: number;
}

/** The instantiated, immutable system shared by all replications. */
export interface SystemModel {
  readonly name: string;
  readonly file: string;
  readonly components: readonly ComponentModel[];
  readonly functions: readonly FunctionModel[];
  readonly services: readonly ServiceModel[];
  readonly hosts: readonly HostModel[];
  readonly crews: readonly CrewModel[];
  /** Common-cause clocks of failure modes (`beta`, `common`), in the order of the types and modes. */
  readonly commonCauses: readonly CommonCauseModel[];
  /** Shared elements (`shared`), in file order. */
  readonly shared: readonly SharedModel[];
  /** Sites (`sites`), in file order: the index of the site's own component, or -1 when it has none. */
  readonly sites: ReadonlyArray<{ readonly name: string; readonly component: number }>;
  /** Racks (`racks`), in file order: the site it stands in (or null) and its own component (or -1). */
  readonly racks: ReadonlyArray<{ readonly name: string; readonly site: string | null; readonly component: number }>;
  readonly defaults: SimulationDefaults;
  readonly metrics: MetricsModel;
  /** The largest mean time to failure of any mode, and where it is. */
  readonly maxMttf: { readonly seconds: number; readonly path: string };
  /** Planned host maintenance plans. */
  readonly maintenance: readonly MaintenanceModel[];
  /** Rolling upgrade campaigns. */
  readonly upgrades: readonly UpgradeModel[];
  /**
   * Names of the causes of planned outages, the attribution slots after the failure
   * modes: `maintenance/<plan>`, `live-migration/<function>`, `upgrade/<plan>`.
   */
  readonly plannedCauses: readonly string[];
}

/** A repair crew pool, resolved (see CrewSpec). */
export interface CrewModel {
  readonly name: string;
  readonly size: number;
  /** Which waiting repair a freed crew takes (sim/system.ts CrewPool). */
  readonly order: 'fifo' | 'random' | 'priority';
  /** With order priority: per component index its rank (lower is served first: the layer index, or the SAL class 1..3, 4 for none); else null. */
  readonly rank: readonly number[] | null;
  /** Dispatch or inspection time before each repair (the crew held), or null. */
  readonly dispatch: Distribution | null;
  /** With order priority: a repair of a lesser rank takes the crew of a running one of a greater rank (which resumes later). */
  readonly preemptive: boolean;
}

/** Restarts a supervisor allows within its `window` before escalating, when `maxRestarts` is not given. */
export const DEFAULT_MAX_RESTARTS = 3;

/** Default number of replications. */
export const DEFAULT_RUNS = 100;
/** Default seed. */
export const DEFAULT_SEED = 1;
/** The default horizon is this many times the largest MTTF ... */
export const HORIZON_MTTF_FACTOR = 10;
/** ... and at least this long (seconds) ... */
export const MIN_DEFAULT_HORIZON = 10 * YEAR;
/**
 * ... and at most this long (seconds): a component that fails once in 10,000 years
 * would otherwise make the default run simulate a million years per replication.
 * `--horizon` (or `simulation.horizon`) sets any horizon.
 */
export const MAX_DEFAULT_HORIZON = 1000 * YEAR;

type Seg = string | number;

const RATE_RE = /^\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*\/\s*(ms|s|min|m|h|d|w|mo|y)\s*$/;

class Builder {
  readonly issues: InputIssue[] = [];
  constructor(
    readonly file: string,
    readonly parsed: ParsedText | undefined,
  ) {}

  fail(path: Seg[], message: string): void {
    this.issues.push({ path: formatPath(path), message, ...this.parsed?.locate(path) });
  }

  duration(text: string, path: Seg[]): number {
    try {
      return parseDuration(text);
    } catch (e) {
      this.fail(path, (e as Error).message);
      return NaN;
    }
  }

  /** The least availability a service's `target` states (given as availability, or as downtime per 365-day year), or null without one. */
  availabilityTarget(t: { availability?: number; downtime?: string } | undefined, path: Seg[]): number | null {
    if (t === undefined) return null;
    if ((t.availability === undefined) === (t.downtime === undefined)) {
      this.fail(path, "give exactly one of 'availability' (e.g. 0.99999) and 'downtime' (per year, e.g. 5.26m)");
      return null;
    }
    if (t.availability !== undefined) return t.availability;
    const d = this.duration(t.downtime!, [...path, 'downtime']);
    if (!(d < YEAR)) {
      this.fail([...path, 'downtime'], `a downtime budget must be shorter than a year, got ${t.downtime}`);
      return null;
    }
    return 1 - d / YEAR;
  }

  /** Builds a distribution; `positiveMean` requires a mean > 0 (times to failure). */
  distribution(spec: DistributionSpecT, path: Seg[], positiveMean: boolean): Distribution | undefined {
    const d = (key: string, text: string) => this.duration(text, [...path, key]);
    let dist: Distribution | undefined;
    try {
      switch (spec.dist) {
        case 'exponential': {
          if ((spec.mean === undefined) === (spec.rate === undefined)) {
            this.fail(path, 'exponential needs exactly one of mean or rate');
            return undefined;
          }
          let mean: number;
          if (spec.mean !== undefined) mean = d('mean', spec.mean);
          else {
            const m = RATE_RE.exec(spec.rate!)!;
            mean = UNIT_SECONDS[m[2]] / Number(m[1]);
          }
          dist = new Exponential(mean);
          break;
        }
        case 'weibull':
          dist = new Weibull(spec.shape, d('scale', spec.scale));
          break;
        case 'lognormal': {
          const meanCv = spec.mean !== undefined || spec.cv !== undefined;
          const muSigma = spec.mu !== undefined || spec.sigma !== undefined;
          if (meanCv === muSigma || (meanCv && (spec.mean === undefined || spec.cv === undefined)) || (muSigma && (spec.mu === undefined || spec.sigma === undefined))) {
            this.fail(path, 'lognormal needs either mean and cv, or mu and sigma');
            return undefined;
          }
          dist = meanCv ? Lognormal.fromMeanCv(d('mean', spec.mean!), spec.cv!) : new Lognormal(spec.mu!, spec.sigma!);
          break;
        }
        case 'gamma':
          dist = new GammaDist(spec.shape, d('scale', spec.scale));
          break;
        case 'normal':
          dist = new TruncatedNormal(d('mean', spec.mean), d('sd', spec.sd));
          break;
        case 'uniform':
          dist = new Uniform(d('min', spec.min), d('max', spec.max));
          break;
        case 'deterministic':
          dist = new Deterministic(d('value', spec.value));
          break;
        case 'empirical':
          dist = new Empirical(
            spec.values.map((v, i) => this.duration(v, [...path, 'values', i])),
            spec.weights,
          );
          break;
      }
    } catch (e) {
      if (e instanceof DistributionError) {
        this.fail(path, e.message);
        return undefined;
      }
      throw e;
    }
    if (dist && positiveMean && !(dist.mean > 0)) {
      this.fail(path, `a time to failure must have a mean > 0 (got ${dist.mean} s)`);
      return undefined;
    }
    return dist;
  }
}

const ZERO = new Deterministic(0);

/** Builds a delay: a plain duration is a fixed time. */
function delay(b: Builder, spec: DelaySpecT, path: Seg[]): Distribution | undefined {
  if (typeof spec === 'string') {
    const v = b.duration(spec, path);
    return Number.isFinite(v) ? new Deterministic(v) : undefined;
  }
  return b.distribution(spec, path, false);
}

function migration(b: Builder, spec: NonNullable<Topology['vnfs'][string]['migration']>, path: Seg[]): MigrationModel | undefined {
  const time = delay(b, spec.time, [...path, 'time']);
  const blackout = delay(b, spec.blackout, [...path, 'blackout']);
  const tolerance = b.duration(spec.tolerance, [...path, 'tolerance']);
  if (!time || !blackout || !Number.isFinite(tolerance)) return undefined;
  return { live: spec.live, time, blackout, tolerance, maxConcurrent: spec.maxConcurrent };
}

/** Resolves the `maintenance` and `upgrades` sections (after hosts, functions and services, which they name). */
function plannedWork(
  b: Builder,
  topology: Topology,
  hosts: readonly HostModel[],
  groupHosts: ReadonlyMap<string, HostModel[]>,
  functions: readonly FunctionModel[],
  functionIndex: ReadonlyMap<string, number>,
  services: readonly ServiceModel[],
): { maintenance: MaintenanceModel[]; upgrades: UpgradeModel[]; plannedCauses: string[] } {
  const plannedCauses: string[] = [];
  const maintenance: MaintenanceModel[] = [];
  const groupNames = [...groupHosts.keys()];
  for (const [name, spec] of Object.entries(topology.maintenance)) {
    const mp: Seg[] = ['maintenance', name];
    const groups = Array.isArray(spec.hosts) ? spec.hosts : [spec.hosts];
    const planHosts: number[] = [];
    let groupsOk = true;
    groups.forEach((g, i) => {
      const list = groupHosts.get(g);
      if (list) for (const h of list) planHosts.push(hosts.indexOf(h));
      else {
        b.fail(Array.isArray(spec.hosts) ? [...mp, 'hosts', i] : [...mp, 'hosts'], unknown('host group', g, groupNames));
        groupsOk = false;
      }
    });
    const every = b.duration(spec.every, [...mp, 'every']);
    if (!(every > 0)) b.fail([...mp, 'every'], 'the period must be positive');
    const start = b.duration(spec.start, [...mp, 'start']);
    const spacing = spec.spacing !== undefined ? b.duration(spec.spacing, [...mp, 'spacing']) : every / Math.max(1, planHosts.length);
    if (planHosts.length > 1 && spacing * (planHosts.length - 1) >= every) {
      b.fail([...mp, 'spacing'], `a round of ${planHosts.length} hosts spaced ${spacing} s apart does not fit in the period of ${every} s`);
    }
    const duration = delay(b, spec.duration, [...mp, 'duration']);
    let vim = -1;
    if (spec.vim !== undefined) {
      vim = services.findIndex((x) => x.name === spec.vim);
      if (vim < 0) b.fail([...mp, 'vim'], unknown('service', spec.vim, services.map((x) => x.name)));
      else if (services[vim].plane !== 'control') b.fail([...mp, 'vim'], `'${spec.vim}' is a data-plane service; name a chain of VIM services`);
    }
    const coldMigration = spec.coldMigration !== undefined ? delay(b, spec.coldMigration, [...mp, 'coldMigration']) ?? null : null;
    if (spec.drain === 'migrate' && coldMigration === null && spec.coldMigration === undefined) {
      const onPlan = new Set(planHosts.map((h) => hosts[h]?.name));
      const cold = functions.find((f) => !f.migration?.live && f.instances.some((inst) => onPlan.has(inst.host)));
      if (cold) b.fail(mp, `'${cold.name}' runs on these hosts without live migration: give 'coldMigration' (the time to shut an instance down, move it and boot it), or drain: none`);
    }
    if (!duration || !groupsOk) continue;
    maintenance.push({ name, hosts: planHosts, every, start, spacing, duration, drain: spec.drain, vim, coldMigration, cause: plannedCauses.length });
    plannedCauses.push(`maintenance/${name}`);
  }
  if (maintenance.length > 0) for (const f of functions) if (f.migration?.live) plannedCauses.push(`live-migration/${f.name}`);
  const upgrades: UpgradeModel[] = [];
  for (const [name, spec] of Object.entries(topology.upgrades)) {
    const up: Seg[] = ['upgrades', name];
    const target = functionIndex.get(spec.target);
    if (target === undefined) b.fail([...up, 'target'], unknown('VNF or VIM service', spec.target, [...functionIndex.keys()]));
    const start = b.duration(spec.start, [...up, 'start']);
    const every = spec.every !== undefined ? b.duration(spec.every, [...up, 'every']) : Infinity;
    if (!(every > 0)) b.fail([...up, 'every'], 'the period must be positive');
    const step = delay(b, spec.step, [...up, 'step']);
    const pause = b.duration(spec.pause, [...up, 'pause']);
    const rollback = spec.rollback !== undefined ? delay(b, spec.rollback, [...up, 'rollback']) ?? null : null;
    if (spec.failure > 0 && spec.rollback === undefined) b.fail([...up, 'rollback'], 'a step can fail (failure > 0): give rollback, the time to roll it back');
    if (target === undefined || !step) continue;
    upgrades.push({ name, target, start, every, step, pause, failure: spec.failure, rollback, cause: plannedCauses.length });
    plannedCauses.push(`upgrade/${name}`);
  }
  return { maintenance, upgrades, plannedCauses };
}

function supervision(b: Builder, spec: NonNullable<Topology['vnfs'][string]['supervision']>, path: Seg[]): SupervisionModel | undefined {
  const restart = delay(b, spec.restart, [...path, 'restart']);
  const reboot = delay(b, spec.reboot, [...path, 'reboot']);
  const rebuild = delay(b, spec.rebuild, [...path, 'rebuild']);
  const window = spec.window !== undefined ? b.duration(spec.window, [...path, 'window']) : Infinity;
  if (spec.maxRestarts !== undefined && spec.window === undefined) {
    b.fail([...path, 'maxRestarts'], "maxRestarts has no effect without 'window' (restarts are counted within the window): give window, or remove maxRestarts");
  }
  if (!restart || !reboot || !rebuild || Number.isNaN(window)) return undefined;
  return { restart, success: spec.success, window, maxRestarts: spec.maxRestarts ?? DEFAULT_MAX_RESTARTS, reboot, rebootSuccess: spec.rebootSuccess, rebuild };
}

function detector(b: Builder, spec: DetectorSpecT, path: Seg[]): DetectorModel | undefined {
  let interval = Infinity;
  if (spec.interval !== undefined) {
    interval = b.duration(spec.interval, [...path, 'interval']);
    if (!(interval > 0)) {
      if (Number.isFinite(interval)) b.fail([...path, 'interval'], 'the interval must be > 0');
      return undefined;
    }
  } else if (spec.announced === undefined && spec.peerNotification === undefined) {
    b.fail(path, "a detector needs 'interval' (beats), 'announced' or 'peerNotification'");
    return undefined;
  }
  const announced = spec.announced !== undefined ? delay(b, spec.announced, [...path, 'announced']) : null;
  const peer = spec.peerNotification !== undefined ? delay(b, spec.peerNotification, [...path, 'peerNotification']) : null;
  if (announced === undefined || peer === undefined) return undefined;
  return { kind: spec.kind, interval, misses: spec.misses, loss: spec.loss, announced, peerNotification: peer };
}

/**
 * Checks a schema-valid topology for meaning and builds its SystemModel.
 * @param topology the schema-validated topology
 * @param file the file name to report in errors
 * @param parsed the parsed text, to give line numbers in errors (optional)
 * @throws TopologyError listing every problem found
 */
export function buildModel(topology: Topology, file: string, parsed?: ParsedText): SystemModel {
  const b = new Builder(file, parsed);
  const components: Array<ComponentModel & { children: number[] }> = [];

  // Component types: distributions once per type.
  interface TypeInfo {
    layer: LayerName;
    modes: FailureModeModel[];
    restart: Distribution;
    crew: number;
  }
  /** Common-cause clocks found on the modes, before their components are known. */
  const commons: Array<Omit<CommonCauseModel, 'components'>> = [];
  const crewNames = Object.keys(topology.crews);
  const types = new Map<string, TypeInfo>();
  let maxMttf = { seconds: 0, path: '' };
  for (const [name, spec] of Object.entries(topology.components)) {
    const base: Seg[] = ['components', name];
    const typeRepair = spec.repair ? b.distribution(spec.repair, [...base, 'repair'], false) : undefined;
    const modes: FailureModeModel[] = [];
    for (const [mode, ms] of Object.entries(spec.failures)) {
      const mp: Seg[] = [...base, 'failures', mode];
      const ttf = b.distribution(ms.ttf, [...mp, 'ttf'], true);
      const repair = ms.repair ? b.distribution(ms.repair, [...mp, 'repair'], false) : typeRepair;
      if (!ms.repair && !spec.repair) b.fail(mp, `failure mode '${mode}' has no repair: give 'repair' here or on the component type`);
      const own = ttf ? commonCause(b, ms, ttf, mp, name, mode, modes.length, commons) : undefined;
      if (ttf && repair && own) {
        if (ms.unhealthy && ms.announced) b.fail([...mp, 'unhealthy'], "'unhealthy' describes a silent failure the health check reports: set 'announced: false' too, or remove it");
        if (ms.undetected !== undefined && ms.announced) b.fail([...mp, 'undetected'], "'undetected' is the time until a silent failure is noticed; an announced crash is noticed at once: set 'announced: false', or remove it");
        const notice = ms.undetected !== undefined ? delay(b, ms.undetected, [...mp, 'undetected']) : null;
        if (notice === undefined) continue;
        if (ms.degraded !== undefined && ms.announced) b.fail([...mp, 'degraded'], "a gray failure is silent (up for its monitor): set 'announced: false' too, or remove it");
        if (ms.degraded !== undefined && spec.layer !== 'vnf' && spec.layer !== 'vim') b.fail([...mp, 'degraded'], `a gray failure is an application's (layer vnf or vim), not a ${spec.layer}'s`);
        const degraded = ms.degraded ?? 0;
        modes.push({ name: mode, ttf: own, repair, announced: ms.announced, unhealthy: ms.unhealthy || degraded > 0, degraded, notice: notice !== null && notice.mean > 0 ? notice : null });
        if (ttf.mean > maxMttf.seconds) maxMttf = { seconds: ttf.mean, path: formatPath([...mp, 'ttf']) };
      }
    }
    const restart = spec.restart ? (b.distribution(spec.restart, [...base, 'restart'], false) ?? ZERO) : ZERO;
    let crew = -1;
    if (spec.crew !== undefined) {
      crew = crewNames.indexOf(spec.crew);
      if (crew < 0) b.fail([...base, 'crew'], unknown('crew', spec.crew, crewNames));
    }
    types.set(name, { layer: spec.layer, modes, restart, crew });
  }
  const typeNames = [...types.keys()];

  const addComponent = (path: string, type: string, parent: number): number => {
    const t = types.get(type)!;
    const index = components.length;
    components.push({ index, path, type, layer: t.layer, parent, children: [], modes: t.modes, restart: t.restart, crew: t.crew });
    if (parent >= 0) components[parent].children.push(index);
    return index;
  };

  /** Resolves a component type reference that must be of `layer`; returns false (and reports) if not. */
  const typeRef = (name: string, layers: LayerName[], path: Seg[]): boolean => {
    const t = types.get(name);
    if (!t) {
      b.fail(path, unknown('component type', name, typeNames));
      return false;
    }
    if (!layers.includes(t.layer)) {
      b.fail(path, `component type '${name}' has layer '${t.layer}', expected ${layers.map((l) => `'${l}'`).join(' or ')}`);
      return false;
    }
    return true;
  };

  // Sites and racks.
  const siteTop = new Map<string, number>();
  for (const [name, spec] of Object.entries(topology.sites)) {
    let idx = -1;
    if (spec.component !== undefined && typeRef(spec.component, ['site'], ['sites', name, 'component'])) {
      idx = addComponent(`sites.${name}`, spec.component, -1);
    }
    siteTop.set(name, idx);
  }
  const siteNames = Object.keys(topology.sites);
  // Shared elements (before racks, which may depend on them).
  const sharedTop = new Map<string, number>();
  for (const [name, spec] of Object.entries(topology.shared)) {
    if (spec.of !== undefined) continue;
    let below = -1;
    if (spec.site !== undefined) {
      if (!siteTop.has(spec.site)) b.fail(['shared', name, 'site'], unknown('site', spec.site, siteNames));
      else below = siteTop.get(spec.site)!;
    }
    for (const key of ['k', 'failover'] as const) if (spec[key] !== undefined) b.fail(['shared', name, key], `'${key}' belongs to a redundant set: give 'of' (its members), or remove it`);
    if (spec.component === undefined) {
      b.fail(['shared', name], "give 'component' (the element's component type) or 'of' (the members of a redundant set)");
      sharedTop.set(name, -1);
      continue;
    }
    const ok = typeRef(spec.component, ['site', 'rack'], ['shared', name, 'component']);
    sharedTop.set(name, ok ? addComponent(`shared.${name}`, spec.component, below) : -1);
  }
  // Redundant sets (after the elements they are made of).
  for (const [name, spec] of Object.entries(topology.shared)) {
    if (spec.of !== undefined) sharedTop.set(name, redundantSet(b, name, spec, topology.shared, sharedTop, components));
  }
  const sharedNames = Object.keys(topology.shared);
  /** Checks a `dependsOn` list; returns the names that exist. */
  const dependsOn = (names: readonly string[] | undefined, path: Seg[]): string[] => {
    const out: string[] = [];
    (names ?? []).forEach((n, i) => {
      if (!sharedTop.has(n)) b.fail([...path, 'dependsOn', i], unknown('shared element', n, sharedNames));
      else if (out.includes(n)) b.fail([...path, 'dependsOn', i], `shared element '${n}' is listed twice`);
      else out.push(n);
    });
    return out;
  };
  const rackDeps = new Map<string, string[]>();
  const sharedHosts = new Map<string, string[]>(sharedNames.map((n) => [n, []]));
  const rackTop = new Map<string, number>();
  for (const [name, spec] of Object.entries(topology.racks)) {
    rackDeps.set(name, dependsOn(spec.dependsOn, ['racks', name]));
    for (const key of ['management', 'data'] as const) planeRefs(b, spec[key], ['racks', name, key], sharedTop, sharedNames, null);
    let below = -1;
    if (spec.site !== undefined) {
      if (!siteTop.has(spec.site)) b.fail(['racks', name, 'site'], unknown('site', spec.site, siteNames));
      else below = siteTop.get(spec.site)!;
    }
    let idx = below;
    if (spec.component !== undefined && typeRef(spec.component, ['rack'], ['racks', name, 'component'])) {
      idx = addComponent(`racks.${name}`, spec.component, below);
    }
    rackTop.set(name, idx);
  }
  const rackNames = Object.keys(topology.racks);

  // The size of what is about to be built: counts multiply (10,000 groups of 10,000 hosts).
  const sizes: Array<[Seg[], number]> = [
    ...Object.entries(topology.hosts).map(([g, spec]): [Seg[], number] => [['hosts', g, 'count'], spec.count * (spec.stack.length + Object.keys(spec.beside ?? {}).length)]),
    ...(['vim', 'vnfs'] as const).flatMap((section) =>
      Object.entries(topology[section]).map(([name, spec]): [Seg[], number] => [[section, name, 'instances'], spec.instances * (spec.vm !== undefined ? 2 : 1)]),
    ),
  ];
  const maxComponents = limitValue(MAX_COMPONENTS);
  const toBuild = components.length + sizes.reduce((n, [, k]) => n + k, 0);
  if (toBuild > maxComponents) {
    const [where, most] = sizes.reduce((a, x) => (x[1] > a[1] ? x : a), [[], 0] as [Seg[], number]);
    b.fail(where, `the topology would build ${toBuild.toLocaleString('en-US')} components (${most.toLocaleString('en-US')} here); ${overLimit(MAX_COMPONENTS)}`);
    throw new TopologyError(file, b.issues);
  }

  // Hosts.
  const hosts: HostModel[] = [];
  const hostByName = new Map<string, HostModel>();
  const groupHosts = new Map<string, HostModel[]>();
  const hostLayers: LayerName[] = ['hardware', 'hostOS', 'hypervisor'];
  for (const [group, spec] of Object.entries(topology.hosts)) {
    const gp: Seg[] = ['hosts', group];
    // Check the stack once for the group.
    let stackOk = true;
    let prevLayer = -1;
    spec.stack.forEach((typeName, i) => {
      if (!typeRef(typeName, hostLayers, [...gp, 'stack', i])) {
        stackOk = false;
        return;
      }
      const li = hostLayers.indexOf(types.get(typeName)!.layer);
      if (i === 0 && li !== 0) {
        b.fail([...gp, 'stack', i], `a host stack starts with a hardware component, got layer '${hostLayers[li]}'`);
        stackOk = false;
      } else if (li <= prevLayer) {
        b.fail([...gp, 'stack', i], `layers must go up: hardware, then hostOS, then hypervisor; '${typeName}' (${hostLayers[li]}) comes after ${hostLayers[prevLayer]}`);
        stackOk = false;
      }
      prevLayer = li;
    });
    for (const [i, r] of (spec.racks ?? []).entries()) {
      if (!rackTop.has(r)) b.fail([...gp, 'racks', i], unknown('rack', r, rackNames));
    }
    const groupDeps = dependsOn(spec.dependsOn, gp);
    const list: HostModel[] = [];
    for (let i = 1; i <= spec.count; i++) {
      const name = `${group}-${i}`;
      const rack = spec.racks ? spec.racks[(i - 1) % spec.racks.length] : null;
      let top = rack !== null ? (rackTop.get(rack) ?? -1) : -1;
      const layers: LayerName[] = [];
      let hardware = -1;
      if (stackOk) {
        for (const typeName of spec.stack) {
          const layer = types.get(typeName)!.layer;
          top = addComponent(`hosts.${name}.${layer}`, typeName, top);
          if (hardware < 0) hardware = top;
          layers.push(layer);
          // The host's hardware also rests on the shared elements of its group and rack.
          if (layers.length === 1) {
            for (const dep of new Set([...groupDeps, ...(rack !== null ? (rackDeps.get(rack) ?? []) : [])])) {
              sharedHosts.get(dep)!.push(name);
              const di = sharedTop.get(dep)!;
              if (di >= 0) components[di].children.push(top);
            }
          }
        }
      }
      // Side components beside the hypervisor: on the host OS (or the hardware without one).
      const beside: Record<string, number> = {};
      if (stackOk && spec.beside) {
        const below = layers.includes('hostOS') ? components.findIndex((c) => c.path === `hosts.${name}.hostOS`) : hardware;
        for (const [role, typeName] of Object.entries(spec.beside)) {
          if (typeRef(typeName, ['hostOS', 'hypervisor'], [...gp, 'beside', role])) beside[role] = addComponent(`hosts.${name}.${role}`, typeName, below);
        }
      }
      if (hostByName.has(name)) {
        b.fail(gp, `host name '${name}' is generated twice (group names must not make '<group>-<n>' collide)`);
        continue;
      }
      // The names are checked once, at the group's first host; each host resolves its own side components.
      if (i === 1) for (const key of ['management', 'data'] as const) planeRefs(b, spec[key], [...gp, key], sharedTop, sharedNames, Object.keys(spec.beside ?? {}));
      const plane = (key: 'management' | 'data'): number[] =>
        [...(spec[key] ?? []), ...(rack !== null ? (topology.racks[rack]?.[key] ?? []) : [])].flatMap((n) => {
          const idx = beside[n] ?? sharedTop.get(n);
          return idx === undefined || idx < 0 ? [] : [idx];
        });
      const host: HostModel = {
        name,
        group,
        rack,
        site: rack !== null ? (topology.racks[rack]?.site ?? null) : null,
        zones: {},
        slots: spec.slots,
        top,
        layers,
        hardware,
        beside,
        management: plane('management'),
        data: plane('data'),
      };
      hosts.push(host);
      list.push(host);
      hostByName.set(name, host);
    }
    groupHosts.set(group, list);
  }
  const groupNames = [...groupHosts.keys()];
  userZones(b, topology, hosts, groupHosts);

  // Functions (VIM services first, then VNFs): placement and instance stacks.
  const used = new Map<string, number>(); // host -> instances placed
  const functions: Array<{ -readonly [K in keyof FunctionModel]: FunctionModel[K] } & { requires: number[] }> = [];
  const functionIndex = new Map<string, number>();
  /** Per function: its path, its mechanism, whether the file gave k, whether it gave m. */
  const haSpecs: Array<[Seg[], HaSpecT | undefined, boolean, boolean]> = [];
  const evacSpecs: Array<[Seg[], Topology['vnfs'][string]]> = [];
  const recoverySpecs: Array<[Seg[], Topology['vnfs'][string]]> = [];
  const sections: Array<['vim' | 'vnfs', Topology['vim']]> = [
    ['vim', topology.vim],
    ['vnfs', topology.vnfs],
  ];
  for (const [section, specs] of sections) {
    const kind = section === 'vim' ? 'vim' : 'vnf';
    for (const [name, spec] of Object.entries(specs)) {
      const fp: Seg[] = [section, name];
      if (functionIndex.has(name)) {
        b.fail(fp, `name '${name}' is used both as a VIM service and as a VNF; names must be unique`);
        continue;
      }
      const n = spec.instances;
      // Defaults follow the mechanism: one active (A/P), a majority (quorum), one worker
      // with capacity shared by all (message queue); otherwise all n, full capacity at k.
      const mech = spec.ha?.mechanism;
      const k = spec.k ?? (mech === 'active-passive' || mech === 'message-queue' || mech === 'lease' ? 1 : mech === 'quorum' ? Math.floor(n / 2) + 1 : n);
      const m = spec.m ?? (mech === 'message-queue' ? n : k);
      let ok = true;
      if (k > n) {
        b.fail([...fp, 'k'], `k (${k}) must not exceed instances (${n})`);
        ok = false;
      }
      if ((m < k || m > n) && (spec.m !== undefined || k <= n)) {
        b.fail([...fp, 'm'], `m (${m}) must lie between k (${k}) and instances (${n})`);
        ok = false;
      }
      const appOk = typeRef(spec.app, [kind], [...fp, 'app']);
      const vmOk = spec.vm === undefined || typeRef(spec.vm, ['vm'], [...fp, 'vm']);
      if (spec.needs !== undefined && (spec.evacuation || spec.replicaSet || Object.values(topology.maintenance).some((m) => m.drain === 'migrate'))) {
        b.fail([...fp, 'needs'], "instances that need side components cannot move (evacuation, replica sets, maintenance with drain: migrate): the side components stay on the host");
      }
      const placed = place(b, fp, n, spec.placement, hostByName, groupHosts, groupNames, used, Object.keys(topology.zones ?? {}));
      if (!placed || !appOk || !vmOk || !ok) continue;
      const instances: InstanceModel[] = [];
      /** A data-plane host refused once for this function. */
      let dataRefused = false;
      placed.forEach((host, i) => {
        const path = `${section}.${name}.instances.${i + 1}`;
        let top = host.top;
        if (spec.vm !== undefined) {
          if (!host.layers.includes('hypervisor')) {
            b.fail([...fp, 'vm'], `a VM or pod needs a hypervisor or container runtime in the stack of host '${host.name}'`);
            return;
          }
          top = addComponent(`${path}.vm`, spec.vm, top);
        }
        const vmTop = top;
        top = addComponent(`${path}.app`, spec.app, top);
        const inst: InstanceModel = { number: i + 1, path, host: host.name, top, base: spec.vm !== undefined ? vmTop : top };
        if (host.data.length > 0 && !dataRefused && (spec.evacuation || spec.replicaSet || Object.values(topology.maintenance).some((m) => m.drain === 'migrate'))) {
          b.fail([...fp, 'placement'], `instances on host '${host.name}' cannot move (evacuation, replica sets, maintenance with drain: migrate): the 'data' plane of its host group or rack stays on the host`);
          dataRefused = true;
        }
        if (spec.needs === undefined && host.data.length === 0) instances.push(inst);
        else {
          // The host's data plane first, then the side components the instance names.
          const needs: number[] = [...host.data];
          (spec.needs ?? []).forEach((role, j) => {
            if (host.beside[role] !== undefined) needs.push(host.beside[role]);
            else b.fail([...fp, 'needs', j], `host '${host.name}' has no side component '${role}' (${Object.keys(host.beside).length === 0 ? "its group gives no 'beside'" : `its roles: ${Object.keys(host.beside).join(', ')}`})`);
          });
          instances.push({ ...inst, needs });
        }
      });
      functionIndex.set(name, functions.length);
      const groups = spec.placement.group !== undefined ? (Array.isArray(spec.placement.group) ? spec.placement.group : [spec.placement.group]) : [...new Set(placed.map((h) => h.group))];
      functions.push({
        name,
        kind,
        path: `${section}.${name}`,
        n,
        k,
        m,
        instances,
        ha: { mechanism: 'k-of-n' },
        requires: [],
        evacuation: null,
        recovery: null,
        hasVm: spec.vm !== undefined,
        supervision: spec.supervision ? supervision(b, spec.supervision, [...fp, 'supervision']) ?? null : null,
        candidates: groups.flatMap((g) => (groupHosts.get(g) ?? []).map((h) => h.name)),
        policy: spec.placement.policy,
        zone: spec.placement.zone ?? null,
        migration: spec.migration ? migration(b, spec.migration, [...fp, 'migration']) ?? null : null,
      });
      haSpecs.push([[section, name], spec.ha, spec.k !== undefined, spec.m !== undefined]);
      recoverySpecs.push([[section, name], spec]);
      evacSpecs.push([[section, name], spec]);
    }
  }

  // HA mechanisms (after all groups exist, so that they can name each other).
  haSpecs.forEach(([fp, spec, , hasM], i) => {
    const f = functions[i];
    // A gray failure stays in rotation: only a load balancer's group (active-active) spreads requests over it.
    const gray = f.instances.length > 0 ? components[f.instances[0].top].modes.find((m) => m.degraded > 0) : undefined;
    if (gray !== undefined && spec?.mechanism !== 'active-active') {
      b.fail([...fp, 'app'], `its application's failure mode '${gray.name}' is a gray failure (degraded), which only an active-active group models (requests spread over instances in rotation); give this group 'ha: { mechanism: active-active, ... }' or use another component type`);
    }
    if (!spec) return;
    const hp: Seg[] = [...fp, 'ha'];
    const ref = (name: string, key: string): number => {
      const idx = functionIndex.get(name);
      if (idx === undefined) {
        b.fail([...hp, key], unknown('VNF or VIM service', name, [...functionIndex.keys()]));
        return -1;
      }
      if (idx === i) {
        b.fail([...hp, key], `'${name}' cannot depend on itself`);
        return -1;
      }
      f.requires.push(idx);
      return idx;
    };
    switch (spec.mechanism) {
      case 'k-of-n':
        break;
      case 'active-passive': {
        // Watched, not required: the group serves while its cluster manager is down.
        const cm = spec.clusterManager === undefined ? -1 : (functionIndex.get(spec.clusterManager) ?? -1);
        if (spec.clusterManager !== undefined && cm < 0) b.fail([...hp, 'clusterManager'], unknown('VNF or VIM service', spec.clusterManager, [...functionIndex.keys()]));
        else if (cm === i) b.fail([...hp, 'clusterManager'], `'${spec.clusterManager}' cannot be its own cluster manager`);
        if (hasM) b.fail([...fp, 'm'], 'm has no effect on active-passive: the one active instance carries the full load; remove it');
        if (f.n < 2) b.fail([...fp, 'instances'], 'active-passive needs at least 2 instances (an active and a standby)');
        if (f.k !== 1) b.fail([...fp, 'k'], `active-passive runs one active instance: k must be 1, got ${f.k}`);
        const det = detector(b, spec.detector, [...hp, 'detector']);
        const switchover = delay(b, spec.switchover, [...hp, 'switchover']);
        const manual = spec.manual !== undefined ? delay(b, spec.manual, [...hp, 'manual']) : null;
        const sbr = spec.splitBrainRecovery !== undefined ? delay(b, spec.splitBrainRecovery, [...hp, 'splitBrainRecovery']) : null;
        const standbyCheck = spec.standbyCheck !== undefined ? b.duration(spec.standbyCheck, [...hp, 'standbyCheck']) : null;
        let fencing: FencingModel | null = null;
        if (spec.fencing) {
          const fpth: Seg[] = [...hp, 'fencing'];
          const time = delay(b, spec.fencing.time, [...fpth, 'time']);
          const operator = spec.fencing.operator !== undefined ? delay(b, spec.fencing.operator, [...fpth, 'operator']) : null;
          if (spec.fencing.onFailure === 'wait' && spec.fencing.success < 1 && !operator) {
            b.fail(fpth, "fencing can fail and the policy is 'wait': give 'operator', the time an operator takes");
          }
          if (spec.fencing.escalation) b.fail([...fpth, 'escalation'], 'fencing escalation is for evacuation (levels before the power fence of a host); an active/passive takeover fences the old node in one step: remove it');
          if (time && operator !== undefined) fencing = { time, success: spec.fencing.success, onFailure: spec.fencing.onFailure, operator, escalation: [] };
        }
        // A failed failover (coverage < 1) needs a manual recovery time.
        if (!manual && spec.coverage < 1) b.fail([...hp, 'manual'], "coverage < 1: give 'manual', the manual recovery time after a failed failover");
        let partition: { link: number; detection: Distribution | null; quorumDevice: boolean } | null | undefined = null;
        if (spec.partition) {
          const pp: Seg[] = [...hp, 'partition'];
          const link = sharedTop.get(spec.partition.link);
          if (link === undefined) b.fail([...pp, 'link'], unknown('shared element', spec.partition.link, sharedNames));
          const detection = spec.partition.detection !== undefined ? delay(b, spec.partition.detection, [...pp, 'detection']) : null;
          if (spec.partition.detection === undefined && spec.detector.interval === undefined) {
            b.fail([...pp, 'detection'], "the detector has no beats to miss (no 'interval'): give the time to declare the active failed when the link is cut");
          }
          partition = link !== undefined && link >= 0 && detection !== undefined ? { link, detection, quorumDevice: spec.partition.quorumDevice } : undefined;
        }
        if (!spec.fencing && !sbr && (spec.aliveProbability > 0 || spec.detector.loss > 0 || (spec.partition && !spec.partition.quorumDevice))) {
          b.fail([...hp, 'splitBrainRecovery'], 'a takeover without fencing can cause split brain here (aliveProbability > 0, lost beats or a partitionable link): give splitBrainRecovery');
        } else if (spec.fencing?.onFailure === 'takeover' && spec.fencing.success < 1 && !sbr) {
          b.fail([...hp, 'splitBrainRecovery'], "fencing can fail with policy 'takeover', which can cause split brain: give splitBrainRecovery");
        }
        if (det && switchover && manual !== undefined && sbr !== undefined && partition !== undefined) {
          f.ha = {
            mechanism: 'active-passive',
            partition,
            detector: det,
            switchover,
            coverage: spec.coverage,
            manual,
            standbyCheck: standbyCheck !== null && Number.isFinite(standbyCheck) ? standbyCheck : null,
            fencing,
            aliveProbability: spec.aliveProbability,
            splitBrainRecovery: sbr,
            clusterManager: cm,
          };
        }
        break;
      }
      case 'active-active': {
        const det = detector(b, spec.detector, [...hp, 'detector']);
        const balancer = spec.balancer !== undefined ? ref(spec.balancer, 'balancer') : -1;
        if (det) f.ha = { mechanism: 'active-active', detector: det, balancer, downBelow: spec.downBelow };
        break;
      }
      case 'quorum': {
        if (hasM) b.fail([...fp, 'm'], 'm has no effect on a quorum: it is up at full capacity while k members and a leader are; remove it');
        if (f.k * 2 <= f.n) b.fail([...fp, 'k'], `a quorum needs a majority: k (${f.k}) must exceed half of ${f.n}`);
        const electionTimeout = delay(b, spec.electionTimeout, [...hp, 'electionTimeout']);
        let links: number[] | null = null;
        if (spec.partition) {
          const lp: Seg[] = [...hp, 'partition', 'links'];
          if (spec.partition.links.length !== f.n) b.fail(lp, `give one entry per member: ${f.n} (an element name, or null for a member never cut off), got ${spec.partition.links.length}`);
          links = spec.partition.links.map((name, j) => {
            if (name === null) return -1;
            const c = sharedTop.get(name);
            if (c === undefined) b.fail([...lp, j], unknown('shared element', name, sharedNames));
            return c ?? -1;
          });
        }
        if (electionTimeout) f.ha = { mechanism: 'quorum', electionTimeout, links, quorumDevice: spec.partition?.quorumDevice ?? false };
        break;
      }
      case 'message-queue': {
        const broker = ref(spec.broker, 'broker');
        f.ha = { mechanism: 'message-queue', broker };
        break;
      }
      case 'lease': {
        if (hasM) b.fail([...fp, 'm'], 'm has no effect on a lease: it is up at full capacity while a member holds the lease; remove it');
        if (f.k !== 1) b.fail([...fp, 'k'], `a lease needs one leader: k must be 1 (got ${f.k}); for a majority use the quorum mechanism`);
        const takeover = delay(b, spec.takeover, [...hp, 'takeover']);
        if (takeover) f.ha = { mechanism: 'lease', takeover };
        break;
      }
    }
  });
  // Dependencies must not form a cycle.
  const visiting = new Set<number>();
  const done = new Set<number>();
  const cyclic = (i: number): boolean => {
    if (done.has(i)) return false;
    if (visiting.has(i)) return true;
    visiting.add(i);
    const c = functions[i].requires.some(cyclic);
    visiting.delete(i);
    done.add(i);
    return c;
  };
  functions.forEach((f, i) => {
    if (cyclic(i)) b.fail([f.kind === 'vim' ? 'vim' : 'vnfs', f.name, 'ha'], `'${f.name}' depends on itself through its balancer or broker`);
  });

  // Services.
  const services: ServiceModel[] = [];
  const fnNames = [...Object.keys(topology.vim), ...Object.keys(topology.vnfs)];
  const elementComponent = (n: string): number | undefined => sharedTop.get(n) ?? rackTop.get(n) ?? siteTop.get(n);
  for (const [name, spec] of Object.entries(topology.services)) {
    const chain: number[] = [];
    const kinds = new Set<string>();
    if ((spec.chain === undefined) === (spec.up === undefined)) {
      b.fail(['services', name], "give exactly one of 'chain' (VNFs or VIM services in series) and 'up' (an expression)");
      continue;
    }
    if (spec.up !== undefined) {
      const logic = serviceLogic(b, spec.up, ['services', name, 'up'], functionIndex, functions, elementComponent);
      if (!logic) continue;
      for (const l of logic.leaves) if (l.kind === 'group') chain.push(l.index);
      const plane = functions[chain[0]].kind === 'vim' ? 'control' : 'data';
      services.push({ name, plane, chain, logic, sal: spec.sal ?? null, target: b.availabilityTarget(spec.target, ['services', name, 'target']) });
      continue;
    }
    spec.chain!.forEach((member, i) => {
      const idx = functionIndex.get(member);
      if (idx === undefined) {
        if (!fnNames.includes(member)) b.fail(['services', name, 'chain', i], unknown('VNF or VIM service', member, fnNames));
        return;
      }
      if (chain.includes(idx)) b.fail(['services', name, 'chain', i], `'${member}' appears twice in the chain`);
      chain.push(idx);
      kinds.add(functions[idx].kind);
    });
    if (kinds.size > 1) {
      b.fail(['services', name, 'chain'], 'a chain holds VNFs (data plane) or VIM services (control plane), not both: the data plane runs while the VIM is down');
    }
    services.push({ name, plane: kinds.has('vim') ? 'control' : 'data', chain, logic: null, sal: spec.sal ?? null, target: b.availabilityTarget(spec.target, ['services', name, 'target']) });
  }

  // Nothing to simulate is a mistake, not a run that reports nothing.
  if (Object.keys(topology.hosts).length === 0) b.fail(['hosts'], 'no host group: a topology needs at least one host for its instances to run on');
  if (services.length === 0) b.fail(['services'], 'no service: give at least one service (a chain of VNFs or of VIM services) to report on');

  // Simulation defaults.
  const sim = topology.simulation;
  const warmup = sim.warmup !== undefined ? b.duration(sim.warmup, ['simulation', 'warmup']) : 0;
  let horizon: number;
  let horizonReason: string;
  if (sim.horizon !== undefined) {
    horizon = b.duration(sim.horizon, ['simulation', 'horizon']);
    horizonReason = 'set in the topology file';
    if (!(horizon > 0)) b.fail(['simulation', 'horizon'], 'the horizon must be > 0');
  } else {
    horizon = defaultHorizon(maxMttf.seconds);
    const rule = `${HORIZON_MTTF_FACTOR} x the largest MTTF (${maxMttf.path || 'none'}), at least 10y`;
    horizonReason = horizon < HORIZON_MTTF_FACTOR * maxMttf.seconds ? `default: ${rule}, capped at ${MAX_DEFAULT_HORIZON / YEAR}y` : `default: ${rule}`;
  }

  // Evacuation / replica sets (after services, which they name).
  // Recovery (after the HA mechanisms: its detector defaults to theirs).
  recoverySpecs.forEach(([fp, spec], i) => {
    if (!spec.recovery) return;
    const f = functions[i];
    const rp: Seg[] = [...fp, 'recovery'];
    if (spec.supervision) b.fail(rp, "a VNF has either 'supervision' or 'recovery' (both would take over the repair of its application): keep one");
    const own = spec.recovery.detector ? detector(b, spec.recovery.detector, [...rp, 'detector']) : null;
    const det = own ?? ('detector' in f.ha ? f.ha.detector : null);
    const notification = delay(b, spec.recovery.notification, [...rp, 'notification']);
    const undetected = spec.recovery.undetected !== undefined ? delay(b, spec.recovery.undetected, [...rp, 'undetected']) : null;
    // A zero registration is none (monitored at once).
    const regGiven = spec.recovery.registration !== undefined ? delay(b, spec.recovery.registration, [...rp, 'registration']) : null;
    const registration = regGiven && regGiven.mean === 0 ? null : regGiven;
    if (registration && (det === null || det === undefined || det.interval === Infinity)) b.fail([...rp, 'registration'], 'registration delays the monitoring by heartbeat beats, and no detector with beats (an interval) watches this VNF: give a detector with an interval, or remove it');
    const actions: RecoveryActionModel[] = [];
    /** Service names at `at` as indices: control-plane chains that do not contain this function. */
    const serviceRefs = (names: readonly string[], at: Seg[]): number[] => {
      const out: number[] = [];
      names.forEach((name, k) => {
        const s = services.findIndex((x) => x.name === name);
        if (s < 0) b.fail([...at, k], unknown('service', name, services.map((x) => x.name)));
        else if (services[s].plane !== 'control') b.fail([...at, k], `'${name}' is a data-plane service; name a chain of VIM services`);
        else if (services[s].chain.includes(i)) b.fail([...at, k], `'${name}' contains this VNF or VIM service itself: its recovery cannot wait for itself`);
        else out.push(s);
      });
      return out;
    };
    const managers = serviceRefs(spec.recovery.managers, [...rp, 'managers']);
    if (managers.length > 0 && notification && notification.mean === 0) b.fail([...rp, 'notification'], 'a notification through managers must take some time (a zero time would only wait)');
    const lost = spec.recovery.onManagerDown === 'lost';
    if (lost && managers.length === 0) b.fail([...rp, 'onManagerDown'], "onManagerDown has no effect without 'managers': give managers, or remove it");
    if (lost && spec.recovery.undetected === undefined) b.fail([...rp, 'undetected'], "a lost notification is noticed by an operator: give 'undetected', the time it takes");
    spec.recovery.actions.forEach((a, j) => {
      const ap: Seg[] = [...rp, 'actions', j];
      const time = delay(b, a.time, [...ap, 'time']);
      const needs = serviceRefs(a.needs, [...ap, 'needs']);
      if (time && needs.length > 0 && time.mean === 0) b.fail([...ap, 'time'], 'an action that needs the control plane must take some time (a zero time would only wait)');
      if (time) actions.push({ action: a.action, time, success: a.success, needs });
    });
    if (own === undefined || !notification || undetected === undefined || registration === undefined || actions.length < spec.recovery.actions.length) return;
    const base = f.hasVm && actions.some((a) => a.action !== 'restart');
    // Every failure it takes over must be seen by something: the detector, or an operator.
    const inst = f.instances[0];
    if (undetected === null && inst !== undefined) {
      const taken = base && inst.base !== inst.top ? [inst.top, inst.base] : [inst.top];
      for (const ci of taken) {
        const c = components[ci];
        for (const m of c.modes) {
          const layer = LAYERS.indexOf(c.layer);
          // Announced failures are reported by the layer below when nothing else watches.
          const seen = det === null ? m.announced : detectorSees(det, layer, m.announced);
          if (!seen) {
            b.fail(rp, `failure '${m.name}' of component type '${c.type}' is ${m.announced ? 'announced' : 'silent'} and ${det === null ? 'no detector watches it' : `the detector (kind ${det.kind}${det.interval === Infinity ? ', no beats' : ''}) does not see it`}: give 'undetected' (the time an operator takes to notice it) or a detector that sees it`);
          } else if (registration !== null && det !== null && !otherPathsSee(det, layer, m.announced)) {
            b.fail(rp, `failure '${m.name}' of component type '${c.type}' is seen only by the detector's beats, which do not monitor an instance before it has registered ('registration'): give 'undetected' (the time an operator takes to notice it)`);
          }
        }
      }
    }
    f.recovery = { detector: det, notification, managers, lostWhenManagerDown: lost, undetected, registration, actions, base, restartOnLoss: spec.recovery.onControlPlaneLoss === 'restart' };
  });
  // Every silent failure is noticed by something before its repair starts: a recovery
  // chain that takes the component's repair over (checked above), or the mode's own
  // `undetected`. Never an implicit repair.
  {
    const taken = new Set<number>();
    for (const f of functions) {
      if (!f.recovery) continue;
      for (const inst of f.instances) {
        taken.add(inst.top);
        if (f.recovery.base) taken.add(inst.base);
      }
    }
    const reported = new Set<string>();
    for (const c of components) {
      if (taken.has(c.index)) continue;
      for (const m of c.modes) {
        const key = `${c.type}/${m.name}`;
        if (m.announced || reported.has(key) || topology.components[c.type]?.failures[m.name]?.undetected !== undefined) continue;
        reported.add(key);
        b.fail(
          ['components', c.type, 'failures', m.name],
          `a silent failure is repaired only once something notices it, and nothing notices it on ${c.path}: give 'undetected' here (the time until an operator or a monitor notices it; '0s': at once), or a 'recovery' on its VNF or VIM service whose detector sees it`,
        );
      }
    }
  }
  evacSpecs.forEach(([fp, spec], i) => {
    if (!spec.evacuation && !spec.replicaSet) return;
    const f = functions[i];
    if (spec.evacuation && spec.replicaSet) {
      b.fail(fp, "give 'evacuation' (OpenStack) or 'replicaSet' (Kubernetes), not both");
      return;
    }
    const key = spec.evacuation ? 'evacuation' : 'replicaSet';
    const ep: Seg[] = [...fp, key];
    const vimName = spec.evacuation ? spec.evacuation.vim : spec.replicaSet!.controlPlane;
    const vim = services.findIndex((x) => x.name === vimName);
    const vimKey = spec.evacuation ? 'vim' : 'controlPlane';
    if (vim < 0) {
      b.fail([...ep, vimKey], unknown('service', vimName, services.map((x) => x.name)));
      return;
    }
    if (services[vim].plane !== 'control') b.fail([...ep, vimKey], `'${vimName}' is a data-plane service; name a chain of VIM services`);
    const candidates = f.candidates;
    let model: EvacuationModel | undefined;
    if (spec.evacuation) {
      const e = spec.evacuation;
      const detection = delay(b, e.detection, [...ep, 'detection']);
      const wait = delay(b, e.wait, [...ep, 'wait']);
      const rebuild = delay(b, e.rebuild, [...ep, 'rebuild']);
      let fencing: FencingModel | null = null;
      if (e.fencing) {
        const time = delay(b, e.fencing.time, [...ep, 'fencing', 'time']);
        const operator = e.fencing.operator !== undefined ? delay(b, e.fencing.operator, [...ep, 'fencing', 'operator']) : null;
        if (e.fencing.onFailure === 'wait' && e.fencing.success < 1 && !operator) b.fail([...ep, 'fencing'], "fencing can fail and the policy is 'wait': give 'operator', the time an operator takes");
        const escalation = (e.fencing.escalation ?? []).map((lv, j) => ({ scope: lv.scope, time: delay(b, lv.time, [...ep, 'fencing', 'escalation', j, 'time']), success: lv.success }));
        if (time && operator !== undefined && escalation.every((lv) => lv.time !== undefined)) {
          fencing = { time, success: e.fencing.success, onFailure: e.fencing.onFailure, operator, escalation: escalation.map((lv) => ({ ...lv, time: lv.time! })) };
        }
      }
      const sb = e.splitBrain;
      const reconcile = sb?.reconcile !== undefined ? delay(b, sb.reconcile, [...ep, 'splitBrain', 'reconcile']) : null;
      const operator = sb?.operator !== undefined ? delay(b, sb.operator, [...ep, 'splitBrain', 'operator']) : null;
      if (detection && wait && rebuild && reconcile !== undefined && operator !== undefined)
        model = { style: 'evacuation', vim, detection, wait, fencing, rebuild, candidates, policy: spec.placement.policy, splitBrain: { reconcile, operator } };
    } else {
      const r = spec.replicaSet!;
      const detection = delay(b, r.nodeMonitorGracePeriod, [...ep, 'nodeMonitorGracePeriod']);
      const wait = delay(b, r.podEvictionTimeout, [...ep, 'podEvictionTimeout']);
      const rebuild = delay(b, r.podStart, [...ep, 'podStart']);
      if (detection && wait && rebuild) model = { style: 'replicaSet', vim, detection, wait, fencing: null, rebuild, candidates, policy: spec.placement.policy, splitBrain: { reconcile: null, operator: null } };
    }
    if (model) f.evacuation = model;
  });

  if (Number.isFinite(horizon) && Number.isFinite(warmup) && warmup >= horizon) {
    b.fail(['simulation', 'warmup'], `the warm-up (${sim.warmup}) must be shorter than the horizon (${sim.horizon ?? 'default'})`);
  }
  const mt = topology.metrics;
  const defaultsSal = [
    { detection: 1, recovery: 6 },
    { detection: 5, recovery: 15 },
    { detection: 10, recovery: 25 },
  ];
  const salBounds = defaultsSal.map((d, i) => {
    const o = mt.salBounds?.[(i + 1) as 1 | 2 | 3];
    if (!o) return d;
    return {
      detection: b.duration(o.detection, ['metrics', 'salBounds', String(i + 1), 'detection']),
      recovery: b.duration(o.recovery, ['metrics', 'salBounds', String(i + 1), 'recovery']),
    };
  });
  const metrics: MetricsModel = {
    probation: b.duration(mt.probation, ['metrics', 'probation']),
    capacityThresholds: mt.capacityThresholds,
    salTolerance: mt.salTolerance,
    salBounds,
    downtimeBudget: b.duration(mt.downtimeBudget, ['metrics', 'downtimeBudget']),
  };

  const commonCauses: CommonCauseModel[] = commons
    .map((cc) => ({ ...cc, components: components.filter((c) => c.type === cc.type).map((c) => c.index) }))
    .filter((cc) => cc.components.length > 0);
  const shared: SharedModel[] = sharedNames
    .filter((n) => sharedTop.get(n)! >= 0)
    .map((n) => {
      const ci = sharedTop.get(n)!;
      return { name: n, component: ci, hosts: sharedHosts.get(n)!, dependents: components[ci].children.filter((ch) => components[ch].parent !== ci) };
    });

  const planned = plannedWork(b, topology, hosts, groupHosts, functions, functionIndex, services);

  const crews = crewModels(b, topology, components, functions, services);
  if (b.issues.length > 0) throw new TopologyError(file, b.issues);
  return deepFreeze({
    ...planned,
    commonCauses,
    shared,
    sites: siteNames.map((name) => ({ name, component: siteTop.get(name)! })),
    racks: rackNames.map((name) => ({
      name,
      site: topology.racks[name].site ?? null,
      component: components.findIndex((c) => c.path === `racks.${name}`),
    })),
    metrics,
    name: topology.name ?? file,
    file,
    components,
    functions,
    services,
    hosts,
    crews,
    defaults: { runs: sim.runs ?? DEFAULT_RUNS, horizon, horizonReason, warmup, seed: sim.seed ?? DEFAULT_SEED },
    maxMttf,
  });
}

/**
 * The crew pools: a number is a FIFO pool of that size; a policy resolves its order, its
 * ranks (with order priority: per component the layer index, or its SAL class: the best
 * SAL of the services whose groups have an instance on it or on what it supports, 4 for
 * none) and its dispatch time.
 */
function crewModels(
  b: Builder,
  topology: Topology,
  components: readonly ComponentModel[],
  functions: readonly FunctionModel[],
  services: readonly ServiceModel[],
): CrewModel[] {
  let salClass: number[] | null = null;
  const salClasses = (): number[] => {
    const out = components.map(() => 4);
    // The supports of each component: its parent, and the shared elements (and their members) it rests on.
    const supports = components.map((c) => (c.parent >= 0 ? [c.parent] : []));
    for (const c of components) for (const ch of c.children) if (components[ch].parent !== c.index) supports[ch].push(c.index);
    for (const s of services) {
      if (s.sal === null) continue;
      const seen = new Set<number>();
      const visit = (ci: number) => {
        if (seen.has(ci)) return;
        seen.add(ci);
        out[ci] = Math.min(out[ci], s.sal!);
        supports[ci].forEach(visit);
      };
      for (const fi of s.chain) for (const inst of functions[fi].instances) visit(inst.top);
    }
    return out;
  };
  return Object.entries(topology.crews).map(([name, spec]): CrewModel => {
    if (typeof spec === 'number') return { name, size: spec, order: 'fifo', rank: null, dispatch: null, preemptive: false };
    const cp: Seg[] = ['crews', name];
    if (spec.priority !== undefined && spec.order !== 'priority') b.fail([...cp, 'priority'], "'priority' goes with order: priority");
    if (spec.preemptive && spec.order !== 'priority') b.fail([...cp, 'preemptive'], "'preemptive' goes with order: priority");
    let rank: number[] | null = null;
    if (spec.order === 'priority') {
      if (spec.priority === undefined) b.fail([...cp, 'priority'], "order priority needs 'priority': layer or sal");
      else rank = spec.priority === 'layer' ? components.map((c) => LAYERS.indexOf(c.layer)) : (salClass ??= salClasses());
    }
    const dispatch = spec.dispatch !== undefined ? (delay(b, spec.dispatch, [...cp, 'dispatch']) ?? null) : null;
    return { name, size: spec.size, order: spec.order, rank, dispatch, preemptive: spec.preemptive };
  });
}

/**
 * Resolves a service's `up` expression at `path`: names into leaves (a VNF or VIM service,
 * else a shared element, rack or site: `element` gives its component, -1 when it never
 * fails), operators checked. Reports and returns undefined when anything is wrong.
 */
function serviceLogic(
  b: Builder,
  spec: ServiceLogicInput,
  path: Seg[],
  functionIndex: ReadonlyMap<string, number>,
  functions: readonly FunctionModel[],
  element: (name: string) => number | undefined,
): LogicModel | undefined {
  const leaves: LogicLeaf[] = [];
  const leafOf = new Map<string, number>();
  let ok = true;
  const fail = (at: Seg[], message: string) => {
    b.fail(at, message);
    ok = false;
  };
  const node = (x: ServiceLogicInput, at: Seg[]): LogicNode => {
    if (typeof x === 'string') {
      let leaf = leafOf.get(x);
      if (leaf === undefined) {
        const g = functionIndex.get(x);
        const c = element(x);
        if (g !== undefined && c !== undefined) fail(at, `'${x}' names both a VNF or VIM service and an infrastructure element: rename one`);
        else if (g === undefined && c === undefined) fail(at, unknown('VNF, VIM service, shared element, rack or site', x, [...functionIndex.keys()]));
        leaf = leaves.push(g !== undefined ? { kind: 'group', index: g, name: x } : { kind: 'element', component: c ?? -1, name: x }) - 1;
        leafOf.set(x, leaf);
      }
      return { op: 'leaf', leaf };
    }
    const ops = (['all', 'any', 'of'] as const).filter((k) => x[k] !== undefined);
    if (ops.length !== 1) {
      fail(at, ops.length === 0 ? "expected one of 'all', 'any' or 'of' (with k)" : `give one of ${ops.map((o) => `'${o}'`).join(', ')}, not several (nest them)`);
      return { op: 'all', parts: [] };
    }
    const op = ops[0];
    const parts = x[op]!.map((p, i) => node(p, [...at, op, i]));
    if (op !== 'of') {
      for (const key of ['k', 'weights'] as const) if (x[key] !== undefined) fail([...at, key], `'${key}' goes with 'of', not with '${op}'`);
      return op === 'all' ? { op: 'all', parts } : { op: 'k', k: 1, weights: parts.map(() => 1), parts };
    }
    const weights = x.weights ?? parts.map(() => 1);
    if (weights.length !== parts.length) fail([...at, 'weights'], `expected ${parts.length} weights (one per part in 'of'), got ${weights.length}`);
    const total = weights.reduce((a, w) => a + w, 0);
    if (x.k === undefined) fail(at, "'of' needs 'k': how many parts (or how much of their weights) must be up");
    else if (x.k > total) fail([...at, 'k'], `k (${x.k}) exceeds ${x.weights ? 'the sum of the weights' : 'the number of parts'} (${total}): the service could never be up`);
    return { op: 'k', k: x.k ?? 1, weights, parts };
  };
  const root = node(spec, path);
  const kinds = new Set(leaves.filter((l) => l.kind === 'group').map((l) => functions[(l as { index: number }).index].kind));
  if (ok && kinds.size === 0) fail(path, 'an expression needs at least one VNF or VIM service (infrastructure elements alone carry no service)');
  if (kinds.size > 1) fail(path, 'an expression holds VNFs (data plane) or VIM services (control plane), not both: the data plane runs while the VIM is down');
  return ok ? { root, leaves, text: logicText(root, leaves) } : undefined;
}

/** True when component `c` is an impact zone of its own: a site, a rack, a shared element or a host's hardware (a redundant set is not: its members are). */
export function isImpactZone(c: ComponentModel): boolean {
  return (c.layer === 'site' || c.layer === 'rack' || c.layer === 'hardware') && c.redundancy === undefined;
}

/** The pseudo component type of a redundant set's component (it never fails itself). */
export const REDUNDANT_SET_TYPE = '(redundant set)';

/**
 * Checks the redundant set `name` (a shared entry with `of`) and adds its component: a
 * component of layer rack without failure modes or parent, one more child of each member,
 * whose restart time is the set's failover time (ComponentSim runs the set's rule).
 * Returns its index, or -1 after reporting.
 */
function redundantSet(
  b: Builder,
  name: string,
  spec: Topology['shared'][string],
  all: Topology['shared'],
  sharedTop: Map<string, number>,
  components: Array<ComponentModel & { children: number[] }>,
): number {
  const sp: Seg[] = ['shared', name];
  const of = spec.of!;
  let ok = true;
  if (spec.component !== undefined) {
    b.fail([...sp, 'component'], "a redundant set has no component of its own (its members have): give 'component' or 'of', not both");
    ok = false;
  }
  if (spec.site !== undefined) {
    b.fail([...sp, 'site'], 'a redundant set stands where its members do: give the site on each member');
    ok = false;
  }
  const members: number[] = [];
  of.forEach((m, i) => {
    const at: Seg[] = [...sp, 'of', i];
    if (!(m in all) || m === '__proto__') {
      b.fail(at, unknown('shared element', m, Object.keys(all).filter((x) => all[x].of === undefined)));
      ok = false;
    } else if (all[m].of !== undefined) {
      b.fail(at, `'${m}' is a redundant set itself: a set is made of shared elements with a component`);
      ok = false;
    } else if (of.indexOf(m) !== i) {
      b.fail(at, `shared element '${m}' is listed twice`);
      ok = false;
    } else if ((sharedTop.get(m) ?? -1) >= 0) members.push(sharedTop.get(m)!);
    else ok = false;
  });
  const k = spec.k ?? 1;
  if (k > of.length) {
    b.fail([...sp, 'k'], `k (${k}) must not exceed the members (${of.length})`);
    ok = false;
  }
  const failover = spec.failover !== undefined ? delay(b, spec.failover, [...sp, 'failover']) : ZERO;
  if (!ok || !failover) return -1;
  const index = components.length;
  components.push({ index, path: `shared.${name}`, type: REDUNDANT_SET_TYPE, layer: 'rack', parent: -1, children: [], modes: [], restart: failover, crew: -1, redundancy: { members, k, failover } });
  for (const m of members) components[m].children.push(index);
  return index;
}

/**
 * The per-component time to failure of mode `mode` of type `type`, given its `beta` or
 * `common` (see CommonCauseModel), and the common clock it adds to `out`. Without either
 * (or with beta 0) the ttf is returned unchanged and no clock is added. Reports (and
 * returns undefined) a beta on a non-exponential ttf, or beta together with common.
 */
function commonCause(
  b: Builder,
  ms: Topology['components'][string]['failures'][string],
  ttf: Distribution,
  mp: Seg[],
  type: string,
  mode: string,
  modeIndex: number,
  out: Array<Omit<CommonCauseModel, 'components'>>,
): Distribution | undefined {
  const path = formatPath(mp);
  if (ms.beta !== undefined && ms.common) {
    b.fail([...mp, 'common'], "give 'beta' (a share of an exponential rate in common) or 'common: true' (the whole mode in common), not both");
    return undefined;
  }
  if (ms.common) {
    out.push({ type, mode, modeIndex, ttf, beta: null, path });
    return new Never();
  }
  const beta = ms.beta;
  if (beta === undefined || beta === 0) return ttf;
  if (!(ttf instanceof Exponential)) {
    b.fail([...mp, 'beta'], `a beta factor splits a constant failure rate: it needs an exponential ttf, got ${ttf.kind} (use 'common: true' for a shared clock of any distribution)`);
    return undefined;
  }
  // The two clocks' means overflow for a beta near 0 (mean / 5e-324) or a mean near the
  // largest double (mean / (1 - beta)): refused here, as a bad value at `beta`.
  const commonMean = ttf.mean / beta;
  const ownMean = beta < 1 ? ttf.mean / (1 - beta) : 0;
  if (!Number.isFinite(commonMean) || !Number.isFinite(ownMean)) {
    b.fail(
      [...mp, 'beta'],
      `beta ${beta} splits a mean time to failure of ${ttf.mean} s into clocks of mean ${commonMean} s (in common: mean / beta)${beta < 1 ? ` and ${ownMean} s (its own: mean / (1 - beta))` : ''}; each must be a finite number of seconds (beta 0: no common cause)`,
    );
    return undefined;
  }
  out.push({ type, mode, modeIndex, ttf: new Exponential(commonMean), beta, path });
  return beta < 1 ? new Exponential(ownMean) : new Never();
}

/**
 * The default horizon (seconds) for a system whose largest mean time to failure is
 * `maxMttf` seconds: HORIZON_MTTF_FACTOR x maxMttf in whole years, at least
 * MIN_DEFAULT_HORIZON and at most MAX_DEFAULT_HORIZON.
 */
export function defaultHorizon(maxMttf: number): number {
  const h = Math.min(MAX_DEFAULT_HORIZON, Math.max(MIN_DEFAULT_HORIZON, HORIZON_MTTF_FACTOR * maxMttf));
  // The epsilon keeps a mean such as 2.0000000000000004 y from adding a whole year.
  return Math.ceil(h / YEAR - 1e-9) * YEAR;
}

function unknown(what: string, name: string, known: string[]): string {
  const list = known.length === 0 ? 'none are defined' : `expected one of: ${known.map((k) => `'${k}'`).join(', ')}`;
  return `unknown ${what} '${name}' (${list})`;
}

/**
 * Puts each host in its zones (`zones`: per kind, zone name -> host groups, hosts, racks
 * or sites), checking the names and that a host is in at most one zone of a kind.
 */
function userZones(b: Builder, topology: Topology, hosts: HostModel[], groupHosts: ReadonlyMap<string, HostModel[]>): void {
  for (const [kind, zones] of Object.entries(topology.zones ?? {})) {
    const where = new Map<string, string>();
    for (const [zone, members] of Object.entries(zones)) {
      members.forEach((m, i) => {
        const at: Seg[] = ['zones', kind, zone, i];
        const list = groupHosts.get(m) ?? hosts.filter((h) => h.name === m || h.rack === m || h.site === m);
        if (list.length === 0) {
          const known = m in topology.racks || m in topology.sites;
          b.fail(at, known ? `'${m}' holds no host` : `unknown host group, host, rack or site '${m}'`);
          return;
        }
        for (const h of list) {
          const before = where.get(h.name);
          if (before !== undefined && before !== zone) b.fail(at, `host '${h.name}' is already in zone '${before}' of kind '${kind}' (a host is in at most one zone of a kind)`);
          else {
            where.set(h.name, zone);
            (h.zones as Record<string, string>)[kind] = zone;
          }
        }
      });
    }
  }
}

/**
 * The placement domain that `policy` keeps a function's instances apart in, for `host`:
 * the host (anti-affinity), its rack, its site, or its zone of kind `zone`; null when the
 * host has none (it cannot take an instance under that policy); undefined for policies
 * that keep nothing apart (spread, pack). The rule of placement and of every later move
 * (evacuation, maintenance): two instances never share a domain.
 */
export function placementDomain(policy: PlacementPolicy, zone: string | null, host: HostModel): string | null | undefined {
  switch (policy) {
    case 'anti-affinity':
      return host.name;
    case 'rack-anti-affinity':
      return host.rack;
    case 'site-anti-affinity':
      return host.site;
    case 'zone-anti-affinity':
      return zone !== null ? (host.zones[zone] ?? null) : null;
    default:
      return undefined;
  }
}

/** Places n instances per the placement spec; reports and returns undefined if impossible. */
function place(
  b: Builder,
  fp: Seg[],
  n: number,
  spec: Topology['vnfs'][string]['placement'],
  hostByName: Map<string, HostModel>,
  groupHosts: Map<string, HostModel[]>,
  groupNames: string[],
  used: Map<string, number>,
  zoneKinds: string[],
): HostModel[] | undefined {
  const pp: Seg[] = [...fp, 'placement'];
  const free = (h: HostModel) => (used.get(h.name) ?? 0) < h.slots;
  const take = (h: HostModel) => used.set(h.name, (used.get(h.name) ?? 0) + 1);
  if (spec.hosts !== undefined) {
    if (spec.group !== undefined) {
      b.fail(pp, "give either 'hosts' (explicit) or 'group' (with a policy), not both");
      return undefined;
    }
    if (spec.hosts.length !== n) {
      b.fail([...pp, 'hosts'], `expected ${n} host names (one per instance), got ${spec.hosts.length}`);
      return undefined;
    }
    const out: HostModel[] = [];
    let ok = true;
    spec.hosts.forEach((name, i) => {
      const h = hostByName.get(name);
      if (!h) {
        b.fail([...pp, 'hosts', i], unknown('host', name, [...hostByName.keys()].slice(0, 20)));
        ok = false;
        return;
      }
      // An explicit placement must keep the stated policy (evacuation keeps it later too).
      if (spec.policy === 'anti-affinity' && out.some((o) => o.name === name)) {
        b.fail([...pp, 'hosts', i], `anti-affinity: host '${name}' is listed twice`);
        ok = false;
        return;
      }
      if (spec.policy === 'rack-anti-affinity' && (h.rack === null || out.some((o) => o.rack === h.rack))) {
        b.fail([...pp, 'hosts', i], h.rack === null ? `rack anti-affinity: host '${name}' has no rack` : `rack anti-affinity: rack '${h.rack}' of host '${name}' is already used`);
        ok = false;
        return;
      }
      if (spec.policy === 'site-anti-affinity' || spec.policy === 'zone-anti-affinity') {
        const dom = placementDomain(spec.policy, spec.zone ?? null, h);
        const what = spec.policy === 'site-anti-affinity' ? 'site' : `zone of kind '${spec.zone}'`;
        if (dom === null || out.some((o) => placementDomain(spec.policy, spec.zone ?? null, o) === dom)) {
          b.fail([...pp, 'hosts', i], dom === null ? `${spec.policy}: host '${name}' is in no ${what}` : `${spec.policy}: ${what} '${dom}' of host '${name}' is already used`);
          ok = false;
          return;
        }
      }
      if (!free(h)) {
        b.fail([...pp, 'hosts', i], `host '${name}' has no free slot (slots: ${h.slots})`);
        ok = false;
        return;
      }
      take(h);
      out.push(h);
    });
    return ok ? out : undefined;
  }
  if (spec.group === undefined) {
    b.fail(pp, "expected 'hosts' (explicit host names) or 'group' (host group names with a policy)");
    return undefined;
  }
  const groups = Array.isArray(spec.group) ? spec.group : [spec.group];
  if (spec.policy === 'zone-anti-affinity' && spec.zone === undefined) {
    b.fail([...pp, 'zone'], "policy zone-anti-affinity needs 'zone': the kind of zones (a key of `zones`) that keep the instances apart");
    return undefined;
  }
  if (spec.zone !== undefined && spec.policy !== 'zone-anti-affinity') {
    b.fail([...pp, 'zone'], "'zone' goes with policy zone-anti-affinity");
    return undefined;
  }
  if (spec.zone !== undefined && !zoneKinds.includes(spec.zone)) {
    b.fail([...pp, 'zone'], unknown('kind of zones', spec.zone, zoneKinds));
    return undefined;
  }
  const candidates: HostModel[] = [];
  let ok = true;
  groups.forEach((g, i) => {
    const list = groupHosts.get(g);
    if (!list) {
      b.fail(Array.isArray(spec.group) ? [...pp, 'group', i] : [...pp, 'group'], unknown('host group', g, groupNames));
      ok = false;
    } else candidates.push(...list);
  });
  if (!ok) return undefined;
  const policy = spec.policy;
  if (policy === 'anti-affinity' && n > candidates.length) {
    b.fail([...pp, 'policy'], `impossible anti-affinity: ${n} instances need ${n} distinct hosts, group(s) ${groups.join(', ')} have ${candidates.length}`);
    return undefined;
  }
  if (policy === 'rack-anti-affinity') {
    const noRack = candidates.find((h) => h.rack === null);
    if (noRack) {
      b.fail([...pp, 'policy'], `rack anti-affinity needs racks, but host '${noRack.name}' has none (set 'racks' on its host group)`);
      return undefined;
    }
    const racks = new Set(candidates.map((h) => h.rack));
    if (n > racks.size) {
      b.fail([...pp, 'policy'], `impossible rack anti-affinity: ${n} instances need ${n} distinct racks, group(s) ${groups.join(', ')} span ${racks.size}`);
      return undefined;
    }
  }
  if (policy === 'site-anti-affinity' || policy === 'zone-anti-affinity') {
    const what = policy === 'site-anti-affinity' ? 'site' : `zone of kind '${spec.zone}'`;
    const dom = (h: HostModel) => placementDomain(policy, spec.zone ?? null, h);
    const none = candidates.find((h) => dom(h) === null);
    if (none) {
      b.fail([...pp, 'policy'], `${policy} needs every host in a ${what}, but host '${none.name}' is in none`);
      return undefined;
    }
    const doms = new Set(candidates.map(dom));
    if (n > doms.size) {
      b.fail([...pp, 'policy'], `impossible ${policy}: ${n} instances need ${n} distinct ${policy === 'site-anti-affinity' ? 'sites' : 'zones'}, group(s) ${groups.join(', ')} span ${doms.size}`);
      return undefined;
    }
  }
  const mine = new Map<string, number>();
  const myDomains = new Set<string | null>();
  const out: HostModel[] = [];
  for (let i = 0; i < n; i++) {
    let best: HostModel | undefined;
    let bestKey: [number, number] = [Infinity, Infinity];
    for (const h of candidates) {
      if (!free(h)) continue;
      const dom = placementDomain(policy, spec.zone ?? null, h);
      if (dom !== undefined && myDomains.has(dom)) continue;
      if (policy === 'pack') {
        best = h;
        break;
      }
      const key: [number, number] = [mine.get(h.name) ?? 0, used.get(h.name) ?? 0];
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
        best = h;
        bestKey = key;
      }
    }
    if (!best) {
      b.fail([...pp, 'policy'], `cannot place instance ${i + 1} of ${n} with policy '${policy}': no host in ${groups.join(', ')} has a free slot that satisfies it`);
      return undefined;
    }
    take(best);
    mine.set(best.name, (mine.get(best.name) ?? 0) + 1);
    const dom = placementDomain(policy, spec.zone ?? null, best);
    if (dom !== undefined) myDomains.add(dom);
    out.push(best);
  }
  return out;
}

/**
 * Freezes the model's plain objects, all the way down, and walks its arrays without
 * freezing them (they are readonly by type): V8's optimised code reads an element of a
 * frozen array through a generic keyed load, a call (some 8 times the time of a plain
 * read in a micro-test on Node 20), and the simulation reads the model's arrays on every
 * event. Distributions are immutable by construction: class instances are not entered.
 */
function deepFreeze<T>(o: T, seen = new Set<object>()): T {
  if (o && typeof o === 'object' && !seen.has(o)) {
    seen.add(o);
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && !Array.isArray(o)) return o;
    if (!Array.isArray(o)) Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v, seen);
  }
  return o;
}

/**
 * Checks a host group's `management` or `data` list once (at its first host): each name a
 * shared element (`shared`) or a side component's role (`beside`), none twice. Returns the
 * names that resolve.
 */
function planeRefs(
  b: { fail(path: Seg[], msg: string): void },
  names: readonly string[] | undefined,
  path: Seg[],
  sharedTop: ReadonlyMap<string, number>,
  sharedNames: readonly string[],
  /** The host group's side-component roles, or null (a rack: shared elements only). */
  roles: readonly string[] | null,
): string[] {
  const out: string[] = [];
  (names ?? []).forEach((n, i) => {
    if (out.includes(n)) b.fail([...path, i], `'${n}' is listed twice`);
    else if (!(roles ?? []).includes(n) && !sharedTop.has(n)) {
      const shared = `a shared element (${sharedNames.length > 0 ? sharedNames.join(', ') : "none: 'shared' is empty"})`;
      b.fail([...path, i], `unknown network element '${n}': expected ${shared}${roles === null ? '' : ` or a role of the group's 'beside' (${roles.length > 0 ? roles.join(', ') : 'none'})`}`);
    } else out.push(n);
  });
  return out;
}
