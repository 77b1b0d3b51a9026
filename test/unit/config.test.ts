import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, resolveNetwork } from '../../src/config.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

describe('resolveConfig', () => {
  it('defaults the home to .arkive in the project directory', () => {
    expect(resolveConfig({ cwd: '/p' }, {}).home).toBe('/p/.arkive');
    expect(resolveConfig({ cwd: '/p' }, {}).dbFile).toBe('/p/.arkive/arkive.db');
  });

  it('prefers --home, then $ARKIVE_HOME, resolving them against the working directory', () => {
    expect(resolveConfig({ cwd: '/p', home: '/h' }, { ARKIVE_HOME: '/e' }).home).toBe('/h');
    expect(resolveConfig({ cwd: '/p' }, { ARKIVE_HOME: '/e' }).home).toBe('/e');
    expect(resolveConfig({ cwd: '/p', home: 'rel' }, {}).home).toBe(path.resolve('rel'));
    expect(resolveConfig({ cwd: '/p' }, { ARKIVE_HOME: '' }).home).toBe('/p/.arkive');
  });
});

describe('resolveConfig refuses a bad home up front', () => {
  it('refuses a --home or $ARKIVE_HOME that is an existing file (exit 2)', () => {
    const dir = tmpDir();
    write(dir, 'afile', 'x');
    const file = path.join(dir, 'afile');
    expect(() => resolveConfig({ cwd: dir, home: file }, {})).toThrow(expect.objectContaining({
      code: 'HOME_NOT_DIRECTORY', exitCode: 2, message: `--home ${file} is a file, not a directory`,
    }));
    expect(() => resolveConfig({ cwd: dir }, { ARKIVE_HOME: file })).toThrow(/\$ARKIVE_HOME .* is a file/);
    expect(resolveConfig({ cwd: dir, home: path.join(dir, 'new') }, {}).home).toBe(path.join(dir, 'new'));
  });
});

describe('resolveNetwork refuses bad endpoints and wallets up front', () => {
  it.each([
    [{ gateway: ['ftp://example.org'] }, '--gateway ($ARKIVE_GATEWAY) "ftp://example.org"'],
    [{ gateway: ['http://ok.test', 'not a url'] }, '--gateway ($ARKIVE_GATEWAY) "not a url"'],
    [{ gateway: ['http://ok.test'], bundler: 'file:///etc/passwd' }, '--bundler ($ARKIVE_BUNDLER) "file:///etc/passwd"'],
    [{ gateway: ['http://ok.test'], paymentUrl: 'gopher://pay' }, '--payment-url ($ARKIVE_PAYMENT_URL) "gopher://pay"'],
    [{ gateway: ['http://ok.test'], aoMu: 'localhost:4002', aoCu: 'http://cu.test', registry: 'r' }, '--ao-mu ($ARKIVE_AO_MU) "localhost:4002"'],
    [{ gateway: ['http://ok.test'], aoMu: 'http://mu.test', aoCu: 'javascript:alert(1)', registry: 'r' }, '--ao-cu ($ARKIVE_AO_CU) "javascript:alert(1)"'],
  ])('refuses %j', (flags, named) => {
    expect(() => resolveNetwork({ cwd: '/p', ...flags }, {})).toThrow(expect.objectContaining({
      code: 'URL_INVALID', exitCode: 2, message: `${named} is not an http(s) URL`,
    }));
  });

  it('refuses a non-http gateway from the environment too', () => {
    expect(() => resolveNetwork({ cwd: '/p' }, { ARKIVE_GATEWAY: 'ws://x.test' })).toThrow(/not an http\(s\) URL/);
  });

  it('accepts http(s) endpoints', () => {
    const net = resolveNetwork({ cwd: '/p', gateway: ['https://a.test', 'http://127.0.0.1:1984'], bundler: 'http://b.test', wallet: 'w.json' }, {});
    expect(net).toMatchObject({ name: 'custom', gateways: ['https://a.test', 'http://127.0.0.1:1984'], bundler: 'http://b.test', walletFile: path.resolve('w.json') });
  });
});

describe('the local dev bundler\'s price and funding from the environment', () => {
  const address = 'p7ZitmB-9D9KcsoxPXN9NP5zyyfiFmpPvEPoOOO5C9k';

  it('reads $ARKIVE_DEVNET_PRICE_PER_BYTE and $ARKIVE_DEVNET_FUND (comma-separated), absent by default', () => {
    expect(resolveConfig({ cwd: '/p' }, {}).devnetPricing).toEqual({});
    expect(resolveConfig({ cwd: '/p' }, { ARKIVE_DEVNET_PRICE_PER_BYTE: '', ARKIVE_DEVNET_FUND: ' ' }).devnetPricing).toEqual({});
    const env = { ARKIVE_DEVNET_PRICE_PER_BYTE: '0', ARKIVE_DEVNET_FUND: `${address}=5, ${'a'.repeat(43)}=0` };
    expect(resolveConfig({ cwd: '/p' }, env).devnetPricing).toEqual({
      pricePerByte: 0n, fund: [{ address, winston: 5n }, { address: 'a'.repeat(43), winston: 0n }],
    });
  });

  it.each([
    [{ ARKIVE_DEVNET_PRICE_PER_BYTE: '-1' }, /^ARKIVE_DEVNET_PRICE_PER_BYTE: "-1" is not a whole number of winston/],
    [{ ARKIVE_DEVNET_PRICE_PER_BYTE: '0.5' }, /^ARKIVE_DEVNET_PRICE_PER_BYTE: "0.5" is not a whole number/],
    [{ ARKIVE_DEVNET_FUND: 'bad' }, /^ARKIVE_DEVNET_FUND: "bad" is not ADDRESS=WINSTON/],
    [{ ARKIVE_DEVNET_FUND: `${address}=1,short=2` }, /^ARKIVE_DEVNET_FUND: "short" is not an Arweave address/],
  ])('refuses %j (exit 2)', (env, message) => {
    expect(() => resolveConfig({ cwd: '/p' }, env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', exitCode: 2, message: expect.stringMatching(message) }));
  });
});

describe('resolveNetwork chooses the bundler protocol', () => {
  it('takes --bundler-kind or $ARKIVE_BUNDLER_KIND, the flag first; unset means ask the bundler', () => {
    const custom = { cwd: '/p', gateway: ['http://g.test'], bundler: 'http://b.test' };
    expect(resolveNetwork({ ...custom, bundlerKind: 'turbo' }, { ARKIVE_BUNDLER_KIND: 'irys' }).bundlerKind).toBe('turbo');
    expect(resolveNetwork(custom, { ARKIVE_BUNDLER_KIND: 'irys' }).bundlerKind).toBe('irys');
    expect(resolveNetwork(custom, {}).bundlerKind).toBeUndefined();
    expect(resolveNetwork({ cwd: '/p', bundlerKind: 'turbo' }, {})).toMatchObject({ name: 'local', bundlerKind: 'turbo' });
  });

  it('refuses any other protocol name (exit 2), from a flag or the environment', () => {
    for (const [flags, env] of [[{ bundlerKind: 'bundlr' }, {}], [{}, { ARKIVE_BUNDLER_KIND: 'Turbo' }]] as const) {
      expect(() => resolveNetwork({ cwd: '/p', ...flags }, env)).toThrow(expect.objectContaining({ code: 'BUNDLER_KIND_INVALID', exitCode: 2 }));
    }
  });

  it("uploads through Turbo's public service on the arweave network unless --bundler says otherwise", () => {
    expect(resolveNetwork({ cwd: '/p', network: 'arweave' }, {})).toMatchObject({
      bundler: 'https://upload.ardrive.io', bundlerKind: 'turbo', paymentUrl: 'https://payment.ardrive.io',
    });
    const own = resolveNetwork({ cwd: '/p', network: 'arweave', bundler: 'https://node2.example' }, {});
    expect(own.bundler).toBe('https://node2.example');
    expect(own.bundlerKind).toBeUndefined();
    expect(own.paymentUrl).toBeUndefined();
  });
});

describe('the database', () => {
  const url = 'postgres://arkive:secret@db.test:5432/arkive';

  it("is the home's SQLite file unless a postgres:// URL is given by flag or environment", () => {
    const home = tmpDir();
    expect(resolveConfig({ cwd: home, home }, {}).database).toEqual({ dialect: 'sqlite', file: path.join(home, 'arkive.db') });
    expect(resolveConfig({ cwd: home, home, database: url }, {}).database).toEqual({ dialect: 'postgres', url });
    expect(resolveConfig({ cwd: home, home }, { ARKIVE_DATABASE: url }).database).toEqual({ dialect: 'postgres', url });
  });

  it('refuses what is not a PostgreSQL URL, without printing its password', () => {
    for (const bad of ['mysql://u:secret@h/db', 'not a url', 'postgres://', 'file:///tmp/x.db']) {
      const error = (() => { try { resolveConfig({ cwd: '/tmp', home: tmpDir(), database: bad }, {}); } catch (e) { return e; } })() as Error & { code?: string; exitCode?: number };
      expect(error, bad).toMatchObject({ code: 'BAD_DATABASE', exitCode: 2 });
      expect(error.message).not.toContain('secret');
    }
  });

  it("numbers each home's local devnet apart in a shared database (each is another chain), and keeps 'local' in the home's file", () => {
    const [a, b] = [tmpDir(), tmpDir()];
    expect(resolveNetwork({ cwd: a, home: a }, {}).key).toBe('local');
    const keyA = resolveNetwork({ cwd: a, home: a, database: url }, {}).key;
    const keyB = resolveNetwork({ cwd: b, home: b }, { ARKIVE_DATABASE: url }).key;
    expect(keyA).toMatch(/^local:.+:/);
    expect(keyA).toContain(a);
    expect(keyA).not.toBe(keyB);
  });
});
