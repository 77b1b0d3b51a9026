// Opening a database that is not what it claims, on both dialects: a wrong password, a port
// nobody listens on, a server that never answers, one that is not Postgres, a missing
// database; a SQLite file that is not a database. Each is a RuntimeFailure (DB_OPEN) within
// the connection timeout, and never prints the password.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { describeDatabases, urlOf } from '../../helpers/databases.js';

const servers: Array<{ server: net.Server; sockets: Set<net.Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    // close() waits for open sockets: end them first.
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A TCP server on 127.0.0.1 that does `onConnection` with every socket; its port. */
async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A port that was free a moment ago (nothing listens on it now). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What openDatabase threw, and how long it took. */
async function refusal(url: string) {
  const started = Date.now();
  const error = await openDatabase({ dialect: 'postgres', url }).then(() => undefined, (e: unknown) => e);
  return { error: error as { code?: string; exitCode?: number; message: string; hint: string; stack?: string }, ms: Date.now() - started };
}

function expectNoPassword(error: { message: string; hint: string; stack?: string }, password: string) {
  for (const text of [error.message, error.hint, error.stack ?? '', JSON.stringify(error)]) expect(text).not.toContain(password);
}

describeDatabases('opening a hostile database', (db, dialect) => {
  it.runIf(dialect === 'postgres')('refuses a wrong password with DB_OPEN, the URL shown without any password', async () => {
    const server = db().server!;
    const secret = 'Wr0ng-pa55word-that-must-not-leak';
    const url = server.url.replace(encodeURIComponent(server.password), secret);
    const { error } = await refusal(url);
    expect(error).toMatchObject({ code: 'DB_OPEN', exitCode: 1 });
    expect(error.message).toContain('password authentication failed');
    expect(error.message).toContain(`postgres://${server.user}:***@127.0.0.1:${server.port}/`);
    expect(error.hint).toMatch(/password/);
    expectNoPassword(error, secret);
    expectNoPassword(error, server.password);
  });

  it.runIf(dialect === 'postgres')('refuses a database that does not exist, and a URL whose password is not even well encoded', async () => {
    const server = db().server!;
    const missing = await refusal(urlOf(server, 'no_such_database'));
    expect(missing.error).toMatchObject({ code: 'DB_OPEN' });
    expect(missing.error.message).toContain('"no_such_database" does not exist');
    expectNoPassword(missing.error, server.password);
    const malformed = await refusal(`postgres://arkive_test:%zz-secret@127.0.0.1:${server.port}/x`);
    expect(malformed.error).toMatchObject({ code: 'DB_OPEN' });
    expectNoPassword(malformed.error, '%zz-secret');
  });

  it.runIf(dialect === 'postgres')('fails at once on a port nobody listens on', async () => {
    const { error, ms } = await refusal(`postgres://u:s3cret-pw@127.0.0.1:${await closedPort()}/db`);
    expect(error).toMatchObject({ code: 'DB_OPEN' });
    expect(error.message).toContain('ECONNREFUSED');
    expectNoPassword(error, 's3cret-pw');
    expect(ms).toBeLessThan(5_000);
  });

  it.runIf(dialect === 'postgres')('gives up on a server that accepts and never answers within the URL\'s connect_timeout', async () => {
    const port = await tcpServer(() => {});
    const { error, ms } = await refusal(`postgres://u:s3cret-pw@127.0.0.1:${port}/db?connect_timeout=1`);
    expect(error).toMatchObject({ code: 'DB_OPEN' });
    expect(error.message).toMatch(/timeout/i);
    expectNoPassword(error, 's3cret-pw');
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(8_000);
  });

  it.runIf(dialect === 'postgres')('refuses a server that is not Postgres (it answers HTTP and hangs up)', async () => {
    const port = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    const { error, ms } = await refusal(`postgres://u:s3cret-pw@127.0.0.1:${port}/db?connect_timeout=5`);
    expect(error).toMatchObject({ code: 'DB_OPEN' });
    expectNoPassword(error, 's3cret-pw');
    expect(ms).toBeLessThan(5_000);
  });

  it.runIf(dialect === 'sqlite')('refuses a file that is not a database, and a directory, with DB_OPEN naming the path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-hostile-'));
    try {
      const garbage = path.join(dir, 'garbage.db');
      fs.writeFileSync(garbage, 'this is not a SQLite database, just text long enough to have a header'.repeat(20));
      for (const file of [garbage, dir]) {
        const error = await openDatabase(file).then(() => undefined, (e: unknown) => e);
        expect(error).toMatchObject({ code: 'DB_OPEN', exitCode: 1 });
        expect((error as Error).message).toContain(file);
      }
      // The garbage is left as it was.
      expect(fs.readFileSync(garbage, 'utf8')).toMatch(/^this is not a SQLite database/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
