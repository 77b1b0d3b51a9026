// `arkive get` against a hostile gateway (test/helpers/hostile-gateway.ts, a proxy in front of
// a real `arkive dev` stack): a substituted release (another genuine release of the same
// publisher), a rolled-back version, a body far larger than the card says, a stalled download,
// and a get interrupted by SIGINT or killed. Each is refused or survived; an honest gateway
// given after the liar returns the right release; nothing wrong is cached or left behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { startHostileGateway, type HostileGateway } from '../helpers/hostile-gateway.js';
import { arkiveEntry } from '../helpers/project.js';
import { watchArkive, type WatchedResult } from '../helpers/watched-cli.js';

const MODEL_BYTES = 40 * 2 ** 20; // above the 32 MiB stream threshold
const JUNK_BYTES = 2 ** 30;
const MiB = 2 ** 20;

interface FileRef { path: string; id: string; sha256: string; bytes: number }
interface Published { contentId: string; digest: string; files: FileRef[] }

let stack: DevStack;
let publisher: string;
let v1: Published;
let v2: Published;
let model: Published;
const made: string[] = [];
const liars: HostileGateway[] = [];

function dir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  made.push(d);
  return d;
}

async function liar(options: Omit<Parameters<typeof startHostileGateway>[0], 'upstream'>): Promise<HostileGateway> {
  const gateway = await startHostileGateway({ upstream: stack.gateway, ...options });
  liars.push(gateway);
  return gateway;
}

const reader = (home: string, ...gateways: string[]) => ['--home', home, '--trust', publisher, ...gateways.flatMap((g) => ['--gateway', g])];

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

/** A project with a small dataset (people, two versions) and a model with one 40 MiB file. */
function project(): string {
  const cwd = dir('arkive-hostile-project-');
  write(cwd, 'package.json', JSON.stringify({ name: 'project', private: true, type: 'module' }));
  write(cwd, 'people.csv', 'id,name\n1,Ada\n2,Grace\n');
  write(cwd, 'pipelines/people.ts', `
import { csv, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'people', description: 'test people', sources: [csv('people.csv')],
  schema: z.object({ id: z.string(), name: z.string() }), key: (p) => p.id,
  clean: (f) => ({ id: String(f.id), name: String(f.name) }),
});
`);
  write(cwd, 'pipelines/blob.ts', `
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { csv, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'blob', description: 'a dataset with a large model', sources: [csv('people.csv')],
  schema: z.object({ id: z.string(), name: z.string() }), key: (p) => p.id,
  clean: (f) => ({ id: String(f.id), name: String(f.name) }),
  model: {
    name: 'blob-model',
    train: async (ctx) => {
      fs.writeFileSync(path.join(ctx.workDir, 'weights.bin'), crypto.randomBytes(${MODEL_BYTES}));
      return { files: ['weights.bin'], metrics: {}, hyperparameters: {} };
    },
  },
});
`);
  return cwd;
}

async function published(artifact: { contentId: string; digest: string }): Promise<Published> {
  const shown = await arkive(['show', artifact.contentId, '--json', ...reader(dir('arkive-show-'), stack.gateway)]);
  if (shown.code !== 0) throw new Error(shown.stderr);
  return { ...artifact, files: JSON.parse(shown.stdout).files };
}

beforeAll(async () => {
  stack = await startDevStack();
  publisher = stack.address;
  const cwd = project();
  const home = dir('arkive-a-');
  const { env } = stack;
  const run = async (name: string) => {
    const result = await arkive(['run', name, '--json', '--home', home, '-C', cwd], { env });
    if (result.code !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout).artifacts as { kind: string; contentId: string; digest: string }[];
  };
  const [first] = await run('people');
  write(cwd, 'people.csv', 'id,name\n1,Ada\n2,Grace\n3,Edsger\n');
  const [second] = await run('people');
  const blob = (await run('blob')).find((a) => a.kind === 'model')!;
  await stack.flush();
  [v1, v2, model] = await Promise.all([published(first!), published(second!), published(blob)]);
}, 240_000);

afterAll(async () => {
  await Promise.all(liars.map((l) => l.close()));
  await stack?.stop();
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Not the card nor a document for other tools (README.md, croissant.json): a chunk or checkpoint. */
const NOT_DATA = new Set(['arkive.json', 'README.md', 'croissant.json']);
const dataFile = (release: Published) => release.files.find((f) => !NOT_DATA.has(f.path))!;
const card = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'arkive.json'), 'utf8'));

/** Peak memory allowed for a get whose largest file is `largest` bytes, from an honest get's peak. */
const memoryBound = (baseline: number, largest: number) => baseline + Math.max(2 * largest, 32 * MiB);

describe('arkive get against a hostile gateway', () => {
  it('refuses a release substituted by another of the same publisher (exit 3); an honest fallback gives the right one; the cache is not poisoned', async () => {
    const substitute = await liar({ substitute: { [v1.contentId]: v2.contentId } });
    const home = dir('arkive-b-');
    const parent = dir('out-');
    const bad = await arkive(['get', v1.contentId, '-o', path.join(parent, 'x'), ...reader(home, substitute.url)]);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr).toContain(`answered for item ${v1.contentId} with another item, ${v2.contentId}`);
    expect(fs.readdirSync(parent)).toEqual([]);
    const verify = await arkive(['verify', v1.contentId, ...reader(home, substitute.url)]);
    expect(verify.code, verify.stderr).toBe(3);

    // Later honest reads in the same home see X, not what the liar served.
    const shown = await arkive(['show', v1.contentId, '--json', ...reader(home, stack.gateway)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ contentId: v1.contentId, version: 1, digest: v1.digest });
    const good = await arkive(['get', v1.contentId, '-o', path.join(parent, 'good'), '--json', ...reader(home, substitute.url, stack.gateway)]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ contentId: v1.contentId, version: 1, digest: v1.digest });
    expect(card(path.join(parent, 'good'))).toMatchObject({ name: 'people', version: 1, digest: v1.digest });

    // A cache entry under X that holds Y (as older versions could write) is re-checked and dropped.
    expect((await arkive(['show', v2.contentId, ...reader(home, stack.gateway)])).code).toBe(0);
    const entries = path.join(home, 'cache', 'releases');
    const poisoned = { ...JSON.parse(fs.readFileSync(path.join(entries, `${v2.contentId}.json`), 'utf8')), contentId: v1.contentId };
    fs.writeFileSync(path.join(entries, `${v1.contentId}.json`), JSON.stringify(poisoned));
    const again = await arkive(['get', v1.contentId, '-o', path.join(parent, 'again'), '--json', ...reader(home, stack.gateway)]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ contentId: v1.contentId, version: 1, digest: v1.digest });
    expect(JSON.parse(fs.readFileSync(path.join(entries, `${v1.contentId}.json`), 'utf8')).items[0].header.id).toBe(v1.contentId);
  });

  it('refuses a rollback (Version filter rewritten) with exit 3; an honest fallback gives v2; @latest is the highest any gateway reports', async () => {
    const rollback = await liar({ versions: { 2: '1' } });
    const parent = dir('out-');
    const bad = await arkive(['get', 'people@v2', '-o', path.join(parent, 'x'), ...reader(dir('arkive-b-'), rollback.url)]);
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stderr).toContain('people@v2');
    expect(bad.stderr).toContain('which is version 1');
    expect(fs.readdirSync(parent)).toEqual([]);
    const good = await arkive(['get', 'people@v2', '-o', path.join(parent, 'good'), '--json', ...reader(dir('arkive-b-'), rollback.url, stack.gateway)]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ contentId: v2.contentId, version: 2 });

    const hider = await liar({ withhold: (node) => node.tags.some((t) => t.name === 'Version' && t.value === '2') });
    for (const ref of ['people@latest', 'people']) {
      const latest = await arkive(['show', ref, '--json', ...reader(dir('arkive-b-'), hider.url, stack.gateway)]);
      expect(latest.code, latest.stderr).toBe(0);
      expect(JSON.parse(latest.stdout)).toMatchObject({ contentId: v2.contentId, version: 2 });
    }
  });

  it('cuts off a body far larger than the card says, in memory and streamed to disk, within time and memory bounds', async () => {
    const small = dataFile(v1);
    const large = dataFile(model);
    const junk = await liar({ oversize: (p) => (p === `/raw/${small.id}` || p === `/raw/${large.id}` ? JUNK_BYTES : undefined) });
    const baseline = await watchArkive(['get', model.contentId, '-o', path.join(dir('out-'), 'm'), ...reader(dir('arkive-b-'), stack.gateway)], { deadlineMs: 120_000 });
    expect(baseline.code, baseline.stderr).toBe(0);

    for (const [release, file] of [[v1, small], [model, large]] as const) {
      const home = dir('arkive-b-');
      const parent = dir('out-');
      const bad = await watchArkive(['get', release.contentId, '-o', path.join(parent, 'x'), ...reader(home, junk.url)], { deadlineMs: 120_000 });
      expect(bad.code, bad.stderr).toBe(3);
      expect(bad.stderr).toContain(`${file.path} (item ${file.id}) failed verification`);
      expect(bad.stderr).toContain(`served more than the expected ${file.bytes} bytes`);
      expect(bad.ms).toBeLessThan(60_000);
      expect(bad.peakRss).toBeLessThan(memoryBound(baseline.peakRss, large.bytes));
      expect(fs.readdirSync(parent)).toEqual([]);
      expect(filesUnder(path.join(home, 'cache', 'tmp'))).toEqual([]);
      const good = await arkive(['get', release.contentId, '-o', path.join(parent, 'good'), ...reader(home, junk.url, stack.gateway)]);
      expect(good.code, good.stderr).toBe(0);
      expect(sha256Of(path.join(parent, 'good', file.path))).toBe(file.sha256);
    }
  });

  it('gives up on a stalled download after the idle timeout, naming the file, the gateway and the timeout, and moves on to the next gateway', async () => {
    const small = dataFile(v1);
    const large = dataFile(model);
    const stall = await liar({ stall: (p) => (p === `/raw/${small.id}` ? 10 : p === `/raw/${large.id}` ? 4 * MiB : undefined) });
    const env = { ARKIVE_FETCH_IDLE_TIMEOUT_MS: '1500' };
    const baseline = await watchArkive(['get', model.contentId, '-o', path.join(dir('out-'), 'm'), ...reader(dir('arkive-b-'), stack.gateway)], { deadlineMs: 120_000, env });
    for (const [release, file] of [[v1, small], [model, large]] as const) {
      const parent = dir('out-');
      const home = dir('arkive-b-');
      const bad = await watchArkive(['get', release.contentId, '-o', path.join(parent, 'x'), ...reader(home, stall.url)], { deadlineMs: 60_000, env });
      expect(bad.timedOut).toBe(false);
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stderr).toContain(`no gateway served ${file.path} (item ${file.id}): ${stall.url}: sent nothing for 1500 ms (idle timeout`);
      expect(bad.ms).toBeLessThan(25_000);
      expect(bad.peakRss).toBeLessThan(memoryBound(baseline.peakRss, large.bytes));
      expect(fs.readdirSync(parent)).toEqual([]);
      const good = await watchArkive(['get', release.contentId, '-o', path.join(parent, 'good'), ...reader(home, stall.url, stack.gateway)], { deadlineMs: 60_000, env });
      expect(good.code, good.stderr).toBe(0);
      expect(sha256Of(path.join(parent, 'good', file.path))).toBe(file.sha256);
    }
  });

  it('leaves nothing in or beside OUT after SIGINT, and after SIGKILL once the next get into the same place has run', async () => {
    const large = dataFile(model);
    const stall = await liar({ stall: (p) => (p === `/raw/${large.id}` ? 4 * MiB : undefined) });
    const interrupt = (signal: NodeJS.Signals, parent: string, home: string): Promise<WatchedResult> =>
      watchArkive(['get', model.contentId, '-o', path.join(parent, 'out'), ...reader(home, stall.url)], {
        deadlineMs: 60_000, env: { ARKIVE_FETCH_IDLE_TIMEOUT_MS: '60000' },
        // Mid-download: the partial directory exists and the large file is being served.
        onPoll: (pid) => {
          const started = stall.requests.some((r) => r === `GET /raw/${large.id}`) && fs.readdirSync(parent).some((n) => n.startsWith('out.partial-'));
          if (started) process.kill(pid, signal);
          return started;
        },
      });

    const parent = dir('out-');
    const home = dir('arkive-b-');
    const stopped = await interrupt('SIGINT', parent, home);
    expect(stopped.timedOut).toBe(false);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(fs.readdirSync(parent)).toEqual([]);
    expect(filesUnder(path.join(home, 'cache', 'tmp'))).toEqual([]);

    stall.requests.length = 0;
    const killed = await interrupt('SIGKILL', parent, home);
    expect(killed.signal).toBe('SIGKILL');
    expect(fs.readdirSync(parent).filter((n) => n.startsWith('out.partial-'))).toHaveLength(1); // what SIGKILL leaves
    const next = await arkive(['get', model.contentId, '-o', path.join(parent, 'out'), ...reader(home, stack.gateway)]);
    expect(next.code, next.stderr).toBe(0);
    expect(fs.readdirSync(parent)).toEqual(['out']);
    expect(filesUnder(path.join(home, 'cache', 'tmp'))).toEqual([]);
    expect(sha256Of(path.join(parent, 'out', large.path))).toBe(large.sha256);
  });
});

describe('arkive get: clear answers up front', () => {
  it('exits 1 when no gateway can be reached, 2 for an -o that is a file (before any network work), and takes a relative -o from the shell\'s directory, not -C', async () => {
    const closed = await closedPort();
    const down = await arkive(['get', v1.contentId, '-o', path.join(dir('out-'), 'x'), '--json', ...reader(dir('arkive-b-'), closed)]);
    expect(down.code, down.stderr).toBe(1);
    expect(JSON.parse(down.stdout).error.code).toBe('GATEWAY_UNREACHABLE');
    const named = await arkive(['get', 'people@v1', '-o', path.join(dir('out-'), 'x'), '--json', ...reader(dir('arkive-b-'), closed)]);
    expect(named.code, named.stderr).toBe(1);

    const file = path.join(dir('out-'), 'file');
    fs.writeFileSync(file, 'keep me');
    const onFile = await arkive(['get', v1.contentId, '-o', file, ...reader(dir('arkive-b-'), closed)]);
    expect(onFile.code, onFile.stderr).toBe(2);
    expect(onFile.stderr).toContain(`${file} exists and is not a directory`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');

    const shell = dir('shell-');
    const projectDir = dir('project-');
    const relative = await arkive(['get', v1.contentId, '-o', 'rel', '-C', projectDir, ...reader(dir('arkive-b-'), stack.gateway)], { cwd: shell });
    expect(relative.code, relative.stderr).toBe(0);
    expect(card(path.join(shell, 'rel'))).toMatchObject({ name: 'people', version: 1 });
    expect(fs.readdirSync(projectDir)).toEqual([]);
  });
});

function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]);
}

function sha256Of(file: string): string {
  return crypto.hash('sha256', fs.readFileSync(file));
}

/** A URL nothing listens on. */
async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
