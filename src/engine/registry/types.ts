/** Shapes shared by the registry client, pull and push. */
import type { Readable } from 'node:stream';
import type { RegistryLayerStatus } from '../../api/images.js';

/** What pull reports per blob; `status` uses the docker CLI's words. */
export interface RegistryProgress {
  digest: string;
  /** Bytes done (downloaded, uploaded). */
  current: number;
  total: number;
  status: RegistryLayerStatus;
}

export type ProgressListener = (p: RegistryProgress) => void;

/**
 * Where pulled blobs go. `write` must verify `digest` and `size` itself and store the blob atomically
 * (the image store's ContentStore.put does); `partialDir` is where interrupted downloads are kept to
 * be resumed (files `<pid>-<hex>.partial`).
 */
export interface BlobSink {
  has(digest: string): Promise<boolean>;
  write(digest: string, size: number, stream: Readable): Promise<void>;
  /**
   * Optional: takes over a complete download whose digest and size the downloader has verified, by
   * moving the file at `path` (in partialDir) into place, instead of `write` copying it.
   */
  commit?(digest: string, size: number, path: string): Promise<void>;
  partialDir: string;
}

/**
 * A second consumer of a blob's bytes while it downloads (the image store unpacking a layer in the
 * same pass), fed in order from the first byte. `write` resolves when it can take more. The download
 * calls `end()` once the blob is complete and its digest verified, and `abort()` when it cannot
 * continue the byte stream (a failure, or a registry that restarted the blob from zero); every tee
 * is ended or aborted by the time downloadBlob settles, and abort() after end() is ignored.
 */
export interface BlobTee {
  write(chunk: Buffer): Promise<void>;
  end(): void;
  abort(reason?: unknown): void;
}

/** Where pushed blobs come from: the whole blob, or the bytes `start`..`end` (inclusive). */
export interface BlobReader {
  open(digest: string, range?: { start: number; end: number }): Promise<Readable>;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}
