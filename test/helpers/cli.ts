// Spawns the real CLI (bin/arkive.js) as a user would, capturing exit code and output.
// Every child spawned through here is killed when its test ends, passed, failed or timed out:
// a hung `arkive run` must never outlive the test that started it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';
import { repoRoot } from './tmp.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const live = new Set<ChildProcess>();

afterEach(() => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
});

/** Spawns `node bin/arkive.js ...args`; the child is killed at the end of the current test. */
export function spawnArkive(args: string[], opts: SpawnOptions & { env?: Record<string, string> } = {}): ChildProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], ...opts,
    env: { ...process.env, ARKIVE_HOME: '', ...opts.env },
  });
  return track(child);
}

/** Kills the child at the end of the current test unless it has exited by then. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function arkive(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnArkive(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
