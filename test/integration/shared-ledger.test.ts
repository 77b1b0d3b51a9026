// The upload ledger shared by several runners (claims, db/claims.ts and archive/archive-file.ts):
// two hosts on one database never pay for the same content; a claimant that dies is taken over
// with the item it signed; one that stalls past its lease loses its claim and posts nothing of
// its own; odd rows (a claim by a run that never had a lease, a "posted" row without an item
// ID, a live claimant that never finishes) behave sanely. On a real SQLite file and a real
// PostgreSQL server, against the local dev bundler and ArLocal (GraphQL shows what was posted).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { beforeAll, expect, it } from 'vitest';
import { archiveFile, planFile, type ArchiveDeps, type FilePlan, type FileToArchive } from '../../src/archive/archive-file.js';
import type { Tag } from '../../src/archive/tags.js';
import type { Receipt, SignedItem, Uploader } from '../../src/archive/uploader.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import { ExitCode, LockHeldError } from '../../src/errors.js';
import type { DatabaseLocation } from '../../src/db/dialect.js';
import type { RunResult } from '../../src/pipeline/execute.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { createSystem } from '../../src/system.js';
import { findByTag } from '../helpers/devnet.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { onBothDialects, useDevnet, useRunners, type Host } from '../helpers/shared-database.js';
import { tmpDir } from '../helpers/tmp.js';

const devnetOf = useDevnet();
const runners = useRunners(devnetOf);
let devnet: Devnet;
beforeAll(() => { devnet = devnetOf(); });

/** `count` files of random content (a unique sha256 each, so tests never see each other's items). */
function makeFiles(count: number, bytes = 2_000): FileToArchive[] {
  const dir = tmpDir();
  return Array.from({ length: count }, (_, i) => {
    const data = crypto.randomBytes(bytes);
    const file = path.join(dir, `part-${i}.bin`);
    fs.writeFileSync(file, data);
    const sha256 = crypto.hash('sha256', data);
    const tags: Tag[] = [
      { name: 'App-Name', value: 'arkive' }, { name: 'Content-Type', value: 'application/octet-stream' },
      { name: 'Content-SHA256', value: sha256 }, { name: 'Arkive-Kind', value: 'chunk' },
    ];
    return { file, sha256, size: data.length, kind: 'chunk', tags };
  });
}

function deps(host: Host, runId?: string, extra: Partial<ArchiveDeps> & { waitMs?: number; signal?: AbortSignal } = {}): ArchiveDeps {
  const { waitMs, signal, ...rest } = extra;
  return {
    uploader: host.uploader, gateway: host.gateway, uploads: host.store.uploads,
    ...(runId && { claim: { runId, waitMs, signal } }), ...rest,
  };
}

async function itemsOf(sha256: string): Promise<string[]> {
  return (await findByTag(devnet.gatewayUrl, 'Content-SHA256', sha256)).map((n) => n.id);
}

const spendOf = (runId: string, f: FileToArchive) => ({
  runId, pipeline: runId, network: 'custom', name: 'shared', version: 1, itemBytes: f.size + 1_000, winston: 1n,
});

/** A fake at the network edge: signs with the real uploader; its post never reaches the bundler (the process dies there). */
class DiesWhilePosting implements Uploader {
  readonly kind = 'irys' as const;
  constructor(private readonly real: Uploader) {}
  get address() { return this.real.address; }
  get bundlerUrl() { return this.real.bundlerUrl; }
  sign(data: Buffer, tags: Tag[]): Promise<SignedItem> { return this.real.sign(data, tags); }
  async post(_raw: Buffer): Promise<Receipt> { throw new Error('fake bundler edge: the process died while posting'); }
  uploadStream(): Promise<Receipt> { throw new Error('fake bundler edge: no streams here'); }
  price(bytes: number[]) { return this.real.price(bytes); }
  balance() { return this.real.balance(); }
}

/** A fake at the edge: the real uploader, whose signing stalls (a process frozen) until `resume()`. */
class StallsWhileSigning extends DiesWhilePosting {
  entered!: () => void;
  readonly signing = new Promise<void>((resolve) => { this.entered = resolve; });
  private resumed!: () => void;
  private readonly gate = new Promise<void>((resolve) => { this.resumed = resolve; });
  constructor(private readonly inner: Uploader) { super(inner); }
  override async sign(data: Buffer, tags: Tag[]): Promise<SignedItem> {
    this.entered();
    await this.gate;
    return this.inner.sign(data, tags);
  }
  override post(raw: Buffer): Promise<Receipt> { return this.inner.post(raw); }
  resume(): void { this.resumed(); }
}

/** A project whose two pipelines, `left` and `right`, load the same rows into two datasets: their chunks are the same bytes. */
function twinProject(): string {
  const cwd = newProject();
  const rows = Array.from({ length: 2_000 }, (_, i) => `${String(i).padStart(5, '0')},${crypto.randomBytes(12).toString('hex')}`);
  write(cwd, 'rows.csv', `id,text\n${rows.join('\n')}\n`);
  for (const name of ['left', 'right']) {
    write(cwd, `pipelines/${name}.ts`, `
import { csv, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: '${name}', description: 'the same rows as its twin', sources: [csv('rows.csv')],
  schema: z.object({ id: z.string(), text: z.string() }), key: (r) => r.id,
  clean: (f) => ({ id: String(f.id), text: String(f.text) }),
  snapshot: { targetChunkBytes: 4096 },
});
`);
  }
  return cwd;
}

/** A runner host as \`arkive run\` builds it: its own system and store on the shared database, publishing to the devnet. */
async function runOn(cwd: string, location: DatabaseLocation, pipeline: string): Promise<RunResult> {
  const endpoints = { gateway: [devnet.gatewayUrl], bundler: devnet.bundlerUrl, wallet: devnet.walletFile };
  const system = location.dialect === 'sqlite'
    ? createSystem({ cwd, home: path.dirname(location.file), ...endpoints }, {})
    : createSystem({ cwd, home: tmpDir(), database: location.url, ...endpoints }, {});
  const store = await system.openStore(undefined, { migrate: true });
  try {
    return await runPipeline(await system.pipelines.load(pipeline), system.runDeps(store, () => system.openNetwork()));
  } finally {
    await store.close();
  }
}

onBothDialects('the shared upload ledger', (fresh) => {
  it('two runners releasing the same rows under two names at once pay for each chunk once: one item per sha256 on the gateway', async () => {
    const cwd = twinProject();
    const location = await fresh();
    const [left, right] = await Promise.all([runOn(cwd, location, 'left'), runOn(cwd, location, 'right')]);
    for (const run of [left, right]) expect([run.status, run.error]).toEqual(['released', undefined]);
    const [a] = await runners.open(location, 1);
    const filesOf = async (run: RunResult) => JSON.parse((await a!.store.releases.byContentId(run.artifacts[0]!.contentId))!.files) as { path: string; id: string; sha256: string; bytes: number }[];
    // The chunks: the card and the documents (croissant.json, README.md) name the release, so they differ by name.
    const chunks = <T extends { path: string }>(files: T[]) => files.filter((f) => f.path.startsWith('data/'));
    const [leftChunks, rightChunks] = [chunks(await filesOf(left)), chunks(await filesOf(right))];
    expect(leftChunks.length).toBeGreaterThan(8);
    expect(rightChunks).toEqual(leftChunks);
    const chunkBytes = leftChunks.reduce((n, c) => n + c.bytes, 0);
    const uploaded = (run: RunResult) => run.artifacts[0]!.uploadedBytes;
    const cards = left.artifacts[0]!.bytes - chunkBytes + right.artifacts[0]!.bytes - chunkBytes;
    expect(uploaded(left) + uploaded(right)).toBe(chunkBytes + cards);
    await devnet.flush();
    for (const c of leftChunks) expect(await itemsOf(c.sha256)).toEqual([c.id]);
    const spend = await a!.store.database.db.selectFrom('spend').select('sha256').where('sha256', 'in', leftChunks.map((c) => c.sha256)).execute();
    expect(spend.length).toBe(leftChunks.length);
  });

  it('two hosts archiving the same files at once post each content once: one item per sha256, one spend row, the same IDs', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    await runners.live(a!, 'alpha', 'run-a');
    await runners.live(b!, 'beta', 'run-b');
    const files = makeFiles(12);
    // Both plan before either posts, as two releases priced at the same moment: each plans to pay for every file.
    const plansA = await Promise.all(files.map((f) => planFile(f, deps(a!))));
    const plansB = await Promise.all(files.map((f) => planFile(f, deps(b!))));
    expect([...plansA, ...plansB].every((p) => 'itemBytes' in p)).toBe(true);
    const archive = (host: Host, runId: string, order: number[], plans: FilePlan[]) => {
      const queue = new PQueue({ concurrency: 4 });
      return Promise.all(order.map((i) => queue.add(async () => ({ i, ...await archiveFile(files[i]!, deps(host, runId), plans[i], spendOf(runId, files[i]!)) }))));
    };
    const order = files.map((_, i) => i);
    // Opposite orders: the hosts meet in the middle, racing for the same files.
    const [gotA, gotB] = await Promise.all([archive(a!, 'run-a', order, plansA), archive(b!, 'run-b', [...order].reverse(), plansB)]);
    const byFile = (got: typeof gotA) => Object.fromEntries(got.map((g) => [g.i, g.id]));
    expect(byFile(gotB)).toEqual(byFile(gotA));
    const uploaded = [...gotA, ...gotB].reduce((n, g) => n + g.uploadedBytes, 0);
    expect(uploaded).toBe(files.reduce((n, f) => n + f.size, 0));
    await devnet.flush();
    for (const [i, f] of files.entries()) expect(await itemsOf(f.sha256)).toEqual([byFile(gotA)[i]]);
    const spend = await a!.store.database.db.selectFrom('spend').select(['sha256', 'run_id'])
      .where('sha256', 'in', files.map((f) => f.sha256)).execute();
    expect(spend.map((s) => s.sha256).sort()).toEqual(files.map((f) => f.sha256).sort());
  });

  it('waits for a claimant while its lease lives; once it died, takes over and posts the very item it signed', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const [f] = makeFiles(1);
    const expiresAt = await runners.dead(a!, 'alpha', 'run-a', 1_500);
    await expect(archiveFile(f!, { ...deps(a!, 'run-a'), uploader: new DiesWhilePosting(a!.uploader) })).rejects.toThrow(/died while posting/);
    const signed = await b!.store.uploads.get(a!.uploader.address, f!.sha256);
    expect(signed).toMatchObject({ state: 'signed', claim_run: 'run-a', item_id: expect.stringMatching(/^[\w-]{43}$/) });
    await runners.live(b!, 'beta', 'run-b');
    const plan = await planFile(f!, deps(b!));
    expect(plan).toEqual({ itemBytes: signed!.header!.length + f!.size });
    const result = await archiveFile(f!, deps(b!, 'run-b'), plan);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(result).toEqual({ id: signed!.item_id, uploadedBytes: f!.size, reusedBytes: 0 });
    expect(await b!.store.uploads.get(a!.uploader.address, f!.sha256)).toMatchObject({ state: 'posted', claim_run: 'run-b', item_id: signed!.item_id });
    await devnet.flush();
    expect(await itemsOf(f!.sha256)).toEqual([signed!.item_id]);
  });

  it('a claimant that stalls past its lease loses the file: what it signs late is never posted, it reuses the taker\'s item', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const [f] = makeFiles(1);
    await runners.dead(a!, 'alpha', 'run-a', 800);
    const stalled = new StallsWhileSigning(a!.uploader);
    const late = archiveFile(f!, { ...deps(a!, 'run-a'), uploader: stalled });
    await stalled.signing;
    await runners.live(b!, 'beta', 'run-b');
    const taker = await archiveFile(f!, deps(b!, 'run-b'));
    expect(taker.uploadedBytes).toBe(f!.size);
    stalled.resume();
    expect(await late).toEqual({ id: taker.id, uploadedBytes: 0, reusedBytes: f!.size });
    await devnet.flush();
    expect(await itemsOf(f!.sha256)).toEqual([taker.id]);
  });

  it('takes at once a file claimed by a run ID no lease ever had (however odd the ID)', async () => {
    const [a] = await runners.open(await fresh(), 1);
    const [f] = makeFiles(1);
    const owner = a!.uploader.address;
    await a!.store.uploads.begin({ owner, sha256: f!.sha256, size: f!.size, kind: 'chunk' }, new Date());
    const ghost = `x' or 1=1; drop table uploads; --${'y'.repeat(10_000)}`;
    await a!.store.database.db.updateTable('uploads').set({ claim_run: ghost }).where('sha256', '=', f!.sha256).execute();
    await runners.live(a!, 'alpha', 'run-a');
    const started = Date.now();
    const result = await archiveFile(f!, deps(a!, 'run-a', { waitMs: 60_000 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.uploadedBytes).toBe(f!.size);
    expect(await a!.store.uploads.get(owner, f!.sha256)).toMatchObject({ state: 'posted', claim_run: 'run-a', item_id: result.id });
  });

  it('does not reuse a row marked posted without an item ID: it plans a post and posts', async () => {
    const [a] = await runners.open(await fresh(), 1);
    const [f] = makeFiles(1);
    const owner = a!.uploader.address;
    await a!.store.uploads.begin({ owner, sha256: f!.sha256, size: f!.size, kind: 'chunk' }, new Date());
    await a!.store.database.db.updateTable('uploads').set({ state: 'posted', item_id: null }).where('sha256', '=', f!.sha256).execute();
    await runners.live(a!, 'alpha', 'run-a');
    const plan = await planFile(f!, deps(a!, 'run-a'));
    expect(plan).toHaveProperty('itemBytes');
    const result = await archiveFile(f!, deps(a!, 'run-a'), plan);
    expect(result.id).toMatch(/^[\w-]{43}$/);
    expect(await a!.store.uploads.get(owner, f!.sha256)).toMatchObject({ state: 'posted', item_id: result.id });
    await devnet.flush();
    expect(await itemsOf(f!.sha256)).toEqual([result.id]);
  });

  it('gives up on a live claimant that never finishes (exit 4, naming it), and stops at once when aborted', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const [f] = makeFiles(1);
    const owner = a!.uploader.address;
    await runners.live(a!, 'alpha', 'run-a');
    await a!.store.uploads.begin({ owner, sha256: f!.sha256, size: f!.size, kind: 'chunk' }, new Date());
    expect(await a!.store.uploads.claim(owner, f!.sha256, { runId: 'run-a', now: Date.now() }, new Date())).toMatchObject({ claim_run: 'run-a' });
    await runners.live(b!, 'beta', 'run-b');
    let started = Date.now();
    const error = await archiveFile(f!, deps(b!, 'run-b', { waitMs: 700 })).then(() => undefined, (e: unknown) => e as LockHeldError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error).toMatchObject({ code: 'UPLOAD_CLAIMED', exitCode: ExitCode.locked });
    expect(error!.message).toMatch(new RegExp(`run run-b waited 700 ms for the upload of chunk ${f!.sha256}, which run run-a \\(pipeline alpha, pid ${process.pid} on .+, lease until .+\\) is working on`));
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGTERM'), 300);
    started = Date.now();
    await expect(archiveFile(f!, deps(b!, 'run-b', { waitMs: 60_000, signal: abort.signal })))
      .rejects.toMatchObject({ code: 'RUN_INTERRUPTED', message: expect.stringContaining('stopped by SIGTERM while waiting for the upload of chunk') });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing was signed or posted by the waiter: the row is still the claimant's.
    expect(await b!.store.uploads.get(owner, f!.sha256)).toMatchObject({ state: 'planned', claim_run: 'run-a', item_id: null });
  });
});
