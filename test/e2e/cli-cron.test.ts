// `arkive cron` output, parsed as cron parses a crontab, and each command run as cron runs
// it: /bin/sh with a bare environment, from another directory.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { createInterface } from 'node:readline';
import { arkive, spawnArkive } from '../helpers/cli.js';
import { seedWallets } from '../helpers/devnet.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

function pipeline(cwd: string, name: string, schedule: object | string): void {
  write(cwd, `pipelines/${name}.ts`, `
import { definePipeline, jsonl, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: ${JSON.stringify(name)}, description: 'cron test', sources: [jsonl('rows.jsonl')],
  schema: z.object({ id: z.string() }), key: (r) => r.id, schedule: ${JSON.stringify(schedule)},
});
`);
}

interface Entry { fields: string; command: string; env: Record<string, string> }

/** A crontab as cron reads it: comments, NAME=value lines (in force for the lines after), entries. */
function parseCrontab(text: string): Entry[] {
  const env: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (assignment) {
      env[assignment[1]!] = assignment[2]!;
      continue;
    }
    const m = /^(@\w+|(?:\S+\s+){4}\S+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(`not a crontab line: ${line}`);
    const fields = m[1]!;
    if (!fields.startsWith('@')) expect(fields.split(/\s+/)).toHaveLength(5);
    expect(() => new Cron(fields, { paused: true })).not.toThrow();
    // cron turns an unescaped % into a newline; every % must be escaped.
    expect(m[2]!).not.toMatch(/(^|[^\\])%/);
    entries.push({ fields, command: m[2]!.replace(/\\%/g, '%'), env: { ...env } });
  }
  return entries;
}

describe('arkive cron', () => {
  it('prints crontab lines that install and run as-is', async () => {
    const cwd = path.join(newProject(), "project with 'quotes'");
    write(cwd, 'rows.jsonl', '{"id":"a"}\n{"id":"b"}\n');
    pipeline(cwd, 'nightly', '0 3 * * *');
    pipeline(cwd, 'workdays', { cron: '30 4 * * 1-5', timezone: 'Europe/Berlin', catchUp: 'once' });
    pipeline(cwd, 'quarter-past', '0 15 * * * *');
    pipeline(cwd, 'every-ten-seconds', '*/10 * * * * *');
    const home = path.join(tmpDir(), 'home 100%');

    const result = await arkive(['cron', '--home', home], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const entries = parseCrontab(result.stdout);
    expect(entries.map((e) => [e.fields, e.env.CRON_TZ ?? null])).toEqual([
      ['0 3 * * *', null], ['15 * * * *', null], ['30 4 * * 1-5', 'Europe/Berlin'],
    ]);
    expect(result.stdout).toMatch(/^# every-ten-seconds: "\*\/10 \* \* \* \* \*" not installable: it fires on seconds/m);

    // Run each command as cron would: sh, a bare environment, started from /.
    const sh = promisify(execFile);
    for (const entry of entries) {
      const { stdout, stderr } = await sh('/bin/sh', ['-c', entry.command], { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: tmpDir(), ...entry.env } });
      expect(stdout + stderr).toBe(''); // --quiet: cron mails only failures
    }
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home], { cwd })).stdout);
    expect(runs.map((r: { pipeline: string; status: string }) => `${r.pipeline} ${r.status}`).sort())
      .toEqual(['nightly released', 'quarter-past released', 'workdays released']);
    expect(fs.existsSync(path.join(home, 'arkive.db'))).toBe(true);
  }, 120_000);

  it('carries every network option given (flag or environment) into each line, and a line run as-is indexes', async () => {
    const devHome = tmpDir();
    await seedWallets(path.join(devHome, 'devnet'));
    const dev = spawnArkive(['dev', '--json', '--port', '0', '--home', devHome]);
    const stack = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: dev.stdout! }).once('line', resolve)));
    const cwd = newProject();
    write(cwd, 'rows.jsonl', '{"id":"a"}\n{"id":"b"}\n');
    pipeline(cwd, 'nightly', '0 3 * * *');
    pipeline(cwd, 'hourly', '0 * * * *');
    const home = tmpDir();
    const trusted = 't'.repeat(43);
    const given = {
      '--gateway': stack.gateway, '--bundler': stack.bundler, '--wallet': stack.wallet,
      '--ao-mu': stack.mu, '--ao-cu': stack.cu, '--registry': stack.registry, '--ao-gateway': stack.aoGateway,
    };
    // --trust comes from the environment: cron's own environment will not have it.
    const result = await arkive(['cron', '--home', home, ...Object.entries(given).flat()], { cwd, env: { ARKIVE_TRUST: trusted } });
    expect(result.code, result.stderr).toBe(0);
    const entries = parseCrontab(result.stdout);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      for (const [flag, value] of [...Object.entries(given), ['--trust', trusted]]) expect(entry.command).toContain(`${flag} ${value}`);
    }
    const sh = promisify(execFile);
    const { stdout, stderr } = await sh('/bin/sh', ['-c', entries[0]!.command], { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: tmpDir() } });
    expect(stdout + stderr).toBe('');
    const runs = JSON.parse((await arkive(['runs', '--json', '--home', home], { cwd })).stdout);
    expect(runs[0], JSON.stringify(runs[0])).toMatchObject({ status: 'released' });
    // A fresh home trusts the wallet it is given: the publisher's.
    const endpoints = ['--gateway', stack.gateway, '--wallet', stack.wallet, '--ao-mu', stack.mu, '--ao-cu', stack.cu, '--registry', stack.registry];
    const got = await arkive(['ao', 'get', runs[0].pipeline, '--json', '--home', tmpDir(), ...endpoints], { cwd });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).contentId).toBe(runs[0].contentId);
  }, 180_000);

  it('exits 2 when no pipeline has a schedule', async () => {
    const cwd = newProject();
    write(cwd, 'rows.jsonl', '{"id":"a"}\n');
    write(cwd, 'pipelines/plain.ts', `import { definePipeline, jsonl, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({ name: 'plain', description: 'd', sources: [jsonl('rows.jsonl')], schema: z.object({ id: z.string() }), key: (r) => r.id });`);
    const result = await arkive(['cron', '--home', tmpDir()], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no pipeline in .*pipelines has a schedule/);
  });
});
