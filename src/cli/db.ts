// `arkive db status` and `arkive db migrate`: the schema of the configured database (a shared
// Postgres from --database/$ARKIVE_DATABASE, or the home's SQLite file). A team migrates a
// shared database explicitly, once, while runners refuse one that is behind (DB_NOT_MIGRATED)
// or ahead of them (DB_TOO_NEW). Where the database is printed without its password.
import { inspectDatabase, migrateDatabase, tooNew, type SchemaStatus } from '../db/database.js';
import { ExitCode } from '../errors.js';
import { createSystem } from '../system.js';
import { printError, printJson, type Io } from './io.js';
import type { CommandOptions } from './options.js';

/** Exit 0 (pending migrations are reported, not an error); 1 when unreachable or migrated by a newer arkive. */
export async function dbStatusCommand(options: CommandOptions): Promise<number> {
  const status = await inspectDatabase(createSystem(options, options.env).config.database);
  const problem = status.unknown.length ? tooNew(status) : null;
  if (options.json) printJson(options.io, { ...statusJson(status), ...(problem && { error: problem.toJSON() }) });
  else printStatus(options.io, status);
  if (!problem) return ExitCode.ok;
  printError(options.io, problem);
  return problem.exitCode;
}

/** Applies what is pending (nothing is fine) and prints which; a database from a newer arkive is refused (exit 1). */
export async function dbMigrateCommand(options: CommandOptions): Promise<number> {
  const { status, migrated } = await migrateDatabase(createSystem(options, options.env).config.database);
  if (options.json) {
    printJson(options.io, { ...statusJson(status), migrated });
    return ExitCode.ok;
  }
  if (options.quiet) return ExitCode.ok;
  options.io.out(migrated.length
    ? `migrated ${status.dialect} ${status.where}: applied ${migrated.join(', ')}`
    : `${status.dialect} ${status.where} is up to date: nothing to apply (${status.applied.at(-1) ?? 'no migrations'})`);
  return ExitCode.ok;
}

function statusJson(s: SchemaStatus) {
  return { dialect: s.dialect, where: s.where, applied: s.applied, pending: s.pending, unknown: s.unknown, upToDate: !s.pending.length && !s.unknown.length };
}

function printStatus(io: Io, s: SchemaStatus): void {
  const names = (list: string[]) => (list.length ? list.join(', ') : 'none');
  io.out(`database: ${s.dialect} ${s.where}`);
  io.out(`applied:  ${s.applied.length}${s.applied.length ? ` (${s.applied[0]} … ${s.applied.at(-1)})` : ''}`);
  io.out(`pending:  ${names(s.pending)}`);
  io.out(`unknown:  ${names(s.unknown)}`);
  if (s.pending.length && !s.unknown.length) {
    io.out(s.dialect === 'postgres'
      ? 'runners refuse this database until `arkive db migrate` applies the pending migrations'
      : 'the home migrates itself on its next use (or run `arkive db migrate`)');
  }
}
