// `arkive schedule`: the long-running scheduler for every pipeline with a `schedule` (or the
// ones named with --pipeline). Runs happen in this process, under each pipeline's run lock,
// so system cron, a person and the scheduler never run one pipeline twice at once.
// SIGTERM/SIGINT: stop taking ticks, let a run in progress stop at its next stage, exit 0.
import type { NetworkSession } from '../archive/network.js';
import { ExitCode, LockHeldError, UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { Pipeline } from '../pipeline/define.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { Scheduler, type SchedulerEvents, type TickOutcome } from '../pipeline/scheduler.js';
import { createSystem, type Store, type System } from '../system.js';
import type { Io } from './io.js';
import type { CommandOptions } from './options.js';
import { createRunReporter, outputMode, type OutputMode } from './run-reporter.js';
import { onStopSignal } from './signals.js';

export interface ScheduleCommandOptions extends CommandOptions {
  pipelines?: string[] | undefined;
  noPublish?: boolean | undefined;
  /** `--max-cost`, in winston: caps each run like its pipeline's budget.perRun (the lower wins). */
  maxCost?: bigint | undefined;
}

export async function scheduleCommand(options: ScheduleCommandOptions): Promise<number> {
  const system = createSystem(options, options.env);
  const pipelines = await scheduledPipelines(system, options.pipelines);
  const mode = outputMode(options);
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const unlisten = onStopSignal((signal) => { unlisten(); stop.abort(signal); resolve(); });
  });
  const store = await system.openStore();
  const openNetwork = shareNetwork(() => system.openNetwork());
  const scheduler = new Scheduler({
    pipelines, ticks: store.ticks, events: schedulerEvents(mode, options.io),
    runTick: (pipeline, _tick, _runKey, started) => runTick(pipeline, { system, store, options, mode, signal: stop.signal, openNetwork }, started),
  });
  try {
    await scheduler.start();
    await stopped;
    await scheduler.stop();
  } finally {
    await store.close();
  }
  return ExitCode.ok;
}

async function scheduledPipelines(system: System, only: string[] | undefined): Promise<Pipeline[]> {
  const names = only?.length ? only : system.pipelines.names();
  const loaded = await Promise.all(names.map((name) => system.pipelines.load(name)));
  const unscheduled = loaded.filter((p) => !p.schedule).map((p) => p.name);
  if (only?.length && unscheduled.length) {
    throw new UsageError({
      code: 'PIPELINE_UNSCHEDULED', message: `pipeline ${unscheduled.join(', ')} has no schedule`,
      hint: "Add schedule: '<cron expression>' to its definePipeline({...}), or run it once with arkive run.",
    });
  }
  const scheduled = loaded.filter((p) => p.schedule);
  if (!scheduled.length) {
    throw new UsageError({
      code: 'NOTHING_SCHEDULED', message: `no pipeline in ${system.pipelines.dir} has a schedule`,
      hint: "Add schedule: '0 3 * * *' (or { cron, timezone, catchUp }) to a pipeline's definePipeline({...}).",
    });
  }
  return scheduled;
}

interface TickContext {
  system: System; store: Store; options: ScheduleCommandOptions; mode: OutputMode; signal: AbortSignal;
  openNetwork: () => Promise<NetworkSession>;
}

/**
 * One network session for the runs in progress, closed when the last one ends: on `local`
 * that is one devnet in this process, however many pipelines tick at the same time (two
 * devnets on one home directory would fight over its files).
 */
function shareNetwork(open: () => Promise<NetworkSession>): () => Promise<NetworkSession> {
  let session: Promise<NetworkSession> | undefined;
  let closing: Promise<void> = Promise.resolve();
  let users = 0;
  return async () => {
    users++;
    // A session being closed finishes closing before the next one opens.
    session ??= closing.then(open);
    const current = session;
    try {
      const network = await current;
      const close = async () => {
        if (--users > 0) return;
        session = undefined;
        const done = network.close();
        closing = done.catch(() => undefined);
        await done;
      };
      return { ...network, close };
    } catch (error) {
      users--;
      if (session === current) session = undefined;
      throw error;
    }
  };
}

async function runTick(pipeline: Pipeline, ctx: TickContext, started: (runId: string) => void): Promise<TickOutcome> {
  const { system, store } = ctx;
  const reporter = createRunReporter(ctx.mode === 'json' ? 'log' : ctx.mode, ctx.options.io);
  try {
    const result = await runPipeline(pipeline, {
      ...system.runDeps(store, ctx.options.noPublish ? undefined : ctx.openNetwork),
      signal: ctx.signal, observer: reporter, maxCost: ctx.options.maxCost,
      onLocked: (lease) => {
        started(lease.runId);
        reporter.started(lease.runId, pipeline.name, lease.tookOver);
      },
    });
    reporter.finished(result);
    const state = result.status === 'interrupted' ? 'interrupted' : result.error ? 'failed' : 'done';
    return { state, runId: result.runId };
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    reporter.refused(pipeline.name, error);
    return { state: 'locked', runId: null };
  }
}

/** Scheduler events as JSON log lines (cron, --json) or sentences (a terminal); none with --quiet. */
function schedulerEvents(mode: OutputMode, io: Io): SchedulerEvents {
  if (mode === 'quiet') return { error: (p, tick, e) => io.err(`arkive schedule: ${p} tick ${tick.toISOString()}: ${String(e)}`) };
  const log = mode === 'tty' ? undefined : createLogger(io.out).child({ component: 'scheduler' });
  const say = (fields: Record<string, unknown>, text: string) => (log ? log.info(fields, text) : io.out(text));
  return {
    started: (list) => say({ pipelines: list }, `scheduling ${list.map((e) => `${e.pipeline} (${e.schedule.cron}${e.schedule.timezone ? ` ${e.schedule.timezone}` : ''}, next ${e.next?.toISOString() ?? 'never'})`).join(', ')}`),
    tick: (pipeline, tick, runKey, reason) => say({ pipeline, tick, runKey, reason }, `${reason === 'catch-up' ? 'catching up' : 'tick'} ${runKey}`),
    finished: (pipeline, tick, o) => say({ pipeline, tick, runKey: `${pipeline}@${tick.toISOString()}`, state: o.state, runId: o.runId }, `tick ${pipeline}@${tick.toISOString()} ${o.state}`),
    missed: (pipeline, missed, latest, policy) => say({ pipeline, missed, latest, policy },
      `${pipeline}: ${missed}${missed >= 1000 ? '+' : ''} tick(s) missed while no scheduler ran, latest ${latest.toISOString()}: ${policy === 'once' ? 'running it once' : 'skipped (catchUp: skip)'}`),
    overlap: (pipeline, tick) => say({ pipeline, tick }, `${pipeline}: tick ${tick.toISOString()} not run, the previous run is still working`),
    duplicate: (pipeline, tick) => say({ pipeline, tick }, `${pipeline}: tick ${tick.toISOString()} was already handled`),
    error: (pipeline, tick, e) => (log ? log.error({ pipeline, tick, err: String(e) }, 'could not record tick') : io.err(`${pipeline} ${tick.toISOString()}: ${String(e)}`)),
  };
}
