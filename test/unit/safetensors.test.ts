import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  parseSafetensorsHeader,
  readSafetensors,
  readTensorChunks,
  toFloat32,
  toFloat64,
} from '../../src/snapshot/safetensors-reader.js';
import {
  DTYPE_BYTES,
  safetensorsBytes,
  writeSafetensors,
  type TensorData,
  type TensorSpec,
} from '../../src/snapshot/safetensors-writer.js';
import { tmpDir } from '../helpers/tmp.js';

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const TENSORS: TensorData[] = [
  { name: 'layer.0.weight', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2.5, 3, 0.125, 1e30, -0]) },
  { name: 'layer.0.bias', dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -1e-300, 42]) },
  { name: 'step', dtype: 'I64', shape: [], data: new BigInt64Array([-9007199254740993n]) },
  { name: 'empty', dtype: 'F32', shape: [4, 0, 2], data: new Float32Array(0) },
  { name: 'ids', dtype: 'I32', shape: [1, 1, 3], data: new Int32Array([-1, 0, 2147483647]) },
  { name: 'i16', dtype: 'I16', shape: [2], data: new Int16Array([-32768, 7]) },
  { name: 'i8', dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) },
  { name: 'u8', dtype: 'U8', shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) },
  { name: 'mask', dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
  { name: 'half', dtype: 'F16', shape: [2], data: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) }, // 1, -2
  { name: 'brain', dtype: 'BF16', shape: [1], data: new Uint8Array([0x80, 0x3f]) }, // 1
  { name: '0', dtype: 'U8', shape: [1], data: new Uint8Array([9]) }, // integer-like name: must not jump the order
];
const METADATA = { format: 'pt', 'z-last': 'z', 'a-first': 'a' };

/** A safetensors file from a raw header text (padded with spaces to `pad`) and a data buffer. */
function rawFile(header: string, data: Uint8Array | number = 0, pad = 8): Buffer {
  const json = Buffer.from(header, 'utf8');
  const n = Math.ceil(json.length / pad) * pad;
  const head = Buffer.alloc(8 + n, 0x20);
  head.writeBigUInt64LE(BigInt(n), 0);
  json.copy(head, 8);
  const buffer = typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data);
  return Buffer.concat([head, buffer]);
}

function expectInvalid(bytes: Uint8Array, pattern: RegExp, fileSize = bytes.byteLength): void {
  let caught: unknown;
  try {
    parseSafetensorsHeader(bytes, fileSize);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect((caught as InputError).code).toBe('SAFETENSORS_INVALID');
  expect((caught as InputError).message).toMatch(pattern);
}

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.slice(at, at + size);
    at += size;
  }
}

describe('safetensors round trip', () => {
  it('reads back every dtype and shape, scalar and zero-size included, with metadata', async () => {
    const file = safetensorsBytes(TENSORS, METADATA);
    const { metadata, tensors } = await readSafetensors(file);
    expect(metadata).toEqual(METADATA);
    expect([...tensors.keys()].sort()).toEqual(TENSORS.map((t) => t.name).sort());
    for (const t of TENSORS) {
      const got = tensors.get(t.name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(Buffer.from(got.data).equals(Buffer.from(bytesOf(t.data)))).toBe(true);
    }
    expect(tensors.get('step')!.shape).toEqual([]);
    expect(tensors.get('empty')!.data.byteLength).toBe(0);
    expect([...toFloat32(tensors.get('layer.0.weight')!.data)]).toEqual([1, -2.5, 3, 0.125, Math.fround(1e30), -0]);
    expect([...toFloat64(tensors.get('layer.0.bias')!.data)]).toEqual([Math.PI, -1e-300, 42]);
    expect(new BigInt64Array(new Uint8Array(tensors.get('step')!.data).buffer)[0]).toBe(-9007199254740993n);
  });

  it('round-trips through a file on disk, whole and streamed per tensor', async () => {
    const file = path.join(tmpDir(), 'model.safetensors');
    fs.writeFileSync(file, safetensorsBytes(TENSORS));
    const { metadata, tensors } = await readSafetensors(file);
    expect(metadata).toEqual({});
    for (const t of TENSORS) {
      expect(Buffer.from(tensors.get(t.name)!.data).equals(Buffer.from(bytesOf(t.data)))).toBe(true);
      const parts: Uint8Array[] = [];
      for await (const chunk of readTensorChunks(file, t.name, 5)) {
        expect(chunk.byteLength).toBeLessThanOrEqual(5);
        parts.push(chunk);
      }
      expect(Buffer.concat(parts).equals(Buffer.from(bytesOf(t.data)))).toBe(true);
    }
    await expect(async () => {
      for await (const _ of readTensorChunks(file, 'nope')) void _;
    }).rejects.toThrow(/no tensor named "nope"/);
  });

  it('toFloat32 / toFloat64 copy misaligned bytes and view aligned ones', () => {
    const f32 = new Float32Array([1.5, -2]);
    const misaligned = new Uint8Array(9);
    misaligned.set(bytesOf(f32), 1);
    expect([...toFloat32(misaligned.subarray(1))]).toEqual([1.5, -2]);
    // Buffer#slice is a view, not a copy: the helper must still copy a misaligned Buffer.
    expect([...toFloat32(Buffer.from(misaligned).subarray(1))]).toEqual([1.5, -2]);
    const aligned = bytesOf(f32);
    expect(toFloat32(aligned).buffer).toBe(f32.buffer);
    const f64 = new Float64Array([0.1]);
    const m64 = new Uint8Array(12);
    m64.set(bytesOf(f64), 4);
    expect([...toFloat64(m64.subarray(4))]).toEqual([0.1]);
    expect(() => toFloat32(new Uint8Array(3))).toThrow(/not a whole number/);
  });
});

describe('safetensors bytes', () => {
  it('writes a known tiny file exactly', () => {
    const file = safetensorsBytes([{ name: 'weight', dtype: 'F32', shape: [1, 2], data: new Float32Array([1.5, -2]) }]);
    // JSON: 61 bytes, padded with 3 spaces to N = 64 so the data starts at 72 = 9 × 8.
    const json = '{"weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(61);
    const expected = Buffer.concat([
      Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0]), // N = 64, u64 little-endian
      Buffer.from(json, 'ascii'),
      Buffer.from('   ', 'ascii'),
      Buffer.from([0x00, 0x00, 0xc0, 0x3f]), // 1.5 = 0x3FC00000, little-endian
      Buffer.from([0x00, 0x00, 0x00, 0xc0]), // -2 = 0xC0000000, little-endian
    ]);
    expect(expected.length).toBe(80);
    expect(file.equals(expected)).toBe(true);
  });

  it('has the documented layout: LE length, JSON header, space padding, aligned contiguous data', () => {
    const file = safetensorsBytes(TENSORS, METADATA);
    const n = Number(file.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const text = file.subarray(8, 8 + n).toString('utf8');
    const trimmed = text.replace(/ +$/, '');
    expect(text.length - trimmed.length).toBeLessThan(8);
    expect(/\s/.test(trimmed)).toBe(false); // no whitespace except the padding
    expect(trimmed.endsWith('}')).toBe(true);
    const header = JSON.parse(text) as Record<string, { dtype: keyof typeof DTYPE_BYTES; shape: number[]; data_offsets: [number, number] }>;
    expect(header['__metadata__']).toEqual(METADATA);
    // Keys in a fixed order: __metadata__ (its keys sorted), then tensors sorted by name.
    const names = TENSORS.map((t) => t.name).sort();
    const keyOrder = ['__metadata__', ...names].map((k) => trimmed.indexOf(`${JSON.stringify(k)}:`));
    expect([...keyOrder].sort((a, b) => a - b)).toEqual(keyOrder);
    expect(trimmed).toContain('"__metadata__":{"a-first":"a","format":"pt","z-last":"z"}');
    let at = 0;
    for (const name of names) {
      const info = header[name]!;
      expect(Object.keys(info)).toEqual(['dtype', 'shape', 'data_offsets']);
      const size = info.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[info.dtype];
      expect(info.data_offsets).toEqual([at, at + size]);
      at += size;
    }
    expect(8 + n + at).toBe(file.length);
    expect(header['empty']!.data_offsets[0]).toBe(header['empty']!.data_offsets[1]);
  });

  it('is deterministic: same bytes whatever the order of tensors and metadata keys', () => {
    const a = safetensorsBytes(TENSORS, METADATA);
    const b = safetensorsBytes([...TENSORS].reverse(), { 'a-first': 'a', 'z-last': 'z', format: 'pt' });
    const c = safetensorsBytes([...TENSORS.slice(5), ...TENSORS.slice(0, 5)], { ...METADATA });
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(true);
    expect(safetensorsBytes(TENSORS).equals(safetensorsBytes(TENSORS, {}))).toBe(true);
  });

  it('refuses bad tensors when writing', () => {
    const f = new Float32Array(2);
    expect(() => safetensorsBytes([{ name: 'a', dtype: 'F32', shape: [3], data: f }])).toThrow(/"a".*needs exactly 12 bytes.*8 bytes/);
    expect(() => safetensorsBytes([{ name: 'a', dtype: 'F64', shape: [1], data: f }])).toThrow(/Float32Array but the dtype is F64/);
    expect(() => safetensorsBytes([{ name: '__metadata__', dtype: 'F32', shape: [2], data: f }])).toThrow(/reserved/);
    expect(() => safetensorsBytes([{ name: 'a', dtype: 'F32', shape: [2], data: f }, { name: 'a', dtype: 'F32', shape: [2], data: f }])).toThrow(/"a" is given twice/);
    expect(() => safetensorsBytes([{ name: 'a', dtype: 'F32', shape: [-2], data: f }])).toThrow(/shape \[-2\]/);
    expect(() => safetensorsBytes([{ name: 'a', dtype: 'F31' as 'F32', shape: [2], data: f }])).toThrow(/dtype "F31"/);
    expect(() => safetensorsBytes([], { n: 1 as unknown as string })).toThrow(/metadata "n".*must be strings/);
  });
});

describe('streaming writer', () => {
  const specs: TensorSpec[] = TENSORS.map(({ name, dtype, shape }) => ({ name, dtype, shape }));
  const byName = new Map(TENSORS.map((t) => [t.name, bytesOf(t.data)]));

  it('writes the same bytes as safetensorsBytes, fed in odd chunk sizes', async () => {
    const file = path.join(tmpDir(), 'stream.safetensors');
    const result = await writeSafetensors(file, [...specs].reverse(), (name) => chunked(byName.get(name)!, [1, 3, 7, 2]), METADATA);
    const expected = safetensorsBytes(TENSORS, METADATA);
    const written = fs.readFileSync(file);
    expect(written.equals(expected)).toBe(true);
    expect(result).toEqual({ bytes: expected.length, sha256: createHash('sha256').update(expected).digest('hex') });
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    // Sync iterables of one chunk work too.
    const file2 = path.join(tmpDir(), 'sync.safetensors');
    await writeSafetensors(file2, specs, (name) => [byName.get(name)!], METADATA);
    expect(fs.readFileSync(file2).equals(expected)).toBe(true);
  });

  it('refuses too few or too many bytes and leaves no file behind', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.safetensors');
    const few = writeSafetensors(file, specs, (name) => {
      const bytes = byName.get(name)!;
      return chunked(name === 'ids' ? bytes.subarray(0, 11) : bytes, [4]);
    });
    await expect(few).rejects.toThrow(/tensor "ids": I32 shape \[1,1,3\] needs exactly 12 bytes, but source\("ids"\) gave 11 bytes \(too few\)/);
    expect(fs.readdirSync(dir)).toEqual([]);

    const many = writeSafetensors(file, specs, (name) => {
      const bytes = byName.get(name)!;
      return name === 'layer.0.weight' ? [bytes, new Uint8Array(5), new Uint8Array(3)] : [bytes];
    });
    await expect(many).rejects.toThrow(/tensor "layer.0.weight": F32 shape \[2,3\] needs exactly 24 bytes, but source\("layer.0.weight"\) gave 32 bytes \(too many\)/);
    expect(fs.readdirSync(dir)).toEqual([]);

    // An error thrown by the source also leaves nothing, and keeps an older file intact.
    fs.writeFileSync(file, 'old');
    const failing = writeSafetensors(file, specs, async function* (name) {
      if (name === 'step') throw new Error('disk on fire');
      yield byName.get(name)!;
    });
    await expect(failing).rejects.toThrow('disk on fire');
    expect(fs.readdirSync(dir)).toEqual(['bad.safetensors']);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
  });

  it('streams 64 MiB with bounded memory', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'big.safetensors');
    const MiB = 1 << 20;
    const chunks = 64;
    const hash = createHash('sha256');
    let peak = 0;
    const sample = (): void => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const base = process.memoryUsage().rss;
    // The generator refills one 1 MiB buffer (the writer allows reuse once the next chunk is
    // requested): a fresh buffer per chunk would measure V8's lazy collection of external
    // memory (~30 MiB of garbage before a GC), not what the writer holds on to.
    const chunk = Buffer.allocUnsafe(MiB);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < chunks; i++) {
        chunk.fill(i * 37 + 1);
        hash.update(chunk);
        sample();
        yield chunk;
      }
    }
    const spec: TensorSpec = { name: 'big', dtype: 'F32', shape: [chunks, MiB / 4] };
    const small = new Float32Array([1, 2]);
    const result = await writeSafetensors(
      file,
      [spec, { name: 'a', dtype: 'F32', shape: [2] }],
      (name) => (name === 'big' ? source() : [bytesOf(small)]),
    );
    expect(result.bytes).toBe(fs.statSync(file).size);
    expect(result.bytes).toBeGreaterThan(chunks * MiB);
    expect(peak - base).toBeLessThan(48 * MiB);

    const readHash = createHash('sha256');
    let read = 0;
    for await (const part of readTensorChunks(file, 'big')) {
      readHash.update(part);
      read += part.byteLength;
      sample();
    }
    expect(read).toBe(chunks * MiB);
    expect(readHash.digest('hex')).toBe(hash.digest('hex'));
    expect(peak - base).toBeLessThan(48 * MiB);

    const fileHash = createHash('sha256');
    for await (const part of fs.createReadStream(file)) fileHash.update(part as Buffer);
    expect(fileHash.digest('hex')).toBe(result.sha256);
  });
});

describe('reader refuses broken files', () => {
  const good = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}';

  it('accepts the well-formed baseline', () => {
    const parsed = parseSafetensorsHeader(rawFile(good, 12), rawFile(good, 12).length);
    expect(parsed.tensors.map((t) => [t.name, t.offsets])).toEqual([['a', [0, 8]], ['b', [8, 12]]]);
    expect(parsed.dataStart).toBe(8 + parsed.headerSize);
    // Empty file with no tensors is valid.
    expect(parseSafetensorsHeader(rawFile('{}'), 16).tensors).toEqual([]);
  });

  it('truncated file', () => {
    expectInvalid(new Uint8Array(5), /5 bytes, too short/);
    const file = rawFile(good, 12);
    expectInvalid(file.subarray(0, file.length - 1), /cover bytes \[0, 12\).*11 bytes|past the end of the 11-byte data buffer/);
  });

  it('header length beyond the file', () => {
    const file = rawFile(good, 12);
    file.writeBigUInt64LE(BigInt(file.length), 0);
    expectInvalid(file, /header length says \d+ bytes, but the file is only \d+ bytes/);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(200_000_000n, 0);
    expectInvalid(huge, /over the 100000000-byte limit/);
  });

  it('invalid JSON, non-object, non-UTF-8', () => {
    expectInvalid(rawFile('{"a":', 0), /not valid JSON/);
    expectInvalid(rawFile('[1,2]', 0), /starts with "\[1,2\]/);
    const file = rawFile('{"\u00e9":1}', 0);
    file[9] = 0xff;
    expectInvalid(file, /not valid UTF-8/);
  });

  it('wrong byte count for the shape', () => {
    const bad = '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}';
    expectInvalid(rawFile(bad, 12), /tensor "a": data_offsets \[0, 8\] hold 8 bytes, but F32 shape \[3\] needs 12 bytes/);
    const zero = '{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,4]}}';
    expectInvalid(rawFile(zero, 4), /tensor "z".*needs 0 bytes/);
  });

  it('gap between tensors, and a first tensor not at 0', () => {
    const gap = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[10,14]}}';
    expectInvalid(rawFile(gap, 14), /tensor "b" begins at byte 10, but the previous tensor "a" ends at 8: a gap of 2 bytes/);
    const late = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expectInvalid(rawFile(late, 12), /tensor "a" is the first .* begins at byte 4, not 0/);
  });

  it('overlapping offsets', () => {
    const overlap = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}';
    expectInvalid(rawFile(overlap, 10), /tensor "b" \[6, 10\) overlaps tensor "a" \[0, 8\)/);
  });

  it('data not covering the buffer', () => {
    expectInvalid(rawFile(good, 16), /cover bytes \[0, 12\) of the data buffer, but it is 16 bytes.*4 bytes not covered/);
    expectInvalid(rawFile('{}', 3), /3 bytes not covered/);
  });

  it('non-string metadata', () => {
    const meta = `{"__metadata__":{"epochs":3},${good.slice(1)}`;
    expectInvalid(rawFile(meta, 12), /metadata "epochs": value 3 is not a string/);
    expectInvalid(rawFile(`{"__metadata__":["x"],${good.slice(1)}`, 12), /"__metadata__" must be an object/);
  });

  it('unknown dtype, bad shape, bad offsets', () => {
    const dtype = '{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}';
    expectInvalid(rawFile(dtype, 8), /tensor "a": dtype "F7" is unknown or unsupported/);
    const shape = '{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}';
    expectInvalid(rawFile(shape, 8), /tensor "a": shape \[2.5\]/);
    const offsets = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}';
    expectInvalid(rawFile(offsets, 8), /tensor "a": data_offsets \[0\] is not a pair/);
    const backwards = '{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}';
    expectInvalid(rawFile(backwards, 8), /end before they begin/);
  });

  it('names the file when reading from disk', async () => {
    const file = path.join(tmpDir(), 'broken.safetensors');
    fs.writeFileSync(file, rawFile(good, 13));
    await expect(readSafetensors(file)).rejects.toThrow(`${file}: the tensors cover`);
    await expect(async () => {
      for await (const _ of readTensorChunks(file, 'a')) void _;
    }).rejects.toThrow(/broken\.safetensors: .*1 bytes not covered/);
  });
});
