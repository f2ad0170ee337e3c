/**
 * Engine API list/inspect JSON → the engine-neutral ContainerInfo / NetworkInfo / VolumeInfo /
 * ImageInfo. Pure. A container list entry already carries state, human status (with health),
 * ports, networks and mounts, so observing a project needs no per-container inspect.
 */
import { healthcheckFromImage } from '../image-healthcheck.js';
import type {
  ContainerInfo,
  ContainerState,
  ImageInfo,
  NetworkInfo,
  PortBinding,
  RuntimeEvent,
  VolumeInfo,
} from '../runtime.js';

const STATES: ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

function state(s: unknown): ContainerState {
  return STATES.includes(s as ContainerState) ? (s as ContainerState) : 'dead';
}

function health(s: unknown): ContainerInfo['health'] {
  return s === 'healthy' || s === 'unhealthy' || s === 'starting' ? s : undefined;
}

function protocol(p: unknown): PortBinding['protocol'] {
  return p === 'udp' || p === 'sctp' ? p : 'tcp';
}

/** `GET /containers/json` entry → ContainerInfo. */
export function containerFromList(c: any): ContainerInfo {
  const status: string = c.Status ?? '';
  // The list has no health field: it is in the human status, `Up 3 s (healthy)` / `(health: starting)`.
  const h = /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1];
  const exit = /^Exited \((-?\d+)\)/.exec(status)?.[1];
  return {
    id: c.Id,
    name: String(c.Names?.[0] ?? '').replace(/^\//, ''),
    image: c.Image ?? '',
    imageId: c.ImageID || undefined,
    labels: c.Labels ?? {},
    state: state(c.State),
    health: h === 'health: starting' ? 'starting' : health(h),
    exitCode: exit === undefined ? undefined : Number(exit),
    status,
    created: new Date((c.Created ?? 0) * 1000).toISOString(),
    ports: (c.Ports ?? []).map((p: any) => ({
      target: p.PrivatePort,
      published: p.PublicPort || undefined,
      hostIp: p.IP || undefined,
      protocol: protocol(p.Type),
    })),
    networks: networksOf(c.NetworkSettings?.Networks),
    volumes: volumesOf(c.Mounts),
    command: c.Command,
  };
}

/** `GET /containers/{id}/json` → ContainerInfo. */
export function containerFromInspect(c: any): ContainerInfo {
  const st = c.State ?? {};
  const s = state(st.Status);
  const h = health(st.Health?.Status);
  const ports: ContainerInfo['ports'] = [];
  for (const [key, bindings] of Object.entries<any>(c.NetworkSettings?.Ports ?? {})) {
    const [port, proto] = key.split('/');
    const target = Number(port);
    if (!Array.isArray(bindings) || bindings.length === 0) {
      ports.push({ target, protocol: protocol(proto) });
      continue;
    }
    for (const b of bindings) {
      ports.push({
        target,
        published: b.HostPort ? Number(b.HostPort) : undefined,
        hostIp: b.HostIp || undefined,
        protocol: protocol(proto),
      });
    }
  }
  const argv = [c.Path, ...(c.Args ?? [])].filter((a) => typeof a === 'string' && a !== '');
  return {
    id: c.Id,
    name: String(c.Name ?? '').replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    imageId: c.Image || undefined,
    labels: c.Config?.Labels ?? {},
    state: s,
    health: h,
    exitCode: s === 'exited' || s === 'dead' ? st.ExitCode : undefined,
    restartCount: typeof c.RestartCount === 'number' ? c.RestartCount : undefined,
    status: humanStatus(s, st.ExitCode, h),
    created: c.Created,
    ports,
    networks: networksOf(c.NetworkSettings?.Networks),
    volumes: volumesOf(c.Mounts),
    command: argv.join(' '),
  };
}

/** The inspect has no human status; a short one in the list's style (without durations). */
function humanStatus(s: ContainerState, exitCode: number | undefined, h: ContainerInfo['health']): string {
  const healthText = h === undefined ? '' : h === 'starting' ? ' (health: starting)' : ` (${h})`;
  switch (s) {
    case 'running':
      return `Up${healthText}`;
    case 'paused':
      return `Up (Paused)`;
    case 'exited':
      return `Exited (${exitCode ?? 0})`;
    case 'restarting':
      return `Restarting (${exitCode ?? 0})`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Dead';
  }
}

function networksOf(networks: any): ContainerInfo['networks'] {
  const out: ContainerInfo['networks'] = {};
  for (const [name, n] of Object.entries<any>(networks ?? {})) {
    out[name] = {
      networkId: n?.NetworkID || undefined,
      ipAddress: n?.IPAddress || undefined,
      aliases: Array.isArray(n?.Aliases) && n.Aliases.length > 0 ? n.Aliases : undefined,
    };
  }
  return out;
}

function volumesOf(mounts: any): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const m of mounts ?? []) if (m?.Type === 'volume' && m.Name) out[m.Destination] = m.Name;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `GET /networks` entry or `GET /networks/{id}` → NetworkInfo. */
export function networkInfo(n: any): NetworkInfo {
  const containers = n.Containers && typeof n.Containers === 'object' ? Object.keys(n.Containers) : undefined;
  return {
    id: n.Id,
    name: n.Name,
    driver: n.Driver ?? '',
    labels: n.Labels ?? {},
    internal: n.Internal === true,
    containers,
  };
}

export function volumeInfo(v: any): VolumeInfo {
  return {
    name: v.Name,
    driver: v.Driver ?? 'local',
    labels: v.Labels ?? {},
    mountpoint: v.Mountpoint || undefined,
  };
}

/** `GET /images/json` entry (no config) or `GET /images/{ref}/json` (with config) → ImageInfo. */
export function imageInfo(i: any): ImageInfo {
  const config = i.Config;
  const tags: string[] = (i.RepoTags ?? []).filter((t: string) => t !== '<none>:<none>');
  const digests: string[] = (i.RepoDigests ?? []).filter((d: string) => !d.startsWith('<none>@'));
  const created = typeof i.Created === 'number' ? new Date(i.Created * 1000).toISOString() : i.Created;
  return {
    id: i.Id,
    tags,
    digests,
    labels: (config ? config.Labels : i.Labels) ?? {},
    created,
    size: i.Size,
    ...(typeof i.Metadata?.LastTagTime === 'string' && { lastTagTime: i.Metadata.LastTagTime }),
    ...(typeof i.Os === 'string' && i.Os !== ''
      ? {
          platform: [i.Os, i.Architecture, i.Variant]
            .filter((x) => typeof x === 'string' && x !== '')
            .join('/'),
        }
      : {}),
    config: config
      ? {
          entrypoint: config.Entrypoint ?? undefined,
          cmd: config.Cmd ?? undefined,
          env: config.Env ?? undefined,
          workingDir: config.WorkingDir || undefined,
          user: config.User || undefined,
          exposedPorts: config.ExposedPorts ? Object.keys(config.ExposedPorts) : undefined,
          volumes: config.Volumes ? Object.keys(config.Volumes) : undefined,
          healthcheck: config.Healthcheck ? healthcheckFromImage(config.Healthcheck) : undefined,
          stopSignal: config.StopSignal || undefined,
        }
      : undefined,
  };
}

/** One `GET /events` message → RuntimeEvent. */
export function runtimeEvent(e: any): RuntimeEvent {
  const time =
    typeof e.timeNano === 'number'
      ? new Date(Math.floor(e.timeNano / 1_000_000)).toISOString()
      : new Date((e.time ?? 0) * 1000).toISOString();
  return {
    type: e.Type,
    action: e.Action ?? e.status ?? '',
    id: e.Actor?.ID ?? e.id ?? '',
    attributes: e.Actor?.Attributes ?? {},
    time,
  };
}
