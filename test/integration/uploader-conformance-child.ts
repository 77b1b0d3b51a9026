// Child process for uploader-conformance.test.ts: archives one large file through the
// streamed path of one Uploader, reading it slowly so that the parent can SIGKILL it
// mid-upload, then (run again) resume. The bundler runs in the parent; this is the client.
//   node --import tsx test/integration/uploader-conformance-child.ts <kind> <bundlerUrl> <gatewayUrl> <walletFile> <dbFile> <file>
import fs from 'node:fs';
import { hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { archiveFile } from '../../src/archive/archive-file.js';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { releaseTags } from '../../src/archive/release-tags.js';
import type { StreamUpload, Uploader } from '../../src/archive/uploader.js';
import { readWallet } from '../../src/archive/wallet.js';
import { openDatabase } from '../../src/db/database.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import { uploaderFactory } from '../helpers/uploaders.js';

const [kind, bundlerUrl, gatewayUrl, walletFile, dbFile, file] = process.argv.slice(2) as [string, string, string, string, string, string];
const base = await uploaderFactory(kind).create({ bundlerUrl, gatewayUrl, wallet: readWallet(walletFile) });
// About 8 MB/s (10 ms per 80 KiB): a 40 MiB upload takes seconds, so it can be interrupted.
const slowly = (upload: StreamUpload): StreamUpload => ({
  ...upload,
  open: () => upload.open().pipe(new Transform({
    highWaterMark: 80 * 1024,
    transform(chunk, _enc, done) { setTimeout(() => done(null, chunk), 10); },
  })),
});
const uploader: Uploader = Object.assign(Object.create(base) as Uploader, {
  uploadStream: (upload: StreamUpload) => base.uploadStream(slowly(upload)),
});
const database = await openDatabase(dbFile);
const sha256 = hash('sha256', fs.readFileSync(file));
const tags = releaseTags({ kind: 'model', name: 'big', pipeline: 'big', runId: 'r1', version: 1 }, 'checkpoint', 'application/octet-stream', sha256);
const result = await archiveFile(
  { file, sha256, size: fs.statSync(file).size, kind: 'checkpoint', tags },
  { uploader, gateway: new HttpGateway({ urls: [gatewayUrl] }), uploads: new UploadsRepo(database) },
);
await database.close();
console.log(JSON.stringify(result));
