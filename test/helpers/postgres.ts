// Tests that need a real PostgreSQL server: a throwaway cluster (postgres-cluster.ts) per
// suite, started in beforeAll and stopped in afterAll. Under CI=true a missing or failing
// server fails the suite; elsewhere a machine without the binaries skips it with a printed reason.
import { afterAll, beforeAll, describe } from 'vitest';
import { findPostgresBin, MISSING, startPostgres, type TestPostgres } from './postgres-cluster.js';

export type { TestPostgres } from './postgres-cluster.js';

const bin = findPostgresBin();
const inCi = process.env.CI === 'true';

/**
 * `describe` for tests that need the server: a suite whose server is started in beforeAll
 * and stopped in afterAll. Without the binaries: skipped with a printed reason, but under
 * CI=true run, so that beforeAll fails instead.
 */
export function describePostgres(name: string, body: (server: () => TestPostgres) => void): void {
  if (!bin && !inCi) {
    console.warn(`skipping "${name}": ${MISSING}`);
    describe.skip(name, () => body(() => { throw new Error(MISSING); }));
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

