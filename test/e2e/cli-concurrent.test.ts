// Two multi-chunk pipelines at once on one `local` home: in two `arkive run` processes (one
// devnet server for the home, both attached) and in one `arkive schedule` (one connection,
// snapshots reading while the other run writes). Both release and index; nothing fails; every
// process exits. And a stage that hangs ends the run at its deadline.
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { arkive, spawnArkive } from '../helpers/cli.js';
import { seedWallets } from '../helpers/devnet.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

/** `rows` generated rows of ~300 bytes in 16 KiB chunks: dozens of chunks per release. */
function bigPipeline(cwd: string, name: string, rows: number, extra = ''): void {
  write(cwd, `pipelines/${name}.ts`, `
import { definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const source = {
  name: 'generated', describe: () => '${rows} generated rows', check: async () => ({}),
  async *open() {
    for (let start = 0; start < ${rows}; start += 500) {
      const batch = [];
      for (let i = start; i < Math.min(start + 500, ${rows}); i++) {
        const id = String(i).padStart(6, '0');
        batch.push({ line: i + 1, raw: id, fields: { id, text: '${name} ' + id + ' ' + 'lorem ipsum '.repeat(24) } });
      }
      yield batch;
    }
  },
};
export default definePipeline({
  name: ${JSON.stringify(name)}, description: 'concurrency test', sources: [source],
  schema: z.object({ id: z.string(), text: z.string() }), key: (r) => r.id,
  snapshot: { targetChunkBytes: 16384 }, ${extra}
});
`);
}

/** Files (chunks) of each committed release of the home. */
function chunkCounts(home: string): number[] {
  const db = new BetterSqlite3(path.join(home, 'arkive.db'), { readonly: true });
  try {
    return (db.prepare("select files from releases where state = 'committed'").all() as Array<{ files: string }>).map((r) => JSON.parse(r.files).length);
  } finally {
    db.close();
  }
}

const ENV = { ARKIVE_DEVNET_IDLE_MS: '1500' };

async function aoGet(home: string, cwd: string, name: string): Promise<{ contentId: string }> {
  const got = await arkive(['ao', 'get', name, '--json', '--home', home], { cwd, env: ENV });
  expect(got.code, got.stderr).toBe(0);
  return JSON.parse(got.stdout);
}

/** The home's devnet server exits once idle: its lock and endpoints file go with it. */
async function serverGone(home: string): Promise<void> {
  const dir = path.join(home, 'devnet');
  for (const deadline = Date.now() + 30_000; fs.existsSync(path.join(dir, 'devnet.lock')) || fs.existsSync(path.join(dir, 'server.json'));) {
    if (Date.now() > deadline) throw new Error(`the devnet server of ${home} is still running: ${fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two multi-chunk pipelines at once on one local home', () => {
  it('two arkive run processes both release and index through one devnet', async () => {
    const cwd = newProject();
    bigPipeline(cwd, 'alpha', 3000);
    bigPipeline(cwd, 'beta', 2500);
    const home = tmpDir();
    await seedWallets(path.join(home, 'devnet'));
    const [a, b] = await Promise.all(['alpha', 'beta'].map((p) => arkive(['run', p, '--json', '--home', home], { cwd, env: ENV })));
    for (const run of [a!, b!]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/"level":50|error|busy/i);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({ status: 'released', indexed: true });
    }
    expect(chunkCounts(home).every((n) => n > 10), JSON.stringify(chunkCounts(home))).toBe(true);
    const [alpha, beta] = [JSON.parse(a!.stdout), JSON.parse(b!.stdout)];
    expect((await aoGet(home, cwd, 'alpha')).contentId).toBe(alpha.artifacts[0].contentId);
    expect((await aoGet(home, cwd, 'beta')).contentId).toBe(beta.artifacts[0].contentId);
    const list = await arkive(['ao', 'list', '--json', '--home', home], { cwd, env: ENV });
    expect(JSON.parse(list.stdout).map((e: { name: string }) => e.name).sort()).toEqual(['alpha', 'beta']);
    await serverGone(home);
  }, 240_000);

  it('one arkive schedule with both ticking together releases and indexes both', async () => {
    const cwd = newProject();
    bigPipeline(cwd, 'left', 3000, "schedule: '* * * * * *',");
    bigPipeline(cwd, 'right', 3000, "schedule: '* * * * * *',");
    const home = tmpDir();
    await seedWallets(path.join(home, 'devnet'));
    const child = spawnArkive(['schedule', '--home', home], { cwd, env: ENV });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ticks: Array<{ pipeline: string; state: string }> = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line);
        if (entry.component === 'scheduler' && entry.state) ticks.push(entry);
        if (['left', 'right'].every((p) => ticks.some((t) => t.pipeline === p && t.state === 'done'))) resolve();
        if (ticks.some((t) => t.state === 'failed')) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(ticks.filter((t) => t.state === 'failed'), stderr).toEqual([]);
    const db = new BetterSqlite3(path.join(home, 'arkive.db'), { readonly: true });
    const runs = db.prepare("select pipeline, status, error_code, content_id from runs order by started_at").all() as Array<{ pipeline: string; status: string; content_id: string }>;
    db.close();
    expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
    expect(chunkCounts(home).length).toBeGreaterThanOrEqual(2);
    expect(chunkCounts(home).every((n) => n > 10)).toBe(true);
    for (const name of ['left', 'right']) {
      const released = runs.find((r) => r.pipeline === name && r.status === 'released');
      expect(released, JSON.stringify(runs)).toBeDefined();
      expect((await aoGet(home, cwd, name)).contentId).toBe(released!.content_id);
    }
    await serverGone(home);
  }, 240_000);
});

describe('a run that hangs', () => {
  it('fails at the stage deadline, frees its lock and exits', async () => {
    const cwd = newProject();
    write(cwd, 'pipelines/stuck.ts', `
import { definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const source = {
  name: 'stuck', describe: () => 'a source that never answers', check: async () => ({}),
  // A socket that stays open and silent: the event loop is alive, the stage never ends.
  async *open() { setInterval(() => {}, 1000); await new Promise(() => {}); },
};
export default definePipeline({ name: 'stuck', description: 'hangs', sources: [source], schema: z.object({ id: z.string() }), key: (r) => r.id });
`);
    const home = tmpDir();
    const started = Date.now();
    const run = await arkive(['run', 'stuck', '--no-publish', '--json', '--home', home], { cwd, env: { ARKIVE_STAGE_TIMEOUT_MS: 'load=1500' } });
    expect(run.code, run.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', error: { code: 'STAGE_TIMEOUT', message: expect.stringContaining('stage load did not finish within 1500 ms') } });
    const db = new BetterSqlite3(path.join(home, 'arkive.db'), { readonly: true });
    expect(db.prepare('select * from leases').all()).toEqual([]);
    expect(db.prepare('select status, error_code from runs').all()).toEqual([{ status: 'failed', error_code: 'STAGE_TIMEOUT' }]);
    db.close();
  }, 60_000);
});
