// The devnet's servers keep an idle keep-alive socket longer than Node's clients do (5 s), so
// a client never reuses a socket the server is closing at that moment (ECONNRESET under
// load: a bundler balance() call after a 5 s pause failed that way). Checked on one raw
// socket: a request, more than 5 s idle, a second request on the same socket is answered.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Devnet } from '../../src/devnet/devnet.js';
import { KEEP_ALIVE_MS } from '../../src/devnet/bundler-http.js';
import { startTestDevnet } from '../helpers/devnet.js';
import { tmpDir } from '../helpers/tmp.js';

let devnet: Devnet;
beforeAll(async () => {
  devnet = await startTestDevnet(tmpDir());
}, 120_000);
afterAll(async () => {
  await devnet?.stop();
});

/** Sends GET path on the socket and resolves with the status line of the answer (or rejects when the socket closes first). */
function ask(socket: net.Socket, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      cleanup();
      resolve(text.slice(0, text.indexOf('\r\n')));
    };
    const onClose = () => { cleanup(); reject(new Error(`the server closed the socket before answering ${path}`)); };
    const cleanup = () => { socket.off('data', onData); socket.off('close', onClose); };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('devnet keep-alive', () => {
  it.each(['bundler', 'gateway'] as const)('the %s answers a second request on a socket idle for longer than 5 s', async (which) => {
    expect(KEEP_ALIVE_MS).toBeGreaterThan(5_000);
    const url = new URL(which === 'bundler' ? devnet.bundlerUrl : devnet.gatewayUrl);
    const socket = net.connect(Number(url.port), url.hostname);
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const path = '/info';
      expect(await ask(socket, url.host, path)).toMatch(/^HTTP\/1\.1 200/);
      // Longer than Node's default server keepAliveTimeout (5 s): without the fix the server closes the socket here.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(socket.destroyed).toBe(false);
      expect(await ask(socket, url.host, path)).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
