/**
 * Unpacks one layer blob into `layers/<diffid-hex>/`, an overlayfs lowerdir.
 *
 * Pipeline: blob file → gunzip (sniffed from the magic bytes, whatever the media type says) → sha256
 * of the uncompressed tar (the diff_id, checked against the image config) → LayerTarFilter (refuses
 * escaping entries, rewrites whiteouts) → GNU tar `-x --xattrs --xattrs-include=* --numeric-owner
 * --same-owner -p` (Node cannot create device nodes nor set xattrs or file capabilities).
 *
 * GNU tar writes into `layers/.tmp-<hex>-<pid>-<rand>/`, which is renamed to `layers/<hex>` only
 * when tar succeeded and the diff_id matched (after a syncfs, so a complete-looking layer is also
 * complete on disk): a crash leaves only a `.tmp-*` directory, never read as a layer and removed by
 * the next unpack of that layer or by prune. Concurrent unpacks of one layer run once: an in-process
 * promise map, plus a per-layer flock for other processes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { RuntimeError } from '../../api/errors.js';
import { DigestTap, digestHex } from './digest.js';
import { fsyncDir } from './fsutil.js';
import { withLock } from './lock.js';
import { type LayerFilterStats, LayerTarFilter } from './tar-filter.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** The compression of a blob, from its first bytes. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return 'zstd';
  }
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (
    head.length >= 6 &&
    head[0] === 0xfd &&
    head[1] === 0x37 &&
    head[2] === 0x7a &&
    head[3] === 0x58 &&
    head[4] === 0x5a &&
    head[5] === 0x00
  ) {
    return 'xz';
  }
  return 'none';
}

export async function sniffFile(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await fh.read(head, 0, 6, 0);
    return sniffCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The uncompressed tar stream of a layer blob; refuses compressions berth cannot read. */
export async function openLayerTar(path: string, layer: string): Promise<Readable[]> {
  let compression: Compression;
  try {
    compression = await sniffFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new RuntimeError('IMAGE_CORRUPT', `layer ${layer} is missing from the image store`, {
      hint: 'remove the image and pull or load it again',
      cause: err,
    });
  }
  switch (compression) {
    case 'none':
      return [createReadStream(path)];
    case 'gzip':
      return [createReadStream(path), createGunzip()];
    default:
      throw new RuntimeError(
        'UNSUPPORTED',
        `layer ${layer} is ${compression}-compressed, which berth cannot decompress yet (only tar and tar+gzip layers)`,
        {
          hint: 'use an image whose layers are gzip-compressed or uncompressed (docker save/push produce those)',
        },
      );
  }
}

export interface UnpackLayerOptions {
  /** `<root>/layers` */
  layersDir: string;
  /** `<root>/locks` */
  locksDir: string;
  /** The blob file of the layer (compressed or not). */
  blobPath: string;
  /** The layer's digest (names it in errors). */
  layerDigest: string;
  /** The expected sha256 of the uncompressed tar (config rootfs.diff_ids[i]). */
  diffId: string;
  lockTimeoutMs?: number;
  /** syncfs before the rename into place (default true). */
  sync?: boolean;
}

export interface UnpackResult {
  path: string;
  /** False when the layer was already there (or another caller unpacked it meanwhile). */
  unpacked: boolean;
  stats?: LayerFilterStats;
}

const inflight = new Map<string, Promise<UnpackResult>>();

export function layerLockPath(locksDir: string, diffId: string): string {
  return join(locksDir, `layer-${digestHex(diffId)}.lock`);
}

export const TEMP_PREFIX = '.tmp-';
export const DELETE_PREFIX = '.del-';

/**
 * Unpacks the layer unless already there; concurrent calls for one layer share one unpack. Call it
 * inside `ImageStore.lease()` (ImageStore.unpack does), so that a prune cannot run meanwhile.
 */
export function unpackLayer(options: UnpackLayerOptions): Promise<UnpackResult> {
  const hex = digestHex(options.diffId);
  const key = `${options.layersDir}\0${hex}`;
  const running = inflight.get(key);
  if (running) return running.then((r) => ({ path: r.path, unpacked: false }));
  const p = doUnpack(options, hex).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function doUnpack(options: UnpackLayerOptions, hex: string): Promise<UnpackResult> {
  const final = join(options.layersDir, hex);
  if (await exists(final)) return { path: final, unpacked: false };
  await mkdir(options.layersDir, { recursive: true, mode: 0o700 });
  return withLock(
    layerLockPath(options.locksDir, options.diffId),
    { mode: 'exclusive', timeoutMs: options.lockTimeoutMs },
    async () => {
      if (await exists(final)) return { path: final, unpacked: false };
      // Holding the layer lock, any temp dir of this layer belongs to a process that died mid-unpack.
      await removeTemps(options.layersDir, `${TEMP_PREFIX}${hex}-`);
      const tmp = join(
        options.layersDir,
        `${TEMP_PREFIX}${hex}-${process.pid}-${randomBytes(4).toString('hex')}`,
      );
      await mkdir(tmp, { mode: 0o755 });
      await chmod(tmp, 0o755);
      try {
        const { diffId, stats } = await extract(options.blobPath, tmp, options.layerDigest);
        if (diffId !== options.diffId) {
          throw new RuntimeError(
            'IMAGE_CORRUPT',
            `layer ${options.layerDigest} does not match the image config: its diff_id is ${diffId}, the config says ${options.diffId}`,
            { hint: 'the image is corrupt; remove it and pull or load it again' },
          );
        }
        if (options.sync !== false) await syncfs(tmp);
        await rename(tmp, final);
        await fsyncDir(options.layersDir);
        return { path: final, unpacked: true, stats };
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
    },
  );
}

async function removeTemps(dir: string, prefix: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(prefix)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** `sync -f`: flushes the filesystem holding `path` (syncfs(2)). */
function syncfs(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sync', ['-f', path], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new RuntimeError('RUNTIME_ERROR', `sync -f ${path} failed (exit ${code})`)),
    );
  });
}

export const GNU_TAR_EXTRACT_ARGS = [
  '-x',
  '-f',
  '-',
  '--numeric-owner',
  '--same-owner',
  '-p',
  '--xattrs',
  '--xattrs-include=*',
];

/** Streams the blob through the checks into GNU tar at `dest`; resolves with the diff_id. */
async function extract(
  blobPath: string,
  dest: string,
  layer: string,
): Promise<{ diffId: string; stats: LayerFilterStats }> {
  const source = await openLayerTar(blobPath, layer);
  const tap = new DigestTap();
  const filter = new LayerTarFilter(layer);
  const child = spawn('tar', [...GNU_TAR_EXTRACT_ARGS, '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 16_384) stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  try {
    await pipeline([...source, tap, filter, child.stdin] as unknown as NodeJS.ReadableStream[]);
  } catch (err) {
    child.kill('SIGKILL');
    const { code, error } = await exited;
    if (err instanceof RuntimeError) throw err;
    if ((err as Error & { code?: string }).code?.startsWith('Z_')) {
      throw new RuntimeError(
        'IMAGE_CORRUPT',
        `layer ${layer} cannot be decompressed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    throw tarFailure(layer, code, error, stderr, err);
  }
  const { code, error } = await exited;
  if (code !== 0) throw tarFailure(layer, code, error, stderr);
  return { diffId: tap.digest, stats: filter.stats };
}

function tarFailure(
  layer: string,
  code: number | null,
  error: Error | undefined,
  stderr: string,
  cause?: unknown,
) {
  if (error) {
    return new RuntimeError(
      'RUNTIME_ERROR',
      `cannot run GNU tar to unpack layer ${layer}: ${error.message}`,
      {
        hint: 'install GNU tar (Debian package tar)',
        cause: error,
      },
    );
  }
  const detail = stderr.trim() || (cause instanceof Error ? cause.message : `exit code ${code}`);
  const root = process.getuid?.() === 0;
  return new RuntimeError('RUNTIME_ERROR', `unpacking layer ${layer} failed: ${detail}`, {
    cause,
    ...(root ? {} : { hint: 'the built-in engine unpacks layers as root (owners, device nodes, xattrs)' }),
  });
}
