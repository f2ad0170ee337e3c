/**
 * What the commands that converge a project share (create, scale, down, up): the progress renderer
 * (`--progress`, on stderr) is open while the verb runs and closed however it ends — none under
 * `--dry-run`, whose output is the plan, printed on stdout afterwards. Light at import time: types only.
 */
import type { EventSink } from '../../api/events.js';
import type { Plan } from '../../reconcile/plan.js';
import type { CliIo, GlobalOptions } from '../program.js';

/** Runs `work` with the progress sink (none under `--dry-run`); `title` heads the tty view. */
export async function withProgress<T>(
  opts: GlobalOptions,
  io: CliIo,
  work: (onEvent: EventSink | undefined) => Promise<T>,
  title?: string,
): Promise<T> {
  const { cliProgress } = await import('../render/progress.js');
  const progress = opts.dryRun ? undefined : await cliProgress(opts, io.env, io.err, title);
  try {
    return await work(progress?.onEvent);
  } finally {
    progress?.done();
  }
}

/** A dry run's output: the plan, as compose prints it. */
export async function printPlan(io: CliIo, plan: Plan): Promise<void> {
  const { formatPlan } = await import('../../reconcile/plan.js');
  io.out(formatPlan(plan));
}
