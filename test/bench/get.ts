// get-verified: MB/s of a verified `get` (signatures of manifest and card, sha256 of every
// file, atomic write) of a multi-chunk release, against the ceiling of a raw, unverified
// download of the same bytes from the same gateway in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash } from 'node:crypto';
import { Random } from '../../fixtures/gen/random.js';
import { materialise } from '../../src/retrieve/materialise.js';
import { readRelease } from '../../src/retrieve/release-reader.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { publishDataset } from '../../src/pipeline/publish-stage.js';
import { createSystem } from '../../src/system.js';
import { z } from 'zod';
import { figure, type Figure } from './figure.js';
import type { RecordOp } from '../../src/db/records-repo.js';

// Random text does not compress, so the release is as large in bytes as the rows are.
const pipeline = definePipeline({
  name: 'bench-get', description: 'get benchmark', sources: [csv('unused.csv')],
  schema: z.object({ id: z.string(), blob: z.string() }), key: (r) => r.id,
  snapshot: { targetChunkBytes: 2 * 2 ** 20 },
});

export async function benchGet(megabytes: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-get-'));
  const system = createSystem({ cwd: dir, home: path.join(dir, 'home') }, {});
  const store = await system.openStore();
  const network = await system.openNetwork();
  try {
    await fillRecords(store, megabytes);
    const release = await publishDataset(pipeline, 'r1', system.publishDeps(store, network));
    await network.settle();
    const gateways = async () => network.config.gateways;
    const trust = [network.uploader.address];
    const rawStart = process.hrtime.bigint();
    const verified = await readRelease(release.contentId, { gateways, trust });
    // The raw download uses the same two-at-a-time concurrency as get.
    let rawBytes = 0;
    for (let i = 0; i < verified.files.length; i += 2) {
      const pair = verified.files.slice(i, i + 2).map(async (f) => (await fetch(`${network.config.gateways[0]}/raw/${f.id}`)).arrayBuffer());
      for (const body of await Promise.all(pair)) rawBytes += body.byteLength;
    }
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
    const start = process.hrtime.bigint();
    const done = await materialise(await readRelease(release.contentId, { gateways, trust }), path.join(dir, 'out'), { gateways });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const mb = done.bytes / 2 ** 20;
    return [figure('get-verified', mb / seconds, `MB/s (${mb.toFixed(1)} MB in ${done.files} files; ceiling = raw download of the same files)`, rawBytes / 2 ** 20 / rawSeconds)];
  } finally {
    await network.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function fillRecords(store: Awaited<ReturnType<ReturnType<typeof createSystem>['openStore']>>, megabytes: number): Promise<void> {
  const rng = new Random(5);
  const writer = store.records.writer(pipeline.dataset, 'r1');
  const rows = Math.ceil((megabytes * 2 ** 20) / 1024);
  const ops: RecordOp[] = [];
  for (let i = 0; i < rows; i++) {
    const blob = Buffer.from(Array.from({ length: 750 }, () => rng.int(0, 255))).toString('base64');
    const data = JSON.stringify({ id: String(i).padStart(8, '0'), blob });
    ops.push({ op: 'put', key: String(i).padStart(8, '0'), hash: hash('sha256', data), data, origin: 'bench', source: '' });
  }
  await writer.write(ops, () => []);
}
