import { randomBytes } from 'node:crypto';

/** A run ID that sorts by start time and reads well in logs: 20261125T020501Z-3f9a1c. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
