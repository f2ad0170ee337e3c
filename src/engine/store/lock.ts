/**
 * Cross-process locks with flock(2), held by this process. Node has no flock(), so the lock file is
 * opened here and `flock(1)` is spawned with that descriptor as its fd 3: flock locks belong to the
 * open file description, so when flock(1) exits the lock stays held by our descriptor, and the kernel
 * drops it when we close it or die (no stale locks after a crash). Each acquisition opens its own
 * descriptor, so two holders inside one process exclude each other too.
 */
import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RuntimeError } from '../../api/errors.js';

export type LockMode = 'shared' | 'exclusive';

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  mode?: LockMode;
  /** How long to wait; 0 = try once. Default 10 minutes. */
  timeoutMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

/** Takes the lock `path` (created if missing); resolves with a handle, or undefined when `timeoutMs`
 * is 0 and the lock is busy. Throws RUNTIME_ERROR on a timeout. */
export async function tryLock(path: string, options: LockOptions = {}): Promise<HeldLock | undefined> {
  const mode = options.mode ?? 'exclusive';
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'a', 0o600);
  let ok = false;
  try {
    const args = [mode === 'shared' ? '-s' : '-x'];
    if (timeoutMs <= 0) args.push('-n');
    else args.push('-w', (timeoutMs / 1000).toFixed(3));
    args.push('3');
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fh.fd] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', (err) =>
        reject(
          new RuntimeError('RUNTIME_ERROR', `cannot run flock(1) to lock ${path}: ${err.message}`, {
            hint: 'install util-linux (it provides flock)',
            cause: err,
          }),
        ),
      );
      child.on('close', (c) => {
        if (c !== 0 && c !== 1) {
          reject(new RuntimeError('RUNTIME_ERROR', `flock ${path} failed (exit ${c}): ${stderr.trim()}`));
        } else resolve(c);
      });
    });
    if (code === 1) {
      if (timeoutMs <= 0) return undefined;
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `timed out after ${timeoutMs} ms waiting for the lock ${path}`,
        {
          hint: 'another berth process holds it; retry when it is done',
        },
      );
    }
    ok = true;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await fh.close();
      },
    };
  } finally {
    if (!ok) await fh.close();
  }
}

/** Takes the lock, waiting up to `timeoutMs`. */
export async function lock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const held = await tryLock(path, { ...options, timeoutMs: Math.max(timeoutMs, 1) });
  return held!;
}

/** Runs `fn` holding the lock. */
export async function withLock<T>(path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const held = await lock(path, options);
  try {
    return await fn();
  } finally {
    await held.release();
  }
}
