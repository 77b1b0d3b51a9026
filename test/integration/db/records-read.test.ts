// Reading records on both dialects: iterate's keyset pages in code-point order (the order of
// every chunk's rows, so it must not depend on the dialect or the server's locale),
// removeUnseen with and without scopes, countFrom and count; and keys that are hostile.
import { expect, it } from 'vitest';
import type { RecordOp } from '../../../src/db/records-repo.js';
import { collect } from '../../helpers/collect.js';
import { describeDatabases, type Connection } from '../../helpers/databases.js';

const put = (key: string, source = 's', hash = `h-${key}`): RecordOp => ({
  op: 'put', key, hash, data: JSON.stringify({ key }), origin: `f:${key}`, source,
});

async function load(c: Connection, runId: string, ops: RecordOp[], dataset = 'd') {
  return c.records.writer(dataset, runId).write(ops, () => []);
}

/** Code-point order: what SQLite's BINARY and Postgres's "C" collation give (UTF-8 bytes compared). */
const codePointOrder = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

// Keys whose orders differ between code points, UTF-16 units (JS's sort) and any locale:
// case, accents, an astral emoji against a private-use BMP character, numeric strings.
const HOSTILE_KEYS = [
  '', 'A', 'a', 'B', 'b', 'Z', 'é', 'e', 'É', 'ß', 'ss', '😀', '\uE000', '\uFFFD', '𝄞', 'z', ' ', '~',
  '1', '2', '9', '10', '01', '-1', '1e3', '0x10', 'a b', 'a-b', 'a_b', 'ä', 'å', 'ø', 'Ω', '中', '\u007f', '\t',
];

describeDatabases('RecordsRepo reads', (db) => {
  it('iterates in code-point order across every page edge, the empty key first', async () => {
    const c = db();
    await load(c, 'r1', HOSTILE_KEYS.map((k) => put(k)));
    const expected = codePointOrder(HOSTILE_KEYS);
    // The JS default sort (UTF-16 units) would put the emoji before U+E000: code points do not.
    expect(expected.indexOf('\uE000')).toBeLessThan(expected.indexOf('😀'));
    for (const pageRows of [1, 2, 3, 7, HOSTILE_KEYS.length, HOSTILE_KEYS.length - 1, 1000]) {
      expect((await collect(c.records.iterate('d', pageRows))).map((r) => r.key), `pages of ${pageRows}`).toEqual(expected);
    }
  });

  it('yields key, hash and data as stored, and nothing of other datasets', async () => {
    const c = db();
    await load(c, 'r1', [put('k1'), put('k2')]);
    await load(c, 'r1', [put('k0'), put('k3')], 'other');
    expect(await collect(c.records.iterate('d', 1))).toEqual([
      { key: 'k1', hash: 'h-k1', data: '{"key":"k1"}' }, { key: 'k2', hash: 'h-k2', data: '{"key":"k2"}' },
    ]);
    expect(await collect(c.records.iterate('none'))).toEqual([]);
  });

  it('removes the records a run did not see: all of them without a scope', async () => {
    const c = db();
    await load(c, 'r1', [put('a'), put('b'), put('c')]);
    await load(c, 'r1', [put('x')], 'other');
    await load(c, 'r2', [put('b')]);
    expect(await c.records.removeUnseen('d', 'r2')).toBe(2);
    expect((await collect(c.records.iterate('d'))).map((r) => r.key)).toEqual(['b']);
    expect(await c.records.count('other')).toBe(1);
    expect(await c.records.removeUnseen('d', 'r2')).toBe(0);
  });

  it('removes within a scope: sources read in full, and sources the pipeline no longer has', async () => {
    const c = db();
    await load(c, 'r1', [put('full1', 'full'), put('full2', 'full'), put('inc1', 'inc'), put('gone1', 'gone'), put('old', '')]);
    await load(c, 'r2', [put('full1', 'full')]);
    const scope = { full: ['full'], known: ['full', 'inc'] };
    expect(await c.records.countFrom('d', scope.full, scope.known)).toBe(4);
    expect(await c.records.removeUnseen('d', 'r2', scope)).toBe(3);
    expect((await collect(c.records.iterate('d'))).map((r) => r.key)).toEqual(['full1', 'inc1']);
  });

  it('takes empty scope lists as "none read in full" and "no source known"', async () => {
    const c = db();
    await load(c, 'r1', [put('a', 'x'), put('b', 'y')]);
    expect(await c.records.countFrom('d', [], ['x', 'y'])).toBe(0);
    expect(await c.records.removeUnseen('d', 'r2', { full: [], known: ['x', 'y'] })).toBe(0);
    // No source known: every record's source is gone, so all of them count and go.
    expect(await c.records.countFrom('d', [], [])).toBe(2);
    expect(await c.records.countFrom('d', ['x'], [])).toBe(2);
    expect(await c.records.removeUnseen('d', 'r2', { full: [], known: [] })).toBe(2);
    expect(await c.records.count('d')).toBe(0);
  });

  it('counts from sources whose names are hostile (quotes, percent, the empty name), exactly', async () => {
    const c = db();
    const sources = ["it's", '%', '_', '', 'a"b', 'É'];
    await load(c, 'r1', sources.map((s, i) => put(`k${i}`, s)));
    expect(await c.records.countFrom('d', ["it's", '%'], sources)).toBe(2);
    expect(await c.records.countFrom('d', ['_'], ['%'])).toBe(5);
    expect(await c.records.removeUnseen('d', 'r2', { full: ['', 'É'], known: sources })).toBe(2);
    expect(await c.records.count('d')).toBe(4);
  });
});

describeDatabases('hostile record keys', (db) => {
  it('stores long keys and keys of any script exactly', async () => {
    const c = db();
    const keys = ['k'.repeat(4096), '😀'.repeat(1000), 'a\u0301', '\u00e1', 'key\nwith\nnewlines', "quote'd", 'back\\slash'];
    await load(c, 'r1', keys.map((k) => put(k)));
    expect((await collect(c.records.iterate('d', 3))).map((r) => r.key)).toEqual(codePointOrder(keys));
    // Two spellings of á (decomposed and precomposed) are two keys: no normalisation.
    expect(await c.records.count('d')).toBe(keys.length);
  });

  it('treats text with a lone surrogate as its well-formed form (U+FFFD), as UTF-8 storage must', async () => {
    const c = db();
    const odd = (key: string, hash: string, origin: string): RecordOp => ({ op: 'put', key, hash, data: '{}', origin, source: 's\uD800' });
    expect(await load(c, 'r1', [odd('a\uD800', 'h1', 'f:\uDC00'), odd('a\uFFFD', 'h1', 'f:2'), odd('b\uDC00', 'h2', 'f:3')])).toEqual([
      { outcome: 'inserted' }, { outcome: 'duplicate', firstOrigin: 'f:\uFFFD' }, { outcome: 'inserted' },
    ]);
    expect(await load(c, 'r2', [odd('a\uFFFD', 'h1', 'f:4'), { op: 'remove', key: 'b\uDFFF' }]))
      .toEqual([{ outcome: 'unchanged' }, { outcome: 'removed' }]);
    expect((await collect(c.records.iterate('d'))).map((r) => r.key)).toEqual(['a\uFFFD']);
    expect(await c.records.countFrom('d', ['s\uFFFD'], ['s\uFFFD'])).toBe(1);
  });

  it('stores a key holding U+0000 on SQLite; refuses it on Postgres, naming the record, before writing anything', async () => {
    const c = db();
    const batch = c.records.writer('d', 'r1').write([put('fine'), put('a\u0000b')], () => []);
    if (c.dialect === 'sqlite') {
      expect(await batch).toEqual([{ outcome: 'inserted' }, { outcome: 'inserted' }]);
      expect((await collect(c.records.iterate('d'))).map((r) => r.key)).toEqual(['a\u0000b', 'fine']);
      return;
    }
    const refused = await batch.catch((e) => e);
    expect(refused).toMatchObject({ code: 'DB_TEXT_NUL', exitCode: 1 });
    expect(refused.message).toBe('the key of record "a\\u0000b" (from f:a\\0b) of dataset d holds U+0000, which PostgreSQL cannot store');
    expect(await c.records.count('d')).toBe(0);
  });
});
