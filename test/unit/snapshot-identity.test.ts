// Identity is over the canonical rows (DESIGN.md, Identity): the same rows compressed by
// another deflate implementation or level, or cut at other chunk sizes, keep the dataset
// digest and each chunk's rows sha256 and file name; only the stored bytes' sha256 changes.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildCard } from '../../src/snapshot/card.js';
import { canonicalRow, rowsSha256 } from '../../src/snapshot/canonical-rows.js';
import type { SnapshotRow } from '../../src/snapshot/chunker.js';
import { sha256Hex } from '../../src/snapshot/snapshot-writer.js';
import { writeSnapshot, type Snapshot, type SnapshotCompression } from '../../src/snapshot/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeRows } from './snapshot-rows.js';

// pako: a pure-JS deflate (in node_modules through js-git), i.e. another implementation than zlib.
const pako = createRequire(import.meta.url)('pako') as { gzip(data: Uint8Array, options?: { level?: number }): Uint8Array };

const rows = makeRows(1500);
const write = (compression?: SnapshotCompression, format: 'jsonl.gz' | 'parquet' = 'jsonl.gz', target = 16_384, given = rows) =>
  writeSnapshot({ rows: given, dir: tmpDir(), format, targetChunkBytes: target, compression });
const identity = (s: Snapshot) => ({ digest: s.digest, rows: s.rows, chunks: s.chunks.map(({ path, rowsSha256: r, rows: n, firstKey, lastKey }) => ({ path, r, n, firstKey, lastKey })) });

const GZIPS: [string, SnapshotCompression][] = [
  ['zlib level 1', { gzip: (raw) => zlib.gzipSync(raw, { level: 1 }) }],
  ['zlib level 9, huffman only', { gzip: (raw) => zlib.gzipSync(raw, { level: 9, strategy: zlib.constants.Z_HUFFMAN_ONLY }) }],
  ['pako (pure JS) level 9', { gzip: (raw) => pako.gzip(raw, { level: 9 }) }],
];

describe('a snapshot\'s identity', () => {
  it.each(GZIPS)('does not depend on the compressor: %s gives other bytes, the same digest and chunk names', async (_, compression) => {
    const pinned = await write();
    const other = await write(compression);
    expect(identity(other)).toEqual(identity(pinned));
    expect(other.chunks.map((c) => c.sha256)).not.toEqual(pinned.chunks.map((c) => c.sha256));
    for (const [i, chunk] of other.chunks.entries()) expect(chunk.path).toBe(`data/${pinned.chunks[i]!.rowsSha256}.jsonl.gz`);
  });

  it('does not depend on the Parquet codec, and Parquet and JSON Lines of the same rows share it', async () => {
    const snappy = await write(undefined, 'parquet');
    const plain = await write({ parquetCodec: 'UNCOMPRESSED' }, 'parquet');
    expect(plain.chunks.map((c) => c.sha256)).not.toEqual(snappy.chunks.map((c) => c.sha256));
    expect(identity(plain)).toEqual(identity(snappy));
    expect(snappy.digest).toBe((await write()).digest);
  });

  it('does not depend on the chunk layout, and is the sha256 of all canonical rows', async () => {
    const small = await write(undefined, 'jsonl.gz', 4096);
    const large = await write(undefined, 'jsonl.gz', 65_536);
    expect(small.chunks.length).toBeGreaterThan(large.chunks.length);
    expect(small.digest).toBe(large.digest);
    expect(small.digest).toBe(`sha256:${sha256Hex(Buffer.from(rows.map(canonicalRow).join('')))}`);
  });

  it('does not depend on the order of a record\'s fields, but changes with any value', async () => {
    const a: SnapshotRow[] = [{ key: 'a', data: '{"x":1,"y":{"b":[1,2],"a":"é"}}' }];
    const b: SnapshotRow[] = [{ key: 'a', data: '{ "y": {"a": "\\u00e9", "b": [1, 2]}, "x": 1.0 }' }];
    const c: SnapshotRow[] = [{ key: 'a', data: '{"x":1,"y":{"b":[2,1],"a":"é"}}' }];
    expect(rowsSha256(b)).toBe(rowsSha256(a));
    expect(rowsSha256(c)).not.toBe(rowsSha256(a));
    const [sa, sc] = [await write(undefined, 'jsonl.gz', 16_384, a), await write(undefined, 'jsonl.gz', 16_384, c)];
    expect(sc.digest).not.toBe(sa.digest);
  });

  it('is the card\'s digest, and the card lists each chunk\'s rows sha256 beside its stored sha256', async () => {
    const snapshot = await write();
    const card = buildCard({
      name: 'people', kind: 'dataset', version: 1, parent: null, pipeline: 'people', runId: 'r1', schema: {},
      format: 'jsonl.gz', chunks: snapshot.chunks, digest: snapshot.digest,
    });
    expect(card.digest).toBe(snapshot.digest);
    expect(card.chunks[0]).toEqual({ ...snapshot.chunks[0] });
    expect(card.chunks.every((c) => c.rowsSha256 && c.sha256 !== c.rowsSha256)).toBe(true);
  });
});
