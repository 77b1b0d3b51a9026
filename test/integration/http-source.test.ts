// The http source against a real local HTTP server: conditional requests (ETag,
// Last-Modified, an equal SHA-256) read an unchanged resource as unchanged; what may pass
// (a 500, a 429, a stall, a body cut off) is retried and loaded once; what keeps failing
// fails the run with exit 1 and leaves the dataset and the stored state as they were.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FAST, httpProject, keys, sha256 } from '../helpers/http-project.js';
import { csvRows, rawAnswer, serve } from '../helpers/http-resource.js';
import { runPipeline, withStore } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';
import { collect } from '../helpers/collect.js';

const csvHeaders = { 'content-type': 'text/csv' };

async function storedState(opts: { cwd: string; home: string }) {
  return (await withStore(opts, async (store) => store.sourceStates.get('items'))).get('data.csv');
}

describe('http source: conditional requests', () => {
  it('answers the second run from the stored ETag with a 304: 0 rows read, unchanged, records kept; --full reads again', async () => {
    const body = csvRows(5);
    const server = await serve((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { ...csvHeaders, etag: '"v1"' }).end(body);
    });
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\' }');
    const home = tmpDir();
    const first = await runPipeline('items', { cwd, home });
    expect(first.status).toBe('loaded');
    expect(first.sources[0]).toMatchObject({ name: 'data.csv', reads: `${server.origin}/data.csv`, mode: 'full', rows: 5, loaded: 5 });
    expect(await storedState({ cwd, home })).toEqual({ etag: '"v1"', sha256: sha256(body) });
    expect(server.requests[0]!.headers['if-none-match']).toBeUndefined();

    const second = await runPipeline('items', { cwd, home });
    expect(server.requests[1]!.headers['if-none-match']).toBe('"v1"');
    expect(second.status).toBe('unchanged');
    expect(second.sources[0]).toMatchObject({ mode: 'unchanged', incremental: true, rows: 0, loaded: 0 });
    expect(second.rows).toMatchObject({ extracted: 0, removed: 0 });
    expect(await keys({ cwd, home })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);

    const full = await runPipeline('items', { cwd, home, full: true });
    expect(server.requests[2]!.headers['if-none-match']).toBeUndefined();
    expect(full.sources[0]).toMatchObject({ mode: 'full', rows: 5 });
  });

  it('sends If-Modified-Since from the stored Last-Modified and reads a 304 as unchanged', async () => {
    const stamp = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const server = await serve((req, res) => {
      if (req.headers['if-modified-since'] === stamp) res.writeHead(304).end();
      else res.writeHead(200, { ...csvHeaders, 'last-modified': stamp }).end(csvRows(3));
    });
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\' }');
    const home = tmpDir();
    expect((await runPipeline('items', { cwd, home })).sources[0]).toMatchObject({ mode: 'full', rows: 3 });
    expect(await storedState({ cwd, home })).toMatchObject({ lastModified: stamp });
    const second = await runPipeline('items', { cwd, home });
    expect(server.requests[1]!.headers['if-modified-since']).toBe(stamp);
    expect(second.sources[0]).toMatchObject({ mode: 'unchanged', rows: 0 });
    expect(await keys({ cwd, home })).toHaveLength(3);
  });

  it('without validators, the same bytes read as unchanged; other bytes in full, removing what is gone', async () => {
    let body = csvRows(5);
    const server = await serve((_req, res) => res.writeHead(200, csvHeaders).end(body));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\' }');
    const home = tmpDir();
    await runPipeline('items', { cwd, home });
    const same = await runPipeline('items', { cwd, home });
    expect(same.sources[0]).toMatchObject({ mode: 'unchanged', rows: 0 });
    body = 'id,text\nr0,row 0\nr1,edited\nr9,new\n';
    const changed = await runPipeline('items', { cwd, home });
    expect(changed.sources[0]).toMatchObject({ mode: 'full', rows: 3, loaded: 3 });
    expect(changed.rows).toMatchObject({ removed: 3 });
    expect(await keys({ cwd, home })).toEqual(['r0', 'r1', 'r9']);
    expect(await storedState({ cwd, home })).toEqual({ sha256: sha256(body) });
  });
});

describe('http source: what may pass is retried, what keeps failing fails the run', () => {
  it('retries a 500 and loads the answer that follows once', async () => {
    const server = await serve((_req, res, n) => (n === 1 ? res.writeHead(500).end('boom') : res.writeHead(200, csvHeaders).end(csvRows(3))));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', ${FAST} }`);
    const home = tmpDir();
    const result = await runPipeline('items', { cwd, home });
    expect(result.status).toBe('loaded');
    expect(server.requests).toHaveLength(2);
    expect(result.sources[0]).toMatchObject({ rows: 3, loaded: 3 });
    expect(result.rows).toMatchObject({ extracted: 3, duplicates: 0 });
  });

  it('fails with exit 1 and a resume hint after repeated 5xx, leaving the dataset and its ETag as they were', async () => {
    let down = false;
    const server = await serve((_req, res) => (down ? res.writeHead(503).end() : res.writeHead(200, { ...csvHeaders, etag: '"v1"' }).end(csvRows(2))));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv?token=abc`), `{ format: 'csv', ${FAST} }`);
    const home = tmpDir();
    await runPipeline('items', { cwd, home });
    down = true;
    const failed = await runPipeline('items', { cwd, home });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'HTTP_UNAVAILABLE', exitCode: 1 });
    expect(failed.error!.message).toContain(`GET ${server.origin}/data.csv failed 3 times, the last: answered 503 Service Unavailable`);
    expect(failed.error!.message).not.toContain('token');
    expect(failed.error!.hint).toMatch(/Run the pipeline again once it is back/);
    expect(server.requests).toHaveLength(1 + 3);
    expect(await keys({ cwd, home })).toEqual(['r0', 'r1']);
    expect(await storedState({ cwd, home })).toMatchObject({ etag: '"v1"' });
  });

  it('honours a Retry-After up to the backoff cap', async () => {
    const times: number[] = [];
    const server = await serve((req, res, n) => {
      times.push(Date.now());
      if (n === 1) res.writeHead(429, { 'retry-after': req.url!.startsWith('/capped') ? '3600' : '1' }).end();
      else res.writeHead(200, csvHeaders).end(csvRows(1));
    });
    const honoured = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\', backoffMs: 1, maxBackoffMs: 5000 }');
    expect((await runPipeline('items', { cwd: honoured, home: tmpDir() })).status).toBe('loaded');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    // An hour asked, 50 ms allowed: the run does not sleep for an hour (the test's own timeout would fail it).
    const capped = httpProject(JSON.stringify(`${server.origin}/capped.csv`), '{ format: \'csv\', name: \'data.csv\', backoffMs: 1, maxBackoffMs: 50 }');
    expect((await runPipeline('items', { cwd: capped, home: tmpDir() })).status).toBe('loaded');
    expect(server.hits('/capped.csv')).toHaveLength(2);
  });

  it('gives up on a body that stalls after its headers once the idle timeout passes, and retries it', async () => {
    const server = await serve((_req, res, n) => {
      if (n > 1) return void res.writeHead(200, csvHeaders).end(csvRows(4));
      res.writeHead(200, { ...csvHeaders, 'content-length': '1000' });
      res.write('id,text\nr0,row 0\n'); // then silence
    });
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\', timeoutMs: 400, retries: 2, backoffMs: 1 }');
    const home = tmpDir();
    const started = Date.now();
    const result = await runPipeline('items', { cwd, home });
    expect(result.status).toBe('loaded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(server.requests).toHaveLength(2);
    expect(result.sources[0]).toMatchObject({ rows: 4, loaded: 4 });
  });

  it('fails with exit 1 naming the idle timeout when every answer stalls (before or after its headers)', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/headers.csv') res.writeHead(200, csvHeaders).write('id,text\n');
      // /silent.csv: never answers at all
    });
    for (const path of ['/headers.csv', '/silent.csv']) {
      const cwd = httpProject(JSON.stringify(`${server.origin}${path}`), '{ format: \'csv\', name: \'data.csv\', timeoutMs: 300, retries: 1, backoffMs: 1 }');
      const result = await runPipeline('items', { cwd, home: tmpDir() });
      expect(result.error).toMatchObject({ code: 'HTTP_UNAVAILABLE', exitCode: 1 });
      expect(result.error!.message).toContain('sent nothing for 300 ms');
      expect(server.hits(path)).toHaveLength(2);
    }
  });

  it('retries after a connection refused and fails with exit 1 when nothing listens', async () => {
    const server = await serve(() => {});
    await server.close();
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', ${FAST} }`);
    const result = await runPipeline('items', { cwd, home: tmpDir() });
    expect(result.error).toMatchObject({ code: 'HTTP_UNAVAILABLE', exitCode: 1 });
    expect(result.error!.message).toContain('failed 3 times, the last: the connection failed (ECONNREFUSED)');
  });
});

describe('http source: a body cut off is detected and nothing of it is loaded', () => {
  const full = csvRows(6);
  // What the failure says, after what each server does.
  const said: Record<string, string> = {
    'a body shorter than its Content-Length': 'the connection closed before the body ended',
    'a chunked body cut off': 'the connection closed before the body ended',
    'a gzip stream that ends early': 'the compressed body ended early or is corrupt',
  };
  const cuts: Record<string, (res: import('node:http').ServerResponse) => void> = {
    // Fewer bytes than the Content-Length says, then the connection closes: the first rows are whole lines.
    'a body shorter than its Content-Length': (res) => rawAnswer(res, ['200 OK', `Content-Length: ${full.length}`, 'Content-Type: text/csv'], full.slice(0, 40)),
    // A chunked body whose connection drops before its last chunk.
    'a chunked body cut off': (res) => {
      res.writeHead(200, csvHeaders);
      res.write(full.slice(0, 40), () => res.socket!.destroy());
    },
    // A gzip stream that stops halfway, sent whole as far as HTTP can tell (its Content-Length matches).
    'a gzip stream that ends early': (res) => {
      const half = zlib.gzipSync(full).subarray(0, 30);
      res.writeHead(200, { ...csvHeaders, 'content-encoding': 'gzip', 'content-length': String(half.length) }).end(half);
    },
  };

  for (const [what, cut] of Object.entries(cuts)) {
    it(`${what}: the run fails with exit 1, the dataset and its ETag stay`, async () => {
      let broken = false;
      const server = await serve((_req, res) => (broken ? cut(res) : res.writeHead(200, { ...csvHeaders, etag: '"v1"' }).end(csvRows(2, 'old'))));
      const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', ${FAST} }`);
      const home = tmpDir();
      await runPipeline('items', { cwd, home });
      broken = true;
      const result = await runPipeline('items', { cwd, home });
      expect(result.error).toMatchObject({ code: 'HTTP_UNAVAILABLE', exitCode: 1 });
      expect(result.error!.message).toContain(`the last: ${said[what]}`);
      expect(result.rows.extracted).toBe(0);
      expect(server.requests).toHaveLength(1 + 3);
      expect(await withStore({ cwd, home }, async (store) => (await collect(store.records.iterate('items'))).map((r) => [r.key, (JSON.parse(r.data) as { text: string }).text])))
        .toEqual([['r0', 'old 0'], ['r1', 'old 1']]);
      expect(await storedState({ cwd, home })).toMatchObject({ etag: '"v1"' });
    });
  }

  it('loads the whole body when the retry after a cut-off one succeeds', async () => {
    const server = await serve((_req, res, n) => (n === 1 ? cuts['a chunked body cut off']!(res) : res.writeHead(200, csvHeaders).end(full)));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', ${FAST} }`);
    const result = await runPipeline('items', { cwd, home: tmpDir() });
    expect(result.sources[0]).toMatchObject({ rows: 6, loaded: 6 });
    expect(server.requests).toHaveLength(2);
  });
});
