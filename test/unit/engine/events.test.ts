import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvent, followEvents, journalPath } from '../../../src/engine/events.js';
import type { RuntimeEvent } from '../../../src/runtime/runtime.js';

describe('engine event journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-events-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const collect = async (it: AsyncIterable<RuntimeEvent>, n: number, ac: AbortController) => {
    const out: RuntimeEvent[] = [];
    for await (const e of it) {
      out.push(e);
      if (out.length === n) ac.abort();
    }
    return out;
  };

  it('replays events since a time, filtered by label, in order', async () => {
    const start = new Date(Date.now() - 1000).toISOString();
    await appendEvent(dir, {
      type: 'container',
      action: 'create',
      id: 'a',
      attributes: { p: 'x', name: 'a' },
    });
    await appendEvent(dir, {
      type: 'container',
      action: 'start',
      id: 'b',
      attributes: { p: 'y', name: 'b' },
    });
    await appendEvent(dir, {
      type: 'container',
      action: 'start',
      id: 'a',
      attributes: { p: 'x', name: 'a' },
    });
    const ac = new AbortController();
    const got = await collect(
      followEvents(dir, { since: start, labels: { p: 'x' }, signal: ac.signal }),
      2,
      ac,
    );
    expect(got.map((e) => `${e.action} ${e.id}`)).toEqual(['create a', 'start a']);
    expect(got[0]!.timeNano! <= got[1]!.timeNano!).toBe(true);
    expect(Date.parse(got[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('without since, yields only what is appended after it starts', async () => {
    await appendEvent(dir, { type: 'network', action: 'create', id: 'old', attributes: {} });
    const ac = new AbortController();
    const pending = collect(followEvents(dir, { signal: ac.signal }), 1, ac);
    await new Promise((r) => setTimeout(r, 50));
    await appendEvent(dir, { type: 'volume', action: 'create', id: 'new', attributes: {} });
    const got = await pending;
    expect(got.map((e) => e.id)).toEqual(['new']);
  });

  it('skips a torn or foreign line and ends at until', async () => {
    await writeFile(journalPath(dir), 'not json\n');
    await appendEvent(dir, { type: 'container', action: 'die', id: 'c', attributes: { exitCode: '3' } });
    const got: RuntimeEvent[] = [];
    for await (const e of followEvents(dir, {
      since: '0',
      until: new Date(Date.now() + 300).toISOString(),
    })) {
      got.push(e);
    }
    expect(got.map((e) => [e.action, e.attributes.exitCode])).toEqual([['die', '3']]);
  });
});
