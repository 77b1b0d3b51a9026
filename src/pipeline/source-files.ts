// Which files a file source reads: one path, or every file a glob matches (`exports/*.csv`,
// `data/**/*.parquet`), in the byte order of their paths so that every run reads them in the
// same order (the first of two conflicting rows wins). A path that names an existing file is
// read as it is, even when it holds glob characters (`report[1].csv`).
import fs from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InputError } from '../errors.js';
import { checkFile, resolveSourcePath } from './file-source.js';
import type { ExtractContext, RawItem } from './source.js';

export interface SourceFile {
  /** Absolute path. */
  full: string;
  /** As quarantine locations and messages name it: relative to the project directory when inside it. */
  label: string;
}

export interface SourceFiles {
  files: SourceFile[];
  /** Whether the source is a glob (then each item names its file). */
  glob: boolean;
}

export async function listSourceFiles(name: string, pattern: string, ctx: ExtractContext): Promise<SourceFiles> {
  const full = resolveSourcePath(pattern, ctx);
  if (!isDynamicPattern(pattern) || (await isFile(full))) return { files: [{ full, label: pattern }], glob: false };
  const { base, rest } = splitPattern(pattern, ctx);
  const found = await glob(rest, { cwd: base, onlyFiles: true, expandDirectories: false, dot: false });
  if (!found.length) {
    throw new InputError({
      code: 'SOURCE_NO_MATCH',
      message: `source "${name}": no file matches ${pattern} (looked in ${base})`,
      hint: `Check the pattern given for this source in the pipeline file; relative patterns are resolved against the project directory ${ctx.cwd}, and files whose names start with a dot are not matched.`,
    });
  }
  const sorted = found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { files: sorted.map((rel) => fileOf(path.join(base, rel), ctx)), glob: true };
}

/** Checks every file can be read; the bytes are their sum. */
export async function checkSourceFiles(name: string, pattern: string, ctx: ExtractContext): Promise<{ bytes: number }> {
  const { files } = await listSourceFiles(name, pattern, ctx);
  let bytes = 0;
  for (const file of files) bytes += (await checkFile(name, file.full, ctx)).bytes;
  return { bytes };
}

/** Reads each file in turn; under a glob, every item is told its file. */
export async function* readSourceFiles(
  name: string, pattern: string, ctx: ExtractContext, read: (file: SourceFile) => AsyncIterable<RawItem[]>,
): AsyncGenerator<RawItem[]> {
  const { files, glob: many } = await listSourceFiles(name, pattern, ctx);
  for (const file of files) {
    for await (const items of read(file)) {
      if (many) for (const item of items) item.file = file.label;
      yield items;
    }
  }
}

/** The leading directories of the pattern without glob characters (resolved), and the pattern below them. */
function splitPattern(pattern: string, ctx: ExtractContext): { base: string; rest: string } {
  // Only the pattern is looked at: the project directory's own name may hold [ or *.
  const parts = pattern.split('/');
  const dynamic = parts.findIndex((part) => isDynamicPattern(part));
  return { base: resolveSourcePath(parts.slice(0, dynamic).join('/') || '.', ctx), rest: parts.slice(dynamic).join('/') };
}

function fileOf(full: string, ctx: ExtractContext): SourceFile {
  const rel = path.relative(ctx.cwd, full);
  return { full, label: rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? full : rel };
}

async function isFile(full: string): Promise<boolean> {
  try {
    return (await fs.stat(full)).isFile();
  } catch {
    return false;
  }
}
