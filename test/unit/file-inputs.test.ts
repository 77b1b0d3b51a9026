// What the csv and jsonl sources read besides plain UTF-8 files: gzip on the fly, globs in
// path-byte order with each item naming its file, and declared or byte-order-marked encodings.
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { jsonl } from '../../src/pipeline/jsonl-extractor.js';
import { readLines } from '../../src/pipeline/line-reader.js';
import type { Extractor, RawItem } from '../../src/pipeline/source.js';
import { toUtf8, type TextEncoding } from '../../src/pipeline/text-encoding.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

async function items(source: Extractor, cwd: string): Promise<RawItem[]> {
  const out: RawItem[] = [];
  for await (const batch of source.open({ cwd })) out.push(...batch);
  return out;
}

const summary = (got: RawItem[]) => got.map((i) => [i.file ?? null, i.line, i.fields ?? i.error?.code]);

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function decodeLines(bytes: Buffer, size: number, encoding: TextEncoding): Promise<{ text: string; invalid: boolean }[]> {
  const out: { text: string; invalid: boolean }[] = [];
  for await (const batch of readLines(toUtf8(chunked(bytes, size), encoding))) {
    for (const line of batch) out.push({ text: line.text, invalid: line.invalid !== undefined });
  }
  return out;
}

const CSV = 'id,name\n1,Ann\n2,"Bo\nb"\n3\n';
const EXPECTED = [[null, 2, { id: '1', name: 'Ann' }], [null, 3, { id: '2', name: 'Bo\nb' }], [null, 5, 'csv_field_count']];

describe('gzip inputs', () => {
  it('reads a .gz csv and jsonl exactly as the plain files, and gzip without the .gz name by its magic bytes', async () => {
    const cwd = tmpDir();
    write(cwd, 'a.csv.gz', zlib.gzipSync(CSV));
    write(cwd, 'b.csv', zlib.gzipSync(CSV));
    write(cwd, 'c.jsonl.gz', zlib.gzipSync('{"a":1}\n\n[2]\n{"a":3}'));
    expect(summary(await items(csv('a.csv.gz'), cwd))).toEqual(EXPECTED);
    expect(summary(await items(csv('b.csv'), cwd))).toEqual(EXPECTED);
    expect(summary(await items(jsonl('c.jsonl.gz'), cwd))).toEqual([[null, 1, { a: 1 }], [null, 3, 'json_not_object'], [null, 4, { a: 3 }]]);
  });

  it('reads concatenated gzip members (as `cat a.gz b.gz` makes) and a file larger than one inflate chunk', async () => {
    const cwd = tmpDir();
    const rows = Array.from({ length: 20_000 }, (_, i) => `{"i":${i}}`).join('\n');
    write(cwd, 'x.jsonl.gz', Buffer.concat([zlib.gzipSync(`${rows}\n`), zlib.gzipSync('{"i":"last"}\n')]));
    const got = await items(jsonl('x.jsonl.gz'), cwd);
    expect(got).toHaveLength(20_001);
    expect(got.at(-1)).toMatchObject({ line: 20_001, fields: { i: 'last' } });
    expect(got.every((item, i) => item.line === i + 1)).toBe(true);
  });

  it.each([
    ['truncated', (gz: Buffer) => gz.subarray(0, gz.length - 12), /the gzip data is truncated \(unexpected end of file\)/],
    ['corrupt mid-stream', (gz: Buffer) => Buffer.concat([gz.subarray(0, 20), Buffer.alloc(16, 0xa5), gz.subarray(36)]), /the gzip data is corrupt/],
    ['followed by junk', (gz: Buffer) => Buffer.concat([gz, Buffer.from('not gzip at all')]), /the gzip data is corrupt \(incorrect header check\)/],
    ['named .gz but not gzip', () => Buffer.from(CSV), /the gzip data is corrupt \(incorrect header check\) after 0 decompressed bytes/],
  ])('fails with SOURCE_GZIP (exit 2) naming the source and file when the gzip is %s', async (_what, damage, message) => {
    const cwd = tmpDir();
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},name ${i}`).join('\n');
    write(cwd, 'exports/x.csv.gz', damage(zlib.gzipSync(`id,name\n${rows}\n`)));
    const error = await items(csv('exports/*.csv.gz', { name: 'export' }), cwd).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_GZIP', exitCode: 2, hint: expect.stringContaining('gzip -t') });
    expect((error as Error).message).toMatch(/^source "export" exports\/x\.csv\.gz: /);
    expect((error as Error).message).toMatch(message);
  });
});

describe('globs', () => {
  it('reads every match in the byte order of its path, each with its own header, items naming their file', async () => {
    const cwd = tmpDir();
    // Byte order: "B" < "a" < "z" < "é" (C3 A9); locale order would put é after e, and B after a.
    write(cwd, 'exports/a.csv', 'id,name\n1,a\n');
    write(cwd, 'exports/z.csv', 'name,id\nz,2\n');
    write(cwd, 'exports/é.csv', 'id,name\n3,é\n3\n');
    write(cwd, 'exports/B.csv', 'id,name\n0,B\n');
    write(cwd, 'exports/.hidden.csv', 'id,name\nh,h\n');
    write(cwd, 'exports/sub/deep.csv', 'id,name\nd,d\n');
    write(cwd, 'exports/notes.txt', 'id,name\nn,n\n');
    const got = await items(csv('exports/*.csv'), cwd);
    expect(summary(got)).toEqual([
      ['exports/B.csv', 2, { id: '0', name: 'B' }], ['exports/a.csv', 2, { id: '1', name: 'a' }],
      ['exports/z.csv', 2, { name: 'z', id: '2' }], ['exports/é.csv', 2, { id: '3', name: 'é' }], ['exports/é.csv', 3, 'csv_field_count'],
    ]);
    expect(summary(await items(csv('exports/**/*.csv'), cwd)).map((s) => s[0])).toContain('exports/sub/deep.csv');
    expect(await csv("exports/*.csv").check({ cwd })).toEqual({ bytes: 12 + 12 + 15 + 12 });
  });

  it('globs inside a project directory whose own name holds glob characters', async () => {
    const cwd = tmpDir('arkive-[proj]*-');
    write(cwd, 'in/a.jsonl', '{"n":1}\n');
    expect(summary(await items(jsonl('in/*.jsonl'), cwd))).toEqual([['in/a.jsonl', 1, { n: 1 }]]);
  });

  it('reads gzip and plain files of one glob alike, and a glob outside the project by absolute path', async () => {
    const cwd = tmpDir();
    const outside = tmpDir();
    write(outside, 'd/1.jsonl', '{"n":1}\n');
    write(outside, 'd/2.jsonl.gz', zlib.gzipSync('{"n":2}\n'));
    const got = await items(jsonl(path.join(outside, 'd/*.jsonl*')), cwd);
    expect(summary(got)).toEqual([[path.join(outside, 'd/1.jsonl'), 1, { n: 1 }], [path.join(outside, 'd/2.jsonl.gz'), 1, { n: 2 }]]);
  });

  it('refuses a glob that matches nothing at check (SOURCE_NO_MATCH, exit 2), and reads a file whose name has glob characters as it is', async () => {
    const cwd = tmpDir();
    write(cwd, 'exports/a.txt', 'x');
    await expect(csv('exports/*.csv', { name: 'export' }).check({ cwd })).rejects.toMatchObject({
      code: 'SOURCE_NO_MATCH', exitCode: 2, message: `source "export": no file matches exports/*.csv (looked in ${path.join(cwd, 'exports')})`,
    });
    await expect(items(csv('nowhere/**/*.csv'), cwd)).rejects.toMatchObject({ code: 'SOURCE_NO_MATCH' });
    write(cwd, 'report[1].csv', 'id\n7\n');
    expect(summary(await items(csv('report[1].csv'), cwd))).toEqual([[null, 2, { id: '7' }]]);
  });
});

describe('encodings', () => {
  const text = 'id,name\r\n1,café 😀\r\n2,naïve\r\n';

  it.each([
    ['latin1, declared', Buffer.from('id,name\r\n1,café\r\n2,naïve\r\n', 'latin1'), 'latin1' as const, 'café'],
    ['utf16le with a BOM, not declared', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), undefined, 'café 😀'],
    ['utf16le without a BOM, declared', Buffer.from(text, 'utf16le'), 'utf16le' as const, 'café 😀'],
    ['utf16be with a BOM, whatever is declared', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]), 'latin1' as const, 'café 😀'],
    ['utf8 with a BOM, declared latin1', Buffer.from(`\uFEFF${text}`), 'latin1' as const, 'café 😀'],
  ])('decodes %s', async (_what, bytes, encoding, first) => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', bytes);
    write(cwd, 'y.csv.gz', zlib.gzipSync(bytes));
    for (const file of ['x.csv', 'y.csv.gz']) {
      const got = await items(csv(file, encoding ? { encoding } : {}), cwd);
      expect(got.map((i) => i.fields)).toEqual([{ id: '1', name: first }, { id: '2', name: 'naïve' }]);
    }
  });

  it('cuts UTF-16 anywhere: a character or surrogate pair split between chunks comes out whole', async () => {
    const line = 'ab😀é\u20ac\n\u4e2d😀\n';
    for (const [encoding, bytes] of [
      ['utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(line, 'utf16le')])],
      ['utf16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(line, 'utf16le').swap16()])],
    ] as const) {
      for (const size of [1, 2, 3, 5, 7, 1024]) {
        expect(await decodeLines(bytes, size, 'utf8'), `${encoding} in chunks of ${size}`).toEqual([
          { text: 'ab😀é€', invalid: false }, { text: '中😀', invalid: false },
        ]);
      }
    }
  });

  it('flags a lone surrogate and an odd last byte as lines that are not text, which csv quarantines as invalid_utf8', async () => {
    const lone = Buffer.concat([Buffer.from('id,name\n1,a', 'utf16le'), Buffer.from([0x3d, 0xd8]), Buffer.from('b\n2,ok\n3,x', 'utf16le'), Buffer.from([0x41])]);
    for (const size of [1, 3, 1024]) {
      expect((await decodeLines(lone, size, 'utf16le')).map((l) => l.invalid)).toEqual([false, true, false, true]);
    }
    const cwd = tmpDir();
    write(cwd, 'x.csv', lone);
    expect(summary(await items(csv('x.csv', { encoding: 'utf16le' }), cwd))).toEqual([
      [null, 2, 'invalid_utf8'], [null, 3, { id: '2', name: 'ok' }], [null, 4, 'invalid_utf8'],
    ]);
  });

  it('keeps quarantining invalid UTF-8 in a utf8 file with its bytes, and reads jsonl in UTF-16 from gzip', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n2,b\n')]));
    const got = await items(csv('x.csv'), cwd);
    expect(summary(got)).toEqual([[null, 2, 'invalid_utf8'], [null, 3, { id: '2', name: 'b' }]]);
    expect(got[0]!.rawBytes).toEqual(new Uint8Array(Buffer.from([0x31, 0x2c, 0xc3, 0x28])));
    write(cwd, 'y.jsonl.gz', zlib.gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"t":"日本"}\n{"t":"ü"}\n', 'utf16le')])));
    expect((await items(jsonl('y.jsonl.gz'), cwd)).map((i) => i.fields)).toEqual([{ t: '日本' }, { t: 'ü' }]);
  });

  it('refuses a UTF-16 file declared latin1 (SOURCE_ENCODING, exit 2), naming the option that reads it', async () => {
    const cwd = tmpDir();
    write(cwd, 'x.csv', Buffer.from('id,name\n1,x\n', 'utf16le'));
    const error = await items(csv('x.csv', { encoding: 'latin1', name: 'export' }), cwd).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_ENCODING', exitCode: 2, hint: expect.stringContaining("encoding: 'utf16le'") });
    expect((error as Error).message).toMatch(/x\.csv:1: the file is not Latin-1 \(its header looks like UTF-16 without a byte-order mark/);
  });
});
