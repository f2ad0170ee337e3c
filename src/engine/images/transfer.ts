/**
 * `imagePull` / `imagePush`: the registry client (engine/registry) over the image store. A pull
 * downloads into the content store under a lease (so a concurrent prune cannot collect the blobs
 * before they are tagged), unpacking the layers on the way (unless `unpack: false`), then adds the
 * manifest and points the reference at it. A push sends the stored manifest byte for byte, so its
 * digest stays.
 */

import { stat } from 'node:fs/promises';
import { BerthError } from '../../api/errors.js';
import type {
  ImageLayerProgress,
  ImagePullOptions,
  ImagePullResult,
  ImagePushOptions,
  ImagePushResult,
} from '../../api/images.js';
import { pullImage } from '../registry/pull.js';
import { pushImage } from '../registry/push.js';
import { contentStoreReader, contentStoreSink } from '../registry/sink.js';
import type { RegistryProgress } from '../registry/types.js';
import { hostArchitecture } from '../store/archive.js';
import type { ImageStore } from '../store/image-store.js';
import { formatReference, parseDockerReference, referenceName } from '../store/reference.js';
import type { LayerSlot, LayerStream } from '../store/unpack.js';
import { openStore, shortId, throwIfAborted } from './common.js';

function access(options: ImagePullOptions | ImagePushOptions) {
  return {
    insecureRegistries: options.insecureRegistries,
    credentials:
      options.credentials === null ? null : options.credentials ? { ...options.credentials } : undefined,
    authLookup: { env: options.env ?? process.env },
  };
}

function forward(
  onProgress: ((p: ImageLayerProgress) => void) | undefined,
): ((p: RegistryProgress) => void) | undefined {
  if (!onProgress) return undefined;
  return (p) =>
    onProgress({
      id: shortId(p.digest),
      digest: p.digest,
      status: p.status,
      current: p.current,
      total: p.total,
    });
}

/**
 * `docker pull REF`: into berth's image store, unpacking the layers as `docker pull` extracts them
 * (unless `unpack: false`). Each layer downloaded is unpacked in the same pass, its bytes going to
 * the content store and through gunzip into GNU tar at once (LayerSlot.stream); the blob's digest
 * (download) and its diff_id (unpack) are both verified before anything is renamed into place, and
 * all the layers of the pull become visible together after one durability barrier
 * (ImageStore.commitLayers). Layers that could not be streamed (already in the store, being unpacked
 * by another process, or restarted by the registry) are unpacked from their blobs afterwards.
 */
export async function imagePull(ref: string, options: ImagePullOptions = {}): Promise<ImagePullResult> {
  const reference = formatReference(parseDockerReference(ref));
  const store = await openStore(options);
  throwIfAborted(options.signal);
  const unpack = options.unpack !== false;
  const before = await store.find(reference).catch(() => undefined);
  const downloaded = new Map<string, number>();
  const emit = forward(options.onProgress);
  const extracting = (digest: string, total: number) =>
    options.onProgress?.({ id: shortId(digest), digest, status: 'Extracting', current: 0, total });
  const streams = new Map<string, { slot: LayerSlot; stream: LayerStream }>();
  const result = await store.lease(async () => {
    try {
      const pulled = await pullImage(reference, {
        ...access(options),
        sink: contentStoreSink(store.content),
        platform: options.platform ?? `linux/${hostArchitecture()}`,
        signal: options.signal,
        concurrency: options.concurrency,
        onProgress: (p) => {
          if (p.status === 'Download complete') {
            downloaded.set(p.digest, p.total);
            if (streams.has(p.digest)) {
              emit?.(p);
              extracting(p.digest, p.total);
              return;
            }
          }
          emit?.(p);
        },
        ...(unpack
          ? {
              layerTee: async (layer: { digest: string }, diffId: string) => {
                const slot = await store.claimLayer({ digest: layer.digest, diffId });
                if (slot === undefined) return undefined;
                const stream = slot.stream();
                streams.set(layer.digest, { slot, stream });
                return stream;
              },
            }
          : {}),
      });
      // Every blob is verified and stored; wait for the layers unpacked on the way (diff_id checked).
      const extracted: LayerSlot[] = [];
      for (const { slot, stream } of streams.values()) {
        try {
          await stream.finished;
          extracted.push(slot);
        } catch (err) {
          // The download could not feed it to the end (restarted): unpacked from the blob below.
          if (!(err instanceof BerthError && err.code === 'ABORTED')) throw err;
          await slot.discard();
        }
      }
      await store.commitLayers(extracted);
      // A digest reference naming an index cannot point at the platform's manifest: leave it untagged.
      const digestRef = parseDockerReference(reference).digest;
      const refs = digestRef !== undefined && digestRef !== pulled.manifestDigest ? [] : [reference];
      const record = await store.addImage(pulled.manifestBytes, { refs });
      return { pulled, record };
    } finally {
      for (const { slot, stream } of streams.values()) {
        stream.abort();
        await stream.finished.catch(() => {});
        await slot.discard();
      }
    }
  });
  const { pulled, record } = result;
  if (unpack && !(await allUnpacked(store, record.layers))) {
    for (const d of downloaded.keys()) {
      const l = record.layers.find((x) => x.digest === d);
      if (l && !streams.has(d)) extracting(d, l.size);
    }
    await store.unpack(record.manifestDigest);
  }
  for (const [d, size] of downloaded) {
    if (record.layers.some((l) => l.digest === d)) {
      options.onProgress?.({
        id: shortId(d),
        digest: d,
        status: 'Pull complete',
        current: size,
        total: size,
      });
    }
  }
  return {
    reference,
    id: record.id,
    digest: pulled.indexDigest ?? pulled.manifestDigest,
    updated: before?.manifestDigest !== record.manifestDigest,
    downloadedBytes: [...downloaded.values()].reduce((a, b) => a + b, 0),
  };
}

/** True when every layer is unpacked already (the usual case after a pull that streamed them). */
async function allUnpacked(store: ImageStore, layers: readonly { diffId: string }[]): Promise<boolean> {
  for (const l of layers) {
    try {
      await stat(store.layerPath(l.diffId));
    } catch {
      return false;
    }
  }
  return true;
}

/** `docker push REF`: a stored image to its registry. */
export async function imagePush(ref: string, options: ImagePushOptions = {}): Promise<ImagePushResult> {
  const parsed = parseDockerReference(ref);
  const reference = formatReference(parsed);
  const store = await openStore(options);
  throwIfAborted(options.signal);
  const record = await store.resolve(ref);
  const manifest = await store.content.read(record.manifestDigest);
  const outcomes = new Map<string, ImagePushResult['layers'][number]['outcome']>();
  const emit = forward(options.onProgress);
  const pushed = await store.lease(() =>
    pushImage(reference, {
      ...access(options),
      source: {
        manifest,
        mediaType: record.manifestMediaType,
        blobs: contentStoreReader(store.content),
        mountFrom: record.refs.filter(
          (r) => referenceName(parseDockerReference(r)) !== referenceName(parsed),
        ),
      },
      signal: options.signal,
      onProgress: (p) => {
        if (p.status === 'Pushed') outcomes.set(p.digest, 'pushed');
        else if (p.status === 'Layer already exists') outcomes.set(p.digest, 'exists');
        else if (p.status === 'Mounted') outcomes.set(p.digest, 'mounted');
        if (p.digest !== record.configDigest) emit?.(p);
      },
    }),
  );
  return {
    reference: pushed.reference,
    digest: pushed.digest,
    size: pushed.size,
    layers: record.layers.map((l) => ({ digest: l.digest, outcome: outcomes.get(l.digest) ?? 'exists' })),
  };
}
