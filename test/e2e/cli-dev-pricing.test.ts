// `arkive dev --price-per-byte W --fund ADDRESS=WINSTON`, and the same settings from the
// environment for the home's own devnet server, through the real CLI.
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { arkive, spawnArkive } from '../helpers/cli.js';
import { seedWallets } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';
import { addressOfModulus } from '../../src/archive/rsa.js';

const ADDRESS = 'p7ZitmB-9D9KcsoxPXN9NP5zyyfiFmpPvEPoOOO5C9k';

async function json(url: string): Promise<unknown> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json().catch(() => null) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('arkive dev pricing options', () => {
  it.each([
    [['--fund', 'bad'], /option '--fund <address=winston>' argument 'bad' is invalid. "bad" is not ADDRESS=WINSTON/],
    [['--fund', `short=5`], /"short" is not an Arweave address/],
    [['--fund', `${ADDRESS}=-5`], /"-5" is not a whole number of winston/],
    [['--price-per-byte', '1.5'], /option '--price-per-byte <winston>' argument '1.5' is invalid. "1.5" is not a whole number of winston/],
    [['--price-per-byte', 'free'], /"free" is not a whole number/],
  ])('refuses %j: exit 2, saying what is wrong, before starting anything', async (flags, message) => {
    const home = path.join(tmpDir(), 'home');
    const result = await arkive(['dev', '--port', '0', '--home', home, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(fs.existsSync(home)).toBe(false);
  });

  it('answers a bad value as JSON with --json, and refuses a bad $ARKIVE_DEVNET_FUND (exit 2)', async () => {
    const home = path.join(tmpDir(), 'home');
    const flagged = await arkive(['dev', '--json', '--port', '0', '--home', home, '--fund', 'bad']);
    expect(flagged.code).toBe(2);
    expect(JSON.parse(flagged.stdout).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('is not ADDRESS=WINSTON') });
    const fromEnv = await arkive(['dev', '--json', '--port', '0', '--home', home], { env: { ARKIVE_DEVNET_FUND: `${ADDRESS}=lots` } });
    expect(fromEnv.code).toBe(2);
    expect(JSON.parse(fromEnv.stdout).error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('ARKIVE_DEVNET_FUND: "lots"') });
    expect(fs.existsSync(home)).toBe(false);
  });

  it('serves a bundler that quotes and enforces them, and says so in its --json line', async () => {
    const home = tmpDir('arkive-dev-');
    await seedWallets(path.join(home, 'devnet'));
    const child = spawnArkive(['dev', '--json', '--port', '0', '--home', home, '--price-per-byte', '3', '--fund', `${ADDRESS}=1000`, '--fund', `${'a'.repeat(43)}=7`]);
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        void exit.then((code) => reject(new Error(`arkive dev exited (${code}) before printing: ${stderr}`)));
      });
      const printed = JSON.parse(line) as { bundler: string; wallet: string; pricePerByte: string; metered: boolean };
      expect(printed).toMatchObject({ pricePerByte: '3', metered: true });
      expect(await json(`${printed.bundler}/v1/price/bytes/100`)).toEqual({ status: 200, body: { winc: '300', adjustments: [], fees: [] } });
      expect(await (await fetch(`${printed.bundler}/price/arweave/100`)).text()).toBe('300');
      expect(await json(`${printed.bundler}/account/balance/arweave?address=${ADDRESS}`)).toEqual({ status: 200, body: { balance: '1000' } });
      expect(await json(`${printed.bundler}/v1/account/balance/arweave?address=${'a'.repeat(43)}`)).toMatchObject({ body: { winc: '7' } });
      // Metered: the stack's own, unfunded wallet has nothing.
      const own = JSON.parse(fs.readFileSync(printed.wallet, 'utf8')) as { n: string };
      const ownAddress = addressOfModulus(own.n);
      expect(await json(`${printed.bundler}/account/balance/arweave?address=${ownAddress}`)).toEqual({ status: 200, body: { balance: '0' } });
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\narkive dev stderr:\n${stderr}`, { cause: error });
    }
  });

  it('starts the home\'s own devnet server with $ARKIVE_DEVNET_PRICE_PER_BYTE and $ARKIVE_DEVNET_FUND', async () => {
    const home = tmpDir('arkive-dev-');
    await seedWallets(path.join(home, 'devnet'));
    const env = { ARKIVE_DEVNET_IDLE_MS: '60000', ARKIVE_DEVNET_PRICE_PER_BYTE: '5', ARKIVE_DEVNET_FUND: `${ADDRESS}=77` };
    const serverFile = path.join(home, 'devnet', 'server.json');
    let pid = 0;
    try {
      // Any command on the local network starts the server; this one then finds nothing (exit 2).
      const result = await arkive(['get', 'nosuch', '--home', home], { env });
      expect(result.stderr).toContain('no release nosuch@latest');
      const info = JSON.parse(fs.readFileSync(serverFile, 'utf8')) as { pid: number; bundler: string };
      pid = info.pid;
      expect(await json(`${info.bundler}/dev/accounts`)).toEqual({
        status: 200, body: { pricePerByte: '5', metered: true, accounts: [{ address: ADDRESS, balance: '77', spent: '0' }] },
      });
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
      await until('the devnet server stops', () => !pid || !alive(pid), 20_000).catch((error: Error) => {
        process.kill(pid, 'SIGKILL');
        throw error;
      });
    }
  });
});
