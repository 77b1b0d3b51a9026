import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../../src/pipeline/line-reader.js';
import { write } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

async function all(file: string, chunkBytes: number): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const batch of readLines(file, chunkBytes)) lines.push(...batch);
  return lines;
}

describe('readLines', () => {
  it('yields numbered lines whatever the chunk size, stripping CR and a leading BOM', async () => {
    const dir = tmpDir();
    write(dir, 'a.txt', '\uFEFFalpha\r\nbéta\n\ngamma');
    for (const size of [1, 2, 3, 7, 1024]) {
      const lines = await all(path.join(dir, 'a.txt'), size);
      expect(lines.map((l) => [l.no, l.text])).toEqual([[1, 'alpha'], [2, 'béta'], [3, ''], [4, 'gamma']]);
    }
  });

  it('flags only the lines that are not UTF-8, keeping their bytes', async () => {
    const dir = tmpDir();
    const bad = Buffer.from([0x6f, 0x6b, 0xc3, 0x28]);
    write(dir, 'b.txt', Buffer.concat([Buffer.from('one\n'), bad, Buffer.from('\nthree\n')]));
    for (const size of [2, 5, 1024]) {
      const lines = await all(path.join(dir, 'b.txt'), size);
      expect(lines.map((l) => l.text.startsWith('ok') ? 'bad' : l.text)).toEqual(['one', 'bad', 'three']);
      expect(lines[1]!.invalid).toEqual(new Uint8Array(bad));
      expect(lines[0]!.invalid).toBeUndefined();
      expect(lines[2]!.no).toBe(3);
    }
  });
});
