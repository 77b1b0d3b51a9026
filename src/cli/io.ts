// Where commands write. The CLI passes the process streams; tests pass buffers.
import { ArkiveError } from '../errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal: human output; otherwise one JSON log line per event. */
  isTTY?: boolean | undefined;
  /** A terminal to draw progress bars on (stderr when it is one). */
  progress?: NodeJS.WriteStream | undefined;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTTY: process.stdout.isTTY === true,
  progress: process.stderr.isTTY ? process.stderr : undefined,
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** What, where and how to fix: the three lines every error prints on stderr. */
export function printError(io: Io, error: ArkiveError): void {
  io.err(`arkive: ${error.message}\n  code: ${error.code}\n  fix:  ${error.hint}`);
}

/** Fixed-width columns for terminal tables. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
