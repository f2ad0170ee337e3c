/**
 * `pushImage`: upload an image (or an index and the images it lists) to a registry. Per blob: HEAD
 * first (the registry may have it), then a cross-repository mount when the image came from another
 * repository of the same registry, else an upload: monolithic (POST, then PUT with the bytes and
 * `?digest=`), or chunked (PATCH with Content-Range per chunk, then PUT) for blobs larger than
 * `chunkSize`. Config and layers go in parallel with a cap; the manifest goes last.
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import { sha256 } from '../store/digest.js';
import { isImageIndexType } from '../store/media-types.js';
import { formatReference, parseDockerReference } from '../store/reference.js';
import type { RegistryClient } from './client.js';
import { clientFor, mapLimit, type RegistryAccessOptions } from './common.js';
import { withRetry } from './retry.js';
import type { BlobReader, Descriptor, Index, Manifest, ProgressListener } from './types.js';

export interface PushSource {
  /** The manifest (or index) to push, byte for byte. */
  manifest: Uint8Array;
  /** Its media type; default: the document's `mediaType`. */
  mediaType?: string;
  /** Config, layer and (for an index) child manifest blobs. */
  blobs: BlobReader;
  /**
   * Repositories the image's blobs may already be in (references like `reg:5000/other/repo`); those on
   * the target's registry are tried as cross-repository mounts.
   */
  mountFrom?: readonly string[];
}

export interface PushImageOptions extends RegistryAccessOptions {
  source: PushSource;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Parallel blob uploads (default 5, as dockerd's max-concurrent-uploads). */
  concurrency?: number;
  /** Blobs larger than this are uploaded in chunks of this size; default: always monolithic. */
  chunkSize?: number;
}

export interface PushImageResult {
  /** The normalized reference pushed. */
  reference: string;
  /** The digest of the pushed manifest (or index). */
  digest: string;
  size: number;
}

export type BlobPushOutcome = 'exists' | 'mounted' | 'pushed';

function parseDoc<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch (err) {
    throw new RuntimeError('IMAGE_CORRUPT', `${what} is not valid JSON`, { cause: err });
  }
}

function mediaTypeOf(bytes: Uint8Array, given: string | undefined): string {
  if (given) return given;
  const doc = parseDoc<{ mediaType?: string; manifests?: unknown }>(bytes, 'the manifest');
  if (typeof doc.mediaType === 'string' && doc.mediaType !== '') return doc.mediaType;
  return doc.manifests !== undefined
    ? 'application/vnd.oci.image.index.v1+json'
    : 'application/vnd.oci.image.manifest.v1+json';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function counting(total: number, digest: string, base: number, onProgress?: ProgressListener): Transform {
  let done = base;
  let last = base;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      if (onProgress && (done - last >= 256 * 1024 || done === total)) {
        last = done;
        onProgress({ digest, current: done, total, status: 'Pushing' });
      }
      cb(null, chunk);
    },
  });
}

/** Pushes one blob to `repo` (see the file comment). */
export async function pushBlob(
  client: RegistryClient,
  repo: string,
  desc: { digest: string; size: number },
  blobs: BlobReader,
  options: {
    mountFrom?: readonly string[];
    chunkSize?: number;
    signal?: AbortSignal;
    onProgress?: ProgressListener;
  } = {},
): Promise<BlobPushOutcome> {
  const { signal, onProgress } = options;
  const emit = (status: Parameters<ProgressListener>[0]['status'], current: number) =>
    onProgress?.({ digest: desc.digest, current, total: desc.size, status });
  const pushScopes = [`repository:${repo}:pull,push`];
  if ((await client.headBlob(repo, desc.digest, signal, pushScopes)) !== undefined) {
    emit('Layer already exists', desc.size);
    return 'exists';
  }
  let location: URL | undefined;
  for (const from of options.mountFrom ?? []) {
    if (from === repo) continue;
    const started = await client.startUpload(repo, { mount: { digest: desc.digest, from }, signal });
    if (started.mounted) {
      emit('Mounted', desc.size);
      return 'mounted';
    }
    location = started.location;
    break;
  }
  await withRetry(
    async (attempt) => {
      let loc0 = location;
      if (loc0 === undefined || attempt > 0) {
        const started = await client.startUpload(repo, { signal });
        if (started.mounted) return;
        loc0 = started.location;
      }
      const start0: URL = loc0;
      const chunk = options.chunkSize;
      if (chunk !== undefined && chunk > 0 && desc.size > chunk) {
        let loc = start0;
        for (let start = 0; start < desc.size; start += chunk) {
          const end = Math.min(desc.size, start + chunk) - 1;
          loc = await client.patchBlob(
            repo,
            loc,
            start,
            end,
            async () =>
              (await blobs.open(desc.digest, { start, end })).pipe(
                counting(desc.size, desc.digest, start, onProgress),
              ),
            signal,
          );
        }
        await client.finishUpload(repo, loc, desc.digest, signal);
      } else {
        await client.putBlob(
          repo,
          start0,
          desc.digest,
          desc.size,
          async () => (await blobs.open(desc.digest)).pipe(counting(desc.size, desc.digest, 0, onProgress)),
          signal,
        );
      }
    },
    { signal },
  );
  emit('Pushed', desc.size);
  return 'pushed';
}

async function pushManifestBlobs(
  client: RegistryClient,
  repo: string,
  manifest: Manifest,
  options: PushImageOptions,
  mountFrom: string[],
): Promise<void> {
  const seen = new Set<string>();
  const blobs: Descriptor[] = [manifest.config, ...manifest.layers].filter(
    (d) => !seen.has(d.digest) && seen.add(d.digest),
  );
  await mapLimit(blobs, options.concurrency ?? 5, options.signal, (d, signal) =>
    pushBlob(client, repo, d, options.source.blobs, {
      mountFrom,
      chunkSize: options.chunkSize,
      signal,
      onProgress: options.onProgress,
    }),
  );
}

export async function pushImage(ref: string, options: PushImageOptions): Promise<PushImageResult> {
  const parsed = parseDockerReference(ref);
  const repo = parsed.path;
  const client = await clientFor(parsed.domain, options);
  const { source, signal } = options;
  const mountFrom = (source.mountFrom ?? [])
    .map((r) => parseDockerReference(r))
    .filter((r) => r.domain === parsed.domain && r.path !== repo)
    .map((r) => r.path);
  const mediaType = mediaTypeOf(source.manifest, source.mediaType);
  if (isImageIndexType(mediaType)) {
    const index = parseDoc<Index>(source.manifest, 'the index');
    for (const child of index.manifests ?? []) {
      const bytes = await readAll(await source.blobs.open(child.digest));
      if (sha256(bytes) !== child.digest) {
        throw new RuntimeError(
          'IMAGE_CORRUPT',
          `manifest ${child.digest} of the index does not match its digest`,
        );
      }
      const childManifest = parseDoc<Manifest>(bytes, `manifest ${child.digest}`);
      await pushManifestBlobs(client, repo, childManifest, options, mountFrom);
      await client.putManifest(repo, child.digest, bytes, child.mediaType, signal);
    }
  } else {
    const manifest = parseDoc<Manifest>(source.manifest, 'the manifest');
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw new RuntimeError('IMAGE_CORRUPT', 'the manifest has no config or layers');
    }
    await pushManifestBlobs(client, repo, manifest, options, mountFrom);
  }
  const target = parsed.digest ?? parsed.tag ?? 'latest';
  const digest = await client.putManifest(repo, target, source.manifest, mediaType, signal);
  return { reference: formatReference(parsed), digest, size: source.manifest.length };
}
