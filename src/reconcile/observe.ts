/**
 * What exists now, for one project (docker/compose v5 observed_state.go collectObservedState,
 * create.go checkExternalNetworks/Volumes; compose-behaviour.md §3.8): exactly one list call per kind
 * — containers (all, running or not), networks and volumes, each by the project label, in parallel —
 * then a lookup by name only for declared resources the label lists did not find: external ones (they
 * must exist) and non-external ones an earlier tool may have created without labels (adopted).
 *
 * The result is plain data, keyed the way the planner asks: containers by service and number,
 * one-offs apart, networks and volumes by their compose key.
 */
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  NETWORK_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
  VOLUME_LABEL,
} from '../api/labels.js';
import type { NetworkConfig, VolumeConfig } from '../compose/model.js';
import type { ContainerInfo, NetworkInfo, Runtime, VolumeInfo } from '../runtime/runtime.js';

export interface ObservedContainer extends ContainerInfo {
  service: string;
  /** The container-number label; 0 when absent or not a number. */
  number: number;
}

/** Running as far as a plan is concerned: nothing to start. */
export const isUp = (c: ContainerInfo) => c.state === 'running' || c.state === 'restarting';

/** A process to stop before the container is removed or disconnected. */
export const needsStop = (c: ContainerInfo) =>
  c.state === 'running' || c.state === 'restarting' || c.state === 'paused';

export interface ObservedNetwork {
  key: string;
  info: NetworkInfo;
  /** Carries this project's labels (false: adopted by name, or external). */
  managed: boolean;
}

export interface ObservedVolume {
  key: string;
  info: VolumeInfo;
  managed: boolean;
}

export interface ObservedState {
  project: string;
  /** Service containers by service, sorted by container number (then name). */
  containers: Record<string, ObservedContainer[]>;
  /** `run` containers (oneoff label `True`). */
  oneOffs: ObservedContainer[];
  /** By compose key. A declared network that was not found is absent. */
  networks: Record<string, ObservedNetwork>;
  volumes: Record<string, ObservedVolume>;
  /** Labelled networks/volumes that lost to another match for the same key; left untouched. */
  warnings: string[];
}

/** The declared resources to look for besides the labelled ones (a Project fits). */
export interface Declared {
  name?: string;
  networks?: Record<string, NetworkConfig>;
  volumes?: Record<string, VolumeConfig>;
}

export async function observe(
  runtime: Runtime,
  projectName: string,
  declared: Declared = {},
): Promise<ObservedState> {
  const byProject = { labels: { [PROJECT_LABEL]: projectName } };
  const [containers, networks, volumes] = await Promise.all([
    // Only containers with a config hash, like Compose's default filters: hook containers have none.
    runtime.listContainers({ labels: { ...byProject.labels, [CONFIG_HASH_LABEL]: true }, all: true }),
    runtime.listNetworks(byProject),
    runtime.listVolumes(byProject),
  ]);
  const state: ObservedState = {
    project: projectName,
    containers: {},
    oneOffs: [],
    networks: {},
    volumes: {},
    warnings: [],
  };
  groupContainers(state, containers);

  const nameOf = (kind: 'networks' | 'volumes', key: string) =>
    declared[kind]?.[key]?.name ?? (declared[kind]?.[key]?.external ? key : `${projectName}_${key}`);

  const labelledNetworks = pickByKey(networks, NETWORK_LABEL, (k) => nameOf('networks', k), 'network', state);
  const labelledVolumes = pickByKey(volumes, VOLUME_LABEL, (k) => nameOf('volumes', k), 'volume', state);

  // Lookups by name, all in parallel: externals always (their labels are not ours), others only when
  // the label list had no match.
  const networkLookups = Object.entries(declared.networks ?? {}).map(async ([key, cfg]) => {
    const found = cfg.external ? undefined : labelledNetworks.get(key);
    if (found) return void (state.networks[key] = { key, info: found, managed: true });
    const info = await runtime.inspectNetwork(nameOf('networks', key));
    if (info)
      state.networks[key] = { key, info, managed: isManaged(info.labels, projectName, NETWORK_LABEL, key) };
  });
  const volumeLookups = Object.entries(declared.volumes ?? {}).map(async ([key, cfg]) => {
    const found = cfg.external ? undefined : labelledVolumes.get(key);
    if (found) return void (state.volumes[key] = { key, info: found, managed: true });
    const info = await runtime.inspectVolume(nameOf('volumes', key));
    if (info)
      state.volumes[key] = { key, info, managed: isManaged(info.labels, projectName, VOLUME_LABEL, key) };
  });
  await Promise.all([...networkLookups, ...volumeLookups]);

  // Labelled resources of keys the model no longer declares: `down` (from labels alone) removes them.
  // (A key now declared external is not one of these: only the external resource itself counts.)
  for (const [key, info] of labelledNetworks) {
    if (!declared.networks?.[key]?.external) state.networks[key] ??= { key, info, managed: true };
  }
  for (const [key, info] of labelledVolumes) {
    if (!declared.volumes?.[key]?.external) state.volumes[key] ??= { key, info, managed: true };
  }
  state.networks = sortKeys(state.networks);
  state.volumes = sortKeys(state.volumes);
  return state;
}

function isManaged(labels: Record<string, string>, project: string, keyLabel: string, key: string): boolean {
  return labels[PROJECT_LABEL] === project && labels[keyLabel] === key;
}

function groupContainers(state: ObservedState, containers: ContainerInfo[]): void {
  const byService: Record<string, ObservedContainer[]> = {};
  for (const c of containers) {
    const service = c.labels[SERVICE_LABEL] ?? '';
    const n = Number.parseInt(c.labels[CONTAINER_NUMBER_LABEL] ?? '', 10);
    const oc: ObservedContainer = { ...c, service, number: Number.isFinite(n) ? n : 0 };
    if (c.labels[ONEOFF_LABEL] === ONEOFF_TRUE) state.oneOffs.push(oc);
    else (byService[service] ??= []).push(oc);
  }
  for (const list of Object.values(byService))
    list.sort((a, b) => a.number - b.number || compare(a.name, b.name));
  state.containers = sortKeys(byService);
  state.oneOffs.sort((a, b) => compare(a.name, b.name));
}

/**
 * One resource per compose key: the one whose name is the expected one, else the lexicographically
 * smallest name; the others are reported and left alone (observed_state.go).
 */
function pickByKey<T extends { name: string; labels: Record<string, string> }>(
  items: T[],
  keyLabel: string,
  expectedName: (key: string) => string,
  kind: string,
  state: ObservedState,
): Map<string, T> {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const key = item.labels[keyLabel];
    if (key === undefined) continue;
    const list = byKey.get(key);
    if (list) list.push(item);
    else byKey.set(key, [item]);
  }
  const out = new Map<string, T>();
  for (const [key, list] of [...byKey].sort(([a], [b]) => compare(a, b))) {
    list.sort((a, b) => compare(a.name, b.name));
    const chosen = list.find((i) => i.name === expectedName(key)) ?? list[0]!;
    out.set(key, chosen);
    for (const other of list) {
      if (other !== chosen) {
        state.warnings.push(
          `${kind} ${other.name} also has ${keyLabel}=${key}; using ${chosen.name}, leaving it untouched`,
        );
      }
    }
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}
