// The upload ledger, attestations and spend on both dialects, through the existing API
// (uploads-repo.ts is lane B's): a file's row from planned to posted with what was paid for
// it in the same transaction, sizes past 2^31 exact, signed headers and attestations byte
// for byte, winston sums past 2^64 exact, months in UTC.
import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import type { SpendEntry } from '../../../src/db/spend-repo.js';
import { describeDatabases } from '../../helpers/databases.js';

const t0 = new Date('2026-01-31T23:59:59.999Z');
const spendOf = (over: Partial<SpendEntry> = {}): SpendEntry => ({
  runId: 'run-1', pipeline: 'p', network: 'net', name: 'ds', version: 1, itemBytes: 1000, winston: 5n, ...over,
});
const hex = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : bytes);

describeDatabases('UploadsRepo', (db) => {
  it('records a file once (begin keeps an earlier state), sizes past 2^31 exact', async () => {
    const { uploads } = db();
    const size = 5 * 2 ** 30 + 1;
    const first = await uploads.begin({ owner: 'w', sha256: 'aa', size, kind: 'checkpoint' }, t0);
    expect(first).toMatchObject({ owner: 'w', sha256: 'aa', size, kind: 'checkpoint', state: 'planned', attempts: 0, rows_key: null, created_at: t0.toISOString() });
    expect(typeof first.size).toBe('number');
    await uploads.update('w', 'aa', { state: 'signed', item_id: 'item-1' }, new Date(t0.getTime() + 1));
    const again = await uploads.begin({ owner: 'w', sha256: 'aa', size: 1, kind: 'chunk' }, new Date(t0.getTime() + 2));
    expect(again).toMatchObject({ state: 'signed', item_id: 'item-1', size, kind: 'checkpoint', updated_at: '2026-02-01T00:00:00.000Z' });
    expect(await uploads.get('other-wallet', 'aa')).toBeUndefined();
  });

  it('keeps the signed header byte for byte, and counts attempts with the last error', async () => {
    const { uploads } = db();
    const header = crypto.randomBytes(4096);
    header[10] = 0;
    await uploads.begin({ owner: 'w', sha256: 'aa', size: 1, kind: 'chunk' }, t0);
    await uploads.update('w', 'aa', { header: new Uint8Array(header.buffer, header.byteOffset, header.byteLength), upload_id: 'up-1' }, t0);
    await uploads.countAttempt('w', 'aa', 'ECONNRESET', t0);
    await uploads.countAttempt('w', 'aa', null, t0);
    const got = (await uploads.get('w', 'aa'))!;
    expect(hex(got.header)).toBe(header.toString('hex'));
    expect(got).toMatchObject({ attempts: 2, last_error: null, upload_id: 'up-1' });
    await uploads.update('w', 'aa', { header: null }, t0);
    expect((await uploads.get('w', 'aa'))!.header).toBeNull();
  });

  it('marks an item posted and records its spend in one transaction; a re-post is not counted twice', async () => {
    const c = db();
    await c.uploads.begin({ owner: 'w', sha256: 'aa', size: 10, kind: 'chunk' }, t0);
    await c.uploads.update('w', 'aa', { last_error: 'timeout' }, t0);
    await c.uploads.recordPosted('w', 'aa', { item_id: 'item-a', receipt: '{"id":"item-a"}', rows_key: 'rk ct' }, t0, spendOf({ winston: 7n }));
    expect(await c.uploads.get('w', 'aa')).toMatchObject({ state: 'posted', item_id: 'item-a', receipt: '{"id":"item-a"}', rows_key: 'rk ct', last_error: null });
    await c.uploads.recordPosted('w', 'aa', { item_id: 'item-a', receipt: 'r2' }, t0, spendOf({ runId: 'run-2', winston: 1000n }));
    expect(await c.spend.ofRun('run-1')).toBe(7n);
    expect(await c.spend.ofRun('run-2')).toBe(0n);
    const rows = await c.database.db.selectFrom('spend').selectAll().execute();
    expect(rows).toEqual([expect.objectContaining({ owner: 'w', sha256: 'aa', item_id: 'item-a', kind: 'chunk', run_id: 'run-1', winston: '7' })]);
  });

  it('finds an archived chunk by its rows key, the earliest recorded; only posted or confirmed ones with an item', async () => {
    const { uploads } = db();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    await uploads.begin({ owner: 'w', sha256: 'planned', size: 1, kind: 'chunk', rows_key: 'rk' }, at(0));
    await uploads.begin({ owner: 'w', sha256: 'later', size: 1, kind: 'chunk', rows_key: 'rk' }, at(2));
    await uploads.begin({ owner: 'w', sha256: 'earlier', size: 1, kind: 'chunk', rows_key: 'rk' }, at(1));
    expect(await uploads.byRows('w', 'rk')).toBeUndefined();
    await uploads.recordPosted('w', 'later', { item_id: 'i-later', receipt: 'r' }, at(3));
    await uploads.recordPosted('w', 'earlier', { item_id: 'i-earlier', receipt: 'r' }, at(4));
    expect((await uploads.byRows('w', 'rk'))!.sha256).toBe('earlier');
    expect(await uploads.byRows('other', 'rk')).toBeUndefined();
    expect((await uploads.posted('w')).map((u) => u.sha256)).toEqual(['earlier', 'later']);
  });

  it('records an attestation once, byte for byte, and marks it posted', async () => {
    const { uploads } = db();
    const raw = crypto.randomBytes(1500);
    await uploads.recordAttestation({ owner: 'w', itemId: 'i1', attestationId: 'att-1', raw, state: 'signed' }, t0);
    await uploads.recordAttestation({ owner: 'w', itemId: 'i1', attestationId: 'att-other', raw: null, state: 'posted' }, t0);
    await uploads.recordAttestation({ owner: 'w', itemId: 'i2', attestationId: 'att-2', raw: null, state: 'posted' }, t0);
    const [first, second] = (await uploads.attestations('w', ['i1', 'i2', 'i3'])).sort((a, b) => a.item_id.localeCompare(b.item_id));
    expect(first).toMatchObject({ attestation_id: 'att-1', state: 'signed', created_at: t0.toISOString() });
    expect(hex(first!.raw)).toBe(raw.toString('hex'));
    expect(second).toMatchObject({ attestation_id: 'att-2', raw: null });
    await uploads.attestationPosted('w', 'i1');
    expect((await uploads.attestations('w', ['i1']))[0]!.state).toBe('posted');
    expect(await uploads.attestations('w', [])).toEqual([]);
    expect(await uploads.attestations('someone-else', ['i1'])).toEqual([]);
  });
});

describeDatabases('SpendRepo', (db) => {
  async function posted(sha256: string, at: Date, spend: SpendEntry) {
    const { uploads } = db();
    await uploads.begin({ owner: 'w', sha256, size: 1, kind: 'chunk' }, at);
    await uploads.recordPosted('w', sha256, { item_id: `i-${sha256}`, receipt: 'r' }, at, spend);
  }

  it('sums winston past 2^64 exactly, per run and per pipeline and time range', async () => {
    const huge = 2n ** 70n + 3n;
    await posted('a', t0, spendOf({ winston: huge }));
    await posted('b', t0, spendOf({ winston: huge }));
    await posted('c', new Date('2026-02-01T00:00:00Z'), spendOf({ runId: 'run-2', winston: 1n }));
    await posted('d', t0, spendOf({ runId: 'run-3', pipeline: 'q', winston: 4n }));
    const { spend } = db();
    expect(await spend.ofRun('run-1')).toBe(2n * huge);
    expect(await spend.ofRuns(['run-1', 'run-2', 'none'])).toEqual(new Map([['run-1', 2n * huge], ['run-2', 1n]]));
    expect(await spend.ofRuns([])).toEqual(new Map());
    // [from, to): January holds a and b (23:59:59.999), not c (February's first instant).
    expect(await spend.ofPipeline('p', new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toBe(2n * huge);
    expect(await spend.ofPipeline('p', new Date('2026-02-01T00:00:00Z'), new Date('2026-03-01T00:00:00Z'))).toBe(1n);
  });

  it('totals by UTC month and pipeline, oldest month first, counting runs, items and bytes past 2^31', async () => {
    await posted('a', t0, spendOf({ itemBytes: 2 ** 31 + 1, winston: 10n }));
    await posted('b', t0, spendOf({ runId: 'run-2', itemBytes: 2 ** 31, winston: 20n }));
    await posted('c', new Date('2026-02-01T00:00:00Z'), spendOf({ winston: 1n }));
    await posted('d', t0, spendOf({ pipeline: 'other', winston: 2n }));
    await posted('e', t0, spendOf({ pipeline: 'Zeta', winston: 3n }));
    const { spend } = db();
    // Pipelines in code-point order within a month, whatever the machine's locale.
    expect(await spend.byMonth()).toEqual([
      { pipeline: 'Zeta', month: '2026-01', runs: 1, items: 1, itemBytes: 1000, winston: 3n },
      { pipeline: 'other', month: '2026-01', runs: 1, items: 1, itemBytes: 1000, winston: 2n },
      { pipeline: 'p', month: '2026-01', runs: 2, items: 2, itemBytes: 2 ** 32 + 1, winston: 30n },
      { pipeline: 'p', month: '2026-02', runs: 1, items: 1, itemBytes: 1000, winston: 1n },
    ]);
    expect(await spend.byMonth({ pipeline: 'p', since: new Date('2026-02-01T00:00:00Z') })).toEqual([
      { pipeline: 'p', month: '2026-02', runs: 1, items: 1, itemBytes: 1000, winston: 1n },
    ]);
  });
});
