import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { jsonl } from '../../src/pipeline/jsonl-extractor.js';
import type { Extractor, RawItem } from '../../src/pipeline/source.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

async function items(source: Extractor, cwd: string): Promise<RawItem[]> {
  const out: RawItem[] = [];
  for await (const batch of source.open({ cwd })) out.push(...batch);
  return out;
}

describe('jsonl extractor', () => {
  it('parses objects and explains every line it cannot use', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.jsonl', '{"a":1}\n\n{"a":\n[1]\nnull\n  {"b":"x"}  \n');
    const got = await items(jsonl('x.jsonl'), cwd);
    expect(got.map((i) => [i.line, i.fields ?? i.error?.code])).toEqual([
      [1, { a: 1 }], [3, 'json_malformed'], [4, 'json_not_object'], [5, 'json_not_object'], [6, { b: 'x' }],
    ]);
    expect(got[2]!.error!.message).toBe('expected a JSON object, found an array');
  });
});

describe('csv extractor', () => {
  it('maps fields to header columns and quarantines bad records with their line', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', 'id, name\n1,a\n2,"b\nc"\n3\n4,"x"y\n\n5,e\n6,"open');
    const got = await items(csv('x.csv'), cwd);
    expect(got.map((i) => [i.line, i.fields ?? i.error?.code])).toEqual([
      [2, { id: '1', name: 'a' }], [3, { id: '2', name: 'b\nc' }], [5, 'csv_field_count'], [6, 'csv_bad_quote'],
      [8, { id: '5', name: 'e' }], [9, 'csv_unterminated_quote'],
    ]);
  });

  it('stops an open quote after maxRecordLines instead of swallowing the file', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', `id,name\n1,"never closed\n${'x\n'.repeat(10)}`);
    const got = await items(csv('x.csv', { maxRecordLines: 3 }), cwd);
    expect(got[0]).toMatchObject({ line: 2, error: { code: 'csv_unterminated_quote' } });
    expect(got.slice(1).every((i) => i.error?.code === 'csv_field_count')).toBe(true);
  });

  it('refuses a missing file before reading, naming the source and the path', async () => {
    const cwd = tmpDir();
    await expect(csv('nope.csv', { name: 'export' }).check({ cwd })).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE', exitCode: 2, message: `source "export" cannot read ${path.join(cwd, 'nope.csv')}: file not found`,
    });
  });
});
