// A version is committed exactly once. Publishing runs are killed (SIGKILL, through the
// test-only $ARKIVE_TEST_KILL_AT) at every stage boundary and between manifest signing, its
// post and the local commit, each followed by a run on changed content; a second home with
// the same wallet publishes the same name; runs that would release an empty dataset fail.
// Every home publishes to one shared `arkive dev` stack, whose GraphQL is then the judge:
// at most one manifest per name and version, no Content-SHA256 archived twice.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import type { GatewayItem } from '../../src/archive/gateway.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { peek } from '../helpers/peek.js';
import { peopleProject, write } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

let stack: DevStack;
beforeAll(async () => { stack = await startDevStack(); }, 90_000);
afterAll(async () => { await stack?.stop(); }, 30_000);

interface Cli { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `arkive <args>` against the shared stack; killed (and failed) if it outlives its deadline. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}, deadlineMs = 45_000): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), ...args], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ARKIVE_HOME: '', ARKIVE_LEASE_TTL_MS: '1000', ...stack.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`arkive ${args.join(' ')} still running after ${deadlineMs} ms; killed. stderr: ${stderr}`));
    }, deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A killed run's lock stands until its heartbeat expires (1 s here): wait for that. */
async function lockExpired(home: string): Promise<void> {
  const lease = peek<{ expires_at: number }>(path.join(home, 'arkive.db'), 'select expires_at from leases');
  if (lease) await new Promise((r) => setTimeout(r, Math.max(0, lease.expires_at - Date.now() + 50)));
}

function peopleCsv(round: string, rows: number): string {
  return `id,name,age\n${Array.from({ length: rows }, (_, i) => `${i},${round} person ${i},${i % 90}`).join('\n')}\n`;
}

/** Every arkive item the stack's wallet owns (after flushing the bundler). */
async function ownItems(): Promise<GatewayItem[]> {
  await stack.flush();
  const gateway = new HttpGateway({ urls: [stack.gateway] });
  return gateway.query({ owners: [stack.address], tags: [{ name: 'App-Name', values: ['arkive'] }], first: 5000 });
}

const tag = (item: GatewayItem, name: string) => item.tags.find((t) => t.name === name)?.value;

function manifestsOf(items: GatewayItem[], name: string): Map<string, string[]> {
  const byVersion = new Map<string, string[]>();
  for (const item of items.filter((i) => tag(i, 'Arkive-Kind') === 'release' && tag(i, 'Dataset-Name') === name)) {
    byVersion.set(tag(item, 'Version')!, [...(byVersion.get(tag(item, 'Version')!) ?? []), item.id]);
  }
  return byVersion;
}

function namedProject(name: string, csvText: string, extra = ''): string {
  const cwd = peopleProject(csvText);
  const file = path.join(cwd, 'pipelines/people.ts');
  // Later keys win: `extra` may replace the clean() of the people pipeline.
  const source = fs.readFileSync(file, 'utf8').replace("name: 'people',", `name: '${name}',`).replace(/\n\}\);\s*$/, `${extra}\n});\n`);
  fs.rmSync(file);
  write(cwd, `pipelines/${name}.ts`, source);
  return cwd;
}

describe('the commit point of a release', () => {
  it('killed at every stage boundary and around the manifest, then run on changed content: one manifest per version', async () => {
    const points = ['before-load', 'before-finalize', 'before-publish', 'files-archived', 'manifest-signed', 'manifest-posted', 'before-index', 'after-index'];
    const cwd = namedProject('chaos', peopleCsv('start', 5));
    const home = tmpDir();
    let expectedVersions = 0;
    for (const [round, point] of points.entries()) {
      write(cwd, 'people.csv', peopleCsv(`killed-${round}`, 20 + round));
      const killed = await cli(['run', 'chaos', '--home', home], cwd, { ARKIVE_TEST_KILL_AT: point });
      expect(killed.signal, `round ${round} (${point}): ${killed.stderr}`).toBe('SIGKILL');
      // A manifest signed before the kill names its version for good: that content is a version.
      if (points.indexOf(point) >= points.indexOf('manifest-signed')) expectedVersions++;
      await lockExpired(home);
      write(cwd, 'people.csv', peopleCsv(`changed-${round}`, 40 + round));
      const next = await cli(['run', 'chaos', '--json', '--home', home], cwd);
      expect(next.code, `round ${round} (${point}): ${next.stderr}`).toBe(0);
      expectedVersions++;
      expect(JSON.parse(next.stdout)).toMatchObject({ status: 'released', artifacts: [{ name: 'chaos', version: expectedVersions, status: 'released' }] });
    }
    const versions = JSON.parse((await cli(['versions', 'chaos', '--json', '--home', home], cwd)).stdout) as { version: number; rows: number }[];
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: expectedVersions }, (_, i) => i + 1));

    const items = await ownItems();
    const manifests = manifestsOf(items, 'chaos');
    expect([...manifests.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(versions.map((v) => String(v.version)));
    for (const [version, ids] of manifests) expect(ids, `manifests of chaos v${version}`).toHaveLength(1);
    const shas = items.filter((i) => tag(i, 'Dataset-Name') === 'chaos').map((i) => tag(i, 'Content-SHA256'));
    expect(shas.length).toBeGreaterThan(0);
    expect(new Set(shas).size).toBe(shas.length);
  }, 240_000);

  it('homes with the same wallet number after the versions the chain shows, also when resuming', async () => {
    const contentId = (r: Cli) => JSON.parse(r.stdout).artifacts[0].contentId as string;
    // Home A numbers v1 and archives its files, then dies before signing its manifest.
    const homeA = tmpDir();
    const cwdA = namedProject('shared', peopleCsv('home-a', 30));
    const killed = await cli(['run', 'shared', '--home', homeA], cwdA, { ARKIVE_TEST_KILL_AT: 'files-archived' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Home B releases v1 meanwhile; home C, fresh, sees it on the chain and makes v2, not another v1.
    const b = await cli(['run', 'shared', '--json', '--home', tmpDir()], namedProject('shared', peopleCsv('home-b', 31)));
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).artifacts[0]).toMatchObject({ version: 1, status: 'released' });
    await stack.flush();
    const c = await cli(['run', 'shared', '--json', '--home', tmpDir()], namedProject('shared', peopleCsv('home-c', 32)));
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).artifacts[0]).toMatchObject({ version: 2, status: 'released' });
    await stack.flush();
    // Home A resumes its pending v1, finds the number taken before signing, and renumbers.
    await lockExpired(homeA);
    const a = await cli(['run', 'shared', '--json', '--home', homeA], cwdA);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).artifacts[0]).toMatchObject({ version: 3, status: 'released' });
    const manifests = manifestsOf(await ownItems(), 'shared');
    expect([...manifests.entries()].sort()).toEqual([['1', [contentId(b)]], ['2', [contentId(c)]], ['3', [contentId(a)]]]);
  }, 120_000);

  const rejectAll = "\n  clean: (f, ctx) => ctx.reject('not_wanted', 'every row is rejected'),";
  const empties = [
    { name: 'empty-file', csv: '', extra: '' },
    { name: 'header-only', csv: 'id,name,age\n', extra: '' },
    { name: 'all-rejected', csv: peopleCsv('rejected', 3), extra: rejectAll },
  ];
  for (const { name, csv, extra } of empties) {
    it(`refuses to release an empty dataset (${name}) unless the pipeline allows it`, async () => {
      const refused = await cli(['run', name, '--json', '--home', tmpDir()], namedProject(name, csv, extra));
      expect(refused.code, refused.stderr).toBe(1);
      const { status, artifacts, error } = JSON.parse(refused.stdout);
      expect({ status, artifacts, code: error.code }).toEqual({ status: 'failed', artifacts: [], code: 'DATASET_EMPTY' });
      expect(error.message).toContain(`pipeline ${name} would release the dataset ${name} with no rows`);
      expect(error.hint).toContain('allowEmpty: true');
      expect((await ownItems()).filter((i) => tag(i, 'Dataset-Name') === name)).toEqual([]);

      const allowed = await cli(['run', name, '--json', '--home', tmpDir()], namedProject(name, csv, `${extra}\n  allowEmpty: true,`));
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(JSON.parse(allowed.stdout).artifacts[0]).toMatchObject({ name, version: 1, status: 'released' });
      expect(manifestsOf(await ownItems(), name).get('1')).toHaveLength(1);
    }, 120_000);
  }
});
