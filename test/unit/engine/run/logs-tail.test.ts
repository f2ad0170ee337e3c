/** `tail` reads conmon's log from the end: the same lines as parsing the whole file, whatever the chunk. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLog, readLog, readTail } from '../../../../src/engine/run/logs.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-logs-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let t = 0;
function rec(stream: 'stdout' | 'stderr', partial: boolean, text: string): string {
  t += 1;
  const ns = String(t).padStart(9, '0');
  return `2026-11-23T10:00:00.${ns}Z ${stream} ${partial ? 'P' : 'F'} ${text}\n`;
}

/** Lines of both streams, some split in partials interleaved with the other stream, some UTF-8. */
function sampleLog(): string {
  let s = '';
  for (let i = 0; i < 40; i++) {
    if (i % 7 === 3) {
      s += rec('stdout', true, `long-${i}-a`);
      s += rec('stderr', false, `err-${i}`);
      s += rec('stdout', true, `-b`);
      s += rec('stdout', false, `-c`);
    } else {
      s += rec(i % 3 === 0 ? 'stderr' : 'stdout', false, `line-${i} ✓ ${'x'.repeat(i % 5)}`);
    }
  }
  return s;
}

describe('readTail', () => {
  const text = sampleLog();
  const path = join(dir, 'ctr.log');
  writeFileSync(path, text);
  const all = parseLog(text);

  it('matches the whole-file parse for every n and chunk size', async () => {
    for (const chunk of [1, 7, 64, 300, 1 << 16]) {
      for (const n of [0, 1, 2, 3, 5, 10, 39, 40, 41, 100]) {
        const { lines, offset } = await readTail(path, n, { chunk });
        expect(lines, `n=${n} chunk=${chunk}`).toEqual(n === 0 ? [] : all.slice(-n));
        expect(offset).toBe(Buffer.byteLength(text));
      }
    }
  });

  it('follow: leaves a trailing fragment and a pending partial for the follower', async () => {
    const p = join(dir, 'follow.log');
    const complete = `${text}${rec('stdout', true, 'half-')}`;
    writeFileSync(p, `${complete}2026-11-23T10:00:01.0Z stdout F unfin`);
    const { lines, joiner, offset } = await readTail(p, 2, { follow: true, chunk: 50 });
    expect(lines).toEqual(all.slice(-2));
    expect(offset).toBe(Buffer.byteLength(complete));
    // The pending partial joins its end once it arrives.
    expect(joiner.push({ time: 'x', nanos: 1n, stream: 'stdout', partial: false, text: 'done' })?.text).toBe(
      'half-done',
    );
  });

  it('a missing file has no lines; readLog applies since/until after tail', async () => {
    expect(await readTail(join(dir, 'none.log'), 5)).toMatchObject({ lines: [], offset: 0 });
    // since = the last line's time: of the last 3, only it remains.
    const cut = all[all.length - 1]!.nanos;
    const since = `${cut / 1_000_000_000n}.${String(cut % 1_000_000_000n).padStart(9, '0')}`;
    const out: string[] = [];
    for await (const l of readLog(path, { tail: 3, since })) out.push(l.text);
    expect(out).toEqual([all[all.length - 1]!.text]);
  });
});
