// Version numbers under contention (archive/release-numbering.ts): runs on several hosts
// publishing one name at once get v1..vK exactly once each, each the parent of the next, or
// all the same version for the same content; a run that died holding a pending release is
// taken over (its number reused, or its signed manifest completed); odd pending rows behave.
// On a real SQLite file and a real PostgreSQL server, with the local dev bundler and ArLocal.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { publishRelease, type PublishDeps, type ReleaseInput, type ReleaseResult } from '../../src/archive/publish-release.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import { ExitCode } from '../../src/errors.js';
import { findByTag } from '../helpers/devnet.js';
import { onBothDialects, useDevnet, useRunners, type Host } from '../helpers/shared-database.js';
import { tmpDir } from '../helpers/tmp.js';

const devnetOf = useDevnet();
const runners = useRunners(devnetOf);
let devnet: Devnet;
beforeAll(() => { devnet = devnetOf(); });

const NETWORK = 'custom';
/** A name of its own per test: every test publishes with the one dev wallet, whose versions on the chain count. */
const freshName = () => `n${crypto.randomBytes(5).toString('hex')}`;

/** A release of `contents` (one file each) by run `runId`; its card names the run, so cards of two runs differ. */
function releaseOf(name: string, runId: string, contents: string[]): ReleaseInput {
  const dir = tmpDir();
  const files = contents.map((text, i) => {
    const bytes = Buffer.from(text);
    fs.writeFileSync(path.join(dir, `part-${i}.jsonl`), bytes);
    return { path: `part-${i}.jsonl`, sha256: crypto.hash('sha256', bytes), bytes: bytes.length, contentType: 'application/jsonl' };
  });
  return {
    kind: 'dataset', name, pipeline: runId, runId, network: NETWORK, dir, files, rows: contents.length,
    card: (r) => Buffer.from(JSON.stringify({ name, version: r.version, parent: r.parent, digest: r.digest, runId })),
  };
}

function deps(host: Host, extra: Partial<PublishDeps> = {}): PublishDeps {
  return { uploader: host.uploader, gateway: host.gateway, uploads: host.store.uploads, releases: host.store.releases, ...extra };
}

const killedAt = (point: string) => (reached: string) => { if (reached === point) throw new Error(`killed at ${point}`); };

/** The committed versions of a name, checked to form one chain: 1..n, each the parent of the next. */
async function chainOf(host: Host, name: string) {
  const versions = await host.store.releases.versions(NETWORK, name);
  versions.forEach((v, i) => {
    expect(v.version).toBe(i + 1);
    expect(v.parent).toBe(i === 0 ? null : versions[i - 1]!.content_id);
    expect(JSON.parse(Buffer.from(v.card).toString())).toMatchObject({ version: v.version, parent: v.parent, digest: v.digest });
  });
  expect(await host.store.releases.pending(NETWORK, name)).toBeUndefined();
  return versions;
}

onBothDialects('version numbers under contention', (fresh) => {
  it('K runs on two hosts releasing different content under one name at once get v1..vK, once each, in one chain', async () => {
    const hosts = await runners.open(await fresh(), 2);
    const name = freshName();
    const runs = Array.from({ length: 4 }, (_, i) => ({ host: hosts[i % 2]!, runId: `run-${i}`, content: [`{"run":${i}}\n`.repeat(50 + i)] }));
    for (const r of runs) await runners.live(r.host, r.runId, r.runId);
    const results = await Promise.all(runs.map((r) => publishRelease(releaseOf(name, r.runId, r.content), deps(r.host))));
    expect(results.map((r) => r.status)).toEqual(['released', 'released', 'released', 'released']);
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
    const versions = await chainOf(hosts[0]!, name);
    expect(versions.map((v) => v.digest).sort()).toEqual(results.map((r) => r.digest).sort());
    for (const r of results) expect(versions[r.version - 1]).toMatchObject({ digest: r.digest, content_id: r.contentId });
    await devnet.flush();
    const manifests = await findByTag(devnet.gatewayUrl, 'Dataset-Name', name);
    const released = manifests.filter((m) => m.tags.some((t) => t.name === 'Arkive-Kind' && t.value === 'release'));
    expect(released.map((m) => m.id).sort()).toEqual(results.map((r) => r.contentId).sort());
  });

  it('K runs releasing the same content at once make one version, which every run reports', async () => {
    const hosts = await runners.open(await fresh(), 2);
    const name = freshName();
    const runs = Array.from({ length: 4 }, (_, i) => ({ host: hosts[i % 2]!, runId: `run-${i}` }));
    for (const r of runs) await runners.live(r.host, r.runId, r.runId);
    const results: ReleaseResult[] = await Promise.all(runs.map((r) => publishRelease(releaseOf(name, r.runId, ['{"same":true}\n'.repeat(80)]), deps(r.host))));
    expect(results.map((r) => r.status).sort()).toEqual(['released', 'unchanged', 'unchanged', 'unchanged']);
    expect(new Set(results.map((r) => `${r.version} ${r.contentId}`))).toEqual(new Set([`1 ${results[0]!.contentId}`]));
    expect((await chainOf(hosts[0]!, name)).length).toBe(1);
  });

  it('takes over a pending release whose run died before signing: other content gets its number, no gap', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const name = freshName();
    const expiresAt = await runners.dead(a!, 'run-a', 'run-a', 1_500);
    await expect(publishRelease(releaseOf(name, 'run-a', ['{"a":1}\n']), deps(a!, { checkpoint: killedAt('files-archived') })))
      .rejects.toThrow(/killed at files-archived/);
    expect(await b!.store.releases.pending(NETWORK, name)).toMatchObject({ version: 1, claim_run: 'run-a', manifest_id: null });
    await runners.live(b!, 'run-b', 'run-b');
    const result = await publishRelease(releaseOf(name, 'run-b', ['{"b":2}\n']), deps(b!));
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(result).toMatchObject({ status: 'released', version: 1 });
    const [v1] = await chainOf(b!, name);
    expect(JSON.parse(Buffer.from(v1!.card).toString())).toMatchObject({ runId: 'run-b' });
  });

  it('resumes the same content a dead run numbered: its card and number, paying for the manifest alone', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const name = freshName();
    await runners.dead(a!, 'run-a', 'run-a', 1_000);
    const content = ['{"same":1}\n'.repeat(40)];
    await expect(publishRelease(releaseOf(name, 'run-a', content), deps(a!, { checkpoint: killedAt('files-archived') }))).rejects.toThrow(/killed/);
    await runners.live(b!, 'run-b', 'run-b');
    const result = await publishRelease(releaseOf(name, 'run-b', content), deps(b!));
    expect(result).toMatchObject({ status: 'released', version: 1 });
    expect(result.uploadedBytes).toBe(result.bytes - result.reusedBytes);
    expect(result.reusedBytes).toBe(result.files.reduce((n, f) => n + f.bytes, 0));
    const [v1] = await chainOf(b!, name);
    expect(JSON.parse(Buffer.from(v1!.card).toString())).toMatchObject({ runId: 'run-a' });
  });

  it('completes the signed release of a run that died, then numbers its own content after it', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const name = freshName();
    await runners.dead(a!, 'run-a', 'run-a', 1_000);
    await expect(publishRelease(releaseOf(name, 'run-a', ['{"a":1}\n']), deps(a!, { checkpoint: killedAt('manifest-signed') }))).rejects.toThrow(/killed/);
    const signed = (await b!.store.releases.pending(NETWORK, name))!.manifest_id;
    await runners.live(b!, 'run-b', 'run-b');
    const result = await publishRelease(releaseOf(name, 'run-b', ['{"b":2}\n']), deps(b!));
    expect(result).toMatchObject({ status: 'released', version: 2 });
    const [v1, v2] = await chainOf(b!, name);
    expect(v1).toMatchObject({ content_id: signed, run_id: 'run-a' });
    expect(v2).toMatchObject({ content_id: result.contentId, run_id: 'run-b' });
  });

  it('takes at once a pending release claimed by a run no lease ever had; gives up on a live one (exit 4)', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const name = freshName();
    await runners.live(a!, 'run-a', 'run-a');
    await expect(publishRelease(releaseOf(name, 'run-a', ['{"a":1}\n']), deps(a!, { checkpoint: killedAt('files-archived') }))).rejects.toThrow(/killed/);
    // run-a is alive (it heartbeats) but will never finish this release.
    await runners.live(b!, 'run-b', 'run-b');
    const started = Date.now();
    const error = await publishRelease(releaseOf(name, 'run-b', ['{"b":1}\n']), deps(b!, { claimWaitMs: 600 })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(error).toMatchObject({ code: 'RELEASE_CLAIMED', exitCode: ExitCode.locked });
    expect((error as Error).message).toMatch(new RegExp(`run run-b waited 600 ms for the pending release of dataset ${name} on custom, which run run-a \\(pipeline run-a, pid ${process.pid} on .+\\) is working on`));
    await a!.store.database.db.updateTable('releases').set({ claim_run: `ghost-${'x'.repeat(5_000)}` }).where('name', '=', name).execute();
    const result = await publishRelease(releaseOf(name, 'run-b', ['{"b":1}\n']), deps(b!, { claimWaitMs: 60_000 }));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result).toMatchObject({ status: 'released', version: 1 });
    await chainOf(b!, name);
  });

  it('lets one of two hosts numbering a name at once insert its pending release; a run that lost its claim signs nothing', async () => {
    const [a, b] = await runners.open(await fresh(), 2);
    const name = freshName();
    const pending = (version: number, runId: string) => ({
      network: NETWORK, name, version, kind: 'dataset' as const, digest: `sha256:${runId}`, parent: null, owner: 'o', run_id: runId,
      rows: 0, bytes: 0, card: Buffer.from('{}'), files: '[]', created_at: new Date().toISOString(), claim_run: runId,
    });
    // Different numbers (one host saw a higher version on the chain): still only one pending release per name.
    const inserted = await Promise.all([a!.store.releases.insertPending(pending(1, 'run-a')), b!.store.releases.insertPending(pending(3, 'run-b'))]);
    expect(inserted.filter(Boolean)).toEqual([true]);
    const [mine] = await a!.store.database.db.selectFrom('releases').selectAll().where('name', '=', name).execute();
    expect(await a!.store.releases.insertPending(pending(mine!.version, 'run-c'))).toBe(false);
    const other = mine!.run_id === 'run-a' ? 'run-b' : 'run-a';
    await expect(b!.store.releases.recordManifest(NETWORK, name, mine!.version, {
      manifestId: 'm'.repeat(43), manifest: Buffer.from('x'), files: [], bytes: 1, claimedBy: other,
    })).rejects.toMatchObject({ code: 'RELEASE_STATE' });
    expect(await a!.store.releases.get(NETWORK, name, mine!.version)).toMatchObject({ manifest_id: null, claim_run: mine!.run_id });
  });
});
