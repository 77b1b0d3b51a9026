// Releases on both dialects, through the existing API (releases-repo.ts is lane B's): a
// release's life from pending to committed, byte counts past 2^31 as exact numbers, the card
// and the signed manifest byte for byte, and the queries that list versions.
import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import type { Release, ReleasesRepo } from '../../../src/db/releases-repo.js';
import { describeDatabases } from '../../helpers/databases.js';

type Pending = Parameters<ReleasesRepo['insertPending']>[0];

const pending = (version: number, over: Partial<Pending> = {}): Pending => ({
  network: 'net', name: 'ds', version, kind: 'dataset', digest: `digest-${version}`, parent: null, owner: 'wallet',
  run_id: `run-${version}`, rows: 10, bytes: 100, card: Buffer.from(`{"v":${version}}`), files: '[]', created_at: `2026-01-0${version}T00:00:00.000Z`,
  ...over,
});

const hex = (bytes: Uint8Array | null) => (bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : null);

/** Inserts, records a manifest and commits: a version as a run leaves it. */
async function release(releases: ReleasesRepo, version: number, over: Partial<Pending> = {}) {
  const p = pending(version, over);
  await releases.insertPending(p);
  await releases.recordManifest(p.network, p.name, version, { manifestId: `m-${p.name}-${version}`, manifest: Buffer.from('manifest'), files: [], bytes: p.bytes });
  await releases.commit(p.network, p.name, version, { contentId: `cid-${p.network}-${p.name}-${version}`, files: [], bytes: p.bytes }, new Date(0));
}

describeDatabases('ReleasesRepo', (db) => {
  it('keeps byte and row counts past 2^31 and 2^32 as exact numbers', async () => {
    const { releases } = db();
    const bytes = 2 ** 31 + 7;
    const rows = 2 ** 32 + 1;
    await releases.insertPending(pending(1, { bytes, rows }));
    expect(await releases.pending('net', 'ds')).toMatchObject({ bytes, rows, version: 1 });
    const committed = 2 ** 45 + 3;
    await releases.recordManifest('net', 'ds', 1, { manifestId: 'm1', manifest: Buffer.from('x'), files: [], bytes: committed - 1 });
    await releases.commit('net', 'ds', 1, { contentId: 'cid', files: [{ path: 'a', id: 'i', sha256: 's', bytes: 2 ** 33 }], bytes: committed }, new Date(0));
    const got = (await releases.get('net', 'ds', 1))!;
    expect(got.bytes).toBe(committed);
    expect(typeof got.bytes).toBe('number');
    expect(JSON.parse(got.files)).toEqual([{ path: 'a', id: 'i', sha256: 's', bytes: 2 ** 33 }]);
  });

  it('stores the card and the signed manifest byte for byte (NUL and every byte value)', async () => {
    const { releases } = db();
    const card = Buffer.concat([Buffer.from('{"name":"é\u0000"}'), Buffer.from([0, 255, 0, 128])]);
    const manifest = crypto.randomBytes(70_000);
    manifest[0] = 0;
    await releases.insertPending(pending(1, { card }));
    const view = new Uint8Array(manifest.buffer, manifest.byteOffset + 1, manifest.byteLength - 1);
    await releases.recordManifest('net', 'ds', 1, { manifestId: 'm1', manifest: view, files: [], bytes: 1 });
    const got = (await releases.get('net', 'ds', 1))!;
    expect(hex(got.card)).toBe(card.toString('hex'));
    expect(hex(got.manifest)).toBe(manifest.subarray(1).toString('hex'));
    expect(got.manifest_id).toBe('m1');
  });

  it('takes a release from pending to committed; a pending one is no version yet', async () => {
    const { releases } = db();
    await releases.insertPending(pending(1));
    expect(await releases.latest('net', 'ds')).toBeUndefined();
    expect(await releases.highestVersion('net', 'ds')).toBe(1);
    expect(await releases.versions('net', 'ds')).toEqual([]);
    await releases.recordManifest('net', 'ds', 1, { manifestId: 'm1', manifest: Buffer.from('m'), files: [], bytes: 5 });
    // A manifest is recorded once: a second one is refused.
    await expect(releases.recordManifest('net', 'ds', 1, { manifestId: 'm2', manifest: Buffer.from('n'), files: [], bytes: 5 }))
      .rejects.toMatchObject({ code: 'RELEASE_STATE' });
    // A signed pending release is never dropped.
    await releases.drop('net', 'ds', 1);
    expect(await releases.pending('net', 'ds')).toMatchObject({ manifest_id: 'm1' });
    await releases.commit('net', 'ds', 1, { contentId: 'cid-1', files: [], bytes: 5 }, new Date('2026-02-01T00:00:00Z'));
    const committed: Release = (await releases.latest('net', 'ds'))!;
    expect(committed).toMatchObject({ state: 'committed', content_id: 'cid-1', committed_at: '2026-02-01T00:00:00.000Z', indexed_in: null });
    expect(await releases.byContentId('cid-1')).toEqual(committed);
    expect(await releases.pending('net', 'ds')).toBeUndefined();
  });

  it('drops a pending release whose manifest was never signed', async () => {
    const { releases } = db();
    await releases.insertPending(pending(1));
    await releases.drop('net', 'ds', 1);
    expect(await releases.get('net', 'ds', 1)).toBeUndefined();
    expect(await releases.highestVersion('net', 'ds')).toBe(0);
  });

  it('refuses a second release of the same version (the number is taken), and a second pending one of a name', async () => {
    const { releases } = db();
    expect(await releases.insertPending(pending(1))).toBe(true);
    expect(await releases.insertPending(pending(1, { digest: 'other' }))).toBe(false);
    expect(await releases.insertPending(pending(2, { digest: 'other' }))).toBe(false);
    expect((await releases.pending('net', 'ds'))?.version).toBe(1);
  });

  it('lists versions, the latest of each name, and releases by digest, per network', async () => {
    const { releases } = db();
    await release(releases, 1);
    await release(releases, 2);
    await release(releases, 1, { name: 'alpha', digest: 'digest-2' });
    await release(releases, 1, { network: 'other' });
    await releases.insertPending(pending(3));
    expect((await releases.versions('net', 'ds')).map((r) => r.version)).toEqual([1, 2]);
    expect((await releases.latest('net', 'ds'))!.version).toBe(2);
    expect(await releases.highestVersion('net', 'ds')).toBe(3);
    expect((await releases.latestOfEach('net')).map((r) => [r.name, r.version])).toEqual([['alpha', 1], ['ds', 2]]);
    expect((await releases.byDigest('net', 'digest-2')).map((r) => [r.name, r.version])).toEqual([['alpha', 1], ['ds', 2]]);
    expect((await releases.latestOfEach('other')).map((r) => r.content_id)).toEqual(['cid-other-ds-1']);
    await releases.markIndexed('net', 'ds', 2, 'registry-pid');
    expect((await releases.get('net', 'ds', 2))!.indexed_in).toBe('registry-pid');
    expect((await releases.get('net', 'ds', 1))!.indexed_in).toBeNull();
  });
});
