/**
 * The content store: blobs under `blobs/sha256/<hex>`, addressed and verified by their sha256.
 *
 * A write streams into `ingest/<pid>-<random>` while hashing, fsyncs, compares the digest (and size)
 * with what the caller expects, then renames the file into `blobs/`: readers only ever see complete,
 * verified blobs, a mismatch deletes the temporary file and throws IMAGE_CORRUPT, and two writers of
 * the same digest both succeed (the second rename replaces an identical file). Files left in
 * `ingest/` by a process that died are removed by `cleanIngest()`.
 */

import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import { createHash, randomBytes } from '../lazy-crypto.js';
import { digestHex, isDigest } from './digest.js';
import { fsyncDir, pidAlive } from './fsutil.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface ExpectedBlob {
  /** The digest the content must have; when omitted it is computed and returned. */
  digest?: string;
  /** The exact size the content must have. */
  size?: number;
}

export type BlobSource = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export class ContentStore {
  constructor(
    /** `<layout>/blobs/sha256` */
    readonly blobsDir: string,
    /** `<layout>/ingest` */
    readonly ingestDir: string,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  /** The file of a blob (which may not exist). */
  path(digest: string): string {
    return join(this.blobsDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Size in bytes; throws RUNTIME_NOT_FOUND when the blob is missing. */
  async size(digest: string): Promise<number> {
    try {
      return (await stat(this.path(digest))).size;
    } catch (err) {
      throw this.mapMissing(err, digest);
    }
  }

  /** A stream of the blob; the file is opened before this resolves, so a later delete does not
   * cut the read short. Throws RUNTIME_NOT_FOUND when missing. */
  async get(digest: string): Promise<Readable> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.path(digest), 'r');
    } catch (err) {
      throw this.mapMissing(err, digest);
    }
    return fh.createReadStream();
  }

  /** The whole blob, re-verified against its digest (for manifests and configs: small). */
  async read(digest: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    const size = await this.size(digest);
    if (size > maxBytes) {
      throw new RuntimeError(
        'IMAGE_CORRUPT',
        `blob ${digest} is ${size} bytes, more than the ${maxBytes} allowed here`,
      );
    }
    let data: Buffer;
    try {
      data = await readFile(this.path(digest));
    } catch (err) {
      throw this.mapMissing(err, digest);
    }
    const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (actual !== digest) {
      throw new RuntimeError(
        'IMAGE_CORRUPT',
        `blob ${digest} is corrupt on disk: its content hashes to ${actual}`,
        {
          hint: 'remove the image and pull or load it again',
        },
      );
    }
    return data;
  }

  /** Writes a blob (see the file comment). Resolves with its digest and size. */
  async put(source: BlobSource, expected: ExpectedBlob = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) digestHex(expected.digest);
    const tmp = join(this.ingestDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    let renamed = false;
    try {
      try {
        const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
          typeof source === 'string'
            ? [Buffer.from(source)]
            : source instanceof Uint8Array
              ? [source]
              : (source as AsyncIterable<Uint8Array>);
        for await (const chunk of chunks) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += buf.length;
          if (expected.size !== undefined && size > expected.size) {
            throw new RuntimeError(
              'IMAGE_CORRUPT',
              `blob ${expected.digest ?? '(no digest given)'} is larger than the expected ${expected.size} bytes`,
            );
          }
          hash.update(buf);
          let off = 0;
          while (off < buf.length) {
            const { bytesWritten } = await fh.write(buf, off, buf.length - off);
            off += bytesWritten;
          }
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected.digest !== undefined && digest !== expected.digest) {
        throw new RuntimeError(
          'IMAGE_CORRUPT',
          `digest mismatch: expected ${expected.digest}, content is ${digest}`,
          {
            hint: 'the download or archive is corrupt; fetch it again',
          },
        );
      }
      if (expected.size !== undefined && size !== expected.size) {
        throw new RuntimeError(
          'IMAGE_CORRUPT',
          `size mismatch for ${digest}: expected ${expected.size} bytes, got ${size}`,
        );
      }
      await rename(tmp, this.path(digest));
      renamed = true;
      await fsyncDir(this.blobsDir);
      return { digest, size };
    } finally {
      if (!renamed) await rm(tmp, { force: true });
    }
  }

  /** Removes a blob; false when it was not there. */
  async delete(digest: string): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Every stored digest. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.blobsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }

  /** Removes ingest files whose writer process is gone. */
  async cleanIngest(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.ingestDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const pid = Number.parseInt(name.split('-')[0] ?? '', 10);
      if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || pidAlive(pid))) continue;
      await rm(join(this.ingestDir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  private mapMissing(err: unknown, digest: string): unknown {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return new RuntimeError('RUNTIME_NOT_FOUND', `blob ${digest} is not in the image store`);
    }
    return err;
  }
}
