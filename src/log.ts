// Structured logs: one JSON object per line (pino), for cron mail and log shippers. The
// destination is any line sink, so the CLI can point it at stdout or stderr and tests at a buffer.
import { pino, stdTimeFunctions, type Logger } from 'pino';

export type { Logger };

export function createLogger(write: (line: string) => void, level: 'info' | 'error' = 'info'): Logger {
  // Synchronous writes through our sink: a cron job that exits right after its last line
  // must not lose it in an async buffer.
  return pino({ level, timestamp: stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, { write });
}
