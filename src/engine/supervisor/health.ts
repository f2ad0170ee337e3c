/**
 * Docker's healthcheck state machine (moby daemon/health.go), pure:
 *
 * - A container starts `starting` with a failing streak of 0 (the log of earlier runs is kept).
 * - Probes run `interval` after the previous one ended (the first `interval` after the start);
 *   during `start_period`, while still `starting`, every `start_interval` instead.
 * - Exit 0 = success: streak 0, `healthy`. Anything else (1, another code, a timed-out probe = -1,
 *   an exec error = -1) is a failure: ignored while `starting` and the probe began inside the start
 *   period; otherwise the streak grows and reaching `retries` makes it `unhealthy`.
 * - The last 5 results are kept, each output capped at 4096 bytes (`...` marks a cut).
 * - Defaults for 0/unset: interval 30s, timeout 30s, start_period 0, start_interval 5s, retries 3.
 * - Test forms: `NONE` (no check), `CMD args…` (argv), `CMD-SHELL cmd` (`/bin/sh -c cmd`, or the
 *   image's SHELL).
 */
import type { HealthcheckSpec } from '../../runtime/runtime.js';

export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 3,
} as const;

/** Results kept in the log. */
export const MAX_HEALTH_LOG = 5;
/** Bytes of a probe's output kept. */
export const MAX_HEALTH_OUTPUT = 4096;
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe, as `docker inspect` shows it in State.Health.Log. */
export interface HealthLogEntry {
  /** ISO-8601. */
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** State.Health. */
export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  log: HealthLogEntry[];
}

/** A healthcheck with Docker's defaults applied and the test turned into an argv. */
export interface HealthConfig {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/** One probe's outcome (times in ms since the epoch). */
export interface ProbeResult {
  start: number;
  end: number;
  exitCode: number;
  output: string;
}

/** The argv a test runs, or undefined for `NONE`, an empty test or an unknown form. */
export function probeArgv(
  test: readonly string[] | undefined,
  shell: readonly string[] = DEFAULT_SHELL,
): string[] | undefined {
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  switch (kind) {
    case 'CMD':
      return rest.length > 0 ? rest : undefined;
    case 'CMD-SHELL': {
      const cmd = rest.join(' ');
      return cmd === '' ? undefined : [...(shell.length > 0 ? shell : DEFAULT_SHELL), cmd];
    }
    default:
      return undefined;
  }
}

/** The effective config of a healthcheck, or undefined when there is none to run. */
export function healthConfig(
  spec: HealthcheckSpec | undefined,
  shell: readonly string[] = DEFAULT_SHELL,
): HealthConfig | undefined {
  if (!spec) return undefined;
  const argv = probeArgv(spec.test, shell);
  if (!argv) return undefined;
  const pos = (v: number | undefined, d: number): number => (v !== undefined && v > 0 ? v : d);
  return {
    argv,
    intervalMs: pos(spec.intervalMs, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: pos(spec.timeoutMs, HEALTH_DEFAULTS.timeoutMs),
    startPeriodMs: pos(spec.startPeriodMs, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: pos(spec.startIntervalMs, HEALTH_DEFAULTS.startIntervalMs),
    retries: pos(spec.retries, HEALTH_DEFAULTS.retries),
  };
}

/** The state at a (re)start: `starting`, streak 0, earlier log kept (moby initHealthMonitor). */
export function initialHealth(previous?: HealthState): HealthState {
  return { status: 'starting', failingStreak: 0, log: previous ? previous.log.slice(-MAX_HEALTH_LOG) : [] };
}

/** The state after one probe (moby handleProbeResult). */
export function applyProbeResult(
  state: HealthState,
  result: ProbeResult,
  cfg: Pick<HealthConfig, 'retries' | 'startPeriodMs'>,
  startedAtMs: number,
): HealthState {
  const entry: HealthLogEntry = {
    start: new Date(result.start).toISOString(),
    end: new Date(result.end).toISOString(),
    exitCode: result.exitCode,
    output: capOutput(result.output),
  };
  const log = [...state.log, entry].slice(-MAX_HEALTH_LOG);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (state.status === 'starting' && result.start - startedAtMs < cfg.startPeriodMs) {
    return { status: state.status, failingStreak: state.failingStreak, log };
  }
  const failingStreak = state.failingStreak + 1;
  return { status: failingStreak >= cfg.retries ? 'unhealthy' : state.status, failingStreak, log };
}

/** How long to wait before the next probe (moby monitor's getInterval). */
export function nextProbeDelay(
  cfg: Pick<HealthConfig, 'intervalMs' | 'startIntervalMs' | 'startPeriodMs'>,
  status: HealthStatus,
  startedAtMs: number,
  nowMs: number,
): number {
  if (nowMs - startedAtMs >= cfg.startPeriodMs) return cfg.intervalMs;
  return status === 'starting' ? cfg.startIntervalMs : cfg.intervalMs;
}

/** The result recorded for a probe that ran out of time. */
export function timeoutResult(start: number, end: number, timeoutMs: number): ProbeResult {
  return {
    start,
    end,
    exitCode: -1,
    output: `Health check exceeded timeout (${formatGoDuration(timeoutMs)})`,
  };
}

/** The first 4096 bytes of a probe's output, `...` appended when cut (moby limitedBuffer). */
export function capOutput(output: string): string {
  const buf = Buffer.from(output, 'utf8');
  if (buf.length <= MAX_HEALTH_OUTPUT) return output;
  return `${buf.subarray(0, MAX_HEALTH_OUTPUT).toString('utf8')}...`;
}

/** A duration the way Go's time.Duration prints it: `500ms`, `30s`, `1.5s`, `1m30s`, `1h0m0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds - h * 3600) / 60);
  const s = totalSeconds - h * 3600 - m * 60;
  const sec = `${trimNumber(Math.round(s * 1000) / 1000)}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function trimNumber(n: number): string {
  return String(Number(n.toFixed(3)));
}
