/**
 * `pullImage`: resolve a reference to one image manifest (through an OCI index / Docker manifest
 * list, choosing the platform), then download its config and layers into a sink, in parallel with a
 * cap, skipping blobs the sink already has. The manifest itself is returned, not written: the caller
 * stores it and points the reference at it (ImageStore.addImage).
 */
import { Readable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import { sha256 } from '../store/digest.js';
import { parseConfig, parseManifest } from '../store/image-store.js';
import { isImageIndexType } from '../store/media-types.js';
import { formatReference, parseDockerReference } from '../store/reference.js';
import type { ImageConfig, ImageManifest } from '../store/types.js';
import { type FetchedManifest, type RegistryClient, SCHEMA1_MEDIA_TYPES } from './client.js';
import { clientFor, mapLimit, type RegistryAccessOptions } from './common.js';
import { downloadBlob } from './download.js';
import { DEFAULT_PLATFORM, type Platform, parsePlatform, selectPlatform } from './platform.js';
import { readBody } from './transport.js';
import type { BlobSink, BlobTee, Descriptor, Index, ProgressListener } from './types.js';

export interface PullImageOptions extends RegistryAccessOptions {
  sink: BlobSink;
  /** `os/arch[/variant]` or a Platform; default linux/amd64. Used when the reference is an index. */
  platform?: string | Platform;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Parallel layer downloads (default 3, as dockerd's max-concurrent-downloads). */
  concurrency?: number;
  /**
   * A second consumer of a layer's bytes while it downloads (the image store unpacking it in the same
   * pass), asked once for each layer not in the sink yet, with the layer's diff_id from the config;
   * undefined: none for that layer. See BlobTee.
   */
  layerTee?: (layer: Descriptor, diffId: string) => Promise<BlobTee | undefined>;
}

export interface PullImageResult {
  /** The normalized reference pulled. */
  reference: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifest: ImageManifest;
  /** The manifest exactly as the registry sent it (its sha256 is manifestDigest). */
  manifestBytes: Buffer;
  configDigest: string;
  config: ImageConfig;
  /** When the reference named an index: its digest, and the platform chosen from it. */
  indexDigest?: string;
  platform?: Platform;
}

const CONFIG_MAX = 64 * 1024 * 1024;

/**
 * Docker ≥ 28 refuses Docker Image manifest version 2, schema 1 (and removed the v1 image format):
 * so does berth, naming the image.
 */
function refuseSchema1(fetched: FetchedManifest, what: string): void {
  if (!SCHEMA1_MEDIA_TYPES.includes(fetched.mediaType)) return;
  throw new RuntimeError(
    'UNSUPPORTED',
    `${what} is a Docker Image manifest version 2, schema 1 (${fetched.mediaType}): that format is deprecated and no longer supported (as in Docker 28 and later)`,
    {
      hint: `re-push ${what} with a current client (docker push, buildah, crane), which writes an OCI or Docker schema 2 manifest`,
    },
  );
}

/** Resolves `reference` to an image manifest (choosing from an index by platform). */
export async function resolveManifest(
  client: RegistryClient,
  repo: string,
  reference: string,
  options: { platform?: string | Platform; signal?: AbortSignal; what?: string } = {},
): Promise<{ manifest: FetchedManifest; index?: FetchedManifest; platform?: Platform }> {
  const what = options.what ?? `${repo}:${reference}`;
  const top = await client.getManifest(repo, reference, options.signal);
  refuseSchema1(top, what);
  if (!isImageIndexType(top.mediaType)) return { manifest: top };
  let index: Index;
  try {
    index = JSON.parse(top.bytes.toString('utf8')) as Index;
  } catch (err) {
    throw new RuntimeError('IMAGE_CORRUPT', `index ${top.digest} is not valid JSON`, { cause: err });
  }
  if (!Array.isArray(index.manifests)) {
    throw new RuntimeError('IMAGE_CORRUPT', `index ${top.digest} has no manifests array`);
  }
  const wanted =
    typeof options.platform === 'string'
      ? parsePlatform(options.platform)
      : (options.platform ?? DEFAULT_PLATFORM);
  const entry = selectPlatform(index.manifests, wanted, what);
  const manifest = await client.getManifest(repo, entry.digest, options.signal);
  refuseSchema1(manifest, `${what} (${entry.digest})`);
  if (manifest.bytes.length !== entry.size) {
    throw new RuntimeError(
      'IMAGE_CORRUPT',
      `manifest ${entry.digest} has ${manifest.bytes.length} bytes, the index says ${entry.size}`,
    );
  }
  if (isImageIndexType(manifest.mediaType)) {
    throw new RuntimeError('UNSUPPORTED', `index ${top.digest} points at another index (${entry.digest})`);
  }
  return { manifest, index: top, platform: entry.platform };
}

export async function pullImage(ref: string, options: PullImageOptions): Promise<PullImageResult> {
  const parsed = parseDockerReference(ref);
  const repo = parsed.path;
  const reference = parsed.digest ?? parsed.tag ?? 'latest';
  const client = await clientFor(parsed.domain, options);
  const { signal, onProgress, sink } = options;
  const resolved = await resolveManifest(client, repo, reference, {
    platform: options.platform,
    signal,
    what: formatReference(parsed),
  });
  const { manifest, mediaType } = parseManifest(resolved.manifest.bytes, resolved.manifest.digest);

  // The config: small, needed in memory anyway.
  const configDesc = manifest.config;
  const { response } = await client.getBlob(repo, configDesc.digest, { signal });
  const configBytes = await readBody(response, Math.min(CONFIG_MAX, configDesc.size)).catch((err) => {
    throw err instanceof RuntimeError && err.code === 'REGISTRY_ERROR'
      ? new RuntimeError('IMAGE_CORRUPT', `config ${configDesc.digest} is larger than its descriptor says`)
      : err;
  });
  const configDigest = sha256(configBytes);
  if (configDigest !== configDesc.digest || configBytes.length !== configDesc.size) {
    throw new RuntimeError(
      'IMAGE_CORRUPT',
      `config ${configDesc.digest} failed verification: content is ${configDigest} (${configBytes.length} bytes, expected ${configDesc.size})`,
    );
  }
  const config = parseConfig(configBytes, configDigest);
  if (!(await sink.has(configDigest))) {
    await sink.write(configDigest, configBytes.length, Readable.from([configBytes]));
  }

  const seen = new Set<string>();
  const layers = manifest.layers.filter((l) => !seen.has(l.digest) && seen.add(l.digest));
  for (const l of layers) onProgress?.({ digest: l.digest, current: 0, total: l.size, status: 'Waiting' });
  await mapLimit(layers, options.concurrency ?? 3, signal, async (layer, layerSignal) => {
    if (await sink.has(layer.digest)) {
      onProgress?.({
        digest: layer.digest,
        current: layer.size,
        total: layer.size,
        status: 'Already exists',
      });
      return;
    }
    const diffId = config.rootfs.diff_ids[manifest.layers.indexOf(layer)];
    const tee = diffId !== undefined ? await options.layerTee?.(layer, diffId) : undefined;
    await downloadBlob(client, repo, layer, sink, {
      signal: layerSignal,
      onProgress,
      retry: options.retry,
      ...(tee ? { tee } : {}),
    });
  });

  const result: PullImageResult = {
    reference: formatReference(parsed),
    manifestDigest: resolved.manifest.digest,
    manifestMediaType: mediaType,
    manifest,
    manifestBytes: resolved.manifest.bytes,
    configDigest,
    config,
  };
  if (resolved.index) {
    result.indexDigest = resolved.index.digest;
    if (resolved.platform) result.platform = resolved.platform;
  }
  return result;
}
