// croissant.json (src/snapshot/croissant.ts) against schemas/croissant.schema.json, checked
// by Ajv (an independent validator) and by reading real snapshot chunks the way mlcroissant
// does: a FileSet glob over the folder, each file gunzipped and read as JSON Lines.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { glob } from 'tinyglobby';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { buildCard, type Card } from '../../src/snapshot/card.js';
import { croissantBytes, croissantDocument } from '../../src/snapshot/croissant.js';
import type { ReleaseDescription } from '../../src/snapshot/describe.js';
import { recordFields } from '../../src/snapshot/fields.js';
import { writeSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';
import { croissantProblems } from '../helpers/croissant-check.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';
import { makeRows } from './snapshot-rows.js';

type Json = Record<string, any>;

const PUBLISHER = 'P'.repeat(43);
const PARENT = 'A'.repeat(43);
const UDL_ID = 'yRj4a5KMctX_uOmKWCFJIjmY8DeJcusVk6-HzLiM_t8';
const Rows = z.object({
  id: z.string(), n: z.number().int(), score: z.number(), ok: z.boolean(), text: z.string(),
  note: z.string().nullable(), tags: z.array(z.string()),
});
const rowsSchema = z.toJSONSchema(Rows) as Record<string, unknown>;

function describeRelease(snapshot: Snapshot, extra: Partial<Card> = {}, version = 3): ReleaseDescription {
  const card = buildCard({
    name: 'readings', kind: 'dataset', version, parent: version > 1 ? PARENT : null, pipeline: 'readings-pipe',
    runId: '20261125T020501Z-3f9a1c', schema: rowsSchema, format: snapshot.format, chunks: snapshot.chunks,
    digest: snapshot.digest, key: ['id'], license: 'CC-BY-4.0', ...extra,
  });
  return {
    card, description: 'Seeded test rows', createdAt: '2026-11-25T02:05:01.123Z', firstCreatedAt: '2026-01-02T03:04:05.000Z',
    publisher: PUBLISHER, fields: recordFields(rowsSchema),
  };
}

async function snapshotOf(format: 'jsonl.gz' | 'parquet' = 'jsonl.gz') {
  const dir = tmpDir();
  const snapshot = await writeSnapshot({ rows: makeRows(400), dir, targetChunkBytes: 4096, format, ...(format === 'parquet' && { columns: Object.keys(Rows.shape) }) });
  return { dir, snapshot };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('croissantDocument', () => {
  it('validates against schemas/croissant.schema.json, with every Croissant 1.1 required property', async () => {
    const { snapshot } = await snapshotOf();
    const doc = croissantDocument(describeRelease(snapshot)) as Json;
    expect(croissantProblems(doc)).toEqual([]);
    expect(doc).toMatchObject({
      '@type': 'sc:Dataset', conformsTo: 'http://mlcommons.org/croissant/1.1', name: 'readings', description: 'Seeded test rows',
      license: 'https://spdx.org/licenses/CC-BY-4.0.html', url: './', identifier: snapshot.digest,
      datePublished: '2026-11-25T02:05:01.123Z', dateModified: '2026-11-25T02:05:01.123Z', dateCreated: '2026-01-02T03:04:05.000Z',
      version: '3.0.0', keywords: ['readings', 'readings-pipe', 'arkive', 'arweave', 'jsonl'],
      creator: { '@type': 'sc:Organization', identifier: PUBLISHER, name: `Arweave wallet ${PUBLISHER}` },
      isBasedOn: `ar://${PARENT}`, 'prov:wasRevisionOf': { '@id': `ar://${PARENT}` },
    });
    expect(doc.publisher).toEqual(doc.creator);
    expect(doc['@context']['@vocab']).toBe('https://schema.org/');
    expect(doc.citeAs).toContain(`note = {Content digest ${snapshot.digest}}`);
  });

  it('lists one FileObject per chunk as the card does, and a FileSet whose glob finds exactly the chunks', async () => {
    const { dir, snapshot } = await snapshotOf();
    expect(snapshot.chunks.length).toBeGreaterThan(3);
    const doc = croissantDocument(describeRelease(snapshot)) as Json;
    const files = doc.distribution.filter((d: Json) => d['@type'] === 'cr:FileObject');
    expect(files).toEqual(snapshot.chunks.map((c) => expect.objectContaining({
      '@id': c.path, name: path.basename(c.path), contentUrl: c.path, contentSize: `${c.bytes} B`,
      encodingFormat: 'application/jsonlines', sha256: c.sha256,
    })));
    for (const f of files) expect(fs.statSync(path.join(dir, f.contentUrl)).size).toBe(Number(f.contentSize.split(' ')[0]));
    const [fileSet] = doc.distribution.filter((d: Json) => d['@type'] === 'cr:FileSet');
    expect(fileSet).toMatchObject({ '@id': 'readings-chunks', includes: 'data/*.jsonl.gz', encodingFormat: 'application/jsonlines' });
    expect(await glob(fileSet.includes, { cwd: dir })).toEqual(expect.arrayContaining(snapshot.chunks.map((c) => c.path)));
    expect((await glob(fileSet.includes, { cwd: dir })).length).toBe(snapshot.chunks.length);
  });

  it('gives every column of every record in the chunks a field that reads it, typed as the schema says', async () => {
    const { dir, snapshot } = await snapshotOf();
    const [set] = (croissantDocument(describeRelease(snapshot)) as Json).recordSet;
    const columns = set.field.map((f: Json) => f.source.extract.column).sort();
    const typeOf = Object.fromEntries(set.field.map((f: Json) => [f.source.extract.column, f.dataType]));
    expect(typeOf).toEqual({ id: 'sc:Text', n: 'sc:Integer', score: 'sc:Float', ok: 'sc:Boolean', text: 'sc:Text', note: 'sc:Text', tags: 'sc:Text' });
    let rows = 0;
    for (const chunk of snapshot.chunks) {
      for (const line of gunzipSync(fs.readFileSync(path.join(dir, chunk.path))).toString('utf8').trimEnd().split('\n')) {
        expect(Object.keys(JSON.parse(line)).sort()).toEqual(columns);
        rows++;
      }
    }
    expect(rows).toBe(400);
    expect(set.description).toBe('The 400 records of readings version 3, keyed by id.');
    expect(set).toMatchObject({ '@id': 'readings', key: { '@id': 'readings/id' } });
    expect(set.field.find((f: Json) => f.name === 'note').description).toBe('May be null.');
  });

  it('maps every field kind to its Croissant data type and a composite key to a list', async () => {
    const { snapshot } = await snapshotOf();
    const schema = z.toJSONSchema(z.object({
      'sensor id': z.string(), sensor_id: z.string(), ts: z.iso.datetime(), day: z.iso.date(), count: z.number().int().min(0).max(10),
      big: z.number().int(), ratio: z.number(), on: z.boolean(), extra: z.object({ a: z.number() }), level: z.enum(['low', 'high']).nullable(),
    })) as Record<string, unknown>;
    const d = describeRelease(snapshot, { schema, key: ['sensor id', 'ts'] });
    const doc = croissantDocument({ ...d, fields: recordFields(schema) }) as Json;
    expect(croissantProblems(doc)).toEqual([]);
    const [set] = doc.recordSet;
    expect(set.field.map((f: Json) => [f['@id'], f.name, f.source.extract.column, f.dataType])).toEqual([
      ['readings/sensor_id', 'sensor_id', 'sensor id', 'sc:Text'], ['readings/sensor_id_2', 'sensor_id_2', 'sensor_id', 'sc:Text'],
      ['readings/ts', 'ts', 'ts', 'sc:DateTime'], ['readings/day', 'day', 'day', 'sc:Date'], ['readings/count', 'count', 'count', 'sc:Integer'],
      ['readings/big', 'big', 'big', 'sc:Integer'], ['readings/ratio', 'ratio', 'ratio', 'sc:Float'], ['readings/on', 'on', 'on', 'sc:Boolean'],
      ['readings/extra', 'extra', 'extra', 'sc:Text'], ['readings/level', 'level', 'level', 'sc:Text'],
    ]);
    expect(set.key).toEqual([{ '@id': 'readings/sensor_id' }, { '@id': 'readings/ts' }]);
    expect(set.field.at(-1).description).toBe('One of: low, high. May be null.');
  });

  it('describes a Parquet release as application/x-parquet over data/*.parquet', async () => {
    const { dir, snapshot } = await snapshotOf('parquet');
    const doc = croissantDocument(describeRelease(snapshot)) as Json;
    expect(croissantProblems(doc)).toEqual([]);
    expect(new Set(doc.distribution.map((d: Json) => d.encodingFormat))).toEqual(new Set(['application/x-parquet']));
    expect((await glob('data/*.parquet', { cwd: dir })).sort()).toEqual(snapshot.chunks.map((c) => c.path).sort());
    expect(doc.distribution.at(-1).includes).toBe('data/*.parquet');
  });

  it('states the SPDX licence, the UDL transaction and its terms in usageInfo, or that none was stated', async () => {
    const { snapshot } = await snapshotOf();
    const udl = { License: UDL_ID, 'Commercial-Use': 'Allowed-With-Credit', Derivation: 'Allowed-With-Indication', 'License-Fee': 'One-Time-10' };
    const both = croissantDocument(describeRelease(snapshot, { udl })) as Json;
    expect(both.license).toEqual(['https://spdx.org/licenses/CC-BY-4.0.html', `https://arweave.net/${UDL_ID}`]);
    expect(both.usageInfo).toEqual({
      '@type': 'sc:CreativeWork', name: 'Universal Data License terms', url: `https://arweave.net/${UDL_ID}`,
      description: `Universal Data License (transaction ${UDL_ID}), with these terms, as tagged on every item of the release: Commercial-Use: Allowed-With-Credit. Derivation: Allowed-With-Indication. License-Fee: One-Time-10.`,
    });
    const udlOnly = croissantDocument(describeRelease(snapshot, { license: undefined, udl })) as Json;
    expect(udlOnly.license).toBe(`https://arweave.net/${UDL_ID}`);
    const none = croissantDocument(describeRelease(snapshot, { license: undefined })) as Json;
    expect(none.license).toMatchObject({ '@type': 'sc:CreativeWork', name: 'No licence stated' });
    expect(none.usageInfo).toBeUndefined();
    for (const doc of [both, udlOnly, none]) expect(croissantProblems(doc)).toEqual([]);
  });

  it('names no parent for a first version', async () => {
    const { snapshot } = await snapshotOf();
    const doc = croissantDocument(describeRelease(snapshot, {}, 1)) as Json;
    expect(doc.version).toBe('1.0.0');
    expect(doc.isBasedOn).toBeUndefined();
    expect(doc['prov:wasRevisionOf']).toBeUndefined();
    expect(croissantProblems(doc)).toEqual([]);
  });

  it('refuses to describe a model release', async () => {
    const { snapshot } = await snapshotOf();
    const d = describeRelease(snapshot);
    expect(() => croissantDocument({ ...d, card: { ...d.card, kind: 'model', format: 'safetensors' } })).toThrow(/describes dataset releases/);
  });
});

describe('croissantBytes', () => {
  it('is the same bytes whenever it is written (no clock), canonical and parseable', async () => {
    const { snapshot } = await snapshotOf();
    const d = describeRelease(snapshot);
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const first = croissantBytes(d);
    vi.setSystemTime(new Date('2041-06-15T12:00:00Z'));
    expect(croissantBytes(structuredClone(d)).equals(first)).toBe(true);
    const text = first.toString('utf8');
    expect(text).not.toContain('2030');
    expect(text).not.toContain('2041');
    const parsed = JSON.parse(text) as Json;
    expect(Object.keys(parsed)).toEqual(Object.keys(parsed).sort());
    expect(croissantProblems(parsed)).toEqual([]);
  });
});

describe('schemas/croissant.schema.json', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas/croissant.schema.json'), 'utf8')) as Json;

  async function valid(): Promise<Json> {
    const { snapshot } = await snapshotOf();
    return JSON.parse(croissantBytes(describeRelease(snapshot)).toString('utf8')) as Json;
  }

  it('requires every Croissant 1.1 required property (and those arkive always writes)', async () => {
    const doc = await valid();
    const required = schema.required as string[];
    expect(required).toEqual(expect.arrayContaining(['@context', '@type', 'conformsTo', 'name', 'description', 'license', 'url', 'creator', 'datePublished', 'distribution']));
    for (const property of required) {
      const { [property]: _gone, ...without } = doc;
      expect(croissantProblems(without), property).toContainEqual(expect.stringContaining(`"missingProperty":"${property}"`));
    }
  });

  it('refuses documents that lie about or break the structure arkive writes', async () => {
    const doc = await valid();
    const file = doc.distribution[0];
    const set = doc.recordSet[0];
    const field = set.field[0];
    const broken: Record<string, [Json, string]> = {
      'http vocab': [{ ...doc, '@context': { ...doc['@context'], '@vocab': 'http://schema.org/' } }, '/@context/@vocab'],
      'remapped key term': [{ ...doc, '@context': { ...doc['@context'], key: 'sc:key' } }, '/@context/key'],
      'Croissant 1.0': [{ ...doc, conformsTo: 'http://mlcommons.org/croissant/1.0' }, '/conformsTo'],
      'not a Dataset': [{ ...doc, '@type': 'sc:CreativeWork' }, '/@type'],
      'version v3': [{ ...doc, version: 'v3' }, '/version'],
      'date not ISO': [{ ...doc, datePublished: '25/11/2026' }, '/datePublished'],
      'licence not a URL': [{ ...doc, license: 'CC-BY-4.0' }, '/license'],
      'upper-case sha256': [{ ...doc, distribution: [{ ...file, sha256: file.sha256.toUpperCase() }, ...doc.distribution.slice(1)] }, '/distribution/0/sha256'],
      'FileObject without sha256': [{ ...doc, distribution: [{ ...file, sha256: undefined }, ...doc.distribution.slice(1)].map(dropUndefined) }, "'sha256'"],
      'absolute contentUrl': [{ ...doc, distribution: [{ ...file, contentUrl: 'https://evil.example/x.jsonl.gz' }, ...doc.distribution.slice(1)] }, '/distribution/0/contentUrl'],
      'climbing contentUrl': [{ ...doc, distribution: [{ ...file, contentUrl: '../x.jsonl.gz' }, ...doc.distribution.slice(1)] }, '/distribution/0/contentUrl'],
      'numeric contentSize': [{ ...doc, distribution: [{ ...file, contentSize: 123 }, ...doc.distribution.slice(1)] }, '/distribution/0/contentSize'],
      'unreadable encoding': [{ ...doc, distribution: [{ ...file, encodingFormat: 'application/x-ndjson' }, ...doc.distribution.slice(1)] }, '/distribution/0/encodingFormat'],
      'no FileSet': [{ ...doc, distribution: doc.distribution.filter((d: Json) => d['@type'] !== 'cr:FileSet') }, '/distribution must contain'],
      'name with a slash': [{ ...doc, distribution: [{ ...file, name: file['@id'] }, ...doc.distribution.slice(1)] }, '/distribution/0/name'],
      'field without dataType': [withField(doc, dropUndefined({ ...field, dataType: undefined })), "'dataType'"],
      'field of no atomic type': [withField(doc, { ...field, dataType: 'sc:Thing' }), '/recordSet/0/field/0/dataType'],
      'field with source and value': [withField(doc, { ...field, value: 'x' }), '/recordSet/0/field/0/value'],
      'field from a FileObject': [withField(doc, { ...field, source: { fileObject: { '@id': file['@id'] }, extract: field.source.extract } }), "'fileSet'"],
      'field from an unknown FileSet': [withField(doc, { ...field, source: { ...field.source, fileSet: { '@id': 'nowhere' } } }), 'which is no FileSet'],
      'key that is no field': [{ ...doc, recordSet: [{ ...set, key: { '@id': 'readings/nothing' } }] }, 'is not one of its fields'],
      'duplicate @id': [{ ...doc, distribution: [file, ...doc.distribution] }, 'is used twice'],
    };
    for (const [what, [bad, reason]] of Object.entries(broken)) expect(croissantProblems(bad), what).toContainEqual(expect.stringContaining(reason));
  });
});

function dropUndefined(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function withField(doc: Json, field: Json): Json {
  const [set] = doc.recordSet;
  return { ...doc, recordSet: [{ ...set, field: [field, ...set.field.slice(1)] }] };
}
