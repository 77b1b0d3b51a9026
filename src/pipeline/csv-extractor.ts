// CSV files with a header line. Streams line batches from the line reader; a quoted field
// may span lines, up to `maxRecordLines`, after which the record is quarantined as
// unterminated instead of swallowing the rest of the file.
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseCsvRecord } from './csv-parse.js';
import { checkFile, invalidUtf8Item, resolveSourcePath } from './file-source.js';
import { readLines, type Line } from './line-reader.js';
import type { ExtractContext, Extractor, RawItem } from './source.js';

export interface CsvOptions {
  /** Name in quarantine rows and messages; default: the file's base name. */
  name?: string;
  delimiter?: string;
  maxRecordLines?: number;
}

interface Pending {
  line: number;
  text: string;
  lines: number;
  invalid?: Uint8Array;
}

export function csv(file: string, options: CsvOptions = {}): Extractor {
  const name = options.name ?? path.basename(file);
  return {
    name,
    describe: () => file,
    check: (ctx) => checkFile(name, file, ctx),
    open: (ctx) => readCsv(name, resolveSourcePath(file, ctx), options),
  };
}

async function* readCsv(name: string, file: string, options: CsvOptions): AsyncGenerator<RawItem[]> {
  const delimiter = options.delimiter ?? ',';
  const maxLines = options.maxRecordLines ?? 100;
  let columns: string[] | undefined;
  let pending: Pending | undefined;
  for await (const lines of readLines(file)) {
    const items: RawItem[] = [];
    for (const line of lines) {
      if (!columns) {
        if (line.text.trim() === '') continue;
        columns = parseHeader(name, file, line, delimiter);
        continue;
      }
      if (!pending && line.text.trim() === '') continue;
      pending = pending ? extend(pending, line) : start(line);
      const item = finishRecord(pending, columns, delimiter, maxLines);
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
  return { line: line.no, text: line.text, lines: 1, ...(line.invalid && { invalid: line.invalid }) };
}

function extend(p: Pending, line: Line): Pending {
  return { ...p, text: `${p.text}\n${line.text}`, lines: p.lines + 1, ...(line.invalid && { invalid: line.invalid }) };
}

/** Returns the item once the record is complete, or undefined while a quoted field is open. */
function finishRecord(p: Pending, columns: string[], delimiter: string, maxLines: number): RawItem | undefined {
  const parsed = parseCsvRecord(p.text, delimiter);
  if (parsed.kind === 'open') return p.lines >= maxLines ? unterminated(p) : undefined;
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

function parseHeader(name: string, file: string, line: Line, delimiter: string): string[] {
  const parsed = parseCsvRecord(line.text, delimiter);
  const columns = parsed.kind === 'fields' ? parsed.fields.map((c) => c.trim()) : [];
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (line.invalid || !columns.length || columns.some((c) => c === '') || duplicate) {
    throw new InputError({
      code: 'CSV_HEADER',
      message: `source "${name}" ${file}:${line.no}: the header line is not a list of distinct column names: ${line.text.slice(0, 200)}`,
      hint: 'The first non-empty line of a CSV source must name every column once. Fix the file or its header.',
    });
  }
  return columns;
}
