// One run of a pipeline at a time, across processes: two `arkive run reviews` started together
// on one home → exactly one runs, the other exits 4 naming the holder.
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('the run lock', () => {
  it('lets exactly one of two concurrent runs of a pipeline through; the other exits 4', async () => {
    const home = tmpDir();
    const [a, b] = await Promise.all([
      arkive(['run', 'reviews', '--home', home]),
      arkive(['run', 'reviews', '--home', home]),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 4]);
    const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
    const lines = winner.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const runId = lines[0].runId;
    expect(lines.at(-1)).toMatchObject({ msg: 'run released', status: 'released', runId });
    expect(loser.stderr).toContain(`pipeline reviews is already running: run ${runId} (pid `);
    expect(loser.stderr).toMatch(/code: RUN_LOCKED/);
    // Cron mail and log shippers see the refusal as the last structured line too.
    expect(JSON.parse(loser.stdout.trim().split('\n').at(-1)!)).toMatchObject({ level: 'error', err: { code: 'RUN_LOCKED' } });
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home])).stdout);
    expect(runs.map((r: { runId: string; status: string }) => [r.runId, r.status])).toEqual([[runId, 'released']]);
  });

  it('never blocks a different pipeline, and is released when the run ends', async () => {
    const home = tmpDir();
    const [reviews, sensors] = await Promise.all([
      arkive(['run', 'reviews', '--no-publish', '--json', '--home', home]),
      arkive(['run', 'sensors', '--no-publish', '--json', '--home', home]),
    ]);
    expect([reviews.code, sensors.code]).toEqual([0, 0]);
    const again = await arkive(['run', 'reviews', '--no-publish', '--json', '--home', home]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe('unchanged');
  });
});
