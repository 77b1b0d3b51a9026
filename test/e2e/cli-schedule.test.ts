// `arkive schedule` as cron would leave it running: real processes, per-second and hourly
// schedules, SIGTERM, restarts, and the ticks and runs it leaves in the home's database.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

/** A pipeline whose (real, custom) source takes `delayMs` to produce its three rows. */
function scheduledPipeline(cwd: string, name: string, schedule: object | string, delayMs = 0): void {
  write(cwd, `pipelines/${name}.ts`, `
import { definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const source = {
  name: 'generated',
  describe: () => 'three rows after ${delayMs} ms',
  check: async () => ({}),
  async *open() {
    await new Promise((r) => setTimeout(r, ${delayMs}));
    yield [1, 2, 3].map((i) => ({ line: i, raw: String(i), fields: { id: String(i) } }));
  },
};
export default definePipeline({
  name: ${JSON.stringify(name)}, description: 'scheduled', sources: [source],
  schema: z.object({ id: z.string() }), key: (r) => r.id, schedule: ${JSON.stringify(schedule)},
});
`);
}

interface Line { msg: string; component?: string; pipeline?: string; state?: string; reason?: string; runKey?: string; missed?: number; tick?: string }

/** Starts the scheduler; `until` decides from its log lines when to send SIGTERM. */
async function scheduleUntil(cwd: string, home: string, until: (lines: Line[]) => boolean, args = ['--no-publish']) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/arkive.js'), 'schedule', ...args, '--home', home], {
    cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ARKIVE_HOME: '' },
  });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line));
      if (until(lines)) resolve();
    });
    void exited.then(() => resolve());
  });
  child.kill('SIGTERM');
  return { code: await exited, lines, stderr };
}

function query<T>(home: string, sql: string): T[] {
  const db = new BetterSqlite3(path.join(home, 'arkive.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const finishedTicks = (lines: Line[]) => lines.filter((l) => l.component === 'scheduler' && l.state);

describe('arkive schedule', () => {
  it('runs a pipeline on per-second ticks without ever overlapping itself, and exits 0 on SIGTERM', async () => {
    const cwd = newProject();
    scheduledPipeline(cwd, 'slow', '* * * * * *', 1500);
    const home = tmpDir();
    // SIGTERM while a run is loading: it stops before its next stage and the scheduler exits 0.
    const { code, lines, stderr } = await scheduleUntil(cwd, home, (l) => finishedTicks(l).length >= 2 && l.at(-1)!.msg === 'stage load');
    expect(code, stderr).toBe(0);
    expect(query(home, 'select * from leases')).toEqual([]);
    expect(lines[0]).toMatchObject({ component: 'scheduler', msg: expect.stringMatching(/^scheduling slow \(\* \* \* \* \* \*, next /) });

    const runs = query<{ id: string; started_at: string; finished_at: string; status: string }>(home,
      "select id, started_at, finished_at, status from runs where pipeline = 'slow' order by started_at");
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.started_at >= runs[i - 1]!.finished_at).toBe(true);
    expect(runs.slice(0, 2).map((r) => r.status)).toEqual(['loaded', 'unchanged']);
    expect(runs.at(-1)!.status).toBe('interrupted');

    const ticks = query<{ tick_at: string; state: string; run_id: string | null }>(home, 'select * from schedule_ticks order by tick_at');
    const ran = ticks.filter((t) => t.run_id);
    expect(ran.map((t) => t.run_id).sort()).toEqual(runs.map((r) => r.id).sort());
    // Runs take 1.5 s on a 1 s schedule: the ticks in between were seen and not run.
    expect(ticks.filter((t) => t.state === 'overlap').length).toBeGreaterThanOrEqual(1);
    for (const t of ticks) expect(new Date(t.tick_at).getUTCMilliseconds()).toBe(0);
    expect(ticks.find((t) => t.run_id === runs.at(-1)!.id)!.state).toBe('interrupted');
  });

  it('catches up a missed tick once or skips it by policy, and a restart runs no tick twice', async () => {
    const cwd = newProject();
    scheduledPipeline(cwd, 'hourly-once', { cron: '0 * * * *', catchUp: 'once' });
    scheduledPipeline(cwd, 'hourly-skip', { cron: '0 * * * *' });
    const home = tmpDir();
    expect((await arkive(['runs', '--home', home], { cwd })).code).toBe(0); // creates the home
    // The scheduler last handled both pipelines' ticks three hours ago, then was down.
    const hour = 3_600_000;
    const lastHandled = new Date(Math.floor(Date.now() / hour) * hour - 3 * hour).toISOString();
    const db = new BetterSqlite3(path.join(home, 'arkive.db'));
    for (const p of ['hourly-once', 'hourly-skip']) {
      db.prepare("insert into schedule_ticks (pipeline, tick_at, state, recorded_at) values (?, ?, 'done', ?)").run(p, lastHandled, lastHandled);
    }
    db.close();
    const latestMissed = new Date(Math.floor(Date.now() / hour) * hour).toISOString();

    const first = await scheduleUntil(cwd, home, (l) => finishedTicks(l).length >= 1);
    expect(first.code, first.stderr).toBe(0);
    const missed = first.lines.filter((l) => l.msg.includes('missed while no scheduler ran'));
    expect(missed).toEqual(expect.arrayContaining([
      expect.objectContaining({ pipeline: 'hourly-once', missed: 3, msg: expect.stringContaining('running it once') }),
      expect.objectContaining({ pipeline: 'hourly-skip', missed: 3, msg: expect.stringContaining('skipped (catchUp: skip)') }),
    ]));
    expect(finishedTicks(first.lines)).toEqual([
      expect.objectContaining({ pipeline: 'hourly-once', state: 'done', runKey: `hourly-once@${latestMissed}` }),
    ]);
    const ticks = () => query<{ pipeline: string; tick_at: string; state: string }>(home, 'select pipeline, tick_at, state from schedule_ticks order by pipeline, tick_at');
    expect(ticks()).toEqual([
      { pipeline: 'hourly-once', tick_at: lastHandled, state: 'done' },
      { pipeline: 'hourly-once', tick_at: latestMissed, state: 'done' },
      { pipeline: 'hourly-skip', tick_at: lastHandled, state: 'done' },
      { pipeline: 'hourly-skip', tick_at: latestMissed, state: 'skipped' },
    ]);

    // Restarted within the hour: the tick it ran is done, nothing was missed, nothing runs.
    const second = await scheduleUntil(cwd, home, (l) => l.length >= 1);
    expect(second.code, second.stderr).toBe(0);
    expect(second.lines.some((l) => l.msg.includes('missed') || l.reason === 'catch-up')).toBe(false);
    expect(ticks()).toHaveLength(4);
    expect(query<{ n: number }>(home, 'select count(*) as n from runs')[0]!.n).toBe(1);
  });

  it('releases two pipelines ticking at once through one local permaweb', async () => {
    const cwd = newProject();
    scheduledPipeline(cwd, 'left', '* * * * * *');
    scheduledPipeline(cwd, 'right', '* * * * * *');
    const home = tmpDir();
    const done = (l: Line[], p: string) => finishedTicks(l).some((t) => t.pipeline === p && t.state === 'done');
    const { code, lines, stderr } = await scheduleUntil(cwd, home, (l) => done(l, 'left') && done(l, 'right'), []);
    expect(code, stderr).toBe(0);
    expect(finishedTicks(lines).filter((t) => t.state === 'failed')).toEqual([]);
    const released = query<{ pipeline: string; content_id: string }>(home,
      "select pipeline, content_id from runs where status = 'released' order by pipeline");
    expect(released.map((r) => r.pipeline)).toEqual(['left', 'right']);
    for (const r of released) expect(r.content_id).toMatch(/^[\w-]{43}$/);
  }, 60_000);

  it('refuses to start when a schedule is invalid, naming the pipeline', async () => {
    const cwd = newProject();
    scheduledPipeline(cwd, 'broken', '0 25 * * *');
    const result = await arkive(['schedule', '--home', tmpDir()], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline broken is not valid: schedule "0 25 \* \* \*" is not valid: .*hour/);
    const none = newProject();
    const empty = await arkive(['schedule', '--home', tmpDir()], { cwd: none });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('has a schedule');
  });
});
