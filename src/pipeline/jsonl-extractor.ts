// JSON Lines files: one JSON object per line. A line that does not parse, or parses to
// something other than an object, becomes a quarantined item with the parser's message.
import path from 'node:path';
import { checkFile, invalidUtf8Item, resolveSourcePath } from './file-source.js';
import { readLines, type Line } from './line-reader.js';
import type { Extractor, RawItem } from './source.js';

export interface JsonlOptions {
  /** Name in quarantine rows and messages; default: the file's base name. */
  name?: string;
}

export function jsonl(file: string, options: JsonlOptions = {}): Extractor {
  const name = options.name ?? path.basename(file);
  return {
    name,
    describe: () => file,
    check: (ctx) => checkFile(name, file, ctx),
    open: (ctx) => readJsonl(resolveSourcePath(file, ctx)),
  };
}

async function* readJsonl(file: string): AsyncGenerator<RawItem[]> {
  for await (const lines of readLines(file)) {
    const items: RawItem[] = [];
    for (const line of lines) {
      if (line.text.trim() === '') continue;
      items.push(parseLine(line));
    }
    if (items.length) yield items;
  }
}

function parseLine(line: Line): RawItem {
  if (line.invalid) return invalidUtf8Item(line.no, line.text, line.invalid);
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
