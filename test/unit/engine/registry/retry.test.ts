import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  RetryableError,
  retryDelay,
  withRetry,
} from '../../../../src/engine/registry/retry.js';

const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 4 };

describe('retry policy', () => {
  it('retries 5xx and 429 but not other 4xx or 501', () => {
    expect(isRetryableStatus(500)).toBe(true);
    expect(isRetryableStatus(503)).toBe(true);
    expect(isRetryableStatus(429)).toBe(true);
    expect(isRetryableStatus(501)).toBe(false);
    expect(isRetryableStatus(404)).toBe(false);
    expect(isRetryableStatus(400)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-23T18:00:00Z');
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 7 ', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 18:00:30 GMT', now)).toBe(30_000);
    // The obsolete RFC 850 and asctime forms are HTTP dates too.
    expect(parseRetryAfter('Monday, 23-Nov-26 18:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon Nov 23 18:00:05 2026', now)).toBeGreaterThanOrEqual(0);
    // A date in the past: retry now.
    expect(parseRetryAfter('Sun, 22 Nov 2026 18:00:00 GMT', now)).toBe(0);
    for (const bad of [undefined, '', '-5', '1.5', 'soon', '2026-11-23T18:00:30Z'])
      expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it('waits what Retry-After asks, capped; the backoff otherwise', () => {
    const p = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 2000 };
    const final = new RuntimeError('REGISTRY_ERROR', 'HTTP 429');
    expect(retryDelay(new RetryableError('429', final, 1500), 1, p)).toBe(1500);
    expect(retryDelay(new RetryableError('429', final, 0), 3, p)).toBe(0);
    expect(retryDelay(new RetryableError('429', final, 3_600_000), 1, p)).toBe(2000);
    expect(retryDelay(new RetryableError('429', final), 2, p, () => 0.5)).toBe(200);
    expect(retryDelay(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 1, p, () => 0.5)).toBe(100);
    // Without a cap in the policy: 30 s.
    const { maxRetryAfterMs: _, ...uncapped } = p;
    expect(retryDelay(new RetryableError('429', final, 3_600_000), 1, uncapped)).toBe(30_000);
  });

  it('classifies errors', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableError(new RetryableError('503', new Error('final')))).toBe(true);
    expect(isRetryableError(new RuntimeError('IMAGE_NOT_FOUND', 'nope'))).toBe(false);
    expect(isRetryableError(new RuntimeError('IMAGE_CORRUPT', 'aborted digest'))).toBe(false);
    expect(isRetryableError(new TypeError('bad'))).toBe(false);
  });

  it('doubles the delay up to the cap, with bounded jitter', () => {
    const p = { retries: 9, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(1, p, () => 0)).toBe(80);
    expect(backoffDelay(1, p, () => 1)).toBe(120);
  });

  it('retries transient failures and gives up after the budget with the final error', async () => {
    let calls = 0;
    const delays: number[] = [];
    const ok = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'done';
      },
      { policy, onRetry: (_e, _n, d) => delays.push(d) },
    );
    expect(ok).toBe('done');
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);

    calls = 0;
    const final = new RuntimeError('REGISTRY_ERROR', 'HTTP 503');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new RetryableError('503', final);
        },
        { policy },
      ),
    ).rejects.toBe(final);
    expect(calls).toBe(4);
  });

  it('does not retry 4xx-type errors and stops on abort', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new RuntimeError('REGISTRY_AUTH', 'denied');
        },
        { policy },
      ),
    ).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
    expect(calls).toBe(1);

    const ac = new AbortController();
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          ac.abort();
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        },
        { policy: { retries: 5, baseDelayMs: 1000, maxDelayMs: 1000 }, signal: ac.signal },
      ),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(1);
  });
});
