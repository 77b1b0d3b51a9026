// The CLI as a user runs it: real processes, real homes, exit codes and JSON on stdout.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { arkive } from '../helpers/cli.js';
import { arkiveEntry, newProject, peopleProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

describe('arkive run', () => {
  // Loading only (--no-publish): releasing is covered by cli-publish.test.ts.
  it('runs reviews with the documented counts, then reports 0 changed on a re-run', async () => {
    const home = tmpDir();
    const first = await arkive(['run', 'reviews', '--no-publish', '--json', '--home', home]);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    const run = JSON.parse(first.stdout);
    // --json keeps stdout for the result; the structured log goes to stderr, one object per line.
    const log = first.stderr.trim().split('\n').map((line) => JSON.parse(line));
    expect(log.map((l) => l.msg)).toEqual(['run started', 'stage load', 'rows', 'stage finalize', 'run loaded']);
    expect(log.every((l) => l.runId === run.runId && l.pipeline === 'reviews')).toBe(true);
    expect(run).toMatchObject({
      pipeline: 'reviews', status: 'loaded', artifacts: [], uploadedBytes: 0,
      rows: { extracted: 4417, loaded: 4000, changed: 4000, quarantined: 127 },
    });
    expect(run.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(typeof run.durationMs).toBe('number');

    const second = await arkive(['run', 'reviews', '--no-publish', '--json', '--home', home]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'unchanged', rows: { changed: 0, loaded: 4000 } });

    const runs = await arkive(['runs', '--json', '--home', home]);
    expect(runs.code).toBe(0);
    const history = JSON.parse(runs.stdout);
    expect(history.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'loaded']);
    expect(history[1]).toMatchObject({ pipeline: 'reviews', rows: { loaded: 4000, quarantined: 127 }, runId: run.runId });
  });

  it('uses $ARKIVE_HOME, and logs one JSON object per line when stdout is not a terminal (cron)', async () => {
    const home = tmpDir();
    const result = await arkive(['run', 'reviews', '--no-publish'], { env: { ARKIVE_HOME: home } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.stage ?? null)).toEqual([null, 'load', 'load', 'finalize', 'finalize']);
    expect(lines.at(-1)).toMatchObject({
      level: 'info', msg: 'run loaded', status: 'loaded',
      rows: { extracted: 4417, loaded: 4000, changed: 4000, duplicates: 290, quarantined: 127 },
    });
    expect(new Set(lines.map((l) => l.runId)).size).toBe(1);
    expect(fs.existsSync(path.join(home, 'arkive.db'))).toBe(true);
  });

  it('prints a human summary on a terminal, and the resume line after a failure', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTTY: true };
    const home = tmpDir();
    expect(await main(['run', 'reviews', '--no-publish', '--home', home], io, {})).toBe(0);
    expect(out.join('\n')).toMatch(/of reviews: loaded in [\d.]+ s\n  extracted 4417, loaded 4000 \(4000 changed, 0 removed\), duplicates 290, quarantined 127/);
    expect(err).toEqual([]);
    const cwd = peopleProject('id,name,age\n1,Ann,3\n');
    fs.rmSync(path.join(cwd, 'people.csv'));
    expect(await main(['run', 'people', '--home', home, '-C', cwd], io, {})).toBe(2);
    expect(err.join('\n')).toMatch(/code: SOURCE_UNREADABLE\n  fix: .*\nrun \S+ of people failed: .* Resume with: arkive run people$/);
  });

  it('prints only errors with --quiet, and the failure ends with how to resume', async () => {
    const home = tmpDir();
    const ok = await arkive(['run', 'reviews', '--no-publish', '--quiet', '--home', home]);
    expect(ok).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const cwd = peopleProject('id,name,age\n1,Ann,3\n');
    fs.rmSync(path.join(cwd, 'people.csv'));
    const failed = await arkive(['run', 'people', '--quiet', '--home', home], { cwd });
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe('');
    const last = failed.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^run \S+ of people failed: .*people\.csv: file not found.* Resume with: arkive run people$/);
  });

  it('exits 2 for an unknown pipeline and lists the known ones', async () => {
    const result = await arkive(['run', 'nope', '--home', tmpDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown pipeline "nope"; known pipelines in .*pipelines: .*reviews/);
    expect(result.stderr).toMatch(/fix: /);
  });

  it('exits 2 naming the file when a pipeline file does not load', async () => {
    const cwd = newProject();
    write(cwd, 'pipelines/broken.ts', 'export default definePipeline({ name: "broken" ');
    write(cwd, 'pipelines/wrong.ts', `import { csv, definePipeline } from ${JSON.stringify(arkiveEntry)};\n`
      + 'export default definePipeline({ name: "Wrong Name", description: "", sources: [csv("x.csv")], schema: {}, key: () => "" });\n');
    const broken = await arkive(['run', 'broken', '--json', '--home', tmpDir()], { cwd });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`pipeline file ${path.join(cwd, 'pipelines/broken.ts')} does not load`);
    expect(JSON.parse(broken.stdout).error.code).toBe('PIPELINE_LOAD');
    const wrong = await arkive(['run', 'wrong', '--home', tmpDir()], { cwd });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/name "Wrong Name" must match .*schema must be a zod schema/);
  });

  it('exits 2 with the path when a source file is missing, and the run is recorded as failed', async () => {
    const cwd = peopleProject('id,name,age\n1,Ann,3\n');
    fs.rmSync(path.join(cwd, 'people.csv'));
    const home = tmpDir();
    const result = await arkive(['run', 'people', '--json', '--home', home], { cwd });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'failed', error: { code: 'SOURCE_UNREADABLE' } });
    expect(result.stderr).toContain('people.csv: file not found');
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home], { cwd })).stdout);
    expect(runs[0]).toMatchObject({ pipeline: 'people', status: 'failed', error: { code: 'SOURCE_UNREADABLE' } });
  });

  // With publishing, a dry run also prices the release (cli-budget.test.ts); without, it is pure.
  it('prints the plan with --dry-run --no-publish and writes nothing', async () => {
    const home = path.join(tmpDir(), 'home');
    const result = await arkive(['run', 'reviews', '--dry-run', '--no-publish', '--json', '--home', home]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.sources).toEqual([
      expect.objectContaining({ name: 'export', reads: 'fixtures/reviews/reviews.csv', problem: null }),
      expect.objectContaining({ name: 'api', reads: 'fixtures/reviews/reviews-api.jsonl', problem: null }),
    ]);
    expect(plan.stages).toEqual(['extract', 'clean', 'validate', 'load', 'finalize']);
    expect(plan.publish).toBeUndefined();
    expect(fs.existsSync(home)).toBe(false);
  });

  it('exits 2 on unknown commands and options', async () => {
    expect((await arkive(['frobnicate'])).code).toBe(2);
    expect((await arkive(['run', 'reviews', '--bogus'])).code).toBe(2);
    expect((await arkive(['runs', '--limit', '0'])).code).toBe(2);
    const help = await arkive(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[options\] <pipeline>/);
  });

  it('shows quarantined rows of the latest run', async () => {
    const home = tmpDir();
    await arkive(['run', 'reviews', '--no-publish', '--home', home]);
    const result = await arkive(['quarantine', '--reason', 'json_malformed', '--json', '--home', home]);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ source: 'api', reason: 'json_malformed' });
    expect(rows[0].location).toMatch(/^fixtures\/reviews\/reviews-api\.jsonl:\d+$/);
  });
});
