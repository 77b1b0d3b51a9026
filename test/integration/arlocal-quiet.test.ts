// ArLocal prints the errors it catches on the host's stderr; while our gateway runs they go
// to its log instead (so `arkive run --quiet` stays quiet), and other output is untouched.
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ArLocalGateway } from '../../src/devnet/arlocal-gateway.js';
import { tmpDir } from '../helpers/tmp.js';

describe('ArLocalGateway', () => {
  it('sends ArLocal\'s caught-error lines to its log while running, and restores console.error on stop', async () => {
    const lines: string[] = [];
    const original = console.error;
    const printed = vi.fn();
    console.error = printed;
    try {
      const gateway = new ArLocalGateway({ port: 0, dbPath: path.join(tmpDir(), 'arlocal'), log: (l) => lines.push(l) });
      await gateway.start();
      console.error({ error: new Error('SQLITE_CONSTRAINT: UNIQUE constraint failed: transactions.id') });
      console.error('something else');
      await gateway.stop();
      console.error({ error: 'after stop' });
      expect(lines).toEqual(['arlocal: Error: SQLITE_CONSTRAINT: UNIQUE constraint failed: transactions.id']);
      expect(printed.mock.calls).toEqual([['something else'], [{ error: 'after stop' }]]);
    } finally {
      console.error = original;
    }
  });
});
