/**
 * `logs` (src/verbs/logs.ts): the docker client's --since/--until forms, the time-ordered merge of
 * several containers' logs, and the follow loop on an in-memory runtime — exit entries, a container
 * started while following picked up, the end once nothing runs, and an abort.
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  SERVICE_LABEL,
} from '../../../src/api/labels.js';
import type { LogEntry } from '../../../src/api/lifecycle.js';
import type {
  ContainerInfo,
  ContainerState,
  ListFilter,
  LogLine,
  LogOptions,
  RuntimeEvent,
} from '../../../src/runtime/runtime.js';
import {
  engineSeconds,
  logs,
  mergeByTime,
  parseGoDuration,
  parseLogTime,
  timeNanos,
} from '../../../src/verbs/logs.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

describe('--since / --until', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');

  it('Go durations count back from now (whole seconds)', () => {
    expect(parseGoDuration('42m')).toBe(42 * 60_000);
    expect(parseGoDuration('1h30m')).toBe(90 * 60_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('m')).toBeUndefined();
    expect(parseLogTime('42m', now)).toBe(String(Date.parse('2026-03-01T11:18:00Z') / 1000));
  });

  it('RFC 3339 times become seconds.nanoseconds; zones are honoured', () => {
    expect(parseLogTime('2013-01-02T13:23:37Z', now)).toBe('1357133017.000000000');
    expect(parseLogTime('2013-01-02T13:23:37.123456789Z', now)).toBe('1357133017.123456789');
    expect(parseLogTime('2013-01-02T14:23:37+01:00', now)).toBe('1357133017.000000000');
    expect(parseLogTime('2013-01-02Z', now)).toBe('1357084800.000000000');
  });

  it('times without a zone are local', () => {
    const local = new Date(2013, 0, 2, 13, 23, 37).getTime() / 1000;
    expect(parseLogTime('2013-01-02T13:23:37', now)).toBe(`${local}.000000000`);
    expect(parseLogTime('2013-01-02', now)).toBe(`${new Date(2013, 0, 2).getTime() / 1000}.000000000`);
  });

  it('Unix timestamps pass through; anything else is a usage error', () => {
    expect(parseLogTime('1357133017', now)).toBe('1357133017');
    expect(parseLogTime('1357133017.5', now)).toBe('1357133017.5');
    expect(() => parseLogTime('yesterday', now)).toThrow(
      'failed to parse value as time or duration: "yesterday"',
    );
    expect(() => parseLogTime('2013-13-45Tx', now)).toThrow();
  });

  it('nanosecond arithmetic', () => {
    const n = timeNanos('2026-11-23T15:33:59.999999999Z')!;
    expect(engineSeconds(n + 1n)).toBe(`${Date.parse('2026-11-23T15:34:00Z') / 1000}.000000000`);
  });
});

describe('mergeByTime', () => {
  async function* of<T>(...items: T[]) {
    for (const i of items) yield i;
  }
  it('merges per-stream ordered items into one time order, ties in stream order', async () => {
    const out: string[] = [];
    for await (const x of mergeByTime(
      [
        of<[string, bigint]>(['a1', 1n], ['a2', 5n], ['a3', 9n]),
        of<[string, bigint]>(['b1', 2n], ['b2', 5n]),
        of<[string, bigint]>(),
      ],
      (x) => x[1],
    )) {
      out.push(x[0]);
    }
    expect(out).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });
});

// ---- an in-memory engine for logs ------------------------------------------------------------------

interface Box {
  lines: LogLine[];
  exitCode: number;
}

class LogRuntime extends FakeRuntime {
  readonly boxes = new Map<string, Box>();
  private readonly bus = new EventTarget();
  private readonly pendingEvents: RuntimeEvent[] = [];
  readonly logCalls: Array<{ id: string } & LogOptions> = [];
  private tick = 0;

  add(service: string, number: number, state: ContainerState, lines: string[] = []): ContainerInfo {
    const id = `${service}-${number}`;
    const c: ContainerInfo = {
      id,
      name: `demo-${id}`,
      image: 'img',
      labels: {
        [PROJECT_LABEL]: 'demo',
        [SERVICE_LABEL]: service,
        [CONTAINER_NUMBER_LABEL]: String(number),
        [ONEOFF_LABEL]: 'False',
        [CONFIG_HASH_LABEL]: 'h',
      },
      state,
      status: '',
      created: '2026-01-01T00:00:00.000Z',
      ports: [],
      networks: {},
    };
    this.containers.push(c);
    this.boxes.set(id, { lines: [], exitCode: 0 });
    for (const l of lines) this.print(id, l);
    return c;
  }

  /** A line with a strictly increasing engine time. */
  print(id: string, text: string): void {
    this.tick++;
    const timestamp = `2026-01-01T00:00:${String(this.tick).padStart(2, '0')}.000000000Z`;
    this.boxes.get(id)!.lines.push({ stream: 'stdout', text, timestamp });
    this.bus.dispatchEvent(new Event('change'));
  }

  state(id: string, state: ContainerState, exitCode = 0): void {
    const c = this.containers.find((x) => x.id === id)!;
    c.state = state;
    c.exitCode = exitCode;
    this.bus.dispatchEvent(new Event('change'));
  }

  emit(action: string, c: ContainerInfo): void {
    this.pendingEvents.push({
      type: 'container',
      action,
      id: c.id,
      attributes: { ...c.labels, name: c.name },
      time: new Date().toISOString(),
    });
    this.bus.dispatchEvent(new Event('change'));
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.bus.removeEventListener('change', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.bus.addEventListener('change', done);
      signal?.addEventListener('abort', done);
    });
  }

  override logs = async function* (this: LogRuntime, id: string, o: LogOptions = {}) {
    this.logCalls.push({ id, ...o });
    const box = this.boxes.get(id)!;
    const [sec = '0', frac = ''] = (o.since ?? '').split('.');
    const since =
      o.since === undefined ? undefined : BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
    let lines = box.lines.filter((l) => since === undefined || timeNanos(l.timestamp!)! >= since);
    if (o.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - o.tail));
    let at = box.lines.indexOf(lines[0]!);
    if (at < 0) at = box.lines.length;
    for (;;) {
      while (at < box.lines.length) {
        const l = box.lines[at++]!;
        yield o.timestamps ? l : { stream: l.stream, text: l.text };
      }
      const c = this.containers.find((x) => x.id === id)!;
      if (!o.follow || c.state !== 'running' || o.signal?.aborted) return;
      await this.changed(o.signal);
    }
  } as unknown as FakeRuntime['logs'];

  override events = async function* (this: LogRuntime, f: ListFilter & { signal?: AbortSignal } = {}) {
    for (;;) {
      while (this.pendingEvents.length > 0) yield this.pendingEvents.shift()!;
      if (f.signal?.aborted) return;
      await this.changed(f.signal);
    }
  } as unknown as FakeRuntime['events'];
}

const show = (e: LogEntry) =>
  e.type === 'line'
    ? `${e.name}: ${e.text}`
    : `${e.name} exited ${e.exitCode}${e.restarting ? ' (restarting)' : ''}`;

describe('logs without --follow', () => {
  it('every container, merged by time; tail per container; timestamps kept', async () => {
    const r = new LogRuntime();
    r.add('web', 1, 'running');
    r.add('db', 1, 'exited');
    r.print('db-1', 'db one');
    r.print('web-1', 'web one');
    r.print('db-1', 'db two');
    r.print('web-1', 'web two');
    const all: LogEntry[] = [];
    for await (const e of logs('demo', { runtime: r })) all.push(e);
    expect(all.map(show)).toEqual([
      'demo-db-1: db one',
      'demo-web-1: web one',
      'demo-db-1: db two',
      'demo-web-1: web two',
    ]);
    expect(all.every((e) => e.type === 'line' && e.timestamp !== undefined)).toBe(true);
    const tail: string[] = [];
    for await (const e of logs('demo', { runtime: r, tail: 1, services: ['web'] })) tail.push(show(e));
    expect(tail).toEqual(['demo-web-1: web two']);
  });

  it('--index picks one replica; it needs exactly one service and an existing number', async () => {
    const r = new LogRuntime();
    r.add('web', 1, 'running', ['one']);
    r.add('web', 2, 'running', ['two']);
    const out: string[] = [];
    for await (const e of logs('demo', { runtime: r, services: ['web'], index: 2 })) out.push(show(e));
    expect(out).toEqual(['demo-web-2: two']);
    const collect = async (o: object) => {
      for await (const _ of logs('demo', { runtime: r, ...o })) {
        /* drain */
      }
    };
    await expect(collect({ index: 1 })).rejects.toThrow('--index requires one service to be selected');
    await expect(collect({ services: ['web'], index: 3 })).rejects.toThrow(
      'service "web" is not running container #3',
    );
  });
});

describe('logs --follow', () => {
  it('follows until the running containers exit; stopped ones only print their history', async () => {
    const r = new LogRuntime();
    r.add('web', 1, 'running', ['w1']);
    r.add('db', 1, 'exited', ['d1']);
    const out: string[] = [];
    for await (const e of logs('demo', { runtime: r, follow: true })) {
      out.push(show(e));
      if (e.type === 'line' && e.text === 'w1') r.print('web-1', 'w2');
      if (e.type === 'line' && e.text === 'w2') r.state('web-1', 'exited', 3);
    }
    expect(out.filter((l) => l.startsWith('demo-web-1'))).toEqual([
      'demo-web-1: w1',
      'demo-web-1: w2',
      'demo-web-1 exited 3',
    ]);
    expect(out).toContain('demo-db-1: d1');
    expect(out).not.toContain('demo-db-1 exited 0');
  });

  it('picks up a container started while following, and a restarted one from where it left off', async () => {
    const r = new LogRuntime();
    const web1 = r.add('web', 1, 'running', ['old']);
    const out: string[] = [];
    let web2: ContainerInfo | undefined;
    for await (const e of logs('demo', { runtime: r, follow: true, services: ['web'] })) {
      out.push(show(e));
      if (e.type === 'line' && e.text === 'old') {
        web2 = r.add('web', 2, 'created');
        r.emit('create', web2);
        r.state('web-2', 'running');
        r.print('web-2', 'second');
        r.emit('start', web2);
      }
      if (e.type === 'line' && e.text === 'second') {
        // web-1 restarts: its stream ends, it runs again, only new lines follow.
        r.state('web-1', 'exited', 0);
      }
      if (e.type === 'exit' && e.id === 'web-1' && !out.includes('demo-web-1: again')) {
        r.state('web-1', 'running');
        r.print('web-1', 'again');
        r.emit('start', web1);
      }
      if (e.type === 'line' && e.text === 'again') {
        r.state('web-1', 'exited', 1);
        r.state('web-2', 'exited', 2);
      }
    }
    expect(out).toEqual(
      expect.arrayContaining([
        'demo-web-1: old',
        'demo-web-2: second',
        'demo-web-1 exited 0',
        'demo-web-1: again',
        'demo-web-1 exited 1',
        'demo-web-2 exited 2',
      ]),
    );
    expect(out.filter((l) => l === 'demo-web-1: old')).toHaveLength(1);
    // The re-follow asked for lines after the last one seen.
    const refollow = r.logCalls.filter((c) => c.id === 'web-1')[1]!;
    expect(refollow.since).toBe(engineSeconds(timeNanos('2026-01-01T00:00:01.000000000Z')! + 1n));
  });

  it('an abort ends the follow without an error', async () => {
    const r = new LogRuntime();
    r.add('web', 1, 'running', ['w1']);
    const controller = new AbortController();
    const out: string[] = [];
    for await (const e of logs('demo', { runtime: r, follow: true, signal: controller.signal })) {
      out.push(show(e));
      controller.abort();
    }
    expect(out).toEqual(['demo-web-1: w1']);
  });
});
