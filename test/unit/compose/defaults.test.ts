import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { setDefaultValues } from '../../../src/compose/defaults.js';
import { omitEmpty } from '../../../src/compose/omit-empty.js';
import type { Dict } from '../../../src/compose/yaml.js';

function svc(service: Dict): Dict {
  return setDefaultValues({ services: { web: service } }).services.web;
}

describe('setDefaultValues', () => {
  it.each<[string, Dict, Dict]>([
    ['build context', { build: { dockerfile: 'D' } }, { build: { dockerfile: 'D', context: '.' } }],
    ['build context kept', { build: { context: 'src' } }, { build: { context: 'src' } }],
    [
      'port protocol and mode',
      { ports: [{ target: 80, published: 8080 }] },
      { ports: [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }] },
    ],
    [
      'port protocol and mode kept',
      { ports: [{ target: 53, protocol: 'udp', mode: 'host' }] },
      { ports: [{ target: 53, protocol: 'udp', mode: 'host' }] },
    ],
    [
      'secret target',
      { secrets: [{ source: 's' }, { source: 't', target: '/x' }] },
      {
        secrets: [
          { source: 's', target: '/run/secrets/s' },
          { source: 't', target: '/x' },
        ],
      },
    ],
    ['config target stays unset', { configs: [{ source: 'c' }] }, { configs: [{ source: 'c' }] }],
    [
      'gpus count',
      { gpus: [{ driver: 'nvidia' }, { device_ids: ['0'] }, { count: 2 }] },
      { gpus: [{ driver: 'nvidia', count: 'all' }, { device_ids: ['0'] }, { count: 2 }] },
    ],
    [
      'reserved devices count',
      { deploy: { resources: { reservations: { devices: [{ capabilities: ['gpu'] }] } } } },
      { deploy: { resources: { reservations: { devices: [{ capabilities: ['gpu'], count: 'all' }] } } } },
    ],
    [
      'bind create_host_path',
      { volumes: [{ type: 'bind', source: '.', target: '/a', bind: { propagation: 'rshared' } }] },
      {
        volumes: [
          {
            type: 'bind',
            source: '.',
            target: '/a',
            bind: { propagation: 'rshared', create_host_path: true },
          },
        ],
      },
    ],
    [
      'bind create_host_path kept',
      { volumes: [{ type: 'bind', source: '.', target: '/a', bind: { create_host_path: false } }] },
      { volumes: [{ type: 'bind', source: '.', target: '/a', bind: { create_host_path: false } }] },
    ],
    [
      'no bind block is added',
      { volumes: [{ type: 'bind', source: '.', target: '/a' }] },
      { volumes: [{ type: 'bind', source: '.', target: '/a' }] },
    ],
  ])('%s', (_name, input, want) => {
    expect(svc(input)).toEqual(want);
  });

  it('mutates and returns the same dict', () => {
    const dict = { services: { a: { build: {} } } };
    expect(setDefaultValues(dict)).toBe(dict);
    expect(dict.services.a.build).toEqual({ context: '.' });
  });

  it('tolerates models without services', () => {
    expect(setDefaultValues({ networks: {} })).toEqual({ networks: {} });
  });

  it('rejects a short-syntax secret left over', () => {
    try {
      svc({ secrets: ['s'] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ComposeError);
      expect((err as ComposeError).location?.path).toEqual(['services', 'web', 'secrets', 0]);
    }
  });
});

describe('omitEmpty', () => {
  it.each<[unknown, unknown]>([
    [
      ['8.8.8.8', '', null, '1.1.1.1'],
      ['8.8.8.8', '1.1.1.1'],
    ],
    [[''], []],
    [['9.9.9.9'], ['9.9.9.9']],
  ])('dns %j', (dns, want) => {
    expect(omitEmpty({ services: { web: { dns } } }).services.web.dns).toEqual(want);
  });

  it('leaves other empty values alone', () => {
    const dict = { services: { web: { dns_search: [''], environment: { A: '' }, image: '' } } };
    expect(omitEmpty(structuredClone(dict))).toEqual(dict);
  });
});
