import { describe, expect, it } from 'vitest';
import { validateSemantics } from '../../../src/compose/validation.js';
import type { Dict } from '../../../src/compose/yaml.js';

describe('validateSemantics', () => {
  it.each<[string, Dict]>([
    ['external volume with name', { volumes: { v: { external: true, name: 'real', 'x-note': 1 } } }],
    ['null volume', { volumes: { v: null } }],
    ['config file', { configs: { c: { file: './c' } } }],
    ['config content', { configs: { c: { content: 'x' } } }],
    ['config with driver', { configs: { c: { driver: 'vault' } } }],
    ['external secret', { secrets: { s: { external: true } } }],
    ['port IPv4', { services: { a: { ports: [{ target: 80, host_ip: '127.0.0.1' }] } } }],
    ['port IPv6', { services: { a: { ports: [{ target: 80, host_ip: '::1' }] } } }],
    ['device count', { services: { a: { gpus: [{ count: 'all' }] } } }],
    ['watch path', { services: { a: { develop: { watch: [{ path: '.', action: 'rebuild' }] } } } }],
  ])('accepts %s', (_, dict) => expect(() => validateSemantics(dict)).not.toThrow());

  it.each<[string, Dict, string, (string | number)[]]>([
    [
      'external volume with driver',
      { volumes: { ext: { external: true, driver: 'x' } } },
      'volumes.ext: conflicting parameters "external" and "driver" specified',
      ['volumes', 'ext'],
    ],
    [
      'non-mapping volume',
      { volumes: { v: 'oops' } },
      'volumes.v: expected volume, got oops',
      ['volumes', 'v'],
    ],
    [
      'config file and content',
      { configs: { c: { file: 'a', content: 'b' } } },
      'configs.c: file|environment|content attributes are mutually exclusive',
      ['configs', 'c'],
    ],
    [
      'secret with nothing',
      { secrets: { s: { labels: { a: 'b' } } } },
      'secrets.s: one of file|environment must be set',
      ['secrets', 's'],
    ],
    [
      'bad host_ip',
      { services: { a: { ports: [{ target: 80 }, { target: 81, host_ip: 'localhost' }] } } },
      'services.a.ports[1]: invalid ip address: localhost',
      ['services', 'a', 'ports', 1],
    ],
    [
      'blank watch path',
      { services: { a: { develop: { watch: [{ path: '', action: 'sync' }] } } } },
      "services.a.develop.watch[0].path: value can't be blank",
      ['services', 'a', 'develop', 'watch', 0, 'path'],
    ],
    [
      'count and device_ids',
      {
        services: {
          a: { deploy: { resources: { reservations: { devices: [{ count: 2, device_ids: ['x'] }] } } } },
        },
      },
      'services.a.deploy.resources.reservations.devices[0]: "count" and "device_ids" attributes are exclusive',
      ['services', 'a', 'deploy', 'resources', 'reservations', 'devices', 0],
    ],
    [
      'gpus count and device_ids',
      { services: { a: { gpus: [{ count: 1, device_ids: ['0'] }] } } },
      'services.a.gpus[0]: "count" and "device_ids" attributes are exclusive',
      ['services', 'a', 'gpus', 0],
    ],
  ])('rejects %s', (_, dict, message, path) => {
    expect(() => validateSemantics(dict)).toThrowError(
      expect.objectContaining({
        code: 'COMPOSE_INVALID',
        message,
        location: expect.objectContaining({ path }),
      }),
    );
  });
});
