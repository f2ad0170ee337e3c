/**
 * `run` (docker/compose pkg/compose/run.go, cmd/compose/run.go): a one-off container of a service.
 * Its dependencies are brought up first through the `up` verb (unless `noDeps`) and waited for per
 * the service's depends_on conditions; the container is named `<project>-<service>-run-<12 hex>`
 * (or `name`), labelled `com.docker.compose.oneoff=True` with a `slug` and the rest of the compose
 * label set but no container number, has no restart policy, publishes no ports unless `publish` or
 * `servicePorts`, and answers to the service's aliases only with `useAliases`. Attached, its exit code
 * is the result; `rm` lets the engine remove it once it exits (AutoRemove, as Compose does).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { BerthError } from '../api/errors.js';
import { resourceEvent, warningEvent } from '../api/events.js';
import type { RunOptions, RunResult } from '../api/interactive.js';
import {
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
  SLUG_LABEL,
} from '../api/labels.js';
import { PortSpecError, parsePortSpec } from '../compose/canonical/ports.js';
import { parseVolumeSpec, VolumeSpecError } from '../compose/canonical/volumes.js';
import type { Project, ServiceConfig, ServicePortConfig, ServiceVolume } from '../compose/model.js';
import { expandUser } from '../compose/paths.js';
import { observe } from '../reconcile/observe.js';
import { networkSpec, volumeSpec } from '../reconcile/resources.js';
import { serviceToContainerSpec } from '../reconcile/spec.js';
import { waitForCondition } from '../reconcile/wait.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';
import { checkService, compareForTarget } from './exec.js';
import { ensureImages } from './images.js';
import { selectedServices, up } from './up.js';

/** A random 64-hex id (Compose's stringid.GenerateRandomID): the slug label. */
export function newSlug(): string {
  return randomBytes(32).toString('hex');
}

/** `<project>-<service>-run-<first 12 of the slug>`. */
export function oneOffName(project: string, service: string, slug: string): string {
  return `${project}-${service}-run-${slug.slice(0, 12)}`;
}

function usage(message: string): BerthError {
  return new BerthError('USAGE', message);
}

function publishedPorts(specs: readonly string[]): ServicePortConfig[] {
  return specs.flatMap((spec) => {
    try {
      return parsePortSpec(spec).map((p) => ({ ...p }) as ServicePortConfig);
    } catch (err) {
      if (err instanceof PortSpecError) throw usage(`invalid --publish "${spec}": ${err.message}`);
      throw err;
    }
  });
}

function extraVolumes(specs: readonly string[], cwd: string): ServiceVolume[] {
  return specs.map((spec) => {
    let v: ServiceVolume;
    try {
      v = parseVolumeSpec(spec) as ServiceVolume;
    } catch (err) {
      if (err instanceof VolumeSpecError) throw usage(`invalid --volume "${spec}": ${err.message}`);
      throw err;
    }
    if (v.type === 'bind' && v.source !== undefined) v.source = resolve(cwd, expandUser(v.source));
    return v;
  });
}

/**
 * The service as `run` runs it (run.go applyRunOptions and prepareRun, cmd/compose/run.go apply):
 * pure, the project is not changed.
 */
export function runService(project: Project, service: string, options: RunOptions = {}): ServiceConfig {
  const base = project.services[service] ?? project.disabledServices?.[service];
  if (base === undefined) throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${service}`);
  const svc: ServiceConfig = structuredClone(base);
  svc.tty = options.tty === true;
  svc.stdin_open = options.interactive ?? options.stdin !== undefined;
  if (!options.servicePorts) {
    const ports = publishedPorts(options.publish ?? []);
    if (ports.length > 0) svc.ports = ports;
    else delete svc.ports;
  }
  if (options.volumes && options.volumes.length > 0) {
    svc.volumes = [...(svc.volumes ?? []), ...extraVolumes(options.volumes, options.cwd ?? process.cwd())];
  }
  delete svc.container_name;
  if (options.command && options.command.length > 0) svc.command = [...options.command];
  if (options.user) svc.user = options.user;
  if (options.capAdd && options.capAdd.length > 0) {
    svc.cap_add = [...(svc.cap_add ?? []), ...options.capAdd];
    svc.cap_drop = svc.cap_drop?.filter((c) => !options.capAdd!.includes(c));
  }
  if (options.capDrop && options.capDrop.length > 0) {
    svc.cap_drop = [...(svc.cap_drop ?? []), ...options.capDrop];
    svc.cap_add = svc.cap_add?.filter((c) => !options.capDrop!.includes(c));
  }
  if (options.workdir) svc.working_dir = options.workdir;
  if (options.entrypoint !== undefined) {
    svc.entrypoint = [...options.entrypoint];
    if (!options.command || options.command.length === 0) svc.command = [];
  }
  if (options.environment && Object.keys(options.environment).length > 0) {
    svc.environment = { ...(svc.environment ?? {}), ...options.environment };
  }
  if (options.labels) svc.labels = { ...(svc.labels ?? {}), ...options.labels };
  svc.scale = 1;
  delete svc.restart;
  if (svc.deploy) {
    delete svc.deploy.restart_policy;
    if (svc.deploy.replicas !== undefined) svc.deploy.replicas = 1;
  }
  return svc;
}

export interface OneOffSpecOptions {
  slug: string;
  /** The container's name (default from the slug). */
  name?: string;
  imageId?: string;
  /** service → id of its first container, for `service:x` references. */
  parentContainers?: Readonly<Record<string, string>>;
}

/** The one-off container's spec: the service's, relabelled and re-aliased. Pure. */
export function oneOffSpec(
  project: Project,
  service: string,
  options: RunOptions,
  extra: OneOffSpecOptions,
): ContainerSpec {
  const svc = runService(project, service, options);
  const name = extra.name ?? options.name ?? oneOffName(project.name, service, extra.slug);
  const runProject: Project = withService(project, service, svc);
  const spec = serviceToContainerSpec(runProject, service, {
    number: 0,
    name,
    imageId: extra.imageId,
    parentContainers: extra.parentContainers,
  });
  delete spec.labels[CONTAINER_NUMBER_LABEL];
  spec.labels[ONEOFF_LABEL] = ONEOFF_TRUE;
  spec.labels[SLUG_LABEL] = extra.slug;
  if (!options.useAliases) {
    for (const endpoint of Object.values(spec.networks)) endpoint.aliases = [name];
  }
  if (options.rm) spec.autoRemove = true;
  if (svc.stdin_open) spec.stdinOnce = true;
  return spec;
}

/**
 * The project with one service replaced. Not a spread: a loaded Project keeps workingDir,
 * configFiles, environment and disabledServices as non-enumerable properties.
 */
export function withService(project: Project, name: string, service: ServiceConfig): Project {
  const copy = Object.create(
    Object.getPrototypeOf(project),
    Object.getOwnPropertyDescriptors(project),
  ) as Project;
  copy.services = { ...project.services, [name]: service };
  return copy;
}

/** A writable that keeps what it is given. */
function collector(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** service → id of its lowest-numbered container (what `service:x` resolves to). */
async function firstContainers(runtime: Runtime, projectName: string): Promise<Record<string, string>> {
  const list = await runtime.listContainers({ labels: { [PROJECT_LABEL]: projectName }, all: true });
  const out: Record<string, string> = {};
  const seen = new Map<string, (typeof list)[number]>();
  for (const c of list) {
    if (c.labels[ONEOFF_LABEL] === ONEOFF_TRUE) continue;
    const service = c.labels[SERVICE_LABEL] ?? '';
    const best = seen.get(service);
    if (!best || compareForTarget(c, best) < 0) seen.set(service, c);
  }
  for (const [service, c] of seen) out[service] = c.id;
  return out;
}

/**
 * Creates the networks and named volumes the one-off uses that do not exist yet (Compose's run
 * creates the project's networks and volumes even with --no-deps). External ones are the user's.
 */
async function ensureResources(
  runtime: Runtime,
  project: Project,
  service: ServiceConfig,
  options: RunOptions,
) {
  const observed = await observe(runtime, project.name, project);
  const emit = options.onEvent ?? (() => {});
  for (const key of Object.keys(service.networks ?? {})) {
    const cfg = project.networks?.[key];
    if (cfg === undefined || cfg.external || observed.networks[key]) continue;
    const spec = networkSpec(project, key);
    emit(resourceEvent('network', spec.name, 'Creating', 'working'));
    await runtime.createNetwork(spec).catch((err) => {
      // Another berth may have created it meanwhile.
      if (!(err instanceof BerthError && err.code === 'RUNTIME_CONFLICT')) throw err;
    });
    emit(resourceEvent('network', spec.name, 'Created', 'done'));
  }
  for (const v of service.volumes ?? []) {
    const key = v.type === 'volume' ? v.source : undefined;
    const cfg = key === undefined ? undefined : project.volumes?.[key];
    if (key === undefined || cfg === undefined || cfg.external || observed.volumes[key]) continue;
    const spec = volumeSpec(project, key);
    emit(resourceEvent('volume', spec.name, 'Creating', 'working'));
    await runtime.createVolume(spec);
    emit(resourceEvent('volume', spec.name, 'Created', 'done'));
  }
}

/** Waits for the run service's own depends_on conditions (the dependencies' starts do the rest). */
async function waitDependencies(
  runtime: Runtime,
  project: Project,
  service: ServiceConfig,
  options: RunOptions,
): Promise<void> {
  for (const [dep, d] of Object.entries(service.depends_on ?? {})) {
    if (!project.services[dep]) continue;
    const condition = d.condition ?? 'service_started';
    if (condition === 'service_started') continue;
    const list = await runtime.listContainers({
      labels: {
        [PROJECT_LABEL]: project.name,
        [SERVICE_LABEL]: dep,
        [ONEOFF_LABEL]: 'False',
      },
      all: true,
    });
    const containers = list.map((c) => ({ id: c.id, name: c.name }));
    if (containers.length === 0) continue;
    try {
      await waitForCondition(runtime, { service: dep, containers }, condition, options.signal);
    } catch (err) {
      if (d.required === false && err instanceof BerthError) {
        options.onEvent?.(warningEvent(`optional dependency ${dep}: ${err.message}`));
        continue;
      }
      throw err;
    }
  }
}

export async function run(project: Project, service: string, options: RunOptions = {}): Promise<RunResult> {
  checkService(project, service);
  return withEngine(project.name, options, false, async ({ runtime, parallel }) => {
    const svc = runService(project, service, options);
    // The one-off's own view of the project: the service as run runs it (scale 1, enabled).
    const runProject: Project = withService(project, service, svc);
    if (!options.noDeps) {
      const deps = selectedServices(runProject, [service], false).filter((s) => s !== service);
      if (deps.length > 0) {
        await up(project, {
          runtime,
          env: options.env,
          onEvent: options.onEvent,
          signal: options.signal,
          parallel,
          services: deps,
          pull: options.pull,
          removeOrphans: options.removeOrphans,
          build: options.build,
        });
      }
      await waitDependencies(runtime, runProject, svc, options);
    }
    await ensureResources(runtime, runProject, svc, options);
    // A missing image of a buildable service is built; `build` rebuilds it anyway.
    const imageIds = await ensureImages(runtime, runProject, {
      services: [service],
      pull: options.pull,
      build: options.build,
      parallel,
      onEvent: options.onEvent,
      signal: options.signal,
    });
    const slug = newSlug();
    const spec = oneOffSpec(project, service, options, {
      slug,
      imageId: imageIds[service],
      parentContainers: await firstContainers(runtime, project.name),
    });
    const { id } = await runtime.createContainer(spec, options.signal);
    const container = { id, name: spec.name };

    if (options.detach) {
      await startOrRemove(runtime, id, options);
      return { container };
    }
    return attachAndRun(runtime, container, spec, options);
  });
}

/** Starts the container; a failed start removes it again (a one-off that never ran is no use). */
async function startOrRemove(runtime: Runtime, id: string, options: RunOptions): Promise<void> {
  try {
    await runtime.startContainer(id, options.signal);
  } catch (err) {
    await runtime.removeContainer(id, { force: true, volumes: true }).catch(() => {});
    throw err;
  }
}

async function attachAndRun(
  runtime: Runtime,
  container: { id: string; name: string },
  spec: ContainerSpec,
  options: RunOptions,
): Promise<RunResult> {
  const { id } = container;
  const out = options.stdout ? undefined : collector();
  const err = options.stderr ? undefined : collector();
  let attachment: Awaited<ReturnType<Runtime['attachContainer']>>;
  try {
    attachment = await runtime.attachContainer(id, {
      stdin: spec.stdinOpen ? options.stdin : undefined,
      stdout: options.stdout ?? out!.stream,
      stderr: options.stderr ?? err!.stream,
      tty: spec.tty === true,
      signal: options.signal,
    });
  } catch (error) {
    // Never attached, never started: a one-off that never ran is no use (as startOrRemove does).
    await runtime.removeContainer(id, { force: true, volumes: true }).catch(() => {});
    throw error;
  }
  try {
    // Registered before the start, so an exit right after it is not missed; `removed` with --rm.
    let registered!: () => void;
    const waiting = new Promise<void>((r) => (registered = r));
    const exited = runtime.waitContainer(id, {
      condition: options.rm ? 'removed' : 'next-exit',
      signal: options.signal,
      onWaiting: registered,
    });
    exited.catch(() => {});
    await Promise.race([waiting, exited]);
    // Before the start: its output may arrive before the start call returns, and a signal that
    // follows that output must find the session already there.
    options.onStart?.({
      id,
      name: container.name,
      resize: (size) => runtime.resizeContainer(id, size),
      kill: (signal = 'SIGKILL') => runtime.killContainer(id, signal),
    });
    // Before the start too: the built-in engine applies it as the process starts, so a command that
    // reads its size at once sees it (dockerd refuses a resize before the start: ignored).
    if (spec.tty && options.ttySize) await runtime.resizeContainer(id, options.ttySize).catch(() => {});
    await startOrRemove(runtime, id, options);
    if (spec.tty && options.ttySize) await runtime.resizeContainer(id, options.ttySize).catch(() => {});
    await attachment.done;
    const { exitCode } = await exited;
    return {
      exitCode,
      ...(out && { stdout: out.text() }),
      ...(err && { stderr: err.text() }),
      container,
    };
  } catch (e) {
    attachment.close();
    // Cancelled: the one-off is not left running behind the caller's back.
    if (options.signal?.aborted) await runtime.killContainer(id, 'SIGKILL').catch(() => {});
    throw e;
  }
}
