// Long-running CLI processes under watch (`arkive schedule` runners): their JSON log lines as
// they come, their peak resident memory (VmHWM from /proc, polled), and a stop that escalates
// to SIGKILL. Each is killed at the end of its test (cli.ts track), at its deadline, when the
// test process exits, and by a watchdog if it dies unannounced, so none outlives a failed or timed-out test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnArkive } from './cli.js';
import { highWaterMark } from './watched-cli.js';

export interface LogLine {
  msg: string;
  time?: number;
  component?: string;
  pipeline?: string;
  runId?: string;
  runKey?: string;
  state?: string;
  status?: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Runner {
  name: string;
  pid: number;
  lines: LogLine[];
  stderr(): string;
  exited: Promise<Exit>;
  /** Peak resident set size so far, in bytes (0 where /proc is missing). */
  peakRss(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
}

export function startRunner(name: string, args: string[], opts: { cwd: string; env: Record<string, string>; deadlineMs: number }): Runner {
  const child = spawnArkive(args, { cwd: opts.cwd, env: opts.env });
  const lines: LogLine[] = [];
  let stderr = '';
  let peak = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: line });
    }
  });
  child.stderr!.on('data', (d) => { stderr += d; });
  const poll = setInterval(() => { peak = Math.max(peak, highWaterMark(child.pid!)); }, 100);
  const deadline = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const watchdog = orphanWatchdog(child.pid!);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => {
    clearInterval(poll);
    clearTimeout(deadline);
    process.removeListener('exit', onExit);
    watchdog.kill('SIGKILL');
    resolve({ code, signal });
  }));
  return {
    name, pid: child.pid!, lines, stderr: () => stderr, exited, peakRss: () => peak,
    stop: (graceMs = 20_000) => stopChild(child, exited, graceMs),
  };
}

/**
 * A detached shell that SIGKILLs the runner once this test process is gone: a worker killed
 * with SIGKILL runs no exit handler, and a scheduler would otherwise run on forever.
 */
function orphanWatchdog(pid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

async function stopChild(child: ChildProcess, exited: Promise<Exit>, graceMs: number): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every 50 ms until it holds; throws with `what` (and `detail()`) after the deadline. */
export async function until(what: string, check: () => boolean | Promise<boolean>, deadlineMs: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
