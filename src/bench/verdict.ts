/**
 * The verdict on a bench target judged on ratios taken turn by turn (nfvsim and a
 * contender run in turn, one ratio per turn): the median ratio decides, and the turns
 * that fall on the other side of the line say how far the verdict can be trusted on a
 * noisy machine.
 */

/** The verdict on per-turn ratios against a goal (see `turnVerdict`). */
export interface TurnVerdict {
  /** The median of the turns' ratios (the upper middle one for an even count). */
  median: number;
  /** The smallest and the largest ratio of a turn. */
  min: number;
  max: number;
  /** True when the median is at least the goal. */
  met: boolean;
  /** Turns whose ratio is on the other side of the goal than the median's (0: all agree). */
  against: number;
}

/** The median of `xs` (the upper middle one for an even count; `xs` is not changed). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The verdict of `turns` (ratios, at least one) against `goal`: met when the median is >= goal. */
export function turnVerdict(turns: readonly number[], goal: number): TurnVerdict {
  if (turns.length === 0) throw new RangeError('turnVerdict: no turns');
  const m = median(turns);
  const met = m >= goal;
  const against = turns.filter((x) => x >= goal !== met).length;
  return { median: m, min: Math.min(...turns), max: Math.max(...turns), met, against };
}
