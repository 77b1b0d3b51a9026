// croissant.json on the dev stack: one home publishes reviews, sensors and transactions; fresh
// homes read each release's Croissant document through `arkive show --croissant` (verified
// against the signed card), check it against schemas/croissant.schema.json, resolve every
// contentUrl on the gateway as <gateway>/<contentId>/<contentUrl>, and read a folder written
// by `arkive get` the way mlcroissant reads a FileSet. A gateway that alters croissant.json
// is refused (exit 3); a release without one is a usage error (exit 2).
import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { croissantProblems } from '../helpers/croissant-check.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { startRewritingGateway } from '../helpers/rewriting-gateway.js';
import { frontMatter } from '../helpers/yaml.js';

type Json = Record<string, any>;

const PIPELINES = ['reviews', 'sensors', 'transactions'] as const;

let stack: DevStack;
const datasets: { name: string; contentId: string }[] = [];
let model: string;
const made: string[] = [];

function dir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  made.push(d);
  return d;
}

const sha = (bytes: Uint8Array) => hash('sha256', bytes);
const fresh = () => ['--home', dir('arkive-b-'), '--gateway', stack.gateway, '--trust', stack.address];

async function served(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  stack = await startDevStack();
  const home = dir('arkive-a-');
  for (const pipeline of PIPELINES) {
    const run = await arkive(['run', pipeline, '--json', '--home', home], { env: stack.env });
    if (run.code !== 0) throw new Error(`arkive run ${pipeline}: ${run.stderr}`);
    for (const a of JSON.parse(run.stdout).artifacts as { kind: string; name: string; contentId: string }[]) {
      if (a.kind === 'dataset') datasets.push({ name: a.name, contentId: a.contentId });
      else model = a.contentId;
    }
  }
  await stack.flush();
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Whether a JSON Lines value fits the field's Croissant data type (null where the field may be null). */
function fits(value: unknown, field: Json): boolean {
  if (value === null) return /May be null\./.test(field.description ?? '');
  switch (field.dataType) {
    case 'sc:Integer': return Number.isInteger(value);
    case 'sc:Float': return typeof value === 'number';
    case 'sc:Boolean': return typeof value === 'boolean';
    case 'sc:Date': return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'sc:DateTime': return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'sc:Text': return typeof value === 'string' || /A JSON value/.test(field.description ?? '');
    default: return false;
  }
}

describe('README.md of every dataset release', () => {
  it('is a Hugging Face dataset card: the card lists its sha256, and its YAML keys describe the release', async () => {
    const HUB_BUCKETS = ['n<1K', '1K<n<10K', '10K<n<100K'];
    for (const { name, contentId } of datasets) {
      const readme = await served(`${stack.gateway}/${contentId}/README.md`);
      const card = JSON.parse((await served(`${stack.gateway}/${contentId}/arkive.json`)).toString('utf8')) as Json;
      expect(card.documents).toContainEqual(expect.objectContaining({ path: 'README.md', sha256: sha(readme), bytes: readme.length }));
      const meta = frontMatter(readme.toString('utf8')) as Json;
      expect(meta.pretty_name, name).toEqual(expect.stringContaining(name));
      // transactions states a UDL (license: other, linked); the others CC-BY-4.0 only.
      expect(meta.license, name).toBe(name === 'transactions' ? 'other' : 'cc-by-4.0');
      if (name === 'transactions') expect(meta.license_link).toBe(`https://arweave.net/${card.udl.License}`);
      expect(meta.configs).toEqual([{ config_name: 'default', data_files: [{ split: 'train', path: card.chunks.map((c: Json) => c.path) }] }]);
      const features = (meta.dataset_info as Json).features as Json[];
      expect(features.map((f) => f.name).sort()).toEqual(Object.keys(card.schema.properties).sort());
      expect(features.every((f) => ['string', 'int32', 'int64', 'float64', 'bool', 'date32'].includes(f.dtype)), name).toBe(true);
      expect(meta.size_categories).toEqual([HUB_BUCKETS[card.rows < 1000 ? 0 : card.rows < 10_000 ? 1 : 2]]);
    }
  });
});

describe('croissant.json', () => {
  it('is in every dataset release, verified by show --croissant, valid, and every contentUrl resolves on the gateway to the sha256 given', async () => {
    expect(datasets.map((d) => d.name)).toEqual([...PIPELINES]);
    for (const { name, contentId } of datasets) {
      const shown = await arkive(['show', contentId, '--croissant', ...fresh()]);
      expect(shown.code, shown.stderr).toBe(0);
      const onGateway = await served(`${stack.gateway}/${contentId}/croissant.json`);
      expect(Buffer.from(shown.stdout, 'utf8').equals(onGateway)).toBe(true);
      const card = JSON.parse((await served(`${stack.gateway}/${contentId}/arkive.json`)).toString('utf8')) as Json;
      expect(card.documents).toContainEqual({ path: 'croissant.json', sha256: sha(onGateway), bytes: onGateway.length, contentType: 'application/ld+json' });
      const doc = JSON.parse(shown.stdout) as Json;
      expect(croissantProblems(doc), name).toEqual([]);
      expect(doc).toMatchObject({ name, version: '1.0.0', url: './', identifier: card.digest, creator: { identifier: stack.address } });
      const files = doc.distribution.filter((d: Json) => d['@type'] === 'cr:FileObject');
      expect(files.map((f: Json) => f.contentUrl)).toEqual(card.chunks.map((c: Json) => c.path));
      for (const file of files) {
        const bytes = await served(`${stack.gateway}/${contentId}/${file.contentUrl}`);
        expect(sha(bytes), `${name} ${file.contentUrl}`).toBe(file.sha256);
        expect(`${bytes.length} B`).toBe(file.contentSize);
      }
      const [records] = doc.recordSet;
      const keys = [records.key].flat().map((k: Json) => k['@id']);
      expect(keys).toEqual(card.key.map((k: string) => `${name}/${k}`));
    }
  });

  it('describes the folder arkive get writes: the FileSet finds every chunk, and every record has exactly the typed fields', async () => {
    for (const { name, contentId } of datasets) {
      const out = path.join(dir('out-'), name);
      const got = await arkive(['get', contentId, '-o', out, ...fresh()]);
      expect(got.code, got.stderr).toBe(0);
      const doc = JSON.parse(fs.readFileSync(path.join(out, 'croissant.json'), 'utf8')) as Json;
      const [fileSet] = doc.distribution.filter((d: Json) => d['@type'] === 'cr:FileSet');
      const found = (await glob(fileSet.includes, { cwd: out })).sort();
      const chunks = doc.distribution.filter((d: Json) => d['@type'] === 'cr:FileObject').map((f: Json) => f.contentUrl);
      expect(found).toEqual([...chunks].sort());
      const [records] = doc.recordSet;
      const byColumn = new Map<string, Json>(records.field.map((f: Json) => [f.source.extract.column, f]));
      let rows = 0;
      for (const file of found) {
        for (const line of gunzipSync(fs.readFileSync(path.join(out, file))).toString('utf8').trimEnd().split('\n')) {
          const record = JSON.parse(line) as Json;
          expect(Object.keys(record).sort()).toEqual([...byColumn.keys()].sort());
          for (const [column, value] of Object.entries(record)) expect(fits(value, byColumn.get(column)!), `${name}.${column} = ${JSON.stringify(value)}`).toBe(true);
          rows++;
        }
      }
      expect(records.description).toContain(`The ${rows} records of ${name} version 1`);
    }
  });

  it('is refused (exit 3), printing and writing nothing, when a gateway serves an altered one', async () => {
    const { contentId } = datasets[0]!;
    const listing = await arkive(['show', contentId, '--json', ...fresh()]);
    const file = (JSON.parse(listing.stdout).files as Json[]).find((f) => f.path === 'croissant.json')!;
    // A plausible lie: the same document with a more permissive licence.
    const forger = await startRewritingGateway({
      upstream: stack.gateway,
      get: (p, body) => (p === `/raw/${file.id}` ? Buffer.from(body.toString('utf8').replace('licenses/CC-BY-4.0.html', 'licenses/CC0-1.0.html')) : undefined),
    });
    try {
      expect((await served(`${forger.url}/raw/${file.id}`)).toString('utf8')).toContain('licenses/CC0-1.0.html');
      const home = dir('arkive-b-');
      const via = ['--home', home, '--trust', stack.address, '--gateway', forger.url];
      const shown = await arkive(['show', contentId, '--croissant', ...via]);
      expect(shown.code).toBe(3);
      expect(shown.stdout).toBe('');
      expect(shown.stderr).toContain(`croissant.json (item ${file.id}) failed verification: expected sha256 ${file.sha256}; ${forger.url} served sha256 `);
      const out = path.join(dir('out-'), 'x');
      const got = await arkive(['get', contentId, '-o', out, ...via]);
      expect(got.code).toBe(3);
      expect(got.stderr).toContain(`croissant.json (item ${file.id}) failed verification`);
      expect(fs.readdirSync(path.dirname(out))).toEqual([]);
      const honest = await arkive(['show', contentId, '--croissant', ...via, '--gateway', stack.gateway]);
      expect(honest.code, honest.stderr).toBe(0);
      expect(sha(Buffer.from(honest.stdout, 'utf8'))).toBe(file.sha256);
    } finally {
      await forger.close();
    }
  });

  it('show --croissant of a release without one (a model) is a usage error, exit 2', async () => {
    expect(model).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const shown = await arkive(['show', model, '--croissant', ...fresh()]);
    expect(shown.code).toBe(2);
    expect(shown.stdout).toBe('');
    expect(shown.stderr).toContain('code: CROISSANT_ABSENT');
    expect(shown.stderr).toContain(`reviews-model v1 (model, ${model}) has no croissant.json`);
  });
});
