// Releasing through the CLI on the default local network, and a publishing run killed with
// SIGKILL: the re-run completes the release and GraphQL shows no content archived twice.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSystem } from '../../src/system.js';
import { arkive } from '../helpers/cli.js';
import { peek } from '../helpers/peek.js';
import { peopleProject } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

describe('arkive run on the local network', () => {
  it('releases reviews v1, then reports it unchanged; versions and ls list it', async () => {
    const home = tmpDir();
    const first = await arkive(['run', 'reviews', '--json', '--home', home]);
    expect(first.code, first.stderr).toBe(0);
    const run = JSON.parse(first.stdout);
    expect(run).toMatchObject({ status: 'released', rows: { loaded: 4000, quarantined: 127 } });
    expect(run.artifacts).toEqual([
      expect.objectContaining({ kind: 'dataset', name: 'reviews', version: 1, reusedBytes: 0 }),
      expect.objectContaining({ kind: 'model', name: 'reviews-model', version: 1, reusedBytes: 0, status: 'released' }),
    ]);
    expect(run.uploadedBytes).toBe(run.totalBytes);
    const again = JSON.parse((await arkive(['run', 'reviews', '--json', '--home', home])).stdout);
    expect(again).toMatchObject({ status: 'unchanged', uploadedBytes: 0 });
    expect(again.artifacts[0]).toMatchObject({ version: 1, contentId: run.artifacts[0].contentId });
    expect(again.artifacts[1]).toMatchObject({ kind: 'model', status: 'unchanged', version: 1, contentId: run.artifacts[1].contentId, uploadedBytes: 0 });
    // The model names the dataset release it was trained on, and beats the majority baseline.
    const model = JSON.parse((await arkive(['show', 'reviews-model@latest', '--json', '--home', home])).stdout);
    expect(model).toMatchObject({ kind: 'model', version: 1, trainedOn: run.artifacts[0].contentId, card: { format: 'safetensors', pipeline: 'reviews' } });
    expect(model.metrics.accuracy).toBeGreaterThanOrEqual(model.metrics.baseline + 0.1);
    expect(model.files.map((f: { path: string }) => f.path)).toEqual(['arkive.json', 'README.md', 'model.safetensors']);
    const modelVersions = JSON.parse((await arkive(['versions', 'reviews-model', '--json', '--home', home])).stdout);
    expect(modelVersions).toEqual([expect.objectContaining({ kind: 'model', version: 1, trainedOn: run.artifacts[0].contentId, metrics: model.metrics })]);

    const versions = JSON.parse((await arkive(['versions', 'reviews', '--json', '--home', home])).stdout);
    expect(versions).toEqual([expect.objectContaining({
      name: 'reviews', kind: 'dataset', version: 1, contentId: run.artifacts[0].contentId, digest: run.artifacts[0].digest,
      rows: 4000, bytes: run.artifacts[0].bytes, parent: null,
    })]);
    const ls = JSON.parse((await arkive(['ls', '--json', '--home', home])).stdout);
    expect(ls.map((v: { name: string; version: number; kind: string }) => [v.name, v.kind, v.version])).toEqual([['reviews', 'dataset', 1], ['reviews-model', 'model', 1]]);
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home])).stdout);
    expect(runs[1]).toMatchObject({ status: 'released', version: 1, contentId: run.artifacts[0].contentId });
    const unknown = await arkive(['versions', 'nope', '--home', home]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no released versions of "nope" on the local network; known: reviews/);
  });

  it('finishes a publishing run killed with SIGKILL, archiving no content twice', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${String(i).padStart(6, '0')},person number ${i},${i % 90}`);
    const cwd = peopleProject(`id,name,age\n${rows.join('\n')}\n`);
    const file = path.join(cwd, 'pipelines/people.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('key: (p) => p.id,', 'key: (p) => p.id,\n  snapshot: { targetChunkBytes: 4096 },'));
    const home = tmpDir();
    // A 1 s lock TTL, so the re-run below takes over the dead run's lock without a long wait.
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'run', 'people', '--home', home], {
      cwd, stdio: 'ignore', env: { ...process.env, ARKIVE_HOME: '', ARKIVE_LEASE_TTL_MS: '1000' },
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    while (postedUploads(path.join(home, 'arkive.db')) < 20) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = postedUploads(path.join(home, 'arkive.db'));
    await new Promise((r) => setTimeout(r, 1100));

    const rerun = await arkive(['run', 'people', '--json', '--home', home], { cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.status).toBe('released');
    const artifact = result.artifacts[0];
    expect(artifact.version).toBe(1);
    expect(artifact.reusedBytes).toBeGreaterThan(0);
    expect(before).toBeGreaterThanOrEqual(20);

    const system = createSystem({ cwd, home }, {});
    const network = await system.openNetwork();
    try {
      await network.settle();
      const items = await network.gateway.query({ owners: [network.uploader.address], tags: [{ name: 'App-Name', values: ['arkive'] }], first: 5000 });
      const shas = items.map((i) => i.tags.find((t) => t.name === 'Content-SHA256')!.value);
      expect(new Set(shas).size).toBe(shas.length);
      const gateway = network.config.gateways[0]!;
      const card = await (await fetch(`${gateway}/${artifact.contentId}/arkive.json`)).json() as { rows: number; chunks: { path: string }[] };
      expect(card.rows).toBe(20_000);
      for (const chunk of card.chunks) expect((await fetch(`${gateway}/${artifact.contentId}/${chunk.path}`)).status).toBe(200);
      expect(items.filter((i) => i.tags.some((t) => t.name === 'Arkive-Kind' && t.value === 'chunk'))).toHaveLength(card.chunks.length);
    } finally {
      await network.close();
    }
  });
});

function postedUploads(dbFile: string): number {
  return peek<{ n: number }>(dbFile, "select count(*) as n from uploads where state = 'posted'")?.n ?? 0;
}
