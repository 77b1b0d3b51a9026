// The sql source without a database: its options, what it shows of a URL (never a password),
// and how row values become JSON-friendly fields.
import { describe, expect, it } from 'vitest';
import { env, sql } from '../../src/index.js';
import { exactNumber, jsonValue, timestamptzToIso } from '../../src/pipeline/sql-values.js';

const ctx = (environment: Record<string, string> = {}) => ({ cwd: '/project', env: environment });

describe('sql() options', () => {
  it('refuses a missing query, a URL of another scheme, a malformed cursor and bad limits, naming each', () => {
    expect(() => sql({ url: 'mysql://h/db', query: '' })).toThrow(/url must start with postgres:\/\/, postgresql:\/\/ or sqlite:; query must be a non-empty SQL query/);
    expect(() => sql({ url: 'sqlite:a.db', query: 'select 1', cursor: { column: '' } })).toThrow(/cursor must be \{ column/);
    expect(() => sql({ url: 'sqlite:a.db', query: 'select 1', connectTimeoutMs: -1 })).toThrow(/connectTimeoutMs must be a positive whole number/);
    expect(() => sql({ url: 42 as unknown as string, query: 'select 1' })).toThrow(/url must be a string or env/);
    try {
      sql({ url: 'sqlite:a.db', query: ' ; ' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'PIPELINE_INVALID', exitCode: 2 });
    }
  });

  it('is named after the first table it reads from, else "sql"; the name option wins', () => {
    expect(sql({ url: 'sqlite:a.db', query: 'select * from orders where x > 1' }).name).toBe('orders');
    expect(sql({ url: 'sqlite:a.db', query: 'SELECT a FROM public."Order Lines" l join b on true' }).name).toBe('Order Lines');
    expect(sql({ url: 'sqlite:a.db', query: 'select 1 as x' }).name).toBe('sql');
    expect(sql({ url: 'sqlite:a.db', query: 'select * from t', name: 'mine' }).name).toBe('mine');
  });

  it('exposes deleted() as the tombstone', () => {
    const deleted = (f: Record<string, unknown>) => f.gone === true;
    expect(sql({ url: 'sqlite:a.db', query: 'select * from t', deleted }).deleted).toBe(deleted);
    expect(sql({ url: 'sqlite:a.db', query: 'select * from t' }).deleted).toBeUndefined();
  });
});

describe('what the sql source shows of its URL', () => {
  it('drops the password and the query string (which may carry one)', () => {
    const source = sql({ url: 'postgres://app:s3cr%40t-pw@db.example:6543/shop?password=other-secret&sslmode=require', query: 'select * from t' });
    expect(source.describe(ctx())).toBe('postgres://app@db.example:6543/shop');
  });

  it('shows an env() URL resolved (without its password), or the reference while the variable is unset', () => {
    const source = sql({ url: env('DATABASE_URL'), query: 'select * from t' });
    expect(source.describe(ctx({ DATABASE_URL: 'postgresql://u:hunter2-pw@h/db' }))).toBe('postgresql://u@h/db');
    expect(source.describe(ctx())).toBe('env(DATABASE_URL)');
  });

  it('refuses a URL whose password is not percent-encoded, without quoting any of it', async () => {
    // '/' in the password ends the host: "1234/x" would read as a port and a path.
    const source = sql({ url: 'postgres://app:1234/secret-part@db/shop', query: 'select * from t' });
    expect(source.describe(ctx())).not.toContain('secret-part');
    const error = await source.check(ctx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SQL_URL', exitCode: 2 });
    expect(String((error as Error).message)).toContain('source "t"');
    expect(JSON.stringify(error)).not.toContain('secret-part');
    const unparsable = sql({ url: 'postgres://app:pa#ss-secret@db/shop', query: 'select * from t' });
    const failed = await unparsable.check(ctx()).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'SQL_URL', exitCode: 2 });
    expect(JSON.stringify(failed)).not.toContain('ss-secret');
  });

  it('reports an unset env() URL as ENV_MISSING (exit 2) at check', async () => {
    const error = await sql({ url: env('NO_SUCH_DB_URL'), query: 'select 1' }).check(ctx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2 });
  });
});

describe('sql row values as JSON', () => {
  it('keeps 64-bit integers and integral numerics exact: a number when safe, else the decimal string', () => {
    expect(exactNumber('9007199254740991')).toBe(9007199254740991);
    expect(exactNumber('9007199254740993')).toBe('9007199254740993');
    expect(exactNumber('-42')).toBe(-42);
    expect(exactNumber('12.50')).toBe('12.50');
    expect(jsonValue(2n ** 60n)).toBe('1152921504606846976');
    expect(jsonValue(-5n)).toBe(-5);
  });

  it('turns timestamptz text into UTC ISO 8601 with its microseconds, whatever the offset', () => {
    expect(timestamptzToIso('2024-01-02 03:04:05.123456+05:30')).toBe('2024-01-01T21:34:05.123456Z');
    expect(timestamptzToIso('2024-01-02 03:04:05-08')).toBe('2024-01-02T11:04:05Z');
    expect(timestamptzToIso('2024-01-02 03:04:05.5+00')).toBe('2024-01-02T03:04:05.5Z');
    expect(timestamptzToIso('2024-01-02 03:04:05+00')).toBe('2024-01-02T03:04:05Z');
    expect(timestamptzToIso('1901-12-13 20:45:52+00:09:21')).toBe('1901-12-13T20:36:31Z');
    expect(timestamptzToIso('2024-12-31 23:59:59.999999-01')).toBe('2025-01-01T00:59:59.999999Z');
    // Forms Date cannot hold stay as Postgres printed them.
    expect(timestamptzToIso('infinity')).toBe('infinity');
    expect(timestamptzToIso('0044-03-15 12:00:00+00 BC')).toBe('0044-03-15 12:00:00+00 BC');
  });

  it('writes bytes as base64, non-finite floats as strings, dates as ISO, recursively', () => {
    expect(jsonValue(Buffer.from([1, 2, 255]))).toBe('AQL/');
    expect(jsonValue(new Uint8Array([0]))).toBe('AA==');
    expect(jsonValue(Number.NaN)).toBe('NaN');
    expect(jsonValue(-Infinity)).toBe('-Infinity');
    expect(jsonValue([new Date('2024-05-06T07:08:09.010Z'), Buffer.from('hi')])).toEqual(['2024-05-06T07:08:09.010Z', 'aGk=']);
    expect(jsonValue({ a: { b: 1n } })).toEqual({ a: { b: 1 } });
    expect(jsonValue(undefined)).toBeNull();
  });
});
