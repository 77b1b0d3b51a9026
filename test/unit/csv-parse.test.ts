import { describe, expect, it } from 'vitest';
import { parseCsvRecord } from '../../src/pipeline/csv-parse.js';

describe('parseCsvRecord', () => {
  it('splits plain fields, keeping empty ones', () => {
    expect(parseCsvRecord('a,,c,')).toEqual({ kind: 'fields', fields: ['a', '', 'c', ''] });
  });

  it('unquotes quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsvRecord('1,"a, b","say ""hi""","x\ny"')).toEqual({
      kind: 'fields', fields: ['1', 'a, b', 'say "hi"', 'x\ny'],
    });
  });

  it('reports an open quoted field so the caller can join the next line', () => {
    expect(parseCsvRecord('1,"starts here')).toEqual({ kind: 'open' });
    expect(parseCsvRecord('1,"ends ""not"" yet')).toEqual({ kind: 'open' });
  });

  it('refuses a quote inside an unquoted field, naming the column', () => {
    const result = parseCsvRecord('R1,He said "wow",x');
    expect(result.kind).toBe('error');
    expect(result).toMatchObject({ code: 'csv_bad_quote' });
    expect((result as { message: string }).message).toContain('column 12');
  });

  it('refuses text after a closing quote', () => {
    expect(parseCsvRecord('"a"b,c')).toMatchObject({ kind: 'error', code: 'csv_bad_quote' });
  });

  it('honours another delimiter', () => {
    expect(parseCsvRecord('a;"b;c";d', ';')).toEqual({ kind: 'fields', fields: ['a', 'b;c', 'd'] });
  });
});
