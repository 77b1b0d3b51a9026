// The Hugging Face cards on the dev stack: `arkive run reviews` publishes a dataset and a
// model release, each carrying README.md; the gateway serves it under <contentId>/README.md
// with the sha256 the card lists; the dataset card's load_dataset URLs resolve to the chunks;
// the model card names its training release by content ID; `arkive get` writes README.md
// byte-identical to the gateway's, and refuses (exit 3, nothing written) one a gateway alters.
import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { startLyingGateway } from '../helpers/lying-gateway.js';
import { frontMatter, splitFrontMatter } from '../helpers/yaml.js';

interface FileRef { path: string; id: string; sha256: string; bytes: number }
interface Shown {
  contentId: string;
  files: FileRef[];
  card: { rows: number; chunks: { path: string; sha256: string }[]; documents?: { path: string; sha256: string; bytes: number }[]; trainedOn?: string };
}

let stack: DevStack;
let dataset: Shown;
let model: Shown;
const made: string[] = [];

function dir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  made.push(d);
  return d;
}

const reader = (...gateways: string[]) => ['--home', dir('arkive-b-'), '--trust', stack.address, ...gateways.flatMap((g) => ['--gateway', g])];

async function show(contentId: string): Promise<Shown> {
  const shown = await arkive(['show', contentId, '--json', ...reader(stack.gateway)]);
  if (shown.code !== 0) throw new Error(shown.stderr);
  return JSON.parse(shown.stdout) as Shown;
}

async function fromGateway(contentId: string, file: string): Promise<Buffer> {
  const res = await fetch(`${stack.gateway}/${contentId}/${file}`);
  expect(res.status, `${contentId}/${file}`).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  stack = await startDevStack();
  const run = await arkive(['run', 'reviews', '--json', '--home', dir('arkive-a-')], { env: stack.env });
  if (run.code !== 0) throw new Error(run.stderr);
  const artifacts = JSON.parse(run.stdout).artifacts as { kind: string; contentId: string }[];
  await stack.flush();
  const of = (kind: string) => show(artifacts.find((a) => a.kind === kind)!.contentId);
  [dataset, model] = await Promise.all([of('dataset'), of('model')]);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe('Hugging Face cards of the reviews releases', () => {
  it('serves README.md of both releases under <contentId>/README.md with the sha256 and size their cards list', async () => {
    for (const release of [dataset, model]) {
      const listed = release.card.documents?.find((d) => d.path === 'README.md');
      expect(listed, release.contentId).toBeDefined();
      const bytes = await fromGateway(release.contentId, 'README.md');
      expect(hash('sha256', bytes)).toBe(listed!.sha256);
      expect(bytes.length).toBe(listed!.bytes);
    }
  });

  it('gives the dataset card HF keys for the release, and load_dataset URLs that resolve to its chunks', async () => {
    const card = (await fromGateway(dataset.contentId, 'README.md')).toString('utf8');
    const meta = frontMatter(card);
    const chunkPaths = dataset.card.chunks.map((c) => c.path);
    expect(meta).toMatchObject({ license: 'cc-by-4.0', pretty_name: 'reviews v1', size_categories: ['1K<n<10K'] });
    expect(meta.configs).toEqual([{ config_name: 'default', data_files: [{ split: 'train', path: chunkPaths }] }]);
    expect((meta.dataset_info as { features: { name: string }[] }).features.map((f) => f.name))
      .toEqual(['review_id', 'product_id', 'rating', 'label', 'title', 'text', 'author', 'reviewed_at']);
    const load = splitFrontMatter(card).body.split('\n').find((l) => l.startsWith('ds = load_dataset("json"'))!;
    const urls = [...load.matchAll(/f"https:\/\/arweave\.net\/\{release\}\/([^"]+)"/g)].map((m) => m[1]!);
    expect(urls).toEqual(chunkPaths);
    for (const [i, p] of urls.entries()) expect(hash('sha256', await fromGateway(dataset.contentId, p))).toBe(dataset.card.chunks[i]!.sha256);
  });

  it('names the training release by content ID in the model card, front matter and body', async () => {
    expect(model.card.trainedOn).toBe(dataset.contentId);
    const card = (await fromGateway(model.contentId, 'README.md')).toString('utf8');
    const meta = frontMatter(card);
    expect(meta).toMatchObject({ license: 'cc-by-4.0', datasets: [dataset.contentId], tags: ['arkive', 'arweave', 'safetensors'] });
    expect(meta).not.toHaveProperty('base_model');
    const results = (meta['model-index'] as { results: { dataset: { type: string }; metrics: { type: string; value: number }[] }[] }[])[0]!.results[0]!;
    expect(results.dataset.type).toBe(dataset.contentId);
    expect(results.metrics.find((m) => m.type === 'accuracy')?.value).toBeGreaterThan(0);
    const body = splitFrontMatter(card).body;
    expect(body).toContain(`arkive get ${dataset.contentId} --trust ${stack.address}`);
    const checkpoint = model.files.find((f) => f.path === 'model.safetensors')!;
    expect(body).toContain(`| \`model.safetensors\` | ${checkpoint.bytes} | \`${checkpoint.sha256}\` |`);
  });

  it('writes README.md (and croissant.json) with arkive get, byte-identical to the gateway and to the card', async () => {
    for (const release of [dataset, model]) {
      const out = path.join(dir('out-'), 'x');
      const got = await arkive(['get', release.contentId, '-o', out, ...reader(stack.gateway)]);
      expect(got.code, got.stderr).toBe(0);
      expect(fs.readFileSync(path.join(out, 'README.md')).equals(await fromGateway(release.contentId, 'README.md'))).toBe(true);
      for (const doc of release.card.documents!) expect([doc.path, hash('sha256', fs.readFileSync(path.join(out, doc.path)))]).toEqual([doc.path, doc.sha256]);
    }
    expect(dataset.card.documents!.map((d) => d.path).sort()).toEqual(['README.md', 'croissant.json']);
  });

  it('refuses a README.md a gateway altered: exit 3, nothing written', async () => {
    for (const release of [dataset, model]) {
      const readme = release.files.find((f) => f.path === 'README.md')!;
      const liar = await startLyingGateway({ upstream: stack.gateway, flipPath: (p) => p === `/raw/${readme.id}` });
      try {
        const parent = dir('out-');
        const bad = await arkive(['get', release.contentId, '-o', path.join(parent, 'x'), ...reader(liar.url)]);
        expect(bad.code, bad.stderr).toBe(3);
        expect(bad.stderr).toContain(`README.md (item ${readme.id}) failed verification: expected sha256 ${readme.sha256}`);
        expect(fs.readdirSync(parent)).toEqual([]);
      } finally {
        await liar.close();
      }
    }
  });
});
