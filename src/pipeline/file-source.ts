// What the file-based extractors share: resolving the path against the project directory
// and checking it is a readable file before a run starts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { ExtractContext, RawItem } from './source.js';

export function resolveSourcePath(file: string, ctx: ExtractContext): string {
  return path.resolve(ctx.cwd, file);
}

export async function checkFile(name: string, file: string, ctx: ExtractContext): Promise<{ bytes: number }> {
  const full = resolveSourcePath(file, ctx);
  try {
    const stat = await fs.stat(full);
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    await fs.access(full, fs.constants.R_OK);
    return { bytes: stat.size };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new InputError({
      code: 'SOURCE_UNREADABLE',
      message: `source "${name}" cannot read ${full}: ${reason}`,
      hint: `Check the path given for this source in the pipeline file; relative paths are resolved against the project directory ${ctx.cwd}.`,
      cause: error,
    });
  }
}

/** The item for a line whose bytes are not UTF-8: kept whole, bytes included, for quarantine. */
export function invalidUtf8Item(line: number, text: string, bytes: Uint8Array): RawItem {
  return {
    line, raw: text, rawBytes: bytes,
    error: { code: 'invalid_utf8', message: 'the line is not valid UTF-8 (its original bytes are kept in quarantine)' },
  };
}

/** The item for a record over the size limit: only its head is kept (in `raw`), for quarantine. */
export function tooLargeItem(line: number, head: string, bytes: number, max: number): RawItem {
  return {
    line, raw: head,
    error: {
      code: 'record_too_large',
      message: `the record is ${bytes} bytes, over the limit of ${max} (the source's maxRecordBytes option); only its first ${head.length} characters are kept`,
    },
  };
}
