/**
 * `down`'s planner, pure (docker/compose pkg/compose/down.go; compose-behaviour.md §3.12): containers
 * are stopped and removed in reverse dependency order (a service goes once everything depending on it
 * is gone), then the project's networks (never external ones; a network still in use is only a
 * warning) and, with `volumes`, its volumes (never external ones). Works from a loaded Project or from
 * the project name alone, the dependency order then coming from the containers' depends_on labels.
 */
import { DEPENDENCIES_LABEL } from '../api/labels.js';
import type { Project } from '../compose/model.js';
import { buildGraph, type GraphService } from '../graph/graph.js';
import { needsStop, type ObservedContainer, type ObservedState } from './observe.js';
import { isOrphan } from './orphans.js';
import { containerResource, type Plan, PlanBuilder } from './plan.js';

export interface DownOptions {
  /** `-v`: remove named volumes and the containers' anonymous volumes. */
  volumes?: boolean;
  /** `--remove-orphans`: also containers of unknown services and one-off containers. */
  removeOrphans?: boolean;
  /** Only these services and the services that depend on them; networks and volumes are kept. */
  services?: string[];
}

export function planDown(
  project: Project | string,
  observed: ObservedState,
  options: DownOptions = {},
): Plan {
  const model = typeof project === 'string' ? undefined : project;
  const b = new PlanBuilder(typeof project === 'string' ? project : project.name);
  for (const w of observed.warnings) b.warn(w);

  const known = (c: ObservedContainer) => model === undefined || !isOrphan(model, c);
  const containers = Object.values(observed.containers).flat();
  const graph = buildGraph(serviceGraphInput(model, containers));

  let targets = new Set(graph.names);
  if (options.services !== undefined && options.services.length > 0) {
    targets = new Set(options.services);
    for (const s of options.services) for (const d of graph.descendants(s)) targets.add(d);
  }

  // Reverse dependency order: dependents first. A service's stops wait for its dependents' removals.
  const removed = new Map<string, string[]>();
  const allRemovals: string[] = [];
  for (const service of graph.topologicalOrder().reverse()) {
    if (!targets.has(service)) continue;
    const after = [...graph.dependents.get(service)!].sort().flatMap((d) => removed.get(d) ?? []);
    const ids: string[] = [];
    for (const c of observed.containers[service] ?? []) {
      if (!known(c)) continue;
      ids.push(stopAndRemove(b, c, '', after, options.volumes === true));
    }
    removed.set(service, ids);
    allRemovals.push(...ids);
  }

  const orphans = [
    ...containers.filter((c) => !known(c)),
    ...(options.removeOrphans
      ? observed.oneOffs
      : observed.oneOffs.filter((c) => c.state === 'exited' || c.state === 'dead')),
  ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  b.plan.orphans = orphans.map((c) => c.name);
  if (options.removeOrphans) {
    for (const c of orphans) allRemovals.push(stopAndRemove(b, c, 'orphan', [], options.volumes === true));
  }

  if (options.services === undefined || options.services.length === 0) {
    for (const [key, n] of Object.entries(observed.networks)) {
      if (!n.managed || (model !== undefined && !isDeclared(model.networks, key))) continue;
      b.add({
        type: 'RemoveNetwork',
        resource: `network:${key}`,
        cause: '',
        dependsOn: allRemovals,
        network: { key, name: n.info.name },
        // Containers outside the plan (orphans kept) may still use it: a warning, not a failure.
        bestEffort: true,
      });
    }
    if (options.volumes) {
      for (const [key, v] of Object.entries(observed.volumes)) {
        if (!v.managed || (model !== undefined && !isDeclared(model.volumes, key))) continue;
        b.add({
          type: 'RemoveVolume',
          resource: `volume:${key}`,
          cause: '',
          dependsOn: allRemovals,
          volume: { key, name: v.info.name },
        });
      }
    }
  }
  if (b.plan.operations.length === 0) b.warn(`No resource found to remove for project "${b.plan.project}".`);
  return b.plan;
}

/** Declared and not external: berth's to remove. */
function isDeclared(resources: Record<string, { external?: boolean }> | undefined, key: string): boolean {
  const cfg = resources?.[key];
  return cfg !== undefined && cfg.external !== true;
}

function stopAndRemove(
  b: PlanBuilder,
  c: ObservedContainer,
  cause: string,
  after: string[],
  volumes: boolean,
): string {
  const resource = c.number > 0 ? containerResource(c.service, c.number) : `container:${c.name}`;
  const container = { service: c.service, number: c.number, name: c.name, id: c.id };
  // Always a stop before the remove, even with -t 0: dockerd 20.10 force-removing many running
  // containers at once can leave stale endpoints on their network, which then refuses removal
  // ("has active endpoints") until dockerd restarts. Seen with `down -t 0` of 100 containers.
  const deps = needsStop(c)
    ? [b.add({ type: 'StopContainer', resource, cause, dependsOn: after, container })]
    : after;
  return b.add({
    type: 'RemoveContainer',
    resource,
    cause,
    dependsOn: deps,
    container,
    ...(volumes && { removeVolumes: true }),
  });
}

/**
 * The services to order: the model's (enabled and disabled: `down` removes both), or, from labels
 * alone, one per service label with the edges of its `depends_on` label (`db:service_healthy:true`).
 */
function serviceGraphInput(
  model: Project | undefined,
  containers: ObservedContainer[],
): Record<string, GraphService> {
  if (model !== undefined) return { ...(model.disabledServices ?? {}), ...model.services };
  const out: Record<string, GraphService> = {};
  for (const c of containers) {
    const deps = (c.labels[DEPENDENCIES_LABEL] ?? '')
      .split(',')
      .filter((e) => e !== '')
      .map((e) => e.split(':')[0]!);
    const entry = (out[c.service] ??= { depends_on: {} });
    for (const d of deps) entry.depends_on![d] = {};
  }
  return out;
}
