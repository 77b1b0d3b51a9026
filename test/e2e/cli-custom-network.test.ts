// `arkive dev` serves one home's local permaweb; another home publishes to it as a custom
// network, given only the printed endpoints (as options or environment variables).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { seedWallets } from '../helpers/devnet.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

describe('a custom network served by arkive dev', () => {
  it('receives a release from another home, found and served by its gateway', async () => {
    const devHome = tmpDir('arkive-dev-');
    await seedWallets(path.join(devHome, 'devnet'));
    const dev = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'dev', '--json', '--port', '0', '--home', devHome], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: dev.stdout! }).once('line', resolve));
      const stack = JSON.parse(line) as { gateway: string; bundler: string; wallet: string };
      const home = tmpDir();
      const env = { ARKIVE_GATEWAY: stack.gateway, ARKIVE_BUNDLER: stack.bundler, ARKIVE_WALLET: stack.wallet };
      const run = await arkive(['run', 'reviews', '--json', '--home', home], { env });
      expect(run.code, run.stderr).toBe(0);
      const artifact = JSON.parse(run.stdout).artifacts[0];
      expect(artifact).toMatchObject({ name: 'reviews', version: 1, status: 'released' });
      expect((await fetch(`${stack.bundler}/dev/flush`, { method: 'POST' })).status).toBe(200);
      const card = await (await fetch(`${stack.gateway}/${artifact.contentId}/arkive.json`)).json() as { rows: number; digest: string };
      expect(card).toMatchObject({ rows: 4000, digest: artifact.digest });
      // The same endpoints as options, and versions on that network.
      const versions = await arkive(['versions', 'reviews', '--json', '--home', home,
        '--gateway', stack.gateway, '--bundler', stack.bundler, '--wallet', stack.wallet]);
      expect(JSON.parse(versions.stdout).map((v: { contentId: string }) => v.contentId)).toEqual([artifact.contentId]);
      // The home's own local network has no versions: versions are numbered per network.
      expect((await arkive(['versions', 'reviews', '--home', home])).code).toBe(2);
      const incomplete = await arkive(['run', 'reviews', '--home', home, '--gateway', stack.gateway]);
      expect(incomplete.code).toBe(2);
      expect(incomplete.stderr).toMatch(/the custom network needs --bundler URL \(\$ARKIVE_BUNDLER\), --wallet FILE/);
    } finally {
      dev.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
  });
});
