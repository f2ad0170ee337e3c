/**
 * The lifecycle verbs (stop, start, restart, kill, pause, unpause, rm, create, scale, wait, logs) on
 * the engine under test (dockerd, or the built-in engine: test/support/runtime.ts) through the library API, with the offline image `berth-test/busybox:1`. Every test
 * uses its own project `berth-it-<random>` in a temp directory; everything with its project label is
 * removed after each test, however it ends.
 */
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/api/lifecycle.js';
import {
  type BerthEvent,
  type ContainerSummary,
  create,
  kill,
  logs,
  pause,
  ps,
  restart,
  rm,
  scale,
  start,
  stop,
  unpause,
  up,
  wait,
} from '../../src/index.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { composeJson as compose, SLEEPER, useStackFixture } from '../support/fixture.js';
import { dockerInspect, eventually, leftovers } from '../support/stack.js';

const fx = useStackFixture();

const image = (service: object = {}): object => ({ image: fx.image, command: SLEEPER, ...service });

async function containers(project: string): Promise<ContainerSummary[]> {
  return ps(project, { all: true, runtime: fx.runtime });
}

async function states(project: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await containers(project)) out[c.Name] = c.State;
  return out;
}

/**
 * The fixture's runtime, telling when `wait` has begun waiting (its engine wait call is made): a job
 * can then be let finish without racing the verb's listing.
 */
function watchingWaits(): { runtime: Runtime; waiting: Promise<void> } {
  let began!: () => void;
  const waiting = new Promise<void>((resolve) => {
    began = resolve;
  });
  const runtime = new Proxy(fx.runtime, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'waitContainer') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: Parameters<Runtime['waitContainer']>) => {
        const call = target.waitContainer(...args);
        began();
        return call;
      };
    },
  });
  return { runtime, waiting };
}

/** Runs until /tmp/go exists, then exits with `code`. */
const job = (code: number) => [
  'sh',
  '-c',
  `echo working; while [ ! -f /tmp/go ]; do sleep 0.1; done; exit ${code}`,
];

const startedAt = async (name: string) => (await dockerInspect(name))[0]!.State.StartedAt;

describe('stop, start, restart', () => {
  it('stop leaves the containers exited, start runs them again, in dependency order', async () => {
    const p = fx.project(
      compose({ db: image(), web: image({ depends_on: { db: { condition: 'service_started' } } }) }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const events: BerthEvent[] = [];
    const stopped = await stop(project, { runtime: fx.runtime, onEvent: (e) => events.push(e) });
    expect(stopped.containers.map((c) => c.Service)).toEqual(['db', 'web']);
    expect(await states(p.name)).toEqual({ [`${p.name}-db-1`]: 'exited', [`${p.name}-web-1`]: 'exited' });
    const rows = events.flatMap((e) => (e.type === 'resource' ? [`${e.name} ${e.action}`] : []));
    // web depends on db: it is stopped before db's stop begins.
    expect(rows.indexOf(`${p.name}-web-1 Stopped`)).toBeLessThan(rows.indexOf(`${p.name}-db-1 Stopping`));

    // start from the project name alone: the labels give the order.
    const startEvents: BerthEvent[] = [];
    await start(p.name, { runtime: fx.runtime, services: ['web'], onEvent: (e) => startEvents.push(e) });
    expect(await states(p.name)).toEqual({ [`${p.name}-db-1`]: 'running', [`${p.name}-web-1`]: 'running' });
    const started = startEvents.flatMap((e) =>
      e.type === 'resource' && e.action === 'Started' ? [e.name] : [],
    );
    expect(started).toEqual([`${p.name}-db-1`, `${p.name}-web-1`]);
  });

  it('restart also restarts dependents declared with restart: true, and only those', async () => {
    const p = fx.project(
      compose({
        db: image(),
        api: image({ depends_on: { db: { condition: 'service_started', restart: true } } }),
        worker: image({ depends_on: { db: { condition: 'service_started', restart: false } } }),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const before = {
      db: await startedAt(`${p.name}-db-1`),
      api: await startedAt(`${p.name}-api-1`),
      worker: await startedAt(`${p.name}-worker-1`),
    };
    const result = await restart(project, { runtime: fx.runtime, services: ['db'] });
    expect(result.containers.map((c) => c.Service).sort()).toEqual(['api', 'db']);
    expect(await startedAt(`${p.name}-db-1`)).not.toBe(before.db);
    expect(await startedAt(`${p.name}-api-1`)).not.toBe(before.api);
    expect(await startedAt(`${p.name}-worker-1`)).toBe(before.worker);
    // --no-deps: db alone.
    const api = await startedAt(`${p.name}-api-1`);
    await restart(project, { runtime: fx.runtime, services: ['db'], noDeps: true });
    expect(await startedAt(`${p.name}-api-1`)).toBe(api);
  });
});

describe('start --wait and the Stack handle', () => {
  it('start --wait holds until healthy; a service that never gets healthy times out', async () => {
    const p = fx.project(
      compose({
        ok: image({ healthcheck: { test: ['CMD', 'true'], interval: '300ms', retries: 30 } }),
        sick: image({ healthcheck: { test: ['CMD-SHELL', 'exit 1'], interval: '1s', retries: 60 } }),
      }),
    );
    const project = await p.load();
    await create(project, { runtime: fx.runtime });
    await start(project, { runtime: fx.runtime, services: ['ok'], wait: true });
    expect((await containers(p.name)).find((c) => c.Service === 'ok')!.Health).toBe('healthy');
    const err = await start(project, {
      runtime: fx.runtime,
      services: ['sick'],
      wait: true,
      waitTimeoutSeconds: 2,
    }).catch((e) => e);
    expect(err.code).toBe('WAIT_TIMEOUT');
    expect(err.message).toBe('application not healthy after 2s');
  });

  it('the handle up() returns stops, starts, restarts and reads logs', async () => {
    const p = fx.project(
      compose({
        app: image({ command: ['sh', '-c', "echo hello; trap 'exit 0' TERM; sleep 100000 & wait"] }),
      }),
    );
    await using stack = await up(await p.load(), { runtime: fx.runtime });
    await stack.stop();
    expect(Object.values(await states(p.name))).toEqual(['exited']);
    await stack.start();
    expect(Object.values(await states(p.name))).toEqual(['running']);
    await stack.restart();
    const lines: string[] = [];
    for await (const e of stack.logs()) if (e.type === 'line') lines.push(e.text);
    expect(lines).toEqual(['hello', 'hello', 'hello']);
  });
});

describe('kill, pause, unpause, rm', () => {
  it('kill -s sends the signal; the default SIGKILL leaves exit code 137', async () => {
    const p = fx.project(
      compose({
        app: image({
          command: [
            'sh',
            '-c',
            "trap 'echo got-hup' HUP; trap 'exit 0' TERM; while :; do sleep 100000 & wait; done",
          ],
        }),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    await kill(project, { runtime: fx.runtime, killSignal: 'SIGHUP' });
    await eventually(async () => {
      const lines: string[] = [];
      for await (const e of logs(project, { runtime: fx.runtime })) if (e.type === 'line') lines.push(e.text);
      return lines.includes('got-hup');
    });
    expect((await containers(p.name))[0]!.State).toBe('running');
    await kill(project, { runtime: fx.runtime });
    await eventually(async () => (await containers(p.name))[0]!.State === 'exited');
    expect((await containers(p.name))[0]!.ExitCode).toBe(137);
  });

  it('pause freezes, unpause thaws', async () => {
    const p = fx.project(compose({ app: image() }));
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    await pause(project, { runtime: fx.runtime });
    expect(Object.values(await states(p.name))).toEqual(['paused']);
    await unpause(project, { runtime: fx.runtime });
    expect(Object.values(await states(p.name))).toEqual(['running']);
  });

  it('rm -s -v stops, removes the containers and their anonymous volumes', async () => {
    const p = fx.project(compose({ app: image({ volumes: ['/scratch'] }), other: image() }));
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const app = (await containers(p.name)).find((c) => c.Service === 'app')!;
    const volume = (await fx.runtime.inspectContainer(app.ID))?.volumes?.['/scratch'];
    expect(volume).toBeDefined();
    // Without -s a running container is left alone.
    expect((await rm(project, { runtime: fx.runtime, services: ['app'] })).containers).toEqual([]);
    let asked: string[] = [];
    const removed = await rm(project, {
      runtime: fx.runtime,
      services: ['app'],
      stop: true,
      volumes: true,
      confirm: (names) => {
        asked = names;
        return true;
      },
    });
    expect(asked).toEqual([`${p.name}-app-1`]);
    expect(removed.containers.map((c) => c.Name)).toEqual([`${p.name}-app-1`]);
    expect(Object.keys(await states(p.name))).toEqual([`${p.name}-other-1`]);
    expect(await fx.runtime.inspectVolume(volume!)).toBeUndefined();
  });
});

describe('create, scale, wait', () => {
  it('create leaves the containers created, start runs them', async () => {
    const p = fx.project(compose({ app: image() }));
    const project = await p.load();
    await create(project, { runtime: fx.runtime });
    expect(await states(p.name)).toEqual({ [`${p.name}-app-1`]: 'created' });
    await start(project, { runtime: fx.runtime });
    expect(await states(p.name)).toEqual({ [`${p.name}-app-1`]: 'running' });
  });

  it('scale up takes new numbers, scale down keeps the lowest ones', async () => {
    const p = fx.project(compose({ app: image() }));
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const first = (await containers(p.name))[0]!.ID;
    await scale(project, { app: 3 }, { runtime: fx.runtime });
    let list = await containers(p.name);
    expect(list.map((c) => [c.Number, c.State])).toEqual([
      [1, 'running'],
      [2, 'running'],
      [3, 'running'],
    ]);
    await scale(project, { app: 1 }, { runtime: fx.runtime });
    list = await containers(p.name);
    expect(list.map((c) => c.Number)).toEqual([1]);
    expect(list[0]!.ID).toBe(first);
  });

  it('wait returns the exit code once the services have stopped', async () => {
    const p = fx.project(
      compose({
        job: image({ command: job(3) }),
        side: image(),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const exited: string[] = [];
    const { runtime, waiting } = watchingWaits();
    const waited = wait(project, { runtime, services: ['job'], onExit: (c) => exited.push(c.name) });
    await waiting;
    await fx.runtime.exec(`${p.name}-job-1`, { cmd: ['touch', '/tmp/go'] });
    const result = await waited;
    expect(result.exitCode).toBe(3);
    expect(exited).toEqual([`${p.name}-job-1`]);
    // side keeps running: wait is about the named services only.
    expect((await states(p.name))[`${p.name}-side-1`]).toBe('running');
  });
});

describe('wait --down-project', () => {
  it('takes the project down once the services have stopped', async () => {
    const p = fx.project(compose({ job: image({ command: job(0) }), side: image() }));
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const { runtime, waiting } = watchingWaits();
    const waited = wait(project, { runtime, services: ['job'], downProject: true });
    await waiting;
    await fx.runtime.exec(`${p.name}-job-1`, { cmd: ['touch', '/tmp/go'] });
    const result = await waited;
    expect(result.exitCode).toBe(0);
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});

describe('logs', () => {
  it('reads every container in time order, with --tail and --index', async () => {
    const p = fx.project(
      compose({
        a: image({
          command: ['sh', '-c', "echo a1; sleep 0.3; echo a2; trap 'exit 0' TERM; sleep 100000 & wait"],
        }),
        b: image({
          command: [
            'sh',
            '-c',
            "sleep 0.15; echo b1; sleep 0.3; echo b2; trap 'exit 0' TERM; sleep 100000 & wait",
          ],
          scale: 2,
        }),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const read = async (o: object = {}) => {
      const out: LogEntry[] = [];
      for await (const e of logs(project, { runtime: fx.runtime, ...o })) out.push(e);
      return out;
    };
    await eventually(async () => (await read()).length === 6);
    const all = await read();
    const stamps = all.map((e) => (e.type === 'line' ? e.timestamp! : ''));
    expect([...stamps].sort()).toEqual(stamps);
    expect(all.filter((e) => e.service === 'a').map((e) => (e.type === 'line' ? e.text : ''))).toEqual([
      'a1',
      'a2',
    ]);
    const tail = await read({ services: ['b'], tail: 1 });
    expect(tail.map((e) => `${e.number}:${e.type === 'line' ? e.text : ''}`).sort()).toEqual([
      '1:b2',
      '2:b2',
    ]);
    const second = await read({ services: ['b'], index: 2 });
    expect(second.map((e) => e.name)).toEqual([`${p.name}-b-2`, `${p.name}-b-2`]);
  });

  it('--follow ends when the followed containers exit, with their exit codes', async () => {
    const p = fx.project(
      compose({
        // Runs until the test tells it to finish (a file), so the follow surely sees it running.
        job: image({
          command: ['sh', '-c', 'echo start; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo done; exit 5'],
        }),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const out: string[] = [];
    for await (const e of logs(project, { runtime: fx.runtime, follow: true })) {
      out.push(e.type === 'line' ? e.text : `exit ${e.exitCode}`);
      if (e.type === 'line' && e.text === 'start') {
        await fx.runtime.exec(e.id, { cmd: ['touch', '/tmp/go'] });
      }
    }
    expect(out).toEqual(['start', 'done', 'exit 5']);
  });

  it('--follow picks up the container an `up --force-recreate` puts in place of the followed one', async () => {
    const p = fx.project(
      compose({
        app: image({
          command: ['sh', '-c', "echo hello; trap 'exit 0' TERM; while [ ! -f /tmp/go ]; do sleep 0.1; done"],
        }),
      }),
    );
    const project = await p.load();
    await up(project, { runtime: fx.runtime });
    const byId = new Map<string, string[]>();
    const ids = new Set<string>();
    let recreating: Promise<unknown> | undefined;
    for await (const e of logs(project, { runtime: fx.runtime, follow: true })) {
      ids.add(e.id);
      byId.set(e.id, [...(byId.get(e.id) ?? []), e.type === 'line' ? e.text : `exit ${e.exitCode}`]);
      if (e.type === 'line' && ids.size === 1 && recreating === undefined) {
        recreating = up(project, { runtime: fx.runtime, forceRecreate: true });
      }
      if (e.type === 'line' && ids.size === 2) {
        await recreating;
        await fx.runtime.exec(e.id, { cmd: ['touch', '/tmp/go'] });
      }
    }
    // The old one's line and stop, and the new one's.
    expect([...byId.values()]).toEqual([
      ['hello', 'exit 0'],
      ['hello', 'exit 0'],
    ]);
  });
});
