// A run killed with SIGKILL mid-load (publishing off; cli-publish.test.ts kills one while
// publishing) loses nothing: the committed batches stay; its lock refuses other runs until
// its heartbeat expires; then the next run takes over, marks the dead run abandoned and
// finishes the load, counting what the killed run already loaded as unchanged.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { peek } from '../helpers/peek.js';
import { peopleProject } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const ROWS = 200_000;
const TTL_MS = 5000;

const countRecords = (dbFile: string) => peek<{ n: number }>(dbFile, 'select count(*) as n from records')?.n ?? 0;
const lease = (dbFile: string) => peek<{ run_id: string; pid: number; expires_at: number }>(dbFile, "select * from leases where pipeline = 'people'");

describe('a killed run', () => {
  it('holds its lock until the heartbeat expires; the next run then takes over and finishes it', async () => {
    const lines = Array.from({ length: ROWS }, (_, i) => `${i},person ${i},${i % 90}`);
    const cwd = peopleProject(`id,name,age\n${lines.join('\n')}\n`);
    const home = tmpDir();
    const dbFile = path.join(home, 'arkive.db');
    const env = { ARKIVE_LEASE_TTL_MS: String(TTL_MS) };
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'run', 'people', '--no-publish', '--home', home], {
      cwd, stdio: 'ignore', env: { ...process.env, ARKIVE_HOME: '', ...env },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let loadedBeforeKill = 0;
    while (loadedBeforeKill === 0) {
      await new Promise((r) => setTimeout(r, 20));
      loadedBeforeKill = countRecords(dbFile);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const dead = lease(dbFile)!;
    expect(dead.pid).toBe(child.pid);
    const partial = countRecords(dbFile);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);

    // Within the TTL the dead run's lock still stands (nobody can tell dead from slow yet).
    const refused = await arkive(['run', 'people', '--no-publish', '--home', home], { cwd, env });
    expect(Date.now()).toBeLessThan(dead.expires_at);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`pipeline people is already running: run ${dead.run_id} (pid ${child.pid} on `);
    expect(refused.stderr).toMatch(/the lock expires at \S+Z and the next run takes over/);

    await new Promise((r) => setTimeout(r, dead.expires_at - Date.now() + 50));
    const rerun = await arkive(['run', 'people', '--no-publish', '--json', '--home', home], { cwd, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.rows).toMatchObject({ extracted: ROWS, loaded: ROWS, quarantined: 0, changed: ROWS - partial });
    expect(countRecords(dbFile)).toBe(ROWS);
    expect(rerun.stderr).toContain(`taking over from dead run ${dead.run_id}`);
    expect(lease(dbFile)).toBeUndefined();
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home], { cwd })).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['loaded', 'failed']);
    expect(runs[1]).toMatchObject({ runId: dead.run_id, error: { code: 'RUN_ABANDONED' } });
    expect(runs[1].error.message).toContain(`run ${result.runId} took over`);
  });
});
