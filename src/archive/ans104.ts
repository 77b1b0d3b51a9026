// Signing ANS-104 data items with arkive's own wallet, so an item's ID is known (and recorded
// in the ledger) before anything is posted. Items carry no anchor (ANS-104 makes it optional):
// gateways such as ArLocal do not report anchors in GraphQL, and `arkive get` rebuilds the
// signed payload from what GraphQL reports to verify a release.
//
// A large file is signed in one streaming pass: the signature covers
//   deepHash([ "dataitem", "1", signatureType, owner, target, anchor, rawTags, data ])
// and arbundles' deepHash takes the data as an async iterable (hashed as it streams), so the
// header is signed with constant memory; the item is then that header followed by the file.
import type { Readable } from 'node:stream';
import { ArweaveSigner, createData, deepHash, stringToBuffer } from 'arbundles';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { checkTagLimits, type Tag } from './tags.js';
import type { SignedHeader, SignedItem } from './uploader.js';

export class ItemSigner {
  private readonly signer: ArweaveSigner;

  constructor(wallet: JWKInterface) {
    this.signer = new ArweaveSigner(wallet);
  }

  /** Signs a whole item held in memory. */
  async sign(data: Buffer, tags: Tag[], what = 'an item'): Promise<SignedItem> {
    checkTagLimits(tags, what);
    const item = createData(data, this.signer, { tags });
    await item.sign(this.signer);
    const raw = Buffer.from(item.getRaw());
    return { id: item.id, raw, header: raw.subarray(0, raw.length - data.length) };
  }

  /**
   * Signs an item whose data is read from `data` (consumed once): the returned header is the
   * item's bytes before its data, so the item is `header` followed by the same bytes again.
   */
  async signStream(data: Readable, tags: Tag[], what = 'a streamed item'): Promise<SignedHeader & { dataBytes: number }> {
    checkTagLimits(tags, what);
    const header = createData('', this.signer, { tags });
    let dataBytes = 0;
    const counted = (async function* () {
      for await (const chunk of data as AsyncIterable<Buffer>) {
        dataBytes += chunk.length;
        yield chunk;
      }
    })();
    const hash = await deepHash([
      stringToBuffer('dataitem'),
      stringToBuffer('1'),
      stringToBuffer(header.signatureType.toString()),
      header.rawOwner,
      header.rawTarget,
      header.rawAnchor,
      header.rawTags,
      counted,
    ]);
    header.setSignature(Buffer.from(await this.signer.sign(hash)));
    return { id: header.id, header: Buffer.from(header.getRaw()), dataBytes };
  }
}
