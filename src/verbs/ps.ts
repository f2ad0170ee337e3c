/**
 * `ps`: the project's containers, in `docker compose ps --format json`'s shape (docker/compose
 * cmd/formatter/container.go), from ONE list call by project label.
 */
import {
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../api/labels.js';
import type { ContainerSummary, PsOptions } from '../api/verbs.js';
import type { ContainerInfo, Runtime } from '../runtime/runtime.js';

export function summarize(c: ContainerInfo): ContainerSummary {
  const labels = c.labels;
  const oneOff = labels[ONEOFF_LABEL] === ONEOFF_TRUE;
  return {
    ID: c.id,
    Name: c.name,
    Image: c.image,
    Command: c.command ?? '',
    Project: labels[PROJECT_LABEL] ?? '',
    Service: labels[SERVICE_LABEL] ?? '',
    Created: Math.floor(Date.parse(c.created) / 1000) || 0,
    State: c.state,
    Status: c.status,
    Health: c.health ?? '',
    ExitCode: c.exitCode ?? 0,
    // Exposed-only ports are listed too (PublishedPort 0), as compose does.
    Publishers: c.ports.map((p) => ({
      URL: p.published === undefined ? '' : (p.hostIp ?? '0.0.0.0'),
      TargetPort: p.target,
      PublishedPort: p.published ?? 0,
      Protocol: p.protocol,
    })),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(','),
    Networks: Object.keys(c.networks).sort().join(','),
    Number: oneOff ? 0 : Number.parseInt(labels[CONTAINER_NUMBER_LABEL] ?? '0', 10) || 0,
  };
}

/** Sorted as Compose prints them: by service, then number, then name. */
export function compareSummaries(a: ContainerSummary, b: ContainerSummary): number {
  if (a.Service !== b.Service) return a.Service < b.Service ? -1 : 1;
  if (a.Number !== b.Number) return a.Number - b.Number;
  return a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0;
}

/** Every container, summarized and sorted. */
export function summarizeAll(containers: readonly ContainerInfo[]): ContainerSummary[] {
  return containers.map(summarize).sort(compareSummaries);
}

export async function listProjectContainers(
  runtime: Runtime,
  projectName: string,
  options: Pick<PsOptions, 'all' | 'services' | 'status'> = {},
): Promise<ContainerSummary[]> {
  const list = await runtime.listContainers({ labels: { [PROJECT_LABEL]: projectName }, all: true });
  const services = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  const statuses = options.status && options.status.length > 0 ? new Set(options.status) : undefined;
  return list
    .map(summarize)
    .filter((s) =>
      options.all || statuses
        ? true
        : s.State === 'running' || s.State === 'restarting' || s.State === 'paused',
    )
    .filter((s) => !services || services.has(s.Service))
    .filter((s) => !statuses || statuses.has(s.State))
    .sort(compareSummaries);
}
