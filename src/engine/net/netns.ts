/**
 * Network namespaces of containers, made with iproute2 (`ip netns add berth-<id12>`) rather than by
 * runc: a named netns outlives the container process, so netavark can set it up before the process
 * starts and tear it down after it is gone, and `ip netns exec` works on it for debugging. Both calls
 * are idempotent, because a crashed CLI may leave either half done.
 */
import { execFile } from 'node:child_process';
import { access, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { RuntimeError } from '../../api/errors.js';

const execFileP = promisify(execFile);

export const NETNS_DIR = '/run/netns';

/** `berth-<first 12 hex of the container id>`. */
export function netnsName(containerId: string): string {
  return `berth-${containerId.slice(0, 12)}`;
}

export function netnsPath(containerId: string): string {
  return `${NETNS_DIR}/${netnsName(containerId)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function ip(args: string[]): Promise<void> {
  try {
    await execFileP('ip', args);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `ip ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`,
      {
        cause: err,
      },
    );
  }
}

/** Creates the container's netns (loopback up) unless it exists; returns its path. */
export async function createNetns(containerId: string): Promise<string> {
  const name = netnsName(containerId);
  const path = netnsPath(containerId);
  if (!(await exists(path))) {
    try {
      await ip(['netns', 'add', name]);
    } catch (err) {
      // Lost a race with another process creating the same one: fine.
      if (!(await exists(path))) throw err;
    }
  }
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return path;
}

/** Deletes the container's netns; a missing one is not an error. */
export async function removeNetns(containerId: string): Promise<void> {
  const path = netnsPath(containerId);
  if (!(await exists(path))) return;
  try {
    await ip(['netns', 'del', netnsName(containerId)]);
  } catch (err) {
    if (await exists(path)) throw err;
  }
}

let bootId: string | undefined;

/**
 * Identifies one netns instance: boot id + nsfs inode. The path alone does not: after a reboot (or a
 * delete and re-create) the same `/run/netns/berth-<id12>` names a fresh, unconfigured namespace.
 * Undefined when the path is not there.
 */
export async function netnsKey(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    bootId ??= (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
    return `${bootId}:${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
