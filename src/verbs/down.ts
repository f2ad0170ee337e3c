/**
 * `down` (docker/compose pkg/compose/down.go): stop and remove the project's containers in reverse
 * dependency order, then its networks, and volumes only with `volumes` (never external ones). Works
 * from a loaded Project or from a project name alone (the labels say the rest).
 */
import type { DownOptions, DownResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { planDown } from '../reconcile/down.js';
import { executePlan } from '../reconcile/execute.js';
import { observe } from '../reconcile/observe.js';
import { serviceImage } from '../reconcile/spec.js';
import { withEngine } from './engine.js';

export async function down(project: Project | string, options: DownOptions = {}): Promise<DownResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, !options.dryRun, async ({ runtime, parallel }) => {
    const observed = await observe(runtime, name, typeof project === 'string' ? {} : project);
    const plan = planDown(project, observed, {
      volumes: options.volumes,
      removeOrphans: options.removeOrphans,
      services: options.services,
    });
    if (options.dryRun) return { plan };
    await executePlan(plan, {
      runtime,
      project: typeof project === 'string' ? undefined : project,
      observed,
      concurrency: parallel,
      timeoutSeconds: options.timeoutSeconds,
      onEvent: options.onEvent,
      signal: options.signal,
    });
    if (options.rmi && typeof project !== 'string') {
      // `local`: only images without a custom tag (built for a service with no `image:`); `all`: every one.
      const refs = new Set<string>();
      for (const [s, svc] of Object.entries(project.services)) {
        if (options.rmi === 'all' || svc.image === undefined) refs.add(serviceImage(project, s, svc));
      }
      for (const ref of refs) {
        try {
          await runtime.removeImage(ref);
          options.onEvent?.({
            type: 'resource',
            kind: 'image',
            name: ref,
            action: 'Removed',
            status: 'done',
            time: new Date().toISOString(),
          });
        } catch (err) {
          options.onEvent?.({
            type: 'warning',
            message: `image ${ref}: ${err instanceof Error ? err.message : String(err)}`,
            time: new Date().toISOString(),
          });
        }
      }
    }
    return { plan };
  });
}
