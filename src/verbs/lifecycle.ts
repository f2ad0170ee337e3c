/**
 * The lifecycle verbs on existing containers (docker/compose pkg/compose start.go, stop.go,
 * restart.go, kill.go, pause.go, remove.go, wait.go): each lists the project's containers with ONE
 * call by project label, orders them by the service graph — the loaded Project's, or, from a project
 * name alone, the one the containers' `depends_on` labels describe — and walks them with at most
 * `--parallel` engine calls at once (graph/walk.ts walkDag over containers).
 *
 * - `start`: the named services and their dependencies, dependencies first; a container waits for its
 *   dependencies' conditions (service_healthy…) before it starts; running ones are left alone, paused
 *   ones resumed. No container at all: `service "x" has no container to start`.
 * - `stop`: the named services only, dependents first (`Stopping`/`Stopped` for each container, as
 *   compose prints them even for containers already stopped).
 * - `restart`: the named services plus, unless `noDeps`, their dependents declared with
 *   `depends_on: {x: {restart: true}}` (transitively); ordered along those edges only (compose drops
 *   the other edges, restart.go); stopped containers are started too (`Restarting`/`Started`).
 * - `kill`: running containers, one-offs included (`Killing`/`Killed`); orphans only with
 *   `removeOrphans`.
 * - `pause`/`unpause`: running (resp. paused) containers (`Paused`/`Unpaused`). Compose also sends
 *   the call to containers already in the target state and fails on the engine's refusal; berth
 *   skips them, so both verbs can be repeated (a deliberate difference).
 * - `rm`: stopped containers (after stopping them with `stop`), asking `confirm` first.
 * - `wait`: blocks until the services' running containers (one-offs included) have stopped; the
 *   status is that of the container that stopped last, as compose returns it.
 *
 * Unknown service names are ComposeErrors COMPOSE_UNKNOWN_SERVICE with a did-you-mean hint.
 */
import { BerthError, ComposeError, RuntimeError } from '../api/errors.js';
import { type EventSink, resourceEvent, warningEvent } from '../api/events.js';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  DEPENDENCIES_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../api/labels.js';
import type {
  KillOptions,
  LifecycleResult,
  PauseOptions,
  RemoveOptions,
  RemoveResult,
  RestartOptions,
  StartOptions,
  StopOptions,
  WaitOptions,
  WaitResult,
} from '../api/lifecycle.js';
import { didYouMean } from '../compose/consistency.js';
import type { Project } from '../compose/model.js';
import { walkDag } from '../graph/walk.js';
import type { ObservedContainer } from '../reconcile/observe.js';
import { sleep, waitForCondition } from '../reconcile/wait.js';
import type { ContainerInfo, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';
import { summarizeAll } from './ps.js';

/** A `depends_on` edge as the lifecycle verbs read it. */
export interface Dependency {
  condition: string;
  required: boolean;
  restart: boolean;
}

/** The project as the lifecycle verbs see it: its containers and its service graph. */
export interface ProjectState {
  name: string;
  project?: Project;
  /** Service containers (one-offs apart), sorted by service, number, name. */
  containers: ObservedContainer[];
  /** `run` containers. */
  oneOffs: ObservedContainer[];
  /** Every known service → its dependencies (model: enabled and disabled services; else labels). */
  services: Record<string, Record<string, Dependency>>;
  /** The services a verb acts on when none is named (model: the enabled ones). */
  defaults: string[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function observed(c: ContainerInfo): ObservedContainer {
  const n = Number.parseInt(c.labels[CONTAINER_NUMBER_LABEL] ?? '', 10);
  return { ...c, service: c.labels[SERVICE_LABEL] ?? '', number: Number.isFinite(n) ? n : 0 };
}

/** `db:service_healthy:true,…` → dependencies (compose projectFromName: restart defaults to true). */
export function parseDependenciesLabel(value: string | undefined): Record<string, Dependency> {
  const out: Record<string, Dependency> = {};
  for (const entry of (value ?? '').split(',')) {
    if (entry === '') continue;
    const [name, condition, restart] = entry.split(':');
    out[name!] = {
      condition: condition || 'service_started',
      restart: restart === undefined ? true : /^(1|t|true)$/i.test(restart),
      // A project rebuilt from labels cannot know more: a failed dependency only warns (down.go).
      required: false,
    };
  }
  return out;
}

/** The services and their edges, from the model or from the containers' labels. */
export function serviceDependencies(
  project: Project | undefined,
  containers: readonly ObservedContainer[],
): { services: Record<string, Record<string, Dependency>>; defaults: string[] } {
  const services: Record<string, Record<string, Dependency>> = {};
  if (project) {
    const all = { ...(project.disabledServices ?? {}), ...project.services };
    for (const [name, svc] of Object.entries(all)) {
      services[name] = {};
      for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
        if (!(dep in all)) continue;
        services[name][dep] = {
          condition: d.condition ?? 'service_started',
          required: d.required !== false,
          restart: d.restart === true,
        };
      }
    }
    return { services, defaults: Object.keys(project.services).sort() };
  }
  for (const c of containers) {
    services[c.service] ??= parseDependenciesLabel(c.labels[DEPENDENCIES_LABEL]);
  }
  for (const deps of Object.values(services)) {
    for (const dep of Object.keys(deps)) if (!(dep in services)) delete deps[dep];
  }
  return { services, defaults: Object.keys(services).sort() };
}

/** One list call: the project's containers (with a config hash, as compose's filters), grouped. */
export async function observeProject(runtime: Runtime, project: Project | string): Promise<ProjectState> {
  const name = typeof project === 'string' ? project : project.name;
  const list = await runtime.listContainers({
    labels: { [PROJECT_LABEL]: name, [CONFIG_HASH_LABEL]: true },
    all: true,
  });
  const all = list
    .map(observed)
    .sort((a, b) => compare(a.service, b.service) || a.number - b.number || compare(a.name, b.name));
  const containers = all.filter((c) => c.labels[ONEOFF_LABEL] !== ONEOFF_TRUE);
  const oneOffs = all.filter((c) => c.labels[ONEOFF_LABEL] === ONEOFF_TRUE);
  const model = typeof project === 'string' ? undefined : project;
  return { name, project: model, containers, oneOffs, ...serviceDependencies(model, containers) };
}

/** `no such service: x` with compose's did-you-mean, for names neither the model nor the labels know. */
export function unknownServiceError(name: string, known: Iterable<string>): ComposeError {
  const names = [...known].sort();
  const guess = didYouMean(name, names);
  return new ComposeError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${name}`, {
    hint: guess ? `did you mean "${guess}"?` : `services: ${names.join(', ') || '(none)'}`,
  });
}

/** The named services (checked), or the default set when none is named. */
export function selectServices(state: ProjectState, names: readonly string[] | undefined): Set<string> {
  if (names === undefined || names.length === 0) return new Set(state.defaults);
  for (const n of names)
    if (!(n in state.services)) throw unknownServiceError(n, Object.keys(state.services));
  return new Set(names);
}

/** `names` and every service `next` leads to from them, transitively. */
function reachable(names: Iterable<string>, next: (name: string) => Iterable<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...names];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    for (const m of next(n)) stack.push(m);
  }
  return out;
}

/** `names` and everything they depend on (edges filtered by `edge`), transitively. */
export function withDependencies(
  state: Pick<ProjectState, 'services'>,
  names: Iterable<string>,
  edge: (d: Dependency) => boolean = () => true,
): Set<string> {
  return reachable(names, function* (n) {
    for (const [dep, d] of Object.entries(state.services[n] ?? {})) if (edge(d)) yield dep;
  });
}

/** `names` and every service depending on them (edges filtered by `edge`), transitively. */
export function withDependents(
  state: Pick<ProjectState, 'services'>,
  names: Iterable<string>,
  edge: (d: Dependency) => boolean = () => true,
): Set<string> {
  return reachable(names, function* (n) {
    for (const [svc, deps] of Object.entries(state.services)) {
      const d = deps[n];
      if (d !== undefined && edge(d)) yield svc;
    }
  });
}

/**
 * Container-level waits for walkDag: in `up` order a container waits for the containers of its
 * service's dependencies; in `down` order for those of its dependents. Only edges accepted by `edge`.
 */
export function containerOrder(
  state: Pick<ProjectState, 'services'>,
  containers: readonly Pick<ObservedContainer, 'id' | 'service'>[],
  direction: 'up' | 'down',
  edge: (d: Dependency) => boolean = () => true,
): Map<string, string[]> {
  const byService = new Map<string, string[]>();
  for (const c of containers) {
    const list = byService.get(c.service);
    if (list) list.push(c.id);
    else byService.set(c.service, [c.id]);
  }
  const waits = new Map<string, string[]>();
  for (const c of containers) {
    const others: string[] = [];
    if (direction === 'up') {
      for (const [dep, d] of Object.entries(state.services[c.service] ?? {})) {
        if (edge(d)) others.push(...(byService.get(dep) ?? []));
      }
    } else {
      for (const [svc, deps] of Object.entries(state.services)) {
        const d = deps[c.service];
        if (d !== undefined && edge(d) && svc !== c.service) others.push(...(byService.get(svc) ?? []));
      }
    }
    waits.set(c.id, others);
  }
  return waits;
}

const isRunning = (c: ContainerInfo) =>
  c.state === 'running' || c.state === 'restarting' || c.state === 'paused';

interface WalkContext {
  runtime: Runtime;
  parallel?: number;
  emit: EventSink;
  signal?: AbortSignal;
}

function emitter(options: { onEvent?: EventSink }): EventSink {
  return options.onEvent ?? (() => {});
}

/** Runs `action` on each container in walk order, with `working`/`done`/`error` events. */
async function walkContainers(
  ctx: WalkContext,
  containers: readonly ObservedContainer[],
  waits: Map<string, string[]>,
  words: [string, string] | undefined,
  action: (c: ObservedContainer, signal?: AbortSignal) => Promise<void>,
): Promise<void> {
  const byId = new Map(containers.map((c) => [c.id, c]));
  await walkDag(
    containers.map((c) => c.id),
    waits,
    async (id, signal) => {
      const c = byId.get(id)!;
      if (words) ctx.emit(resourceEvent('container', c.name, words[0], 'working'));
      try {
        await action(c, signal);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.emit(resourceEvent('container', c.name, words?.[0] ?? 'Error', 'error', message));
        throw err;
      }
      if (words) ctx.emit(resourceEvent('container', c.name, words[1], 'done'));
    },
    { concurrency: ctx.parallel, signal: ctx.signal },
  );
}

// ---- stop ------------------------------------------------------------------------------------------

async function stopSelected(
  ctx: WalkContext,
  state: ProjectState,
  services: Set<string>,
  timeoutSeconds: number | undefined,
): Promise<ObservedContainer[]> {
  const targets = state.containers.filter((c) => services.has(c.service));
  await walkContainers(
    ctx,
    targets,
    containerOrder(state, targets, 'down'),
    ['Stopping', 'Stopped'],
    async (c, signal) => {
      // compose sends the stop to every container; one already stopped has nothing to stop.
      if (isRunning(c)) await ctx.runtime.stopContainer(c.id, { timeoutSeconds, signal });
    },
  );
  return targets;
}

/** Stops the services' containers, dependents first. */
export async function stop(project: Project | string, options: StopOptions = {}): Promise<LifecycleResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, true, async ({ runtime, parallel }) => {
    const state = await observeProject(runtime, project);
    const services = selectServices(state, options.services);
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    const done = await stopSelected(ctx, state, services, options.timeoutSeconds);
    return { containers: summarizeAll(done) };
  });
}

// ---- start and restart -----------------------------------------------------------------------------

/**
 * Waits once per (service, dependency) for the dependency's condition; a `required: false`
 * dependency that fails only warns (as the executor does).
 */
function dependencyWaiter(ctx: WalkContext, state: ProjectState, edge: (d: Dependency) => boolean) {
  const pending = new Map<string, Promise<void>>();
  return (service: string, from: string, signal?: AbortSignal): Promise<void> => {
    const key = service;
    const known = pending.get(key);
    if (known) return known;
    const work = (async () => {
      for (const [dep, d] of Object.entries(state.services[service] ?? {}).sort(([a], [b]) =>
        compare(a, b),
      )) {
        if (!edge(d)) continue;
        const containers = state.containers.filter((c) => c.service === dep);
        if (containers.length === 0 || d.condition === 'service_started') continue;
        ctx.emit(resourceEvent('container', from, 'Waiting', 'working', `for ${dep} (${d.condition})`));
        try {
          await waitForCondition(ctx.runtime, { service: dep, containers }, d.condition, signal);
        } catch (err) {
          if (!d.required && err instanceof BerthError) {
            ctx.emit(warningEvent(`optional dependency ${dep} of ${service}: ${err.message}`));
            continue;
          }
          throw err;
        }
      }
    })();
    pending.set(key, work);
    return work;
  };
}

/** Starts the services (and their dependencies), dependencies first. */
export async function start(project: Project | string, options: StartOptions = {}): Promise<LifecycleResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, true, async ({ runtime, parallel }) => {
    const state = await observeProject(runtime, project);
    const services = withDependencies(state, selectServices(state, options.services));
    const selected = state.containers.filter((c) => services.has(c.service));
    if (selected.length === 0) {
      const first = [...services].sort().find((s) => scaleOf(state.project, s) !== 0);
      if (first !== undefined) {
        throw new RuntimeError('RUNTIME_NOT_FOUND', `service "${first}" has no container to start`, {
          hint: 'create the containers first: `berth up -d` or `berth create`',
        });
      }
      return { containers: [] };
    }
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    const toStart = selected.filter((c) => c.state !== 'running' && c.state !== 'restarting');
    const waitDeps = dependencyWaiter(ctx, state, () => true);
    await walkContainers(ctx, toStart, containerOrder(state, toStart, 'up'), undefined, async (c, signal) => {
      await waitDeps(c.service, c.name, signal);
      ctx.emit(resourceEvent('container', c.name, 'Starting', 'working'));
      if (c.state === 'paused') await runtime.unpauseContainer(c.id);
      else await runtime.startContainer(c.id, signal);
      ctx.emit(resourceEvent('container', c.name, 'Started', 'done'));
    });
    if (options.wait) await waitReady(ctx, state, selected, options.waitTimeoutSeconds);
    return { containers: summarizeAll(toStart) };
  });
}

/**
 * `start --wait` (compose start.go): every container is running, and healthy where it has a
 * healthcheck; a service others wait for with service_completed_successfully must have exited 0.
 */
async function waitReady(
  ctx: WalkContext,
  state: ProjectState,
  containers: readonly ObservedContainer[],
  timeoutSeconds: number | undefined,
): Promise<void> {
  const oneShot = new Set<string>();
  for (const deps of Object.values(state.services)) {
    for (const [dep, d] of Object.entries(deps)) {
      if (d.condition === 'service_completed_successfully') oneShot.add(dep);
    }
  }
  const timer = timeoutSeconds && timeoutSeconds > 0 ? AbortSignal.timeout(timeoutSeconds * 1000) : undefined;
  const signal = timer && ctx.signal ? AbortSignal.any([ctx.signal, timer]) : (timer ?? ctx.signal);
  const ready = async (c: ObservedContainer): Promise<void> => {
    if (oneShot.has(c.service)) {
      await waitForCondition(
        ctx.runtime,
        { service: c.service, containers: [c] },
        'service_completed_successfully',
        signal,
      );
      return;
    }
    for (;;) {
      const info = await ctx.runtime.inspectContainer(c.id);
      if (!info) throw new RuntimeError('RUNTIME_NOT_FOUND', `container ${c.name} is gone`);
      if (info.state === 'exited' || info.state === 'dead') {
        throw new RuntimeError('RUNTIME_ERROR', `container ${c.name} exited (${info.exitCode ?? '?'})`, {
          hint: `see \`berth logs ${c.service}\``,
        });
      }
      if (info.health === 'unhealthy') {
        throw new RuntimeError('RUNTIME_ERROR', `container ${c.name} is unhealthy`, {
          hint: `see \`berth logs ${c.service}\``,
        });
      }
      if (info.state === 'running' && (info.health === undefined || info.health === 'healthy')) return;
      await sleep(200, signal);
    }
  };
  try {
    await Promise.all(containers.map(ready));
  } catch (err) {
    if (timer?.aborted && !ctx.signal?.aborted) {
      throw new BerthError('WAIT_TIMEOUT', `application not healthy after ${timeoutSeconds}s`, {
        cause: err,
        hint: 'raise --wait-timeout, or look at `berth ps` and `berth logs` for why',
      });
    }
    throw err;
  }
}

function scaleOf(project: Project | undefined, service: string): number {
  const svc = project?.services[service];
  return svc?.scale ?? svc?.deploy?.replicas ?? 1;
}

const restartEdge = (d: Dependency) => d.restart;

/** Restarts the services and (unless noDeps) their `restart: true` dependents. */
export async function restart(
  project: Project | string,
  options: RestartOptions = {},
): Promise<LifecycleResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, true, async ({ runtime, parallel }) => {
    const state = await observeProject(runtime, project);
    const named = selectServices(state, options.services);
    const services = options.noDeps ? named : withDependents(state, named, restartEdge);
    const targets = state.containers.filter((c) => services.has(c.service));
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    const waitDeps = dependencyWaiter(ctx, state, (d) => d.restart);
    await walkContainers(
      ctx,
      targets,
      containerOrder(state, targets, 'up', restartEdge),
      undefined,
      async (c, signal) => {
        await waitDeps(c.service, c.name, signal);
        ctx.emit(resourceEvent('container', c.name, 'Restarting', 'working'));
        // The engine's restart is a stop then a start; doing both here keeps the Runtime small.
        if (isRunning(c)) {
          await runtime.stopContainer(c.id, { timeoutSeconds: options.timeoutSeconds, signal });
        }
        await runtime.startContainer(c.id, signal);
        ctx.emit(resourceEvent('container', c.name, 'Started', 'done'));
      },
    );
    return { containers: summarizeAll(targets) };
  });
}

// ---- kill, pause, unpause --------------------------------------------------------------------------

/** Sends `signal` (default SIGKILL) to the running containers of the services. */
export async function kill(project: Project | string, options: KillOptions = {}): Promise<LifecycleResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime, parallel }) => {
    const state = await observeProject(runtime, project);
    const named =
      options.services && options.services.length > 0 ? selectServices(state, options.services) : undefined;
    const known = new Set(Object.keys(state.services));
    const targets = [...state.containers, ...state.oneOffs]
      .filter(isRunning)
      .filter((c) => (named ? named.has(c.service) : true))
      .filter((c) => options.removeOrphans === true || known.has(c.service));
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    await walkContainers(ctx, targets, new Map(), ['Killing', 'Killed'], (c) =>
      runtime.killContainer(c.id, options.killSignal ?? 'SIGKILL').catch((err: unknown) => {
        // It stopped between the list and the kill (a signal sent just before, its own exit): done.
        if (
          err instanceof RuntimeError &&
          err.code === 'RUNTIME_CONFLICT' &&
          /is not running/.test(err.message)
        )
          return;
        throw err;
      }),
    );
    return { containers: summarizeAll(targets) };
  });
}

async function pauseOrUnpause(
  project: Project | string,
  options: PauseOptions,
  from: ContainerInfo['state'],
  word: string,
  call: (runtime: Runtime, id: string) => Promise<void>,
): Promise<LifecycleResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime, parallel }) => {
    const state = await observeProject(runtime, project);
    const services = selectServices(state, options.services);
    const targets = state.containers.filter((c) => services.has(c.service) && c.state === from);
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    await walkContainers(ctx, targets, new Map(), undefined, async (c) => {
      await call(runtime, c.id);
      ctx.emit(resourceEvent('container', c.name, word, 'done'));
    });
    return { containers: summarizeAll(targets) };
  });
}

/** Pauses the running containers of the services. */
export function pause(project: Project | string, options: PauseOptions = {}): Promise<LifecycleResult> {
  return pauseOrUnpause(project, options, 'running', 'Paused', (r, id) => r.pauseContainer(id));
}

/** Resumes the paused containers of the services. */
export function unpause(project: Project | string, options: PauseOptions = {}): Promise<LifecycleResult> {
  return pauseOrUnpause(project, options, 'paused', 'Unpaused', (r, id) => r.unpauseContainer(id));
}

// ---- rm --------------------------------------------------------------------------------------------

/** Removes the services' stopped containers (`stop`: stopping them first), after `confirm`. */
export async function rm(project: Project | string, options: RemoveOptions = {}): Promise<RemoveResult> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, true, async ({ runtime, parallel }) => {
    let state = await observeProject(runtime, project);
    const services = selectServices(state, options.services);
    const ctx = { runtime, parallel, emit: emitter(options), signal: options.signal };
    if (options.stop) {
      await stopSelected(ctx, state, services, options.timeoutSeconds);
      state = await observeProject(runtime, project);
    }
    const targets = state.containers.filter((c) => services.has(c.service) && !isRunning(c));
    if (targets.length === 0) return { containers: [] };
    if (options.confirm && !(await options.confirm(targets.map((c) => c.name)))) {
      return { containers: [], cancelled: true };
    }
    await walkContainers(ctx, targets, new Map(), ['Removing', 'Removed'], (c) =>
      runtime.removeContainer(c.id, { volumes: options.volumes === true }),
    );
    return { containers: summarizeAll(targets) };
  });
}

// ---- wait ------------------------------------------------------------------------------------------

export interface WaitCallbacks {
  /** Told as each container stops. */
  onExit?: (exited: WaitResult['exited'][number]) => void;
}

/** Blocks until the services' running containers have stopped; the last one's code is the result. */
export async function wait(
  project: Project | string,
  options: WaitOptions & WaitCallbacks,
): Promise<WaitResult> {
  const name = typeof project === 'string' ? project : project.name;
  const result = await withEngine(name, options, false, async ({ runtime }) => {
    const state = await observeProject(runtime, project);
    if (options.services.length === 0) {
      throw new BerthError('USAGE', '"wait" requires at least 1 argument', {
        hint: 'name the services to wait for: berth wait SERVICE [SERVICE...]',
      });
    }
    const services = selectServices(state, options.services);
    const targets = [...state.containers, ...state.oneOffs].filter(
      (c) => services.has(c.service) && isRunning(c),
    );
    if (targets.length === 0) {
      throw new RuntimeError('RUNTIME_NOT_FOUND', `no containers for project "${name}"`, {
        hint: `none of ${[...services].join(', ')} is running`,
      });
    }
    const exited: WaitResult['exited'] = [];
    let exitCode = 0;
    const waitSignal = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, waitSignal.signal]) : waitSignal.signal;
    try {
      await Promise.all(
        targets.map(async (c) => {
          const r = await runtime.waitContainer(c.id, { condition: 'not-running', signal });
          const entry = { id: c.id, name: c.name, service: c.service, exitCode: r.exitCode };
          exited.push(entry);
          exitCode = r.exitCode;
          options.onExit?.(entry);
        }),
      );
    } catch (err) {
      waitSignal.abort();
      throw err;
    }
    return { exitCode, exited };
  });
  if (options.downProject) {
    const { down } = await import('./down.js');
    await down(project, {
      runtime: options.runtime,
      env: options.env,
      onEvent: options.onEvent,
      parallel: options.parallel,
      signal: options.signal,
      removeOrphans: true,
    });
  }
  return result;
}
