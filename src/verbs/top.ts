/**
 * `top`: the processes of the project's running containers (docker/compose pkg/compose/top.go), one
 * engine `top` call per container, all at once.
 */
import type { ContainerProcesses, TopOptions } from '../api/inspect.js';
import { CONTAINER_NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL } from '../api/labels.js';
import type { Project } from '../compose/model.js';
import { withEngine } from './engine.js';

export async function top(
  project: Project | string,
  options: TopOptions = {},
): Promise<ContainerProcesses[]> {
  const name = typeof project === 'string' ? project : project.name;
  const services = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  return withEngine(name, options, false, async ({ runtime }) => {
    const containers = (
      await runtime.listContainers({ labels: { [PROJECT_LABEL]: name }, all: false })
    ).filter((c) => !services || services.has(c.labels[SERVICE_LABEL] ?? ''));
    const result = await Promise.all(
      containers.map(async (c): Promise<ContainerProcesses> => {
        const list = await runtime.topContainer(c.id, { signal: options.signal });
        return {
          ID: c.id,
          Name: c.name,
          Service: c.labels[SERVICE_LABEL] ?? c.name,
          Replica: c.labels[CONTAINER_NUMBER_LABEL] ?? '',
          Titles: list.titles,
          Processes: list.processes,
        };
      }),
    );
    return result.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  });
}
