/**
 * The Runtime interface: the ~20 engine operations reconcile/execute need, in engine-neutral terms.
 * `runtime/docker` implements it over any Docker Engine API socket; `runtime/builtin` over berth's own
 * engine. Both pass one contract suite (test/integration/runtime-contract). Nothing here mentions
 * dockerode, runc or netavark. Every call that can take long accepts an AbortSignal.
 *
 * Errors: implementations throw RuntimeError (api/errors.ts) with a stable `code`: RUNTIME_NOT_FOUND,
 * RUNTIME_CONFLICT, RUNTIME_PORT_IN_USE, IMAGE_NOT_FOUND, RUNTIME_UNREACHABLE, ABORTED, RUNTIME_ERROR.
 */

/** Label selector: `key: value` matches that value, `key: true` only requires the label. */
export type LabelFilter = Record<string, string | true>;

export interface ListFilter {
  labels?: LabelFilter;
  /** Exact names. */
  names?: string[];
}

export interface RuntimeInfo {
  /** `docker` or `builtin`. */
  runtime: string;
  /** Where it is: `unix:///var/run/docker.sock`, `tcp://…`, or the builtin state dir. */
  endpoint: string;
  serverVersion: string;
  apiVersion?: string;
  os: string;
  arch: string;
}

export interface Progress {
  /** e.g. a layer id. */
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export interface Credentials {
  username?: string;
  password?: string;
  identityToken?: string;
  serverAddress?: string;
}

export interface ImageInfo {
  id: string;
  /** `name:tag` references. */
  tags: string[];
  /** `name@sha256:…` */
  digests: string[];
  labels: Record<string, string>;
  created?: string;
  size?: number;
  /** `os/architecture[/variant]`, e.g. `linux/amd64`, when the engine reports it. */
  platform?: string;
  /** When the image was last tagged here (pulled, built, tagged): what `pull_policy: daily` ages. */
  lastTagTime?: string;
  /** From the image config: what a container gets when the service does not say. */
  config?: {
    entrypoint?: string[];
    cmd?: string[];
    env?: string[];
    workingDir?: string;
    user?: string;
    exposedPorts?: string[];
    volumes?: string[];
    healthcheck?: HealthcheckSpec;
    stopSignal?: string;
  };
}

export interface BuildSpec {
  /** Absolute context directory. */
  context: string;
  /** Relative to the context, or inline text through `dockerfileInline`. */
  dockerfile?: string;
  dockerfileInline?: string;
  tags: string[];
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  network?: string;
  extraHosts?: string[];
  shmSize?: number;
  cacheFrom?: string[];
  platform?: string;
}

export interface NetworkSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  ipam?: {
    driver?: string;
    options?: Record<string, string>;
    config?: Array<{
      subnet?: string;
      ipRange?: string;
      gateway?: string;
      auxAddresses?: Record<string, string>;
    }>;
  };
}

export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  internal: boolean;
  /** Container ids attached. Present when the runtime reports them (inspect). */
  containers?: string[];
}

export interface VolumeSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels: Record<string, string>;
}

export interface VolumeInfo {
  name: string;
  driver: string;
  labels: Record<string, string>;
  mountpoint?: string;
}

export interface HealthcheckSpec {
  /** `['NONE']`, `['CMD', …]` or `['CMD-SHELL', cmd]`. */
  test?: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
  retries?: number;
}

export type Mount =
  | {
      type: 'bind';
      source: string;
      target: string;
      readOnly?: boolean;
      propagation?: string;
      createHostPath?: boolean;
      selinux?: 'z' | 'Z';
    }
  | {
      type: 'volume';
      source?: string;
      target: string;
      readOnly?: boolean;
      noCopy?: boolean;
      subpath?: string;
    }
  | { type: 'tmpfs'; target: string; sizeBytes?: number; mode?: number }
  | { type: 'image'; source: string; target: string; subpath?: string };

export interface PortBinding {
  /** Container port. */
  target: number;
  /** Host port (or range start); undefined = ephemeral. */
  published?: number;
  /** Last host port of a range (`8000-8010:80`: the engine picks a free one in it). */
  publishedEnd?: number;
  hostIp?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface EndpointSpec {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  linkLocalIps?: string[];
  driverOpts?: Record<string, string>;
  priority?: number;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount?: number;
}

/** Everything needed to create one container, engine-neutral. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** undefined = the image's. */
  entrypoint?: string[];
  command?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: Mount[];
  /** Containers (ids or names) whose volumes this one mounts too, each optionally `:ro` / `:rw`. */
  volumesFrom?: string[];
  ports: PortBinding[];
  /** Extra exposed ports, `80/tcp`. */
  expose?: string[];
  /** network name → endpoint. The first is connected at create time. */
  networks: Record<string, EndpointSpec>;
  /** `bridge`, `host`, `none`, `container:<id>`; undefined when `networks` is used. */
  networkMode?: string;
  hostname?: string;
  domainname?: string;
  user?: string;
  workingDir?: string;
  healthcheck?: HealthcheckSpec;
  restart?: RestartPolicy;
  init?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  /** Close the container's stdin once the first attached client closes it (`run -i`). */
  stdinOnce?: boolean;
  /** The engine removes the container when it exits (`run --rm`). */
  autoRemove?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  devices?: Array<{ source: string; target: string; permissions?: string }>;
  dns?: string[];
  dnsSearch?: string[];
  dnsOpt?: string[];
  extraHosts?: string[];
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
  sysctls?: Record<string, string>;
  shmSizeBytes?: number;
  stopSignal?: string;
  stopTimeoutSeconds?: number;
  logging?: { driver?: string; options?: Record<string, string> };
  pid?: string;
  ipc?: string;
  groupAdd?: string[];
  oomScoreAdj?: number;
  cgroupParent?: string;
  /** `host` or a mode the engine knows. */
  usernsMode?: string;
  /** `host`. */
  uts?: string;
  /** OCI runtime name (e.g. `runc`). */
  runtime?: string;
  storageOpt?: Record<string, string>;
  resources?: {
    memoryBytes?: number;
    memoryReservationBytes?: number;
    memorySwapBytes?: number;
    nanoCpus?: number;
    cpuShares?: number;
    cpusetCpus?: string;
    pidsLimit?: number;
  };
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** Image id the container runs. */
  imageId?: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** `healthy`, `unhealthy`, `starting`, or undefined without a healthcheck. */
  health?: 'healthy' | 'unhealthy' | 'starting';
  exitCode?: number;
  /** How many times the restart policy restarted it (inspect only; lists do not carry it). */
  restartCount?: number;
  /** Human status, e.g. `Up 3 seconds (healthy)`. */
  status: string;
  created: string;
  ports: Array<PortBinding & { published?: number }>;
  /** network name → { id, ip, aliases } */
  networks: Record<string, { networkId?: string; ipAddress?: string; aliases?: string[] }>;
  /** Named and anonymous volumes mounted: target → volume name. */
  volumes?: Record<string, string>;
  command?: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** One line, without its newline. */
  text: string;
  /** ISO-8601, when the runtime records it. */
  timestamp?: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
  signal?: AbortSignal;
}

export interface ExecSpec {
  cmd: string[];
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  privileged?: boolean;
  tty?: boolean;
  /** Streams to attach; undefined = collect output. */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  detach?: boolean;
  signal?: AbortSignal;
  /** With `tty`: the terminal size to start with. */
  ttySize?: TtySize;
  /** Called once the process runs (not with `detach`), with the id `resizeExec` takes. */
  onStart?: (execId: string) => void;
}

/** A terminal's size in character cells. */
export interface TtySize {
  rows: number;
  cols: number;
}

/** What `attachContainer` connects the container's stdio to. */
export interface AttachSpec {
  /** Sent to the container's stdin (it must have been created with `stdinOpen`); its end half-closes. */
  stdin?: NodeJS.ReadableStream;
  /** Undefined: that stream is not attached. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** The container was created with a TTY: its output is one raw stream (all of it to `stdout`). */
  tty?: boolean;
  signal?: AbortSignal;
}

export interface AttachHandle {
  /** Resolves once the container's output ends (it exited, or the connection was closed). */
  done: Promise<void>;
  /** Stops pumping and closes the connection (the container keeps running). */
  close(): void;
}

/** A path inside a container (`docker cp`'s stat). */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Permission bits (`0o755`). */
  mode: number;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** ISO-8601. */
  mtime?: string;
  /** The link's target, for a symlink. */
  linkTarget?: string;
}

export interface ExecResult {
  exitCode: number;
  /** Collected output when no streams were given. */
  stdout?: string;
  stderr?: string;
}

export interface RuntimeEvent {
  type: 'container' | 'network' | 'volume' | 'image';
  action: string;
  id: string;
  attributes: Record<string, string>;
  time: string;
  /** Nanoseconds since the epoch, when the runtime records them (`time` has milliseconds only). */
  timeNano?: bigint;
}

/** The processes of a container, as `ps` lists them inside its PID namespace (`docker top`). */
export interface ProcessList {
  /** Column titles, e.g. `UID PID PPID C STIME TTY TIME CMD`. */
  titles: string[];
  /** One row per process, one cell per title. */
  processes: string[][];
}

/** Raw CPU counters of one reading (nanoseconds). */
export interface CpuCounters {
  /** CPU time the container used. */
  totalUsage: number;
  /** CPU time of the whole host; absent when the runtime does not know it (e.g. a stopped container). */
  systemUsage?: number;
  onlineCpus?: number;
  /** Number of per-CPU counters, the fallback for `onlineCpus` on old kernels. */
  perCpuCount?: number;
}

/**
 * One resource-usage sample of a container: counters as the engine reports them (Linux cgroups), with
 * the previous CPU reading so a CPU percentage can be computed from the deltas (`docker stats`).
 */
export interface ContainerStats {
  id: string;
  name: string;
  /** When the sample was read (ISO-8601). */
  read?: string;
  cpu: CpuCounters;
  /** The reading before `cpu` (about a second earlier); zeros when there was none. */
  precpu: CpuCounters;
  memory: {
    usage?: number;
    limit?: number;
    /** cgroup memory.stat counters (`inactive_file`, `total_inactive_file`, `cache`…). */
    stats?: Record<string, number>;
  };
  /** Interface name → bytes received/sent. */
  networks: Record<string, { rxBytes: number; txBytes: number }>;
  /** Block I/O entries (`io_service_bytes_recursive`): operation (`read`, `write`, `Read`…) and bytes. */
  blockIo: Array<{ op: string; value: number }>;
  pids?: number;
}

export interface Runtime {
  /** Where the engine is (`unix:///var/run/docker.sock`, `tcp://…`, the builtin state dir), known
   * without a call: it scopes the per-project lock. */
  readonly address: string;
  info(signal?: AbortSignal): Promise<RuntimeInfo>;

  inspectImage(ref: string, signal?: AbortSignal): Promise<ImageInfo | undefined>;
  pullImage(
    ref: string,
    options?: {
      credentials?: Credentials;
      platform?: string;
      onProgress?: (p: Progress) => void;
      signal?: AbortSignal;
    },
  ): Promise<void>;
  pushImage(
    ref: string,
    options?: { credentials?: Credentials; onProgress?: (p: Progress) => void; signal?: AbortSignal },
  ): Promise<void>;
  buildImage(
    spec: BuildSpec,
    options?: { onProgress?: (p: Progress) => void; signal?: AbortSignal },
  ): Promise<string>;
  tagImage(source: string, target: string): Promise<void>;
  removeImage(ref: string, options?: { force?: boolean }): Promise<void>;
  listImages(filter?: ListFilter): Promise<ImageInfo[]>;

  listNetworks(filter?: ListFilter): Promise<NetworkInfo[]>;
  inspectNetwork(nameOrId: string): Promise<NetworkInfo | undefined>;
  createNetwork(spec: NetworkSpec): Promise<NetworkInfo>;
  removeNetwork(nameOrId: string): Promise<void>;
  connectNetwork(network: string, container: string, endpoint: EndpointSpec): Promise<void>;
  disconnectNetwork(network: string, container: string, options?: { force?: boolean }): Promise<void>;

  listVolumes(filter?: ListFilter): Promise<VolumeInfo[]>;
  inspectVolume(name: string): Promise<VolumeInfo | undefined>;
  createVolume(spec: VolumeSpec): Promise<VolumeInfo>;
  removeVolume(name: string, options?: { force?: boolean }): Promise<void>;

  /** `all: false` lists running containers only. */
  listContainers(filter?: ListFilter & { all?: boolean }): Promise<ContainerInfo[]>;
  inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined>;
  createContainer(spec: ContainerSpec, signal?: AbortSignal): Promise<{ id: string }>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  /** SIGTERM (or the container's stop signal), then SIGKILL after `timeoutSeconds` (default: the container's). */
  stopContainer(id: string, options?: { timeoutSeconds?: number; signal?: AbortSignal }): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  renameContainer(id: string, name: string): Promise<void>;
  /** `volumes: true` also removes its anonymous volumes. */
  removeContainer(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** Resolves with the exit code once the condition holds. */
  waitContainer(
    id: string,
    options?: {
      condition?: 'not-running' | 'next-exit' | 'removed';
      signal?: AbortSignal;
      /** Called once the engine has registered the wait: a `next-exit` wait set up before a start
       * cannot miss an exit that follows quickly. */
      onWaiting?: () => void;
    },
  ): Promise<{ exitCode: number }>;
  /** Ends without an error when `options.signal` aborts (stopping a follow is not a failure). */
  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /** Resolves once the process exits (exit code -1 with `detach`: it is still running). */
  exec(id: string, spec: ExecSpec): Promise<ExecResult>;
  /** Changes the TTY size of a running exec (the id `ExecSpec.onStart` received). */
  resizeExec(execId: string, size: TtySize): Promise<void>;
  /** Connects to a container's stdio; resolves once connected (start the container after that). */
  attachContainer(id: string, spec: AttachSpec): Promise<AttachHandle>;
  /** Changes the TTY size of a container created with `tty`. */
  resizeContainer(id: string, size: TtySize): Promise<void>;
  /** What is at `path` in the container (running or not); undefined when nothing is. */
  statContainerPath(id: string, path: string, signal?: AbortSignal): Promise<ContainerPathStat | undefined>;
  /** A tar stream of `path` in the container (its last element is the entries' top name). */
  getArchive(
    id: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<{ stat: ContainerPathStat; content: NodeJS.ReadableStream }>;
  /** Extracts a tar stream into the existing directory `path` of the container. */
  putArchive(
    id: string,
    path: string,
    content: NodeJS.ReadableStream,
    options?: { copyUIDGID?: boolean; noOverwriteDirNonDir?: boolean; signal?: AbortSignal },
  ): Promise<void>;
  /** Ends without an error when `filter.signal` aborts, and at `until` when given. */
  events(
    filter?: ListFilter & { since?: string; until?: string; signal?: AbortSignal },
  ): AsyncIterable<RuntimeEvent>;
  /** The running processes of a container (`psArgs`: options for `ps`, default `-ef`). */
  topContainer(id: string, options?: { psArgs?: string; signal?: AbortSignal }): Promise<ProcessList>;
  /**
   * One resource-usage sample, with `precpu` filled in (the runtime takes two readings about a second
   * apart, as `docker stats --no-stream` does), so it can take that long.
   */
  statsContainer(id: string, options?: { signal?: AbortSignal }): Promise<ContainerStats>;
  /** A sample about every second until the container stops (the iteration ends) or `signal` aborts. */
  streamStats(id: string, options?: { signal?: AbortSignal }): AsyncIterable<ContainerStats>;

  /** Releases sockets / handles. */
  close(): Promise<void>;
}
