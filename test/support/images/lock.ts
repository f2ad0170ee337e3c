/**
 * A cross-process lock file for the test-image builders: `open(path, 'wx')` creates it atomically and
 * it holds the owner's pid; a waiter polls until it can create it. A lock whose pid no longer runs
 * (its process was killed mid-build) is removed and taken over. Within one process, callers queue
 * on a promise so that two test files in the same worker do not poll each other.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding the lock file `path`; waits at most `timeoutMs` for it. */
export function withLockFile<T>(path: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => holding(path, fn, timeoutMs));
  queues.set(
    path,
    run.catch(() => undefined),
  );
  return run;
}

async function holding<T>(path: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(path)) break;
    const owner = readOwner(path);
    if (owner !== undefined && !alive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${path} (held by pid ${owner ?? '?'})`);
    }
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; undefined while its creator has not written it yet (or it is gone). */
function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
