// The train stage with a tiny model: trains on the dataset release just published, releases a
// safetensors checkpoint whose card and tags name that release (Trained-On), keeps metrics,
// hyperparameters and tensors in SQL, trains nothing for an unchanged dataset, and trains a
// new version, warm-started from the previous tensors, when the dataset changes.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkSession } from '../../src/archive/network.js';
import { parseCard } from '../../src/snapshot/card.js';
import type { Store } from '../../src/system.js';
import { openPublishingHome, type PublishingHome } from '../helpers/publishing-home.js';
import { arkiveEntry, peopleProject, write } from '../helpers/project.js';

let home: PublishingHome;
let store: Store;
let network: NetworkSession;
let cwd: string;

// Rows after the first 100 are all 90 years old, so appending them changes the mean (the model).
const people = (n: number) => Array.from({ length: n }, (_, i) => `${i},p${i},${i < 100 ? 20 + (i % 50) : 90}`).join('\n');

beforeEach(async () => {
  cwd = peopleProject(`id,name,age\n${people(100)}\n`);
  const file = `${cwd}/pipelines/people.ts`;
  write(cwd, 'pipelines/people.ts', fs.readFileSync(file, 'utf8')
    .replace(`from ${JSON.stringify(arkiveEntry)};`, `from ${JSON.stringify(arkiveEntry)};\nimport fs from 'node:fs';\nimport path from 'node:path';\nimport { safetensorsBytes, toFloat64 } from ${JSON.stringify(arkiveEntry)};`)
    .replace('key: (p) => p.id,', `key: (p) => p.id,
  model: {
    name: 'age-model',
    async train(ctx) {
      let n = 0, sum = 0;
      for await (const r of ctx.records()) { n++; sum += Number(r.age); }
      const previous = await ctx.previous?.tensor('mean');
      const mean = new Float64Array([sum / n]);
      fs.writeFileSync(path.join(ctx.workDir, 'mean.safetensors'), safetensorsBytes([{ name: 'mean', dtype: 'F64', shape: [1], data: mean }]));
      return { files: ['mean.safetensors'], metrics: { rows: n, mean: mean[0], previousMean: previous ? toFloat64(previous.data)[0] : -1 }, hyperparameters: { kind: 'mean' } };
    },
  },`));
  home = await openPublishingHome(cwd);
  ({ store, network } = home);
});

afterEach(() => home.close());

async function run() {
  const result = await home.run('people');
  if (result.error) throw result.error;
  return result;
}

describe('the train stage', () => {
  it('releases a model trained on the new dataset release, and only then', async () => {
    const first = await run();
    const [dataset, model] = first.artifacts;
    expect(model).toMatchObject({ kind: 'model', name: 'age-model', version: 1, status: 'released' });
    const card = parseCard(JSON.parse(Buffer.from((await store.releases.get('local', 'age-model', 1))!.card).toString()));
    expect(card).toMatchObject({ kind: 'model', format: 'safetensors', trainedOn: dataset!.contentId, metrics: { rows: 100, previousMean: -1 } });
    const [saved] = await store.models.list('local', 'age-model');
    expect(saved).toMatchObject({ version: 1, trainedOn: dataset!.contentId, hyperparameters: { kind: 'mean' }, metrics: { rows: 100 } });
    expect((await store.models.tensors('local', 'age-model', 1)).map((t) => [t.tensor, t.dtype, t.shape])).toEqual([['mean', 'F64', [1]]]);
    await network.settle();
    const tagged = await network.gateway.query({ ids: [model!.contentId] });
    expect(tagged[0]!.tags).toEqual(expect.arrayContaining([{ name: 'Trained-On', value: dataset!.contentId }, { name: 'Model-Name', value: 'age-model' }]));

    const again = await run();
    expect(again.status).toBe('unchanged');
    expect(again.artifacts[1]).toMatchObject({ status: 'unchanged', version: 1, uploadedBytes: 0 });

    write(cwd, 'people.csv', `id,name,age\n${people(150)}\n`);
    const changed = await run();
    expect(changed.artifacts.map((a) => [a.kind, a.version, a.status])).toEqual([['dataset', 2, 'released'], ['model', 2, 'released']]);
    const card2 = parseCard(JSON.parse(Buffer.from((await store.releases.get('local', 'age-model', 2))!.card).toString()));
    expect(card2.trainedOn).toBe(changed.artifacts[0]!.contentId);
    expect(card2.parent).toBe(model!.contentId);
    expect(card2.metrics).toMatchObject({ rows: 150, previousMean: card.metrics!.mean });

    // Without tensors in the database, the warm start reads the previous checkpoint from the permaweb.
    store.database.sqlite!.exec('delete from model_tensors');
    await network.settle();
    write(cwd, 'people.csv', `id,name,age\n${people(160)}\n`);
    const third = await run();
    const card3 = parseCard(JSON.parse(Buffer.from((await store.releases.get('local', 'age-model', 3))!.card).toString()));
    expect(third.artifacts[1]).toMatchObject({ version: 3, status: 'released' });
    expect(card3.metrics).toMatchObject({ rows: 160, previousMean: card2.metrics!.mean });
  });
});
