// Tests that need a real PostgreSQL server: a throwaway cluster (postgres-cluster.ts) per
// suite, started in beforeAll and stopped in afterAll. Under CI=true a missing or failing
// server fails the suite; elsewhere a machine without the binaries skips it with a printed reason.
import { afterAll, beforeAll, describe } from 'vitest';
import { findPostgresBin, MISSING, startPostgres, type TestPostgres } from './postgres-cluster.js';

export type { TestPostgres } from './postgres-cluster.js';

const bin = findPostgresBin();
const inCi = process.env.CI === 'true';

/**
 * Why tests named `name` that need the server are skipped here (printed), or undefined when they
 * run: they always run under CI=true, where a missing server fails them instead.
 */
export function postgresSkipReason(name: string): string | undefined {
  if (bin || inCi) return undefined;
  console.warn(`skipping "${name}": ${MISSING}`);
  return MISSING;
}

/**
 * `describe` for tests that need the server: a suite whose server is started in beforeAll
 * and stopped in afterAll. Without the binaries: skipped with a printed reason, but under
 * CI=true run, so that beforeAll fails instead.
 */
export function describePostgres(name: string, body: (server: () => TestPostgres) => void): void {
  const skip = postgresSkipReason(name);
  if (skip) {
    describe.skip(name, () => body(() => { throw new Error(skip); }));
    return;
  }
  describe(name, () => {
    let server: TestPostgres | undefined;
    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });
    body(() => {
      if (!server) throw new Error('the test PostgreSQL server did not start (see beforeAll)');
      return server;
    });
  });
}


let databases = 0;

/**
 * A new, empty database on the server, owned by the test role (a test's own, beside the
 * others), collated ICU en-US as production servers' defaults are (not C): its URL.
 */
export async function freshDatabase(server: TestPostgres, prefix = 'arkive'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++databases}`;
  await server.admin(`create database ${name} owner ${server.user} template template0 locale_provider icu icu_locale 'en-US'`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}
