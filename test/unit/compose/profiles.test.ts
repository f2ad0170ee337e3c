import { describe, expect, it } from 'vitest';
import {
  applyProfiles,
  enableServices,
  hasProfile,
  pruneUnusedResources,
  selectServices,
} from '../../../src/compose/profiles.js';
import type { Dict } from '../../../src/compose/yaml.js';

const project = (): Dict => ({
  services: {
    web: { image: 'nginx', depends_on: { api: { condition: 'service_started', required: true } } },
    api: { image: 'api', depends_on: { debug: { required: false }, cache: { required: true } } },
    cache: { image: 'redis' },
    worker: { image: 'w' },
    debug: { image: 'd', profiles: ['debug'] },
    tools: { image: 't', profiles: ['tools', 'ops'], depends_on: { debug: { required: true } } },
  },
});

describe('profiles', () => {
  it.each<[string[], string[], boolean]>([
    [[], [], true],
    [['a'], [], false],
    [['a', 'b'], ['b'], true],
    [['a'], ['*'], true],
  ])('hasProfile(%j, %j) = %s', (own, active, out) =>
    expect(hasProfile({ profiles: own }, active)).toBe(out),
  );

  it('splits services by active profiles, without touching the input', () => {
    const input = project();
    const { project: p, disabled } = applyProfiles(input, []);
    expect(Object.keys(p.services)).toEqual(['web', 'api', 'cache', 'worker']);
    expect(Object.keys(disabled)).toEqual(['debug', 'tools']);
    expect(Object.keys(input.services)).toHaveLength(6);
    expect(Object.keys(applyProfiles(input, ['*']).project.services)).toHaveLength(6);
    expect(Object.keys(applyProfiles(input, ['ops']).disabled)).toEqual(['debug']);
  });

  it('enables the profiles of named services only', () => {
    const split = applyProfiles(project(), []);
    const { project: p, disabled } = enableServices(split.project, split.disabled, ['tools', 'web']);
    expect(p.services.tools).toBeDefined();
    expect(p.services.debug).toBeUndefined();
    expect(Object.keys(disabled)).toEqual(['debug']);
  });

  it('selects named services and their dependencies', () => {
    const split = applyProfiles(project(), []);
    const warnings: string[] = [];
    const { project: p, disabled } = selectServices(split.project, split.disabled, ['web'], (w) =>
      warnings.push(w),
    );
    expect(Object.keys(p.services)).toEqual(['web', 'api', 'cache']);
    expect(Object.keys(disabled).sort()).toEqual(['debug', 'tools', 'worker']);
    expect(p.services.api.depends_on).toEqual({ cache: { required: true } });
    expect(warnings).toHaveLength(1);
    expect(split.project.services.api.depends_on.debug).toBeDefined();
  });

  it('matches glob patterns', () => {
    const split = applyProfiles(project(), []);
    expect(Object.keys(selectServices(split.project, split.disabled, ['w*']).project.services)).toEqual([
      'web',
      'api',
      'cache',
      'worker',
    ]);
  });

  it('rejects unknown services with a suggestion', () => {
    const split = applyProfiles(project(), []);
    expect(() => selectServices(split.project, split.disabled, ['wrker'])).toThrowError(
      expect.objectContaining({
        code: 'COMPOSE_UNKNOWN_SERVICE',
        message: 'no such service: wrker',
        hint: 'did you mean "worker"?',
      }),
    );
  });

  it('rejects a required dependency disabled by profiles', () => {
    const split = applyProfiles(project(), ['tools']);
    expect(() => selectServices(split.project, split.disabled, ['tools'])).toThrowError(
      expect.objectContaining({
        code: 'COMPOSE_SERVICE_DISABLED',
        message: 'service "debug" is required by "tools" but is disabled. Can be enabled by profiles [debug]',
      }),
    );
  });

  it('prunes unused resources', () => {
    const p = pruneUnusedResources({
      services: {
        web: {
          networks: { front: null },
          volumes: [
            { type: 'volume', source: 'data', target: '/d' },
            { type: 'bind', source: '/tmp', target: '/t' },
          ],
          secrets: [{ source: 's1' }],
          build: { context: '.', secrets: [{ source: 's2' }] },
          configs: ['c1'],
          models: { m1: null },
        },
      },
      networks: { front: { name: 'p_front' }, back: { name: 'p_back' } },
      volumes: { data: {}, tmp: {} },
      secrets: { s1: {}, s2: {}, s3: {} },
      configs: { c1: {}, c2: {} },
      models: { m1: {}, m2: {} },
      'x-extra': { keep: true },
    });
    expect(Object.keys(p.networks)).toEqual(['front']);
    expect(Object.keys(p.volumes)).toEqual(['data']);
    expect(Object.keys(p.secrets)).toEqual(['s1', 's2']);
    expect(Object.keys(p.configs)).toEqual(['c1']);
    expect(Object.keys(p.models)).toEqual(['m1']);
    expect(p['x-extra']).toEqual({ keep: true });
    expect(pruneUnusedResources({ services: { a: {} }, volumes: { v: {} } }).volumes).toBeUndefined();
  });
});
