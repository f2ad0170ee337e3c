/**
 * A normalized service → the engine-neutral ContainerSpec of one of its containers (docker/compose
 * pkg/compose/create.go getCreateConfigs / buildContainerVolumes / getRestartPolicy / getAliases,
 * secrets.go). Pure: every engine-side fact it needs (parents' container ids, the image id, engine
 * names of networks and volumes) is passed in.
 *
 * `volumes_from: [svc]` mounts the volumes of svc's first container (by id), `container:name` those of
 * that container. Not mapped yet (ContainerSpec has no field for them): `blkio_config`, `platform`,
 * gpus and device reservations.
 */
import { ComposeError } from '../api/errors.js';
import {
  COMPOSE_VERSION,
  CONFIG_FILES_LABEL,
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  DEPENDENCIES_LABEL,
  ENV_FILE_LABEL,
  IMAGE_LABEL,
  ONEOFF_FALSE,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  REPLACE_LABEL,
  SERVICE_LABEL,
  VERSION_LABEL,
  WORKING_DIR_LABEL,
} from '../api/labels.js';
import type { Project, ServiceConfig, ServicePortConfig, ServiceVolume } from '../compose/model.js';
import { parseBytes, parseDuration } from '../compose/model.js';
import type {
  ContainerSpec,
  EndpointSpec,
  HealthcheckSpec,
  Mount,
  PortBinding,
  RestartPolicy,
} from '../runtime/runtime.js';
import { serviceHash, serviceReference } from './refs.js';
import { networkName, volumeName } from './resources.js';

export interface ContainerSpecOptions {
  /** Replica number (the container-number label). */
  number: number;
  /** The container's final name (`<project>-<service>-<n>` or `container_name`): its network alias. */
  name: string;
  /** The name to create it with, when different (a recreate creates `<oldId12>_<name>` first). */
  createName?: string;
  /** Compose network key → engine name. Default: from the project (`name:`, else `<project>_<key>`). */
  networksByKey?: Readonly<Record<string, string>>;
  /** Compose volume key → engine name. Default: from the project. */
  volumesByKey?: Readonly<Record<string, string>>;
  /** Local image id, written to the image label (the recreate check compares it). */
  imageId?: string;
  /** service → id of its first container: resolves `service:x` references (and the hash). */
  parentContainers?: Readonly<Record<string, string>>;
  /** Name of the container this one replaces (the replace label). */
  replace?: string;
  /** `--env-file` paths, for the environment_file label (set only when given). */
  envFiles?: readonly string[];
}

/** The image a service runs: `image:`, else the default build tag `<project>-<service>`. */
export function serviceImage(project: Pick<Project, 'name'>, name: string, service: ServiceConfig): string {
  return service.image ?? `${project.name}-${name}`;
}

export function serviceToContainerSpec(
  project: Project,
  serviceName: string,
  options: ContainerSpecOptions,
): ContainerSpec {
  const service = project.services[serviceName];
  if (service === undefined) {
    throw new ComposeError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${serviceName}`);
  }
  const parents = options.parentContainers ?? {};
  const ctx: Ctx = { project, serviceName, service, options, parents };

  const spec: ContainerSpec = {
    ...(service.volumes_from && service.volumes_from.length > 0 && { volumesFrom: volumesFrom(ctx) }),
    name: options.createName ?? options.name,
    image: serviceImage(project, serviceName, service),
    env: environment(service),
    labels: labels(ctx),
    mounts: [
      ...mounts(ctx),
      ...tmpfsMounts(service),
      ...fileMounts(ctx, 'secrets'),
      ...fileMounts(ctx, 'configs'),
    ],
    ports: (service.ports ?? []).map((p) => portBinding(ctx, p)),
    networks: {},
  };
  if (service.entrypoint !== undefined) spec.entrypoint = [...service.entrypoint];
  if (service.command !== undefined) spec.command = [...service.command];
  if (service.expose !== undefined) spec.expose = expose(service.expose);

  const mode = service.network_mode ?? service.net;
  if (mode !== undefined) spec.networkMode = namespace(ctx, mode, 'network_mode');
  else spec.networks = networks(ctx);

  copy(spec, 'hostname', service.hostname);
  copy(spec, 'domainname', service.domainname);
  copy(spec, 'user', service.user);
  copy(spec, 'workingDir', service.working_dir);
  copy(spec, 'healthcheck', healthcheck(service));
  copy(spec, 'restart', restartPolicy(service));
  copy(spec, 'init', service.init);
  copy(spec, 'tty', service.tty);
  copy(spec, 'stdinOpen', service.stdin_open);
  copy(spec, 'privileged', service.privileged);
  copy(spec, 'readOnly', service.read_only);
  copy(spec, 'capAdd', service.cap_add && [...service.cap_add]);
  copy(spec, 'capDrop', service.cap_drop && [...service.cap_drop]);
  copy(spec, 'securityOpt', service.security_opt && [...service.security_opt]);
  copy(
    spec,
    'devices',
    service.devices?.map((d) => ({
      source: d.source ?? '',
      target: d.target ?? d.source ?? '',
      ...(d.permissions !== undefined && { permissions: d.permissions }),
    })),
  );
  copy(spec, 'dns', service.dns && [...service.dns]);
  copy(spec, 'dnsSearch', service.dns_search && [...service.dns_search]);
  copy(spec, 'dnsOpt', service.dns_opt && [...service.dns_opt]);
  // The model keeps `host=ip` (compose-go's canonical form); engines take `host:ip`.
  copy(
    spec,
    'extraHosts',
    service.extra_hosts?.map((h) => h.replace('=', ':')),
  );
  copy(spec, 'ulimits', ulimits(service));
  copy(spec, 'sysctls', service.sysctls && { ...service.sysctls });
  copy(spec, 'shmSizeBytes', service.shm_size === undefined ? undefined : parseBytes(service.shm_size));
  copy(spec, 'stopSignal', service.stop_signal);
  copy(
    spec,
    'stopTimeoutSeconds',
    // Go's int(d.Seconds()): truncated.
    service.stop_grace_period === undefined
      ? undefined
      : Math.trunc(parseDuration(service.stop_grace_period) / 1e9),
  );
  copy(spec, 'logging', logging(service));
  copy(spec, 'pid', service.pid === undefined ? undefined : namespace(ctx, service.pid, 'pid'));
  copy(spec, 'ipc', service.ipc === undefined ? undefined : namespace(ctx, service.ipc, 'ipc'));
  copy(spec, 'groupAdd', service.group_add && [...service.group_add]);
  copy(spec, 'oomScoreAdj', service.oom_score_adj);
  copy(spec, 'cgroupParent', service.cgroup_parent);
  copy(spec, 'usernsMode', service.userns_mode);
  copy(spec, 'uts', service.uts);
  copy(spec, 'runtime', service.runtime);
  copy(spec, 'storageOpt', service.storage_opt && { ...service.storage_opt });
  copy(spec, 'resources', resources(service));
  return spec;
}

interface Ctx {
  project: Project;
  serviceName: string;
  service: ServiceConfig;
  options: ContainerSpecOptions;
  parents: Readonly<Record<string, string>>;
}

/** Sets `spec[key]` only when there is a value, so absent stays absent (the engine default). */
function copy<K extends keyof ContainerSpec>(
  spec: ContainerSpec,
  key: K,
  value: ContainerSpec[K] | undefined,
) {
  if (value !== undefined) spec[key] = value;
}

/** Resolved environment; a variable left `null` (no value anywhere) is not set at all. */
function environment(service: ServiceConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.environment ?? {})) if (v !== null) env[k] = v;
  return env;
}

function labels(ctx: Ctx): Record<string, string> {
  const { project, serviceName, service, options } = ctx;
  const out: Record<string, string> = { ...service.labels };
  out[PROJECT_LABEL] = project.name;
  out[SERVICE_LABEL] = serviceName;
  out[CONTAINER_NUMBER_LABEL] = String(options.number);
  out[ONEOFF_LABEL] = ONEOFF_FALSE;
  out[CONFIG_HASH_LABEL] = serviceHash(service, ctx.parents);
  out[VERSION_LABEL] = COMPOSE_VERSION;
  out[WORKING_DIR_LABEL] = project.workingDir;
  out[CONFIG_FILES_LABEL] = project.configFiles.join(',');
  out[DEPENDENCIES_LABEL] = dependsOnLabel(service);
  if (options.imageId !== undefined) out[IMAGE_LABEL] = options.imageId;
  if (options.envFiles !== undefined && options.envFiles.length > 0)
    out[ENV_FILE_LABEL] = options.envFiles.join(',');
  if (options.replace !== undefined) out[REPLACE_LABEL] = options.replace;
  return out;
}

/** `dep:condition:restart,…`, sorted so the label is stable (Go's map order is not). */
export function dependsOnLabel(service: ServiceConfig): string {
  return Object.entries(service.depends_on ?? {})
    .map(([dep, d]) => `${dep}:${d.condition ?? 'service_started'}:${d.restart === true}`)
    .sort()
    .join(',');
}

/** `service:x` → `container:<id of x's first container>`; other modes pass through. */
function namespace(ctx: Ctx, value: string, attribute: string): string {
  const ref = serviceReference(value);
  if (ref === undefined) return value;
  const id = ctx.parents[ref];
  if (id === undefined) {
    throw new ComposeError('COMPOSE_INVALID', `${attribute}: service "${ref}" has no container to share`, {
      location: { path: ['services', ctx.serviceName, attribute], service: ctx.serviceName },
      hint: `create "${ref}" first (it is a dependency of "${ctx.serviceName}")`,
    });
  }
  return `container:${id}`;
}

function volumeEngineName(ctx: Ctx, key: string): string {
  return ctx.options.volumesByKey?.[key] ?? volumeName(ctx.project, key);
}

function networkEngineName(ctx: Ctx, key: string): string {
  return ctx.options.networksByKey?.[key] ?? networkName(ctx.project, key);
}

function mounts(ctx: Ctx): Mount[] {
  return (ctx.service.volumes ?? []).map((v, i) => mount(ctx, v, i));
}

function mount(ctx: Ctx, v: ServiceVolume, index: number): Mount {
  const target = v.target ?? '';
  const ro = v.read_only === true ? { readOnly: true } : {};
  switch (v.type) {
    case 'volume': {
      const m: Mount = { type: 'volume', target, ...ro };
      // A source is a named volume (a key of the top-level `volumes`); none means anonymous.
      if (v.source !== undefined && v.source !== '') m.source = volumeEngineName(ctx, v.source);
      if (v.volume?.nocopy !== undefined) m.noCopy = v.volume.nocopy;
      if (v.volume?.subpath !== undefined) m.subpath = v.volume.subpath;
      return m;
    }
    case 'bind': {
      const m: Mount = { type: 'bind', source: v.source ?? '', target, ...ro };
      if (v.bind?.propagation !== undefined) m.propagation = v.bind.propagation;
      if (v.bind?.create_host_path !== undefined) m.createHostPath = v.bind.create_host_path;
      if (v.bind?.selinux === 'z' || v.bind?.selinux === 'Z') m.selinux = v.bind.selinux;
      return m;
    }
    case 'tmpfs': {
      const m: Mount = { type: 'tmpfs', target };
      if (v.tmpfs?.size !== undefined) m.sizeBytes = parseBytes(v.tmpfs.size);
      if (v.tmpfs?.mode !== undefined) m.mode = v.tmpfs.mode;
      return m;
    }
    case 'image': {
      const m: Mount = { type: 'image', source: v.source ?? '', target };
      if (v.image?.subpath !== undefined) m.subpath = v.image.subpath;
      return m;
    }
    default:
      throw new ComposeError('COMPOSE_INVALID', `volume type "${v.type}" is not supported by berth`, {
        location: { path: ['services', ctx.serviceName, 'volumes', index], service: ctx.serviceName },
      });
  }
}

/** Service `tmpfs: ["/run:size=64m,mode=1777"]` → tmpfs mounts (size and mode; other options dropped). */
function tmpfsMounts(service: ServiceConfig): Mount[] {
  return (service.tmpfs ?? []).map((entry) => {
    const [target, opts] = splitOnce(entry, ':');
    const m: Mount = { type: 'tmpfs', target };
    for (const opt of (opts ?? '').split(',')) {
      const [k, val] = splitOnce(opt, '=');
      if (k === 'size' && val !== undefined) m.sizeBytes = parseBytes(val);
      if (k === 'mode' && val !== undefined) m.mode = Number.parseInt(val, 8);
    }
    return m;
  });
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

/**
 * File-based secrets and configs become read-only bind mounts of their file (docker/compose
 * secrets.go does the same for file-based ones outside swarm). Secrets land in `/run/secrets/<target>`,
 * configs at `/<source>` unless a target is given. Inline (`content`/`environment`) and external ones
 * would need the file copied into the container, which the Runtime cannot do yet: an error, not a
 * silently missing file.
 */
function fileMounts(ctx: Ctx, kind: 'secrets' | 'configs'): Mount[] {
  const refs = ctx.service[kind] ?? [];
  const top = ctx.project[kind] ?? {};
  return refs.map((ref, i) => {
    const source = ref.source ?? '';
    const def = top[source];
    if (def?.file === undefined) {
      throw new ComposeError(
        'COMPOSE_INVALID',
        `${kind.slice(0, -1)} "${source}": only file-based ${kind} are supported by berth`,
        {
          location: { path: ['services', ctx.serviceName, kind, i], service: ctx.serviceName },
          hint: `declare it with \`file:\` under the top-level \`${kind}:\``,
        },
      );
    }
    let target = ref.target ?? (kind === 'secrets' ? source : `/${source}`);
    if (!target.startsWith('/')) target = kind === 'secrets' ? `/run/secrets/${target}` : `/${target}`;
    return { type: 'bind', source: def.file, target, readOnly: true } satisfies Mount;
  });
}

/** Long-syntax port → binding. A published range (`"8000-8010"`) lets the engine pick in it. */
function portBinding(ctx: Ctx, p: ServicePortConfig): PortBinding {
  const b: PortBinding = { target: p.target ?? 0, protocol: protocol(ctx, p.protocol) };
  const published =
    p.published === undefined || p.published === '' ? undefined : Number.parseInt(p.published, 10);
  if (published !== undefined && Number.isFinite(published) && published > 0) {
    b.published = published;
    const end = /^\d+-(\d+)$/.exec(p.published ?? '')?.[1];
    if (end !== undefined) b.publishedEnd = Number.parseInt(end, 10);
  }
  if (p.host_ip !== undefined && p.host_ip !== '') b.hostIp = p.host_ip;
  return b;
}

function protocol(ctx: Ctx, value: string | undefined): PortBinding['protocol'] {
  const p = (value ?? 'tcp').toLowerCase();
  if (p === 'tcp' || p === 'udp' || p === 'sctp') return p;
  throw new ComposeError('COMPOSE_INVALID', `invalid port protocol "${value}"`, {
    location: { path: ['services', ctx.serviceName, 'ports'], service: ctx.serviceName },
  });
}

/** `["3000", "8000-8001", "53/udp"]` → `["3000/tcp", "8000/tcp", "8001/tcp", "53/udp"]`. */
function expose(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const [ports, proto = 'tcp'] = e.split('/');
    const [start, end] = ports!.split('-').map((n) => Number.parseInt(n, 10));
    for (let p = start!; p <= (end ?? start!); p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/**
 * Networks in connection order (higher `priority` first, then by key, as docker/compose sorts them).
 * Aliases: the container name always, then the service name and the configured aliases (getAliases).
 */
function networks(ctx: Ctx): Record<string, EndpointSpec> {
  const entries = Object.entries(ctx.service.networks ?? {}).sort(
    ([ka, a], [kb, b]) => (b?.priority ?? 0) - (a?.priority ?? 0) || (ka < kb ? -1 : ka > kb ? 1 : 0),
  );
  const out: Record<string, EndpointSpec> = {};
  entries.forEach(([key, cfg], i) => {
    const ep: EndpointSpec = { aliases: [ctx.options.name, ctx.serviceName, ...(cfg?.aliases ?? [])] };
    if (cfg?.ipv4_address !== undefined) ep.ipv4Address = cfg.ipv4_address;
    if (cfg?.ipv6_address !== undefined) ep.ipv6Address = cfg.ipv6_address;
    // The service-level mac_address applies to the first network only (as the engine's own field did).
    const mac = cfg?.mac_address ?? (i === 0 ? ctx.service.mac_address : undefined);
    if (mac !== undefined) ep.macAddress = mac;
    if (cfg?.link_local_ips !== undefined) ep.linkLocalIps = [...cfg.link_local_ips];
    if (cfg?.driver_opts !== undefined) ep.driverOpts = { ...cfg.driver_opts };
    if (cfg?.priority !== undefined) ep.priority = cfg.priority;
    out[networkEngineName(ctx, key)] = ep;
  });
  return out;
}

const ms = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d) / 1e6);

function healthcheck(service: ServiceConfig): HealthcheckSpec | undefined {
  const h = service.healthcheck;
  if (h === undefined) return undefined;
  if (h.disable === true) return { test: ['NONE'] };
  const out: HealthcheckSpec = {};
  if (h.test !== undefined) out.test = [...h.test];
  const fields: Array<[keyof HealthcheckSpec, string | undefined]> = [
    ['intervalMs', h.interval],
    ['timeoutMs', h.timeout],
    ['startPeriodMs', h.start_period],
    ['startIntervalMs', h.start_interval],
  ];
  for (const [k, v] of fields) if (v !== undefined) (out as Record<string, unknown>)[k] = ms(v);
  if (h.retries !== undefined) out.retries = h.retries;
  return out;
}

/**
 * create.go getRestartPolicy: `deploy.restart_policy`, when present, overrides `restart:` (it is
 * applied second); conditions map none → no, any → always. An unset condition sets no policy.
 */
export function restartPolicy(service: ServiceConfig): RestartPolicy | undefined {
  const rp = service.deploy?.restart_policy;
  if (rp !== undefined) {
    if (rp.condition === undefined || rp.condition === '') return undefined;
    return policy(rp.condition, rp.max_attempts);
  }
  if (service.restart === undefined) return undefined;
  const [name, max] = service.restart.split(':');
  return policy(name!, max === undefined ? undefined : Number.parseInt(max, 10));
}

function policy(condition: string, max: number | undefined): RestartPolicy {
  const retries = max === undefined || !Number.isFinite(max) || max === 0 ? {} : { maximumRetryCount: max };
  switch (condition) {
    case 'no':
    case 'none':
      return { name: 'no' };
    case 'always':
    case 'any':
      return { name: 'always' };
    case 'unless-stopped':
      return { name: 'unless-stopped' };
    case 'on-failure':
      return { name: 'on-failure', ...retries };
  }
  throw new ComposeError('COMPOSE_INVALID', `invalid restart policy "${condition}"`);
}

function ulimits(service: ServiceConfig): ContainerSpec['ulimits'] {
  if (service.ulimits === undefined) return undefined;
  return Object.entries(service.ulimits)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, u]) =>
      typeof u === 'number' ? { name, soft: u, hard: u } : { name, soft: u.soft ?? 0, hard: u.hard ?? 0 },
    );
}

function logging(service: ServiceConfig): ContainerSpec['logging'] {
  const driver = service.logging?.driver ?? service.log_driver;
  const options = service.logging?.options ?? service.log_opt;
  if (driver === undefined && options === undefined) return undefined;
  return {
    ...(driver !== undefined && { driver }),
    ...(options !== undefined && { options: { ...options } }),
  };
}

/**
 * Service-level limits, overridden by `deploy.resources` where that sets a value (create.go applies
 * setLimits/setReservations after the service-level fields).
 */
function resources(service: ServiceConfig): ContainerSpec['resources'] {
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const bytes = (v: string | undefined) => (v === undefined ? undefined : parseBytes(v));
  const cpus = limits?.cpus ?? service.cpus;
  const r: NonNullable<ContainerSpec['resources']> = {};
  const set = <K extends keyof typeof r>(k: K, v: (typeof r)[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('memoryBytes', bytes(limits?.memory) ?? bytes(service.mem_limit));
  set('memoryReservationBytes', bytes(reservations?.memory) ?? bytes(service.mem_reservation));
  set('memorySwapBytes', bytes(service.memswap_limit));
  set('nanoCpus', cpus === undefined ? undefined : Math.round(cpus * 1e9));
  set('cpuShares', service.cpu_shares);
  set('cpusetCpus', service.cpuset);
  set('pidsLimit', limits?.pids ?? service.pids_limit);
  return Object.keys(r).length === 0 ? undefined : r;
}

/** `volumes_from` entries as the engine takes them: `<container id or name>[:ro|:rw]`. */
function volumesFrom(ctx: Ctx): string[] {
  return (ctx.service.volumes_from ?? []).map((vf) => {
    if (vf.startsWith('container:')) return vf.slice('container:'.length);
    const [service, mode] = vf.split(':');
    const id = ctx.parents[service!];
    if (id === undefined) {
      throw new ComposeError('COMPOSE_INVALID', `volumes_from: service "${service}" has no container`, {
        location: { path: ['services', ctx.serviceName, 'volumes_from'], service: ctx.serviceName },
        hint: `start "${service}" first (it is a dependency of "${ctx.serviceName}")`,
      });
    }
    return mode === undefined ? id : `${id}:${mode}`;
  });
}
