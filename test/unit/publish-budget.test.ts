// publishRelease plans and prices a release before its first upload and asks the budget: a
// refusal (cap or balance) posts nothing and leaves no ledger row; the quote is exact (what
// is posted is what was priced, and that is what the spend table records); a release a
// killed run partly posted is charged only for what is left. Real SQLite and real ANS-104
// signing; the bundler and the gateway are fakes (named so): the offline edges whose price,
// balance and failures the test must set. The real bundler is covered by test/e2e/cli-budget.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { hash } from 'node:crypto';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Budget, type BudgetLimits } from '../../src/archive/budget.js';
import { publishRelease, type PublishDeps, type ReleaseInput } from '../../src/archive/publish-release.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { ReleasesRepo } from '../../src/db/releases-repo.js';
import { SpendRepo } from '../../src/db/spend-repo.js';
import { UploadsRepo } from '../../src/db/uploads-repo.js';
import { BudgetError } from '../../src/errors.js';
import { emptyGateway, FakeBundlerUploader, WINSTON_PER_BYTE } from '../helpers/fake-bundler-uploader.js';
import { tmpDir } from '../helpers/tmp.js';

let jwk: JWKInterface;
beforeAll(async () => {
  jwk = await Arweave.init({}).wallets.generate();
});

let database: Database;
let uploads: UploadsRepo;
let releases: ReleasesRepo;
let spend: SpendRepo;
let dir: string;

beforeEach(async () => {
  const home = tmpDir();
  database = await openDatabase(path.join(home, 'arkive.db'));
  uploads = new UploadsRepo(database);
  releases = new ReleasesRepo(database);
  spend = new SpendRepo(database);
  dir = path.join(home, 'staging');
  fs.mkdirSync(dir);
});
afterEach(() => database.close());

function input(runId: string, contents: string[]): ReleaseInput {
  const files = contents.map((text, i) => {
    const bytes = Buffer.from(text);
    fs.writeFileSync(path.join(dir, `part-${i}.jsonl.gz`), bytes);
    return { path: `part-${i}.jsonl.gz`, sha256: hash('sha256', bytes), bytes: bytes.length, contentType: 'application/gzip' };
  });
  return {
    kind: 'dataset', name: 'people', pipeline: 'people', runId, network: 'local', dir, files, rows: contents.length,
    card: (r) => Buffer.from(JSON.stringify({ name: 'people', version: r.version, parent: r.parent, digest: r.digest, files: files.map((f) => f.sha256) })),
  };
}

function deps(uploader: FakeBundlerUploader, runId: string, limits: BudgetLimits = {}): PublishDeps {
  return {
    uploader, gateway: emptyGateway, uploads, releases,
    budget: new Budget({ spend, uploader, pipeline: 'people', runId, limits }),
  };
}

const ledgerRows = async () => (await database.db.selectFrom('uploads').selectAll().execute()).length;
const CHUNKS = ['{"id":1}\n'.repeat(200), '{"id":2}\n'.repeat(300)];

describe('publishRelease prices before paying', () => {
  it('posts exactly what it priced, and records that price as this run\'s spend', async () => {
    const uploader = new FakeBundlerUploader(jwk, 10n ** 12n);
    const result = await publishRelease(input('run-1', CHUNKS), deps(uploader, 'run-1'));
    expect(result.status).toBe('released');
    // One price request before any post, for two chunks, the card and the manifest.
    expect(uploader.priced).toHaveLength(1);
    expect(uploader.priced[0]).toHaveLength(4);
    expect([...uploader.posted.map((p) => p.bytes)].sort()).toEqual([...uploader.priced[0]!].sort());
    const total = uploader.priced[0]!.reduce((n, b) => n + BigInt(b) * WINSTON_PER_BYTE, 0n);
    expect(await spend.ofRun('run-1')).toBe(total);
    const rows = await database.db.selectFrom('spend').selectAll().execute();
    expect(rows.map((r) => r.kind).sort()).toEqual(['card', 'chunk', 'chunk', 'release']);
    expect(rows.find((r) => r.kind === 'release')!.item_id).toBe(result.contentId);
  });

  it('refuses a price over --max-cost before any upload: nothing posted, no ledger row', async () => {
    const uploader = new FakeBundlerUploader(jwk, 10n ** 12n);
    const refused = publishRelease(input('run-1', CHUNKS), deps(uploader, 'run-1', { maxCost: 1000n }));
    await expect(refused).rejects.toBeInstanceOf(BudgetError);
    await expect(refused).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', exitCode: 5 });
    expect(uploader.posted).toEqual([]);
    expect(await ledgerRows()).toBe(0);
    expect(fs.existsSync(path.join(dir, 'arkive.json'))).toBe(false);
    expect(await spend.ofRun('run-1')).toBe(0n);
  });

  it('refuses a wallet with too little balance (INSUFFICIENT_BALANCE) with its address and what is missing', async () => {
    const uploader = new FakeBundlerUploader(jwk, 5n);
    const error = await publishRelease(input('run-1', CHUNKS), deps(uploader, 'run-1')).then(() => undefined, (e: unknown) => e as BudgetError);
    expect(error).toBeInstanceOf(BudgetError);
    const price = uploader.priced[0]!.reduce((n, b) => n + BigInt(b) * WINSTON_PER_BYTE, 0n);
    if (!error) throw new Error('expected a refusal');
    expect(error.code).toBe('INSUFFICIENT_BALANCE');
    expect(error.message).toContain(`the wallet ${uploader.address} holds 5 winston`);
    expect(error.message).toContain(`${price - 5n} winston`);
    expect(error.hint).toContain(`Fund the wallet ${uploader.address}`);
    expect(uploader.posted).toEqual([]);
    expect(await ledgerRows()).toBe(0);
  });

  it('charges a resumed release only for what the killed run did not post', async () => {
    const first = new FakeBundlerUploader(jwk, 10n ** 12n);
    const content = input('run-1', CHUNKS);
    // The first run posts both chunks, then the bundler refuses the card (a 400 is not retried).
    first.failPost = (raw) => raw.includes(Buffer.from('"name":"people"'));
    await expect(publishRelease(content, deps(first, 'run-1'))).rejects.toThrow(/HTTP 400/);
    expect(first.posted).toHaveLength(2);
    const chunksPaid = await spend.ofRun('run-1');
    expect(chunksPaid).toBe(first.posted.reduce((n, p) => n + BigInt(p.bytes) * WINSTON_PER_BYTE, 0n));

    const second = new FakeBundlerUploader(jwk, 10n ** 12n);
    const again = () => input('run-2', CHUNKS);
    // What is left: the card and the manifest. A cap one winston short refuses, exactly enough passes.
    const probe = new FakeBundlerUploader(jwk, 10n ** 12n);
    await expect(publishRelease(again(), deps(probe, 'run-2', { maxCost: 0n }))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(probe.priced[0]).toHaveLength(2);
    const left = probe.priced[0]!.reduce((n, b) => n + BigInt(b) * WINSTON_PER_BYTE, 0n);
    await expect(publishRelease(again(), deps(second, 'run-2', { perRun: left - 1n }))).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const released = await publishRelease(again(), deps(second, 'run-2', { perRun: left }));
    expect(released).toMatchObject({ status: 'released', version: 1 });
    expect(second.posted).toHaveLength(2);
    expect(await spend.ofRun('run-2')).toBe(left);
    expect(await spend.ofRun('run-1')).toBe(chunksPaid);
  });

  it('completes a release whose manifest a killed run signed for the manifest alone, and for nothing once it was posted', async () => {
    const stopAt = (point: string) => (reached: string) => { if (reached === point) throw new Error(`killed at ${point}`); };
    const first = new FakeBundlerUploader(jwk, 10n ** 12n);
    await expect(publishRelease(input('run-1', CHUNKS), { ...deps(first, 'run-1'), checkpoint: stopAt('manifest-signed') }))
      .rejects.toThrow(/killed at manifest-signed/);
    const manifest = (await releases.pending('local', 'people'))!.manifest!;
    const manifestPrice = BigInt(manifest.length) * WINSTON_PER_BYTE;
    const second = new FakeBundlerUploader(jwk, 10n ** 12n);
    await expect(publishRelease(input('run-2', CHUNKS), deps(second, 'run-2', { maxCost: manifestPrice - 1n })))
      .rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(second.posted).toEqual([]);
    // Posted, then killed before the commit: re-posting it is free, so a cap of 0 passes.
    await expect(publishRelease(input('run-2', CHUNKS), { ...deps(second, 'run-2', { maxCost: manifestPrice }), checkpoint: stopAt('manifest-posted') }))
      .rejects.toThrow(/killed at manifest-posted/);
    expect(await spend.ofRun('run-2')).toBe(manifestPrice);
    const third = new FakeBundlerUploader(jwk, 10n ** 12n);
    const done = await publishRelease(input('run-3', CHUNKS), deps(third, 'run-3', { maxCost: 0n }));
    expect(done).toMatchObject({ status: 'released', version: 1 });
    expect(third.priced).toEqual([]);
    expect(await spend.ofRun('run-3')).toBe(0n);
  });

  it('in a dry run prices the release and posts nothing', async () => {
    const uploader = new FakeBundlerUploader(jwk, 0n);
    const result = await publishRelease(input('run-1', CHUNKS), { ...deps(uploader, 'run-1', { maxCost: 0n }), dryRun: true });
    expect(result.status).toBe('planned');
    expect(result.quote!.items.map((i) => i.path)).toEqual(['part-0.jsonl.gz', 'part-1.jsonl.gz', 'arkive.json', '(manifest)']);
    expect(result.quote!.uploadBytes).toBe(CHUNKS.join('').length + result.quote!.items.slice(2).reduce((n, i) => n + i.dataBytes, 0));
    expect(result.quote!.winston).toBe(BigInt(result.quote!.itemBytes) * WINSTON_PER_BYTE);
    expect(uploader.posted).toEqual([]);
    expect(await ledgerRows()).toBe(0);
  });
});
