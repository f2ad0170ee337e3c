/**
 * runc-state.ts reads runc's state files the way runc decides a status: checked here with state
 * files written by the test for this test process (alive), a pid that is not it (stopped), an
 * exec.fifo (created), a frozen freezer (paused), and the cases it must leave to runc (null).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRuncState, readRuncStates } from '../../../../src/engine/run/runc-state.js';

const root = mkdtempSync(join(tmpdir(), 'berth-runc-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const selfStart = readFileSync('/proc/self/stat', 'utf8')
  .slice(readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2)
  .split(' ')[19]!;

function container(id: string, fields: Record<string, unknown> = {}, freezer = 'THAWED'): void {
  mkdirSync(join(root, id), { recursive: true });
  const freezerDir = join(root, `cg-${id}`);
  mkdirSync(freezerDir, { recursive: true });
  writeFileSync(join(freezerDir, 'freezer.state'), `${freezer}\n`);
  writeFileSync(
    join(root, id, 'state.json'),
    JSON.stringify({
      id,
      init_process_pid: process.pid,
      init_process_start: Number(selfStart),
      created: '2026-01-02T03:04:05.000000006Z',
      cgroup_paths: { freezer: freezerDir },
      config: { labels: [`bundle=/b/${id}`] },
      ...fields,
    }),
  );
}

describe('readRuncState', () => {
  it('reports a live init process as running, with runc state’s fields', async () => {
    container('live', {}, 'THAWED');
    expect(await readRuncState(root, 'live')).toEqual({
      id: 'live',
      pid: process.pid,
      status: 'running',
      bundle: '/b/live',
      created: '2026-01-02T03:04:05.000000006Z',
    });
  });

  it('reports stopped with pid 0 when the pid is another process or gone', async () => {
    container('reused', { init_process_start: Number(selfStart) + 1 });
    container('gone', { init_process_pid: 2 ** 22 + 17 });
    expect(await readRuncState(root, 'reused')).toMatchObject({ status: 'stopped', pid: 0 });
    expect(await readRuncState(root, 'gone')).toMatchObject({ status: 'stopped', pid: 0 });
  });

  it('reports created while exec.fifo exists, paused when frozen', async () => {
    container('made');
    writeFileSync(join(root, 'made', 'exec.fifo'), '');
    container('frozen', {}, 'FROZEN');
    expect(await readRuncState(root, 'made')).toMatchObject({ status: 'created', pid: process.pid });
    expect(await readRuncState(root, 'frozen')).toMatchObject({ status: 'paused', pid: process.pid });
  });

  it('is undefined for a container runc does not know, null when only runc can tell', async () => {
    expect(await readRuncState(root, 'nosuch')).toBeUndefined();
    container('freezing', {}, 'FREEZING');
    mkdirSync(join(root, 'garbled'));
    writeFileSync(join(root, 'garbled', 'state.json'), '{"id":');
    expect(await readRuncState(root, 'freezing')).toBeNull();
    expect(await readRuncState(root, 'garbled')).toBeNull();
    expect(await readRuncState(root, '../etc')).toBeNull();
  });
});

describe('readRuncStates', () => {
  it('lists every container, or null when one needs runc', async () => {
    const dir = mkdtempSync(join(root, 'list-'));
    expect(await readRuncStates(join(dir, 'missing'))).toEqual([]);
    mkdirSync(join(dir, 'a'));
    writeFileSync(
      join(dir, 'a', 'state.json'),
      JSON.stringify({
        id: 'a',
        init_process_pid: process.pid,
        init_process_start: selfStart,
        cgroup_paths: { freezer: join(dir, 'no-such-cgroup') },
        config: {},
      }),
    );
    mkdirSync(join(dir, 'empty'));
    writeFileSync(join(dir, 'stray-file'), '');
    expect((await readRuncStates(dir))?.map((s) => [s.id, s.status])).toEqual([['a', 'running']]);
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'b', 'state.json'), 'not json');
    expect(await readRuncStates(dir)).toBeNull();
  });
});
