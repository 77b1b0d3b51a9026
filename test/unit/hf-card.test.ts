// The Hugging Face cards (README.md) of releases, read back as the Hub reads them: the front
// matter split at the first `---` line and parsed by a real YAML parser (js-yaml), key by key.
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCard, type CardInput } from '../../src/snapshot/card.js';
import type { ReleaseDescription } from '../../src/snapshot/describe.js';
import { recordFields } from '../../src/snapshot/fields.js';
import { datasetCardBytes, modelCardBytes, sizeCategory } from '../../src/snapshot/hf-card.js';
import { hubLicense, hubLicenseId } from '../../src/snapshot/hf-license.js';
import { frontMatter, splitFrontMatter } from '../helpers/yaml.js';

const hex = (c: string) => c.repeat(64);
const PARENT = 'P'.repeat(43);
const DATASET_ID = 'D'.repeat(43);
const PUBLISHER = 'W'.repeat(43);
const UDL_TX = 'yRj4a5KMctX_uOmKWCFJIjmY8DeJcusVk6-HzLiM_t8';

const Schema = z.object({
  id: z.string(), stars: z.number().int().min(1).max(5), count: z.number().int(), score: z.number(), ok: z.boolean(),
  day: z.iso.date(), at: z.iso.datetime(), extra: z.object({ a: z.string() }), label: z.enum(['neg', 'pos']), note: z.string().nullable(),
});
const schema = z.toJSONSchema(Schema) as Record<string, unknown>;

const chunks = [
  { path: `data/${hex('a')}.jsonl.gz`, sha256: hex('a'), bytes: 100, rows: 600, firstKey: 'k1', lastKey: 'k6' },
  { path: `data/${hex('b')}.jsonl.gz`, sha256: hex('b'), bytes: 50, rows: 900, firstKey: 'k7', lastKey: 'k9' },
];

const datasetInput: CardInput = {
  name: 'reviews', kind: 'dataset', version: 3, parent: PARENT, pipeline: 'reviews', runId: 'run-1', schema,
  format: 'jsonl.gz', chunks, license: 'CC-BY-4.0', key: ['id'], digest: `sha256:${hex('c')}`,
};

function described(input: Partial<CardInput> = {}, extra: Partial<ReleaseDescription> = {}): ReleaseDescription {
  const card = buildCard({ ...datasetInput, ...input });
  return {
    card, description: 'Product reviews, cleaned.', createdAt: '2026-12-01T00:00:00.000Z', firstCreatedAt: '2026-11-01T00:00:00.000Z',
    publisher: PUBLISHER, fields: recordFields(card.schema), ...extra,
  };
}

const text = (bytes: Buffer) => bytes.toString('utf8');

describe('dataset card front matter', () => {
  const meta = frontMatter(text(datasetCardBytes(described())));

  it('has the Hub keys: pretty_name, licence id, tags, size bucket', () => {
    expect(meta.pretty_name).toBe('reviews v3');
    expect(meta.license).toBe('cc-by-4.0');
    expect(meta.license_name).toBeUndefined();
    expect(meta.tags).toEqual(['arkive', 'arweave']);
    expect(meta.size_categories).toEqual(['1K<n<10K']);
  });

  it('gives the chunk paths, in order, as the train split of the default config', () => {
    expect(meta.configs).toEqual([{ config_name: 'default', data_files: [{ split: 'train', path: chunks.map((c) => c.path) }] }]);
  });

  it('gives every field with its Hub dtype, the split size and the download size', () => {
    expect(meta.dataset_info).toEqual({
      features: [
        { name: 'id', dtype: 'string' }, { name: 'stars', dtype: 'int32' }, { name: 'count', dtype: 'int64' },
        { name: 'score', dtype: 'float64' }, { name: 'ok', dtype: 'bool' }, { name: 'day', dtype: 'date32' },
        { name: 'at', dtype: 'string' }, { name: 'extra', dtype: 'string' }, { name: 'label', dtype: 'string' },
        { name: 'note', dtype: 'string' },
      ],
      splits: [{ name: 'train', num_examples: 1500 }],
      download_size: 150,
    });
  });

  it('leaves configs out for a release with no rows, and keeps the bucket n<1K', () => {
    const empty = frontMatter(text(datasetCardBytes(described({ chunks: [] }))));
    expect(empty.configs).toBeUndefined();
    expect(empty.size_categories).toEqual(['n<1K']);
    expect(empty.dataset_info).toMatchObject({ splits: [{ name: 'train', num_examples: 0 }] });
  });

  it('is the same bytes for the same release', () => {
    expect(datasetCardBytes(described()).equals(datasetCardBytes(described()))).toBe(true);
  });
});

describe('size_categories', () => {
  it('buckets row counts exactly as the Hub spells them', () => {
    const cases: [number, string][] = [
      [0, 'n<1K'], [999, 'n<1K'], [1000, '1K<n<10K'], [9999, '1K<n<10K'], [10_000, '10K<n<100K'], [99_999, '10K<n<100K'],
      [100_000, '100K<n<1M'], [1e6, '1M<n<10M'], [1e7, '10M<n<100M'], [1e8, '100M<n<1B'], [1e9, '1B<n<10B'],
      [1e10, '10B<n<100B'], [1e11, '100B<n<1T'], [1e12 - 1, '100B<n<1T'], [1e12, 'n>1T'],
    ];
    for (const [rows, bucket] of cases) expect([rows, sizeCategory(rows)]).toEqual([rows, bucket]);
  });
});

describe('licence on the Hub', () => {
  it('maps SPDX identifiers to the Hub ids, lower-case, also where the spelling differs', () => {
    const cases: [string, string][] = [
      ['CC-BY-4.0', 'cc-by-4.0'], ['CC0-1.0', 'cc0-1.0'], ['MIT', 'mit'], ['Apache-2.0', 'apache-2.0'], ['BSD-3-Clause', 'bsd-3-clause'],
      ['GPL-3.0-only', 'gpl-3.0'], ['LGPL-2.1-or-later', 'lgpl-2.1'], ['AGPL-3.0-or-later', 'agpl-3.0'], ['ODbL-1.0', 'odbl'],
      ['ODC-By-1.0', 'odc-by'], ['PDDL-1.0', 'pddl'], ['CDLA-Permissive-2.0', 'cdla-permissive-2.0'], ['GFDL-1.3-only', 'gfdl'],
      ['C-UDA-1.0', 'c-uda'],
    ];
    for (const [spdx, id] of cases) expect([spdx, hubLicenseId(spdx)]).toEqual([spdx, id]);
  });

  it('gives `other` with a name and the SPDX link for a licence the Hub does not list, `unknown` for none', () => {
    expect(hubLicense({ license: 'Elastic-2.0' })).toEqual({ license: 'other', license_name: 'elastic-2.0', license_link: 'https://spdx.org/licenses/Elastic-2.0.html' });
    expect(hubLicense({})).toEqual({ license: 'unknown' });
  });

  it('gives the UDL as `other`, named, linked to its licence transaction, with its terms in the body', () => {
    const udl = { License: UDL_TX, 'Commercial-Use': 'Allowed-With-Credit', 'License-Fee': 'One-Time-10', Currency: 'AR' };
    const card = text(datasetCardBytes(described({ udl })));
    expect(frontMatter(card)).toMatchObject({ license: 'other', license_name: 'universal-data-license', license_link: `https://arweave.net/${UDL_TX}` });
    const { body } = splitFrontMatter(card);
    for (const [tag, value] of Object.entries(udl)) expect(body).toContain(`| ${tag} | \`${value}\` |`);
    expect(body).toContain('also names the SPDX licence [CC-BY-4.0]');
  });
});

describe('dataset card YAML safety', () => {
  const hostile = [
    'a: b', '---', 'line\nbreak\n---\n', '"double" \'single\'', 'yes', 'on', 'null', '~', '1e3', '- item', '#x', '&anchor', '*ref',
    '{flow}', '[seq]', '\u0085nel', 'sep\u2028line', 'bom\ufeff', 'del\u007f', '\ufffe', ' lead', 'trail ', '',
  ];
  const props = Object.fromEntries(hostile.map((name) => [name, { type: 'string', description: `about ${name}: "x"\n---\n` }]));
  const hostileSchema = { type: 'object', properties: props, required: hostile };

  it('reads back every field name, however hostile, and never ends the front matter early', () => {
    const d = described({ schema: hostileSchema }, { description: 'Reviews: "good" & \'bad\'\n---\nnot: yaml\n' });
    const card = text(datasetCardBytes(d));
    const { yaml } = splitFrontMatter(card);
    expect(yaml.split('\n').filter((line) => line.startsWith('---'))).toEqual([]);
    const meta = frontMatter(card);
    expect((meta.dataset_info as { features: { name: string }[] }).features.map((f) => f.name)).toEqual(hostile);
    expect(meta.pretty_name).toBe('reviews v3');
  });

  it('keeps a hostile UDL value and licence name as strings', () => {
    const udl = { License: 'not-a-tx: "x"\n---', 'Commercial-Use': 'yes' };
    const meta = frontMatter(text(datasetCardBytes(described({ udl, license: 'LicenseRef-a' }))));
    expect(meta).toMatchObject({ license: 'other', license_name: 'universal-data-license', license_link: 'https://udlicense.arweave.dev/' });
  });
});

describe('dataset card body', () => {
  const body = splitFrontMatter(text(datasetCardBytes(described()))).body;

  it('says what the dataset is: rows, version, parent, key, fields, licence', () => {
    expect(body).toContain('# reviews v3\n\nProduct reviews, cleaned.\n');
    expect(body).toContain('| Rows | 1500 |');
    expect(body).toContain('| Version | 3 (first published 2026-11-01T00:00:00.000Z) |');
    expect(body).toContain(`| Parent | \`${PARENT}\` |`);
    expect(body).toContain('| Key | `id` |');
    expect(body).toContain('| `stars` | integer (32-bit) | int32 | no | | |');
    expect(body).toContain('| `id` | string | string | no | yes | |');
    expect(body).toContain('| `label` | string: `neg`, `pos` | string | no | | |');
    expect(body).toContain('[CC-BY-4.0](https://spdx.org/licenses/CC-BY-4.0.html) (SPDX).');
    for (const c of chunks) expect(body).toContain(`| \`${c.path}\` | ${c.rows} | ${c.bytes} | \`${c.sha256}\` |`);
  });

  it('tells how to get it with arkive, by the content ID in its URL and the publisher', () => {
    expect(body).toContain(`arkive get <content ID> --trust ${PUBLISHER} -o reviews-v3\n`);
    expect(body).toContain("`<content ID>` is the ID in this file's URL");
  });

  it('gives one load_dataset line with every chunk as a gateway URL under the release variable', () => {
    const lines = body.split('\n');
    expect(lines).toContain('release = "<the ID in this file\'s URL>"');
    const load = lines.filter((l) => l.includes('load_dataset('));
    const urls = chunks.map((c) => `f"https://arweave.net/{release}/${c.path}"`).join(', ');
    expect(load).toEqual([`ds = load_dataset("json", data_files=[${urls}], split="train")`]);
    const parquet = splitFrontMatter(text(datasetCardBytes(described({ format: 'parquet' })))).body;
    expect(parquet).toContain('ds = load_dataset("parquet", data_files=[');
  });

  it('escapes a description and field names that hold Markdown or HTML', () => {
    const d = described({ schema: { type: 'object', properties: { 'a|b': { type: 'string', description: 'x | <script>' } } } }, { description: '<img src=x onerror=alert(1)>' });
    const hostileBody = splitFrontMatter(text(datasetCardBytes(d))).body;
    expect(hostileBody).not.toMatch(/(^|[^\\])<(img|script)/);
    expect(hostileBody).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(hostileBody).toContain('| `a\\|b` | string | string | yes | | x \\| \\<script\\> |');
  });
});

describe('model card', () => {
  const files = [{ path: 'model.safetensors', sha256: hex('e'), bytes: 1234, rows: 0, firstKey: '', lastKey: '' }];
  const modelInput: Partial<CardInput> = {
    name: 'reviews-model', kind: 'model', version: 2, parent: PARENT, format: 'safetensors', chunks: files, key: undefined,
    trainedOn: DATASET_ID, metrics: { accuracy: 0.875, loss: 1e-7, trainSize: 3200 }, digest: undefined,
  };
  const model = (input: Partial<CardInput> = {}) => described({ ...modelInput, ...input }, { fields: [], dataset: { name: 'reviews', version: 3 }, description: 'reviews-model, trained on reviews v3' });
  const card = text(modelCardBytes(model()));
  const meta = frontMatter(card);
  const { body } = splitFrontMatter(card);

  it('has licence, tags, the training release as its dataset, the parent as base_model, no library_name', () => {
    expect(meta).toMatchObject({ license: 'cc-by-4.0', tags: ['arkive', 'arweave', 'safetensors'], datasets: [DATASET_ID], base_model: PARENT });
    expect(meta).not.toHaveProperty('library_name');
  });

  it('gives the metrics as names and as model-index results, values exact', () => {
    expect(meta.metrics).toEqual(['accuracy', 'loss', 'trainSize']);
    expect(meta['model-index']).toEqual([{
      name: 'reviews-model',
      results: [{
        task: { type: 'other' }, dataset: { type: DATASET_ID, name: 'reviews v3' },
        metrics: [{ type: 'accuracy', value: 0.875, name: 'accuracy' }, { type: 'loss', value: 1e-7, name: 'loss' }, { type: 'trainSize', value: 3200, name: 'trainSize' }],
      }],
    }]);
  });

  it('has no base_model for a first version, and leaves NaN metrics out of the YAML', () => {
    const first = frontMatter(text(modelCardBytes(model({ parent: null, metrics: { accuracy: 0.5 } }))));
    expect(first).not.toHaveProperty('base_model');
    const m = model({ metrics: { accuracy: 0.5 } });
    const withNaN = frontMatter(text(modelCardBytes({ ...m, card: { ...m.card, metrics: { accuracy: 0.5, loss: Number.NaN } } })));
    expect(withNaN.metrics).toEqual(['accuracy']);
  });

  it('tells the lineage and lists the safetensors files with their sha256, fetched and checked without arkive', () => {
    expect(body).toContain(`| Trained on | \`${DATASET_ID}\` (reviews v3) |`);
    expect(body).toContain(`arkive get ${DATASET_ID} --trust ${PUBLISHER} -o reviews-v3\n`);
    expect(body).toContain(`previous version of this model is the release \`${PARENT}\``);
    expect(body).toContain(`| \`model.safetensors\` | 1234 | \`${hex('e')}\` |`);
    expect(body).toContain('data = urllib.request.urlopen(f"https://arweave.net/{release}/model.safetensors").read()');
    expect(body).toContain(`assert hashlib.sha256(data).hexdigest() == "${hex('e')}"`);
    expect(body).toContain(`arkive get <content ID> --trust ${PUBLISHER} -o reviews-model-v2\n`);
    expect(body).toContain('| accuracy | 0.875 |');
  });

  it('is stable: the same release gives the same bytes', () => {
    expect(hash('sha256', modelCardBytes(model()))).toBe(hash('sha256', modelCardBytes(model())));
  });
});
