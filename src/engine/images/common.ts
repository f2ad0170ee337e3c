/** Shared by the image operations: opening the store, short IDs, familiar names, abort checks. */
import { BerthError } from '../../api/errors.js';
import type { ImageStoreAccess } from '../../api/images.js';
import { ImageStore } from '../store/image-store.js';
import { familiarString, parseReference } from '../store/reference.js';

export function openStore(options: ImageStoreAccess = {}): Promise<ImageStore> {
  return ImageStore.open({
    root: options.root,
    env: (options.env ?? process.env) as NodeJS.ProcessEnv,
  });
}

/** `sha256:0123456789abcdef…` → `0123456789ab` (docker's short ID). */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** A normalized reference in the form docker prints (`nginx:latest`, `127.0.0.1:5000/a:1`). */
export function familiar(ref: string): string {
  return familiarString(parseReference(ref));
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new BerthError('ABORTED', 'the operation was cancelled', { cause: signal.reason });
  }
}
