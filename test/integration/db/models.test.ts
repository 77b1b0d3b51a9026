// Models and their checkpoint tensors on both dialects: Float32 data byte-exact (NaN payloads,
// -0, denormals, infinities), views into larger buffers stored as their own bytes only, save
// idempotent, and every listing in the same order on both.
import { expect, it } from 'vitest';
import type { ModelRecord, StoredTensor } from '../../../src/db/models-repo.js';
import { describeDatabases } from '../../helpers/databases.js';

const model = (version: number, over: Partial<ModelRecord> = {}): ModelRecord => ({
  name: 'm', version, runId: `run-${version}`, trainedOn: 'cid-data', createdAt: `2026-01-0${version}T00:00:00.000Z`,
  hyperparameters: { lr: 0.001, layers: [64, 32], name: 'é"q' }, metrics: { loss: 0.125, acc: 0.9 }, ...over,
});

/** Float32 values whose bytes any float or text round trip would change. */
function hostileFloats(): Uint8Array {
  const view = new DataView(new ArrayBuffer(4 * 8));
  const words = [0x7fc00001, 0xffc12345, 0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x3f800000, 0x00000000];
  words.forEach((w, i) => view.setUint32(i * 4, w, true));
  return new Uint8Array(view.buffer);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

describeDatabases('ModelsRepo', (db) => {
  it('stores tensor data byte for byte: NaN payloads, -0, denormals, infinities, and a view\'s own bytes only', async () => {
    const { models } = db();
    const floats = hostileFloats();
    const backing = new Float32Array(1024).fill(1.5);
    const view = new Uint8Array(backing.buffer, 16, 64);
    const big = new Uint8Array(new Float32Array(300_000).map((_, i) => Math.sin(i)).buffer);
    await models.save('net', model(1), [
      { file: 'model.safetensors', tensor: 'w', dtype: 'F32', shape: [2, 4], data: floats },
      { file: 'model.safetensors', tensor: 'view', dtype: 'F32', shape: [16], data: view },
      { file: 'model.safetensors', tensor: 'big', dtype: 'F32', shape: [300_000], data: big },
      { file: 'model.safetensors', tensor: 'empty', dtype: 'F32', shape: [0], data: new Uint8Array(0) },
    ]);
    const stored = new Map((await models.tensors('net', 'm', 1)).map((t) => [t.tensor, t]));
    expect(hex(stored.get('w')!.data)).toBe(hex(floats));
    expect(hex(stored.get('view')!.data)).toBe(hex(view));
    expect(stored.get('view')!.data.byteLength).toBe(64);
    expect(hex(stored.get('big')!.data)).toBe(hex(big));
    expect(stored.get('empty')!.data.byteLength).toBe(0);
    expect(stored.get('w')).toMatchObject({ dtype: 'F32', shape: [2, 4] });
    // Read back as Float32: the NaN payload survives.
    const back = stored.get('w')!.data;
    expect(new DataView(back.buffer, back.byteOffset, back.byteLength).getUint32(0, true)).toBe(0x7fc00001);
  });

  it('lists versions in order with their hyperparameters and metrics, per network and name', async () => {
    const { models } = db();
    await models.save('net', model(2), []);
    await models.save('net', model(1), []);
    await models.save('other-net', model(1, { runId: 'elsewhere' }), []);
    await models.save('net', model(1, { name: 'n' }), []);
    expect(await models.list('net', 'm')).toEqual([model(1), model(2)]);
    expect((await models.list('other-net', 'm')).map((m) => m.runId)).toEqual(['elsewhere']);
    expect(await models.list('net', 'none')).toEqual([]);
  });

  it('keeps the first save of a version: a second save of it changes neither the model nor its tensors', async () => {
    const { models } = db();
    const tensor = (data: number[]): StoredTensor => ({ file: 'a.safetensors', tensor: 't', dtype: 'U8', shape: [data.length], data: Uint8Array.from(data) });
    await models.save('net', model(1), [tensor([1, 2, 3])]);
    await models.save('net', model(1, { runId: 'again', metrics: { loss: 9 } }), [tensor([9, 9]), { ...tensor([7]), tensor: 'new' }]);
    expect((await models.list('net', 'm'))[0]).toEqual(model(1));
    const tensors = await models.tensors('net', 'm', 1);
    expect(tensors.map((t) => [t.tensor, hex(t.data)])).toEqual([['new', '07'], ['t', '010203']]);
  });

  it('orders tensors by file then name in code-point order (a warm start takes the first of a name)', async () => {
    const { models } = db();
    const names = ['b', 'B', 'a.weight', 'A.weight', 'é', 'z', '_x', 'layer.10', 'layer.9'];
    const files = ['model.safetensors', 'Model.safetensors', 'extra.safetensors'];
    await models.save('net', model(1), files.flatMap((file) => names.map((tensor) => ({ file, tensor, dtype: 'U8', shape: [1], data: Uint8Array.of(1) }))));
    const order = (values: string[]) => [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect((await models.tensors('net', 'm', 1)).map((t) => `${t.file}/${t.tensor}`))
      .toEqual(order(files).flatMap((file) => order(names).map((tensor) => `${file}/${tensor}`)));
    expect(await models.tensors('net', 'm', 2)).toEqual([]);
  });
});
