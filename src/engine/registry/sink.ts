/**
 * Adapters between the registry client and where blobs live: the image store's ContentStore as a
 * pull sink (its `put` verifies digest and size and writes atomically) and as a push source, and a
 * plain directory (`<dir>/sha256/<hex>`, e.g. for tests and tools).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RuntimeError } from '../../api/errors.js';
import type { ContentStore } from '../store/content.js';
import { DigestTap, digestHex } from '../store/digest.js';
import { fsyncDir } from '../store/fsutil.js';
import type { BlobReader, BlobSink } from './types.js';

/**
 * The image store's content store as a sink; partial downloads go to its ingest directory. A
 * verified download is flushed (fsync) and renamed into `blobs/` (same filesystem: no second copy
 * and no second hash of the bytes), then the directory is fsynced: as with ContentStore.put, only
 * complete, verified, durable blobs ever appear there. (Blobs are made durable one by one, not at the
 * pull's single barrier for unpacked layers: a blob must be visible as soon as it is complete, so that
 * a concurrent pull of another image sharing it finds it instead of downloading it again. One fsync of
 * one file, overlapping the other downloads, is cheap next to a barrier over a tree of files.)
 */
export function contentStoreSink(store: ContentStore, partialDir: string = store.ingestDir): BlobSink {
  const write = async (digest: string, size: number, stream: Readable) => {
    await store.put(stream, { digest, size });
  };
  return {
    partialDir,
    has: (digest) => store.has(digest),
    write,
    commit: async (digest, size, path) => {
      const fh = await open(path, 'r');
      try {
        if ((await fh.stat()).size !== size) {
          throw new RuntimeError('IMAGE_CORRUPT', `download of ${digest} does not have its ${size} bytes`);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(path, store.path(digest));
      } catch (err) {
        // Another filesystem (a partialDir elsewhere): copy it, verifying again.
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        await write(digest, size, createReadStream(path));
        return;
      }
      await fsyncDir(store.blobsDir);
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
