/**
 * Retries with exponential backoff for registry calls: network errors, 5xx answers and 429 Too Many
 * Requests are retried, other 4xx never (they do not get better by asking again); an abort stops at
 * once. When a 429 or 503 answer says when to come back (`Retry-After`: seconds, or an HTTP date),
 * that delay replaces the backoff, capped at `maxRetryAfterMs` (a registry asking for an hour does
 * not hold a pull for an hour: after the capped waits the retries run out and the 429 is reported).
 */
import { BerthError, RuntimeError } from '../../api/errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /** Delay before the first retry (default 200 ms); doubled each time. */
  baseDelayMs: number;
  /** Cap of one delay (default 5 s). */
  maxDelayMs: number;
  /** Cap of a delay the registry asked for with Retry-After (default 30 s). */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 30_000,
};

const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

/**
 * An answer the registry may give differently next time: 5xx (not 501 Not Implemented) and 429 Too
 * Many Requests.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

/**
 * A `Retry-After` header value (RFC 9110 §10.2.3) as a delay in ms from `now`: delay-seconds (a
 * non-negative integer) or an HTTP date (a date in the past is 0). Undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date names its weekday and GMT (IMF-fixdate, or the obsolete RFC 850 / asctime forms).
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** A transient failure: a network error, a cut connection, or a {@link RetryableError}. */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof RetryableError) return true;
  if (err instanceof RuntimeError) return false;
  if (err instanceof Error && err.name === 'AbortError') return false;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  return err instanceof Error && /socket hang up|aborted|premature close|timed out/i.test(err.message);
}

/**
 * Thrown for a retryable HTTP answer (5xx, 429); carries the final error to throw when retries run
 * out, and the delay the registry asked for (Retry-After), if any.
 */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly final: Error,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The delay before retry number `attempt` after `err`: the registry's Retry-After (capped) when it
 * gave one, else the backoff.
 */
export function retryDelay(
  err: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (err instanceof RetryableError && err.retryAfterMs !== undefined) {
    return Math.min(err.retryAfterMs, policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
  }
  return backoffDelay(attempt, policy, random);
}

/** The delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, with ±20% jitter. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/**
 * The error to give up with: a RetryableError's final error; a network error as REGISTRY_ERROR
 * (with the original as cause); anything else as it is.
 */
export function finalError(err: unknown): unknown {
  if (err instanceof RetryableError) return err.final;
  if (err instanceof BerthError || !isRetryableError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RuntimeError('REGISTRY_ERROR', `network error talking to the registry: ${message}`, {
    cause: err,
  });
}

export function abortError(signal?: AbortSignal): RuntimeError {
  const reason = signal?.reason;
  return new RuntimeError('ABORTED', 'the registry operation was cancelled', {
    cause: reason instanceof Error ? reason : undefined,
  });
}

/** Resolves after `ms`, or rejects with ABORTED when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error is thrown, or the retries are used up (then the
 * last error is thrown; a RetryableError's `final`). `onRetry` hears about each retry before its delay.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: {
    policy?: RetryPolicy;
    signal?: AbortSignal;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
    random?: () => number;
  } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (!isRetryableError(err)) throw err;
      if (attempt >= policy.retries) throw finalError(err);
      const delay = retryDelay(err, attempt + 1, policy, options.random);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
