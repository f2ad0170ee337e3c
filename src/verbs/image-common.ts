/**
 * Helpers of the image verbs (pull, push, images): a bounded parallel loop and the check that the
 * services named on the command line exist.
 */
import { BerthError } from '../api/errors.js';
import type { Project } from '../compose/model.js';

/** Runs `work` over `items`, at most `limit` at once (unlimited when undefined). */
export async function pool<T>(items: T[], limit: number | undefined, work: (item: T) => Promise<void>) {
  const n = limit && limit > 0 ? Math.min(limit, items.length) : items.length;
  let next = 0;
  let failure: unknown;
  const runners = Array.from({ length: n }, async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  });
  await Promise.all(runners);
  if (failure !== undefined) throw failure;
}

/** Throws COMPOSE_UNKNOWN_SERVICE for a name the project does not have. */
export function checkServices(project: Project, names: string[]): void {
  for (const n of names) {
    if (!project.services[n]) {
      throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${n}`, {
        hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
      });
    }
  }
}
