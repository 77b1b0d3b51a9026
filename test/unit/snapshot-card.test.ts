import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCard, Card, cardBytes, cardJsonSchema, canonicalJson, contentDigest, type CardInput } from '../../src/snapshot/card.js';
import { writeSnapshot } from '../../src/snapshot/snapshot.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import { makeRows } from './snapshot-rows.js';

const hex = (c: string) => c.repeat(64);
const chunks = [
  { path: `data/${hex('a')}.jsonl.gz`, sha256: hex('a'), bytes: 100, rows: 10, firstKey: 'k01', lastKey: 'k10' },
  { path: `data/${hex('b')}.jsonl.gz`, sha256: hex('b'), bytes: 50, rows: 5, firstKey: 'k11', lastKey: 'k15' },
];
const input: CardInput = {
  name: 'reviews',
  kind: 'dataset',
  version: 2,
  parent: 'A'.repeat(43),
  pipeline: 'reviews',
  runId: '20261125T020501Z-3f9a1c',
  schema: { type: 'object', properties: { id: { type: 'string' }, rating: { type: 'integer' } }, required: ['id'] },
  format: 'jsonl.gz',
  chunks,
  license: 'CC-BY-4.0',
};

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

describe('buildCard', () => {
  it('derives rows, bytes and the digest from the chunks', () => {
    const card = buildCard(input);
    expect(card).toMatchObject({ rows: 15, bytes: 150, digest: contentDigest(chunks), format: 'jsonl.gz' });
    expect(card.chunks).toEqual(chunks);
  });

  it('describes a real snapshot', async () => {
    const snapshot = await writeSnapshot({ rows: makeRows(500), dir: tmpDir(), targetChunkBytes: 4096 });
    const card = buildCard({ ...input, format: snapshot.format, chunks: snapshot.chunks });
    expect(card.rows).toBe(500);
    expect(card.bytes).toBe(snapshot.bytes);
    expect(card.chunks.map((c) => c.path)).toEqual(snapshot.chunks.map((c) => c.path));
  });

  it('refuses a createdAt, an unknown field or a bad value', () => {
    const card = buildCard(input);
    expect(Card.safeParse({ ...card, createdAt: '2026-01-01T00:00:00Z' }).success).toBe(false);
    expect(() => buildCard({ ...input, name: 'Bad Name' })).toThrow(/invalid arkive.json card/);
    expect(() => buildCard({ ...input, chunks: [{ ...chunks[0]!, path: '../etc/passwd' }] })).toThrow(/path/);
  });
});

describe('cardBytes', () => {
  it('is canonical JSON: sorted keys, no whitespace, the same for any key order', () => {
    const card = buildCard(input);
    const bytes = cardBytes(card);
    expect(cardBytes(reversed(card) as Card).equals(bytes)).toBe(true);
    expect(cardBytes(buildCard(reversed(input) as CardInput)).equals(bytes)).toBe(true);
    const text = bytes.toString('utf8');
    expect(text).toBe(JSON.stringify(JSON.parse(text))); // no whitespace outside strings
    expect(text.startsWith('{"bytes":150,"chunks":[{"bytes":100,"firstKey":"k01"')).toBe(true);
    expect(JSON.parse(text)).toEqual(card);
  });

  it('sorts keys at every depth and leaves undefined members out', () => {
    expect(canonicalJson({ b: [{ z: 1, a: undefined, m: 'é' }], a: null })).toBe('{"a":null,"b":[{"m":"é","z":1}]}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/NaN/);
  });
});

describe('contentDigest', () => {
  it('does not depend on the order of the files', () => {
    expect(contentDigest([...chunks].reverse())).toBe(contentDigest(chunks));
    expect(contentDigest(chunks)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when any sha256 or path changes', () => {
    const digest = contentDigest(chunks);
    chunks.forEach((_, i) => {
      const changed = chunks.map((c, j) => (j === i ? { ...c, sha256: hex('c') } : c));
      expect(contentDigest(changed)).not.toBe(digest);
    });
    expect(contentDigest([{ ...chunks[0]!, path: 'data/other' }, chunks[1]!])).not.toBe(digest);
  });

  it('refuses one path with two contents', () => {
    expect(() => contentDigest([chunks[0]!, { ...chunks[1]!, path: chunks[0]!.path }])).toThrow(/share the path/);
  });
});

describe('schemas/card.schema.json', () => {
  const file = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/card.schema.json'), 'utf8')) as Record<string, unknown>;

  it('is the JSON Schema of the zod Card', () => {
    // Regenerate with: node --import tsx --input-type=module -e "import {cardJsonSchema} from
    // './src/snapshot/card.ts'; import fs from 'node:fs'; fs.writeFileSync('schemas/card.schema.json',
    // JSON.stringify(cardJsonSchema(), null, 2) + '\n')"
    expect(file).toEqual(cardJsonSchema());
    expect(file.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('agrees with the zod Card on valid and invalid cards', () => {
    const fromFile = z.fromJSONSchema(file);
    const valid = buildCard(input);
    const invalid = [
      { ...valid, createdAt: '2026-01-01T00:00:00Z' },
      { ...valid, digest: 'sha256:xyz' },
      { ...valid, version: 0 },
      { ...valid, kind: 'table' },
      { ...valid, chunks: [{ ...chunks[0]!, sha256: 'ABC' }] },
      Object.fromEntries(Object.entries(valid).filter(([k]) => k !== 'chunks')),
    ];
    expect(fromFile.safeParse(valid).success).toBe(true);
    expect(Card.safeParse(valid).success).toBe(true);
    for (const card of invalid) {
      expect(fromFile.safeParse(card).success).toBe(false);
      expect(Card.safeParse(card).success).toBe(false);
    }
  });
});
