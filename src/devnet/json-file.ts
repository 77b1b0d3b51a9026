// Small JSON files that must survive a kill at any instant: written to a temporary name and
// renamed into place, so a reader sees the old content or the new, never half of one.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value));
  await fs.rename(tmp, file);
}

/** The parsed content, or null when the file does not exist. */
export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
