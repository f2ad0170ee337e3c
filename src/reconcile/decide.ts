/**
 * Per-service decisions of `up` (docker/compose v5 reconcile.go mustRecreate, convergence.go
 * ensureService/nextContainerNumber; compose-behaviour.md §3.4–3.6): the desired scale, which
 * containers are kept (the lowest-numbered up-to-date ones), which go on scale down (obsolete ones
 * first), which numbers are new (max+1), and why a kept container is recreated — forced, a namespace
 * parent replaced, config hash, image, networks or named-volume mounts diverged. Pure.
 */
import { ComposeError } from '../api/errors.js';
import { CONFIG_HASH_LABEL, IMAGE_LABEL } from '../api/labels.js';
import type { Project, ServiceConfig } from '../compose/model.js';
import { isUp, type ObservedContainer, type ObservedState } from './observe.js';
import { parentServices, serviceHash } from './refs.js';
import { networkName, volumeName } from './resources.js';

export type RecreatePolicy = 'diverged' | 'force' | 'never';

/** The part of UpOptions the decisions read. */
export interface DecideOptions {
  /** `--scale S=N`. */
  scale?: Record<string, number>;
  /** service → id of the local image it would run now; a container labelled with another is recreated. */
  imageIds?: Record<string, string>;
}

/** Desired replicas: `--scale`, `scale`, `deploy.replicas`, else 1 (compose-go GetScale). */
export function desiredScale(name: string, service: ServiceConfig, scale?: Record<string, number>): number {
  return scale?.[name] ?? service.scale ?? service.deploy?.replicas ?? 1;
}

/** `container_name`, else `<project>-<service>-<n>`. */
export function containerName(project: string, name: string, service: ServiceConfig, number: number): string {
  return service.container_name ?? `${project}-${name}-${number}`;
}

/** What happens to one container slot of a service. */
export interface Slot {
  number: number;
  name: string;
  /** The container there now. */
  current?: ObservedContainer;
  /** Why it is recreated (undefined: kept as it is, or created when there is no current one). */
  recreate?: string;
}

export interface ServicePlan {
  name: string;
  service: ServiceConfig;
  slots: Slot[];
  scaleDown: ObservedContainer[];
  /** The container `service:x` references point at (the lowest number) gets a new id. */
  firstReplaced: boolean;
}

/** Keys of the networks a service joins (none when it uses network_mode). */
export function serviceNetworks(s: ServiceConfig): string[] {
  return s.network_mode !== undefined || s.net !== undefined ? [] : Object.keys(s.networks ?? {});
}

/** Keys of the top-level volumes a service mounts. */
export function serviceVolumes(project: Project, s: ServiceConfig): string[] {
  return (s.volumes ?? [])
    .filter((v) => v.type === 'volume' && v.source !== undefined && project.volumes?.[v.source] !== undefined)
    .map((v) => v.source!);
}

/**
 * What becomes of `name`'s containers: which are kept (and why some are recreated), which go on scale
 * down, which numbers are new. `decided` holds the services decided before (its dependencies).
 */
export function decide(
  project: Project,
  name: string,
  observed: ObservedState,
  decided: ReadonlyMap<string, ServicePlan>,
  policy: RecreatePolicy,
  options: DecideOptions,
  /** {@link firstContainerIds} of `observed`, when the caller decides many services (O(n), not O(n²)). */
  firstIds: Readonly<Record<string, string>> = firstContainerIds(observed),
): ServicePlan {
  const service = project.services[name]!;
  const desired = desiredScale(name, service, options.scale);
  if (service.container_name !== undefined && desired > 1) {
    throw new ComposeError(
      'COMPOSE_INVALID',
      `services.${name}: container_name "${service.container_name}" cannot be used with scale ${desired}`,
      { location: { path: ['services', name, 'container_name'], service: name } },
    );
  }
  const existing = observed.containers[name] ?? [];
  // One hash per service, not per container (docker/compose#13878).
  const expectedHash = serviceHash(service, firstIds);
  const reasons = new Map<ObservedContainer, string | undefined>();
  for (const c of existing) {
    reasons.set(c, mustRecreate(project, name, service, c, decided, expectedHash, policy, options));
  }

  // Up-to-date first, then obsolete, each by number: the lowest-numbered up-to-date ones are kept and
  // obsolete ones go first on scale down (convergence.go ensureService).
  // Two containers with one number: a recreate interrupted between creating `<id12>_<name>` and
  // removing the old one (kill -9, a crash). One number keeps one container — up to date first, then
  // the one that has the final name — and the others go as on scale down.
  const finalName = (c: ObservedContainer) => c.name === containerName(project.name, name, service, c.number);
  const byNumber = new Map<number, ObservedContainer>();
  const duplicates: ObservedContainer[] = [];
  for (const c of existing) {
    const held = byNumber.get(c.number);
    if (held === undefined) {
      byNumber.set(c.number, c);
      continue;
    }
    const better =
      Number(reasons.get(c) !== undefined) - Number(reasons.get(held) !== undefined) ||
      Number(!finalName(c)) - Number(!finalName(held));
    if (better < 0) {
      byNumber.set(c.number, c);
      duplicates.push(held);
    } else duplicates.push(c);
  }
  const ranked = [...byNumber.values()].sort(
    (a, b) =>
      Number(reasons.get(a) !== undefined) - Number(reasons.get(b) !== undefined) || a.number - b.number,
  );
  const kept = ranked.slice(0, desired).sort((a, b) => a.number - b.number);
  const scaleDown = [...ranked.slice(desired), ...duplicates].sort(
    (a, b) => a.number - b.number || compareNames(a.name, b.name),
  );

  const slots: Slot[] = kept.map((c) => ({
    number: c.number,
    name: containerName(project.name, name, service, c.number),
    current: c,
    recreate: reasons.get(c),
  }));
  let next = Math.max(0, ...existing.map((c) => c.number)) + 1;
  while (slots.length < desired) {
    slots.push({ number: next, name: containerName(project.name, name, service, next) });
    next++;
  }
  // Children point at the lowest-numbered container: it is "replaced" when it is new, recreated, or
  // another one than today's (today's first was obsolete and scaled away).
  const first = slots[0];
  const firstReplaced =
    first !== undefined &&
    (first.current === undefined || first.recreate !== undefined || first.current.id !== existing[0]?.id);
  return { name, service, slots, scaleDown, firstReplaced };
}

/** service → id of its lowest-numbered container, as observed. */
export function firstContainerIds(observed: ObservedState): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [service, list] of Object.entries(observed.containers)) if (list[0]) ids[service] = list[0].id;
  return ids;
}

/** reconcile.go mustRecreate: why container `c` must be replaced, or undefined. */
function mustRecreate(
  project: Project,
  name: string,
  service: ServiceConfig,
  c: ObservedContainer,
  decided: ReadonlyMap<string, ServicePlan>,
  expectedHash: string,
  policy: RecreatePolicy,
  options: DecideOptions,
): string | undefined {
  if (policy === 'never') return undefined;
  if (policy === 'force') return 'forced';
  for (const parent of parentServices(service)) {
    if (decided.get(parent)?.firstReplaced) return 'namespace parent recreated';
  }
  if (c.labels[CONFIG_HASH_LABEL] !== expectedHash) return 'config hash changed';
  const image = options.imageIds?.[name];
  const labelled = c.labels[IMAGE_LABEL];
  if (image !== undefined && labelled !== undefined && labelled !== image) return 'image changed';
  if (isUp(c)) {
    const expected = serviceNetworks(service).map((k) => networkName(project, k));
    if (expected.some((n) => c.networks[n] === undefined)) return 'networks changed';
  }
  if (c.volumes !== undefined) {
    for (const v of service.volumes ?? []) {
      if (v.type !== 'volume' || v.source === undefined || project.volumes?.[v.source] === undefined)
        continue;
      if (c.volumes[v.target ?? ''] !== volumeName(project, v.source)) return 'volume mounts changed';
    }
  }
  return undefined;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
