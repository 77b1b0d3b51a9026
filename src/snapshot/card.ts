// The dataset or model card, `arkive.json` at the root of every release: what the release
// holds (schema, rows, the chunk list with sha256 and key ranges), where it comes from
// (pipeline, run, parent release, training dataset) and under which license.
//
// A card is byte-deterministic: it has no creation time (the strict schema refuses
// createdAt and any other unknown field) and cardBytes() writes canonical JSON, so the
// same card gives the same bytes whoever writes it.
//
// The digest identifies the content (DESIGN.md, Identity). A dataset's is the sha256 of its
// canonical rows (canonical-rows.ts): it does not change with the compressor or the chunk
// layout. A model's is over its checkpoint files' (path, sha256) pairs, sorted by path
// (contentDigest): those bytes are the content. Each chunk lists both its stored file's
// sha256 and size (what retrieval verifies) and, for datasets, its rows sha256.
import { z } from 'zod';
import { InputError } from '../errors.js';
import { NAME_PATTERN } from './name.js';
import { sha256Hex } from './snapshot-writer.js';

const SHA256 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** An Arweave transaction ID: 32 bytes as unpadded base64url. */
const CONTENT_ID = /^[A-Za-z0-9_-]{43}$/;
// Segments that cannot start with a dot rule out "." and ".." without a lookahead, which
// not every JSON Schema validator's regex dialect supports.
const RELATIVE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

export const CardChunk = z.strictObject({
  path: z.string().regex(RELATIVE_PATH, 'path must be relative to the release root: /-separated names of letters, digits, . _ -, none starting with a dot'),
  sha256: z.string().regex(SHA256, 'sha256 must be 64 lower-case hex digits'),
  /** sha256 of the chunk's canonical rows (datasets; absent in cards written before it). */
  rowsSha256: z.string().regex(SHA256, 'rowsSha256 must be 64 lower-case hex digits').optional(),
  bytes: z.int().min(0),
  rows: z.int().min(0),
  firstKey: z.string(),
  lastKey: z.string(),
});

/**
 * A file of the release for tools that know nothing of arkive (croissant.json, README.md):
 * listed here so that a verified get checks its bytes like any chunk's.
 */
export const CardDocument = z.strictObject({
  path: z.string().regex(RELATIVE_PATH, 'path must be relative to the release root'),
  sha256: z.string().regex(SHA256, 'sha256 must be 64 lower-case hex digits'),
  bytes: z.int().min(0),
  contentType: z.string().min(1),
});

export const Card = z.strictObject({
  name: z.string().regex(NAME_PATTERN, 'name must match [a-z0-9][a-z0-9-]{0,63}'),
  kind: z.enum(['dataset', 'model']),
  version: z.int().min(1),
  digest: z.string().regex(DIGEST, 'digest must be sha256:<64 hex digits>'),
  /** Content ID of the previous version's release, null for v1. */
  parent: z.string().regex(CONTENT_ID, 'parent must be an Arweave ID').nullable(),
  pipeline: z.string().regex(NAME_PATTERN, 'pipeline must be a pipeline name'),
  runId: z.string().min(1),
  /** JSON Schema of the records (datasets) or of the checkpoint's inputs (models). */
  schema: z.record(z.string(), z.unknown()),
  format: z.enum(['jsonl.gz', 'parquet', 'safetensors']),
  rows: z.int().min(0),
  bytes: z.int().min(0),
  /** In key order. */
  chunks: z.array(CardChunk),
  /** Content ID of the dataset release a model was trained on. */
  trainedOn: z.string().regex(CONTENT_ID, 'trainedOn must be an Arweave ID').optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** SPDX identifier of the licence. */
  license: z.string().min(1).optional(),
  /** The Universal Data License as the tags every item of the release carries (name → value). */
  udl: z.record(z.string(), z.string()).optional(),
  /** The fields that make a record's key, in order (absent when the pipeline's key is a function). */
  key: z.array(z.string().min(1)).min(1).optional(),
  /** croissant.json, README.md: absent in cards written before them. */
  documents: z.array(CardDocument).optional(),
}).meta({ title: 'arkive.json', description: 'The card of an arkive dataset or model release.' });

export type Card = z.output<typeof Card>;
export type CardDocument = z.output<typeof CardDocument>;
export type CardFormat = Card['format'];

/** A chunk as the card lists it: the stored file's sha256 and size, and its rows sha256. */
export interface CardChunkInput {
  path: string;
  sha256: string;
  rowsSha256?: string | undefined;
  bytes: number;
  rows: number;
  firstKey: string;
  lastKey: string;
}

export interface CardInput {
  name: string;
  kind: 'dataset' | 'model';
  version: number;
  parent: string | null;
  pipeline: string;
  runId: string;
  schema: Record<string, unknown>;
  format: CardFormat;
  chunks: CardChunkInput[];
  /** The content digest; default contentDigest(chunks) (right for models, whose files are the content). */
  digest?: string | undefined;
  trainedOn?: string;
  metrics?: Record<string, number>;
  license?: string;
  udl?: Record<string, string>;
  key?: readonly string[];
  documents?: readonly CardDocument[];
}

/** The card's JSON Schema (draft 2020-12), as committed in schemas/card.schema.json. */
export function cardJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Card) as Record<string, unknown>;
}

/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit, as RFC 8785) at every depth, no
 * whitespace, undefined object members left out. Only JSON values are accepted.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return JSON.stringify(value);
    throw new TypeError(`canonical JSON cannot hold the number ${value}`);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** sha256:<hex> over the canonical JSON of [[path, sha256], …] sorted by path. */
export function contentDigest(files: readonly { path: string; sha256: string }[]): string {
  const byPath = new Map<string, string>();
  for (const { path, sha256 } of files) {
    const seen = byPath.get(path);
    if (seen !== undefined && seen !== sha256) {
      throw new InputError({
        code: 'CARD_PATH_CONFLICT',
        message: `two files share the path ${path} but differ (${seen} and ${sha256})`,
        hint: 'Every path of a release names one file; name chunk files by their sha256.',
      });
    }
    byPath.set(path, sha256);
  }
  const pairs = [...byPath].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `sha256:${sha256Hex(Buffer.from(canonicalJson(pairs), 'utf8'))}`;
}

/** Parses a card, or throws an InputError listing what is wrong with it. */
export function parseCard(value: unknown): Card {
  const result = Card.safeParse(value);
  if (result.success) return result.data;
  throw new InputError({
    code: 'CARD_INVALID',
    message: `invalid arkive.json card: ${z.prettifyError(result.error)}`,
    hint: 'A card must match schemas/card.schema.json.',
  });
}

/** The card of a release: rows, bytes and digest are derived from the chunks. */
export function buildCard(input: CardInput): Card {
  const chunks = input.chunks.map(({ path, sha256, rowsSha256, bytes, rows, firstKey, lastKey }) =>
    ({ path, sha256, ...(rowsSha256 && { rowsSha256 }), bytes, rows, firstKey, lastKey }));
  return parseCard({
    name: input.name,
    kind: input.kind,
    version: input.version,
    digest: input.digest ?? contentDigest(chunks),
    parent: input.parent,
    pipeline: input.pipeline,
    runId: input.runId,
    schema: input.schema,
    format: input.format,
    rows: chunks.reduce((sum, c) => sum + c.rows, 0),
    bytes: chunks.reduce((sum, c) => sum + c.bytes, 0),
    chunks,
    trainedOn: input.trainedOn,
    metrics: input.metrics,
    license: input.license,
    udl: input.udl,
    key: input.key && [...input.key],
    documents: input.documents?.map(({ path, sha256, bytes, contentType }) => ({ path, sha256, bytes, contentType })),
  });
}

/** The card as canonical JSON in UTF-8: identical cards give identical bytes. */
export function cardBytes(card: Card): Buffer {
  return Buffer.from(canonicalJson(parseCard(card)), 'utf8');
}
