/**
 * Which containers need the project supervisor (a restart policy other than `no`, or a healthcheck),
 * starting it, and the exit hook conmon runs (exit-hook.ts). The supervisor is per Compose
 * project (`com.docker.compose.project`); containers outside a project share the `no.project` one (a
 * name no Compose project can have: they cannot contain dots). It exits
 * by itself once nothing is left to supervise, so nothing here stops it.
 */
import { join } from 'node:path';
import { PROJECT_LABEL } from '../../api/labels.js';
import { nodeEntry } from '../../engine/entry.js';
import type { EnginePaths } from '../../engine/paths.js';
import type { ContainerRecord } from '../../engine/run/types.js';
import { ensureSupervisor } from '../../engine/supervisor/client.js';

export const NO_PROJECT = 'no.project';

/** The supervisor a container needs, or undefined. */
export function supervisedProject(rec: Pick<ContainerRecord, 'labels' | 'spec'>): string | undefined {
  const restart = rec.spec.restart?.name ?? 'no';
  const test = rec.spec.healthcheck?.test;
  const health = test !== undefined && test.length > 0 && test[0] !== 'NONE';
  if (restart === 'no' && !health) return undefined;
  return rec.labels[PROJECT_LABEL] || NO_PROJECT;
}

export async function ensureProjectSupervisor(
  paths: EnginePaths,
  rec: Pick<ContainerRecord, 'labels' | 'spec'>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const project = supervisedProject(rec);
  if (project === undefined) return;
  const e = nodeEntry('engine/supervisor/main');
  const host = nodeEntry('runtime/builtin/supervisor-host');
  await ensureSupervisor({
    paths,
    project,
    entry: e.entry,
    execPath: e.execPath,
    execArgv: e.execArgv,
    args: ['--host-module', host.entry],
    env,
  });
}

/** Present while the supervisor has decided to restart the container and waits out its back-off. */
export function restartPendingFile(containerDir: string): string {
  return join(containerDir, 'restart-pending');
}

/** While it exists, the container's exit is journalled by the berth process stopping it. */
export function stoppingMarker(paths: EnginePaths, id: string): string {
  return join(paths.exits, `.${id}.stopping`);
}

/** A shell word: single-quoted. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * What conmon runs when a container exits (it appends the id): a shell that starts the Node hook only
 * when no berth process is stopping the container (stoppingMarker). Starting Node costs ~0.15 s of
 * CPU, which a `down` of 50 containers paid 50 times over for events the stopper writes anyway.
 */
export function exitHookCommand(paths: EnginePaths): string[] {
  const e = nodeEntry('runtime/builtin/exit-hook');
  const script = `for id; do :; done; [ -e ${quote(paths.exits)}/".$id.stopping" ] && exit 0; exec "$@"`;
  return [
    '/bin/sh',
    '-c',
    script,
    'berth-exit-hook',
    e.execPath,
    ...e.execArgv,
    e.entry,
    '--root',
    paths.root,
    '--run-root',
    paths.runRoot,
  ];
}
