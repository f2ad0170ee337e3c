/**
 * The built-in engine's image store: content store + tag index + unpacked layers (see paths.ts for
 * the layout). An image is a manifest (OCI or Docker schema2, stored byte for byte, so its digest
 * stays the registry's) naming a config and layers; its ID is the config digest, as in Docker.
 *
 * Concurrency, across processes:
 * - `locks/index.lock` (exclusive) around every read-modify-write of index.json;
 * - `locks/gc.lock`: writers (addImage, tag, unpack, importers, `lease()`) hold it shared for the
 *   whole of their work, so blobs they have written but not tagged yet cannot be collected;
 *   removeImage and prune hold it exclusive while they delete.
 * A process never takes gc.lock exclusive while it holds it shared (removeImage inside lease()
 * would wait for itself until the lock timeout).
 *
 * Freeing: removeImage untags; when a manifest has no reference left, the blobs (manifest, config,
 * layers) and unpacked layer directories that no remaining image uses are deleted. prune() drops
 * dangling images and deletes every unreferenced blob, layer directory, half-written ingest file
 * and half-unpacked layer.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, RuntimeError } from '../../api/errors.js';
import { type BlobInfo, type BlobSource, ContentStore, type ExpectedBlob } from './content.js';
import { digestHex, isDigest, sha256 } from './digest.js';
import { fsyncDir, writeFileAtomic } from './fsutil.js';
import { DEFAULT_LOCK_TIMEOUT_MS, tryLock, withLock } from './lock.js';
import {
  isImageConfigType,
  isImageIndexType,
  isImageManifestType,
  isLayerType,
  MediaType,
  OCI_LAYOUT_VERSION,
} from './media-types.js';
import { type RootOptions, resolveRoot, type StorePaths, storePaths } from './paths.js';
import { formatReference, parseDockerReference, parseReference, referenceName } from './reference.js';
import { lowerDirsFor } from './rootfs.js';
import { type Descriptor, REF_NAME_ANNOTATION, refOf, TagIndex } from './tag-index.js';
import type { ImageConfig, ImageManifest, ImageRecord, LayerInfo } from './types.js';
import { DELETE_PREFIX, LayerSlot, layerLockPath, syncfs, TEMP_PREFIX, unpackLayer } from './unpack.js';

export interface InUse {
  /** Image IDs (config digests) containers were created from: not removable without force. */
  images?: Iterable<string>;
  /** Layer diff_ids mounted by containers: their directories are never collected. */
  layers?: Iterable<string>;
}

export interface ImageStoreOptions extends RootOptions {
  /** How long to wait for a store lock (default 10 minutes). */
  lockTimeoutMs?: number;
  /** What containers use (the container part of the engine provides it). */
  inUse?: () => Promise<InUse>;
  /** syncfs before unpacked layers are renamed into place (default true). */
  syncLayers?: boolean;
  /** Parallel layer unpacks per image (default 3). */
  unpackConcurrency?: number;
}

export interface AddImageOptions {
  /** References to point at the image (normalized here); none leaves it dangling (`<none>`). */
  refs?: readonly string[];
}

export interface RemoveImageOptions {
  /** Remove an image referenced from several repositories, or untag one containers use. */
  force?: boolean;
}

export interface RemoveImageResult {
  /** References removed (normalized). */
  untagged: string[];
  /** IDs of the images that no longer exist. */
  deletedImages: string[];
  /** Blob digests deleted. */
  deletedBlobs: string[];
  /** diff_ids whose unpacked directory was deleted. */
  deletedLayers: string[];
}

export interface PruneResult extends RemoveImageResult {
  /** Bytes of the deleted blobs. */
  reclaimedBlobBytes: number;
  /** Half-written ingest files and half-unpacked layer directories removed. */
  removedTemporaries: number;
}

interface Parsed {
  manifest: ImageManifest;
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  config: ImageConfig;
  layers: LayerInfo[];
}

type Match = { kind: 'ref'; ref: string; digest: string } | { kind: 'id'; digests: string[] };

const MANIFEST_MAX = 4 * 1024 * 1024;
const CONFIG_MAX = 64 * 1024 * 1024;

function corrupt(message: string, cause?: unknown): RuntimeError {
  return new RuntimeError('IMAGE_CORRUPT', message, { cause });
}

function notFound(input: string): RuntimeError {
  return new RuntimeError('IMAGE_NOT_FOUND', `No such image: ${input}`, {
    hint: 'list the images of the built-in engine, or pull/load the image first',
  });
}

/** Parses and checks an image manifest (throws UNSUPPORTED for indexes and non-image artifacts). */
export function parseManifest(
  bytes: Uint8Array,
  digest: string,
): { manifest: ImageManifest; mediaType: string } {
  let m: ImageManifest;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageManifest;
  } catch (err) {
    throw corrupt(`manifest ${digest} is not valid JSON`, err);
  }
  if (m === null || typeof m !== 'object') throw corrupt(`manifest ${digest} is not a JSON object`);
  const mediaType =
    typeof m.mediaType === 'string' && m.mediaType !== ''
      ? m.mediaType
      : (m as { manifests?: unknown }).manifests !== undefined
        ? MediaType.ociIndex
        : MediaType.ociManifest;
  if (isImageIndexType(mediaType)) {
    throw new RuntimeError(
      'UNSUPPORTED',
      `${digest} is a multi-platform index (${mediaType}); store the manifest of one platform`,
    );
  }
  if (!isImageManifestType(mediaType)) {
    throw new RuntimeError('UNSUPPORTED', `${digest} has the media type ${mediaType}, not an image manifest`);
  }
  if (m.schemaVersion !== 2)
    throw corrupt(`manifest ${digest} has schemaVersion ${String(m.schemaVersion)}, not 2`);
  const checkDescriptor = (d: Descriptor | undefined, what: string): void => {
    if (!d || typeof d !== 'object' || !isDigest(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) {
      throw corrupt(`manifest ${digest}: invalid ${what} descriptor`);
    }
    if (typeof d.mediaType !== 'string') throw corrupt(`manifest ${digest}: ${what} has no media type`);
  };
  checkDescriptor(m.config, 'config');
  if (!isImageConfigType(m.config.mediaType)) {
    throw new RuntimeError(
      'UNSUPPORTED',
      `${digest} is not a container image: its config has the media type ${m.config.mediaType}`,
    );
  }
  if (!Array.isArray(m.layers)) throw corrupt(`manifest ${digest} has no layers array`);
  m.layers.forEach((l, i) => {
    checkDescriptor(l, `layer ${i}`);
    if (!isLayerType(l.mediaType)) {
      throw new RuntimeError(
        'UNSUPPORTED',
        `manifest ${digest}: layer ${l.digest} has the media type ${l.mediaType}`,
      );
    }
  });
  return { manifest: m, mediaType };
}

/** Parses and checks an image config. */
export function parseConfig(bytes: Uint8Array, digest: string): ImageConfig {
  let c: ImageConfig;
  try {
    c = JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageConfig;
  } catch (err) {
    throw corrupt(`image config ${digest} is not valid JSON`, err);
  }
  if (c === null || typeof c !== 'object' || !c.rootfs || !Array.isArray(c.rootfs.diff_ids)) {
    throw corrupt(`image config ${digest} has no rootfs.diff_ids`);
  }
  if (c.rootfs.type !== 'layers') throw corrupt(`image config ${digest}: rootfs.type is not "layers"`);
  for (const d of c.rootfs.diff_ids) {
    if (!isDigest(d)) throw corrupt(`image config ${digest}: invalid diff_id ${String(d)}`);
  }
  return c;
}

export class ImageStore {
  readonly content: ContentStore;
  readonly index: TagIndex;
  private readonly cache = new Map<string, Parsed>();
  private readonly lockTimeoutMs: number;

  private constructor(
    readonly paths: StorePaths,
    private readonly options: ImageStoreOptions,
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.content = new ContentStore(paths.blobs, paths.ingest);
    this.index = new TagIndex(paths.indexFile, join(paths.locks, 'index.lock'), this.lockTimeoutMs);
  }

  /** Opens (creating when missing) the store under `options.root` / $BERTH_ROOT / /var/lib/berth. */
  static async open(options: ImageStoreOptions = {}): Promise<ImageStore> {
    const paths = storePaths(resolveRoot(options));
    await mkdir(paths.root, { recursive: true, mode: 0o700 });
    await mkdir(paths.layers, { recursive: true, mode: 0o700 });
    await mkdir(paths.locks, { recursive: true, mode: 0o700 });
    const store = new ImageStore(paths, options);
    await store.content.init();
    try {
      await stat(paths.layoutFile);
    } catch {
      await writeFileAtomic(
        paths.layoutFile,
        `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}\n`,
      );
    }
    await store.index.ensure();
    return store;
  }

  get root(): string {
    return this.paths.root;
  }

  /**
   * Runs `fn` holding the store's GC lock shared: blobs written inside are safe from a concurrent
   * prune until they are tagged. Everything that writes content and then tags it runs inside one.
   */
  lease<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.gcLock, { mode: 'shared', timeoutMs: this.lockTimeoutMs }, fn);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.gcLock, { mode: 'exclusive', timeoutMs: this.lockTimeoutMs }, fn);
  }

  private get gcLock(): string {
    return join(this.paths.locks, 'gc.lock');
  }

  /** Stores a blob (verified when `expected.digest` is given). Call inside lease() when it is to be
   * referenced by an image afterwards. */
  putBlob(source: BlobSource, expected?: ExpectedBlob): Promise<BlobInfo> {
    return this.content.put(source, expected);
  }

  /**
   * Adds an image whose config and layer blobs are already stored: checks the manifest, the config
   * and that the blobs are there with the right sizes, stores the manifest blob and points `refs`
   * at it (no refs: a dangling image, unless the manifest is already referenced).
   */
  addImage(manifestBytes: Uint8Array, options: AddImageOptions = {}): Promise<ImageRecord> {
    const refs = (options.refs ?? []).map((r) => formatReference(parseDockerReference(r)));
    return this.lease(async () => {
      const digest = sha256(manifestBytes);
      const { manifest, mediaType } = parseManifest(manifestBytes, digest);
      for (const d of [manifest.config, ...manifest.layers]) {
        let size: number;
        try {
          size = await this.content.size(d.digest);
        } catch (err) {
          if (err instanceof BerthError && err.code === 'RUNTIME_NOT_FOUND') {
            throw corrupt(`image ${digest}: blob ${d.digest} is not in the store`);
          }
          throw err;
        }
        if (size !== d.size) {
          throw corrupt(`image ${digest}: blob ${d.digest} has ${size} bytes, the manifest says ${d.size}`);
        }
      }
      const config = parseConfig(
        await this.content.read(manifest.config.digest, CONFIG_MAX),
        manifest.config.digest,
      );
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        throw corrupt(
          `image ${digest}: the manifest has ${manifest.layers.length} layers, the config ${config.rootfs.diff_ids.length} diff_ids`,
        );
      }
      for (const r of refs) this.checkDigestRef(r, digest);
      await this.content.put(manifestBytes, { digest });
      const parsed = this.remember(digest, mediaType, manifestBytes.length, manifest, config);
      const desc = this.descriptorOf(parsed);
      await this.index.update((entries) => {
        for (const ref of refs) setRef(entries, ref, desc);
        if (!entries.some((e) => e.digest === digest)) entries.push(desc);
      });
      return this.toRecord(parsed, await this.index.read());
    });
  }

  /** Points `target` at the image `source` resolves to (Docker `tag`). */
  async tag(source: string, target: string): Promise<ImageRecord> {
    const ref = formatReference(parseDockerReference(target));
    return this.lease(async () => {
      const record = await this.resolve(source);
      this.checkDigestRef(ref, record.manifestDigest);
      const parsed = await this.load(record.manifestDigest);
      await this.index.update((entries) => {
        setRef(entries, ref, this.descriptorOf(parsed));
      });
      return this.toRecord(parsed, await this.index.read());
    });
  }

  /** The image a reference, image ID (full, `sha256:`-prefixed or a unique hex prefix) or manifest
   * digest names; undefined when there is none. */
  async find(refOrId: string): Promise<ImageRecord | undefined> {
    const entries = await this.index.read();
    const m = await this.match(refOrId, entries);
    if (m === undefined) return undefined;
    const digest = m.kind === 'ref' ? m.digest : m.digests[0]!;
    return this.toRecord(await this.load(digest), entries);
  }

  /** Like find, but throws IMAGE_NOT_FOUND. */
  async resolve(refOrId: string): Promise<ImageRecord> {
    const found = await this.find(refOrId);
    if (found === undefined) throw notFound(refOrId);
    return found;
  }

  /**
   * Every image (one record per manifest), dangling ones included. An image whose manifest or
   * config cannot be read is left out (find/resolve on it throw IMAGE_CORRUPT; removeImage by its
   * reference and prune still clean it up).
   */
  async list(): Promise<ImageRecord[]> {
    const entries = await this.index.read();
    const digests = [...new Set(entries.map((e) => e.digest))];
    const out: ImageRecord[] = [];
    for (const d of digests) {
      let p: Parsed;
      try {
        p = await this.load(d);
      } catch {
        continue;
      }
      out.push(this.toRecord(p, entries));
    }
    return out;
  }

  /**
   * Docker `rmi`: a reference untags just that reference; an ID (or digest) removes every reference
   * of the image, refusing (RUNTIME_CONFLICT) when they span several repositories or a container
   * uses the image, unless forced. A forced untag of an image in use leaves it dangling. What no
   * remaining image uses is then deleted.
   */
  removeImage(refOrId: string, options: RemoveImageOptions = {}): Promise<RemoveImageResult> {
    return this.exclusive(async () => {
      const inUse = await this.inUse();
      const { removed, remaining } = await this.index.update(async (entries) => {
        const m = await this.match(refOrId, entries);
        if (m === undefined) throw notFound(refOrId);
        const hit =
          m.kind === 'ref'
            ? entries.filter((e) => refOf(e) === m.ref)
            : entries.filter((e) => m.digests.includes(e.digest));
        const ids = new Set<string>();
        for (const e of hit) {
          const id = await this.idOf(e.digest);
          if (id !== undefined) ids.add(id);
        }
        if (!options.force) {
          if (m.kind === 'id') {
            const repos = new Set(
              hit.flatMap((e) => {
                const r = refOf(e);
                return r === undefined ? [] : [referenceName(parseReference(r))];
              }),
            );
            if (repos.size > 1) {
              const id = [...ids][0]!;
              throw new RuntimeError(
                'RUNTIME_CONFLICT',
                `conflict: unable to delete ${digestHex(id).slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
              );
            }
          }
          // Untagging one of several references of an image in use is fine; deleting it is not.
          const deletes = m.kind === 'id' || entries.filter((e) => e.digest === m.digest).length === 1;
          for (const id of ids) {
            if (inUse.images.has(id) && deletes) {
              throw new RuntimeError(
                'RUNTIME_CONFLICT',
                `conflict: unable to remove ${refOrId} (must be forced) - image ${digestHex(id).slice(0, 12)} is being used by a container`,
              );
            }
          }
        }
        for (const e of hit) entries.splice(entries.indexOf(e), 1);
        // A forced removal of an image in use keeps it, dangling (as Docker does).
        for (const e of hit) {
          const id = await this.idOf(e.digest);
          if (id !== undefined && inUse.images.has(id) && !entries.some((x) => x.digest === e.digest)) {
            entries.push({ mediaType: e.mediaType, digest: e.digest, size: e.size, ...platformOf(e) });
          }
        }
        return { removed: hit, remaining: [...entries] };
      });
      const gone = [...new Set(removed.map((e) => e.digest))].filter(
        (d) => !remaining.some((e) => e.digest === d),
      );
      const freed = await this.free(gone, remaining, inUse);
      return {
        untagged: removed.flatMap((e) => (refOf(e) === undefined ? [] : [refOf(e)!])),
        ...freed,
      };
    });
  }

  /** Drops dangling images (not in use) and deletes everything no image references. */
  prune(): Promise<PruneResult> {
    return this.exclusive(async () => {
      const inUse = await this.inUse();
      const { removed, remaining } = await this.index.update(async (entries) => {
        const hit: Descriptor[] = [];
        for (const e of entries) {
          if (refOf(e) !== undefined) continue;
          const id = await this.idOf(e.digest);
          if (id === undefined || !inUse.images.has(id)) hit.push(e);
        }
        for (const e of hit) entries.splice(entries.indexOf(e), 1);
        return { removed: hit, remaining: [...entries] };
      });
      const live = await this.liveSet(remaining, inUse);
      const deletedImages = new Set<string>();
      for (const e of removed) {
        const p = this.cache.get(e.digest);
        if (
          p &&
          !remaining.some(
            (r) => this.cache.get(r.digest)?.manifest.config.digest === p.manifest.config.digest,
          )
        ) {
          deletedImages.add(p.manifest.config.digest);
        }
      }
      const deletedBlobs: string[] = [];
      let reclaimedBlobBytes = 0;
      for (const d of await this.content.list()) {
        if (live.blobs.has(d)) continue;
        let size = 0;
        try {
          size = await this.content.size(d);
        } catch {
          size = 0;
        }
        if (await this.content.delete(d)) {
          deletedBlobs.push(d);
          reclaimedBlobBytes += size;
          this.cache.delete(d);
        }
      }
      const deletedLayers: string[] = [];
      let removedTemporaries = await this.content.cleanIngest();
      for (const name of await readdir(this.paths.layers)) {
        if (/^[a-f0-9]{64}$/.test(name)) {
          if (!live.layers.has(name)) {
            await this.removeLayerDir(name);
            deletedLayers.push(`sha256:${name}`);
          }
        } else if (name.startsWith(DELETE_PREFIX)) {
          await rm(join(this.paths.layers, name), { recursive: true, force: true });
          removedTemporaries++;
        } else if (name.startsWith(TEMP_PREFIX)) {
          const hex = name.slice(TEMP_PREFIX.length, TEMP_PREFIX.length + 64);
          if (!/^[a-f0-9]{64}$/.test(hex)) continue;
          // Still being unpacked when its layer lock is held.
          const held = await tryLock(layerLockPath(this.paths.locks, `sha256:${hex}`), { timeoutMs: 0 });
          if (held === undefined) continue;
          try {
            await rm(join(this.paths.layers, name), { recursive: true, force: true });
            removedTemporaries++;
          } finally {
            await held.release();
          }
        }
      }
      return {
        untagged: [],
        deletedImages: [...deletedImages],
        deletedBlobs,
        deletedLayers,
        reclaimedBlobBytes,
        removedTemporaries,
      };
    });
  }

  /** The unpacked directory of a layer (which may not exist yet). */
  layerPath(diffId: string): string {
    return join(this.paths.layers, digestHex(diffId));
  }

  /**
   * Unpacks every layer of the image that is not unpacked yet and returns the overlayfs lowerdirs,
   * top layer first (see rootfs.ts). The layers nobody else is unpacking are extracted in parallel
   * and made visible together after one durability barrier (commitLayers); then the layers another
   * caller was unpacking are waited for, holding no layer lock meanwhile (so that two processes
   * never wait for each other's locks).
   */
  unpack(refOrId: string): Promise<string[]> {
    return this.lease(async () => {
      const record = await this.resolve(refOrId);
      const seen = new Set<string>();
      const queue = record.layers.filter((l) => !seen.has(l.diffId) && seen.add(l.diffId));
      const slots: LayerSlot[] = [];
      const busy: LayerInfo[] = [];
      let failure: { err: unknown } | undefined;
      const run = async (): Promise<void> => {
        for (let layer = queue.shift(); layer !== undefined; layer = queue.shift()) {
          if (failure) return;
          try {
            const slot = await this.claimLayer(layer);
            if (slot === undefined) {
              if (!(await pathExists(this.layerPath(layer.diffId)))) busy.push(layer);
              continue;
            }
            slots.push(slot);
            await slot.extractFile(this.content.path(layer.digest));
          } catch (err) {
            failure ??= { err };
          }
        }
      };
      const workers = Math.max(1, this.options.unpackConcurrency ?? 3);
      try {
        await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, run));
        if (failure) throw failure.err;
        await this.commitLayers(slots);
      } finally {
        for (const slot of slots) await slot.discard();
      }
      for (const layer of busy) {
        await unpackLayer({
          layersDir: this.paths.layers,
          locksDir: this.paths.locks,
          blobPath: this.content.path(layer.digest),
          layerDigest: layer.digest,
          diffId: layer.diffId,
          lockTimeoutMs: this.lockTimeoutMs,
          sync: this.options.syncLayers,
        });
      }
      return lowerDirsFor(
        this.paths.layers,
        record.layers.map((l) => l.diffId),
      );
    });
  }

  /**
   * Claims the unpack of one layer without waiting: undefined when it is unpacked already or another
   * caller is unpacking it. Extract into the slot (LayerSlot.extractFile, or LayerSlot.stream while
   * downloading), then commitLayers() or discard(). Call inside lease().
   */
  claimLayer(layer: { digest: string; diffId: string }): Promise<LayerSlot | undefined> {
    return LayerSlot.claim({
      layersDir: this.paths.layers,
      locksDir: this.paths.locks,
      layerDigest: layer.digest,
      diffId: layer.diffId,
      lockTimeoutMs: 0,
    });
  }

  /**
   * Makes extracted layers visible with one durability barrier for all of them: a syncfs of the
   * layers' filesystem, then every slot renamed into place, then one fsync of the layers directory.
   * Crash-safe: until its rename a layer is a `.tmp-*` directory that nothing reads as a layer (prune
   * and the next unpack remove it), and no rename happens before the barrier has put every byte of
   * every extracted tree on disk, so a layer directory that exists after a crash is complete.
   */
  async commitLayers(slots: readonly LayerSlot[]): Promise<void> {
    if (slots.length === 0) return;
    if (this.options.syncLayers !== false) await syncfs(this.paths.layers);
    await Promise.all(slots.map((slot) => slot.commit()));
    await fsyncDir(this.paths.layers);
  }

  /** The lowerdirs of an image whose layers are all unpacked; throws otherwise. */
  async lowerDirs(refOrId: string): Promise<string[]> {
    const record = await this.resolve(refOrId);
    for (const l of record.layers) {
      try {
        await stat(this.layerPath(l.diffId));
      } catch {
        throw new RuntimeError('RUNTIME_ERROR', `layer ${l.diffId} of image ${refOrId} is not unpacked`, {
          hint: 'call unpack() first',
        });
      }
    }
    return lowerDirsFor(
      this.paths.layers,
      record.layers.map((l) => l.diffId),
    );
  }

  // ---------------------------------------------------------------------------------------------

  private checkDigestRef(ref: string, manifestDigest: string): void {
    const parsed = parseReference(ref);
    if (parsed.digest !== undefined && parsed.digest !== manifestDigest) {
      throw new BerthError(
        'INVALID_REFERENCE',
        `${ref} names the digest ${parsed.digest}, but the image's manifest is ${manifestDigest}`,
      );
    }
  }

  private descriptorOf(p: Parsed): Descriptor {
    return {
      mediaType: p.manifestMediaType,
      digest: p.manifestDigest,
      size: p.manifestSize,
      ...(p.config.architecture && p.config.os
        ? {
            platform: {
              architecture: p.config.architecture,
              os: p.config.os,
              ...(p.config.variant ? { variant: p.config.variant } : {}),
            },
          }
        : {}),
    };
  }

  private remember(
    digest: string,
    mediaType: string,
    size: number,
    manifest: ImageManifest,
    config: ImageConfig,
  ): Parsed {
    const layers = manifest.layers.map((l, i) => ({
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      diffId: config.rootfs.diff_ids[i]!,
    }));
    const parsed: Parsed = {
      manifest,
      manifestDigest: digest,
      manifestMediaType: mediaType,
      manifestSize: size,
      config,
      layers,
    };
    this.cache.set(digest, parsed);
    return parsed;
  }

  /** Reads (and caches: content-addressed, so immutable) a stored manifest and its config. */
  private async load(digest: string): Promise<Parsed> {
    const cached = this.cache.get(digest);
    if (cached) return cached;
    const bytes = await this.content.read(digest, MANIFEST_MAX);
    const { manifest, mediaType } = parseManifest(bytes, digest);
    const config = parseConfig(
      await this.content.read(manifest.config.digest, CONFIG_MAX),
      manifest.config.digest,
    );
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw corrupt(`image ${digest}: the manifest and the config disagree on the number of layers`);
    }
    return this.remember(digest, mediaType, bytes.length, manifest, config);
  }

  /** The image ID of a stored manifest; undefined when it cannot be read (a broken image). */
  private async idOf(manifestDigest: string): Promise<string | undefined> {
    try {
      return (await this.load(manifestDigest)).manifest.config.digest;
    } catch {
      return undefined;
    }
  }

  private toRecord(p: Parsed, entries: readonly Descriptor[]): ImageRecord {
    const refs = entries
      .filter((e) => e.digest === p.manifestDigest)
      .flatMap((e) => (refOf(e) === undefined ? [] : [refOf(e)!]))
      .sort();
    return {
      id: p.manifest.config.digest,
      manifestDigest: p.manifestDigest,
      manifestMediaType: p.manifestMediaType,
      manifestSize: p.manifestSize,
      refs,
      configDigest: p.manifest.config.digest,
      configMediaType: p.manifest.config.mediaType,
      config: p.config,
      layers: p.layers,
      size: p.layers.reduce((n, l) => n + l.size, 0),
    };
  }

  /** Resolves the user's words to index entries (see find). */
  private async match(input: string, entries: readonly Descriptor[]): Promise<Match | undefined> {
    const full = /^(?:sha256:)?([a-f0-9]{64})$/.exec(input);
    if (full) {
      const d = `sha256:${full[1]}`;
      if (entries.some((e) => e.digest === d)) return { kind: 'id', digests: [d] };
      const digests = await this.manifestsWithId(entries, (id) => id === d);
      return digests.length > 0 ? { kind: 'id', digests } : undefined;
    }
    let parseError: unknown;
    try {
      const ref = parseDockerReference(input);
      const normalized = formatReference(ref);
      const entry = entries.find((e) => refOf(e) === normalized);
      if (entry) return { kind: 'ref', ref: normalized, digest: entry.digest };
      if (ref.digest !== undefined) {
        const name = referenceName(ref);
        const same = entries.find(
          (e) =>
            e.digest === ref.digest &&
            refOf(e) !== undefined &&
            referenceName(parseReference(refOf(e)!)) === name,
        );
        if (same) return { kind: 'id', digests: [ref.digest] };
      }
    } catch (err) {
      parseError = err;
    }
    if (/^[a-f0-9]{1,63}$/.test(input)) {
      const ids = new Set<string>();
      const digests = await this.manifestsWithId(entries, (id) => {
        const hit = digestHex(id).startsWith(input);
        if (hit) ids.add(id);
        return hit;
      });
      if (ids.size > 1) {
        throw new RuntimeError('RUNTIME_CONFLICT', `multiple IDs found with provided prefix: ${input}`);
      }
      if (digests.length > 0) return { kind: 'id', digests };
    }
    if (parseError !== undefined) throw parseError;
    return undefined;
  }

  private async manifestsWithId(
    entries: readonly Descriptor[],
    pred: (id: string) => boolean,
  ): Promise<string[]> {
    const out: string[] = [];
    for (const d of new Set(entries.map((e) => e.digest))) {
      const id = await this.idOf(d);
      if (id !== undefined && pred(id)) out.push(d);
    }
    return out;
  }

  private async inUse(): Promise<{ images: Set<string>; layers: Set<string> }> {
    const u = (await this.options.inUse?.()) ?? {};
    return { images: new Set(u.images ?? []), layers: new Set([...(u.layers ?? [])].map(digestHex)) };
  }

  /** Blobs and layer dirs (hex) that `entries` and containers still use. */
  private async liveSet(
    entries: readonly Descriptor[],
    inUse: { layers: Set<string> },
  ): Promise<{ blobs: Set<string>; layers: Set<string> }> {
    const blobs = new Set<string>();
    const layers = new Set<string>(inUse.layers);
    for (const d of new Set(entries.map((e) => e.digest))) {
      blobs.add(d);
      let p: Parsed;
      try {
        p = await this.load(d);
      } catch {
        continue; // a broken image: nothing more to keep for it
      }
      blobs.add(p.manifest.config.digest);
      for (const l of p.layers) {
        blobs.add(l.digest);
        layers.add(digestHex(l.diffId));
      }
    }
    return { blobs, layers };
  }

  /** Deletes what the manifests `gone` used and nothing in `remaining` uses. */
  private async free(
    gone: readonly string[],
    remaining: readonly Descriptor[],
    inUse: { layers: Set<string> },
  ): Promise<Omit<RemoveImageResult, 'untagged'>> {
    const live = await this.liveSet(remaining, inUse);
    const deletedImages = new Set<string>();
    const deletedBlobs: string[] = [];
    const deletedLayers: string[] = [];
    const remainingIds = new Set<string>();
    for (const e of remaining) {
      const p = this.cache.get(e.digest);
      if (p) remainingIds.add(p.manifest.config.digest);
    }
    for (const d of gone) {
      let p: Parsed | undefined;
      try {
        p = await this.load(d);
      } catch {
        p = undefined;
      }
      const blobs = p ? [d, p.manifest.config.digest, ...p.layers.map((l) => l.digest)] : [d];
      if (p && !remainingIds.has(p.manifest.config.digest)) deletedImages.add(p.manifest.config.digest);
      for (const b of blobs) {
        if (live.blobs.has(b) || deletedBlobs.includes(b)) continue;
        if (await this.content.delete(b)) deletedBlobs.push(b);
      }
      for (const l of p?.layers ?? []) {
        const hex = digestHex(l.diffId);
        if (live.layers.has(hex) || deletedLayers.includes(l.diffId)) continue;
        if (await this.removeLayerDir(hex)) deletedLayers.push(l.diffId);
      }
      this.cache.delete(d);
    }
    return { deletedImages: [...deletedImages], deletedBlobs, deletedLayers };
  }

  /** Renames the layer dir out of the way (atomically invisible), then deletes it. Only under the
   * exclusive GC lock. */
  private async removeLayerDir(hex: string): Promise<boolean> {
    const dir = join(this.paths.layers, hex);
    const doomed = join(this.paths.layers, `${DELETE_PREFIX}${hex}-${process.pid}-${Date.now()}`);
    try {
      await rename(dir, doomed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
    // Its unpack lock file too: nobody unpacks while the GC lock is held exclusive.
    await rm(layerLockPath(this.paths.locks, `sha256:${hex}`), { force: true });
    return true;
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function platformOf(e: Descriptor): Pick<Descriptor, 'platform'> {
  return e.platform ? { platform: e.platform } : {};
}

/** Points `ref` at `desc` in `entries`; an image losing its last reference stays, dangling. */
function setRef(entries: Descriptor[], ref: string, desc: Descriptor): void {
  const i = entries.findIndex((e) => refOf(e) === ref);
  let previous: Descriptor | undefined;
  if (i >= 0) previous = entries.splice(i, 1)[0];
  for (let j = entries.length - 1; j >= 0; j--) {
    if (entries[j]!.digest === desc.digest && refOf(entries[j]!) === undefined) entries.splice(j, 1);
  }
  entries.push({ ...desc, annotations: { [REF_NAME_ANNOTATION]: ref } });
  if (previous && previous.digest !== desc.digest && !entries.some((e) => e.digest === previous!.digest)) {
    entries.push({
      mediaType: previous.mediaType,
      digest: previous.digest,
      size: previous.size,
      ...platformOf(previous),
    });
  }
}
