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

/**
 * The longest wait between two looks at a container's health. Changes are normally noticed at once,
 * through the engine's events (a health chain's latency adds up link by link); this bounds the wait
 * where events lag or fail.
 */
const POLL_MS = 500;

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

/** Resolves when `event` does or after `ms`, whichever comes first (the timer then goes); rejects
 * when `signal` aborts. */
function eventOrTimeout(event: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const settle = (then: () => void) => () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      then();
    };
    const timer = setTimeout(settle(resolve), ms);
    const onAbort = settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    void event.then(settle(resolve));
  });
}

function failed(message: string, hint?: string): RuntimeError {
  return new RuntimeError('RUNTIME_ERROR', message, { hint });
}

/** Wakes its waiter when the engine reports an event about one of `ids` (health_status, die…). */
interface Wakeup {
  /** Resolves at the next event about `id` since the previous call, or at once if one came meanwhile. */
  next(id: string): Promise<void>;
}

/**
 * Follows the engine's events from `since` (engines replay from there, so an event between the
 * caller's last look and this subscription is not lost) until `signal` aborts. A failing event stream
 * only leaves the callers to their polling.
 */
function watchEvents(runtime: Runtime, since: string, signal: AbortSignal): Wakeup {
  const pending = new Set<string>();
  const waiters = new Map<string, () => void>();
  void (async () => {
    try {
      for await (const e of runtime.events({ since, signal })) {
        if (e.type !== 'container') continue;
        const wake = waiters.get(e.id);
        if (wake) {
          waiters.delete(e.id);
          wake();
        } else pending.add(e.id);
      }
    } catch {
      // polling carries on
    }
  })();
  return {
    next(id) {
      if (pending.delete(id)) return Promise.resolve();
      return new Promise((resolve) => waiters.set(id, resolve));
    },
  };
}

async function waitHealthy(
  runtime: Runtime,
  c: { id: string; name: string },
  events: Wakeup,
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
    await eventOrTimeout(events.next(c.id), POLL_MS, signal);
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
    case 'service_healthy': {
      const watching = new AbortController();
      const stop = () => watching.abort();
      signal?.addEventListener('abort', stop, { once: true });
      // A second back: an engine's clock may lag this one's a little.
      const events = watchEvents(runtime, new Date(Date.now() - 1000).toISOString(), watching.signal);
      try {
        await Promise.all(target.containers.map((c) => waitHealthy(runtime, c, events, signal)));
      } finally {
        watching.abort();
        signal?.removeEventListener('abort', stop);
      }
      return;
    }
    case 'service_completed_successfully':
      await Promise.all(target.containers.map((c) => waitCompleted(runtime, target.service, c, signal)));
      return;
    default:
      throw failed(`unknown depends_on condition "${condition}"`);
  }
}
