/**
 * An in-memory Runtime for planner unit tests only: the list and inspect calls answer from arrays the
 * test fills in; every other call throws (nothing here runs a container). It records each call so a
 * test can assert how many round trips `observe` made.
 */
import type {
  ContainerInfo,
  ListFilter,
  NetworkInfo,
  Runtime,
  VolumeInfo,
} from '../../src/runtime/runtime.js';

export interface FakeState {
  containers?: ContainerInfo[];
  networks?: NetworkInfo[];
  volumes?: VolumeInfo[];
}

function matches(labels: Record<string, string>, name: string, filter?: ListFilter): boolean {
  for (const [k, v] of Object.entries(filter?.labels ?? {})) {
    if (!(k in labels)) return false;
    if (v !== true && labels[k] !== v) return false;
  }
  return filter?.names === undefined || filter.names.includes(name);
}

const unsupported = (call: string) => () => {
  throw new Error(`fake runtime: ${call} is not supported (planner tests only list and inspect)`);
};

export class FakeRuntime implements Runtime {
  readonly address = 'fake://';

  containers: ContainerInfo[];
  networks: NetworkInfo[];
  volumes: VolumeInfo[];
  /** Every call made, in order: `listContainers`, `inspectNetwork:<name>`… */
  readonly calls: string[] = [];

  constructor(state: FakeState = {}) {
    this.containers = state.containers ?? [];
    this.networks = state.networks ?? [];
    this.volumes = state.volumes ?? [];
  }

  async info() {
    this.calls.push('info');
    return { runtime: 'fake', endpoint: 'memory://', serverVersion: '0', os: 'linux', arch: 'amd64' };
  }

  async listContainers(filter?: ListFilter & { all?: boolean }): Promise<ContainerInfo[]> {
    this.calls.push('listContainers');
    return this.containers
      .filter((c) => matches(c.labels, c.name, filter))
      .filter((c) => filter?.all === true || c.state === 'running')
      .map((c) => structuredClone(c));
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    this.calls.push(`inspectContainer:${nameOrId}`);
    const c = this.containers.find((x) => x.id === nameOrId || x.name === nameOrId);
    return c && structuredClone(c);
  }

  async listNetworks(filter?: ListFilter): Promise<NetworkInfo[]> {
    this.calls.push('listNetworks');
    return this.networks.filter((n) => matches(n.labels, n.name, filter)).map((n) => structuredClone(n));
  }

  async inspectNetwork(nameOrId: string): Promise<NetworkInfo | undefined> {
    this.calls.push(`inspectNetwork:${nameOrId}`);
    const n = this.networks.find((x) => x.id === nameOrId || x.name === nameOrId);
    return n && structuredClone(n);
  }

  async listVolumes(filter?: ListFilter): Promise<VolumeInfo[]> {
    this.calls.push('listVolumes');
    return this.volumes.filter((v) => matches(v.labels, v.name, filter)).map((v) => structuredClone(v));
  }

  async inspectVolume(name: string): Promise<VolumeInfo | undefined> {
    this.calls.push(`inspectVolume:${name}`);
    const v = this.volumes.find((x) => x.name === name);
    return v && structuredClone(v);
  }

  inspectImage = unsupported('inspectImage');
  pullImage = unsupported('pullImage');
  pushImage = unsupported('pushImage');
  buildImage = unsupported('buildImage');
  tagImage = unsupported('tagImage');
  removeImage = unsupported('removeImage');
  listImages = unsupported('listImages');
  createNetwork = unsupported('createNetwork');
  removeNetwork = unsupported('removeNetwork');
  connectNetwork = unsupported('connectNetwork');
  disconnectNetwork = unsupported('disconnectNetwork');
  createVolume = unsupported('createVolume');
  removeVolume = unsupported('removeVolume');
  createContainer = unsupported('createContainer');
  startContainer = unsupported('startContainer');
  stopContainer = unsupported('stopContainer');
  killContainer = unsupported('killContainer');
  pauseContainer = unsupported('pauseContainer');
  unpauseContainer = unsupported('unpauseContainer');
  renameContainer = unsupported('renameContainer');
  removeContainer = unsupported('removeContainer');
  waitContainer = unsupported('waitContainer');
  logs = unsupported('logs');
  exec = unsupported('exec');
  resizeExec = unsupported('resizeExec');
  attachContainer = unsupported('attachContainer');
  resizeContainer = unsupported('resizeContainer');
  statContainerPath = unsupported('statContainerPath');
  getArchive = unsupported('getArchive');
  putArchive = unsupported('putArchive');
  events = unsupported('events');
  // Typed as the interface's, so a test can assign its own.
  topContainer: Runtime['topContainer'] = unsupported('topContainer');
  statsContainer: Runtime['statsContainer'] = unsupported('statsContainer');
  streamStats: Runtime['streamStats'] = unsupported('streamStats');

  async close(): Promise<void> {}
}
