// The sentiment model on the real `reviews` records: loaded by the pipeline into a temp
import { collect } from '../helpers/collect.js';
// home, read back from the store, trained twice.
import { describe, expect, it } from 'vitest';
import { executeRun } from '../../src/pipeline/execute.js';
import { trainSentiment } from '../../src/pipeline/train/sentiment.js';
import { createSystem } from '../../src/system.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function reviewRecords(): Promise<Record<string, unknown>[]> {
  const system = createSystem({ cwd: repoRoot, home: tmpDir() }, {});
  const store = await system.openStore();
  try {
    await executeRun(await system.pipelines.load('reviews'), { ...store, cwd: repoRoot });
    return (await collect(store.records.iterate('reviews'))).map((r) => JSON.parse(r.data) as Record<string, unknown>);
  } finally {
    await store.close();
  }
}

describe('sentiment model on the reviews dataset', () => {
  it('beats the majority baseline by 10+ points, quickly and reproducibly', async () => {
    const records = await reviewRecords();
    expect(records).toHaveLength(4000);

    const started = performance.now();
    const first = await trainSentiment(records);
    const elapsed = performance.now() - started;
    const { metrics } = first;

    expect(metrics.trainSize + metrics.testSize).toBe(4000);
    expect(metrics.testSize / 4000).toBeGreaterThan(0.17);
    expect(metrics.testSize / 4000).toBeLessThan(0.23);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(metrics.baseline + 0.1);
    // Generous against a slow machine; a dense update per step would blow well past it.
    expect(elapsed).toBeLessThan(10_000);

    const second = await trainSentiment(records);
    expect(bytes(second.model.weights).equals(bytes(first.model.weights))).toBe(true);
    expect(bytes(second.model.bias).equals(bytes(first.model.bias))).toBe(true);
    expect(second.metrics).toEqual(metrics);
  });
});
