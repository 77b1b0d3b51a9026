// Budgets, prices and spend as a user meets them: the spawned CLI against a real `arkive dev`
// stack (ArLocal, the dev bundler and its prices, the real @irys/sdk). A run over its cap exits
// 5 before any upload; the dry run's price is what the run then pays; perMonth counts the
// month's earlier runs; `arkive spend` sums it all; a dry run changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { startDevStack, type DevStack } from '../helpers/dev-stack.js';
import { graphql } from '../helpers/devnet.js';
import { peopleProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

let stack: DevStack;

beforeAll(async () => {
  stack = await startDevStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const run = (args: string[], cwd?: string) => arkive([...args], { env: stack.env, ...(cwd && { cwd }) });

/** Items the stack's gateway shows with this tag (after the bundler flushed what it holds). */
async function itemsTagged(name: string, value: string): Promise<string[]> {
  await stack.flush();
  const data = await graphql<{ transactions: { edges: Array<{ node: { id: string } }> } }>(stack.gateway,
    'query($owners: [String!], $name: String!, $values: [String!]!) { transactions(owners: $owners, tags: [{ name: $name, values: $values }], first: 100) { edges { node { id } } } }',
    { owners: [stack.address], name, values: [value] });
  return data.transactions.edges.map((e) => e.node.id);
}

/** Every row of the home's tables that a run or dry run could change, as JSON (undefined: no database). */
function homeState(home: string): string | undefined {
  const file = path.join(home, 'arkive.db');
  if (!fs.existsSync(file)) return undefined;
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const tables = ['runs', 'records', 'quarantine', 'uploads', 'releases', 'spend', 'leases', 'models'];
    const rows = (t: string) => db.prepare(`select * from ${t}`).all()
      .map((r) => JSON.stringify(r, (_k, v) => (v instanceof Buffer ? v.toString('base64') : v))).sort();
    return JSON.stringify(tables.map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

const scalar = <T>(home: string, sql: string): T => {
  const db = new BetterSqlite3(path.join(home, 'arkive.db'), { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
};

function people(n: number, from = 0): string {
  return `id,name,age\n${Array.from({ length: n }, (_, i) => `${String(from + i).padStart(6, '0')},person ${from + i},${(from + i) % 90}`).join('\n')}\n`;
}

/** The people project with small chunks (so a change reuses most of them) and this budget. */
function setBudget(cwd: string, budget: string): void {
  const file = path.join(cwd, 'pipelines/people.ts');
  const text = fs.readFileSync(file, 'utf8').replace(/\n {2}budget: .*\n/, '\n');
  write(cwd, 'pipelines/people.ts', text.replace('key: (p) => p.id,', `key: (p) => p.id,\n  snapshot: { targetChunkBytes: 4096 },\n  budget: ${budget},`));
}

describe('budgets and prices on a real dev stack', () => {
  it('refuses a run over --max-cost before any upload (exit 5), then with the cap raised releases and pays the dry run\'s price', async () => {
    const home = path.join(tmpDir(), 'home');
    // The dry run on a fresh home: priced by the bundler, and the home is not even created.
    const dry = await run(['run', 'reviews', '--dry-run', '--json', '--home', home]);
    expect(dry.code, dry.stderr).toBe(0);
    const quote = JSON.parse(dry.stdout).publish;
    expect(quote).toMatchObject({ network: 'custom', release: { name: 'reviews', version: 1, status: 'planned', reusedBytes: 0 }, refusal: null });
    expect(quote.release.uploadBytes).toBeGreaterThan(70_000);
    expect(BigInt(quote.price.winston)).toBeGreaterThan(1000n);
    expect(quote.model).toMatchObject({ name: 'reviews-model', priced: false });
    expect(fs.existsSync(home)).toBe(false);

    const refused = await run(['run', 'reviews', '--max-cost', '1000', '--json', '--home', home]);
    expect(refused.code, refused.stderr).toBe(5);
    const failed = JSON.parse(refused.stdout);
    expect(failed).toMatchObject({ status: 'failed', cost: { winston: '0', ar: '0' }, error: { code: 'BUDGET_EXCEEDED' } });
    expect(failed.error.message).toContain(`would cost ${quote.price.winston} winston (${quote.price.ar} AR)`);
    expect(failed.error.message).toMatch(/over --max-cost 1000 winston \(0\.000000001 AR\).*nothing of this release was uploaded/);
    expect(failed.error.hint).toContain('--max-cost');
    // Nothing was posted: no ledger row, no spend, no item of that run on the gateway; the lock is free.
    expect(scalar(home, 'select count(*) from uploads')).toBe(0);
    expect(scalar(home, 'select count(*) from spend')).toBe(0);
    expect(scalar(home, 'select count(*) from leases')).toBe(0);
    expect(await itemsTagged('Run-Id', failed.runId)).toEqual([]);
    const history = JSON.parse((await run(['runs', '--json', '--home', home])).stdout);
    expect(history[0]).toMatchObject({ runId: failed.runId, status: 'failed', error: { code: 'BUDGET_EXCEEDED' }, cost: { winston: '0' } });

    const released = await run(['run', 'reviews', '--max-cost', '1 AR', '--json', '--home', home]);
    expect(released.code, released.stderr).toBe(0);
    const result = JSON.parse(released.stdout);
    expect(result.status).toBe('released');
    expect(result.artifacts[0]).toMatchObject({ name: 'reviews', uploadedBytes: quote.release.uploadBytes });
    // What the dataset cost is what the dry run quoted; the model came on top of it.
    expect(scalar<number>(home, "select sum(winston) from spend where name = 'reviews'")).toBe(Number(quote.price.winston));
    expect(BigInt(result.cost.winston)).toBeGreaterThan(BigInt(quote.price.winston));
    const runs = JSON.parse((await run(['runs', '--json', '--home', home])).stdout);
    expect(runs[0]).toMatchObject({ runId: result.runId, status: 'released', cost: result.cost });
    const text = await run(['runs', '--home', home]);
    expect(text.stdout).toMatch(new RegExp(`${result.runId} .* ${result.cost.winston}\\n`));
  });

  it('prints bytes to upload, bytes reused and the price of a change, changing nothing; the run then pays that price', async () => {
    const cwd = peopleProject(people(2000));
    setBudget(cwd, "{ perRun: '1 AR' }");
    const home = tmpDir();
    expect((await run(['run', 'people', '--home', home], cwd)).code).toBe(0);
    write(cwd, 'people.csv', people(2040));
    const before = homeState(home);
    const owned = await itemsTagged('Dataset-Name', 'people');
    const dry = await run(['run', 'people', '--dry-run', '--home', home], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    const line = /dataset people v2: (\d+) bytes to upload in (\d+) item\(s\) \((\d+) bytes signed\), (\d+) bytes reused/.exec(dry.stdout);
    expect(line, dry.stdout).not.toBeNull();
    const [, upload, items, , reused] = line!.map(Number);
    // Most chunks are unchanged: the items to upload are the changed chunks, the card, the
    // documents (croissant.json, README.md, new with every version) and the manifest.
    const shown = await run(['show', 'people@v1', '--json', '--home', home], cwd);
    expect(shown.code, shown.stderr).toBe(0);
    const chunksV1 = (JSON.parse(shown.stdout) as { files: { path: string }[] }).files.filter((f) => f.path.startsWith('data/')).length;
    expect(chunksV1).toBeGreaterThan(4);
    expect(items! - 4).toBeLessThan(chunksV1 / 2);
    expect(reused).toBeGreaterThan(0);
    const price = /price: (\d+) winston \(([\d.]+) AR\) at /.exec(dry.stdout)!;
    expect(dry.stdout).toMatch(new RegExp(`balance of ${stack.address}: \\d+ winston`));
    expect(dry.stdout).toMatch(/budget perRun: 1000000000000 winston \(1 AR\), spent 0 winston \(0 AR\), left 1000000000000 winston/);
    expect(dry.stdout).toMatch(/nothing was changed/);
    // Nothing changed: the home's rows, and the gateway.
    expect(homeState(home)).toBe(before);
    expect(await itemsTagged('Dataset-Name', 'people')).toEqual(owned);

    const real = await run(['run', 'people', '--json', '--home', home], cwd);
    expect(real.code, real.stderr).toBe(0);
    const result = JSON.parse(real.stdout);
    expect(result.artifacts[0]).toMatchObject({ version: 2, uploadedBytes: upload, reusedBytes: reused });
    expect(result.cost.winston).toBe(price[1]);
  });

  it('counts the month\'s earlier runs against perMonth (exit 5), releases once it fits, and arkive spend sums it', async () => {
    const cwd = peopleProject(people(1000));
    setBudget(cwd, "{ perMonth: '1 AR' }");
    const home = tmpDir();
    const first = JSON.parse((await run(['run', 'people', '--json', '--home', home], cwd)).stdout);
    const c1 = BigInt(first.cost.winston);
    expect(c1).toBeGreaterThan(0n);
    write(cwd, 'people.csv', people(1100));
    const c2 = BigInt(JSON.parse((await run(['run', 'people', '--dry-run', '--json', '--home', home], cwd)).stdout).publish.price.winston);

    setBudget(cwd, `{ perMonth: '${c1 + c2 - 1n}' }`);
    const dry = await run(['run', 'people', '--dry-run', '--json', '--home', home], cwd);
    expect(dry.code).toBe(5);
    expect(JSON.parse(dry.stdout).publish.budget).toEqual([
      { name: 'perMonth', cap: expect.objectContaining({ winston: String(c1 + c2 - 1n) }), spent: expect.objectContaining({ winston: String(c1) }), left: expect.objectContaining({ winston: String(c2 - 1n) }) },
    ]);
    const refused = await run(['run', 'people', '--json', '--home', home], cwd);
    expect(refused.code, refused.stderr).toBe(5);
    const error = JSON.parse(refused.stdout).error;
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.message).toContain(`over budget.perMonth (this calendar month, UTC) ${c1 + c2 - 1n} winston`);
    expect(error.message).toContain(`of which ${c1} winston`);
    expect(error.hint).toContain(`at least ${c1 + c2} winston`);
    expect(refused.stderr).toContain('"code":"BUDGET_EXCEEDED"');

    setBudget(cwd, `{ perMonth: '${c1 + c2}' }`);
    const second = await run(['run', 'people', '--json', '--home', home], cwd);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).cost.winston).toBe(String(c2));

    const spend = JSON.parse((await run(['spend', '--pipeline', 'people', '--json', '--home', home])).stdout);
    const month = new Date().toISOString().slice(0, 7);
    expect(spend.months).toEqual([expect.objectContaining({ pipeline: 'people', month, runs: 2, cost: expect.objectContaining({ winston: String(c1 + c2) }) })]);
    expect(spend.total.winston).toBe(String(c1 + c2));
    const text = await run(['spend', '--home', home, '--since', month]);
    expect(text.stdout).toMatch(new RegExp(`${month}\\s+people\\s+2\\s+\\d+\\s+\\d+\\s+${c1 + c2}\\s`));
    expect(text.stdout).toContain(`total: ${c1 + c2} winston`);
    expect(JSON.parse((await run(['spend', '--json', '--home', home, '--since', '2999-01'])).stdout).total.winston).toBe('0');
  });

  it('refuses bad amounts and dates as usage errors (exit 2), before running', async () => {
    const home = tmpDir();
    const bad = await run(['run', 'reviews', '--max-cost', '0.05 BTC', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-cost.*expected whole winston \('1200000'\) or AR \('0\.05 AR'\)/);
    const schedule = await run(['schedule', '--max-cost', '1,000', '--home', home]);
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toMatch(/--max-cost/);
    const date = await run(['spend', '--since', '2026-02-30', '--json', '--home', home]);
    expect(date.code).toBe(2);
    expect(JSON.parse(date.stdout).error.code).toBe('DATE_INVALID');
    const cwd = peopleProject(people(3));
    setBudget(cwd, "{ perRun: '1.5' }");
    const pipeline = await run(['run', 'people', '--home', home], cwd);
    expect(pipeline.code).toBe(2);
    expect(pipeline.stderr).toMatch(/budget\.perRun "1\.5" is not an amount/);
    expect(fs.existsSync(path.join(home, 'arkive.db'))).toBe(false);
  });

  it('exits 5 with INSUFFICIENT_BALANCE, the address and the amount missing, when the wallet is unfunded at a metered bundler (Turbo)', async () => {
    // A stack of its own, metered from the start: another address is funded, this wallet is not.
    const metered = await startDevStack(60_000, ['--fund', `${'a'.repeat(43)}=1`]);
    try {
      const home = tmpDir();
      const args = ['run', 'reviews', '--json', '--home', home, '--bundler-kind', 'turbo'];
      const refused = await arkive(args, { env: metered.env });
      expect(refused.code, refused.stderr).toBe(5);
      const error = JSON.parse(refused.stdout).error as { code: string; message: string; hint: string };
      expect(error.code).toBe('INSUFFICIENT_BALANCE');
      expect(error.message).toContain(metered.address);
      const missing = /holds 0 winston .*: (\d+) winston/.exec(error.message)?.[1];
      expect(missing, error.message).toBeDefined();
      expect(error.hint).toContain(`Fund the wallet ${metered.address}`);
      // Nothing was posted: no item of this wallet on the gateway, no ledger row past 'planned'.
      await metered.flush();
      const items = await graphql<{ transactions: { edges: unknown[] } }>(metered.gateway,
        'query($owners: [String!]) { transactions(owners: $owners, first: 10) { edges { node { id } } } }', { owners: [metered.address] });
      expect(items.transactions.edges).toEqual([]);
      expect(scalar<number>(home, "select count(*) from uploads where state != 'planned'")).toBe(0);

      // Funded with exactly what was missing for the dataset, the dataset releases; the model
      // release then meets an empty wallet and is refused the same way.
      const fund = await fetch(`${metered.bundler}/dev/fund`, { method: 'POST', body: JSON.stringify({ address: metered.address, winston: missing }) });
      expect(fund.status).toBe(200);
      const partly = await arkive(args, { env: metered.env });
      expect(partly.code, partly.stderr).toBe(5);
      expect(JSON.parse(partly.stdout).error.code).toBe('INSUFFICIENT_BALANCE');
      expect(scalar<number>(home, "select count(*) from releases where name = 'reviews' and content_id is not null")).toBe(1);
    } finally {
      await metered.stop();
    }
  });
});
