// A dry run on a shared Postgres copies its pipeline's rows into a scratch SQLite file
// (pipeline-copy.ts): every row of the scope exactly once, byte-equal, across page edges of
// composite keys, in the bytewise key order both dialects share; nothing outside the scope;
// and the source is never written (its transaction is read-only).
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { copyPipelineRows, type CopyScope } from '../../src/db/pipeline-copy.js';
import { describePostgres, freshDatabase, type TestPostgres } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';
import path from 'node:path';

const SCOPE: CopyScope = { pipeline: 'p', dataset: 'd', network: 'net', names: ['d', 'm'], owner: 'me' };

// Keys that sort differently by locale than bytewise, an empty key, astral characters.
const KEYS = ['', 'B', 'a', 'b', 'é', 'e', 'Z', '\u{1F600}', 'a b', 'a\tb', ...Array.from({ length: 23 }, (_, i) => `k${i}`)];

async function seed(database: Database): Promise<void> {
  const db = database.db;
  const now = new Date(0).toISOString();
  const record = (dataset: string, key: string) => ({
    dataset, key, hash: `h${key}`, data: JSON.stringify({ key }), origin: 'o', created_run: 'r', changed_run: 'r', seen_run: 'r', source: 's',
  });
  await db.insertInto('records').values([...KEYS.map((k) => record('d', k)), record('other', 'x')]).execute();
  await db.insertInto('source_state').values([
    { pipeline: 'p', source: 'a', state: '{"cursor":1}', run_id: 'r', updated_at: now },
    { pipeline: 'q', source: 'a', state: '{}', run_id: 'r', updated_at: now },
  ]).execute();
  const release = (network: string, name: string, version: number) => ({
    network, name, version, kind: 'dataset' as const, state: 'committed' as const, content_id: `c-${name}-${version}`, digest: 'sha256:x',
    parent: null, owner: 'me', run_id: 'r', rows: 1, bytes: 5_000_000_000, card: Buffer.from([0, 255, 1, version]), files: '[]', created_at: now,
    committed_at: now,
  });
  await db.insertInto('releases').values([
    ...[1, 2, 3, 4, 5].flatMap((v) => [release('net', 'd', v), release('net', 'm', v)]), release('other-net', 'd', 1), release('net', 'x', 1),
  ]).execute();
  const upload = (owner: string, sha256: string) => ({
    owner, sha256, size: 3_000_000_000, kind: 'chunk', state: 'posted' as const, item_id: `i${sha256}`, header: Buffer.alloc(40, sha256.length),
    attempts: 0, created_at: now, updated_at: now, rows_key: null,
  });
  await db.insertInto('uploads').values([...KEYS.slice(1).map((k) => upload('me', `s${k}`)), upload('someone', 'sx')]).execute();
  const spend = (owner: string, sha256: string, pipeline: string) => ({
    owner, sha256, item_id: 'i', kind: 'chunk', run_id: 'r', pipeline, network: 'net', name: 'd', version: 1, item_bytes: 10, winston: '12345678901234567890', created_at: now,
  });
  await db.insertInto('spend').values([
    ...['o1', 'o2', 'o3'].flatMap((o) => ['a', 'b', 'c', 'd'].map((s) => spend(o, s, 'p'))), spend('o1', 'z', 'q'),
  ]).execute();
}

const TABLES = ['records', 'source_state', 'releases', 'uploads', 'spend'] as const;

/** Every row of the copied tables, as comparable JSON (bytes as hex), sorted. */
async function dump(database: Database, filter: (table: string, row: Record<string, unknown>) => boolean = () => true): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = (await database.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    out[table] = rows.filter((r) => filter(table, r))
      .map((r) => JSON.stringify(r, (_k, v) => (v && typeof v === 'object' && 'type' in v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)))
      .sort();
  }
  return out;
}

function inScope(table: string, r: Record<string, unknown>): boolean {
  if (table === 'records') return r.dataset === 'd';
  if (table === 'source_state' || table === 'spend') return r.pipeline === 'p';
  if (table === 'releases') return r.network === 'net' && (r.name === 'd' || r.name === 'm');
  return r.owner === 'me';
}

async function copiesExactly(source: Database): Promise<void> {
  const expected = await dump(source, inScope);
  // Page sizes below, at and above the tables' sizes, so page edges fall everywhere.
  for (const pageRows of [1, 2, 3, 7, 12, 33, 500]) {
    const target = await openDatabase(path.join(tmpDir(), 'scratch.db'));
    try {
      const counts = await copyPipelineRows(source, target, SCOPE, pageRows);
      expect(counts).toEqual({ records: KEYS.length, source_state: 1, releases: 10, uploads: KEYS.length - 1, spend: 12 });
      expect(await dump(target)).toEqual(expected);
      const keys = (await target.db.selectFrom('records').select('key').orderBy('key').execute()).map((r) => r.key);
      expect(keys).toEqual([...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    } finally {
      await target.close();
    }
  }
}

describe('copyPipelineRows from a SQLite database', () => {
  it('copies every row of the scope once, byte for byte, and nothing else', async () => {
    const source = await openDatabase(path.join(tmpDir(), 'home.db'));
    try {
      await seed(source);
      await copiesExactly(source);
    } finally {
      await source.close();
    }
  });
});

describePostgres('copyPipelineRows from a shared PostgreSQL database', (pg) => {
  async function migrated(server: TestPostgres, name: string): Promise<Database> {
    return openDatabase({ dialect: 'postgres', url: await freshDatabase(server, name) }, { migrate: true });
  }

  it('copies every row of the scope once, byte for byte (bytea, bigint), in bytewise key order, and nothing else', async () => {
    const source = await migrated(pg(), 'copy_exact');
    try {
      await seed(source);
      await copiesExactly(source);
    } finally {
      await source.close();
    }
  });

  it('a target failing mid-copy rolls back and leaves the source as it was', async () => {
    const source = await migrated(pg(), 'copy_failing');
    try {
      await seed(source);
      const before = await dump(source);
      const target = await openDatabase(path.join(tmpDir(), 'scratch.db'));
      // A row already in the target: the copy fails on it, after the first pages went through.
      await target.db.insertInto('uploads').values({
        owner: 'me', sha256: `s${KEYS[5]}`, size: 1, kind: 'chunk', state: 'planned', attempts: 0, created_at: '', updated_at: '', rows_key: null,
      }).execute();
      try {
        await expect(copyPipelineRows(source, target, SCOPE, 2)).rejects.toThrow(/UNIQUE|constraint/i);
        // The target's transaction rolled back: nothing half-copied stays.
        expect(await target.db.selectFrom('records').selectAll().execute()).toEqual([]);
      } finally {
        await target.close();
      }
      expect(await dump(source)).toEqual(before);
    } finally {
      await source.close();
    }
  });
});
