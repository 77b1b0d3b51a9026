// Turns a text file's bytes in a declared encoding into UTF-8 bytes for the line reader, in
// chunks of any size. A byte-order mark decides over the declared encoding: FF FE is
// UTF-16LE, FE FF UTF-16BE, EF BB BF UTF-8 (whose mark the line reader drops, as ever).
//
// UTF-8 passes through untouched, so invalid bytes reach the line reader and are quarantined
// with their line. Latin-1 is ISO-8859-1 (bytes 80-9F are C1 controls, not Windows-1252's
// € and quotes): every byte is a character, none is invalid. UTF-16 keeps a character (or a
// surrogate pair) cut between two chunks until the next one; a surrogate without its pair is
// written as bytes that are not UTF-8 (its WTF-8 form), so its line is quarantined as
// invalid_utf8 instead of silently becoming U+FFFD.
export const ENCODINGS = ['utf8', 'latin1', 'utf16le'] as const;
export type TextEncoding = (typeof ENCODINGS)[number];
/** What the bytes turned out to be: the declared encoding, or the one a byte-order mark names. */
export type DetectedEncoding = TextEncoding | 'utf16be';

/** Reads enough bytes to see a byte-order mark, then transcodes the rest. `detected` is told which encoding applies. */
export async function* toUtf8(
  chunks: AsyncIterable<Uint8Array>, declared: TextEncoding, detected?: (encoding: DetectedEncoding) => void,
): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  let convert: ((chunk: Buffer) => Buffer) | undefined;
  let flush: (() => Buffer) | undefined;
  for await (const chunk of chunks) {
    let bytes = asBuffer(chunk);
    if (head) {
      head = Buffer.concat([head, bytes]);
      if (head.length < 3) continue;
      bytes = head;
      head = undefined;
      ({ convert, flush } = transcoder(bytes, declared, detected));
    }
    const out = convert!(bytes);
    if (out.length) yield out;
  }
  if (head) {
    // A file shorter than three bytes.
    ({ convert, flush } = transcoder(head, declared, detected));
    const out = convert(head);
    if (out.length) yield out;
  }
  const rest = flush?.();
  if (rest?.length) yield rest;
}

function transcoder(start: Buffer, declared: TextEncoding, detected?: (encoding: DetectedEncoding) => void): { convert: (chunk: Buffer) => Buffer; flush?: () => Buffer } {
  const encoding = encodingOf(start, declared);
  detected?.(encoding);
  if (encoding === 'utf8') return { convert: (chunk) => chunk };
  if (encoding === 'latin1') return { convert: (chunk) => Buffer.from(chunk.toString('latin1'), 'utf8') };
  return utf16(encoding === 'utf16be', start[0] === 0xff || start[0] === 0xfe ? 2 : 0);
}

function encodingOf(start: Buffer, declared: TextEncoding): DetectedEncoding {
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf16le';
  if (start[0] === 0xfe && start[1] === 0xff) return 'utf16be';
  if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) return 'utf8';
  return declared;
}

/**
 * UTF-16 (big-endian bytes swapped into little-endian first), its byte-order mark skipped.
 * Not string_decoder: fed a surrogate pair one byte at a time, it emits the two halves apart.
 * Here a chunk's odd last byte waits for the next chunk, and so does a high surrogate at its end.
 */
function utf16(bigEndian: boolean, skip: number): { convert: (chunk: Buffer) => Buffer; flush: () => Buffer } {
  let toSkip = skip;
  let odd: Buffer | undefined;
  let high = '';
  return {
    convert: (chunk) => {
      const start = toSkip ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
      const bytes = odd ? Buffer.concat([odd, start]) : start;
      const even = bytes.length & ~1;
      odd = even < bytes.length ? Buffer.from(bytes.subarray(even)) : undefined;
      // A copy: swap16 works in place, and the chunk may be a view on someone else's buffer.
      const le = bigEndian ? Buffer.from(bytes.subarray(0, even)).swap16() : bytes.subarray(0, even);
      let text = high + le.toString('utf16le');
      high = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        high = text.slice(-1);
        text = text.slice(0, -1);
      }
      return utf8Of(text);
    },
    // A last odd byte is half a character: end with a byte that is not UTF-8, so the last
    // line is quarantined rather than silently cut.
    flush: () => (odd ? Buffer.concat([utf8Of(high), Buffer.from([0xff])]) : utf8Of(high)),
  };
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** UTF-8 bytes of a string; a lone surrogate becomes its 3-byte form, which no UTF-8 decoder accepts. */
function utf8Of(text: string): Buffer {
  if (!SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    parts.push(Buffer.from(text.slice(from, i), 'utf8'), Buffer.from([0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]));
    from = i + 1;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
