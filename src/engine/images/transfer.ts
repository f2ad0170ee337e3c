/**
 * `imagePull` / `imagePush`: the registry client (engine/registry) over the image store. A pull
 * downloads into the content store under a lease (so a concurrent prune cannot collect the blobs
 * before they are tagged), then adds the manifest and points the reference at it; with `unpack` it
 * also unpacks the layers. A push sends the stored manifest byte for byte, so its digest stays.
 */
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
import { formatReference, parseDockerReference, referenceName } from '../store/reference.js';
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

/** `docker pull REF`: into berth's image store. */
export async function imagePull(ref: string, options: ImagePullOptions = {}): Promise<ImagePullResult> {
  const reference = formatReference(parseDockerReference(ref));
  const store = await openStore(options);
  throwIfAborted(options.signal);
  const before = await store.find(reference).catch(() => undefined);
  const downloaded = new Map<string, number>();
  const layerDigests = new Set<string>();
  const emit = forward(options.onProgress);
  const result = await store.lease(async () => {
    const pulled = await pullImage(reference, {
      ...access(options),
      sink: contentStoreSink(store.content),
      platform: options.platform ?? `linux/${hostArchitecture()}`,
      signal: options.signal,
      concurrency: options.concurrency,
      onProgress: (p) => {
        layerDigests.add(p.digest);
        if (p.status === 'Download complete') downloaded.set(p.digest, p.total);
        emit?.(p);
      },
    });
    // A digest reference naming an index cannot point at the platform's manifest: leave it untagged.
    const digestRef = parseDockerReference(reference).digest;
    const refs = digestRef !== undefined && digestRef !== pulled.manifestDigest ? [] : [reference];
    const record = await store.addImage(pulled.manifestBytes, { refs });
    return { pulled, record };
  });
  const { pulled, record } = result;
  if (options.unpack) {
    for (const d of downloaded.keys()) {
      const l = record.layers.find((x) => x.digest === d);
      if (l)
        options.onProgress?.({ id: shortId(d), digest: d, status: 'Extracting', current: 0, total: l.size });
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
