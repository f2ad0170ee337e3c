/**
 * Where the built-in engine keeps images. The root is `options.root`, else `$BERTH_ROOT`, else
 * /var/lib/berth (tests always pass a temporary directory).
 *
 *   <root>/images/              an OCI image layout (skopeo/umoci can read it)
 *     oci-layout  index.json    the tag index: one descriptor per reference (annotation
 *                               org.opencontainers.image.ref.name = the normalized reference)
 *     blobs/sha256/<hex>        manifests, configs, layers as pulled/loaded (content-addressed)
 *     ingest/                   blobs being written (hashed while streaming, renamed into blobs/)
 *   <root>/layers/<diffid-hex>/ one unpacked layer, whiteouts in overlayfs form: an overlay lowerdir.
 *                               Present means complete (it is renamed into place); `.tmp-*` and
 *                               `.del-*` siblings are unfinished unpacks and deletions.
 *   <root>/locks/               flock(1) lock files (index, gc, one per layer being unpacked)
 */
import { isAbsolute, join, resolve } from 'node:path';

export const DEFAULT_ROOT = '/var/lib/berth';

export interface RootOptions {
  root?: string;
  env?: NodeJS.ProcessEnv;
}

export function resolveRoot(options: RootOptions = {}): string {
  const env = options.env ?? process.env;
  const root = options.root ?? (env.BERTH_ROOT ? env.BERTH_ROOT : DEFAULT_ROOT);
  return isAbsolute(root) ? root : resolve(root);
}

export interface StorePaths {
  root: string;
  /** The OCI image layout. */
  images: string;
  blobs: string;
  ingest: string;
  indexFile: string;
  layoutFile: string;
  layers: string;
  locks: string;
}

export function storePaths(root: string): StorePaths {
  const images = join(root, 'images');
  return {
    root,
    images,
    blobs: join(images, 'blobs', 'sha256'),
    ingest: join(images, 'ingest'),
    indexFile: join(images, 'index.json'),
    layoutFile: join(images, 'oci-layout'),
    layers: join(root, 'layers'),
    locks: join(root, 'locks'),
  };
}
