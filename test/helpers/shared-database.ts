// Several runners on one database, for tests: each "host" is a Store of its own (its own
// connection or pool) on the same database, a real SQLite file or a fresh database on the test
// PostgreSQL server, with its own uploader to one local permaweb (the dev bundler, ArLocal).
import path from 'node:path';
import { describe } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import type { Uploader } from '../../src/archive/uploader.js';
import type { DatabaseLocation } from '../../src/db/dialect.js';
import { openStore, type Store } from '../../src/system.js';
import { walletOf, type DevnetEndpoints } from './devnet.js';
import { describePostgres } from './postgres.js';
import { tmpDir } from './tmp.js';

/** A fresh, empty database of the dialect under test. */
export type FreshDatabase = () => Promise<DatabaseLocation>;

/**
 * The same suite twice: on a SQLite file, and on the test PostgreSQL server (describePostgres:
 * skipped without the binaries, never under CI=true). Each call of `fresh` makes a new database.
 */
export function onBothDialects(name: string, body: (fresh: FreshDatabase) => void): void {
  describe(`${name} (SQLite)`, () => body(async () => ({ dialect: 'sqlite', file: path.join(tmpDir(), 'arkive.db') })));
  let made = 0;
  describePostgres(`${name} (PostgreSQL)`, (server) => body(async () => {
    const database = `shared_${process.pid}_${++made}`;
    await server().admin(`create database ${database} owner ${server().user}`);
    const url = new URL(server().url);
    url.pathname = `/${database}`;
    return { dialect: 'postgres', url: url.toString() };
  }));
}

export interface Host {
  store: Store;
  uploader: Uploader;
  gateway: HttpGateway;
}

/** Opens `count` hosts on one database (migrated by the first), each with its own uploader. */
export async function openHosts(location: DatabaseLocation, devnet: DevnetEndpoints, count: number, opened: Host[]): Promise<Host[]> {
  const hosts: Host[] = [];
  for (let i = 0; i < count; i++) {
    const store = await openStore(location, { migrate: true });
    const uploader = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: walletOf(devnet), providerUrl: devnet.gatewayUrl });
    const host = { store, uploader, gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }) };
    hosts.push(host);
    opened.push(host);
  }
  return hosts;
}

/** Closes every host opened so far (afterEach). */
export async function closeHosts(opened: Host[]): Promise<void> {
  while (opened.length) await opened.pop()!.store.close();
}
