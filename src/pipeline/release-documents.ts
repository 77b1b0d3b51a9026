// The documents every release carries for tools that know nothing of arkive: croissant.json
// (datasets) and README.md (a Hugging Face dataset or model card), and the card that lists them.
import type { NumberedRelease, ReleaseDocument } from '../archive/release-documents.js';
import { buildCard, cardBytes, type CardDocument, type CardInput } from '../snapshot/card.js';
import { croissantBytes } from '../snapshot/croissant.js';
import { CROISSANT_PATH, README_PATH, type ReleaseDescription } from '../snapshot/describe.js';
import type { RecordField } from '../snapshot/fields.js';
import { datasetCardBytes, modelCardBytes } from '../snapshot/hf-card.js';
import type { ReleasesRepo } from '../db/releases-repo.js';

export function datasetDocuments(d: ReleaseDescription): ReleaseDocument[] {
  return [
    { path: CROISSANT_PATH, contentType: 'application/ld+json', bytes: croissantBytes(d) },
    { path: README_PATH, contentType: 'text/markdown; charset=utf-8', bytes: datasetCardBytes(d) },
  ];
}

export function modelDocuments(d: ReleaseDescription): ReleaseDocument[] {
  return [{ path: README_PATH, contentType: 'text/markdown; charset=utf-8', bytes: modelCardBytes(d) }];
}

/** The card of a release but for what numbering decides (version, parent, digest) and its documents' listing. */
export type CardBase = Omit<CardInput, 'version' | 'parent' | 'digest' | 'documents'>;

export interface ContentsInput {
  card: CardBase;
  description: string;
  /** Dataset releases: the records' fields; models: none. */
  fields: RecordField[];
  /** Model releases: the dataset version it was trained on. */
  dataset?: { name: string; version: number };
  /** Writes the documents from the description (datasetDocuments or modelDocuments). */
  write(d: ReleaseDescription): ReleaseDocument[];
}

/**
 * The `documents` and `card` callbacks of publishRelease for the version being numbered: the
 * documents are written from the card without its documents' listing, then the card lists them.
 */
export interface ContentsDeps {
  releases: ReleasesRepo;
  network: { config: { key: string }; uploader: { address: string } };
}

export async function releaseContents(input: ContentsInput, deps: ContentsDeps) {
  const network = deps.network.config.key;
  const cardOf = (release: NumberedRelease, documents?: CardDocument[]) => buildCard({ ...input.card, ...release, ...(documents && { documents }) });
  const firstCreatedAt = (await deps.releases.versions(network, input.card.name))[0]?.created_at;
  const describe = (release: NumberedRelease): ReleaseDescription => ({
    card: cardOf(release), description: input.description, createdAt: release.createdAt,
    firstCreatedAt: firstCreatedAt ?? release.createdAt, publisher: deps.network.uploader.address, fields: input.fields,
    ...(input.dataset && { dataset: input.dataset }),
  });
  return {
    documents: (release: NumberedRelease) => input.write(describe(release)),
    card: (release: NumberedRelease, documents: CardDocument[]) => cardBytes(cardOf(release, documents)),
  };
}
