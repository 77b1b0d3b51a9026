// The size of a signed item computed before signing equals what arbundles (the library the
// Irys SDK signs with) produces, for arkive's own tag sets, with and without an anchor.
import { ArweaveSigner, createData } from 'arbundles';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { itemHeaderBytes, signedItemBytes } from '../../src/archive/item-size.js';
import { MANIFEST_CONTENT_TYPE } from '../../src/archive/manifest.js';
import { releaseTags } from '../../src/archive/release-tags.js';

let jwk: JWKInterface;
beforeAll(async () => {
  jwk = await Arweave.init({}).wallets.generate();
});

async function signedLength(data: Buffer, tags: { name: string; value: string }[], anchor?: string): Promise<{ raw: number; header: number }> {
  const signer = new ArweaveSigner(jwk);
  const item = createData(data, signer, { tags, ...(anchor && { anchor }) });
  await item.sign(signer);
  return { raw: item.getRaw().length, header: item.getRaw().length - data.length };
}

const ctx = {
  kind: 'dataset' as const, name: 'reviews', pipeline: 'reviews', runId: '20261201T000000Z-abcdef', version: 12,
  digest: `sha256:${'a'.repeat(64)}`, parent: 'P'.repeat(43), license: 'CC0-1.0',
  description: 'Ünïcode description, multi-byte: 日本語 '.repeat(4), schemaSha256: 'b'.repeat(64),
};

describe('signedItemBytes', () => {
  it('equals the signed item for chunk, card and manifest tag sets', async () => {
    const sets = [
      releaseTags(ctx, 'chunk', 'application/gzip', 'c'.repeat(64), 'd'.repeat(64)),
      releaseTags(ctx, 'card', 'application/json', 'e'.repeat(64)),
      releaseTags(ctx, 'release', MANIFEST_CONTENT_TYPE, 'f'.repeat(64)),
    ];
    for (const tags of sets) {
      for (const size of [0, 1, 1000, 70_000]) {
        const data = Buffer.alloc(size, 7);
        const { raw, header } = await signedLength(data, tags);
        expect(signedItemBytes(size, tags)).toBe(raw);
        expect(itemHeaderBytes(tags)).toBe(header);
      }
    }
  });

  it('counts a 32-byte anchor and an item without tags', async () => {
    const tags = releaseTags(ctx, 'checkpoint', 'application/octet-stream', '1'.repeat(64));
    const data = Buffer.from('checkpoint bytes');
    expect(signedItemBytes(data.length, tags, { anchored: true })).toBe((await signedLength(data, tags, 'x'.repeat(32))).raw);
    expect(signedItemBytes(data.length, [])).toBe((await signedLength(data, [])).raw);
    // An RSA-4096 item without tags: 2 + 512 + 512 + 1 + 1 + 16 bytes of header.
    expect(itemHeaderBytes([])).toBe(1044);
  });
});
