/**
 * `push` (docker/compose pkg/compose/push.go): push the images of the named services (all by
 * default) that have both `build:` and `image:` — the images this project makes — under the image
 * name and every `build.tags` entry, each reference once, in parallel (at most `--parallel`).
 * Services without `build:` or without `image:` are left alone, as Compose does. A failed push is an
 * error (REGISTRY_AUTH when the registry refuses the credentials) unless `ignoreFailures` is set; then
 * it is a warning. Credentials come from the docker config (runtime/docker/auth.ts).
 */
import type { BerthError } from '../api/errors.js';
import { resourceEvent, warningEvent } from '../api/events.js';
import type { PushOptions, PushResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { withEngine } from './engine.js';
import { checkServices, pool } from './image-common.js';

/** The references `push` pushes for the named services, sorted and unique. */
export function pushReferences(project: Project, services: string[] | undefined): string[] {
  const names = services && services.length > 0 ? services : Object.keys(project.services);
  checkServices(project, names);
  const refs = new Set<string>();
  for (const n of names) {
    const s = project.services[n]!;
    if (s.build === undefined || !s.image) continue;
    refs.add(s.image);
    for (const t of s.build.tags ?? []) refs.add(t);
  }
  return [...refs].sort();
}

export async function push(project: Project, options: PushOptions = {}): Promise<PushResult> {
  const refs = pushReferences(project, options.services);
  const emit = options.onEvent ?? (() => {});
  return withEngine(project.name, options, false, async ({ runtime, parallel }) => {
    const result: PushResult = { pushed: [], failed: [] };
    await pool(refs, parallel, async (image) => {
      emit(resourceEvent('image', image, 'Pushing', 'working'));
      try {
        await runtime.pushImage(image, {
          signal: options.signal,
          onProgress: options.onLayer
            ? (p) =>
                options.onLayer?.({
                  image,
                  layer: p.id,
                  status: p.status,
                  current: p.current,
                  total: p.total,
                })
            : undefined,
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const code = (err as BerthError).code;
        if (options.ignoreFailures && code !== 'ABORTED' && code !== 'RUNTIME_UNREACHABLE') {
          emit(resourceEvent('image', image, 'Pushing', 'warning', message));
          emit(warningEvent(`failed to push ${image}: ${message}`));
          result.failed.push({ image, error: message });
          return;
        }
        emit(resourceEvent('image', image, 'Pushing', 'error', message));
        throw err;
      }
      emit(resourceEvent('image', image, 'Pushed', 'done'));
      result.pushed.push(image);
    });
    result.pushed.sort();
    return result;
  });
}
