/**
 * What `pull` and `push` share: the services a command names (all when none; unknown names refused),
 * and one image's transfer with compose's rows — `Pulling`/`Pushing`, then `Pulled`/`Pushed` — its
 * per-layer progress passed on, and a failure that may be tolerated turned into a warning (never a
 * cancellation or an unreachable engine: those end the command).
 */
import type { BerthError } from '../api/errors.js';
import { type EventSink, resourceEvent, warningEvent } from '../api/events.js';
import type { LayerProgress } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import type { Progress, Runtime } from '../runtime/runtime.js';
import { checkServices } from './image-common.js';

/** The named services, checked; all of the project's when none is named. */
export function namedServices(project: Project, services: string[] | undefined): string[] {
  const names = services && services.length > 0 ? services : Object.keys(project.services);
  checkServices(project, names);
  return names;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onLayer?: (p: LayerProgress) => void;
  emit: EventSink;
  /** A failure becomes a warning (and an entry of `failed`) instead of the command's error. */
  tolerate: boolean;
  failed: Array<{ image: string; error: string }>;
}

const WORDS = {
  pull: { working: 'Pulling', done: 'Pulled' },
  push: { working: 'Pushing', done: 'Pushed' },
};

/** Pulls or pushes `image`; false when it failed and the failure was tolerated. */
export async function transferImage(
  runtime: Runtime,
  direction: 'pull' | 'push',
  image: string,
  options: TransferOptions,
): Promise<boolean> {
  const { emit, onLayer } = options;
  const words = WORDS[direction];
  emit(resourceEvent('image', image, words.working, 'working'));
  try {
    const transfer = {
      signal: options.signal,
      onProgress: onLayer
        ? (p: Progress) =>
            onLayer({ image, layer: p.id, status: p.status, current: p.current, total: p.total })
        : undefined,
    };
    if (direction === 'pull') await runtime.pullImage(image, transfer);
    else await runtime.pushImage(image, transfer);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as BerthError).code;
    if (options.tolerate && code !== 'ABORTED' && code !== 'RUNTIME_UNREACHABLE') {
      emit(resourceEvent('image', image, words.working, 'warning', message));
      emit(warningEvent(`failed to ${direction} ${image}: ${message}`));
      options.failed.push({ image, error: message });
      return false;
    }
    emit(resourceEvent('image', image, words.working, 'error', message));
    throw err;
  }
  emit(resourceEvent('image', image, words.done, 'done'));
  return true;
}
