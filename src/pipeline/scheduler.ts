// The built-in scheduler: croner fires each scheduled pipeline on its ticks. Every tick is
// keyed by (pipeline, scheduled time) and claimed in the database before it runs, so a tick
// runs at most once, across restarts and even with two schedulers on one home. A pipeline
// never overlaps itself: a tick that fires while its previous run still works is recorded as
// an overlap and not run. Ticks missed while no scheduler ran are skipped or run once.
import { Cron } from 'croner';
import type { TicksRepo } from '../db/ticks-repo.js';
import type { TickState } from '../db/schema.js';
import type { Pipeline } from './define.js';
import { missedTicks, nextTick, tickAtOrBefore, type Schedule } from './schedule.js';

export interface TickOutcome {
  state: Extract<TickState, 'done' | 'failed' | 'interrupted' | 'locked'>;
  runId: string | null;
}

export interface SchedulerEvents {
  started?(pipelines: Array<{ pipeline: string; schedule: Schedule; next: Date | null }>): void;
  tick?(pipeline: string, tick: Date, runKey: string, reason: 'scheduled' | 'catch-up'): void;
  finished?(pipeline: string, tick: Date, outcome: TickOutcome): void;
  missed?(pipeline: string, missed: number, latest: Date, policy: Schedule['catchUp']): void;
  /** A tick came while the pipeline's previous run was still working: not run. */
  overlap?(pipeline: string, tick: Date): void;
  /** A tick already handled (by this home's other scheduler, or before a restart): not run. */
  duplicate?(pipeline: string, tick: Date): void;
  /** The scheduler could not record a tick's end (the database failed). */
  error?(pipeline: string, tick: Date, error: unknown): void;
}

export interface SchedulerDeps {
  pipelines: Pipeline[];
  ticks: TicksRepo;
  /**
   * Runs one tick of a pipeline (under its run lock) and says how it ended; calls `started`
   * with the run's ID once it holds the lock (the tick's row names it from then on).
   */
  runTick(pipeline: Pipeline, tick: Date, runKey: string, started: (runId: string) => void): Promise<TickOutcome>;
  events?: SchedulerEvents | undefined;
  now?: () => Date;
}

/** At most this many ticks recorded skipped at once (a stall of hours on a per-second schedule is not worth a row each). */
const MAX_SKIPPED = 120;

export const runKeyOf = (pipeline: string, tick: Date) => `${pipeline}@${tick.toISOString()}`;

export class Scheduler {
  private readonly jobs: Cron[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Handles missed ticks by policy, then fires on every tick until stop(). */
  async start(): Promise<void> {
    const now = this.now();
    const events = this.deps.events;
    events?.started?.(this.scheduled().map(([p, s]) => ({ pipeline: p.name, schedule: s, next: nextTick(s, now) })));
    for (const [pipeline, schedule] of this.scheduled()) {
      await this.catchUp(pipeline, schedule, now);
      let last = tickAtOrBefore(schedule, now);
      // No croner `protect`: overlap is decided here, per pipeline, so it is recorded.
      this.jobs.push(new Cron(schedule.cron, { ...(schedule.timezone && { timezone: schedule.timezone }) }, () => {
        const tick = tickAtOrBefore(schedule, this.now());
        if (!tick) return;
        if (last && tick.getTime() > last.getTime()) this.skipBetween(pipeline, schedule, last, tick);
        last = tick;
        this.fire(pipeline, tick, 'scheduled');
      }));
    }
  }

  /** Stops taking ticks and waits for the runs in progress (they stop at their next stage). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs) job.stop();
    await Promise.all(this.running.values());
  }

  /** Resolves when the runs in progress have finished (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  private scheduled(): Array<[Pipeline, Schedule]> {
    return this.deps.pipelines.filter((p) => p.schedule).map((p) => [p, p.schedule!]);
  }

  private async catchUp(pipeline: Pipeline, schedule: Schedule, now: Date): Promise<void> {
    const { missed, latest } = missedTicks(schedule, await this.deps.ticks.latest(pipeline.name), now);
    if (!latest) return;
    this.deps.events?.missed?.(pipeline.name, missed, latest, schedule.catchUp);
    if (schedule.catchUp === 'once') this.fire(pipeline, latest, 'catch-up');
    else await this.deps.ticks.claim(pipeline.name, latest, 'skipped', now);
  }

  /**
   * Ticks strictly between two this scheduler fired on, which croner never fired (the event
   * loop was blocked past them): recorded as skipped, unless another scheduler handled them,
   * so a tick is never lost without a row.
   */
  private skipBetween(pipeline: Pipeline, schedule: Schedule, from: Date, to: Date): void {
    const { ticks, events } = this.deps;
    let tick = nextTick(schedule, from);
    for (let n = 0; tick && tick.getTime() < to.getTime() && n < MAX_SKIPPED; n++, tick = nextTick(schedule, tick)) {
      const at = tick;
      ticks.claim(pipeline.name, at, 'skipped', this.now()).catch((error) => events?.error?.(pipeline.name, at, error));
    }
  }

  private fire(pipeline: Pipeline, tick: Date, reason: 'scheduled' | 'catch-up'): void {
    const { ticks, events } = this.deps;
    if (this.stopped) return;
    if (this.running.has(pipeline.name)) {
      ticks.claim(pipeline.name, tick, 'overlap', this.now())
        .then((claimed) => { if (claimed) events?.overlap?.(pipeline.name, tick); })
        .catch((error) => events?.error?.(pipeline.name, tick, error));
      return;
    }
    // In `running` from the claim on: a tick that fires meanwhile is an overlap, never a second run.
    const run = this.claimAndRun(pipeline, tick, reason)
      .catch((error) => events?.error?.(pipeline.name, tick, error))
      .finally(() => this.running.delete(pipeline.name));
    this.running.set(pipeline.name, run);
  }

  private async claimAndRun(pipeline: Pipeline, tick: Date, reason: 'scheduled' | 'catch-up'): Promise<void> {
    const { ticks, events } = this.deps;
    if (!(await ticks.claim(pipeline.name, tick, 'running', this.now()))) {
      events?.duplicate?.(pipeline.name, tick);
      return;
    }
    const runKey = runKeyOf(pipeline.name, tick);
    events?.tick?.(pipeline.name, tick, runKey, reason);
    const started = (runId: string) => {
      ticks.started(pipeline.name, tick, runId).catch((error) => events?.error?.(pipeline.name, tick, error));
    };
    const outcome = await this.deps.runTick(pipeline, tick, runKey, started).catch((): TickOutcome => ({ state: 'failed', runId: null }));
    await ticks.finish(pipeline.name, tick, outcome.state, outcome.runId, this.now());
    await ticks.prune(pipeline.name);
    events?.finished?.(pipeline.name, tick, outcome);
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}
