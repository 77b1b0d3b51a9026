// Streams a file, or any stream of UTF-8 bytes (a gunzip, a transcoder, an HTTP body), as batches of text lines with 1-based line numbers, in bounded memory.
// Lines that are not valid UTF-8 are flagged (with their bytes) instead of being decoded
// into replacement characters silently. A line longer than `maxLineBytes` is not kept: it
// comes back flagged `tooLarge` with its first bytes, and reading goes on after its newline,
// so a file without newlines never grows one string without bound.
//
// Bytes are kept as given: only a byte-order mark at the very start of the file is dropped
// (a U+FEFF starting a later line is text), and a CR before the newline is reported, not lost.
import fs from 'node:fs';

export interface Line {
  no: number;
  text: string;
  /** Set when the line's bytes are not valid UTF-8; `text` is then a lossy decoding. */
  invalid?: Uint8Array;
  /** The line ended with CRLF; `text` holds it without the CR. */
  crlf?: true;
  /** The line is longer than the limit: `text` is only its first bytes, `bytes` its length. */
  tooLarge?: { bytes: number };
}

export interface ReadLinesOptions {
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number;
  /** Longest line kept (default 64 MiB); longer ones come back as `tooLarge`. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** How much of an oversized line is kept, for the quarantine row. */
const PREFIX_BYTES = 1024;

// ignoreBOM: every decode() call is a new stream, and by default each one would drop a
// U+FEFF at its start, i.e. at the start of whichever line begins a read block.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** An oversized line being skipped up to its newline. */
interface Skip {
  prefix: Buffer;
  bytes: number;
}

/** `source`: a file path, or the bytes themselves (already UTF-8) as a stream of chunks. */
export async function* readLines(source: string | AsyncIterable<Uint8Array>, options: ReadLinesOptions = {}): AsyncGenerator<Line[]> {
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_RECORD_BYTES);
  const chunks = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: options.chunkBytes ?? 1 << 20 }) : source;
  for await (const chunk of chunks) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!bytes.length) continue;
    const lines = splitter.push(bytes);
    if (lines.length) yield lines;
  }
  const last = splitter.end();
  if (last.length) yield last;
}

/** Cuts chunks into lines. Each byte is looked at once: the unfinished line is kept as its chunks and joined once. */
class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private skip: Skip | undefined;
  private lineNo = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): Line[] {
    const out: Line[] = [];
    let start = 0;
    if (this.skip) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl < 0) {
        this.skip.bytes += chunk.length;
        return out;
      }
      this.skip.bytes += nl;
      out.push(tooLargeLine(++this.lineNo, this.skip));
      this.skip = undefined;
      start = nl + 1;
    }
    const end = chunk.lastIndexOf(NEWLINE);
    if (end < start) {
      this.hold(chunk.subarray(start));
      return out;
    }
    const block = this.parts.length ? Buffer.concat([...this.parts, chunk.subarray(start, end)]) : chunk.subarray(start, end);
    this.parts = [chunk.subarray(end + 1)];
    this.partBytes = chunk.length - end - 1;
    const lines = this.split(block);
    // Not push(...lines): a chunk of newlines alone is a million lines, too many arguments.
    return out.length ? out.concat(lines) : lines;
  }

  end(): Line[] {
    if (this.skip) return [tooLargeLine(++this.lineNo, this.skip)];
    return this.partBytes ? this.split(Buffer.concat(this.parts)) : [];
  }

  /** Keeps part of an unfinished line; past the limit, only its head, and skips to its newline. */
  private hold(part: Buffer): void {
    this.parts.push(part);
    this.partBytes += part.length;
    if (this.partBytes <= this.max) return;
    const head = Buffer.concat(this.parts, Math.min(this.partBytes, PREFIX_BYTES + BOM.length));
    const kept = this.atFileStart(head);
    this.skip = { prefix: kept.subarray(0, PREFIX_BYTES), bytes: this.partBytes - (head.length - kept.length) };
    this.parts = [];
    this.partBytes = 0;
  }

  private split(block: Buffer): Line[] {
    const lines = splitBlock(this.atFileStart(block), this.lineNo, this.max);
    this.lineNo += lines.length;
    return lines;
  }

  /** Only the file's first bytes may be a byte-order mark. */
  private atFileStart(block: Buffer): Buffer {
    return this.lineNo === 0 && block.subarray(0, 3).equals(BOM) ? block.subarray(3) : block;
  }
}

/** Splits a block of whole lines (no trailing newline). Fast path: the block decodes at once. */
function splitBlock(block: Buffer, firstNo: number, max: number): Line[] {
  // A block over the limit may hold an oversized line: look at each line's bytes.
  if (block.length > max) return splitBlockSlow(block, firstNo, max);
  let texts: string[];
  try {
    texts = strict.decode(block).split('\n');
  } catch {
    return splitBlockSlow(block, firstNo, max);
  }
  const lines = new Array<Line>(texts.length);
  for (let i = 0; i < texts.length; i++) lines[i] = lineOf(firstNo + i + 1, texts[i]!);
  return lines;
}

/** Line by line, so only the lines with bad bytes (or too many) are flagged. */
function splitBlockSlow(block: Buffer, firstNo: number, max: number): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= block.length) {
    let end = block.indexOf(NEWLINE, start);
    if (end < 0) end = block.length;
    const bytes = block.subarray(start, end);
    const no = firstNo + lines.length + 1;
    if (bytes.length > max) {
      lines.push(tooLargeLine(no, { prefix: bytes.subarray(0, PREFIX_BYTES), bytes: bytes.length }));
    } else {
      try {
        lines.push(lineOf(no, strict.decode(bytes)));
      } catch {
        lines.push({ ...lineOf(no, lossy.decode(bytes)), invalid: Uint8Array.from(bytes) });
      }
    }
    start = end + 1;
  }
  return lines;
}

function lineOf(no: number, text: string): Line {
  if (text.length && text.charCodeAt(text.length - 1) === 13) return { no, text: text.slice(0, -1), crlf: true };
  return { no, text };
}

function tooLargeLine(no: number, skip: Skip): Line {
  return { no, text: lossy.decode(skip.prefix), tooLarge: { bytes: skip.bytes } };
}
