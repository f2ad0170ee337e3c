/**
 * What every engine verb does around its work: open the runtime, take the project lock, read
 * COMPOSE_PARALLEL_LIMIT, and release everything however the verb ends.
 */
import type { EngineOptions } from '../api/verbs.js';
import { openRuntime } from '../runtime/open.js';
import type { Runtime } from '../runtime/runtime.js';
import { acquireProjectLock, lockPath } from './lock.js';

export interface EngineSession {
  runtime: Runtime;
  parallel?: number;
}

/** `--parallel`, else COMPOSE_PARALLEL_LIMIT, else unlimited (undefined). */
export function parallelLimit(options: EngineOptions): number | undefined {
  if (options.parallel !== undefined && options.parallel > 0) return options.parallel;
  const fromEnv = Number.parseInt((options.env ?? process.env).COMPOSE_PARALLEL_LIMIT ?? '', 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}

/** Runs `work` with a runtime and, when `lock` is set, the project lock held. */
export async function withEngine<T>(
  projectName: string,
  options: EngineOptions,
  lock: boolean,
  work: (session: EngineSession) => Promise<T>,
): Promise<T> {
  const { runtime, owned } = await openRuntime(options);
  try {
    const held = lock
      ? await acquireProjectLock(lockPath(runtime.address, projectName, options.env ?? process.env), {
          signal: options.signal,
          onWait: (pid) =>
            options.onEvent?.({
              type: 'warning',
              message: `waiting for another berth (pid ${pid}) working on project ${projectName}`,
              time: new Date().toISOString(),
            }),
        })
      : undefined;
    try {
      return await work({ runtime, parallel: parallelLimit(options) });
    } finally {
      held?.release();
    }
  } finally {
    if (owned) await runtime.close();
  }
}
