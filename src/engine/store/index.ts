/** The built-in engine's image store (see image-store.ts and paths.ts). */
export {
  hostArchitecture,
  type ImportRootfsOptions,
  importRootfs,
  loadArchive,
} from './archive.js';
export { type BlobInfo, type BlobSource, ContentStore, type ExpectedBlob } from './content.js';
export { DigestTap, digestHex, isDigest, sha256 } from './digest.js';
export {
  type AddImageOptions,
  ImageStore,
  type ImageStoreOptions,
  type InUse,
  type PruneResult,
  parseConfig,
  parseManifest,
  type RemoveImageOptions,
  type RemoveImageResult,
} from './image-store.js';
export { MediaType } from './media-types.js';
export { DEFAULT_ROOT, resolveRoot, type StorePaths, storePaths } from './paths.js';
export * from './reference.js';
export { lowerDirsFor, type OverlayMount, type OverlayOptions, overlayMountOptions } from './rootfs.js';
export { type Descriptor, REF_NAME_ANNOTATION } from './tag-index.js';
export { type LayerFilterStats, LayerTarFilter, scanLayerTar } from './tar-filter.js';
export type {
  ContainerConfig,
  HistoryEntry,
  ImageConfig,
  ImageManifest,
  ImageRecord,
  LayerInfo,
} from './types.js';
export { sniffCompression, type UnpackResult, unpackLayer } from './unpack.js';
