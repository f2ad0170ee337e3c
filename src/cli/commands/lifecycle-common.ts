/**
 * What the lifecycle commands (start, stop, restart, kill, pause, unpause, rm, create, scale, wait,
 * logs) share: Ctrl-C/SIGTERM cancel the verb and the command exits 130 (compose's AdaptCmd), progress
 * goes to stderr per `--progress`, and `--dry-run` is refused by the verbs that cannot plan (rather
 * than ignored: a dry run must never change anything). Light at import time: types only.
 */
import type { EventSink } from '../../api/events.js';
import type { CliIo, GlobalOptions } from '../program.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|t|true|y|yes)$/i.test(v);
}

/** Runs `work` with an AbortSignal that SIGINT/SIGTERM fire; an interrupted command exits 130. */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await work(controller.signal);
    if (controller.signal.aborted) throw await interrupted();
    return result;
  } catch (err) {
    if (controller.signal.aborted) throw await interrupted();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function interrupted() {
  const { CommandExit } = await import('../exit.js');
  const { EXIT_INTERRUPTED } = await import('../main.js');
  return new CommandExit(EXIT_INTERRUPTED);
}

/** `--dry-run` on a verb that has no plan to print. */
export async function refuseDryRun(opts: GlobalOptions, command: string): Promise<void> {
  if (!opts.dryRun) return;
  const { BerthError } = await import('../../api/errors.js');
  throw new BerthError('UNSUPPORTED', `--dry-run is not supported by berth ${command} yet`, {
    hint: `run it without --dry-run (\`berth ps -a\` shows what ${command} would act on)`,
  });
}

/**
 * The usual shape of a lifecycle command: resolve the project (from `-p NAME` alone, or the files),
 * run the verb with progress on stderr (compose's tty title), cancellable with Ctrl-C.
 */
export async function runVerb<T>(
  opts: GlobalOptions,
  io: CliIo,
  title: string,
  verb: (
    target: import('../../compose/model.js').Project | string,
    common: {
      env: Record<string, string | undefined>;
      onEvent: EventSink;
      signal: AbortSignal;
      parallel?: number;
    },
  ) => Promise<T>,
): Promise<T> {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  const { cliProgress } = await import('../render/progress.js');
  return interruptible(async (signal) => {
    const progress = await cliProgress(opts, io.env, io.err, title);
    try {
      return await verb(project ?? name, {
        env: io.env,
        onEvent: progress.onEvent,
        signal,
        parallel: opts.parallel,
      });
    } finally {
      progress.done();
    }
  });
}
