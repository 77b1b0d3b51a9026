// The data half of croissant.json: where the records are (`distribution`) and what they are
// (`recordSet`), in the Croissant 1.1 constructs mlcroissant reads (research notes §3, §4).
//
// - One cr:FileObject per chunk: `@id` and `contentUrl` are the chunk's path relative to the
//   release root, so `<gateway>/<contentId>/<contentUrl>` (or the folder `arkive get` writes)
//   resolves it; `sha256` is the stored file's, as the card gives it.
// - One cr:FileSet over all chunks (`includes` a glob over data/). A record set that reads many
//   files must source a FileSet: mlcroissant cannot union FileObjects into one record set, and
//   it walks the folder next to croissant.json for a FileSet without `containedIn`.
// - encodingFormat is the inner format (application/jsonlines, application/x-parquet), the
//   only values mlcroissant's readers accept; it gunzips a file whose name ends in `.gz`, and
//   chunk names keep that suffix. (The spec has no compression property.)
// - One cr:RecordSet whose cr:Fields come from recordFields() (fields.ts), each read from the
//   FileSet's column of that name; `key` is the card's key fields.
import type { Card } from './card.js';
import type { FieldKind, RecordField } from './fields.js';

type Json = Record<string, unknown>;

const ENCODING = { 'jsonl.gz': 'application/jsonlines', parquet: 'application/x-parquet' } as const;
const EXTENSION = { 'jsonl.gz': '.jsonl.gz', parquet: '.parquet' } as const;

/** Croissant's atomic data types (SPEC11 "Commonly used atomic data types"); JSON values travel as text. */
const DATA_TYPES: Record<FieldKind, string> = {
  string: 'sc:Text', integer: 'sc:Integer', float: 'sc:Float', boolean: 'sc:Boolean',
  date: 'sc:Date', datetime: 'sc:DateTime', json: 'sc:Text',
};

/** mlcroissant's name rule (`[a-zA-Z0-9\-_\.]+`, at most 255): anything else becomes `_`, as Hugging Face does. */
function croissantName(text: string): string {
  const name = text.replace(/[^a-zA-Z0-9\-_.]/g, '_').slice(0, 255);
  return name || '_';
}

type DataFormat = keyof typeof ENCODING;

function dataFormat(card: Card): DataFormat {
  if (card.format === 'safetensors') throw new Error(`croissant.json describes dataset releases; ${card.name} is a ${card.kind}`);
  return card.format;
}

function fileSetId(card: Card): string {
  return `${card.name}-chunks`;
}

export function distribution(card: Card): Json[] {
  const format = dataFormat(card);
  const chunks = card.chunks.map((c, i): Json => ({
    '@type': 'cr:FileObject',
    '@id': c.path,
    // The file's own name (SPEC11: "as downloaded, including the file extension"); a path
    // with `/` would fail mlcroissant's name rule.
    name: croissantName(c.path.slice(c.path.lastIndexOf('/') + 1)),
    description: `Chunk ${i + 1} of ${card.chunks.length}: ${c.rows} records, keys ${JSON.stringify(c.firstKey)} to ${JSON.stringify(c.lastKey)}.`,
    contentUrl: c.path,
    contentSize: `${c.bytes} B`,
    encodingFormat: ENCODING[format],
    sha256: c.sha256,
  }));
  const fileSet: Json = {
    '@type': 'cr:FileSet',
    '@id': fileSetId(card),
    name: croissantName(fileSetId(card)),
    // Chunk files are named by the sha256 of their rows, so path order is not key order.
    description: `The ${card.chunks.length} chunk file${card.chunks.length === 1 ? '' : 's'} of ${card.name} version ${card.version}: the FileObjects above, which list them in key order with their sha256.`,
    encodingFormat: ENCODING[format],
    includes: chunkGlob(card),
  };
  return [...chunks, fileSet];
}

/** The glob over the chunks' folder: every chunk path of a release is data/<rows sha256><extension>. */
function chunkGlob(card: Card): string {
  const extension = EXTENSION[dataFormat(card)];
  const folders = new Set(card.chunks.map((c) => c.path.slice(0, c.path.lastIndexOf('/') + 1)));
  const folder = folders.size === 1 ? [...folders][0]! : 'data/';
  return `${folder}*${extension}`;
}

/** Field IDs: `<record set>/<name>`, unique even where two column names escape alike. */
function fieldIds(recordSet: string, fields: readonly RecordField[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const field of fields) {
    const base = croissantName(field.name);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    ids.set(field.name, `${recordSet}/${name}`);
  }
  return ids;
}

function fieldDescription(field: RecordField): string | undefined {
  const parts = [
    field.description,
    field.kind === 'json' && 'A JSON value (object, array or mixed types).',
    field.kind === 'datetime' && 'An ISO 8601 date-time, as stored.',
    field.enum && `One of: ${field.enum.join(', ')}.`,
    field.nullable && 'May be null.',
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length ? parts.join(' ') : undefined;
}

export function recordSet(card: Card, fields: readonly RecordField[]): Json {
  const id = card.name;
  const ids = fieldIds(id, fields);
  const key = (card.key ?? []).map((name) => {
    const field = ids.get(name);
    if (!field) throw new Error(`key field ${name} of ${card.name} is not a field of its schema`);
    return { '@id': field };
  });
  const source = (column: string) => ({ fileSet: { '@id': fileSetId(card) }, extract: { column } });
  return {
    '@type': 'cr:RecordSet',
    '@id': id,
    name: croissantName(id),
    description: `The ${card.rows} records of ${card.name} version ${card.version}${card.key ? `, keyed by ${card.key.join(' and ')}` : ''}.`,
    ...(key.length === 1 ? { key: key[0] } : key.length > 1 ? { key } : {}),
    field: fields.map((f) => ({
      '@type': 'cr:Field',
      '@id': ids.get(f.name),
      name: ids.get(f.name)!.slice(id.length + 1),
      description: fieldDescription(f),
      dataType: DATA_TYPES[f.kind],
      source: source(f.name),
    })),
  };
}
