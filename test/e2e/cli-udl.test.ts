// A pipeline licensed under the Universal Data License, run by the real CLI against one
// `arkive dev` stack: every item of its dataset release (chunks, card, documents, manifest)
// and of the model trained on it (checkpoint, card, manifest) carries the UDL's tags, as the
// gateway's GraphQL shows them. A bad term is exit 2 naming it, before anything is posted.
import { describe, expect, it } from 'vitest';
import { UDL_TX_ID } from '../../src/snapshot/udl.js';
import { arkive } from '../helpers/cli.js';
import { devStackForFile } from '../helpers/dev-stack.js';
import { graphql } from '../helpers/devnet.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

const stack = devStackForFile();

const PAYEE = `${'Q'.repeat(42)}w`;
const UDL = `{ commercialUse: 'Allowed-With-Credit', derivations: 'Allowed-With-RevenueShare-12.5%', dataModelTraining: 'Allowed-With-Fee-One-Time-0.5', paymentAddress: '${PAYEE}' }`;
const UDL_TAGS = {
  License: UDL_TX_ID, 'Commercial-Use': 'Allowed-With-Credit', Derivation: 'Allowed-With-RevenueShare-12.5%',
  'Data-Model-Training': 'Allowed-With-Fee-One-Time-0.5', Currency: 'AR', 'Payment-Address': PAYEE,
};

/** A project whose pipeline `name` states `udl`, with a model (one tiny safetensors file) trained on each release. */
function licensedProject(name: string, udl: string): string {
  const cwd = newProject();
  write(cwd, 'people.csv', `id,age\n${Array.from({ length: 50 }, (_, i) => `p${i},${20 + (i % 40)}`).join('\n')}\n`);
  write(cwd, `pipelines/${name}.ts`, `
import fs from 'node:fs';
import path from 'node:path';
import { csv, definePipeline, safetensorsBytes, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: '${name}',
  description: 'people under a UDL',
  sources: [csv('people.csv')],
  schema: z.object({ id: z.string(), age: z.number().int() }),
  key: 'id',
  clean: (f) => ({ id: String(f.id), age: Number(f.age) }),
  license: { spdx: 'CC-BY-4.0', udl: ${udl} },
  model: {
    name: '${name}-model',
    async train(ctx) {
      let n = 0;
      for await (const _ of ctx.records()) n++;
      fs.writeFileSync(path.join(ctx.workDir, 'model.safetensors'), safetensorsBytes([{ name: 'n', dtype: 'F32', shape: [1], data: new Float32Array([n]) }]));
      return { files: ['model.safetensors'], metrics: { rows: n }, hyperparameters: {} };
    },
  },
});
`);
  return cwd;
}

type Node = { id: string; tags: Array<{ name: string; value: string }> };

/** The stack's items by ID, with their tags (after the bundler flushed what it holds). */
async function itemsById(ids: string[]): Promise<Map<string, Record<string, string>>> {
  await stack().flush();
  const data = await graphql<{ transactions: { edges: Array<{ node: Node }> } }>(stack().gateway,
    'query($ids: [ID!]) { transactions(ids: $ids, first: 100) { edges { node { id tags { name value } } } } }', { ids });
  return new Map(data.transactions.edges.map(({ node }) => [node.id, Object.fromEntries(node.tags.map((t) => [t.name, t.value]))]));
}

/** Items of this wallet tagged Pipeline=name. */
async function itemsOfPipeline(name: string): Promise<string[]> {
  await stack().flush();
  const data = await graphql<{ transactions: { edges: Array<{ node: { id: string } }> } }>(stack().gateway,
    'query($owners: [String!], $values: [String!]!) { transactions(owners: $owners, tags: [{ name: "Pipeline", values: $values }], first: 100) { edges { node { id } } } }',
    { owners: [stack().address], values: [name] });
  return data.transactions.edges.map((e) => e.node.id);
}

describe('arkive run with a UDL licence', () => {
  it('tags every item of the dataset and model releases with the UDL terms', async () => {
    const cwd = licensedProject('licensed', UDL);
    const home = tmpDir('arkive-udl-');
    const run = await arkive(['run', 'licensed', '--json', '--home', home], { cwd, env: stack().env });
    expect(run.code, run.stderr).toBe(0);
    const artifacts = JSON.parse(run.stdout).artifacts as Array<{ kind: string; contentId: string; status: string }>;
    expect(artifacts.map((a) => [a.kind, a.status])).toEqual([['dataset', 'released'], ['model', 'released']]);
    const seen = new Set<string>();
    for (const artifact of artifacts) {
      const shown = await arkive(['show', artifact.contentId, '--json', '--home', home, '--gateway', stack().gateway, '--trust', stack().address]);
      expect(shown.code, shown.stderr).toBe(0);
      const files = (JSON.parse(shown.stdout) as { files: Array<{ path: string; id: string }> }).files;
      const ids = [artifact.contentId, ...files.map((f) => f.id)];
      const items = await itemsById(ids);
      expect([...items.keys()].sort()).toEqual([...ids].sort());
      const kinds = ids.map((id) => items.get(id)!['Arkive-Kind']).sort();
      // The model's documents (its README.md) come with lane hf-card: whatever the release lists is checked below.
      expect(kinds).toEqual(artifact.kind === 'dataset'
        ? ['card', 'chunk', 'document', 'document', 'release'] : expect.arrayContaining(['card', 'checkpoint', 'release']));
      for (const id of ids) {
        expect(items.get(id), `${artifact.kind} item ${id} (${items.get(id)!['Arkive-Kind']})`).toMatchObject(UDL_TAGS);
        seen.add(id);
      }
      expect(items.get(artifact.contentId)).toMatchObject({ 'License-SPDX': 'CC-BY-4.0' });
    }
    // Nothing the run posted went without them: every item of the pipeline is one of the releases'.
    expect((await itemsOfPipeline('licensed')).filter((id) => !seen.has(id))).toEqual([]);
  });

  it('refuses a bad UDL value when the pipeline loads: exit 2 naming the term, nothing posted', async () => {
    const cwd = licensedProject('mislicensed', `{ commercialUse: 'Allowed', derivations: 'Allowed-With-RevenueShare-101%' }`);
    const run = await arkive(['run', 'mislicensed', '--home', tmpDir('arkive-udl-')], { cwd, env: stack().env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('code: PIPELINE_INVALID');
    expect(run.stderr).toContain('license.udl.derivations "Allowed-With-RevenueShare-101%" is not a UDL Derivation value');
    expect(run.stderr).toContain('Allowed-With-RevenueShare-<N>% (0 < N ≤ 100)');
    expect(await itemsOfPipeline('mislicensed')).toEqual([]);
  });
});
