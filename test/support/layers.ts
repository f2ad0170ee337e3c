/**
 * Test helpers that craft layer tarballs byte by byte (including malicious ones: `..` names,
 * absolute names, pax path overrides, links that escape), images made of them, and readers for
 * what ended up on disk (xattrs via GNU tar, since Node has no getxattr).
 *
 * The writer here is deliberately independent of the store's own tar code: ustar headers, pax
 * extended headers with binary-safe values, GNU long names.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ImageStore } from '../../src/engine/store/image-store.js';
import type { ContainerConfig, ImageRecord } from '../../src/engine/store/types.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  name: string;
  type?: EntryType;
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** xattrs, written as pax `SCHILY.xattr.<name>` records (values binary-safe). */
  xattrs?: Record<string, string | Buffer>;
  /** Extra pax records (e.g. a `path` overriding `name`). */
  pax?: Record<string, string | Buffer>;
  /** Write the name as a GNU long-name ('L') header instead of the ustar name field. */
  gnuLongName?: boolean;
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(fields: {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  gnu?: boolean;
}): Buffer {
  const b = Buffer.alloc(512);
  b.write(fields.name.slice(0, 100), 0, 'latin1');
  b.write(octal(fields.mode, 8), 100, 'latin1');
  b.write(octal(fields.uid, 8), 108, 'latin1');
  b.write(octal(fields.gid, 8), 116, 'latin1');
  b.write(octal(fields.size, 12), 124, 'latin1');
  b.write(octal(fields.mtime, 12), 136, 'latin1');
  b.write(fields.type, 156, 'latin1');
  if (fields.linkname) b.write(fields.linkname.slice(0, 100), 157, 'latin1');
  if (fields.gnu) b.write('ustar  \0', 257, 'latin1');
  else {
    b.write('ustar\0', 257, 'latin1');
    b.write('00', 263, 'latin1');
  }
  b.write(octal(fields.devmajor ?? 0, 8), 329, 'latin1');
  b.write(octal(fields.devminor ?? 0, 8), 337, 'latin1');
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

function record(key: string, value: string | Buffer): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const body = Buffer.concat([Buffer.from(` ${key}=`), v, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** An uncompressed tar of `entries`, in order, with the two zero blocks at the end. */
export function makeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data =
      type === 'file'
        ? typeof e.content === 'string'
          ? Buffer.from(e.content)
          : (e.content ?? Buffer.alloc(0))
        : Buffer.alloc(0);
    const mtime = e.mtime ?? 1_700_000_000;
    const records: Buffer[] = [];
    for (const [k, v] of Object.entries(e.xattrs ?? {})) records.push(record(`SCHILY.xattr.${k}`, v));
    for (const [k, v] of Object.entries(e.pax ?? {})) records.push(record(k, v));
    if (!e.gnuLongName && Buffer.byteLength(e.name) > 100) records.push(record('path', e.name));
    if (records.length > 0) {
      const paxData = Buffer.concat(records);
      parts.push(
        header({ name: 'PaxHeader', mode: 0o644, uid: 0, gid: 0, size: paxData.length, mtime, type: 'x' }),
      );
      parts.push(pad(paxData));
    }
    if (e.gnuLongName) {
      const longName = Buffer.from(`${e.name}\0`);
      parts.push(
        header({
          name: '././@LongLink',
          mode: 0,
          uid: 0,
          gid: 0,
          size: longName.length,
          mtime: 0,
          type: 'L',
          gnu: true,
        }),
      );
      parts.push(pad(longName));
    }
    parts.push(
      header({
        name: e.gnuLongName ? 'longname-placeholder' : e.name,
        mode: e.mode ?? (type === 'dir' ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        size: data.length,
        mtime,
        type: TYPEFLAG[type],
        linkname: e.linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        gnu: e.gnuLongName,
      }),
    );
    if (data.length > 0) parts.push(pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface BuiltLayer {
  /** The uncompressed tar. */
  tar: Buffer;
  /** What is stored as the blob (the tar, or its gzip). */
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
}

export function makeLayer(entries: readonly TarEntry[], options: { gzip?: boolean } = {}): BuiltLayer {
  const tar = makeTar(entries);
  const blob = options.gzip ? gzipSync(tar) : tar;
  return {
    tar,
    blob,
    digest: sha256(blob),
    diffId: sha256(tar),
    mediaType: options.gzip
      ? 'application/vnd.oci.image.layer.v1.tar+gzip'
      : 'application/vnd.oci.image.layer.v1.tar',
  };
}

export interface TestImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
}

/** The manifest and config of an image made of `layers` (bottom first). */
export function makeImage(
  layers: readonly BuiltLayer[],
  options: {
    config?: ContainerConfig;
    diffIds?: string[];
    docker?: boolean;
    created?: string;
  } = {},
): TestImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: options.created ?? '2024-01-01T00:00:00Z',
      config: options.config ?? { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: options.diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: options.docker
        ? 'application/vnd.docker.distribution.manifest.v2+json'
        : 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: options.docker
          ? 'application/vnd.docker.container.image.v1+json'
          : 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: options.docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : l.mediaType,
        digest: l.digest,
        size: l.blob.length,
      })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), config, configDigest: sha256(config) };
}

/** Puts the blobs of an image into the store and adds it under `refs`. */
export async function addImage(
  store: ImageStore,
  layers: readonly BuiltLayer[],
  refs: string[],
  options: Parameters<typeof makeImage>[1] = {},
): Promise<ImageRecord> {
  const image = makeImage(layers, options);
  return store.lease(async () => {
    for (const l of layers) await store.putBlob(l.blob, { digest: l.digest });
    await store.putBlob(image.config, { digest: image.configDigest });
    return store.addImage(image.manifest, { refs });
  });
}

/** A valid `security.capability` value (VFS_CAP_REVISION_2) granting cap_net_raw=ep. */
export function netRawCapability(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0x02000001, 0); // revision 2 | effective
  b.writeUInt32LE(1 << 13, 4); // permitted: CAP_NET_RAW
  return b;
}

/**
 * The xattrs of one file, read back through GNU tar (`--xattrs`): the values of the pax
 * `SCHILY.xattr.*` records of its entry, as Buffers.
 */
export function readXattrs(path: string): Record<string, Buffer> {
  const tar = execFileSync(
    'tar',
    ['--xattrs', '--xattrs-include=*', '--no-recursion', '-cf', '-', '-C', dirname(path), basename(path)],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const out: Record<string, Buffer> = {};
  const type = String.fromCharCode(tar[156]!);
  if (type !== 'x') return out;
  const size = Number.parseInt(tar.toString('latin1', 124, 136).replace(/\0.*$/, '').trim(), 8);
  let data = tar.subarray(512, 512 + size);
  while (data.length > 0) {
    const space = data.indexOf(0x20);
    const len = Number.parseInt(data.toString('latin1', 0, space), 10);
    const rec = data.subarray(space + 1, len - 1);
    const eq = rec.indexOf(0x3d);
    const key = rec.toString('latin1', 0, eq);
    if (key.startsWith('SCHILY.xattr.'))
      out[key.slice('SCHILY.xattr.'.length)] = Buffer.from(rec.subarray(eq + 1));
    data = data.subarray(len);
  }
  return out;
}

/**
 * Overwrites fields of the tar header at `at` (a multiple of 512) and fixes its checksum: for
 * crafting headers no honest writer makes.
 */
export function patchHeader(
  tar: Buffer,
  at: number,
  patches: ReadonlyArray<[offset: number, value: string]>,
): Buffer {
  const out = Buffer.from(tar);
  for (const [offset, value] of patches) out.write(value, at + offset, 'latin1');
  out.fill(' ', at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + 512; i++) sum += out[i]!;
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
  return out;
}
