// A scratch copy of a home's database, for a dry run: it loads, snapshots and plans there as
// a real run would, and the home's own database is never written. (A shared Postgres is not
// copied whole: the dry run copies its pipeline's rows into a fresh scratch file, pipeline-copy.ts.) SQLite's VACUUM INTO
// copies a consistent state even while another process writes the home (it reads in one
// transaction). The connection is opened read-write on purpose: a read-only one leaves
// empty -wal and -shm files next to a closed WAL database; this one changes no byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { RuntimeFailure } from '../errors.js';

export interface Scratch {
  /** A fresh directory outside the home (the copy, and room for staging). */
  dir: string;
  /** The copy; absent when the home has no database yet (openDatabase then makes a fresh one). */
  dbFile: string;
  remove(): void;
}

/** A scratch directory without a database yet (a dry run on Postgres fills one: pipeline-copy.ts). */
export function newScratch(): Scratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-dry-run-'));
  return { dir, dbFile: path.join(dir, 'arkive.db'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function scratchCopy(homeDbFile: string): Scratch {
  const scratch = newScratch();
  const { dbFile, remove } = scratch;
  if (!fs.existsSync(homeDbFile)) return scratch;
  try {
    const home = new BetterSqlite3(homeDbFile, { fileMustExist: true });
    try {
      home.pragma('busy_timeout = 10000');
      home.prepare('VACUUM INTO ?').run(dbFile);
    } finally {
      home.close();
    }
  } catch (error) {
    remove();
    throw new RuntimeFailure({
      code: 'DB_COPY',
      message: `cannot copy the database ${homeDbFile} for a dry run: ${(error as Error).message}`,
      hint: `Check that ${os.tmpdir()} has room for a copy of the database and is writable.`,
      cause: error,
    });
  }
  return scratch;
}
