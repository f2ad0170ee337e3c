/**
 * `ps` output as docker compose prints it (cmd/formatter/container.go over the docker CLI's formatter):
 * - table: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS through Go's tabwriter (min width 10,
 *   padding 3); COMMAND quoted and ellipsized at 20 characters unless --no-trunc; CREATED relative
 *   (go-units HumanDuration + " ago"); PORTS as the docker CLI's DisplayablePorts
 *   (`127.0.0.1:8080->80/tcp`, consecutive ports grouped into ranges);
 * - json: JSON Lines, one object per container (compose ≥ 2.21; see compose-behaviour.md §4.3), keys in
 *   Go's map order (sorted), the values of the formatter's getters: ID 12 characters unless --no-trunc,
 *   Command quoted as in the table, CreatedAt as Go's time.String() in UTC.
 * Pure functions of the summaries and a clock, so they are unit-tested.
 */
import type { ContainerSummary, Publisher } from '../../api/verbs.js';
import { tabulate } from '../commands/config.js';

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

export function runningFor(createdSeconds: number, nowMs: number): string {
  return `${humanDuration(nowMs - createdSeconds * 1000)} ago`;
}

/** The docker CLI's Ellipsis: at most `max` characters, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

export function formatCommand(command: string, noTrunc: boolean): string {
  return JSON.stringify(noTrunc ? command : ellipsis(command, 20));
}

/** net.JoinHostPort: IPv6 literals in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * docker/cli formatter.DisplayablePorts. Published on a host port equal to the container port and
 * consecutive: grouped (`0.0.0.0:8000-8001->8000-8001/tcp`); published elsewhere: one mapping each,
 * after the groups; not published (no URL): `80/tcp`.
 */
export function displayablePorts(publishers: Publisher[]): string {
  const ports = [...publishers].sort(
    (a, b) =>
      a.TargetPort - b.TargetPort ||
      (a.URL < b.URL ? -1 : a.URL > b.URL ? 1 : 0) ||
      a.PublishedPort - b.PublishedPort ||
      (a.Protocol < b.Protocol ? -1 : a.Protocol > b.Protocol ? 1 : 0),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, first: number, last: number): string => {
    const slash = key.lastIndexOf('/');
    const ip = slash >= 0 ? key.slice(0, slash) : '';
    const type = slash >= 0 ? key.slice(slash + 1) : key;
    let group = first === last ? String(first) : `${first}-${last}`;
    if (ip !== '') group = `${ip.includes(':') ? `[${ip}]` : ip}:${group}->${group}`;
    return `${group}/${type}`;
  };
  for (const p of ports) {
    let key = p.Protocol;
    if (p.URL !== '') {
      if (p.PublishedPort !== p.TargetPort) {
        mappings.push(`${joinHostPort(p.URL, p.PublishedPort)}->${p.TargetPort}/${p.Protocol}`);
        continue;
      }
      key = `${p.URL}/${p.Protocol}`;
    }
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { first: p.TargetPort, last: p.TargetPort });
      continue;
    }
    if (p.TargetPort === g.last + 1) {
      g.last = p.TargetPort;
      continue;
    }
    result.push(form(key, g.first, g.last));
    // The key keeps its first-seen slot (Go keeps a slice of first-seen keys).
    g.first = p.TargetPort;
    g.last = p.TargetPort;
  }
  for (const [key, g] of groups) result.push(form(key, g.first, g.last));
  return [...result, ...mappings].join(', ');
}

export interface PsRenderOptions {
  noTrunc?: boolean;
  /** ms since the epoch; default Date.now(). */
  now?: number;
}

export function psTable(containers: ContainerSummary[], options: PsRenderOptions = {}): string {
  const now = options.now ?? Date.now();
  const rows = [
    ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'],
    ...containers.map((c) => [
      c.Name,
      c.Image,
      formatCommand(c.Command, options.noTrunc === true),
      c.Service,
      runningFor(c.Created, now),
      c.Status,
      displayablePorts(c.Publishers),
    ]),
  ];
  return tabulate(rows, 10, 3);
}

/** Go's time.Time.String() of a Unix time, in UTC: `2026-11-23 13:42:51 +0000 UTC`. */
export function goTimeString(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

/** The object `docker compose ps --format json` prints for one container. */
export function psJsonObject(c: ContainerSummary, options: PsRenderOptions = {}): Record<string, unknown> {
  const now = options.now ?? Date.now();
  // Sorted keys: the docker CLI marshals a Go map of the getters.
  return {
    Command: formatCommand(c.Command, options.noTrunc === true),
    CreatedAt: goTimeString(c.Created),
    ExitCode: c.ExitCode,
    Health: c.Health,
    ID: options.noTrunc ? c.ID : c.ID.slice(0, 12),
    Image: c.Image,
    Labels: c.Labels,
    Name: c.Name,
    Names: c.Name,
    Networks: c.Networks,
    Ports: displayablePorts(c.Publishers),
    Project: c.Project,
    Publishers: c.Publishers.map((p) => ({
      URL: p.URL,
      TargetPort: p.TargetPort,
      PublishedPort: p.PublishedPort,
      Protocol: p.Protocol,
    })),
    RunningFor: runningFor(c.Created, now),
    Service: c.Service,
    State: c.State,
    Status: c.Status,
  };
}

export function psJsonLines(containers: ContainerSummary[], options: PsRenderOptions = {}): string {
  return containers.map((c) => `${JSON.stringify(psJsonObject(c, options))}\n`).join('');
}
