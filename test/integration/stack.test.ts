/**
 * The stack verbs (`up`, `down`, `ps`, the Stack handle, events) on the engine under test (dockerd, or
 * the built-in engine: test/support/runtime.ts), through the
 * library API only, with the offline image `berth-test/busybox:1` (issue 3, item 8). Every test uses
 * its own project `berth-it-<random>` in a temp directory; everything with its project label is removed
 * after each test, however it ends. Compose files are written as JSON (valid YAML) so commands need no
 * quoting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPLACE_LABEL } from '../../src/api/labels.js';
import {
  type BerthEvent,
  type ContainerSummary,
  down,
  eventStream,
  isBerthError,
  ps,
  type ResourceEvent,
  up,
} from '../../src/index.js';
import type { RuntimeEvent } from '../../src/runtime/runtime.js';
import { lockPath } from '../../src/verbs/lock.js';
import { composeJson as compose, SLEEPER as sleeper, useStackFixture } from '../support/fixture.js';
import { dockerInspect, eventually, leftovers, spawnBerthUp, type TempProject } from '../support/stack.js';

const fx = useStackFixture();

// ---- compose building blocks -----------------------------------------------------------------------

/** busybox httpd serving `text` at /, stopping at once on SIGTERM (PID 1 ignores it otherwise). */
const httpd = (text: string) => [
  'sh',
  '-c',
  `trap 'exit 0' TERM; echo ${text} > /www/index.html; httpd -f -p 80 -h /www & wait`,
];
/** Healthy once httpd answers; polled every 300 ms. */
const httpHealth = (interval = '300ms') => ({
  test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:80/'],
  interval,
  timeout: '2s',
  retries: 50,
});

function image(service: object): object {
  return { image: fx.image, ...service };
}

// ---- small helpers ---------------------------------------------------------------------------------

async function containers(project: string): Promise<ContainerSummary[]> {
  return ps(project, { all: true, runtime: fx.runtime });
}

/** service → container ids. */
async function idsByService(project: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of await containers(project)) (out[c.Service] ??= []).push(c.ID);
  return out;
}

async function exec(container: string, ...cmd: string[]) {
  return fx.runtime.exec(container, { cmd });
}

const resourceEvents = (events: BerthEvent[]) =>
  events.filter((e): e is ResourceEvent => e.type === 'resource');

/** Rejection of `work`, which must reject. */
async function rejection(work: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await work;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const TMP_NAME = /^[0-9a-f]{12}_/;

// ---- 1. the multi-service stack --------------------------------------------------------------------

describe('up: a multi-service stack with healthchecks and all three depends_on conditions', () => {
  it('starts in order, waits, publishes on 127.0.0.1 and resolves service names', async () => {
    const p = fx.project(
      compose({
        db: image({ command: httpd('db'), healthcheck: httpHealth() }),
        migrate: image({
          command: ['sh', '-c', 'echo migrated; exit 0'],
          depends_on: { db: { condition: 'service_healthy' } },
        }),
        api: image({
          command: httpd('api'),
          healthcheck: httpHealth(),
          depends_on: {
            migrate: { condition: 'service_completed_successfully' },
            db: { condition: 'service_healthy' },
          },
        }),
        web: image({
          command: httpd('web'),
          ports: [{ target: 80, host_ip: '127.0.0.1' }],
          depends_on: { api: { condition: 'service_started' } },
        }),
      }),
    );
    const stack = await up(await p.load(), { wait: true, runtime: fx.runtime });

    const list = await stack.ps({ all: true });
    expect(list.map((c) => `${c.Service}:${c.State}`)).toEqual([
      'api:running',
      'db:running',
      'migrate:exited',
      'web:running',
    ]);
    const by = Object.fromEntries(list.map((c) => [c.Service, c]));
    expect(by.api!.Health).toBe('healthy');
    expect(by.db!.Health).toBe('healthy');
    expect(by.migrate!.ExitCode).toBe(0);

    // Order, from the engine's own timestamps.
    const [db, migrate, api, web] = await dockerInspect(by.db!.ID, by.migrate!.ID, by.api!.ID, by.web!.ID);
    const t = (s: string) => Date.parse(s);
    expect(t(migrate!.State.StartedAt)).toBeGreaterThan(t(db!.State.StartedAt));
    expect(migrate!.State.ExitCode).toBe(0);
    expect(t(api!.State.StartedAt)).toBeGreaterThanOrEqual(t(migrate!.State.FinishedAt));
    expect(t(web!.State.StartedAt)).toBeGreaterThanOrEqual(t(api!.State.StartedAt));

    // The published port answers on 127.0.0.1 only.
    const published = by.web!.Publishers.find((x) => x.TargetPort === 80);
    expect(published?.URL).toBe('127.0.0.1');
    expect(published?.PublishedPort).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${published!.PublishedPort}/`);
    expect((await res.text()).trim()).toBe('web');

    // Service-name DNS between containers on the project network.
    const viaName = await exec(by.web!.ID, 'wget', '-qO-', 'http://api:80/');
    expect(viaName.exitCode).toBe(0);
    expect(viaName.stdout?.trim()).toBe('api');
    const lookup = await exec(by.web!.ID, 'nslookup', 'db');
    expect(lookup.exitCode).toBe(0);
    const dbInfo = await fx.runtime.inspectContainer(by.db!.ID);
    const dbIp = dbInfo!.networks[`${p.name}_default`]?.ipAddress;
    expect(dbIp).toBeTruthy();
    expect(lookup.stdout).toContain(dbIp!);
  });
});

// ---- 2. convergence: no-op and one recreate --------------------------------------------------------

describe('up: convergence', () => {
  it('changes nothing on a no-op up, and recreates exactly the changed service (new before old goes)', async () => {
    const services = (value: string) => ({
      a: image({ command: sleeper }),
      b: image({ command: sleeper, environment: { VALUE: value }, depends_on: ['a'] }),
      c: image({ command: sleeper, depends_on: ['b'] }),
    });
    const p = fx.project(compose(services('one')));
    await up(await p.load(), { runtime: fx.runtime });
    const before = await idsByService(p.name);
    expect(Object.values(before).map((l) => l.length)).toEqual([1, 1, 1]);

    const noop = await up(await p.load(), { runtime: fx.runtime });
    expect(noop.plan.operations).toEqual([]);
    expect(await idsByService(p.name)).toEqual(before);

    // Engine events during the recreate: the new container is created before the old one is destroyed.
    const ac = new AbortController();
    const engineEvents: RuntimeEvent[] = [];
    const since = new Date(Date.now() - 1000).toISOString();
    const watching = (async () => {
      for await (const e of fx.runtime.events({
        labels: { 'com.docker.compose.project': p.name },
        since,
        signal: ac.signal,
      })) {
        engineEvents.push(e);
      }
    })();
    watching.catch(() => {}); // surfaced by the `await watching` below

    p.write(compose(services('two')));
    const changed = await up(await p.load(), { runtime: fx.runtime });
    const after = await idsByService(p.name);
    expect(after.a).toEqual(before.a);
    expect(after.c).toEqual(before.c);
    expect(after.b).toHaveLength(1);
    expect(after.b![0]).not.toBe(before.b![0]);

    // The plan: one recreate group, and only for b.
    const touched = new Set(changed.plan.operations.map((o) => o.container?.service));
    expect([...touched]).toEqual(['b']);
    const create = changed.plan.operations.find((o) => o.type === 'CreateContainer')!;
    expect(create.tmpName).toBe(`${before.b![0]!.slice(0, 12)}_${p.name}-b-1`);
    expect(create.cause).toBe('config hash changed');

    const [fresh] = await dockerInspect(after.b![0]!);
    expect(fresh!.Name).toBe(`/${p.name}-b-1`);
    expect(fresh!.Config.Labels[REPLACE_LABEL]).toBe(`${p.name}-b-1`);
    expect(fresh!.Config.Env).toContain('VALUE=two');
    expect(fresh!.State.Status).toBe('running');

    try {
      await eventually(() => engineEvents.some((e) => e.action === 'destroy' && e.id === before.b![0]));
    } finally {
      ac.abort();
      await watching;
    }
    const createdNew = engineEvents.findIndex((e) => e.action === 'create' && e.id === after.b![0]);
    const destroyedOld = engineEvents.findIndex((e) => e.action === 'destroy' && e.id === before.b![0]);
    expect(createdNew).toBeGreaterThanOrEqual(0);
    expect(createdNew).toBeLessThan(destroyedOld);
    const createEvent = engineEvents[createdNew]!;
    expect(createEvent.attributes.name).toBe(create.tmpName);
    const renamed = engineEvents.findIndex((e) => e.action === 'rename' && e.id === after.b![0]);
    expect(renamed).toBeGreaterThan(destroyedOld);
  });
});

// ---- 3. named volumes ------------------------------------------------------------------------------

describe('down: named volumes', () => {
  it('keeps volume data across down/up, and removes the volume with volumes: true', async () => {
    const p = fx.project(
      compose({ store: image({ command: sleeper, volumes: ['data:/data'] }) }, { volumes: { data: {} } }),
    );
    const volume = `${p.name}_data`;
    const first = await up(await p.load(), { runtime: fx.runtime });
    const id1 = first.containers[0]!.ID;
    expect((await exec(id1, 'sh', '-c', 'echo kept > /data/file')).exitCode).toBe(0);

    await down(await p.load(), { runtime: fx.runtime });
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [volume] });

    const second = await up(await p.load(), { runtime: fx.runtime });
    const id2 = second.containers[0]!.ID;
    expect(id2).not.toBe(id1);
    const read = await exec(id2, 'cat', '/data/file');
    expect(read.stdout?.trim()).toBe('kept');

    await down(await p.load(), { runtime: fx.runtime, volumes: true });
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await fx.runtime.inspectVolume(volume)).toBeUndefined();
  });
});

// ---- 4. --wait on a service that never becomes healthy ---------------------------------------------

describe('up --wait: a service that is never healthy', () => {
  it('times out with WAIT_TIMEOUT naming the container', async () => {
    const p = fx.project(
      compose({
        ok: image({ command: sleeper }),
        sick: image({
          command: sleeper,
          healthcheck: { test: ['CMD', 'false'], interval: '300ms', retries: 1000 },
        }),
      }),
    );
    const t0 = Date.now();
    const err = await rejection(
      up(await p.load(), { runtime: fx.runtime, wait: true, waitTimeoutSeconds: 3 }),
    );
    const elapsed = Date.now() - t0;
    expect(isBerthError(err)).toBe(true);
    expect(err.code).toBe('WAIT_TIMEOUT');
    expect(err.message).toContain(`${p.name}-sick-1`);
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('also bounds the depends_on waits: a dependent of the sick service does not hang up', async () => {
    const p = fx.project(
      compose({
        sick: image({
          command: sleeper,
          healthcheck: { test: ['CMD', 'false'], interval: '300ms', retries: 1000 },
        }),
        dependent: image({ command: sleeper, depends_on: { sick: { condition: 'service_healthy' } } }),
      }),
    );
    const t0 = Date.now();
    const err = await rejection(
      up(await p.load(), { runtime: fx.runtime, wait: true, waitTimeoutSeconds: 3 }),
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(err.code).toBe('WAIT_TIMEOUT');
    expect(err.message).toContain(`${p.name}-sick-1`);
    const dependent = (await containers(p.name)).find((c) => c.Service === 'dependent');
    expect(dependent?.State ?? 'created').toBe('created');
  });

  it('fails as soon as the container is unhealthy, naming it', async () => {
    const p = fx.project(
      compose({
        sick: image({
          command: sleeper,
          healthcheck: { test: ['CMD', 'false'], interval: '300ms', retries: 1 },
        }),
      }),
    );
    const err = await rejection(
      up(await p.load(), { runtime: fx.runtime, wait: true, waitTimeoutSeconds: 30 }),
    );
    expect(isBerthError(err)).toBe(true);
    expect(err.message).toContain(`${p.name}-sick-1`);
    expect(err.message).toContain('unhealthy');
  });
});

// ---- 5. a failing dependency -----------------------------------------------------------------------

describe('up: a failing dependency', () => {
  it('names the failed service, starts no dependent, and the next up converges', async () => {
    const services = (exit: number) => ({
      db: image({ command: sleeper }),
      migrate: image({ command: ['sh', '-c', `echo migrating; exit ${exit}`], depends_on: ['db'] }),
      api: image({
        command: sleeper,
        depends_on: { migrate: { condition: 'service_completed_successfully' } },
      }),
      web: image({ command: sleeper, depends_on: ['api'] }),
    });
    const p = fx.project(compose(services(1)));
    const err = await rejection(up(await p.load(), { runtime: fx.runtime, wait: true }));
    expect(err.message).toContain('migrate');
    expect(err.message).toMatch(/exit 1/);

    const list = await containers(p.name);
    const state = (s: string) => list.filter((c) => c.Service === s).map((c) => c.State);
    expect(state('db')).toEqual(['running']);
    expect(state('migrate')).toEqual(['exited']);
    // Dependents may have been created, but none was ever started.
    for (const s of ['api', 'web']) for (const st of state(s)) expect(st).toBe('created');

    p.write(compose(services(0)));
    const fixed = await up(await p.load(), { runtime: fx.runtime, wait: true });
    const states = fixed.containers.map((c) => `${c.Service}:${c.State}:${c.ExitCode}`);
    expect(states).toEqual(['api:running:0', 'db:running:0', 'migrate:exited:0', 'web:running:0']);
  });
});

// ---- 6. kill -9 of berth in the middle of up --------------------------------------------------------

/** Each service's containers; asserts exactly one each, with its final name. */
async function expectConverged(p: TempProject, services: string[]) {
  const list = await containers(p.name);
  expect(list.filter((c) => TMP_NAME.test(c.Name)).map((c) => c.Name)).toEqual([]);
  expect(list.map((c) => c.Name).sort()).toEqual(services.map((s) => `${p.name}-${s}-1`).sort());
  return list;
}

/** Kills `child` with SIGKILL once `ready` holds, and checks it was in the middle of its work. */
async function killMidway(run: ReturnType<typeof spawnBerthUp>, ready: () => Promise<boolean>) {
  await eventually(async () => run.output().stdout.includes('"started":true') && (await ready()), 30_000, 50);
  run.child.kill('SIGKILL');
  const result = await run.done;
  expect(result.code).toBe(137);
  expect(result.stdout).not.toContain('"done":true');
  return result;
}

// Slow by nature (health chains, a child process): a generous timeout for a loaded CI machine.
describe('up: kill -9 in the middle', { timeout: 120_000 }, () => {
  const chain = (
    value: string,
    o: { condition?: string | false; grace?: string; ignoreTerm?: boolean } = {},
  ) => {
    const services: Record<string, object> = {};
    for (let i = 1; i <= 6; i++) {
      services[`s${i}`] = image({
        command: o.ignoreTerm
          ? ['sh', '-c', `trap '' TERM; echo s${i} > /www/index.html; httpd -f -p 80 -h /www & wait`]
          : httpd(`s${i}`),
        environment: { VALUE: value },
        healthcheck: httpHealth('500ms'),
        volumes: i === 1 ? ['data:/data'] : [],
        ...(i > 1 &&
          o.condition !== false && {
            depends_on: { [`s${i - 1}`]: { condition: o.condition ?? 'service_healthy' } },
          }),
        ...(o.grace && { stop_grace_period: o.grace }),
      });
    }
    return compose(services, { volumes: { data: {} } });
  };
  const names = ['s1', 's2', 's3', 's4', 's5', 's6'];

  it('a fresh up killed mid-way: the next up converges, its stale lock does not block, nothing leaks', async () => {
    const p = fx.project(chain('one'));
    const run = spawnBerthUp(p.file, p.name);
    await killMidway(run, async () => run.output().stdout.includes('"action":"Started"'));
    const pid = Number(JSON.parse(run.output().stdout.split('\n')[0]!).pid);

    // The killed process's lock is still there, owned by a dead pid.
    // The lock is scoped by the runtime's address (src/verbs/engine.ts).
    const lock = lockPath(fx.runtime.address, p.name);
    expect(existsSync(lock)).toBe(true);
    expect(readFileSync(lock, 'utf8')).toBe(String(pid));
    const before = await containers(p.name);
    expect(before.length).toBeGreaterThan(0);
    expect(before.some((c) => c.Service === 's6' && c.State === 'running')).toBe(false);

    const events: BerthEvent[] = [];
    await up(await p.load(), { runtime: fx.runtime, wait: true, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'warning' && /waiting for another berth/.test(e.message))).toEqual(
      [],
    );
    const list = await expectConverged(p, names);
    for (const c of list) expect(`${c.Service}:${c.State}:${c.Health}`).toBe(`${c.Service}:running:healthy`);
    expect(existsSync(lock)).toBe(false);

    await down(await p.load(), { runtime: fx.runtime, volumes: true });
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('a recreate killed mid-way (temporary containers exist): the next up converges without them', async () => {
    // The old containers ignore SIGTERM, so each stop takes the new grace period (1 s): the child is
    // killed while a `<id12>_<name>` container exists next to the one it replaces.
    const p = fx.project(chain('one', { condition: false, ignoreTerm: true }));
    await up(await p.load(), { runtime: fx.runtime });
    const original = await idsByService(p.name);

    p.write(chain('two', { condition: false, grace: '1s' }));
    const run = spawnBerthUp(p.file, p.name);
    await killMidway(run, async () => (await containers(p.name)).some((c) => TMP_NAME.test(c.Name)));
    // Requests the child had in flight may still complete in dockerd: let the engine settle first.
    let mid = await containers(p.name);
    await eventually(async () => {
      await new Promise((r) => setTimeout(r, 500));
      const now = await containers(p.name);
      const same = JSON.stringify(now.map((c) => c.ID)) === JSON.stringify(mid.map((c) => c.ID));
      mid = now;
      return same;
    }, 20_000);
    const tmp = mid.filter((c) => TMP_NAME.test(c.Name));
    expect(tmp.length).toBeGreaterThan(0);
    // Two containers with one number: for (at least) one of them, the old one is still there.
    expect(tmp.some((t) => mid.some((c) => c.ID === original[t.Service]![0]))).toBe(true);

    const converged = await up(await p.load(), { runtime: fx.runtime, wait: true });
    // Each `<id12>_<name>` was kept (it is up to date) and renamed once the old holder of its name went.
    const renamed = converged.plan.operations
      .filter((o) => o.type === 'RenameContainer' && o.cause === 'temporary name')
      .map((o) => o.tmpName);
    expect(renamed.sort()).toEqual(tmp.map((t) => t.Name).sort());
    const list = await expectConverged(p, names);
    for (const c of list) {
      expect(c.State).toBe('running');
      expect(c.ID).not.toBe(original[c.Service]![0]);
    }
    const inspected = await dockerInspect(...list.map((c) => c.ID));
    for (const i of inspected) expect(i.Config.Env).toContain('VALUE=two');

    // And a no-op up after that really is one.
    const again = await up(await p.load(), { runtime: fx.runtime });
    expect(again.plan.operations).toEqual([]);

    await down(await p.load(), { runtime: fx.runtime, volumes: true, timeoutSeconds: 0 });
    expect(await leftovers(fx.runtime, p.name)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});

// ---- 7. concurrent ups -----------------------------------------------------------------------------

describe('up: two at once on one project', () => {
  const services = () =>
    compose({
      a: image({ command: sleeper }),
      b: image({ command: sleeper, depends_on: ['a'] }),
      c: image({ command: sleeper }),
    });

  it('in one process (Promise.all): both succeed, one container per service', async () => {
    const p = fx.project(services());
    const project = await p.load();
    const [one, two] = await Promise.all([
      up(project, { runtime: fx.runtime }),
      up(project, { runtime: fx.runtime }),
    ]);
    expect(one.containers).toHaveLength(3);
    expect(two.containers).toHaveLength(3);
    // Serialized by the lock: one of them found everything done.
    expect(Math.min(one.plan.operations.length, two.plan.operations.length)).toBe(0);
    await expectConverged(p, ['a', 'b', 'c']);
  });

  it('in two processes: both succeed, one container per service', async () => {
    const p = fx.project(services());
    const [r1, r2] = await Promise.all([
      spawnBerthUp(p.file, p.name).done,
      spawnBerthUp(p.file, p.name).done,
    ]);
    expect([r1.code, r2.code], `${r1.stdout}${r1.stderr}\n${r2.stdout}${r2.stderr}`).toEqual([0, 0]);
    await expectConverged(p, ['a', 'b', 'c']);
    for (const c of await containers(p.name)) expect(c.State).toBe('running');
  });
});

// ---- 8. orphans ------------------------------------------------------------------------------------

describe('up: orphans', () => {
  it('reports a removed service and keeps it; removeOrphans removes it', async () => {
    const p = fx.project(compose({ a: image({ command: sleeper }), gone: image({ command: sleeper }) }));
    await up(await p.load(), { runtime: fx.runtime });
    const orphan = `${p.name}-gone-1`;

    p.write(compose({ a: image({ command: sleeper }) }));
    const events: BerthEvent[] = [];
    const kept = await up(await p.load(), { runtime: fx.runtime, onEvent: (e) => events.push(e) });
    expect(kept.plan.orphans).toEqual([orphan]);
    const warnings = events
      .filter((e) => e.type === 'warning')
      .map((e) => (e as { message: string }).message);
    expect(warnings.some((w) => w.includes('orphan') && w.includes(orphan))).toBe(true);
    expect((await containers(p.name)).map((c) => `${c.Name}:${c.State}`)).toEqual([
      `${p.name}-a-1:running`,
      `${orphan}:running`,
    ]);

    const removed = await up(await p.load(), { runtime: fx.runtime, removeOrphans: true });
    expect(removed.containers.map((c) => c.Name)).toEqual([`${p.name}-a-1`]);
  });
});

// ---- 9. scale --------------------------------------------------------------------------------------

describe('up: scale', () => {
  it('scale 3 then 1 keeps number 1 and removes 2 and 3', async () => {
    const p = fx.project(compose({ web: image({ command: sleeper }) }));
    const three = await up(await p.load(), { runtime: fx.runtime, scale: { web: 3 } });
    expect(three.containers.map((c) => c.Name)).toEqual([1, 2, 3].map((n) => `${p.name}-web-${n}`));
    const first = three.containers[0]!.ID;

    const one = await up(await p.load(), { runtime: fx.runtime, scale: { web: 1 } });
    expect(one.containers.map((c) => [c.Name, c.ID])).toEqual([[`${p.name}-web-1`, first]]);
    expect(one.plan.operations.filter((o) => o.type === 'CreateContainer')).toEqual([]);
  });
});

// ---- 10. the AsyncDisposable handle ----------------------------------------------------------------

describe('Stack: AsyncDisposable', () => {
  it('`await using` takes the stack down when the block ends', async () => {
    const p = fx.project(
      compose({ a: image({ command: sleeper }), b: image({ command: sleeper, depends_on: ['a'] }) }),
    );
    {
      await using stack = await up(await p.load(), { runtime: fx.runtime });
      expect((await stack.ps()).map((c) => c.Service)).toEqual(['a', 'b']);
    }
    const left = await leftovers(fx.runtime, p.name);
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
  });

  it('disposes also when the block throws', async () => {
    const p = fx.project(compose({ a: image({ command: sleeper }) }));
    const err = await rejection(
      (async () => {
        await using _stack = await up(await p.load(), { runtime: fx.runtime });
        throw new Error('test body failed');
      })(),
    );
    expect(err.message).toBe('test body failed');
    expect((await leftovers(fx.runtime, p.name)).containers).toEqual([]);
  });
});

// ---- 11. events ------------------------------------------------------------------------------------

describe('up: events', () => {
  it('reports network, volume and per-container Created/Started, through onEvent and the AsyncIterable', async () => {
    const p = fx.project(
      compose(
        { a: image({ command: sleeper, volumes: ['data:/data'] }), b: image({ command: sleeper }) },
        { volumes: { data: {} } },
      ),
    );
    const stream = eventStream();
    const seen: BerthEvent[] = [];
    const iterated = (async () => {
      const out: BerthEvent[] = [];
      for await (const e of stream) out.push(e);
      return out;
    })();
    await stream.track(
      up(await p.load(), {
        runtime: fx.runtime,
        onEvent: (e) => {
          seen.push(e);
          stream.onEvent(e);
        },
      }),
    );
    const fromIterable = await iterated;
    expect(fromIterable).toEqual(seen);

    const done = resourceEvents(seen)
      .filter((e) => e.status === 'done')
      .map((e) => `${e.kind} ${e.name} ${e.action}`);
    expect(done).toContain(`network ${p.name}_default Created`);
    expect(done).toContain(`volume ${p.name}_data Created`);
    for (const s of ['a', 'b']) {
      const name = `${p.name}-${s}-1`;
      const created = done.indexOf(`container ${name} Created`);
      const started = done.indexOf(`container ${name} Started`);
      expect(created).toBeGreaterThanOrEqual(0);
      expect(started).toBeGreaterThan(created);
    }
    expect(resourceEvents(seen).filter((e) => e.status === 'error')).toEqual([]);
  });
});
