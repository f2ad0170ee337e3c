/**
 * A verified, resumable blob download: the bytes go to `<partialDir>/<pid>-<hex>.partial` while
 * being hashed; when the connection breaks, the next attempt asks for the rest with
 * `Range: bytes=<bytes so far>-` and appends (a registry that answers 200 instead restarts the file).
 * A partial file left by a process that died is adopted and its bytes re-hashed, so a later pull
 * resumes it too. When the last byte is in, size and sha256 must match the descriptor (else
 * IMAGE_CORRUPT and the partial file is removed); the file is then handed to the sink.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import { digestHex } from '../store/digest.js';
import type { RegistryClient } from './client.js';
import {
  abortError,
  backoffDelay,
  DEFAULT_RETRY,
  finalError,
  isRetryableError,
  type RetryPolicy,
  sleep,
} from './retry.js';
import type { BlobSink, ProgressListener } from './types.js';

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  retry?: RetryPolicy;
  /** Minimum bytes between two `Downloading` events (default 256 KiB). */
  progressStep?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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

async function hashFile(path: string, hash: Hash, length: number): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 }))
    hash.update(chunk as Buffer);
}

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
    await hashFile(path, hash, offset);
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
      }
      const fh = await open(path, offset === 0 ? 'w' : 'a');
      try {
        let lastEmit = offset;
        emit(offset, 'Downloading');
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (offset + chunk.length > desc.size) {
            body.destroy();
            throw new RuntimeError(
              'IMAGE_CORRUPT',
              `blob ${desc.digest} from ${client.domain}/${repo} is larger than the ${desc.size} bytes its descriptor says`,
            );
          }
          let off = 0;
          while (off < chunk.length) {
            const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
            off += bytesWritten;
          }
          hash.update(chunk);
          offset += chunk.length;
          if (offset - lastEmit >= step) {
            lastEmit = offset;
            emit(offset, 'Downloading');
          }
        }
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
      await sleep(backoffDelay(failures, policy), signal);
      // What is on disk is what counts (a write may have failed midway).
      const onDisk = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (onDisk !== offset) {
        offset = 0;
        hash = createHash('sha256');
        await rm(path, { force: true });
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
  if (desc.size === 0) await open(path, 'w').then((fh) => fh.close());
  await sink.write(desc.digest, desc.size, createReadStream(path));
  await rm(path, { force: true });
  emit(desc.size, 'Download complete');
}
