// Retrieval on a machine that has nothing but a content ID: `arkive dev` serves a stack,
import { collect } from '../helpers/collect.js';
// home A publishes reviews to it, and fresh homes get, show and stream it — verified against
// the publisher's signature and the card's sha256s, refusing lying gateways, unsafe paths
// and untrusted publishers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, manifestBytes, MANIFEST_CONTENT_TYPE } from '../../src/archive/manifest.js';
import { openDataset } from '../../src/index.js';
import { createSystem } from '../../src/system.js';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { irysFor } from '../helpers/devnet.js';
import { startLyingGateway } from '../helpers/lying-gateway.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

let stack: DevStack;
let publisher: string;
let homeA: string;
let release: { contentId: string; digest: string };
const made: string[] = [];

function dir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  made.push(d);
  return d;
}

function listFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(root);
  return out;
}

const fresh = (extra: string[] = []) => ['--home', dir('arkive-b-'), '--gateway', stack.gateway, ...extra];

beforeAll(async () => {
  stack = await startDevStack();
  publisher = stack.address;
  homeA = dir('arkive-a-');
  const run = await arkive(['run', 'reviews', '--json', '--home', homeA], { env: stack.env });
  if (run.code !== 0) throw new Error(run.stderr);
  release = JSON.parse(run.stdout).artifacts[0];
  await stack.flush();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe('arkive get', () => {
  it('gets a release into a fresh home with only the content ID and the publisher trusted, byte-identical', async () => {
    const outA = path.join(dir('out-'), 'a');
    const a = await arkive(['get', 'reviews@v1', '-o', outA, '--home', homeA, '--gateway', stack.gateway, '--wallet', stack.wallet, '--json']);
    expect(a.code, a.stderr).toBe(0);
    const outB = path.join(dir('out-'), 'b');
    const b = await arkive(['get', release.contentId, '-o', outB, '--trust', publisher, '--json', ...fresh()]);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ name: 'reviews', version: 1, contentId: release.contentId, digest: release.digest, files: 5 });
    expect(listFiles(outB)).toEqual(listFiles(outA));
    expect(Object.keys(listFiles(outB))).toContain('arkive.json');
    for (const ref of ['reviews@latest', release.digest, 'reviews']) {
      const shown = await arkive(['show', ref, '--json', '--trust', publisher, ...fresh()]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ contentId: release.contentId, version: 1, publisher, card: { rows: 4000 } });
    }
  });

  it('refuses a release from an untrusted publisher unless trusted, writing nothing', async () => {
    const out = path.join(dir('out-'), 'x');
    const refused = await arkive(['get', release.contentId, '-o', out, '--trust', 'A'.repeat(43), ...fresh()]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`signed by ${publisher}, which is not a trusted publisher`);
    expect(refused.stderr).toContain(`--trust ${publisher}`);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });

  it('exits 3 when a gateway flips bytes in one file, leaving nothing; succeeds from a second honest gateway', async () => {
    const shown = JSON.parse((await arkive(['show', release.contentId, '--json', '--trust', publisher, ...fresh()])).stdout);
    const victim = shown.files.find((f: { path: string }) => f.path.startsWith('data/'));
    const liar = await startLyingGateway({ upstream: stack.gateway, flipPath: (p) => p === `/raw/${victim.id}` });
    try {
      const out = path.join(dir('out-'), 'x');
      const home = dir('arkive-b-');
      const bad = await arkive(['get', release.contentId, '-o', out, '--trust', publisher, '--home', home, '--gateway', liar.url]);
      expect(bad.code).toBe(3);
      expect(bad.stderr).toContain(`${victim.path} (item ${victim.id}) failed verification: expected sha256 ${victim.sha256}; ${liar.url} served sha256 `);
      expect(fs.readdirSync(path.dirname(out))).toEqual([]);
      const good = await arkive(['get', release.contentId, '-o', out, '--trust', publisher, '--home', home, '--gateway', liar.url, '--gateway', stack.gateway]);
      expect(good.code, good.stderr).toBe(0);
      expect(fs.readFileSync(path.join(out, victim.path)).toString('base64')).toBe(listFiles(out)[victim.path]);
    } finally {
      await liar.close();
    }
  });

  it('refuses a manifest whose paths climb out of the release', async () => {
    const irys = await irysFor({ bundlerUrl: stack.bundler, gatewayUrl: stack.gateway, walletFile: stack.wallet });
    const shown = JSON.parse((await arkive(['show', release.contentId, '--json', '--trust', publisher, ...fresh()])).stdout);
    const evil = manifestBytes({ ...buildManifest({ 'arkive.json': shown.files[0].id }), paths: { 'arkive.json': { id: shown.files[0].id }, '../evil.txt': { id: shown.files[1].id } } });
    const signer = irys.getSigner();
    const item = irys.arbundles.createData(evil, signer, { tags: [{ name: 'Content-Type', value: MANIFEST_CONTENT_TYPE }] });
    await item.sign(signer);
    await irys.uploader.uploadTransaction(item);
    await fetch(`${stack.bundler}/dev/flush`, { method: 'POST' });
    const out = path.join(dir('out-'), 'x');
    const refused = await arkive(['get', item.id, '-o', out, '--trust', publisher, ...fresh()]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/release path "\.\.\/evil\.txt" must be relative/);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });

  it('streams exactly the loaded rows to training code with openDataset', async () => {
    const rows: { review_id: string }[] = [];
    for await (const row of openDataset<{ review_id: string }>(release.contentId, { home: dir('arkive-b-'), gateway: [stack.gateway], trust: [publisher] })) rows.push(row);
    const store = await createSystem({ cwd: repoRoot, home: homeA }, {}).openStore();
    try {
      const loaded = (await collect(store.records.iterate('reviews'))).map((r) => JSON.parse(r.data));
      expect(rows).toEqual(loaded);
      expect(rows).toHaveLength(4000);
    } finally {
      await store.close();
    }
  });

  it('gets a cached version again without any gateway', async () => {
    const home = dir('arkive-b-');
    const args = ['--trust', publisher, '--home', home, '--gateway', stack.gateway, '--json'];
    expect((await arkive(['get', release.contentId, '-o', path.join(dir('out-'), 'x'), ...args])).code).toBe(0);
    await stack.stop();
    const again = await arkive(['get', release.contentId, '-o', path.join(dir('out-'), 'y'), ...args]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 5, fromCache: 5 });
    const bypass = await arkive(['get', release.contentId, '-o', path.join(dir('out-'), 'z'), '--no-cache', ...args]);
    // No gateway reachable: a runtime failure (exit 1), not wrong bytes (exit 3).
    expect(bypass.code).toBe(1);
    expect(bypass.stderr).toMatch(/no gateway served release .*fetch failed/);
  });
});
