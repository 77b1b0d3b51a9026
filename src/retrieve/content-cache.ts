// A content-addressed cache under the home: files by sha256, and releases already verified
// (by content ID), so a second `get` of a version does no network I/O. Cached bytes are
// re-hashed when read: a corrupted cache entry is dropped, never served.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, hash, randomBytes } from 'node:crypto';

/** A release that was verified: its publisher and files (the card first). */
export interface CachedRelease {
  owner: string;
  files: { path: string; id: string; sha256: string; bytes: number }[];
}

export class ContentCache {
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

  /** A fresh temporary path inside the cache (same file system), for a file to adopt() once verified. */
  tmpFile(): string {
    const dir = path.join(this.dir, 'tmp');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, `${randomBytes(8).toString('hex')}.partial`);
  }

  /** Takes over (renames) a file the caller has verified to have this sha256; returns its cache path. */
  adopt(sha256: string, file: string): string {
    const target = this.fileOf(sha256);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(file, target);
    return target;
  }

  getRelease(contentId: string): CachedRelease | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'releases', `${contentId}.json`), 'utf8')) as CachedRelease;
    } catch {
      return undefined;
    }
  }

  putRelease(contentId: string, release: CachedRelease): void {
    writeAtomic(path.join(this.dir, 'releases', `${contentId}.json`), Buffer.from(JSON.stringify(release)));
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
