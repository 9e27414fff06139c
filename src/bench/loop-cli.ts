/**
 * The command line of a reference loop (limit.ts, simjs.ts): `node dist/bench/<name>.js
 * GROUPS HISTORIES [SEED]` runs `loop` on the G-group model for 10-year (87,600 h)
 * histories and prints one JSON line (the loop's result, its seconds and rates), so that
 * the bench can time a whole process beside `nfvsim run`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HandResult } from './hand.js';

/**
 * Runs the command when the module at `moduleUrl` (its `import.meta.url`) is the process's
 * entry point; otherwise does nothing. `extra` is merged into the printed line first.
 */
export function loopCli(moduleUrl: string, name: string, loop: (groups: number, histories: number, horizonHours: number, seed: number) => HandResult, extra: Record<string, unknown> = {}): void {
  const entry = process.argv[1];
  if (entry === undefined || realpathSync(entry) !== realpathSync(fileURLToPath(moduleUrl))) return;
  const [groups, histories, seed] = process.argv.slice(2).map(Number);
  if (!(groups > 0 && histories > 0)) {
    process.stderr.write(`usage: node dist/bench/${name}.js GROUPS HISTORIES [SEED]\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const r = loop(groups, histories, 87600, seed || 1);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ ...extra, groups, ...r, loopSeconds: seconds, historiesPerSecond: histories / seconds, eventsPerSecond: r.events / seconds }) + '\n');
}
