// Many runners, one Postgres: four `arkive schedule` processes with separate homes share one
// PostgreSQL database and one `arkive dev` stack (custom network: its gateway, bundler and
// wallet). Six pipelines tick every second for 30 s, their data changing every 5 s, so they
// release over and over. Every due tick is handled exactly once, no pipeline runs twice at
// once, nothing is archived or paid for twice; one runner is killed with SIGKILL mid-release
// (after its files are archived, before the manifest), and another takes its pipeline over
// after the lease TTL and finishes that very release without paying again.
import { expect, it } from 'vitest';
import pg from 'pg';
import { HttpGateway } from '../../src/archive/http-gateway.js';
import { arkive } from '../helpers/cli.js';
import { devStackForFile } from '../helpers/dev-stack.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';
import { arkiveEntry, newProject, write } from '../helpers/project.js';
import { startRunner, until, type LogLine, type Runner } from '../helpers/runners.js';
import { tmpDir } from '../helpers/tmp.js';

const fileStarted = Date.now();
const PIPELINES = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
const WINDOW_MS = 5_000;
const TICKS_FOR_MS = 30_000;
const FUND = 10n ** 15n;

const stack = devStackForFile();

/** A pipeline ticking every second whose 40 rows change with each 5-second window (or stay at `frozen/<name>`). */
function windowPipeline(cwd: string, name: string): void {
  write(cwd, `pipelines/${name}.ts`, `
import fs from 'node:fs';
import path from 'node:path';
import { definePipeline, z } from ${JSON.stringify(arkiveEntry)};
const NAME = ${JSON.stringify(name)};
const source = {
  name: 'window', describe: () => 'rows of the current ${WINDOW_MS / 1000}-second window', check: async () => ({}),
  async *open(ctx) {
    const frozen = path.join(ctx.cwd, 'frozen', NAME);
    const window = fs.existsSync(frozen) ? Number(fs.readFileSync(frozen, 'utf8')) : Math.floor(Date.now() / ${WINDOW_MS});
    yield Array.from({ length: 40 }, (_, i) => ({
      line: i + 1, raw: String(i),
      fields: { id: String(i).padStart(3, '0'), pipeline: NAME, window, text: NAME + ' row ' + i + ' of window ' + window },
    }));
  },
};
export default definePipeline({
  name: NAME, description: 'scale test', sources: [source],
  schema: z.object({ id: z.string(), pipeline: z.string(), window: z.number(), text: z.string() }), key: (r) => r.id,
  schedule: '* * * * * *',
});
`);
}

const finishedTick = (l: LogLine) => l.component === 'scheduler' && typeof l.state === 'string';
const second = (ms: number) => Math.floor(ms / 1000) * 1000;

describePostgres('four arkive schedule runners on one Postgres and one dev stack', (server) => {
  it('handle every tick once, never run a pipeline twice at once, pay for nothing twice, and take over a killed runner', async () => {
    const url = await freshDatabase(server(), 'scale');
    const cwd = newProject();
    for (const name of PIPELINES) windowPipeline(cwd, name);
    expect((await arkive(['db', 'migrate'], { cwd, env: { ARKIVE_DATABASE: url } })).code).toBe(0);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
    try {
      await fund();
      const env = { ...stack().env, ARKIVE_DATABASE: url, ARKIVE_LEASE_TTL_MS: '3000' };
      const start = (name: string, extra: Record<string, string> = {}) =>
        startRunner(name, ['schedule', '--json', '--home', tmpDir()], { cwd, env: { ...env, ...extra }, deadlineMs: 110_000 });
      const runners = ['a', 'b', 'c'].map((n) => start(n));
      await until('each runner handled a tick', () => runners.every((r) => r.lines.some(finishedTick)), 45_000,
        () => runners.map((r) => r.stderr()).join('\n'));
      const windowStart = second(Date.now()) + 1000;

      const { killer, dead, halfDone } = await killOneRunner(() => start('k', { ARKIVE_TEST_KILL_AT: 'files-archived' }), rows, cwd);
      const deadIds = dead.map((d) => d.run_id);
      await until('30 s of ticks', () => Date.now() >= windowStart + TICKS_FOR_MS, TICKS_FOR_MS + 5_000);
      const stopping = Date.now();
      const exits = await Promise.all(runners.map((r) => r.stop()));
      expect(exits, runners.map((r) => r.stderr()).join('\n')).toEqual(runners.map(() => ({ code: 0, signal: null })));
      const windowEnd = second(stopping) - 1000;

      await ticksHandledOnce(rows, [...runners, killer], deadIds, windowStart, windowEnd);
      await noRunOverlaps(rows, deadIds);
      await tookOverAfterTtl(rows, runners, dead);
      await takenOver(rows, halfDone);
      const notBooked = await paidOnce(rows, halfDone);
      await releasesNumbered(rows);
      await report(rows, [...runners, killer], { windowMs: windowEnd - windowStart + 1000, dead: dead.length, notBooked });
    } finally {
      await db.end();
    }
  }, 150_000);
});

type Rows = <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;
type DeadLease = { pipeline: string; run_id: string; expires_at: number };
type HalfDone = { name: string; version: number; run_id: string };

/**
 * Starts the fourth runner, which kills itself (SIGKILL) once it has archived a release's
 * files, before its manifest; freezes the data of the pipelines it held (as its runs loaded
 * them, so the takeover finds the same content) and waits until others took them over.
 */
async function killOneRunner(start: () => Runner, rows: Rows, cwd: string): Promise<{ killer: Runner; dead: DeadLease[]; halfDone: HalfDone[] }> {
  const killer = start();
  const death = await Promise.race([killer.exited, new Promise<null>((r) => setTimeout(() => r(null), 40_000))]);
  expect(death, 'the killed runner never reached files-archived').toEqual({ code: null, signal: 'SIGKILL' });
  const dead = await rows<DeadLease>('select pipeline, run_id, expires_at from leases where pid = $1', [killer.pid]);
  expect(dead.length).toBeGreaterThanOrEqual(1);
  for (const { pipeline } of dead) {
    const [row] = await rows<{ data: string }>('select data from records where dataset = $1 limit 1', [pipeline]);
    write(cwd, `frozen/${pipeline}`, String(JSON.parse(row!.data).window));
  }
  const deadIds = dead.map((d) => d.run_id);
  const halfDone = await rows<HalfDone>("select name, version, run_id from releases where state = 'pending' and run_id = any($1)", [deadIds]);
  expect(halfDone.length, 'the run that hit files-archived left its pending release').toBeGreaterThanOrEqual(1);
  await until('another runner took over and finished the dead runs\' releases', async () => {
    const abandoned = await rows("select id from runs where id = any($1) and error_code = 'RUN_ABANDONED'", [deadIds]);
    const pending = await rows("select 1 from releases where state = 'pending' and run_id = any($1)", [deadIds]);
    return abandoned.length === deadIds.length && pending.length === 0;
  }, 30_000);
  return { killer, dead, halfDone };
}

/** The figures for the report: wall time, ticks by state, the takeover, peak RSS of one runner (bounded). */
async function report(rows: Rows, runners: Runner[], at: { windowMs: number; dead: number; notBooked: number }): Promise<void> {
  const peak = Math.max(...runners.map((r) => r.peakRss()));
  const states = await rows<{ state: string; n: number }>('select state, count(*)::int as n from schedule_ticks group by state order by state');
  console.log(`scale test: ${Date.now() - fileStarted} ms wall (file), window ${at.windowMs} ms of ticks, `
    + `ticks ${states.map((t) => `${t.state} ${t.n}`).join(', ')}, killed runner held ${at.dead} lease(s), `
    + `${at.notBooked} item(s) paid once but not in the spend table, peak RSS of one arkive schedule ${(peak / 2 ** 20).toFixed(0)} MiB`);
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(1024 * 2 ** 20);
}

async function fund(): Promise<void> {
  const res = await fetch(`${stack().bundler}/dev/fund`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: stack().address, winston: String(FUND) }),
  });
  expect(res.status).toBe(200);
}

/**
 * One row per (pipeline, second) of the window, each with one state; running/done ticks name
 * distinct runs; no runner ran another's tick. `running` is left only by the killed runner (the last of `runners`).
 */
async function ticksHandledOnce(rows: Rows, runners: Runner[], deadIds: string[], from: number, to: number): Promise<void> {
  const ticks = await rows<{ pipeline: string; tick_at: string; state: string; run_id: string | null }>(
    'select pipeline, tick_at, state, run_id from schedule_ticks order by pipeline, tick_at');
  for (const pipeline of PIPELINES) {
    const seen = new Set(ticks.filter((t) => t.pipeline === pipeline).map((t) => t.tick_at));
    const missing: string[] = [];
    for (let t = from; t <= to; t += 1000) if (!seen.has(new Date(t).toISOString())) missing.push(new Date(t).toISOString());
    expect(missing, `${pipeline}: due ticks no runner handled`).toEqual([]);
  }
  const states = new Map<string, number>();
  for (const t of ticks) states.set(t.state, (states.get(t.state) ?? 0) + 1);
  // skipped: a second every runner's event loop was blocked past (recorded by the next tick, scheduler.ts skipBetween).
  expect([...states.keys()].filter((s) => !['done', 'running', 'locked', 'overlap', 'interrupted', 'skipped'].includes(s)), JSON.stringify([...states])).toEqual([]);
  // Each tick a runner claimed (its `tick` event) was claimed by no other runner.
  const claims = new Map<string, string[]>();
  for (const r of runners) {
    for (const l of r.lines) if (l.component === 'scheduler' && l.runKey && l.reason) claims.set(l.runKey, [...(claims.get(l.runKey) ?? []), r.name]);
  }
  expect([...claims].filter(([, who]) => who.length > 1)).toEqual([]);
  const killer = runners.at(-1)!.name;
  // A tick the killed runner had claimed stays running, naming its dead run (unless it died before recording it).
  for (const t of ticks.filter((x) => x.state === 'running')) {
    expect(claims.get(`${t.pipeline}@${t.tick_at}`), `running tick ${t.pipeline}@${t.tick_at}`).toEqual([killer]);
    if (t.run_id) expect(deadIds).toContain(t.run_id);
  }
  const ran = ticks.filter((t) => t.state === 'done' || t.state === 'interrupted');
  expect(ran.every((t) => t.run_id)).toBe(true);
  const named = [...ran, ...ticks.filter((t) => t.state === 'running' && t.run_id)].map((t) => t.run_id);
  expect(new Set(named).size).toBe(named.length);
  expect(states.get('done')).toBeGreaterThan(PIPELINES.length * 3);
  expect(states.get('locked'), 'runners contended for pipelines').toBeGreaterThan(0);
}

/** No two runs of a pipeline overlap in [started_at, finished_at]; every run ended; only the dead runs were abandoned. */
async function noRunOverlaps(rows: Rows, deadIds: string[]): Promise<void> {
  const runs = await rows<{ id: string; pipeline: string; status: string; started_at: string; finished_at: string | null; error_code: string | null }>(
    'select id, pipeline, status, started_at, finished_at, error_code from runs order by pipeline, started_at');
  expect(runs.filter((r) => !r.finished_at || r.status === 'running')).toEqual([]);
  for (const pipeline of PIPELINES) {
    const mine = runs.filter((r) => r.pipeline === pipeline);
    for (let i = 1; i < mine.length; i++) {
      expect(mine[i]!.started_at >= mine[i - 1]!.finished_at!, `${pipeline}: ${mine[i]!.id} started before ${mine[i - 1]!.id} ended`).toBe(true);
    }
  }
  expect(runs.filter((r) => r.status === 'failed').map((r) => [r.id, r.error_code]).sort()).toEqual(deadIds.map((id) => [id, 'RUN_ABANDONED']).sort());
  expect(runs.filter((r) => r.status === 'released').length).toBeGreaterThan(PIPELINES.length * 3);
}

/** Each dead run's pipeline was taken over by a live runner, only once its lease had expired. */
async function tookOverAfterTtl(rows: Rows, runners: Runner[], dead: DeadLease[]): Promise<void> {
  for (const d of dead) {
    const takeovers = runners.flatMap((r) => r.lines.filter((l) => (l.tookOver as { runId?: string } | null)?.runId === d.run_id));
    expect(takeovers, `who took over ${d.pipeline} from ${d.run_id}`).toHaveLength(1);
    const [next] = await rows<{ id: string; started_at: string }>('select id, started_at from runs where id = $1', [takeovers[0]!.runId]);
    expect(next!.id).not.toBe(d.run_id);
    expect(new Date(next!.started_at).getTime()).toBeGreaterThanOrEqual(Number(d.expires_at));
  }
}

/**
 * The releases the killed runner left pending were committed by the runs that took over, each
 * item paid at most once; the one it had archived every file of (files-archived) cost them only its manifest.
 */
async function takenOver(rows: Rows, halfDone: HalfDone[]): Promise<void> {
  let filesArchived = 0;
  for (const r of halfDone) {
    const [release] = await rows<{ state: string; content_id: string | null }>(
      'select state, content_id from releases where name = $1 and version = $2', [r.name, r.version]);
    expect(release).toMatchObject({ state: 'committed', content_id: expect.stringMatching(/^[\w-]{43}$/) });
    // One run released it (unchanged runs after it name the version too): not the dead one.
    const finisher = await rows<{ id: string }>("select id from runs where pipeline = $1 and version = $2 and status = 'released'", [r.name, r.version]);
    expect(finisher).toHaveLength(1);
    expect(finisher[0]!.id).not.toBe(r.run_id);
    const paid = await rows<{ kind: string; sha256: string; run_id: string }>('select kind, sha256, run_id from spend where name = $1 and version = $2 order by kind', [r.name, r.version]);
    expect(new Set(paid.map((p) => p.sha256)).size).toBe(paid.length);
    expect(paid.filter((p) => p.kind === 'release')).toHaveLength(1);
    expect(paid.find((p) => p.kind === 'release')?.run_id).toBe(finisher[0]!.id);
    // Chunk, documents (croissant.json, README.md) and card: all paid by the dead run, or some by the finisher.
    const files = paid.filter((p) => p.kind !== 'release');
    if (files.some((p) => p.kind === 'card') && files.every((p) => p.run_id === r.run_id)) filesArchived++;
  }
  expect(filesArchived, 'a release whose chunk and card the dead run had paid for').toBeGreaterThanOrEqual(1);
}

interface Ledger { sha256: string; kind: string; item_id: string; header: Buffer | null; size: number }

/**
 * Nothing archived or paid twice: no Content-SHA256 twice on the gateway, every item there is
 * one of the ledger's, and the bundler charged exactly one item's price for each of them.
 * Returns the items the spend table misses (see unbooked).
 */
async function paidOnce(rows: Rows, halfDone: Array<{ name: string; version: number }>): Promise<number> {
  await stack().flush();
  const items = await new HttpGateway({ urls: [stack().gateway] }).query({ owners: [stack().address], tags: [{ name: 'App-Name', values: ['arkive'] }], first: 100_000 });
  const shas = items.map((i) => i.tags.find((t) => t.name === 'Content-SHA256')?.value);
  expect(shas.every(Boolean)).toBe(true);
  expect(shas.filter((s, i) => shas.indexOf(s) !== i), 'Content-SHA256 archived twice').toEqual([]);
  const ledger = await rows<Ledger>("select sha256, kind, item_id, header, size from uploads where item_id is not null and state in ('posted', 'confirmed')");
  expect(ledger.map((l) => l.item_id).sort()).toEqual(items.map((i) => i.id).sort());
  expect(ledger.every((l) => l.header && l.kind !== 'found')).toBe(true);
  const prices = await Promise.all(ledger.map(async (l) => BigInt(await (await fetch(`${stack().bundler}/price/arweave/${l.header!.length + Number(l.size)}`)).text())));
  const balance = await (await fetch(`${stack().bundler}/account/balance/arweave?address=${stack().address}`)).json() as { balance: string };
  expect(FUND - BigInt(balance.balance), 'the bundler charged each item once').toBe(prices.reduce((n, p) => n + p, 0n));
  return unbooked(rows, ledger, halfDone);
}

/**
 * Items the bundler charged for that the spend table does not list: a runner killed after the
 * bundler took an item and before it recorded it as posted; the run that takes over finds the
 * item on the gateway and reuses it, paying nothing, so nobody books that payment. Only items
 * of the releases the killed runner left may be missing.
 */
async function unbooked(rows: Rows, ledger: Ledger[], halfDone: Array<{ name: string; version: number }>): Promise<number> {
  const spend = await rows<{ item_id: string }>('select item_id from spend');
  expect(new Set(spend.map((s) => s.item_id)).size).toBe(spend.length);
  const booked = new Set(spend.map((s) => s.item_id));
  const missing = ledger.filter((l) => !booked.has(l.item_id));
  const left = await rows<{ files: string; manifest_id: string }>('select files, manifest_id from releases where (name, version) in (select * from unnest($1::text[], $2::int[]))',
    [halfDone.map((h) => h.name), halfDone.map((h) => h.version)]);
  const theirs = new Set(left.flatMap((r) => [r.manifest_id, ...(JSON.parse(r.files) as Array<{ id: string }>).map((f) => f.id)]));
  expect(missing.filter((m) => !theirs.has(m.item_id)), 'paid but not booked, outside the killed runner\'s releases').toEqual([]);
  return missing.length;
}

/** Versions of every name are 1..n, all committed: no gap, no duplicate, nothing left pending. */
async function releasesNumbered(rows: Rows): Promise<void> {
  const releases = await rows<{ name: string; version: number; state: string }>('select name, version, state from releases order by name, version');
  for (const name of PIPELINES) {
    const mine = releases.filter((r) => r.name === name);
    expect(mine.map((r) => r.version)).toEqual(mine.map((_, i) => i + 1));
    expect(mine.every((r) => r.state === 'committed'), `${name}: ${JSON.stringify(mine)}`).toBe(true);
    expect(mine.length).toBeGreaterThanOrEqual(2);
  }
}
