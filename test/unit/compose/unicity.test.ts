import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { enforceUnicity, parseVolumeSpec } from '../../../src/compose/unicity.js';
import type { Dict } from '../../../src/compose/yaml.js';

const uniq = (service: Dict): Dict => enforceUnicity({ services: { web: service } }).services.web;

describe('enforceUnicity', () => {
  it('replaces an earlier entry with a later one, in the earlier position', () => {
    expect(uniq({ environment: ['A=1', 'B=2', 'A=3', 'C', 'B'] })).toEqual({
      environment: ['A=3', 'B', 'C'],
    });
  });

  it('leaves mappings and unrelated lists alone', () => {
    const service = { environment: { A: '1' }, command: ['x', 'x'], 'x-list': ['a', 'a'] };
    expect(uniq(structuredClone(service))).toEqual(service);
  });

  it.each([
    'cap_add',
    'cap_drop',
    'dns',
    'dns_opt',
    'dns_search',
    'links',
    'profiles',
    'labels',
    'annotations',
    'sysctls',
    'tmpfs',
  ])('keys %s entries by the part before "="', (key) => {
    expect(uniq({ [key]: ['a=1', 'b', 'a=2'] })).toEqual({ [key]: ['a=2', 'b'] });
  });

  it('keys build args, tags, labels and additional contexts', () => {
    expect(
      uniq({
        build: {
          args: ['A=1', 'A=2'],
          tags: ['t:1', 't:1'],
          labels: ['l=1', 'l=2'],
          additional_contexts: ['c=./a', 'c=./b'],
        },
      }),
    ).toEqual({ build: { args: ['A=2'], tags: ['t:1'], labels: ['l=2'], additional_contexts: ['c=./b'] } });
  });

  it('keys ports: short syntax literally, long syntax by host_ip:published:target/protocol', () => {
    expect(
      uniq({
        ports: [
          '8080:80',
          8000,
          '8000',
          { target: 80, published: '8080' },
          { target: 80, published: '8080', host_ip: '0.0.0.0', protocol: 'tcp', mode: 'host' },
          { target: 80, published: '8080', protocol: 'udp' },
          '8080:80',
        ],
      }),
    ).toEqual({
      ports: [
        '8080:80',
        '8000',
        { target: 80, published: '8080', host_ip: '0.0.0.0', protocol: 'tcp', mode: 'host' },
        { target: 80, published: '8080', protocol: 'udp' },
      ],
    });
  });

  it('tells a numeric published port from a string one, as compose-go formats them differently', () => {
    expect(
      uniq({
        ports: [
          { target: 80, published: 8080 },
          { target: 80, published: '8080' },
        ],
      }).ports,
    ).toHaveLength(2);
  });

  it('keys volumes by target, short or long syntax', () => {
    expect(
      uniq({
        volumes: ['./a:/data', { type: 'volume', source: 'v', target: '/data' }, 'logs:/logs:ro', '/anon'],
      }),
    ).toEqual({ volumes: [{ type: 'volume', source: 'v', target: '/data' }, 'logs:/logs:ro', '/anon'] });
  });

  it('keys secrets by target, defaulting to /run/secrets/<source>', () => {
    expect(uniq({ secrets: ['a', 'b', { source: 'x', target: '/run/secrets/a' }, { source: 'b' }] })).toEqual(
      {
        secrets: [{ source: 'x', target: '/run/secrets/a' }, { source: 'b' }],
      },
    );
  });

  it('keys configs by target, defaulting to /<source>', () => {
    expect(uniq({ configs: ['a', { source: 'z', target: '/a' }] })).toEqual({
      configs: [{ source: 'z', target: '/a' }],
    });
  });

  it('keys devices by container path', () => {
    expect(
      uniq({ devices: ['/dev/a:/dev/x', '/dev/b:/dev/x:rwm', '/dev/c', { source: 's', target: '/dev/c' }] }),
    ).toEqual({
      devices: ['/dev/b:/dev/x:rwm', { source: 's', target: '/dev/c' }],
    });
  });

  it('keys expose by value and env_file by path', () => {
    expect(
      uniq({ expose: [80, '80', '81'], env_file: ['a.env', { path: 'a.env', required: false }] }),
    ).toEqual({
      expose: ['80', '81'],
      env_file: [{ path: 'a.env', required: false }],
    });
  });

  it('keys network aliases and link-local IPs', () => {
    expect(
      uniq({ networks: { n: { aliases: ['a', 'b', 'a'], link_local_ips: ['x', 'x'] }, m: null } }),
    ).toEqual({
      networks: { n: { aliases: ['a', 'b'], link_local_ips: ['x'] }, m: null },
    });
  });

  it('keys top-level network labels and ipam options', () => {
    const out = enforceUnicity({
      networks: { n: { labels: ['a=1', 'a=2'], ipam: { options: ['o=1', 'o=2'] } } },
    });
    expect(out.networks.n).toEqual({ labels: ['a=2'], ipam: { options: ['o=2'] } });
  });

  it('reports a non-string K=V entry with its path', () => {
    try {
      uniq({ environment: ['A=1', 3] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ComposeError);
      expect((e as ComposeError).message).toBe('services.web.environment.[1]: unexpected type int');
      expect((e as ComposeError).location?.path).toEqual(['services', 'web', 'environment', 1]);
    }
  });

  it('reports a long-syntax port without target and a bind without target', () => {
    expect(() => uniq({ ports: [{ published: '80' }] })).toThrow(
      'service ports services.web.ports.[0] is missing a target port',
    );
    expect(() => uniq({ volumes: [{ type: 'bind', source: '.' }] })).toThrow(
      'service volume services.web.volumes.[0] is missing a mount target',
    );
    expect(() => uniq({ env_file: [{ required: true }] })).toThrow(
      'environment path attribute services.web.env_file.[0] is missing',
    );
  });

  it('de-duplicates 100 000 entries quickly', () => {
    const env = Array.from({ length: 100_000 }, (_, i) => `V${i % 50_000}=${i}`);
    const t0 = performance.now();
    const out = uniq({ environment: env });
    expect(out.environment).toHaveLength(50_000);
    expect(out.environment[0]).toBe('V0=50000');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('parseVolumeSpec', () => {
  it.each([
    ['/data', { source: '', target: '/data' }],
    ['vol:/data', { source: 'vol', target: '/data' }],
    ['./src:/src:ro,z', { source: './src', target: '/src' }],
    ['C:\\work:/work', { source: 'C:\\work', target: '/work' }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose variable, not a JS template
    ['${HOST:-/tmp}:/in', { source: '${HOST:-/tmp}', target: '/in' }],
    ['ab', { source: '', target: 'ab' }],
  ])('%s', (spec, expected) => {
    expect(parseVolumeSpec(spec)).toEqual(expected);
  });

  it('rejects malformed specs', () => {
    expect(() => parseVolumeSpec('')).toThrow('invalid empty volume spec');
    expect(() => parseVolumeSpec('ab::c')).toThrow('invalid spec: ab::c: empty section between colons');
    expect(() => parseVolumeSpec('ab:/b:ro:x')).toThrow('invalid spec: ab:/b:ro:x: too many colons');
  });
});
