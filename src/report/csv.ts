/**
 * `--csv FILE`: one row per outage, in replication order. Columns:
 * replication, service, start_s, end_s, duration_s, then seconds per recovery phase
 * (detection_s, fencing_s, failover_s, restart_s, manual_s, splitBrain_s), then the
 * cause: layer, component type, failure mode, component path and impact zone, and
 * `censored` (1 when the outage was cut by the window's start or end).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { SystemModel } from '../model/build.js';
import { PHASES, type OutageRecord } from '../metrics/recorder.js';
import { attributionNames, CAUSE_LAYERS, PLANNED_LAYER } from '../metrics/summary.js';
import { outputStep, outputTarget, temporaryName } from '../output.js';

export { OutputError } from '../output.js';

/**
 * Writes outage rows to a file as they come: to a temporary name in the same folder,
 * renamed to `path` by `close` (after a complete run) and removed by `abort`, so a run
 * that fails leaves no CSV that looks complete.
 */
export class OutageCsv {
  private readonly fd: number;
  private readonly tmp: string;
  /** The file written: `path`, or the file a link there names (`outputTarget`). */
  private readonly target: string;
  private readonly names: ReturnType<typeof attributionNames>;

  /** Opens the temporary file and writes the header. An unwritable path throws an OutputError. */
  constructor(
    private readonly path: string,
    private readonly model: SystemModel,
  ) {
    // A link is followed (it stays a link); a device or FIFO (`/dev/stdout`) is written in place.
    const target = outputTarget(path);
    this.target = target.path;
    this.tmp = target.inPlace ? target.path : temporaryName(target.path);
    this.fd = outputStep(path, () => openSync(this.tmp, 'w'));
    this.names = attributionNames(model);
    const header = ['replication', 'service', 'start_s', 'end_s', 'duration_s', ...PHASES.map((p) => `${p}_s`), 'cause_layer', 'cause_type', 'cause_mode', 'cause_component', 'impact_zone', 'censored'];
    this.put(header.join(',') + '\n');
  }

  /** Writes one outage. A failed write (disk full...) throws an OutputError. */
  write(service: number, replication: number, o: OutageRecord): void {
    const c = o.cause;
    const cells = [
      replication,
      this.model.services[service].name,
      o.start,
      o.end,
      o.duration,
      ...o.phases,
      CAUSE_LAYERS[c.layer],
      this.names.types[c.type],
      // A failure mode without its type (in the previous column); planned work by its full name.
      c.layer === PLANNED_LAYER ? this.names.modes[c.mode] : this.names.modes[c.mode].split('/').pop()!,
      c.component >= 0 ? this.model.components[c.component].path : '',
      this.names.zones[c.zone] ?? '',
      o.censored ? 1 : 0,
    ];
    this.put(cells.map(csvCell).join(',') + '\n');
  }

  /** Closes the file and renames it to its final name (the run is complete). Throws an OutputError on failure, leaving no file at `path`. */
  close(): void {
    try {
      outputStep(this.path, () => {
        closeSync(this.fd);
        if (this.tmp !== this.target) renameSync(this.tmp, this.target);
      });
    } catch (e) {
      if (this.tmp !== this.target) rmSync(this.tmp, { force: true });
      throw e;
    }
  }

  /** Closes and removes the temporary file (the run failed): nothing is left at `path`. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed, or the disk is gone: the file is removed all the same.
    }
    if (this.tmp !== this.target) rmSync(this.tmp, { force: true });
  }

  private put(text: string): void {
    outputStep(this.path, () => writeSync(this.fd, text));
  }
}

function csvCell(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
