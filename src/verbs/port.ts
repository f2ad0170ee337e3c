/**
 * `port`: where a service's container publishes a private port (docker/compose pkg/compose/port.go).
 * The container is the one `docker compose port` picks: running, of that service, numbered `index` when
 * given, else the lowest number, one-off (`run`) containers last.
 */
import { BerthError } from '../api/errors.js';
import type { PortBindingResult, PortOptions } from '../api/inspect.js';
import {
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../api/labels.js';
import type { Project } from '../compose/model.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

/** Compose's order: by container number, one-off containers after the others. */
export function pickContainer(containers: readonly ContainerInfo[]): ContainerInfo | undefined {
  const number = (c: ContainerInfo) => Number.parseInt(c.labels[CONTAINER_NUMBER_LABEL] ?? '', 10) || 0;
  const oneOff = (c: ContainerInfo) => c.labels[ONEOFF_LABEL] === ONEOFF_TRUE;
  return [...containers].sort((a, b) => {
    if (oneOff(a) !== oneOff(b)) return oneOff(a) ? 1 : -1;
    if (oneOff(a)) return 0;
    return number(a) - number(b);
  })[0];
}

/** The binding of `privatePort/protocol` on `container`, or compose's "no port" error. */
export function findBinding(
  container: ContainerInfo,
  privatePort: number,
  protocol: string,
): PortBindingResult {
  for (const p of container.ports) {
    if (p.target === privatePort && p.protocol === protocol && p.published !== undefined) {
      return { ip: p.hostIp ?? '', port: p.published };
    }
  }
  // compose lists the container's ports as `<private>/<proto>` (exposed-only ones too).
  const ports = container.ports.map((p) => `${p.target}/${p.protocol}`).join(', ');
  throw new BerthError(
    'RUNTIME_NOT_FOUND',
    `no port ${privatePort}/${protocol} for container ${container.name}: ${ports}`,
  );
}

/** The public address of `service`'s `privatePort` (`docker compose port SERVICE PRIVATE_PORT`). */
export async function port(
  project: Project | string,
  service: string,
  privatePort: number,
  options: PortOptions = {},
): Promise<PortBindingResult> {
  const name = typeof project === 'string' ? project : project.name;
  const protocol = (options.protocol ?? 'tcp').toLowerCase();
  const index = options.index ?? 0;
  return withEngine(name, options, false, async ({ runtime }) => {
    const labels: Record<string, string> = { [PROJECT_LABEL]: name, [SERVICE_LABEL]: service };
    if (index > 0) labels[CONTAINER_NUMBER_LABEL] = String(index);
    const container = pickContainer(await runtime.listContainers({ labels, all: false }));
    if (!container) {
      throw new BerthError(
        'RUNTIME_NOT_FOUND',
        index > 0
          ? `service "${service}" is not running container #${index}`
          : `service "${service}" is not running`,
        index > 0 ? {} : { hint: `start it with \`berth up -d ${service}\`` },
      );
    }
    return findBinding(container, privatePort, protocol);
  });
}
