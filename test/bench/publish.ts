// Publishing benchmarks on the local devnet (ArLocal + dev bundler, real @irys/sdk client):
//   publish-throughput      MB/s of snapshot + hash + sign + upload of a fresh dataset,
//                           against sha384 over the same bytes (ANS-104 signing hashes with it)
//   republish-unchanged     fraction of bytes uploaded when re-publishing identical records
//   republish-append-1pct   fraction uploaded after appending 1% rows with later keys
//   republish-edit-1pct     fraction uploaded after editing 1% of rows at random
import { createHash, hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Random } from '../../fixtures/gen/random.js';
import { baseReview } from '../../fixtures/gen/review-text.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { publishDataset } from '../../src/pipeline/publish-stage.js';
import { createSystem, type Store } from '../../src/system.js';
import { z } from 'zod';
import { figure, type Figure } from './figure.js';
import type { RecordOp } from '../../src/db/records-repo.js';

const pipeline = definePipeline({
  name: 'bench', description: 'publishing benchmark', sources: [csv('unused.csv')],
  schema: z.object({ review_id: z.string() }).loose(), key: (r) => r.review_id,
});

export async function benchPublish(rows: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-publish-'));
  const system = createSystem({ cwd: dir, home: path.join(dir, 'home') }, {});
  const store = await system.openStore();
  const network = await system.openNetwork();
  try {
    const deps = system.publishDeps(store, network);
    const rng = new Random(11);
    const rawBytes = await writeRecords(store, 'r1', Array.from({ length: rows }, (_, i) => review(rng, i + 1)));
    const start = process.hrtime.bigint();
    const first = await publishDataset(pipeline, 'r1', deps);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const ceiling = sha384Rate(rawBytes);
    const again = await publishDataset(pipeline, 'r2', deps);
    await writeRecords(store, 'r3', Array.from({ length: Math.ceil(rows / 100) }, (_, i) => review(rng, rows + i + 1)));
    const appended = await publishDataset(pipeline, 'r3', deps);
    const edits = Array.from({ length: Math.ceil(rows / 100) }, () => ({ ...review(rng, rng.int(1, rows)), title: 'edited' }));
    await writeRecords(store, 'r4', edits);
    const edited = await publishDataset(pipeline, 'r4', deps);
    const mb = rawBytes / 2 ** 20;
    return [
      figure('publish-throughput', mb / seconds,
        `MB/s of dataset JSON (${mb.toFixed(1)} MB, ${rows} rows → ${(first.bytes / 2 ** 20).toFixed(1)} MB archived)`, ceiling),
      figure('republish-unchanged', again.uploadedBytes / again.bytes, 'fraction of bytes uploaded (lower is better; ceiling = 1)', 1),
      figure('republish-append-1pct', appended.uploadedBytes / appended.bytes, 'fraction of bytes uploaded (lower is better; target ≤ 0.03)', 1),
      figure('republish-edit-1pct', edited.uploadedBytes / edited.bytes, 'fraction of bytes uploaded (lower is better)', 1),
    ];
  } finally {
    await network.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function review(rng: Random, n: number): Record<string, unknown> {
  const r = baseReview(rng, n);
  return { review_id: r.id, product_id: r.product, rating: r.rating, title: r.title, text: r.body, author: r.author, reviewed_at: r.day.toISOString().slice(0, 10) };
}

/** Writes records straight through the records repository, as a run's load stage does; returns their JSON bytes. */
async function writeRecords(store: Store, runId: string, records: Record<string, unknown>[]): Promise<number> {
  const writer = store.records.writer(pipeline.dataset, runId);
  let bytes = 0;
  const ops = records.map((r): RecordOp => {
    const data = JSON.stringify(r);
    bytes += Buffer.byteLength(data) + 1;
    return { op: 'put', key: String(r.review_id), hash: hash('sha256', data), data, origin: 'bench', source: '' };
  });
  await writer.write(ops, () => []);
  return bytes;
}

/** MB/s of sha384 over `bytes` bytes, in 1 MiB updates: the hashing floor of ANS-104 signing. */
function sha384Rate(bytes: number): number {
  const block = Buffer.alloc(2 ** 20, 7);
  const h = createHash('sha384');
  const start = process.hrtime.bigint();
  for (let done = 0; done < Math.max(bytes, 64 * 2 ** 20); done += block.length) h.update(block);
  h.digest();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Math.max(bytes, 64 * 2 ** 20) / 2 ** 20 / seconds;
}
