/**
 * The built-in engine's containers against real runc + conmon (as root): run, logs, env/user/workdir/
 * hostname, volumes and binds, stop (TERM ignored → 137, TERM trapped → 143), kill, exec, pause,
 * rename, name conflicts, init, follow, and that remove leaves no mount, runc state nor cgroup.
 *
 * Everything lives in mkdtemp roots (never /var/lib/berth or /run/berth); afterAll force-removes the
 * containers, then sweeps runc state, mounts and directories even when a test failed halfway.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import { enginePaths } from '../../src/engine/paths.js';
import { Containers } from '../../src/engine/run/containers.js';
import { containersInUse } from '../../src/engine/run/in-use.js';
import { unmountAll } from '../../src/engine/run/mount.js';
import type { ContainerHooks, ContainerRecord } from '../../src/engine/run/types.js';
import { ImageStore } from '../../src/engine/store/image-store.js';
import type { ContainerSpec, LogLine } from '../../src/runtime/runtime.js';
import { busyboxEntries, ensureBusyboxInStore } from '../support/images/busybox-store.js';
import { addImage, makeLayer } from '../support/layers.js';

const suffix = Math.random().toString(36).slice(2, 8);
let root: string;
let runRoot: string;
let scratch: string;
let containers: Containers;
let store: ImageStore;
let image: string;
const created: string[] = [];

function spec(name: string, command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `berth-test-${suffix}-${name}`,
    image,
    command,
    env: {},
    labels: { 'berth.test': suffix },
    mounts: [],
    ports: [],
    networks: {},
    ...extra,
  };
}

async function create(name: string, command: string[], extra: Partial<ContainerSpec> = {}): Promise<string> {
  const { id } = await containers.create(spec(name, command, extra));
  created.push(id);
  return id;
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

async function runToExit(name: string, command: string[], extra: Partial<ContainerSpec> = {}) {
  const id = await create(name, command, extra);
  await containers.start(id);
  const { exitCode } = await containers.wait(id);
  const lines = await collect(containers.logs(id));
  return { id, exitCode, lines, stdout: lines.filter((l) => l.stream === 'stdout').map((l) => l.text) };
}

function runcIds(): string[] {
  const out = execFileSync('runc', ['--root', join(runRoot, 'runc'), 'list', '--format', 'json'], {
    encoding: 'utf8',
  });
  return ((JSON.parse(out || 'null') as Array<{ id: string }> | null) ?? []).map((s) => s.id);
}

function cgroupDirs(id: string): string[] {
  return readdirSync('/sys/fs/cgroup')
    .map((c) => join('/sys/fs/cgroup', c, 'berth', id))
    .filter((d) => existsSync(d));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'berth-run-root-'));
  runRoot = mkdtempSync(join(tmpdir(), 'berth-run-rr-'));
  scratch = mkdtempSync(join(tmpdir(), 'berth-run-scratch-'));
  store = await ImageStore.open({ root });
  image = await ensureBusyboxInStore(store);
  containers = await Containers.open({ paths: enginePaths({ root, runRoot }), store });
});

afterAll(async () => {
  try {
    for (const id of created) await containers?.remove(id, { force: true }).catch(() => undefined);
  } finally {
    if (runRoot) {
      try {
        for (const id of runcIds()) {
          execFileSync('runc', ['--root', join(runRoot, 'runc'), 'delete', '--force', id]);
        }
      } catch {
        // nothing left
      }
    }
    if (root) await unmountAll(root).catch(() => undefined);
    for (const d of [root, runRoot, scratch]) if (d) rmSync(d, { recursive: true, force: true });
    // The shared parent cgroup: removed when nobody else uses it (rmdir refuses a non-empty one).
    for (const c of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(join('/sys/fs/cgroup', c, 'berth'));
      } catch {
        // in use or not there
      }
    }
  }
});

describe('engine/run containers (runc + conmon)', () => {
  it('runs a command: exit code, both streams in order, Exited status', async () => {
    const r = await runToExit('exit3', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.exitCode).toBe(3);
    expect(r.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'out'],
      ['stderr', 'err'],
    ]);
    const info = await containers.inspect(r.id);
    expect(info?.state).toBe('exited');
    expect(info?.exitCode).toBe(3);
    expect(info?.status).toMatch(/^Exited \(3\) .* ago$/);
    expect(info?.command).toBe('sh -c echo out; echo err >&2; exit 3');
    const stamped = await collect(containers.logs(r.id, { timestamps: true, tail: 1 }));
    expect(stamped).toHaveLength(1);
    expect(stamped[0]!.text).toBe('err');
    expect(stamped[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('applies env, user, working dir and hostname', async () => {
    const r = await runToExit(
      'ident',
      ['sh', '-c', 'echo "$FOO"; id -u; id -g; pwd; hostname; cat /etc/hostname; echo "$HOSTNAME"'],
      { env: { FOO: 'bar baz' }, user: 'nobody', workingDir: '/tmp', hostname: 'myhost' },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toEqual(['bar baz', '65534', '65534', '/tmp', 'myhost', 'myhost', 'myhost']);
    const numeric = await runToExit('uidgid', ['sh', '-c', 'id -u; id -g; pwd'], {
      user: '1234:5678',
      workingDir: '/new/work/dir',
    });
    expect(numeric.stdout).toEqual(['1234', '5678', '/new/work/dir']);
  });

  it('refuses an unknown user at start', async () => {
    const id = await create('nouser', ['true'], { user: 'ghost' });
    await expect(containers.start(id)).rejects.toThrow(/unable to find user ghost/);
    expect((await containers.inspect(id))?.state).toBe('created');
  });

  it('mounts volumes and binds (read-only enforced)', async () => {
    const host = join(scratch, 'bind');
    execFileSync('mkdir', ['-p', host]);
    writeFileSync(join(host, 'in.txt'), 'from-host\n');
    const r = await runToExit(
      'vol',
      [
        'sh',
        '-c',
        'echo written > /data/f && cat /in/in.txt && (echo x > /in/y 2>/dev/null && echo rw || echo ro)',
      ],
      {
        mounts: [
          { type: 'volume', source: `vol-${suffix}`, target: '/data' },
          { type: 'bind', source: host, target: '/in', readOnly: true },
        ],
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toEqual(['from-host', 'ro']);
    expect(readFileSync(join(root, 'volumes', `vol-${suffix}`, '_data', 'f'), 'utf8')).toBe('written\n');
    expect((await containers.inspect(r.id))?.volumes).toEqual({ '/data': `vol-${suffix}` });
  });

  it('volume subpath: a directory of the volume, never out of it', async () => {
    const vol = `sub-${suffix}`;
    const w = await runToExit(
      'subw',
      ['sh', '-c', 'mkdir -p /v/inner && echo deep > /v/inner/f && ln -s / /v/escape'],
      {
        mounts: [{ type: 'volume', source: vol, target: '/v' }],
      },
    );
    expect(w.exitCode).toBe(0);
    const r = await runToExit('subr', ['cat', '/only/f'], {
      mounts: [{ type: 'volume', source: vol, target: '/only', subpath: 'inner' }],
    });
    expect(r.stdout).toEqual(['deep']);
    await expect(
      containers.create(
        spec('subx', ['true'], {
          mounts: [{ type: 'volume', source: vol, target: '/x', subpath: 'escape' }],
        }),
      ),
    ).rejects.toThrow(/escapes/);
    await expect(
      containers.create(
        spec('suby', ['true'], { mounts: [{ type: 'volume', source: vol, target: '/x', subpath: '../..' }] }),
      ),
    ).rejects.toThrow(/relative path within the volume/);
    expect(await containers.inspect(`berth-test-${suffix}-subx`)).toBeUndefined();
  });

  it('a missing bind source fails start unless create_host_path', async () => {
    const missing = join(scratch, 'missing-src');
    const id = await create('nobind', ['true'], {
      mounts: [{ type: 'bind', source: missing, target: '/m' }],
    });
    await expect(containers.start(id)).rejects.toThrow(/bind source path does not exist/);
    const made = await runToExit('mkbind', ['sh', '-c', 'echo in > /m/f'], {
      mounts: [{ type: 'bind', source: missing, target: '/m', createHostPath: true }],
    });
    expect(made.exitCode).toBe(0);
    expect(readFileSync(join(missing, 'f'), 'utf8')).toBe('in\n');
  });

  it('stop: PID 1 ignoring TERM is killed after the timeout (137)', async () => {
    const id = await create('sleep', ['sleep', '1000']);
    await containers.start(id);
    const info = await containers.inspect(id);
    expect(info?.state).toBe('running');
    expect(info?.status).toMatch(/^Up /);
    await containers.patchState(id, { health: 'healthy', restartCount: 2 });
    const healthy = await containers.inspect(id);
    expect(healthy?.health).toBe('healthy');
    expect(healthy?.status).toMatch(/^Up .* \(healthy\)$/);
    expect(healthy?.restartCount).toBe(2);
    await containers.stop(id, { timeoutSeconds: 1 });
    const after = await containers.inspect(id);
    expect(after?.state).toBe('exited');
    expect(after?.exitCode).toBe(137);
    expect((await containers.wait(id)).exitCode).toBe(137);
    expect(runcIds()).not.toContain(id);
  });

  it('stop: a TERM-trapping shell exits with its own code (143), well before the SIGKILL', async () => {
    const id = await create('trap', [
      'sh',
      '-c',
      'trap "exit 143" TERM; echo ready; while true; do sleep 0.1; done',
    ]);
    await containers.start(id);
    await waitForLog(id, 'ready');
    await containers.stop(id, { timeoutSeconds: 60 });
    expect((await containers.inspect(id))?.exitCode).toBe(143);
  });

  it('init: true runs tini as PID 1, which forwards TERM', async () => {
    const id = await create('init', ['sleep', '1000'], { init: true });
    await containers.start(id);
    const ps = await containers.exec(id, { cmd: ['cat', '/proc/1/cmdline'] });
    expect(ps.stdout?.split('\0')[0]).toBe('/sbin/docker-init');
    await containers.stop(id, { timeoutSeconds: 60 });
    expect((await containers.inspect(id))?.exitCode).toBe(143);
  });

  it('exec: exit code, output, user, env and working dir', async () => {
    const id = await create('exec', ['sleep', '1000'], { env: { A: 'from-container' } });
    await containers.start(id);
    const r = await containers.exec(id, { cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 5'] });
    expect(r).toEqual({ exitCode: 5, stdout: 'hi\n', stderr: 'oops\n' });
    const u = await containers.exec(id, {
      cmd: ['sh', '-c', 'id -u; echo "$A $B"; pwd'],
      user: 'nobody',
      env: { B: 'from-exec' },
      workingDir: '/tmp',
    });
    expect(u.exitCode).toBe(0);
    expect(u.stdout).toBe('65534\nfrom-container from-exec\n/tmp\n');
    const missing = await containers.exec(id, { cmd: ['no-such-binary'] });
    expect(missing.exitCode).toBe(127);
    const piped = await containers.exec(id, {
      cmd: ['sh', '-c', 'tr a-z A-Z'],
      stdin: Readable.from(['hello\n']),
    });
    expect(piped).toEqual({ exitCode: 0, stdout: 'HELLO\n', stderr: '' });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (d: Buffer) => chunks.push(d));
    expect(await containers.exec(id, { cmd: ['echo', 'streamed'], stdout: out })).toEqual({ exitCode: 0 });
    expect(Buffer.concat(chunks).toString()).toBe('streamed\n');
    expect(await containers.exec(id, { cmd: ['sh', '-c', 'echo bg > /tmp/detached'], detach: true })).toEqual(
      { exitCode: -1 },
    );
    let detached: string | undefined;
    for (let i = 0; i < 100 && detached === undefined; i++) {
      detached = (await containers.exec(id, { cmd: ['cat', '/tmp/detached'] })).stdout || undefined;
      if (detached === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(detached).toBe('bg\n');
    const top = await containers.top(id);
    expect(top.titles).toContain('PID');
    expect(top.processes.some((p) => p[p.length - 1] === 'sleep 1000')).toBe(true);
    await containers.kill(id, 'SIGKILL');
    expect((await containers.wait(id)).exitCode).toBe(137);
    await expect(containers.exec(id, { cmd: ['true'] })).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
  });

  it('stats: cgroup counters of a running container', async () => {
    const id = await create('stats', ['sh', '-c', 'while true; do :; done'], {
      resources: { memoryBytes: 64 << 20, pidsLimit: 50 },
    });
    await containers.start(id);
    const s = await containers.stats(id, { intervalMs: 300 });
    expect(s.id).toBe(id);
    expect(s.cpu.totalUsage).toBeGreaterThan(s.precpu.totalUsage);
    expect(s.cpu.systemUsage!).toBeGreaterThan(s.precpu.systemUsage!);
    expect(s.memory.limit).toBe(64 << 20);
    expect(s.memory.usage).toBeGreaterThan(0);
    expect(s.pids).toBe(1);
    const ac = new AbortController();
    const samples = [];
    for await (const x of containers.streamStats(id, { signal: ac.signal, intervalMs: 100 })) {
      samples.push(x);
      if (samples.length === 2) await containers.stop(id, { timeoutSeconds: 0 });
    }
    expect(samples.length).toBe(2);
  });

  it('pause and unpause', async () => {
    const id = await create('pause', ['sleep', '1000']);
    await containers.start(id);
    await containers.pause(id);
    const paused = await containers.inspect(id);
    expect(paused?.state).toBe('paused');
    expect(paused?.status).toMatch(/\(Paused\)$/);
    await expect(containers.exec(id, { cmd: ['true'] })).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
    await containers.unpause(id);
    expect((await containers.inspect(id))?.state).toBe('running');
    expect((await containers.exec(id, { cmd: ['true'] })).exitCode).toBe(0);
    await containers.pause(id);
    await containers.stop(id, { timeoutSeconds: 1 });
    expect((await containers.inspect(id))?.exitCode).toBe(137);
  });

  it('follows logs until the container exits', async () => {
    const id = await create('follow', ['sh', '-c', 'echo a; sleep 1; echo b; sleep 1; echo c']);
    await containers.start(id);
    const lines = await collect(containers.logs(id, { follow: true }));
    expect(lines.map((l) => l.text)).toEqual(['a', 'b', 'c']);
  });

  it('restarts a stopped container, keeping its log and upper layer', async () => {
    const id = await create('restart', ['sh', '-c', 'echo run >> /count; wc -l < /count']);
    await containers.start(id);
    expect((await containers.wait(id)).exitCode).toBe(0);
    await containers.start(id);
    expect((await containers.wait(id, { condition: 'not-running' })).exitCode).toBe(0);
    const lines = await collect(containers.logs(id));
    expect(lines.map((l) => l.text)).toEqual(['1', '2']);
  });

  it('names: conflicts, rename, lookup, list filters', async () => {
    const id = await create('named', ['true']);
    await expect(containers.create(spec('named', ['true']))).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
    });
    await containers.rename(id, `berth-test-${suffix}-renamed`);
    expect((await containers.inspect(`berth-test-${suffix}-renamed`))?.id).toBe(id);
    expect(await containers.inspect(`berth-test-${suffix}-named`)).toBeUndefined();
    expect((await containers.inspect(id.slice(0, 16)))?.id).toBe(id);
    const listed = await containers.list({
      labels: { 'berth.test': suffix },
      names: [`berth-test-${suffix}-renamed`],
    });
    expect(listed.map((c) => c.id)).toEqual([id]);
    expect(listed[0]!.status).toBe('Created');
    const running = await containers.list({ labels: { 'berth.test': suffix }, all: false });
    expect(running.map((c) => c.id)).not.toContain(id);
  });

  it('remove leaves no mount, no runc state, no cgroup, no directory', async () => {
    const id = await create('rm', ['sleep', '1000']);
    await containers.start(id);
    expect(cgroupDirs(id).length).toBeGreaterThan(0);
    const dir = join(root, 'containers', id);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(`${dir}/merged`);
    await expect(containers.remove(id)).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
    await containers.remove(id, { force: true });
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
    expect(runcIds()).not.toContain(id);
    expect(cgroupDirs(id)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(await containers.inspect(id)).toBeUndefined();
    const err = await containers.remove(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('RUNTIME_NOT_FOUND');
  });
});

async function waitForLog(id: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const lines = await collect(containers.logs(id));
    if (lines.some((l) => l.text === text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no "${text}" in the log of ${id}`);
}

describe('engine/run containers: more of the spec, hooks, crash truth', () => {
  it('image VOLUMEs become anonymous volumes populated from the image', async () => {
    const base = makeLayer(busyboxEntries());
    const seed = makeLayer([
      { name: 'seed/', type: 'dir', mode: 0o755 },
      { name: 'seed/hello.txt', content: 'seeded\n', mode: 0o644 },
    ]);
    const ref = `berth-test/volimg:${suffix}`;
    await addImage(store, [base, seed], [ref], {
      config: { Env: ['PATH=/bin:/usr/bin:/sbin:/usr/sbin'], Cmd: ['sh'], Volumes: { '/seed': {} } },
    });
    const r = await runToExit('anon', ['sh', '-c', 'cat /seed/hello.txt; echo more > /seed/new.txt'], {
      image: ref,
    });
    expect(r.stdout).toEqual(['seeded']);
    const info = await containers.inspect(r.id);
    const name = info?.volumes?.['/seed'];
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    const volDir = join(root, 'containers', r.id, 'volumes', name!);
    expect(readFileSync(join(volDir, 'new.txt'), 'utf8')).toBe('more\n');
    // Written to the volume, not to the container's upper layer.
    expect(existsSync(join(root, 'containers', r.id, 'upper', 'seed', 'new.txt'))).toBe(false);
  });

  it('read-only rootfs, tmpfs, dropped capabilities, network none', async () => {
    const r = await runToExit(
      'ro',
      [
        'sh',
        '-c',
        'touch /x 2>/dev/null && echo rootfs-rw || echo rootfs-ro; touch /scratch/y && echo tmpfs-ok; grep CapEff /proc/self/status; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "',
      ],
      {
        readOnly: true,
        mounts: [{ type: 'tmpfs', target: '/scratch', sizeBytes: 1 << 20 }],
        capDrop: ['ALL'],
        capAdd: ['CHOWN'],
        networkMode: 'none',
      },
    );
    expect(r.stdout).toEqual(['rootfs-ro', 'tmpfs-ok', 'CapEff:\t0000000000000001', 'lo']);
  });

  it('default capabilities are Docker’s set', async () => {
    const r = await runToExit('caps', ['sh', '-c', 'grep CapEff /proc/self/status']);
    expect(r.stdout).toEqual(['CapEff:\t00000000a80425fb']);
  });

  it('a command that does not exist fails start and stays created', async () => {
    const id = await create('nocmd', ['no-such-command']);
    await expect(containers.start(id)).rejects.toThrow(
      /no-such-command.*not found|not found.*no-such-command/,
    );
    const info = await containers.inspect(id);
    expect(info?.state).toBe('created');
    expect(info?.exitCode).toBe(127);
    expect(runcIds()).not.toContain(id);
  });

  it('a container killed behind berth’s back reads as exited (state derived at read time)', async () => {
    const id = await create('killed', ['sleep', '1000']);
    await containers.start(id);
    const rec = JSON.parse(
      readFileSync(join(root, 'containers', id, 'container.json'), 'utf8'),
    ) as ContainerRecord;
    expect(rec.state.pid).toBeGreaterThan(0);
    process.kill(rec.state.pid!, 'SIGKILL');
    expect((await containers.wait(id)).exitCode).toBe(137);
    const info = await containers.inspect(id);
    expect(info?.state).toBe('exited');
    expect(info?.exitCode).toBe(137);
  });

  it('wait next-exit and removed', async () => {
    const id = await create('waits', ['sh', '-c', 'exit 7']);
    let waiting = false;
    const next = containers.wait(id, { condition: 'next-exit', onWaiting: () => (waiting = true) });
    expect(waiting).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    await containers.start(id);
    expect(waiting).toBe(true);
    expect((await next).exitCode).toBe(7);
    const removed = containers.wait(id, { condition: 'removed' });
    await containers.remove(id);
    expect((await removed).exitCode).toBe(7);
  });

  it('tty: one raw stream, a terminal inside', async () => {
    const r = await runToExit('tty', ['sh', '-c', 'test -t 1 && echo is-a-tty; tty'], { tty: true });
    expect(r.exitCode).toBe(0);
    expect(r.lines.every((l) => l.stream === 'stdout')).toBe(true);
    expect(r.lines.map((l) => l.text.replace(/\r$/, ''))).toEqual(['is-a-tty', '/dev/pts/0']);
  });

  it('calls the hooks: volume source, network up (hosts, resolv.conf, networks) and down', async () => {
    const calls: string[] = [];
    const volDir = join(scratch, 'hooked-volume', '_data');
    execFileSync('mkdir', ['-p', volDir]);
    const hooks: ContainerHooks = {
      volumeSource: async (m, ctx) => {
        calls.push(
          `volume ${m.source ?? 'anon'} ${m.target} ${existsSync(join(ctx.rootfs, 'bin', 'busybox'))}`,
        );
        return volDir;
      },
      networkUp: async (rec) => {
        calls.push(`up ${rec.name}`);
        return {
          hosts: '127.0.0.1\tlocalhost\n10.9.8.7\thooked\n',
          resolvConf: 'nameserver 10.9.8.1\n',
          networks: { front: { networkId: 'n1', ipAddress: '10.9.8.7', aliases: ['web'] } },
          ports: [{ target: 80, published: 32768, protocol: 'tcp', hostIp: '127.0.0.1' }],
        };
      },
      networkDown: async (rec) => {
        calls.push(`down ${rec.name}`);
      },
    };
    const hooked = await Containers.open({ paths: enginePaths({ root, runRoot }), store, hooks });
    const { id } = await hooked.create(
      spec('hooked', ['sh', '-c', 'cat /etc/hosts /etc/resolv.conf; echo v > /vol/file; sleep 1000'], {
        mounts: [{ type: 'volume', source: 'named', target: '/vol' }],
        networks: { front: { aliases: ['web'] } },
      }),
    );
    created.push(id);
    await hooked.start(id);
    await waitForLog(id, 'nameserver 10.9.8.1');
    const info = await hooked.inspect(id);
    expect(info?.networks).toEqual({ front: { networkId: 'n1', ipAddress: '10.9.8.7', aliases: ['web'] } });
    expect(info?.ports).toEqual([{ target: 80, published: 32768, protocol: 'tcp', hostIp: '127.0.0.1' }]);
    expect(info?.volumes).toEqual({ '/vol': 'named' });
    expect(readFileSync(join(volDir, 'file'), 'utf8')).toBe('v\n');
    const lines = (await collect(hooked.logs(id))).map((l) => l.text);
    expect(lines).toContain('10.9.8.7\thooked');
    await hooked.stop(id, { timeoutSeconds: 1 });
    await hooked.remove(id);
    expect(calls).toEqual([
      `volume named /vol true`,
      `up berth-test-${suffix}-hooked`,
      `down berth-test-${suffix}-hooked`,
      `down berth-test-${suffix}-hooked`,
    ]);
  });

  it('reports the images and layers containers use, for the store', async () => {
    const id = await create('inuse', ['true']);
    const rec = JSON.parse(
      readFileSync(join(root, 'containers', id, 'container.json'), 'utf8'),
    ) as ContainerRecord;
    const used = await containersInUse(join(root, 'containers'));
    const img = await store.resolve(image);
    expect([...(used.images ?? [])]).toContain(img.id);
    expect([...(used.layers ?? [])]).toEqual(expect.arrayContaining(img.layers.map((l) => l.diffId)));
    expect(rec.layers).toEqual(img.layers.map((l) => l.diffId));
    await containers.remove(id);
  });

  it('remove by full id cleans up what a crashed create left without a record', async () => {
    const id = await create('leftover', ['true']);
    const dir = join(root, 'containers', id);
    rmSync(join(dir, 'container.json'));
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(`${dir}/merged`);
    await containers.remove(id);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
    expect(existsSync(dir)).toBe(false);
  });
});

/** A writable that keeps what it is given. */
function sink(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('engine/run interactive: TTY exec, attach, resize, kill semantics', () => {
  it('exec with a TTY: a pty inside, the exit code, resize reaches the terminal', async () => {
    const id = await create('ttyexec', ['sleep', '1000']);
    await containers.start(id);
    const r = await containers.exec(id, {
      cmd: ['sh', '-c', 'tty; test -t 0 && test -t 1 && echo both-tty; exit 4'],
      tty: true,
    });
    expect(r.exitCode).toBe(4);
    const lines = (r.stdout ?? '').split('\r\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines[1]).toBe('both-tty');

    // Interactive: stdin through the attach socket, a resize between two commands.
    const stdin = new PassThrough();
    const out = sink();
    let execId: string | undefined;
    const running = containers.exec(id, {
      cmd: ['sh'],
      tty: true,
      stdin,
      stdout: out.stream,
      ttySize: { rows: 24, cols: 80 },
      onStart: (e) => (execId = e),
    });
    await until('the exec to start', () => execId !== undefined);
    stdin.write('stty size; echo first-done\n');
    await until('the first size', () => out.text().includes('first-done\r\n'));
    await containers.resizeExec(execId!, { rows: 33, cols: 101 });
    stdin.write('stty size; exit 6\n');
    expect(await running).toEqual({ exitCode: 6 });
    const text = out.text();
    expect(text).toContain('24 80\r\n');
    expect(text).toContain('33 101\r\n');
    // The session directory is gone with the exec; its id no longer resizes.
    await expect(containers.resizeExec(execId!, { rows: 1, cols: 1 })).rejects.toMatchObject({
      code: 'RUNTIME_NOT_FOUND',
    });
    expect(readdirSync(join(runRoot, 'conmon')).filter((n) => n.startsWith('exec-'))).toEqual([]);
    expect(existsSync(join(runRoot, 'conmon', execId!))).toBe(false);
    // Detached: runs in the background; its session directory goes with the container.
    expect(
      await containers.exec(id, { cmd: ['sh', '-c', 'tty > /tmp/bg-tty'], tty: true, detach: true }),
    ).toEqual({ exitCode: -1 });
    let bg = '';
    await until('the detached exec', async () => {
      bg = (await containers.exec(id, { cmd: ['cat', '/tmp/bg-tty'] })).stdout ?? '';
      return bg !== '';
    });
    expect(bg).toMatch(/^\/dev\/pts\/\d+\n$/);
    expect(readdirSync(join(runRoot, 'conmon')).filter((n) => n.startsWith('exec-'))).toHaveLength(1);
    const session = readdirSync(join(runRoot, 'conmon')).find((n) => n.startsWith('exec-'))!;
    await containers.remove(id, { force: true });
    expect(readdirSync(join(runRoot, 'conmon')).filter((n) => n.startsWith('exec-'))).toEqual([]);
    expect(existsSync(join(runRoot, 'conmon', session.slice('exec-'.length)))).toBe(false);
  });

  it('exec with a TTY of a command runc cannot start: 127/126 and runc’s message', async () => {
    const id = await create('ttymissing', ['sleep', '1000']);
    await containers.start(id);
    const r = await containers.exec(id, { cmd: ['no-such-binary'], tty: true });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/"no-such-binary": executable file not found/);
    const err = sink();
    expect(await containers.exec(id, { cmd: ['/etc'], tty: true, stderr: err.stream })).toEqual({
      exitCode: 126,
    });
    expect(err.text()).toMatch(/permission denied/);
    await containers.remove(id, { force: true });
  });

  it('run-style flow: attach before start, stdin piped to cat echoes, the exit code', async () => {
    const id = await create('attachcat', ['sh', '-c', 'cat; echo to-err >&2; exit 3'], {
      stdinOpen: true,
      stdinOnce: true,
    });
    const out = sink();
    const err = sink();
    const handle = await containers.attach(id, {
      stdin: Readable.from(['hello\n', 'world\n']),
      stdout: out.stream,
      stderr: err.stream,
    });
    const exited = containers.wait(id, { condition: 'next-exit' });
    await containers.start(id);
    await handle.done;
    expect((await exited).exitCode).toBe(3);
    expect(out.text()).toBe('hello\nworld\n');
    expect(err.text()).toBe('to-err\n');
  });

  it('attach without stdin: output only, from the first byte; attach to a running container', async () => {
    const id = await create('attachout', ['sh', '-c', 'echo early; read x; echo late-$x'], {
      stdinOpen: true,
    });
    const first = sink();
    const h1 = await containers.attach(id, { stdout: first.stream, stderr: first.stream });
    await containers.start(id);
    await until('early output', () => first.text() === 'early\n');
    // A second client attaches to the running container and sends the line; the first sees the answer.
    const second = sink();
    const h2 = await containers.attach(id, {
      stdin: Readable.from(['now\n']),
      stdout: second.stream,
    });
    await Promise.all([h1.done, h2.done]);
    expect((await containers.wait(id)).exitCode).toBe(0);
    expect(first.text()).toBe('early\nlate-now\n');
    expect(second.text()).toBe('late-now\n');
    // Not stdinOnce: the second client's end of input did not close the container's stdin, but the
    // process read its line and exited anyway.
  });

  it('attach to a TTY container: one raw stream, resize', async () => {
    const id = await create('attachtty', ['sh', '-c', 'read x; stty size; echo got-$x; exit 2'], {
      tty: true,
      stdinOpen: true,
      stdinOnce: true,
    });
    const stdin = new PassThrough();
    const out = sink();
    const handle = await containers.attach(id, { stdin, stdout: out.stream, tty: true });
    // Before the start: set before the process runs.
    await containers.resize(id, { rows: 40, cols: 120 });
    await containers.start(id);
    stdin.write('abc\n');
    await handle.done;
    expect((await containers.wait(id)).exitCode).toBe(2);
    // The terminal echoes the input, then the answers, all on stdout with CRLF.
    expect(out.text()).toContain('40 120\r\n');
    expect(out.text()).toContain('got-abc\r\n');
    // Running: resized through conmon's ctl fifo.
    await containers.start(id);
    await containers.resize(id, { rows: 22, cols: 66 });
    const again = sink();
    const h2 = await containers.attach(id, {
      stdin: Readable.from(['x\n']),
      stdout: again.stream,
      tty: true,
    });
    await h2.done;
    expect(again.text()).toContain('22 66\r\n');
    await expect(containers.resize(id, { rows: 1, cols: 1 })).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
    });
  });

  it('a closed attachment stops pumping; the container keeps running', async () => {
    const id = await create('attachclose', ['sh', '-c', 'while true; do echo tick; sleep 0.1; done']);
    await containers.start(id);
    const out = sink();
    const handle = await containers.attach(id, { stdout: out.stream });
    await until('a tick', () => out.text().includes('tick'));
    handle.close();
    await handle.done;
    const seen = out.text().length;
    await new Promise((r) => setTimeout(r, 300));
    expect(out.text().length).toBe(seen);
    expect((await containers.inspect(id))?.state).toBe('running');
    await containers.remove(id, { force: true });
  });

  it("kill: Docker's effect on the restart policy in the record", async () => {
    const read = (id: string): ContainerRecord =>
      JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8')) as ContainerRecord;
    // PID 1 gets only the signals it handles: a shell trapping them, sleeping in short steps.
    const trapping = [
      'sh',
      '-c',
      'trap "" USR1; trap "exit 130" INT; trap "exit 143" TERM; while :; do sleep 0.1; done',
    ];
    // A trapped signal that is not the configured stop signal: manually stopped, restart not cancelled.
    const a = await create('killusr1', trapping, { stopSignal: 'SIGINT' });
    await containers.start(a);
    await containers.kill(a, 'USR1');
    expect((await containers.inspect(a))?.state).toBe('running');
    expect(read(a).state.manuallyStopped).toBe(true);
    expect(read(a).state.stoppedByUser).toBeUndefined();
    // The configured stop signal cancels it.
    await containers.kill(a, 'INT');
    expect((await containers.wait(a)).exitCode).toBe(130);
    expect(read(a).state.stoppedByUser).toBe(true);
    // No configured stop signal: any signal cancels; numbers and names both work.
    const b = await create('killterm', trapping);
    await containers.start(b);
    await containers.kill(b, '15');
    expect((await containers.wait(b)).exitCode).toBe(143);
    expect(read(b).state).toMatchObject({ stoppedByUser: true, manuallyStopped: true });
    // A new start clears both.
    await containers.start(b);
    expect(read(b).state.stoppedByUser).toBeUndefined();
    expect(read(b).state.manuallyStopped).toBeUndefined();
    await expect(containers.kill(b, 'NOSUCHSIG')).rejects.toMatchObject({ code: 'USAGE' });
    // SIGKILL of a paused container resumes it so the kill lands.
    await containers.pause(b);
    await containers.kill(b);
    expect((await containers.wait(b)).exitCode).toBe(137);
    expect(read(b).state.stoppedByUser).toBe(true);
    await expect(containers.kill(b)).rejects.toMatchObject({ code: 'RUNTIME_CONFLICT' });
  });

  it("network_mode container:x takes x's hostname", async () => {
    const x = await create('nsowner', ['sleep', '1000'], { hostname: 'owner-host' });
    await containers.start(x);
    const r = await runToExit('nsjoiner', ['hostname'], { networkMode: `container:${x}` });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toEqual(['owner-host']);
    await containers.remove(x, { force: true });
  });
});
