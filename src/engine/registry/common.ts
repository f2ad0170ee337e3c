/** Helpers shared by pull and push: client creation with credentials, a bounded parallel map. */
import { type AuthLookupOptions, credentialsFor, registryKey } from '../../runtime/credentials.js';
import type { Credentials } from '../../runtime/runtime.js';
import { RegistryClient } from './client.js';
import { abortError, type RetryPolicy } from './retry.js';
import type { Transport } from './transport.js';

export interface RegistryAccessOptions {
  /**
   * Credentials for the registry. Undefined: looked up like the docker CLI does (config.json
   * `auths`, `credHelpers`, `credsStore`; see runtime/credentials.ts); null: anonymous.
   */
  credentials?: Credentials | null;
  /** Where the docker config lookup looks (env for DOCKER_CONFIG, home). */
  authLookup?: AuthLookupOptions;
  /** Registries (host or host:port) spoken to over plain http; loopback ones always are. */
  insecureRegistries?: readonly string[];
  retry?: RetryPolicy;
  transport?: Transport;
  /** A client to reuse (its registry must be the reference's). */
  client?: RegistryClient;
}

export async function clientFor(domain: string, options: RegistryAccessOptions): Promise<RegistryClient> {
  if (options.client) return options.client;
  const credentials =
    options.credentials === null
      ? undefined
      : (options.credentials ?? (await credentialsFor(registryKey(`${domain}/x`), options.authLookup)));
  return new RegistryClient(domain, {
    credentials,
    insecureRegistries: options.insecureRegistries,
    retry: options.retry,
    transport: options.transport,
  });
}

/**
 * Runs `fn` over `items` with at most `limit` at a time. The first failure aborts the signal given to
 * the others and is rethrown once all have settled.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) throw abortError(signal);
  signal?.addEventListener('abort', onAbort, { once: true });
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, controller.signal);
      } catch (err) {
        if (failure === undefined) {
          failure = { err };
          controller.abort(err);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) {
    if (signal?.aborted) throw abortError(signal);
    throw failure.err;
  }
  return results;
}
