import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dockerTimestamp,
  engineTimeNanos,
  parseK8sLine,
  parseLog,
  readLog,
  rfc3339Nanos,
  selectLines,
} from '../../../../src/engine/run/logs.js';
import type { LogLine } from '../../../../src/runtime/runtime.js';

const T = (s: number, frac = '000000000') => `2026-11-23T11:23:${String(s).padStart(2, '0')}.${frac}+00:00`;
const dir = mkdtempSync(join(tmpdir(), 'berth-logs-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('k8s-file parsing', () => {
  it.each<[string, ReturnType<typeof parseK8sLine>]>([
    [
      '2026-11-23T11:23:13.448993172+00:00 stdout F out-line',
      {
        time: '2026-11-23T11:23:13.448993172+00:00',
        nanos: 1795432993448993172n,
        stream: 'stdout',
        partial: false,
        text: 'out-line',
      },
    ],
    [
      '2026-11-23T11:23:13.5Z stderr P part with  two spaces ',
      {
        time: '2026-11-23T11:23:13.5Z',
        nanos: 1795432993500000000n,
        stream: 'stderr',
        partial: true,
        text: 'part with  two spaces ',
      },
    ],
    [
      '2026-11-23T11:23:13.448993172+00:00 stdout F',
      {
        time: '2026-11-23T11:23:13.448993172+00:00',
        nanos: 1795432993448993172n,
        stream: 'stdout',
        partial: false,
        text: '',
      },
    ],
    ['garbage', undefined],
    ['2026-11-23T11:23:13Z stdin F x', undefined],
  ])('%s', (line, expected) => {
    expect(parseK8sLine(line)).toEqual(expected);
  });

  it('times: zones, docker form, engine form', () => {
    expect(rfc3339Nanos('2026-11-23T12:23:13.1+01:00')).toBe(rfc3339Nanos('2026-11-23T11:23:13.100Z'));
    expect(dockerTimestamp(1795432993448993172n)).toBe('2026-11-23T11:23:13.448993172Z');
    expect(dockerTimestamp(1795432993400000000n)).toBe('2026-11-23T11:23:13.4Z');
    expect(dockerTimestamp(1795432993000000000n)).toBe('2026-11-23T11:23:13Z');
    expect(engineTimeNanos('1795432993.000000001')).toBe(1795432993000000001n);
    expect(engineTimeNanos('1795432993')).toBe(1795432993000000000n);
    expect(engineTimeNanos('2026-11-23T11:23:13Z')).toBe(1795432993000000000n);
    expect(engineTimeNanos(undefined)).toBeUndefined();
    expect(engineTimeNanos('nope')).toBeUndefined();
  });

  it('joins partials per stream, interleaved with the other stream', () => {
    const text = [
      `${T(1)} stdout P hel`,
      `${T(2)} stderr F err`,
      `${T(3)} stdout P lo `,
      `${T(4)} stdout F world`,
      `${T(5)} stdout P unfinished`,
      '',
    ].join('\n');
    expect(parseLog(text).map((l) => [l.stream, l.text])).toEqual([
      ['stderr', 'err'],
      ['stdout', 'hello world'],
      ['stdout', 'unfinished'],
    ]);
    expect(parseLog(text)[1]!.nanos).toBe(rfc3339Nanos(T(1)));
  });
});

describe('selectLines: tail first, then since/until', () => {
  const lines = parseLog([1, 2, 3, 4, 5].map((s) => `${T(s)} stdout F l${s}`).join('\n'));
  const secs = (s: number) => String(Number(rfc3339Nanos(T(s))! / 1_000_000_000n));
  it.each<[string, Parameters<typeof selectLines>[1], string[], boolean]>([
    ['all', {}, ['l1', 'l2', 'l3', 'l4', 'l5'], false],
    ['tail 2', { tail: 2 }, ['l4', 'l5'], false],
    ['tail 0', { tail: 0 }, [], false],
    ['tail -1 = all', { tail: -1 }, ['l1', 'l2', 'l3', 'l4', 'l5'], false],
    ['since inclusive', { since: secs(3) }, ['l3', 'l4', 'l5'], false],
    ['until', { until: secs(2) }, ['l1', 'l2'], true],
    ['tail then since', { tail: 4, since: secs(4) }, ['l4', 'l5'], false],
  ])('%s', (_, options, texts, stop) => {
    const r = selectLines(lines, options);
    expect(r.lines.map((l) => l.text)).toEqual(texts);
    expect(r.stop).toBe(stop);
  });
});

describe('readLog', () => {
  it('reads a file with timestamps; a missing file is empty', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, `${T(1, '5')} stdout F one\n${T(2)} stderr F two\n`);
    expect(await collect(readLog(path, { timestamps: true }))).toEqual([
      { stream: 'stdout', text: 'one', timestamp: '2026-11-23T11:23:01.5Z' },
      { stream: 'stderr', text: 'two', timestamp: '2026-11-23T11:23:02Z' },
    ]);
    expect(await collect(readLog(join(dir, 'missing.log')))).toEqual([]);
  });

  it('follows appended lines (partials across writes) until the container has exited', async () => {
    const path = join(dir, 'f.log');
    writeFileSync(path, `${T(1)} stdout F first\n`);
    let exited = false;
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of readLog(path, { follow: true, pollMs: 20, exited: async () => exited })) {
        seen.push(l.text);
        if (l.text === 'first') {
          appendFileSync(path, `${T(2)} stdout P sec`);
          appendFileSync(path, `ond-half\n${T(3)} stdout F ond\n`);
        }
        if (l.text === 'second-halfond') {
          appendFileSync(path, `${T(4)} stderr F last\n`);
          exited = true;
        }
      }
    })();
    await done;
    expect(seen).toEqual(['first', 'second-halfond', 'last']);
  });

  it('follow ends on abort without an error, and honours tail 0', async () => {
    const path = join(dir, 'g.log');
    writeFileSync(path, `${T(1)} stdout F old\n`);
    const ac = new AbortController();
    const seen: string[] = [];
    setTimeout(() => appendFileSync(path, `${T(2)} stdout F new\n`), 50);
    for await (const l of readLog(path, {
      follow: true,
      tail: 0,
      pollMs: 20,
      signal: ac.signal,
      exited: async () => false,
    })) {
      seen.push(l.text);
      ac.abort();
    }
    expect(seen).toEqual(['new']);
  });

  it('follow stops at until', async () => {
    const path = join(dir, 'u.log');
    writeFileSync(path, `${T(1)} stdout F a\n${T(5)} stdout F b\n`);
    const until = String(Number(rfc3339Nanos(T(2))! / 1_000_000_000n));
    const lines = await collect(readLog(path, { follow: true, until, exited: async () => false }));
    expect(lines.map((l) => l.text)).toEqual(['a']);
  });
});
