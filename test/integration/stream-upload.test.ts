// A large file goes through the streamed, chunked, resumable path. Killed with SIGKILL
// mid-upload, the re-run resumes the bundler's upload (its ID is in the ledger) and the
// content is archived once, byte-identical.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { startDevnet } from '../../src/devnet/devnet.js';
import { seedWallets } from '../helpers/devnet.js';
import { peek } from '../helpers/peek.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

const child = path.join(repoRoot, 'test/integration/stream-upload-child.ts');

const uploadId = (dbFile: string) =>
  peek<{ upload_id: string }>(dbFile, "select upload_id from uploads where state = 'uploading'")?.upload_id ?? null;

describe('a streamed upload', () => {
  it('resumes after SIGKILL and archives the content once', async () => {
    const home = tmpDir();
    await seedWallets(path.join(home, 'devnet'));
    const file = path.join(home, 'big.bin');
    const data = randomBytes(6 * 2 ** 20);
    fs.writeFileSync(file, data);

    const first = spawn(process.execPath, ['--import', 'tsx', child, home, file], { cwd: repoRoot, stdio: 'ignore' });
    const exited = new Promise((resolve) => first.on('exit', (_c, signal) => resolve(signal)));
    let id: string | null = null;
    while (!(id = uploadId(path.join(home, 'arkive.db')))) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    first.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, home, file], { cwd: repoRoot });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.uploadedBytes).toBe(data.length);
    // The re-run resumed the bundler's upload instead of starting another.
    const row = peek(path.join(home, 'arkive.db'), 'select upload_id, state, item_id from uploads');
    expect(row).toEqual({ upload_id: id, state: 'posted', item_id: result.id });

    const devnet = await startDevnet({ dir: path.join(home, 'devnet'), port: 0 });
    try {
      await devnet.flush();
      const gateway = new HttpGateway({ urls: [devnet.gatewayUrl] });
      const sha = (await import('node:crypto')).createHash('sha256').update(data).digest('hex');
      const items = await gateway.query({ tags: [{ name: 'Content-SHA256', values: [sha] }] });
      expect(items.map((i) => i.id)).toEqual([result.id]);
      expect((await gateway.data(result.id)).equals(data)).toBe(true);
    } finally {
      await devnet.stop();
    }
  }, 120_000);
});
