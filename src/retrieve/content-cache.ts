// A content-addressed cache under the home: files by sha256, and releases already verified
// (by content ID), so a second `get` of a version does no network I/O. Cached bytes are
// re-hashed when read: a corrupted cache entry is dropped, never served.
import fs from 'node:fs';
import path from 'node:path';
import { hash, randomBytes } from 'node:crypto';

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
