// A small, dependency-free safetensors reader (the writer and the format notes are in
// safetensors-writer.ts).
//
// parseSafetensorsHeader enforces the rules of the reference implementation:
//   - the file holds at least the 8-byte header length N; N ≤ 100 MB; 8 + N ≤ file size;
//   - the header is valid UTF-8, starts with "{" and is a JSON object (trailing whitespace,
//     i.e. the writer's space padding, is allowed);
//   - "__metadata__", if present, is an object whose values are all strings;
//   - every other key is a tensor {"dtype", "shape", "data_offsets"} with a known dtype, a
//     shape of non-negative integers, and end - begin == product(shape) × dtype size (so a
//     zero-element tensor has begin == end);
//   - sorted by begin, the tensors are contiguous: the first begins at 0, each begins where
//     the previous one ends, and the last ends at the end of the data buffer
//     (file size − 8 − N): no gap, no overlap, no uncovered bytes.
// Duplicate JSON keys cannot be detected (JSON.parse keeps the last one).
// One departure: keys other than dtype/shape/data_offsets inside a tensor entry are refused
// (the reference ignores them), so that a file's header says nothing this reader drops.
import { open, readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import {
  DTYPE_BYTES,
  LITTLE_ENDIAN_HOST,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_METADATA_KEY,
  elementCount,
  isSafetensorsDtype,
  type SafetensorsDtype,
  type TensorSpec,
} from './safetensors-writer.js';

export type SafetensorsTensorEntry = TensorSpec & { offsets: [number, number] };

export interface SafetensorsHeader {
  /** N: the header's length in bytes, padding included. */
  headerSize: number;
  /** Where the data buffer starts in the file: 8 + N. */
  dataStart: number;
  /** The tensors in file order (sorted by begin offset); offsets are relative to dataStart. */
  tensors: SafetensorsTensorEntry[];
  metadata: Record<string, string>;
}

const INVALID = 'SAFETENSORS_INVALID';
const HINT = 'The file is not a valid safetensors file: it may be truncated or corrupt, or written by a broken writer. Re-create or re-download it.';

function invalid(message: string, hint = HINT): InputError {
  return new InputError({ code: INVALID, message, hint });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses and validates the head of a safetensors file. `head` must hold at least the first
 * 8 + N bytes of the file (it may be the whole file); `fileSize` is the size of the whole file.
 * Throws an InputError (code SAFETENSORS_INVALID) naming the broken rule, the tensor and
 * what was found.
 */
export function parseSafetensorsHeader(head: Uint8Array, fileSize: number): SafetensorsHeader {
  if (fileSize < 8) {
    throw invalid(`the file is ${fileSize} bytes, too short to hold the 8-byte header length (truncated file)`);
  }
  if (head.byteLength < 8) {
    throw invalid(`only ${head.byteLength} bytes of the file were given; the 8-byte header length needs at least 8`, 'Pass the first 8 + N bytes of the file.');
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw invalid(`the header length says ${n} bytes, over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
  }
  const headerSize = Number(n);
  const dataStart = 8 + headerSize;
  if (dataStart > fileSize) {
    throw invalid(`the header length says ${headerSize} bytes, but the file is only ${fileSize} bytes (8 + ${headerSize} > ${fileSize}): header length beyond the file (truncated file?)`);
  }
  if (head.byteLength < dataStart) {
    throw invalid(`only ${head.byteLength} bytes of the file were given, but the header ends at byte ${dataStart}`, 'Pass the first 8 + N bytes of the file.');
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(head.subarray(8, dataStart));
  } catch {
    throw invalid(`the ${headerSize}-byte header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) {
    throw invalid(`the header must be a JSON object starting with "{", but it starts with ${describe(text.slice(0, 20))}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`the header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw invalid(`the header must be a JSON object, but it is ${describe(parsed)}`);

  const bufferSize = fileSize - dataStart;
  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorEntry[] = [];
  for (const [name, info] of Object.entries(parsed)) {
    if (name === SAFETENSORS_METADATA_KEY) {
      metadata = parseMetadata(info);
      continue;
    }
    tensors.push(parseTensor(name, info, bufferSize));
  }

  tensors.sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1]);
  let end = 0;
  let previous: SafetensorsTensorEntry | undefined;
  for (const t of tensors) {
    const [begin] = t.offsets;
    if (begin > end) {
      throw invalid(
        previous
          ? `tensor ${JSON.stringify(t.name)} begins at byte ${begin}, but the previous tensor ${JSON.stringify(previous.name)} ends at ${end}: a gap of ${begin - end} bytes (offsets must be contiguous)`
          : `tensor ${JSON.stringify(t.name)} is the first in the data buffer but begins at byte ${begin}, not 0: a gap of ${begin} bytes (offsets must be contiguous)`,
      );
    }
    if (begin < end) {
      throw invalid(
        `tensor ${JSON.stringify(t.name)} [${t.offsets.join(', ')}) overlaps tensor ${JSON.stringify(previous!.name)} [${previous!.offsets.join(', ')}): it begins at byte ${begin}, before ${end} (overlapping offsets)`,
      );
    }
    end = t.offsets[1];
    previous = t;
  }
  if (end !== bufferSize) {
    throw invalid(
      `the tensors cover bytes [0, ${end}) of the data buffer, but it is ${bufferSize} bytes (file size ${fileSize} − 8 − header ${headerSize}): ${bufferSize - end} bytes not covered by any tensor`,
    );
  }
  return { headerSize, dataStart, tensors, metadata };
}

function parseMetadata(info: unknown): Record<string, string> {
  if (info === null) return {};
  if (!isPlainObject(info)) {
    throw invalid(`"${SAFETENSORS_METADATA_KEY}" must be an object of string values, but it is ${describe(info)}`);
  }
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') {
      throw invalid(`metadata ${JSON.stringify(key)}: value ${describe(value)} is not a string (metadata values must be strings)`);
    }
  }
  return Object.fromEntries(Object.entries(info)) as Record<string, string>;
}

const TENSOR_KEYS = new Set(['dtype', 'shape', 'data_offsets']);

function parseTensor(name: string, info: unknown, bufferSize: number): SafetensorsTensorEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(info)) throw invalid(`${where}: must be an object {dtype, shape, data_offsets}, but it is ${describe(info)}`);
  for (const key of Object.keys(info)) {
    if (!TENSOR_KEYS.has(key)) throw invalid(`${where}: unknown key ${JSON.stringify(key)} (expected only dtype, shape, data_offsets)`);
  }
  const { dtype, shape, data_offsets: offsets } = info;
  if (!isSafetensorsDtype(dtype)) {
    throw invalid(`${where}: dtype ${describe(dtype)} is unknown or unsupported (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  const count = elementCount(shape);
  if (count === undefined) {
    throw invalid(`${where}: shape ${describe(shape)} is not an array of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o): o is number => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    throw invalid(`${where}: data_offsets ${describe(offsets)} is not a pair [begin, end] of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw invalid(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > bufferSize) {
    throw invalid(`${where}: data_offsets [${begin}, ${end}] reach past the end of the ${bufferSize}-byte data buffer (truncated file?)`);
  }
  const needed = count * BigInt(DTYPE_BYTES[dtype]);
  if (BigInt(end - begin) !== needed) {
    throw invalid(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} shape ${JSON.stringify(shape)} needs ${needed} bytes (${count} elements × ${DTYPE_BYTES[dtype]} bytes)`,
    );
  }
  return { name, dtype, shape: shape as number[], offsets: [begin, end] };
}

function inFile(file: string, error: unknown): unknown {
  if (error instanceof InputError && error.code === INVALID) {
    return new InputError({ code: error.code, message: `${file}: ${error.message}`, hint: error.hint, cause: error });
  }
  return error;
}

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes: a view into the file's bytes, not a copy. */
  data: Uint8Array;
}

/**
 * Reads and validates a whole safetensors file (a path, or the file's bytes) into memory.
 * Tensor data are views into one buffer; use readTensorChunks for files too large for memory.
 */
export async function readSafetensors(
  file: string | Uint8Array,
): Promise<{ metadata: Record<string, string>; tensors: Map<string, SafetensorsTensor> }> {
  const bytes = typeof file === 'string' ? await readFile(file) : file;
  let header: SafetensorsHeader;
  try {
    header = parseSafetensorsHeader(bytes, bytes.byteLength);
  } catch (error) {
    throw typeof file === 'string' ? inFile(file, error) : error;
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const t of header.tensors) {
    const [begin, end] = t.offsets;
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: bytes.subarray(header.dataStart + begin, header.dataStart + end) });
  }
  return { metadata: header.metadata, tensors };
}

/** Reads and validates the header of a safetensors file on disk, reading only its head. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await open(file, 'r');
  try {
    return await headerOf(fh, file);
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: import('node:fs/promises').FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

async function headerOf(fh: import('node:fs/promises').FileHandle, file: string): Promise<SafetensorsHeader> {
  const { size } = await fh.stat();
  try {
    let head = await readExactly(fh, Math.min(8, size), 0);
    if (head.length === 8) {
      const n = head.readBigUInt64LE(0);
      if (n <= BigInt(SAFETENSORS_MAX_HEADER_BYTES)) head = await readExactly(fh, Math.min(8 + Number(n), size), 0);
    }
    return parseSafetensorsHeader(head, size);
  } catch (error) {
    throw inFile(file, error);
  }
}

/**
 * Streams one tensor's bytes from a file on disk, in chunks of at most `chunkBytes` (default
 * 1 MiB), after validating the header. Each chunk is a fresh buffer the caller may keep.
 */
export async function* readTensorChunks(file: string, name: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) {
    throw new InputError({ code: 'SAFETENSORS_CHUNK_SIZE', message: `chunk size ${chunkBytes} is not a positive integer`, hint: 'Pass a chunk size in bytes, e.g. 1048576.' });
  }
  const fh = await open(file, 'r');
  try {
    const header = await headerOf(fh, file);
    const tensor = header.tensors.find((t) => t.name === name);
    if (!tensor) {
      const names = header.tensors.map((t) => JSON.stringify(t.name));
      throw new InputError({
        code: 'SAFETENSORS_NO_TENSOR',
        message: `${file}: no tensor named ${JSON.stringify(name)} (the file has ${names.length ? names.slice(0, 10).join(', ') + (names.length > 10 ? ', ...' : '') : 'no tensors'})`,
        hint: 'Check the tensor name.',
      });
    }
    const end = header.dataStart + tensor.offsets[1];
    for (let position = header.dataStart + tensor.offsets[0]; position < end; ) {
      const chunk = await readExactly(fh, Math.min(chunkBytes, end - position), position);
      if (chunk.length === 0) {
        throw invalid(`${file}: tensor ${JSON.stringify(name)}: the file ends at byte ${position}, before the tensor's end at ${end} (file truncated while reading?)`);
      }
      position += chunk.length;
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

function decodeFloats<T extends Float32Array | Float64Array>(
  data: Uint8Array,
  size: 4 | 8,
  make: (buffer: ArrayBuffer, byteOffset: number, length: number) => T,
  alloc: (length: number) => T,
): T {
  if (data.byteLength % size !== 0) {
    throw invalid(`${data.byteLength} bytes are not a whole number of ${size}-byte floats`, 'Pass the bytes of an F' + size * 8 + ' tensor.');
  }
  const length = data.byteLength / size;
  if (LITTLE_ENDIAN_HOST) {
    if (data.byteOffset % size === 0 && data.buffer instanceof ArrayBuffer) return make(data.buffer, data.byteOffset, length);
    const copy = new Uint8Array(data); // a real copy (Buffer#slice would be a view)
    return make(copy.buffer, 0, length);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = alloc(length);
  for (let i = 0; i < length; i++) out[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  return out;
}

/**
 * An F32 tensor's little-endian bytes as a Float32Array: a view sharing the bytes when they
 * are 4-byte aligned (on a little-endian host), otherwise a copy.
 */
export function toFloat32(data: Uint8Array): Float32Array {
  return decodeFloats(data, 4, (b, o, n) => new Float32Array(b, o, n), (n) => new Float32Array(n));
}

/** Like toFloat32, for F64 tensors (8-byte alignment). */
export function toFloat64(data: Uint8Array): Float64Array {
  return decodeFloats(data, 8, (b, o, n) => new Float64Array(b, o, n), (n) => new Float64Array(n));
}
