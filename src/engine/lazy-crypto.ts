/**
 * node:crypto, loaded on first use. Many engine modules hash or draw random names, but `berth ps` and
 * a no-op `up` on the built-in engine need none of it: loading node:crypto at start-up cost them
 * ~4 ms of CPU, on every command.
 */
import type * as Crypto from 'node:crypto';

let crypto: typeof Crypto | undefined;
const load = (): typeof Crypto => {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto;
};

export const randomBytes = (size: number): Buffer => load().randomBytes(size);

export const createHash = (algorithm: string): Crypto.Hash => load().createHash(algorithm);
