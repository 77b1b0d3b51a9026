// The ways a version can be named (DESIGN.md, Identity): a content ID, a digest, or a name
// with an optional version. Parsed once, here, into a tagged union.
import { UsageError } from '../errors.js';

export type Ref =
  | { kind: 'contentId'; contentId: string }
  | { kind: 'digest'; digest: string }
  | { kind: 'name'; name: string; version: number | 'latest' };

const CONTENT_ID = /^[A-Za-z0-9_-]{43}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const NAME = /^([a-z0-9][a-z0-9-]{0,63})(?:@(?:v([1-9]\d*)|(latest)))?$/;

// A 43-character string that is also a valid name (only lower case, digits, hyphens) is read
// as a content ID: names that long are unlikely, and name@latest still names them.
export function parseRef(text: string): Ref {
  const ref = text.trim();
  if (CONTENT_ID.test(ref)) return { kind: 'contentId', contentId: ref };
  if (DIGEST.test(ref)) return { kind: 'digest', digest: ref };
  const m = NAME.exec(ref);
  if (m) return { kind: 'name', name: m[1]!, version: m[2] ? Number(m[2]) : 'latest' };
  throw new UsageError({
    code: 'REF_INVALID',
    message: `"${text}" is not a version reference`,
    hint: 'Name a version as <contentId> (43 characters), sha256:<64 hex>, <name>@v<N>, <name>@latest or <name>.',
  });
}

export function formatRef(ref: Ref): string {
  if (ref.kind === 'contentId') return ref.contentId;
  if (ref.kind === 'digest') return ref.digest;
  return ref.version === 'latest' ? `${ref.name}@latest` : `${ref.name}@v${ref.version}`;
}
