// README.md of a dataset release: a Hugging Face dataset card. Its YAML front matter is what
// the Hub and `datasets` read (huggingface/hub-docs datasetcard.md): licence, the chunk files
// as the `train` split of the `default` config, features with the Hub's dtypes (from
// recordFields, like the Parquet columns and the Croissant fields), the size bucket. Its
// body tells people what the dataset is and how to get it, with arkive and without.
//
// The release's content ID cannot be written here (it is the ID of the manifest that lists
// this file), so paths are relative to the release root, and the instructions take the ID
// from this file's own URL.
import type { Card } from './card.js';
import type { ReleaseDescription } from './describe.js';
import type { FieldKind, RecordField } from './fields.js';
import {
  arkiveSection, cardDocument, factsTable, filesTable, idOrNone, mdCode, mdParagraphs, mdRow, mdText, pythonUrl, RELEASE_PLACEHOLDER,
} from './hf-card-text.js';
import { hubLicense, licenseSection } from './hf-license.js';
import type { YamlMapping } from './yaml-block.js';

export { modelCardBytes } from './hf-model-card.js';

/** The Hub's `size_categories` buckets (huggingface/datasets size_categories.json), by row count. */
const SIZE_BUCKETS: readonly [below: number, bucket: string][] = [
  [1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M'], [1e8, '10M<n<100M'],
  [1e9, '100M<n<1B'], [1e10, '1B<n<10B'], [1e11, '10B<n<100B'], [1e12, '100B<n<1T'],
];

export function sizeCategory(rows: number): string {
  return SIZE_BUCKETS.find(([below]) => rows < below)?.[1] ?? 'n>1T';
}

/** The `datasets` Value dtype of a field: text kept as text (datetime, json) is `string`. */
const DTYPES: Record<FieldKind, string> = {
  string: 'string', integer: 'int64', float: 'float64', boolean: 'bool', date: 'date32', datetime: 'string', json: 'string',
};

export function hubDtype(field: RecordField): string {
  return field.kind === 'integer' && field.int32 ? 'int32' : DTYPES[field.kind];
}

/** The `datasets` builder that reads the release's files. */
function builderOf(format: Card['format']): 'json' | 'parquet' {
  return format === 'parquet' ? 'parquet' : 'json';
}

export function datasetCardMetadata(d: ReleaseDescription): YamlMapping {
  const { card } = d;
  const paths = card.chunks.map((c) => c.path);
  return {
    pretty_name: `${card.name} v${card.version}`,
    ...hubLicense(card),
    tags: ['arkive', 'arweave'],
    size_categories: [sizeCategory(card.rows)],
    // A release without rows has no files to point at (a config without data files does not load).
    ...(paths.length > 0 && { configs: [{ config_name: 'default', data_files: [{ split: 'train', path: paths }] }] }),
    dataset_info: {
      ...(d.fields.length > 0 && { features: d.fields.map((f) => ({ name: f.name, dtype: hubDtype(f) })) }),
      splits: [{ name: 'train', num_examples: card.rows }],
      download_size: card.bytes,
    },
  };
}

export function datasetCardBytes(d: ReleaseDescription): Buffer {
  return cardDocument(datasetCardMetadata(d), datasetBody(d));
}

function datasetBody(d: ReleaseDescription): string[] {
  const { card } = d;
  return [
    `# ${card.name} v${card.version}`, '',
    mdParagraphs(d.description), '',
    ...factsTable([
      ['Rows', String(card.rows)],
      ['Version', `${card.version} (first published ${d.firstCreatedAt})`],
      ['Parent', idOrNone(card.parent, 'none: this is the first version')],
      ['Key', card.key ? card.key.map(mdCode).join(', ') : 'computed by the pipeline'],
      ['Format', `${card.format}, ${card.chunks.length} files, ${card.bytes} bytes`],
      ['Content digest', mdCode(card.digest)],
      ['Published', `${d.createdAt} by ${mdCode(d.publisher)}`],
    ]),
    ...fieldsSection(d.fields, card.key ?? []),
    '## Licence', '', ...licenseSection(card), '',
    ...arkiveSection(card.name, card.version, d.publisher),
    ...withoutArkive(card),
    '## Files', '',
    'Beside the data: `arkive.json` (the card arkive verifies), `croissant.json` (MLCommons Croissant) and this file.', '',
    ...filesTable(card.chunks, true),
  ];
}

function fieldsSection(fields: readonly RecordField[], key: readonly string[]): string[] {
  if (fields.length === 0) return [];
  const type = (f: RecordField) => `${f.kind}${f.kind === 'integer' && f.int32 ? ' (32-bit)' : ''}${f.enum ? `: ${f.enum.map(mdCode).join(', ')}` : ''}`;
  return [
    '## Fields', '',
    '| Field | Type | dtype | Null | Key | Description |', '|---|---|---|---|---|---|',
    ...fields.map((f) => mdRow([mdCode(f.name), type(f), hubDtype(f), f.nullable ? 'yes' : 'no', key.includes(f.name) ? 'yes' : '', mdText(f.description ?? '')])),
    '',
  ];
}

function withoutArkive(card: Card): string[] {
  if (card.chunks.length === 0) return ['## Without arkive', '', 'This release has no rows, so no data files.', ''];
  const files = card.chunks.map((c) => pythonUrl(c.path)).join(', ');
  return [
    '## Without arkive', '',
    'With Hugging Face `datasets` (any gateway serves the files at `https://<gateway>/<content ID>/<path>`):', '',
    '```python',
    'from datasets import load_dataset',
    `release = "${RELEASE_PLACEHOLDER}"`,
    `ds = load_dataset("${builderOf(card.format)}", data_files=[${files}], split="train")`,
    '```', '',
    "Files fetched this way are not verified: check each one's sha256 against the table below.", '',
  ];
}
