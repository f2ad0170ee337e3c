/**
 * compose-go's `types` package as codec tables: every struct with its JSON field names in declaration
 * order (types/types.go, build.go, healthcheck.go, develop.go, hooks.go, models.go, envfile.go,
 * device.go, project.go). Decoding the normalized model through these tables gives the values
 * compose-go's `ModelToProject` holds, in the shape its JSON printer writes them.
 */
import {
  bool,
  boolKeep,
  boolPtr,
  bytes,
  bytesKeep,
  type Codec,
  deviceCount,
  duration,
  durationPtr,
  fileMode,
  float32,
  healthTest,
  hostsList,
  int,
  intKeep,
  intPtr,
  isDict,
  labels,
  listOf,
  mapOf,
  mappingWithEquals,
  multiOptions,
  OMIT,
  options,
  optOut,
  type Path,
  shellCommand,
  sshConfig,
  str,
  stringOrList,
  strings,
  strKeep,
  struct,
  uint,
  uintPtr,
  ulimit,
} from './codec.js';

const ulimits = mapOf(ulimit);

const fileReference = struct({ source: str, target: str, uid: str, gid: str, mode: fileMode });

const deviceRequest = struct({
  capabilities: strings,
  driver: str,
  count: deviceCount,
  device_ids: strings,
  options: labels,
});

const serviceHook = struct({
  command: shellCommand,
  image: str,
  user: str,
  privileged: bool,
  working_dir: str,
  environment: mappingWithEquals,
  per_replica: bool,
});

const build = struct(
  {
    context: str,
    dockerfile: str,
    dockerfile_inline: str,
    entitlements: strings,
    args: mappingWithEquals,
    provenance: str,
    sbom: str,
    ssh: sshConfig,
    labels,
    cache_from: stringOrList,
    cache_to: stringOrList,
    no_cache: bool,
    no_cache_filter: stringOrList,
    additional_contexts: labels,
    pull: bool,
    extra_hosts: hostsList,
    isolation: str,
    network: str,
    target: str,
    secrets: listOf(fileReference),
    shm_size: bytes,
    tags: stringOrList,
    ulimits,
    platforms: stringOrList,
    privileged: bool,
  },
  { ptr: true },
);

const weightDevice = struct({ path: strKeep, weight: intKeep });
const throttleDevice = struct({ path: strKeep, rate: bytesKeep });

const blkio = struct(
  {
    weight: uint,
    weight_device: listOf(weightDevice),
    device_read_bps: listOf(throttleDevice),
    device_read_iops: listOf(throttleDevice),
    device_write_bps: listOf(throttleDevice),
    device_write_iops: listOf(throttleDevice),
  },
  { ptr: true },
);

const updateConfig = struct(
  {
    parallelism: uintPtr,
    delay: duration,
    failure_action: str,
    monitor: duration,
    max_failure_ratio: float32,
    order: str,
  },
  { ptr: true },
);

const resource = struct(
  {
    cpus: float32,
    memory: bytes,
    pids: int,
    devices: listOf(deviceRequest),
    generic_resources: listOf(
      struct({ discrete_resource_spec: struct({ kind: strKeep, value: intKeep }, { ptr: true }) }),
    ),
  },
  { ptr: true },
);

const deploy = struct(
  {
    mode: str,
    replicas: intPtr,
    labels,
    update_config: updateConfig,
    rollback_config: updateConfig,
    resources: struct({ limits: resource, reservations: resource }),
    restart_policy: struct(
      { condition: str, delay: durationPtr, max_attempts: uintPtr, window: durationPtr },
      { ptr: true },
    ),
    placement: struct({
      constraints: strings,
      preferences: listOf(struct({ spread: str })),
      max_replicas_per_node: uint,
    }),
    endpoint_mode: str,
  },
  { ptr: true },
);

const develop = struct(
  {
    watch: listOf(
      struct({
        path: strKeep,
        action: strKeep,
        target: str,
        exec: serviceHook,
        include: strings,
        ignore: strings,
        initial_sync: bool,
      }),
    ),
  },
  { ptr: true },
);

const healthcheck = struct(
  {
    test: healthTest,
    timeout: durationPtr,
    interval: durationPtr,
    retries: uintPtr,
    start_period: durationPtr,
    start_interval: durationPtr,
    disable: bool,
  },
  { ptr: true },
);

const servicePort = struct(
  {
    name: str,
    mode: str,
    host_ip: str,
    target: uint,
    published: str,
    protocol: str,
    app_protocol: str,
  },
  { passStrings: true },
);

const serviceVolume = struct(
  {
    type: str,
    source: str,
    target: str,
    read_only: bool,
    consistency: str,
    bind: struct({ selinux: str, propagation: str, create_host_path: optOut, recursive: str }, { ptr: true }),
    volume: struct({ labels, nocopy: bool, subpath: str }, { ptr: true }),
    tmpfs: struct({ size: bytes, mode: uint }, { ptr: true }),
    image: struct({ subpath: str }, { ptr: true }),
  },
  { passStrings: true },
);

const serviceNetwork = struct(
  {
    aliases: strings,
    driver_opts: options,
    gw_priority: int,
    interface_name: str,
    ipv4_address: str,
    ipv6_address: str,
    link_local_ips: strings,
    mac_address: str,
    priority: int,
  },
  { ptr: true },
);

const service = struct({
  profiles: strings,
  annotations: labels,
  attach: boolPtr,
  build,
  develop,
  blkio_config: blkio,
  cap_add: strings,
  cap_drop: strings,
  cgroup_parent: str,
  cgroup: str,
  cpu_count: int,
  cpu_percent: float32,
  cpu_period: int,
  cpu_quota: int,
  cpu_rt_period: int,
  cpu_rt_runtime: int,
  cpus: float32,
  cpuset: str,
  cpu_shares: int,
  command: shellCommand,
  configs: listOf(fileReference),
  container_name: str,
  credential_spec: struct({ config: str, file: str, registry: str }, { ptr: true }),
  depends_on: mapOf(struct({ condition: str, restart: bool, required: boolKeep })),
  deploy,
  device_cgroup_rules: strings,
  devices: listOf(struct({ source: str, target: str, permissions: str })),
  dns: stringOrList,
  dns_opt: strings,
  dns_search: stringOrList,
  dockerfile: str,
  domainname: str,
  entrypoint: shellCommand,
  provider: struct({ type: str, options: multiOptions }, { ptr: true }),
  environment: mappingWithEquals,
  env_file: listOf(struct({ path: str, required: optOut, format: str })),
  expose: stringOrList,
  extends: struct({ file: str, service: str }, { ptr: true }),
  external_links: strings,
  extra_hosts: hostsList,
  group_add: strings,
  gpus: listOf(deviceRequest),
  hostname: str,
  healthcheck,
  image: str,
  init: boolPtr,
  ipc: str,
  isolation: str,
  labels,
  label_file: stringOrList,
  links: strings,
  logging: struct({ driver: str, options }, { ptr: true }),
  log_driver: str,
  log_opt: options,
  mem_limit: bytes,
  mem_reservation: bytes,
  memswap_limit: bytes,
  mem_swappiness: bytes,
  mac_address: str,
  models: mapOf(struct({ endpoint_var: str, model_var: str }, { ptr: true })),
  net: str,
  network_mode: str,
  networks: mapOf(serviceNetwork),
  oom_kill_disable: bool,
  oom_score_adj: int,
  pid: str,
  pids_limit: int,
  platform: str,
  ports: listOf(servicePort),
  privileged: bool,
  pull_policy: str,
  read_only: bool,
  restart: str,
  runtime: str,
  scale: intPtr,
  secrets: listOf(fileReference),
  security_opt: strings,
  shm_size: bytes,
  stdin_open: bool,
  stop_grace_period: durationPtr,
  stop_signal: str,
  storage_opt: options,
  sysctls: labels,
  tmpfs: stringOrList,
  tty: bool,
  ulimits,
  use_api_socket: bool,
  user: str,
  userns_mode: str,
  uts: str,
  volume_driver: str,
  volumes: listOf(serviceVolume),
  volumes_from: strings,
  working_dir: str,
  pre_start: listOf(serviceHook),
  post_start: listOf(serviceHook),
  pre_stop: listOf(serviceHook),
});

const network = struct({
  name: str,
  driver: str,
  driver_opts: options,
  ipam: struct({
    driver: str,
    config: listOf(
      struct({ subnet: str, gateway: str, ip_range: str, aux_addresses: labels }, { ptr: true }),
    ),
    options,
  }),
  external: bool,
  internal: bool,
  attachable: bool,
  labels,
  enable_ipv4: boolPtr,
  enable_ipv6: boolPtr,
});

const volume = struct({ name: str, driver: str, driver_opts: options, external: bool, labels });

/** FileObjectConfig; `content` is a model value here (compose-go's printer hides it). */
const fileObject = struct({
  name: str,
  file: str,
  environment: str,
  content: str,
  external: bool,
  labels,
  driver: str,
  driver_opts: options,
  template_driver: str,
});

const model = struct({ name: str, model: str, context_size: int, runtime_flags: strings });

const projectFields: Record<string, Codec> = {
  name: str,
  services: mapOf(service, { keep: true }),
  networks: mapOf(network),
  volumes: mapOf(volume),
  secrets: mapOf(fileObject),
  configs: mapOf(fileObject),
  models: mapOf(model),
};
const project = struct(projectFields);

/**
 * The typed conversion compose-go's `ModelToProject` performs (mapstructure decoding into `types.*`),
 * as its JSON encoding shows it. Returns a new object; `dict` is not modified.
 */
export function decodeProject(dict: unknown): Record<string, unknown> {
  const path: Path = [];
  const out = project.decode(isDict(dict) ? dict : {}, path);
  return out === OMIT ? { services: {} } : (out as Record<string, unknown>);
}

/** The codec of one service, for callers that convert a single service dict. */
export function decodeService(dict: unknown, path: Path = []): Record<string, unknown> {
  return service.decode(dict ?? null, path) as Record<string, unknown>;
}
