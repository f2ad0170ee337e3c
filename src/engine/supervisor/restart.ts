/**
 * Docker's restart policies (moby restartmanager), pure:
 *
 * - `no`: never. `always`: after any exit. `unless-stopped`: like always. `on-failure[:N]`: after a
 *   non-zero exit, at most N times (0/unset = no limit); exit 0 never restarts.
 * - A stop by the user prevents the restart, whatever the policy (Docker cancels the restart manager
 *   on `docker stop`).
 * - Backoff: the first restart waits 100 ms, each next one twice as long, capped at 1 minute; a run
 *   of 10 s or more resets it to 100 ms. The restart count is not reset by that (only a user start).
 */
import { RuntimeError } from '../../api/errors.js';
import type { RestartPolicy } from '../../runtime/runtime.js';

export const RESTART_BACKOFF_START_MS = 100;
export const RESTART_BACKOFF_MAX_MS = 60_000;
/** A run at least this long resets the backoff. */
export const RESTART_RESET_AFTER_MS = 10_000;

/** Per-container restart bookkeeping; `timeoutMs` 0 = no restart yet. */
export interface RestartTracker {
  count: number;
  timeoutMs: number;
}

export interface ExitFacts {
  exitCode: number;
  /** `stop`/`kill` by the user (the record's stoppedByUser). */
  stoppedByUser: boolean;
  /** How long the run lasted. */
  ranForMs: number;
}

export interface RestartDecision {
  restart: boolean;
  /** Wait before starting again (with `restart`). */
  delayMs: number;
  /** The tracker to keep (count incremented when restarting). */
  tracker: RestartTracker;
}

/** A fresh tracker, continuing from a persisted restart count. */
export function newRestartTracker(count = 0): RestartTracker {
  return { count, timeoutMs: 0 };
}

/** Parses `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [name, max, ...extra] = text.split(':');
  if (extra.length === 0) {
    if (
      (name === 'no' || name === '' || name === 'always' || name === 'unless-stopped') &&
      max === undefined
    ) {
      return { name: name === '' ? 'no' : name };
    }
    if (name === 'on-failure') {
      if (max === undefined) return { name };
      if (/^\d+$/.test(max)) return { name, maximumRetryCount: Number(max) };
    }
  }
  throw new RuntimeError('USAGE', `invalid restart policy ${JSON.stringify(text)}`, {
    hint: 'use no, always, unless-stopped or on-failure[:max-retries]',
  });
}

/** Whether the policy is anything but `no`. */
export function restartsAtAll(policy: RestartPolicy | undefined): boolean {
  return policy !== undefined && policy.name !== 'no';
}

/** moby RestartManager.ShouldRestart. */
export function shouldRestart(
  policy: RestartPolicy | undefined,
  tracker: RestartTracker,
  exit: ExitFacts,
): RestartDecision {
  if (!restartsAtAll(policy)) return { restart: false, delayMs: 0, tracker };
  let timeoutMs = exit.ranForMs >= RESTART_RESET_AFTER_MS ? 0 : tracker.timeoutMs;
  if (timeoutMs === 0) timeoutMs = RESTART_BACKOFF_START_MS;
  else if (timeoutMs < RESTART_BACKOFF_MAX_MS) timeoutMs *= 2;
  if (timeoutMs > RESTART_BACKOFF_MAX_MS) timeoutMs = RESTART_BACKOFF_MAX_MS;

  let restart = false;
  if (!exit.stoppedByUser) {
    switch (policy!.name) {
      case 'always':
      case 'unless-stopped':
        restart = true;
        break;
      case 'on-failure': {
        const max = policy!.maximumRetryCount ?? 0;
        if (max === 0 || tracker.count < max) restart = exit.exitCode !== 0;
        break;
      }
    }
  }
  if (!restart) return { restart: false, delayMs: 0, tracker: { count: tracker.count, timeoutMs } };
  return { restart: true, delayMs: timeoutMs, tracker: { count: tracker.count + 1, timeoutMs } };
}
