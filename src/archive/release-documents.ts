// A release's documents for tools that know nothing of arkive: croissant.json (MLCommons
// Croissant) and README.md (a Hugging Face card). They are written when the release is
// numbered, listed in its card with their sha256 (so a verified get checks them like any
// chunk), and kept with the pending release in the database, so that a resumed run archives
// the very bytes the card lists even if it would now write them differently.
import { hash } from 'node:crypto';
import type { CardDocument } from '../snapshot/card.js';
import { CARD_PATH, checkPath } from './manifest.js';

export interface ReleaseDocument {
  /** Path in the release root, e.g. `croissant.json`. */
  path: string;
  contentType: string;
  bytes: Buffer;
}

/** What the callbacks that write a release's card and documents know about it. */
export interface NumberedRelease {
  version: number;
  parent: string | null;
  digest: string;
  /** When the release was numbered (ISO 8601 UTC): its publication date. */
  createdAt: string;
}

/** The card's listing of the documents. */
export function listDocuments(documents: readonly ReleaseDocument[]): CardDocument[] {
  return documents.map((d) => ({ path: d.path, sha256: hash('sha256', d.bytes), bytes: d.bytes.length, contentType: d.contentType }));
}

/** Canonical JSON for the database column; null when there are none. */
export function serializeDocuments(documents: readonly ReleaseDocument[]): string | null {
  if (documents.length === 0) return null;
  const seen = new Set<string>([CARD_PATH]);
  for (const d of documents) {
    checkPath(d.path);
    if (seen.has(d.path)) throw new Error(`release document path ${d.path} is used twice (or is the card's)`);
    seen.add(d.path);
  }
  return JSON.stringify(documents.map((d) => ({ path: d.path, contentType: d.contentType, base64: d.bytes.toString('base64') })));
}

export function parseDocuments(column: string | null | undefined): ReleaseDocument[] {
  if (!column) return [];
  const parsed = JSON.parse(column) as { path: string; contentType: string; base64: string }[];
  return parsed.map((d) => ({ path: d.path, contentType: d.contentType, bytes: Buffer.from(d.base64, 'base64') }));
}
