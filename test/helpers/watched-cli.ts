// The real CLI under watch: its peak resident memory (VmHWM from /proc, polled), how long it
// ran, a hook to signal it mid-way, and a deadline after which it is killed (so a hung
// command fails its test instead of outliving it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './tmp.js';

export interface WatchedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the CLI process, in bytes (0 where /proc is missing). */
  peakRss: number;
  ms: number;
  /** Whether the deadline killed it. */
  timedOut: boolean;
}

export interface WatchOptions {
  cwd?: string;
  env?: Record<string, string>;
  deadlineMs: number;
  /** Polled every 50 ms with the child's pid until it returns true (e.g. to send a signal). */
  onPoll?: (pid: number) => boolean;
}

export function watchArkive(args: string[], opts: WatchOptions): Promise<WatchedResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ARKIVE_HOME: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let peakRss = 0;
  let timedOut = false;
  let polling = Boolean(opts.onPoll);
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const poll = setInterval(() => {
    peakRss = Math.max(peakRss, highWaterMark(child.pid!));
    if (polling && opts.onPoll!(child.pid!)) polling = false;
  }, 50);
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.deadlineMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, peakRss, ms: Date.now() - started, timedOut });
    });
  });
}

/** Peak resident set size of a live process (VmHWM), in bytes; 0 where /proc does not say. */
export function highWaterMark(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
