/**
 * Issue 6 item 5, state and recovery on the built-in engine: after a "reboot" — every process of the
 * stack killed (containers, conmon, aardvark-dns, the supervisor), the volatile run root emptied, the
 * network namespaces and overlay mounts gone, as a reboot leaves them — `ps` reports the truth
 * (exited, nothing running), `up` converges (the same containers started again, healthy, reachable by
 * name), and `down` leaves nothing behind: no mount, netns, veth or bridge, no conmon, aardvark-dns or
 * supervisor process, no cgroup directory. Real runc/conmon/netavark, temporary state directories,
 * a unique project; cleanup even on failure.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopSupervisor } from '../../src/engine/supervisor/client.js';
import { down, ps, up } from '../../src/index.js';
import { type BuiltinRuntime, createBuiltinRuntime } from '../../src/runtime/builtin/builtin-runtime.js';
import { composeJson } from '../support/fixture.js';
import { ensureBusyboxInStore } from '../support/images/busybox-store.js';
import { type TempProject, tempProject } from '../support/stack.js';

const kill = (pid: number | undefined) => {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
};

/** pids whose command line mentions `needle` (our temp dirs are unique). */
function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {}
  }
  return out;
}

describe('built-in engine: recovery after a reboot', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-rec-root-'));
  const runRoot = mkdtempSync(join(tmpdir(), 'berth-rec-run-'));
  let rt: BuiltinRuntime;
  let tp: TempProject;
  let ids: string[] = [];

  beforeAll(async () => {
    rt = await createBuiltinRuntime({ root, runRoot });
    const image = await ensureBusyboxInStore(rt.store);
    tp = tempProject(
      composeJson({
        api: {
          image,
          init: true,
          command: ['sh', '-c', 'echo pong > /www/ping; httpd -f -p 8080 -h /www'],
          healthcheck: {
            test: ['CMD', 'timeout', '2', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/ping'],
            interval: '500ms',
            retries: 20,
          },
        },
        client: {
          image,
          init: true,
          command: ['sleep', '100000'],
          restart: 'always',
          depends_on: { api: { condition: 'service_healthy' } },
        },
      }),
    );
  });

  afterAll(async () => {
    try {
      if (rt && tp) {
        await down(await tp.load(), { runtime: rt, volumes: true, timeoutSeconds: 1 }).catch(() => {});
        await stopSupervisor({ paths: rt.paths, project: tp.name }).catch(() => {});
      }
      for (const pid of [...pidsMentioning(root), ...pidsMentioning(runRoot)]) kill(pid);
    } finally {
      tp?.dispose();
      rmSync(root, { recursive: true, force: true });
      rmSync(runRoot, { recursive: true, force: true });
    }
  });

  it('brings the stack up', async () => {
    await up(await tp.load(), { runtime: rt, wait: true });
    const list = await ps(tp.name, { runtime: rt, all: true });
    expect(list.map((c) => [c.Service, c.State]).sort()).toEqual([
      ['api', 'running'],
      ['client', 'running'],
    ]);
    ids = list.map((c) => c.ID);
  });

  it('after a reboot, ps says nothing runs', async () => {
    // What a reboot does: every process gone, /run emptied, mounts and network namespaces gone.
    for (const id of ids) {
      const rec = await rt.containers.record(id);
      kill(rec?.state.pid);
      kill(rec?.state.conmonPid);
    }
    for (const pid of [...pidsMentioning(root), ...pidsMentioning(runRoot)]) kill(pid);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) {
      const merged = join(rt.containers.dir(id), 'merged');
      execFileSync('umount', ['-l', merged]);
      execFileSync('ip', ['netns', 'del', `berth-${id.slice(0, 12)}`]);
    }
    rmSync(runRoot, { recursive: true, force: true });
    // A new boot, a new berth process.
    rt = await createBuiltinRuntime({ root, runRoot });
    const list = await ps(tp.name, { runtime: rt, all: true });
    expect(list).toHaveLength(2);
    for (const c of list) expect(c.State).toBe('exited');
  });

  it('up converges: the same containers run again, healthy, reachable by name', async () => {
    await up(await tp.load(), { runtime: rt, wait: true });
    const list = await ps(tp.name, { runtime: rt, all: true });
    expect(list.map((c) => c.ID).sort()).toEqual([...ids].sort());
    expect(list.map((c) => [c.Service, c.State, c.Health]).sort()).toEqual([
      ['api', 'running', 'healthy'],
      ['client', 'running', ''],
    ]);
    const client = list.find((c) => c.Service === 'client')!;
    const r = await rt.exec(client.ID, { cmd: ['wget', '-q', '-O-', 'http://api:8080/ping'] });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'pong\n' });
  });

  it('down leaves nothing behind', async () => {
    const bridges = (await rt.listNetworks()).map((n) => (n as { bridge?: string }).bridge).filter(Boolean);
    await down(await tp.load(), { runtime: rt, volumes: true });
    expect(await ps(tp.name, { runtime: rt, all: true })).toEqual([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(root);
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const links = execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' });
    for (const id of ids) {
      expect(netns).not.toContain(`berth-${id.slice(0, 12)}`);
      for (const ctl of ['memory', 'pids', 'cpu'])
        expect(existsSync(`/sys/fs/cgroup/${ctl}/berth/${id}`)).toBe(false);
    }
    for (const b of bridges) expect(links).not.toContain(`${b} `);
    // The supervisor exits by itself once idle; give it its grace.
    for (let i = 0; i < 50 && pidsMentioning(runRoot).length > 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(pidsMentioning(runRoot)).toEqual([]);
    expect(pidsMentioning(root)).toEqual([]);
  });
});
