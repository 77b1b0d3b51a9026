// Reads one row from a home's database while another process (a run being watched, then
// killed) writes to it. A database that does not exist yet reads as undefined.
import BetterSqlite3 from 'better-sqlite3';

export function peek<T>(dbFile: string, sql: string): T | undefined {
  try {
    const db = new BetterSqlite3(dbFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).get() as T | undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}
