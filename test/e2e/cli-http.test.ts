// `arkive run` with an http source, the CLI spawned as a user runs it, against a real local
// HTTP server: the first run releases on the local network; the second is answered 304
// from the stored ETag, reads nothing, reports the source `unchanged` and releases nothing
// new. A 404 exits 2, repeated 5xx exit 1 with the resume line; the token from the
// environment reaches the server and no output.
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { FAST, httpProject } from '../helpers/http-project.js';
import { csvRows, serve } from '../helpers/http-resource.js';
import { tmpDir } from '../helpers/tmp.js';

const TOKEN = 'Bearer e2e-SECRET-token';

describe('arkive run with an http source', () => {
  it('releases v1, then reads a 304 as unchanged and releases nothing new; the token is in no output', async () => {
    const server = await serve((req, res) => {
      if (req.headers.authorization !== TOKEN) return void res.writeHead(401).end();
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'text/csv', etag: '"v1"' }).end(csvRows(50));
    });
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv?key=q-SECRET`), '{ format: \'csv\', headers: { Authorization: env(\'API_TOKEN\') } }');
    const home = tmpDir();
    const env = { API_TOKEN: TOKEN };
    const first = await arkive(['run', 'items', '--json', '--home', home], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    const released = JSON.parse(first.stdout);
    expect(released).toMatchObject({ status: 'released', rows: { loaded: 50 } });
    expect(released.sources).toEqual([expect.objectContaining({ name: 'data.csv', reads: `${server.origin}/data.csv`, mode: 'full', rows: 50 })]);
    expect(released.artifacts[0]).toMatchObject({ kind: 'dataset', name: 'items', version: 1 });

    const second = await arkive(['run', 'items', '--json', '--home', home], { cwd, env });
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout);
    expect(server.requests[1]!.headers['if-none-match']).toBe('"v1"');
    expect(again.sources[0]).toMatchObject({ mode: 'unchanged', incremental: true, rows: 0 });
    expect(again).toMatchObject({ status: 'unchanged', uploadedBytes: 0, rows: { extracted: 0, removed: 0 } });
    expect(again.artifacts[0]).toMatchObject({ version: 1, status: 'unchanged', contentId: released.artifacts[0].contentId });
    const versions = JSON.parse((await arkive(['versions', 'items', '--json', '--home', home], { cwd })).stdout);
    expect(versions.map((v: { version: number }) => v.version)).toEqual([1]);
    for (const out of [first, second]) expect(out.stdout + out.stderr).not.toMatch(/SECRET/);
  });

  it('exits 2 on a 404 and 1 with the resume line on repeated 5xx, loading nothing', async () => {
    const server = await serve((req, res) => res.writeHead(req.url!.startsWith('/gone') ? 404 : 503).end());
    const home = tmpDir();
    const gone = httpProject(JSON.stringify(`${server.origin}/gone.csv?token=t-SECRET`), `{ format: 'csv', name: 'data.csv', ${FAST} }`);
    const notFound = await arkive(['run', 'items', '--no-publish', '--home', home], { cwd: gone });
    expect(notFound.code).toBe(2);
    // Not a terminal: the run logs JSON lines on stdout, the failure among them.
    const failure = notFound.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.level === 'error');
    expect(failure.err).toMatchObject({ code: 'HTTP_NOT_FOUND', message: `source "data.csv" GET ${server.origin}/gone.csv: the server answered 404 Not Found; nothing was loaded from it` });
    expect(failure.msg).toContain('Resume with: arkive run items');
    expect(notFound.stdout + notFound.stderr).not.toMatch(/SECRET/);

    const down = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', ${FAST} }`);
    const unavailable = await arkive(['run', 'items', '--no-publish', '--json', '--home', home], { cwd: down });
    expect(unavailable.code).toBe(1);
    expect(JSON.parse(unavailable.stdout)).toMatchObject({ status: 'failed', rows: { extracted: 0 }, error: { code: 'HTTP_UNAVAILABLE' } });
    expect(unavailable.stderr).toContain('Resume with: arkive run items');
    expect(server.hits('/data.csv')).toHaveLength(3);
  });

  it('checks the source in a dry run against the run\'s environment, without a request', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end(csvRows(1)));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv?k=SECRET`), '{ format: \'csv\', headers: { Authorization: env(\'API_TOKEN\') } }');
    const home = tmpDir();
    const set = await arkive(['run', 'items', '--dry-run', '--no-publish', '--json', '--home', home], { cwd, env: { API_TOKEN: TOKEN } });
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).sources).toEqual([expect.objectContaining({ name: 'data.csv', reads: `${server.origin}/data.csv`, problem: null })]);
    const unset = await arkive(['run', 'items', '--dry-run', '--no-publish', '--json', '--home', home], { cwd, env: { API_TOKEN: '' } });
    expect(unset.code).toBe(2);
    expect(JSON.parse(unset.stdout).sources[0].problem).toBe('source "data.csv" (its Authorization header) uses env(\'API_TOKEN\'), but $API_TOKEN is not set');
    expect(server.requests).toHaveLength(0);
    for (const out of [set, unset]) expect(out.stdout + out.stderr).not.toMatch(/SECRET/);
  });
});
