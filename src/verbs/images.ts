/**
 * Makes sure every image `up` needs is local, per pull policy (spec 05-services.md#pull_policy;
 * docker/compose pkg/compose/pull.go ensureImagesExists): `always` pulls, `missing` (the default,
 * also `if_not_present`) pulls when absent, `never` fails when absent, `daily` pulls when absent (berth
 * does not record pull times yet, so it behaves as `missing`), `build` builds. Returns each service's
 * local image id, which the recreate check compares with the container's image label.
 */
import { BerthError, RuntimeError } from '../api/errors.js';
import { type EventSink, resourceEvent } from '../api/events.js';
import type { PullPolicy } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { serviceImage } from '../reconcile/spec.js';
import type { Runtime } from '../runtime/runtime.js';

export interface EnsureImagesOptions {
  services: string[];
  /** `--pull`, overriding each service's policy. */
  pull?: PullPolicy;
  onEvent?: EventSink;
  signal?: AbortSignal;
}

export async function ensureImages(
  runtime: Runtime,
  project: Project,
  options: EnsureImagesOptions,
): Promise<Record<string, string>> {
  const emit = options.onEvent ?? (() => {});
  const byRef = new Map<string, { services: string[]; policy: string; buildable: boolean }>();
  for (const name of options.services) {
    const service = project.services[name];
    if (!service || (service.scale ?? service.deploy?.replicas ?? 1) === 0) continue;
    const ref = serviceImage(project, name, service);
    const policy = options.pull ?? service.pull_policy ?? 'missing';
    const entry = byRef.get(ref);
    if (entry) entry.services.push(name);
    else byRef.set(ref, { services: [name], policy, buildable: service.build !== undefined });
  }
  const ids: Record<string, string> = {};
  await Promise.all(
    [...byRef].map(async ([ref, { services, policy, buildable }]) => {
      let info = await runtime.inspectImage(ref, options.signal);
      const mustPull = policy === 'always' || (!info && policy !== 'never' && policy !== 'build');
      if (!info && (policy === 'build' || (buildable && policy !== 'always'))) {
        throw new BerthError('UNSUPPORTED', `image ${ref} for service "${services[0]}" must be built`, {
          hint: 'berth cannot build images yet: build it with `docker build` (or docker compose build) first',
        });
      }
      if (!info && policy === 'never') {
        throw new RuntimeError('IMAGE_NOT_FOUND', `image ${ref} not found locally and pull_policy is never`, {
          hint: `pull it first, or set pull_policy: missing on service "${services[0]}"`,
        });
      }
      if (mustPull) {
        emit(resourceEvent('image', ref, 'Pulling', 'working'));
        try {
          await runtime.pullImage(ref, { signal: options.signal });
        } catch (err) {
          emit(
            resourceEvent('image', ref, 'Pulling', 'error', err instanceof Error ? err.message : String(err)),
          );
          throw err;
        }
        emit(resourceEvent('image', ref, 'Pulled', 'done'));
        info = await runtime.inspectImage(ref, options.signal);
      }
      if (!info) throw new RuntimeError('IMAGE_NOT_FOUND', `image ${ref} not found after pulling it`);
      for (const s of services) ids[s] = info.id;
    }),
  );
  return ids;
}
