// croissant.json: the release described in MLCommons Croissant 1.1 (JSON-LD), so that
// mlcroissant, Hugging Face, Kaggle and dataset search read it without knowing arkive.
// (Foundation skeleton: the lane "croissant" completes it to the 1.1 specification.)
import { canonicalJson } from './card.js';
import type { ReleaseDescription } from './describe.js';

export function croissantDocument(d: ReleaseDescription): Record<string, unknown> {
  return {
    '@context': { '@language': 'en', '@vocab': 'https://schema.org/', sc: 'https://schema.org/', cr: 'http://mlcommons.org/croissant/', dct: 'http://purl.org/dc/terms/' },
    '@type': 'sc:Dataset',
    'dct:conformsTo': 'http://mlcommons.org/croissant/1.1',
    name: d.card.name,
    description: d.description,
    version: String(d.card.version),
    datePublished: d.createdAt,
    distribution: d.card.chunks.map((c) => ({ '@type': 'cr:FileObject', '@id': c.path, name: c.path, contentUrl: c.path, contentSize: `${c.bytes} B`, sha256: c.sha256 })),
  };
}

export function croissantBytes(d: ReleaseDescription): Buffer {
  return Buffer.from(`${JSON.stringify(JSON.parse(canonicalJson(croissantDocument(d))), null, 2)}\n`, 'utf8');
}
