// Writes a verified release into a directory atomically: everything goes into a temporary
// sibling directory, and only a complete, verified set of files is renamed into place. A
// failed get leaves nothing behind. Paths were checked when the manifest was read; the
// resolved location is checked again here before anything is written.
//
// The temporary directory is `OUT.partial-<pid>-<hex>`: it is registered in `deps.temps` so
// that a signal handler removes it, and the partial directories of processes that no longer
// run (SIGKILL) are removed by the next materialise into the same place.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { IntegrityError, UsageError } from '../errors.js';
import { fetchFile, fetchFileTo, isLarge, type FetchDeps } from './fetch-file.js';
import { removeOrphans } from './orphans.js';
import type { ReleaseFileRef, VerifiedRelease } from './release-reader.js';

export interface Materialised {
  dir: string;
  files: number;
  bytes: number;
  fromCache: number;
}

/** Refuses a target that is a file or a non-empty directory: callers check before any network work. */
export function checkTarget(target: string): void {
  const dir = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return;
  }
  if (!stat.isDirectory()) {
    throw new UsageError({
      code: 'TARGET_NOT_DIRECTORY', message: `${dir} exists and is not a directory`,
      hint: 'Give -o a directory that does not exist yet (or an empty one).',
    });
  }
  if (fs.readdirSync(dir).length) {
    throw new UsageError({
      code: 'TARGET_EXISTS', message: `${dir} already exists and is not empty`,
      hint: 'Choose another directory with -o, or remove this one first.',
    });
  }
}

export async function materialise(release: VerifiedRelease, target: string, deps: FetchDeps & { concurrency?: number }): Promise<Materialised> {
  const dir = path.resolve(target);
  checkTarget(dir);
  const partial = partialDir(dir, deps);
  const result: Materialised = { dir, files: 0, bytes: 0, fromCache: 0 };
  try {
    // Two fetches at a time: measured best against the local devnet (ArLocal serves from one
    // thread; four in flight halved throughput), and enough to overlap hashing with I/O.
    const queue = new PQueue({ concurrency: deps.concurrency ?? 2 });
    // allSettled, not all: after one failure the other fetches must finish (and stop writing
    // into the partial directory) before it is removed.
    const settled = await Promise.allSettled(release.files.map((file) => queue.add(async () => {
      const { cached } = await fetchInto(partial, file, deps);
      result.files++;
      result.bytes += file.bytes;
      if (cached) result.fromCache++;
    })));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
    fs.renameSync(partial, dir);
    return result;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
    deps.temps?.delete(partial);
  }
}

/** A fresh partial directory beside `dir` (registered in deps.temps), once those of dead processes are gone. */
function partialDir(dir: string, deps: FetchDeps): string {
  const prefix = `${path.basename(dir)}.partial-`;
  removeOrphans(path.dirname(dir), (name) => (name.startsWith(prefix) ? /^(\d+)-/.exec(name.slice(prefix.length))?.[1] : undefined));
  const partial = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  deps.temps?.add(partial);
  return partial;
}

async function fetchInto(root: string, file: ReleaseFileRef, deps: FetchDeps): Promise<{ cached: boolean }> {
  const target = resolveInside(root, file.path);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Streamed to disk and verified there: a 1 GiB checkpoint is never held in memory.
  if (isLarge(file, deps)) return fetchFileTo(file, target, deps);
  const { bytes, cached } = await fetchFile(file, deps);
  fs.writeFileSync(target, bytes);
  return { cached };
}

function resolveInside(root: string, relative: string): string {
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) {
    throw new IntegrityError({
      code: 'UNSAFE_PATH', message: `release path ${JSON.stringify(relative)} would be written outside ${root}`,
      hint: 'The release manifest is malicious or damaged; nothing was written.',
    });
  }
  return file;
}
