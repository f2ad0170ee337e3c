/**
 * `build` (docker/compose pkg/compose/build.go + build_classic.go): build the images of services that
 * have `build:`, with the classic builder's options — `dockerfile` (relative to the context, or outside
 * it), `dockerfile_inline`, `args` (a `null` value, or a `--build-arg K` without `=`, takes its value
 * from the project environment and is dropped when that has none; `--build-arg` wins over `args`),
 * `target`, `labels`, `network`, `extra_hosts`, `shm_size`, `cache_from`, `tags`, `no_cache`,
 * `pull`, `platforms` (one). The image is named as Compose v2 names it: `image:` when set, else
 * `<project>-<service>`; `build.tags` are extra tags. Services sharing one image name build it once.
 * Builds run in dependency order (a service's image may be another's base), at most `--parallel` /
 * COMPOSE_PARALLEL_LIMIT at once, 4 when neither is set. The BuildKit-only keys (`ssh`, `secrets`,
 * `additional_contexts`, `privileged`, several `platforms`, `cache_to`, `entitlements`) and remote
 * contexts are refused with UNSUPPORTED, as Compose's classic builder refuses them.
 *
 * Built images carry `com.docker.compose.project`, `.service`, `.version` and
 * `com.docker.compose.image.builder=classic` like Compose's, and one label of berth's own:
 *
 *   `berth.build.inputs` = sha256 of the build inputs — the context files that .dockerignore lets
 *   through (paths, types, permission bits, contents; not timestamps), the Dockerfile's name and text,
 *   the args, target, labels, network, extra_hosts, shm_size and platform (runtime/build-context.ts).
 *
 * Beyond Compose: `up` (without `--build` or `--no-build`) rebuilds an existing image whose
 * `berth.build.inputs` label differs from the inputs now, so an edited context is picked up without
 * `--build`; the rebuilt image's new id then recreates the service's containers (the image label
 * rule of reconcile/decide.ts). Images without the label (pulled, or built by another tool) are used
 * as they are, as Compose does. A changed base image (same tag, new content) is not an input: use
 * `--build` with `pull: true` or `berth build --pull` for that.
 */
import { BerthError, RuntimeError } from '../api/errors.js';
import { type EventSink, resourceEvent } from '../api/events.js';
import { COMPOSE_VERSION, PROJECT_LABEL, SERVICE_LABEL, VERSION_LABEL } from '../api/labels.js';
import type { BuildOptions, BuildResult, BuiltImage } from '../api/verbs.js';
import { parseBytes } from '../compose/model/units.js';
import type { Project, ServiceConfig } from '../compose/model.js';
import { buildGraph } from '../graph/graph.js';
import { walkDag } from '../graph/walk.js';
import { serviceImage } from '../reconcile/spec.js';
import { buildInputsDigest } from '../runtime/build-context.js';
import type { BuildSpec, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

/** berth's label on built images: the digest of the build inputs. */
export const BUILD_INPUTS_LABEL = 'berth.build.inputs';
/** Compose's label naming the builder. */
export const IMAGE_BUILDER_LABEL = 'com.docker.compose.image.builder';

/** Default number of builds at once when neither --parallel nor COMPOSE_PARALLEL_LIMIT is set. */
export const DEFAULT_BUILD_CONCURRENCY = 4;

/** The image name of a service: `image:`, else `<project>-<service>` (api.GetImageNameOrDefault). */
export function imageName(project: Pick<Project, 'name'>, name: string, service: ServiceConfig): string {
  return serviceImage(project, name, service);
}

/**
 * The build arguments sent: `args` then `--build-arg`, later wins; a `null` (or a bare `K`) is looked
 * up in `env` and dropped when absent (compose resolveAndMergeBuildArgs).
 */
export function resolveBuildArgs(
  serviceArgs: Record<string, string | null> | undefined,
  cliArgs: Record<string, string | null> | undefined,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const merged: Record<string, string | null> = { ...serviceArgs, ...cliArgs };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) {
    const value = v ?? env[k];
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/** `K=V` / `K` command-line build args. */
export function parseBuildArgs(list: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new BerthError('USAGE', `invalid --build-arg "${item}": the name is empty`);
    if (eq < 0) out[item] = null;
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const UNSUPPORTED_KEYS: Array<[keyof NonNullable<ServiceConfig['build']>, string]> = [
  ['ssh', 'SSH keys'],
  ['secrets', 'secrets'],
  ['additional_contexts', 'additional contexts'],
  ['cache_to', 'cache_to'],
  ['entitlements', 'entitlements'],
];

/** The engine-neutral build request for a service (without the inputs label). Pure. */
export function buildSpecFor(
  project: Project,
  name: string,
  service: ServiceConfig,
  options: Pick<BuildOptions, 'noCache' | 'pull' | 'args'> = {},
): BuildSpec {
  const b = service.build;
  const at = (key: string) => ({ location: { path: ['services', name, 'build', key], service: name } });
  if (!b) throw new BerthError('USAGE', `service "${name}" has no build section`);
  for (const [key, what] of UNSUPPORTED_KEYS) {
    const v: unknown = b[key];
    const empty = v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
    if (!empty) {
      throw new BerthError(
        'UNSUPPORTED',
        `services.${name}.build.${key}: the classic builder does not support ${what}`,
        {
          ...at(key),
          hint: 'berth builds through the Engine API classic builder (BuildKit-only features are not available)',
        },
      );
    }
  }
  if (b.privileged) {
    throw new BerthError(
      'UNSUPPORTED',
      `services.${name}.build.privileged: the classic builder does not support privileged builds`,
      at('privileged'),
    );
  }
  if ((b.platforms?.length ?? 0) > 1) {
    throw new BerthError(
      'UNSUPPORTED',
      `services.${name}.build.platforms: the classic builder builds one platform at a time`,
      at('platforms'),
    );
  }
  const context = b.context ?? project.workingDir;
  if (/^(https?|git|ssh):\/\/|^git@|\.git(#|$)/.test(context)) {
    throw new BerthError(
      'UNSUPPORTED',
      `services.${name}.build.context: remote build contexts are not supported yet (${context})`,
      {
        ...at('context'),
        hint: 'clone the repository and point build.context at the directory',
      },
    );
  }
  const image = imageName(project, name, service);
  const tags = [image, ...(b.tags ?? []).filter((t) => t !== image)];
  const spec: BuildSpec = {
    context,
    tags,
    args: resolveBuildArgs(b.args, options.args, project.environment ?? {}),
    labels: {
      ...b.labels,
      [PROJECT_LABEL]: project.name,
      [SERVICE_LABEL]: name,
      [VERSION_LABEL]: COMPOSE_VERSION,
      [IMAGE_BUILDER_LABEL]: 'classic',
    },
  };
  if (b.dockerfile_inline !== undefined) spec.dockerfileInline = b.dockerfile_inline;
  else if (b.dockerfile !== undefined) spec.dockerfile = b.dockerfile;
  if (b.target !== undefined) spec.target = b.target;
  if (b.network !== undefined) spec.network = b.network;
  if (b.extra_hosts && b.extra_hosts.length > 0)
    spec.extraHosts = b.extra_hosts.map((h) => h.replace('=', ':'));
  if (b.shm_size !== undefined) spec.shmSize = parseBytes(String(b.shm_size));
  if (b.cache_from && b.cache_from.length > 0) spec.cacheFrom = [...b.cache_from];
  const platform = b.platforms?.[0] ?? service.platform;
  if (platform !== undefined) spec.platform = platform;
  if (options.noCache || b.no_cache) spec.noCache = true;
  if (options.pull || b.pull) spec.pull = true;
  return spec;
}

/** A service's build request with its inputs digest, ready to run. */
export interface PlannedBuild {
  service: string;
  image: string;
  spec: BuildSpec;
  inputsDigest: string;
}

export async function planBuild(
  project: Project,
  name: string,
  options: Pick<BuildOptions, 'noCache' | 'pull' | 'args' | 'signal'> = {},
): Promise<PlannedBuild> {
  const service = project.services[name];
  if (!service) throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${name}`);
  const spec = buildSpecFor(project, name, service, options);
  let inputsDigest: string;
  try {
    inputsDigest = await buildInputsDigest(spec, { signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw new RuntimeError('ABORTED', `build ${name}: aborted`, { cause: err });
    throw new BerthError(
      'BUILD_FAILED',
      `service "${name}": cannot read the build context: ${(err as Error).message}`,
      {
        cause: err,
        location: { path: ['services', name, 'build'], service: name },
      },
    );
  }
  spec.labels = { ...spec.labels, [BUILD_INPUTS_LABEL]: inputsDigest };
  return { service: name, image: imageName(project, name, service), spec, inputsDigest };
}

export interface RunBuildsOptions {
  onEvent?: EventSink;
  onBuildOutput?: (service: string, line: string) => void;
  signal?: AbortSignal;
  concurrency?: number;
}

/** Runs one planned build, emitting `Image <name> Building/Built` and its output lines. */
export async function runBuild(
  runtime: Runtime,
  planned: PlannedBuild,
  options: RunBuildsOptions = {},
): Promise<BuiltImage> {
  const emit = options.onEvent ?? (() => {});
  const out = options.onBuildOutput;
  emit(resourceEvent('image', planned.image, 'Building', 'working'));
  let id: string;
  try {
    id = await runtime.buildImage(planned.spec, {
      signal: options.signal,
      onProgress: out
        ? (p) => {
            if (p.current !== undefined) return;
            for (const line of p.status.split('\n')) {
              const text = line.replace(/\r$/, '');
              if (text.trim() !== '') out(planned.service, p.id ? `${p.id}: ${text}` : text);
            }
          }
        : undefined,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    emit(resourceEvent('image', planned.image, 'Building', 'error', message));
    if (
      err instanceof BerthError &&
      (err.code === 'ABORTED' || err.code === 'RUNTIME_UNREACHABLE' || err.code === 'REGISTRY_AUTH')
    )
      throw err;
    const reason = message.startsWith(`build ${planned.image}: `)
      ? message.slice(`build ${planned.image}: `.length)
      : message;
    throw new BerthError('BUILD_FAILED', `service "${planned.service}" failed to build: ${reason}`, {
      cause: err,
      location: { service: planned.service },
      hint: 'the build output above shows the failing step',
    });
  }
  emit(resourceEvent('image', planned.image, 'Built', 'done'));
  return {
    service: planned.service,
    image: planned.image,
    id,
    tags: planned.spec.tags,
    inputsDigest: planned.inputsDigest,
  };
}

/**
 * Builds `plans` in dependency order of their services, bounded; one build per image name (the
 * other services sharing it get its result).
 */
export async function runBuilds(
  runtime: Runtime,
  project: Project,
  plans: PlannedBuild[],
  options: RunBuildsOptions = {},
): Promise<BuiltImage[]> {
  const byImage = new Map<string, PlannedBuild>();
  const sharing = new Map<string, string[]>();
  for (const p of [...plans].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))) {
    if (!byImage.has(p.image)) byImage.set(p.image, p);
    sharing.set(p.image, [...(sharing.get(p.image) ?? []), p.service]);
  }
  const first = [...byImage.values()];
  const nodes = first.map((p) => p.service);
  const graph = buildGraph(project.services);
  const waitsOn = new Map(nodes.map((n) => [n, [...graph.ancestors(n)]]));
  const results = new Map<string, BuiltImage>();
  const planOf = new Map(first.map((p) => [p.service, p]));
  await walkDag(
    nodes,
    waitsOn,
    async (service, signal) => {
      results.set(
        service,
        await runBuild(runtime, planOf.get(service)!, { ...options, signal: signal ?? options.signal }),
      );
    },
    { concurrency: options.concurrency ?? DEFAULT_BUILD_CONCURRENCY, signal: options.signal },
  );
  const out: BuiltImage[] = [];
  for (const [image, services] of sharing) {
    const built = results.get(byImage.get(image)!.service)!;
    for (const s of services) out.push({ ...built, service: s });
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** The services `build` builds: the named ones (or all) that have `build:`. */
export function buildableServices(project: Project, services: string[] | undefined): string[] {
  const names = services && services.length > 0 ? services : Object.keys(project.services).sort();
  for (const n of names) {
    if (!project.services[n]) {
      throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${n}`, {
        hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
      });
    }
  }
  return names.filter((n) => project.services[n]!.build !== undefined);
}

/** `berth build [SERVICE...]`: builds and tags the images; resolves with what was built. */
export async function build(project: Project, options: BuildOptions = {}): Promise<BuildResult> {
  const names = buildableServices(project, options.services);
  return withEngine(project.name, options, false, async ({ runtime, parallel }) => {
    const plans = await Promise.all(names.map((n) => planBuild(project, n, options)));
    const images = await runBuilds(runtime, project, plans, {
      onEvent: options.onEvent,
      onBuildOutput: options.onBuildOutput,
      signal: options.signal,
      concurrency: parallel,
    });
    return { images };
  });
}
