/**
 * From an image's layers to an overlayfs mount: the lowerdir list (top layer first: overlayfs takes
 * the leftmost lowerdir as the uppermost) and the mount(8) option string.
 *
 * A layer listed twice (identical empty layers are common) is kept once, at its topmost position:
 * applying a layer again above others gives the same tree as applying it at both places, and
 * overlayfs refuses the same directory twice.
 *
 * mount(2) cuts its data string at one page, so lowerdirs are given relative to the layers
 * directory (mount runs with that cwd): 64 hex characters per layer. When that is still too long,
 * short symlinks (`0`, `1`, … in `linkDir`) stand in for the layers, as containerd/podman do. The
 * kernel allows at most 500 lower layers.
 */
import { mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import { digestHex } from './digest.js';

export const OVERLAY_MAX_LOWER = 500;
/** One page minus the terminating NUL. */
export const MOUNT_DATA_MAX = 4095;

/** Lowerdirs for diff_ids listed bottom-first (config order): top-first, duplicates removed. */
export function lowerDirsFor(layersDir: string, diffIds: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = diffIds.length - 1; i >= 0; i--) {
    const hex = digestHex(diffIds[i]!);
    if (seen.has(hex)) continue;
    seen.add(hex);
    out.push(join(layersDir, hex));
  }
  return out;
}

export interface OverlayMount {
  /** The working directory to run mount(8) in (the relative lowerdirs resolve against it). */
  cwd: string;
  /** The `-o` value: `lowerdir=…,upperdir=…,workdir=…` (just `lowerdir=…` for a read-only mount). */
  options: string;
}

export interface OverlayOptions {
  /** Top-first, as lowerDirsFor returns them; all in one directory. */
  lowerDirs: readonly string[];
  upperDir?: string;
  workDir?: string;
  /** Where to put short symlinks when the relative form is too long. */
  linkDir?: string;
  /** Override of the length limit (tests). */
  maxLength?: number;
}

/** Builds the overlay mount options (see the file comment). */
export async function overlayMountOptions(o: OverlayOptions): Promise<OverlayMount> {
  if (o.lowerDirs.length === 0) {
    throw new RuntimeError('UNSUPPORTED', 'an image without layers has no root filesystem to mount');
  }
  if (o.lowerDirs.length > OVERLAY_MAX_LOWER) {
    throw new RuntimeError(
      'UNSUPPORTED',
      `the image has ${o.lowerDirs.length} layers; overlayfs mounts at most ${OVERLAY_MAX_LOWER}`,
    );
  }
  if ((o.upperDir === undefined) !== (o.workDir === undefined)) {
    throw new RuntimeError('RUNTIME_ERROR', 'overlay: upperdir and workdir go together');
  }
  const max = o.maxLength ?? MOUNT_DATA_MAX;
  const tail = o.upperDir ? `,upperdir=${o.upperDir},workdir=${o.workDir}` : '';
  const parent = dirname(o.lowerDirs[0]!);
  if (o.lowerDirs.every((d) => dirname(d) === parent)) {
    const options = `lowerdir=${o.lowerDirs.map((d) => escapeOption(basename(d))).join(':')}${tail}`;
    if (options.length <= max) return { cwd: parent, options };
  }
  if (o.linkDir === undefined) {
    throw new RuntimeError(
      'UNSUPPORTED',
      'overlay: too many layers for one mount option string; give a linkDir',
    );
  }
  await mkdir(o.linkDir, { recursive: true });
  const names: string[] = [];
  for (const [i, dir] of o.lowerDirs.entries()) {
    const name = i.toString(36);
    const link = join(o.linkDir, name);
    let current: string | undefined;
    try {
      current = await readlink(link);
    } catch {
      current = undefined;
    }
    if (current !== dir) {
      await rm(link, { force: true });
      await symlink(dir, link);
    }
    names.push(name);
  }
  const options = `lowerdir=${names.join(':')}${tail}`;
  if (options.length > max) {
    throw new RuntimeError(
      'UNSUPPORTED',
      'overlay: the mount option string is too long even with short links',
    );
  }
  return { cwd: o.linkDir, options };
}

/** overlayfs splits lowerdir on ':' and options on ','; a backslash escapes them. */
function escapeOption(name: string): string {
  return name.replace(/[\\:,]/g, (c) => `\\${c}`);
}
