/**
 * `image save`, `image load`, `image import`.
 *
 * save writes one tar that both Docker generations load (the layout Docker ≥ 25 writes):
 *   blobs/sha256/<hex>   manifests, configs and layers, as stored (byte for byte: digests stay)
 *   oci-layout, index.json   an OCI image layout; one descriptor per name, annotated with
 *                        io.containerd.image.name (full reference) and org.opencontainers.image.ref.name (tag)
 *   manifest.json        docker save's list: [{Config, RepoTags, Layers}] pointing into blobs/
 *   repositories         {familiar name: {tag: image ID hex}}
 * Docker < 25 reads manifest.json (and decompresses gzip layers itself); Docker ≥ 25, containerd
 * and skopeo read the OCI layout. load takes both forms (engine/store/archive.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { BerthError } from '../../api/errors.js';
import type {
  ImageImportOptions,
  ImageLoadOptions,
  ImageLoadResult,
  ImageSaveOptions,
  ImageSaveResult,
} from '../../api/images.js';
import { importRootfs, loadArchive } from '../store/archive.js';
import { digestHex } from '../store/digest.js';
import type { ImageStore } from '../store/image-store.js';
import { MediaType, OCI_LAYOUT_VERSION } from '../store/media-types.js';
import {
  familiarName,
  familiarString,
  formatReference,
  parseDockerReference,
  parseNormalizedReference,
  parseReference,
  referenceName,
} from '../store/reference.js';
import type { ImageRecord } from '../store/types.js';
import { openStore, throwIfAborted } from './common.js';

async function readable(path: string): Promise<void> {
  try {
    if ((await stat(path)).isFile()) return;
  } catch (err) {
    throw new BerthError(
      'USAGE',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  throw new BerthError('USAGE', `${path} is not a regular file`);
}

interface Selected {
  record: ImageRecord;
  /** Normalized references to write for it (none: saved by ID, loaded dangling). */
  refs: string[];
}

/** The images `docker save` arguments name: a tagged reference, an ID, or a bare repository (all
 * of its tags). */
export async function selectImages(store: ImageStore, args: readonly string[]): Promise<Selected[]> {
  const byManifest = new Map<string, Selected>();
  const add = (record: ImageRecord, refs: string[]) => {
    const s = byManifest.get(record.manifestDigest) ?? { record, refs: [] };
    for (const r of refs) if (!s.refs.includes(r)) s.refs.push(r);
    byManifest.set(record.manifestDigest, s);
  };
  for (const arg of args) {
    let bare: string | undefined;
    try {
      const n = parseNormalizedReference(arg);
      if (n.tag === undefined && n.digest === undefined) bare = referenceName(n);
    } catch {
      bare = undefined;
    }
    if (bare !== undefined) {
      const tagged = (await store.list()).filter((r) =>
        r.refs.some((ref) => referenceName(parseReference(ref)) === bare),
      );
      if (tagged.length > 0) {
        for (const r of tagged)
          add(
            r,
            r.refs.filter((ref) => referenceName(parseReference(ref)) === bare),
          );
        continue;
      }
    }
    const record = await store.resolve(arg);
    let normalized: string | undefined;
    try {
      normalized = formatReference(parseDockerReference(arg));
    } catch {
      normalized = undefined;
    }
    add(record, normalized !== undefined && record.refs.includes(normalized) ? [normalized] : []);
  }
  return [...byManifest.values()];
}

function counter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      t.bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

async function addEntry(
  pack: tarStream.Pack,
  name: string,
  data: Buffer | { path: string; size: number },
): Promise<void> {
  const header = { name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 };
  if (Buffer.isBuffer(data)) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ ...header, size: data.length }, data, (err) => (err ? reject(err) : resolve()));
    });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ ...header, size: data.size }, (err) => (err ? reject(err) : resolve()));
    const src = createReadStream(data.path);
    src.on('error', (err) => {
      entry.destroy(err);
      reject(err);
    });
    src.pipe(entry);
  });
}

async function writeArchive(
  store: ImageStore,
  selected: Selected[],
  pack: tarStream.Pack,
  signal?: AbortSignal,
) {
  const dir = (name: string) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, type: 'directory', mode: 0o755, mtime: new Date(0) }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  await dir('blobs/');
  await dir('blobs/sha256/');
  const written = new Set<string>();
  const blob = async (digest: string, size: number) => {
    if (written.has(digest)) return;
    throwIfAborted(signal);
    written.add(digest);
    await addEntry(pack, `blobs/sha256/${digestHex(digest)}`, { path: store.content.path(digest), size });
  };
  const manifestJson: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  const indexEntries: Array<Record<string, unknown>> = [];
  for (const { record, refs } of selected) {
    for (const l of record.layers) await blob(l.digest, l.size);
    await blob(record.configDigest, await store.content.size(record.configDigest));
    await blob(record.manifestDigest, record.manifestSize);
    const tags = refs.filter((r) => parseReference(r).tag !== undefined);
    manifestJson.push({
      Config: `blobs/sha256/${digestHex(record.configDigest)}`,
      RepoTags: tags.length > 0 ? tags.map((r) => familiarString(parseReference(r))) : null,
      Layers: record.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
    });
    const desc = {
      mediaType: record.manifestMediaType,
      digest: record.manifestDigest,
      size: record.manifestSize,
    };
    if (refs.length === 0) indexEntries.push(desc);
    for (const r of refs) {
      const p = parseReference(r);
      indexEntries.push({
        ...desc,
        annotations: {
          'io.containerd.image.name': r,
          ...(p.tag !== undefined ? { 'org.opencontainers.image.ref.name': p.tag } : {}),
        },
      });
      if (p.tag !== undefined) {
        const name = familiarName(p);
        repositories[name] = { ...repositories[name], [p.tag]: digestHex(record.id) };
      }
    }
  }
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`);
  await addEntry(
    pack,
    'index.json',
    json({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexEntries }),
  );
  await addEntry(pack, 'manifest.json', json(manifestJson));
  await addEntry(pack, 'oci-layout', json({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
  if (Object.keys(repositories).length > 0) await addEntry(pack, 'repositories', json(repositories));
  pack.finalize();
}

/** `docker save REF… [-o FILE]`. */
export async function imageSave(
  refs: readonly string[],
  options: ImageSaveOptions = {},
): Promise<ImageSaveResult> {
  if (refs.length === 0) throw new BerthError('USAGE', 'image save needs at least one image');
  if (options.output === undefined && options.stream === undefined) {
    throw new BerthError('USAGE', 'image save needs an output file or a stream');
  }
  const store = await openStore(options);
  return store.lease(async () => {
    const selected = await selectImages(store, refs);
    const pack = tarStream.pack();
    const count = counter();
    const tmp = options.output === undefined ? undefined : `${options.output}.tmp-${process.pid}`;
    const dest: Writable | NodeJS.WritableStream =
      tmp === undefined ? options.stream! : createWriteStream(tmp);
    try {
      const piping = pipeline(pack, count, dest as Writable, { end: tmp !== undefined });
      const writing = writeArchive(store, selected, pack, options.signal).catch((err) => {
        pack.destroy(err);
        throw err;
      });
      await Promise.all([writing, piping]);
      if (tmp !== undefined) await rename(tmp, options.output!);
    } finally {
      if (tmp !== undefined) await rm(tmp, { force: true });
    }
    return {
      images: selected.map((s) => ({
        id: s.record.id,
        refs: s.refs.map((r) => familiarString(parseReference(r))),
      })),
      bytes: count.bytes,
    };
  });
}

/** `docker load [-i FILE]`: a docker save tarball (either form) or an OCI layout tar, gzip or not. */
export async function imageLoad(options: ImageLoadOptions = {}): Promise<ImageLoadResult> {
  const source = options.input ?? options.stream;
  if (source === undefined) throw new BerthError('USAGE', 'image load needs an input file or a stream');
  if (typeof source === 'string') await readable(source);
  const store = await openStore(options);
  throwIfAborted(options.signal);
  const images: ImageLoadResult['images'] = [];
  await loadArchive(
    store,
    typeof source === 'string' ? source : (source as Readable | AsyncIterable<Uint8Array>),
    (record, names) => {
      let image = images.find((i) => i.id === record.id);
      if (image === undefined) {
        image = { id: record.id, refs: [] };
        images.push(image);
      }
      for (const n of names) {
        const r = familiarString(parseDockerReference(n));
        if (!image.refs.includes(r)) image.refs.push(r);
      }
    },
  );
  return { images };
}

/** `docker import TARBALL|- [REF]`: a rootfs tarball (tar or tar+gzip) as a one-layer image. */
export async function imageImport(
  source: string | Readable | AsyncIterable<Uint8Array>,
  ref: string | undefined,
  options: ImageImportOptions = {},
): Promise<{ id: string; reference?: string }> {
  const normalized = ref === undefined ? undefined : formatReference(parseDockerReference(ref));
  let os: string | undefined;
  let architecture: string | undefined;
  if (options.platform) {
    const [o, a] = options.platform.split('/');
    if (!o || !a) throw new BerthError('USAGE', `invalid platform ${options.platform}: expected os/arch`);
    os = o;
    architecture = a;
  }
  if (typeof source === 'string') await readable(source);
  const store = await openStore(options);
  const record = await importRootfs(store, typeof source === 'string' ? createReadStream(source) : source, {
    ...(normalized ? { ref: normalized } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(os ? { os } : {}),
    ...(architecture ? { architecture } : {}),
    message: options.message ?? 'Imported from -',
  });
  return { id: record.id, ...(normalized ? { reference: familiarString(parseReference(normalized)) } : {}) };
}
