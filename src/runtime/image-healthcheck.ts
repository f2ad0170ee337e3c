/**
 * An image config's `Healthcheck` (Docker's and OCI's shape: durations in nanoseconds, 0 = unset) as
 * the engine-neutral HealthcheckSpec (milliseconds). Both adapters read image configs in that shape.
 */
import type { HealthcheckSpec } from './runtime.js';

export interface ImageHealthcheck {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export function healthcheckFromImage(h: ImageHealthcheck): HealthcheckSpec {
  const ms = (ns: unknown) => (typeof ns === 'number' && ns > 0 ? ns / 1_000_000 : undefined);
  return {
    test: h.Test ?? undefined,
    intervalMs: ms(h.Interval),
    timeoutMs: ms(h.Timeout),
    startPeriodMs: ms(h.StartPeriod),
    startIntervalMs: ms(h.StartInterval),
    retries: h.Retries || undefined,
  };
}
