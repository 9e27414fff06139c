/**
 * Running a study generated as a sweep (`nfvsim sensitivity`, `nfvsim uncertainty`): the
 * event budget check, a progress bar, Ctrl-C advice to resume, and the shards on worker
 * threads or on a BullMQ queue. The sweep modules are loaded when a study runs.
 */
import { availableParallelism } from 'node:os';
import type { LoadedExperiment } from '../experiment/load.js';
import { checkEventBudget, SWEEP_PILOT_EVENTS } from '../runner/budget.js';
import { createProgress, type ProgressMode } from './progress.js';

/** The options a study's command shares with `nfvsim sweep`. */
export interface StudySweepOptions {
  jobs?: number;
  resume?: boolean;
  queue?: string;
  queueName?: string;
  progress?: ProgressMode | false;
}

/** The options of a study's command: the sweep's, the results folder and the outputs. */
export interface StudyCliOptions extends StudySweepOptions {
  out?: string;
  charts: boolean;
  json?: boolean;
}

/**
 * Runs (or resumes) the sweep of `exp` into `dir`: checks the event budget first (`advice`
 * says how to shrink the study), shows progress as `what` on `err`, and on Ctrl-C says how
 * to continue (finished shards are in the journal) and exits 130.
 */
export async function runStudySweep(exp: LoadedExperiment, dir: string, file: string, what: string, advice: string, opts: StudySweepOptions, err: NodeJS.WritableStream): Promise<void> {
  const { runSweep } = await import('../sweep/sweep.js');
  checkEventBudget(
    exp.points.map((p) => p.topology.model),
    exp,
    file,
    advice,
    { pilotEvents: SWEEP_PILOT_EVENTS },
  );
  const bar = createProgress(err, what, opts.progress);
  // Every finished shard is already on disk: say how to go on, and stop.
  const onInterrupt = () => {
    bar.finish();
    err.write(`\nnfvsim: interrupted; finished shards are kept in the journal in ${dir}. Continue with the same command and options, plus:\n  --out ${dir} --resume\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const onProgress = bar.active ? (d: number, t: number) => bar.update(d, t) : undefined;
  try {
    if (opts.queue) {
      const qm = await import('../sweep/queue.js');
      await qm.runSweepOnQueue(exp, { out: dir, resume: opts.resume, queue: qm.queueAccess({ url: opts.queue }), queueName: opts.queueName, onProgress, log: (l) => err.write(`nfvsim: ${l}\n`) });
    } else {
      await runSweep(exp, { out: dir, jobs: opts.jobs ?? availableParallelism(), resume: opts.resume, onProgress });
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    bar.finish();
  }
}
