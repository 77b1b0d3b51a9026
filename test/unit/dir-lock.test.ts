// The devnet directory lock: one live owner; a dead owner's lock (killed, or its pid reused
// by another process) is taken over.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveOwner, tryLock } from '../../src/devnet/dir-lock.js';
import { tmpDir } from '../helpers/tmp.js';

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('tryLock', () => {
  it('gives the lock to one owner and names it to everyone else until released', () => {
    const file = path.join(tmpDir(), 'devnet.lock');
    const lock = tryLock(file);
    expect('release' in lock).toBe(true);
    expect(tryLock(file)).toMatchObject({ holder: { pid: process.pid } });
    expect(liveOwner(file)?.pid).toBe(process.pid);
    if ('release' in lock) lock.release();
    expect(fs.existsSync(file)).toBe(false);
    expect('release' in tryLock(file)).toBe(true);
  });

  it('takes over the lock of a process that died (SIGKILL leaves the file behind)', () => {
    const file = path.join(tmpDir(), 'devnet.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), started: null, acquiredAt: '2020-01-01T00:00:00.000Z' }));
    expect(liveOwner(file)).toBeNull();
    const lock = tryLock(file);
    expect('release' in lock).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to another process (started at another time)', () => {
    const file = path.join(tmpDir(), 'devnet.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, started: 1, acquiredAt: '2020-01-01T00:00:00.000Z' }));
    expect(liveOwner(file)).toBeNull();
    expect('release' in tryLock(file)).toBe(true);
  });

  it('leaves a lock file being written alone, and removes one left half-written long ago', () => {
    const file = path.join(tmpDir(), 'devnet.lock');
    fs.writeFileSync(file, '');
    expect(tryLock(file)).toHaveProperty('holder');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    expect('release' in tryLock(file)).toBe(true);
  });
});
