// `arkive run --dry-run` on a shared PostgreSQL database (the spawned CLI, a real `arkive dev`
// stack, a real server): it plans on a scratch copy of the pipeline's rows, so the shared
// database is unchanged to the byte (a checksum of every table and sequence), nothing is
// posted, and the plan (version, bytes to upload and reuse, price, rows read incrementally)
// is the one the real run then makes.
import path from 'node:path';
import { expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { devStackForFile } from '../helpers/dev-stack.js';
import { graphql } from '../helpers/devnet.js';
import { describePostgres, freshDatabase, type TestPostgres } from '../helpers/postgres.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

const stack = devStackForFile();

/** people.csv read incrementally: a cursor (lines seen) kept in source_state between runs. */
function appendedProject(): string {
  const cwd = newProject();
  write(cwd, 'pipelines/people.ts', `
import fs from 'node:fs';
import path from 'node:path';
import { definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const source = {
  name: 'people', describe: () => 'people.csv, only appended to', check: async () => ({}),
  async *open(ctx) {
    const lines = fs.readFileSync(path.join(ctx.cwd, 'people.csv'), 'utf8').trim().split('\\n').slice(1);
    const from = Number(ctx.previous?.seen ?? 0);
    ctx.report?.({ mode: from ? 'incremental' : 'full', state: { seen: lines.length } });
    yield lines.slice(from).map((l, i) => {
      const [id, name, age] = l.split(',');
      return { line: from + i + 2, raw: l, fields: { id, name, age: Number(age) } };
    });
  },
};
export default definePipeline({
  name: 'people', description: 'appended people', sources: [source],
  schema: z.object({ id: z.string(), name: z.string(), age: z.number() }), key: (p) => p.id,
  snapshot: { targetChunkBytes: 4096 },
});
`);
  write(cwd, 'people.csv', people(0, 3000));
  return cwd;
}

function people(from: number, to: number, header = true): string {
  const rows = Array.from({ length: to - from }, (_, i) => `${String(from + i).padStart(6, '0')},person ${from + i},${(from + i) % 90}`);
  return `${header ? 'id,name,age\n' : ''}${rows.join('\n')}\n`;
}

/** Row count and md5 of every row of every table, and every sequence's position: any write changes it. */
async function checksum(server: TestPostgres, url: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (await client.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' order by 1")).rows;
    const parts: string[] = [];
    for (const { t } of tables) {
      const { rows } = await client.query(`select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as h from "${t}" x`);
      parts.push(`${t} ${rows[0].n} ${rows[0].h}`);
    }
    for (const { s } of (await client.query<{ s: string }>("select sequence_name as s from information_schema.sequences where sequence_schema = 'public'")).rows) {
      const { rows } = await client.query(`select last_value, is_called from "${s}"`);
      parts.push(`${s} ${rows[0].last_value} ${rows[0].is_called}`);
    }
    expect(parts.length, `${server.database}: no tables`).toBeGreaterThan(10);
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

async function itemsOfPeople(): Promise<string[]> {
  await stack().flush();
  const data = await graphql<{ transactions: { edges: Array<{ node: { id: string } }> } }>(stack().gateway,
    'query($owners: [String!]) { transactions(owners: $owners, tags: [{ name: "Dataset-Name", values: ["people"] }], first: 100) { edges { node { id } } } }',
    { owners: [stack().address] });
  return data.transactions.edges.map((e) => e.node.id).sort();
}

describePostgres('arkive run --dry-run on a shared PostgreSQL database', (pg) => {
  it('plans on a scratch copy: the shared database is unchanged to the byte, and the real run makes the plan', async () => {
    const server = pg();
    const url = await freshDatabase(server, 'dry_run');
    const cwd = appendedProject();
    const env = { ...stack().env, ARKIVE_DATABASE: url };
    const run = (args: string[]) => arkive([...args, '--home', path.join(tmpDir(), 'home')], { cwd, env });

    // Before migrating: refused like any run, and nothing was created.
    const refused = await run(['run', 'people', '--dry-run', '--json']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'DB_NOT_MIGRATED' } });
    expect((await run(['db', 'migrate'])).code).toBe(0);

    const first = await run(['run', 'people', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).artifacts[0]).toMatchObject({ version: 1, status: 'released' });

    write(cwd, 'people.csv', people(0, 3040));
    const before = await checksum(server, url);
    const items = await itemsOfPeople();
    const dry = await run(['run', 'people', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout).publish;
    // Read incrementally from the copied cursor: only the 40 appended rows.
    expect(plan.rows).toMatchObject({ extracted: 40, loaded: 40, changed: 40 });
    expect(plan.release).toMatchObject({ name: 'people', version: 2, status: 'planned' });
    // Most chunks are unchanged: reused through the copied upload ledger. What is uploaded is
    // the chunks the 40 rows changed (a content-defined boundary or two) and, as in every
    // version, the card, the documents (croissant.json, README.md) and the manifest.
    expect(plan.release.reusedBytes).toBeGreaterThan(0);
    expect(plan.release.items).toBeGreaterThanOrEqual(5);
    expect(plan.release.items).toBeLessThanOrEqual(4 + 3);
    expect(await checksum(server, url)).toBe(before);
    expect(await itemsOfPeople()).toEqual(items);

    const real = await run(['run', 'people', '--json']);
    expect(real.code, real.stderr).toBe(0);
    const result = JSON.parse(real.stdout);
    expect(result.rows).toMatchObject({ extracted: 40, loaded: 40, changed: 40 });
    expect(result.artifacts[0]).toMatchObject({
      version: 2, status: 'released', uploadedBytes: plan.release.uploadBytes, reusedBytes: plan.release.reusedBytes,
    });
    expect(result.cost.winston).toBe(plan.price.winston);

    // Unchanged now: the dry run says so, and still writes nothing.
    const settled = await checksum(server, url);
    const again = await run(['run', 'people', '--dry-run']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/dataset people: unchanged \(v2\), nothing to upload/);
    expect(await checksum(server, url)).toBe(settled);
  });
});
