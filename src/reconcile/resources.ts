/**
 * Top-level networks and volumes as the engine sees them: engine names, the config hash stored in
 * their `com.docker.compose.config-hash` label, and the create specs (docker/compose
 * pkg/compose/hash.go NetworkHash/VolumeHash, create.go ensureNetwork/ensureVolume).
 *
 * Compose hashes Go's JSON of the network (name included, so a rename diverges) and of the volume with
 * its driver defaulted to `local`. berth uses its own canonical JSON (reconcile/hash.ts) for the same
 * reason as for services: the hash must not change when berth is upgraded.
 */
import { createHash } from 'node:crypto';
import {
  COMPOSE_VERSION,
  CONFIG_HASH_LABEL,
  NETWORK_LABEL,
  PROJECT_LABEL,
  VERSION_LABEL,
  VOLUME_LABEL,
} from '../api/labels.js';
import type { NetworkConfig, Project, VolumeConfig } from '../compose/model.js';
import type { NetworkSpec, VolumeSpec } from '../runtime/runtime.js';
import { canonicalJson } from './hash.js';

/** Engine name of a network: `name:` (set by normalization), else `<project>_<key>`. */
export function networkName(project: Pick<Project, 'name' | 'networks'>, key: string): string {
  return project.networks?.[key]?.name ?? `${project.name}_${key}`;
}

/** Engine name of a volume: `name:` (set by normalization), else `<project>_<key>`. */
export function volumeName(project: Pick<Project, 'name' | 'volumes'>, key: string): string {
  return project.volumes?.[key]?.name ?? `${project.name}_${key}`;
}

function sha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/** The hash of a network's config; any change (rename included) means the network diverged. */
export function networkHash(config: NetworkConfig): string {
  return sha256(config);
}

/** The hash of a volume's config, driver defaulted to `local` so `driver: local` is no change. */
export function volumeHash(config: VolumeConfig): string {
  return sha256({ ...config, driver: config.driver ?? 'local' });
}

/** The spec to create network `key` (not external). Compose labels win over user labels. */
export function networkSpec(project: Project, key: string): NetworkSpec {
  const config = project.networks?.[key] ?? { ipam: {} };
  const ipam = config.ipam ?? {};
  const spec: NetworkSpec = {
    name: networkName(project, key),
    labels: {
      ...config.labels,
      [PROJECT_LABEL]: project.name,
      [NETWORK_LABEL]: key,
      [VERSION_LABEL]: COMPOSE_VERSION,
      [CONFIG_HASH_LABEL]: networkHash(config),
    },
  };
  if (config.driver !== undefined) spec.driver = config.driver;
  if (config.driver_opts !== undefined) spec.driverOpts = { ...config.driver_opts };
  if (config.internal !== undefined) spec.internal = config.internal;
  if (config.attachable !== undefined) spec.attachable = config.attachable;
  if (config.enable_ipv6 !== undefined) spec.enableIPv6 = config.enable_ipv6;
  if (ipam.driver !== undefined || ipam.config !== undefined || ipam.options !== undefined) {
    spec.ipam = {};
    if (ipam.driver !== undefined) spec.ipam.driver = ipam.driver;
    if (ipam.options !== undefined) spec.ipam.options = { ...ipam.options };
    if (ipam.config !== undefined) {
      spec.ipam.config = ipam.config
        .filter((p) => p !== null)
        .map((p) => ({
          ...(p.subnet !== undefined && { subnet: p.subnet }),
          ...(p.ip_range !== undefined && { ipRange: p.ip_range }),
          ...(p.gateway !== undefined && { gateway: p.gateway }),
          ...(p.aux_addresses !== undefined && { auxAddresses: { ...p.aux_addresses } }),
        }));
    }
  }
  return spec;
}

/** The spec to create volume `key` (not external). Compose labels win over user labels. */
export function volumeSpec(project: Project, key: string): VolumeSpec {
  const config = project.volumes?.[key] ?? {};
  const spec: VolumeSpec = {
    name: volumeName(project, key),
    labels: {
      ...config.labels,
      [PROJECT_LABEL]: project.name,
      [VOLUME_LABEL]: key,
      [VERSION_LABEL]: COMPOSE_VERSION,
      [CONFIG_HASH_LABEL]: volumeHash(config),
    },
  };
  if (config.driver !== undefined) spec.driver = config.driver;
  if (config.driver_opts !== undefined) spec.driverOpts = { ...config.driver_opts };
  return spec;
}
