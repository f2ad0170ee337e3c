/**
 * ContainerSpec (engine-neutral) → the body of `POST /containers/create` and the network endpoints to
 * connect afterwards. Pure. Durations are milliseconds in the spec and nanoseconds in the Engine API.
 *
 * Engines before API 1.44 accept only one network at create time, so the first network goes into
 * NetworkingConfig and the others are connected before start (what Compose does too).
 */
import type { ContainerSpec, EndpointSpec, HealthcheckSpec, Mount, NetworkSpec } from '../runtime.js';

/** The create body plus what must follow it. */
export interface CreatePlan {
  name: string;
  body: Record<string, unknown>;
  /** Networks beyond the first, connected after create (in order). */
  connect: Array<{ network: string; endpoint: Record<string, unknown> }>;
}

export function containerCreatePlan(spec: ContainerSpec): CreatePlan {
  const networkNames = Object.keys(spec.networks);
  const firstNetwork = spec.networkMode === undefined ? networkNames[0] : undefined;
  const { exposed, bindings } = portMaps(spec);
  const { binds, mounts } = mountLists(spec.mounts);

  const hostConfig = compact({
    NetworkMode: spec.networkMode ?? firstNetwork,
    AutoRemove: spec.autoRemove,
    Binds: binds.length > 0 ? binds : undefined,
    VolumesFrom: spec.volumesFrom && spec.volumesFrom.length > 0 ? spec.volumesFrom : undefined,
    Mounts: mounts.length > 0 ? mounts : undefined,
    PortBindings: Object.keys(bindings).length > 0 ? bindings : undefined,
    RestartPolicy: spec.restart
      ? compact({
          Name: spec.restart.name === 'no' ? '' : spec.restart.name,
          MaximumRetryCount: spec.restart.name === 'on-failure' ? spec.restart.maximumRetryCount : undefined,
        })
      : undefined,
    Init: spec.init,
    Privileged: spec.privileged,
    ReadonlyRootfs: spec.readOnly,
    CapAdd: spec.capAdd,
    CapDrop: spec.capDrop,
    SecurityOpt: spec.securityOpt,
    Devices: spec.devices?.map((d) => ({
      PathOnHost: d.source,
      PathInContainer: d.target,
      CgroupPermissions: d.permissions ?? 'rwm',
    })),
    Dns: spec.dns,
    DnsSearch: spec.dnsSearch,
    DnsOptions: spec.dnsOpt,
    ExtraHosts: spec.extraHosts,
    Ulimits: spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    Sysctls: spec.sysctls,
    ShmSize: spec.shmSizeBytes,
    LogConfig: spec.logging?.driver
      ? { Type: spec.logging.driver, Config: spec.logging.options ?? {} }
      : spec.logging?.options
        ? { Type: '', Config: spec.logging.options }
        : undefined,
    PidMode: spec.pid,
    IpcMode: spec.ipc,
    GroupAdd: spec.groupAdd,
    OomScoreAdj: spec.oomScoreAdj,
    CgroupParent: spec.cgroupParent,
    UsernsMode: spec.usernsMode,
    UTSMode: spec.uts,
    Runtime: spec.runtime,
    StorageOpt: spec.storageOpt,
    Memory: spec.resources?.memoryBytes,
    MemoryReservation: spec.resources?.memoryReservationBytes,
    MemorySwap: spec.resources?.memorySwapBytes,
    NanoCpus: spec.resources?.nanoCpus,
    CpuShares: spec.resources?.cpuShares,
    CpusetCpus: spec.resources?.cpusetCpus,
    PidsLimit: spec.resources?.pidsLimit,
  });

  const body = compact({
    Image: spec.image,
    Entrypoint: spec.entrypoint,
    Cmd: spec.command,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    User: spec.user,
    WorkingDir: spec.workingDir,
    ExposedPorts: Object.keys(exposed).length > 0 ? exposed : undefined,
    Healthcheck: spec.healthcheck ? healthcheckBody(spec.healthcheck) : undefined,
    Tty: spec.tty,
    OpenStdin: spec.stdinOpen,
    StdinOnce: spec.stdinOnce,
    // Compose attaches stdin only for interactive services; stdout/stderr always (logs need them).
    AttachStdin: spec.stdinOpen ? true : undefined,
    AttachStdout: true,
    AttachStderr: true,
    StopSignal: spec.stopSignal,
    StopTimeout: spec.stopTimeoutSeconds,
    HostConfig: hostConfig,
    NetworkingConfig:
      firstNetwork !== undefined
        ? { EndpointsConfig: { [firstNetwork]: endpointBody(spec.networks[firstNetwork]) } }
        : undefined,
  });

  const connect =
    firstNetwork === undefined
      ? []
      : networkNames.slice(1).map((network) => ({ network, endpoint: endpointBody(spec.networks[network]) }));
  return { name: spec.name, body, connect };
}

export function endpointBody(endpoint: EndpointSpec | undefined): Record<string, unknown> {
  if (!endpoint) return {};
  const ipam = compact({
    IPv4Address: endpoint.ipv4Address,
    IPv6Address: endpoint.ipv6Address,
    LinkLocalIPs: endpoint.linkLocalIps,
  });
  return compact({
    Aliases: endpoint.aliases && endpoint.aliases.length > 0 ? endpoint.aliases : undefined,
    IPAMConfig: Object.keys(ipam).length > 0 ? ipam : undefined,
    MacAddress: endpoint.macAddress,
    DriverOpts: endpoint.driverOpts,
    GwPriority: endpoint.priority,
  });
}

const MS_TO_NS = 1_000_000;

export function healthcheckBody(h: HealthcheckSpec): Record<string, unknown> {
  return compact({
    Test: h.test,
    Interval: h.intervalMs === undefined ? undefined : h.intervalMs * MS_TO_NS,
    Timeout: h.timeoutMs === undefined ? undefined : h.timeoutMs * MS_TO_NS,
    StartPeriod: h.startPeriodMs === undefined ? undefined : h.startPeriodMs * MS_TO_NS,
    StartInterval: h.startIntervalMs === undefined ? undefined : h.startIntervalMs * MS_TO_NS,
    Retries: h.retries,
  });
}

/** ExposedPorts and PortBindings keyed `port/proto`; several host bindings of one port share a key. */
function portMaps(spec: ContainerSpec): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const e of spec.expose ?? []) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  for (const p of spec.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({
      HostIp: p.hostIp ?? '',
      HostPort:
        p.published === undefined
          ? ''
          : p.publishedEnd !== undefined && p.publishedEnd !== p.published
            ? `${p.published}-${p.publishedEnd}`
            : String(p.published),
    });
  }
  return { exposed, bindings };
}

/**
 * Binds for bind mounts that may create their host path or carry SELinux labels (the legacy `-v`
 * form is the only one where dockerd creates a missing source and relabels); Mounts for the rest.
 */
function mountLists(list: Mount[]): { binds: string[]; mounts: Array<Record<string, unknown>> } {
  const binds: string[] = [];
  const mounts: Array<Record<string, unknown>> = [];
  for (const m of list) {
    switch (m.type) {
      case 'bind':
        if (m.createHostPath || m.selinux) {
          const opts = [m.readOnly ? 'ro' : undefined, m.selinux, m.propagation].filter(Boolean);
          binds.push(`${m.source}:${m.target}${opts.length > 0 ? `:${opts.join(',')}` : ''}`);
        } else {
          mounts.push(
            compact({
              Type: 'bind',
              Source: m.source,
              Target: m.target,
              ReadOnly: m.readOnly,
              BindOptions: m.propagation ? { Propagation: m.propagation } : undefined,
            }),
          );
        }
        break;
      case 'volume': {
        const volumeOptions = compact({ NoCopy: m.noCopy, Subpath: m.subpath });
        mounts.push(
          compact({
            Type: 'volume',
            // Empty source = an anonymous volume the engine names.
            Source: m.source ?? '',
            Target: m.target,
            ReadOnly: m.readOnly,
            VolumeOptions: Object.keys(volumeOptions).length > 0 ? volumeOptions : undefined,
          }),
        );
        break;
      }
      case 'tmpfs': {
        const tmpfsOptions = compact({ SizeBytes: m.sizeBytes, Mode: m.mode });
        mounts.push(
          compact({
            Type: 'tmpfs',
            Target: m.target,
            TmpfsOptions: Object.keys(tmpfsOptions).length > 0 ? tmpfsOptions : undefined,
          }),
        );
        break;
      }
      case 'image':
        mounts.push(
          compact({
            Type: 'image',
            Source: m.source,
            Target: m.target,
            ImageOptions: m.subpath ? { Subpath: m.subpath } : undefined,
          }),
        );
        break;
    }
  }
  return { binds, mounts };
}

/** NetworkSpec → `POST /networks/create` body. */
export function networkCreateBody(spec: NetworkSpec): Record<string, unknown> {
  return compact({
    Name: spec.name,
    // Without it, old engines accept two networks of one name.
    CheckDuplicate: true,
    Driver: spec.driver,
    Options: spec.driverOpts,
    Labels: spec.labels,
    Internal: spec.internal,
    Attachable: spec.attachable,
    EnableIPv6: spec.enableIPv6,
    IPAM: spec.ipam
      ? compact({
          Driver: spec.ipam.driver ?? 'default',
          Options: spec.ipam.options,
          Config: spec.ipam.config?.map((c) =>
            compact({
              Subnet: c.subnet,
              IPRange: c.ipRange,
              Gateway: c.gateway,
              AuxiliaryAddresses: c.auxAddresses,
            }),
          ),
        })
      : undefined,
  });
}

/** Drops undefined fields so the engine applies its defaults. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
