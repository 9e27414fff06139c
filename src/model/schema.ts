/**
 * The topology file format: the single source of truth for its TypeScript types
 * (`z.infer`), its JSON Schema (`nfvsim schema`) and its reference documentation
 * (the `.describe()` texts). Durations are strings with units ("30s", "4h", "1y").
 *
 * This schema checks shape only. Meaning (references between sections, k <= n,
 * feasible placement) is checked in `build.ts`, which reports the same kind of
 * path-addressed errors.
 */
import { z } from 'zod';
import { DURATION_PATTERN, durationProblem } from '../engine/units.js';

/**
 * A string schema for durations matching `pattern`, with the loader's messages: a string
 * that is not one says what is wrong with it (`durationProblem`: a sign, a unit written as
 * a word, no unit), else `message`. `positive`: zero is refused too.
 */
function durationString(pattern: RegExp, message: string, positive = false) {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? 'required: a duration with a unit'
          : typeof iss.input === 'number'
            ? `expected a duration with a unit, e.g. '${iss.input}h' or '${iss.input}s'; a bare number has no unit`
            : `expected a duration with a unit, e.g. '30s', got ${typeof iss.input}`,
    })
    .regex(pattern, { error: (iss) => (typeof iss.input === 'string' ? durationProblem(iss.input, positive) : null) ?? message })
    .describe("A duration: a number and a unit (ms, s, m|min, h, d, w, mo, y), e.g. '30s', '4h', '1y'. A year is 365 days.");
}

/** The layers of the NFV stack, bottom to top. */
export const LAYERS = ['site', 'rack', 'hardware', 'hostOS', 'hypervisor', 'vm', 'vim', 'vnf'] as const;

/** The placement policies (see PlacementSpec.policy). */
export const PLACEMENT_POLICIES = ['spread', 'anti-affinity', 'rack-anti-affinity', 'site-anti-affinity', 'zone-anti-affinity', 'pack'] as const;
/** A placement policy. */
export type PlacementPolicy = (typeof PLACEMENT_POLICIES)[number];

/** A service expression as written (see ServiceLogicSpec). */
export type ServiceLogicInput = string | { all?: ServiceLogicInput[]; any?: ServiceLogicInput[]; k?: number; of?: ServiceLogicInput[]; weights?: number[] };

/** The message of a service expression that is neither a name nor an operator object (load.ts looks into its object branch for deeper errors). */
export const LOGIC_UNION_ERROR = 'expected a name (a VNF, VIM service, shared element, rack or site) or one of {all: [...]}, {any: [...]}, {k: n, of: [...]}';

/** The message of a crew that is neither a number nor a policy object (load.ts looks into its object branch for deeper errors). */
export const CREW_UNION_ERROR = 'expected a number of crews, or {size: n, order: fifo | random | priority, priority: layer | sal, preemptive: true | false, dispatch: 1h}';

/**
 * Builds the schemas of the topology file. Run once, on first use (`topologySchemas`): some
 * 600 zod objects take some 25 ms at start-up, and a run whose topology was validated before
 * (model/cache.ts) never validates. zod objects are made in the same order as ever, so the
 * JSON Schema (its `$defs` numbered in that order) is the same.
 */
function buildSchemas() {
  /** A duration string with a unit. */
  const Duration = durationString(DURATION_PATTERN, "expected a duration with a unit, e.g. '200ms', '30s', '5m', '4h', '3d', '2y'");

  /**
   * A duration string that is not zero (the mean of an exponential): DURATION_PATTERN
   * with a look-ahead for a non-zero digit, so the JSON Schema refuses '0s' as the loader does.
   */
  const PositiveDuration = durationString(new RegExp(`^(?=\\s*[0.]*[1-9])${DURATION_PATTERN.source.slice(1)}`), "expected a duration above zero, e.g. '30s'", true);

  /** A rate string: a number per time unit, e.g. "2/y" (not zero). */
  const Rate = z
    .string()
    .regex(/^\s*(?=[0.]*[1-9])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*\/\s*(ms|s|min|m|h|d|w|mo|y)\s*$/, {
      message: "expected a rate above zero such as '2/y' or '0.5/h'",
    })
    .describe("Events per time unit, e.g. '2/y'.");

  const positive = z.number().positive().finite();

  /** A name (a key of a named collection). (`__proto__` is rejected before the schema: zod drops it.) */
  const Name = z.string().min(1, { message: 'a name must not be empty' });

  /** A distribution of durations, discriminated by `dist`. */
  const DistributionSpec = z
    .discriminatedUnion('dist', [
      z
        .strictObject({
          dist: z.literal('exponential'),
          mean: PositiveDuration.optional().describe('Mean duration (give mean or rate).'),
          rate: Rate.optional().describe('Rate = 1/mean (give mean or rate).'),
        })
        // Exactly one of mean and rate, in the JSON Schema as in the loader (build.ts).
        .meta({ oneOf: [{ required: ['mean'] }, { required: ['rate'] }] })
        .describe('Exponential (memoryless).'),
      z
        .strictObject({
          dist: z.literal('weibull'),
          shape: positive.describe('Shape k (k > 1: wear-out; k < 1: infant mortality).'),
          scale: Duration.describe('Scale lambda; mean = lambda * Gamma(1 + 1/k).'),
        })
        .describe('Weibull.'),
      z
        .strictObject({
          dist: z.literal('lognormal'),
          mean: Duration.optional().describe('Mean (with cv).'),
          cv: positive.optional().describe('Coefficient of variation sd/mean (with mean).'),
          mu: z.number().finite().optional().describe('Mean of ln(duration in seconds) (with sigma).'),
          sigma: positive.optional().describe('Standard deviation of ln(duration) (with mu).'),
        })
        .describe('Lognormal, from mean + cv or from mu + sigma (of the natural log of the duration in seconds).'),
      z
        .strictObject({
          dist: z.literal('gamma'),
          shape: positive.describe('Shape k.'),
          scale: Duration.describe('Scale theta; mean = k * theta.'),
        })
        .describe('Gamma.'),
      z
        .strictObject({
          dist: z.literal('normal'),
          mean: Duration.describe('Mean of the untruncated normal (> 0).'),
          sd: Duration.describe('Standard deviation of the untruncated normal.'),
        })
        .describe('Normal truncated at 0 (values below 0 are redrawn).'),
      z
        .strictObject({
          dist: z.literal('uniform'),
          min: Duration,
          max: Duration,
        })
        .describe('Uniform on [min, max].'),
      z
        .strictObject({
          dist: z.literal('deterministic'),
          value: Duration,
        })
        .describe('A fixed duration.'),
      z
        .strictObject({
          dist: z.literal('empirical'),
          values: z.array(Duration).min(1),
          weights: z.array(z.number().nonnegative().finite()).optional().describe('Relative weights, one per value; equal if omitted.'),
        })
        .describe('An empirical distribution over the listed values.'),
    ])
    .describe('A distribution of durations, chosen by `dist`.');

  /** A delay: a duration (a fixed time) or a distribution. */
  const Delay = z
    .union([Duration, DistributionSpec], {
      error: (iss) =>
        iss.input !== null && typeof iss.input === 'object'
          ? "expected a distribution such as {dist: exponential, mean: 5s} (check 'dist' and its fields)"
          : "expected a duration with a unit such as '5s', or a distribution",
    })
    .describe("A delay: a duration such as '5s' (fixed) or a distribution.");

  /** A layer of the NFV stack. */
  const Layer = z
    .enum(LAYERS)
    .describe(
      'Layer: site | rack | hardware | hostOS | hypervisor (or container runtime) | vm (or pod) | vim (a VIM service) | vnf (a VNF component).',
    );

  /** One way a component fails. */
  const FailureModeSpec = z
    .strictObject({
      ttf: DistributionSpec.describe('Time to failure, counted in up time (the clock stops while the component is down).'),
      announced: z
        .boolean()
        .default(true)
        .describe('true: a crash noticed at once by the layer below; false: a silent hang that only a detector notices.'),
      unhealthy: z
        .boolean()
        .default(false)
        .describe(
          "true (silent failures only): the guest's health check answers the heartbeat's challenge with \"not healthy\" (the application is broken but the heartbeat daemon runs), so a heartbeat detector sees it at the next challenge that gets an answer, not after `misses` missed beats.",
        ),
      degraded: z
        .number()
        .gt(0)
        .lt(1)
        .optional()
        .describe(
          "A gray failure (silent failures of an application in an active-active group only): the instance stays up for its monitor and in rotation but serves this share of the requests it receives badly (lost), until a health check that sees it (a heartbeat detector: at the next answered challenge, as `unhealthy`) takes it out of rotation; a process check or a watchdog never does. It counts toward k meanwhile, and its loss toward the capacity served and the impact fraction.",
        ),
      repair: DistributionSpec.optional().describe("Time to repair or restart after this failure; defaults to the type's repair."),
      undetected: Delay.optional().describe(
        "Silent failures only: the time until the failure is noticed (an operator, a monitoring alarm, the VIM's service heartbeat) and its repair starts (a crew is asked for then). Required for a silent failure of a component whose repair no `recovery` chain takes over: a failure nothing notices is never repaired implicitly. '0s': noticed at once (what an older file meant).",
      ),
      beta: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe(
          'Beta factor (common-cause share, exponential ttf only): of the rate 1/mean, each component keeps an independent clock of rate (1 - beta)/mean, and one common clock of rate beta/mean (calendar time) fails every component of this type that is up when it fires, in this mode, at once. Scope: every component of the type in the topology.',
        ),
      common: z
        .boolean()
        .optional()
        .describe(
          'true: a shared failure-mode stream: no clock per component, one clock drawn from ttf (any distribution, in calendar time, renewed after each firing) fails every component of this type that is up when it fires. Scope: every component of the type in the topology.',
        ),
      description: z.string().optional(),
    })
    .describe('A failure mode of a component type.');

  /** A component type: a failure/repair behaviour shared by every component built from it. */
  const ComponentTypeSpec = z
    .strictObject({
      layer: Layer,
      description: z.string().optional(),
      failures: z
        .record(Name, FailureModeSpec)
        .default({})
        .describe('Failure modes by name, e.g. crash, hang. Each runs its own time-to-failure clock (competing risks).'),
      repair: DistributionSpec.optional().describe('Time to repair or restart after a failure (for modes without their own).'),
      restart: DistributionSpec.optional().describe(
        'Time to come back up after the layer below returns (it was down, not failed). Default: instant.',
      ),
      crew: z.string().optional().describe('Name of the repair crew pool its repairs queue for (see `crews`); unlimited if omitted.'),
    })
    .describe('A component type.');


  /** A piece of shared infrastructure (a SAN, a network link) that hosts depend on besides their rack. */
  const SharedSpec = z
    .strictObject({
      component: z.string().optional().describe("Component type of the element (layer 'site' or 'rack': infrastructure below the hosts, an impact zone of its own). Give `component`, or `of` for a redundant set."),
      site: z.string().optional().describe('The site it stands in (it goes down with the site).'),
      of: z
        .array(z.string())
        .min(2)
        .max(64)
        .optional()
        .describe(
          'A redundant set instead of one element: the shared elements (with a `component`) it is made of, in preference order (dual top-of-rack switches, a LAG bond, dual power supplies, storage multipath). It is up while `k` of them are in use; the first k are in use at the start.',
        ),
      k: z.number().int().positive().optional().describe('With `of`: members in use that it needs (default 1: any one of them).'),
      failover: Delay.optional().describe(
        "With `of`: when a member in use fails and another is up to take its place, the set is down for this time while it switches over (static LAG < 50 ms, storage multipath < 1 s: OPNFV HA requirements). Default 0s (instant). A member that comes back stays a standby (no failback); when the set is down for want of members, one that returns is put in use at once.",
      ),
      description: z.string().optional(),
    })
    .describe(
      "A shared element, or a redundant set of them (`of`): while it is down, every host that depends on it (`dependsOn` of the host's group or rack) is down, with everything on it.",
    );

  /** Names of shared elements a host group or a rack depends on. */
  const DependsOn = z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Shared elements (see `shared`) its hosts depend on: a host is up only while its rack and every one of these are up (a redundant set is up while enough of its members are).');

  /** A site: a failure domain holding racks. */
  const SiteSpec = z
    .strictObject({
      component: z.string().optional().describe('Component type (layer site) of the site-wide infrastructure; never fails if omitted.'),
      description: z.string().optional(),
    })
    .describe('A site.');

  /** A rack: power and top-of-rack switch shared by its hosts. */
  const RackSpec = z
    .strictObject({
      site: z.string().optional().describe('The site the rack stands in.'),
      component: z.string().optional().describe('Component type (layer rack) of the rack infrastructure; never fails if omitted.'),
      dependsOn: DependsOn,
      management: z
        .array(z.string())
        .min(1)
        .optional()
        .describe("Shared elements (see `shared`) of its hosts' management plane, e.g. the rack's management switch: while one is down, every host in the rack is unreachable but alive (see `hosts.<group>.management`)."),
      data: z
        .array(z.string())
        .min(1)
        .optional()
        .describe("Shared elements (see `shared`) of its hosts' data plane, e.g. the rack's data switch: while one is down, the instances on the rack's hosts are cut off (see `hosts.<group>.data`)."),
      description: z.string().optional(),
    })
    .describe('A rack.');

  /** A group of identical hosts named `<group>-1 .. <group>-<count>`. */
  const HostGroupSpec = z
    .strictObject({
      count: z.number().int().positive().max(10000).default(1).describe('Number of hosts; they are named <group>-1 .. <group>-<count>.'),
      stack: z
        .array(z.string())
        .min(1)
        .describe('Component types from the bottom up: hardware, then optionally hostOS, then optionally hypervisor.'),
      slots: z.number().int().positive().max(1e6).default(1000).describe('Instance slots per host (VMs / pods / processes it can carry).'),
      beside: z
        .record(Name, z.string())
        .optional()
        .describe(
          "Side components beside the hypervisor, by role: e.g. {vswitch: ovs, storage: iscsi-client}, each a component type of layer hostOS or hypervisor that runs on the host's host OS (or its hardware without one) and fails and is repaired on its own. Instances that name a role in `needs` are cut off while it is down: they keep running (their clocks run, nothing restarts) but count as down to their group.",
        ),
      racks: z.array(z.string()).min(1).optional().describe('Racks the hosts stand in, assigned round-robin (host i in racks[(i-1) mod len]).'),
      dependsOn: DependsOn,
      management: z
        .array(z.string())
        .min(1)
        .optional()
        .describe(
          "The hosts' management (control) plane: shared elements (see `shared`: a management switch, a redundant set of them) and side components by role (see `beside`: a management NIC port, the nova-compute or kubelet agent). While one of them is down, the host is unreachable but alive: its instances keep running and serving, but the VIM and Kubernetes see the host as failed (evacuation starts as for a failed host: see `evacuation.fencing` and `evacuation.splitBrain`); when it is back, the host's agent reports again.",
        ),
      data: z
        .array(z.string())
        .min(1)
        .optional()
        .describe(
          "The hosts' data plane: shared elements (see `shared`) and side components by role (see `beside`) the instances on these hosts need to serve. While one of them is down, the instances keep running (their clocks run, nothing restarts) but count as down to their groups; the VIM sees nothing. Instances on such hosts cannot move (no evacuation, replica set or migration).",
        ),
      description: z.string().optional(),
    })
    .describe('A group of hosts.');


  /** Where the instances of a VNF or VIM service run. */
  const PlacementSpec = z
    .strictObject({
      group: z
        .union([z.string(), z.array(z.string()).min(1)])
        .optional()
        .describe('Host group(s) to place on (with `policy`).'),
      policy: z
        .enum(PLACEMENT_POLICIES)
        .default('spread')
        .describe(
          'spread: the least-loaded host first; anti-affinity: every instance on its own host; rack-anti-affinity: every instance in its own rack; site-anti-affinity: every instance in its own site (of its hosts\' racks); zone-anti-affinity: every instance in its own zone of the kind `zone` names (see `zones`); pack: fill hosts in order.',
        ),
      zone: z.string().optional().describe('With policy zone-anti-affinity: the kind of zones (a key of `zones`, e.g. power) whose zones keep the instances apart.'),
      hosts: z.array(z.string()).min(1).optional().describe('Explicit host names, one per instance (instead of group + policy).'),
    })
    .describe('Placement: either `hosts` (explicit) or `group` with a `policy`.');


  const probability = z.number().min(0).max(1);

  /** How a group notices that one of its instances failed. */
  const DetectorSpec = z
    .strictObject({
      kind: z
        .enum(['heartbeat', 'process', 'watchdog'])
        .default('heartbeat')
        .describe(
          'What the detector can see. heartbeat (guest heartbeat, challenge/response): every failure, hangs and unhealthy applications included; process (a process check): announced failures only, it misses silent hangs; watchdog (libvirt-style): failures of the VM and the layers below it, not of the application.',
        ),
      interval: Duration.optional().describe('Heartbeat or check interval; without it there are no beats, only the announced and peer-notification paths.'),
      misses: z.number().int().positive().max(1000).default(3).describe('Consecutive missed beats that declare a failure.'),
      loss: probability.max(0.999).default(0).describe('Probability that a beat is lost on a healthy instance; misses in a row cause spurious detections.'),
      announced: Delay.optional().describe("Delay to react to an announced failure of the application, VM, pod or VIM service (a crash notification by the layer below it, which is up); a host-level crash (hardware, host OS, hypervisor, rack, site) takes its own reporter down and is seen by missed beats or `peerNotification` only (planned work stopping a host does announce it). Without it, announced failures are found by missed beats too."),
      peerNotification: Delay.optional().describe('Server-group peer notification: delay after which the platform reports a host-level failure (hardware, host OS, hypervisor) to the group.'),
    })
    .describe('A failure detector (heartbeat / health check).');

  /** Fencing (STONITH) before a takeover. */
  const FencingSpec = z
    .strictObject({
      time: Delay.describe('Time to fence (isolate / power off) the failed node.'),
      success: probability.default(1).describe('Probability that fencing succeeds.'),
      onFailure: z.enum(['wait', 'takeover']).default('wait').describe('wait: for an operator (no split brain); takeover: go on anyway (split brain if the old node is still alive).'),
      operator: Delay.optional().describe('Operator time after a failed fence (policy wait).'),
      escalation: z
        .array(
          z.strictObject({
            scope: z.enum(['instance', 'host']).describe('instance: kill the instance only (the VM destroyed through the hypervisor, its disk fenced); host: reboot the host (its OS, through a path other than the power controller).'),
            time: Delay.describe('Time this level takes.'),
            success: probability.describe('Probability that it works.'),
          }),
        )
        .min(1)
        .optional()
        .describe(
          'Evacuation only: gentler levels tried in order before the power fence (`time`, `success`: IPMI power cycle of the host), each after the previous failed, e.g. VM -> host -> power. The first that works is the fence; when all fail, `onFailure` applies.',
        ),
    })
    .describe('Fencing before takeover.');

  /** The HA mechanism of a group, chosen by `mechanism`. */
  const HaSpec = z
    .discriminatedUnion('mechanism', [
      z.strictObject({ mechanism: z.literal('k-of-n') }).describe('Ideal: up while k instances are up; instant, perfect failover (the default).'),
      z
        .strictObject({
          mechanism: z.literal('active-passive'),
          detector: DetectorSpec,
          switchover: Delay.describe('Time to bring the standby online behind the VIP.'),
          coverage: probability.default(1).describe('Probability that a failover works; otherwise manual recovery.'),
          manual: Delay.optional().describe('Manual recovery time after a failed failover (needed when coverage < 1 or a standby can fail silently).'),
          standbyCheck: Duration.optional().describe('Interval of the periodic health check of standbys; without it a silently failed standby is found only at switchover.'),
          fencing: FencingSpec.optional(),
          clusterManager: z
            .string()
            .optional()
            .describe(
              "The VNF or VIM service that is its cluster manager (Pacemaker/Corosync), e.g. a lease-elected or quorum group: while it is down, no takeover starts (a declared failure waits, in the failover phase, until it is back; lost beats cause no spurious takeover); the active keeps serving meanwhile.",
            ),
          partition: z
            .strictObject({
              link: z.string().describe("The shared element (see `shared`; a redundant set for two Corosync rings) the pair's heartbeats cross: while it is down, active and standby cannot see each other although both are alive."),
              detection: Delay.optional().describe(
                "Time from the link's loss to the standby declaring the active failed (Corosync: token timeout plus consensus). Default: the detector's missed beats (it needs an interval).",
              ),
              quorumDevice: z
                .boolean()
                .default(false)
                .describe('A tie-breaker (corosync-qdevice, or server-group messaging through the VIM) gives its vote to the side of the active: a cut link then starts no takeover.'),
            })
            .optional()
            .describe(
              "A partitionable heartbeat link: when it is cut while the active serves and a standby is believed healthy, the standby declares the active failed after `detection` and takes over (unless a quorum device breaks the tie): the active is fenced (as configured), or, without fencing or after a failed fence with onFailure: takeover, both serve: split brain (`splitBrainRecovery`). A cut that heals before the detection changes nothing. Counted as `partitionTakeovers`.",
            ),
          aliveProbability: probability.default(0).describe('Probability that a node declared failed without a clean crash (silent or host-level failure) is still alive; a takeover without fencing then causes split brain.'),
          splitBrainRecovery: Delay.optional().describe('Time to resolve a split brain (needed when one can occur).'),
        })
        .describe('Active/passive under a cluster manager (Pacemaker/Corosync): one active, the others standbys.'),
      z
        .strictObject({
          mechanism: z.literal('active-active'),
          detector: DetectorSpec.describe('The load balancer health check.'),
          balancer: z.string().optional().describe('The VNF or VIM service that is the load balancer (e.g. an active-passive HAProxy pair); the group is down while it is.'),
          downBelow: probability.default(0).describe('The group counts as down while the share of requests served is below this (0: only when none are).'),
        })
        .describe('Active/active behind a load balancer: a failed instance gets its share of requests until the health check takes it out of rotation.'),
      z
        .strictObject({
          mechanism: z.literal('quorum'),
          electionTimeout: Delay.default('0s').describe('Time without a leader after the leader fails or quorum returns.'),
          partition: z
            .strictObject({
              links: z
                .array(z.string().nullable())
                .min(1)
                .describe(
                  "Per member (in instance order), the shared element (see `shared`) through which it reaches the others, or null (never cut off): while an element is down, the members behind it form a side of their own. Only the side with the most members up serves, if they are k or more (ties: the side of the members still connected first); a leader elsewhere can no longer commit and steps down (its lease runs out before the majority's election timeout), and the serving side elects a leader among its members after `electionTimeout`. Cut-off members keep running and rejoin when their element is back.",
                ),
              quorumDevice: z
                .boolean()
                .default(false)
                .describe('A quorum device (corosync-qdevice) as tie-breaker: its vote counts for the connected side while a member is up there, which then serves with one member fewer than k (an even split goes its way; two members survive the loss of one).'),
            })
            .optional()
            .describe('Partitions among the members (a member\'s NIC or its rack\'s uplink failing): see `links`.'),
        })
        .describe('Quorum with leader election (etcd, Galera, Kubernetes masters): up while a majority (k) is up and a leader is elected.'),
      z
        .strictObject({
          mechanism: z.literal('message-queue'),
          broker: z.string().describe('The VNF or VIM service that is the message broker (itself A/P or clustered).'),
        })
        .describe('Competing consumers on a queue: up while the broker and at least k workers are up; capacity is the share of workers up.'),
      z
        .strictObject({
          mechanism: z.literal('lease'),
          takeover: Delay.default('15s').describe(
            "Time from the leader's failure until a standby holds the lease: the lease's remaining time plus a retry. kube-controller-manager and kube-scheduler (defaults --leader-elect-lease-duration 15s, --leader-elect-renew-deadline 10s, --leader-elect-retry-period 2s): 13-17 s.",
          ),
        })
        .describe('Lease-based leader election without a majority (kube-controller-manager, kube-scheduler, SDN mastership): up while one member holds the lease; a failed leader is replaced after `takeover`. k is 1.'),
    ])
    .describe('The HA mechanism of a group.');

  /** Process supervision of each instance's application: restart in place, escalating. */
  const SupervisionSpec = z
    .strictObject({
      restart: Delay.describe('Time to restart the crashed process in place.'),
      success: probability.default(1).describe('Probability that a restart brings it back; otherwise escalate to a VM reboot.'),
      window: Duration.optional().describe('Escalation window: a crash within it after `maxRestarts` earlier crashes escalates at once.'),
      maxRestarts: z.number().int().nonnegative().max(1000).optional().describe('Restarts allowed within `window` before escalating (only with `window`). Default 3.'),
      reboot: Delay.describe('Time to reboot the VM (or restart the pod), the first escalation.'),
      rebootSuccess: probability.default(1).describe('Probability that the reboot brings it back; otherwise rebuild.'),
      rebuild: Delay.describe('Time to rebuild the instance from its image, the last escalation (always works).'),
    })
    .describe(
      "Process supervision: an announced crash of the application is restarted in place by its supervisor (instead of the component's own repair); failed restarts and repeated crashes escalate to a VM reboot, then to a rebuild. Silent hangs are not seen by a supervisor and keep their own repair.",
    );

  /** One step of a recovery ladder. */
  const RecoveryActionSpec = z
    .strictObject({
      action: z
        .enum(['restart', 'reboot', 'rebuild', 'evacuate'])
        .describe('restart: the process in place (fixes a failure of the application); reboot: the VM or pod (fixes the application and the VM); rebuild: re-create the instance from its image (fixes both); evacuate: re-create it on another host, chosen as evacuation does (up, a free slot, the placement policy kept; in place when none can take it), during the action\'s time.'),
      time: Delay.describe('Time the action takes.'),
      success: probability.default(1).describe('Probability that it brings the instance back; otherwise the next action. The last action that applies always works.'),
      needs: z
        .array(z.string())
        .max(100)
        .default([])
        .describe('Control-plane services (names in `services`) the action needs, e.g. the VIM API for a reboot or a rebuild: it progresses only while all of them are up (see `onControlPlaneLoss`); the data plane keeps running meanwhile.'),
    })
    .describe('A recovery action.');

  /** Detection-driven recovery of an instance's own failures (the fault-management chain). */
  const RecoverySpec = z
    .strictObject({
      detector: DetectorSpec.optional().describe("The monitor whose report starts a recovery (guest heartbeat, process check, libvirt watchdog). Default: the detector of the group's HA mechanism, if it has one; without any, announced failures are reported at once by the layer below and silent ones need `undetected`."),
      notification: Delay.default('0s').describe('From the detection to the start of the first action: the fault-management path (Doctor inspector -> notifier -> VNF manager; kubelet -> controller-manager).'),
      managers: z
        .array(z.string())
        .max(100)
        .default([])
        .describe('Services (names in `services`) on the notification path, e.g. a chain of the Doctor inspector, the notifier and the VNF manager, each with its own instances, failures and HA: the notification needs them all up (see `onManagerDown`).'),
      onManagerDown: z
        .enum(['wait', 'lost'])
        .default('wait')
        .describe("When a manager is down as the notification starts: wait for it (and pause while one goes down), or the notification is lost and an operator notices the failure after `undetected` (needed then)."),
      undetected: Delay.optional().describe('Time after which an operator notices a failure that the detector does not see. Without it, a silent failure the detector cannot see is an error in the topology.'),
      registration: Delay.optional().describe(
        "Guest heartbeat registration (Init / Init-Ack): after the instance's application (re)starts, after a failure or a planned stop (a voluntary Exit, which stops monitoring without a detection), the detector's beats monitor it only once it has registered, this long after it came up. A failure before then is seen only by the detector's other paths (`announced`, `peerNotification`) or by an operator after `undetected` (needed when nothing else sees it).",
      ),
      actions: z.array(RecoveryActionSpec).min(1).max(10).describe('The escalation ladder, in order; a failure of the VM or pod skips `restart` actions.'),
      onControlPlaneLoss: z
        .enum(['pause', 'restart'])
        .default('pause')
        .describe('When a service an action needs goes down during the action: pause, and resume with the remaining time when it is back; or restart the action from scratch when it is back (a new attempt: its time drawn again).'),
    })
    .describe(
      "Detection-driven recovery: a failure of an instance's application, or of its VM or pod when the ladder has a reboot or rebuild, is repaired by this chain instead of the component's own repair: the detector's report (or the operator's, after `undetected`), the notification, then the actions in order until one works. The downtime is their sum.",
    );

  /** Evacuation of the instances of a failed host by the VIM (OpenStack). */
  const EvacuationSpec = z
    .strictObject({
      vim: z.string().describe('The control-plane service (in `services`) that must be up to evacuate; while it is down, evacuation waits (a second-order outage).'),
      detection: Delay.describe('Time for the VIM to declare the host failed (e.g. the compute service heartbeat timing out).'),
      wait: Delay.default('0s').describe('Further wait before evacuating.'),
      fencing: FencingSpec.optional().describe('Fence the host before evacuating it.'),
      rebuild: Delay.describe('Time to rebuild the VM on another host and boot it (its application then restarts).'),
      splitBrain: z
        .strictObject({
          reconcile: Delay.optional().describe(
            'The VNF is stateful: when a split brain ends, its group is down for this time while the diverged state is reconciled. Omit for a stateless VNF (two copies only double-count capacity).',
          ),
          operator: Delay.optional().describe('Time after the second copy is created at which an operator removes the old copy (never, if omitted: it runs until the host is reachable again or goes down).'),
        })
        .optional()
        .describe(
          "Evacuating an instance whose host is alive but unreachable (see `hosts.<group>.management`) without killing it first (no fencing, or fencing failed with onFailure: takeover) leaves two copies: the old one keeps serving until the host's agent reports again (nova-compute destroys instances evacuated elsewhere when it reconnects; the kubelet kills pods deleted from the API), the host goes down, or an operator acts. While both copies are up, the group is in split brain.",
        ),
    })
    .describe(
      "Evacuation: after a host failure is detected (and the host fenced), the VIM rebuilds the host's instances on other hosts with a free slot that keep the group's anti-affinity; it needs the VIM up.",
    );

  /** A Kubernetes replica set: pods of a failed node are rescheduled on other nodes. */
  const ReplicaSetSpec = z
    .strictObject({
      controlPlane: z.string().describe('The Kubernetes control-plane service (in `services`) that must be up to reschedule.'),
      nodeMonitorGracePeriod: Delay.default('40s').describe('Time before a silent node is marked NotReady.'),
      podEvictionTimeout: Delay.default('5m').describe('Time a NotReady node keeps its pods before they are evicted.'),
      podStart: Delay.describe('Time to schedule and start a replacement pod (image pull included).'),
    })
    .describe(
      "A replica set keeps n pods running: kubelet restarts a failed pod in place (the pod's and container's own repair); pods of a failed node are evicted after the grace period and eviction timeout and started on nodes with free capacity; it needs the control plane up.",
    );

  /** Live migration of the instances of a VNF or VIM service off a host taken down for maintenance. */
  const MigrationSpec = z
    .strictObject({
      live: z.boolean().default(true).describe('Live migration allowed; false: its instances are shut down, moved and booted again (cold migration, the maintenance plan\'s `coldMigration` time).'),
      time: Delay.default('0s').describe('Pre-copy time of a live migration; the instance keeps running meanwhile.'),
      blackout: Delay.default('0s').describe('Stun time at the switch-over of a live migration.'),
      tolerance: Duration.default('0s').describe('Interruption the application tolerates: a blackout longer than this takes the instance down for the whole blackout (its HA mechanism sees a failure); a shorter one goes unnoticed.'),
      maxConcurrent: z.number().int().positive().max(1000).default(1).describe('At most this many of its instances migrate at once; the others queue.'),
    })
    .describe('Migration policy during host maintenance: live or not, the tolerated interruption, how many at once.');

  /** A VNF or VIM service: n instances of which k must be up and m carry full capacity. */
  const FunctionSpec = z
    .strictObject({
      instances: z.number().int().positive().max(10000).describe('n: number of instances.'),
      k: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Instances that must be up for it to be up. Default: all n (no redundancy); 1 for active-passive and message-queue; a majority for quorum.'),
      m: z.number().int().positive().optional().describe('Instances that carry full capacity (k <= m <= n). Default: k; n for message-queue.'),
      vm: z.string().optional().describe('Component type (layer vm) of the VM or pod each instance runs in; none: runs on the host directly.'),
      app: z.string().describe('Component type of the software of each instance (layer vnf for VNFs, vim for VIM services).'),
      placement: PlacementSpec,
      ha: HaSpec.optional().describe('The HA mechanism; default k-of-n (ideal).'),
      supervision: SupervisionSpec.optional(),
      recovery: RecoverySpec.optional(),
      evacuation: EvacuationSpec.optional(),
      replicaSet: ReplicaSetSpec.optional(),
      needs: z
        .array(z.string())
        .min(1)
        .optional()
        .describe("Roles of side components (the hosts' `beside`) each instance needs, e.g. [vswitch]: while its host's one is down, the instance is cut off (down to its group) but keeps running. Not with evacuation, replica sets or maintenance that moves instances."),
      migration: MigrationSpec.optional().describe('How its instances leave a host taken down for maintenance; without it they are cold-migrated (shut down, moved, booted).'),
      description: z.string().optional(),
    })
    .describe('A VNF or VIM service.');



  /**
   * A service expression: a name, or an operator over sub-expressions. Names are VNFs or
   * VIM services (up while the group is) and infrastructure elements (shared elements,
   * racks, sites: up while their component is). Rules in model/logic.ts.
   */
  const ServiceLogicSpec: z.ZodType<ServiceLogicInput> = z
    .lazy(() =>
      z.union(
        [
          Name,
          z.strictObject({
            all: z.array(ServiceLogicSpec).min(1).max(1000).optional().describe('Up while every part is up; capacity: the least of theirs (a series chain).'),
            any: z.array(ServiceLogicSpec).min(1).max(1000).optional().describe('Up while at least one part is up (geo-redundant sites, active/active regions); capacity: the sum of theirs, at most 1.'),
            k: z.number().positive().finite().optional().describe('With `of`: up while the parts that are up weigh at least k (k of n parts, or a capacity sum with `weights`); capacity: the weighted sum of the parts\' capacities / k, at most 1.'),
            of: z.array(ServiceLogicSpec).min(1).max(1000).optional().describe('With `k`: the parts.'),
            weights: z.array(z.number().positive().finite()).optional().describe('With `k` and `of`: the capacity each part brings while up (default 1 each), e.g. the workstations behind each switch.'),
          }),
        ],
        { error: () => LOGIC_UNION_ERROR },
      ),
    )
    .describe(
      "A service expression: a name (a VNF, VIM service, shared element, rack or site), or {all: [...]}, {any: [...]}, or {k: n, of: [...], weights: [...]} over expressions.",
    );

  /** A chain of VNFs (data plane) or of VIM services (control plane) that must all be up, or an expression over them and infrastructure elements. */
  const ServiceSpec = z
    .strictObject({
      chain: z.array(z.string()).min(1).optional().describe('VNFs, or VIM services, that must all be up for the service to be up (give `chain` or `up`).'),
      up: ServiceLogicSpec.optional().describe(
        'Instead of `chain`: when the service is up, as an expression over VNFs or VIM services (not both) and infrastructure elements (shared elements, racks, sites), e.g. {any: [{all: [vLB-a, vFW-a]}, {all: [vLB-b, vFW-b]}]} for two sites.',
      ),
      sal: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional().describe('Target ETSI Service Availability Level (1, 2 or 3); `--fail-on-sal` exits 3 when it is not met.'),
      target: z
        .strictObject({
          availability: z.number().gt(0).lt(1).optional().describe('Least availability, a share below 1, e.g. 0.99999 (five nines).'),
          downtime: PositiveDuration.optional().describe('Most downtime per year (365 d), e.g. 5.26m; the same as availability 1 - downtime / year.'),
        })
        // Exactly one of the two, in the JSON Schema as in the loader (build.ts).
        .meta({ oneOf: [{ required: ['availability'] }, { required: ['downtime'] }] })
        .optional()
        .describe('Availability target of the service (give availability or downtime): the report gives PASS (the 95% CI of availability lies at or above it), FAIL (below it) or INCONCLUSIVE; `--fail-on-target` exits 3 unless every target passes.'),
      description: z.string().optional(),
    })
    .describe('A service.');

  const SalBoundsSpec = z.strictObject({ detection: Duration, recovery: Duration });

  /** Settings of the metrics. */
  const MetricsSpec = z
    .strictObject({
      probation: Duration.default('0s').describe(
        'Failure frequency: outages caused in the same impact zone (host, rack or site) within this window of the first count as one failure; the window is fixed at the first outage, not sliding.',
      ),
      capacityThresholds: z.array(probability).default([0.5, 1]).describe('Report the share of time with at least this share of capacity served.'),
      salTolerance: probability.default(0.05).describe('A SAL passes when the one-sided 95% upper bound of the share of outages breaching its bounds is within this.'),
      salBounds: z
        .strictObject({ 1: SalBoundsSpec.optional(), 2: SalBoundsSpec.optional(), 3: SalBoundsSpec.optional() })
        .optional()
        .describe('Override the SAL bounds (defaults: SAL 1 detection 1s, recovery 6s; SAL 2 5s, 15s; SAL 3 10s, 25s).'),
      downtimeBudget: Duration.default('5.26m').describe('SLA view: a simulated year whose downtime exceeds this breaches the budget (5.26 min is five nines).'),
    })
    .describe('Metrics settings.');

  /** Simulation defaults stored with the topology; command-line options override them. */
  const SimulationSpec = z
    .strictObject({
      runs: z.number().int().positive().max(1e9).optional().describe('Replications (independent histories). Default 100.'),
      horizon: Duration.optional().describe('Simulated time per replication. Default: 10 x the largest mean time to failure, at least 10y, at most 1000y.'),
      warmup: Duration.optional().describe('Initial time not counted in the statistics. Default 0.'),
      seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional().describe('Seed of every random stream. Default 1.'),
    })
    .describe('Simulation defaults.');

  /** A rolling maintenance plan of host groups (planned work). */
  const MaintenanceSpec = z
    .strictObject({
      hosts: z.union([z.string(), z.array(z.string()).min(1)]).describe('Host group(s) maintained. Their hosts are taken one at a time, in order (rolling).'),
      every: Duration.describe('Period: every host is maintained once per period.'),
      start: Duration.default('0s').describe('When the first host of the first round is due.'),
      spacing: Duration.optional().describe("Time between the due times of consecutive hosts in a round. Default: the period divided by the number of hosts. A host due while another is still in maintenance waits for it."),
      duration: Delay.describe('Time the host is down for the work, after its instances have left; it then boots (its own restart time) and the layers above restart.'),
      drain: z
        .enum(['migrate', 'none'])
        .default('migrate')
        .describe("migrate: the VIM first moves the host's instances to other hosts (live where the VNF allows it, else cold), keeping their placement policy; none: they go down with the host and restart when it returns."),
      vim: z.string().optional().describe('Control-plane service (in `services`) that must be up to set maintenance mode and migrate; a window waits for it.'),
      coldMigration: Delay.optional().describe('Time to shut down, move and boot an instance that is not live-migrated (needed with drain: migrate unless every instance on these hosts migrates live).'),
      description: z.string().optional(),
    })
    .describe(
      'Planned host maintenance: each host in turn is put in maintenance mode, drained, taken down for the work and brought back. A host that is not up when its window is due skips that window. Outages it causes are planned downtime.',
    );

  /** A rolling software upgrade campaign of a VNF or VIM service (planned work). */
  const UpgradeSpec = z
    .strictObject({
      target: z.string().describe('The VNF or VIM service upgraded, one instance at a time in instance order.'),
      start: Duration.default('0s').describe('When the first campaign begins.'),
      every: Duration.optional().describe('Period between campaigns; one campaign if omitted. A campaign due while one runs starts when it ends.'),
      step: Delay.describe("Time an instance is out of service for its upgrade (stop, install, start). To the HA mechanism a stop looks like an announced crash."),
      pause: Duration.default('0s').describe('Wait after each step; then the next step also waits until every instance is up (redundancy restored: the rule for scale-in).'),
      failure: probability.default(0).describe('Probability that a step fails: the instance is rolled back (`rollback` more time out of service) and the campaign stops.'),
      rollback: Delay.optional().describe('Time to roll a failed step back (needed when failure > 0).'),
      description: z.string().optional(),
    })
    .describe('A rolling upgrade: the instances of one VNF or VIM service are upgraded one at a time. Outages it causes are planned downtime.');

  const CrewSize = z.number().int().positive().max(1e6);


  /** A repair crew pool with its policy. */
  const CrewSpec = z
    .strictObject({
      size: CrewSize.describe('Crews: how many repairs run at once.'),
      order: z
        .enum(['fifo', 'random', 'priority'])
        .default('fifo')
        .describe('Which waiting repair a freed crew takes: fifo (the longest waiting), random (each waiting one alike), priority (the first of the highest priority, see `priority`).'),
      priority: z
        .enum(['layer', 'sal'])
        .optional()
        .describe('With order priority: layer (the lowest layer first: sites, racks, hardware before software) or sal (components under a service of the best SAL first: SAL 1, then 2, then 3, then those under no SAL).'),
      preemptive: z
        .boolean()
        .default(false)
        .describe('With order priority: a repair that finds every crew busy takes the crew of a running repair of a lower priority (the lowest; of those, the last component in the model), which waits first among its priority and resumes with its remaining time. Default false: a running repair is never interrupted.'),
      dispatch: Delay.optional().describe('Dispatch or inspection time before each repair, with the crew held (travel, diagnosis): the repair takes this plus its own time.'),
      description: z.string().optional(),
    })
    .describe('A repair crew pool with its queueing policy.');

  /** A whole topology file. */
  const TopologySpec = z
    .strictObject({
      $schema: z.string().optional().describe('The JSON Schema this file follows (for editors; not read by nfvsim).'),
      name: z.string().optional().describe('A name for reports.'),
      description: z.string().optional(),
      components: z.record(Name, ComponentTypeSpec).describe('Component types by name.'),
      crews: z
        .record(Name, z.union([CrewSize, CrewSpec], { error: () => CREW_UNION_ERROR }))
        .default({})
        .describe('Repair crew pools by name: how many repairs of the types that name the pool run at once (a number: FIFO queue), or a policy {size, order, priority, dispatch}.'),
      sites: z.record(Name, SiteSpec).default({}).describe('Sites by name.'),
      racks: z.record(Name, RackSpec).default({}).describe('Racks by name.'),
      shared: z.record(Name, SharedSpec).default({}).describe('Shared infrastructure by name (SANs, network links): common causes that hosts of several racks depend on.'),
      hosts: z.record(Name, HostGroupSpec).describe('Host groups by name.'),
      zones: z
        .record(Name, z.record(Name, z.array(z.string()).min(1).describe('Its members: host groups, hosts, racks or sites (their hosts are in the zone).')))
        .optional()
        .describe(
          'User-defined zones by kind, e.g. {power: {pdu-a: [rack-1], pdu-b: [rack-2]}, az: {az-1: [compute-a], az-2: [compute-b]}}: per kind, zones by name, each a set of hosts; a host is in at most one zone of a kind. Placement keeps instances in distinct zones of a kind (policy zone-anti-affinity), and the report counts failures per zone.',
        ),
      vim: z.record(Name, FunctionSpec).default({}).describe('VIM services (control plane) by name.'),
      vnfs: z.record(Name, FunctionSpec).default({}).describe('VNFs by name.'),
      services: z.record(Name, ServiceSpec).describe('Services by name: chains of VNFs or of VIM services, or expressions over them (`up`).'),
      maintenance: z.record(Name, MaintenanceSpec).default({}).describe('Planned host maintenance plans by name.'),
      upgrades: z.record(Name, UpgradeSpec).default({}).describe('Rolling software upgrade campaigns by name.'),
      simulation: SimulationSpec.default({}),
      metrics: MetricsSpec.default({ probation: '0s', capacityThresholds: [0.5, 1], salTolerance: 0.05, downtimeBudget: '5.26m' }),
    })
    .describe('An nfvsim topology.');
  return { Duration, Rate, DistributionSpec, Delay, Layer, FailureModeSpec, ComponentTypeSpec, SharedSpec, SiteSpec, RackSpec, HostGroupSpec, PlacementSpec, DetectorSpec, FencingSpec, HaSpec, SupervisionSpec, RecoveryActionSpec, RecoverySpec, EvacuationSpec, ReplicaSetSpec, MigrationSpec, FunctionSpec, ServiceLogicSpec, ServiceSpec, MetricsSpec, SimulationSpec, MaintenanceSpec, UpgradeSpec, CrewSpec, TopologySpec };
}

/** The schemas of the topology file (see `buildSchemas`). */
export type TopologySchemas = ReturnType<typeof buildSchemas>;

let built: TopologySchemas | undefined;

/** The schemas of the topology file, built on the first call (the same objects at every call). */
export function topologySchemas(): TopologySchemas {
  return (built ??= buildSchemas());
}

/** A topology as written in a file (before defaults). */
export type TopologyInput = z.input<TopologySchemas['TopologySpec']>;
/** A topology after schema validation, with defaults applied. */
export type Topology = z.output<TopologySchemas['TopologySpec']>;
/** A distribution as written in a topology. */
export type DistributionSpecT = z.output<TopologySchemas['DistributionSpec']>;
/** A delay as written in a topology. */
export type DelaySpecT = z.output<TopologySchemas['Delay']>;
/** An HA mechanism as written in a topology. */
export type HaSpecT = z.output<TopologySchemas['HaSpec']>;
/** A detector as written in a topology. */
export type DetectorSpecT = z.output<TopologySchemas['DetectorSpec']>;
/** A layer name. */
export type LayerName = (typeof LAYERS)[number];

/** Options of the JSON Schema generators. */
export interface JsonSchemaOptions {
  /** Repeat every shared definition where it is used (for the reference generator) instead of one `$defs` entry referenced by `$ref` (the default: a schema ten times smaller). */
  inline?: boolean;
}

/** The JSON Schema (draft 2020-12) of topology files, generated from the zod schema. */
export function topologyJsonSchema(opts: JsonSchemaOptions = {}): Record<string, unknown> {
  return z.toJSONSchema(topologySchemas().TopologySpec, { io: 'input', target: 'draft-2020-12', reused: opts.inline ? 'inline' : 'ref' }) as Record<string, unknown>;
}
