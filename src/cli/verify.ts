// `arkive verify <ref>`: fetch a version again from the gateways, bypassing the cache, verify
// the signatures and every byte, and report how far the release is confirmed on chain.
import { HttpGateway } from '../archive/http-gateway.js';
import { fetchFile } from '../retrieve/fetch-file.js';
import { retrieveRelease } from '../retrieve/retrieve.js';
import { createSystem } from '../system.js';
import { printJson } from './io.js';
import type { CommandOptions } from './options.js';

export async function verifyCommand(options: CommandOptions & { ref: string }): Promise<number> {
  const system = createSystem(options, options.env);
  const store = await system.openStore();
  const reader = await system.openReader();
  try {
    const release = await retrieveRelease(options.ref, { reader, releases: store.releases });
    const files = [];
    for (const file of release.files) {
      await fetchFile(file, { gateways: () => reader.gateways(), idleTimeoutMs: reader.idleTimeoutMs });
      files.push({ path: file.path, sha256: file.sha256, bytes: file.bytes, ok: true });
    }
    const [manifest] = await new HttpGateway({ urls: await reader.gateways(), timeoutMs: reader.idleTimeoutMs }).query({ ids: [release.contentId], first: 1 });
    // Only the answer for this very item says anything about its confirmation.
    const height = manifest?.id === release.contentId ? manifest.block?.height ?? null : null;
    const view = {
      name: release.card.name, kind: release.card.kind, version: release.card.version, contentId: release.contentId,
      digest: release.card.digest, publisher: release.owner, verified: true,
      confirmation: { status: height === null ? 'pending' : 'confirmed', height }, files,
    };
    if (options.json) printJson(options.io, view);
    else options.io.out(`${view.name} v${view.version} (${view.contentId}): signatures and ${files.length} files verified; ${view.confirmation.status}${height === null ? '' : ` at block ${height}`}`);
    return 0;
  } finally {
    await reader.close();
    await store.close();
  }
}
