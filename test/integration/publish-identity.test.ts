// Identity and dedup on the real local permaweb (ArLocal, the dev bundler, the real
// @irys/sdk client). A dataset's digest and its chunks' dedup key are its canonical rows, so
// the same rows compressed by another deflate (pako, pure JS) are no new version and upload
// nothing, and a chunk found by its rows is listed in the card with the bytes of the item it
// reuses. A second home with the same wallet finds items through GraphQL, which may lie: a
// forged or corrupted hit is refused and the home uploads its own, and the release still
// verifies; an honest hit is reused.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayItem } from '../../src/archive/gateway.js';
import { executeRun, type RunResult } from '../../src/pipeline/execute.js';
import { fetchFile } from '../../src/retrieve/fetch-file.js';
import { readRelease, type VerifiedRelease } from '../../src/retrieve/release-reader.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import type { SnapshotCompression } from '../../src/snapshot/snapshot.js';
import { createSystem } from '../../src/system.js';
import { peopleProject, write } from '../helpers/project.js';
import { openPublishingHome, type PublishingHome } from '../helpers/publishing-home.js';
import { startRewritingGateway, type GraphqlRequest, type RewritingGateway } from '../helpers/rewriting-gateway.js';
import { tmpDir } from '../helpers/tmp.js';

const pako = createRequire(import.meta.url)('pako') as { gzip(data: Uint8Array, options?: { level?: number }): Uint8Array };
const PAKO: SnapshotCompression = { gzip: (raw) => pako.gzip(raw, { level: 9 }) };

let home: PublishingHome;
let owner: string;
let gatewayUrl: string;

function people(n: number, from = 0): string {
  return Array.from({ length: n }, (_, i) => `${String(from + i).padStart(6, '0')},person ${from + i},${(from + i) % 90}`).join('\n');
}

function project(csv: string): string {
  const cwd = peopleProject(csv);
  write(cwd, 'pipelines/people.ts', fs.readFileSync(`${cwd}/pipelines/people.ts`, 'utf8')
    .replace('key: (p) => p.id,', 'key: (p) => p.id,\n  snapshot: { targetChunkBytes: 8192 },'));
  return cwd;
}
const V1 = `id,name,age\n${people(3000)}\n`;

/** One run of people in `cwd` on an open home, with the given compression. */
async function runOn(system: ReturnType<typeof createSystem>, cwd: string, compression?: SnapshotCompression): Promise<RunResult> {
  const store = await system.openStore();
  const network = await system.openNetwork();
  try {
    return await executeRun(await system.pipelines.load('people'), { ...store, cwd, publish: { ...system.publishDeps(store, network), compression } });
  } finally {
    await network.close();
    await store.close();
  }
}

/** The release, read and verified from the honest gateway as `get` does, with its records. */
async function verified(contentId: string): Promise<{ release: VerifiedRelease; records: unknown[] }> {
  const gateways = async () => [gatewayUrl];
  const release = await readRelease(contentId, { gateways, trust: [owner] });
  const records: unknown[] = [];
  for (const file of release.files.filter((f) => f.path.startsWith('data/'))) {
    records.push(...await readChunk((await fetchFile(file, { gateways })).bytes, 'jsonl.gz'));
  }
  return { release, records };
}

// Each test has its own home (tmpDir removes it after the test), with v1 published.
beforeEach(async () => {
  home = await openPublishingHome(project(V1));
  owner = home.network.uploader.address;
  gatewayUrl = home.network.config.gateways[0]!;
  const cwd = home.system.config.cwd;
  const first = await executeRun(await home.system.pipelines.load('people'), { ...home.store, cwd, publish: home.system.publishDeps(home.store, home.network) });
  expect(first.status).toBe('released');
  await home.network.settle();
}, 120_000);

afterEach(() => home?.close());

describe('identity does not depend on the compressor', () => {
  it('the same rows gzipped by pako are the same version, and after an append only new chunks are uploaded, listed as the items reused', async () => {
    const cwd = home.system.config.cwd;
    const load = async (compression?: SnapshotCompression) =>
      executeRun(await home.system.pipelines.load('people'), { ...home.store, cwd, publish: { ...home.system.publishDeps(home.store, home.network), compression } });
    const v1 = (await home.store.releases.latest('local', 'people'))!;
    const again = await load(PAKO);
    expect(again.status).toBe('unchanged');
    expect(again.artifacts[0]).toMatchObject({ version: 1, contentId: v1.content_id, uploadedBytes: 0 });

    write(cwd, 'people.csv', `${V1}${people(30, 3000)}\n`);
    const second = (await load(PAKO)).artifacts[0]!;
    expect(second).toMatchObject({ version: 2, status: 'released' });
    await home.network.settle();
    const v1Files = JSON.parse(v1.files) as { path: string; id: string; sha256: string; bytes: number }[];
    const before = new Map(v1Files.filter((f) => f.path.startsWith('data/')).map((f) => [f.path, f]));
    const { release, records } = await verified(second.contentId);
    expect(records).toHaveLength(3030);
    const kept = release.files.filter((f) => before.has(f.path));
    expect(before.size).toBeGreaterThan(5);
    expect(kept.length).toBeGreaterThanOrEqual(before.size - 3);
    // A kept chunk is v1's very item, and the card lists that item's bytes, not pako's.
    for (const f of kept) expect(f).toEqual(before.get(f.path));
    const fresh = release.files.filter((f) => f.path.startsWith('data/') && !before.has(f.path)).reduce((n, f) => n + f.bytes, 0);
    // The card and the documents (croissant.json, README.md) are new with every version.
    const cardAndDocuments = release.files.filter((f) => !f.path.startsWith('data/')).reduce((n, f) => n + f.bytes, 0);
    expect(release.files.map((f) => f.path)).toEqual(expect.arrayContaining(['arkive.json', 'croissant.json', 'README.md']));
    const manifest = second.bytes - release.files.reduce((n, f) => n + f.bytes, 0);
    expect(second.uploadedBytes).toBe(fresh + cardAndDocuments + manifest);
  }, 120_000);
});

/** An item of ours (the v1 card) with its full header, to forge hits from. */
async function genuineItem(): Promise<GatewayItem> {
  const [card] = await home.network.gateway.query({ owners: [owner], tags: [{ name: 'Arkive-Kind', values: ['card'] }, { name: 'Version', values: ['1'] }], first: 1 });
  return card!;
}

type Lie = Pick<Parameters<typeof startRewritingGateway>[0], 'graphql' | 'get'>;

/**
 * A fresh home publishing the v1 rows with this wallet, through a gateway that may lie. With
 * the default compression its chunks are byte-identical to v1's, so both lookups (by rows,
 * then by sha256) would find v1's items: a lie must be refused at each.
 */
async function publishThrough(lie: Lie, compression?: SnapshotCompression): Promise<{ result: RunResult; gateway: RewritingGateway }> {
  const gateway = await startRewritingGateway({ upstream: gatewayUrl, ...lie });
  try {
    const cwd = project(V1);
    const { bundler, walletFile } = home.network.config;
    const system = createSystem({ cwd, home: tmpDir(), gateway: [gateway.url], bundler: bundler!, wallet: walletFile! }, {});
    const result = await runOn(system, cwd, compression);
    await home.network.settle();
    return { result, gateway };
  } finally {
    await gateway.close();
  }
}

const dedupQuery = (request: GraphqlRequest) =>
  JSON.stringify(request.variables.tags ?? []).match(/"(Content-SHA256|Arkive-Rows-SHA256)"/) !== null;

function answerWith(nodes: GatewayItem[]): unknown {
  return { data: { transactions: { pageInfo: { hasNextPage: false }, edges: nodes.map((node, i) => ({ cursor: String(i), node })) } } };
}

describe('dedup through a gateway', () => {
  it('reuses an honest hit, found by its rows though gzipped by pako here: only the card and manifest are uploaded', async () => {
    const { result, gateway } = await publishThrough({}, PAKO);
    const artifact = result.artifacts[0]!;
    expect(result.error).toBeUndefined();
    expect(gateway.seen.some((r) => r.startsWith('GET /raw/'))).toBe(true);
    const { release, records } = await verified(artifact.contentId);
    expect(records).toHaveLength(3000);
    const data = release.files.filter((f) => f.path.startsWith('data/')).reduce((n, f) => n + f.bytes, 0);
    expect(artifact.uploadedBytes).toBe(artifact.bytes - data);
    expect(artifact.reusedBytes).toBe(data);
  }, 120_000);

  it('refuses hits with forged tags (the signature fails) or a forged size and sha256, uploads its own, and the release verifies', async () => {
    const genuine = await genuineItem();
    const cardSha = genuine.tags.find((t) => t.name === 'Content-SHA256')!.value;
    const forge = (request: GraphqlRequest): GatewayItem[] => {
      const wanted = request.variables.tags as { name: string; values: string[] }[];
      const claim = (name: string) => wanted.find((t) => t.name === name)?.values[0];
      const forgedTags = genuine.tags.map((t) => (claim(t.name) ? { ...t, value: claim(t.name)! } : t));
      if (claim('Arkive-Rows-SHA256')) forgedTags.push({ name: 'Arkive-Rows-SHA256', value: claim('Arkive-Rows-SHA256')! });
      return [
        // The card's real bytes and sha256, but tags it never signed: only the signature can tell.
        { ...genuine, tags: forgedTags.map((t) => (t.name === 'Content-SHA256' && claim('Arkive-Rows-SHA256') ? { ...t, value: cardSha } : t)) },
        // Claims the wanted sha256 and a large size: the bytes served are the card's.
        { ...genuine, tags: forgedTags, data: { size: 1_000_000 } },
      ];
    };
    const { result } = await publishThrough({ graphql: (request, answer) => (dedupQuery(request) ? answerWith(forge(request)) : answer) });
    const artifact = result.artifacts[0]!;
    expect(result.error).toBeUndefined();
    expect(artifact.uploadedBytes).toBe(artifact.bytes);
    const { release, records } = await verified(artifact.contentId);
    expect(records).toHaveLength(3000);
    expect(release.files.some((f) => f.id === genuine.id)).toBe(false);
  }, 120_000);

  it('refuses an honest hit whose /raw bytes the gateway corrupts, uploads its own, and the release verifies', async () => {
    const flip = (path: string, body: Buffer) => {
      if (!path.startsWith('/raw/') || body.length === 0) return undefined;
      const out = Buffer.from(body);
      out[out.length >> 1] = out[out.length >> 1]! ^ 1;
      return out;
    };
    const { result, gateway } = await publishThrough({ get: flip });
    const artifact = result.artifacts[0]!;
    expect(result.error).toBeUndefined();
    expect(gateway.seen.some((r) => r.startsWith('GET /raw/'))).toBe(true);
    expect(artifact.uploadedBytes).toBe(artifact.bytes);
    const { release, records } = await verified(artifact.contentId);
    expect(records).toHaveLength(3000);
    for (const f of release.files) {
      const { bytes } = await fetchFile(f, { gateways: async () => [gatewayUrl] });
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
  }, 120_000);
});

describe('resuming a killed run', () => {
  it('lists chunks as its pending card does, or rebuilds a card it cannot honour: the release verifies', async () => {
    let down = true;
    const contentShaQuery = (request: GraphqlRequest) => JSON.stringify(request.variables.tags ?? []).includes('"Content-SHA256"');
    const gateway = await startRewritingGateway({
      upstream: gatewayUrl,
      graphql: (request) => (down && contentShaQuery(request) ? { errors: [{ message: 'lookup by sha256 down' }] } : undefined),
    });
    try {
      const cwd = project(`${V1}${people(30, 3000)}\n`);
      const { bundler, walletFile } = home.network.config;
      const system = createSystem({ cwd, home: tmpDir(), gateway: [gateway.url], bundler: bundler!, wallet: walletFile! }, {});
      // Killed after its pending release fixed a card listing pako's bytes for the new chunks, none uploaded.
      const killed = await runOn(system, cwd, PAKO);
      expect(killed.error?.message).toContain('lookup by sha256 down');
      const store = await system.openStore();
      const pending = await store.releases.pending(system.network().key, 'people');
      const listed = pending && JSON.parse(Buffer.from(pending.card).toString('utf8')) as { chunks: { sha256: string }[] };
      const unarchived = await Promise.all((listed?.chunks ?? []).map(async (c) => !(await store.uploads.get(owner, c.sha256))?.item_id));
      await store.close();
      expect(unarchived.filter(Boolean).length).toBeGreaterThan(0);
      // Resumed with the default compression: those bytes are not there any more.
      down = false;
      const resumed = await runOn(system, cwd);
      expect(resumed.error).toBeUndefined();
      await home.network.settle();
      const { records } = await verified(resumed.artifacts[0]!.contentId);
      expect(records).toHaveLength(3030);
    } finally {
      await gateway.close();
    }
  }, 120_000);
});
