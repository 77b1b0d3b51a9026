import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, resolveNetwork } from '../../src/config.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

/** An RSA JWK of the given size, as a wallet file (real keys: 1024 bits keeps the test fast). */
export function rsaWallet(dir: string, bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  write(dir, `rsa-${bits}.json`, JSON.stringify(privateKey.export({ format: 'jwk' })));
  return path.join(dir, `rsa-${bits}.json`);
}

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

  it('refuses a wallet that is not RSA-4096 when the network is resolved, naming its size', () => {
    const dir = tmpDir();
    const wallet = rsaWallet(dir, 1024);
    expect(() => resolveNetwork({ cwd: dir, gateway: ['http://ok.test'], wallet }, {})).toThrow(expect.objectContaining({
      code: 'WALLET_INVALID', exitCode: 2,
      message: `the wallet file ${wallet} holds an RSA key of 1024 bits; an Arweave wallet is RSA-4096 (a modulus of 512 bytes)`,
    }));
  });

  it('accepts an RSA-4096 wallet and http(s) endpoints', () => {
    const dir = tmpDir();
    const wallet = rsaWallet(dir, 4096);
    const net = resolveNetwork({ cwd: dir, gateway: ['https://a.test', 'http://127.0.0.1:1984'], bundler: 'http://b.test', wallet }, {});
    expect(net).toMatchObject({ name: 'custom', gateways: ['https://a.test', 'http://127.0.0.1:1984'], walletFile: wallet });
  });
});
