/**
 * The Runtime over any Docker Engine API endpoint. JSON calls go through EngineClient (node:http,
 * keep-alive), builds too: the context tar is berth's own (build-context.ts, .dockerignore as the docker
 * CLI reads it). Registry credentials come from the docker config (auth.ts) unless a call passes some.
 */
import type { IncomingMessage } from 'node:http';
import { RuntimeError } from '../../api/errors.js';
import type {
  AttachHandle,
  AttachSpec,
  BuildSpec,
  ContainerInfo,
  ContainerPathStat,
  ContainerSpec,
  ContainerStats,
  CpuCounters,
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
  ProcessList,
  Progress,
  Runtime,
  RuntimeEvent,
  RuntimeInfo,
  TtySize,
  VolumeInfo,
  VolumeSpec,
} from '../runtime.js';
import { getArchive, putArchive, statContainerPath } from './archive.js';
import { EngineClient, unreachable } from './client.js';
import { containerCreatePlan, endpointBody, networkCreateBody } from './container-spec.js';
import { type DockerEndpoint, resolveDockerEndpoint } from './endpoint.js';
import { abortedError, engineError, isAbortError } from './errors.js';
import { attachContainer, pumpHijacked, resizeTty } from './hijack.js';
import {
  containerFromInspect,
  containerFromList,
  imageInfo,
  networkInfo,
  runtimeEvent,
  volumeInfo,
} from './inspect.js';
import { demultiplex, jsonMessages, logLines, rawStdout } from './streams.js';

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
  if (options.signal?.aborted) throw abortedError('connect to the Docker engine', options.signal.reason);
  const client = new EngineClient(endpoint);
  // A unix socket fails at once when nothing listens (ENOENT/ECONNREFUSED → RUNTIME_UNREACHABLE on the
  // first call), so it needs no ping up front: the client negotiates the version on its first write.
  if (endpoint.transport.kind === 'unix')
    return new DockerRuntime(client, { env: options.env, home: options.home });
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
  return new DockerRuntime(client, { env: options.env, home: options.home });
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

  /** Where registry credentials are looked up (DOCKER_CONFIG, ~/.docker/config.json). */
  private readonly authOptions: { env?: Record<string, string | undefined>; home?: string };

  constructor(client: EngineClient, auth: { env?: Record<string, string | undefined>; home?: string } = {}) {
    this.client = client;
    this.authOptions = auth;
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
    const credentials = options.credentials ?? (await this.credentialsFor(ref));
    let res: IncomingMessage;
    try {
      res = await this.client.stream('POST', '/images/create', {
        query: {
          fromImage: name,
          tag: tag ?? (name.includes('@') ? undefined : 'latest'),
          platform: options.platform,
        },
        headers: { 'X-Registry-Auth': registryAuth(credentials) },
        signal: options.signal,
        image: true,
        action: `pull ${ref}`,
      });
    } catch (err) {
      const denied = registryAuthError(err, ref);
      if (denied) throw denied;
      // Unknown name, no access, registry unreachable: all mean the image cannot be had.
      if (err instanceof RuntimeError && err.code === 'RUNTIME_ERROR') {
        throw new RuntimeError('IMAGE_NOT_FOUND', err.message, {
          cause: err.cause,
          hint: 'check the image name, your registry login, and network access',
        });
      }
      throw err;
    }
    try {
      await this.progress(res, `pull ${ref}`, options.onProgress, options.signal, true);
    } catch (err) {
      throw registryAuthError(err, ref) ?? err;
    }
  }

  async pushImage(
    ref: string,
    options: { credentials?: Credentials; onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { name, tag } = splitReference(ref);
    const credentials = options.credentials ?? (await this.credentialsFor(ref));
    try {
      const res = await this.client.stream('POST', `/images/${encodeURIComponent(name)}/push`, {
        query: { tag },
        // The engine requires the header even for anonymous pushes.
        headers: { 'X-Registry-Auth': registryAuth(credentials) },
        signal: options.signal,
        image: true,
        action: `push ${ref}`,
      });
      await this.progress(res, `push ${ref}`, options.onProgress, options.signal, false);
    } catch (err) {
      throw registryAuthError(err, ref) ?? err;
    }
  }

  /** The docker config's credentials for the registry of `ref` (auth.ts); undefined = anonymous. */
  private async credentialsFor(ref: string): Promise<Credentials | undefined> {
    const { credentialsForImage } = await import('./auth.js');
    return credentialsForImage(ref, this.authOptions);
  }

  async buildImage(
    spec: BuildSpec,
    options: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<string> {
    const action = `build ${spec.tags[0] ?? spec.context}`;
    const { dockerfileInContext, listContext, readDockerfile } = await import('../build-context.js');
    const { contextTar } = await import('./build-context.js');
    let entries: Awaited<ReturnType<typeof listContext>>;
    let dockerfileText: string;
    try {
      entries = await listContext(spec, options.signal);
      dockerfileText = await readDockerfile(spec);
    } catch (err) {
      if (options.signal?.aborted) throw abortedError(action, err);
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `${action}: cannot read the build context ${spec.context}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    // An inline Dockerfile, or one outside the context, travels in the tar under a generated name.
    let dockerfile = dockerfileInContext(spec);
    const generated: Array<{ path: string; content: string }> = [];
    if (spec.dockerfileInline !== undefined || dockerfile === '..' || dockerfile.startsWith('../')) {
      const { createHash } = await import('node:crypto');
      dockerfile = `.berth-dockerfile-${createHash('sha256').update(dockerfileText).digest('hex').slice(0, 12)}`;
      generated.push({ path: dockerfile, content: dockerfileText });
      // Listed in .dockerignore so the engine drops it after reading it, and `COPY .` never copies it
      // (the docker CLI's AddDockerfileToBuildContext does the same).
      const ignore = entries.find((e) => e.path === '.dockerignore' && e.type === 'file');
      const { readFile } = await import('node:fs/promises');
      const previous = ignore ? await readFile(ignore.abs, 'utf8') : '';
      entries = entries.filter((e) => e !== ignore);
      generated.push({ path: '.dockerignore', content: `${previous}\n${dockerfile}\n` });
    }
    const { authConfigBody, credentialsForBuild } = await import('./auth.js');
    const registries = await credentialsForBuild(dockerfileText, this.authOptions);
    const registryConfig = Object.fromEntries(
      Object.entries(registries).map(([k, c]) => [k, authConfigBody(c)]),
    );
    const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
    const res = await this.client.stream('POST', '/build', {
      query: {
        t: spec.tags,
        dockerfile,
        buildargs: json(spec.args),
        target: spec.target,
        labels: json(spec.labels),
        nocache: spec.noCache,
        pull: spec.pull,
        networkmode: spec.network,
        extrahosts: spec.extraHosts,
        shmsize: spec.shmSize,
        cachefrom: json(spec.cacheFrom),
        platform: spec.platform,
        rm: true,
        // A failed step must not leave its container behind (the CLI keeps it; Compose users never want it).
        forcerm: true,
      },
      body: contextTar(entries, generated),
      contentType: 'application/x-tar',
      headers: { 'X-Registry-Config': Buffer.from(JSON.stringify(registryConfig)).toString('base64url') },
      signal: options.signal,
      action,
    });
    let id: string | undefined;
    await this.progress(res, action, options.onProgress, options.signal, false, (m) => {
      if (typeof m.aux?.ID === 'string') id = m.aux.ID;
      else if (typeof m.stream === 'string') {
        const built = /Successfully built ([0-9a-f]+)/.exec(m.stream);
        if (built) id ??= built[1];
      }
    });
    if (id === undefined || !id.startsWith('sha256:')) {
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
    try {
      await this.client.json('DELETE', `/networks/${encodeURIComponent(nameOrId)}`, {
        action: `remove network ${nameOrId}`,
      });
    } catch (err) {
      // dockerd (seen with 20.10) can lose count of a network's endpoints when many containers on it
      // stop and go at once: the network then lists no container yet refuses removal, until dockerd
      // restarts. Say so, rather than leave users looking for a container that does not exist.
      if (!(err instanceof RuntimeError) || !/has active endpoints/.test(err.message)) throw err;
      const net = await this.inspectNetwork(nameOrId).catch(() => undefined);
      if (net === undefined || (net.containers?.length ?? 0) > 0) throw err;
      throw new RuntimeError(
        'RUNTIME_CONFLICT',
        `network ${nameOrId} has no containers, but the Docker engine still counts endpoints on it`,
        {
          hint: 'a Docker Engine bug (seen after removing many containers at once); restart dockerd, then `down` again removes the network',
          cause: err,
        },
      );
    }
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
    options: {
      condition?: 'not-running' | 'next-exit' | 'removed';
      signal?: AbortSignal;
      onWaiting?: () => void;
    } = {},
  ): Promise<{ exitCode: number }> {
    const action = `wait for container ${id}`;
    const request = { query: { condition: options.condition }, signal: options.signal, action };
    const path = `/containers/${encodeURIComponent(id)}/wait`;
    type WaitAnswer = { StatusCode: number; Error?: { Message?: string } | null };
    let res: WaitAnswer;
    if (options.onWaiting) {
      // The engine registers the wait before it sends the headers (then the body at the exit).
      const stream = await this.client.stream('POST', path, request);
      options.onWaiting();
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of stream) chunks.push(chunk as Buffer);
      } catch (err) {
        if (options.signal?.aborted || isAbortError(err)) throw abortedError(action, err);
        throw err;
      }
      res = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WaitAnswer;
    } else {
      res = await this.client.json<WaitAnswer>('POST', path, request);
    }
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

    // With stdin the connection is hijacked (input flows while output does); without, a plain stream.
    const output = spec.stdin
      ? await this.client.upgrade('POST', `${execPath}/start`, { body: startBody, signal, action })
      : await this.client.stream('POST', `${execPath}/start`, { body: startBody, signal, action });
    if (spec.tty && spec.ttySize) {
      await resizeTty(this.client, `${execPath}/resize`, spec.ttySize, action, 5).catch(() => {});
    }
    spec.onStart?.(created.Id);
    const collected = await pumpHijacked(output, {
      stdin: spec.stdin,
      stdout: spec.stdout,
      stderr: spec.stderr,
      tty: spec.tty === true,
      signal,
      action,
    });
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

  async resizeExec(execId: string, size: TtySize): Promise<void> {
    await resizeTty(this.client, `/exec/${encodeURIComponent(execId)}/resize`, size, `resize exec ${execId}`);
  }

  attachContainer(id: string, spec: AttachSpec): Promise<AttachHandle> {
    return attachContainer(this.client, id, spec);
  }

  async resizeContainer(id: string, size: TtySize): Promise<void> {
    await resizeTty(
      this.client,
      `/containers/${encodeURIComponent(id)}/resize`,
      size,
      `resize container ${id}`,
      5,
    );
  }

  statContainerPath(id: string, path: string, signal?: AbortSignal): Promise<ContainerPathStat | undefined> {
    return statContainerPath(this.client, id, path, signal);
  }

  getArchive(
    id: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<{ stat: ContainerPathStat; content: NodeJS.ReadableStream }> {
    return getArchive(this.client, id, path, signal);
  }

  putArchive(
    id: string,
    path: string,
    content: NodeJS.ReadableStream,
    options?: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean; signal?: AbortSignal },
  ): Promise<void> {
    return putArchive(this.client, id, path, content, options);
  }

  /** The engine's event stream; ends (without error) when `signal` aborts, or at `until`. */
  async *events(
    filter: ListFilter & { since?: string; until?: string; signal?: AbortSignal } = {},
  ): AsyncIterable<RuntimeEvent> {
    const { signal } = filter;
    let res: IncomingMessage;
    try {
      res = await this.client.stream('GET', '/events', {
        query: {
          filters: labelFilters(filter),
          since: engineTime(filter.since),
          until: engineTime(filter.until),
        },
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
        if (!EVENT_TYPES.has(message.Type)) continue;
        const event = runtimeEvent(message);
        if (typeof message.timeNano === 'number') event.timeNano = BigInt(Math.round(message.timeNano));
        yield event;
      }
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) return;
      throw new RuntimeError('RUNTIME_ERROR', `events: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  async topContainer(
    id: string,
    options: { psArgs?: string; signal?: AbortSignal } = {},
  ): Promise<ProcessList> {
    const res = await this.client.json<{ Titles?: string[] | null; Processes?: string[][] | null }>(
      'GET',
      `/containers/${encodeURIComponent(id)}/top`,
      { query: { ps_args: options.psArgs }, signal: options.signal, action: `top of container ${id}` },
    );
    return { titles: res.Titles ?? [], processes: res.Processes ?? [] };
  }

  async statsContainer(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerStats> {
    // stream=false without one-shot: the engine waits for a second reading and fills precpu_stats, as
    // `docker stats --no-stream` asks it to.
    const s = await this.client.json<any>('GET', `/containers/${encodeURIComponent(id)}/stats`, {
      query: { stream: false },
      signal: options.signal,
      action: `stats of container ${id}`,
    });
    return containerStats(s, id);
  }

  /** stream=true: the engine sends a sample every second (precpu = the one before) until the container stops. */
  async *streamStats(id: string, options: { signal?: AbortSignal } = {}): AsyncIterable<ContainerStats> {
    const { signal } = options;
    const action = `stats of container ${id}`;
    let res: IncomingMessage;
    try {
      res = await this.client.stream('GET', `/containers/${encodeURIComponent(id)}/stats`, {
        query: { stream: true },
        signal,
        action,
      });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    try {
      for await (const message of jsonMessages(res)) yield containerStats(message, id);
    } catch (err) {
      if (signal?.aborted || isAbortError(err)) return;
      throw new RuntimeError('RUNTIME_ERROR', `${action}: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
  }

  async close(): Promise<void> {
    this.client.close();
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

/**
 * A registry's refusal of the credentials, as REGISTRY_AUTH naming the registry; undefined for any
 * other failure. dockerd words it `no basic auth credentials` (none, or wrong ones, for Basic auth),
 * `unauthorized: …` or `authentication required` (token auth), `denied: …` (no access).
 */
function registryAuthError(err: unknown, ref: string): RuntimeError | undefined {
  if (!(err instanceof RuntimeError) || err.code === 'ABORTED') return undefined;
  if (!/no basic auth credentials|unauthorized|authentication required|\bdenied: /i.test(err.message)) {
    return undefined;
  }
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const registry = /[.:]|^localhost$/.test(first) ? first : 'Docker Hub';
  return new RuntimeError('REGISTRY_AUTH', err.message, {
    cause: err,
    hint: `${registry} refused the credentials: log in with \`docker login${registry === 'Docker Hub' ? '' : ` ${registry}`}\`, or check the config.json under DOCKER_CONFIG (default ~/.docker)`,
  });
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

/** A `GET /containers/{id}/stats` answer → ContainerStats (missing counters stay undefined or zero). */
export function containerStats(s: any, id: string): ContainerStats {
  const counters = (c: any): CpuCounters => ({
    totalUsage: Number(c?.cpu_usage?.total_usage ?? 0),
    systemUsage: c?.system_cpu_usage === undefined ? undefined : Number(c.system_cpu_usage),
    onlineCpus: c?.online_cpus === undefined ? undefined : Number(c.online_cpus),
    perCpuCount: Array.isArray(c?.cpu_usage?.percpu_usage) ? c.cpu_usage.percpu_usage.length : undefined,
  });
  const networks: ContainerStats['networks'] = {};
  for (const [name, n] of Object.entries<any>(s?.networks ?? {})) {
    networks[name] = { rxBytes: Number(n?.rx_bytes ?? 0), txBytes: Number(n?.tx_bytes ?? 0) };
  }
  const memStats: Record<string, number> = {};
  for (const [k, v] of Object.entries<any>(s?.memory_stats?.stats ?? {})) memStats[k] = Number(v);
  return {
    id: s?.id ?? id,
    name: String(s?.name ?? '').replace(/^\//, ''),
    read: s?.read,
    cpu: counters(s?.cpu_stats),
    precpu: counters(s?.precpu_stats),
    memory: {
      usage: s?.memory_stats?.usage === undefined ? undefined : Number(s.memory_stats.usage),
      limit: s?.memory_stats?.limit === undefined ? undefined : Number(s.memory_stats.limit),
      stats: memStats,
    },
    networks,
    blockIo: (s?.blkio_stats?.io_service_bytes_recursive ?? []).map((e: any) => ({
      op: String(e?.op ?? ''),
      value: Number(e?.value ?? 0),
    })),
    pids: s?.pids_stats?.current === undefined ? undefined : Number(s.pids_stats.current),
  };
}
