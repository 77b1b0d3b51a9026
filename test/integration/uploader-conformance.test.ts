// One suite that every Uploader passes, in the style of kysely's per-dialect suites: the same
// cases run for each implementation (test/helpers/uploaders.ts), with its real client package
// (@irys/sdk, @ardrive/turbo-sdk) against a real dev bundler started here, which speaks both
// protocols over one store. Where a bundler has to misbehave, a fake edge in front of it does
// (test/helpers/fake-bundler-edge.ts).
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFile } from '../../src/archive/archive-file.js';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { releaseTags } from '../../src/archive/release-tags.js';
import type { Tag } from '../../src/archive/tags.js';
import { isTransient } from '../../src/archive/retry.js';
import type { SignedHeader, StreamUpload, Uploader } from '../../src/archive/uploader.js';
import { headerOf, verifyItem, verifyItemDigest } from '../../src/archive/verify-item.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import type { JWKInterface } from '../../src/devnet/dev-wallet.js';
import { startTestDevnet, walletOf } from '../helpers/devnet.js';
import { startFakeBundlerEdge, type FakeBundlerEdge, type FakeBundlerEdgeOptions } from '../helpers/fake-bundler-edge.js';
import { peek } from '../helpers/peek.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import { uploaderFactories, type UploaderFactory } from '../helpers/uploaders.js';
import { addressOfModulus } from '../../src/archive/rsa.js';

// Items over 8 MiB are held by the bundler and served by the gateway from its store: a
// streamed item of 40 MiB never goes through ArLocal's in-memory unbundling.
const HELD_ABOVE = 8 * 2 ** 20;
const LARGE = 40 * 2 ** 20 + 12_345;
const child = path.join(repoRoot, 'test/integration/uploader-conformance-child.ts');

let home: string;
let devnet: Devnet;

beforeAll(async () => {
  // Not tmpDir(): that is emptied after each test, and the devnet lives for the whole file.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-conformance-'));
  devnet = await startTestDevnet(home, { maxBundledItemBytes: HELD_ABOVE });
});

afterAll(async () => {
  await devnet?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const uniqueTags = (extra: Tag[] = []): Tag[] => [
  { name: 'Content-Type', value: 'text/plain' }, { name: 'Conformance-Run', value: crypto.randomUUID() }, ...extra,
];

function sha256(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

describe.each(uploaderFactories)('Uploader conformance: $name', (factory: UploaderFactory) => {
  const make = (bundlerUrl = devnet.bundlerUrl, stallMs?: number) =>
    factory.create({ bundlerUrl, gatewayUrl: devnet.gatewayUrl, wallet: walletOf(devnet), ...(stallMs && { stallMs }) });

  async function withEdge<T>(options: Omit<FakeBundlerEdgeOptions, 'upstream'>, use: (edge: FakeBundlerEdge) => Promise<T>): Promise<T> {
    const edge = await startFakeBundlerEdge({ upstream: devnet.bundlerUrl, ...options });
    try {
      return await use(edge);
    } finally {
      await edge.close();
    }
  }

  it('says which protocol it speaks', async () => {
    expect((await make()).kind).toBe(factory.kind);
  });

  it('signs and posts an item, verifiable from GraphQL as `get` verifies it; posting it again is idempotent', async () => {
    const uploader = await make();
    const data = Buffer.from(`conformance ${factory.name} ${crypto.randomUUID()}`);
    const tags = uniqueTags();
    const signed = await uploader.sign(data, tags);
    expect(signed.raw.equals(Buffer.concat([signed.header, data]))).toBe(true);
    const receipt = await uploader.post(signed.raw);
    expect(receipt.id).toBe(signed.id);
    expect(receipt.signature).toEqual(expect.any(String)); // the bundler's signed receipt, verified by post()
    expect(await uploader.post(signed.raw)).toEqual({ id: signed.id }); // already there: posted, nothing new

    await devnet.flush();
    const gateway = new HttpGateway({ urls: [devnet.gatewayUrl] });
    const found = await gateway.query({ tags: [{ name: 'Conformance-Run', values: [tags[1]!.value] }] });
    expect(found.map((i) => i.id)).toEqual([signed.id]);
    expect(found[0]!.tags).toEqual(tags);
    expect(await verifyItem(headerOf(found[0]!), await gateway.data(signed.id), signed.id)).toEqual({ ok: true });
  });

  it.each([
    ['a receipt whose signature does not verify', (r: Record<string, unknown>) => ({ ...r, timestamp: Number(r.timestamp) + 1 })],
    ['a receipt for another item', (r: Record<string, unknown>) => ({ ...r, id: 'A'.repeat(43) })],
    ['a receipt signed, and well, by a wallet other than the bundler\'s', (r: Record<string, unknown>) => forgeReceipt(r, walletOf(devnet))],
    ['an unsigned receipt', (r: Record<string, unknown>) => ({ id: r.id, timestamp: r.timestamp })],
  ])('refuses %s (exit 3)', async (_what, tamper) => {
    const rewrite = (request: { method: string; path: string }) => (request.method === 'POST' && /\/tx(\/arweave)?$/.test(request.path)
      ? (body: Buffer) => Buffer.from(JSON.stringify(tamper(JSON.parse(body.toString()) as Record<string, unknown>)))
      : null);
    await withEdge({ rewrite }, async (edge) => {
      const uploader = await make(edge.url);
      const signed = await uploader.sign(Buffer.from(crypto.randomUUID()), uniqueTags());
      await expect(uploader.post(signed.raw)).rejects.toMatchObject({ code: 'RECEIPT_INVALID', exitCode: 3 });
    });
  });

  it('streams a file over 32 MiB in chunks: the same bytes and tags on the gateway, verifiable as `get` verifies items', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'large.bin');
    const data = crypto.randomBytes(LARGE);
    fs.writeFileSync(file, data);
    const database = await openDatabase(path.join(dir, 'arkive.db'));
    try {
      const tags = releaseTags({ kind: 'model', name: 'large', pipeline: 'large', runId: crypto.randomUUID(), version: 1 }, 'checkpoint', 'application/octet-stream', sha256(data));
      const result = await archiveFile(
        { file, sha256: sha256(data), size: data.length, kind: 'checkpoint', tags },
        { uploader: await make(), gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }), uploads: new UploadsRepo(database) },
      );
      expect(result).toMatchObject({ uploadedBytes: data.length, reusedBytes: 0 });
      const served = Buffer.from(await (await fetch(`${devnet.gatewayUrl}/${result.id}`)).arrayBuffer());
      expect(served.length).toBe(data.length);
      expect(served.equals(data)).toBe(true);
      // A held item is not in GraphQL: its header comes from the bundler (GET /tx/<id>).
      const header = await (await fetch(`${devnet.bundlerUrl}/tx/${result.id}`)).json() as { owner: string; tags: Tag[]; signature: string; anchor: string };
      expect(header.tags).toEqual(tags);
      const digest = { byteLength: data.length, sha384: crypto.createHash('sha384').update(data).digest() };
      const owner = { key: header.owner, address: addressOfModulus(header.owner) };
      expect(await verifyItemDigest({ id: result.id, owner, tags: header.tags, signature: header.signature, anchor: header.anchor }, digest)).toEqual({ ok: true });
      expect(peek(path.join(dir, 'arkive.db'), 'select state, item_id from uploads')).toEqual({ state: 'posted', item_id: result.id });
    } finally {
      await database.close();
    }
  });

  it('resumes after SIGKILL mid-stream with the recorded upload ID, sending only what the bundler lacks, and archives the file once', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'large.bin');
    const data = crypto.randomBytes(LARGE);
    fs.writeFileSync(file, data);
    const dbFile = path.join(dir, 'arkive.db');
    const uploadId = () => peek<{ upload_id: string | null }>(dbFile, 'select upload_id from uploads')?.upload_id ?? null;
    await withEdge({}, async (edge) => {
      const chunkPosts = (id: string, from = 0) => edge.seen.slice(from).filter((r) => r.method === 'POST' && r.status === 200
        && new RegExp(`/chunks/arweave/${id}/\\d+$`).test(r.path)).length;
      const args = [factory.kind, edge.url, devnet.gatewayUrl, devnet.walletFile, dbFile, file];
      const first = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot, stdio: 'ignore' });
      const exited = new Promise((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
      let id: string | null = null;
      try {
        await until(() => (id = uploadId()) !== null && chunkPosts(id) >= 2, 90_000, 'two chunks acknowledged');
      } finally {
        first.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
      const held = fs.readdirSync(path.join(home, 'devnet/bundler/uploads', id!)).filter((n) => n.endsWith('.chunk')).length;
      // The item is its header (under 4 KiB) and the file; the file's last chunk has room for it.
      const total = Math.ceil((data.length + 4096) / factory.chunkBytes);
      expect(held).toBeLessThan(total); // killed mid-stream

      const before = edge.seen.length;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot, timeout: 120_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { id: string; uploadedBytes: number };
      expect(result.uploadedBytes).toBe(data.length);
      expect(peek(dbFile, 'select upload_id, state, item_id from uploads')).toEqual({ upload_id: id, state: 'posted', item_id: result.id });
      // Resumed, not restarted: the chunks the bundler held were not sent again.
      expect(chunkPosts(id!, before)).toBeLessThanOrEqual(total - held + factory.resumeResends);
      expect(edge.seen.slice(before).some((r) => r.path.endsWith('/-1/-1'))).toBe(false); // no new upload created

      expect(storedItemsWithSha(sha256(data))).toEqual([result.id]); // archived once
      const served = Buffer.from(await (await fetch(`${devnet.gatewayUrl}/${result.id}`)).arrayBuffer());
      expect(served.equals(data)).toBe(true);
    });
  }, 240_000);

  it('abandons a streamed upload the bundler stalls on, as a transient timeout, and the retry resumes it', async () => {
    const file = path.join(tmpDir(), 'stalled.bin');
    const data = crypto.randomBytes(6 * 2 ** 20);
    fs.writeFileSync(file, data);
    const ledger: { signed?: SignedHeader; uploadId?: string } = {};
    const upload = (): StreamUpload => ({
      open: () => fs.createReadStream(file), size: data.length, tags: uniqueTags(),
      signed: ledger.signed ?? null, resumeId: ledger.uploadId ?? null,
      onSigned: (signed) => { ledger.signed = signed; }, onUploadId: (id) => { ledger.uploadId = id; },
    });
    let chunks = 0;
    const isChunk = (r: { method: string; path: string }) => r.method === 'POST' && /\/chunks\/arweave\/[0-9a-f-]{36}\/\d+$/.test(r.path);
    const started = Date.now();
    const stalled = await withEdge({ stall: (r) => isChunk(r) && chunks++ === 1 }, async (edge) =>
      (await make(edge.url, 2_000)).uploadStream(upload()).then(() => null, (error: unknown) => error));
    expect(stalled).toBeInstanceOf(Error);
    expect((stalled as Error).message).toMatch(/upload timeout/);
    expect(isTransient(stalled)).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
    const uploadId = ledger.uploadId;
    expect(uploadId).toEqual(expect.any(String));

    const receipt = await (await make()).uploadStream(upload());
    expect(ledger.uploadId).toBe(uploadId);
    if (ledger.signed) expect(receipt.id).toBe(ledger.signed.id); // signed first: the same item, resumed
    await devnet.flush();
    const served = Buffer.from(await (await fetch(`${devnet.gatewayUrl}/${receipt.id}`)).arrayBuffer());
    expect(served.equals(data)).toBe(true);
  });

  it('retries a bundler\'s 5xx answers, and does not retry a 4xx', async () => {
    const isPost = (r: { method: string; path: string }) => r.method === 'POST' && /\/tx(\/arweave)?$/.test(r.path);
    const posts = (edge: FakeBundlerEdge) => edge.seen.filter(isPost).map((r) => r.status);
    const dir = tmpDir();
    const database = await openDatabase(path.join(dir, 'arkive.db'));
    try {
      let failures = 0;
      await withEdge({ fail: (r) => (isPost(r) && failures++ < 2 ? 503 : null) }, async (edge) => {
        const result = await archiveSmall(await make(edge.url), dir, database);
        expect(posts(edge)).toEqual([503, 503, 200]);
        expect(peek(path.join(dir, 'arkive.db'), `select state, attempts from uploads where item_id = '${result.id}'`)).toEqual({ state: 'posted', attempts: 2 });
      });
      await withEdge({ fail: (r) => (isPost(r) ? 400 : null) }, async (edge) => {
        await expect(archiveSmall(await make(edge.url), dir, database)).rejects.toThrow(/400/);
        expect(posts(edge)).toEqual([400]);
      });
    } finally {
      await database.close();
    }
  });

  it.each([
    ['129 tags', Array.from({ length: 129 }, (_, i) => ({ name: `T${i}`, value: 'x' }))],
    ['a tag name over 1024 bytes', [{ name: 'N'.repeat(1025), value: 'x' }]],
    ['a tag value over 3072 bytes', [{ name: 'Description', value: 'é'.repeat(1537) }]],
    ['tags over 4096 bytes in all', [{ name: 'A', value: 'x'.repeat(2500) }, { name: 'B', value: 'y'.repeat(2500) }]],
  ])('refuses %s before signing or sending anything (exit 2)', async (_what, extra) => {
    await withEdge({}, async (edge) => {
      const uploader = await make(edge.url);
      const refused = { code: 'TAGS_TOO_LARGE', exitCode: 2 };
      await expect(uploader.sign(Buffer.from('data'), uniqueTags(extra))).rejects.toMatchObject(refused);
      const file = path.join(tmpDir(), 'f.bin');
      fs.writeFileSync(file, 'streamed data');
      let opened = 0;
      await expect(uploader.uploadStream({
        open: () => { opened++; return fs.createReadStream(file); }, size: 13, tags: uniqueTags(extra),
      })).rejects.toMatchObject(refused);
      expect(opened).toBe(0);
      expect(edge.seen.filter((r) => r.method === 'POST')).toEqual([]);
    });
  });

  // ── Prices and balances ─────────────────────────────────────────────────────────────────
  it("price() gives the bundler's price of each item size (ArLocal's per-byte price by default, half up)", async () => {
    const uploader = await make();
    expect(await uploader.price([1000, 2000, 1, 0])).toEqual([65_595_508n, 131_191_016n, 65_596n, 0n]);
    expect(await uploader.price([])).toEqual([]);
    // Unmetered (nobody funded) every wallet's balance is unlimited, 10^24; metered (after the
    // next case), the dev wallet holds 10^24 less what it spent.
    expect(await uploader.balance()).toBeGreaterThan(10n ** 23n);
  });

  it('balance() gives what the wallet holds at a metered bundler (0 when unknown); an item beyond it is refused, not retried, and charges nothing', async () => {
    // Metering starts with the first funding (for the rest of this file): the dev wallet the
    // other cases sign with gets a balance no test exhausts; a fresh wallet has nothing.
    await devFund(devnet.bundlerUrl, walletOf(devnet), 10n ** 24n);
    const wallet = freshWallet();
    const uploader = await factory.create({ bundlerUrl: devnet.bundlerUrl, gatewayUrl: devnet.gatewayUrl, wallet });
    expect(await uploader.balance()).toBe(0n);
    const signed = await uploader.sign(Buffer.from(`unpaid ${crypto.randomUUID()}`), uniqueTags());
    const [price] = await uploader.price([signed.raw.length]);
    const refusal = await uploader.post(signed.raw).then(() => null, (error: unknown) => error);
    expect(refusal, 'an unfunded post must be refused').toBeInstanceOf(Error);
    expect((refusal as Error).message).toMatch(factory.kind === 'turbo' ? /Insufficient balance/ : /Not enough funds/);
    expect(isTransient(refusal)).toBe(false);
    expect(await uploader.balance()).toBe(0n);

    await devFund(devnet.bundlerUrl, wallet, price! + 5n);
    expect(await uploader.balance()).toBe(price! + 5n);
    expect((await uploader.post(signed.raw)).id).toBe(signed.id);
    expect(await uploader.balance()).toBe(5n);
    // The same item again is a duplicate: not charged twice.
    expect((await uploader.post(signed.raw)).id).toBe(signed.id);
    expect(await uploader.balance()).toBe(5n);
  });
});

async function archiveSmall(uploader: Uploader, dir: string, database: Database) {
  const file = path.join(dir, `${crypto.randomUUID()}.txt`);
  const data = Buffer.from(`small ${crypto.randomUUID()}`);
  fs.writeFileSync(file, data);
  const tags = releaseTags({ kind: 'dataset', name: 'small', pipeline: 'small', runId: crypto.randomUUID(), version: 1 }, 'chunk', 'text/plain', sha256(data));
  return archiveFile(
    { file, sha256: sha256(data), size: data.length, kind: 'chunk', tags },
    { uploader, gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }), uploads: new UploadsRepo(database) },
  );
}

/** The IDs of the items in the bundler's store whose Content-SHA256 tag is `sha`. */
function storedItemsWithSha(sha: string): string[] {
  const items = path.join(home, 'devnet/bundler/items');
  return fs.readdirSync(items).filter((n) => n.endsWith('.json')).filter((n) => {
    const record = JSON.parse(fs.readFileSync(path.join(items, n), 'utf8')) as { header: { tags: Tag[] } };
    return record.header.tags.some((t) => t.name === 'Content-SHA256' && t.value === sha);
  }).map((n) => n.replace(/\.json$/, ''));
}

/** The receipt signed as a bundler signs it (bundler-receipts.ts), with another wallet: only its key gives it away. */
function forgeReceipt(receipt: Record<string, unknown>, jwk: JWKInterface): Record<string, unknown> {
  const sha384 = (bytes: Buffer) => crypto.createHash('sha384').update(bytes).digest();
  const fields = ['Bundlr', receipt.version, receipt.id, receipt.deadlineHeight, receipt.timestamp].map((f) => Buffer.from(String(f)));
  let hash = sha384(Buffer.from(`list${fields.length}`));
  for (const f of fields) hash = sha384(Buffer.concat([hash, sha384(Buffer.concat([sha384(Buffer.from(`blob${f.length}`)), sha384(f)]))]));
  const key = crypto.createPrivateKey({ key: jwk as unknown as crypto.JsonWebKey, format: 'jwk' });
  const signature = crypto.sign('sha256', hash, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
  return { ...receipt, public: jwk.n, signature: signature.toString('base64url') };
}

async function until(condition: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A new RSA-4096 Arweave wallet (JWK), unknown to the bundler. */
function freshWallet(): JWKInterface {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 });
  return { ...privateKey.export({ format: 'jwk' }), kty: 'RSA' } as unknown as JWKInterface;
}

/** Adds winston to a wallet's balance at the dev bundler (its POST /dev/fund). */
async function devFund(bundlerUrl: string, wallet: JWKInterface, winston: bigint): Promise<void> {
  const address = addressOfModulus(wallet.n);
  const res = await fetch(`${bundlerUrl}/dev/fund`, { method: 'POST', body: JSON.stringify({ address, winston: String(winston) }) });
  if (res.status !== 200) throw new Error(`dev fund: HTTP ${res.status} ${await res.text()}`);
}
