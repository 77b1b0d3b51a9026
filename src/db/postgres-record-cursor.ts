// The records of a dataset in key order from Postgres, through a server-side cursor: one
// plan for the whole read, in one transaction (a consistent view), fetched in pages so memory
// stays flat whatever the table size. Why not keyset pages as on SQLite: each page is planned
// on its own, and right after a bulk load (no statistics yet) the planner expects a few
// hundred rows and sorts the whole dataset for every page (measured: 100 ms a page at 200,000
// rows). A cursor is planned for a fast start (cursor_tuple_fraction), so it walks the key index.
import { sql, type Kysely } from 'kysely';
import type { Schema } from './schema.js';

type Row = { key: string; hash: string; data: string };

export async function* postgresRecords(db: Kysely<Schema>, dataset: string, pageRows: number): AsyncGenerator<Row> {
  const trx = await db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
  let done = false;
  try {
    await sql`declare records_in_key_order no scroll cursor for
      select key, hash, data from records where dataset = ${dataset} order by key`.execute(trx);
    for (;;) {
      const page = await sql<Row>`fetch forward ${sql.lit(pageRows)} from records_in_key_order`.execute(trx);
      yield* page.rows;
      if (page.rows.length < pageRows) break;
    }
    done = true;
  } finally {
    // A consumer that stops early (an error in the snapshot) ends the transaction too.
    await (done ? trx.commit() : trx.rollback()).execute().catch(() => {});
  }
}
