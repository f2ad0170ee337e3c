/**
 * `pull` (docker/compose pkg/compose/pull.go): pull the images of the named services (all by default;
 * `includeDeps` adds their dependencies), each image once, in parallel (at most `--parallel`).
 * A service is skipped, as Compose skips it, when it has no `image:` (build only: "No image to be
 * pulled"), when its policy (`--policy`, else its pull_policy) is `never` or `build`, when the policy
 * is `missing` and the image is present ("Image is already present locally"), or with
 * `ignoreBuildable` when it has `build:` ("Image can be built"). A failed pull is an error unless the
 * service can be built or `ignoreFailures` is set; then it is a warning. Credentials come from the
 * docker config (runtime/docker/auth.ts). Per-layer progress goes to `onLayer`.
 */
import { resourceEvent } from '../api/events.js';
import type { PullOptions, PullResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { buildGraph } from '../graph/graph.js';
import { withEngine } from './engine.js';
import { pool } from './image-common.js';
import { namedServices, transferImage } from './image-transfer.js';

/** The named services (all when none) plus, with `includeDeps`, their dependencies; sorted. */
export function withDependencies(project: Project, services: string[] | undefined, includeDeps: boolean) {
  const names = namedServices(project, services);
  const out = new Set(names);
  if (includeDeps && services && services.length > 0) {
    const graph = buildGraph(project.services);
    for (const n of names) for (const d of graph.ancestors(n)) out.add(d);
  }
  return [...out].sort();
}

export async function pull(project: Project, options: PullOptions = {}): Promise<PullResult> {
  const names = withDependencies(project, options.services, options.includeDeps === true);
  const emit = options.onEvent ?? (() => {});
  return withEngine(project.name, options, false, async ({ runtime, parallel }) => {
    const result: PullResult = { pulled: [], skipped: [], failed: [] };
    const todo: Array<{ image: string; service: string; buildable: boolean }> = [];
    const seen = new Set<string>();
    for (const name of names) {
      const service = project.services[name]!;
      const image = service.image;
      const skip = (reason: string) => {
        result.skipped.push({ service: name, ...(image ? { image } : {}), reason });
        emit(resourceEvent('image', image ?? name, 'Skipped', 'done', reason));
      };
      if (!image) {
        skip('No image to be pulled');
        continue;
      }
      const policy = options.policy ?? service.pull_policy;
      if (policy === 'never' || policy === 'build') {
        skip(`pull_policy is ${policy}`);
        continue;
      }
      if (policy === 'missing' || policy === 'if_not_present') {
        if (await runtime.inspectImage(image, options.signal)) {
          skip('Image is already present locally');
          continue;
        }
      }
      if (service.build !== undefined && options.ignoreBuildable) {
        skip('Image can be built');
        continue;
      }
      if (seen.has(image)) continue;
      seen.add(image);
      todo.push({ image, service: name, buildable: service.build !== undefined });
    }

    await pool(todo, parallel, async ({ image, buildable }) => {
      const pulled = await transferImage(runtime, 'pull', image, {
        signal: options.signal,
        onLayer: options.onLayer,
        emit,
        tolerate: options.ignoreFailures === true || buildable,
        failed: result.failed,
      });
      if (pulled) result.pulled.push(image);
    });
    result.pulled.sort();
    return result;
  });
}
