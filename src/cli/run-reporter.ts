// How `arkive run` and `arkive schedule` report a run: progress bars and a summary on a
// terminal; one JSON object per line (pino) for cron mail and log shippers; nothing but
// errors with --quiet. Every failed run ends with a line saying what failed and how to resume.
import type { Lease } from '../db/leases.js';
import type { ArkiveError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { RunResult } from '../pipeline/execute.js';
import type { RunStage } from '../pipeline/run-events.js';
import type { Io } from './io.js';
import { failureLine, type RunReporter } from './run-report.js';
import { TtyReporter } from './tty-reporter.js';

export type { RunReporter } from './run-report.js';

export type OutputMode = 'tty' | 'log' | 'json' | 'quiet';


export function outputMode(o: { json?: boolean | undefined; quiet?: boolean | undefined; io: Io }): OutputMode {
  if (o.quiet) return 'quiet';
  if (o.json) return 'json';
  return o.io.isTTY ? 'tty' : 'log';
}

export function createRunReporter(mode: OutputMode, io: Io): RunReporter {
  if (mode === 'tty') return new TtyReporter(io);
  if (mode === 'quiet') return new QuietReporter(io);
  // --json keeps stdout for the result object, so its log lines go to stderr.
  return new LogReporter(createLogger(mode === 'json' ? io.err : io.out));
}


const THROTTLE_MS = 5_000;

/** pino lines carrying the run ID, stage and counts. Progress is throttled to one line per 5 s. */
export class LogReporter implements RunReporter {
  private log: Logger;
  private stageNow: RunStage | null = null;
  private lastProgress = 0;

  constructor(logger: Logger) {
    this.log = logger;
  }

  started(runId: string, pipeline: string, tookOver: Lease | null): void {
    this.log = this.log.child({ runId, pipeline });
    this.log.info({ tookOver: tookOver && { runId: tookOver.runId, pid: tookOver.pid, host: tookOver.host } },
      tookOver ? `run started, taking over from dead run ${tookOver.runId}` : 'run started');
  }

  stage(stage: RunStage, at: { counts: object }): void {
    this.stageNow = stage;
    this.log.info({ stage, counts: at.counts }, `stage ${stage}`);
  }

  rows(counts: object, bytesRead: number, bytesTotal: number | null): void {
    if (!this.due()) return;
    this.log.info({ stage: this.stageNow, counts, bytesRead, bytesTotal }, 'rows');
  }

  upload(name: string, done: number, total: number): void {
    if (done < total && !this.due()) return;
    this.log.info({ stage: this.stageNow, artifact: name, bytesDone: done, bytesTotal: total }, 'upload');
  }

  finished(r: RunResult): void {
    const summary = {
      status: r.status, stage: this.stageNow, rows: r.rows, sources: r.sources, quarantineReasons: r.quarantineReasons,
      artifacts: r.artifacts, uploadedBytes: r.uploadedBytes, totalBytes: r.totalBytes, cost: r.cost, durationMs: r.durationMs,
      indexed: r.indexed,
    };
    if (r.indexError) {
      this.log.warn({ stage: 'index', err: r.indexError.toJSON() }, `released but not indexed in the AO registry: ${r.indexError.message}. Index it later with: arkive ao sync`);
    }
    if (!r.error) this.log.info(summary, `run ${r.status}`);
    else this.log.error({ ...summary, err: r.error.toJSON() }, failureLine(r, this.stageNow, r.error));
  }

  refused(pipeline: string, error: ArkiveError): void {
    this.log.error({ pipeline, err: error.toJSON() }, `run of ${pipeline} did not start: ${error.message}. Fix: ${error.hint}`);
  }

  private due(): boolean {
    const now = Date.now();
    if (now - this.lastProgress < THROTTLE_MS) return false;
    this.lastProgress = now;
    return true;
  }
}

/** --quiet: only errors, as the usual three lines plus the resume line. */
class QuietReporter implements RunReporter {
  private stageNow: RunStage | null = null;
  constructor(private readonly io: Io) {}
  started(): void {}
  stage(stage: RunStage): void { this.stageNow = stage; }
  finished(r: RunResult): void {
    if (r.error) this.io.err(failureLine(r, this.stageNow, r.error));
  }
  refused(): void {}
}
