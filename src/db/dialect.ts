// The SQL dialects arkive's state can live in: the home's SQLite file (one machine) or a
// shared PostgreSQL database (several runners on several machines).
import { sql, type RawBuilder } from 'kysely';
export type Dialect = 'sqlite' | 'postgres';

/** Where the database is: a SQLite file, or a Postgres URL. */
export type DatabaseLocation =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string };

/** The location as it may be printed: a Postgres URL without its password (in the authority or, as libpq allows, `?password=`). */
export function describeLocation(location: DatabaseLocation): string {
  if (location.dialect === 'sqlite') return location.file;
  try {
    const url = new URL(location.url);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** A unique or primary key violation, in either dialect (the loser of an insert race). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * A text column to order by in code-point order on either dialect: SQLite's BINARY already is;
 * a Postgres column orders by the database's collation (en_US on most servers: case-blind,
 * accents after), unless told "C". Record keys are "C" columns already (migrations.ts).
 */
export function codePointOrder(dialect: Dialect, column: string): RawBuilder<string> {
  return dialect === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
}
