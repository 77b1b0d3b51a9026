// A project whose pipeline `items` reads one http source (id,text rows), for the http
import { collect } from './collect.js';
// source's tests; the source's URL and options are given as code (so env('X') works).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { arkiveEntry, newProject, write } from './project.js';
import { withStore } from './run.js';

export function httpProject(urlCode: string, optionsCode: string): string {
  const cwd = newProject();
  write(cwd, 'pipelines/items.ts', `
import { definePipeline, env, http, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'items',
  description: 'http source test',
  sources: [http(${urlCode}, ${optionsCode})],
  schema: z.object({ id: z.string(), text: z.string().min(1) }),
  key: (r) => r.id,
  clean: (f) => ({ id: String(f.id), text: String(f.text ?? '') }),
});
`);
  return cwd;
}

/** Fast failure for tests: a short idle timeout and tiny backoffs. */
export const FAST = 'timeoutMs: 3000, retries: 2, backoffMs: 1, maxBackoffMs: 20';

export async function keys(opts: { cwd: string; home: string }): Promise<string[]> {
  return withStore(opts, async (store) => (await collect(store.records.iterate('items'))).map((r) => r.key));
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Every byte arkive wrote under a home (database, WAL, logs), for "the secret is nowhere" checks. */
export function homeBytes(home: string): string {
  const parts: string[] = [];
  for (const entry of fs.readdirSync(home, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(fs.readFileSync(path.join(entry.parentPath, entry.name), 'latin1'));
  }
  return parts.join('\n');
}
