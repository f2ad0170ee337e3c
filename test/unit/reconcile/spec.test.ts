import { describe, expect, it } from 'vitest';
import {
  COMPOSE_VERSION,
  CONFIG_FILES_LABEL,
  CONFIG_HASH_LABEL,
  CONTAINER_NUMBER_LABEL,
  DEPENDENCIES_LABEL,
  ENV_FILE_LABEL,
  IMAGE_LABEL,
  ONEOFF_LABEL,
  PROJECT_LABEL,
  REPLACE_LABEL,
  SERVICE_LABEL,
  VERSION_LABEL,
  WORKING_DIR_LABEL,
} from '../../../src/api/labels.js';
import { configHash } from '../../../src/reconcile/hash.js';
import { serviceHash } from '../../../src/reconcile/refs.js';
import { type ContainerSpecOptions, serviceToContainerSpec } from '../../../src/reconcile/spec.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { project } from './fixtures.js';

/** The spec of `web`'s container 1 for a one-service project (plus `extra` top-level YAML). */
function specOf(service: string, extra = '', options: Partial<ContainerSpecOptions> = {}): ContainerSpec {
  const yaml = `services:\n  web:\n${service
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n${extra}`;
  const p = project(yaml);
  return serviceToContainerSpec(p, 'web', { number: 1, name: 'demo-web-1', ...options });
}

type Case = [title: string, service: string, expected: Partial<ContainerSpec>, extra?: string];

const cases: Case[] = [
  ['image', 'image: nginx:1.27', { image: 'nginx:1.27' }],
  ['default build image name', 'build: .', { image: 'demo-web' }],
  [
    'entrypoint and command as argv',
    'image: x\nentrypoint: /bin/sh -c\ncommand: ["echo", "a b"]',
    { entrypoint: ['/bin/sh', '-c'], command: ['echo', 'a b'] },
  ],
  ['empty command clears', 'image: x\ncommand: []', { command: [] }],
  [
    'environment resolved, null values dropped',
    'image: x\nenvironment: [A=1, UNSET_ANYWHERE, "B="]',
    { env: { A: '1', B: '' } },
  ],
  [
    'ports: long syntax, ranges, host_ip, protocol, ephemeral',
    'image: x\nports: ["8080:80", "127.0.0.1:53:53/udp", "9000-9001:9000-9001", "3000", {target: 81, published: "8000-8010"}]',
    {
      ports: [
        { target: 80, published: 8080, protocol: 'tcp' },
        { target: 53, published: 53, hostIp: '127.0.0.1', protocol: 'udp' },
        { target: 9000, published: 9000, protocol: 'tcp' },
        { target: 9001, published: 9001, protocol: 'tcp' },
        { target: 3000, protocol: 'tcp' },
        { target: 81, published: 8000, protocol: 'tcp' },
      ],
    },
  ],
  [
    'expose',
    'image: x\nexpose: ["3000", "8000-8001", "53/udp"]',
    { expose: ['3000/tcp', '8000/tcp', '8001/tcp', '53/udp'] },
  ],
  [
    'named, anonymous, bind, tmpfs volumes; nocopy, subpath, read_only',
    'image: x\nvolumes:\n  - data:/data:ro\n  - /anon\n  - ./src:/src:ro\n  - {type: volume, source: data, target: /sub, volume: {nocopy: true, subpath: a/b}}\n  - {type: tmpfs, target: /tmp, tmpfs: {size: 64m, mode: 1777}}\n  - {type: bind, source: /etc/hosts, target: /h, bind: {propagation: rslave, selinux: z}}',
    {
      mounts: [
        { type: 'volume', source: 'demo_data', target: '/data', readOnly: true },
        { type: 'volume', target: '/anon' },
        { type: 'bind', source: '/srv/demo/src', target: '/src', readOnly: true, createHostPath: true },
        { type: 'volume', source: 'demo_data', target: '/sub', noCopy: true, subpath: 'a/b' },
        { type: 'tmpfs', target: '/tmp', sizeBytes: 64 * 1024 * 1024, mode: 1777 },
        {
          type: 'bind',
          source: '/etc/hosts',
          target: '/h',
          propagation: 'rslave',
          createHostPath: true,
          selinux: 'z',
        },
      ],
    },
    'volumes:\n  data: {}\n',
  ],
  [
    'named volume with name:',
    'image: x\nvolumes: [data:/data]',
    { mounts: [{ type: 'volume', source: 'shared-data', target: '/data' }] },
    'volumes:\n  data: { name: shared-data }\n',
  ],
  [
    'service tmpfs with options',
    'image: x\ntmpfs: ["/run:size=1k,mode=700", /tmp]',
    {
      mounts: [
        { type: 'tmpfs', target: '/run', sizeBytes: 1024, mode: 0o700 },
        { type: 'tmpfs', target: '/tmp' },
      ],
    },
  ],
  [
    'file-based secrets and configs: read-only binds',
    'image: x\nsecrets: [token, {source: token, target: other}]\nconfigs: [conf, {source: conf, target: /etc/app.conf}]',
    {
      mounts: [
        { type: 'bind', source: '/srv/demo/token.txt', target: '/run/secrets/token', readOnly: true },
        { type: 'bind', source: '/srv/demo/token.txt', target: '/run/secrets/other', readOnly: true },
        { type: 'bind', source: '/srv/demo/app.conf', target: '/conf', readOnly: true },
        { type: 'bind', source: '/srv/demo/app.conf', target: '/etc/app.conf', readOnly: true },
      ],
    },
    'secrets:\n  token: { file: ./token.txt }\nconfigs:\n  conf: { file: ./app.conf }\n',
  ],
  [
    'networks: engine names, aliases (container name, service, configured), static IPs, priority order',
    'image: x\nnetworks:\n  back: {aliases: [api], ipv4_address: 10.0.0.5, ipv6_address: "fd00::5"}\n  front: {priority: 10}',
    {
      networks: {
        demo_front: { aliases: ['demo-web-1', 'web'], priority: 10 },
        demo_back: { aliases: ['demo-web-1', 'web', 'api'], ipv4Address: '10.0.0.5', ipv6Address: 'fd00::5' },
      },
    },
    'networks:\n  back: {}\n  front: {}\n',
  ],
  ['network_mode host', 'image: x\nnetwork_mode: host', { networkMode: 'host', networks: {} }],
  ['network_mode container:', 'image: x\nnetwork_mode: container:abc', { networkMode: 'container:abc' }],
  [
    'hostname, domainname, user, working_dir, init, tty, stdin_open, privileged, read_only',
    'image: x\nhostname: h\ndomainname: d.example\nuser: "1000:1000"\nworking_dir: /app\ninit: true\ntty: true\nstdin_open: true\nprivileged: true\nread_only: true',
    {
      hostname: 'h',
      domainname: 'd.example',
      user: '1000:1000',
      workingDir: '/app',
      init: true,
      tty: true,
      stdinOpen: true,
      privileged: true,
      readOnly: true,
    },
  ],
  [
    'healthcheck durations → ms',
    'image: x\nhealthcheck: {test: curl -f x, interval: 1m30s, timeout: 500ms, start_period: 10s, start_interval: 2s, retries: 3}',
    {
      healthcheck: {
        test: ['CMD-SHELL', 'curl -f x'],
        intervalMs: 90_000,
        timeoutMs: 500,
        startPeriodMs: 10_000,
        startIntervalMs: 2000,
        retries: 3,
      },
    },
  ],
  ['healthcheck disabled', 'image: x\nhealthcheck: {disable: true}', { healthcheck: { test: ['NONE'] } }],
  ['restart', 'image: x\nrestart: on-failure:3', { restart: { name: 'on-failure', maximumRetryCount: 3 } }],
  ['restart unless-stopped', 'image: x\nrestart: unless-stopped', { restart: { name: 'unless-stopped' } }],
  [
    'deploy.restart_policy',
    'image: x\ndeploy: {restart_policy: {condition: on-failure, max_attempts: 5}}',
    { restart: { name: 'on-failure', maximumRetryCount: 5 } },
  ],
  [
    'deploy.restart_policy any',
    'image: x\ndeploy: {restart_policy: {condition: any}}',
    { restart: { name: 'always' } },
  ],
  [
    'deploy.restart_policy wins over restart',
    'image: x\nrestart: always\ndeploy: {restart_policy: {condition: none}}',
    { restart: { name: 'no' } },
  ],
  [
    'capabilities, security_opt, devices, dns, extra_hosts',
    'image: x\ncap_add: [NET_ADMIN]\ncap_drop: [ALL]\nsecurity_opt: ["no-new-privileges:true"]\ndevices: ["/dev/fuse:/dev/fuse:rwm", "/dev/null"]\ndns: [1.1.1.1]\ndns_search: [example.com]\ndns_opt: [ndots:1]\nextra_hosts: ["db:10.0.0.2", "gw=10.0.0.1"]',
    {
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges:true'],
      devices: [
        { source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' },
        { source: '/dev/null', target: '/dev/null', permissions: 'rwm' },
      ],
      dns: ['1.1.1.1'],
      dnsSearch: ['example.com'],
      dnsOpt: ['ndots:1'],
      extraHosts: ['db:10.0.0.2', 'gw:10.0.0.1'],
    },
  ],
  [
    'ulimits, sysctls, shm_size, stop signal and grace period',
    'image: x\nulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}\nsysctls: {net.core.somaxconn: "1024"}\nshm_size: 1g\nstop_signal: SIGINT\nstop_grace_period: 1m30s',
    {
      ulimits: [
        { name: 'nofile', soft: 1024, hard: 2048 },
        { name: 'nproc', soft: 65535, hard: 65535 },
      ],
      sysctls: { 'net.core.somaxconn': '1024' },
      shmSizeBytes: 1024 ** 3,
      stopSignal: 'SIGINT',
      stopTimeoutSeconds: 90,
    },
  ],
  [
    'logging',
    'image: x\nlogging: {driver: json-file, options: {max-size: 10m}}',
    { logging: { driver: 'json-file', options: { 'max-size': '10m' } } },
  ],
  [
    'pid/ipc host, group_add, oom_score_adj',
    'image: x\npid: host\nipc: shareable\ngroup_add: [audio]\noom_score_adj: -500',
    { pid: 'host', ipc: 'shareable', groupAdd: ['audio'], oomScoreAdj: -500 },
  ],
  [
    'service-level resources',
    'image: x\nmem_limit: 512m\nmem_reservation: 128m\nmemswap_limit: 1g\ncpus: 1.5\ncpu_shares: 512\ncpuset: "0,1"\npids_limit: 100',
    {
      resources: {
        memoryBytes: 512 * 1024 ** 2,
        memoryReservationBytes: 128 * 1024 ** 2,
        memorySwapBytes: 1024 ** 3,
        nanoCpus: 1_500_000_000,
        cpuShares: 512,
        cpusetCpus: '0,1',
        pidsLimit: 100,
      },
    },
  ],
  [
    'deploy.resources limits and reservations',
    'image: x\ndeploy: {resources: {limits: {memory: 256m, cpus: "0.25", pids: 50}, reservations: {memory: 64m}}}',
    {
      resources: {
        memoryBytes: 256 * 1024 ** 2,
        memoryReservationBytes: 64 * 1024 ** 2,
        nanoCpus: 250_000_000,
        pidsLimit: 50,
      },
    },
  ],
];

describe('serviceToContainerSpec', () => {
  it.each(cases)('%s', (_title, service, expected, extra) => {
    expect(specOf(service, extra)).toMatchObject(expected);
  });

  it('leaves unset attributes absent', () => {
    const spec = specOf('image: x');
    expect(Object.keys(spec).sort()).toEqual([
      'env',
      'image',
      'labels',
      'mounts',
      'name',
      'networks',
      'ports',
    ]);
    expect(spec.networks).toEqual({ demo_default: { aliases: ['demo-web-1', 'web'] } });
  });

  it('writes the compose labels, which win over user labels', () => {
    const spec = specOf(
      'image: x\nlabels: {team: a, com.docker.compose.project: spoofed}\ndepends_on: {db: {condition: service_healthy, restart: true}, cache: {condition: service_started}}',
      '  db: { image: postgres }\n  cache: { image: redis }\n',
      { imageId: 'sha256:abc', replace: 'demo-web-1', envFiles: ['/srv/demo/.env.prod'] },
    );
    expect(spec.labels).toEqual({
      team: 'a',
      [PROJECT_LABEL]: 'demo',
      [SERVICE_LABEL]: 'web',
      [CONTAINER_NUMBER_LABEL]: '1',
      [ONEOFF_LABEL]: 'False',
      [CONFIG_HASH_LABEL]: expect.stringMatching(/^[0-9a-f]{64}$/),
      [VERSION_LABEL]: COMPOSE_VERSION,
      [WORKING_DIR_LABEL]: '/srv/demo',
      [CONFIG_FILES_LABEL]: '/srv/demo/compose.yaml',
      [DEPENDENCIES_LABEL]: 'cache:service_started:false,db:service_healthy:true',
      [IMAGE_LABEL]: 'sha256:abc',
      [ENV_FILE_LABEL]: '/srv/demo/.env.prod',
      [REPLACE_LABEL]: 'demo-web-1',
    });
  });

  it('creates under a temporary name but aliases the final one', () => {
    const spec = specOf('image: x', '', { createName: 'abc_demo-web-1' });
    expect(spec.name).toBe('abc_demo-web-1');
    expect(spec.networks['demo_default']!.aliases).toEqual(['demo-web-1', 'web']);
  });

  it('resolves service: references to the parent container and hashes them resolved', () => {
    const p = project(
      'services:\n  vpn: { image: v }\n  web: { image: x, network_mode: "service:vpn", ipc: "service:vpn", pid: "service:vpn" }\n',
    );
    const spec = serviceToContainerSpec(p, 'web', {
      number: 1,
      name: 'demo-web-1',
      parentContainers: { vpn: 'id1' },
    });
    expect(spec).toMatchObject({
      networkMode: 'container:id1',
      ipc: 'container:id1',
      pid: 'container:id1',
      networks: {},
    });
    const web = p.services['web']!;
    expect(spec.labels[CONFIG_HASH_LABEL]).toBe(serviceHash(web, { vpn: 'id1' }));
    expect(spec.labels[CONFIG_HASH_LABEL]).toBe(
      configHash({ ...web, network_mode: 'container:id1', ipc: 'container:id1', pid: 'container:id1' }),
    );
    expect(serviceHash(web, { vpn: 'id2' })).not.toBe(serviceHash(web, { vpn: 'id1' }));
    expect(() => serviceToContainerSpec(p, 'web', { number: 1, name: 'demo-web-1' })).toThrow(
      /service "vpn" has no container/,
    );
  });

  it('rejects secrets it cannot mount', () => {
    expect(() => specOf('image: x\nsecrets: [s]', 'secrets:\n  s: { environment: HOME }\n')).toThrow(
      /only file-based secrets are supported/,
    );
  });

  it('maps volumes_from to the parent container id, or a named container', () => {
    const p = project(
      'services:\n  data: { image: x }\n  web: { image: x, volumes_from: [data, "data:ro", "container:legacy:rw"] }\n',
    );
    const spec = serviceToContainerSpec(p, 'web', {
      number: 1,
      name: 'demo-web-1',
      parentContainers: { data: 'abc123' },
    });
    expect(spec.volumesFrom).toEqual(['abc123', 'abc123:ro', 'legacy:rw']);
    expect(() => serviceToContainerSpec(p, 'web', { number: 1, name: 'demo-web-1' })).toThrow(
      /volumes_from: service "data" has no container/,
    );
  });

  it('maps cgroup_parent, userns_mode, uts, runtime and storage_opt', () => {
    const p = project(
      'services:\n  web:\n    image: x\n    cgroup_parent: m\n    userns_mode: host\n    uts: host\n    runtime: runc\n    storage_opt: { size: 1G }\n',
    );
    const spec = serviceToContainerSpec(p, 'web', { number: 1, name: 'demo-web-1' });
    expect(spec).toMatchObject({
      cgroupParent: 'm',
      usernsMode: 'host',
      uts: 'host',
      runtime: 'runc',
      storageOpt: { size: '1G' },
    });
  });

  it('unknown service', () => {
    expect(() =>
      serviceToContainerSpec(project('services:\n  a: {image: x}\n'), 'b', { number: 1, name: 'n' }),
    ).toThrow(/no such service/);
  });
});
