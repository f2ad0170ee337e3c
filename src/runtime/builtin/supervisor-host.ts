/**
 * The supervisor's view of the built-in engine (engine/supervisor's SupervisorHost), loaded by the
 * supervisor process with `--host-module`: it lives here, not in engine/, because restarting a
 * container must set its network up again through the same hooks the runtime uses.
 *
 * A project's containers are those with its `com.docker.compose.project` label (`no.project`: those without).
 * The full health state (streak and the last probes, what `docker inspect` shows as State.Health) is
 * kept beside the record in `health.json`; the record carries the status that `ps` shows.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_LABEL } from '../../api/labels.js';
import { appendEvent, followEvents } from '../../engine/events.js';
import { writeFileAtomic } from '../../engine/store/fsutil.js';
import type { HealthState } from '../../engine/supervisor/health.js';
import type { SupervisorHostContext } from '../../engine/supervisor/main.js';
import type {
  ProbeOutcome,
  SupervisedContainer,
  SupervisorHost,
} from '../../engine/supervisor/supervisor.js';
import { createBuiltinRuntime } from './builtin-runtime.js';
import { NO_PROJECT, restartPendingFile } from './supervision.js';

/** Waits (at most 3 s) for the `die` event of `id` journalled since `since`. */
async function dieJournalled(runRoot: string, id: string, since: string): Promise<void> {
  try {
    for await (const e of followEvents(runRoot, { since, signal: AbortSignal.timeout(3000) })) {
      if (e.type === 'container' && e.action === 'die' && e.id === id) return;
    }
  } catch {
    // late or missing hook: start anyway
  }
}

export async function createSupervisorHost(ctx: SupervisorHostContext): Promise<SupervisorHost> {
  const rt = await createBuiltinRuntime({
    root: ctx.paths.root,
    runRoot: ctx.paths.runRoot,
    skipPreflight: true,
  });
  const healthFile = (id: string) => join(rt.containers.dir(id), 'health.json');
  const inProject = (labels: Record<string, string>) =>
    ctx.project === NO_PROJECT ? labels[PROJECT_LABEL] === undefined : labels[PROJECT_LABEL] === ctx.project;

  return {
    async list(): Promise<SupervisedContainer[]> {
      const out: SupervisedContainer[] = [];
      for (const c of await rt.containers.list({ all: true })) {
        if (!inProject(c.labels)) continue;
        const rec = await rt.containers.record(c.id);
        if (!rec) continue;
        let health: HealthState | undefined;
        try {
          health = JSON.parse(await readFile(healthFile(c.id), 'utf8')) as HealthState;
        } catch {}
        const image = rec.spec.healthcheck
          ? undefined
          : (await rt.inspectImage(rec.imageId))?.config?.healthcheck;
        out.push({
          id: c.id,
          name: c.name,
          state: c.state,
          startedAt: rec.state.startedAt,
          finishedAt: rec.state.finishedAt,
          exitCode: c.state === 'exited' || c.state === 'dead' ? c.exitCode : undefined,
          restart: rec.spec.restart,
          healthcheck: rec.spec.healthcheck ?? image,
          // Docker: any kill makes an unless-stopped container stay down (moby daemon/kill.go).
          stoppedByUser:
            rec.state.stoppedByUser ||
            (rec.spec.restart?.name === 'unless-stopped' && rec.state.manuallyStopped === true),
          restartCount: rec.state.restartCount,
          health,
        });
      }
      return out;
    },

    async exec(id: string, argv: string[], timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const r = await rt.containers.exec(id, { cmd: argv, signal: AbortSignal.any([signal, timeout]) });
        return { exitCode: r.exitCode, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
      } catch (err) {
        if (timeout.aborted) return { exitCode: -1, output: '', timedOut: true };
        return { exitCode: -1, output: (err as Error).message };
      }
    },

    async start(id: string): Promise<void> {
      ctx.log(`restarting ${id.slice(0, 12)}`);
      // dockerd's order is die, then start: followers (`logs -f`, an attached `up`) rely on it. The
      // `die` comes from conmon's exit hook, a process of its own that may still be starting.
      const before = await rt.containers.record(id);
      if (before?.state.startedAt) await dieJournalled(ctx.paths.runRoot, id, before.state.startedAt);
      try {
        await rt.containers.start(id);
      } finally {
        await rm(restartPendingFile(rt.containers.dir(id)), { force: true });
      }
      const rec = await rt.containers.record(id);
      await appendEvent(ctx.paths.runRoot, {
        type: 'container',
        action: 'start',
        id,
        attributes: rec ? { ...rec.labels, name: rec.name, image: rec.image } : {},
      });
    },

    async exitCodeOf(id: string): Promise<number | undefined> {
      const c = await rt.containers.inspect(id);
      if (!c) return undefined;
      return c.state === 'exited' || c.state === 'dead' ? (c.exitCode ?? 0) : undefined;
    },

    async saveHealth(id: string, h: HealthState): Promise<void> {
      const rec = await rt.containers.record(id);
      if (!rec) return;
      const before = rec.state.health;
      await writeFileAtomic(healthFile(id), JSON.stringify(h));
      await rt.containers.patchState(id, { health: h.status });
      if (before !== h.status) {
        await appendEvent(ctx.paths.runRoot, {
          type: 'container',
          action: `health_status: ${h.status}`,
          id,
          attributes: { ...rec.labels, name: rec.name, image: rec.image },
        });
      }
    },

    async saveRestart(id: string, restartCount: number): Promise<void> {
      // Saved when the restart is decided, before its back-off: the marker tells readers the exit
      // they see is not the last one (`restarting`, BuiltinRuntime.withRestarting).
      await writeFile(restartPendingFile(rt.containers.dir(id)), '');
      await rt.containers.patchState(id, { restartCount });
    },
  };
}
