/**
 * Putting images into the store from files, for `berth image load` / `berth image import` and tests:
 *
 * - loadArchive: a `docker save` tarball (optionally gzip-compressed), in either form:
 *   - legacy (Docker < 25): `manifest.json` = [{Config: "<hex>.json", RepoTags, Layers:
 *     ["<id>/layer.tar", …]}], layers uncompressed (repeated layers as symlinks to the first copy).
 *     berth writes an OCI manifest for it; the image ID (config digest) is Docker's.
 *   - OCI image layout in a tar (Docker ≥ 25, `skopeo copy … oci-archive:`): `oci-layout`,
 *     `index.json`, `blobs/sha256/*` (and a compatibility manifest.json, used for names only). The
 *     manifests are kept byte for byte; a multi-platform index yields the host platform's manifest.
 *   Names come from `io.containerd.image.name`, a full `org.opencontainers.image.ref.name`, or
 *   manifest.json's RepoTags; an image without one is loaded dangling.
 * - importRootfs: a rootfs tarball (`docker import`): one layer, a generated config.
 *
 * Blobs are verified while they are written (members under blobs/ against their file names, layers
 * against the config's diff_ids when uncompressed, everything again at unpack time). The archive is
 * read once, as a stream: members that are not blobs are kept in memory only when small.
 */
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { RuntimeError } from '../../api/errors.js';
import { DigestTap, isDigest } from './digest.js';
import type { ImageStore } from './image-store.js';
import { isImageIndexType, isImageManifestType, MediaType } from './media-types.js';
import type { Descriptor, OciIndex } from './tag-index.js';
import { LayerTarFilter } from './tar-filter.js';
import type { ContainerConfig, ImageConfig, ImageManifest, ImageRecord } from './types.js';
import { openLayerTar, sniffCompression, sniffFile } from './unpack.js';

/** Members up to this size that are not blobs are kept in memory (configs, manifests, json). */
const SMALL_MEMBER = 4 * 1024 * 1024;
const CONTAINERD_NAME = 'io.containerd.image.name';
const OCI_REF_NAME = 'org.opencontainers.image.ref.name';

type Member =
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'blob'; digest: string; size: number }
  | { kind: 'link'; target: string };

function corrupt(message: string, cause?: unknown): RuntimeError {
  return new RuntimeError('IMAGE_CORRUPT', message, {
    cause,
    hint: 'the archive is damaged or not made by docker save / an OCI tool',
  });
}

/** GOARCH of this machine, as image configs spell it. */
export function hostArchitecture(arch: string = process.arch): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return arch;
  }
}

/** The stream with its first bytes sniffed for gzip (decompressed when so). */
async function decompressed(source: Readable | AsyncIterable<Uint8Array>): Promise<Readable> {
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const rest = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })(),
    { objectMode: false },
  );
  const compression = sniffCompression(head);
  if (compression === 'gzip') {
    const { createGunzip } = await import('node:zlib');
    return rest.pipe(createGunzip());
  }
  if (compression !== 'none') {
    throw new RuntimeError(
      'UNSUPPORTED',
      `the archive is ${compression}-compressed; only tar and tar+gzip are read`,
    );
  }
  return rest;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function memberName(name: string): string | undefined {
  const n = posix.normalize(name.replace(/^\/+/, ''));
  if (n === '.' || n.startsWith('../') || n === '..') return undefined;
  return n.replace(/\/+$/, '');
}

/** Reads a docker save / OCI archive (a stream or a file path) into the store; resolves with the
 * images it held. */
export async function loadArchive(
  store: ImageStore,
  source: Readable | AsyncIterable<Uint8Array> | string,
  /** Called per image with the names the archive gives it (`Loaded image: …`). */
  onLoaded?: (record: ImageRecord, names: string[]) => void,
): Promise<ImageRecord[]> {
  return store.lease(async () => {
    const input = typeof source === 'string' ? createReadStream(source) : source;
    const members = await readMembers(store, await decompressed(input));
    const data = async (name: string): Promise<Buffer | undefined> => {
      const m = resolveMember(members, name);
      if (m === undefined) return undefined;
      if (m.kind === 'data') return m.bytes;
      return store.content.read(m.digest);
    };
    const json = async <T>(name: string): Promise<T | undefined> => {
      const bytes = await data(name);
      if (bytes === undefined) return undefined;
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch (err) {
        throw corrupt(`${name} in the archive is not valid JSON`, err);
      }
    };
    const legacy = await json<LegacyManifestItem[]>('manifest.json');
    if (members.has('oci-layout') && members.has('index.json')) {
      const index = await json<OciIndex>('index.json');
      return loadOci(store, index!, legacy ?? [], onLoaded);
    }
    if (legacy !== undefined) return loadLegacy(store, members, legacy, onLoaded);
    throw corrupt(
      'not a docker save or OCI archive: it has neither manifest.json nor oci-layout + index.json',
    );
  });
}

interface LegacyManifestItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function readMembers(store: ImageStore, input: Readable): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  const extract = tarStream.extract();
  const feeding = pipeline(input, extract);
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const body = entry as unknown as AsyncIterable<Uint8Array>;
      const name = memberName(h.name);
      if (name === undefined) {
        entry.resume();
        continue;
      }
      if (h.type === 'file' || h.type === 'contiguous-file') {
        const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
        if (blob) {
          const info = await store.content.put(body, { digest: `sha256:${blob[1]}`, size: h.size });
          members.set(name, { kind: 'blob', ...info });
        } else if (h.size <= SMALL_MEMBER) {
          members.set(name, { kind: 'data', bytes: await collect(body) });
        } else {
          const info = await store.content.put(body, { size: h.size });
          members.set(name, { kind: 'blob', ...info });
        }
      } else if (h.type === 'symlink') {
        const target = memberName(posix.join(posix.dirname(name), h.linkname ?? ''));
        if (target !== undefined) members.set(name, { kind: 'link', target });
        entry.resume();
      } else if (h.type === 'link') {
        const target = memberName(h.linkname ?? '');
        if (target !== undefined) members.set(name, { kind: 'link', target });
        entry.resume();
      } else {
        entry.resume();
      }
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    if (err instanceof RuntimeError) throw err;
    throw corrupt(`cannot read the archive: ${(err as Error).message}`, err);
  }
  return members;
}

function resolveMember(
  members: Map<string, Member>,
  name: string,
): Exclude<Member, { kind: 'link' }> | undefined {
  let n = memberName(name);
  for (let hops = 0; n !== undefined && hops < 16; hops++) {
    const m = members.get(n);
    if (m === undefined) return undefined;
    if (m.kind !== 'link') return m;
    n = m.target;
  }
  return undefined;
}

/** A name from an OCI descriptor's annotations, when it is a full reference. */
function descriptorName(d: Descriptor): string | undefined {
  const containerd = d.annotations?.[CONTAINERD_NAME];
  if (containerd) return containerd;
  const ref = d.annotations?.[OCI_REF_NAME];
  // A bare tag ("latest") is not a name; a full reference has a '/', ':' or '@'.
  if (ref && /[/:@]/.test(ref)) return ref;
  return undefined;
}

async function loadOci(
  store: ImageStore,
  index: OciIndex,
  legacy: LegacyManifestItem[],
  onLoaded?: (record: ImageRecord, names: string[]) => void,
): Promise<ImageRecord[]> {
  if (!index || !Array.isArray(index.manifests)) throw corrupt('index.json has no manifests array');
  const out: ImageRecord[] = [];
  for (const top of index.manifests) {
    if (!isDigest(top?.digest)) throw corrupt('index.json lists an invalid descriptor');
    const manifestDigest = await pickManifest(store, top);
    const bytes = await store.content.read(manifestDigest);
    const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest;
    const refs = new Set<string>();
    const name = descriptorName(top);
    if (name) refs.add(name);
    const configFile = `blobs/sha256/${manifest.config?.digest?.slice('sha256:'.length)}`;
    for (const item of legacy) {
      if (memberName(item.Config) === configFile) for (const t of item.RepoTags ?? []) refs.add(t);
    }
    out.push(await store.addImage(bytes, { refs: [...refs] }));
    onLoaded?.(out[out.length - 1]!, [...refs]);
  }
  return out;
}

/** The image manifest a descriptor leads to (choosing the host platform in an index). */
async function pickManifest(store: ImageStore, d: Descriptor, depth = 0): Promise<string> {
  if (depth > 4) throw corrupt('index.json nests indexes too deeply');
  const bytes = await store.content.read(d.digest);
  const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: Descriptor[] };
  const type = doc.mediaType ?? d.mediaType ?? (doc.manifests ? MediaType.ociIndex : MediaType.ociManifest);
  if (isImageManifestType(type)) return d.digest;
  if (!isImageIndexType(type) || !Array.isArray(doc.manifests)) {
    throw new RuntimeError('UNSUPPORTED', `the archive's ${d.digest} is a ${type}, not an image`);
  }
  const arch = hostArchitecture();
  const present = [];
  for (const m of doc.manifests)
    if (isDigest(m?.digest) && (await store.content.has(m.digest))) present.push(m);
  const chosen =
    present.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === arch) ??
    present.find((m) => !m.platform || m.platform.os === 'linux');
  if (chosen === undefined) {
    throw new RuntimeError('UNSUPPORTED', `the archive has no image for linux/${arch} in ${d.digest}`);
  }
  return pickManifest(store, chosen, depth + 1);
}

async function loadLegacy(
  store: ImageStore,
  members: Map<string, Member>,
  items: LegacyManifestItem[],
  onLoaded?: (record: ImageRecord, names: string[]) => void,
): Promise<ImageRecord[]> {
  if (!Array.isArray(items)) throw corrupt('manifest.json is not an array');
  const out: ImageRecord[] = [];
  for (const item of items) {
    if (typeof item?.Config !== 'string' || !Array.isArray(item.Layers)) {
      throw corrupt('manifest.json has an entry without Config or Layers');
    }
    const cfg = resolveMember(members, item.Config);
    if (cfg === undefined) throw corrupt(`the archive lacks ${item.Config}`);
    const configBytes = cfg.kind === 'data' ? cfg.bytes : await store.content.read(cfg.digest);
    const configBlob = await store.content.put(configBytes);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const diffIds = config?.rootfs?.diff_ids ?? [];
    if (diffIds.length !== item.Layers.length) {
      throw corrupt(
        `${item.Config}: ${item.Layers.length} layers in manifest.json, ${diffIds.length} diff_ids`,
      );
    }
    const layers: Descriptor[] = [];
    for (const [i, layerName] of item.Layers.entries()) {
      const m = resolveMember(members, layerName);
      if (m === undefined) throw corrupt(`the archive lacks ${layerName}`);
      const blob = m.kind === 'data' ? await store.content.put(m.bytes) : { digest: m.digest, size: m.size };
      const compression =
        m.kind === 'data'
          ? sniffCompression(m.bytes.subarray(0, 6))
          : await sniffFile(store.content.path(m.digest));
      if (compression === 'none' && blob.digest !== diffIds[i]) {
        throw corrupt(
          `${layerName} does not match the image config: its digest is ${blob.digest}, diff_id ${diffIds[i]}`,
        );
      }
      layers.push({
        mediaType: compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer,
        digest: blob.digest,
        size: blob.size,
      });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers,
    };
    out.push(await store.addImage(Buffer.from(JSON.stringify(manifest)), { refs: item.RepoTags ?? [] }));
    onLoaded?.(out[out.length - 1]!, [...(item.RepoTags ?? [])]);
  }
  return out;
}

export interface ImportRootfsOptions {
  /** Reference to tag the image with; none leaves it dangling. */
  ref?: string;
  /** The image's container config (Cmd, Env, Entrypoint, WorkingDir, …). */
  config?: ContainerConfig;
  /** Creation time (default now). */
  created?: Date;
  architecture?: string;
  os?: string;
  /** History comment (Docker: "Imported from -"). */
  message?: string;
}

/** `docker import`: a rootfs tarball (tar or tar+gzip) as a one-layer image. */
export async function importRootfs(
  store: ImageStore,
  source: Readable | AsyncIterable<Uint8Array> | Uint8Array,
  options: ImportRootfsOptions = {},
): Promise<ImageRecord> {
  return store.lease(async () => {
    const layer = await store.content.put(source);
    const path = store.content.path(layer.digest);
    const compression = await sniffFile(path);
    // Read it back: the diff_id, and the same checks unpacking will make (refuse early).
    const tap = new DigestTap();
    const sink = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    await pipeline([
      ...(await openLayerTar(path, layer.digest)),
      tap,
      new LayerTarFilter(layer.digest),
      sink,
    ] as unknown as NodeJS.ReadableStream[]);
    const created = (options.created ?? new Date()).toISOString();
    const comment = options.message ?? 'Imported from -';
    const config: ImageConfig = {
      architecture: options.architecture ?? hostArchitecture(),
      os: options.os ?? 'linux',
      created,
      config: options.config ?? {},
      rootfs: { type: 'layers', diff_ids: [tap.digest] },
      history: [{ created, comment }],
    };
    const configBlob = await store.content.put(JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [
        {
          mediaType: compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer,
          digest: layer.digest,
          size: layer.size,
        },
      ],
    };
    return store.addImage(Buffer.from(JSON.stringify(manifest)), { refs: options.ref ? [options.ref] : [] });
  });
}
