/** The test-image builders' lock file: one holder at a time, a dead holder's lock is taken over. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLockFile } from './lock.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-lock-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withLockFile', () => {
  it('runs one holder at a time and removes the file afterwards', async () => {
    const lock = join(dir, 'a.lock');
    const events: string[] = [];
    const hold = (name: string) =>
      withLockFile(lock, async () => {
        events.push(`${name} in`);
        expect(existsSync(lock)).toBe(true);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name} out`);
        return name;
      });
    expect(await Promise.all([hold('one'), hold('two'), hold('three')])).toEqual(['one', 'two', 'three']);
    expect(events).toEqual(['one in', 'one out', 'two in', 'two out', 'three in', 'three out']);
    expect(existsSync(lock)).toBe(false);
  });

  it('a failing holder releases the lock for the next one', async () => {
    const lock = join(dir, 'b.lock');
    const failing = withLockFile(lock, async () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    expect(await withLockFile(lock, async () => 'next')).toBe('next');
  });

  it('takes over a lock whose process is gone, and waits for one whose process runs', async () => {
    const stale = join(dir, 'c.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(stale, `${dead.stdout}\n`);
    expect(await withLockFile(stale, async () => 'taken over')).toBe('taken over');

    const held = join(dir, 'd.lock');
    writeFileSync(held, `${process.ppid}\n`); // a live process that is not this one
    await expect(withLockFile(held, async () => 'never', 1_200)).rejects.toThrow(/timed out .* pid/);
    expect(existsSync(held)).toBe(true);
  });
});
