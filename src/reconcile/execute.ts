/**
 * Executes a Plan (docker/compose pkg/compose executor + convergence): operations run as soon as the
 * operations they depend on are done, at most `concurrency` at a time, through the Runtime interface.
 * A container's spec is built when it is created, because `service:x` references need the id of x's
 * container as it is at that moment. No rollback: the first failure stops new operations, those
 * running finish, and the error is thrown; the next `up` converges from whatever state is left.
 */
import { setMaxListeners } from 'node:events';
import { BerthError, RuntimeError } from '../api/errors.js';
import { type EventSink, type ResourceKind, resourceEvent, warningEvent } from '../api/events.js';
import type { Project } from '../compose/model.js';
import { walkDag } from '../graph/walk.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import type { ObservedState } from './observe.js';
import type { Operation, Plan } from './plan.js';
import { serviceToContainerSpec } from './spec.js';
import { waitForCondition } from './wait.js';

export interface ExecuteOptions {
  runtime: Runtime;
  /** The desired project (for container specs); a plan for `down` may pass none. */
  project?: Project;
  /** What the plan was computed from: the containers that exist now. */
  observed: ObservedState;
  /** Maximum operations at once (COMPOSE_PARALLEL_LIMIT / --parallel). Default: unlimited. */
  concurrency?: number;
  /** `-t`: seconds before SIGKILL; default each container's own (its stop_grace_period, else 10). */
  timeoutSeconds?: number;
  /** service → local image id, written to the image label. */
  imageIds?: Record<string, string>;
  /** `--env-file` paths, for the environment_file label. */
  envFiles?: string[];
  onEvent?: EventSink;
  signal?: AbortSignal;
}

const ACTIONS: Record<Operation['type'], [string, string]> = {
  CreateNetwork: ['Creating', 'Created'],
  RemoveNetwork: ['Removing', 'Removed'],
  ConnectNetwork: ['Connecting', 'Connected'],
  DisconnectNetwork: ['Disconnecting', 'Disconnected'],
  CreateVolume: ['Creating', 'Created'],
  RemoveVolume: ['Removing', 'Removed'],
  CreateContainer: ['Creating', 'Created'],
  StartContainer: ['Starting', 'Started'],
  StopContainer: ['Stopping', 'Stopped'],
  RemoveContainer: ['Removing', 'Removed'],
  RenameContainer: ['Renaming', 'Renamed'],
};

/** The containers of each service by number, as they are while the plan runs. */
class ContainerTable {
  private readonly byService = new Map<string, Map<number, { id: string; name: string }>>();

  constructor(observed: ObservedState) {
    for (const [service, list] of Object.entries(observed.containers)) {
      for (const c of list) this.set(service, c.number, c.id, c.name);
    }
  }

  set(service: string, number: number, id: string, name: string): void {
    let m = this.byService.get(service);
    if (!m) this.byService.set(service, (m = new Map()));
    m.set(number, { id, name });
  }

  rename(id: string, name: string): void {
    for (const m of this.byService.values()) for (const c of m.values()) if (c.id === id) c.name = name;
  }

  remove(id: string): void {
    for (const m of this.byService.values()) for (const [n, c] of m) if (c.id === id) m.delete(n);
  }

  /** service → id of its lowest-numbered container: what `service:x` resolves to. */
  firsts(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [service, m] of this.byService) {
      const numbers = [...m.keys()].sort((a, b) => a - b);
      if (numbers.length > 0) out[service] = m.get(numbers[0]!)!.id;
    }
    return out;
  }

  of(service: string): Array<{ id: string; name: string }> {
    return [...(this.byService.get(service)?.values() ?? [])];
  }
}

function kindOf(op: Operation): ResourceKind {
  if (op.network) return 'network';
  if (op.volume) return 'volume';
  return 'container';
}

function nameOf(op: Operation): string {
  return op.container?.name ?? op.network?.name ?? op.volume?.name ?? op.resource;
}

/** Runs `plan`; resolves when every operation is done, rejects with the first failure. */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<void> {
  const { runtime, signal } = options;
  // Every running operation listens on the one signal: dozens at once is expected, not a leak.
  if (signal) setMaxListeners(0, signal);
  const emit = options.onEvent ?? (() => {});
  const table = new ContainerTable(options.observed);
  /** Operation resource → id of the container this plan created for it. */
  const created = new Map<string, string>();
  for (const w of plan.warnings) emit(warningEvent(w));

  const observedById = new Map(
    Object.values(options.observed.containers)
      .flat()
      .map((c) => [c.id, c]),
  );
  /** A recreated container keeps the anonymous volumes of the one it replaces (unless `-V`). */
  const inheritAnonymousVolumes = (spec: ContainerSpec, oldId: string) => {
    const old = observedById.get(oldId)?.volumes ?? {};
    spec.mounts = spec.mounts.map((m) =>
      m.type === 'volume' && m.source === undefined && old[m.target] ? { ...m, source: old[m.target] } : m,
    );
  };

  const containerId = (op: Operation): string => {
    const id = op.container?.id ?? created.get(op.resource);
    if (!id) throw new RuntimeError('RUNTIME_NOT_FOUND', `no container for ${op.resource}`);
    return id;
  };

  const run = async (op: Operation): Promise<void> => {
    const kind = kindOf(op);
    const name = nameOf(op);
    const [working, done] = ACTIONS[op.type];
    if (op.type === 'StartContainer' && op.waitFor) {
      for (const w of op.waitFor) {
        const target = { service: w.service, containers: table.of(w.service) };
        if (target.containers.length === 0) continue;
        emit(resourceEvent(kind, name, 'Waiting', 'working', `for ${w.service} (${w.condition})`));
        try {
          await waitForCondition(runtime, target, w.condition, signal);
        } catch (err) {
          if (!w.required && err instanceof BerthError) {
            emit(
              warningEvent(`optional dependency ${w.service} of ${op.container?.service}: ${err.message}`),
            );
            continue;
          }
          throw err;
        }
      }
    }
    // Compose shows why a container is recreated or removed, not why it is started.
    const detail = op.type === 'StartContainer' ? undefined : op.cause || undefined;
    emit(resourceEvent(kind, name, working, 'working', detail));
    try {
      await apply(op);
    } catch (err) {
      if (op.bestEffort) {
        // A warning has no other place for the hint.
        const hint = err instanceof BerthError && err.hint ? ` (${err.hint})` : '';
        emit(
          resourceEvent(
            kind,
            name,
            working,
            'warning',
            `${err instanceof Error ? err.message : String(err)}${hint}`,
          ),
        );
        return;
      }
      emit(resourceEvent(kind, name, working, 'error', err instanceof Error ? err.message : String(err)));
      throw err;
    }
    emit(resourceEvent(kind, name, done, 'done'));
  };

  const apply = async (op: Operation): Promise<void> => {
    switch (op.type) {
      case 'CreateNetwork':
        await runtime.createNetwork(op.networkSpec!);
        return;
      case 'RemoveNetwork':
        await runtime.removeNetwork(op.network!.name);
        return;
      case 'ConnectNetwork':
        await runtime.connectNetwork(op.network!.name, containerId(op), {});
        return;
      case 'DisconnectNetwork':
        await runtime.disconnectNetwork(op.network!.name, containerId(op), { force: true });
        return;
      case 'CreateVolume':
        await runtime.createVolume(op.volumeSpec!);
        return;
      case 'RemoveVolume':
        await runtime.removeVolume(op.volume!.name);
        return;
      case 'CreateContainer': {
        const c = op.container!;
        if (!options.project) throw new Error('plan: CreateContainer needs the project');
        const spec = serviceToContainerSpec(options.project, c.service, {
          number: c.number,
          name: c.name,
          createName: op.tmpName,
          imageId: options.imageIds?.[c.service],
          parentContainers: table.firsts(),
          replace: op.replaces?.name,
          envFiles: options.envFiles,
        });
        if (op.inheritAnonymousVolumes && op.replaces?.id) inheritAnonymousVolumes(spec, op.replaces.id);
        const { id } = await runtime.createContainer(spec, signal);
        created.set(op.resource, id);
        table.set(c.service, c.number, id, op.tmpName ?? c.name);
        return;
      }
      case 'StartContainer': {
        const id = containerId(op);
        // A paused container is resumed, not started (the engine refuses to start it).
        if (observedById.get(id)?.state === 'paused') await runtime.unpauseContainer(id);
        else await runtime.startContainer(id, signal);
        return;
      }
      case 'StopContainer':
        await runtime.stopContainer(containerId(op), {
          // Without -t the engine uses the container's own stop timeout (its stop_grace_period at
          // creation), which is right for a container being replaced by one with another setting.
          timeoutSeconds: options.timeoutSeconds,
          signal,
        });
        return;
      case 'RemoveContainer': {
        const id = containerId(op);
        await runtime.removeContainer(id, { force: true, volumes: op.removeVolumes === true });
        table.remove(id);
        // A recreate re-registers the new container under the same number right after.
        return;
      }
      case 'RenameContainer': {
        const id = containerId(op);
        await runtime.renameContainer(id, op.container!.name);
        table.rename(id, op.container!.name);
        return;
      }
    }
  };

  const byId = new Map(plan.operations.map((o) => [o.id, o]));
  await walkDag(
    plan.operations.map((o) => o.id),
    new Map(plan.operations.map((o) => [o.id, o.dependsOn])),
    (id) => run(byId.get(id)!),
    { concurrency: options.concurrency, signal },
  );
}
