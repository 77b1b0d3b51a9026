// verifyItem against items signed by arbundles itself: a genuine item verifies from the fields
// a gateway's GraphQL reports plus its data, and each kind of lie is caught and named.
import crypto from 'node:crypto';
import { ArweaveSigner, createData, type DataItem } from 'arbundles';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyItem, type ItemHeader } from '../../src/archive/verify-item.js';

// RSA-4096 generation takes seconds: one key per file (the other owner is a second one).
let jwk: JWKInterface;
let otherJwk: JWKInterface;
beforeAll(async () => {
  const arweave = Arweave.init({});
  [jwk, otherJwk] = await Promise.all([arweave.wallets.generate(), arweave.wallets.generate()]);
});

const TAGS = [
  { name: 'App-Name', value: 'arkive' },
  { name: 'Content-Type', value: 'application/json' },
  { name: 'Arkive-Kind', value: 'release' },
];

async function signed(data: string | Uint8Array, opts: { tags?: typeof TAGS; anchor?: string; target?: string } = {}): Promise<DataItem> {
  const signer = new ArweaveSigner(jwk);
  const item = createData(data, signer, { tags: TAGS, ...opts });
  await item.sign(signer);
  return item;
}

/** What ArLocal's GraphQL reports for an item: anchor always "" and no target. */
function headerOf(item: DataItem): ItemHeader {
  return {
    id: item.id,
    owner: { address: sha256(item.rawOwner), key: item.owner },
    tags: item.tags,
    signature: item.signature,
    anchor: '',
  };
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('base64url');
}

function reasonOf(result: Awaited<ReturnType<typeof verifyItem>>): string {
  return result.ok ? 'ok' : result.reason;
}

describe('verifyItem', () => {
  it('accepts a genuine item from its header fields and data', async () => {
    const item = await signed('{"hello":"permaweb"}');
    expect(await verifyItem(headerOf(item), item.rawData)).toEqual({ ok: true });
    expect(headerOf(item).owner.address).toBe(await Arweave.init({}).wallets.jwkToAddress(jwk));
  });

  it('accepts items with no tags, empty data, and binary data', async () => {
    const bare = await signed('', { tags: [] });
    expect(await verifyItem(headerOf(bare), new Uint8Array(0))).toEqual({ ok: true });
    const bytes = crypto.randomBytes(300_000);
    const binary = await signed(bytes);
    expect(await verifyItem({ ...headerOf(binary), anchor: null }, bytes)).toEqual({ ok: true });
  });

  it('refuses data with one byte flipped', async () => {
    const item = await signed('{"hello":"permaweb"}');
    const data = Buffer.from(item.rawData);
    data[5] = data[5]! ^ 0x01;
    expect(reasonOf(await verifyItem(headerOf(item), data))).toMatch(/^signature .* does not verify/);
  });

  it('refuses a changed tag value and reordered tags', async () => {
    const item = await signed('x');
    const header = headerOf(item);
    const changed = header.tags.map((t) => (t.name === 'Arkive-Kind' ? { ...t, value: 'chunk' } : t));
    expect(reasonOf(await verifyItem({ ...header, tags: changed }, item.rawData))).toMatch(/signature .* does not verify/);
    const reordered = [header.tags[1]!, header.tags[0]!, header.tags[2]!];
    expect(reasonOf(await verifyItem({ ...header, tags: reordered }, item.rawData))).toMatch(/signature .* does not verify/);
    expect(reasonOf(await verifyItem({ ...header, tags: [] }, item.rawData))).toMatch(/signature .* does not verify/);
  });

  it("refuses another owner's key with the original signature", async () => {
    const item = await signed('x');
    const header = headerOf(item);
    const other = Buffer.from(otherJwk.n, 'base64url');
    // The key alone: the address no longer matches it.
    const keyOnly = { ...header, owner: { ...header.owner, key: otherJwk.n } };
    expect(reasonOf(await verifyItem(keyOnly, item.rawData))).toMatch(/^owner address .* is not the SHA-256 of the owner key/);
    // Key and address consistently: the signature is not that owner's.
    const both = { ...header, owner: { address: sha256(other), key: otherJwk.n } };
    expect(reasonOf(await verifyItem(both, item.rawData))).toMatch(/^signature .* does not verify against owner/);
  });

  it('refuses a wrong id and a wrong owner address', async () => {
    const item = await signed('x');
    const header = headerOf(item);
    const otherId = (await signed('y')).id;
    expect(reasonOf(await verifyItem({ ...header, id: otherId }, item.rawData))).toMatch(/^id .* is not the SHA-256 of the signature/);
    const wrongAddress = { ...header, owner: { ...header.owner, address: sha256(Buffer.from(otherJwk.n, 'base64url')) } };
    expect(reasonOf(await verifyItem(wrongAddress, item.rawData))).toMatch(/^owner address .* is not the SHA-256/);
  });

  it('refuses a genuine item of the same owner served for another ID (substitution)', async () => {
    const [asked, served] = await Promise.all([signed('{"version":2}'), signed('{"version":1}')]);
    expect(await verifyItem(headerOf(served), served.rawData)).toEqual({ ok: true });
    expect(reasonOf(await verifyItem(headerOf(served), served.rawData, asked.id)))
      .toBe(`the gateway answered for item ${asked.id} with another item, ${served.id}`);
    // Claiming the asked-for ID instead breaks the ID = SHA-256(signature) link.
    expect(reasonOf(await verifyItem({ ...headerOf(served), id: asked.id }, served.rawData, asked.id)))
      .toMatch(new RegExp(`^id ${asked.id} is not the SHA-256 of the signature`));
    expect(await verifyItem(headerOf(asked), asked.rawData, asked.id)).toEqual({ ok: true });
  });

  it('refuses malformed fields with a reason instead of throwing', async () => {
    const item = await signed('x');
    const header = headerOf(item);
    expect(reasonOf(await verifyItem({ ...header, signature: header.signature.slice(1) }, item.rawData))).toMatch(/^signature is/);
    expect(reasonOf(await verifyItem({ ...header, owner: { ...header.owner, key: `${header.owner.key}!` } }, item.rawData)))
      .toMatch(/^owner key is not canonical base64url/);
    expect(reasonOf(await verifyItem({ ...header, anchor: 'abc' }, item.rawData))).toMatch(/^anchor is 2 bytes, expected 32/);
    for (const key of [Buffer.alloc(512), crypto.randomBytes(512)]) { // not RSA moduli, with consistent addresses
      const bogus = { ...header, owner: { address: sha256(key), key: key.toString('base64url') } };
      expect(reasonOf(await verifyItem(bogus, item.rawData))).toMatch(/owner key|signature/);
    }
  });

  // Why arkive signs without anchors: the anchor is signed, but ArLocal's GraphQL reports
  // every data item's anchor as "", so an anchored item cannot be verified from it.
  it('verifies an anchored item only when its anchor is given', async () => {
    const anchor = crypto.randomBytes(16).toString('hex'); // 32 bytes, as @irys/sdk makes them
    const item = await signed('x', { anchor });
    expect(item.anchor).toBe(Buffer.from(anchor).toString('base64url'));
    expect(await verifyItem({ ...headerOf(item), anchor: item.anchor }, item.rawData)).toEqual({ ok: true });
    expect(reasonOf(await verifyItem(headerOf(item), item.rawData))).toMatch(/^signature .* does not verify/);
  });

  it('verifies a targeted item only when its target is given', async () => {
    const target = sha256(Buffer.from(otherJwk.n, 'base64url'));
    const item = await signed('x', { target });
    expect(await verifyItem({ ...headerOf(item), target }, item.rawData)).toEqual({ ok: true });
    expect(reasonOf(await verifyItem(headerOf(item), item.rawData))).toMatch(/^signature .* does not verify/);
  });
});
