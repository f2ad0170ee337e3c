/**
 * `exec` (docker/compose pkg/compose/exec.go, containers.go getSpecifiedContainer): run a command in
 * a running container of a service — the lowest-numbered one, service containers before one-offs, or
 * replica `index` — and pass its exit code back. Without streams the output is collected and
 * returned; with them stdin flows in (its end closes the command's stdin) and output out as it comes.
 */
import { BerthError } from '../api/errors.js';
import type { ExecOptions, ExecResult } from '../api/interactive.js';
import {
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  ONEOFF_TRUE,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../api/labels.js';
import type { Project } from '../compose/model.js';
import type { ContainerInfo, Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

export interface ServiceContainerQuery {
  /** Only this replica (container number); 0 or undefined = any. */
  index?: number;
  /** Include one-off (`run`) containers (after the service's own). */
  oneOffs: boolean;
  /** Include stopped containers. */
  all: boolean;
}

const numberOf = (c: ContainerInfo) => Number.parseInt(c.labels[CONTAINER_NUMBER_LABEL] ?? '', 10) || 0;
const isOneOff = (c: ContainerInfo) => c.labels[ONEOFF_LABEL] === ONEOFF_TRUE;

/** Compose's order: service containers by number, then one-offs (by name, for stability). */
export function compareForTarget(a: ContainerInfo, b: ContainerInfo): number {
  const oa = isOneOff(a);
  const ob = isOneOff(b);
  if (oa !== ob) return oa ? 1 : -1;
  if (!oa && numberOf(a) !== numberOf(b)) return numberOf(a) - numberOf(b);
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The containers of `service` in project `projectName`, in Compose's order. */
export async function serviceContainers(
  runtime: Runtime,
  projectName: string,
  service: string,
  query: ServiceContainerQuery,
): Promise<ContainerInfo[]> {
  const labels: Record<string, string> = { [PROJECT_LABEL]: projectName, [SERVICE_LABEL]: service };
  if (query.index !== undefined && query.index > 0) labels[CONTAINER_NUMBER_LABEL] = String(query.index);
  const list = await runtime.listContainers({ labels, all: query.all });
  return list.filter((c) => query.oneOffs || !isOneOff(c)).sort(compareForTarget);
}

/** Compose's message when nothing runs: `service "web" is not running` (`… container #2`). */
export function notRunningError(service: string, index?: number): BerthError {
  const which = index !== undefined && index > 0 ? ` container #${index}` : '';
  return new BerthError('SERVICE_NOT_RUNNING', `service "${service}" is not running${which}`, {
    hint: `start it first (\`berth up -d ${service}\`), or use \`berth run ${service} …\` for a one-off container`,
  });
}

/** Rejects a service the loaded project does not know (a project name alone cannot tell). */
export function checkService(project: Project | string, service: string): void {
  if (typeof project === 'string') return;
  if (project.services[service] || project.disabledServices?.[service]) return;
  throw new BerthError('COMPOSE_UNKNOWN_SERVICE', `no such service: ${service}`, {
    hint: `services: ${Object.keys(project.services).sort().join(', ') || '(none)'}`,
  });
}

export async function exec(
  project: Project | string,
  service: string,
  command: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (command.length === 0) throw new BerthError('USAGE', 'exec needs a command to run');
  checkService(project, service);
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime }) => {
    const [target] = await serviceContainers(runtime, name, service, {
      index: options.index,
      oneOffs: true,
      all: false,
    });
    if (!target) throw notRunningError(service, options.index);
    const result = await runtime.exec(target.id, {
      cmd: command,
      env: options.environment,
      user: options.user || undefined,
      workingDir: options.workdir || undefined,
      privileged: options.privileged,
      tty: options.tty,
      ttySize: options.ttySize,
      stdin: options.stdin,
      stdout: options.stdout,
      stderr: options.stderr,
      detach: options.detach,
      signal: options.signal,
      onStart: (execId) => options.onStart?.({ resize: (size) => runtime.resizeExec(execId, size) }),
    });
    const container = { id: target.id, name: target.name };
    if (options.detach) return { container };
    return {
      exitCode: result.exitCode,
      ...(result.stdout !== undefined && { stdout: result.stdout }),
      ...(result.stderr !== undefined && { stderr: result.stderr }),
      container,
    };
  });
}
