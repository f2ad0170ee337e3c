import { describe, expect, it } from 'vitest';
import {
  applyProbeResult,
  capOutput,
  formatGoDuration,
  HEALTH_DEFAULTS,
  type HealthState,
  healthConfig,
  initialHealth,
  MAX_HEALTH_LOG,
  nextProbeDelay,
  probeArgv,
  timeoutResult,
} from '../../../../src/engine/supervisor/health.js';

const T0 = Date.UTC(2026, 0, 1);

function probe(state: HealthState, exitCode: number, atMs: number, cfg = { retries: 3, startPeriodMs: 0 }) {
  return applyProbeResult(
    state,
    { start: T0 + atMs, end: T0 + atMs + 5, exitCode, output: `exit ${exitCode}` },
    cfg,
    T0,
  );
}

describe('probeArgv', () => {
  it.each([
    [['NONE'], undefined],
    [[], undefined],
    [undefined, undefined],
    [['CMD'], undefined],
    [
      ['CMD', 'curl', '-f', 'http://localhost'],
      ['curl', '-f', 'http://localhost'],
    ],
    [
      ['CMD-SHELL', 'pg_isready -U postgres || exit 1'],
      ['/bin/sh', '-c', 'pg_isready -U postgres || exit 1'],
    ],
    [['CMD-SHELL', ''], undefined],
    [['BOGUS', 'x'], undefined],
  ])('%j → %j', (test, argv) => {
    expect(probeArgv(test as string[] | undefined)).toEqual(argv);
  });

  it('runs CMD-SHELL through the image shell when given', () => {
    expect(probeArgv(['CMD-SHELL', 'true'], ['/bin/bash', '-o', 'pipefail', '-c'])).toEqual([
      '/bin/bash',
      '-o',
      'pipefail',
      '-c',
      'true',
    ]);
  });
});

describe('healthConfig', () => {
  it('applies Docker’s defaults for unset or zero values', () => {
    expect(healthConfig({ test: ['CMD', 'true'] })).toEqual({
      argv: ['true'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    });
    expect(HEALTH_DEFAULTS.retries).toBe(3);
    expect(
      healthConfig({ test: ['CMD', 'true'], intervalMs: 0, timeoutMs: 0, retries: 0, startIntervalMs: 0 }),
    ).toMatchObject({ intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startIntervalMs: 5_000 });
    expect(
      healthConfig({
        test: ['CMD', 'true'],
        intervalMs: 1000,
        timeoutMs: 500,
        retries: 5,
        startPeriodMs: 9000,
        startIntervalMs: 200,
      }),
    ).toMatchObject({
      intervalMs: 1000,
      timeoutMs: 500,
      retries: 5,
      startPeriodMs: 9000,
      startIntervalMs: 200,
    });
  });

  it('is undefined for NONE or no healthcheck', () => {
    expect(healthConfig(undefined)).toBeUndefined();
    expect(healthConfig({ test: ['NONE'], intervalMs: 1000 })).toBeUndefined();
  });
});

describe('applyProbeResult', () => {
  it('a success makes it healthy; retries consecutive failures make it unhealthy', () => {
    let s = initialHealth();
    expect(s).toEqual({ status: 'starting', failingStreak: 0, log: [] });
    s = probe(s, 0, 1000);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 0 });
    s = probe(s, 1, 2000);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 1 });
    s = probe(s, 2, 3000); // any non-zero code is a failure
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 2 });
    s = probe(s, 1, 4000);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 3 });
    s = probe(s, 1, 5000);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 4 });
    s = probe(s, 0, 6000);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 0 });
  });

  it('a success in between resets the streak', () => {
    let s = initialHealth();
    s = probe(s, 1, 1000);
    s = probe(s, 1, 2000);
    s = probe(s, 0, 3000);
    s = probe(s, 1, 4000);
    s = probe(s, 1, 5000);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 2 });
  });

  it('goes unhealthy from starting without a start period', () => {
    let s = initialHealth();
    for (let i = 1; i <= 3; i++) s = probe(s, 1, i * 1000);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 3 });
  });

  it('ignores failures inside the start period while starting, not after', () => {
    const cfg = { retries: 1, startPeriodMs: 10_000 };
    let s = initialHealth();
    s = probe(s, 1, 1000, cfg);
    s = probe(s, 1, 9999, cfg);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 0 });
    expect(s.log).toHaveLength(2);
    s = probe(s, 1, 10_000, cfg); // the probe began at the end of the period: it counts
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 1 });
  });

  it('counts failures inside the start period once healthy', () => {
    const cfg = { retries: 2, startPeriodMs: 60_000 };
    let s = initialHealth();
    s = probe(s, 0, 1000, cfg);
    s = probe(s, 1, 2000, cfg);
    s = probe(s, 1, 3000, cfg);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
  });

  it('keeps the last 5 results with ISO times', () => {
    let s = initialHealth();
    for (let i = 1; i <= 7; i++) s = probe(s, i % 2, i * 1000);
    expect(s.log).toHaveLength(MAX_HEALTH_LOG);
    expect(s.log.map((e) => e.output)).toEqual(['exit 1', 'exit 0', 'exit 1', 'exit 0', 'exit 1']);
    expect(s.log[4]).toEqual({
      start: new Date(T0 + 7000).toISOString(),
      end: new Date(T0 + 7005).toISOString(),
      exitCode: 1,
      output: 'exit 1',
    });
  });

  it('a restart starts over but keeps the log', () => {
    let s = initialHealth();
    for (let i = 1; i <= 3; i++) s = probe(s, 1, i * 1000);
    const again = initialHealth(s);
    expect(again).toEqual({ status: 'starting', failingStreak: 0, log: s.log });
  });
});

describe('nextProbeDelay', () => {
  const cfg = { intervalMs: 30_000, startIntervalMs: 2_000, startPeriodMs: 10_000 };
  it('uses start_interval during the start period while starting', () => {
    expect(nextProbeDelay(cfg, 'starting', T0, T0)).toBe(2_000);
    expect(nextProbeDelay(cfg, 'starting', T0, T0 + 9_999)).toBe(2_000);
    expect(nextProbeDelay(cfg, 'starting', T0, T0 + 10_000)).toBe(30_000);
    expect(nextProbeDelay(cfg, 'healthy', T0, T0 + 1_000)).toBe(30_000);
    expect(nextProbeDelay(cfg, 'unhealthy', T0, T0 + 1_000)).toBe(30_000);
  });
  it('uses interval without a start period', () => {
    expect(nextProbeDelay({ ...cfg, startPeriodMs: 0 }, 'starting', T0, T0)).toBe(30_000);
  });
});

describe('output and timeouts', () => {
  it('caps the output at 4096 bytes with ...', () => {
    expect(capOutput('ok\n')).toBe('ok\n');
    expect(capOutput('x'.repeat(4096))).toBe('x'.repeat(4096));
    expect(capOutput('x'.repeat(5000))).toBe(`${'x'.repeat(4096)}...`);
    let s = initialHealth();
    s = applyProbeResult(
      s,
      { start: T0, end: T0, exitCode: 0, output: 'y'.repeat(10_000) },
      { retries: 3, startPeriodMs: 0 },
      T0,
    );
    expect(s.log[0]!.output).toHaveLength(4099);
  });

  it('formats durations like Go', () => {
    expect(formatGoDuration(30_000)).toBe('30s');
    expect(formatGoDuration(500)).toBe('500ms');
    expect(formatGoDuration(1500)).toBe('1.5s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(0)).toBe('0s');
  });

  it('a timed-out probe is a failure with Docker’s message', () => {
    const r = timeoutResult(T0, T0 + 1000, 1000);
    expect(r).toEqual({
      start: T0,
      end: T0 + 1000,
      exitCode: -1,
      output: 'Health check exceeded timeout (1s)',
    });
    let s = initialHealth();
    s = applyProbeResult(s, r, { retries: 1, startPeriodMs: 0 }, T0);
    expect(s.status).toBe('unhealthy');
  });
});
