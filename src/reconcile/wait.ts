/**
 * depends_on conditions (spec 05-services.md#depends_on; docker/compose convergence.go
 * waitDependencies): `service_started` holds once the dependency was started, `service_healthy` once
 * every container of it reports healthy (unhealthy or exited fails), `service_completed_successfully`
 * once every container exited with code 0. A failed `required: false` dependency only warns.
 */
import { RuntimeError } from '../api/errors.js';
import type { Runtime } from '../runtime/runtime.js';

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface WaitTarget {
  service: string;
  containers: Array<{ id: string; name: string }>;
}

/** How often health is polled: small, because a health chain's latency adds up link by link. */
const POLL_MS = 100;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function failed(message: string, hint?: string): RuntimeError {
  return new RuntimeError('RUNTIME_ERROR', message, { hint });
}

async function waitHealthy(
  runtime: Runtime,
  c: { id: string; name: string },
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    const info = await runtime.inspectContainer(c.id);
    if (!info) throw failed(`dependency failed to start: container ${c.name} is gone`);
    if (info.state === 'exited' || info.state === 'dead') {
      throw failed(
        `dependency failed to start: container ${c.name} exited (${info.exitCode ?? '?'})`,
        `see \`berth logs\``,
      );
    }
    if (info.health === undefined && info.state === 'running') {
      throw failed(
        `dependency failed to start: container ${c.name} has no healthcheck configured`,
        'add a healthcheck to the service, or use condition: service_started',
      );
    }
    if (info.health === 'healthy') return;
    if (info.health === 'unhealthy') {
      throw failed(
        `dependency failed to start: container ${c.name} is unhealthy`,
        'see `berth logs` for why',
      );
    }
    await sleep(POLL_MS, signal);
  }
}

async function waitCompleted(
  runtime: Runtime,
  service: string,
  c: { id: string; name: string },
  signal?: AbortSignal,
) {
  const { exitCode } = await runtime.waitContainer(c.id, { condition: 'not-running', signal });
  if (exitCode !== 0) {
    throw failed(
      `service "${service}" didn't complete successfully: exit ${exitCode}`,
      `see \`berth logs ${service}\``,
    );
  }
}

/** Resolves once `condition` holds for every container of `target`; rejects with why it never will. */
export async function waitForCondition(
  runtime: Runtime,
  target: WaitTarget,
  condition: string,
  signal?: AbortSignal,
): Promise<void> {
  switch (condition) {
    case 'service_started':
      return;
    case 'service_healthy':
      await Promise.all(target.containers.map((c) => waitHealthy(runtime, c, signal)));
      return;
    case 'service_completed_successfully':
      await Promise.all(target.containers.map((c) => waitCompleted(runtime, target.service, c, signal)));
      return;
    default:
      throw failed(`unknown depends_on condition "${condition}"`);
  }
}
