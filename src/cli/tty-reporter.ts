// A run on a terminal: progress bars on stderr for the long stages (a source's download,
// rows read by source bytes, bytes archived), then the human summary on stdout; a failure
// ends with the resume line.
import cliProgress from 'cli-progress';
import type { ArkiveError } from '../errors.js';
import type { RunResult } from '../pipeline/execute.js';
import type { RunStage } from '../pipeline/run-events.js';
import type { RunCounts } from '../db/runs-repo.js';
import { printError, type Io } from './io.js';
import { failureLine, type RunReporter } from './run-report.js';

export class TtyReporter implements RunReporter {
  private bar: cliProgress.SingleBar | undefined;
  /** 'rows', 'upload', or 'fetch <source>': a new kind starts a new bar. */
  private barKind: string | undefined;
  private stageNow: RunStage | null = null;

  constructor(private readonly io: Io) {}

  started(runId: string, pipeline: string): void {
    this.io.progress?.write(`run ${runId} of ${pipeline}\n`);
  }

  stage(stage: RunStage): void {
    this.stop();
    this.stageNow = stage;
    if (stage === 'finalize' || stage === 'train') this.io.progress?.write(`${stage}…\n`);
  }

  rows(counts: RunCounts, bytesRead: number, bytesTotal: number | null): void {
    const bar = this.ensure('rows', 'load   [{bar}] {percentage}% | {rows} rows, {quarantined} quarantined | ETA {eta_formatted}', bytesTotal ?? 0);
    bar?.update(Math.min(bytesRead, bytesTotal ?? bytesRead), { rows: counts.extracted, quarantined: counts.quarantined });
  }

  /** A source's download: a bar when its size is known, else a byte count. */
  fetch(source: string, bytes: number, total: number | null): void {
    const format = total === null
      ? 'fetch  {source} | {value} bytes'
      : 'fetch  {source} [{bar}] {percentage}% | {value}/{total} bytes | ETA {eta_formatted}';
    // The name goes in as a value, not into the format: braces in it are not placeholders.
    // A retry may answer with another size (or none): a bar of its own.
    const bar = this.ensure(`fetch ${source} ${total ?? '?'}`, format, total ?? 0, { source });
    bar?.update(total === null ? bytes : Math.min(bytes, total), { source });
  }

  upload(name: string, done: number, total: number): void {
    const bar = this.ensure('upload', `archive ${name} [{bar}] {percentage}% | {value}/{total} bytes | ETA {eta_formatted}`, total);
    bar?.update(done);
  }

  finished(r: RunResult): void {
    this.stop();
    printSummary(this.io, r);
    if (!r.error) return;
    printError(this.io, r.error);
    this.io.err(failureLine(r, this.stageNow, r.error));
  }

  refused(_pipeline: string, _error: ArkiveError): void {
    this.stop();
  }

  private ensure(kind: string, format: string, total: number, payload: object = {}): cliProgress.SingleBar | undefined {
    if (!this.io.progress) return undefined;
    if (this.barKind !== kind) {
      this.stop();
      this.bar = new cliProgress.SingleBar(
        { format, stream: this.io.progress, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { rows: 0, quarantined: 0, ...payload });
      this.barKind = kind;
    }
    return this.bar;
  }

  private stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.barKind = undefined;
  }
}

export function printSummary(io: Io, r: RunResult): void {
  const { rows } = r;
  io.out(`run ${r.runId} of ${r.pipeline}: ${r.status} in ${(r.durationMs / 1000).toFixed(2)} s`);
  io.out(`  extracted ${rows.extracted}, loaded ${rows.loaded} (${rows.changed} changed, ${rows.removed} removed), `
    + `duplicates ${rows.duplicates}, quarantined ${rows.quarantined}`);
  // Only when a source read other than in full: then which read what is the news.
  if (r.sources.some((s) => s.mode !== 'full')) {
    io.out(`  sources: ${r.sources.map((s) => `${s.name} ${s.mode === 'unchanged' ? 'unchanged' : `${s.mode} ${s.rows} rows`}`).join(', ')}`);
  }
  for (const a of r.artifacts) {
    const change = a.status === 'released' ? `released ${a.name} v${a.version}` : `${a.name} unchanged at v${a.version}`;
    io.out(`  ${change}: content ID ${a.contentId}`);
    io.out(`    ${a.bytes} bytes (${a.uploadedBytes} uploaded, ${a.reusedBytes} already archived), digest ${a.digest}`);
  }
  if (r.artifacts.length || r.cost.winston !== '0') io.out(`  paid ${r.cost.winston} winston (${r.cost.ar} AR) for uploads`);
  if (r.indexed === true) io.out('  indexed in the AO registry');
  if (r.indexed === false) {
    io.out(`  NOT indexed in the AO registry: ${r.indexError?.message ?? 'unknown error'}`);
    io.out('  the release is safe; index it later with: arkive ao sync');
  }
  const reasons = Object.entries(r.quarantineReasons);
  if (reasons.length) {
    io.out(`  quarantined by reason: ${reasons.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    io.out(`  inspect them with: arkive quarantine --run ${r.runId}`);
  }
}
