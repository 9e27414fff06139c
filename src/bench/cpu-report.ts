/**
 * Preloaded into a process the bench times (`node --import dist/bench/cpu-report.js ...`):
 * when the process exits, it writes the process's CPU time (user and system seconds, all
 * threads, from the start of the process) as JSON to the file named by
 * NFVSIM_BENCH_CPU_FILE. The wall time is measured by the bench itself, around the
 * whole process.
 */
import { writeFileSync } from 'node:fs';

/** What the file holds. */
export interface CpuReport {
  /** User CPU seconds of the whole process (every thread). */
  user: number;
  /** System CPU seconds of the whole process. */
  system: number;
}

const file = process.env.NFVSIM_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    const report: CpuReport = { user: u.user / 1e6, system: u.system / 1e6 };
    writeFileSync(file, JSON.stringify(report));
  });
}
