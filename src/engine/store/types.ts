/** The OCI / Docker image documents the store reads and writes (fields berth uses; others are kept). */
import type { Descriptor } from './tag-index.js';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** The `config` object of an image config (Docker's names, which OCI kept). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    StartInterval?: number;
    Retries?: number;
  };
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

export interface LayerInfo {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  size: number;
  mediaType: string;
  /** sha256 of the uncompressed tar. */
  diffId: string;
}

/** One stored image: a manifest and what it points to. */
export interface ImageRecord {
  /** The image ID, as Docker: the config digest. */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  /** Normalized references naming this manifest, sorted; empty for a dangling image. */
  refs: string[];
  configDigest: string;
  configMediaType: string;
  config: ImageConfig;
  /** Bottom layer first (manifest order). */
  layers: LayerInfo[];
  /** Sum of the stored layer blob sizes. */
  size: number;
}
