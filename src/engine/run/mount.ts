/**
 * The container's root filesystem: an overlayfs of the image's unpacked layers (store/rootfs.ts builds
 * the options; mount(8) runs with the layers directory as cwd so relative lowerdirs keep the option
 * string under one page) with the container's own upper/work dirs. /proc/self/mountinfo is the truth
 * about what is mounted (a berth killed between mount and record write leaves a mount that remove
 * must still find).
 */
import { readFile } from 'node:fs/promises';
import { RuntimeError } from '../../api/errors.js';
import { overlayMountOptions } from '../store/rootfs.js';
import { run } from './runc.js';

/** Decodes mountinfo's octal escapes (`\040` = space). */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mount points listed in a mountinfo text. */
export function parseMountPoints(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4) out.push(unescapeMountinfo(f[4]!));
  }
  return out;
}

export async function mountPoints(): Promise<string[]> {
  return parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** True when `path` (or something below it, with `below`) is a mount point. */
export async function isMounted(path: string, options: { below?: boolean } = {}): Promise<boolean> {
  const points = await mountPoints();
  return points.some((p) => p === path || (options.below === true && p.startsWith(`${path}/`)));
}

export async function mountOverlay(o: {
  lowerDirs: readonly string[];
  upperDir: string;
  workDir: string;
  target: string;
  linkDir: string;
}): Promise<void> {
  const m = await overlayMountOptions({
    lowerDirs: o.lowerDirs,
    upperDir: o.upperDir,
    workDir: o.workDir,
    linkDir: o.linkDir,
  });
  const res = await run('mount', ['-t', 'overlay', 'overlay', '-o', m.options, o.target], {
    cwd: m.cwd,
    timeoutMs: 60_000,
  });
  if (res.code !== 0) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `mounting the container's root filesystem failed: ${res.stderr.trim()}`,
    );
  }
}

/** Unmounts everything at or below `path` (deepest first); lazily when busy. Nothing mounted is fine. */
export async function unmountAll(path: string): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const points = (await mountPoints())
      .filter((p) => p === path || p.startsWith(`${path}/`))
      .sort((a, b) => b.length - a.length);
    if (points.length === 0) return;
    for (const p of points) {
      const res = await run('umount', [p], { timeoutMs: 30_000 });
      if (res.code !== 0 && !/not mounted|no mount point/i.test(res.stderr)) {
        const lazy = await run('umount', ['-l', p], { timeoutMs: 30_000 });
        if (lazy.code !== 0 && !/not mounted|no mount point/i.test(lazy.stderr)) {
          throw new RuntimeError(
            'RUNTIME_ERROR',
            `cannot unmount ${p}: ${lazy.stderr.trim() || res.stderr.trim()}`,
          );
        }
      }
    }
  }
  throw new RuntimeError('RUNTIME_ERROR', `${path} is still mounted after 10 unmount rounds`);
}
