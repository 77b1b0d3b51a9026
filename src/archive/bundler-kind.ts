// Which protocol a bundler speaks, when neither --bundler-kind nor $ARKIVE_BUNDLER_KIND says:
// asked of its GET /info. Turbo's upload service answers with `freeUploadLimitBytes` (its
// src/routes/info.ts), which no Irys node reports; an Irys node answers `addresses.arweave`.
// Anything else is not a bundler arkive can talk to, and is refused before any work.
import { RuntimeFailure, UsageError } from '../errors.js';
import { readBounded } from './bounded-fetch.js';
import type { BundlerKind } from './uploader.js';

export interface DetectOptions {
  /** How long /info may take in all (default 15 s): a bundler that cannot answer this cannot take uploads. */
  deadlineMs?: number;
}

export async function detectBundlerKind(bundlerUrl: string, options: DetectOptions = {}): Promise<BundlerKind> {
  const url = `${bundlerUrl.replace(/\/+$/, '')}/info`;
  const deadlineMs = options.deadlineMs ?? 15_000;
  let body: Buffer;
  try {
    // An /info answer is a few hundred bytes; a bundler that streams more is not answering it.
    body = await readBounded(url, { maxBytes: 64 * 1024, idleTimeoutMs: deadlineMs, deadlineMs });
  } catch (error) {
    throw new RuntimeFailure({
      code: 'BUNDLER_UNREACHABLE', message: `cannot ask the bundler which protocol it speaks: GET ${url}: ${(error as Error).message}`,
      hint: 'Check --bundler ($ARKIVE_BUNDLER) and that it is up; or name its protocol with --bundler-kind irys|turbo.',
      cause: error,
    });
  }
  const kind = kindOfInfo(body);
  if (kind) return kind;
  throw new UsageError({
    code: 'BUNDLER_UNKNOWN', message: `GET ${url} answered something neither a Turbo nor an Irys bundler answers`,
    hint: 'Point --bundler at an Arweave bundler (e.g. https://upload.ardrive.io), or name its protocol with --bundler-kind irys|turbo.',
  });
}

/** The protocol an /info body reveals, if any. */
export function kindOfInfo(body: Buffer): BundlerKind | undefined {
  let info: unknown;
  try {
    info = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!info || typeof info !== 'object') return undefined;
  const fields = info as { freeUploadLimitBytes?: unknown; addresses?: { arweave?: unknown } };
  if (typeof fields.freeUploadLimitBytes === 'number') return 'turbo';
  if (typeof fields.addresses?.arweave === 'string') return 'irys';
  return undefined;
}
