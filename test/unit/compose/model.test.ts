// biome-ignore-all lint/suspicious/noTemplateCurlyInString: uninterpolated Compose ${VAR} values are data under test
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import {
  formatGoDuration,
  getPullPolicy,
  parseBytes,
  parseDuration,
  parseDurationNs,
  splitShellWords,
  toTypedModel,
} from '../../../src/compose/model.js';
import type { Dict } from '../../../src/compose/yaml.js';

const S = 1e9;

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['-0', 0],
    ['10s', 10 * S],
    ['90s', 90 * S],
    ['1m30s', 90 * S],
    ['1h30m', 5400 * S],
    ['1.5h', 5400 * S],
    ['1.5s', 1.5 * S],
    ['.5s', 0.5 * S],
    ['1.s', S],
    ['500ms', 0.5 * S],
    ['1us', 1000],
    ['1µs', 1000],
    ['1μs', 1000],
    ['7ns', 7],
    ['2d', 2 * 86400 * S],
    ['1w', 7 * 86400 * S],
    ['1h1m1s1ms1us1ns', 3661 * S + 1_001_001],
    ['-1m', -60 * S],
    ['+5s', 5 * S],
    ['0.000000001s', 1],
    ['1.0000000001s', S],
  ])('%s', (input, ns) => {
    expect(parseDuration(input)).toBe(ns);
  });

  it.each<[string, string]>([
    ['', 'invalid duration ""'],
    ['10', 'missing unit in duration "10"'],
    ['1x', 'unknown unit "x" in duration "1x"'],
    ['1m30', 'missing unit in duration "1m30"'],
    ['s', 'invalid duration "s"'],
    ['.s', 'invalid duration ".s"'],
    ['-', 'invalid duration "-"'],
    ['1h-5m', 'unknown unit "h-" in duration "1h-5m"'],
    ['9999999999h', 'invalid duration "9999999999h"'],
  ])('rejects %j', (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });

  it('is exact beyond 2^53 nanoseconds', () => {
    expect(parseDurationNs('2562047h47m16.854775807s')).toBe((1n << 63n) - 1n);
  });
});

describe('formatGoDuration', () => {
  it.each<[number | bigint, string]>([
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1000, '1µs'],
    [1500, '1.5µs'],
    [1_500_000, '1.5ms'],
    [500_000_000, '500ms'],
    [S, '1s'],
    [1.5 * S, '1.5s'],
    [10 * S, '10s'],
    [60 * S, '1m0s'],
    [90 * S, '1m30s'],
    [120 * S, '2m0s'],
    [3600 * S, '1h0m0s'],
    [5400 * S, '1h30m0s'],
    [86400 * S, '24h0m0s'],
    [3661 * S + 1, '1h1m1.000000001s'],
    [-2 * S, '-2s'],
    [-1500, '-1.5µs'],
    [(1n << 63n) - 1n, '2562047h47m16.854775807s'],
  ])('%s', (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });

  it.each(['1m30s', '1h0m0s', '1.5s', '500ms', '2562047h47m16.854775807s'])('round-trips %s', (s) => {
    expect(formatGoDuration(parseDurationNs(s))).toBe(s);
  });
});

describe('parseBytes', () => {
  it.each<[string, number]>([
    ['1024', 1024],
    ['-1', -1],
    ['0', 0],
    ['1b', 1],
    ['1B', 1],
    ['1k', 1024],
    ['1kb', 1024],
    ['1KiB', 1024],
    ['640kb', 655360],
    ['512m', 536870912],
    ['50M', 52428800],
    ['64MiB', 67108864],
    ['1g', 1073741824],
    ['1gb', 1073741824],
    ['2gb', 2147483648],
    ['1.5g', 1610612736],
    ['1 GB', 1073741824],
    ['1t', 1024 ** 4],
    ['1p', 1024 ** 5],
    ['0.5k', 512],
    ['1.7b', 1],
    ['1e3', 1000],
  ])('%s', (input, want) => {
    expect(parseBytes(input)).toBe(want);
  });

  it.each<[string, string]>([
    ['12x', "invalid suffix: 'x'"],
    ['1kbb', "invalid suffix: 'kbb'"],
    ['1bb', "invalid suffix: 'bb'"],
    ['1mx', "invalid suffix: 'mx'"],
    ['1mib', ''],
    ['abc', "invalid size: 'abc'"],
    ['-1k', "invalid size: '-1k'"],
    ['1.2.3m', "invalid size: '1.2.3m'"],
  ])('rejects %j', (input, message) => {
    if (message === '') expect(parseBytes(input)).toBe(1024 ** 2);
    else expect(() => parseBytes(input)).toThrow(message);
  });
});

describe('splitShellWords', () => {
  it.each<[string, string[]]>([
    ['bundle exec thin -p 3000', ['bundle', 'exec', 'thin', '-p', '3000']],
    ['  a \t b\n', ['a', 'b']],
    ['', []],
    ['echo "hello world"', ['echo', 'hello world']],
    ['echo \'a "b" c\'', ['echo', 'a "b" c']],
    ['sh -c "echo \'hi there\'"', ['sh', '-c', "echo 'hi there'"]],
    ['echo "a\\"b"', ['echo', 'a"b']],
    ['echo "\\n"', ['echo', 'n']],
    ["echo 'a\\b'", ['echo', 'a\\b']],
    ['echo a\\ b', ['echo', 'a b']],
    ['echo ""', ['echo', '']],
    ["echo ''x", ['echo', 'x']],
    ['a"b c"d', ['ab cd']],
    ['echo hi && echo bye', ['echo', 'hi']],
    ['echo hi;echo bye', ['echo', 'hi']],
    ['echo "a && b"', ['echo', 'a && b']],
    ['cmd 2>/dev/null', ['cmd']],
    ['cmd x>/dev/null', ['cmd', 'x']],
    ['echo $(date) now', ['echo', '$(date)', 'now']],
    ['echo `date`', ['echo', '`date`']],
    ['echo $HOME', ['echo', '$HOME']],
  ])('%j', (line, want) => {
    expect(splitShellWords(line)).toEqual(want);
  });

  it.each(['echo "unterminated', "echo 'x", 'echo \\', 'echo (x)', 'echo `x'])('rejects %j', (line) => {
    expect(() => splitShellWords(line)).toThrow('invalid command line string');
  });
});

/** The typed form of one service. */
function typed(service: Dict): Dict {
  return toTypedModel({ services: { web: service } }).services.web;
}

function thrown(fn: () => unknown): ComposeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ComposeError) return err;
    throw err;
  }
  throw new Error('expected a ComposeError');
}

describe('toTypedModel: service values', () => {
  it.each<[string, unknown, unknown]>([
    // durations
    ['stop_grace_period', '20s', '20s'],
    ['stop_grace_period', '60s', '1m0s'],
    ['stop_grace_period', '1h', '1h0m0s'],
    ['stop_grace_period', 0, '0s'],
    // byte sizes
    ['mem_limit', '512m', '536870912'],
    ['mem_limit', 1073741824, '1073741824'],
    ['mem_limit', 0, undefined],
    ['memswap_limit', -1, '-1'],
    ['memswap_limit', '640kb', '655360'],
    ['mem_swappiness', 60, '60'],
    ['shm_size', '64m', '67108864'],
    // numbers
    ['cpus', 1.5, 1.5],
    ['cpus', '0.5', 0.5],
    ['cpus', 1.23456789, 1.2345679],
    ['cpus', 0, undefined],
    ['cpu_count', '4', 4],
    ['cpu_shares', 1024, 1024],
    ['pids_limit', -1, -1],
    ['oom_score_adj', 0, undefined],
    ['scale', 0, 0],
    ['scale', '3', 3],
    // booleans
    ['privileged', true, true],
    ['privileged', false, undefined],
    ['privileged', 'yes', true],
    ['read_only', 'TRUE', true],
    ['init', false, false],
    ['attach', false, false],
    // strings
    ['image', 'redis', 'redis'],
    ['image', '', undefined],
    ['hostname', 123, '123'],
    ['restart', 'always', 'always'],
    ['pull_policy', 'if_not_present', 'if_not_present'],
    // commands
    ['command', 'bundle exec thin -p 3000', ['bundle', 'exec', 'thin', '-p', '3000']],
    ['command', ['echo', 'hi'], ['echo', 'hi']],
    ['command', [], []],
    ['command', '', []],
    ['command', null, undefined],
    ['entrypoint', '/code/entrypoint.sh -p 3000', ['/code/entrypoint.sh', '-p', '3000']],
    // lists
    ['dns', '8.8.8.8', ['8.8.8.8']],
    ['dns', [], undefined],
    ['tmpfs', '/run', ['/run']],
    ['expose', [3000, '8000-8010'], ['3000', '8000-8010']],
    ['group_add', ['mail', 0], ['mail', '0']],
    ['cap_add', ['ALL'], ['ALL']],
    // mappings
    [
      'environment',
      { A: 1, B: 2.5, C: true, D: null, E: '' },
      { A: '1', B: '2.5', C: 'true', D: null, E: '' },
    ],
    ['environment', ['A=1', 'B', 'C=', 'D=x=y'], { A: '1', B: null, C: '', D: 'x=y' }],
    ['environment', { Z: '1', A: '2' }, { A: '2', Z: '1' }],
    ['environment', {}, undefined],
    ['labels', { a: null, b: 42, c: 'x' }, { a: '', b: '42', c: 'x' }],
    ['labels', ['a', 'b=1'], { a: '', b: '1' }],
    ['annotations', ['com.example.foo=bar'], { 'com.example.foo': 'bar' }],
    ['sysctls', { 'net.core.somaxconn': 1024, x: null }, { 'net.core.somaxconn': '1024', x: '' }],
    ['storage_opt', { size: '20G' }, { size: '20G' }],
    ['log_opt', { 'max-size': 10 }, { 'max-size': '10' }],
    // extra_hosts
    [
      'extra_hosts',
      ['zulu:127.0.0.2', 'alpha:50.31.209.229', 'zulu:ff02::1'],
      ['alpha=50.31.209.229', 'zulu=127.0.0.2', 'zulu=ff02::1'],
    ],
    ['extra_hosts', ['myhost=0.0.0.1,0.0.0.2'], ['myhost=0.0.0.1', 'myhost=0.0.0.2']],
    ['extra_hosts', ['v6=[::1]', 'v6b:[fe80::1]'], ['v6=::1', 'v6b=fe80::1']],
    [
      'extra_hosts',
      { zulu: '162.242.195.82', alpha: '50.31.209.229' },
      ['alpha=50.31.209.229', 'zulu=162.242.195.82'],
    ],
    ['extra_hosts', { myhost: ['0.0.0.2', '0.0.0.1'] }, ['myhost=0.0.0.1', 'myhost=0.0.0.2']],
    ['extra_hosts', { empty: null }, ['empty=']],
    // ulimits
    [
      'ulimits',
      { nproc: 65535, nofile: { soft: 20000, hard: 40000 } },
      { nofile: { soft: 20000, hard: 40000 }, nproc: 65535 },
    ],
    ['ulimits', { nofile: { soft: '10', hard: 0 } }, { nofile: { soft: 10 } }],
    ['ulimits', { core: 0 }, { core: {} }],
  ])('%s: %j', (key, input, want) => {
    const out = typed({ [key]: input });
    if (want === undefined) expect(out).not.toHaveProperty(key);
    else expect(out[key]).toEqual(want);
  });

  it('keeps an explicitly empty command distinct from none', () => {
    expect(typed({ command: [] })).toHaveProperty('command', []);
    expect(typed({})).not.toHaveProperty('command');
  });
});

describe('toTypedModel: nested structures', () => {
  it('ports: published as a string, target as a number, zero fields dropped', () => {
    expect(
      typed({
        ports: [
          { mode: 'ingress', target: 80, published: 8080, protocol: 'tcp' },
          { target: '555', published: '555', 'x-foo': true },
          { mode: 'host', target: 22, host_ip: '', app_protocol: 'ssh' },
        ],
      }).ports,
    ).toEqual([
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { target: 555, published: '555', 'x-foo': true },
      { mode: 'host', target: 22, app_protocol: 'ssh' },
    ]);
  });

  it('volumes: nested blocks, byte sizes, uninterpolated strings kept', () => {
    expect(
      typed({
        volumes: [
          { type: 'tmpfs', target: '/app', tmpfs: { size: 0 } },
          { type: 'tmpfs', target: '/b', tmpfs: { size: '1kb', mode: 1023 } },
          { type: 'volume', source: 'v', target: '/v', read_only: false, volume: {} },
          { type: 'bind', source: '/h', target: '/c', bind: { create_host_path: true } },
          { type: 'bind', source: '/h', target: '/d', bind: { create_host_path: false, selinux: 'z' } },
          '${DATA}:/data',
        ],
      }).volumes,
    ).toEqual([
      { type: 'tmpfs', target: '/app', tmpfs: {} },
      { type: 'tmpfs', target: '/b', tmpfs: { size: '1024', mode: 1023 } },
      { type: 'volume', source: 'v', target: '/v', volume: {} },
      { type: 'bind', source: '/h', target: '/c', bind: { create_host_path: true } },
      { type: 'bind', source: '/h', target: '/d', bind: { selinux: 'z', create_host_path: false } },
      '${DATA}:/data',
    ]);
  });

  it('secrets and configs: octal modes', () => {
    const out = typed({
      secrets: [{ source: 's', target: '/run/secrets/s', mode: 0o440, uid: 103 }],
      configs: [
        { source: 'c', mode: '0555' },
        { source: 'd', mode: '440' },
      ],
    });
    expect(out.secrets).toEqual([{ source: 's', target: '/run/secrets/s', uid: '103', mode: '0440' }]);
    expect(out.configs).toEqual([
      { source: 'c', mode: '0555' },
      { source: 'd', mode: '0440' },
    ]);
  });

  it('devices and gpus: count all is -1', () => {
    const out = typed({
      gpus: [
        { driver: 'nvidia', count: 'all' },
        { capabilities: ['directX'], driver: '3dfx', device_ids: ['voodoo2'] },
      ],
      deploy: {
        resources: {
          reservations: {
            devices: [{ capabilities: ['gpu'], count: 'ALL', options: { q_bits: 42 } }, { count: '2' }],
          },
        },
      },
    });
    expect(out.gpus).toEqual([
      { driver: 'nvidia', count: -1 },
      { capabilities: ['directX'], driver: '3dfx', device_ids: ['voodoo2'] },
    ]);
    expect(out.deploy.resources.reservations.devices).toEqual([
      { capabilities: ['gpu'], count: -1, options: { q_bits: '42' } },
      { count: 2 },
    ]);
  });

  it('healthcheck: string test, durations, pointer retries', () => {
    expect(
      typed({
        healthcheck: {
          test: 'echo "hello world"',
          interval: '10s',
          timeout: '1s',
          retries: 0,
          start_period: '15s',
          start_interval: '5s',
          'x-healthcheck': 'health',
        },
      }).healthcheck,
    ).toEqual({
      test: ['CMD-SHELL', 'echo "hello world"'],
      timeout: '1s',
      interval: '10s',
      retries: 0,
      start_period: '15s',
      start_interval: '5s',
      'x-healthcheck': 'health',
    });
    expect(typed({ healthcheck: { disable: true, test: ['NONE'] } }).healthcheck).toEqual({
      test: ['NONE'],
      disable: true,
    });
  });

  it('deploy: resources and placement always present, durations, float32 ratios', () => {
    expect(
      typed({
        deploy: {
          mode: 'replicated',
          replicas: 6,
          labels: ['FOO=BAR'],
          update_config: {
            parallelism: 3,
            delay: '10s',
            monitor: '60s',
            max_failure_ratio: 0.3,
            order: 'start-first',
          },
          rollback_config: { delay: '0s' },
          restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3, window: '120s' },
          resources: { limits: { cpus: '0.001', memory: '50M', pids: 100 } },
        },
      }).deploy,
    ).toEqual({
      mode: 'replicated',
      replicas: 6,
      labels: { FOO: 'BAR' },
      update_config: {
        parallelism: 3,
        delay: '10s',
        monitor: '1m0s',
        max_failure_ratio: 0.3,
        order: 'start-first',
      },
      rollback_config: {},
      resources: { limits: { cpus: 0.001, memory: '52428800', pids: 100 } },
      restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3, window: '2m0s' },
      placement: {},
    });
    expect(typed({ deploy: {} }).deploy).toEqual({ resources: {}, placement: {} });
    expect(
      typed({
        deploy: {
          resources: {
            reservations: { generic_resources: [{ discrete_resource_spec: { kind: 'gpu', value: 2 } }] },
          },
        },
      }).deploy.resources.reservations,
    ).toEqual({ generic_resources: [{ discrete_resource_spec: { kind: 'gpu', value: 2 } }] });
  });

  it('build: ssh entries, byte sizes, args', () => {
    expect(
      typed({
        build: {
          context: '.',
          ssh: { default: null, key: '/id' },
          shm_size: '128m',
          args: { A: 1, B: null },
          no_cache: 'true',
          cache_from: 'img',
          ulimits: { nproc: 65535 },
          secrets: [{ source: 's', mode: 0o440 }],
          extra_hosts: ['h:1.2.3.4'],
        },
      }).build,
    ).toEqual({
      context: '.',
      args: { A: '1', B: null },
      ssh: ['default', 'key=/id'],
      cache_from: ['img'],
      no_cache: true,
      extra_hosts: ['h=1.2.3.4'],
      secrets: [{ source: 's', mode: '0440' }],
      shm_size: '134217728',
      ulimits: { nproc: 65535 },
    });
  });

  it('blkio: spec keys, rates as byte strings', () => {
    expect(
      typed({
        blkio_config: {
          weight: 300,
          weight_device: [{ path: '/dev/sda', weight: 400 }],
          device_read_bps: [{ path: '/dev/sda', rate: '1024k' }],
          device_write_iops: [{ path: '/dev/sda', rate: 200 }],
        },
      }).blkio_config,
    ).toEqual({
      weight: 300,
      weight_device: [{ path: '/dev/sda', weight: 400 }],
      device_read_bps: [{ path: '/dev/sda', rate: '1048576' }],
      device_write_iops: [{ path: '/dev/sda', rate: '200' }],
    });
  });

  it('depends_on, networks, models, env_file, develop, hooks, provider', () => {
    const out = typed({
      depends_on: { db: { condition: 'service_healthy', restart: 'true', required: true, 'x-d': 1 } },
      networks: { front: null, back: { aliases: ['b'], gw_priority: 42, driver_opts: { mtu: 1500 } } },
      models: { llm: null, other: { endpoint_var: 'URL' } },
      env_file: [
        { path: 'a.env', required: true },
        { path: 'b.env', required: false, format: 'raw' },
      ],
      develop: {
        watch: [
          { path: './src', action: 'sync', target: '/app', ignore: ['node_modules/'], initial_sync: true },
        ],
      },
      post_start: [{ command: 'echo start', user: 'root', privileged: true, environment: ['FOO=BAR'] }],
      provider: { type: 'foo', options: { bar: 'zot', numbers: [12, 34], booleans: [true] } },
    });
    expect(out.depends_on).toEqual({
      db: { condition: 'service_healthy', restart: true, required: true, 'x-d': 1 },
    });
    expect(out.networks).toEqual({
      back: { aliases: ['b'], driver_opts: { mtu: '1500' }, gw_priority: 42 },
      front: null,
    });
    expect(out.models).toEqual({ llm: null, other: { endpoint_var: 'URL' } });
    expect(out.env_file).toEqual([
      { path: 'a.env', required: true },
      { path: 'b.env', required: false, format: 'raw' },
    ]);
    expect(out.develop.watch).toEqual([
      {
        path: './src',
        action: 'sync',
        target: '/app',
        exec: {},
        ignore: ['node_modules/'],
        initial_sync: true,
      },
    ]);
    expect(out.post_start).toEqual([
      { command: ['echo', 'start'], user: 'root', privileged: true, environment: { FOO: 'BAR' } },
    ]);
    expect(out.provider).toEqual({
      type: 'foo',
      options: { bar: ['zot'], booleans: ['true'], numbers: ['12', '34'] },
    });
  });

  it('orders fields like compose-go, keeps x-* last, drops unknown keys', () => {
    const out = typed({
      'x-b': 2,
      volumes_from: ['a'],
      image: 'i',
      bogus: 1,
      build: { context: '.' },
      'x-a': 1,
    });
    expect(Object.keys(out)).toEqual(['build', 'image', 'volumes_from', 'x-b', 'x-a']);
  });
});

describe('toTypedModel: project', () => {
  it('converts every resource kind and keeps metadata out', () => {
    const out = toTypedModel({
      services: { b: { image: 'b' }, a: { image: 'a' } },
      networks: {
        default: null,
        front: {
          driver: 'overlay',
          driver_opts: { baz: 1 },
          ipam: {
            driver: 'default',
            config: [{ subnet: '172.28.0.0/16', aux_addresses: { host1: '172.28.1.5' } }],
          },
          labels: ['foo=bar'],
          enable_ipv4: false,
          external: false,
        },
      },
      volumes: { data: { name: 'oops', external: true }, empty: null },
      secrets: { s: { environment: 'MEU', content: 'Shadoks', 'x-foo': 'bar' } },
      configs: { c: { content: 'x', template_driver: 'golang' } },
      models: { llm: { model: 'ai/model', context_size: 1024, runtime_flags: ['--x'] } },
      'x-project': { any: ['thing'] },
    });
    expect(out).toEqual({
      services: { a: { image: 'a' }, b: { image: 'b' } },
      networks: {
        default: { ipam: {} },
        front: {
          driver: 'overlay',
          driver_opts: { baz: '1' },
          ipam: {
            driver: 'default',
            config: [{ subnet: '172.28.0.0/16', aux_addresses: { host1: '172.28.1.5' } }],
          },
          labels: { foo: 'bar' },
          enable_ipv4: false,
        },
      },
      volumes: { data: { name: 'oops', external: true }, empty: {} },
      secrets: { s: { environment: 'MEU', content: 'Shadoks', 'x-foo': 'bar' } },
      configs: { c: { content: 'x', template_driver: 'golang' } },
      models: { llm: { model: 'ai/model', context_size: 1024, runtime_flags: ['--x'] } },
      'x-project': { any: ['thing'] },
    });
    expect(Object.keys(out.services)).toEqual(['a', 'b']);
  });

  it('always has services, and omits empty resource maps', () => {
    expect(toTypedModel({ networks: {} })).toEqual({ services: {} });
  });

  it('does not modify its input', () => {
    const dict = { services: { web: { environment: ['A=1'], ports: [{ target: 80, published: 8080 }] } } };
    const copy = structuredClone(dict);
    toTypedModel(dict);
    expect(dict).toEqual(copy);
  });
});

describe('toTypedModel: errors', () => {
  it.each<[string, Dict, Array<string | number>, string]>([
    [
      'size',
      { mem_limit: '12x' },
      ['mem_limit'],
      `services.web.mem_limit: invalid size "12x": invalid suffix: 'x'`,
    ],
    [
      'duration',
      { stop_grace_period: 10 },
      ['stop_grace_period'],
      'services.web.stop_grace_period: invalid duration "10": missing unit in duration "10"',
    ],
    [
      'nested duration',
      { healthcheck: { interval: '1x' } },
      ['healthcheck', 'interval'],
      'services.web.healthcheck.interval: invalid duration "1x"',
    ],
    [
      'device count',
      { deploy: { resources: { reservations: { devices: [{ count: 'some_string' }] } } } },
      ['deploy', 'resources', 'reservations', 'devices', 0, 'count'],
      `invalid value "some_string", the only value allowed is 'all' or a number`,
    ],
    [
      'file mode',
      { secrets: [{ source: 's', mode: '999' }] },
      ['secrets', 0, 'mode'],
      'invalid file mode "999"',
    ],
    ['boolean', { privileged: 'maybe' }, ['privileged'], 'invalid boolean: maybe'],
    ['integer', { cpu_count: 'four' }, ['cpu_count'], 'invalid integer "four"'],
    [
      'negative unsigned',
      { ports: [{ target: -1 }] },
      ['ports', 0, 'target'],
      '-1 overflows an unsigned integer',
    ],
    [
      'trailing space',
      { environment: ['DEBUG =true'] },
      ['environment'],
      'environment variable DEBUG  is declared with a trailing space',
    ],
    [
      'extra host',
      { extra_hosts: ['nohost'] },
      ['extra_hosts'],
      'invalid additional host, missing IP: nohost',
    ],
    ['host name', { extra_hosts: { 'a:b': '1.2.3.4' } }, ['extra_hosts'], "bad host name 'a:b'"],
    ['shell words', { command: 'echo (x)' }, ['command'], 'invalid command line string: echo (x)'],
    ['struct', { healthcheck: 'yes' }, ['healthcheck'], 'expected a mapping, got a string'],
  ])('%s', (_name, service, tail, message) => {
    const err = thrown(() => typed(service));
    expect(err.code).toBe('COMPOSE_INVALID');
    expect(err.location?.path).toEqual(['services', 'web', ...tail]);
    expect(err.message).toContain(message);
  });
});

describe('getPullPolicy', () => {
  it.each<[string | undefined, unknown]>([
    [undefined, { policy: 'missing' }],
    ['always', { policy: 'always' }],
    ['if_not_present', { policy: 'missing' }],
    ['build', { policy: 'build' }],
    ['daily', { policy: 'refresh', refreshAfterNs: 86400 * S }],
    ['weekly', { policy: 'refresh', refreshAfterNs: 7 * 86400 * S }],
    ['every_2d', { policy: 'refresh', refreshAfterNs: 2 * 86400 * S }],
    ['every_12h', { policy: 'refresh', refreshAfterNs: 12 * 3600 * S }],
  ])('%s', (pull_policy, want) => {
    expect(getPullPolicy({ pull_policy })).toEqual(want);
  });
});
