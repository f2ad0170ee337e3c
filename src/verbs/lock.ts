/**
 * The per-project lock: two berth processes never reconcile one project at once (architecture.md,
 * "Failure mid-way"). A lock file created with O_EXCL holds the owner's PID; a lock whose owner is
 * gone (kill -9, a crash) is taken over, so a killed `up` never blocks the next one.
 */

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError } from '../api/errors.js';
import { sleep } from '../reconcile/wait.js';

export interface ProjectLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file for a project on an engine endpoint. BERTH_LOCK_DIR overrides the directory. */
export function lockPath(
  scope: string,
  project: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const dir = env.BERTH_LOCK_DIR ?? join(tmpdir(), 'berth-locks');
  const key = createHash('sha256').update(`${scope}\0${project}`).digest('hex').slice(0, 16);
  return join(dir, `${project}-${key}.lock`);
}

/** Holders inside this process, so two `up`s of one program also take turns. */
const local = new Map<string, Promise<void>>();

/**
 * Takes the lock, waiting while another live berth holds it (`onWait` is told once).
 * @throws BerthError ABORTED when `signal` fires first.
 */
export async function acquireProjectLock(
  path: string,
  options: { signal?: AbortSignal; onWait?: (pid: number) => void } = {},
): Promise<ProjectLock> {
  const before = local.get(path) ?? Promise.resolve();
  let releaseLocal!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseLocal = resolve;
  });
  const chain = before.then(() => mine);
  local.set(path, chain);
  const dropLocal = () => {
    releaseLocal();
    if (local.get(path) === chain) local.delete(path);
  };
  try {
    await before;
    return await acquireFile(path, options, dropLocal);
  } catch (err) {
    dropLocal();
    throw err;
  }
}

async function acquireFile(
  path: string,
  options: { signal?: AbortSignal; onWait?: (pid: number) => void },
  onRelease: () => void,
): Promise<ProjectLock> {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
          onRelease();
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = Number.NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      continue; // released between our open and read: try again
    }
    if (!Number.isFinite(owner) || !alive(owner) || owner === process.pid) {
      // Stale: its owner died (or it is a leftover of this process: in-process holders queue above).
      rmSync(path, { force: true });
      continue;
    }
    if (!told) {
      told = true;
      options.onWait?.(owner);
    }
    try {
      await sleep(100, options.signal);
    } catch (reason) {
      throw new BerthError('ABORTED', 'cancelled while waiting for the project lock', { cause: reason });
    }
  }
}
