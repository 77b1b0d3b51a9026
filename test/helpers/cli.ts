// Spawns the real CLI (bin/arkive.js) as a user would, capturing exit code and output.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './tmp.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function arkive(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ARKIVE_HOME: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
