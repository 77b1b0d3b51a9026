// A content-addressed cache under the home: files by sha256, and releases already verified
// (by content ID), so a second `get` of a version does no network I/O. Cached bytes are
// re-hashed when read: a corrupted cache entry is dropped, never served. A release entry
// keeps the signed items (manifest and card headers; their bytes are cached by sha256), so
// that release-reader.ts verifies a hit again against the ID it is read for.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, hash, randomBytes } from 'node:crypto';
import type { GatewayItem } from '../archive/gateway.js';
import { removeOrphans } from './orphans.js';

/** A signed item as a gateway described it, with the sha256 of its bytes in the cache. */
export interface CachedItem {
  header: GatewayItem;
  sha256: string;
}

/** A release that was verified: its manifest's and card's signed items. */
export interface CachedRelease {
  contentId: string;
  owner: string;
  items: CachedItem[];
}

export class ContentCache {
  private swept = false;

  constructor(private readonly dir: string) {}

  get(sha256: string): Buffer | undefined {
    const file = this.fileOf(sha256);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return undefined;
    }
    if (hash('sha256', bytes) === sha256) return bytes;
    fs.rmSync(file, { force: true });
    return undefined;
  }

  put(sha256: string, bytes: Uint8Array): void {
    writeAtomic(this.fileOf(sha256), bytes);
  }

  /** The path of a cached file, re-hashed as a stream (for large files); undefined if absent or corrupt. */
  async verifiedPath(sha256: string): Promise<string | undefined> {
    const file = this.fileOf(sha256);
    const digest = createHash('sha256');
    try {
      for await (const chunk of fs.createReadStream(file)) digest.update(chunk as Buffer);
    } catch {
      return undefined;
    }
    if (digest.digest('hex') === sha256) return file;
    fs.rmSync(file, { force: true });
    return undefined;
  }

  /**
   * A fresh temporary path inside the cache (same file system), for a file to adopt() once
   * verified. Named after this process, so that the files of a killed process are removed.
   */
  tmpFile(): string {
    const dir = path.join(this.dir, 'tmp');
    fs.mkdirSync(dir, { recursive: true });
    if (!this.swept) removeOrphans(dir, (name) => /^(\d+)-[0-9a-f]+\.partial$/.exec(name)?.[1]);
    this.swept = true;
    return path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}.partial`);
  }

  /** Takes over (renames) a file the caller has verified to have this sha256; returns its cache path. */
  adopt(sha256: string, file: string): string {
    const target = this.fileOf(sha256);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(file, target);
    return target;
  }

  /** The entry stored under contentId, if it has the current shape (older entries are misses). */
  getRelease(contentId: string): CachedRelease | undefined {
    let entry: Partial<CachedRelease>;
    try {
      entry = JSON.parse(fs.readFileSync(this.releaseFile(contentId), 'utf8')) as Partial<CachedRelease>;
    } catch {
      return undefined;
    }
    if (entry?.contentId === contentId && typeof entry.owner === 'string' && Array.isArray(entry.items)) return entry as CachedRelease;
    this.dropRelease(contentId);
    return undefined;
  }

  putRelease(contentId: string, release: CachedRelease): void {
    writeAtomic(this.releaseFile(contentId), Buffer.from(JSON.stringify(release)));
  }

  dropRelease(contentId: string): void {
    fs.rmSync(this.releaseFile(contentId), { force: true });
  }

  private releaseFile(contentId: string): string {
    return path.join(this.dir, 'releases', `${path.basename(contentId)}.json`);
  }

  private fileOf(sha256: string): string {
    return path.join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  fs.writeFileSync(partial, bytes);
  fs.renameSync(partial, file);
}
