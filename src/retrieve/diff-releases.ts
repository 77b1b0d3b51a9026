// Compares two verified versions: rows added, removed and changed by key, schema fields
// added, removed and changed, and how many chunks and bytes they share. Chunks with the same
// sha256 hold the same rows and are never read; only the differing chunks are.
import { readChunk } from '../snapshot/snapshot-reader.js';
import { dataFilesOf, type ReleaseFileRef, type VerifiedRelease } from './release-reader.js';

export interface ReleaseDiff {
  from: { contentId: string; version: number };
  to: { contentId: string; version: number };
  keyed: boolean;
  rows: { added: number; removed: number; changed: number; unchanged: number };
  schema: { added: string[]; removed: string[]; changed: string[] };
  chunks: { shared: number; from: number; to: number };
  bytes: { shared: number; from: number; to: number };
}

export interface DiffDeps {
  fetch(file: ReleaseFileRef): Promise<Buffer>;
  /** The dataset's key function; without it rows are matched by content (no "changed"). */
  keyOf?: ((record: unknown) => string) | undefined;
}

export async function diffReleases(a: VerifiedRelease, b: VerifiedRelease, deps: DiffDeps): Promise<ReleaseDiff> {
  const aData = dataFilesOf(a);
  const bData = dataFilesOf(b);
  const bShas = new Set(bData.map((f) => f.sha256));
  const shared = aData.filter((f) => bShas.has(f.sha256));
  const sharedShas = new Set(shared.map((f) => f.sha256));
  const sharedRows = a.card.chunks.filter((c) => sharedShas.has(c.sha256)).reduce((n, c) => n + c.rows, 0);
  const rows = await diffRows(aData.filter((f) => !sharedShas.has(f.sha256)), bData.filter((f) => !sharedShas.has(f.sha256)), a, deps);
  return {
    from: { contentId: a.contentId, version: a.card.version },
    to: { contentId: b.contentId, version: b.card.version },
    keyed: Boolean(deps.keyOf),
    rows: { ...rows, unchanged: rows.unchanged + sharedRows },
    schema: diffSchema(a.card.schema, b.card.schema),
    chunks: { shared: shared.length, from: aData.length, to: bData.length },
    bytes: { shared: sum(shared), from: sum(aData), to: sum(bData) },
  };
}

async function diffRows(aFiles: ReleaseFileRef[], bFiles: ReleaseFileRef[], a: VerifiedRelease, deps: DiffDeps) {
  const format = a.card.format === 'parquet' ? 'parquet' : 'jsonl.gz';
  const keyOf = deps.keyOf ?? ((record: unknown) => JSON.stringify(record));
  const before = new Map<string, string>();
  for (const file of aFiles) {
    for (const record of await readChunk(await deps.fetch(file), format)) before.set(keyOf(record), JSON.stringify(record));
  }
  const counts = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const file of bFiles) {
    for (const record of await readChunk(await deps.fetch(file), format)) {
      const key = keyOf(record);
      const old = before.get(key);
      if (old === undefined) counts.added++;
      else counts[old === JSON.stringify(record) ? 'unchanged' : 'changed']++;
      before.delete(key);
    }
  }
  counts.removed = before.size;
  return counts;
}

function diffSchema(a: Record<string, unknown>, b: Record<string, unknown>) {
  const props = (s: Record<string, unknown>) => (s.properties ?? {}) as Record<string, unknown>;
  const [pa, pb] = [props(a), props(b)];
  return {
    added: Object.keys(pb).filter((k) => !(k in pa)),
    removed: Object.keys(pa).filter((k) => !(k in pb)),
    changed: Object.keys(pa).filter((k) => k in pb && JSON.stringify(pa[k]) !== JSON.stringify(pb[k])),
  };
}

function sum(files: ReleaseFileRef[]): number {
  return files.reduce((n, f) => n + f.bytes, 0);
}
