/**
 * Makes sure every image `up` needs is local, per pull policy (spec 05-services.md#pull_policy;
 * docker/compose pkg/compose/pull.go ensureImagesExists + build.go): `always` pulls, `missing` (the
 * default, also `if_not_present`) pulls when absent, `never` fails when absent, `daily`/`weekly`/
 * `every_<d>` pull when absent or when the local image was last tagged (pulled, built) longer ago than
 * that (compose: the image's Metadata.LastTagTime), `build` always builds.
 *
 * Services with `build:`: built when their image is missing, on every `up` with `pull_policy: build`
 * or `up --build`, never with `--no-build` (the image is then pulled like any other). `always` on a
 * buildable service tries a pull first and only warns when it fails. Beyond Compose: an existing image
 * built by berth whose `berth.build.inputs` label differs from the current build inputs is rebuilt
 * (verbs/build.ts). Returns each service's local image id, which the recreate check compares with
 * the container's image label: a rebuilt image recreates the service's containers.
 */
import { RuntimeError } from '../api/errors.js';
import { type EventSink, resourceEvent, warningEvent } from '../api/events.js';
import type { PullPolicy } from '../api/verbs.js';
import { getPullPolicy, type Project } from '../compose/model.js';
import { serviceImage } from '../reconcile/spec.js';
import type { ImageInfo, Runtime } from '../runtime/runtime.js';
import { BUILD_INPUTS_LABEL, type PlannedBuild, planBuild, runBuilds } from './build.js';

export interface EnsureImagesOptions {
  services: string[];
  /** `--pull`, overriding each service's policy. */
  pull?: PullPolicy;
  /** `--build`: build every buildable service. */
  build?: boolean;
  /** `--no-build`: never build. */
  noBuild?: boolean;
  onBuildOutput?: (service: string, line: string) => void;
  /** Builds at once. */
  parallel?: number;
  onEvent?: EventSink;
  signal?: AbortSignal;
}

/** A service's pull policy as ensureImages applies it. */
export function effectivePolicy(
  policy: string | undefined,
  buildable: boolean,
  options: Pick<EnsureImagesOptions, 'pull' | 'build'>,
): 'always' | 'missing' | 'never' | 'build' {
  if (options.build && buildable) return 'build';
  const p = options.pull ?? policy ?? 'missing';
  if (p === 'always' || p === 'refresh') return 'always';
  if (p === 'never') return 'never';
  if (p === 'build') return buildable ? 'build' : 'missing';
  return 'missing';
}

interface Wanted {
  ref: string;
  services: string[];
  policy: 'always' | 'missing' | 'never' | 'build';
  /** `daily`, `weekly`, `every_<d>`: pull when the local image is older than this (ms). */
  refreshAfterMs?: number;
  buildable: boolean;
  info?: ImageInfo;
}

/** The image is older than `maxAgeMs` by its last tag time (an unknown or zero time is old). */
export function isStale(info: Pick<ImageInfo, 'lastTagTime'>, maxAgeMs: number, now = Date.now()): boolean {
  const tagged = info.lastTagTime === undefined ? Number.NaN : Date.parse(info.lastTagTime);
  return !Number.isFinite(tagged) || tagged + maxAgeMs < now;
}

export async function ensureImages(
  runtime: Runtime,
  project: Project,
  options: EnsureImagesOptions,
): Promise<Record<string, string>> {
  const emit = options.onEvent ?? (() => {});
  const byRef = new Map<string, Wanted>();
  for (const name of options.services) {
    const service = project.services[name];
    if (!service || (service.scale ?? service.deploy?.replicas ?? 1) === 0) continue;
    const ref = serviceImage(project, name, service);
    const buildable = service.build !== undefined && !options.noBuild;
    const entry = byRef.get(ref);
    if (entry) entry.services.push(name);
    else {
      const policy = effectivePolicy(service.pull_policy, buildable, options);
      const declared = getPullPolicy(service);
      const refreshAfterMs =
        options.pull === undefined && policy === 'missing' && declared.refreshAfterNs !== undefined
          ? declared.refreshAfterNs / 1e6
          : undefined;
      byRef.set(ref, { ref, services: [name], policy, refreshAfterMs, buildable });
    }
  }
  const wanted = [...byRef.values()];
  await Promise.all(
    wanted.map(async (w) => {
      w.info = await runtime.inspectImage(w.ref, options.signal);
    }),
  );

  // Pulls first (compose pullRequiredImages), then builds.
  await Promise.all(
    wanted.map(async (w) => {
      const pull =
        w.policy === 'always' ||
        (!w.info && !w.buildable && w.policy !== 'never') ||
        (w.info !== undefined && w.refreshAfterMs !== undefined && isStale(w.info, w.refreshAfterMs));
      if (!w.info && !w.buildable && w.policy === 'never') {
        throw new RuntimeError(
          'IMAGE_NOT_FOUND',
          `image ${w.ref} not found locally and pull_policy is never`,
          {
            hint: `pull it first, or set pull_policy: missing on service "${w.services[0]}"`,
          },
        );
      }
      if (!pull) return;
      emit(resourceEvent('image', w.ref, 'Pulling', 'working'));
      try {
        await runtime.pullImage(w.ref, { signal: options.signal });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (w.buildable && (err as RuntimeError).code !== 'ABORTED') {
          // It can be built instead (compose: a warning, not an error).
          emit(resourceEvent('image', w.ref, 'Pulling', 'warning', message));
          emit(warningEvent(`pull of ${w.ref} failed, it will be built: ${message}`));
          return;
        }
        emit(resourceEvent('image', w.ref, 'Pulling', 'error', message));
        throw err;
      }
      emit(resourceEvent('image', w.ref, 'Pulled', 'done'));
      w.info = await runtime.inspectImage(w.ref, options.signal);
    }),
  );

  const plans: PlannedBuild[] = [];
  await Promise.all(
    wanted
      .filter((w) => w.buildable)
      .map(async (w) => {
        const recorded = w.info?.labels[BUILD_INPUTS_LABEL];
        // Missing, forced, or (berth's own rule) built from other inputs than the current ones.
        if (w.info && w.policy !== 'build' && recorded === undefined) return;
        const planned = await planBuild(project, w.services[0]!, { signal: options.signal });
        if (w.info && w.policy !== 'build' && recorded === planned.inputsDigest) return;
        plans.push(planned);
      }),
  );
  if (plans.length > 0) {
    const built = await runBuilds(runtime, project, plans, {
      onEvent: options.onEvent,
      onBuildOutput: options.onBuildOutput,
      signal: options.signal,
      concurrency: options.parallel,
    });
    for (const b of built) {
      const w = byRef.get(b.image);
      if (w) w.info = { ...(w.info ?? { tags: [], digests: [], labels: {} }), id: b.id };
    }
  }

  const ids: Record<string, string> = {};
  for (const w of wanted) {
    if (!w.info) {
      throw new RuntimeError('IMAGE_NOT_FOUND', `image ${w.ref} for service "${w.services[0]}" not found`, {
        hint: w.buildable ? undefined : 'pull it, or give the service a build section',
      });
    }
    for (const s of w.services) ids[s] = w.info.id;
  }
  return ids;
}
