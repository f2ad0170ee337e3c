import { describe, expect, it } from 'vitest';
import { checkConsistency, didYouMean } from '../../../src/compose/consistency.js';
import type { Dict } from '../../../src/compose/yaml.js';

const img = (extra: Dict = {}): Dict => ({ image: 'alpine', ...extra });

function errorOf(fn: () => void): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('checkConsistency', () => {
  it('accepts a consistent project', () => {
    const project = {
      services: {
        web: img({
          networks: { front: null },
          depends_on: { db: { condition: 'service_started', required: true } },
          volumes: [
            { type: 'volume', source: 'data', target: '/data' },
            { type: 'volume', target: '/anon' },
            { type: 'bind', source: '/x', target: '/x' },
          ],
          secrets: [{ source: 's' }],
          configs: [{ source: 'c' }],
          models: { m: null },
          healthcheck: { test: ['CMD', 'true'] },
          tmpfs: ['/run'],
          scale: 2,
          deploy: { replicas: 2 },
        }),
        db: img({ network_mode: 'service:web' }),
        built: {
          build: { context: '.', dockerfile: 'Dockerfile', additional_contexts: { base: 'service:builder' } },
        },
        builder: { build: { context: '.' } },
        provided: { provider: { type: 'model' } },
      },
      networks: { front: {} },
      volumes: { data: {} },
      secrets: { s: { file: '/s' } },
      configs: { c: { file: '/c' } },
      models: { m: { model: 'ai/x' } },
    };
    expect(() => checkConsistency(project)).not.toThrow();
  });

  it.each<[string, Dict, string, (string | number)[]]>([
    [
      'no image',
      { services: { a: {} } },
      'service "a" has neither an image nor a build context specified',
      ['services', 'a'],
    ],
    [
      'dockerfile and inline',
      { services: { a: { build: { dockerfile: 'D', dockerfile_inline: 'FROM x' } } } },
      'service "a" declares mutualy exclusive dockerfile and dockerfile_inline',
      ['services', 'a', 'build', 'dockerfile_inline'],
    ],
    [
      'unknown additional context service',
      { services: { a: { build: { additional_contexts: { x: 'service:nope' } } } } },
      'service "a" declares unknown service "nope" as additional contexts x',
      ['services', 'a', 'build', 'additional_contexts', 'x'],
    ],
    [
      'non-buildable additional context',
      { services: { a: { build: { additional_contexts: { x: 'service:b' } } }, b: img() } },
      'service "a" declares non-buildable service "b" as additional contexts x',
      ['services', 'a', 'build', 'additional_contexts', 'x'],
    ],
    [
      'platform not built',
      { services: { a: { platform: 'linux/arm64', build: { platforms: ['linux/amd64'] } } } },
      'service.build.platforms MUST include service.platform "linux/arm64"',
      ['services', 'a', 'platform'],
    ],
    [
      'network_mode and networks',
      { services: { redis: img({ network_mode: 'bridge', networks: { n: null } }) }, networks: { n: {} } },
      'service redis declares mutually exclusive `network_mode` and `networks`',
      ['services', 'redis', 'network_mode'],
    ],
    [
      'undefined network',
      { services: { web: img({ networks: { back: null } }) }, networks: { front: {} } },
      'service "web" refers to undefined network back',
      ['services', 'web', 'networks', 'back'],
    ],
    [
      'bad healthcheck',
      { services: { a: img({ healthcheck: { test: ['curl', 'x'] } }) } },
      'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"',
      ['services', 'a', 'healthcheck', 'test'],
    ],
    [
      'undefined dependency',
      { services: { bar: img({ depends_on: { zot: { condition: 'service_started', required: true } } }) } },
      'service "bar" depends on undefined service "zot"',
      ['services', 'bar', 'depends_on', 'zot'],
    ],
    [
      'network_mode service missing',
      { services: { a: img({ network_mode: 'service:b' }) } },
      'service "b" not found for network_mode \'service:b\'',
      ['services', 'a', 'network_mode'],
    ],
    [
      'undefined volume',
      { services: { a: img({ volumes: [{ type: 'volume', source: 'data', target: '/d' }] }) } },
      'service "a" refers to undefined volume data',
      ['services', 'a', 'volumes', 0],
    ],
    [
      'undefined build secret',
      { services: { a: { build: { context: '.', secrets: [{ source: 's' }] } } } },
      'service "a" refers to undefined build secret s',
      ['services', 'a', 'build', 'secrets', 0],
    ],
    [
      'undefined config',
      { services: { a: img({ configs: [{ source: 'c' }] }) } },
      'service "a" refers to undefined config c',
      ['services', 'a', 'configs', 0],
    ],
    [
      'undefined model',
      { services: { a: img({ models: { m: null } }) } },
      'service "a" refers to undefined model m',
      ['services', 'a', 'models', 'm'],
    ],
    [
      'undefined secret',
      { services: { a: img({ secrets: ['s'] }) } },
      'service "a" refers to undefined secret s',
      ['services', 'a', 'secrets', 0],
    ],
    [
      'scale vs replicas',
      { services: { a: img({ scale: 2, deploy: { replicas: 3 } }) } },
      "services.a: can't set distinct values on 'scale' and 'deploy.replicas'",
      ['services', 'a', 'scale'],
    ],
    [
      'negative scale',
      { services: { a: img({ scale: -1 }) } },
      'services.a.scale: must be greater than or equal to 0',
      ['services', 'a', 'scale'],
    ],
    [
      'cpus vs limits',
      { services: { a: img({ cpus: 0.5, deploy: { resources: { limits: { cpus: '1' } } } }) } },
      "services.a: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'",
      ['services', 'a', 'cpus'],
    ],
    [
      'mem_limit vs limits',
      {
        services: {
          a: img({ mem_limit: '512m', deploy: { resources: { limits: { memory: '1073741824' } } } }),
        },
      },
      "services.a: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'",
      ['services', 'a', 'mem_limit'],
    ],
    [
      'mem_reservation vs reservations',
      {
        services: {
          a: img({ mem_reservation: 100, deploy: { resources: { reservations: { memory: 200 } } } }),
        },
      },
      "services.a: can't set distinct values on 'mem_reservation' and 'deploy.resources.reservations.memory'",
      ['services', 'a', 'mem_reservation'],
    ],
    [
      'pids_limit vs limits',
      { services: { a: img({ pids_limit: 10, deploy: { resources: { limits: { pids: 20 } } } }) } },
      "services.a: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'",
      ['services', 'a', 'pids_limit'],
    ],
    [
      'container_name with replicas',
      { services: { a: img({ container_name: 'x', deploy: { replicas: 2 } }) } },
      "services.a: can't set container_name and deploy.replicas as container name must be unique",
      ['services', 'a', 'container_name'],
    ],
    [
      'watch without target',
      { services: { a: img({ develop: { watch: [{ path: '/src', action: 'sync' }] } }) } },
      'services.a.develop.watch: target is required for non-rebuild actions',
      ['services', 'a', 'develop', 'watch', 0],
    ],
    [
      'tmpfs and volume on one target',
      { services: { a: img({ tmpfs: ['/run:size=1m'], volumes: [{ type: 'tmpfs', target: '/run' }] }) } },
      'services.a.volumes[0]: target /run already mounted as services.a.tmpfs[0]',
      ['services', 'a', 'volumes', 0],
    ],
    [
      'secret without source',
      { services: {}, secrets: { s: { labels: {} } } },
      'secret "s" must declare either `file` or `environment`',
      ['secrets', 's'],
    ],
  ])('rejects %s', (_, project, message, path) => {
    const err = errorOf(() => checkConsistency(project));
    expect(err.code).toBe('COMPOSE_INVALID');
    expect(err.message).toBe(message);
    expect(err.location.path).toEqual(path);
  });

  it('accepts matching resource values in other units', () => {
    const project = {
      services: {
        a: img({
          cpus: 1.5,
          mem_limit: '1g',
          pids_limit: 5,
          deploy: { resources: { limits: { cpus: '1.5', memory: '1073741824', pids: 5 } } },
        }),
      },
    };
    expect(() => checkConsistency(project)).not.toThrow();
  });

  it('copies scale into deploy.replicas', () => {
    const project = { services: { a: img({ scale: 3, deploy: {} }) } };
    checkConsistency(project);
    expect(project.services.a.deploy.replicas).toBe(3);
  });

  it('allows an optional dependency on a disabled service only', () => {
    const project = (required: boolean) => ({
      services: { a: img({ depends_on: { b: { condition: 'service_started', required } } }) },
    });
    const disabled = { b: img({ profiles: ['debug'] }) };
    expect(() => checkConsistency(project(false), disabled)).not.toThrow();
    const err = errorOf(() => checkConsistency(project(true), disabled));
    expect(err.message).toBe('service "a" depends on undefined service "b"');
    expect(err.hint).toContain('[debug]');
    expect(() => checkConsistency(project(false))).toThrowError('depends on undefined service "b"');
  });

  it('hints at the closest declared name', () => {
    const err = errorOf(() =>
      checkConsistency({
        services: { web: img({ networks: { bakc: null } }) },
        networks: { back: {}, front: {} },
      }),
    );
    expect(err.hint).toBe('did you mean "back"? defined networks: back, front');
    const none = errorOf(() => checkConsistency({ services: { web: img({ networks: { x: null } }) } }));
    expect(none.hint).toContain('no networks are defined');
  });

  it.each<[string, Dict, string]>([
    [
      'a three-service loop',
      {
        service1: img({ depends_on: { service2: {} } }),
        service2: img({ depends_on: { service3: {} } }),
        service3: img({ depends_on: { service1: {} } }),
      },
      'dependency cycle detected: service1 -> service2 -> service3 -> service1',
    ],
    [
      'a self dependency',
      { service1: img({ depends_on: { service1: {} } }) },
      'dependency cycle detected: service1 -> service1',
    ],
    [
      'a loop reached from an acyclic prefix',
      {
        a: img({ depends_on: { b: {} } }),
        b: img({ depends_on: { c: {} } }),
        c: img({ depends_on: { b: {} } }),
      },
      'dependency cycle detected: b -> c -> b',
    ],
  ])('detects %s', (_, services, message) => {
    const err = errorOf(() => checkConsistency({ services }));
    expect(err.code).toBe('COMPOSE_CYCLE');
    expect(err.message).toBe(message);
  });

  it('is linear on large acyclic graphs', () => {
    // A dense DAG: every service depends on all later ones in a chain of layers.
    const services: Dict = {};
    const n = 500;
    for (let i = 0; i < n; i++) {
      const deps: Dict = {};
      for (let j = i + 1; j < Math.min(n, i + 20); j++)
        deps[`s${String(j).padStart(3, '0')}`] = { required: true };
      services[`s${String(i).padStart(3, '0')}`] = img({ depends_on: deps });
    }
    const start = performance.now();
    checkConsistency({ services });
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('suggests names', () => {
    expect(didYouMean('fronted', ['frontend', 'backend'])).toBe('frontend');
    expect(didYouMean('zzz', ['frontend'])).toBeUndefined();
  });
});
