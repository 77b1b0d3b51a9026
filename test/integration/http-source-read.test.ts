// The http source read directly and through a run, against a real local HTTP server: the
// body goes to the file reader of its format (gzip and brotli decoded), its download is
// reported as progress, what it reports to the run, and its temp file is gone afterwards —
// also when the reader stops early or fails.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { env as envRef } from '../../src/pipeline/env-ref.js';
import type { ArkiveError } from '../../src/errors.js';
import { http } from '../../src/pipeline/http-extractor.js';
import { exchange } from '../../src/pipeline/http-request.js';
import type { RawItem, SourceReport } from '../../src/pipeline/source.js';
import { httpProject, keys, sha256 } from '../helpers/http-project.js';
import { csvRows, serve } from '../helpers/http-resource.js';
import { runPipeline } from '../helpers/run.js';
import { tmpDir } from '../helpers/tmp.js';

const csvHeaders = { 'content-type': 'text/csv' };

describe('http source: reading the body', () => {
  it('reads gzip-encoded JSON Lines from a URL given as env(), and removes its temp file', async () => {
    const lines = '{"id":"a","text":"alpha"}\n{"id":"b","text":"beta"}\nnot json\n';
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(lines)));
    const temp = tmpDir();
    const cwd = httpProject('env(\'EXPORT_URL\')', `{ format: 'jsonl', name: 'data.csv', tempDir: ${JSON.stringify(temp)} }`);
    const home = tmpDir();
    const result = await runPipeline('items', { cwd, home, env: { EXPORT_URL: `${server.origin}/export.jsonl.gz?sig=s` } });
    expect(result.sources[0]).toMatchObject({ reads: `${server.origin}/export.jsonl.gz`, rows: 3, loaded: 2 });
    expect(result.quarantineReasons).toEqual({ json_malformed: 1 });
    expect(await keys({ cwd, home })).toEqual(['a', 'b']);
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  it('tells a file reader\'s error by the URL, not the temp file', async () => {
    const server = await serve((_req, res) => res.writeHead(200, csvHeaders).end('id,id\n1,2\n'));
    const temp = tmpDir();
    const cwd = httpProject(JSON.stringify(`${server.origin}/dup.csv`), `{ format: 'csv', name: 'data.csv', tempDir: ${JSON.stringify(temp)} }`);
    const result = await runPipeline('items', { cwd, home: tmpDir() });
    expect(result.error).toMatchObject({ code: 'CSV_HEADER', exitCode: 2 });
    expect(result.error!.message).toContain(`source "data.csv" ${server.origin}/dup.csv:1: the header line is not a list of distinct column names`);
    expect(result.error!.message).not.toContain(temp);
    expect(result.error!.message).not.toContain(path.sep + 'arkive-http-');
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  it('hands the format\'s own options to its reader', async () => {
    const server = await serve((_req, res) => res.writeHead(200, csvHeaders).end('id;text\nr0;zero;\nr1;one\n'));
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\', delimiter: \';\' }');
    const home = tmpDir();
    const result = await runPipeline('items', { cwd, home });
    expect(result.sources[0]).toMatchObject({ rows: 2, loaded: 1 });
    expect(result.quarantineReasons).toEqual({ csv_field_count: 1 });
    expect(await keys({ cwd, home })).toEqual(['r1']);
  });

  it('decodes a brotli body', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { ...csvHeaders, 'content-encoding': 'br' }).end(zlib.brotliCompressSync(csvRows(3))));
    const result = await runPipeline('items', { cwd: httpProject(JSON.stringify(`${server.origin}/data.csv`), '{ format: \'csv\' }'), home: tmpDir() });
    expect(result.sources[0]).toMatchObject({ rows: 3, loaded: 3 });
    expect(server.requests[0]!.headers['accept-encoding']).toBe('gzip, br');
  });
});

describe('http source: what it tells the run', () => {
  it('reports the download as progress (of its Content-Length, or of nothing known when chunked) and its state', async () => {
    const body = csvRows(20_000);
    const server = await serve((req, res) => {
      if (req.url === '/chunked.csv') res.writeHead(200, csvHeaders).end(body);
      else res.writeHead(200, { ...csvHeaders, 'content-length': String(body.length), etag: 'W/"x"' }).end(body);
    });
    for (const [file, total] of [['/data.csv', body.length], ['/chunked.csv', null]] as const) {
      const progress: Array<[number, number | null]> = [];
      const reports: SourceReport[] = [];
      const items: RawItem[] = [];
      const source = http(`${server.origin}${file}`, { format: 'csv' });
      for await (const batch of source.open({ cwd: tmpDir(), progress: (b, t) => progress.push([b, t]), report: (r) => reports.push(r) })) items.push(...batch);
      expect(items).toHaveLength(20_000);
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.every(([, t]) => t === total)).toBe(true);
      expect(progress.map(([b]) => b)).toEqual([...progress.map(([b]) => b)].sort((a, b) => a - b));
      expect(progress.at(-1)).toEqual([body.length, total]);
      expect(reports.at(-1)).toEqual({ mode: 'full', state: { ...(total && { etag: 'W/"x"' }), sha256: sha256(body) } });
    }
  });

  it('removes its temp file when the reader stops early', async () => {
    const server = await serve((_req, res) => res.writeHead(200, csvHeaders).end(csvRows(50_000)));
    const temp = tmpDir();
    const source = http(`${server.origin}/data.csv`, { format: 'csv', tempDir: temp });
    let batches = 0;
    for await (const _batch of source.open({ cwd: tmpDir() })) {
      expect(fs.readdirSync(path.join(temp, fs.readdirSync(temp)[0]!))).toEqual(['data.csv']);
      if (++batches === 1) break;
    }
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  it('describes itself by scheme, host and path only, and checks without a request', async () => {
    const server = await serve((_req, res) => res.writeHead(500).end());
    const source = http(`http://user:pw-SECRET@127.0.0.1:${server.port}/a/b.csv?token=SECRET#frag`, { format: 'csv', headers: { 'X-Key': 'SECRET' } });
    expect(source.name).toBe('b.csv');
    expect(source.describe({ cwd: '/' })).toBe(`${server.origin}/a/b.csv`);
    expect(await source.check({ cwd: '/' })).toEqual({});
    expect(server.requests).toHaveLength(0);
    const fromEnv = http(envRef('EXPORT_URL'), { format: 'jsonl' });
    expect(fromEnv.name).toBe('http');
    expect(fromEnv.describe({ cwd: '/' })).toBe('env(EXPORT_URL)');
    expect(fromEnv.describe({ cwd: '/', env: { EXPORT_URL: 'https://h.example/x.jsonl?sig=SECRET' } })).toBe('https://h.example/x.jsonl');
  });
});

describe('http source: where the download goes', () => {
  it('refuses a tempDir it cannot write in at check time, before any request', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end(csvRows(1)));
    const missing = path.join(tmpDir(), 'no-such-dir');
    const cwd = httpProject(JSON.stringify(`${server.origin}/data.csv`), `{ format: 'csv', tempDir: ${JSON.stringify(missing)} }`);
    const result = await runPipeline('items', { cwd, home: tmpDir() });
    expect(result.error).toMatchObject({ code: 'HTTP_TEMP_DIR', exitCode: 2 });
    expect(result.error!.message).toBe(`source "data.csv": cannot create its download directory in ${missing}: ENOENT`);
    expect(server.requests).toHaveLength(0);
  });

  it('fails a download it cannot write with exit 1 at once, not as a network failure to retry', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end(csvRows(1)));
    const file = path.join(tmpDir(), 'gone', 'body');
    const error = await exchange({ url: new URL(`${server.origin}/data.csv`), headers: {}, timeoutMs: 5000, maxBytes: 1e6, file, where: 'source "x" GET' })
      .catch((e: ArkiveError) => e);
    expect(error).toMatchObject({ code: 'HTTP_DOWNLOAD_WRITE', exitCode: 1 });
    expect((error as ArkiveError).message).toContain(`cannot write the download to ${file}: ENOENT`);
  });
});
