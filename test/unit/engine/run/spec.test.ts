import { describe, expect, it } from 'vitest';
import {
  ALL_CAPS,
  buildOciSpec,
  capabilities,
  cleanPath,
  DEFAULT_CAPS,
  execProcess,
  INIT_PATH,
  MASKED_PATHS,
  mergeEnv,
  type OciMount,
  RLIM_INFINITY,
  resolveProcess,
  rlimits,
  type SpecInput,
  serializeSpec,
  userMounts,
} from '../../../../src/engine/run/spec.js';
import type { ContainerConfig } from '../../../../src/engine/store/types.js';
import type { ContainerSpec } from '../../../../src/runtime/runtime.js';

const ID = 'a'.repeat(64);
const PASSWD =
  'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\naudio:x:29:app,other\n';

function spec(extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name: 'c', image: 'img', env: {}, labels: {}, mounts: [], ports: [], networks: {}, ...extra };
}

function build(extra: Partial<ContainerSpec> = {}, input: Partial<SpecInput> = {}, image?: ContainerConfig) {
  const s = spec(extra);
  return buildOciSpec({
    id: ID,
    spec: s,
    process: resolveProcess(s, image ?? { Cmd: ['sh'] }, ID),
    rootfs: '/r/merged',
    passwd: PASSWD,
    group: GROUP,
    volumes: [],
    etc: { hosts: '/c/hosts', hostname: '/c/hostname', resolvConf: '/c/resolv.conf' },
    ...input,
  });
}

const mount = (mounts: OciMount[], destination: string) => mounts.find((m) => m.destination === destination);

describe('resolveProcess: entrypoint/command (moby merge)', () => {
  const image: ContainerConfig = { Entrypoint: ['/ep'], Cmd: ['img-cmd'] };
  it.each<[string, Partial<ContainerSpec>, ContainerConfig, string[]]>([
    ['image entrypoint + cmd', {}, image, ['/ep', 'img-cmd']],
    ['command replaces the image cmd', { command: ['x', 'y'] }, image, ['/ep', 'x', 'y']],
    ['entrypoint drops the image cmd', { entrypoint: ['/mine'] }, image, ['/mine']],
    ['entrypoint + command', { entrypoint: ['/mine'], command: ['a'] }, image, ['/mine', 'a']],
    ['empty entrypoint keeps the image cmd', { entrypoint: [] }, image, ['img-cmd']],
    ['empty entrypoint + command', { entrypoint: [], command: ['c'] }, image, ['c']],
    ['empty command = the image cmd', { command: [] }, image, ['/ep', 'img-cmd']],
    ['cmd only image', {}, { Cmd: ['sh'] }, ['sh']],
    ['null entrypoint in the image', { command: ['ls'] }, { Entrypoint: null, Cmd: ['sh'] }, ['ls']],
  ])('%s', (_, s, img, args) => {
    expect(resolveProcess(spec(s), img, ID).args).toEqual(args);
  });

  it('refuses nothing to run', () => {
    expect(() => resolveProcess(spec(), {}, ID)).toThrow(/no command specified/);
    expect(() => resolveProcess(spec({ entrypoint: ['/x'] }), undefined, ID)).not.toThrow();
  });
});

describe('resolveProcess: env, cwd, user, hostname, stop signal', () => {
  it('merges PATH default, HOSTNAME, image env and spec env in order', () => {
    const p = resolveProcess(
      spec({ env: { B: 'spec', C: '3' }, hostname: 'h' }),
      { Env: ['A=1', 'B=img'], Cmd: ['sh'] },
      ID,
    );
    expect(p.env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=h',
      'A=1',
      'B=spec',
      'C=3',
    ]);
  });
  it('image PATH replaces the default in place; TERM with a tty', () => {
    const p = resolveProcess(spec({ tty: true }), { Env: ['PATH=/bin'], Cmd: ['sh'] }, ID);
    expect(p.env).toEqual(['PATH=/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'TERM=xterm']);
    expect(p.hostname).toBe(ID.slice(0, 12));
    expect(p.tty).toBe(true);
  });
  it.each<[Partial<ContainerSpec>, ContainerConfig, Partial<ReturnType<typeof resolveProcess>>]>([
    [{}, { Cmd: ['sh'] }, { cwd: '/', user: '', stopSignal: 'SIGTERM', stopTimeoutSeconds: 10 }],
    [
      {},
      { Cmd: ['sh'], WorkingDir: '/app', User: 'app', StopSignal: 'SIGQUIT' },
      { cwd: '/app', user: 'app', stopSignal: 'SIGQUIT' },
    ],
    [
      { workingDir: '/w', user: '0:0', stopSignal: 'SIGINT', stopTimeoutSeconds: 3 },
      { Cmd: ['sh'], WorkingDir: '/app', User: 'app', StopSignal: 'SIGQUIT' },
      { cwd: '/w', user: '0:0', stopSignal: 'SIGINT', stopTimeoutSeconds: 3 },
    ],
  ])('%j over %j', (s, img, expected) => {
    expect(resolveProcess(spec(s), img, ID)).toMatchObject(expected);
  });
  it('refuses a relative working dir', () => {
    expect(() => resolveProcess(spec({ workingDir: 'rel' }), { Cmd: ['sh'] }, ID)).toThrow(/absolute path/);
  });
  it('mergeEnv replaces keys in place and appends new ones', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4', 'A'])).toEqual(['A', 'B=3', 'C=4']);
  });
});

describe('capabilities', () => {
  it.each<[string, Partial<ContainerSpec>, (caps: string[]) => void]>([
    ['defaults', {}, (c) => expect(c).toEqual(DEFAULT_CAPS)],
    [
      'add NET_ADMIN',
      { capAdd: ['NET_ADMIN'] },
      (c) => expect(c).toEqual([...DEFAULT_CAPS, 'CAP_NET_ADMIN']),
    ],
    [
      'drop with and without prefix',
      { capDrop: ['cap_chown', 'KILL'] },
      (c) => {
        expect(c).not.toContain('CAP_CHOWN');
        expect(c).not.toContain('CAP_KILL');
        expect(c).toHaveLength(12);
      },
    ],
    [
      'drop ALL + add one',
      { capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] },
      (c) => expect(c).toEqual(['CAP_NET_BIND_SERVICE']),
    ],
    [
      'add ALL - drop one',
      { capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] },
      (c) => {
        expect(c).toHaveLength(ALL_CAPS.length - 1);
        expect(c).not.toContain('CAP_SYS_ADMIN');
      },
    ],
    ['privileged', { privileged: true, capDrop: ['ALL'] }, (c) => expect(c).toEqual(ALL_CAPS)],
  ])('%s', (_, s, check) => check(capabilities(s)));

  it('refuses an unknown capability', () => {
    expect(() => capabilities({ capAdd: ['FLY'] })).toThrow(/unknown capability/);
  });
  it('has Docker’s 14 defaults', () => {
    expect(DEFAULT_CAPS).toHaveLength(14);
  });
});

describe('rlimits', () => {
  it('defaults NOFILE to 1048576, capped at the caller’s own hard limit', () => {
    expect(rlimits(undefined)).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
    expect(rlimits(undefined, 20000)).toEqual([{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  });
  it('ulimits override, -1 is unlimited and written exactly', () => {
    const r = rlimits([
      { name: 'nofile', soft: 100, hard: 200 },
      { name: 'nproc', soft: -1, hard: -1 },
    ]);
    expect(r).toEqual([
      { type: 'RLIMIT_NOFILE', hard: 200, soft: 100 },
      { type: 'RLIMIT_NPROC', hard: RLIM_INFINITY, soft: RLIM_INFINITY },
    ]);
    expect(serializeSpec(build({ ulimits: [{ name: 'core', soft: -1, hard: -1 }] }))).toContain(
      '"hard": 18446744073709551615',
    );
  });
});

describe('buildOciSpec', () => {
  it('the default container', () => {
    const s = build();
    expect(s.process).toMatchObject({
      terminal: false,
      user: { uid: 0, gid: 0, additionalGids: [0] },
      args: ['sh'],
      cwd: '/',
      noNewPrivileges: false,
    });
    expect(s.process.capabilities.bounding).toEqual(DEFAULT_CAPS);
    expect(s.root).toEqual({ path: '/r/merged', readonly: false });
    expect(s.hostname).toBe(ID.slice(0, 12));
    expect(s.linux.cgroupsPath).toBe(`/berth/${ID}`);
    expect(s.linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network' },
    ]);
    expect(s.linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(s.linux.resources.devices).toEqual([{ allow: false, access: 'rwm' }]);
    expect(s.mounts.map((m) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/sys',
      '/sys/fs/cgroup',
      '/dev/mqueue',
      '/dev/shm',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/etc/hosts',
    ]);
    expect(mount(s.mounts, '/dev/shm')?.options).toContain('size=67108864');
    expect(mount(s.mounts, '/sys')?.options).toContain('ro');
    expect(mount(s.mounts, '/etc/hosts')).toEqual({
      destination: '/etc/hosts',
      type: 'bind',
      source: '/c/hosts',
      options: ['rbind', 'rprivate', 'rw'],
    });
  });

  it.each<
    [string, string | undefined, string[] | undefined, { uid: number; gid: number; additionalGids: number[] }]
  >([
    ['name', 'app', undefined, { uid: 1000, gid: 1000, additionalGids: [1000, 50, 29] }],
    ['name:group', 'app:staff', undefined, { uid: 1000, gid: 50, additionalGids: [50] }],
    ['uid known', '65534', undefined, { uid: 65534, gid: 65534, additionalGids: [65534] }],
    ['uid unknown', '4242', undefined, { uid: 4242, gid: 0, additionalGids: [0] }],
    ['uid:gid', '4242:77', undefined, { uid: 4242, gid: 77, additionalGids: [77] }],
    [
      'group_add names and numbers',
      'nobody',
      ['audio', '999'],
      { uid: 65534, gid: 65534, additionalGids: [65534, 29, 999] },
    ],
  ])('user %s', (_, user, groupAdd, expected) => {
    expect(build({ user, groupAdd }).process.user).toEqual(expected);
  });

  it('refuses unknown users and groups', () => {
    expect(() => build({ user: 'ghost' })).toThrow(/unable to find user ghost/);
    expect(() => build({ user: 'app:ghosts' })).toThrow(/unable to find group ghosts/);
    expect(() => build({ user: 'app' }, { passwd: undefined })).toThrow(/unable to find user app/);
  });

  it('privileged: all caps, no masks, devices allowed, /sys rw', () => {
    const s = build({ privileged: true });
    expect(s.process.capabilities.effective).toEqual(ALL_CAPS);
    expect(s.linux.maskedPaths).toBeUndefined();
    expect(s.linux.readonlyPaths).toBeUndefined();
    expect(s.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(mount(s.mounts, '/sys')?.options).toContain('rw');
  });

  it('read_only rootfs makes the etc files read-only too', () => {
    const s = build({ readOnly: true });
    expect(s.root.readonly).toBe(true);
    expect(mount(s.mounts, '/etc/hosts')?.options).toContain('ro');
  });

  it('binds, volumes, tmpfs: options, order parents first, etc files skipped under user mounts', () => {
    const s = build(
      {
        mounts: [
          {
            type: 'bind',
            source: '/host/conf',
            target: '/etc/app/conf/',
            readOnly: true,
            propagation: 'rslave',
          },
          { type: 'volume', source: 'data', target: '/data' },
          { type: 'tmpfs', target: '/run', sizeBytes: 1024, mode: 0o1777 },
          { type: 'bind', source: '/host/hosts', target: '/etc/hosts' },
        ],
      },
      {
        volumes: [
          { target: '/data', source: '/v/data/_data' },
          { target: '/anon', source: '/v/anon' },
        ],
      },
    );
    const user = s.mounts.slice(s.mounts.findIndex((m) => m.destination === '/etc/hostname') + 1);
    expect(user.map((m) => m.destination)).toEqual(['/data', '/run', '/anon', '/etc/hosts', '/etc/app/conf']);
    expect(mount(s.mounts, '/etc/app/conf')).toEqual({
      destination: '/etc/app/conf',
      type: 'bind',
      source: '/host/conf',
      options: ['rbind', 'rslave', 'ro'],
    });
    expect(mount(s.mounts, '/data')?.source).toBe('/v/data/_data');
    expect(mount(s.mounts, '/run')?.options).toEqual(['nosuid', 'nodev', 'noexec', 'size=1024', 'mode=1777']);
    expect(s.mounts.filter((m) => m.destination === '/etc/hosts')).toEqual([
      {
        destination: '/etc/hosts',
        type: 'bind',
        source: '/host/hosts',
        options: ['rbind', 'rprivate', 'rw'],
      },
    ]);
  });

  it('refuses duplicate targets, bad propagation, image mounts, unresolved volumes', () => {
    const two = { type: 'bind' as const, source: '/a', target: '/x' };
    expect(() => build({ mounts: [two, { ...two, source: '/b' }] })).toThrow(/duplicate mount point: \/x/);
    expect(() => build({ mounts: [{ ...two, propagation: 'weird' }] })).toThrow(/propagation/);
    expect(() => build({ mounts: [{ type: 'image', source: 'i', target: '/i' }] })).toThrow(/image mounts/);
    expect(() => build({ mounts: [{ type: 'volume', source: 'v', target: '/v' }] })).toThrow(
      /no resolved source/,
    );
  });

  it('userMounts lets a spec mount cover an image VOLUME', () => {
    const m = userMounts(spec({ mounts: [{ type: 'bind', source: '/h', target: '/data' }] }), [
      { target: '/data', source: '/anon' },
    ]);
    expect(m).toEqual([
      { destination: '/data', type: 'bind', source: '/h', options: ['rbind', 'rprivate', 'rw'] },
    ]);
  });

  it('shm size, ipc host shares /dev/shm and the ipc namespace', () => {
    expect(mount(build({ shmSizeBytes: 1 << 20 }).mounts, '/dev/shm')?.options).toContain(`size=${1 << 20}`);
    const host = build({ ipc: 'host' });
    expect(mount(host.mounts, '/dev/shm')).toMatchObject({ type: 'bind', source: '/dev/shm' });
    expect(host.linux.namespaces.map((n) => n.type)).not.toContain('ipc');
  });

  it.each<[string, Partial<ContainerSpec>, SpecInput['namespaces'], Array<{ type: string; path?: string }>]>([
    [
      'network hook netns',
      {},
      { network: '/run/netns/berth-x' },
      [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network', path: '/run/netns/berth-x' },
      ],
    ],
    [
      'host network',
      { networkMode: 'host' },
      undefined,
      [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    ],
    [
      'pid host, uts host',
      { pid: 'host', uts: 'host' },
      undefined,
      [{ type: 'ipc' }, { type: 'mount' }, { type: 'network' }],
    ],
    [
      'pid container:',
      { pid: 'container:x' },
      { pid: '/proc/9/ns/pid' },
      [
        { type: 'pid', path: '/proc/9/ns/pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network' },
      ],
    ],
  ])('namespaces: %s', (_, s, ns, expected) => {
    expect(build(s, { namespaces: ns }).linux.namespaces).toEqual(expected);
  });

  it('pid container: without a resolved path is an error', () => {
    expect(() => build({ pid: 'container:x' })).toThrow(/namespace path/);
  });

  it('resources', () => {
    const s = build(
      {
        resources: {
          memoryBytes: 64 << 20,
          memoryReservationBytes: 32 << 20,
          nanoCpus: 1_500_000_000,
          cpuShares: 512,
          cpusetCpus: '0',
          pidsLimit: 100,
        },
      },
      { swapAccounting: true },
    );
    expect(s.linux.resources).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 },
      cpu: { shares: 512, period: 100000, quota: 150000, cpus: '0' },
      pids: { limit: 100 },
    });
    expect(
      build({ resources: { memoryBytes: 1 << 20, memorySwapBytes: -1 } }, { swapAccounting: true }).linux
        .resources.memory,
    ).toEqual({
      limit: 1 << 20,
      swap: -1,
    });
    expect(build({ resources: { memoryBytes: 1 << 20 } }).linux.resources.memory).toEqual({ limit: 1 << 20 });
  });

  it('sysctls, oom score, hostname/domainname, cgroup parent, tty, no-new-privileges', () => {
    const s = build({
      sysctls: { 'net.core.somaxconn': '1024' },
      oomScoreAdj: 500,
      hostname: 'web',
      domainname: 'example.org',
      cgroupParent: '/custom/',
      tty: true,
      securityOpt: ['no-new-privileges:true', 'seccomp=unconfined'],
    });
    expect(s.linux.sysctl).toEqual({ 'net.core.somaxconn': '1024' });
    expect(s.process.oomScoreAdj).toBe(500);
    expect(s.hostname).toBe('web');
    expect(s.domainname).toBe('example.org');
    expect(s.linux.cgroupsPath).toBe(`/custom/${ID}`);
    expect(s.process.terminal).toBe(true);
    expect(s.process.noNewPrivileges).toBe(true);
    expect(() => build({ securityOpt: ['something-else'] })).toThrow(/not supported/);
  });

  it('init: tini mounted read-only and prepended', () => {
    const s = build({ init: true, command: ['sleep', '1'] }, { initBinary: '/usr/bin/tini-static' });
    expect(s.process.args).toEqual([INIT_PATH, '--', 'sleep', '1']);
    expect(mount(s.mounts, INIT_PATH)).toEqual({
      destination: INIT_PATH,
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['rbind', 'rprivate', 'ro'],
    });
    expect(() => build({ init: true })).toThrow(/tini/);
  });

  it('devices: added with a cgroup rule each', () => {
    const s = build(
      { devices: [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rw' }] },
      { devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] },
    );
    expect(s.linux.devices).toEqual([{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }]);
    expect(s.linux.resources.devices).toContainEqual({
      allow: true,
      type: 'c',
      major: 10,
      minor: 229,
      access: 'rw',
    });
  });
});

describe('cleanPath', () => {
  it.each([
    ['/a//b/', '/a/b'],
    ['a/./b', '/a/b'],
    ['/../../etc', '/etc'],
    ['/x/../y', '/y'],
    ['/', '/'],
  ])('%s → %s', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});

describe('execProcess', () => {
  const container = build({ env: { A: '1' }, user: 'app' }).process;
  it('keeps the container identity, merges env, overrides user and cwd', () => {
    const p = execProcess({
      container,
      cmd: ['ls'],
      env: { B: '2', A: 'x' },
      user: 'nobody',
      workingDir: '/tmp',
      passwd: PASSWD,
      group: GROUP,
    });
    expect(p.args).toEqual(['ls']);
    expect(p.env).toContain('A=x');
    expect(p.env).toContain('B=2');
    expect(p.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
    expect(p.cwd).toBe('/tmp');
    expect(p.terminal).toBe(false);
  });
  it('defaults to the container user and cwd; privileged gets all caps', () => {
    const p = execProcess({ container, cmd: ['id'], privileged: true });
    expect(p.user).toEqual(container.user);
    expect(p.cwd).toBe('/');
    expect(p.capabilities.bounding).toEqual(ALL_CAPS);
  });
});
