// A fake bundler client (named so: the offline edge whose price, balance and failures a test
// must set): signs like IrysUploader with real ANS-104, prices WINSTON_PER_BYTE a byte, holds a
// balance, and can be told to fail a post.
import { ArweaveSigner, createData, DataItem } from 'arbundles';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import type { Gateway } from '../../src/archive/gateway.js';
import type { Tag } from '../../src/archive/tags.js';
import type { Receipt, SignedItem, Uploader } from '../../src/archive/uploader.js';
import { addressOf } from '../../src/archive/wallet.js';

export const WINSTON_PER_BYTE = 10n;

/** A fake bundler client: signs like IrysUploader, prices 10 winston a byte, holds `balance`, and can be told to fail a post. */
export class FakeBundlerUploader implements Uploader {
  readonly kind = 'irys' as const;
  readonly bundlerUrl = 'http://fake-bundler.invalid';
  readonly address: string;
  readonly posted: { id: string; bytes: number }[] = [];
  priced: number[][] = [];
  failPost: ((raw: Buffer) => boolean) | undefined;
  constructor(private readonly jwk: JWKInterface, public balanceWinston: bigint) {
    this.address = addressOf(this.jwk);
  }
  async sign(data: Buffer, tags: Tag[]): Promise<SignedItem> {
    const signer = new ArweaveSigner(this.jwk);
    const item = createData(data, signer, { tags });
    await item.sign(signer);
    const raw = Buffer.from(item.getRaw());
    return { id: item.id, raw, header: raw.subarray(0, raw.length - data.length) };
  }
  async post(raw: Buffer): Promise<Receipt> {
    if (this.failPost?.(raw)) throw new Error('fake bundler: HTTP 400 refused');
    const { id } = new DataItem(raw);
    this.posted.push({ id, bytes: raw.length });
    return { id };
  }
  async uploadStream(): Promise<Receipt> {
    throw new Error('fake bundler: no streamed uploads in this test');
  }
  async price(itemBytes: number[]): Promise<bigint[]> {
    this.priced.push(itemBytes);
    return itemBytes.map((b) => BigInt(b) * WINSTON_PER_BYTE);
  }
  async balance(): Promise<bigint> {
    return this.balanceWinston;
  }
}

/** A fake gateway that has seen nothing: no GraphQL hit, no release on the chain. */
export const emptyGateway: Gateway = {
  urls: ['http://fake-gateway.invalid'],
  query: async () => [],
  data: async () => { throw new Error('fake gateway: no data'); },
  rawDigest: async () => { throw new Error('fake gateway: no data'); },
};
