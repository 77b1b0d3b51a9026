// The http source against a real local HTTP server that answers wrongly or hostilely:
// redirects (followed, loops and foreign schemes refused, credentials kept from other
// hosts), 404 and 401 (exit 2, not retried), bodies over maxBytes (refused or cut off,
// also a gzip that expands), secrets that must appear nowhere but on the wire, and what
// can be known before a request (a missing variable, a format this build cannot read).
import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FAST, homeBytes, httpProject, keys } from '../helpers/http-project.js';
import { csvRows, serve } from '../helpers/http-resource.js';
import { parquetBytes } from '../helpers/parquet-files.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';

const csvHeaders = { 'content-type': 'text/csv' };

describe('http source: redirects', () => {
  it('follows a redirect, and refuses a loop, too many hops and a non-http Location with exit 2', async () => {
    const server = await serve((req, res) => {
      const to = { '/old.csv': '/data.csv', '/a': '/b', '/b': '/a', '/r1': '/r2', '/r2': '/r3', '/r3': '/data.csv', '/ftp': 'ftp://example.com/x.csv' }[req.url!];
      if (to) res.writeHead(302, { location: to }).end();
      else res.writeHead(200, csvHeaders).end(csvRows(2));
    });
    const run = (p: string, extra = '') => runPipeline('items', {
      cwd: httpProject(JSON.stringify(`${server.origin}${p}`), `{ format: 'csv', name: 'data.csv', ${FAST}${extra} }`), home: tmpDir(),
    });
    expect((await run('/old.csv')).sources[0]).toMatchObject({ rows: 2, loaded: 2 });
    const loop = await run('/a');
    expect(loop.error).toMatchObject({ code: 'HTTP_REDIRECT', exitCode: 2 });
    expect(loop.error!.message).toContain(`the server redirects in a loop (back to ${server.origin}/a)`);
    expect(server.hits('/a')).toHaveLength(1); // not retried
    const far = await run('/r1', ', maxRedirects: 2');
    expect(far.error!.message).toContain('redirects more than 2 times');
    const ftp = await run('/ftp');
    expect(ftp.error!.message).toContain('redirects to a ftp: URL (only http: and https: are followed)');
  });

  it('sends the source\'s headers to its own origin only: a redirect to another host gets none', async () => {
    const other = await serve((_req, res) => res.writeHead(200, csvHeaders).end(csvRows(3)));
    const own = await serve((_req, res) => res.writeHead(307, { location: `http://localhost:${other.port}/elsewhere.csv?sig=1` }).end());
    const cwd = httpProject(JSON.stringify(`${own.origin}/data.csv`), '{ format: \'csv\', headers: { Authorization: env(\'API_TOKEN\'), \'X-Team\': \'ml\' } }');
    const result = await runPipeline('items', { cwd, home: tmpDir(), env: { API_TOKEN: 'Bearer tok-123' } });
    expect(result.sources[0]).toMatchObject({ rows: 3, loaded: 3 });
    expect(own.requests[0]!.headers).toMatchObject({ authorization: 'Bearer tok-123', 'x-team': 'ml' });
    expect(other.requests[0]!.path).toBe('/elsewhere.csv?sig=1');
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    expect(other.requests[0]!.headers['x-team']).toBeUndefined();
  });
});

describe('http source: refusals are bad input, not retried', () => {
  it('fails a 404 with exit 2 naming the URL without its query or credentials, and a 401 with a hint about credentials', async () => {
    const server = await serve((req, res) => res.writeHead(req.url!.startsWith('/private') ? 401 : 404, 'Not here: Bearer echo').end());
    const url = `http://someone:pw-hidden@127.0.0.1:${server.port}/missing.csv?api_key=key-hidden`;
    const missing = await runPipeline('items', { cwd: httpProject(JSON.stringify(url), `{ format: 'csv', ${FAST} }`), home: tmpDir() });
    expect(missing.error).toMatchObject({ code: 'HTTP_NOT_FOUND', exitCode: 2 });
    expect(missing.error!.message).toBe(`source "missing.csv" GET ${server.origin}/missing.csv: the server answered 404 Not Found; nothing was loaded from it`);
    expect(missing.error!.hint).toMatch(/Check the URL/);
    expect(server.requests).toHaveLength(1);
    // The URL's credentials go as Basic auth; the query string goes to the server only.
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('someone:pw-hidden').toString('base64')}`);
    expect(server.requests[0]!.path).toBe('/missing.csv?api_key=key-hidden');

    const denied = await runPipeline('items', { cwd: httpProject(JSON.stringify(`${server.origin}/private.csv`), `{ format: 'csv', ${FAST} }`), home: tmpDir() });
    expect(denied.error).toMatchObject({ code: 'HTTP_UNAUTHORIZED', exitCode: 2 });
    expect(denied.error!.message).toContain('answered 401 Unauthorized');
    expect(denied.error!.message).not.toContain('echo');
    expect(denied.error!.hint).toMatch(/credentials/);
    expect(server.hits('/private.csv')).toHaveLength(1);
  });
});

describe('http source: maxBytes', () => {
  const bodies: Record<string, (res: import('node:http').ServerResponse) => void> = {
    'a Content-Length over the limit': (res) => {
      res.writeHead(200, { ...csvHeaders, 'content-length': '5000000' });
      res.write(csvRows(10)); // the rest never comes: the answer is refused on its headers
    },
    'a chunked body that grows past it': (res) => {
      res.writeHead(200, csvHeaders);
      const more = () => {
        while (!res.destroyed && res.write(csvRows(100)));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    },
    'a small gzip that expands past it': (res) => {
      const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('id,text\n'), Buffer.alloc(5_000_000, 0x61)]));
      res.writeHead(200, { ...csvHeaders, 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
    },
  };
  for (const [what, send] of Object.entries(bodies)) {
    it(`refuses ${what} with exit 2, loading nothing`, async () => {
      const server = await serve((_req, res) => send(res));
      const temp = tmpDir();
      const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', maxBytes: 100000, tempDir: ${JSON.stringify(temp)}, ${FAST} }`);
      const home = tmpDir();
      const result = await runPipeline('items', { cwd, home });
      expect(result.error).toMatchObject({ code: 'HTTP_TOO_LARGE', exitCode: 2 });
      expect(result.error!.message).toContain('over the source\'s maxBytes of 100000; nothing of it was loaded');
      expect(result.rows.extracted).toBe(0);
      expect(server.requests).toHaveLength(1);
      expect(await keys({ cwd, home })).toEqual([]);
      expect(fs.readdirSync(temp)).toEqual([]);
    });
  }
});

describe('http source: secrets', () => {
  it('sends the env() header value and the URL\'s secrets to the server only: not in results, records, quarantine or the home', async () => {
    const server = await serve((req, res) => {
      if (req.headers.authorization !== 'Bearer tok-SECRET-1') return void res.writeHead(401).end();
      // Row 3 is malformed: it is quarantined, with the URL (not a temp file, not a secret) as its location.
      res.writeHead(200, { ...csvHeaders, etag: '"e1"' }).end('id,text\nr0,zero\nr1,one,extra\nr2,two\n');
    });
    const url = `http://u:pw-SECRET-2@127.0.0.1:${server.port}/data.csv?key=q-SECRET-3`;
    const cwd = httpProject(JSON.stringify(url), '{ format: \'csv\', headers: { Authorization: env(\'API_TOKEN\') } }');
    const home = tmpDir();
    const ok = await runPipeline('items', { cwd, home, env: { API_TOKEN: 'Bearer tok-SECRET-1' } });
    expect(ok.sources[0]).toMatchObject({ reads: `${server.origin}/data.csv`, rows: 3, loaded: 2 });
    const bad = await runPipeline('items', { cwd, home, env: { API_TOKEN: 'Bearer tok-SECRET-wrong' } });
    expect(bad.error).toMatchObject({ code: 'HTTP_UNAUTHORIZED' });
    const missing = await runPipeline('items', { cwd, home, env: {} });
    expect(missing.error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2 });
    expect(missing.error!.message).toBe('source "data.csv" (its Authorization header) uses env(\'API_TOKEN\'), but $API_TOKEN is not set');
    expect(server.requests).toHaveLength(2); // the missing variable is found before any request

    const quarantined = await withStore({ cwd, home }, (store) => store.quarantine.list({ runId: ok.runId }));
    expect(quarantined).toEqual([expect.objectContaining({ location: `${server.origin}/data.csv:3`, line: 3, raw: 'r1,one,extra', reason: 'csv_field_count' })]);
    for (const result of [ok, bad, missing]) {
      const shown = JSON.stringify({ ...result, error: result.error?.toJSON() });
      expect(shown).not.toMatch(/SECRET/);
    }
    const stored = homeBytes(home);
    expect(stored).toContain('r1,one,extra'); // the database is there, and read
    expect(stored).not.toMatch(/SECRET/);
  });
});

describe('http source: Parquet', () => {
  it('downloads a Parquet resource and reads it row group by row group; a corrupt one is exit 2 and loads nothing', async () => {
    const good = parquetBytes({
      id: { element: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }, data: ['p1', 'p2', 'p3'] },
      text: { element: { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }, data: ['one', null, 'three'] },
    }, { rowGroupSize: 2 });
    let body = good;
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/vnd.apache.parquet' }).end(body));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.parquet`), `{ format: 'parquet', ${FAST} }`);
    const home = tmpDir();
    const ok = await runPipeline('items', { cwd, home });
    expect(ok.error).toBeUndefined();
    // p2's text is null: clean makes it '' and the schema quarantines it, located by URL and row.
    expect(ok.rows).toMatchObject({ extracted: 3, loaded: 2, quarantined: 1 });
    expect(await keys({ cwd, home })).toEqual(['p1', 'p3']);
    const quarantined = await withStore({ cwd, home }, (store) => store.quarantine.list({ runId: ok.runId }));
    expect(quarantined.map((q) => q.location)).toEqual([`${server.origin}/data.parquet:2`]);
    // The same bytes again: unchanged by their SHA-256, nothing read.
    const again = await runPipeline('items', { cwd, home });
    expect(again.sources[0]).toMatchObject({ mode: 'unchanged', rows: 0 });
    body = Buffer.concat([good.subarray(0, 4), Buffer.alloc(good.length - 8, 0x55), good.subarray(good.length - 4)]);
    const corrupt = await runPipeline('items', { cwd, home });
    expect(corrupt.error).toMatchObject({ exitCode: 2 });
    expect(corrupt.error!.message).toContain(`${server.origin}/data.parquet`);
    expect(await keys({ cwd, home })).toEqual(['p1', 'p3']);
  });
});
