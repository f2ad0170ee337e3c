/** flock(1)-based locks: exclusive/shared semantics, non-blocking tries, timeouts, release. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lock, tryLock, withLock } from '../../../../src/engine/store/lock.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lock-'));
  path = join(dir, 'sub', 'x.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('store locks', () => {
  it('excludes a second exclusive holder, even in the same process, until released', async () => {
    const held = await lock(path);
    expect(await tryLock(path, { timeoutMs: 0 })).toBeUndefined();
    expect(await tryLock(path, { mode: 'shared', timeoutMs: 0 })).toBeUndefined();
    await held.release();
    await held.release(); // idempotent
    const again = await tryLock(path, { timeoutMs: 0 });
    expect(again).toBeDefined();
    await again!.release();
  });

  it('lets shared holders in together and keeps an exclusive one out', async () => {
    const a = await lock(path, { mode: 'shared' });
    const b = await tryLock(path, { mode: 'shared', timeoutMs: 0 });
    expect(b).toBeDefined();
    expect(await tryLock(path, { timeoutMs: 0 })).toBeUndefined();
    await a.release();
    await b!.release();
  });

  it('times out with a clear error', async () => {
    const held = await lock(path);
    try {
      await expect(lock(path, { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'RUNTIME_ERROR',
        message: `timed out after 200 ms waiting for the lock ${path}`,
      });
    } finally {
      await held.release();
    }
  });

  it('serializes withLock sections and releases on error', async () => {
    const order: string[] = [];
    const section = (name: string, ms: number) =>
      withLock(path, {}, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name}-`);
      });
    await Promise.all([section('a', 50), section('b', 10)]);
    expect(order.join(' ')).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);
    await expect(
      withLock(path, {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const after = await tryLock(path, { timeoutMs: 0 });
    expect(after).toBeDefined();
    await after!.release();
  });
});
