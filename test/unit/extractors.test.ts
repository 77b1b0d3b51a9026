import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArkiveError } from '../../src/errors.js';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { jsonl } from '../../src/pipeline/jsonl-extractor.js';
import { parquet } from '../../src/pipeline/parquet-extractor.js';
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

  it('quarantines a line nested 10,000 deep as json_too_deep and reads on', async () => {
    const cwd = tmpDir();
    const deep = `{"id":"d","v":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const atLimit = `{"v":${'['.repeat(511)}${']'.repeat(511)}}`;
    // Brackets inside strings (with escaped quotes) do not count.
    const inString = `{"v":"\\\"${'['.repeat(2000)}"}`;
    write(cwd, 'x.jsonl', `${deep}\n${atLimit}\n${inString}\n{"ok":true}\n`);
    const got = await items(jsonl('x.jsonl'), cwd);
    expect(got.map((i) => i.error?.code ?? 'ok')).toEqual(['json_too_deep', 'ok', 'ok', 'ok']);
    expect(got[0]!.error!.message).toMatch(/deeper than 512 levels/);
    const strict = await items(jsonl('x.jsonl', { maxDepth: 10 }), cwd);
    expect(strict.map((i) => i.error?.code ?? 'ok')).toEqual(['json_too_deep', 'json_too_deep', 'ok', 'ok']);
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

  it('keeps a CRLF inside a quoted field as CRLF, and a U+FEFF that starts a field mid-file', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', '\uFEFFid,name\r\n1,"Ann\r\nMarie\nLou"\r\n\uFEFF2,b\r\n');
    const got = await items(csv('x.csv'), cwd);
    expect(got.map((i) => i.fields)).toEqual([{ id: '1', name: 'Ann\r\nMarie\nLou' }, { id: '\uFEFF2', name: 'b' }]);
    expect(got[0]!.raw).toBe('1,"Ann\r\nMarie\nLou"');
  });

  it('quarantines a record over maxRecordBytes as record_too_large, on one line or spanning lines, and reads on', async () => {
    const cwd = tmpDir();
    const big = 'x'.repeat(5000);
    write(cwd, 'x.csv', `id,name\n1,${big}\n2,"${'y'.repeat(3000)}\n${'y'.repeat(3000)}"\n3,ok\n`);
    const got = await items(csv('x.csv', { maxRecordBytes: 4096 }), cwd);
    expect(got.map((i) => [i.line, i.fields?.id ?? i.error?.code])).toEqual([[2, 'record_too_large'], [3, 'record_too_large'], [5, '3']]);
    expect(got[0]!.raw).toBe(`1,${'x'.repeat(1022)}`);
    expect(got[0]!.error!.message).toMatch(/^the record is 5002 bytes, over the limit of 4096/);
    expect(got[1]!.error!.message).toMatch(/^the record is 6005 bytes/);
  });

  it.each([
    ['Latin-1', Buffer.from('id,caf\xe9\n1,x\n', 'latin1'), /Latin-1 or Windows-1252/, "encoding: 'latin1'"],
    ['UTF-16LE without a BOM', Buffer.from('id,name\n1,x\n', 'utf16le'), /UTF-16 without a byte-order mark \(or binary data\)/, "encoding: 'utf16le'"],
  ])('refuses a %s header with an error saying the file is not UTF-8 and which encoding option reads it (exit 2)', async (_what, bytes, looks, option) => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', bytes);
    const error = await items(csv('x.csv', { name: 'export' }), cwd).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_UTF8', exitCode: 2, hint: expect.stringContaining('`encoding:` option') });
    expect((error as ArkiveError).hint).toContain(option);
    expect((error as Error).message).toMatch(/^source "export" .*x\.csv:1: the file is not UTF-8/);
    expect((error as Error).message).toMatch(looks);
  });

  it('refuses a missing file before reading, naming the source and the path', async () => {
    const cwd = tmpDir();
    await expect(csv('nope.csv', { name: 'export' }).check({ cwd })).rejects.toMatchObject({
      code: 'SOURCE_UNREADABLE', exitCode: 2, message: `source "export" cannot read ${path.join(cwd, 'nope.csv')}: file not found`,
    });
  });
});

describe('file sources and tombstones', () => {
  it('expose the deleted() option of csv, jsonl and parquet on the extractor, and none when not given', () => {
    const deleted = (f: Record<string, unknown>) => f.gone === true;
    for (const make of [csv, jsonl, parquet]) {
      expect(make('x', { deleted }).deleted).toBe(deleted);
      expect(make('x').deleted).toBeUndefined();
    }
  });
});
