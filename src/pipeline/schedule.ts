// A pipeline's schedule: a cron expression (croner syntax: 5 fields, or 6 with seconds first),
// an optional IANA timezone, and what to do about ticks missed while no scheduler ran
// (`skip`, the default, or run `once`). Pure: validation and tick arithmetic, no timers.
import { Cron } from 'croner';

export type CatchUp = 'skip' | 'once';

export interface Schedule {
  cron: string;
  timezone?: string | undefined;
  catchUp: CatchUp;
}

export type ScheduleInput = string | { cron: string; timezone?: string; catchUp?: CatchUp };

/** Problems with a schedule, in words for the pipeline's error (empty when it is valid). */
export function scheduleProblems(input: unknown): string[] {
  const spec = typeof input === 'string' ? { cron: input } : input;
  if (typeof spec !== 'object' || spec === null || typeof (spec as { cron?: unknown }).cron !== 'string') {
    return ['schedule must be a cron expression or { cron, timezone?, catchUp? }'];
  }
  const { cron, timezone, catchUp } = spec as { cron: string; timezone?: unknown; catchUp?: unknown };
  const problems: string[] = [];
  if (timezone !== undefined && typeof timezone !== 'string') problems.push('schedule.timezone must be an IANA name such as "Europe/Berlin"');
  if (catchUp !== undefined && catchUp !== 'skip' && catchUp !== 'once') {
    problems.push(`schedule.catchUp must be "skip" or "once", not ${JSON.stringify(catchUp)}`);
  }
  if (problems.length) return problems;
  try {
    // nextRun makes croner resolve the timezone, which the constructor alone does not check.
    const next = new Cron(cron, { paused: true, ...(typeof timezone === 'string' && { timezone }) }).nextRun();
    if (!next) problems.push(`schedule ${JSON.stringify(cron)} never fires`);
  } catch (error) {
    problems.push(`schedule ${JSON.stringify(cron)}${timezone ? ` (timezone ${timezone})` : ''} is not valid: ${(error as Error).message}`);
  }
  return problems;
}

export function normaliseSchedule(input: ScheduleInput): Schedule {
  const spec = typeof input === 'string' ? { cron: input } : input;
  return { cron: spec.cron.trim(), ...(spec.timezone && { timezone: spec.timezone }), catchUp: spec.catchUp ?? 'skip' };
}

export function cronOf(schedule: Schedule): Cron {
  return new Cron(schedule.cron, { paused: true, ...(schedule.timezone && { timezone: schedule.timezone }) });
}

/** The latest tick at or before `at`: the scheduled time a trigger at `at` stands for. */
export function tickAtOrBefore(schedule: Schedule, at: Date): Date | null {
  // croner's previousRuns excludes ticks in the same second as its reference time, so ask
  // from a second later and drop a tick that would lie after `at`.
  const candidates = cronOf(schedule).previousRuns(2, new Date(at.getTime() + 1000));
  return candidates.find((t) => t.getTime() <= at.getTime()) ?? null;
}

export function nextTick(schedule: Schedule, after: Date): Date | null {
  return cronOf(schedule).nextRun(after);
}

export interface CatchUpPlan {
  /** Ticks after the last one handled, up to now (counted up to 1000). */
  missed: number;
  /** The latest missed tick, which `once` runs and `skip` records as skipped. */
  latest: Date | null;
}

/** Ticks missed between the last one handled (null: never scheduled before) and now. */
export function missedTicks(schedule: Schedule, lastHandled: Date | null, now: Date): CatchUpPlan {
  if (!lastHandled) return { missed: 0, latest: null };
  const latest = tickAtOrBefore(schedule, now);
  if (!latest || latest.getTime() <= lastHandled.getTime()) return { missed: 0, latest: null };
  const cron = cronOf(schedule);
  let missed = 0;
  for (let t = cron.nextRun(lastHandled); t && t.getTime() <= now.getTime() && missed < 1000; t = cron.nextRun(t)) missed++;
  return { missed, latest };
}
