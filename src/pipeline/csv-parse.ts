// An RFC 4180 record parser for one record's text (which may span lines inside quotes).
// Strict on purpose: a quote inside an unquoted field or text after a closing quote is an
// error, because lenient parsers turn such lines into silently shifted columns.

export type CsvParse =
  | { kind: 'fields'; fields: string[] }
  | { kind: 'open' }
  | { kind: 'error'; code: string; message: string };

const OPEN: CsvParse = { kind: 'open' };

export function parseCsvRecord(text: string, delimiter = ','): CsvParse {
  // Most lines of real files have no quotes at all.
  if (text.indexOf('"') < 0) return { kind: 'fields', fields: text.split(delimiter) };
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      const quoted = readQuoted(text, i + 1);
      if (!quoted) return OPEN;
      fields.push(quoted.value);
      i = quoted.end;
      if (i === text.length) return { kind: 'fields', fields };
      if (text[i] !== delimiter) {
        return badQuote(`unexpected text after a closing quote at column ${i + 1}`);
      }
      i++;
      continue;
    }
    const next = text.indexOf(delimiter, i);
    const end = next < 0 ? text.length : next;
    const value = text.slice(i, end);
    const quote = value.indexOf('"');
    if (quote >= 0) return badQuote(`a quote inside an unquoted field at column ${i + quote + 1}`);
    fields.push(value);
    if (next < 0) return { kind: 'fields', fields };
    i = next + 1;
  }
}

function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let i = start;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return undefined;
    value += text.slice(i, q);
    if (text.charCodeAt(q + 1) === 34) {
      value += '"';
      i = q + 2;
      continue;
    }
    return { value, end: q + 1 };
  }
}

function badQuote(message: string): CsvParse {
  return { kind: 'error', code: 'csv_bad_quote', message: `${message} (quote the whole field and double inner quotes)` };
}
