// How a run changes the dataset in a real SQLite home: inserts, edits, removals,
// duplicates, and the faults that must leave the dataset as it was.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arkiveEntry, newProject, peopleProject, write } from '../helpers/project.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';
import { collect } from '../helpers/collect.js';

const HEADER = 'id,name,age\n';

describe('loading a dataset', () => {
  it('counts an edited row as changed and a vanished row as removed', async () => {
    const cwd = peopleProject(`${HEADER}1,Ann,30\n2,Bob,40\n3,Cy,50\n`);
    const home = tmpDir();
    const first = await runPipeline('people', { cwd, home });
    expect(first.rows).toMatchObject({ loaded: 3, changed: 3 });
    write(cwd, 'people.csv', `${HEADER}1,Ann,31\n2,Bob,40\n4,Dee,20\n`);
    const second = await runPipeline('people', { cwd, home });
    expect(second.status).toBe('loaded');
    // 1 edited, 4 inserted, 3 removed.
    expect(second.rows).toMatchObject({ extracted: 3, loaded: 3, changed: 3, removed: 1 });
    await withStore({ cwd, home }, async (store) => {
      const rows = (await collect(store.records.iterate('people')));
      expect(rows.map((r) => r.key)).toEqual(['1', '2', '4']);
      expect(JSON.parse(rows[0]!.data)).toEqual({ id: '1', name: 'Ann', age: 31 });
    });
  });

  it('loads a repeated row once and quarantines a contradicting one', async () => {
    const cwd = peopleProject(`${HEADER}1,Ann,30\n1, Ann ,30\n1,Ann,99\n2,Bob,x\n`);
    const result = await runPipeline('people', { cwd, home: tmpDir() });
    expect(result.rows).toMatchObject({ extracted: 4, loaded: 1, duplicates: 1, quarantined: 2 });
    expect(result.quarantineReasons).toEqual({ bad_age: 1, duplicate_conflict: 1 });
  });

  it('reads quoted fields spanning lines, CRLF endings and a BOM, keeping a CRLF inside a field', async () => {
    const cwd = peopleProject(`\uFEFFid,name,age\r\n1,"Ann\r\nMarie",30\r\n2,"Bob ""B""",40\r\n`);
    const home = tmpDir();
    const result = await runPipeline('people', { cwd, home });
    expect(result.rows).toMatchObject({ loaded: 2, quarantined: 0 });
    await withStore({ cwd, home }, async (store) => {
      const names = (await collect(store.records.iterate('people'))).map((r) => JSON.parse(r.data).name);
      expect(names).toEqual(['Ann\r\nMarie', 'Bob "B"']);
    });
  });

  it('refuses to empty a dataset when a source suddenly yields nothing', async () => {
    const cwd = peopleProject(`${HEADER}1,Ann,30\n`);
    const home = tmpDir();
    await runPipeline('people', { cwd, home });
    write(cwd, 'people.csv', HEADER);
    const result = await runPipeline('people', { cwd, home });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('NOTHING_LOADED');
    await withStore({ cwd, home }, async (store) => {
      expect(await store.records.count('people')).toBe(1);
      expect((await store.runs.get(result.runId))?.error?.code).toBe('NOTHING_LOADED');
    });
  });

  it('fails with the missing path when a source file is gone, and records the failed run', async () => {
    const cwd = peopleProject(`${HEADER}1,Ann,30\n`);
    fs.rmSync(`${cwd}/people.csv`);
    const home = tmpDir();
    const result = await runPipeline('people', { cwd, home });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('SOURCE_UNREADABLE');
    expect(result.error?.exitCode).toBe(2);
    expect(result.error?.message).toContain(`${cwd}/people.csv: file not found`);
    await withStore({ cwd, home }, async (store) => {
      expect((await store.runs.list())[0]?.status).toBe('failed');
    });
  });

  it('refuses a CSV whose header repeats a column', async () => {
    const cwd = peopleProject('id,name,name\n1,a,b\n');
    const result = await runPipeline('people', { cwd, home: tmpDir() });
    expect(result.error?.code).toBe('CSV_HEADER');
    expect(result.error?.message).toMatch(/people\.csv:1/);
  });

  it('quarantines a value nested 10,000 deep and a clean() that throws null, and loads the rest', async () => {
    const cwd = newProject();
    const deep = `{"id":"deep","v":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    write(cwd, 'items.jsonl', `{"id":"a","v":1}\n${deep}\n{"id":"null","v":2}\n{"id":"b","v":3}\n`);
    write(cwd, 'pipelines/items.ts', `
import { definePipeline, jsonl, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'items', description: 'hostile items', sources: [jsonl('items.jsonl')],
  schema: z.object({ id: z.string(), v: z.unknown() }), key: (r) => r.id,
  clean: (f) => { if (f.id === 'null') throw null; return f; },
});
`);
    const result = await runPipeline('items', { cwd, home: tmpDir() });
    expect(result.status).toBe('loaded');
    expect(result.rows).toMatchObject({ extracted: 4, loaded: 2, quarantined: 2 });
    expect(result.quarantineReasons).toEqual({ json_too_deep: 1, clean_error: 1 });
  });
});
