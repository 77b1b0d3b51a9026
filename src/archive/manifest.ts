// The release manifest: an arweave/paths 0.2.0 manifest mapping every file of a release to
// its item ID, so any gateway serves /<contentId>/<path>. Its index is the card, arkive.json
// (gateways such as ArLocal need an index to resolve paths at all). Serialised canonically
// (paths sorted) so the same release always yields the same manifest bytes.

export const MANIFEST_CONTENT_TYPE = 'application/x.arweave-manifest+json';
export const CARD_PATH = 'arkive.json';

export interface PathManifest {
  manifest: 'arweave/paths';
  version: '0.2.0';
  index: { path: string };
  paths: Record<string, { id: string }>;
}

export function buildManifest(files: Record<string, string>, index = CARD_PATH): PathManifest {
  if (!(index in files)) throw new Error(`manifest index ${index} is not one of its paths`);
  const paths: Record<string, { id: string }> = {};
  for (const path of Object.keys(files).sort()) {
    checkPath(path);
    paths[path] = { id: files[path]! };
  }
  return { manifest: 'arweave/paths', version: '0.2.0', index: { path: index }, paths };
}

export function manifestBytes(manifest: PathManifest): Buffer {
  return Buffer.from(JSON.stringify(manifest));
}

/** Release paths are relative, slash-separated and never climb out of the release root. */
export function checkPath(path: string): void {
  const bad = path === '' || path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '.' || s === '');
  if (bad) throw new Error(`release path ${JSON.stringify(path)} must be relative without "." or ".." segments`);
}
