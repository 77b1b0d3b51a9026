// Child process for stream-upload.test.ts: archives one file through the streamed, chunked
// path (a throttled read, so the parent can kill it mid-upload), against the home's devnet.
//   node --import tsx test/integration/stream-upload-child.ts <home> <file>
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { hash } from 'node:crypto';
import { archiveFile } from '../../src/archive/archive-file.js';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { IrysUploader } from '../../src/archive/irys-uploader.js';
import { releaseTags } from '../../src/archive/release-tags.js';
import { readWallet } from '../../src/archive/wallet.js';
import { openDatabase } from '../../src/db/database.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import { startDevnet } from '../../src/devnet/devnet.js';

const [home, file] = process.argv.slice(2) as [string, string];
const devnet = await startDevnet({ dir: path.join(home, 'devnet'), port: 0 });
const database = await openDatabase(path.join(home, 'arkive.db'));
const base = await IrysUploader.create({ bundlerUrl: devnet.bundlerUrl, wallet: readWallet(devnet.walletFile), chunkBytes: 256 * 1024 });
// Reads slowly (10 ms per 64 KiB) so that an upload takes seconds and can be interrupted.
const uploader = Object.assign(Object.create(base), {
  uploadStream: (upload: Parameters<IrysUploader['uploadStream']>[0]) => base.uploadStream({
    ...upload,
    open: () => upload.open().pipe(new Transform({
      highWaterMark: 64 * 1024,
      transform(chunk, _enc, done) { setTimeout(() => done(null, chunk), 10); },
    })),
  }),
}) as IrysUploader;
const bytes = fs.readFileSync(file);
const sha256 = hash('sha256', bytes);
const tags = releaseTags({ kind: 'model', name: 'big', pipeline: 'big', runId: 'r1', version: 1 }, 'checkpoint', 'application/octet-stream', sha256);
const result = await archiveFile(
  { file, sha256, size: bytes.length, kind: 'checkpoint', tags },
  { uploader, gateway: new HttpGateway({ urls: [devnet.gatewayUrl] }), uploads: new UploadsRepo(database), streamThreshold: 1 },
);
await devnet.flush();
await devnet.stop();
await database.close();
console.log(JSON.stringify(result));
