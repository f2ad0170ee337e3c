/** sha256 digests: hashing streams and checking `sha256:<hex>` strings. */
import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import { createHash } from '../lazy-crypto.js';

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** `sha256:<hex>` → `<hex>`; throws IMAGE_CORRUPT for anything else (the store keeps sha256 only). */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (m === null) {
    throw new RuntimeError('IMAGE_CORRUPT', `invalid digest "${digest}": expected sha256:<64 lowercase hex>`);
  }
  return m[1]!;
}

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private result: string | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  /** The digest of everything that passed; only after the stream has ended. */
  get digest(): string {
    if (this.result === undefined) throw new Error('DigestTap: stream has not ended');
    return this.result;
  }

  get size(): number {
    return this.bytes;
  }
}
