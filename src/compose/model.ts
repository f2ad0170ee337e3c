/**
 * The loaded Compose project — compose-go `types.Project` and friends (types/*.go), in the shape
 * `docker compose config --format json` prints (Compose spec 02-model.md … 15-profiles.md):
 * long syntax everywhere, `environment`/`labels` as maps, durations as Go duration strings
 * (`"1m30s"`), byte sizes as decimal strings (`"536870912"`), file modes as octal strings (`"0440"`),
 * `ports[].published` a string. Attributes left unset are absent (Go's `omitempty`).
 *
 * Where berth's model differs from compose-go's printed JSON (the config printer re-applies these):
 * - `command`/`entrypoint` (and hook/watch `command`) are absent when unset; compose-go prints `null`;
 * - `env_file[].required` and `volumes[].bind.create_host_path` keep `true` (compose-go prints them
 *   only when false);
 * - `secrets.*.content` / `configs.*.content` are kept (compose-go never prints them);
 * - `x-*` extensions stay where they were written (compose-go's JSON drops nested ones);
 * - blkio device entries use the spec keys `path`/`weight`/`rate` (compose-go: Go field names);
 * - `build.ssh` entries are `id` or `id=path` (compose-go writes invalid JSON for the latter).
 */
import { decodeProject } from './model/project-codec.js';
import { parseDuration } from './model/units.js';
import type { Dict } from './yaml.js';

export { ShellWordsError, splitShellWords } from './model/shellwords.js';
export {
  formatBytes,
  formatFileMode,
  formatGoDuration,
  parseBytes,
  parseDuration,
  parseDurationNs,
  UnitError,
} from './model/units.js';

/** `x-*` extension fields, allowed on the project and on most objects. */
export type Extensions = { [key: `x-${string}`]: unknown };

/** A Go duration string: `"10s"`, `"1m30s"`, `"1h0m0s"`, `"1.5s"`, `"500ms"`. Parse with {@link parseDuration}. */
export type GoDuration = string;
/** A byte count as a decimal string: `"536870912"` (`-1` means unlimited where the engine allows it). */
export type ByteCount = string;
/** A file mode as an octal string: `"0440"`. */
export type FileModeString = string;

// ---- project ---------------------------------------------------------------------------------------

/** The loaded project (spec 02-model.md). */
export interface Project extends Extensions {
  /** The project name: lowercase `[a-z0-9][a-z0-9_-]*`. */
  name: string;
  /** Enabled services, by name. */
  services: Record<string, ServiceConfig>;
  networks?: Record<string, NetworkConfig>;
  volumes?: Record<string, VolumeConfig>;
  secrets?: Record<string, SecretConfig>;
  configs?: Record<string, ConfigObjConfig>;
  models?: Record<string, ModelConfig>;

  // Metadata: non-enumerable, never printed by `config`.
  /** Absolute project directory; relative paths were resolved against it. */
  workingDir: string;
  /** The compose files loaded, in order (`-` for stdin). */
  configFiles: string[];
  /** The project environment (OS env, `.env`, `--env-file`) used for interpolation. */
  environment: Record<string, string>;
  /** Services disabled by profiles, by name. */
  disabledServices: Record<string, ServiceConfig>;
}

// ---- services --------------------------------------------------------------------------------------

/** One service (spec 05-services.md). */
export interface ServiceConfig extends Extensions {
  profiles?: string[];
  annotations?: Record<string, string>;
  /** Whether `up` attaches to the service's output; unset means yes. */
  attach?: boolean;
  build?: BuildConfig;
  develop?: DevelopConfig;
  blkio_config?: BlkioConfig;

  // Process and security
  cap_add?: string[];
  cap_drop?: string[];
  cgroup_parent?: string;
  /** `host` or `private`. */
  cgroup?: string;

  // CPU
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  /** Number of CPUs (a float32 in compose-go). */
  cpus?: number;
  cpuset?: string;
  cpu_shares?: number;

  /** Overrides the image CMD; `[]` clears it. A string form was split like a shell would. */
  command?: string[];
  configs?: ServiceConfigRef[];
  container_name?: string;
  credential_spec?: CredentialSpecConfig;
  /** Dependencies by service name, with the condition to wait for. */
  depends_on?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  /** Legacy attribute kept by compose-go. */
  dockerfile?: string;
  domainname?: string;
  /** Overrides the image ENTRYPOINT; `[]` clears it. */
  entrypoint?: string[];
  /** A service managed by an external provider instead of a container. */
  provider?: ServiceProviderConfig;
  /** Variables by name; `null` means "no value" (unset unless resolved from the project env). */
  environment?: Record<string, string | null>;
  env_file?: EnvFile[];
  /** Container ports or ranges (`"3000"`, `"8000-8010"`). */
  expose?: string[];
  extends?: ExtendsConfig;
  external_links?: string[];
  /** `host=ip` entries, sorted; one host may appear with several IPs. */
  extra_hosts?: string[];
  group_add?: string[];
  gpus?: DeviceRequest[];
  hostname?: string;
  healthcheck?: HealthCheckConfig;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Record<string, string>;
  /** Files of `KEY=VALUE` labels (absolute paths). */
  label_file?: string[];
  links?: string[];
  logging?: LoggingConfig;
  /** Legacy attributes kept by compose-go. */
  log_driver?: string;
  log_opt?: Record<string, string>;

  // Memory (byte counts)
  mem_limit?: ByteCount;
  mem_reservation?: ByteCount;
  memswap_limit?: ByteCount;
  /** A percentage 0–100, held in a byte-count field by compose-go. */
  mem_swappiness?: ByteCount;

  mac_address?: string;
  /** AI models by top-level model name; `null` uses the defaults. */
  models?: Record<string, ServiceModelConfig | null>;
  /** Legacy alias of network_mode. */
  net?: string;
  /** `none`, `host`, `bridge`, `service:NAME` or `container:ID`. */
  network_mode?: string;
  /** Networks by top-level network name; `null` joins with defaults. */
  networks?: Record<string, ServiceNetworkConfig | null>;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  pid?: string;
  pids_limit?: number;
  platform?: string;
  ports?: ServicePortConfig[];
  privileged?: boolean;
  /** `always`, `never`, `missing`, `build`, `if_not_present` (when not normalized), `daily`,
   * `weekly`, `every_<duration>` or `refresh`. See {@link getPullPolicy}. */
  pull_policy?: string;
  read_only?: boolean;
  /** `no`, `always`, `on-failure[:N]`, `unless-stopped`. */
  restart?: string;
  runtime?: string;
  scale?: number;
  secrets?: ServiceSecretRef[];
  security_opt?: string[];
  shm_size?: ByteCount;
  stdin_open?: boolean;
  stop_grace_period?: GoDuration;
  stop_signal?: string;
  storage_opt?: Record<string, string>;
  sysctls?: Record<string, string>;
  /** Container paths mounted as tmpfs, with optional `:options`. */
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, Ulimit>;
  use_api_socket?: boolean;
  user?: string;
  userns_mode?: string;
  uts?: string;
  volume_driver?: string;
  volumes?: ServiceVolume[];
  volumes_from?: string[];
  working_dir?: string;

  // Lifecycle hooks
  pre_start?: ServiceHook[];
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
}

/** A `depends_on` entry. */
export interface ServiceDependency extends Extensions {
  condition?: 'service_started' | 'service_healthy' | 'service_completed_successfully' | string;
  /** Restart this service when the dependency restarts. */
  restart?: boolean;
  /** When false, a missing or disabled dependency is skipped with a warning. */
  required: boolean;
}

/** A published or exposed port in long syntax. */
export interface ServicePortConfig extends Extensions {
  name?: string;
  /** `ingress` (default) or `host`. */
  mode?: string;
  host_ip?: string;
  /** Container port. */
  target?: number;
  /** Host port or range (`"8080"`, `"8000-8010"`); absent means an ephemeral port. */
  published?: string;
  /** `tcp` (default), `udp` or `sctp`. */
  protocol?: string;
  app_protocol?: string;
}

/** A mount in long syntax. */
export interface ServiceVolume extends Extensions {
  type?: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image' | string;
  /** Host path (bind, absolute once resolved), volume name, or image reference. */
  source?: string;
  target?: string;
  read_only?: boolean;
  consistency?: string;
  bind?: ServiceVolumeBind;
  volume?: ServiceVolumeVolume;
  tmpfs?: ServiceVolumeTmpfs;
  image?: ServiceVolumeImage;
}

export interface ServiceVolumeBind extends Extensions {
  /** `z` (shared) or `Z` (private). */
  selinux?: string;
  propagation?: string;
  /** Create the host path when missing (default true). */
  create_host_path?: boolean;
  recursive?: string;
}

export interface ServiceVolumeVolume extends Extensions {
  labels?: Record<string, string>;
  nocopy?: boolean;
  subpath?: string;
}

export interface ServiceVolumeTmpfs extends Extensions {
  size?: ByteCount;
  /** File mode as a number (e.g. 1777 octal is 1023). */
  mode?: number;
}

export interface ServiceVolumeImage extends Extensions {
  subpath?: string;
}

/** A service-level secret grant (FileReferenceConfig). `target` defaults to `/run/secrets/<source>`. */
export interface ServiceSecretRef extends Extensions {
  source?: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: FileModeString;
}

/** A service-level config grant; the engine's default target is `/<source>`. */
export type ServiceConfigRef = ServiceSecretRef;

/** A host device in the container. */
export interface DeviceMapping extends Extensions {
  source?: string;
  target?: string;
  /** cgroup permissions, default `rwm`. */
  permissions?: string;
}

/** A GPU/device reservation (`gpus`, `deploy.resources.reservations.devices`). */
export interface DeviceRequest extends Extensions {
  capabilities?: string[];
  driver?: string;
  /** Number of devices; `-1` means all. */
  count?: number;
  device_ids?: string[];
  options?: Record<string, string>;
}

/** An `env_file` entry. */
export interface EnvFile {
  path?: string;
  /** Fail when the file is missing (default true). */
  required: boolean;
  /** `""` (dotenv rules) or `raw`. */
  format?: string;
}

export interface ExtendsConfig {
  file?: string;
  service?: string;
}

/** A service's attachment to a network. */
export interface ServiceNetworkConfig extends Extensions {
  aliases?: string[];
  driver_opts?: Record<string, string>;
  gw_priority?: number;
  interface_name?: string;
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
}

export interface ServiceModelConfig extends Extensions {
  endpoint_var?: string;
  model_var?: string;
}

/** A ulimit: one value for soft and hard, or both. */
export type Ulimit = number | ({ soft?: number; hard?: number } & Extensions);

export interface LoggingConfig extends Extensions {
  driver?: string;
  options?: Record<string, string>;
}

export interface CredentialSpecConfig extends Extensions {
  config?: string;
  file?: string;
  registry?: string;
}

export interface ServiceProviderConfig extends Extensions {
  type?: string;
  options?: Record<string, string[]>;
}

/** A lifecycle hook (`pre_start`, `post_start`, `pre_stop`) or a watch `exec`. */
export interface ServiceHook extends Extensions {
  command?: string[];
  /** pre_start only: the image of the init container. */
  image?: string;
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
  /** pre_start only: run once per replica. */
  per_replica?: boolean;
}

// ---- build -----------------------------------------------------------------------------------------

/** How to build the service image (spec build.md). */
export interface BuildConfig extends Extensions {
  /** Directory (absolute once resolved) or a remote context URL. */
  context?: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  entitlements?: string[];
  /** Build args; `null` when no value could be resolved. */
  args?: Record<string, string | null>;
  provenance?: string;
  sbom?: string;
  /** `default` or `id=path` entries. */
  ssh?: string[];
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  additional_contexts?: Record<string, string>;
  pull?: boolean;
  extra_hosts?: string[];
  isolation?: string;
  network?: string;
  target?: string;
  secrets?: ServiceSecretRef[];
  shm_size?: ByteCount;
  tags?: string[];
  ulimits?: Record<string, Ulimit>;
  platforms?: string[];
  privileged?: boolean;
}

// ---- health, deploy, resources ---------------------------------------------------------------------

export interface HealthCheckConfig extends Extensions {
  /** `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", "…"]` (a string test means CMD-SHELL). */
  test?: string[];
  timeout?: GoDuration;
  interval?: GoDuration;
  retries?: number;
  start_period?: GoDuration;
  start_interval?: GoDuration;
  disable?: boolean;
}

/** `deploy` (spec deploy.md). `resources` and `placement` are always present, possibly empty. */
export interface DeployConfig extends Extensions {
  /** `replicated` or `global`. */
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  resources: Resources;
  restart_policy?: RestartPolicy;
  placement: Placement;
  endpoint_mode?: string;
}

export interface UpdateConfig extends Extensions {
  parallelism?: number;
  delay?: GoDuration;
  failure_action?: string;
  monitor?: GoDuration;
  max_failure_ratio?: number;
  order?: string;
}

export interface Resources extends Extensions {
  limits?: Resource;
  reservations?: Resource;
}

export interface Resource extends Extensions {
  cpus?: number;
  memory?: ByteCount;
  pids?: number;
  devices?: DeviceRequest[];
  generic_resources?: GenericResource[];
}

export interface GenericResource extends Extensions {
  discrete_resource_spec?: { kind: string; value: number } & Extensions;
}

export interface RestartPolicy extends Extensions {
  /** `none`, `on-failure` or `any`. */
  condition?: string;
  delay?: GoDuration;
  max_attempts?: number;
  window?: GoDuration;
}

export interface Placement extends Extensions {
  constraints?: string[];
  preferences?: Array<{ spread?: string } & Extensions>;
  max_replicas_per_node?: number;
}

/** Block IO limits; device entries use the spec's keys. */
export interface BlkioConfig extends Extensions {
  weight?: number;
  weight_device?: Array<{ path: string; weight: number } & Extensions>;
  device_read_bps?: ThrottleDevice[];
  device_read_iops?: ThrottleDevice[];
  device_write_bps?: ThrottleDevice[];
  device_write_iops?: ThrottleDevice[];
}

export type ThrottleDevice = { path: string; rate: ByteCount } & Extensions;

/** `develop` (spec develop.md). */
export interface DevelopConfig extends Extensions {
  watch?: WatchTrigger[];
}

export interface WatchTrigger extends Extensions {
  path: string;
  /** `sync`, `rebuild`, `restart`, `sync+restart` or `sync+exec`. */
  action: string;
  target?: string;
  /** Always present (compose-go prints the empty hook too). */
  exec: ServiceHook;
  include?: string[];
  ignore?: string[];
  initial_sync?: boolean;
}

// ---- top-level resources ---------------------------------------------------------------------------

/** A top-level network. `ipam` is always present, possibly empty. */
export interface NetworkConfig extends Extensions {
  /** The engine-side name (`<project>_<key>` once normalized). */
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam: IPAMConfig;
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
}

export interface IPAMConfig extends Extensions {
  driver?: string;
  config?: Array<IPAMPool | null>;
  options?: Record<string, string>;
}

export interface IPAMPool extends Extensions {
  subnet?: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Record<string, string>;
}

/** A top-level volume. */
export interface VolumeConfig extends Extensions {
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

/** A top-level secret (FileObjectConfig): from a file, an environment variable, or external. */
export interface SecretConfig extends Extensions {
  name?: string;
  file?: string;
  /** Name of the project-environment variable holding the value. */
  environment?: string;
  /** The value, when resolved from `environment` (never printed by `config`). */
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
}

/** A top-level config: like a secret, plus inline `content`. */
export type ConfigObjConfig = SecretConfig;

/** A top-level AI model. */
export interface ModelConfig extends Extensions {
  name?: string;
  model?: string;
  context_size?: number;
  runtime_flags?: string[];
}

// ---- conversion ------------------------------------------------------------------------------------

/**
 * The typed conversion (compose-go ModelToProject's mapstructure decoding into `types.Project`), as
 * its JSON shows it: durations → Go duration strings, byte sizes → decimal strings, file modes →
 * octal strings, `cpus` → number, device `count: all` → -1, `command` strings → argv, healthcheck
 * `test` strings → `["CMD-SHELL", …]`, `extra_hosts` → sorted `host=ip` list, ulimits → number or
 * `{soft, hard}`, `K=V` lists → maps, and Go's `omitempty` (zero values dropped). Fields are ordered
 * as compose-go's structs declare them and maps are key-sorted, like its JSON encoder.
 *
 * Pure: returns a new dict, `dict` is untouched (`x-*` extension values are shared, not copied).
 * Expects the canonical (long-syntax) model; needs no working directory (paths are resolved before). Throws ComposeError `COMPOSE_INVALID` with the YAML
 * path for malformed values (`services.web.mem_limit: invalid size "12x": …`).
 */
export function toTypedModel(dict: Dict): Dict {
  return decodeProject(dict);
}

/** What `pull_policy` asks for (compose-go ServiceConfig.GetPullPolicy). */
export interface PullPolicy {
  /** `always`, `never`, `missing`, `build` or `refresh` (`if_not_present` reads as `missing`). */
  policy: 'always' | 'never' | 'missing' | 'build' | 'refresh';
  /** For `refresh`: pull when the local image is older than this many nanoseconds. */
  refreshAfterNs?: number;
}

const DAY_NS = 24 * 3600 * 1e9;

/** Interprets `pull_policy`: `daily`/`weekly`/`every_<duration>` become `refresh`; unset is `missing`. */
export function getPullPolicy(service: Pick<ServiceConfig, 'pull_policy'>): PullPolicy {
  const p = service.pull_policy ?? '';
  switch (p) {
    case 'always':
    case 'never':
    case 'missing':
    case 'build':
      return { policy: p };
    case 'if_not_present':
      return { policy: 'missing' };
    case 'daily':
      return { policy: 'refresh', refreshAfterNs: DAY_NS };
    case 'weekly':
      return { policy: 'refresh', refreshAfterNs: 7 * DAY_NS };
  }
  if (p.startsWith('every_')) return { policy: 'refresh', refreshAfterNs: parseDuration(p.slice(6)) };
  return { policy: 'missing' };
}
