/**
 * Ctrl-C for the commands that stream until the user stops them (`events`, `stats`): SIGINT aborts
 * the signal the stream runs with, and the command then exits with status 130 and no message, as
 * compose does. Light at import time: the exit modules load when needed.
 */
import type { CommandExit } from './exit.js';

/** Runs `work` with an AbortSignal that SIGINT fires; throws the 130 exit once it was fired. */
export async function untilInterrupted(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  try {
    await work(stop.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (stop.signal.aborted) throw await interruptedExit();
}

/** The exit of an interrupted command: status 130, nothing printed. */
export async function interruptedExit(): Promise<CommandExit> {
  const { CommandExit } = await import('./exit.js');
  const { EXIT_INTERRUPTED } = await import('./main.js');
  return new CommandExit(EXIT_INTERRUPTED);
}
