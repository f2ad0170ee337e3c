/**
 * Planner test fixtures: projects loaded from inline YAML through the real loader, and the engine state
 * a correct `up` of a project leaves behind (built with the same spec/resource functions the executor
 * uses, so "everything matches" is what the planner really compares against).
 */
import { loadModel } from '../../../src/compose/load.js';
import type { Project } from '../../../src/compose/model.js';
import { buildGraph } from '../../../src/graph/graph.js';
import { containerName, desiredScale } from '../../../src/reconcile/reconcile.js';
import { networkSpec, volumeSpec } from '../../../src/reconcile/resources.js';
import { serviceToContainerSpec } from '../../../src/reconcile/spec.js';
import type { ContainerInfo, ContainerState, NetworkInfo, VolumeInfo } from '../../../src/runtime/runtime.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

export function project(yaml: string, name = 'demo'): Project {
  return loadModel(
    {
      workingDir: '/srv/demo',
      configFiles: [{ filename: '/srv/demo/compose.yaml', content: yaml }],
      environment: {},
    },
    { projectName: { name, imperative: true } },
  );
}

/** A readable fake id; its first 12 characters name the container in recreate temp names. */
export const fakeId = (service: string, n: number) => `${service}-${n}-`.padEnd(64, '0');

export interface ApplyOptions {
  /** Per service, the container numbers present (default 1..scale). */
  numbers?: Record<string, number[]>;
  state?: ContainerState;
}

/** The engine objects left by a successful `up` of `p`. */
export function appliedState(p: Project, options: ApplyOptions = {}) {
  const networks: NetworkInfo[] = Object.keys(p.networks ?? {})
    .filter((k) => !p.networks![k]!.external)
    .map((k) => {
      const spec = networkSpec(p, k);
      return {
        id: `net-${k}`,
        name: spec.name,
        driver: spec.driver ?? 'bridge',
        labels: spec.labels,
        internal: false,
      };
    });
  const volumes: VolumeInfo[] = Object.keys(p.volumes ?? {})
    .filter((k) => !p.volumes![k]!.external)
    .map((k) => {
      const spec = volumeSpec(p, k);
      return { name: spec.name, driver: spec.driver ?? 'local', labels: spec.labels };
    });
  const containers: ContainerInfo[] = [];
  const first: Record<string, string> = {};
  for (const service of buildGraph(p.services).topologicalOrder()) {
    const s = p.services[service]!;
    const numbers =
      options.numbers?.[service] ?? Array.from({ length: desiredScale(service, s) }, (_, i) => i + 1);
    for (const n of numbers) {
      const id = fakeId(service, n);
      first[service] ??= id;
      const spec = serviceToContainerSpec(p, service, {
        number: n,
        name: containerName(p.name, service, s, n),
        parentContainers: first,
      });
      containers.push(
        containerInfo(id, spec.name, spec.image, spec.labels, spec.networks, spec.mounts, options.state),
      );
    }
  }
  return { containers, networks, volumes };
}

function containerInfo(
  id: string,
  name: string,
  image: string,
  labels: Record<string, string>,
  networks: Record<string, unknown>,
  mounts: Array<{ type: string; source?: string; target: string }>,
  state: ContainerState = 'running',
): ContainerInfo {
  const volumes: Record<string, string> = {};
  for (const m of mounts) if (m.type === 'volume' && m.source) volumes[m.target] = m.source;
  return {
    id,
    name,
    image,
    labels,
    state,
    status: state === 'running' ? 'Up 1 minute' : 'Exited (0) 1 minute ago',
    created: '2026-11-23T12:00:00Z',
    ports: [],
    networks: Object.fromEntries(Object.keys(networks).map((n) => [n, { networkId: `net-${n}` }])),
    volumes,
  };
}

export function runtimeFor(p: Project, options?: ApplyOptions): FakeRuntime {
  return new FakeRuntime(appliedState(p, options));
}
