/**
 * `events`: which engine events compose reports (project containers only, no one-off containers, the
 * services asked for, no com.docker.compose.* attributes), and its text and `--json` lines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectEvent } from '../../../src/api/inspect.js';
import {
  eventTimestamp,
  formatEventJson,
  formatEventText,
  goJson,
  rfc3339Nano,
} from '../../../src/cli/commands/events.js';
import type { ListFilter, RuntimeEvent } from '../../../src/runtime/runtime.js';
import { events, projectEvent } from '../../../src/verbs/events.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

const ID = '874488e2baca397a0100186531c3d97e9784260372cd38386b5c238623e42e80';

function engineEvent(
  over: Partial<RuntimeEvent> = {},
  attributes: Record<string, string> = {},
): RuntimeEvent {
  return {
    type: 'container',
    action: 'start',
    id: ID,
    time: '2026-11-23T15:43:14.427Z',
    timeNano: 1_795_448_594_427_894_528n,
    attributes: {
      'com.docker.compose.project': 'p',
      'com.docker.compose.service': 'worker',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.config-hash': 'abc',
      image: 'berth-test/busybox:1',
      name: 'p-worker-1',
      ...attributes,
    },
    ...over,
  };
}

describe('projectEvent', () => {
  it('keeps container events, with the service and without the compose labels', () => {
    expect(projectEvent(engineEvent())).toEqual({
      time: '2026-11-23T15:43:14.427Z',
      timeNano: 1_795_448_594_427_894_528n,
      service: 'worker',
      container: ID,
      action: 'start',
      attributes: { image: 'berth-test/busybox:1', name: 'p-worker-1' },
    });
  });

  it('drops one-off containers, other services and non-container events', () => {
    expect(projectEvent(engineEvent({}, { 'com.docker.compose.oneoff': 'True' }))).toBeUndefined();
    expect(projectEvent(engineEvent(), new Set(['web']))).toBeUndefined();
    expect(projectEvent(engineEvent(), new Set(['web', 'worker']))).toBeDefined();
    expect(projectEvent(engineEvent({ type: 'network', action: 'connect' }))).toBeUndefined();
  });
});

describe('events (verb)', () => {
  it("streams the project's events from a label-filtered engine stream", async () => {
    const seen: Array<ListFilter & { since?: string; until?: string }> = [];
    const runtime = new FakeRuntime();
    runtime.events = async function* (filter?: ListFilter & { since?: string; until?: string }) {
      seen.push({ labels: filter?.labels, since: filter?.since, until: filter?.until });
      yield engineEvent({ action: 'create' });
      yield engineEvent({}, { 'com.docker.compose.service': 'web' });
      yield engineEvent({ action: 'die' }, { exitCode: '0' });
    } as FakeRuntime['events'];
    const got: ProjectEvent[] = [];
    for await (const e of events('p', { runtime, services: ['worker'], since: '1700000000' })) got.push(e);
    expect(got.map((e) => [e.action, e.attributes.exitCode])).toEqual([
      ['create', undefined],
      ['die', '0'],
    ]);
    expect(seen).toEqual([
      { labels: { 'com.docker.compose.project': 'p' }, since: '1700000000', until: undefined },
    ]);
  });
});

describe('printing', () => {
  let tz: string | undefined;
  beforeEach(() => {
    tz = process.env.TZ;
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  const event = projectEvent(engineEvent({}, { signal: '15', 'a<b': 'x&y' }))!;

  it("prints compose's text line: local time with microseconds, attributes sorted", () => {
    process.env.TZ = 'UTC';
    expect(formatEventText(event)).toBe(
      `2026-11-23 15:43:14.427894 container start ${ID} (a<b=x&y, image=berth-test/busybox:1, name=p-worker-1, signal=15)`,
    );
    process.env.TZ = 'Asia/Kolkata';
    expect(eventTimestamp(event)).toBe('2026-11-23 21:13:14.427894');
  });

  it('prints --json with Go map key order, RFC 3339 nanosecond time and Go escaping', () => {
    process.env.TZ = 'UTC';
    expect(formatEventJson(event)).toBe(
      `{"action":"start","attributes":{"a\\u003cb":"x\\u0026y","image":"berth-test/busybox:1","name":"p-worker-1","signal":"15"},"id":"${ID}","service":"worker","time":"2026-11-23T15:43:14.427894528Z","type":"container"}`,
    );
    const parsed = JSON.parse(formatEventJson(event));
    expect(Object.keys(parsed)).toEqual(['action', 'attributes', 'id', 'service', 'time', 'type']);
    expect(parsed.attributes['a<b']).toBe('x&y');
  });

  it('formats the time with the local offset, trimming trailing zeros', () => {
    process.env.TZ = 'America/New_York';
    expect(rfc3339Nano({ ...event, timeNano: 1_795_448_594_500_000_000n })).toBe(
      '2026-11-23T10:43:14.5-05:00',
    );
    process.env.TZ = 'UTC';
    expect(rfc3339Nano({ ...event, timeNano: 1_795_448_594_000_000_000n })).toBe('2026-11-23T15:43:14Z');
    // Without nanoseconds from the engine, the ISO time (milliseconds) is used.
    expect(rfc3339Nano({ ...event, timeNano: undefined })).toBe('2026-11-23T15:43:14.427Z');
  });

  it('escapes what Go escapes', () => {
    expect(goJson({ s: '<a>&\u2028' })).toBe('{"s":"\\u003ca\\u003e\\u0026\\u2028"}');
  });
});
