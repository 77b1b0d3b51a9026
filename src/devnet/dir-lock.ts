// An exclusive lock on a state directory shared by processes of one machine (the home's
// ArLocal database, the AO units' lmdb): only one process may open them, since each keeps
// its own in-memory view and would overwrite the other's writes.
//
// The lock is a file created with O_EXCL holding its owner's pid and that process's start
// time (from /proc on Linux). It survives SIGKILL of its owner, so a lock whose owner is
// gone (no such pid, or the pid now belongs to a process started at another time) is stale
// and taken over. Taking over goes through a second O_EXCL file, so of two processes that
// find the same stale lock only one replaces it (the other sees the new, live owner).
import fs from 'node:fs';

export interface LockOwner {
  pid: number;
  /** Start time of the process in clock ticks since boot (Linux), null elsewhere. */
  started: number | null;
  acquiredAt: string;
}

export interface DirLock {
  readonly file: string;
  /** Removes the lock file if this process still owns it. Idempotent. */
  release(): void;
}

/** The lock, or the live owner that holds it. */
export function tryLock(file: string): DirLock | { holder: LockOwner } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const me: LockOwner = { pid: process.pid, started: startTimeOf(process.pid), acquiredAt: new Date().toISOString() };
    if (createExclusive(file, me)) return held(file);
    const holder = readOwner(file);
    if (holder && isAlive(holder)) return { holder };
    removeStale(file, holder);
  }
  const holder = readOwner(file);
  return { holder: holder ?? { pid: 0, started: null, acquiredAt: '' } };
}

/** The current owner if the lock is held by a live process, else null. */
export function liveOwner(file: string): LockOwner | null {
  const owner = readOwner(file);
  return owner && isAlive(owner) ? owner : null;
}

export function isAlive(owner: Pick<LockOwner, 'pid' | 'started'>): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = startTimeOf(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

function held(file: string): DirLock {
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

function createExclusive(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, JSON.stringify(owner));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** null: no lock file, or one not (yet) written completely (its creator may be mid-write). */
function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

// A lock file being written right now reads as null: only a file older than this is taken
// for a broken leftover (its creator died between create and write).
const UNREADABLE_GRACE_MS = 2000;

function removeStale(file: string, seen: LockOwner | null): void {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, { pid: process.pid, started: startTimeOf(process.pid), acquiredAt: new Date().toISOString() })) {
    // Another process is replacing it, or died doing so a while ago.
    const age = ageMs(guard);
    if (age !== null && age > UNREADABLE_GRACE_MS) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    const now = readOwner(file);
    const unchanged = seen ? now?.pid === seen.pid && now.acquiredAt === seen.acquiredAt : now === null && (ageMs(file) ?? 0) > UNREADABLE_GRACE_MS;
    if (unchanged) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function ageMs(file: string): number | null {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started; tells a reused pid from its first owner. */
function startTimeOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
