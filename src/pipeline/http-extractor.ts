// http(url, { format }): a CSV, JSON Lines or Parquet resource read over
// HTTP(S). The whole body is downloaded to a temp file first, so a body cut off is detected
// before anything of it is loaded; then the file is read by the file extractor of its
// format. The ETag and Last-Modified of the last committed run make the request
// conditional: a 304 — or a 200 with the same SHA-256 as before — reads as `unchanged`, and
// the source's records stay as they are.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ArkiveError, InputError } from '../errors.js';
import { csv, type CsvOptions } from './csv-extractor.js';
import { isEnvRef, resolveEnv, type MaybeEnv } from './env-ref.js';
import { download, type Download } from './http-download.js';
import { defaultSourceName, parseHttpUrl, shownUrl } from './http-url.js';
import { jsonl, type JsonlOptions } from './jsonl-extractor.js';
import { parquet, type ParquetOptions } from './parquet-extractor.js';
import type { ExtractContext, Extractor, RawItem, SourceState } from './source.js';
import { checkHttpOptions, type HttpFormat, type HttpOptions } from './http-options.js';

export type { HttpCommonOptions, HttpFormat, HttpOptions } from './http-options.js';

type FormatOptions = Record<string, unknown>;

/** Which file extractor reads a downloaded body. */
const READERS: Record<HttpFormat, (file: string, name: string, options: FormatOptions) => Extractor> = {
  csv: (file, name, options) => csv(file, { ...(options as Omit<CsvOptions, 'name'>), name }),
  jsonl: (file, name, options) => jsonl(file, { ...(options as Omit<JsonlOptions, 'name'>), name }),
  parquet: (file, name, options) => parquet(file, { ...(options as Omit<ParquetOptions, 'name'>), name }),
};

const DEFAULTS = { maxBytes: 4 * 1024 ** 3, timeoutMs: 30_000, retries: 4, backoffMs: 500, maxBackoffMs: 30_000, maxRedirects: 5 };

const OWN_OPTIONS = new Set(['format', 'headers', 'tempDir', 'name', 'deleted']);

interface Source {
  url: MaybeEnv;
  name: string;
  options: HttpOptions;
  limits: typeof DEFAULTS;
  formatOptions: FormatOptions;
}

export function http(url: MaybeEnv, options: HttpOptions): Extractor {
  checkHttpOptions(url, options);
  const name = options.name ?? (isEnvRef(url) ? 'http' : defaultSourceName(new URL(url)));
  const given = options as unknown as Record<string, unknown>;
  const limits = Object.fromEntries(Object.entries(DEFAULTS).map(([key, value]) => [key, given[key] ?? value])) as typeof DEFAULTS;
  // What is not the source's own is the format's (delimiter, maxDepth, ...): handed to its file reader.
  const formatOptions = Object.fromEntries(Object.entries(given).filter(([key]) => !OWN_OPTIONS.has(key) && !(key in DEFAULTS)));
  const source: Source = { url, name, options, limits, formatOptions };
  return {
    name,
    describe: (ctx) => describeUrl(source, ctx),
    check: async (ctx) => {
      prepare(source, ctx);
      if (source.options.tempDir !== undefined) await fs.rm(await tempDirFor(source, ctx), { recursive: true });
      return {};
    },
    open: (ctx) => readHttp(source, ctx),
    ...(options.deleted && { deleted: options.deleted }),
  };
}

/** scheme://host/path: never the userinfo or the query; an unresolved env('NAME') as itself. */
function describeUrl(source: Source, ctx: ExtractContext): string {
  try {
    return shownUrl(resolveUrl(source, ctx));
  } catch {
    return isEnvRef(source.url) ? String(source.url) : '(not a valid http URL)';
  }
}

function resolveUrl(source: Source, ctx: ExtractContext): URL {
  const where = `source "${source.name}"`;
  return parseHttpUrl(resolveEnv(source.url, ctx.env, `${where} (its URL)`), where);
}

/** Everything that can be known before a request: the URL, the headers' variables, the format. */
function prepare(source: Source, ctx: ExtractContext): { url: URL; headers: Record<string, string>; reader: (typeof READERS)[HttpFormat] } {
  const url = resolveUrl(source, ctx);
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(source.options.headers ?? {})) {
    headers[header] = resolveEnv(value, ctx.env, `source "${source.name}" (its ${header} header)`);
    checkHeaderValue(source.name, header, headers[header]!);
  }
  return { url, headers, reader: READERS[source.options.format] };
}

function checkHeaderValue(name: string, header: string, value: string): void {
  // What Node refuses to send (a line break would also split the request): named, never shown.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new InputError({
      code: 'HTTP_HEADER',
      message: `source "${name}": the value of its ${header} header holds a control character or a line break`,
      hint: 'Check the value (a token pasted with its newline?); it is not shown here.',
    });
  }
}

async function* readHttp(source: Source, ctx: ExtractContext): AsyncGenerator<RawItem[]> {
  const { url, headers, reader } = prepare(source, ctx);
  const dir = await tempDirFor(source, ctx);
  try {
    const body = path.join(dir, 'body');
    const got = await download({
      url, headers, conditional: conditionalOf(ctx.previous), ...source.limits, file: body, source: `source "${source.name}"`, onBytes: ctx.progress,
    });
    if (got.kind === 'not-modified') {
      ctx.report?.({ mode: 'unchanged' });
      return;
    }
    const state = stateOf(got);
    // A server without validators sends the same bytes again: nothing to read either.
    if (ctx.previous?.sha256 === got.sha256) {
      ctx.report?.({ mode: 'unchanged', state });
      return;
    }
    ctx.report?.({ mode: 'full', state });
    // Named after the URL's file, so a reader that goes by the extension (.gz) sees it; not once the body was decoded.
    const file = path.join(dir, fileName(url, got.decoded));
    await fs.rename(body, file);
    yield* relabel(reader(file, source.name, source.formatOptions).open({ cwd: dir, env: ctx.env }), file, shownUrl(url));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function tempDirFor(source: Source, ctx: ExtractContext): Promise<string> {
  const root = source.options.tempDir === undefined ? os.tmpdir() : path.resolve(ctx.cwd, source.options.tempDir);
  try {
    return await fs.mkdtemp(path.join(root, 'arkive-http-'));
  } catch (error) {
    throw new InputError({
      code: 'HTTP_TEMP_DIR',
      message: `source "${source.name}": cannot create its download directory in ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      hint: 'Point the source\'s tempDir option (or TMPDIR) at a writable directory with room for the whole body.',
      cause: error,
    });
  }
}

function conditionalOf(previous: SourceState | undefined): { etag?: string; lastModified?: string } {
  return {
    ...(typeof previous?.etag === 'string' && { etag: previous.etag }),
    ...(typeof previous?.lastModified === 'string' && { lastModified: previous.lastModified }),
  };
}

function stateOf(got: Extract<Download, { kind: 'body' }>): SourceState {
  return { ...(got.etag && { etag: got.etag }), ...(got.lastModified && { lastModified: got.lastModified }), sha256: got.sha256 };
}

function fileName(url: URL, decoded: boolean): string {
  const base = (url.pathname.split('/').filter(Boolean).at(-1) ?? '').replace(/[^\w.-]/g, '_').slice(-100);
  const name = decoded ? base.replace(/\.(gz|br)$/i, '') : base;
  return name.replace(/^\.+/, '') || 'download';
}

/** Items and errors of the temp file, told as the URL's: quarantine locations and messages never name the temp path. */
async function* relabel(items: AsyncIterable<RawItem[]>, file: string, shown: string): AsyncGenerator<RawItem[]> {
  try {
    for await (const batch of items) {
      yield batch.map((item) => {
        if (item.file === undefined) return item;
        const { file: _file, ...rest } = item;
        return rest;
      });
    }
  } catch (error) {
    if (!(error instanceof ArkiveError)) throw error;
    const told = (text: string) => text.split(file).join(shown).split(path.dirname(file)).join('(the download)');
    const Kind = error.constructor as new (d: { code: string; message: string; hint: string; cause?: unknown }) => ArkiveError;
    throw new Kind({ code: error.code, message: told(error.message), hint: told(error.hint), cause: error });
  }
}
