/**
 * Typed options and results of the built-in engine's image operations (`berth image …`, `berth
 * login` / `logout`; src/engine/images). They act on berth's own image store (BERTH_ROOT, default
 * /var/lib/berth), not on dockerd. Field names follow the docker CLI flags they stand for.
 */

/** Where the store is and how the docker config (credentials) is found. */
export interface ImageStoreAccess {
  /** The store's root; default $BERTH_ROOT, else /var/lib/berth. */
  root?: string;
  /** Environment for BERTH_ROOT and DOCKER_CONFIG; default process.env. */
  env?: Record<string, string | undefined>;
  /** Cancels the operation. */
  signal?: AbortSignal;
}

export interface RegistryOptions {
  /** `--insecure-registry HOST`: registries spoken to over plain http (loopback ones always are). */
  insecureRegistries?: string[];
  /** Explicit credentials (default: looked up in the docker config like the docker CLI does). */
  credentials?: { username?: string; password?: string; identityToken?: string } | null;
}

/** A layer's state during a registry transfer, in the docker CLI's words. */
export type RegistryLayerStatus =
  | 'Waiting'
  | 'Downloading'
  | 'Retrying'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Already exists'
  | 'Pushing'
  | 'Layer already exists'
  | 'Mounted'
  | 'Pushed';

/** One layer's progress during a pull or a push: the transfer states, then unpacking. */
export interface ImageLayerProgress {
  /** Short layer id (12 hex digits of the blob digest). */
  id: string;
  digest: string;
  status: RegistryLayerStatus | 'Pull complete' | 'Extracting';
  current: number;
  total: number;
}

export interface ImagePullOptions extends ImageStoreAccess, RegistryOptions {
  /** `--platform os/arch[/variant]` (default linux/<host arch>). */
  platform?: string;
  /** Unpack the layers too, as `docker pull` extracts them (default true; false: blobs only, unpacked
   * when a container needs them). */
  unpack?: boolean;
  onProgress?: (p: ImageLayerProgress) => void;
  /** Parallel layer downloads (default 3). */
  concurrency?: number;
}

export interface ImagePullResult {
  /** The normalized reference pulled (`docker.io/library/nginx:latest`). */
  reference: string;
  /** The image ID (config digest). */
  id: string;
  /** The manifest digest the registry serves (`Digest:` line). */
  digest: string;
  /** false when the reference already pointed at this image (`Image is up to date`). */
  updated: boolean;
  /** Bytes downloaded (layers and config not already in the store). */
  downloadedBytes: number;
}

export interface ImagePushOptions extends ImageStoreAccess, RegistryOptions {
  onProgress?: (p: ImageLayerProgress) => void;
}

export interface ImagePushResult {
  reference: string;
  /** The pushed manifest's digest. */
  digest: string;
  /** The manifest's size in bytes. */
  size: number;
  /** Per layer (bottom first): what the push did. */
  layers: Array<{ digest: string; outcome: 'exists' | 'mounted' | 'pushed' }>;
}

/** One `image ls` row: a reference (or a dangling image). */
export interface ImageListEntry {
  /** Familiar repository name (`nginx`, `127.0.0.1:5000/app`), `<none>` when dangling. */
  repository: string;
  /** Tag, `<none>` when dangling or named by digest only. */
  tag: string;
  /** Manifest digest (`--digests`). */
  digest: string;
  /** Image ID (`sha256:…`). */
  id: string;
  /** Creation time from the image config (ISO 8601), undefined when it has none. */
  created?: string;
  /** Bytes of the stored layers. */
  size: number;
}

export interface ImageListOptions extends ImageStoreAccess {
  /** `REPO[:TAG]` to list only matching references. */
  reference?: string;
  /** `-a`: also dangling images (always listed, as docker does without filters). */
  all?: boolean;
}

export interface ImageRemoveOptions extends ImageStoreAccess {
  /** `-f`: remove an image tagged in several repositories by ID. */
  force?: boolean;
}

export interface ImageRemoveResult {
  /** Per argument, in order: what happened, or the error. */
  items: Array<{
    reference: string;
    untagged: string[];
    deleted: string[];
    error?: import('./errors.js').BerthError;
  }>;
}

export interface ImageSaveOptions extends ImageStoreAccess {
  /** `-o FILE` (written atomically); otherwise `stream` receives the tar. */
  output?: string;
  stream?: NodeJS.WritableStream;
}

export interface ImageSaveResult {
  /** Images written (IDs), and the names they carry. */
  images: Array<{ id: string; refs: string[] }>;
  bytes: number;
}

export interface ImageLoadOptions extends ImageStoreAccess {
  /** `-i FILE`; otherwise `stream` is read. */
  input?: string;
  stream?: NodeJS.ReadableStream | AsyncIterable<Uint8Array>;
}

export interface ImageLoadResult {
  images: Array<{ id: string; refs: string[] }>;
}

export interface ImageImportOptions extends ImageStoreAccess {
  /** `-m`: the history comment (default `Imported from <source>`). */
  message?: string;
  /** `--platform os/arch`. */
  platform?: string;
  /** Container config of the new image (what `--change CMD …` would set). */
  config?: { Cmd?: string[]; Entrypoint?: string[]; Env?: string[]; WorkingDir?: string; User?: string };
}

export interface ImagePruneOptions extends ImageStoreAccess {
  /** `-a`: every image without a container, not only dangling ones. */
  all?: boolean;
}

export interface ImagePruneResult {
  untagged: string[];
  deleted: string[];
  reclaimedBytes: number;
}

export interface ImageHistoryEntry {
  /** Image ID on the top row, `<missing>` below (as docker prints for pulled images). */
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

export interface LoginOptions {
  /** Registry (`host[:port]`, a URL); default Docker Hub. */
  server?: string;
  username: string;
  password: string;
  env?: Record<string, string | undefined>;
  /** Home directory holding `.docker` (default os.homedir()). */
  home?: string;
  insecureRegistries?: string[];
  signal?: AbortSignal;
}

export interface LoginResult {
  /** The key the credentials are stored under (`127.0.0.1:5000`, `https://index.docker.io/v1/`). */
  serverAddress: string;
  /** Where: the config file, or `docker-credential-<store>`. */
  storedIn: string;
}

export interface LogoutOptions {
  server?: string;
  env?: Record<string, string | undefined>;
  home?: string;
}

export interface LogoutResult {
  serverAddress: string;
  /** false when there were no credentials for it. */
  removed: boolean;
}
