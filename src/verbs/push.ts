/**
 * `push` (docker/compose pkg/compose/push.go): push the images of the named services (all by
 * default) that have both `build:` and `image:` — the images this project makes — under the image
 * name and every `build.tags` entry, each reference once, in parallel (at most `--parallel`).
 * Services without `build:` or without `image:` are left alone, as Compose does. A failed push is an
 * error (REGISTRY_AUTH when the registry refuses the credentials) unless `ignoreFailures` is set; then
 * it is a warning. Credentials come from the docker config (runtime/docker/auth.ts).
 */
import type { PushOptions, PushResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { withEngine } from './engine.js';
import { pool } from './image-common.js';
import { namedServices, transferImage } from './image-transfer.js';

/** The references `push` pushes for the named services, sorted and unique. */
export function pushReferences(project: Project, services: string[] | undefined): string[] {
  const names = namedServices(project, services);
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
      const pushed = await transferImage(runtime, 'push', image, {
        signal: options.signal,
        onLayer: options.onLayer,
        emit,
        tolerate: options.ignoreFailures === true,
        failed: result.failed,
      });
      if (pushed) result.pushed.push(image);
    });
    result.pushed.sort();
    return result;
  });
}
