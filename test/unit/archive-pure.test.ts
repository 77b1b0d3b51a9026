import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildManifest, checkPath, manifestBytes } from '../../src/archive/manifest.js';
import { releaseTags } from '../../src/archive/release-tags.js';
import { isTransient, withRetry } from '../../src/archive/retry.js';
import { serializeTags } from 'arbundles';
import { ArkiveTags, checkTagSize, serializedTagBytes, toTagList } from '../../src/archive/tags.js';
import { addressOf, readWallet } from '../../src/archive/wallet.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';
import tagsSchema from '../../schemas/tags.schema.json' with { type: 'json' };
import { z } from 'zod';

const SHA = 'a'.repeat(64);
const ctx = { kind: 'dataset' as const, name: 'reviews', pipeline: 'reviews', runId: '20261125T020501Z-3f9a1c', version: 2 };

describe('tags', () => {
  it('builds the release tag set of DESIGN.md, in order', () => {
    const tags = releaseTags({ ...ctx, digest: `sha256:${SHA}`, parent: 'p'.repeat(43), license: 'CC-BY-4.0', description: 'Reviews' },
      'release', 'application/x.arweave-manifest+json', SHA);
    expect(Object.fromEntries(tags.map((t) => [t.name, t.value]))).toEqual({
      'App-Name': 'arkive', 'App-Version': '0.1.0', 'Content-Type': 'application/x.arweave-manifest+json', 'Content-SHA256': SHA,
      'Arkive-Kind': 'release', 'Dataset-Name': 'reviews', Version: '2', Pipeline: 'reviews', 'Run-Id': ctx.runId,
      'Arkive-Digest': `sha256:${SHA}`, Parent: 'p'.repeat(43), 'License-SPDX': 'CC-BY-4.0', Title: 'reviews v2', Description: 'Reviews',
    });
  });

  it('refuses invalid tag values, naming the tag', () => {
    expect(() => releaseTags({ ...ctx, name: 'Bad Name' }, 'chunk', 'application/gzip', SHA)).toThrow(/Dataset-Name/);
    expect(() => releaseTags(ctx, 'chunk', 'application/gzip', 'nothex')).toThrow(/Content-SHA256/);
  });

  it('refuses tags over 4096 serialized bytes before signing', () => {
    const big = [{ name: 'Title', value: 'x'.repeat(2000) }, { name: 'Description', value: 'y'.repeat(2100) }];
    expect(() => checkTagSize(big, 'chunk 1')).toThrow(expect.objectContaining({ code: 'TAGS_TOO_LARGE', message: expect.stringMatching(/over the 4096-byte limit \(largest: Description/) }));
    expect(() => checkTagSize(big.slice(0, 1), 'chunk 1')).not.toThrow();
  });

  it('computes the serialized size exactly as arbundles serializes', () => {
    for (const tags of [[], [{ name: 'a', value: 'b' }], [{ name: 'Content-Type', value: 'é'.repeat(70) }, { name: 'X', value: 'y'.repeat(300) }]]) {
      expect(serializedTagBytes(tags)).toBe(serializeTags(tags).length);
    }
  });

  it('matches the committed JSON Schema in schemas/tags.schema.json', () => {
    expect(z.toJSONSchema(ArkiveTags, { io: 'input' })).toEqual(tagsSchema);
    expect(() => toTagList({ 'App-Name': 'arkive' } as never, 'x')).toThrow(/TAGS_INVALID|not valid/);
  });
});

describe('manifest', () => {
  it('sorts paths and indexes the card', () => {
    const m = buildManifest({ 'data/b.jsonl.gz': 'B'.repeat(43), 'arkive.json': 'C'.repeat(43), 'data/a.jsonl.gz': 'A'.repeat(43) });
    expect(Object.keys(m.paths)).toEqual(['arkive.json', 'data/a.jsonl.gz', 'data/b.jsonl.gz']);
    expect(JSON.parse(manifestBytes(m).toString())).toMatchObject({ manifest: 'arweave/paths', version: '0.2.0', index: { path: 'arkive.json' } });
  });

  it.each(['/etc/passwd', '../x', 'a/../../x', 'a//b', './a', 'a\\b', ''])('refuses the path %j', (p) => {
    expect(() => checkPath(p)).toThrow(/must be relative/);
  });
});

describe('withRetry', () => {
  it('retries transient failures, then succeeds', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      if (++calls < 3) throw new Error('whilst uploading Irys transaction: 503 busy');
      return 'ok';
    }, { baseDelayMs: 1 });
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('fails at once on a client error and after the last attempt on a transient one', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw new Error('400 invalid signature'); }, { baseDelayMs: 1 })).rejects.toThrow('400');
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw Object.assign(new Error('x'), { code: 'ECONNRESET' }); }, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow();
    expect(calls).toBe(3);
    expect(isTransient({ response: { status: 429 } })).toBe(true);
    expect(isTransient({ response: { status: 404 } })).toBe(false);
  });
});

describe('isTransient', () => {
  const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code }) });

  it.each([
    ['a dropped connection (code)', Object.assign(new Error('read'), { code: 'ECONNRESET' })],
    ['a refused connection (code)', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['a broken pipe', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
    ['fetch failed with an undici cause', fetchFailed('UND_ERR_CONNECT_TIMEOUT')],
    ['an undici socket error', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })],
    ['socket hang up', new Error('socket hang up')],
    ['an abort by timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
    ['the upload stall watchdog', new Error('upload timeout: no chunk acknowledged by http://b for 500 ms')],
    ['HTTP 503 from a gateway', new Error('HTTP 503')],
    ['429 from axios', new Error('Request failed with status code 429')],
    ['a 5xx from the Irys SDK', new Error('whilst uploading Irys transaction: 502 Bad Gateway')],
    ['a 5xx status field', { response: { status: 500 } }],
    ['a chunk error object of the Irys SDK', { res: { status: 503 }, id: 1, offset: 0, size: 10 }],
  ])('retries %s', (_what, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a malformed data item', new Error('Owner must be 512 bytes, expected 512 bytes')],
    ['a bad network setting', new Error('invalid network name')],
    ['a client error', new Error('400 invalid signature')],
    ['a 4xx from the Irys SDK', new Error('whilst uploading Irys transaction: 402 Not enough balance')],
    ['a 404 from a gateway', new Error('HTTP 404 Not Found')],
    ['a 404 status field, with a transient-sounding text', Object.assign(new Error('network timeout'), { status: 404 })],
    ['an expired upload', new Error('Upload ID not found - your upload has probably expired.')],
    ['fetch failed for a bad URL', Object.assign(new TypeError('fetch failed'), { cause: new TypeError('Invalid URL') })],
    ['a thrown null', null],
    ['a thrown string', 'invalid network name'],
  ])('fails at once on %s', (_what, error) => {
    expect(isTransient(error)).toBe(false);
  });

  it('gives up on a permanent error after one attempt', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw new Error('expected 512 bytes'); }, { baseDelayMs: 1 })).rejects.toThrow('512');
    expect(calls).toBe(1);
  });
});

describe('readWallet', () => {
  it('names the file and the problem, never the contents', () => {
    const dir = tmpDir();
    write(dir, 'notjson.json', 'secret-material');
    write(dir, 'ec.json', JSON.stringify({ kty: 'EC', d: 'secret-material' }));
    expect(() => readWallet(`${dir}/missing.json`)).toThrow(/missing\.json cannot be read \(ENOENT\)/);
    expect(() => readWallet(`${dir}/notjson.json`)).toThrow(/is not JSON/);
    let message = '';
    try { readWallet(`${dir}/ec.json`); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/is not an RSA JWK/);
    expect(message).not.toContain('secret-material');
  });

  it('refuses an RSA key that is not 4096 bits, naming its size, and accepts RSA-4096', async () => {
    const dir = tmpDir();
    for (const bits of [2048, 4096]) {
      const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits });
      write(dir, `rsa-${bits}.json`, JSON.stringify(privateKey.export({ format: 'jwk' })));
    }
    expect(() => readWallet(`${dir}/rsa-2048.json`)).toThrow(expect.objectContaining({
      code: 'WALLET_INVALID', exitCode: 2,
      message: `the wallet file ${dir}/rsa-2048.json holds an RSA key of 2048 bits; an Arweave wallet is RSA-4096 (a modulus of 512 bytes)`,
    }));
    expect(addressOf(readWallet(`${dir}/rsa-4096.json`))).toMatch(/^[\w-]{43}$/);
  });
});
