// checkpoint-1gib: a 1 GiB F32 safetensors checkpoint, written by streaming 4 MiB chunks,
// archived through the streamed, chunked upload into the local devnet (held by the dev
// bundler: far above its maxBundledItemBytes), then retrieved through the gateway's
// /raw/<id> by the streamed, verified fetch. The devnet runs as `arkive dev` in a process of
// its own, as a bundler and a gateway are remote services in any real deployment, so the
// peak RSS measured is arkive's own (ceiling 300 MB); throughput is the archive's MB/s against
// the ceiling of sha384 (what signing an ANS-104 item must hash) over the same bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { archiveFile } from '../../src/archive/archive-file.js';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import { releaseTags } from '../../src/archive/release-tags.js';
import { readWallet } from '../../src/archive/wallet.js';
import { openDatabase } from '../../src/db/database.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fetchFileTo } from '../../src/retrieve/fetch-file.js';
import { writeSafetensors } from '../../src/snapshot/safetensors-writer.js';
import { figure, type Figure } from './figure.js';

const CHUNK = 4 * 2 ** 20;
const MB = 2 ** 20;

export async function benchCheckpoint(gib = 1): Promise<Figure[]> {
  const bytes = Math.round(gib * 2 ** 30 / CHUNK) * CHUNK;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-bench-checkpoint-'));
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 50);
  const devnet = await startDevProcess(path.join(dir, 'dev-home'));
  const database = await openDatabase(path.join(dir, 'arkive.db'));
  try {
    const phase = (what: string) => { if (process.env.ARKIVE_BENCH_PHASES) console.error(`${what}: peak ${(peak / MB).toFixed(0)} MB, now ${(process.memoryUsage.rss() / MB).toFixed(0)} MB`); };
    phase('devnet started (separate process)');
    const file = path.join(dir, 'model.safetensors');
    const elements = bytes / 4;
    const written = await writeSafetensors(file, [{ name: 'weight', dtype: 'F32', shape: [elements / 4096, 4096] }], () => chunks(bytes));

    phase('written');
    const uploader = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: readWallet(devnet.walletFile) });
    const gateway = new HttpGateway({ urls: [devnet.gatewayUrl] });
    const tags = releaseTags({ kind: 'model', name: 'bench', pipeline: 'bench', runId: 'r1', version: 1 }, 'checkpoint', 'application/octet-stream', written.sha256);
    const start = process.hrtime.bigint();
    const archived = await archiveFile(
      { file, sha256: written.sha256, size: written.bytes, kind: 'checkpoint', tags },
      { uploader, gateway, uploads: new UploadsRepo(database) },
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    phase('archived');
    await devnet.flush();

    // Retrievable, verified, in bounded memory too.
    const copy = path.join(dir, 'retrieved.safetensors');
    await fetchFileTo({ path: 'model.safetensors', id: archived.id, sha256: written.sha256, bytes: written.bytes }, copy, {
      gateways: async () => [devnet.gatewayUrl],
    });
    if (fs.statSync(copy).size !== written.bytes) throw new Error('retrieved checkpoint has the wrong size');
    phase('retrieved');
    clearInterval(sampler);

    const mb = written.bytes / MB;
    return [
      figure(`checkpoint-${gib}gib-rss`, peak / MB, `MB peak RSS (write, archive, retrieve ${mb.toFixed(0)} MB; lower is better)`, 300),
      figure(`checkpoint-${gib}gib-throughput`, mb / seconds, 'MB/s archived (ceiling = sha384 of the same bytes)', sha384Rate(written.bytes)),
    ];
  } finally {
    clearInterval(sampler);
    await devnet.stop();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `arkive dev` in a child process, with the same interface the benchmark needs. */
async function startDevProcess(home: string) {
  const bin = fileURLToPath(new URL('../../bin/arkive.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'dev', '--json', '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const stack = JSON.parse(line) as { gateway: string; bundler: string; wallet: string };
  return {
    gatewayUrl: stack.gateway, bundlerUrl: stack.bundler, walletFile: stack.wallet,
    flush: async () => { await fetch(`${stack.bundler}/dev/flush`, { method: 'POST' }); },
    stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

/** F32 data in 4 MiB chunks, each distinct (a counter in its first bytes). */
function* chunks(bytes: number): Generator<Uint8Array> {
  const base = randomBytes(CHUNK);
  for (let i = 0; i * CHUNK < bytes; i++) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    base.copy(chunk);
    chunk.writeUInt32LE(i, 0);
    yield chunk;
  }
}

/** MB/s of sha384 over `bytes` bytes in 1 MiB blocks. */
function sha384Rate(bytes: number): number {
  const block = randomBytes(MB);
  const digest = createHash('sha384');
  const start = process.hrtime.bigint();
  for (let done = 0; done < bytes; done += MB) digest.update(block);
  digest.digest();
  return bytes / MB / (Number(process.hrtime.bigint() - start) / 1e9);
}
