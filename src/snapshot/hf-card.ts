// README.md: the release as a Hugging Face dataset card (or model card): YAML front matter
// that the Hub and `datasets` read, and a body for people.
// (Foundation skeleton: the lane "hf-card" completes it.)
import type { ReleaseDescription } from './describe.js';

export function datasetCardBytes(d: ReleaseDescription): Buffer {
  return Buffer.from(`---\npretty_name: ${JSON.stringify(d.card.name)}\n---\n\n# ${d.card.name} v${d.card.version}\n\n${d.description}\n`, 'utf8');
}

export function modelCardBytes(d: ReleaseDescription): Buffer {
  return Buffer.from(`---\n---\n\n# ${d.card.name} v${d.card.version}\n\n${d.description}\n`, 'utf8');
}
