// One `arkive dev` stack (gateway, bundler, AO units) in a child process, shared by the tests
// of a file: homes publish to it as a custom network, and what they posted survives when a
// run is killed (the bundler lives in the stack's process, not in the run's).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { addressOf, readWallet } from '../../src/archive/wallet.js';
import { seedWallets } from './devnet.js';
import { repoRoot } from './tmp.js';

export interface DevStack {
  gateway: string;
  bundler: string;
  wallet: string;
  address: string;
  /** What a home needs to publish to this stack (as `arkive run` reads it from the environment). */
  env: Record<string, string>;
  /** Makes everything the bundler took visible in the gateway's GraphQL. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** One stack for the tests of a file: started in beforeAll, stopped in afterAll; the getter gives it to the tests. */
export function devStackForFile(deadlineMs = 60_000, args: string[] = []): () => DevStack {
  let stack: DevStack | undefined;
  beforeAll(async () => {
    stack = await startDevStack(deadlineMs, args);
  }, deadlineMs + 30_000);
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the dev stack did not start (see beforeAll)');
    return stack;
  };
}

/** `args`: more `arkive dev` options, e.g. `--price-per-byte 2` or `--fund ADDRESS=WINSTON`. */
export async function startDevStack(deadlineMs = 60_000, args: string[] = []): Promise<DevStack> {
  // Not a tmpDir(): those are removed after each test, and the stack outlives tests.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-dev-'));
  await seedWallets(path.join(home, 'devnet'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'dev', '--json', '--port', '0', '--home', home, ...args], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ARKIVE_HOME: '' },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const line = await firstLine(child, deadlineMs);
    const stack = JSON.parse(line) as { gateway: string; bundler: string; wallet: string };
    return {
      ...stack,
      address: addressOf(readWallet(stack.wallet)),
      env: { ARKIVE_GATEWAY: stack.gateway, ARKIVE_BUNDLER: stack.bundler, ARKIVE_WALLET: stack.wallet },
      flush: async () => {
        const res = await fetch(`${stack.bundler}/dev/flush`, { method: 'POST' });
        if (res.status !== 200) throw new Error(`dev flush: HTTP ${res.status}`);
      },
      stop: async () => {
        await stopChild(child, exited);
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child, exited);
    fs.rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

function firstLine(child: ChildProcess, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`arkive dev printed no endpoints within ${deadlineMs} ms`)), deadlineMs);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`arkive dev exited (${code}) before printing its endpoints`));
    });
  });
}

/** SIGTERM, then SIGKILL if the stack has not stopped within 10 s. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
