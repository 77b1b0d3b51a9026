// README.md of a model release: a Hugging Face model card (huggingface/hub-docs modelcard.md,
// docs/hub/model-cards.md). Front matter: licence, `datasets` (the training release's content
// ID: the one dataset that reproduces it), `base_model` (the previous version, which a
// training run may warm-start from), the metrics as `model-index` results. Body: lineage,
// metrics, the checkpoint files with their sha256, and how to get them.
//
// No `library_name`: an arkive checkpoint is tensors in safetensors files, read by whatever
// code trained it, not by a Hub library. The model-index task is `other` (the Hub's
// catch-all): arkive does not know what task a pipeline's model solves.
import type { ReleaseDescription } from './describe.js';
import {
  arkiveSection, cardDocument, factsTable, filesTable, idOrNone, mdCode, mdParagraphs, mdText, pythonUrl, RELEASE_PLACEHOLDER,
} from './hf-card-text.js';
import { hubLicense, licenseSection } from './hf-license.js';
import type { YamlMapping } from './yaml-block.js';

/** Metrics a YAML number can hold (NaN and infinities are left out). */
function finiteMetrics(metrics: Record<string, number> | undefined): [string, number][] {
  return Object.entries(metrics ?? {}).filter(([, value]) => Number.isFinite(value));
}

function datasetLabel(d: ReleaseDescription): string | undefined {
  return d.dataset ? `${d.dataset.name} v${d.dataset.version}` : undefined;
}

export function modelCardMetadata(d: ReleaseDescription): YamlMapping {
  const { card } = d;
  const metrics = finiteMetrics(card.metrics);
  const results = card.trainedOn && metrics.length > 0
    ? [{
      task: { type: 'other' },
      dataset: { type: card.trainedOn, name: datasetLabel(d) ?? card.trainedOn },
      metrics: metrics.map(([name, value]) => ({ type: name, value, name })),
    }]
    : undefined;
  return {
    ...hubLicense(card),
    tags: ['arkive', 'arweave', ...(card.chunks.some((c) => c.path.endsWith('.safetensors')) ? ['safetensors'] : [])],
    ...(card.trainedOn && { datasets: [card.trainedOn] }),
    ...(card.parent && { base_model: card.parent }),
    ...(metrics.length > 0 && { metrics: metrics.map(([name]) => name) }),
    ...(results && { 'model-index': [{ name: card.name, results }] }),
  };
}

export function modelCardBytes(d: ReleaseDescription): Buffer {
  return cardDocument(modelCardMetadata(d), modelBody(d));
}

function modelBody(d: ReleaseDescription): string[] {
  const { card } = d;
  const trainedOn = card.trainedOn ? `${mdCode(card.trainedOn)}${d.dataset ? ` (${mdText(datasetLabel(d)!)})` : ''}` : 'not recorded';
  return [
    `# ${card.name} v${card.version}`, '',
    mdParagraphs(d.description), '',
    ...factsTable([
      ['Version', `${card.version} (first published ${d.firstCreatedAt})`],
      ['Trained on', trainedOn],
      ['Parent', idOrNone(card.parent, 'none: this is the first version')],
      ['Content digest', mdCode(card.digest)],
      ['Published', `${d.createdAt} by ${mdCode(d.publisher)}`],
    ]),
    ...lineageSection(d),
    ...metricsSection(card.metrics),
    '## Files', '', ...filesTable(card.chunks, false),
    '## Licence', '', ...licenseSection(card), '',
    ...arkiveSection(card.name, card.version, d.publisher),
    ...withoutArkive(d),
  ];
}

function lineageSection(d: ReleaseDescription): string[] {
  const { card } = d;
  const lines = ['## Lineage', ''];
  if (card.trainedOn) {
    const out = d.dataset ? `${d.dataset.name}-v${d.dataset.version}` : 'DATASET';
    lines.push(`Trained on the dataset release ${mdCode(card.trainedOn)}: exactly its records, verified. To get them:`, '',
      '```sh', `arkive get ${card.trainedOn} --trust ${d.publisher} -o ${out}`, '```', '');
  }
  lines.push(card.parent
    ? `The previous version of this model is the release ${mdCode(card.parent)} (\`base_model\`): training may start from its weights.`
    : 'This is the first version of this model.', '');
  return lines;
}

function metricsSection(metrics: Record<string, number> | undefined): string[] {
  const entries = Object.entries(metrics ?? {});
  if (entries.length === 0) return [];
  return ['## Metrics', '', 'As reported by the training run.', '', '| Metric | Value |', '|---|---:|',
    ...entries.map(([name, value]) => `| ${mdText(name)} | ${String(value)} |`), ''];
}

function withoutArkive(d: ReleaseDescription): string[] {
  const tensors = d.card.chunks.filter((c) => c.path.endsWith('.safetensors'));
  const lines = ['## Without arkive', '', 'Any gateway serves the files at `https://<gateway>/<content ID>/<path>`.', ''];
  if (tensors.length === 0) return [...lines, "Check each file's sha256 against the table above.", ''];
  return [
    ...lines,
    'With Python and `safetensors`, checking the sha256 the table above lists:', '',
    '```python',
    'import hashlib, urllib.request',
    'from safetensors.numpy import load',
    `release = "${RELEASE_PLACEHOLDER}"`,
    ...tensors.flatMap((c) => [
      `data = urllib.request.urlopen(${pythonUrl(c.path)}).read()`,
      `assert hashlib.sha256(data).hexdigest() == "${c.sha256}"`,
      'tensors = load(data)',
    ]),
    '```', '',
  ];
}
