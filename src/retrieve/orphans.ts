// Temporary files and directories are named after the process that made them, so that what a
// killed process (SIGKILL cannot be caught) left behind can be told from what a running one
// is still writing, and removed by the next process that looks.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Removes the entries of `dir` that belong to a process that no longer runs (the pid is
 * parsed from the name by `pidOf`): what a SIGKILL left behind. A live process keeps its own.
 */
export function removeOrphans(dir: string, pidOf: (name: string) => string | undefined): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(pidOf(name));
    if (pid && !isAlive(pid)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}


/** The temporary paths this process is writing, so a signal handler can remove them at once. */
export class TempPaths {
  private readonly paths = new Set<string>();

  add(file: string): string {
    this.paths.add(file);
    return file;
  }

  delete(file: string): void {
    this.paths.delete(file);
  }

  /** Synchronous: it runs in a signal handler right before the process exits. */
  removeAll(): void {
    for (const file of this.paths) fs.rmSync(file, { recursive: true, force: true });
    this.paths.clear();
  }
}
