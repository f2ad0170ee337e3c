/**
 * Signals as `kill` takes them (`KILL`, `SIGKILL`, `sigkill`, `9`) and Docker's rule for what a kill
 * does to a restart policy (moby daemon/kill.go killWithSignal):
 *
 * - every kill marks the container as manually stopped (HasBeenManuallyStopped): `unless-stopped` does
 *   not bring it back;
 * - SIGKILL, the container's configured stop signal, or any signal when none is configured (image or
 *   spec) also cancels the restart manager (ExitOnNext): no policy brings it back, and a paused
 *   container is resumed so the signal is delivered. Another signal (a configured stop signal differs)
 *   leaves `always` / `on-failure` in force if the process dies of it.
 */
import { constants } from 'node:os';

const SIGNALS = constants.signals as Record<string, number>;

/** The signal number, or undefined for a name or number Linux does not know. */
export function signalNumber(signal: string | number): number | undefined {
  if (typeof signal === 'number')
    return Number.isInteger(signal) && signal > 0 && signal < 65 ? signal : undefined;
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) return signalNumber(Number(text));
  const name = text.startsWith('SIG') ? text : `SIG${text}`;
  return SIGNALS[name];
}

export interface KillEffect {
  /** HasBeenManuallyStopped: `unless-stopped` must not restart it. */
  manuallyStopped: true;
  /** ExitOnNext: no restart policy applies to this exit (the record's stoppedByUser). */
  cancelsRestart: boolean;
}

/** What `kill` with `signal` means for the restart policy; `configuredStopSignal` = image/spec's. */
export function killEffect(signal: number, configuredStopSignal: string | undefined): KillEffect {
  const SIGKILL = SIGNALS.SIGKILL!;
  if (!configuredStopSignal || signal === SIGKILL) return { manuallyStopped: true, cancelsRestart: true };
  return { manuallyStopped: true, cancelsRestart: signalNumber(configuredStopSignal) === signal };
}
