// `arkive diff` and `arkive verify` between two released versions of a small dataset.
import { describe, expect, it } from 'vitest';
import { arkive } from '../helpers/cli.js';
import { peopleProject, write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

const rows = (from: number, to: number, edit = -1) =>
  Array.from({ length: to - from }, (_, i) => `${from + i},person ${from + i}${from + i === edit ? ' (edited)' : ''},${(from + i) % 90}`);

describe('diff and verify', () => {
  it('reports rows added, removed and changed by key, and shared chunks; verify confirms', async () => {
    const cwd = peopleProject(`id,name,age\n${rows(1000, 3000).join('\n')}\n`);
    const home = tmpDir();
    expect((await arkive(['run', 'people', '--home', home], { cwd })).code).toBe(0);
    // v2: 1100 edited, 1000-1009 removed, 3000-3049 added.
    write(cwd, 'people.csv', `id,name,age\n${rows(1010, 3050, 1100).join('\n')}\n`);
    const v2 = await arkive(['run', 'people', '--json', '--home', home], { cwd });
    expect(JSON.parse(v2.stdout).artifacts[0].version).toBe(2);

    const diff = await arkive(['diff', 'people@v1', 'people@v2', '--json', '--home', home], { cwd });
    expect(diff.code, diff.stderr).toBe(0);
    const d = JSON.parse(diff.stdout);
    expect(d).toMatchObject({ keyed: true, from: { version: 1 }, to: { version: 2 }, rows: { added: 50, removed: 10, changed: 1, unchanged: 1989 } });
    expect(d.schema).toEqual({ added: [], removed: [], changed: [] });
    // Both versions fit in one chunk (default 1 MiB target), and it changed.
    expect(d.chunks).toEqual({ shared: 0, from: 1, to: 1 });
    expect(d.bytes.shared).toBe(0);

    const verify = await arkive(['verify', 'people', '--json', '--home', home], { cwd });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ version: 2, verified: true, confirmation: { status: 'confirmed', height: expect.any(Number) } });
    const unknown = await arkive(['verify', 'people@v9', '--home', home], { cwd });
    expect(unknown.code).toBe(2);
  });
});
