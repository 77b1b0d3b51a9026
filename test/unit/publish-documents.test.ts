// A release's documents (croissant.json, README.md) are written once, when the release is
// numbered, and kept with the pending release: a killed run's successor archives the very
// bytes the card lists, even if it would now write other documents. They are priced with the
// release, archived as `document` items, listed in the card and in the release's files, and
// written into the staging directory only once the budget approved. Real SQLite and real
// ANS-104 signing; the bundler and gateway are fakes (named so, test/helpers/fake-bundler-uploader.ts).
import fs from 'node:fs';
import path from 'node:path';
import { hash } from 'node:crypto';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Budget } from '../../src/archive/budget.js';
import { publishRelease, type PublishDeps, type ReleaseInput } from '../../src/archive/publish-release.js';
import { parseDocuments, serializeDocuments, type ReleaseDocument } from '../../src/archive/release-documents.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { ReleasesRepo } from '../../src/db/releases-repo.js';
import { SpendRepo } from '../../src/db/spend-repo.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import { emptyGateway, FakeBundlerUploader } from '../helpers/fake-bundler-uploader.js';
import { tmpDir } from '../helpers/tmp.js';

let jwk: JWKInterface;
beforeAll(async () => {
  jwk = await Arweave.init({}).wallets.generate();
});

let database: Database;
let releases: ReleasesRepo;
let spend: SpendRepo;
let uploads: UploadsRepo;
let dir: string;
beforeEach(async () => {
  const home = tmpDir();
  database = await openDatabase(path.join(home, 'arkive.db'));
  releases = new ReleasesRepo(database);
  spend = new SpendRepo(database);
  uploads = new UploadsRepo(database);
  dir = path.join(home, 'staging');
  fs.mkdirSync(dir);
});
afterEach(() => database.close());

const CHUNK = Buffer.from('{"id":1}\n'.repeat(100));

function input(runId: string, readme: string, calls: string[] = []): ReleaseInput {
  fs.writeFileSync(path.join(dir, 'part-0.jsonl.gz'), CHUNK);
  const files = [{ path: 'part-0.jsonl.gz', sha256: hash('sha256', CHUNK), bytes: CHUNK.length, contentType: 'application/gzip' }];
  return {
    kind: 'dataset', name: 'people', pipeline: 'people', runId, network: 'local', dir, files, rows: 100,
    documents: (r) => {
      calls.push(`documents v${r.version} ${r.createdAt}`);
      return [
        { path: 'croissant.json', contentType: 'application/ld+json', bytes: Buffer.from(`{"version":${r.version}}`) },
        { path: 'README.md', contentType: 'text/markdown', bytes: Buffer.from(readme) },
      ];
    },
    card: (r, documents) => Buffer.from(JSON.stringify({ version: r.version, documents })),
  };
}

const deps = (uploader: FakeBundlerUploader, runId: string, maxCost?: bigint): PublishDeps => ({
  uploader, gateway: emptyGateway, uploads, releases,
  budget: new Budget({ spend, uploader, pipeline: 'people', runId, limits: maxCost === undefined ? {} : { maxCost } }),
});

describe('release documents', () => {
  it('are priced with the release, archived as document items and listed in the card and the files', async () => {
    const uploader = new FakeBundlerUploader(jwk, 10n ** 12n);
    const result = await publishRelease(input('run-1', '# people\n'), deps(uploader, 'run-1'));
    expect(result.status).toBe('released');
    expect(uploader.priced).toEqual([expect.any(Array)]);
    expect(uploader.priced[0]).toHaveLength(5); // chunk, two documents, card, manifest
    expect(uploader.posted).toHaveLength(5);
    expect(result.files.map((f) => f.path)).toEqual(['arkive.json', 'croissant.json', 'README.md', 'part-0.jsonl.gz']);
    const readme = result.files.find((f) => f.path === 'README.md')!;
    expect(readme.sha256).toBe(hash('sha256', Buffer.from('# people\n')));
    const card = JSON.parse(Buffer.from((await releases.get('local', 'people', 1))!.card).toString('utf8')) as { documents: { path: string; sha256: string }[] };
    expect(card.documents.map((d) => [d.path, d.sha256])).toEqual([
      ['croissant.json', hash('sha256', Buffer.from('{"version":1}'))], ['README.md', readme.sha256],
    ]);
    const kinds = (await database.db.selectFrom('spend').select('kind').execute()).map((r) => r.kind).sort();
    expect(kinds).toEqual(['card', 'chunk', 'document', 'document', 'release']);
  });

  it('a resumed release archives the documents fixed when it was numbered, not what the documents callback gives now', async () => {
    const uploader = new FakeBundlerUploader(jwk, 10n ** 12n);
    const readmeV1 = '# people, as first written\n';
    uploader.failPost = (raw) => raw.includes(Buffer.from(readmeV1));
    await expect(publishRelease(input('run-1', readmeV1), deps(uploader, 'run-1'))).rejects.toThrow(/refused/);
    expect((await releases.pending('local', 'people'))?.version).toBe(1);
    uploader.failPost = undefined;
    const calls: string[] = [];
    const result = await publishRelease(input('run-2', '# people, rewritten since\n', calls), deps(uploader, 'run-2'));
    expect(result).toMatchObject({ status: 'released', version: 1 });
    expect(calls).toEqual([]);
    expect(result.files.find((f) => f.path === 'README.md')!.sha256).toBe(hash('sha256', Buffer.from(readmeV1)));
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe(readmeV1);
  });

  it('a release the budget refuses writes no document into the staging directory', async () => {
    const uploader = new FakeBundlerUploader(jwk, 10n ** 12n);
    await expect(publishRelease(input('run-1', '# people\n'), deps(uploader, 'run-1', 10n))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(fs.readdirSync(dir)).toEqual(['part-0.jsonl.gz']);
    expect(uploader.posted).toEqual([]);
  });

  it('are kept as canonical JSON and refused when two share a path, one is the card\'s, or one climbs out', () => {
    const doc = (p: string): ReleaseDocument => ({ path: p, contentType: 'text/plain', bytes: Buffer.from([0, 255, 10]) });
    const stored = serializeDocuments([doc('README.md'), doc('croissant.json')]);
    expect(parseDocuments(stored)).toEqual([doc('README.md'), doc('croissant.json')]);
    expect(serializeDocuments([])).toBeNull();
    expect(parseDocuments(null)).toEqual([]);
    expect(() => serializeDocuments([doc('README.md'), doc('README.md')])).toThrow(/used twice/);
    expect(() => serializeDocuments([doc('arkive.json')])).toThrow(/used twice/);
    expect(() => serializeDocuments([doc('../README.md')])).toThrow(/relative/);
  });
});
