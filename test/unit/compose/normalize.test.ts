import { describe, expect, it } from 'vitest';
import { normalize } from '../../../src/compose/normalize.js';
import type { Dict } from '../../../src/compose/yaml.js';

const run = (dict: Dict, env: Record<string, string> = {}): Dict => normalize({ name: 'proj', ...dict }, env);

describe('normalize', () => {
  it.each<[string, Dict, Dict]>([
    ['no networks → default', { image: 'x' }, { default: null }],
    ['empty networks map → default', { image: 'x', networks: {} }, { default: null }],
    ['explicit networks kept', { image: 'x', networks: { back: null } }, { back: null }],
  ])('service networks: %s', (_, service, networks) => {
    const out = run({ services: { web: service }, networks: { back: {} } });
    expect(out.services.web.networks).toEqual(networks);
  });

  it('adds networks.default only when a service uses it', () => {
    expect(run({ services: { a: { network_mode: 'host' } } }).networks).toBeUndefined();
    expect(run({ services: { a: { provider: { type: 'x' } } } }).networks).toBeUndefined();
    expect(run({ services: { a: { network_mode: 'host' } } }).services.a.networks).toBeUndefined();
    expect(run({ services: { a: {} } }).networks).toEqual({ default: { name: 'proj_default' } });
    const explicit = run({ services: { a: {} }, networks: { default: { driver: 'overlay' } } });
    expect(explicit.networks.default).toEqual({ driver: 'overlay', name: 'proj_default' });
  });

  it.each<[string, Dict, string]>([
    ['plain', {}, 'proj_data'],
    ['named', { name: 'custom' }, 'custom'],
    ['external', { external: true }, 'data'],
    ['external "true"', { external: 'true' }, 'data'],
    ['external false', { external: false }, 'proj_data'],
  ])('resource names: %s', (_, resource, name) => {
    for (const kind of ['networks', 'volumes', 'secrets', 'configs']) {
      expect(run({ [kind]: { data: resource } })[kind].data.name).toBe(name);
    }
  });

  it('turns a null resource into a named one', () => {
    expect(run({ volumes: { data: null } }).volumes.data).toEqual({ name: 'proj_data' });
  });

  it('adds implicit dependencies without overriding explicit ones', () => {
    const out = run({
      services: {
        web: {
          links: ['db:database', 'cache', 'a:b:c'],
          network_mode: 'service:net',
          ipc: 'service:db',
          pid: 'host',
          volumes_from: ['data:ro', 'container:abc'],
          depends_on: { db: { condition: 'service_healthy', required: true } },
        },
      },
    });
    expect(out.services.web.depends_on).toEqual({
      db: { condition: 'service_healthy', required: true },
      cache: { condition: 'service_started', restart: true, required: true },
      'a:b:c': { condition: 'service_started', restart: true, required: true },
      net: { condition: 'service_started', restart: true, required: true },
      data: { condition: 'service_started', restart: false, required: true },
    });
  });

  it('sets build defaults and resolves args from the environment', () => {
    const out = run(
      {
        services: {
          a: { build: { args: { FOO: null, BAR: null, SET: 'x' } } },
          b: { build: { context: 'dir', dockerfile_inline: 'FROM x' } },
          c: { build: { args: ['FOO', 'BAR', 'K=V'] } },
        },
      },
      { FOO: 'foo' },
    );
    expect(out.services.a.build).toEqual({
      context: '.',
      dockerfile: 'Dockerfile',
      args: { FOO: 'foo', SET: 'x' },
    });
    expect(out.services.b.build).toEqual({ context: 'dir', dockerfile_inline: 'FROM x' });
    expect(out.services.c.build.args).toEqual(['FOO=foo', 'K=V']);
  });

  it('resolves environment, keeping unresolved entries', () => {
    const out = run(
      {
        services: {
          a: { environment: { FOO: null, BAR: null, Z: '' } },
          b: { environment: ['FOO', 'BAR', 'Q=1'] },
        },
      },
      { FOO: 'foo' },
    );
    expect(out.services.a.environment).toEqual({ FOO: 'foo', BAR: null, Z: '' });
    expect(out.services.b.environment).toEqual(['FOO=foo', 'BAR', 'Q=1']);
  });

  it('cleans volume targets and renames pull_policy if_not_present', () => {
    const out = run({
      services: {
        a: { pull_policy: 'if_not_present', volumes: [{ type: 'volume', target: '/data//x/../y/' }] },
      },
    });
    expect(out.services.a.volumes[0].target).toBe('/data/y');
    expect(out.services.a.pull_policy).toBe('missing');
  });

  it('gives pre_start hooks the service image', () => {
    const out = run({
      services: { a: { image: 'alpine', pre_start: [{ command: ['x'] }, { image: 'busybox' }] } },
    });
    expect(out.services.a.pre_start).toEqual([{ command: ['x'], image: 'alpine' }, { image: 'busybox' }]);
  });
});
