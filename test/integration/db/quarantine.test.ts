// Quarantine rows on both dialects: written by the batch writer, read back exactly (raw bytes
// byte for byte, NUL bytes included), counted by reason, listed in order with filters; a
// batch of 20,000 rows (over Postgres's 65,535 parameters per statement as one insert).
import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../src/db/quarantine-repo.js';
import { describeDatabases, type Connection } from '../../helpers/databases.js';

function entry(line: number | null, over: Partial<QuarantineEntry> = {}): QuarantineEntry {
  return { runId: 'r1', pipeline: 'p', source: 's', location: `f.csv:${line}`, line, raw: `raw ${line}`, reason: 'schema', message: `bad ${line}`, ...over };
}

async function quarantine(c: Connection, entries: QuarantineEntry[], runId = 'r1') {
  await c.records.writer('d', runId).write([], () => entries);
}

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

describeDatabases('QuarantineRepo', (db, dialect) => {
  async function started(runs: string[] = ['r1']) {
    const c = db();
    for (const runId of runs) await c.runs.start({ runId, pipeline: 'p', dataset: 'd', startedAt: new Date(0).toISOString() });
    return c;
  }

  it('round-trips raw bytes byte for byte: NUL bytes, invalid UTF-8, every byte value, empty', async () => {
    const c = await started();
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const samples = [
      Buffer.from([0x61, 0x00, 0x62, 0x00, 0x00]), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x00, 0xe2, 0x82]), every, new Uint8Array(0),
      // A view into a larger buffer: only its own bytes are stored.
      new Uint8Array(Buffer.from('xxHELLOxx').buffer, Buffer.from('xxHELLOxx').byteOffset + 2, 5),
    ];
    await quarantine(c, samples.map((rawBytes, i) => entry(i, { raw: `\uFFFD line ${i}`, rawBytes, reason: 'invalid_utf8' })));
    const rows = await c.quarantine.list({ runId: 'r1' });
    expect(rows.map((r) => hex(r.rawBytes))).toEqual(samples.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('hex')));
    expect(hex(rows[4]!.rawBytes)).toBe(Buffer.from('HELLO').toString('hex'));
    expect(rows.map((r) => r.raw)).toEqual(samples.map((_, i) => `\uFFFD line ${i}`));
  });

  it('keeps a line holding U+0000 on both dialects: its text with U+FFFD, its exact bytes in rawBytes', async () => {
    const c = await started();
    const raw = 'id,name\u0000,x\u0000';
    await quarantine(c, [entry(1, { raw, message: `bad value "\u0000"` }), entry(2, { raw: '\u0000', rawBytes: Buffer.from([0xff, 0x00]) })]);
    const [first, second] = await c.quarantine.list({ runId: 'r1' });
    expect(first).toMatchObject({ raw: 'id,name\uFFFD,x\uFFFD', message: 'bad value "\uFFFD"' });
    expect(hex(first!.rawBytes)).toBe(Buffer.from(raw, 'utf8').toString('hex'));
    // Bytes the source gave are kept as given.
    expect(hex(second!.rawBytes)).toBe('ff00');
  });

  it('returns every field as written, rawBytes absent when there were none, ids in insertion order', async () => {
    const c = await started();
    const long = 'é'.repeat(100_000);
    await quarantine(c, [entry(7), entry(null, { raw: long, location: 'https://x/y?z=1', reason: 'record_too_large', message: "it's \"quoted\"" })]);
    const rows = await c.quarantine.list({ runId: 'r1' });
    expect(rows.map(({ id: _id, ...r }) => r)).toEqual([
      { ...entry(7), rawBytes: undefined },
      { ...entry(null, { raw: long, location: 'https://x/y?z=1', reason: 'record_too_large', message: "it's \"quoted\"" }), rawBytes: undefined },
    ]);
    expect(typeof rows[0]!.id).toBe('number');
    expect(rows[1]!.id).toBeGreaterThan(rows[0]!.id);
  });

  it('counts by reason and lists by run, reason and limit', async () => {
    const c = await started(['r1', 'r2']);
    await quarantine(c, [entry(1), entry(2, { reason: 'bad_key' }), entry(3), entry(4, { reason: 'conflict' })]);
    await quarantine(c, [entry(1, { runId: 'r2', reason: 'conflict' })], 'r2');
    expect(await c.quarantine.countsByReason('r1')).toEqual({ bad_key: 1, conflict: 1, schema: 2 });
    expect(Object.keys(await c.quarantine.countsByReason('r1'))).toEqual(['bad_key', 'conflict', 'schema']);
    expect(await c.quarantine.countsByReason('r2')).toEqual({ conflict: 1 });
    expect(await c.quarantine.countsByReason('none')).toEqual({});
    expect((await c.quarantine.list({ runId: 'r1', reason: 'schema' })).map((r) => r.line)).toEqual([1, 3]);
    expect((await c.quarantine.list({ runId: 'r1', limit: 2 })).map((r) => r.line)).toEqual([1, 2]);
    expect(await c.quarantine.list({ runId: 'r1', reason: 'nope' })).toEqual([]);
  });

  it('writes a batch of 20,000 rows in one transaction, over the parameter limit of one statement', async () => {
    const c = await started();
    const bytes = crypto.randomBytes(16);
    const entries = Array.from({ length: 20_000 }, (_, i) => entry(i + 1, { rawBytes: i % 1000 === 0 ? bytes : undefined }));
    const started_ = Date.now();
    await quarantine(c, entries);
    const elapsed = Date.now() - started_;
    expect(await c.quarantine.countsByReason('r1')).toEqual({ schema: 20_000 });
    const rows = await c.quarantine.list({ runId: 'r1', limit: 20_000 });
    expect(rows.map((r) => r.line)).toEqual(entries.map((e) => e.line));
    expect(rows.filter((r) => r.rawBytes).map((r) => hex(r.rawBytes))).toEqual(Array(20).fill(bytes.toString('hex')));
    // A few hundred ms on a busy 2-core machine; minutes would mean a statement per row.
    expect(elapsed, `${dialect}: ${elapsed} ms`).toBeLessThan(20_000);
  });

  it('rolls the 20,000 rows back with their batch when a later row is refused', async () => {
    const c = await started();
    const entries = Array.from({ length: 20_000 }, (_, i) => entry(i + 1));
    entries.push(entry(0, { runId: 'no-such-run' }));
    await expect(quarantine(c, entries)).rejects.toThrow();
    expect(await c.quarantine.countsByReason('r1')).toEqual({});
  });
});
