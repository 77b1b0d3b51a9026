// A small, dependency-free safetensors writer (see safetensors-reader.ts for the reader).
//
// File layout: 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON header, then the data
// buffer. The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the start of the data buffer) plus an optional "__metadata__" object
// of string → string.
//
// Determinism — the same tensors and metadata give the same bytes, whatever order they are
// passed in:
//   - tensors are laid out in the data buffer, and listed in the header, sorted by the UTF-8
//     bytes of their names (which is Unicode code point order; the Rust reference sorts
//     String keys the same way). Zero-element tensors get begin == end at their place in
//     that order;
//   - the header JSON is built by hand, not by JSON.stringify of an object (which would move
//     integer-like names such as "0" to the front): "__metadata__" first (omitted when there
//     is no metadata or it is empty), its keys sorted by UTF-8 bytes, then the tensors, each
//     as {"dtype":…,"shape":[…],"data_offsets":[b,e]} in exactly that key order; no
//     whitespace except the padding;
//   - the header is padded with spaces (0x20) so that N, and therefore the start of the data
//     buffer (8 + N), is a multiple of 8, as the reference writer does.
//
// Data bytes are the typed array's own bytes, taken as little-endian; on a big-endian host
// multi-byte typed arrays are refused rather than written in the wrong byte order.
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { InputError } from '../errors.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** The reference implementation's limit on the header size N (100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key; no tensor may have this name. */
export const SAFETENSORS_METADATA_KEY = '__metadata__';

export interface TensorSpec {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major dimensions; [] is a scalar (one element), a 0 anywhere makes a zero-element tensor. */
  shape: number[];
}

export interface TensorData extends TensorSpec {
  /**
   * The tensor's elements. A Uint8Array (or Buffer) is taken as raw little-endian bytes and
   * fits any dtype (F16, BF16, BOOL and U8 data come this way). Any other typed array must
   * match the dtype: Float32Array ↔ F32, Float64Array ↔ F64, Int32Array ↔ I32,
   * BigInt64Array ↔ I64, Int16Array ↔ I16, Int8Array ↔ I8.
   */
  data: Uint8Array | Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array | Uint8Array | Int16Array;
}

const INVALID = 'SAFETENSORS_INVALID';

function invalid(message: string, hint: string): InputError {
  return new InputError({ code: INVALID, message, hint });
}

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

/** Compares strings by their UTF-8 bytes (= Unicode code point order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Number of elements of a shape, or undefined if a dimension is not a non-negative safe integer. */
export function elementCount(shape: unknown): bigint | undefined {
  if (!Array.isArray(shape)) return undefined;
  let count = 1n;
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) return undefined;
    count *= BigInt(dim);
  }
  return count;
}

/** Byte size of a validated spec; throws an InputError naming the tensor otherwise. */
function checkedByteSize(spec: TensorSpec): number {
  const where = `tensor ${JSON.stringify(spec.name)}`;
  if (typeof spec.name !== 'string') {
    throw invalid(`tensor name ${String(spec.name)} is not a string`, 'Give every tensor a string name.');
  }
  if (spec.name === SAFETENSORS_METADATA_KEY) {
    throw invalid(`${where}: the name "${SAFETENSORS_METADATA_KEY}" is reserved for the metadata`, 'Rename the tensor.');
  }
  if (!isSafetensorsDtype(spec.dtype)) {
    throw invalid(
      `${where}: dtype ${JSON.stringify(spec.dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`,
      'Use one of the supported dtypes.',
    );
  }
  const count = elementCount(spec.shape);
  if (count === undefined) {
    throw invalid(
      `${where}: shape ${JSON.stringify(spec.shape)} is not an array of non-negative integers`,
      'Give the shape as an array of dimensions, e.g. [2, 3]; [] for a scalar.',
    );
  }
  const bytes = count * BigInt(DTYPE_BYTES[spec.dtype]);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(`${where}: shape ${JSON.stringify(spec.shape)} needs ${bytes} bytes, more than can be addressed`, 'Split the tensor.');
  }
  return Number(bytes);
}

function checkMetadata(metadata: Record<string, string> | undefined): [string, string][] {
  if (metadata === undefined) return [];
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`metadata must be an object of string → string, got ${JSON.stringify(metadata)}`, 'Pass metadata as { key: "value" }.');
  }
  const entries = Object.entries(metadata);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw invalid(
        `metadata ${JSON.stringify(key)}: value ${JSON.stringify(value) ?? String(value)} is a ${typeof value}, but safetensors metadata values must be strings`,
        'Convert metadata values to strings (e.g. JSON.stringify them).',
      );
    }
  }
  return entries.sort(([a], [b]) => compareUtf8(a, b));
}

export interface PlannedTensor extends TensorSpec {
  byteSize: number;
  offsets: [number, number];
}

export interface SafetensorsPlan {
  /** The 8-byte length prefix followed by the padded header: everything before the data. */
  head: Buffer;
  /** Tensors in file order (sorted by name), with their offsets in the data buffer. */
  tensors: PlannedTensor[];
  /** Total file size. */
  bytes: number;
}

/** Validates the specs and metadata and computes the file's head and layout, from the specs alone. */
export function planSafetensors(specs: TensorSpec[], metadata?: Record<string, string>): SafetensorsPlan {
  const metaEntries = checkMetadata(metadata);
  const sized = specs.map((spec) => ({ spec, byteSize: checkedByteSize(spec) }));
  sized.sort((a, b) => compareUtf8(a.spec.name, b.spec.name));
  for (let i = 1; i < sized.length; i++) {
    if (sized[i]!.spec.name === sized[i - 1]!.spec.name) {
      throw invalid(`tensor ${JSON.stringify(sized[i]!.spec.name)} is given twice`, 'Tensor names must be unique.');
    }
  }

  let offset = 0;
  const tensors: PlannedTensor[] = sized.map(({ spec, byteSize }) => {
    const begin = offset;
    offset += byteSize;
    return { name: spec.name, dtype: spec.dtype, shape: [...spec.shape], byteSize, offsets: [begin, offset] };
  });
  if (!Number.isSafeInteger(offset)) throw invalid(`the tensors add up to ${offset} bytes, more than can be addressed`, 'Split the checkpoint.');

  const parts: string[] = [];
  if (metaEntries.length > 0) {
    const meta = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    parts.push(`${JSON.stringify(SAFETENSORS_METADATA_KEY)}:{${meta}}`);
  }
  for (const t of tensors) {
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(',')}],` +
        `"data_offsets":[${t.offsets[0]},${t.offsets[1]}]}`,
    );
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerSize = Math.ceil(json.length / 8) * 8;
  if (headerSize > SAFETENSORS_MAX_HEADER_BYTES) {
    throw invalid(
      `the header would be ${headerSize} bytes, over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`,
      'Use fewer tensors, shorter names or less metadata, or split the checkpoint.',
    );
  }
  const head = Buffer.alloc(8 + headerSize, 0x20);
  head.writeBigUInt64LE(BigInt(headerSize), 0);
  json.copy(head, 8);
  return { head, tensors, bytes: head.length + offset };
}

const TYPED_ARRAY_DTYPE: [new (...args: never[]) => ArrayBufferView, SafetensorsDtype][] = [
  [Float32Array, 'F32'],
  [Float64Array, 'F64'],
  [Int32Array, 'I32'],
  [BigInt64Array, 'I64'],
  [Int16Array, 'I16'],
  [Int8Array, 'I8'],
];

/** The little-endian bytes of a tensor's data (a view, not a copy). */
function dataBytes(tensor: TensorData): Uint8Array {
  const data = tensor.data as ArrayBufferView;
  if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    throw invalid(`tensor ${JSON.stringify(tensor.name)}: data is not a typed array`, 'Pass the data as a Uint8Array or a typed array matching the dtype.');
  }
  if (!(data instanceof Uint8Array)) {
    const match = TYPED_ARRAY_DTYPE.find(([ctor]) => data instanceof ctor);
    if (!match) {
      throw invalid(`tensor ${JSON.stringify(tensor.name)}: data is a ${data.constructor.name}, which is not supported`, 'Pass the raw bytes as a Uint8Array.');
    }
    if (match[1] !== tensor.dtype) {
      throw invalid(
        `tensor ${JSON.stringify(tensor.name)}: data is a ${data.constructor.name} but the dtype is ${tensor.dtype} (a ${data.constructor.name} holds ${match[1]})`,
        'Pass data of the declared dtype, or its raw little-endian bytes as a Uint8Array.',
      );
    }
    if (!LITTLE_ENDIAN_HOST && match[0] !== Int8Array) {
      throw invalid(
        `tensor ${JSON.stringify(tensor.name)}: this host is big-endian, so the bytes of a ${data.constructor.name} are not little-endian`,
        'Convert the data to little-endian bytes and pass them as a Uint8Array.',
      );
    }
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sizeMismatch(t: PlannedTensor, actual: string): InputError {
  return invalid(
    `tensor ${JSON.stringify(t.name)}: ${t.dtype} shape ${JSON.stringify(t.shape)} needs exactly ${t.byteSize} bytes, but ${actual}`,
    'The data must hold product(shape) × dtype size bytes; check the shape, the dtype and the data.',
  );
}

/**
 * The whole safetensors file in memory, for small checkpoints. Tensors are written sorted by
 * name, whatever order they are given in; see the top of this file for the exact layout.
 */
export function safetensorsBytes(tensors: TensorData[], metadata?: Record<string, string>): Buffer {
  const plan = planSafetensors(tensors, metadata);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const out = Buffer.alloc(plan.bytes);
  plan.head.copy(out, 0);
  for (const t of plan.tensors) {
    const bytes = dataBytes(byName.get(t.name)!);
    if (bytes.byteLength !== t.byteSize) throw sizeMismatch(t, `the data has ${bytes.byteLength} bytes`);
    out.set(bytes, plan.head.length + t.offsets[0]);
  }
  return out;
}

/** Writes to a file handle through a bounded staging buffer, hashing everything written. */
class HashingSink {
  private readonly staged: Buffer;
  private used = 0;
  private readonly hash = createHash('sha256');
  written = 0;

  constructor(
    private readonly fh: import('node:fs/promises').FileHandle,
    capacity: number,
  ) {
    this.staged = Buffer.allocUnsafe(capacity);
  }

  /** Takes the bytes; once this resolves the caller may reuse its buffer. */
  async push(bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength === 0) return;
    this.hash.update(bytes);
    this.written += bytes.byteLength;
    if (this.used + bytes.byteLength <= this.staged.length) {
      this.staged.set(bytes, this.used);
      this.used += bytes.byteLength;
      return;
    }
    await this.flush();
    if (bytes.byteLength >= this.staged.length) {
      await this.writeAll(bytes);
    } else {
      this.staged.set(bytes, 0);
      this.used = bytes.byteLength;
    }
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeAll(this.staged.subarray(0, this.used));
    this.used = 0;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.byteLength - done);
      done += bytesWritten;
    }
  }
}

const STAGING_BYTES = 1 << 20;

/**
 * Streams a safetensors file to disk. The header is computed from the specs alone; then, in
 * file order (sorted by name), each tensor's bytes are taken from `source(name)` in chunks of
 * any size — exactly the declared number of bytes must arrive, or the write fails with an
 * error naming the tensor and both counts. Memory stays bounded (a 1 MiB staging buffer plus
 * the chunk in hand). The file is written to `file + '.partial'`, synced, then renamed over
 * `file`, so a crash or an error never leaves a half-written file under the final name; on
 * error the partial file is removed.
 *
 * `source` is called once per tensor, also for zero-element tensors (which must yield no bytes).
 * A chunk may be reused by the source once the next chunk is requested.
 */
export async function writeSafetensors(
  file: string,
  specs: TensorSpec[],
  source: (name: string) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  metadata?: Record<string, string>,
): Promise<{ bytes: number; sha256: string }> {
  const plan = planSafetensors(specs, metadata);
  const partial = `${file}.partial`;
  const fh = await open(partial, 'w');
  let closed = false;
  try {
    const sink = new HashingSink(fh, STAGING_BYTES);
    await sink.push(plan.head);
    for (const t of plan.tensors) {
      const chunks = source(t.name);
      if (chunks === null || typeof chunks !== 'object' || (!(Symbol.asyncIterator in chunks) && !(Symbol.iterator in chunks))) {
        throw invalid(`source(${JSON.stringify(t.name)}) did not return an iterable of byte chunks`, 'Return an array, generator or async generator of Uint8Array chunks.');
      }
      if (ArrayBuffer.isView(chunks)) {
        throw invalid(
          `source(${JSON.stringify(t.name)}) returned a single ${chunks.constructor.name}, not an iterable of chunks`,
          'Wrap a single buffer in an array: [buffer].',
        );
      }
      let received = 0;
      for await (const chunk of chunks) {
        if (!(chunk instanceof Uint8Array)) {
          throw invalid(
            `source(${JSON.stringify(t.name)}) yielded a ${chunk === null ? 'null' : typeof chunk === 'object' ? (chunk as object).constructor.name : typeof chunk}, not a Uint8Array`,
            'Yield the tensor bytes as Uint8Array (or Buffer) chunks.',
          );
        }
        received += chunk.byteLength;
        // Past the declared size nothing more is written; the rest is only counted, so the
        // error can say how many bytes the source really had.
        if (received <= t.byteSize) await sink.push(chunk);
      }
      if (received !== t.byteSize) {
        throw sizeMismatch(t, `source(${JSON.stringify(t.name)}) gave ${received} bytes (${received < t.byteSize ? 'too few' : 'too many'})`);
      }
    }
    await sink.flush();
    if (sink.written !== plan.bytes) throw new Error(`internal error: wrote ${sink.written} bytes, planned ${plan.bytes}`);
    await fh.sync();
    closed = true;
    await fh.close();
    await rename(partial, file);
    return { bytes: plan.bytes, sha256: sink.digest() };
  } catch (error) {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(partial, { force: true }).catch(() => undefined);
    throw error;
  }
}
