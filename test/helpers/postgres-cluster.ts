// A throwaway PostgreSQL cluster for tests: Debian's server binaries (/usr/lib/postgresql/*/bin),
// a cluster in a temp dir owned by the `postgres` user (the server refuses to run as root),
// a free TCP port on 127.0.0.1 with password (SCRAM) authentication for a test role, so a
// wrong password is refused as it would be in production; the superuser connects over the
// unix socket in the temp dir. Stopped (`pg_ctl stop -m immediate`) by stop(), on process
// exit, and by a watchdog process if the test process dies without either.
//
// Under CI=true a missing or failing server fails the tests; elsewhere a machine without
// the binaries skips them with a printed reason (postgres.ts: describePostgres).
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  /** The cluster's directory (data/, the socket, the log). */
  dir: string;
  /** Runs SQL as the test role (over TCP, with its password). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  /** Runs SQL as the superuser over the unix socket (roles, databases). */
  admin(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, or undefined. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : undefined;
}

const bin = findPostgresBin();
export const MISSING = 'PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (apt-get install -y postgresql; .ci/run does it)';

const asRoot = process.getuid?.() === 0;

/** Runs a server binary as the `postgres` user when we are root (the server refuses root). */
function asPostgres(file: string, args: string[]): { file: string; args: string[] } {
  return asRoot ? { file: 'runuser', args: ['-u', 'postgres', '--', file, ...args] } : { file, args };
}

export async function startPostgres(deadlineMs = 90_000): Promise<TestPostgres> {
  if (!bin) throw new Error(MISSING);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  fs.writeFileSync(path.join(dir, 'pwfile'), `${password}\n`);
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const initdb = asPostgres(path.join(bin, 'initdb'), [
    '-D', data, '-U', 'postgres', '--pwfile', path.join(dir, 'pwfile'), '--auth-local=trust', '--auth-host=scram-sha-256',
    '-E', 'UTF8', '--no-locale', '--no-sync',
  ]);
  await run(initdb.file, initdb.args, { timeout: deadlineMs });
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await pgCtl(dir, ['start', '-w', '-t', String(Math.round(deadlineMs / 1000)), '-l', path.join(dir, 'log'), '-o', serverOptions(dir, port)], deadlineMs);
      break;
    } catch (error) {
      // Another process may have taken the port between freePort() and the server's bind.
      if (attempt >= 3) throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${readLog(dir)}`);
    }
  }
  const watchdog = startWatchdog(dir);
  const stopSync = () => stopCluster(dir, watchdog);
  process.once('exit', stopSync);
  const superuser = await connectWithin({ host: dir, port, user: 'postgres', database: 'postgres' }, deadlineMs);
  await superuser.query(`create role arkive_test login password '${password}'`);
  await superuser.query('create database arkive_test owner arkive_test');
  const user = new pg.Client({ host: '127.0.0.1', port, user: 'arkive_test', password, database: 'arkive_test' });
  await user.connect();
  let stopped = false;
  return {
    host: '127.0.0.1', port, user: 'arkive_test', password, database: 'arkive_test', dir,
    url: `postgres://arkive_test:${encodeURIComponent(password)}@127.0.0.1:${port}/arkive_test`,
    query: (sql, params) => user.query(sql, params),
    admin: async (sql) => { await superuser.query(sql); },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([user.end(), superuser.end()]);
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}

function serverOptions(dir: string, port: number): string {
  // Durability is not what these tests check: fsync off keeps seeding a million rows fast.
  return [
    `-c port=${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`,
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=40',
  ].join(' ');
}

async function pgCtl(dir: string, args: string[], timeout: number): Promise<void> {
  const ctl = asPostgres(path.join(bin!, 'pg_ctl'), ['-D', path.join(dir, 'data'), ...args]);
  await run(ctl.file, ctl.args, { timeout });
}

function stopCluster(dir: string, watchdog: number | undefined): void {
  const ctl = asPostgres(path.join(bin!, 'pg_ctl'), ['-D', path.join(dir, 'data'), 'stop', '-m', 'immediate', '-w', '-t', '30']);
  try {
    execFileSync(ctl.file, ctl.args, { stdio: 'ignore', timeout: 40_000 });
  } catch {
    // Already stopped (or never started): nothing to stop.
  }
  if (watchdog) {
    try {
      process.kill(watchdog, 'SIGKILL');
    } catch {
      // It has exited already.
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A detached shell that stops the cluster and removes its directory once this process is
 * gone: a test worker killed with SIGKILL runs neither afterAll nor its exit handlers.
 */
function startWatchdog(dir: string): number | undefined {
  const ctl = asPostgres(path.join(bin!, 'pg_ctl'), ['-D', path.join(dir, 'data'), 'stop', '-m', 'immediate']);
  const quoted = [ctl.file, ...ctl.args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${quoted} >/dev/null 2>&1; rm -rf '${dir}'`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/** A connected client; pg_ctl -w has waited already, this covers a server that accepts a moment later. */
async function connectWithin(config: pg.ClientConfig, deadlineMs: number): Promise<pg.Client> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    // A pg.Client connects once: each attempt gets a fresh one.
    const client = new pg.Client(config);
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL accepted no connection within ${deadlineMs} ms: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000);
  } catch {
    return '(no server log)';
  }
}
