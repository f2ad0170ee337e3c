/**
 * Paths that must stay inside a directory.
 *
 * - `resolveInRoot(root, path)`: resolves `path` as if `root` were `/` (chroot-like, as
 *   filepath-securejoin does it): `..` stops at the root and symlinks, absolute or relative, are
 *   followed inside it. Used for a path inside an image rootfs (the copy-up source of a volume), where
 *   an absolute symlink such as `/data -> /etc` means the image's /etc, never the host's.
 * - `resolveSubpath(base, subpath)`: a volume's `subpath` (Docker's `VolumeOptions.Subpath`): a local
 *   relative path, resolved with the host's symlink rules (realpath), refused when the result leaves
 *   the volume, as moby's safepath.Join does. The path must exist.
 */
import { lstat, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, normalize, relative, sep } from 'node:path';
import { RuntimeError } from '../../api/errors.js';

const MAX_SYMLINKS = 255;

/** True when `path` is `base` or below it (both absolute and normalized). */
export function isWithin(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** A relative path that stays where it starts: not absolute, no `..` leaving it (Go's filepath.IsLocal). */
export function isLocalPath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\0')) return false;
  const n = normalize(path);
  return n !== '..' && !n.startsWith(`..${sep}`);
}

/**
 * `path` inside `root`, following symlinks as if `root` were the filesystem root. Components that do
 * not exist are appended as they are; the result never leaves `root`.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const base = normalize(root).replace(/\/+$/, '') || '/';
  let pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = joinParts(base, [...done, part]);
    let target: string | undefined;
    try {
      const st = await lstat(candidate);
      if (st.isSymbolicLink()) target = await readlink(candidate);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `too many levels of symbolic links resolving ${path} in ${root}`,
      );
    }
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter((c) => c !== '' && c !== '.'), ...pending];
  }
  return joinParts(base, done);
}

function joinParts(base: string, parts: string[]): string {
  if (parts.length === 0) return base;
  return base === '/' ? `/${parts.join('/')}` : `${base}/${parts.join('/')}`;
}

/**
 * The host path of `subpath` inside the volume directory `base`: refused when it is absolute, climbs
 * out with `..`, resolves (through symlinks) outside `base`, or does not exist.
 */
export async function resolveSubpath(base: string, subpath: string, volumeName?: string): Promise<string> {
  const what = volumeName ? `volume ${volumeName}` : base;
  if (!isLocalPath(subpath)) {
    throw new RuntimeError(
      'RUNTIME_ERROR',
      `subpath ${JSON.stringify(subpath)} must be a relative path within the volume`,
      {
        hint: 'use a path relative to the volume root, without ".." leaving it',
      },
    );
  }
  const realBase = await realpath(base);
  let resolved: string;
  try {
    resolved = await realpath(`${realBase}/${subpath}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `subpath ${JSON.stringify(subpath)} does not exist in ${what}`,
        {
          hint: 'create the directory in the volume first',
          cause: err,
        },
      );
    }
    throw err;
  }
  if (!isWithin(realBase, resolved)) {
    throw new RuntimeError('RUNTIME_ERROR', `subpath ${JSON.stringify(subpath)} escapes ${what}`, {
      hint: 'a symlink in the volume points outside it; subpaths must stay inside the volume',
    });
  }
  return resolved;
}
