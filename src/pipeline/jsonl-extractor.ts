// JSON Lines files: one JSON object per line. A line that does not parse, or parses to
// something other than an object, becomes a quarantined item with the parser's message; so
// does a value nested deeper than `maxDepth`, which would overflow the stack of every
// recursive step after the parse (zod, JSON.stringify, the pipeline's own code).
//
// The path may be a glob and a file may be gzip; its text is decoded from `encoding` (see
// text-encoding.ts) before it is split into lines.
import path from 'node:path';
import { invalidUtf8Item, tooLargeItem } from './file-source.js';
import { DEFAULT_MAX_RECORD_BYTES, readLines, type Line } from './line-reader.js';
import { checkSourceFiles, readSourceFiles } from './source-files.js';
import type { Extractor, RawItem, SourceOptions } from './source.js';
import type { TextEncoding } from './text-encoding.js';
import { openTextFile } from './text-input.js';

export interface JsonlOptions extends SourceOptions {
  /** Name in quarantine rows and messages; default: the file's (or the glob's) base name. */
  name?: string;
  /** The files' text encoding (default utf8); a UTF-16 or UTF-8 byte-order mark decides over it. */
  encoding?: TextEncoding;
  /** Deepest nesting of arrays and objects accepted (default 512); deeper lines are quarantined as json_too_deep. */
  maxDepth?: number;
  /** Longest line accepted, in bytes (default 64 MiB); longer ones are quarantined as record_too_large. */
  maxRecordBytes?: number;
}

const DEFAULT_MAX_DEPTH = 512;

export function jsonl(pathOrGlob: string, options: JsonlOptions = {}): Extractor {
  const name = options.name ?? path.basename(pathOrGlob);
  return {
    name,
    describe: () => pathOrGlob,
    check: (ctx) => checkSourceFiles(name, pathOrGlob, ctx),
    open: (ctx) => readSourceFiles(name, pathOrGlob, ctx, (file) => {
      const text = openTextFile(name, file.full, file.label, { encoding: options.encoding });
      return jsonlItems(readLines(text, { maxLineBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES }), options);
    }),
    ...(options.deleted && { deleted: options.deleted }),
  };
}

/** The records of one JSON Lines text (a file, an HTTP body) given as lines. */
export async function* jsonlItems(source: AsyncIterable<Line[]>, options: JsonlOptions): AsyncGenerator<RawItem[]> {
  const limits = { maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH, maxBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES };
  for await (const lines of source) {
    const items: RawItem[] = [];
    for (const line of lines) {
      if (line.tooLarge) items.push(tooLargeItem(line.no, line.text, line.tooLarge.bytes, limits.maxBytes));
      else if (line.text.trim() !== '') items.push(parseLine(line, limits.maxDepth));
    }
    if (items.length) yield items;
  }
}

function parseLine(line: Line, maxDepth: number): RawItem {
  if (line.invalid) return invalidUtf8Item(line.no, line.text, line.invalid);
  if (nestsDeeper(line.text, maxDepth)) {
    return { line: line.no, raw: line.text, error: { code: 'json_too_deep', message: `the JSON value nests arrays or objects deeper than ${maxDepth} levels` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return { line: line.no, raw: line.text, error: { code: 'json_malformed', message: (error as Error).message } };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { line: line.no, raw: line.text, error: { code: 'json_not_object', message: `expected a JSON object, found ${found}` } };
  }
  return { line: line.no, raw: line.text, fields: value as Record<string, unknown> };
}

/** Whether brackets outside strings open more than `max` levels. Checked before parsing, in one pass. */
export function nestsDeeper(text: string, max: number): boolean {
  // A valid value nested d deep has at least 2d characters: short lines need no scan.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) i = stringEnd(text, i);
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Index of the quote closing the string opened at `open` (text.length if none). */
function stringEnd(text: string, open: number): number {
  let q = open;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
}
