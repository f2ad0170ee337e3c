/**
 * Host-side helpers of the container lifecycle: reading files of a rootfs without following its
 * symlinks out, copying image content into new volumes, device numbers, cgroup cleanup, limits and
 * pid checks. Kept out of containers.ts so that file stays the lifecycle alone.
 */
import { lstat, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type { ContainerSpec } from '../../runtime/runtime.js';
import { isWithin, resolveInRoot } from '../volumes/scoped-path.js';
import { run } from './runc.js';
import type { OciDevice } from './spec.js';

/** This process's hard RLIMIT_NOFILE (/proc/self/limits); a child cannot get more without CAP_SYS_RESOURCE. */
export async function hardNofile(): Promise<number | undefined> {
  try {
    const text = await readFile('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    if (!m || m[2] === 'unlimited') return undefined;
    const n = Number(m[2]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A file of the rootfs, refusing symlinks (they would resolve against the host). */
export async function readRootfsFile(rootfs: string, rel: string): Promise<string | undefined> {
  const path = join(rootfs, rel);
  try {
    if ((await lstat(path)).isSymbolicLink()) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Copies an image directory into a new volume (Docker's copy-up on first use). The target is resolved
 * inside the rootfs with the image's own symlinks (an absolute link means the image's path, never the
 * host's). */
export async function populate(rootfs: string, target: string, to: string): Promise<void> {
  let from: string;
  try {
    from = await resolveInRoot(rootfs, target);
    if (!isWithin(rootfs, from) || !(await lstat(from)).isDirectory()) return;
  } catch {
    return;
  }
  const res = await run('cp', ['-a', `${from}/.`, to], { timeoutMs: 300_000 });
  if (res.code !== 0)
    throw new RuntimeError('RUNTIME_ERROR', `copying ${from} into a new volume: ${res.stderr.trim()}`);
}

export async function resolveDevices(devices: NonNullable<ContainerSpec['devices']>): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  for (const d of devices) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(d.source);
    } catch {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `error gathering device information while adding custom device "${d.source}": no such file or directory`,
      );
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `error gathering device information while adding custom device "${d.source}": not a device node`,
      );
    }
    const rdev = st.rdev;
    const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
    const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
    out.push({
      path: d.target || d.source,
      type: st.isCharacterDevice() ? 'c' : 'b',
      major,
      minor,
      fileMode: st.mode & 0o7777,
      uid: 0,
      gid: 0,
    });
  }
  return out;
}

/** rmdir of the container's cgroup in every v1 hierarchy (and v2); runc delete normally did it. */
export async function removeCgroupDirs(cgroupPath: string): Promise<void> {
  let controllers: string[];
  try {
    controllers = await readdir('/sys/fs/cgroup');
  } catch {
    return;
  }
  const dirs = [
    join('/sys/fs/cgroup', cgroupPath),
    ...controllers.map((c) => join('/sys/fs/cgroup', c, cgroupPath)),
  ];
  for (const d of dirs) {
    try {
      await rmdir(d);
    } catch {
      // not there (the usual case) or busy
    }
  }
}
