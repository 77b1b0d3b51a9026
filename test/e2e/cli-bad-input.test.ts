// Bad input on the command line gets a clear answer up front (exit 2, what and how to fix),
// before any work: nothing is read, no home is created. Spawned CLI, no network needed:
// endpoints point at a port nothing listens on.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { peopleProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

/** A loopback URL nothing listens on (a port taken and released). */
async function closedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** 43 characters of base64url starting with '-', as about 1 in 64 content IDs do. */
const DASHED_ID = `-c4_j01h${'Xy9'.repeat(11)}Q2`;

let dead: string;
beforeAll(async () => {
  dead = await closedUrl();
});

describe('option errors', () => {
  it('prints what is wrong with --limit abc on stderr, and as JSON with --json (exit 2)', async () => {
    const home = tmpDir();
    const plain = await arkive(['runs', '--limit', 'abc', '--home', home]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("option '--limit <n>' argument 'abc' is invalid");
    const json = await arkive(['runs', '--limit', 'abc', '--json', '--home', home]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'USAGE', message: expect.stringContaining("argument 'abc' is invalid"), hint: expect.any(String) },
    });
  });

  it('refuses a --home that is a file before touching it', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'home');
    fs.writeFileSync(file, 'not a directory');
    const result = await arkive(['runs', '--home', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--home ${file} is a file, not a directory`);
    expect(result.stderr).toContain('code: HOME_NOT_DIRECTORY');
    expect(fs.readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('refuses quarantine --run with an ID the home does not have', async () => {
    const home = tmpDir();
    const cwd = peopleProject('id,name,age\n1,Ann,30\n');
    expect((await arkive(['run', 'people', '--no-publish', '--home', home], { cwd })).code).toBe(0);
    const result = await arkive(['quarantine', '--run', '20990101T000000Z-000000', '--json', '--home', home], { cwd });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'RUN_UNKNOWN', message: expect.stringContaining('no run "20990101T000000Z-000000"') });
  });
});

describe('network settings are checked before a run does any work', () => {
  const run = (cwd: string, home: string, flags: string[]) => arkive(['run', 'people', '--json', '--home', home, ...flags], { cwd });

  it.each([
    [['--gateway', 'ftp://gateway.test'], '--gateway ($ARKIVE_GATEWAY) "ftp://gateway.test" is not an http(s) URL'],
    [['--gateway', 'DEAD', '--bundler', 'bundler.test:1985'], '--bundler ($ARKIVE_BUNDLER) "bundler.test:1985" is not an http(s) URL'],
    [['--gateway', 'DEAD', '--ao-mu', 'mu.test', '--ao-cu', 'DEAD', '--registry', 'r'], '--ao-mu ($ARKIVE_AO_MU) "mu.test" is not an http(s) URL'],
    [['--gateway', 'DEAD', '--ao-mu', 'DEAD', '--ao-cu', 'file:///cu', '--registry', 'r'], '--ao-cu ($ARKIVE_AO_CU) "file:///cu" is not an http(s) URL'],
  ])('refuses %j (exit 2, no home created)', async (flags, message) => {
    const cwd = peopleProject('id,name,age\n1,Ann,30\n');
    const home = path.join(tmpDir(), 'home');
    const result = await run(cwd, home, flags.map((f) => (f === 'DEAD' ? dead : f)));
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'URL_INVALID', message });
    expect(fs.existsSync(home)).toBe(false);
  });

  it('refuses a wallet that is not RSA-4096 before the run starts, not at publish', async () => {
    const cwd = peopleProject('id,name,age\n1,Ann,30\n');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    write(cwd, 'wallet-2048.json', JSON.stringify(privateKey.export({ format: 'jwk' })));
    const wallet = path.join(cwd, 'wallet-2048.json');
    const home = path.join(tmpDir(), 'home');
    const result = await run(cwd, home, ['--gateway', dead, '--bundler', dead, '--wallet', wallet]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({
      code: 'WALLET_INVALID', message: `the wallet file ${wallet} holds an RSA key of 2048 bits; an Arweave wallet is RSA-4096 (a modulus of 512 bytes)`,
    });
    expect(result.stderr).not.toMatch(/Owner must be/);
    expect(fs.existsSync(home)).toBe(false);
  });
});

describe('pipeline files', () => {
  it('says to add "type": "module" when a project loads its pipeline as CommonJS', async () => {
    const cwd = peopleProject('id,name,age\n1,Ann,30\n');
    write(cwd, 'package.json', JSON.stringify({ name: 'project', private: true }));
    const result = await arkive(['run', 'people', '--no-publish', '--json', '--home', tmpDir()], { cwd });
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout);
    expect(error).toMatchObject({
      code: 'PIPELINE_NOT_ESM',
      message: `pipeline file ${path.join(cwd, 'pipelines/people.ts')} does not load: it is loaded as CommonJS, because ${path.join(cwd, 'package.json')} has no "type": "module"`,
    });
    expect(error.hint).toContain(`Add "type": "module" to ${path.join(cwd, 'package.json')}`);
  });
});

describe('content IDs that start with "-"', () => {
  // Not taken for options: the command gets as far as looking the release up (on a gateway
  // nothing answers), and says so naming the ID.
  it.each([
    ['get', [DASHED_ID, '-o', 'out']],
    ['show', [DASHED_ID]],
    ['verify', [DASHED_ID]],
    ['diff', [DASHED_ID, DASHED_ID]],
  ])('are accepted as refs by %s', async (command, args) => {
    const cwd = tmpDir();
    const result = await arkive([command, ...args, '--json', '--gateway', dead, '--home', path.join(cwd, 'home')], { cwd });
    expect(result.stderr).not.toMatch(/unknown option|too many arguments|REF_INVALID/);
    const { error } = JSON.parse(result.stdout);
    expect(error.code).not.toBe('USAGE');
    expect(error.message).toContain(DASHED_ID);
    expect([1, 3]).toContain(result.code);
  });
});
