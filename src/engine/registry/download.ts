/**
 * A verified, resumable blob download: the bytes go to `<partialDir>/<pid>-<hex>.partial` while
 * being hashed; when the connection breaks, the next attempt asks for the rest with
 * `Range: bytes=<bytes so far>-` and appends (a registry that answers 200 instead restarts the file).
 * A partial file left by a process that died is adopted and its bytes re-hashed, so a later pull
 * resumes it too. When the last byte is in, size and sha256 must match the descriptor (else
 * IMAGE_CORRUPT and the partial file is removed); the file is then handed to the sink: moved into
 * place when the sink can take a verified file (`commit`, the content store), else copied (`write`).
 *
 * A `tee` (BlobTee) gets the same bytes in order while they arrive, e.g. to unpack a layer in the same
 * pass: an adopted partial file's bytes first, then the network's; a resumed (206) transfer continues
 * its stream, a registry restarting the blob from zero (200) aborts it.
 */
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import { createHash } from '../lazy-crypto.js';
import { digestHex } from '../store/digest.js';
import { pidAlive } from '../store/fsutil.js';
import type { RegistryClient } from './client.js';
import {
  abortError,
  DEFAULT_RETRY,
  finalError,
  isRetryableError,
  type RetryPolicy,
  retryDelay,
  sleep,
} from './retry.js';
import type { BlobSink, BlobTee, ProgressListener } from './types.js';

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  retry?: RetryPolicy;
  /** Minimum bytes between two `Downloading` events (default 256 KiB). */
  progressStep?: number;
  /** Also receives the blob's bytes (see the file comment); ended or aborted before this settles. */
  tee?: BlobTee;
}

/** This process's partial file for `hex`; adopts one left by a dead process when there is one. */
async function partialFile(dir: string, hex: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const mine = join(dir, `${process.pid}-${hex}.partial`);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return mine;
  }
  if (names.includes(`${process.pid}-${hex}.partial`)) return mine;
  for (const name of names) {
    const m = /^(\d+)-([a-f0-9]{64})\.partial$/.exec(name);
    if (!m || m[2] !== hex || pidAlive(Number(m[1]))) continue;
    try {
      await rename(join(dir, name), mine);
      return mine;
    } catch {
      // another process adopted it first
    }
  }
  return mine;
}

/** Hashes the first `length` bytes of `path` (and feeds them to `tee`). */
async function hashFile(path: string, hash: Hash, length: number, tee?: BlobTee): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    await tee?.write(chunk as Buffer);
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/** Size of the writes of a download (see download()). */
const WRITE_CHUNK = 1 << 20;

/** Downloads in progress in this process, by partial file: a second caller waits for the first. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Downloads `desc` from `repo` into the sink (see the file comment). Resolves once the sink has it.
 * Concurrent calls for the same blob and sink share one download.
 */
export async function downloadBlob(
  client: RegistryClient,
  repo: string,
  desc: { digest: string; size: number },
  sink: BlobSink,
  options: DownloadOptions = {},
): Promise<void> {
  const key = join(sink.partialDir, digestHex(desc.digest));
  try {
    for (;;) {
      const running = inFlight.get(key);
      if (running === undefined) break;
      await running.catch(() => {});
      if (await sink.has(desc.digest)) {
        options.onProgress?.({
          digest: desc.digest,
          current: desc.size,
          total: desc.size,
          status: 'Already exists',
        });
        return;
      }
    }
    const p = download(client, repo, desc, sink, options);
    inFlight.set(key, p);
    try {
      await p;
    } finally {
      inFlight.delete(key);
    }
  } catch (err) {
    options.tee?.abort(err);
    throw err;
  } finally {
    // Not downloaded here (another caller did): the tee has nothing to get.
    options.tee?.abort();
  }
}

async function download(
  client: RegistryClient,
  repo: string,
  desc: { digest: string; size: number },
  sink: BlobSink,
  options: DownloadOptions = {},
): Promise<void> {
  const hex = digestHex(desc.digest);
  const path = await partialFile(sink.partialDir, hex);
  const policy = options.retry ?? DEFAULT_RETRY;
  const step = options.progressStep ?? 256 * 1024;
  const { signal, onProgress } = options;
  let tee = options.tee;
  const emit = (current: number, status: Parameters<ProgressListener>[0]['status']) =>
    onProgress?.({ digest: desc.digest, current, total: desc.size, status });

  let offset = 0;
  try {
    offset = (await stat(path)).size;
  } catch {
    offset = 0;
  }
  let hash = createHash('sha256');
  if (offset > desc.size) {
    await rm(path, { force: true });
    offset = 0;
  } else {
    await hashFile(path, hash, offset, tee);
  }

  let failures = 0;
  for (;;) {
    if (signal?.aborted) throw abortError(signal);
    if (offset === desc.size && desc.size > 0) break;
    try {
      const { body, partial } = await client.getBlob(repo, desc.digest, {
        start: offset,
        signal,
        retry: true,
      });
      if (!partial && offset > 0) {
        // The registry sent the whole blob: start over.
        offset = 0;
        hash = createHash('sha256');
        tee?.abort(new Error('the registry restarted the blob from the first byte'));
        tee = undefined;
      }
      const fh = await open(path, offset === 0 ? 'w' : 'a');
      try {
        let lastEmit = offset;
        emit(offset, 'Downloading');
        // The network's chunks (≤ 64 KiB) are gathered into writes of ~1 MiB: fewer file writes, and
        // fewer, larger chunks for the tee's gunzip, hash and tar filter (their per-chunk cost was
        // measured to dominate). When the body fails, what was gathered is written first: those
        // bytes arrived intact, and the resumed request asks for what follows them.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const flush = async () => {
          if (pendingBytes === 0) return;
          const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          if (tee) {
            try {
              await Promise.all([writeAll(fh, buf), tee.write(buf)]);
            } catch (err) {
              // The file may or may not have the bytes now: the tee cannot follow a retry.
              tee.abort(err);
              tee = undefined;
              throw err;
            }
          } else await writeAll(fh, buf);
          hash.update(buf);
          offset += buf.length;
        };
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            if (offset + pendingBytes + chunk.length > desc.size) {
              body.destroy();
              throw new RuntimeError(
                'IMAGE_CORRUPT',
                `blob ${desc.digest} from ${client.domain}/${repo} is larger than the ${desc.size} bytes its descriptor says`,
              );
            }
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes >= WRITE_CHUNK) await flush();
            const received = offset + pendingBytes;
            if (received - lastEmit >= step) {
              lastEmit = received;
              emit(received, 'Downloading');
            }
          }
        } catch (err) {
          if (!(err instanceof RuntimeError && err.code === 'IMAGE_CORRUPT')) {
            // A failed write leaves the file and `offset` apart: the retry below compares them.
            await flush().catch(() => {});
          }
          throw err;
        }
        await flush();
      } finally {
        await fh.close();
      }
      if (offset < desc.size) {
        // The body ended early without an error: a cut connection as far as we are concerned.
        throw Object.assign(new Error(`premature close after ${offset} of ${desc.size} bytes`), {
          code: 'ERR_STREAM_PREMATURE_CLOSE',
        });
      }
      break;
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (err instanceof RuntimeError && err.code === 'IMAGE_CORRUPT') {
        await rm(path, { force: true });
        throw err;
      }
      if (!isRetryableError(err)) throw err;
      if (failures >= policy.retries) throw finalError(err);
      failures++;
      emit(offset, 'Retrying');
      await sleep(retryDelay(err, failures, policy), signal);
      // What is on disk is what counts (a write may have failed midway).
      const onDisk = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (onDisk !== offset) {
        offset = 0;
        hash = createHash('sha256');
        await rm(path, { force: true });
        tee?.abort(new Error('the partial download was lost'));
        tee = undefined;
      }
    }
  }
  emit(offset, 'Verifying Checksum');
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== desc.digest) {
    await rm(path, { force: true });
    throw new RuntimeError(
      'IMAGE_CORRUPT',
      `blob ${desc.digest} from ${client.domain}/${repo} failed verification: its content hashes to ${actual}`,
      { hint: 'the registry holds corrupt data, or something between it and berth altered it' },
    );
  }
  tee?.end();
  if (desc.size === 0) await open(path, 'w').then((fh) => fh.close());
  if (sink.commit) await sink.commit(desc.digest, desc.size, path);
  else await sink.write(desc.digest, desc.size, createReadStream(path));
  await rm(path, { force: true });
  emit(desc.size, 'Download complete');
}
