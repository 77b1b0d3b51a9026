import { describe, expect, it } from 'vitest';
import { chunkBounds, chunkRows, compareKeys, type ChunkOptions, type ChunkRows, type SnapshotRow } from '../../src/snapshot/chunker.js';
import { writeSnapshot, type ChunkInfo, type Snapshot } from '../../src/snapshot/snapshot.js';
import { Random } from '../../fixtures/gen/random.js';
import { tmpDir } from '../helpers/tmp.js';
import { edited, keyOf, makeRows, sample } from './snapshot-rows.js';

const SMALL = { targetChunkBytes: 4096 };

async function chunksOf(rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>, options: ChunkOptions = SMALL): Promise<ChunkRows[]> {
  const chunks: ChunkRows[] = [];
  for await (const chunk of chunkRows(rows, options)) chunks.push(chunk);
  return chunks;
}

async function snapshot(rows: SnapshotRow[]): Promise<Snapshot> {
  return writeSnapshot({ rows, dir: tmpDir('arkive-snap-'), ...SMALL });
}

/** The chunks of `after` whose content is not among the chunks of `before`. */
function newChunks(before: Snapshot, after: Snapshot): ChunkInfo[] {
  const known = new Set(before.chunks.map((c) => c.sha256));
  return after.chunks.filter((c) => !known.has(c.sha256));
}

function contains(chunk: ChunkInfo, key: string): boolean {
  return compareKeys(chunk.firstKey, key) <= 0 && compareKeys(key, chunk.lastKey) <= 0;
}

describe('chunkRows', () => {
  it('yields nothing for no rows', async () => {
    expect(await chunksOf([])).toEqual([]);
  });

  it('keeps every row, in order, and cuts 5,000 rows into many chunks near the target size', async () => {
    const rows = makeRows(5000);
    const chunks = await chunksOf(rows);
    expect(chunks.flatMap((c) => c.rows)).toEqual(rows);
    expect(chunks.length).toBeGreaterThan(100);
    const total = rows.reduce((sum, r) => sum + Buffer.byteLength(r.data) + 1, 0);
    expect(chunks.reduce((sum, c) => sum + c.bytes, 0)).toBe(total);
    const mean = total / chunks.length;
    expect(mean).toBeGreaterThan(4096 * 0.7);
    expect(mean).toBeLessThan(4096 * 1.3);
    for (const c of chunks) {
      expect(c.firstKey).toBe(c.rows[0]!.key);
      expect(c.lastKey).toBe(c.rows.at(-1)!.key);
    }
  });

  it('respects the minimum and maximum sizes', async () => {
    const bounds = { targetChunkBytes: 4096, minChunkBytes: 2048, maxChunkBytes: 5000 };
    const chunks = await chunksOf(makeRows(5000), bounds);
    const forced = chunks.slice(0, -1).filter((c) => c.bytes < 2048);
    expect(forced).toEqual([]);
    expect(Math.max(...chunks.map((c) => c.bytes))).toBeLessThanOrEqual(5000);
    // With max this close to target, some cuts must have been forced by the maximum.
    expect(chunks.filter((c) => c.bytes > 5000 - 600).length).toBeGreaterThan(0);
  });

  it('puts a row larger than the maximum in a chunk of its own', async () => {
    const rows = makeRows(40);
    const big = { key: `${rows[19]!.key}x`, data: JSON.stringify({ blob: 'x'.repeat(20_000) }) };
    rows.splice(20, 0, big);
    const chunks = await chunksOf(rows);
    expect(chunks.find((c) => c.rows.some((r) => r.key === big.key))!.rows).toEqual([big]);
  });

  it('accepts an async iterable', async () => {
    const rows = makeRows(300);
    async function* stream() { yield* rows; }
    expect((await chunksOf(stream())).flatMap((c) => c.rows)).toEqual(rows);
  });

  it('refuses rows out of key order, naming both keys', async () => {
    const rows = makeRows(10);
    [rows[3], rows[4]] = [rows[4]!, rows[3]!];
    await expect(chunksOf(rows)).rejects.toMatchObject({
      code: 'SNAPSHOT_KEY_ORDER',
      message: expect.stringContaining(`key "${keyOf(4)}" comes after "${keyOf(5)}"`),
    });
  });

  it('refuses a repeated key', async () => {
    const rows = makeRows(3);
    await expect(chunksOf([...rows, rows[2]!])).rejects.toMatchObject({
      code: 'SNAPSHOT_KEY_ORDER', message: expect.stringContaining(`"${keyOf(3)}" appears twice`),
    });
  });

  it('orders keys by UTF-8 bytes, as SQLite does', () => {
    // U+FF5E sorts before U+1F642 in UTF-8 (EF… < F0…) but after it in UTF-16 (FF5E > D83D).
    expect(compareKeys('a\uFF5E', 'a🙂')).toBeLessThan(0);
    expect(compareKeys('a', 'b')).toBeLessThan(0);
    expect(compareKeys('b', 'b')).toBe(0);
  });

  it('refuses impossible sizes', () => {
    expect(() => chunkBounds({ targetChunkBytes: 100, minChunkBytes: 100 })).toThrow(/invalid chunk sizes/);
    expect(() => chunkBounds({ targetChunkBytes: 100, maxChunkBytes: 50 })).toThrow(/invalid chunk sizes/);
    expect(chunkBounds()).toEqual({ target: 1 << 20, min: 1 << 18, max: 1 << 22 });
  });
});

describe('chunk stability', () => {
  const base = makeRows(5000);

  it('appending 1% rows with later keys leaves every chunk but the last byte-identical', async () => {
    const before = await snapshot(base);
    const after = await snapshot([...base, ...makeRows(50, 2, 5001)]);
    expect(after.chunks.slice(0, before.chunks.length - 1)).toEqual(before.chunks.slice(0, -1));
    // What is new holds only the old last chunk's rows and the appended ones.
    const lastStart = before.chunks.at(-1)!.firstKey;
    expect(newChunks(before, after).every((c) => compareKeys(c.firstKey, lastStart) >= 0)).toBe(true);
  });

  /** Snapshots before and after editing 1% of the rows at random; which old chunks held an edit. */
  async function editOnePercent(edit: (row: SnapshotRow, rng: Random) => SnapshotRow) {
    const rng = new Random(7);
    const picked = sample(rng, base.length, 50);
    const rows = [...base];
    for (const i of picked) rows[i] = edit(rows[i]!, rng);
    const before = await snapshot(base);
    const after = await snapshot(rows);
    const held = before.chunks.map((c) => picked.some((i) => contains(c, base[i]!.key)));
    const kept = new Set(after.chunks.map((c) => c.sha256));
    return { edits: picked.length, before, after, held, kept };
  }

  it('editing 1% of rows at random changes only their chunks and, at most, the chunks after them', async () => {
    const { edits, before, after, held, kept } = await editOnePercent(edited);
    const changed = newChunks(before, after);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThanOrEqual(2 * edits);
    // A row that grows or shrinks moves where its chunk reaches the minimum size, so the cut
    // after it may move and the next chunk change; the one after that is back in step.
    const away = before.chunks.filter((_, i) => !held[i] && !held[i - 1]);
    expect(away.length).toBeGreaterThan(before.chunks.length / 3);
    expect(away.filter((c) => !kept.has(c.sha256))).toEqual([]);
  });

  it('editing rows without changing their size leaves every chunk that holds none of them identical', async () => {
    const sameSize = (row: SnapshotRow) => ({ key: row.key, data: row.data.replace(/"ok":(true|false)/, (m) => (m.endsWith('true') ? '"ok":1234' : '"ok":12345')) });
    const { before, after, held, kept } = await editOnePercent(sameSize);
    expect(after.rows).toBe(before.rows);
    const untouched = before.chunks.filter((_, i) => !held[i]);
    expect(untouched.length).toBeGreaterThan(before.chunks.length / 2);
    expect(untouched.filter((c) => !kept.has(c.sha256))).toEqual([]);
    expect(newChunks(before, after).length).toBe(held.filter(Boolean).length);
  });

  it('deleting a row changes only its chunk (and at most its neighbour)', async () => {
    const before = await snapshot(base);
    const victim = base[2500]!;
    const after = await snapshot(base.filter((r) => r !== victim));
    const gone = before.chunks.filter((c) => !after.chunks.some((a) => a.sha256 === c.sha256));
    expect(gone.length).toBeGreaterThanOrEqual(1);
    expect(gone.length).toBeLessThanOrEqual(2);
    expect(contains(gone[0]!, victim.key)).toBe(true);
    expect(newChunks(before, after).length).toBeLessThanOrEqual(2);
  });

  it('inserting a row at the front renames no later chunk', async () => {
    const before = await snapshot(base);
    const after = await snapshot([{ key: 'K0000000', data: '{"id":"K0000000"}' }, ...base]);
    // The first chunk changes (and, if its cut moved, the second); every later one keeps
    // its bytes and so its name, which does not depend on its position.
    expect(newChunks(before, after).length).toBeLessThanOrEqual(2);
    expect(after.chunks.slice(-(before.chunks.length - 2))).toEqual(before.chunks.slice(2));
  });
});
