// `arkive dev` and crash recovery, across real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { devCommand } from '../../src/cli/dev.js';
import type { Io } from '../../src/cli/io.js';
import { fetchBytes, findByTag, irysFor, seedWallets, startTestDevnet } from '../helpers/devnet.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const childScript = path.join(repoRoot, 'test/integration/devnet-child.ts');

function spawnChild(mode: 'dev' | 'crash', home: string): { child: ChildProcess; firstLine: Promise<string>; exit: Promise<{ code: number | null; signal: string | null }>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, mode, home], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    void exit.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before printing: ${stderr}`)));
  });
  return { child, firstLine, exit, stderr: () => stderr };
}

describe('arkive dev', () => {
  it('prints its endpoints as one JSON line, serves them, and stops cleanly on SIGTERM', async () => {
    const home = tmpDir('arkive-dev-');
    await seedWallets(path.join(home, 'devnet'));
    const { child, firstLine, exit, stderr } = spawnChild('dev', home);
    try {
      const endpoints = JSON.parse(await firstLine) as Record<string, string | null>;
      expect(Object.keys(endpoints).slice(0, 6)).toEqual(['gateway', 'bundler', 'mu', 'cu', 'wallet', 'registry']);
      expect(endpoints).toMatchObject({
        mu: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), cu: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        registry: expect.stringMatching(/^[\w-]{43}$/), wallet: path.join(home, 'devnet', 'wallet.json'),
      });
      expect((await fetch(`${endpoints.gateway}/info`)).status).toBe(200);
      const info = (await (await fetch(`${endpoints.bundler}/info`)).json()) as { addresses: { arweave: string } };
      expect(info.addresses.arweave).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // Another process uploads, and waits for the gateway through POST /dev/flush.
      const devnet = { bundlerUrl: endpoints.bundler!, gatewayUrl: endpoints.gateway!, walletFile: endpoints.wallet! };
      // Many tags: ArLocal writes them one row at a time after the item, and a flush must wait for the last.
      const tags = Array.from({ length: 40 }, (_, i) => ({ name: `Tag-${i}`, value: `value ${i}` }));
      const receipt = await (await irysFor(devnet)).upload('from another process', { tags });
      expect((await fetch(`${endpoints.bundler}/dev/flush`, { method: 'POST' })).status).toBe(200);
      expect((await fetchBytes(`${endpoints.gateway}/${receipt.id}`)).bytes.toString()).toBe('from another process');
      expect((await findByTag(endpoints.gateway!, 'Tag-39', 'value 39')).map((n) => n.id)).toEqual([receipt.id]);

      child.kill('SIGTERM');
      const stopping = Date.now();
      expect(await exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopping).toBeLessThan(5_000); // nothing left waiting on ArLocal's database
      await expect(fetch(`${endpoints.gateway}/info`)).rejects.toThrow();
    } catch (error) {
      throw new Error(`${(error as Error).message}\nchild stderr:\n${stderr()}`, { cause: error });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('runs in-process until aborted, printing human-readable endpoints', async () => {
    const home = tmpDir('arkive-dev-');
    await seedWallets(path.join(home, 'devnet'));
    const out: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: () => {} };
    const abort = new AbortController();
    const running = devCommand({ cwd: home, home, port: 0, io, env: {}, signal: abort.signal });
    for (let i = 0; i < 500 && !out.some((l) => l.includes('bundler')); i++) await new Promise((r) => setTimeout(r, 10));
    const gateway = /gateway\s+(http:\S+)/.exec(out.join('\n'))?.[1];
    expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${gateway}/info`)).status).toBe(200);
    abort.abort();
    expect(await running).toBe(0);
    expect(out.at(-1)).toBe('local permaweb stopped');
  });
});

describe('crash recovery', () => {
  it('bundles after a restart the items a killed bundler had acknowledged', async () => {
    const home = tmpDir('arkive-crash-');
    await seedWallets(path.join(home, 'devnet'));
    const { firstLine, exit, stderr } = spawnChild('crash', home);
    const { id } = JSON.parse(await firstLine.catch((e: Error) => { throw new Error(`${e.message}\n${stderr()}`); })) as { id: string };
    expect((await exit).signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(home, 'devnet/bundler/pending', id))).toBe(true);

    const devnet = await startTestDevnet(home);
    try {
      await devnet.flush();
      const served = await fetchBytes(`${devnet.gatewayUrl}/${id}`);
      expect(served.status).toBe(200);
      expect(served.bytes.toString()).toBe('acknowledged, then killed');
      expect(await (await fetch(`${devnet.bundlerUrl}/tx/${id}/status`)).json()).toMatchObject({ status: 'CONFIRMED' });
      expect(fs.existsSync(path.join(home, 'devnet/bundler/pending', id))).toBe(false);
      await (await irysFor(devnet)).upload('still works');
    } finally {
      await devnet.stop();
    }
  });
});
