/**
 * Adapters between the registry client and where blobs live: the image store's ContentStore as a
 * pull sink (its `put` verifies digest and size and writes atomically) and as a push source, and a
 * plain directory (`<dir>/sha256/<hex>`, e.g. for tests and tools).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RuntimeError } from '../../api/errors.js';
import type { ContentStore } from '../store/content.js';
import { DigestTap, digestHex } from '../store/digest.js';
import type { BlobReader, BlobSink } from './types.js';

/** The image store's content store as a sink; partial downloads go to its ingest directory. */
export function contentStoreSink(store: ContentStore, partialDir: string = store.ingestDir): BlobSink {
  return {
    partialDir,
    has: (digest) => store.has(digest),
    write: async (digest, size, stream) => {
      await store.put(stream, { digest, size });
    },
  };
}

/** The content store as a push source. */
export function contentStoreReader(store: ContentStore): BlobReader {
  return {
    open: async (digest, range) => {
      if (!(await store.has(digest))) {
        throw new RuntimeError('IMAGE_NOT_FOUND', `blob ${digest} is not in the image store`);
      }
      return createReadStream(store.path(digest), range ? { start: range.start, end: range.end } : {});
    },
  };
}

/** A directory of blobs, `<dir>/sha256/<hex>`, as sink and source. */
export function directoryBlobs(dir: string): BlobSink & BlobReader & { path(digest: string): string } {
  const path = (digest: string) => join(dir, 'sha256', digestHex(digest));
  return {
    partialDir: join(dir, 'partial'),
    path,
    has: async (digest) => {
      try {
        return (await stat(path(digest))).isFile();
      } catch {
        return false;
      }
    },
    write: async (digest, size, stream: Readable) => {
      await mkdir(join(dir, 'sha256'), { recursive: true });
      const tmp = `${path(digest)}.tmp-${process.pid}`;
      const tap = new DigestTap();
      try {
        await pipeline(stream, tap, createWriteStream(tmp));
        if (tap.digest !== digest || tap.size !== size) {
          throw new RuntimeError(
            'IMAGE_CORRUPT',
            `blob ${digest}: content is ${tap.digest} (${tap.size} bytes, expected ${size})`,
          );
        }
        await rename(tmp, path(digest));
      } finally {
        await rm(tmp, { force: true });
      }
    },
    open: async (digest, range) =>
      createReadStream(path(digest), range ? { start: range.start, end: range.end } : {}),
  };
}
