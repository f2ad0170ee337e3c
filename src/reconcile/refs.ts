/**
 * References from one service to another service's container (docker/compose convergence.go
 * resolveServiceReferences, hash.go serviceHashWithResolvedRefs; compose-behaviour.md §3.3):
 * `network_mode`/`ipc`/`pid: service:x` become `container:<id>` and `volumes_from: x` becomes
 * `container:<id>`, both for the engine and *before hashing*, so a recreated parent (new id) changes
 * the child's hash and the child is recreated with it.
 */
import type { ServiceConfig } from '../compose/model.js';
import { configHash } from './hash.js';

const SERVICE_PREFIX = 'service:';
const CONTAINER_PREFIX = 'container:';

/** `service:x` → `x`; anything else → undefined. */
export function serviceReference(value: string | undefined): string | undefined {
  return value?.startsWith(SERVICE_PREFIX) ? value.slice(SERVICE_PREFIX.length) : undefined;
}

/** The services whose containers `service` shares a namespace or volumes with. */
export function parentServices(service: ServiceConfig): string[] {
  const out = new Set<string>();
  for (const v of [service.network_mode, service.ipc, service.pid]) {
    const ref = serviceReference(v);
    if (ref !== undefined) out.add(ref);
  }
  for (const vf of service.volumes_from ?? []) {
    if (!vf.startsWith(CONTAINER_PREFIX)) out.add(vf.split(':')[0]!);
  }
  return [...out].sort();
}

/**
 * `service` with its references to other services' containers replaced by `container:<id>`, using
 * `containerIds` (service → id of its first container). A reference without a known id is left as it
 * is: the hash then simply differs from any hash computed once the parent exists.
 */
export function resolveServiceReferences(
  service: ServiceConfig,
  containerIds: Readonly<Record<string, string>>,
): ServiceConfig {
  const resolve = (v: string | undefined): string | undefined => {
    const ref = serviceReference(v);
    const id = ref === undefined ? undefined : containerIds[ref];
    return id === undefined ? v : `${CONTAINER_PREFIX}${id}`;
  };
  const out: ServiceConfig = { ...service };
  if (service.network_mode !== undefined) out.network_mode = resolve(service.network_mode);
  if (service.ipc !== undefined) out.ipc = resolve(service.ipc);
  if (service.pid !== undefined) out.pid = resolve(service.pid);
  if (service.volumes_from !== undefined) {
    out.volumes_from = service.volumes_from.map((vf) => {
      if (vf.startsWith(CONTAINER_PREFIX)) return vf;
      const [name, mode] = vf.split(':');
      const id = containerIds[name!];
      if (id === undefined) return vf;
      return mode === undefined ? `${CONTAINER_PREFIX}${id}` : `${CONTAINER_PREFIX}${id}:${mode}`;
    });
  }
  return out;
}

/** The config hash a container of `service` carries, given its parents' container ids. */
export function serviceHash(service: ServiceConfig, containerIds: Readonly<Record<string, string>>): string {
  return configHash(resolveServiceReferences(service, containerIds));
}
