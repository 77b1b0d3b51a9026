// A run killed with SIGKILL mid-load (publishing off; cli-publish.test.ts kills one while
// publishing) loses nothing: the committed batches stay, the re-run
// finishes the load, and what the killed run already loaded counts as unchanged.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { peek } from '../helpers/peek.js';
import { peopleProject } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const ROWS = 200_000;

const countRecords = (dbFile: string) => peek<{ n: number }>(dbFile, 'select count(*) as n from records')?.n ?? 0;

describe('a killed run', () => {
  it('is finished by re-running the same command', async () => {
    const lines = Array.from({ length: ROWS }, (_, i) => `${i},person ${i},${i % 90}`);
    const cwd = peopleProject(`id,name,age\n${lines.join('\n')}\n`);
    const home = tmpDir();
    const dbFile = path.join(home, 'arkive.db');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'run', 'people', '--no-publish', '--home', home], { cwd, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let loadedBeforeKill = 0;
    while (loadedBeforeKill === 0) {
      await new Promise((r) => setTimeout(r, 20));
      loadedBeforeKill = countRecords(dbFile);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = countRecords(dbFile);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);

    const rerun = await arkive(['run', 'people', '--no-publish', '--json', '--home', home], { cwd });
    expect(rerun.code).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.rows).toMatchObject({ extracted: ROWS, loaded: ROWS, quarantined: 0, changed: ROWS - partial });
    expect(countRecords(dbFile)).toBe(ROWS);
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home], { cwd })).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['loaded', 'running']);
  });
});
