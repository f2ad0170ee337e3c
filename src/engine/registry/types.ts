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
  partialDir: string;
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
