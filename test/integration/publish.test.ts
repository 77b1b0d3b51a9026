// Publishing on the real local permaweb: ArLocal as the gateway, the dev bundler, the real
// @irys/sdk client. Releases are found by GraphQL, served by path, and re-publishing pays
// only for new content.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkSession } from '../../src/archive/network.js';
import { parseCard } from '../../src/snapshot/card.js';
import { readChunk } from '../../src/snapshot/snapshot-reader.js';
import { createSystem, type Store } from '../../src/system.js';
import { openPublishingHome, type PublishingHome } from '../helpers/publishing-home.js';
import { peopleProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

let home: PublishingHome;
let store: Store;
let network: NetworkSession;
let cwd: string;

function people(n: number, from = 0, suffix = ''): string {
  return Array.from({ length: n }, (_, i) => `${String(from + i).padStart(6, '0')},person ${from + i}${suffix},${(from + i) % 90}`).join('\n');
}

const run = () => home.run('people');

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeEach(async () => {
  cwd = peopleProject(`id,name,age\n${people(3000)}\n`);
  write(cwd, 'pipelines/people.ts', (await import('node:fs')).readFileSync(`${cwd}/pipelines/people.ts`, 'utf8')
    .replace("key: (p) => p.id,", "key: (p) => p.id,\n  snapshot: { targetChunkBytes: 8192, license: 'CC0-1.0' },"));
  home = await openPublishingHome(cwd);
  ({ store, network } = home);
});

afterEach(() => home.close());

describe('publishing a dataset', () => {
  it('releases v1: every file served under the content ID, sha256s as in the card, found by GraphQL', async () => {
    const result = await run();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('released');
    const [artifact] = result.artifacts;
    expect(artifact).toMatchObject({ kind: 'dataset', name: 'people', version: 1, status: 'released', reusedBytes: 0 });
    expect(artifact!.contentId).toMatch(/^[\w-]{43}$/);
    expect(artifact!.uploadedBytes).toBe(artifact!.bytes);
    await network.settle();
    const gateway = network.config.gateways[0]!;
    const card = parseCard(JSON.parse((await fetchBytes(`${gateway}/${artifact!.contentId}/arkive.json`)).toString()));
    expect(card).toMatchObject({ name: 'people', kind: 'dataset', version: 1, parent: null, rows: 3000, digest: artifact!.digest, license: 'CC0-1.0' });
    expect(card.chunks.length).toBeGreaterThan(3);
    let rows = 0;
    for (const chunk of card.chunks) {
      const bytes = await fetchBytes(`${gateway}/${artifact!.contentId}/${chunk.path}`);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(chunk.sha256);
      rows += (await readChunk(bytes, 'jsonl.gz')).length;
    }
    expect(rows).toBe(3000);
    const releases = await network.gateway.query({
      owners: [network.uploader.address],
      tags: [{ name: 'Arkive-Kind', values: ['release'] }, { name: 'Dataset-Name', values: ['people'] }],
    });
    expect(releases.map((r) => r.id)).toEqual([artifact!.contentId]);
    const tags = Object.fromEntries(releases[0]!.tags.map((t) => [t.name, t.value]));
    expect(tags).toMatchObject({ 'App-Name': 'arkive', Version: '1', 'Arkive-Digest': artifact!.digest, Pipeline: 'people' });
  });

  it('re-publishes unchanged content as the same version, uploading nothing', async () => {
    const first = (await run()).artifacts[0]!;
    const again = await run();
    expect(again.status).toBe('unchanged');
    expect(again.artifacts[0]).toMatchObject({ version: 1, contentId: first.contentId, uploadedBytes: 0, reusedBytes: first.bytes });
    expect((await store.releases.versions('local', 'people')).length).toBe(1);
  });

  it('after a 1% append, releases v2 reusing every unchanged chunk', async () => {
    const first = (await run()).artifacts[0]!;
    write(cwd, 'people.csv', `id,name,age\n${people(3000)}\n${people(30, 3000)}\n`);
    const second = (await run()).artifacts[0]!;
    expect(second).toMatchObject({ version: 2, status: 'released' });
    const v1 = JSON.parse((await store.releases.get('local', 'people', 1))!.files) as { path: string }[];
    const v2 = JSON.parse((await store.releases.get('local', 'people', 2))!.files) as { path: string }[];
    const v1Data = v1.filter((f) => f.path.startsWith('data/')).map((f) => f.path);
    const v2Data = v2.filter((f) => f.path.startsWith('data/')).map((f) => f.path);
    const kept = v1Data.filter((p) => v2Data.includes(p));
    expect(kept.length).toBeGreaterThanOrEqual(v1Data.length - 1);
    // Uploaded: the new chunks, the new card and the new manifest; nothing else.
    const v2Files = v2 as unknown as { path: string; bytes: number }[];
    const filesBytes = v2Files.reduce((n, f) => n + f.bytes, 0);
    const fresh = v2Files.filter((f) => !v1Data.includes(f.path)).reduce((n, f) => n + f.bytes, 0);
    expect(second.uploadedBytes).toBe(fresh + (second.bytes - filesBytes));
    expect(second.reusedBytes).toBe(filesBytes - fresh);
    const card = JSON.parse((await store.releases.get('local', 'people', 2))!.card.toString());
    expect(card.parent).toBe(first.contentId);
  });

  it('refuses an unreadable wallet on a custom network without printing it', async () => {
    const other = createSystem({ cwd, home: tmpDir(), gateway: ['http://127.0.0.1:9'], bundler: 'http://127.0.0.1:9', wallet: `${cwd}/people.csv` }, {});
    await expect(other.openNetwork()).rejects.toMatchObject({ code: 'WALLET_UNREADABLE', message: expect.stringContaining('is not JSON') });
  });
});
