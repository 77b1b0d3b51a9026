// The documents every release carries for tools that know nothing of arkive: croissant.json
// (datasets) and README.md (a Hugging Face dataset or model card).
import type { ReleaseDocument } from '../archive/release-documents.js';
import { croissantBytes } from '../snapshot/croissant.js';
import { CROISSANT_PATH, README_PATH, type ReleaseDescription } from '../snapshot/describe.js';
import { datasetCardBytes, modelCardBytes } from '../snapshot/hf-card.js';

export function datasetDocuments(d: ReleaseDescription): ReleaseDocument[] {
  return [
    { path: CROISSANT_PATH, contentType: 'application/ld+json', bytes: croissantBytes(d) },
    { path: README_PATH, contentType: 'text/markdown; charset=utf-8', bytes: datasetCardBytes(d) },
  ];
}

export function modelDocuments(d: ReleaseDescription): ReleaseDocument[] {
  return [{ path: README_PATH, contentType: 'text/markdown; charset=utf-8', bytes: modelCardBytes(d) }];
}
