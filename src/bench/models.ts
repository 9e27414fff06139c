/**
 * Reference models of the benchmark. B1: 20 independent 1+1 groups in series, each
 * replica exponential with MTTF 2000 h and MTTR 1 h, independent repair, instant
 * switchover; B2: the same with 200 groups. Exact availability (1 - U^2)^G with
 * U = 1/2001.
 */
import { stringify } from 'yaml';

/** A replica's mean time to failure (hours), the same in every loop of the bench. */
export const MTTF_H = 2000;
/** A replica's mean time to repair (hours). */
export const MTTR_H = 1;

/** The topology text of the G-group reference model. */
export function seriesOfPairs(groups: number): string {
  const vnfs: Record<string, unknown> = {};
  const chain: string[] = [];
  for (let g = 1; g <= groups; g++) {
    vnfs[`g${g}`] = { instances: 2, k: 1, app: 'replica', placement: { group: 'h', policy: 'pack' } };
    chain.push(`g${g}`);
  }
  return stringify({
    name: `B${groups === 20 ? 1 : groups === 200 ? 2 : groups}: ${groups} 1+1 groups in series`,
    components: {
      host: { layer: 'hardware' },
      replica: { layer: 'vnf', failures: { crash: { ttf: { dist: 'exponential', mean: `${MTTF_H}h` } } }, repair: { dist: 'exponential', mean: `${MTTR_H}h` } },
    },
    hosts: { h: { count: 1, stack: ['host'], slots: Math.max(1000, 2 * groups) } },
    vnfs,
    services: { chain: { chain } },
    simulation: { horizon: '87600h' },
  });
}

/** Exact availability of the G-group model. */
export function seriesOfPairsExact(groups: number): number {
  const u = MTTR_H / (MTTF_H + MTTR_H);
  return (1 - u * u) ** groups;
}
