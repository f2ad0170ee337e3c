/**
 * `up` (docker/compose pkg/compose/up.go + create.go + start.go): make sure images are local, observe
 * the project's engine objects (one list call per kind), plan, execute the plan, and with `wait` hold
 * until every started service is running (healthy when it has a healthcheck). Nothing is rolled back
 * on failure; the next `up` converges.
 */
import { BerthError } from '../api/errors.js';
import type { UpOptions, UpResult } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import { buildGraph } from '../graph/graph.js';
import { executePlan } from '../reconcile/execute.js';
import { observe } from '../reconcile/observe.js';
import { planUp } from '../reconcile/reconcile.js';
import type { Runtime } from '../runtime/runtime.js';
import { withEngine } from './engine.js';
import { ensureImages } from './images.js';
import { listProjectContainers, summarizeAll } from './ps.js';

function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|t|true|y|yes)$/i.test(v);
}

/** The services `up` touches: the named ones and, unless noDeps, their dependencies. */
export function selectedServices(
  project: Project,
  services: string[] | undefined,
  noDeps: boolean | undefined,
) {
  const names = services && services.length > 0 ? services : Object.keys(project.services);
  if (noDeps) return names;
  const graph = buildGraph(project.services);
  const out = new Set(names);
  for (const n of names) for (const d of graph.ancestors(n)) out.add(d);
  return [...out];
}

export async function up(project: Project, options: UpOptions = {}): Promise<UpResult> {
  const env = options.env ?? process.env;
  return withEngine(project.name, options, !options.dryRun, async ({ runtime, parallel }) => {
    const services = selectedServices(project, options.services, options.noDeps);
    // The observation's list calls go out with the image inspects: one round trip, not two. A pull or
    // a build (each starts with an event) can take minutes, so then the project is observed again.
    const early = observe(runtime, project.name, project);
    early.catch(() => {}); // an image error wins, as when the lists came after
    let fetched = false;
    const imageIds = options.dryRun
      ? await localImageIds(runtime, project, services)
      : await ensureImages(runtime, project, {
          services,
          pull: options.pull,
          build: options.build,
          noBuild: options.noBuild,
          onBuildOutput: options.onBuildOutput,
          parallel,
          onEvent: (event) => {
            fetched = true;
            options.onEvent?.(event);
          },
          signal: options.signal,
        });
    const observed = fetched ? await observe(runtime, project.name, project) : await early;
    const plan = planUp(project, observed, {
      services: options.services,
      noDeps: options.noDeps,
      recreate: options.forceRecreate ? 'force' : options.noRecreate ? 'never' : 'diverged',
      recreateDependencies: options.alwaysRecreateDeps ? 'force' : options.noRecreate ? 'never' : 'diverged',
      scale: options.scale,
      removeOrphans: options.removeOrphans ?? isTrue(env.COMPOSE_REMOVE_ORPHANS),
      noStart: options.noStart,
      imageIds,
    });
    if (options.dryRun)
      return { plan, containers: await listProjectContainers(runtime, project.name, { all: true }) };
    if (plan.orphans.length > 0 && !options.removeOrphans && !isTrue(env.COMPOSE_IGNORE_ORPHANS)) {
      options.onEvent?.({
        type: 'warning',
        message: `Found orphan containers (${plan.orphans.join(', ')}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
        time: new Date().toISOString(),
      });
    }
    // `--wait-timeout` bounds the depends_on waits of the start phase as well as the final wait
    // (docker/compose start.go, PR #12156): one deadline from here for both.
    const waitMs =
      options.wait && !options.noStart && (options.waitTimeoutSeconds ?? 0) > 0
        ? options.waitTimeoutSeconds! * 1000
        : undefined;
    const deadline = waitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + waitMs;
    const timer = waitMs === undefined ? undefined : AbortSignal.timeout(waitMs);
    const signal =
      timer === undefined
        ? options.signal
        : options.signal
          ? AbortSignal.any([options.signal, timer])
          : timer;
    try {
      await executePlan(plan, {
        runtime,
        project,
        observed,
        concurrency: parallel,
        timeoutSeconds: options.timeoutSeconds,
        imageIds,
        onEvent: options.onEvent,
        signal,
      });
    } catch (err) {
      if (timer?.aborted && !options.signal?.aborted) {
        const waiting = await notReady(runtime, project, services);
        throw new BerthError(
          'WAIT_TIMEOUT',
          `timeout waiting for dependencies after ${options.waitTimeoutSeconds}s: ${waiting.join(', ') || 'nothing ready'}`,
          { cause: err, hint: 'raise --wait-timeout, or look at `berth ps` and `berth logs` for why' },
        );
      }
      throw err;
    }
    if (options.wait && !options.noStart) {
      await waitRunning(runtime, project, services, options, deadline);
    }
    // A no-op up changed nothing: what was observed is what there is, so no further list call.
    const containers =
      plan.operations.length === 0
        ? summarizeAll([...Object.values(observed.containers).flat(), ...observed.oneOffs])
        : await listProjectContainers(runtime, project.name, { all: true });
    return { plan, containers };
  });
}

/** Image ids without pulling (for --dry-run): absent images simply have none. */
async function localImageIds(runtime: Runtime, project: Project, services: string[]) {
  const { serviceImage } = await import('../reconcile/spec.js');
  const ids: Record<string, string> = {};
  await Promise.all(
    services.map(async (s) => {
      const svc = project.services[s];
      if (!svc) return;
      const info = await runtime.inspectImage(serviceImage(project, s, svc));
      if (info) ids[s] = info.id;
    }),
  );
  return ids;
}

/** `--wait`: every container of the services is running, and healthy where a healthcheck exists. */
async function waitRunning(
  runtime: Runtime,
  project: Project,
  services: string[],
  options: UpOptions,
  deadline: number,
) {
  const wanted = new Set(services.filter((s) => (project.services[s]?.scale ?? 1) !== 0));
  // A service others wait on with service_completed_successfully is expected to exit 0.
  const oneShot = new Set<string>();
  for (const svc of Object.values(project.services)) {
    for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
      if (d.condition === 'service_completed_successfully') oneShot.add(dep);
    }
  }
  for (;;) {
    const containers = await listProjectContainers(runtime, project.name, {
      all: true,
      services: [...wanted],
    });
    const pending: string[] = [];
    for (const c of containers) {
      if (c.Number === 0) continue;
      if (c.State === 'exited' || c.State === 'dead') {
        if (oneShot.has(c.Service) && c.ExitCode === 0) continue;
        throw new BerthError('RUNTIME_ERROR', `container ${c.Name} exited (${c.ExitCode})`, {
          hint: `see \`berth logs ${c.Service}\``,
        });
      }
      if (c.Health === 'unhealthy') {
        throw new BerthError('RUNTIME_ERROR', `container ${c.Name} is unhealthy`, {
          hint: `see \`berth logs ${c.Service}\``,
        });
      }
      if (c.State !== 'running' || (c.Health !== '' && c.Health !== 'healthy')) pending.push(c.Name);
    }
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      throw new BerthError(
        'WAIT_TIMEOUT',
        `timeout waiting for ${pending.join(', ')} to be running and healthy`,
        {
          hint: 'raise --wait-timeout, or look at `berth ps` and `berth logs` for why',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    options.signal?.throwIfAborted();
  }
}

/**
 * What a timed-out dependency wait was waiting for: every container of the services that is neither
 * running-and-healthy nor a one-shot that exited 0, with its state (`demo-db-1 (starting)`).
 */
async function notReady(runtime: Runtime, project: Project, services: string[]): Promise<string[]> {
  const list = await listProjectContainers(runtime, project.name, { all: true, services });
  return list
    .filter((c) => c.Number !== 0)
    .filter((c) => !(c.State === 'exited' && c.ExitCode === 0))
    .filter((c) => c.State !== 'running' || (c.Health !== '' && c.Health !== 'healthy'))
    .map((c) => `${c.Name} (${c.State === 'running' ? c.Health : c.State})`);
}
