// CSV files with a header line. Streams line batches from the line reader; a quoted field
// may span lines, up to `maxRecordLines` and `maxRecordBytes`, after which the record is
// quarantined (unterminated, too large) instead of swallowing the rest of the file. A field
// spanning lines keeps the line breaks as written (CRLF stays CRLF).
//
// The path may be a glob (each file has its own header line) and a file may be gzip; its
// text is decoded from `encoding` (see text-encoding.ts) before it is split into lines.
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseCsvRecord } from './csv-parse.js';
import { invalidUtf8Item, tooLargeItem } from './file-source.js';
import { DEFAULT_MAX_RECORD_BYTES, readLines, type Line } from './line-reader.js';
import { checkSourceFiles, readSourceFiles } from './source-files.js';
import type { Extractor, RawItem, SourceOptions } from './source.js';
import type { DetectedEncoding, TextEncoding } from './text-encoding.js';
import { openTextFile } from './text-input.js';

export interface CsvOptions extends SourceOptions {
  /** Name in quarantine rows and messages; default: the file's (or the glob's) base name. */
  name?: string;
  delimiter?: string;
  maxRecordLines?: number;
  /** Largest record accepted, in bytes (default 64 MiB); larger ones are quarantined as record_too_large. */
  maxRecordBytes?: number;
  /** The files' text encoding (default utf8); a UTF-16 or UTF-8 byte-order mark decides over it. */
  encoding?: TextEncoding;
}

interface Limits {
  delimiter: string;
  maxLines: number;
  maxBytes: number;
}

interface Pending {
  line: number;
  text: string;
  lines: number;
  /** Bytes of the record so far, for maxRecordBytes. */
  bytes: number;
  /** The last line read ended with CRLF: the next one joins with CRLF. */
  crlf: boolean;
  invalid?: Uint8Array;
}

export function csv(pathOrGlob: string, options: CsvOptions = {}): Extractor {
  const name = options.name ?? path.basename(pathOrGlob);
  return {
    name,
    describe: () => pathOrGlob,
    check: (ctx) => checkSourceFiles(name, pathOrGlob, ctx),
    open: (ctx) => readSourceFiles(name, pathOrGlob, ctx, (file) => {
      let encoding: DetectedEncoding = options.encoding ?? 'utf8';
      const text = openTextFile(name, file.full, file.label, { encoding: options.encoding, detected: (e) => { encoding = e; } });
      return csvItems({ name, where: file.full, encoding: () => encoding }, readLines(text, { maxLineBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES }), options);
    }),
    ...(options.deleted && { deleted: options.deleted }),
  };
}

/** Which source and file the lines come from, for the header's errors. */
export interface CsvInput {
  name: string;
  where: string;
  /** The encoding the text was decoded from (known once the first bytes are read). */
  encoding: () => DetectedEncoding;
}

/** The records of one CSV text (a file, an HTTP body) given as lines. */
export async function* csvItems(input: CsvInput, source: AsyncIterable<Line[]>, options: CsvOptions): AsyncGenerator<RawItem[]> {
  const limits: Limits = {
    delimiter: options.delimiter ?? ',', maxLines: options.maxRecordLines ?? 100, maxBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
  };
  let columns: string[] | undefined;
  let pending: Pending | undefined;
  for await (const lines of source) {
    const items: RawItem[] = [];
    for (const line of lines) {
      if (!columns) {
        if (line.text.trim() === '' && !line.tooLarge) continue;
        columns = parseHeader(input, line, limits.delimiter);
        continue;
      }
      if (line.tooLarge) {
        // The reader resyncs at the next newline; a record this line continued is lost with it.
        const head = pending ? pending.text.slice(0, 1024) : line.text;
        const bytes = (pending ? pending.bytes + 1 : 0) + line.tooLarge.bytes;
        items.push(tooLargeItem(pending?.line ?? line.no, head, bytes, limits.maxBytes));
        pending = undefined;
        continue;
      }
      if (!pending && line.text.trim() === '') continue;
      const extended = pending !== undefined;
      pending = pending ? extend(pending, line) : start(line);
      // An open quoted field stays open until a line brings a quote: only then parse again.
      if (extended && line.text.indexOf('"') < 0 && pending.lines < limits.maxLines && pending.bytes <= limits.maxBytes) continue;
      const item = finishRecord(pending, columns, limits);
      if (item) {
        items.push(item);
        pending = undefined;
      }
    }
    if (items.length) yield items;
  }
  if (pending) yield [unterminated(pending)];
}

function start(line: Line): Pending {
  return {
    line: line.no, text: line.text, lines: 1, bytes: Buffer.byteLength(line.text), crlf: line.crlf === true,
    ...(line.invalid && { invalid: line.invalid }),
  };
}

function extend(p: Pending, line: Line): Pending {
  const eol = p.crlf ? '\r\n' : '\n';
  return {
    ...p, text: `${p.text}${eol}${line.text}`, lines: p.lines + 1, bytes: p.bytes + eol.length + Buffer.byteLength(line.text),
    crlf: line.crlf === true, ...(line.invalid && { invalid: line.invalid }),
  };
}

/** Returns the item once the record is complete, or undefined while a quoted field is open. */
function finishRecord(p: Pending, columns: string[], limits: Limits): RawItem | undefined {
  if (p.bytes > limits.maxBytes) return tooLargeItem(p.line, p.text.slice(0, 1024), p.bytes, limits.maxBytes);
  const parsed = parseCsvRecord(p.text, limits.delimiter);
  if (parsed.kind === 'open') return p.lines >= limits.maxLines ? unterminated(p) : undefined;
  if (p.invalid) return invalidUtf8Item(p.line, p.text, p.invalid);
  if (parsed.kind === 'error') return { line: p.line, raw: p.text, error: { code: parsed.code, message: parsed.message } };
  if (parsed.fields.length !== columns.length) {
    return {
      line: p.line, raw: p.text,
      error: { code: 'csv_field_count', message: `expected ${columns.length} fields (${columns.join(', ')}), found ${parsed.fields.length}` },
    };
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i < columns.length; i++) fields[columns[i]!] = parsed.fields[i]!;
  return { line: p.line, raw: p.text, fields };
}

function unterminated(p: Pending): RawItem {
  return {
    line: p.line, raw: p.text,
    error: { code: 'csv_unterminated_quote', message: `a quoted field opened here is not closed within ${p.lines} line(s)` },
  };
}

function parseHeader(input: CsvInput, line: Line, delimiter: string): string[] {
  const where = `source "${input.name}" ${input.where}:${line.no}`;
  const foreign = foreignEncoding(line, input.encoding());
  if (foreign) throw notEncodedAs(where, input.encoding(), foreign);
  if (line.tooLarge) {
    throw new InputError({
      code: 'CSV_HEADER',
      message: `${where}: the header line is ${line.tooLarge.bytes} bytes, over the source's maxRecordBytes`,
      hint: 'Check that this is a CSV file with a header line (one line naming the columns).',
    });
  }
  const parsed = parseCsvRecord(line.text, delimiter);
  const columns = parsed.kind === 'fields' ? parsed.fields.map((c) => c.trim()) : [];
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (!columns.length || columns.some((c) => c === '') || duplicate) {
    throw new InputError({
      code: 'CSV_HEADER',
      message: `${where}: the header line is not a list of distinct column names: ${line.text.slice(0, 200)}`,
      hint: 'The first non-empty line of a CSV source must name every column once. Fix the file or its header.',
    });
  }
  return columns;
}

/** What a header that is not text in its encoding looks like: another encoding, and the option that reads it. */
interface Foreign {
  looks: string;
  encoding: TextEncoding | undefined;
}

function foreignEncoding(line: Line, encoding: DetectedEncoding): Foreign | undefined {
  // ASCII text in UTF-16 without a byte-order mark is valid UTF-8 (or Latin-1), but every other byte is NUL.
  if (line.text.includes('\u0000') && !encoding.startsWith('utf16')) {
    return { looks: 'UTF-16 without a byte-order mark (or binary data): it holds NUL bytes', encoding: 'utf16le' };
  }
  if (!line.invalid) return undefined;
  if (encoding === 'utf8') return { looks: 'Latin-1 or Windows-1252: it holds bytes that are not valid UTF-8', encoding: 'latin1' };
  return { looks: 'something else: it holds a lone surrogate or an odd last byte', encoding: undefined };
}

function notEncodedAs(where: string, encoding: DetectedEncoding, foreign: Foreign): InputError {
  const declare = foreign.encoding
    ? `declare it with the source's \`encoding:\` option, e.g. csv('data.csv', { encoding: '${foreign.encoding}' })`
    : "declare its encoding with the source's `encoding:` option ('utf8', 'latin1' or 'utf16le')";
  return new InputError({
    code: encoding === 'utf8' ? 'SOURCE_NOT_UTF8' : 'SOURCE_ENCODING',
    message: `${where}: the file is not ${ENCODING_NAMES[encoding]} (its header looks like ${foreign.looks})`,
    hint: `Read as ${ENCODING_NAMES[encoding]}, the header does not decode. If the file is in another encoding, ${declare}; or convert it to UTF-8 (iconv -f LATIN1 -t UTF-8, or -f UTF-16LE).`,
  });
}

const ENCODING_NAMES: Record<DetectedEncoding, string> = { utf8: 'UTF-8', latin1: 'Latin-1', utf16le: 'UTF-16LE', utf16be: 'UTF-16BE' };
