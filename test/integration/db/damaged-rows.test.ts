// Rows that lie, on both dialects: a shared database is written by every runner and by
// whoever holds its password. A column that does not hold what arkive writes fails with
// DB_ROW_DAMAGED naming the table, the row and the column, never with JSON.parse's words, and
// a spend row can never make a budget see less spent than was.
import { expect, it } from 'vitest';
import { describeDatabases, type Connection } from '../../helpers/databases.js';

async function damaged(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ code: 'DB_ROW_DAMAGED', exitCode: 1 });
  return error as { message: string; hint: string };
}

async function spendRow(c: Connection, sha256: string, winston: string) {
  await c.database.db.insertInto('spend').values({
    owner: 'w', sha256, item_id: `i-${sha256}`, kind: 'chunk', run_id: 'run-1', pipeline: 'p', network: 'net', name: 'ds', version: 1,
    item_bytes: 10, winston, created_at: '2026-01-15T00:00:00.000Z',
  }).execute();
}

describeDatabases('damaged rows', (db) => {
  it('refuses a source state that is not JSON, or not a flat object, naming the pipeline and source', async () => {
    const c = db();
    for (const [source, state] of [['a', '{"cursor": 1'], ['b', '[1,2]'], ['c', '{"nested":{"x":1}}'], ['d', 'null']]) {
      await c.database.db.deleteFrom('source_state').execute();
      await c.database.db.insertInto('source_state').values({ pipeline: 'p', source: source!, state: state!, run_id: 'r', updated_at: 'u' }).execute();
      const error = await damaged(c.sourceStates.get('p'));
      expect(error.message).toContain(`the source_state row of pipeline p, source ${source} in the database ${c.database.where} is damaged: its state is not`);
      expect(error.message).toContain(JSON.stringify(state));
      expect(error.hint).toContain('arkive run p --full');
    }
  });

  it('refuses a spend row that is not a whole non-negative winston amount: a negative one would hide spending', async () => {
    const c = db();
    await spendRow(c, 'good', '100');
    expect(await c.spend.ofRun('run-1')).toBe(100n);
    for (const winston of ['-50', '1e3', '12.5', '', ' 7', '0x10', 'lots']) {
      await c.database.db.deleteFrom('spend').where('sha256', '=', 'bad').execute();
      await spendRow(c, 'bad', winston);
      const sums = [() => c.spend.ofRun('run-1'), () => c.spend.ofPipeline('p', new Date('2026-01-01'), new Date('2026-02-01')), () => c.spend.byMonth()];
      for (const sum of sums) {
        const error = await damaged(sum());
        expect(error.message).toContain('the spend row of owner w, sha256 bad');
        expect(error.message).toContain(`its winston is not a non-negative whole number of winston (${JSON.stringify(winston)})`);
      }
    }
  });

  it('refuses a model whose hyperparameters, metrics or tensor shape are not what arkive writes', async () => {
    const c = db();
    await c.models.save('net', {
      name: 'm', version: 1, runId: 'r', trainedOn: 'cid', hyperparameters: {}, metrics: { loss: Number.NaN }, createdAt: 'c',
    }, [{ file: 'f', tensor: 't', dtype: 'F32', shape: [2], data: new Uint8Array(8) }]);
    // A NaN metric is stored as null by JSON, and read back as such.
    expect((await c.models.list('net', 'm'))[0]!.metrics).toEqual({ loss: null });
    await c.database.db.updateTable('models').set({ hyperparameters: 'not json' }).execute();
    expect((await damaged(c.models.list('net', 'm'))).message).toContain('the models row of model m v1 on net');
    await c.database.db.updateTable('models').set({ hyperparameters: '{}', metrics: '[0.5]' }).execute();
    expect((await damaged(c.models.list('net', 'm'))).message).toContain('its metrics is not a JSON object ("[0.5]")');
    for (const shape of ['[-1]', '[1.5]', '{"0":2}', '"2"']) {
      await c.database.db.updateTable('model_tensors').set({ shape }).execute();
      expect((await damaged(c.models.tensors('net', 'm', 1))).message).toContain('its shape is not a JSON array of whole dimensions');
    }
  });

  it('refuses a latest tick that is not an ISO time as arkive writes it (catch-up would count from nowhere)', async () => {
    const c = db();
    await c.ticks.claim('p', new Date('2026-03-10T03:00:00Z'), 'done', new Date());
    expect(await c.ticks.latest('p')).toEqual(new Date('2026-03-10T03:00:00Z'));
    for (const tickAt of ['garbage', '2026-13-45T00:00:00.000Z', '2027-01-01']) {
      await c.database.db.deleteFrom('schedule_ticks').where('tick_at', '!=', '2026-03-10T03:00:00.000Z').execute();
      await c.database.db.insertInto('schedule_ticks').values({ pipeline: 'p', tick_at: tickAt, state: 'done', run_id: null, recorded_at: 'r', finished_at: null }).execute();
      const error = await damaged(c.ticks.latest('p'));
      expect(error.message).toContain(`the schedule_ticks row of pipeline p, tick ${JSON.stringify(tickAt)}`);
    }
  });
});
