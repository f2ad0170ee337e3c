/**
 * The Runtime over any Docker Engine API endpoint. JSON calls go through EngineClient (node:http,
 * keep-alive); dockerode is imported lazily and only to build images (its context packing honours
 * .dockerignore), because loading it costs more than a whole no-op `up`.
 */
import { readdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { RuntimeError } from '../../api/errors.js';
import type {
  BuildSpec,
  ContainerInfo,
  ContainerSpec,
  Credentials,
  EndpointSpec,
  ExecResult,
  ExecSpec,
  ImageInfo,
  ListFilter,
  LogLine,
  LogOptions,
  NetworkInfo,
  NetworkSpec,
  Progress,
  Runtime,
  RuntimeEvent,
  RuntimeInfo,
  VolumeInfo,
  VolumeSpec,
} from '../runtime.js';
import { EngineClient, unreachable } from './client.js';
import { containerCreatePlan, endpointBody, networkCreateBody } from './container-spec.js';
import { type DockerEndpoint, resolveDockerEndpoint } from './endpoint.js';
import { abortedError, engineError, isAbortError } from './errors.js';
import {
  containerFromInspect,
  containerFromList,
  imageInfo,
  networkInfo,
  runtimeEvent,
  volumeInfo,
} from './inspect.js';
import { type Chunk, demultiplex, jsonMessages, logLines, rawStdout } from './streams.js';

const EVENT_TYPES = new Set(['container', 'network', 'volume', 'image']);

export interface CreateDockerRuntimeOptions {
  /** Environment to resolve the endpoint from (DOCKER_HOST, DOCKER_CONTEXT, …); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory holding `.docker`; default os.homedir(). */
  home?: string;
  signal?: AbortSignal;
  /** How long the first ping may take before the engine counts as unreachable; default 15 s. */
  pingTimeoutMs?: number;
}

/** Resolves the endpoint like the docker CLI, pings it, and returns a runtime bound to it. */
export async function createDockerRuntime(options: CreateDockerRuntimeOptions = {}): Promise<DockerRuntime> {
  const endpoint = resolveDockerEndpoint({ env: options.env, home: options.home });
  const client = new EngineClient(endpoint);
  // A blackholed tcp endpoint would otherwise hang the first command forever.
  const timeout = AbortSignal.timeout(options.pingTimeoutMs ?? 15_000);
  try {
    await client.ping(options.signal ? AbortSignal.any([options.signal, timeout]) : timeout);
  } catch (err) {
    client.close();
    if (options.signal?.aborted) throw abortedError('connect to the Docker engine', err);
    if (err instanceof RuntimeError && err.code === 'RUNTIME_UNREACHABLE') throw err;
    // Something answered but not as an engine (wrong port, a proxy, a TLS mismatch).
    throw unreachable(endpoint, err);
  }
  return new DockerRuntime(client);
}

/** Engine API `filters` JSON from a ListFilter (labels as `k=v` or `k`). */
export function labelFilters(filter: ListFilter | undefined, extra: Record<string, string[]> = {}): string {
  const filters: Record<string, string[]> = { ...extra };
  const labels = Object.entries(filter?.labels ?? {}).map(([k, v]) => (v === true ? k : `${k}=${v}`));
  if (labels.length > 0) filters.label = labels;
  return JSON.stringify(filters);
}

export class DockerRuntime implements Runtime {
  get address(): string {
    return this.endpoint.host;
  }

  readonly client: EngineClient;

  constructor(client: EngineClient) {
    this.client = client;
  }

  get endpoint(): DockerEndpoint {
    return this.client.endpoint;
  }

  async info(signal?: AbortSignal): Promise<RuntimeInfo> {
    const v = await this.client.json<any>('GET', '/version', { signal, action: 'docker version' });
    return {
      runtime: 'docker',
      endpoint: this.endpoint.host,
      serverVersion: v.Version,
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
    };
  }

  // --- images -----------------------------------------------------------------------------------

  async inspectImage(ref: string, signal?: AbortSignal): Promise<ImageInfo | undefined> {
    const i = await this.client.jsonOrUndefined<any>('GET', `/images/${encodeURIComponent(ref)}/json`, {
      signal,
      image: true,
      action: `inspect image ${ref}`,
    });
    return i === undefined ? undefined : imageInfo(i);
  }

  async pullImage(
    ref: string,
    options: {
      credentials?: Credentials;
      platform?: string;
      onProgress?: (p: Progress) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<void> {
    const { name, tag } = splitReference(ref);
    let res: IncomingMessage;
    try {
      res = await this.client.stream('POST', '/images/create', {
        query: {
          fromImage: name,
          tag: tag ?? (name.includes('@') ? undefined : 'latest'),
          platform: options.platform,
        },
        headers: { 'X-Registry-Auth': registryAuth(options.credentials) },
        signal: options.signal,
        image: true,
        action: `pull ${ref}`,
      });
    } catch (err) {
      // Unknown name, no access, registry unreachable: all mean the image cannot be had.
      if (err instanceof RuntimeError && err.code === 'RUNTIME_ERROR') {
        throw new RuntimeError('IMAGE_NOT_FOUND', err.message, {
          cause: err.cause,
          hint: 'check the image name, your registry login, and network access',
        });
      }
      throw err;
    }
    await this.progress(res, `pull ${ref}`, options.onProgress, options.signal, true);
  }

  async pushImage(
    ref: string,
    options: { credentials?: Credentials; onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { name, tag } = splitReference(ref);
    const res = await this.client.stream('POST', `/images/${encodeURIComponent(name)}/push`, {
      query: { tag },
      // The engine requires the header even for anonymous pushes.
      headers: { 'X-Registry-Auth': registryAuth(options.credentials) },
      signal: options.signal,
      image: true,
      action: `push ${ref}`,
    });
    await this.progress(res, `push ${ref}`, options.onProgress, options.signal, false);
  }

  async buildImage(
    spec: BuildSpec,
    options: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<string> {
    if (spec.dockerfileInline !== undefined) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        'dockerfile_inline is not supported by the docker runtime yet',
        {
          hint: 'write the Dockerfile into the build context and use `dockerfile:`',
        },
      );
    }
    const action = `build ${spec.tags[0] ?? spec.context}`;
    const docker = await this.dockerode();
    let entries: string[];
    try {
      entries = await readdir(spec.context);
    } catch (err) {
      throw new RuntimeError('RUNTIME_ERROR', `${action}: cannot read the build context ${spec.context}`, {
        cause: err,
      });
    }
    let res: IncomingMessage;
    try {
      const query: Record<string, unknown> = {
        t: spec.tags,
        dockerfile: spec.dockerfile,
        buildargs: spec.args,
        target: spec.target,
        labels: spec.labels,
        nocache: spec.noCache,
        pull: spec.pull,
        networkmode: spec.network,
        extrahosts: spec.extraHosts?.join(','),
        shmsize: spec.shmSize,
        cachefrom: spec.cacheFrom,
        platform: spec.platform,
        // A failed step must not leave its container behind (the CLI keeps it; Compose users never want it).
        forcerm: true,
        abortSignal: options.signal,
      };
      for (const k of Object.keys(query)) if (query[k] === undefined) delete query[k];
      res = (await docker.buildImage(
        { context: spec.context, src: entries },
        query as any,
      )) as unknown as IncomingMessage;
    } catch (err) {
      throw this.dockerodeError(err, action, options.signal);
    }
    let id: string | undefined;
    await this.progress(res, action, options.onProgress, options.signal, false, (m) => {
      if (typeof m.aux?.ID === 'string') id = m.aux.ID;
      else if (typeof m.stream === 'string') {
        const built = /Successfully built ([0-9a-f]+)/.exec(m.stream);
        if (built) id ??= built[1];
      }
    });
    if (id === undefined) {
      const tagged = spec.tags[0] ? await this.inspectImage(spec.tags[0]) : undefined;
      if (!tagged) throw new RuntimeError('RUNTIME_ERROR', `${action}: the engine reported no image id`);
      id = tagged.id;
    }
    return id;
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { name, tag } = splitReference(target);
    await this.client.json('POST', `/images/${encodeURIComponent(source)}/tag`, {
      query: { repo: name, tag: tag ?? 'latest' },
      image: true,
      action: `tag ${source} as ${target}`,
    });
  }

  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<void> {
    await this.client.json('DELETE', `/images/${encodeURIComponent(ref)}`, {
      query: { force: options.force },
      image: true,
      action: `remove image ${ref}`,
    });
  }

  async listImages(filter?: ListFilter): Promise<ImageInfo[]> {
    const extra: Record<string, string[]> = filter?.names ? { reference: filter.names } : {};
    const list = await this.client.json<any[]>('GET', '/images/json', {
      query: { filters: labelFilters(filter, extra) },
      action: 'list images',
    });
    return list.map(imageInfo);
  }

  // --- networks ---------------------------------------------------------------------------------

  async listNetworks(filter?: ListFilter): Promise<NetworkInfo[]> {
    const list = await this.client.json<any[]>('GET', '/networks', {
      query: { filters: labelFilters(filter, filter?.names ? { name: filter.names } : {}) },
      action: 'list networks',
    });
    // The engine's name filter matches substrings; ours is exact.
    return list.map(networkInfo).filter((n) => !filter?.names || filter.names.includes(n.name));
  }

  async inspectNetwork(nameOrId: string): Promise<NetworkInfo | undefined> {
    const n = await this.client.jsonOrUndefined<any>('GET', `/networks/${encodeURIComponent(nameOrId)}`, {
      action: `inspect network ${nameOrId}`,
    });
    return n === undefined ? undefined : networkInfo(n);
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    const created = await this.client.json<{ Id: string }>('POST', '/networks/create', {
      body: networkCreateBody(spec),
      action: `create network ${spec.name}`,
    });
    return {
      id: created.Id,
      name: spec.name,
      driver: spec.driver ?? 'bridge',
      labels: spec.labels,
      internal: spec.internal === true,
      containers: [],
    };
  }

  async removeNetwork(nameOrId: string): Promise<void> {
    await this.client.json('DELETE', `/networks/${encodeURIComponent(nameOrId)}`, {
      action: `remove network ${nameOrId}`,
    });
  }

  async connectNetwork(network: string, container: string, endpoint: EndpointSpec): Promise<void> {
    await this.client.json('POST', `/networks/${encodeURIComponent(network)}/connect`, {
      body: { Container: container, EndpointConfig: endpointBody(endpoint) },
      action: `connect ${container} to network ${network}`,
    });
  }

  async disconnectNetwork(
    network: string,
    container: string,
    options: { force?: boolean } = {},
  ): Promise<void> {
    await this.client.json('POST', `/networks/${encodeURIComponent(network)}/disconnect`, {
      body: { Container: container, Force: options.force === true },
      action: `disconnect ${container} from network ${network}`,
    });
  }

  // --- volumes ----------------------------------------------------------------------------------

  async listVolumes(filter?: ListFilter): Promise<VolumeInfo[]> {
    const res = await this.client.json<{ Volumes: any[] | null }>('GET', '/volumes', {
      query: { filters: labelFilters(filter, filter?.names ? { name: filter.names } : {}) },
      action: 'list volumes',
    });
    return (res.Volumes ?? []).map(volumeInfo).filter((v) => !filter?.names || filter.names.includes(v.name));
  }

  async inspectVolume(name: string): Promise<VolumeInfo | undefined> {
    const v = await this.client.jsonOrUndefined<any>('GET', `/volumes/${encodeURIComponent(name)}`, {
      action: `inspect volume ${name}`,
    });
    return v === undefined ? undefined : volumeInfo(v);
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeInfo> {
    const v = await this.client.json<any>('POST', '/volumes/create', {
      body: {
        Name: spec.name,
        Driver: spec.driver ?? 'local',
        DriverOpts: spec.driverOpts ?? {},
        Labels: spec.labels,
      },
      action: `create volume ${spec.name}`,
    });
    return volumeInfo(v);
  }

  async removeVolume(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.client.json('DELETE', `/volumes/${encodeURIComponent(name)}`, {
      query: { force: options.force },
      action: `remove volume ${name}`,
    });
  }

  // --- containers -------------------------------------------------------------------------------

  async listContainers(filter: ListFilter & { all?: boolean } = {}): Promise<ContainerInfo[]> {
    // The engine's name filter is a regular expression on `/name`: anchor it for exact names.
    const names = filter.names?.map((n) => `^/${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const list = await this.client.json<any[]>('GET', '/containers/json', {
      query: { all: filter.all !== false, filters: labelFilters(filter, names ? { name: names } : {}) },
      action: 'list containers',
    });
    return list.map(containerFromList);
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    const c = await this.inspectRaw(nameOrId);
    return c === undefined ? undefined : containerFromInspect(c);
  }

  private inspectRaw(nameOrId: string, signal?: AbortSignal): Promise<any | undefined> {
    return this.client.jsonOrUndefined<any>('GET', `/containers/${encodeURIComponent(nameOrId)}/json`, {
      signal,
      action: `inspect container ${nameOrId}`,
    });
  }

  async createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<{ id: string }> {
    const plan = containerCreatePlan(spec);
    const action = `create container ${spec.name}`;
    const created = await this.client.json<{ Id: string }>('POST', '/containers/create', {
      query: { name: plan.name },
      body: plan.body,
      signal,
      action,
    });
    try {
      for (const c of plan.connect) {
        await this.client.json('POST', `/networks/${encodeURIComponent(c.network)}/connect`, {
          body: { Container: created.Id, EndpointConfig: c.endpoint },
          signal,
          action: `connect ${spec.name} to network ${c.network}`,
        });
      }
    } catch (err) {
      // A half-connected container would look up to date to the next `up`: remove it.
      await this.removeContainer(created.Id, { force: true }).catch(() => {});
      throw err;
    }
    return { id: created.Id };
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/start`, {
      signal,
      action: `start container ${id}`,
    });
  }

  async stopContainer(
    id: string,
    options: { timeoutSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: options.timeoutSeconds },
      signal: options.signal,
      action: `stop container ${id}`,
    });
  }

  async killContainer(id: string, signal?: string): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/kill`, {
      query: { signal },
      action: `kill container ${id}`,
    });
  }

  async pauseContainer(id: string): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/pause`, {
      action: `pause container ${id}`,
    });
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/unpause`, {
      action: `unpause container ${id}`,
    });
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.client.json('POST', `/containers/${encodeURIComponent(id)}/rename`, {
      query: { name },
      action: `rename container ${id} to ${name}`,
    });
  }

  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.client.json('DELETE', `/containers/${encodeURIComponent(id)}`, {
      query: { force: options.force, v: options.volumes },
      action: `remove container ${id}`,
    });
  }

  async waitContainer(
    id: string,
    options: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {},
  ): Promise<{ exitCode: number }> {
    const action = `wait for container ${id}`;
    const res = await this.client.json<{ StatusCode: number; Error?: { Message?: string } | null }>(
      'POST',
      `/containers/${encodeURIComponent(id)}/wait`,
      { query: { condition: options.condition }, signal: options.signal, action },
    );
    if (res.Error?.Message) throw new RuntimeError('RUNTIME_ERROR', `${action}: ${res.Error.Message}`);
    return { exitCode: res.StatusCode };
  }

  /** Ends (without error) when `signal` aborts: a follow is stopped, not failed. */
  async *logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const { signal } = options;
    const action = `logs of ${id}`;
    let res: IncomingMessage;
    let tty: boolean;
    try {
      // A TTY container's log stream is raw, not multiplexed, and the headers do not say so before API 1.42.
      const c = await this.inspectRaw(id, signal);
      if (c === undefined)
        throw engineError({ statusCode: 404, message: `No such container: ${id}`, action });
      tty = c.Config?.Tty === true;
      res = await this.client.stream('GET', `/containers/${encodeURIComponent(id)}/logs`, {
        query: {
          stdout: true,
          stderr: true,
          follow: options.follow,
          tail: options.tail === undefined ? undefined : String(options.tail),
          since: options.since,
          until: options.until,
          timestamps: options.timestamps,
        },
        signal,
        action,
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    const chunks = tty ? rawStdout(res) : demultiplex(res);
    try {
      yield* logLines(chunks, options.timestamps === true);
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) return;
      throw new RuntimeError('RUNTIME_ERROR', `${action}: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecResult> {
    const action = `exec in ${id}`;
    const { signal } = spec;
    const created = await this.client.json<{ Id: string }>(
      'POST',
      `/containers/${encodeURIComponent(id)}/exec`,
      {
        body: {
          Cmd: spec.cmd,
          Env: spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : undefined,
          User: spec.user,
          WorkingDir: spec.workingDir,
          Privileged: spec.privileged === true,
          Tty: spec.tty === true,
          AttachStdin: spec.stdin !== undefined && !spec.detach,
          AttachStdout: !spec.detach,
          AttachStderr: !spec.detach,
        },
        signal,
        action,
      },
    );
    const execPath = `/exec/${created.Id}`;
    const startBody = { Detach: spec.detach === true, Tty: spec.tty === true };
    if (spec.detach) {
      await this.client.json('POST', `${execPath}/start`, { body: startBody, signal, action });
      // Still running: there is no exit code yet.
      return { exitCode: -1 };
    }

    let output: AsyncIterable<Buffer>;
    let closeOutput: () => void;
    if (spec.stdin) {
      const socket = await this.client.upgrade('POST', `${execPath}/start`, {
        body: startBody,
        signal,
        action,
      });
      spec.stdin.on('end', () => socket.end());
      spec.stdin.pipe(socket, { end: false });
      output = socket;
      // After the upgrade the request's signal no longer reaches the socket: end it ourselves.
      const onAbort = () => socket.destroy(abortedError(action));
      signal?.addEventListener('abort', onAbort, { once: true });
      closeOutput = () => {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
      };
    } else {
      const res = await this.client.stream('POST', `${execPath}/start`, { body: startBody, signal, action });
      output = res;
      closeOutput = () => res.destroy();
    }

    const collected: Record<Chunk['stream'], Buffer[]> = { stdout: [], stderr: [] };
    try {
      const chunks = spec.tty ? rawStdout(output) : demultiplex(output);
      for await (const { stream, data } of chunks) {
        const target = stream === 'stderr' ? spec.stderr : spec.stdout;
        if (target) target.write(data);
        else collected[stream].push(data);
      }
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) throw abortedError(action, err);
      throw err;
    } finally {
      closeOutput();
    }
    // The stream ends when the process does; the exit code is only in the exec's inspect.
    const inspected = await this.client.json<{ ExitCode: number | null; Running: boolean }>(
      'GET',
      `${execPath}/json`,
      { signal, action },
    );
    return {
      exitCode: inspected.ExitCode ?? -1,
      stdout: spec.stdout ? undefined : Buffer.concat(collected.stdout).toString('utf8'),
      stderr: spec.stderr ? undefined : Buffer.concat(collected.stderr).toString('utf8'),
    };
  }

  /** The engine's event stream; ends (without error) when `signal` aborts. */
  async *events(
    filter: ListFilter & { since?: string; signal?: AbortSignal } = {},
  ): AsyncIterable<RuntimeEvent> {
    const { signal } = filter;
    let res: IncomingMessage;
    try {
      res = await this.client.stream('GET', '/events', {
        query: { filters: labelFilters(filter), since: engineTime(filter.since) },
        signal,
        action: 'events',
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    try {
      for await (const message of jsonMessages(res)) {
        // daemon, plugin, service… events have no place in the engine-neutral model.
        if (EVENT_TYPES.has(message.Type)) yield runtimeEvent(message);
      }
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) return;
      throw new RuntimeError('RUNTIME_ERROR', `events: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  async close(): Promise<void> {
    this.client.close();
    this.dockerodeInstance = undefined;
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** Reads a pull/push/build progress stream; an `error` message in it fails the call. */
  private async progress(
    res: IncomingMessage,
    action: string,
    onProgress: ((p: Progress) => void) | undefined,
    signal: AbortSignal | undefined,
    image: boolean,
    onMessage?: (m: any) => void,
  ): Promise<void> {
    try {
      for await (const m of jsonMessages(res)) {
        if (m.error || m.errorDetail) {
          const message = m.errorDetail?.message ?? m.error;
          // Pull failures (unknown name, no access, offline) all mean the image cannot be had.
          if (image) throw new RuntimeError('IMAGE_NOT_FOUND', `${action}: ${message}`);
          throw engineError({ statusCode: 500, message, action });
        }
        onMessage?.(m);
        if (onProgress) {
          const status = m.status ?? (typeof m.stream === 'string' ? m.stream.replace(/\n$/, '') : undefined);
          if (status !== undefined && status !== '') {
            onProgress({
              id: m.id,
              status,
              current: m.progressDetail?.current,
              total: m.progressDetail?.total,
            });
          }
        }
      }
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      if (signal?.aborted || isAbortError(err)) throw abortedError(action, err);
      throw new RuntimeError('RUNTIME_ERROR', `${action}: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  private dockerodeInstance?: import('dockerode');

  /** dockerode on the same endpoint, loaded on first use (~0.3 s of module loading). */
  private async dockerode(): Promise<import('dockerode')> {
    if (this.dockerodeInstance) return this.dockerodeInstance;
    const { default: Dockerode } = await import('dockerode');
    const { readFileSync } = await import('node:fs');
    const e = this.endpoint;
    const tls = e.tls;
    const read = (p?: string) => (p ? readFileSync(p) : undefined);
    this.dockerodeInstance = new Dockerode(
      e.transport.kind === 'unix'
        ? {
            socketPath: e.transport.socketPath,
            version: this.client.apiVersion && `v${this.client.apiVersion}`,
          }
        : {
            host: e.transport.hostname,
            port: e.transport.port,
            protocol: tls ? 'https' : 'http',
            ca: read(tls?.ca),
            cert: read(tls?.cert),
            key: read(tls?.key),
            version: this.client.apiVersion && `v${this.client.apiVersion}`,
          },
    );
    return this.dockerodeInstance;
  }

  private dockerodeError(err: unknown, action: string, signal?: AbortSignal): RuntimeError {
    if (err instanceof RuntimeError) return err;
    if (signal?.aborted || isAbortError(err)) return abortedError(action, err);
    const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
    if (typeof e.statusCode === 'number') {
      return engineError({ statusCode: e.statusCode, message: e.json?.message ?? e.message ?? '', action });
    }
    return new RuntimeError('RUNTIME_ERROR', `${action}: ${e.message ?? String(err)}`, { cause: err });
  }
}

/**
 * The Engine API takes `since`/`until` as unix seconds (`1700000000` or `1700000000.123000000`), not
 * RFC 3339 (the docker CLI converts); the Runtime interface speaks ISO-8601 like everywhere else.
 */
export function engineTime(time: string | undefined): string | undefined {
  if (time === undefined || /^\d+(\.\d+)?$/.test(time)) return time;
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, '0')}`;
}

/** `registry:5000/a/b:tag` → name + tag; `name@sha256:…` keeps the digest in the name. */
export function splitReference(ref: string): { name: string; tag?: string } {
  if (ref.includes('@')) return { name: ref };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref };
}

/** X-Registry-Auth: base64url JSON of the credentials (`{}` when anonymous). */
function registryAuth(c: Credentials | undefined): string {
  const body = c
    ? {
        username: c.username,
        password: c.password,
        identitytoken: c.identityToken,
        serveraddress: c.serverAddress,
      }
    : {};
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}
