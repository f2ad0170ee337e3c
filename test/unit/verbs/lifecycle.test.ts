/**
 * The lifecycle verbs (src/verbs/lifecycle.ts, create.ts) on an in-memory runtime that records every
 * engine call: dependency order for start/stop/restart, which containers each verb touches, the
 * restart: true cascade, kill's signal and orphans, rm's confirmation, wait's status, service-name
 * errors; plus the CLI's small parsers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../../src/api/events.js';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  DEPENDENCIES_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../../../src/api/labels.js';
import { scaleMap } from '../../../src/cli/commands/create.js';
import { parseTail } from '../../../src/cli/commands/logs.js';
import { isYes } from '../../../src/cli/commands/rm.js';
import { parseReplicas } from '../../../src/cli/commands/scale.js';
import { identity } from '../../../src/cli/render/color.js';
import { LogPrinter } from '../../../src/cli/render/logs.js';
import type { ContainerInfo, ContainerState } from '../../../src/runtime/runtime.js';
import { scale } from '../../../src/verbs/create.js';
import {
  containerOrder,
  kill,
  parseDependenciesLabel,
  pause,
  restart,
  rm,
  start,
  stop,
  unpause,
  wait,
} from '../../../src/verbs/lifecycle.js';
import { FakeRuntime } from '../../support/fake-runtime.js';
import { tempProject } from '../../support/stack.js';

const lockDir = mkdtempSync(join(tmpdir(), 'berth-lifecycle-unit-'));
const env = { BERTH_LOCK_DIR: lockDir };
afterAll(() => rmSync(lockDir, { recursive: true, force: true }));

function ctr(
  service: string,
  number: number,
  state: ContainerState,
  deps = '',
  extra: Partial<ContainerInfo> & { oneOff?: boolean } = {},
): ContainerInfo {
  const { oneOff, ...rest } = extra;
  return {
    id: `${service}-${number}${oneOff ? '-run' : ''}`,
    name: `demo-${service}-${number}${oneOff ? '-run' : ''}`,
    image: 'img',
    labels: {
      [PROJECT_LABEL]: 'demo',
      [SERVICE_LABEL]: service,
      [CONTAINER_NUMBER_LABEL]: String(number),
      [ONEOFF_LABEL]: oneOff ? 'True' : 'False',
      [CONFIG_HASH_LABEL]: 'hash',
      ...(deps ? { [DEPENDENCIES_LABEL]: deps } : {}),
    },
    state,
    status: '',
    created: '2026-01-01T00:00:00.000Z',
    ports: [],
    networks: {},
    ...rest,
  };
}

/** FakeRuntime types its unsupported calls as `() => never`: an implementation replaces them. */
const impl = <T>(f: T) => f as unknown as () => never;

/** A FakeRuntime whose container calls change state and are recorded in order. */
class Recorder extends FakeRuntime {
  readonly log: string[] = [];
  exitCodes: Record<string, number> = {};

  private set(id: string, state: ContainerState) {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw Object.assign(new Error(`no such container ${id}`), { code: 'RUNTIME_NOT_FOUND' });
    c.state = state;
  }

  override startContainer = impl(async (id: string) => {
    this.log.push(`start ${id}`);
    this.set(id, 'running');
  });
  override stopContainer = impl(async (id: string, o: { timeoutSeconds?: number } = {}) => {
    this.log.push(`stop ${id}${o.timeoutSeconds === undefined ? '' : ` t=${o.timeoutSeconds}`}`);
    this.set(id, 'exited');
  });
  override killContainer = impl(async (id: string, signal?: string) => {
    this.log.push(`kill ${id} ${signal}`);
  });
  override pauseContainer = impl(async (id: string) => {
    this.log.push(`pause ${id}`);
    this.set(id, 'paused');
  });
  override unpauseContainer = impl(async (id: string) => {
    this.log.push(`unpause ${id}`);
    this.set(id, 'running');
  });
  override removeContainer = impl(async (id: string, o: { volumes?: boolean } = {}) => {
    this.log.push(`rm ${id}${o.volumes ? ' -v' : ''}`);
    this.containers = this.containers.filter((c) => c.id !== id);
  });
  override waitContainer = impl(async (id: string) => {
    // Containers "exit" in the order of their exit codes' keys.
    const order = Object.keys(this.exitCodes);
    await new Promise((r) => setTimeout(r, 5 * (order.indexOf(id) + 1)));
    this.log.push(`wait ${id}`);
    return { exitCode: this.exitCodes[id] ?? 0 };
  });
}

const calls = (r: Recorder, verb: string) => r.log.filter((l) => l.startsWith(`${verb} `));

describe('dependency labels and order', () => {
  it('reads compose depends_on labels (restart defaults to true without the third field)', () => {
    expect(parseDependenciesLabel('db:service_healthy:false,cache:service_started:true,old')).toEqual({
      db: { condition: 'service_healthy', restart: false, required: false },
      cache: { condition: 'service_started', restart: true, required: false },
      old: { condition: 'service_started', restart: true, required: false },
    });
  });

  it('orders containers: dependencies first up, dependents first down, only along chosen edges', () => {
    const services = {
      web: { db: { condition: 'service_started', required: true, restart: true } },
      worker: { db: { condition: 'service_started', required: true, restart: false } },
      db: {},
    };
    const list = [
      { id: 'db1', service: 'db' },
      { id: 'web1', service: 'web' },
      { id: 'web2', service: 'web' },
      { id: 'worker1', service: 'worker' },
    ];
    const up = containerOrder({ services }, list, 'up');
    expect(up.get('web2')).toEqual(['db1']);
    expect(up.get('db1')).toEqual([]);
    const down = containerOrder({ services }, list, 'down');
    expect(down.get('db1')?.sort()).toEqual(['web1', 'web2', 'worker1']);
    const restartOnly = containerOrder({ services }, list, 'down', (d) => d.restart);
    expect(restartOnly.get('db1')?.sort()).toEqual(['web1', 'web2']);
  });
});

describe('stop / start / restart', () => {
  const stack = () =>
    new Recorder({
      containers: [
        ctr('db', 1, 'running'),
        ctr('web', 1, 'running', 'db:service_started:true'),
        ctr('web', 2, 'running', 'db:service_started:true'),
        ctr('worker', 1, 'exited', 'db:service_started:false'),
      ],
    });

  it('stop: dependents before their dependencies; events for every container', async () => {
    const r = stack();
    const events: BerthEvent[] = [];
    const result = await stop('demo', {
      runtime: r,
      env,
      parallel: 1,
      timeoutSeconds: 3,
      onEvent: (e) => events.push(e),
    });
    const stops = calls(r, 'stop');
    expect(stops.indexOf('stop db-1 t=3')).toBe(stops.length - 1);
    expect(stops).toContain('stop web-2 t=3');
    // The exited worker is not sent a stop, but compose still reports it.
    expect(stops).not.toContain('stop worker-1 t=3');
    expect(result.containers.map((c) => c.Name)).toEqual([
      'demo-db-1',
      'demo-web-1',
      'demo-web-2',
      'demo-worker-1',
    ]);
    const lines = events.flatMap((e) => (e.type === 'resource' ? [`${e.name} ${e.action}`] : []));
    expect(lines).toContain('demo-worker-1 Stopped');
    expect(lines.indexOf('demo-db-1 Stopping')).toBeGreaterThan(lines.indexOf('demo-web-1 Stopped'));
  });

  it('stop SERVICE stops only that service (not its dependents)', async () => {
    const r = stack();
    await stop('demo', { runtime: r, env, services: ['db'] });
    expect(calls(r, 'stop')).toEqual(['stop db-1']);
  });

  it('start SERVICE starts its dependencies first and leaves running containers alone', async () => {
    const r = new Recorder({
      containers: [
        ctr('db', 1, 'exited'),
        ctr('web', 1, 'created', 'db:service_started:true'),
        ctr('cache', 1, 'exited'),
      ],
    });
    await start('demo', { runtime: r, env, services: ['web'], parallel: 1 });
    expect(calls(r, 'start')).toEqual(['start db-1', 'start web-1']);
    r.log.length = 0;
    await start('demo', { runtime: r, env });
    expect(calls(r, 'start')).toEqual(['start cache-1']);
  });

  it('start resumes a paused container instead of starting it', async () => {
    const r = new Recorder({ containers: [ctr('db', 1, 'paused')] });
    await start('demo', { runtime: r, env });
    expect(r.log).toEqual(['unpause db-1']);
  });

  it('start without any container fails as compose does', async () => {
    const r = new Recorder({ containers: [] });
    const err = await start('demo', { runtime: r, env }).catch((e) => e);
    // From labels alone there is no service at all: nothing to do.
    expect(err).toEqual({ containers: [] });
    const p = tempProject('services:\n  web:\n    image: busybox\n', 'demo');
    try {
      const e2 = await start(await p.load(), { runtime: r, env }).catch((e) => e);
      expect(e2.code).toBe('RUNTIME_NOT_FOUND');
      expect(e2.message).toBe('service "web" has no container to start');
    } finally {
      p.dispose();
    }
  });

  it('restart: the service, then its restart: true dependents; not the others; --no-deps only it', async () => {
    const r = stack();
    await restart('demo', { runtime: r, env, services: ['db'], parallel: 1 });
    expect(r.log).toEqual([
      'stop db-1',
      'start db-1',
      'stop web-1',
      'start web-1',
      'stop web-2',
      'start web-2',
    ]);
    r.log.length = 0;
    await restart('demo', { runtime: r, env, services: ['db'], noDeps: true });
    expect(r.log).toEqual(['stop db-1', 'start db-1']);
    r.log.length = 0;
    // A stopped container is started by restart.
    await restart('demo', { runtime: r, env, services: ['worker'] });
    expect(r.log).toEqual(['start worker-1']);
  });
});

describe('kill / pause / unpause / rm / wait', () => {
  it('kill: SIGKILL by default, running containers and one-offs, orphans only with removeOrphans', async () => {
    const r = new Recorder({
      containers: [
        ctr('web', 1, 'running'),
        ctr('web', 2, 'exited'),
        ctr('web', 1, 'running', '', { oneOff: true }),
        ctr('gone', 1, 'running'),
      ],
    });
    const p = tempProject('services:\n  web:\n    image: busybox\n', 'demo');
    try {
      const project = await p.load();
      await kill(project, { runtime: r, env });
      expect(calls(r, 'kill').sort()).toEqual(['kill web-1 SIGKILL', 'kill web-1-run SIGKILL']);
      r.log.length = 0;
      await kill(project, { runtime: r, env, killSignal: 'SIGHUP', removeOrphans: true });
      expect(calls(r, 'kill').sort()).toEqual([
        'kill gone-1 SIGHUP',
        'kill web-1 SIGHUP',
        'kill web-1-run SIGHUP',
      ]);
    } finally {
      p.dispose();
    }
  });

  it('pause only running containers, unpause only paused ones', async () => {
    const r = new Recorder({
      containers: [ctr('a', 1, 'running'), ctr('a', 2, 'paused'), ctr('b', 1, 'exited')],
    });
    await pause('demo', { runtime: r, env });
    expect(r.log).toEqual(['pause a-1']);
    r.log.length = 0;
    const result = await unpause('demo', { runtime: r, env, services: ['a'] });
    expect(r.log.sort()).toEqual(['unpause a-1', 'unpause a-2']);
    expect(result.containers).toHaveLength(2);
  });

  it('rm: asks with the names of the stopped containers; no means nothing removed', async () => {
    const r = new Recorder({
      containers: [ctr('a', 1, 'running'), ctr('a', 2, 'exited'), ctr('b', 1, 'created')],
    });
    let asked: string[] = [];
    const cancelled = await rm('demo', {
      runtime: r,
      env,
      confirm: (names) => {
        asked = names;
        return false;
      },
    });
    expect(asked).toEqual(['demo-a-2', 'demo-b-1']);
    expect(cancelled).toEqual({ containers: [], cancelled: true });
    expect(r.log).toEqual([]);
    const done = await rm('demo', { runtime: r, env, volumes: true, services: ['a'] });
    expect(r.log).toEqual(['rm a-2 -v']);
    expect(done.containers.map((c) => c.Name)).toEqual(['demo-a-2']);
  });

  it('rm -s stops first, then removes', async () => {
    const r = new Recorder({ containers: [ctr('a', 1, 'running')] });
    await rm('demo', { runtime: r, env, stop: true });
    expect(r.log).toEqual(['stop a-1', 'rm a-1']);
  });

  it('wait: the status of the container that stopped last; nothing running is an error', async () => {
    const r = new Recorder({
      containers: [ctr('a', 1, 'running'), ctr('a', 2, 'running'), ctr('b', 1, 'running')],
    });
    r.exitCodes = { 'a-2': 4, 'a-1': 7 };
    const seen: string[] = [];
    const result = await wait('demo', { runtime: r, env, services: ['a'], onExit: (c) => seen.push(c.name) });
    expect(seen).toEqual(['demo-a-2', 'demo-a-1']);
    expect(result.exitCode).toBe(7);
    const err = await wait('demo', {
      runtime: new Recorder({ containers: [ctr('a', 1, 'exited')] }),
      env,
      services: ['a'],
    }).catch((e) => e);
    expect(err.message).toBe('no containers for project "demo"');
  });

  it('unknown services are COMPOSE_UNKNOWN_SERVICE with a did-you-mean hint', async () => {
    const r = new Recorder({ containers: [ctr('worker', 1, 'running')] });
    for (const work of [
      stop('demo', { runtime: r, env, services: ['wroker'] }),
      start('demo', { runtime: r, env, services: ['wroker'] }),
      kill('demo', { runtime: r, env, services: ['wroker'] }),
      rm('demo', { runtime: r, env, services: ['wroker'] }),
    ]) {
      const err = await work.catch((e) => e);
      expect(err.code).toBe('COMPOSE_UNKNOWN_SERVICE');
      expect(err.message).toBe('no such service: wroker');
      expect(err.hint).toBe('did you mean "worker"?');
    }
    const p = tempProject('services:\n  web:\n    image: busybox\n', 'demo');
    try {
      const err = await scale(await p.load(), { wbe: 2 }, { runtime: r, env }).catch((e) => e);
      expect(err.code).toBe('COMPOSE_UNKNOWN_SERVICE');
      expect(err.hint).toBe('did you mean "web"?');
    } finally {
      p.dispose();
    }
  });
});

describe('CLI parsers', () => {
  it('--tail: all or a whole number', () => {
    expect(parseTail('all')).toBeUndefined();
    expect(parseTail('0')).toBe(0);
    expect(parseTail('25')).toBe(25);
    expect(() => parseTail('ten')).toThrow();
  });

  it('scale SERVICE=N with compose messages', async () => {
    expect(await parseReplicas(['web=3', 'db=0'])).toEqual({ web: 3, db: 0 });
    await expect(parseReplicas(['web'])).rejects.toThrow('invalid scale specifier: web');
    await expect(parseReplicas(['web=x'])).rejects.toThrow("can't parse replica value as int: web=x");
    expect(scaleMap(['a=1', 'b=2'])).toEqual({ a: 1, b: 2 });
  });

  it('rm confirmation answers', () => {
    for (const yes of ['y', 'Y', 'yes', 'true', '1', ' y ']) expect(isYes(yes)).toBe(true);
    for (const no of ['', 'n', 'no', 'nope', 'yy']) expect(isYes(no)).toBe(false);
  });

  it('log printer: a container registered later widens the prefix column', () => {
    let out = '';
    const printer = new LogPrinter((t) => (out += t), {
      names: ['web-1'],
      prefix: true,
      timestamps: true,
      colorOf: () => identity,
    });
    printer.line('web-1', 'a', '2026-01-01T00:00:00.000000000Z');
    printer.register('worker-10');
    printer.line('web-1', 'b');
    printer.line('worker-10', 'c');
    expect(out).toBe('web-1  | 2026-01-01T00:00:00.000000000Z a\nweb-1      | b\nworker-10  | c\n');
  });
});
