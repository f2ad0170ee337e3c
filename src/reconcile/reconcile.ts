/**
 * `up`'s planner: desired Project + ObservedState → Plan, pure (docker/compose v5 pkg/compose/
 * reconcile.go, convergence.go; compose-behaviour.md §3.4–3.9):
 * - networks, then volumes, then containers service by service in dependency order;
 * - external resources are never created (missing → error); unlabelled existing ones are adopted
 *   with a warning; a managed network whose config hash diverged is recreated around its containers
 *   (stop, disconnect, remove, create, connect); a diverged volume is only warned about (Compose asks
 *   before losing data; a plan cannot ask, so it keeps the answer "no");
 * - per service: the desired scale, the lowest-numbered up-to-date containers kept, new numbers from
 *   max+1, recreate when the hash, image, networks or named-volume mounts diverge or a namespace
 *   parent is recreated (the new container exists before the old one is removed), dependents with
 *   `depends_on.restart: true` stopped first and started again;
 * - orphans reported, and removed with `removeOrphans`.
 * The per-service decisions live in decide.ts; `planDown` in down.ts (re-exported here).
 */
import { ComposeError, RuntimeError } from '../api/errors.js';
import { CONFIG_HASH_LABEL } from '../api/labels.js';
import type { Project } from '../compose/model.js';
import { buildGraph, type ServiceGraph } from '../graph/graph.js';
import {
  type DecideOptions,
  decide,
  firstContainerIds,
  type RecreatePolicy,
  type ServicePlan,
  type Slot,
  serviceNetworks,
  serviceVolumes,
} from './decide.js';
import { isUp, needsStop, type ObservedContainer, type ObservedState } from './observe.js';
import { findOrphans, isOrphan } from './orphans.js';
import { type ContainerRef, containerResource, groupKey, type Plan, PlanBuilder } from './plan.js';
import { networkHash, networkName, networkSpec, volumeHash, volumeName, volumeSpec } from './resources.js';

export {
  containerName,
  desiredScale,
  type RecreatePolicy,
  type ServicePlan,
  type Slot,
} from './decide.js';
export { type DownOptions, planDown } from './down.js';

export interface UpOptions extends DecideOptions {
  /** Services named on the command line. Default: all services of the project. */
  services?: string[];
  /** `--no-deps`: leave the named services' dependencies alone. */
  noDeps?: boolean;
  /** For the targeted services: `--force-recreate` → force, `--no-recreate` → never. Default diverged. */
  recreate?: RecreatePolicy;
  /** For their dependencies: `--always-recreate-deps` → force. Default diverged. */
  recreateDependencies?: RecreatePolicy;
  removeOrphans?: boolean;
  /** `--no-start`: create only. */
  noStart?: boolean;
  /** `-V`: recreated containers get fresh anonymous volumes instead of inheriting the old ones. */
  renewAnonVolumes?: boolean;
}

export function planUp(project: Project, observed: ObservedState, options: UpOptions = {}): Plan {
  const b = new PlanBuilder(project.name);
  for (const w of observed.warnings) b.warn(w);
  const graph = buildGraph(project.services);
  const { selected, targeted } = selection(project, graph, options);
  checkExternals(project, observed);

  // Decide first (in dependency order: a child's cascade reads its parents' decisions), emit after.
  const order = graph.topologicalOrder().filter((s) => selected.has(s));
  const decisions = new Map<string, ServicePlan>();
  const firstIds = firstContainerIds(observed);
  for (const name of order) {
    const policy = targeted.has(name) ? options.recreate : options.recreateDependencies;
    decisions.set(name, decide(project, name, observed, decisions, policy ?? 'diverged', options, firstIds));
  }

  const ctx: EmitContext = {
    b,
    project,
    observed,
    graph,
    decisions,
    options,
    ready: new Map(),
    stops: new Map(),
    networkOps: new Map(),
    volumeOps: new Map(),
    reconnected: new Map(),
    starts: new Map(),
  };
  const used = usedResources(project, order);
  emitNetworks(ctx, used.networks);
  emitVolumes(ctx, used.volumes);
  const pending = new Map(order.map((name) => [name, emitService(ctx, name)]));
  emitOrphans(ctx);
  if (!options.noStart) {
    for (const name of order) emitStarts(ctx, name, pending.get(name)!);
    emitRestarts(ctx);
  }
  return b.plan;
}

// ---- selection and checks --------------------------------------------------------------------------

function selection(project: Project, graph: ServiceGraph, options: UpOptions) {
  const all = Object.keys(project.services);
  if (options.services === undefined || options.services.length === 0) {
    return { selected: new Set(all), targeted: new Set(all) };
  }
  for (const s of options.services) {
    if (!(s in project.services)) throw new ComposeError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${s}`);
  }
  const targeted = new Set(options.services);
  const selected = new Set(targeted);
  if (!options.noDeps) for (const s of targeted) for (const d of graph.ancestors(s)) selected.add(d);
  return { selected, targeted };
}

/** create.go checkExternalNetworks/Volumes: an external resource must exist. */
function checkExternals(project: Project, observed: ObservedState): void {
  for (const [key, cfg] of Object.entries(project.networks ?? {})) {
    if (cfg.external && !observed.networks[key]) {
      throw new RuntimeError(
        'RUNTIME_NOT_FOUND',
        `network ${networkName(project, key)} declared as external, but could not be found`,
        {
          location: { path: ['networks', key] },
          hint: `create it first: docker network create ${networkName(project, key)}`,
        },
      );
    }
  }
  for (const [key, cfg] of Object.entries(project.volumes ?? {})) {
    if (cfg.external && !observed.volumes[key]) {
      throw new RuntimeError('RUNTIME_NOT_FOUND', `external volume "${volumeName(project, key)}" not found`, {
        location: { path: ['volumes', key] },
        hint: `create it first: docker volume create ${volumeName(project, key)}`,
      });
    }
  }
}

/** Network and volume keys the selected services use, sorted. */
function usedResources(project: Project, services: string[]) {
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const name of services) {
    const s = project.services[name]!;
    for (const key of serviceNetworks(s)) networks.add(key);
    for (const key of serviceVolumes(project, s)) volumes.add(key);
  }
  return { networks: [...networks].sort(), volumes: [...volumes].sort() };
}

// ---- emission --------------------------------------------------------------------------------------

interface EmitContext {
  b: PlanBuilder;
  project: Project;
  observed: ObservedState;
  graph: ServiceGraph;
  decisions: Map<string, ServicePlan>;
  options: UpOptions;
  /** service → the operations after which each of its containers exists as desired. */
  ready: Map<string, string[]>;
  /** container id → the StopContainer operation already planned for it. */
  stops: Map<string, string>;
  /** network key → the CreateNetwork operation. */
  networkOps: Map<string, string>;
  /** volume key → the CreateVolume operation. */
  volumeOps: Map<string, string>;
  /** container id → the ConnectNetwork operations that reattach it (network recreated). */
  reconnected: Map<string, string[]>;
  /** service → its StartContainer operations planned so far. */
  starts: Map<string, string[]>;
}

function refOf(c: ObservedContainer, name = c.name): ContainerRef {
  return { service: c.service, number: c.number, name, id: c.id };
}

function resourceOf(c: ObservedContainer): string {
  return c.number > 0 ? containerResource(c.service, c.number) : `container:${c.name}`;
}

/** One StopContainer per container, shared by everything that needs it stopped. */
function stopOnce(
  ctx: EmitContext,
  c: ObservedContainer,
  cause: string,
  dependsOn: string[] = [],
  group?: string,
  resource = resourceOf(c),
) {
  const existing = ctx.stops.get(c.id);
  if (existing !== undefined) return existing;
  const id = ctx.b.add({
    type: 'StopContainer',
    resource,
    cause,
    dependsOn,
    container: refOf(c),
    ...(group !== undefined && { group }),
  });
  ctx.stops.set(c.id, id);
  return id;
}

function emitNetworks(ctx: EmitContext, keys: string[]): void {
  const { b, project, observed } = ctx;
  const created = ctx.networkOps;
  for (const key of keys) {
    const cfg = project.networks?.[key];
    if (cfg === undefined || cfg.external) continue;
    const name = networkName(project, key);
    const found = observed.networks[key];
    const resource = `network:${key}`;
    if (found === undefined) {
      created.set(
        key,
        b.add({
          type: 'CreateNetwork',
          resource,
          cause: '',
          network: { key, name },
          networkSpec: networkSpec(project, key),
        }),
      );
      continue;
    }
    if (!found.managed) {
      b.warn(
        `a network with name ${found.info.name} exists but was not created by compose for project "${project.name}"; ` +
          'using it as it is (set external: true to use an existing network)',
      );
      continue;
    }
    const label = found.info.labels[CONFIG_HASH_LABEL];
    // No hash (an older tool, or by hand): never recreated (§3.8).
    if (label === undefined || label === '' || label === networkHash(cfg)) continue;
    recreateNetwork(ctx, key, found.info.name, created);
  }
}

/** §3.8: stop and disconnect every attached container, remove, create, reconnect the same ones. */
function recreateNetwork(ctx: EmitContext, key: string, oldName: string, created: Map<string, string>): void {
  const { b, project, observed } = ctx;
  const name = networkName(project, key);
  const cause = `network ${key} config changed`;
  const attached = Object.values(observed.containers)
    .flat()
    .filter((c) => c.networks[oldName] !== undefined);
  const resource = `network:${key}`;
  const disconnects: string[] = [];
  for (const c of attached) {
    const deps = needsStop(c) ? [stopOnce(ctx, c, cause)] : [];
    disconnects.push(
      b.add({
        type: 'DisconnectNetwork',
        resource: resourceOf(c),
        qualifier: key,
        cause,
        dependsOn: deps,
        container: refOf(c),
        network: { key, name: oldName },
      }),
    );
  }
  const group = groupKey('Network', name, 'Recreate');
  const remove = b.add({
    type: 'RemoveNetwork',
    resource,
    cause: 'config hash changed',
    dependsOn: disconnects,
    network: { key, name: oldName },
    group,
    // A renamed network's old removal is best effort (a conflict is only a warning).
    ...(oldName !== name && { bestEffort: true }),
  });
  const create = b.add({
    type: 'CreateNetwork',
    resource,
    cause: 'config hash changed',
    dependsOn: [remove],
    network: { key, name },
    networkSpec: networkSpec(project, key),
    group,
  });
  created.set(key, create);
  // Only containers that stay get reconnected; recreated ones are created on the new network.
  for (const c of attached) {
    if (isReplaced(ctx, c)) continue;
    const id = b.add({
      type: 'ConnectNetwork',
      resource: resourceOf(c),
      qualifier: key,
      cause,
      dependsOn: [create],
      container: refOf(c),
      network: { key, name },
    });
    const list = ctx.reconnected.get(c.id) ?? [];
    list.push(id);
    ctx.reconnected.set(c.id, list);
  }
}

/** Whether this plan removes container `c` (recreate, scale down or orphan removal). */
function isReplaced(ctx: EmitContext, c: ObservedContainer): boolean {
  const d = ctx.decisions.get(c.service);
  if (d === undefined) return ctx.options.removeOrphans === true && isOrphan(ctx.project, c);
  if (d.scaleDown.includes(c)) return true;
  return d.slots.some((s) => s.current === c && s.recreate !== undefined);
}

function emitVolumes(ctx: EmitContext, keys: string[]): void {
  const { b, project, observed } = ctx;
  const created = ctx.volumeOps;
  for (const key of keys) {
    const cfg = project.volumes?.[key];
    if (cfg === undefined || cfg.external) continue;
    const name = volumeName(project, key);
    const found = observed.volumes[key];
    if (found === undefined) {
      created.set(
        key,
        b.add({
          type: 'CreateVolume',
          resource: `volume:${key}`,
          cause: '',
          volume: { key, name },
          volumeSpec: volumeSpec(project, key),
        }),
      );
      continue;
    }
    if (!found.managed) {
      b.warn(
        `volume "${found.info.name}" already exists but was not created by compose for project "${project.name}"; ` +
          'using it as it is (set external: true to use an existing volume)',
      );
      continue;
    }
    const label = found.info.labels[CONFIG_HASH_LABEL];
    if (label !== undefined && label !== '' && label !== volumeHash(cfg)) {
      b.warn(
        `volume "${found.info.name}" exists but doesn't match configuration in compose file; ` +
          'keeping it (recreating it would lose its data: remove it with `down -v` first)',
      );
    }
  }
}

/** A container the start phase starts: after `after`, once its dependencies are started. */
interface PendingStart {
  slot: Slot;
  after: string[];
  cause: string;
}

/** The create phase of one service: creates, recreates, scale down. Returns what to start. */
function emitService(ctx: EmitContext, name: string): PendingStart[] {
  const { b } = ctx;
  const d = ctx.decisions.get(name)!;
  const resourceDeps = [
    ...serviceNetworks(d.service).map((k) => ctx.networkOps.get(k)),
    ...serviceVolumes(ctx.project, d.service).map((k) => ctx.volumeOps.get(k)),
  ].filter((x): x is string => x !== undefined);
  const dependencies = [...ctx.graph.dependencies.get(name)!].sort();
  const depsReady = dependencies.flatMap((dep) => ctx.ready.get(dep) ?? []);

  // Dependents declared with `depends_on: {restart: true}` are stopped before the old container goes.
  const dependentStops = d.slots.some((s) => s.recreate !== undefined)
    ? stopRestartDependents(ctx, name)
    : [];

  const ready: string[] = [];
  const toStart: PendingStart[] = [];
  const renames: Array<{ slot: Slot; c: ObservedContainer; start?: PendingStart }> = [];
  for (const slot of d.slots) {
    const resource = containerResource(name, slot.number);
    const ref: ContainerRef = { service: name, number: slot.number, name: slot.name };
    const c = slot.current;
    if (c === undefined) {
      const create = b.add({
        type: 'CreateContainer',
        resource,
        // A new slot next to existing containers is a scale up; otherwise a plain create.
        cause: (ctx.observed.containers[name]?.length ?? 0) > 0 ? 'scale up' : '',
        dependsOn: [...resourceDeps, ...depsReady],
        container: ref,
      });
      ready.push(create);
      toStart.push({ slot, after: [create], cause: '' });
      continue;
    }
    if (slot.recreate !== undefined) {
      const cause = slot.recreate;
      const group = groupKey('Container', slot.name, 'Recreate');
      const tmpName = `${c.id.slice(0, 12)}_${slot.name}`;
      const create = b.add({
        type: 'CreateContainer',
        resource,
        cause,
        dependsOn: [...resourceDeps, ...depsReady],
        container: ref,
        tmpName,
        replaces: refOf(c),
        ...(!ctx.options.renewAnonVolumes && { inheritAnonymousVolumes: true }),
        group,
      });
      const stop = stopOnce(ctx, c, cause, [create, ...dependentStops], group);
      const remove = b.add({
        type: 'RemoveContainer',
        resource,
        cause,
        dependsOn: [stop, create],
        container: refOf(c),
        group,
      });
      const rename = b.add({
        type: 'RenameContainer',
        resource,
        cause,
        dependsOn: [remove],
        container: ref,
        tmpName,
        group,
      });
      ready.push(rename);
      toStart.push({ slot, after: [rename], cause: '' });
      continue;
    }
    // Kept as it is: started again when it is not running, or when this plan stops it.
    const stopped = ctx.stops.get(c.id);
    const reconnects = ctx.reconnected.get(c.id) ?? [];
    if (stopped !== undefined) {
      const stopOp = b.get(stopped)!;
      toStart.push({ slot, after: [stopped, ...reconnects], cause: stopOp.cause });
    } else if (!isUp(c)) {
      toStart.push({
        slot,
        after: reconnects,
        cause: c.state === 'paused' ? 'container paused' : `container ${c.state}`,
      });
    }
    if (reconnects.length > 0) ready.push(...reconnects);
    // Kept under another name: the `<id12>_<name>` of an interrupted recreate. Renamed below, once the
    // container holding the final name (if any) is gone.
    if (c.name !== slot.name) renames.push({ slot, c, start: toStart.find((p) => p.slot === slot) });
  }
  ctx.ready.set(name, ready);

  const keptNumbers = new Set(d.slots.map((s) => s.number));
  const removalByName = new Map<string, string>();
  for (const c of d.scaleDown) {
    // A duplicate of a kept number is its own resource (the kept container owns `container:<s>:<n>`).
    const resource = keptNumbers.has(c.number) ? `container:${c.name}` : resourceOf(c);
    const deps = needsStop(c) ? [stopOnce(ctx, c, 'scale down', [], undefined, resource)] : [];
    const removal = b.add({
      type: 'RemoveContainer',
      resource,
      cause: 'scale down',
      dependsOn: deps,
      container: refOf(c),
    });
    removalByName.set(c.name, removal);
  }

  for (const { slot, c, start } of renames) {
    const holder = removalByName.get(slot.name);
    const rename = b.add({
      type: 'RenameContainer',
      resource: containerResource(name, slot.number),
      cause: 'temporary name',
      dependsOn: holder === undefined ? [] : [holder],
      container: { service: name, number: slot.number, name: slot.name, id: c.id },
      tmpName: c.name,
    });
    ready.push(rename);
    if (start !== undefined) start.after.push(rename);
  }

  return toStart;
}

/**
 * The start phase of one service (start.go startService): each start waits for the starts of its
 * dependencies' containers, and carries the depends_on conditions the executor must see hold first.
 * Dependencies outside the plan (`--no-deps`) or scaled to 0 are not waited for
 * (shouldWaitForDependency).
 */
function emitStarts(ctx: EmitContext, name: string, pending: PendingStart[]): void {
  const d = ctx.decisions.get(name)!;
  const dependencies = [...ctx.graph.dependencies.get(name)!].sort();
  const depStarts = dependencies.flatMap((dep) => startOps(ctx, dep));
  const waitFor = Object.entries(d.service.depends_on ?? {})
    .filter(([dep]) => (ctx.decisions.get(dep)?.slots.length ?? 0) > 0)
    .map(([dep, cfg]) => ({
      service: dep,
      condition: cfg.condition ?? 'service_started',
      required: cfg.required,
    }))
    .sort((x, y) => (x.service < y.service ? -1 : x.service > y.service ? 1 : 0));
  const starts: string[] = [];
  ctx.starts.set(name, starts);
  for (const { slot, after, cause } of pending) {
    const kept = slot.current !== undefined && slot.recreate === undefined;
    const id = ctx.b.add({
      type: 'StartContainer',
      resource: containerResource(name, slot.number),
      cause,
      dependsOn: [...after, ...depStarts],
      container: {
        service: name,
        number: slot.number,
        name: slot.name,
        ...(kept && { id: slot.current!.id }),
      },
      ...(waitFor.length > 0 && { waitFor }),
    });
    starts.push(id);
  }
}

/** Start operations already planned for a service's containers. */
function startOps(ctx: EmitContext, service: string): string[] {
  return ctx.starts.get(service) ?? [];
}

/** Stops running containers of services that depend on `name` with `restart: true` and stay. */
function stopRestartDependents(ctx: EmitContext, name: string): string[] {
  const out: string[] = [];
  for (const [dep, svc] of Object.entries(ctx.project.services).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (svc.depends_on?.[name]?.restart !== true) continue;
    for (const c of ctx.observed.containers[dep] ?? []) {
      if (!needsStop(c) || isReplaced(ctx, c)) continue;
      out.push(stopOnce(ctx, c, `dependency ${name} recreated`));
    }
  }
  return out;
}

function emitOrphans(ctx: EmitContext): void {
  const { b, project, observed, options } = ctx;
  const orphans = findOrphans(project, observed);
  b.plan.orphans = orphans.map((c) => c.name);
  if (!options.removeOrphans) return;
  for (const c of orphans) {
    const deps = needsStop(c) ? [stopOnce(ctx, c, 'orphan')] : [];
    b.add({
      type: 'RemoveContainer',
      resource: resourceOf(c),
      cause: 'orphan',
      dependsOn: deps,
      container: refOf(c),
    });
  }
}

/**
 * Containers of services outside the selection that this plan stopped (their network was recreated, or
 * a dependency with `restart: true` was): started again, so the plan leaves them as it found them.
 */
function emitRestarts(ctx: EmitContext): void {
  // Dependency order, so a restarted dependent waits for its restarted dependency; orphans last.
  const known = ctx.graph.topologicalOrder();
  const others = Object.keys(ctx.observed.containers).filter((s) => !ctx.graph.dependencies.has(s));
  for (const service of [...known, ...others]) {
    if (ctx.decisions.has(service)) continue;
    const starts: string[] = [];
    ctx.starts.set(service, starts);
    for (const c of ctx.observed.containers[service] ?? []) {
      const stopped = ctx.stops.get(c.id);
      if (stopped === undefined || isReplaced(ctx, c)) continue;
      const stopOp = ctx.b.get(stopped)!;
      const id = ctx.b.add({
        type: 'StartContainer',
        resource: resourceOf(c),
        cause: stopOp.cause,
        dependsOn: [
          stopped,
          ...(ctx.reconnected.get(c.id) ?? []),
          ...[...(ctx.graph.dependencies.get(service) ?? [])].flatMap((dep) => startOps(ctx, dep)),
        ],
        container: refOf(c),
      });
      starts.push(id);
    }
  }
}
