// The run's side of incremental extraction, against a real SQLite home: a source reads
import { collect } from '../helpers/collect.js';
// what changed since the state the last committed run left; that state advances only when
// a run commits; records an incremental or unchanged source did not give stay; tombstones
// delete; `--full` reads everything again and removes what is gone. The source here is a
// small in-test extractor over a JSON "table" file with an updated_at column (the real sql
// source has its own tests against PostgreSQL and SQLite).
import { describe, expect, it } from 'vitest';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';

type Row = { id: string; text: string; at: number; gone?: boolean };

function tableProject(rows: Row[], extra = ''): string {
  const cwd = newProject();
  write(cwd, 'table.json', JSON.stringify(rows));
  write(cwd, 'notes.csv', 'id,text,at\nn1,a note,0\n');
  write(cwd, 'pipelines/items.ts', `
import fs from 'node:fs';
import path from 'node:path';
import { csv, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const table = {
  name: 'table',
  describe: () => 'table.json',
  deleted: (f) => f.gone === true,
  check: async () => ({}),
  async *open(ctx) {
    const after = typeof ctx.previous?.at === 'number' ? ctx.previous.at : null;
    const rows = JSON.parse(fs.readFileSync(path.join(ctx.cwd, 'table.json'), 'utf8'))
      .filter((r) => after === null || r.at > after).sort((a, b) => a.at - b.at);
    ctx.report({ mode: after === null ? 'full' : 'incremental' });
    if (ctx.env?.FAIL_AFTER_FIRST_BATCH === '1' && rows.length) {
      yield [{ line: 1, raw: JSON.stringify(rows[0]), fields: rows[0] }];
      throw new Error('the source broke off');
    }
    yield rows.map((r, i) => ({ line: i + 1, raw: JSON.stringify(r), fields: r }));
    if (rows.length) ctx.report({ mode: after === null ? 'full' : 'incremental', state: { at: rows.at(-1).at } });
  },
};
export default definePipeline({
  name: 'items',
  description: 'incremental test',
  sources: [table${extra}],
  schema: z.object({ id: z.string(), text: z.string().min(1) }),
  key: (r) => r.id,
  clean: (f) => ({ id: String(f.id), text: String(f.text ?? '') }),
});
`);
  return cwd;
}

const rows = (n: number, at = 1): Row[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, text: `row ${i}`, at: at + i }));

async function keys(opts: { cwd: string; home: string }): Promise<string[]> {
  return withStore(opts, async (store) => (await collect(store.records.iterate('items'))).map((r) => r.key));
}

describe('incremental sources', () => {
  it('reads only what changed since the committed cursor and keeps the records it did not see', async () => {
    const table = rows(20);
    const cwd = tableProject(table);
    const home = tmpDir();
    const first = await runPipeline('items', { cwd, home });
    expect(first.status).toBe('loaded');
    expect(first.sources).toEqual([expect.objectContaining({ name: 'table', mode: 'full', incremental: false, rows: 20, loaded: 20 })]);
    // 3 rows edited, 2 added: only those 5 are read; the other 17 stay.
    for (const r of table.slice(0, 3)) Object.assign(r, { text: `${r.text} edited`, at: 100 + Number(r.id.slice(1)) });
    table.push({ id: 'r20', text: 'new', at: 200 }, { id: 'r21', text: 'new too', at: 201 });
    write(cwd, 'table.json', JSON.stringify(table));
    const second = await runPipeline('items', { cwd, home });
    expect(second.sources[0]).toMatchObject({ mode: 'incremental', incremental: true, rows: 5, loaded: 5 });
    expect(second.rows).toMatchObject({ extracted: 5, changed: 5, removed: 0 });
    expect(await keys({ cwd, home })).toHaveLength(22);
    // Nothing changed: nothing read, nothing removed, and no NOTHING_LOADED refusal.
    const third = await runPipeline('items', { cwd, home });
    expect(third.status).toBe('unchanged');
    expect(third.sources[0]).toMatchObject({ mode: 'incremental', rows: 0 });
    expect(await keys({ cwd, home })).toHaveLength(22);
  });

  it('does not advance the cursor when the run fails, so the re-run reads the same range', async () => {
    const table = rows(10);
    const cwd = tableProject(table);
    const home = tmpDir();
    await runPipeline('items', { cwd, home });
    table.push(...rows(4, 50).map((r) => ({ ...r, id: `n${r.id}` })));
    write(cwd, 'table.json', JSON.stringify(table));
    const failed = await runPipeline('items', { cwd, home, env: { FAIL_AFTER_FIRST_BATCH: '1' } });
    expect(failed.status).toBe('failed');
    const stored = await withStore({ cwd, home }, async (store) => store.sourceStates.get('items'));
    expect(stored.get('table')).toEqual({ at: 10 });
    const again = await runPipeline('items', { cwd, home });
    expect(again.status).toBe('loaded');
    expect(again.sources[0]).toMatchObject({ mode: 'incremental', rows: 4 });
    expect((await withStore({ cwd, home }, async (store) => store.sourceStates.get('items'))).get('table')).toEqual({ at: 53 });
  });

  it('removes the record of a tombstone row, and --full removes what the source no longer has', async () => {
    const table = rows(6);
    const cwd = tableProject(table);
    const home = tmpDir();
    await runPipeline('items', { cwd, home });
    // r1 is marked deleted (its text gone: it would fail the schema); r2 vanishes from the table.
    table[1] = { id: 'r1', text: '', at: 300, gone: true };
    table.splice(2, 1);
    write(cwd, 'table.json', JSON.stringify(table));
    const incremental = await runPipeline('items', { cwd, home });
    expect(incremental.sources[0]).toMatchObject({ mode: 'incremental', rows: 1, deleted: 1 });
    expect(incremental.rows).toMatchObject({ removed: 1, quarantined: 0 });
    expect(await keys({ cwd, home })).toEqual(['r0', 'r2', 'r3', 'r4', 'r5']);
    const full = await runPipeline('items', { cwd, home, full: true });
    expect(full.sources[0]).toMatchObject({ mode: 'full', rows: 5 });
    expect(full.rows).toMatchObject({ removed: 1 });
    expect(await keys({ cwd, home })).toEqual(['r0', 'r3', 'r4', 'r5']);
  });

  it('removes the unseen records of a source read in full, but not those of an incremental one beside it', async () => {
    const cwd = tableProject(rows(3), ", csv('notes.csv')");
    const home = tmpDir();
    await runPipeline('items', { cwd, home });
    expect(await keys({ cwd, home })).toEqual(['n1', 'r0', 'r1', 'r2']);
    write(cwd, 'notes.csv', 'id,text,at\nn2,another note,0\n');
    const second = await runPipeline('items', { cwd, home });
    expect(second.sources.map((s) => [s.name, s.mode, s.rows])).toEqual([['table', 'incremental', 0], ['notes.csv', 'full', 1]]);
    expect(await keys({ cwd, home })).toEqual(['n2', 'r0', 'r1', 'r2']);
    // The full source emptied: refused, nothing removed.
    write(cwd, 'notes.csv', 'id,text,at\n');
    const third = await runPipeline('items', { cwd, home });
    expect(third.error?.code).toBe('NOTHING_LOADED');
    expect(third.error?.message).toContain('notes.csv');
    expect(await keys({ cwd, home })).toEqual(['n2', 'r0', 'r1', 'r2']);
  });
});
