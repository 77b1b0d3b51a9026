import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../../src/pipeline/line-reader.js';
import { write } from '../helpers/project.js';
import { repoRoot, tmpDir } from '../helpers/tmp.js';

async function all(file: string, chunkBytes: number, maxLineBytes?: number): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const batch of readLines(file, { chunkBytes, ...(maxLineBytes && { maxLineBytes }) })) for (const line of batch) lines.push(line);
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

  it('keeps a U+FEFF that starts a line mid-file, whichever read block it starts; drops only the BOM of the file itself', async () => {
    const dir = tmpDir();
    write(dir, 'c.txt', '\uFEFFone\n\uFEFFtwo\nthree\n\uFEFF\n');
    for (const size of [1, 2, 3, 4, 5, 7, 8, 11, 1024]) {
      const lines = await all(path.join(dir, 'c.txt'), size);
      expect(lines.map((l) => l.text)).toEqual(['one', '\uFEFFtwo', 'three', '\uFEFF']);
    }
    write(dir, 'd.txt', 'a\n\uFEFF\uFEFFb');
    expect((await all(path.join(dir, 'd.txt'), 2)).map((l) => l.text)).toEqual(['a', '\uFEFF\uFEFFb']);
  });

  it('reports which lines ended with CRLF', async () => {
    const dir = tmpDir();
    write(dir, 'e.txt', 'a\r\nb\nc\r\r\nd\r');
    for (const size of [1, 3, 1024]) {
      const lines = await all(path.join(dir, 'e.txt'), size);
      expect(lines.map((l) => [l.text, l.crlf ?? false])).toEqual([['a', true], ['b', false], ['c\r', true], ['d', true]]);
    }
  });

  it('cuts a line over the limit to its head, counts its bytes, and reads on after its newline', async () => {
    const dir = tmpDir();
    const long = 'x'.repeat(5000);
    write(dir, 'f.txt', `\uFEFF${long}\nshort\n${'y'.repeat(3000)}\nend`);
    for (const size of [7, 100, 1024, 1 << 16]) {
      const lines = await all(path.join(dir, 'f.txt'), size, 2048);
      expect(lines.map((l) => [l.no, l.tooLarge?.bytes ?? l.text])).toEqual([[1, 5000], [2, 'short'], [3, 3000], [4, 'end']]);
      expect(lines[0]!.text).toBe('x'.repeat(1024));
    }
  });

  it('flags a file with no newline at all, over the limit, as one oversized line', async () => {
    const dir = tmpDir();
    write(dir, 'g.txt', 'z'.repeat(10_000));
    const lines = await all(path.join(dir, 'g.txt'), 1000, 4096);
    expect(lines).toEqual([{ no: 1, text: 'z'.repeat(1024), tooLarge: { bytes: 10_000 } }]);
  });

  it('reads a 64 MB file with no newline in memory bounded by the limit, not by the line', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'h.txt');
    fs.writeFileSync(file, Buffer.alloc(64 << 20, 0x61));
    fs.appendFileSync(file, '\nok\n');
    const limit = 8 << 20;
    // A child of its own, so its peak RSS is this reader's alone; killed if it outlives the timeout.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/read-lines-child.ts'), file, String(limit)], {
      cwd: repoRoot, timeout: 50_000, killSignal: 'SIGKILL', maxBuffer: 1 << 20,
    });
    const { seen, growthBytes } = JSON.parse(stdout) as { seen: unknown[]; growthBytes: number };
    expect(seen).toEqual([{ no: 1, tooLarge: 64 << 20 }, { no: 2 }]);
    // Measured: about 33 MB (the limit plus read chunks not yet collected); the old reader, which
    // grew one buffer with the line and copied it on every chunk, rose by 259 MB.
    expect(growthBytes).toBeLessThan(96 << 20);
  });

  it('reads a chunk that is a million empty lines', async () => {
    const dir = tmpDir();
    write(dir, 'i.txt', `a\n${'\n'.repeat(1_000_000)}b`);
    const lines = await all(path.join(dir, 'i.txt'), 1 << 21, 4096);
    expect(lines).toHaveLength(1_000_002);
    expect(lines.at(-1)).toEqual({ no: 1_000_002, text: 'b' });
  });
});
