// croissant.json: the release described in MLCommons Croissant 1.1 (JSON-LD), so that
// mlcroissant, Hugging Face, Kaggle and dataset search read it without knowing arkive.
// Sources: docs/croissant-spec-1.1.md (SPEC11) and mlcroissant, as in /work/wt/research-croissant.md;
// schemas/croissant.schema.json checks what this writes.
//
// The document is deterministic: everything comes from the ReleaseDescription (dates are the
// release's numbering times, never the clock) and croissantBytes writes it canonically (keys
// sorted at every depth), so the same release always gives the same bytes, as the card needs.
//
// The release's content ID is not known while this is written (the manifest lists this very
// file), so nothing here names it: file URLs are relative to the release root, and the
// dataset's `url` is the release root itself, "./" (see releaseUrl).
import { canonicalJson, type Card } from './card.js';
import { distribution, recordSet } from './croissant-records.js';
import type { ReleaseDescription } from './describe.js';

type Json = Record<string, unknown>;

export const CROISSANT_1_1 = 'http://mlcommons.org/croissant/1.1';

/**
 * The @context of the Croissant 1.1 examples, verbatim (mlcommons/croissant
 * datasets/1.1/commoncrawl-CC-MAIN-2025-43-draft/metadata.json). `@vocab` is https: mlcroissant
 * matches terms against https://schema.org/ (SPEC11's appendix prints http, and is not valid JSON).
 */
export const CROISSANT_CONTEXT: Readonly<Json> = Object.freeze({
  '@language': 'en', '@vocab': 'https://schema.org/', sc: 'https://schema.org/',
  cr: 'http://mlcommons.org/croissant/', rai: 'http://mlcommons.org/croissant/RAI/', dct: 'http://purl.org/dc/terms/',
  prov: 'http://www.w3.org/ns/prov#', citeAs: 'cr:citeAs', column: 'cr:column', conformsTo: 'dct:conformsTo',
  containedIn: 'cr:containedIn', data: { '@id': 'cr:data', '@type': '@json' }, dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  equivalentProperty: 'cr:equivalentProperty', examples: { '@id': 'cr:examples', '@type': '@json' }, extract: 'cr:extract',
  field: 'cr:field', fileProperty: 'cr:fileProperty', fileObject: 'cr:fileObject', fileSet: 'cr:fileSet', format: 'cr:format',
  includes: 'cr:includes', isLiveDataset: 'cr:isLiveDataset', jsonPath: 'cr:jsonPath', key: 'cr:key', md5: 'cr:md5',
  parentField: 'cr:parentField', path: 'cr:path', recordSet: 'cr:recordSet', references: 'cr:references', regex: 'cr:regex',
  readLines: 'cr:readLines', repeated: 'cr:repeated', replace: 'cr:replace', sdVersion: 'cr:sdVersion', separator: 'cr:separator',
  source: 'cr:source', subField: 'cr:subField', transform: 'cr:transform', unArchive: 'cr:unArchive', value: 'cr:value',
});

/** Where Arweave items are linked for people (licence texts); the content ID is what matters. */
const ARWEAVE = 'https://arweave.net';

/**
 * The dataset's `url` (required, "the Web page for the dataset"): "./", the release root.
 * It is a relative URL, resolved like the document's other relative URLs (SPEC11: against the
 * document's URL): fetched as `<gateway>/<contentId>/croissant.json` it is that gateway's
 * `<gateway>/<contentId>/`, which serves the release's card (the manifest's index); in a
 * folder written by `arkive get` it is that folder. An absolute URL would have to name the
 * content ID, which does not exist yet, or a gateway, which is not the dataset. The Croissant
 * context does not make `url` an @id, so JSON-LD keeps it as the string "./", and mlcroissant
 * takes any string.
 */
export const RELEASE_URL = './';

export function croissantDocument(d: ReleaseDescription): Json {
  const { card } = d;
  const agent = publisherAgent(d.publisher);
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: CROISSANT_1_1,
    name: card.name,
    description: d.description.trim() || `Dataset ${card.name}, published with arkive.`,
    ...licenseOf(card),
    url: RELEASE_URL,
    identifier: card.digest,
    creator: agent,
    publisher: agent,
    datePublished: d.createdAt,
    dateCreated: d.firstCreatedAt,
    dateModified: d.createdAt,
    version: semanticVersion(card.version),
    keywords: keywordsOf(card),
    ...lineage(card),
    citeAs: citation(d),
    distribution: distribution(card),
    recordSet: [recordSet(card, d.fields)],
  };
}

export function croissantBytes(d: ReleaseDescription): Buffer {
  return Buffer.from(`${JSON.stringify(JSON.parse(canonicalJson(croissantDocument(d))), null, 2)}\n`, 'utf8');
}

/**
 * arkive's v<N> as MAJOR.MINOR.PATCH ("3.0.0" for v3), the scheme SPEC11 recommends and
 * mlcroissant warns without. A new arkive version exists only when the rows changed (edited,
 * added or removed records), which SPEC11 makes a MAJOR increment; arkive never publishes a
 * release whose data is the same, so MINOR and PATCH stay 0.
 */
export function semanticVersion(version: number): string {
  return `${version}.0.0`;
}

/**
 * The publishing wallet, as sc:Organization: the release proves only that this Arweave key
 * signed it, and arkive publishes from pipelines run by teams and services. sc:Person would
 * assert a natural person that nothing shows. The address is its identifier.
 */
export function publisherAgent(address: string): Json {
  return {
    '@type': 'sc:Organization',
    name: `Arweave wallet ${address}`,
    identifier: address,
    description: 'The Arweave wallet that signed every item of this release.',
  };
}

/**
 * `license` (required; SPEC11 recommends licence URLs such as spdx.org's): the SPDX licence's
 * page and, with a Universal Data License, the UDL's own transaction (its `License` tag). The
 * UDL's terms (the other tags) go into sc:usageInfo, where SPEC11 ("Data Use Conditions")
 * puts data use conditions. A release that states no licence says so as a CreativeWork
 * rather than invent one.
 */
export function licenseOf(card: Pick<Card, 'license' | 'udl'>): Json {
  const udlId = card.udl?.License;
  const urls = [
    ...(card.license ? [`https://spdx.org/licenses/${card.license}.html`] : []),
    ...(udlId ? [`${ARWEAVE}/${udlId}`] : []),
  ];
  const license = urls.length === 0
    ? { '@type': 'sc:CreativeWork', name: 'No licence stated', description: 'The publisher stated no licence for this release.' }
    : urls.length === 1 ? urls[0] : urls;
  return { license, ...(card.udl && { usageInfo: udlUsage(card.udl) }) };
}

function udlUsage(udl: Record<string, string>): Json {
  const terms = Object.entries(udl).filter(([tag]) => tag !== 'License').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = terms.length ? terms.map(([tag, value]) => `${tag}: ${value}.`).join(' ') : 'No terms beyond the license\'s defaults.';
  return {
    '@type': 'sc:CreativeWork',
    name: 'Universal Data License terms',
    ...(udl.License && { url: `${ARWEAVE}/${udl.License}` }),
    description: `Universal Data License${udl.License ? ` (transaction ${udl.License})` : ''}, with these terms, as tagged on every item of the release: ${text}`,
  };
}

function keywordsOf(card: Card): string[] {
  const format = card.format === 'parquet' ? 'parquet' : 'jsonl';
  return [...new Set([card.name, card.pipeline, 'arkive', 'arweave', format])];
}

/**
 * The previous version, by its content ID: schema.org isBasedOn (what search engines read)
 * and PROV-O's wasRevisionOf (the exact relation; SPEC11 recommends PROV-O for provenance).
 * `ar://<id>` names it on no particular gateway. No sameAs: no other resource is this same
 * dataset when the document is written.
 */
function lineage(card: Card): Json {
  if (!card.parent) return {};
  const parent = `ar://${card.parent}`;
  return { isBasedOn: parent, 'prov:wasRevisionOf': { '@id': parent } };
}

/** BibTeX (SPEC11's preferred citeAs); the digest finds the release on any gateway (arkive get sha256:…). */
function citation(d: ReleaseDescription): string {
  const { card } = d;
  return [
    `@misc{${card.name}_v${card.version},`,
    `  title = {${card.name}, version ${card.version}},`,
    `  author = {{Arweave wallet ${d.publisher}}},`,
    `  year = {${d.createdAt.slice(0, 4)}},`,
    '  howpublished = {Arweave, published with arkive},',
    `  note = {Content digest ${card.digest}}`,
    '}',
  ].join('\n');
}
