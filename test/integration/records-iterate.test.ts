// Two runs share one connection in `arkive schedule`: one snapshots its dataset (reading the
// records while it awaits chunk writes) while the other loads and records its progress. The
// reader must never hold a statement open across an await.
import { describe, expect, it } from 'vitest';
import { writeSnapshot } from '../../src/snapshot/snapshot.js';
import { withStore } from '../helpers/run.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import type { Store } from '../../src/system.js';
import type { RecordOp } from '../../src/db/records-repo.js';

async function load(store: Store, dataset: string, keys: string[], runId: string): Promise<void> {
  const ops = keys.map((key): RecordOp => ({ op: 'put', key, hash: `h-${key}`, data: JSON.stringify({ key, text: 'x'.repeat(200) }), origin: 'test', source: '' }));
  await store.records.writer(dataset, runId).write(ops, () => []);
}

const keysOf = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

describe('RecordsRepo.iterate on a shared connection', () => {
  it('lets other queries and writes run on the connection between the rows it yields', async () => {
    await withStore({ cwd: repoRoot, home: tmpDir() }, async (store) => {
      // An empty key and non-ASCII keys sort by SQLite's BINARY order, across page edges.
      const keys = ['', ...keysOf(2999), 'é', 'z'];
      await load(store, 'a', keys, 'run-a');
      const seen: string[] = [];
      let i = 0;
      for await (const row of store.records.iterate('a', 100)) {
        seen.push(row.key);
        if (i++ % 97 === 0) {
          // What the other pipeline's run does meanwhile: kysely queries and a load batch.
          await store.runs.start({ runId: `run-b-${i}`, pipeline: 'b', dataset: 'b', startedAt: new Date().toISOString() });
          await load(store, 'b', [`b${i}`], `run-b-${i}`);
          expect(await store.records.count('b')).toBeGreaterThan(0);
        }
      }
      expect(seen).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    });
  });

  it('snapshots a multi-chunk dataset while another dataset loads on the same connection', async () => {
    await withStore({ cwd: repoRoot, home: tmpDir() }, async (store) => {
      await load(store, 'a', keysOf(4000), 'run-a');
      let stop = false;
      // The other run: a load batch and a kysely query on every turn of the event loop.
      const other = (async () => {
        let n = 0;
        while (!stop) {
          await load(store, 'b', [`b${n++}`], 'run-b');
          await store.records.count('b');
          await new Promise((resolve) => setImmediate(resolve));
        }
        return n;
      })();
      const snapshot = await writeSnapshot({ rows: store.records.iterate('a'), dir: tmpDir(), targetChunkBytes: 16 * 1024 });
      stop = true;
      expect(await other).toBeGreaterThan(10);
      expect(snapshot.rows).toBe(4000);
      expect(snapshot.chunks.length).toBeGreaterThan(10);
    });
  });
});
