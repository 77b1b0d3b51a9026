// The Uploader implementations the conformance suite runs against, each built the way a test
// needs it: pointed at a bundler URL (the dev bundler, or a fake edge in front of it).
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import { TurboUploader } from '../../src/archive/turbo-uploader.js';
import type { BundlerKind, Uploader } from '../../src/archive/uploader.js';

export interface UploaderTarget {
  bundlerUrl: string;
  gatewayUrl: string;
  wallet: JWKInterface;
  /** A streamed upload with nothing acknowledged for this long is abandoned. */
  stallMs?: number;
}

export interface UploaderFactory {
  name: string;
  kind: BundlerKind;
  /** Chunk size of streamed uploads, as the factory configures it. */
  chunkBytes: number;
  /** Chunks the bundler already held that a resumed upload sends again (the Irys SDK re-sends its header chunk). */
  resumeResends: number;
  create(target: UploaderTarget): Promise<Uploader>;
}

export const uploaderFactories: UploaderFactory[] = [
  {
    name: 'IrysUploader',
    kind: 'irys',
    chunkBytes: 2 ** 20,
    resumeResends: 1,
    create: (t) => IrysUploader.create({
      bundlerUrl: t.bundlerUrl, wallet: t.wallet, providerUrl: t.gatewayUrl, chunkBytes: 2 ** 20, ...(t.stallMs && { stallMs: t.stallMs }),
    }),
  },
  {
    name: 'TurboUploader',
    kind: 'turbo',
    // The SDK's smallest chunk: a file over 32 MiB is still several chunks.
    chunkBytes: 5 * 2 ** 20,
    resumeResends: 0,
    create: (t) => TurboUploader.create({
      uploadUrl: t.bundlerUrl, paymentUrl: t.bundlerUrl, wallet: t.wallet, chunkBytes: 5 * 2 ** 20, ...(t.stallMs && { stallMs: t.stallMs }),
    }),
  },
];

export function uploaderFactory(kind: string): UploaderFactory {
  const found = uploaderFactories.find((f) => f.kind === kind);
  if (!found) throw new Error(`no uploader of kind ${kind}`);
  return found;
}
