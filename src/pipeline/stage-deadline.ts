// Deadlines of a run's stages: a stage that hangs (a network that accepts and never answers,
// a devnet that stopped mining) fails the run with STAGE_TIMEOUT instead of keeping the
// process, its lock and its ports forever. The work of a timed-out stage cannot be cancelled
// from outside; its result is ignored, and `arkive run` exits when the run ends.
import type { StageTimeouts } from '../config.js';
import { RuntimeFailure } from '../errors.js';

export type TimedStage = keyof StageTimeouts;

export function stageTimeout(pipeline: string, stage: TimedStage, ms: number): RuntimeFailure {
  return new RuntimeFailure({
    code: 'STAGE_TIMEOUT',
    message: `run of ${pipeline}: stage ${stage} did not finish within ${ms} ms`,
    hint: `If it is merely slow, raise its deadline (ARKIVE_STAGE_TIMEOUT_MS=${stage}=${ms * 4}); otherwise check the network it uses `
      + '(on local: <home>/devnet/server.log). Run it again to resume.',
  });
}

/** The promise's outcome, or `timeout()` thrown after `ms` (the promise's later outcome is dropped). */
export function withTimeout<T>(work: Promise<T>, ms: number | undefined, timeout: () => Error): Promise<T> {
  if (ms === undefined || !Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(timeout()), ms); });
  work.catch(() => {}); // settles after the deadline: nobody listens any more
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * One timer for the stage in progress, restarted at each stage boundary. `race` settles with
 * the work or rejects when the current stage overruns its deadline.
 */
export class StageClock {
  private timer: NodeJS.Timeout | undefined;
  private fail: ((error: Error) => void) | undefined;
  private readonly expired: Promise<never>;

  constructor(private readonly pipeline: string, private readonly timeouts: Partial<StageTimeouts>) {
    this.expired = new Promise<never>((_, reject) => { this.fail = reject; });
    this.expired.catch(() => {});
  }

  /** Starts the deadline of `stage` (none: a stage whose caller bounds it itself). */
  enter(stage: TimedStage, bounded = true): void {
    clearTimeout(this.timer);
    const ms = this.timeouts[stage];
    if (!bounded || ms === undefined || !Number.isFinite(ms)) return;
    this.timer = setTimeout(() => this.fail?.(stageTimeout(this.pipeline, stage, ms)), ms);
  }

  race<T>(work: Promise<T>): Promise<T> {
    work.catch(() => {});
    return Promise.race([work, this.expired]);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
