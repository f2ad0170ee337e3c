/** The built-in engine's registry client: Distribution API v2 pull and push. */
export { Authenticator } from './auth.js';
export { type Challenge, mergeScopes, parseWwwAuthenticate, repositoryScope, scopeKey } from './challenge.js';
export {
  DOCKER_HUB_REGISTRY,
  type FetchedManifest,
  MANIFEST_ACCEPT,
  type ManifestHead,
  RegistryClient,
  type RegistryClientOptions,
} from './client.js';
export { clientFor, type RegistryAccessOptions } from './common.js';
export { type DownloadOptions, downloadBlob } from './download.js';
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from './platform.js';
export { type PullImageOptions, type PullImageResult, pullImage, resolveManifest } from './pull.js';
export {
  type BlobPushOutcome,
  type PushImageOptions,
  type PushImageResult,
  type PushSource,
  pushBlob,
  pushImage,
} from './push.js';
export { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';
export { contentStoreReader, contentStoreSink, directoryBlobs } from './sink.js';
export { isLoopbackHost, schemeFor, type Transport } from './transport.js';
export type {
  BlobReader,
  BlobSink,
  Descriptor,
  Index,
  Manifest,
  ProgressListener,
  RegistryProgress,
} from './types.js';
