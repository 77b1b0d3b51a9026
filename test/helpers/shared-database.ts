// Several runners on one database, for tests: each "host" is a Store of its own (its own
// connection or pool) on the same database, a real SQLite file or a fresh database on the test
// PostgreSQL server, with its own uploader to one local permaweb (the dev bundler, ArLocal).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import type { Uploader } from '../../src/archive/uploader.js';
import type { DatabaseLocation } from '../../src/db/dialect.js';
import type { Devnet } from '../../src/devnet/devnet.js';
import { acquireRunLease, type RunLease } from '../../src/pipeline/run-lease.js';
import { openStore, type Store } from '../../src/system.js';
import { startTestDevnet, walletOf } from './devnet.js';
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

/** One local permaweb for the test file, in a directory of its own (tmpDir is per test), removed after the last test. */
export function useDevnet(): () => Devnet {
  let devnet: Devnet | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-shared-devnet-'));
  beforeAll(async () => {
    devnet = await startTestDevnet(home, { batchWindowMs: 50 });
  });
  afterAll(async () => {
    await devnet?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });
  return () => {
    if (!devnet) throw new Error('the devnet did not start (see beforeAll)');
    return devnet;
  };
}

export interface Runners {
  /** `count` hosts on one database (migrated by the first), each with its own uploader to the devnet. */
  open(location: DatabaseLocation, count: number): Promise<Host[]>;
  /** A run that holds its pipeline's lease and heartbeats (released after the test). */
  live(host: Host, pipeline: string, runId: string): Promise<void>;
  /** A run whose process died right after taking its lease: nobody renews it; returns when it expires. */
  dead(host: Host, pipeline: string, runId: string, ttlMs: number): Promise<number>;
}

/** Hosts and runs for each test of the file, closed and released after it. */
export function useRunners(devnet: () => Devnet): Runners {
  const opened: Host[] = [];
  const leases: RunLease[] = [];
  afterEach(async () => {
    while (leases.length) await leases.pop()!.release();
    while (opened.length) await opened.pop()!.store.close();
  });
  return {
    async open(location, count) {
      const hosts: Host[] = [];
      for (let i = 0; i < count; i++) {
        const store = await openStore(location, { migrate: true });
        const endpoints = devnet();
        const uploader = await IrysUploader.create({ bundlerUrl: endpoints.bundlerUrl, wallet: walletOf(endpoints), providerUrl: endpoints.gatewayUrl });
        const host = { store, uploader, gateway: new HttpGateway({ urls: [endpoints.gatewayUrl] }) };
        hosts.push(host);
        opened.push(host);
      }
      return hosts;
    },
    async live(host, pipeline, runId) {
      leases.push(await acquireRunLease({ leases: host.store.leases, runs: host.store.runs, pipeline, runId, ttlMs: 60_000 }));
    },
    async dead(host, pipeline, runId, ttlMs) {
      const taken = await host.store.leases.tryAcquire(pipeline, { runId, pid: 999_999, host: 'dead-host' }, Date.now(), ttlMs);
      if (!taken.acquired) throw new Error(`the lease of ${pipeline} is not free`);
      return taken.lease.expiresAt;
    },
  };
}
