// A throwaway project directory with its own pipelines/ and source files, for tests that
// need inputs other than the committed fixtures.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, tmpDir } from './tmp.js';

export const arkiveEntry = path.join(repoRoot, 'src/index.ts');

/** A project with pipelines/people.ts reading people.csv (id,name,age). */
export function peopleProject(csvText: string): string {
  const cwd = newProject();
  write(cwd, 'people.csv', csvText);
  write(cwd, 'pipelines/people.ts', `
import { csv, definePipeline, z } from ${JSON.stringify(arkiveEntry)};
export default definePipeline({
  name: 'people',
  description: 'test people',
  sources: [csv('people.csv')],
  schema: z.object({ id: z.string(), name: z.string().min(1), age: z.number().int().min(0) }),
  key: (p) => p.id,
  clean: (f, ctx) => {
    const age = Number(f.age);
    if (!Number.isFinite(age)) return ctx.reject('bad_age', 'age is not a number: ' + String(f.age));
    return { id: String(f.id), name: String(f.name).trim(), age };
  },
});
`);
  return cwd;
}

/** An empty ESM project, as `npm init` + `"type": "module"` leaves it. */
export function newProject(): string {
  const cwd = tmpDir('arkive-project-');
  write(cwd, 'package.json', JSON.stringify({ name: 'project', private: true, type: 'module' }));
  return cwd;
}

export function write(dir: string, file: string, text: string | Buffer): void {
  const full = path.join(dir, file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
}
