// biome-ignore-all lint/suspicious/noTemplateCurlyInString: uninterpolated Compose ${VAR} values are data under test
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { isIP, parsePortSpec } from '../../../src/compose/canonical/ports.js';
import { parseVolumeSpec } from '../../../src/compose/canonical/volumes.js';
import { canonical } from '../../../src/compose/canonical.js';
import type { Dict } from '../../../src/compose/yaml.js';

/** Runs canonical on one service and returns it. */
function svc(service: Dict, skipInterpolation = false): Dict {
  return canonical({ services: { web: service } }, skipInterpolation).services.web;
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

const p = (target: number, published?: string, extra: Dict = {}) => ({
  mode: 'ingress',
  ...('host_ip' in extra ? { host_ip: extra.host_ip } : {}),
  target,
  ...(published === undefined ? {} : { published }),
  protocol: extra.protocol ?? 'tcp',
});

describe('parsePortSpec', () => {
  it.each<[string, Dict[]]>([
    ['80', [p(80)]],
    ['80:8080', [p(8080, '80')]],
    ['8080:80/tcp', [p(80, '8080')]],
    ['80:8080/udp', [p(8080, '80', { protocol: 'udp' })]],
    ['53/UDP', [p(53, undefined, { protocol: 'udp' })]],
    ['80/', [p(80)]],
    ['9000/sctp', [p(9000, undefined, { protocol: 'sctp' })]],
    ['80-90:8080', [p(8080, '80-90')]],
    ['80-80:8080/tcp', [p(8080, '80')]],
    ['80-81:8080-8081/tcp', [p(8080, '80'), p(8081, '81')]],
    ['80-82:8080-8082/udp', [1, 2, 3].map((i) => p(8079 + i, String(79 + i), { protocol: 'udp' }))],
    ['3000-3002', [p(3000), p(3001), p(3002)]],
    ['1.1.1.1:80:80', [p(80, '80', { host_ip: '1.1.1.1' })]],
    ['127.0.0.1::53', [p(53, undefined, { host_ip: '127.0.0.1' })]],
    ['[::1]:80:80', [p(80, '80', { host_ip: '::1' })]],
    ['[2001:db8::1]:8080:80/udp', [p(80, '8080', { host_ip: '2001:db8::1', protocol: 'udp' })]],
    ['[::ffff:10.0.0.1]:443:443', [p(443, '443', { host_ip: '::ffff:10.0.0.1' })]],
    ['[]:80:80', [p(80, '80')]],
    [
      '127.0.0.1:8000-8002:80-82',
      [0, 1, 2].map((i) => p(80 + i, String(8000 + i), { host_ip: '127.0.0.1' })),
    ],
    // nat's map keys are sorted as strings: "1000/tcp" < "998/tcp"
    ['998-1001:998-1001', [p(1000, '1000'), p(1001, '1001'), p(998, '998'), p(999, '999')]],
    ['8-10', [p(10), p(8), p(9)]],
    // only the first two `-` fields of a range count
    ['80-81-99', [p(80), p(81)]],
  ])('%s', (spec, want) => {
    expect(parsePortSpec(spec)).toEqual(want);
  });

  it('omits a zero target like compose-go', () => {
    expect(parsePortSpec('0')).toEqual([{ mode: 'ingress', protocol: 'tcp' }]);
  });

  it.each<[string, string]>([
    ['', 'no port specified: <empty>'],
    ['9999999', 'invalid containerPort: 9999999'],
    ['tcp', 'invalid containerPort: tcp'],
    ['80/xyz', 'invalid proto: xyz'],
    ['x:80', 'invalid hostPort: x'],
    ['90-80', 'invalid containerPort: 90-80'],
    ['-1', 'invalid containerPort: -1'],
    ['8000-8005:80-90', 'invalid ranges specified for container and host ports: 80-90 and 8000-8005'],
    ['127.0.1:8080:80', 'invalid ip address: 127.0.1'],
    ['80:80:80:80', 'invalid ip address: 80:80'],
    ['::1:80:80', 'invalid ip address: ::1'],
    ['[::1:80:80', 'invalid ip address: [::1'],
    ['[fe80::1%eth0]:80:80', 'invalid ip address: fe80::1%eth0'],
    ['080.0.0.1:80:80', 'invalid ip address: 080.0.0.1'],
  ])('rejects %j', (spec, message) => {
    expect(() => parsePortSpec(spec)).toThrow(message);
  });
});

describe('isIP', () => {
  it.each([
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['01.2.3.4', false],
    ['::', true],
    ['::1', true],
    ['fe80::1', true],
    ['2001:db8:0:0:0:0:0:1', true],
    ['2001:db8:0:0:0:0:0:0:1', false],
    ['1:2:3:4:5:6:7::', true],
    ['1:2:3:4:5:6:7:8::', false],
    ['1::2::3', false],
    ['12345::1', false],
    ['::ffff:1.2.3.4', true],
    ['1:2:3:4:5:6:1.2.3.4', true],
    ['1:2:3:4:5:6::1.2.3.4', false],
    ['1:2:3:4:5:1.2.3.4', false],
    [':1', false],
    ['1:', false],
    ['g::1', false],
  ])('%s → %s', (ip, ok) => {
    expect(isIP(ip)).toBe(ok);
  });
});

describe('parseVolumeSpec', () => {
  const bind = (source: string, target: string, extra: Dict = {}, bindOpts: Dict = {}) => ({
    type: 'bind',
    source,
    target,
    ...extra,
    bind: { ...bindOpts, create_host_path: true },
  });
  it.each<[string, Dict]>([
    ['/data', { type: 'volume', target: '/data', volume: {} }],
    ['ab', { type: 'volume', target: 'ab' }],
    ['/a', { type: 'volume', target: '/a' }],
    ['named:/data', { type: 'volume', source: 'named', target: '/data', volume: {} }],
    ['0:/foo', { type: 'volume', source: '0', target: '/foo', volume: {} }],
    ['named:/data:ro', { type: 'volume', source: 'named', target: '/data', read_only: true, volume: {} }],
    ['named:/data:rw', { type: 'volume', source: 'named', target: '/data', volume: {} }],
    ['named:/data:nocopy', { type: 'volume', source: 'named', target: '/data', volume: { nocopy: true } }],
    ['./src:/app', bind('./src', '/app')],
    ['../up:/app', bind('../up', '/app')],
    ['/host:/container', bind('/host', '/container')],
    ['~/cfg:/cfg:ro', bind('~/cfg', '/cfg', { read_only: true })],
    ['/h:/c:ro,z', bind('/h', '/c', { read_only: true }, { selinux: 'z' })],
    ['/h:/c:Z', bind('/h', '/c', {}, { selinux: 'Z' })],
    ['/h:/c:rshared', bind('/h', '/c', {}, { propagation: 'rshared' })],
    ['/h:/c:ro,rslave,unknown', bind('/h', '/c', { read_only: true }, { propagation: 'rslave' })],
    [
      '/h:/c:nocopy',
      {
        type: 'bind',
        source: '/h',
        target: '/c',
        bind: { create_host_path: true },
        volume: { nocopy: true },
      },
    ],
    ['named:/c:z', { type: 'volume', source: 'named', target: '/c', bind: { selinux: 'z' }, volume: {} }],
    ['/h:/c/../d//e/', bind('/h', '/d/e')],
    ['C:\\data:/data', bind('C:\\data', '/data')],
    ['c:/data:/data:ro', bind('c:/data', '/data', { read_only: true })],
    [
      '\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine',
      bind('\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\docker_engine'),
    ],
    ['${DATA:-/tmp}:/data', { type: 'volume', source: '${DATA:-/tmp}', target: '/data', volume: {} }],
    // a one-letter source is a drive letter, so `a::b` is source `a:`
    ['a::b', bind('a:', 'b')],
    ['${A:-${B}}:/x:ro', { type: 'volume', source: '${A:-${B}}', target: '/x', read_only: true, volume: {} }],
  ])('%s', (spec, want) => {
    expect(parseVolumeSpec(spec)).toEqual(want);
  });

  it.each<[string, string]>([
    ['', 'invalid empty volume spec'],
    ['ab::c', 'invalid spec: ab::c: empty section between colons'],
    ['/a:/b:ro:x', 'invalid spec: /a:/b:ro:x: too many colons'],
    ['/a:', 'invalid spec: /a:: empty section between colons'],
  ])('rejects %j', (spec, message) => {
    expect(() => parseVolumeSpec(spec)).toThrow(message);
  });
});

describe('canonical: services', () => {
  it('expands port ranges and keeps long syntax entries', () => {
    const out = svc({ ports: ['80-81:8080-8081', 53, { target: 22, published: 2222 }] });
    expect(out.ports).toEqual([p(8080, '80'), p(8081, '81'), p(53), { target: 22, published: 2222 }]);
  });

  it('locates a malformed port and gives the accepted form', () => {
    const err = thrown(() => svc({ ports: ['80', '80:80:80:80'] }));
    expect(err.code).toBe('COMPOSE_INVALID');
    expect(err.location?.path).toEqual(['services', 'web', 'ports', 1]);
    expect(err.message).toBe(
      'services.web.ports[1]: invalid port "80:80:80:80": invalid ip address: 80:80: too many colons in address',
    );
    expect(err.hint).toContain('[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]');
  });

  it('rejects a non-list ports and a float port', () => {
    expect(thrown(() => svc({ ports: '80:80' })).location?.path).toEqual(['services', 'web', 'ports']);
    expect(thrown(() => svc({ ports: [80.5] })).message).toContain('invalid type float for port');
  });

  it('leaves unparsable short syntax alone when interpolation was skipped', () => {
    const ports = ['${HOST_IP}:${HOST_PORT}:80', '8080:80'];
    expect(svc({ ports }, true).ports).toBe(ports);
    expect(svc({ volumes: ['ab::c'] }, true).volumes).toEqual(['ab::c']);
    expect(thrown(() => svc({ ports: ['${P}:80'] })).message).toContain('invalid hostPort: ${P}');
  });

  it('converts volumes and locates errors', () => {
    const out = svc({ volumes: ['./a:/b:ro', { type: 'tmpfs', target: '/t' }] });
    expect(out.volumes).toEqual([
      { type: 'bind', source: './a', target: '/b', read_only: true, bind: { create_host_path: true } },
      { type: 'tmpfs', target: '/t' },
    ]);
    const err = thrown(() => svc({ volumes: ['/ok:/ok', 'xy::z'] }));
    expect(err.location?.path).toEqual(['services', 'web', 'volumes', 1]);
    expect(err.message).toContain(
      'invalid volume "xy::z": invalid spec: xy::z: empty section between colons',
    );
    expect(err.hint).toContain('[SOURCE:]TARGET[:MODE]');
  });

  it('converts long-syntax volume labels lists', () => {
    const out = svc({
      volumes: [{ type: 'volume', source: 'v', target: '/v', volume: { labels: ['a=b', 'c'] } }],
    });
    expect(out.volumes[0].volume.labels).toEqual({ a: 'b', c: '' });
  });

  it.each<[string, Dict]>([
    ['/dev/a', { source: '/dev/a', target: '/dev/a', permissions: 'rwm' }],
    ['/dev/a:/dev/b', { source: '/dev/a', target: '/dev/b', permissions: 'rwm' }],
    ['/dev/a:/dev/b:r', { source: '/dev/a', target: '/dev/b', permissions: 'r' }],
    ['/dev/a::rw', { source: '/dev/a', target: '/dev/a', permissions: 'rw' }],
  ])('device %s', (spec, want) => {
    expect(svc({ devices: [spec] }).devices).toEqual([want]);
  });

  it('rejects a confusing device mapping', () => {
    const err = thrown(() => svc({ devices: ['a:b:c:d'] }));
    expect(err.location?.path).toEqual(['services', 'web', 'devices', 0]);
    expect(err.message).toContain('confusing device mapping, please use long syntax');
  });

  it('turns depends_on lists into maps and fills map defaults', () => {
    expect(svc({ depends_on: ['db', 'cache'] }).depends_on).toEqual({
      db: { condition: 'service_started', required: true },
      cache: { condition: 'service_started', required: true },
    });
    expect(svc({ depends_on: { db: { condition: 'service_healthy', restart: true } } }).depends_on).toEqual({
      db: { condition: 'service_healthy', restart: true, required: true },
    });
    expect(svc({ depends_on: { db: { required: false } } }).depends_on.db).toEqual({
      required: false,
      condition: 'service_started',
    });
    expect(thrown(() => svc({ depends_on: { db: 'x' } })).location?.path).toEqual([
      'services',
      'web',
      'depends_on',
      'db',
    ]);
  });

  it.each<[string, unknown, unknown]>([
    ['build', '.', { context: '.' }],
    ['extends', 'base', { service: 'base' }],
    ['env_file', 'a.env', [{ path: 'a.env', required: true }]],
    [
      'env_file',
      ['a.env', { path: 'b.env', required: false }, { path: 'c.env', format: 'raw' }],
      [
        { path: 'a.env', required: true },
        { path: 'b.env', required: false },
        { path: 'c.env', format: 'raw', required: true },
      ],
    ],
    ['label_file', './l', ['./l']],
    ['dns', '8.8.8.8', ['8.8.8.8']],
    ['gpus', 'all', [{ count: 'all' }]],
    ['gpus', [{ driver: 'nvidia' }], [{ driver: 'nvidia' }]],
    ['networks', ['front', 'back'], { front: null, back: null }],
    ['networks', { front: { aliases: ['a'] } }, { front: { aliases: ['a'] } }],
    ['models', ['llm'], { llm: null }],
    ['secrets', ['s', { source: 't', target: '/x' }], [{ source: 's' }, { source: 't', target: '/x' }]],
    ['configs', ['c'], [{ source: 'c' }]],
    ['labels', ['a=b', 'c', 'd=e=f'], { a: 'b', c: '', d: 'e=f' }],
    ['labels', { a: 1 }, { a: 1 }],
    ['annotations', ['x=1'], { x: '1' }],
    ['sysctls', ['net.core.somaxconn=1024', 'k'], { 'net.core.somaxconn': '1024', k: '' }],
    ['environment', ['A=1', 'B'], ['A=1', 'B']],
    ['deploy', { labels: ['a=b'] }, { labels: { a: 'b' } }],
    [
      'pre_start',
      [{ command: 'x', environment: ['A=1', 'B'] }],
      [{ command: 'x', environment: { A: '1', B: null } }],
    ],
    [
      'develop',
      { watch: [{ path: '.', action: 'sync', ignore: 'node_modules', include: '*.js' }] },
      { watch: [{ path: '.', action: 'sync', ignore: ['node_modules'], include: ['*.js'] }] },
    ],
  ])('%s: %j', (key, input, want) => {
    expect(svc({ [key]: input })[key]).toEqual(want);
  });

  it('canonicalizes build attributes', () => {
    const out = svc({
      build: {
        context: '.',
        secrets: ['s'],
        provenance: true,
        sbom: false,
        additional_contexts: ['img=docker-image://x'],
        ssh: ['default', 'key=/path/id'],
        args: ['A=1', 'B'],
        labels: ['l'],
        ulimits: { nofile: 10 },
      },
    });
    expect(out.build).toEqual({
      context: '.',
      secrets: [{ source: 's' }],
      provenance: 'true',
      sbom: 'false',
      additional_contexts: { img: 'docker-image://x' },
      ssh: { default: null, key: '/path/id' },
      args: { A: '1', B: null },
      labels: { l: '' },
      ulimits: { nofile: 10 },
    });
  });

  it.each<[string, Dict, Array<string | number>, string]>([
    ['ssh id without a path', { ssh: ['mykey'] }, ['ssh', 0], 'invalid ssh key "mykey"'],
    [
      'context without =',
      { additional_contexts: ['x'] },
      ['additional_contexts'],
      'invalid value x, expected key=value',
    ],
    ['string ulimit', { ulimits: { nofile: '10' } }, ['ulimits', 'nofile'], 'invalid type string for ulimit'],
  ])('build error: %s', (_name, build, tail, message) => {
    const err = thrown(() => svc({ build }));
    expect(err.location?.path).toEqual(['services', 'web', 'build', ...tail]);
    expect(err.message).toContain(message);
  });

  it('rejects a key with a trailing space in a hook environment', () => {
    const err = thrown(() => svc({ post_start: [{ command: 'x', environment: ['DEBUG =1'] }] }));
    expect(err.message).toContain('environment variable DEBUG  is declared with a trailing space');
  });

  it('keeps __proto__ as a plain key', () => {
    const out = svc({ networks: ['__proto__'], labels: ['__proto__=x'] });
    expect(Object.keys(out.networks)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out.labels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out.labels, '__proto__')?.value).toBe('x');
  });
});

describe('canonical: top level', () => {
  it('adopts the legacy external.name', () => {
    const warnings: string[] = [];
    const out = canonical(
      { volumes: { v: { external: { name: 'real' } } }, networks: { n: { external: true }, m: null } },
      false,
      { onWarning: (w) => warnings.push(w) },
    );
    expect(out.volumes.v).toEqual({ external: true, name: 'real' });
    expect(out.networks).toEqual({ n: { external: true }, m: null });
    expect(warnings).toEqual(['volumes.v: external.name is deprecated. Please set name and external: true']);
  });

  it('accepts external {} and equal names, rejects conflicting ones', () => {
    expect(canonical({ secrets: { s: { external: {} } } }, false).secrets.s).toEqual({ external: true });
    expect(canonical({ secrets: { s: { name: 'a', external: { name: 'a' } } } }, false).secrets.s).toEqual({
      name: 'a',
      external: true,
    });
    const err = thrown(() => canonical({ networks: { foo: { name: 'a', external: { name: 'b' } } } }, false));
    expect(err.message).toBe('networks.foo: name and external.name conflict; only use name');
  });

  it('converts resource labels lists and include short syntax', () => {
    const out = canonical(
      { networks: { n: { labels: ['a=b'] } }, include: ['a.yaml', { path: 'b.yaml' }] },
      false,
    );
    expect(out.networks.n.labels).toEqual({ a: 'b' });
    expect(out.include).toEqual([{ path: 'a.yaml' }, { path: 'b.yaml' }]);
  });

  it('is idempotent', () => {
    const dict = {
      services: {
        web: {
          ports: ['80:80'],
          volumes: ['./a:/a'],
          depends_on: ['db'],
          build: '.',
          env_file: 'e',
          labels: ['a'],
        },
      },
    };
    const once = structuredClone(canonical(dict, false));
    expect(canonical(structuredClone(once), false)).toEqual(once);
  });
});
