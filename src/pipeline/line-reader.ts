// Streams a file as batches of text lines with 1-based line numbers, in bounded memory.
// Lines that are not valid UTF-8 are flagged (with their bytes) instead of being decoded
// into replacement characters silently.
import fs from 'node:fs';

export interface Line {
  no: number;
  text: string;
  /** Set when the line's bytes are not valid UTF-8; `text` is then a lossy decoding. */
  invalid?: Uint8Array;
}

// Both strip a leading byte-order mark, which only ever appears at the start of a file.
const strict = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8', { fatal: false });
const NEWLINE = 0x0a;

export async function* readLines(file: string, chunkBytes = 1 << 20): AsyncGenerator<Line[]> {
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: chunkBytes })) {
    const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const end = buf.lastIndexOf(NEWLINE);
    if (end < 0) {
      carry = buf;
      continue;
    }
    const lines = splitBlock(buf.subarray(0, end), lineNo);
    lineNo += lines.length;
    carry = Buffer.from(buf.subarray(end + 1));
    yield lines;
  }
  if (carry.length) yield splitBlock(carry, lineNo);
}

/** Splits a block of whole lines (no trailing newline). Fast path: the block decodes at once. */
function splitBlock(block: Buffer, firstNo: number): Line[] {
  let texts: string[];
  try {
    texts = strict.decode(block).split('\n');
  } catch {
    return splitBlockSlow(block, firstNo);
  }
  const lines = new Array<Line>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    lines[i] = { no: firstNo + i + 1, text: trimCR(texts[i]!) };
  }
  return lines;
}

/** Line by line, so only the lines with bad bytes are flagged. */
function splitBlockSlow(block: Buffer, firstNo: number): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= block.length) {
    let end = block.indexOf(NEWLINE, start);
    if (end < 0) end = block.length;
    const bytes = block.subarray(start, end);
    const no = firstNo + lines.length + 1;
    try {
      lines.push({ no, text: trimCR(strict.decode(bytes)) });
    } catch {
      lines.push({ no, text: trimCR(lossy.decode(bytes)), invalid: Uint8Array.from(bytes) });
    }
    start = end + 1;
  }
  return lines;
}

function trimCR(text: string): string {
  return text.length && text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}
