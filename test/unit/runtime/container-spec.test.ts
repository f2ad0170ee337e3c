import { describe, expect, it } from 'vitest';
import {
  containerCreatePlan,
  healthcheckBody,
  networkCreateBody,
} from '../../../src/runtime/docker/container-spec.js';
import {
  containerFromInspect,
  containerFromList,
  imageInfo,
  networkInfo,
  runtimeEvent,
  volumeInfo,
} from '../../../src/runtime/docker/inspect.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';

const base: ContainerSpec = {
  name: 'p-web-1',
  image: 'nginx:1',
  env: {},
  labels: {},
  mounts: [],
  ports: [],
  networks: {},
};
const spec = (extra: Partial<ContainerSpec>): ContainerSpec => ({ ...base, ...extra });
const body = (extra: Partial<ContainerSpec>) => containerCreatePlan(spec(extra)).body as any;

describe('ContainerSpec → POST /containers/create', () => {
  it('maps the minimal spec to the minimal body', () => {
    expect(containerCreatePlan(base)).toEqual({
      name: 'p-web-1',
      body: { Image: 'nginx:1', Env: [], Labels: {}, AttachStdout: true, AttachStderr: true, HostConfig: {} },
      connect: [],
    });
  });

  it.each<[string, Partial<ContainerSpec>, Record<string, unknown>]>([
    [
      'argv',
      { entrypoint: ['/bin/sh', '-c'], command: ['echo hi'] },
      { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'] },
    ],
    [
      'env in order, empty values kept',
      { env: { B: '2', A: '', C: 'x=y' } },
      { Env: ['B=2', 'A=', 'C=x=y'] },
    ],
    [
      'labels',
      { labels: { 'com.docker.compose.project': 'p' } },
      { Labels: { 'com.docker.compose.project': 'p' } },
    ],
    [
      'identity',
      { hostname: 'h', domainname: 'd.example', user: '1000:1000', workingDir: '/app' },
      { Hostname: 'h', Domainname: 'd.example', User: '1000:1000', WorkingDir: '/app' },
    ],
    ['tty and stdin', { tty: true, stdinOpen: true }, { Tty: true, OpenStdin: true, AttachStdin: true }],
    [
      'stop signal and timeout',
      { stopSignal: 'SIGQUIT', stopTimeoutSeconds: 30 },
      { StopSignal: 'SIGQUIT', StopTimeout: 30 },
    ],
    ['expose adds /tcp', { expose: ['80', '53/udp'] }, { ExposedPorts: { '80/tcp': {}, '53/udp': {} } }],
  ])('top level: %s', (_name, extra, expected) => {
    expect(body(extra)).toMatchObject(expected);
  });

  it('healthcheck durations go from ms to ns', () => {
    expect(
      healthcheckBody({
        test: ['CMD-SHELL', 'true'],
        intervalMs: 1500,
        timeoutMs: 2000,
        startPeriodMs: 0,
        startIntervalMs: 500,
        retries: 3,
      }),
    ).toEqual({
      Test: ['CMD-SHELL', 'true'],
      Interval: 1_500_000_000,
      Timeout: 2_000_000_000,
      StartPeriod: 0,
      StartInterval: 500_000_000,
      Retries: 3,
    });
    expect(body({ healthcheck: { test: ['NONE'] } }).Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('ports: ephemeral, fixed, several host bindings of one container port, udp', () => {
    const b = body({
      ports: [
        { target: 80, protocol: 'tcp' },
        { target: 443, published: 8443, hostIp: '127.0.0.1', protocol: 'tcp' },
        { target: 443, published: 8443, hostIp: '::1', protocol: 'tcp' },
        { target: 53, published: 5353, protocol: 'udp' },
      ],
    });
    expect(b.ExposedPorts).toEqual({ '80/tcp': {}, '443/tcp': {}, '53/udp': {} });
    expect(b.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: '' }],
      '443/tcp': [
        { HostIp: '127.0.0.1', HostPort: '8443' },
        { HostIp: '::1', HostPort: '8443' },
      ],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
    });
  });

  it('mounts: Binds for host-path-creating/SELinux binds, Mounts for the rest', () => {
    const b = body({
      mounts: [
        { type: 'bind', source: '/src', target: '/app', createHostPath: true, readOnly: true, selinux: 'z' },
        { type: 'bind', source: '/etc/x', target: '/x', propagation: 'rslave' },
        { type: 'volume', source: 'p_data', target: '/data', noCopy: true, subpath: 'sub' },
        { type: 'volume', target: '/anon' },
        { type: 'tmpfs', target: '/run', sizeBytes: 1024, mode: 0o1777 },
        { type: 'image', source: 'busybox', target: '/img', subpath: 'bin' },
      ],
    });
    expect(b.HostConfig.Binds).toEqual(['/src:/app:ro,z']);
    expect(b.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: '/etc/x', Target: '/x', BindOptions: { Propagation: 'rslave' } },
      { Type: 'volume', Source: 'p_data', Target: '/data', VolumeOptions: { NoCopy: true, Subpath: 'sub' } },
      { Type: 'volume', Source: '', Target: '/anon' },
      { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } },
      { Type: 'image', Source: 'busybox', Target: '/img', ImageOptions: { Subpath: 'bin' } },
    ]);
  });

  it.each<[string, Partial<ContainerSpec>, Record<string, unknown>]>([
    [
      'restart unless-stopped',
      { restart: { name: 'unless-stopped' } },
      { RestartPolicy: { Name: 'unless-stopped' } },
    ],
    [
      'restart on-failure:3',
      { restart: { name: 'on-failure', maximumRetryCount: 3 } },
      { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } },
    ],
    ['restart no', { restart: { name: 'no' } }, { RestartPolicy: { Name: '' } }],
    [
      'ulimits',
      { ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }] },
      { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] },
    ],
    [
      'resources',
      {
        resources: {
          memoryBytes: 256 * 2 ** 20,
          memoryReservationBytes: 2 ** 20,
          memorySwapBytes: -1,
          nanoCpus: 1.5e9,
          cpuShares: 512,
          cpusetCpus: '0-1',
          pidsLimit: 100,
        },
      },
      {
        Memory: 256 * 2 ** 20,
        MemoryReservation: 2 ** 20,
        MemorySwap: -1,
        NanoCpus: 1.5e9,
        CpuShares: 512,
        CpusetCpus: '0-1',
        PidsLimit: 100,
      },
    ],
    [
      'devices default to rwm',
      { devices: [{ source: '/dev/fuse', target: '/dev/fuse' }] },
      { Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }] },
    ],
    [
      'privileges',
      {
        init: true,
        privileged: true,
        readOnly: true,
        capAdd: ['NET_ADMIN'],
        capDrop: ['ALL'],
        securityOpt: ['no-new-privileges'],
      },
      {
        Init: true,
        Privileged: true,
        ReadonlyRootfs: true,
        CapAdd: ['NET_ADMIN'],
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    ],
    [
      'dns',
      { dns: ['1.1.1.1'], dnsSearch: ['x'], dnsOpt: ['ndots:1'], extraHosts: ['h:1.2.3.4'] },
      { Dns: ['1.1.1.1'], DnsSearch: ['x'], DnsOptions: ['ndots:1'], ExtraHosts: ['h:1.2.3.4'] },
    ],
    [
      'namespaces',
      { pid: 'host', ipc: 'container:abc', networkMode: 'container:abc' },
      { PidMode: 'host', IpcMode: 'container:abc', NetworkMode: 'container:abc' },
    ],
    [
      'misc',
      {
        sysctls: { 'net.core.somaxconn': '1024' },
        shmSizeBytes: 64 * 2 ** 20,
        groupAdd: ['audio'],
        oomScoreAdj: -500,
      },
      {
        Sysctls: { 'net.core.somaxconn': '1024' },
        ShmSize: 64 * 2 ** 20,
        GroupAdd: ['audio'],
        OomScoreAdj: -500,
      },
    ],
    [
      'logging',
      { logging: { driver: 'json-file', options: { 'max-size': '1m' } } },
      { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } },
    ],
  ])('HostConfig: %s', (_name, extra, expected) => {
    expect(body(extra).HostConfig).toEqual(expected);
  });

  it('the first network at create time, the others connected after', () => {
    const plan = containerCreatePlan(
      spec({
        networks: {
          p_front: {
            aliases: ['web', 'p-web-1'],
            ipv4Address: '172.30.0.5',
            macAddress: '02:42:ac:11:00:02',
          },
          p_back: {},
          p_db: { aliases: [], ipv6Address: 'fd00::5', linkLocalIps: ['169.254.1.1'] },
        },
      }),
    );
    expect(plan.body.HostConfig).toEqual({ NetworkMode: 'p_front' });
    expect(plan.body.NetworkingConfig).toEqual({
      EndpointsConfig: {
        p_front: {
          Aliases: ['web', 'p-web-1'],
          IPAMConfig: { IPv4Address: '172.30.0.5' },
          MacAddress: '02:42:ac:11:00:02',
        },
      },
    });
    expect(plan.connect).toEqual([
      { network: 'p_back', endpoint: {} },
      {
        network: 'p_db',
        endpoint: { IPAMConfig: { IPv6Address: 'fd00::5', LinkLocalIPs: ['169.254.1.1'] } },
      },
    ]);
  });

  it('network_mode without networks connects nothing', () => {
    const plan = containerCreatePlan(spec({ networkMode: 'host' }));
    expect(plan.body.HostConfig).toEqual({ NetworkMode: 'host' });
    expect(plan.body.NetworkingConfig).toBeUndefined();
    expect(plan.connect).toEqual([]);
  });
});

describe('NetworkSpec → POST /networks/create', () => {
  it('maps driver, options, flags and IPAM', () => {
    expect(
      networkCreateBody({
        name: 'p_back',
        driver: 'bridge',
        driverOpts: { 'com.docker.network.bridge.name': 'br-p' },
        labels: { a: 'b' },
        internal: true,
        attachable: true,
        enableIPv6: false,
        ipam: {
          config: [
            {
              subnet: '172.30.0.0/24',
              gateway: '172.30.0.1',
              ipRange: '172.30.0.128/25',
              auxAddresses: { r: '172.30.0.2' },
            },
          ],
        },
      }),
    ).toEqual({
      Name: 'p_back',
      CheckDuplicate: true,
      Driver: 'bridge',
      Options: { 'com.docker.network.bridge.name': 'br-p' },
      Labels: { a: 'b' },
      Internal: true,
      Attachable: true,
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Config: [
          {
            Subnet: '172.30.0.0/24',
            IPRange: '172.30.0.128/25',
            Gateway: '172.30.0.1',
            AuxiliaryAddresses: { r: '172.30.0.2' },
          },
        ],
      },
    });
    expect(networkCreateBody({ name: 'n', labels: {} })).toEqual({
      Name: 'n',
      CheckDuplicate: true,
      Labels: {},
    });
  });
});

describe('Engine JSON → ContainerInfo', () => {
  const listEntry = (status: string, state: string, extra: Record<string, unknown> = {}) => ({
    Id: 'abc',
    Names: ['/p-web-1'],
    Image: 'nginx:1',
    ImageID: 'sha256:img',
    Command: 'nginx -g daemon off;',
    Created: 1_700_000_000,
    Ports: [
      { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ],
    Labels: { 'com.docker.compose.service': 'web' },
    State: state,
    Status: status,
    NetworkSettings: {
      Networks: { p_default: { NetworkID: 'net1', IPAddress: '172.18.0.2', Aliases: null } },
    },
    Mounts: [
      { Type: 'volume', Name: 'p_data', Destination: '/data' },
      { Type: 'bind', Source: '/src', Destination: '/app' },
    ],
    ...extra,
  });

  it.each<[string, string, Partial<ReturnType<typeof containerFromList>>]>([
    ['Up 3 seconds (healthy)', 'running', { state: 'running', health: 'healthy', exitCode: undefined }],
    ['Up 1 second (health: starting)', 'running', { state: 'running', health: 'starting' }],
    ['Up 2 minutes (unhealthy)', 'running', { state: 'running', health: 'unhealthy' }],
    ['Up 2 minutes', 'running', { state: 'running', health: undefined }],
    ['Exited (3) 5 seconds ago', 'exited', { state: 'exited', exitCode: 3 }],
    ['Exited (137) 1 hour ago', 'exited', { state: 'exited', exitCode: 137 }],
    ['Up 4 seconds (Paused)', 'paused', { state: 'paused' }],
    ['Created', 'created', { state: 'created', exitCode: undefined }],
  ])('list entry with status %j', (status, state, expected) => {
    expect(containerFromList(listEntry(status, state))).toMatchObject({ ...expected, status });
  });

  it('list entry: names, ports, networks, volumes, created', () => {
    expect(containerFromList(listEntry('Up 1 second', 'running'))).toEqual({
      id: 'abc',
      name: 'p-web-1',
      image: 'nginx:1',
      imageId: 'sha256:img',
      labels: { 'com.docker.compose.service': 'web' },
      state: 'running',
      health: undefined,
      exitCode: undefined,
      status: 'Up 1 second',
      created: '2023-11-14T22:13:20.000Z',
      ports: [
        { target: 80, published: 8080, hostIp: '127.0.0.1', protocol: 'tcp' },
        { target: 53, published: undefined, hostIp: undefined, protocol: 'udp' },
      ],
      networks: { p_default: { networkId: 'net1', ipAddress: '172.18.0.2', aliases: undefined } },
      volumes: { '/data': 'p_data' },
      command: 'nginx -g daemon off;',
    });
  });

  it('inspect: state, health, exit code, ports, aliases, argv', () => {
    const inspect = {
      Id: 'abc',
      Name: '/p-db-1',
      Created: '2026-01-02T03:04:05.123456789Z',
      Path: 'docker-entrypoint.sh',
      Args: ['postgres'],
      Image: 'sha256:img',
      State: { Status: 'exited', ExitCode: 1, Health: { Status: 'unhealthy' } },
      Config: { Image: 'postgres:16', Labels: { x: 'y' } },
      NetworkSettings: {
        Ports: { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '5432' }], '9/udp': null },
        Networks: { p_default: { NetworkID: 'n', IPAddress: '', Aliases: ['db', 'p-db-1'] } },
      },
      Mounts: [{ Type: 'volume', Name: 'anon123', Destination: '/var/lib/postgresql/data' }],
    };
    expect(containerFromInspect(inspect)).toEqual({
      id: 'abc',
      name: 'p-db-1',
      image: 'postgres:16',
      imageId: 'sha256:img',
      labels: { x: 'y' },
      state: 'exited',
      health: 'unhealthy',
      exitCode: 1,
      status: 'Exited (1)',
      created: '2026-01-02T03:04:05.123456789Z',
      ports: [
        { target: 5432, published: 5432, hostIp: '0.0.0.0', protocol: 'tcp' },
        { target: 9, protocol: 'udp' },
      ],
      networks: { p_default: { networkId: 'n', ipAddress: undefined, aliases: ['db', 'p-db-1'] } },
      volumes: { '/var/lib/postgresql/data': 'anon123' },
      command: 'docker-entrypoint.sh postgres',
    });
    const running = containerFromInspect({
      ...inspect,
      State: { Status: 'running', ExitCode: 0, Health: { Status: 'starting' } },
    });
    expect(running).toMatchObject({ state: 'running', exitCode: undefined, status: 'Up (health: starting)' });
  });
});

describe('Engine JSON → networks, volumes, images, events', () => {
  it('network list entries have no containers; inspect has their ids', () => {
    expect(
      networkInfo({ Id: 'n1', Name: 'p_default', Driver: 'bridge', Labels: null, Internal: false }),
    ).toEqual({
      id: 'n1',
      name: 'p_default',
      driver: 'bridge',
      labels: {},
      internal: false,
      containers: undefined,
    });
    expect(
      networkInfo({ Id: 'n1', Name: 'x', Driver: 'bridge', Internal: true, Containers: { c1: {}, c2: {} } }),
    ).toMatchObject({
      internal: true,
      containers: ['c1', 'c2'],
    });
  });

  it('volumes', () => {
    expect(
      volumeInfo({
        Name: 'p_data',
        Driver: 'local',
        Labels: null,
        Mountpoint: '/var/lib/docker/volumes/p_data/_data',
      }),
    ).toEqual({
      name: 'p_data',
      driver: 'local',
      labels: {},
      mountpoint: '/var/lib/docker/volumes/p_data/_data',
    });
  });

  it('image inspect with its config; list entries without', () => {
    const inspected = imageInfo({
      Id: 'sha256:1',
      RepoTags: ['busybox:1'],
      RepoDigests: ['busybox@sha256:abc'],
      Created: '2026-01-01T00:00:00Z',
      Size: 10,
      Config: {
        Cmd: ['sh'],
        Entrypoint: null,
        Env: ['PATH=/bin'],
        WorkingDir: '',
        ExposedPorts: { '80/tcp': {} },
        Labels: { l: 'v' },
        Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9, Retries: 2 },
      },
    });
    expect(inspected).toEqual({
      id: 'sha256:1',
      tags: ['busybox:1'],
      digests: ['busybox@sha256:abc'],
      labels: { l: 'v' },
      created: '2026-01-01T00:00:00Z',
      size: 10,
      config: {
        entrypoint: undefined,
        cmd: ['sh'],
        env: ['PATH=/bin'],
        workingDir: undefined,
        user: undefined,
        exposedPorts: ['80/tcp'],
        volumes: undefined,
        healthcheck: {
          test: ['CMD', 'true'],
          intervalMs: 5000,
          timeoutMs: undefined,
          startPeriodMs: undefined,
          startIntervalMs: undefined,
          retries: 2,
        },
        stopSignal: undefined,
      },
    });
    expect(
      imageInfo({
        Id: 'sha256:2',
        RepoTags: ['<none>:<none>'],
        RepoDigests: null,
        Created: 0,
        Labels: { a: 'b' },
      }),
    ).toEqual({
      id: 'sha256:2',
      tags: [],
      digests: [],
      labels: { a: 'b' },
      created: '1970-01-01T00:00:00.000Z',
      size: undefined,
      config: undefined,
    });
  });

  it('events', () => {
    expect(
      runtimeEvent({
        Type: 'container',
        Action: 'health_status: healthy',
        Actor: { ID: 'c1', Attributes: { name: 'w' } },
        time: 1,
        timeNano: 1_700_000_000_123 * 1e6,
      }),
    ).toEqual({
      type: 'container',
      action: 'health_status: healthy',
      id: 'c1',
      attributes: { name: 'w' },
      time: '2023-11-14T22:13:20.123Z',
    });
  });
});
