// The streamed retrieval path: files above the stream threshold go from the gateway's
// /raw/<id> to a temporary file while hashed, and only verified bytes reach the content cache
// and the target. A 1 MiB threshold lets a 5 MiB file take that path.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/errors.js';
import { ContentCache } from '../../src/retrieve/content-cache.js';
import { materialise } from '../../src/retrieve/materialise.js';
import type { ReleaseFileRef, VerifiedRelease } from '../../src/retrieve/release-reader.js';
import { irysFor, startTestDevnet } from '../helpers/devnet.js';
import { startLyingGateway } from '../helpers/lying-gateway.js';
import { tmpDir } from '../helpers/tmp.js';

const streamThreshold = 2 ** 20;

/** Only the files matter to materialise. */
function releaseOf(files: ReleaseFileRef[]): VerifiedRelease {
  return { files } as unknown as VerifiedRelease;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => d.isFile()).map((d) => d.name);
}

describe('streamed retrieval of large files', () => {
  it('streams, verifies, caches by rename, serves a second get from the cache, and refuses a lying gateway', async () => {
    const home = tmpDir('arkive-fetch-streamed-');
    const devnet = await startTestDevnet(home, { maxBundledItemBytes: streamThreshold });
    const lying = await startLyingGateway({ upstream: devnet.gatewayUrl, flipPath: (p) => p.startsWith('/raw/') });
    try {
      const data = crypto.randomBytes(5 * 2 ** 20 + 7);
      const irys = await irysFor(devnet);
      const response = await irys.uploader.chunkedUploader.setChunkSize(512 * 1024).uploadData(data, { tags: [] });
      const file: ReleaseFileRef = { path: 'weights/model.safetensors', id: response.data.id, sha256: crypto.hash('sha256', data), bytes: data.length };

      // A lying gateway: IntegrityError naming the file, both hashes and the gateway; nothing left behind.
      const cacheDir = path.join(home, 'cache');
      const cache = new ContentCache(cacheDir);
      const badTarget = path.join(home, 'bad');
      const error = await materialise(releaseOf([file]), badTarget, { gateways: async () => [lying.url], cache, streamThreshold })
        .then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as Error).message).toContain(file.path);
      expect((error as Error).message).toContain(`expected sha256 ${file.sha256}`);
      expect((error as Error).message).toMatch(new RegExp(`${lying.url} served sha256 [0-9a-f]{64}`));
      expect(filesUnder(cacheDir)).toEqual([]);
      expect(fs.existsSync(badTarget)).toBe(false);
      expect(fs.readdirSync(home).filter((n) => n.startsWith('bad'))).toEqual([]);

      // The honest gateway: verified bytes in the target and in the cache.
      const target = path.join(home, 'out');
      const first = await materialise(releaseOf([file]), target, { gateways: async () => [devnet.gatewayUrl], cache, streamThreshold });
      expect(first).toMatchObject({ files: 1, bytes: data.length, fromCache: 0 });
      expect(fs.readFileSync(path.join(target, file.path)).equals(data)).toBe(true);
      expect(filesUnder(cacheDir)).toEqual([file.sha256]);

      // Again, from the cache only (no gateway), and without a cache (the streamed path alone).
      const second = await materialise(releaseOf([file]), path.join(home, 'again'), { gateways: async () => [], cache, streamThreshold });
      expect(second.fromCache).toBe(1);
      expect(fs.readFileSync(path.join(home, 'again', file.path)).equals(data)).toBe(true);
      const third = await materialise(releaseOf([file]), path.join(home, 'nocache'), { gateways: async () => [devnet.gatewayUrl], streamThreshold });
      expect(third.fromCache).toBe(0);
      expect(filesUnder(path.join(home, 'nocache'))).toEqual(['model.safetensors']);
      expect(fs.readFileSync(path.join(home, 'nocache', file.path)).equals(data)).toBe(true);
    } finally {
      await lying.close();
      await devnet.stop();
    }
  });
});
