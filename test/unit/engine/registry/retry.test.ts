import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import {
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  RetryableError,
  withRetry,
} from '../../../../src/engine/registry/retry.js';

const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 4 };

describe('retry policy', () => {
  it('retries 5xx but not 4xx or 501', () => {
    expect(isRetryableStatus(500)).toBe(true);
    expect(isRetryableStatus(503)).toBe(true);
    expect(isRetryableStatus(501)).toBe(false);
    expect(isRetryableStatus(404)).toBe(false);
    expect(isRetryableStatus(429)).toBe(false);
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
