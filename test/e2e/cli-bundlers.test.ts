// The demo pipeline published through each bundler protocol, by its real client, to one
// `arkive dev` stack whose bundler speaks both: the release lands, a re-run uploads nothing,
// and a fresh home gets it verified. A recording proxy in front of the bundler shows which
// protocol each client spoke (Turbo's routes are all under /v1; the Irys client's never are).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';
import { tmpDir } from '../helpers/tmp.js';

interface Artifact { kind: string; name: string; status: string; version: number; contentId: string; uploadedBytes: number }

describe.each([
  { kind: 'turbo', flags: ['--bundler-kind', 'turbo'] },
  // No flag: the dev bundler's /info is an Irys node's answer, so the Irys client is chosen.
  { kind: 'irys', flags: [] },
])('arkive run reviews through the $kind protocol', ({ kind, flags }) => {
  // A stack each: the same wallet on one chain would number the second protocol's release v2.
  let stack: DevStack;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    stack = await startDevStack();
    proxy = await startRecordingProxy(stack.bundler);
  });
  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it('releases, re-runs uploading 0 bytes, and a fresh home gets the release verified', async () => {
    const home = tmpDir();
    const env = { ...stack.env, ARKIVE_BUNDLER: proxy.url };
    const seen = proxy.requests.length;
    const first = await arkive(['run', 'reviews', '--json', '--home', home, ...flags], { env });
    expect(first.code, first.stderr).toBe(0);
    const artifacts = JSON.parse(first.stdout).artifacts as Artifact[];
    expect(artifacts.map((a) => [a.kind, a.name, a.status, a.version])).toEqual([['dataset', 'reviews', 'released', 1], ['model', 'reviews-model', 'released', 1]]);
    const posts = proxy.requests.slice(seen).filter((r) => r.startsWith('POST'));
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((r) => r.startsWith('POST /v1/') === (kind === 'turbo')), posts.join('\n')).toBe(true);

    const again = await arkive(['run', 'reviews', '--json', '--home', home, ...flags], { env });
    expect(again.code, again.stderr).toBe(0);
    const rerun = JSON.parse(again.stdout) as { uploadedBytes: number; artifacts: Artifact[] };
    expect(rerun.uploadedBytes).toBe(0);
    expect(rerun.artifacts.map((a) => a.status)).toEqual(['unchanged', 'unchanged']);

    await stack.flush();
    const fresh = tmpDir();
    const out = path.join(fresh, 'out');
    const dataset = artifacts[0]!;
    const got = await arkive(['get', dataset.contentId, '--json', '--home', fresh, '-o', out, '--trust', stack.address], {
      env: { ARKIVE_GATEWAY: stack.gateway },
    });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ name: 'reviews', version: 1, contentId: dataset.contentId });
    expect(fs.existsSync(path.join(out, 'arkive.json'))).toBe(true);
  });
});
