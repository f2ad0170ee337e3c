import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import {
  goValueString,
  mergeAt,
  mergeModels,
  mergeService,
  PathPatterns,
  toSequence,
} from '../../../src/compose/merge.js';
import type { Dict } from '../../../src/compose/yaml.js';
import { parseYaml } from '../../../src/compose/yaml.js';

const y = (text: string): Dict => parseYaml(text, 'test.yaml')[0]!.value as Dict;
const svc = (service: Dict): Dict => ({ services: { web: service } });
const merged = (base: Dict, override: Dict): Dict => mergeModels(svc(base), svc(override)).services.web;

describe('mergeModels: default rules', () => {
  it('merges mappings key by key, replaces scalars, appends sequences', () => {
    const out = mergeModels(
      y('services:\n  web:\n    image: a\n    cap_add: [X]\n    x-a: {k: 1}\nx-top: 1\n'),
      y('services:\n  web:\n    image: b\n    cap_add: [Y]\n    x-a: {j: 2}\n  db: {image: pg}\nx-top: 2\n'),
    );
    expect(out).toEqual({
      services: { web: { image: 'b', cap_add: ['X', 'Y'], 'x-a': { k: 1, j: 2 } }, db: { image: 'pg' } },
      'x-top': 2,
    });
  });

  it('keeps the earlier value when the later one is null', () => {
    expect(merged({ image: 'a', cap_add: ['X'] }, { image: null, cap_add: null })).toEqual({
      image: 'a',
      cap_add: ['X'],
    });
  });

  it('replaces a null earlier value', () => {
    expect(merged({ image: null }, { image: 'b' })).toEqual({ image: 'b' });
  });

  it('refuses to merge a mapping with a scalar or a list, naming the path', () => {
    const err = (() => {
      try {
        merged({ deploy: { replicas: 1 } }, { deploy: 'x' });
      } catch (e) {
        return e as ComposeError;
      }
    })();
    expect(err).toBeInstanceOf(ComposeError);
    expect(err?.message).toBe('cannot override services.web.deploy');
    expect(err?.location?.path).toEqual(['services', 'web', 'deploy']);
    expect(() => merged({ cap_add: ['X'] }, { cap_add: 'Y' })).toThrow(
      'cannot override services.web.cap_add',
    );
  });

  it('mutates and returns the base', () => {
    const base = svc({ image: 'a' });
    expect(mergeModels(base, svc({ init: true }))).toBe(base);
    expect(base.services.web).toEqual({ image: 'a', init: true });
  });

  it('is not fooled by a __proto__ key', () => {
    const over = JSON.parse('{"x-a": {"__proto__": {"polluted": 1}}}') as Dict;
    const out = mergeModels({ 'x-a': {} }, over);
    expect(Object.hasOwn(out['x-a'], '__proto__')).toBe(true);
    expect(({} as Dict).polluted).toBeUndefined();
  });
});

describe('mergeModels: per-path rules', () => {
  it.each(['command', 'entrypoint'])('replaces %s instead of appending', (key) => {
    expect(merged({ [key]: ['a', 'b'] }, { [key]: ['c'] })).toEqual({ [key]: ['c'] });
    expect(merged({ [key]: ['a'] }, { [key]: null })).toEqual({ [key]: null });
  });

  it('replaces healthcheck.test but merges the rest of healthcheck', () => {
    expect(
      merged(
        { healthcheck: { test: ['CMD', 'a'], interval: '1s' } },
        { healthcheck: { test: ['CMD', 'b'] } },
      ),
    ).toEqual({ healthcheck: { test: ['CMD', 'b'], interval: '1s' } });
  });

  it('turns a build string into {context}', () => {
    expect(merged({ build: '.' }, { build: { dockerfile: 'D' } })).toEqual({
      build: { context: '.', dockerfile: 'D' },
    });
    expect(merged({ build: { context: '.', target: 't' } }, { build: 'sub' })).toEqual({
      build: { context: 'sub', target: 't' },
    });
    expect(merged({ build: 'a' }, { build: null })).toEqual({ build: { context: 'a' } });
  });

  it('merges build.args as K=V sequences and build.extra_hosts without repeats', () => {
    expect(
      merged(
        { build: { args: { B: 1, A: 'x' }, extra_hosts: ['h=1.1.1.1'] } },
        { build: { args: ['C=3'], extra_hosts: { h: '1.1.1.1', g: '2.2.2.2' } } },
      ),
    ).toEqual({ build: { args: ['A=x', 'B=1', 'C=3'], extra_hosts: ['h=1.1.1.1', 'g=2.2.2.2'] } });
  });

  it('merges depends_on lists and mappings by service', () => {
    expect(
      merged({ depends_on: ['db', 'cache'] }, { depends_on: { db: { condition: 'service_healthy' } } }),
    ).toEqual({
      depends_on: {
        db: { condition: 'service_healthy', required: true },
        cache: { condition: 'service_started', required: true },
      },
    });
  });

  it('gives each depends_on entry its own defaults object', () => {
    const out = merged({ depends_on: ['a', 'b'] }, { depends_on: { a: { required: false } } });
    expect(out.depends_on.b).toEqual({ condition: 'service_started', required: true });
    expect(out.depends_on.a).not.toBe(out.depends_on.b);
  });

  it.each(['networks', 'models'])('merges %s lists and mappings by name', (key) => {
    expect(merged({ [key]: ['a', 'b'] }, { [key]: { b: { x: 1 }, c: null } })).toEqual({
      [key]: { a: null, b: { x: 1 }, c: null },
    });
  });

  it('merges logging options only for the same or an unset driver', () => {
    const base = { logging: { driver: 'json-file', options: { 'max-size': '1m' } } };
    expect(merged(structuredClone(base), { logging: { options: { 'max-file': '3' } } })).toEqual({
      logging: { driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } },
    });
    expect(merged(structuredClone(base), { logging: { driver: 'json-file', options: { a: '1' } } })).toEqual({
      logging: { driver: 'json-file', options: { 'max-size': '1m', a: '1' } },
    });
    expect(merged(structuredClone(base), { logging: { driver: 'syslog', options: { a: '1' } } })).toEqual({
      logging: { driver: 'syslog', options: { a: '1' } },
    });
    expect(merged({ logging: { options: { a: '1' } } }, { logging: { driver: 'syslog' } })).toEqual({
      logging: { driver: 'syslog', options: { a: '1' } },
    });
  });

  it.each([
    'environment',
    'labels',
    'annotations',
    'sysctls',
    'dns',
    'dns_opt',
    'dns_search',
    'env_file',
    'label_file',
    'tmpfs',
  ])('appends %s as a sequence (mapping → sorted K=V)', (key) => {
    expect(merged({ [key]: { B: 'b', A: null } }, { [key]: ['C=c'] })).toEqual({
      [key]: ['A', 'B=b', 'C=c'],
    });
    expect(merged({ [key]: 'one' }, { [key]: 'two' })).toEqual({ [key]: ['one', 'two'] });
  });

  it('merges deploy.labels, networks/volumes labels and volume.labels the same way', () => {
    const out = mergeModels(
      {
        services: { web: { deploy: { labels: { a: 1 } } } },
        networks: { n: { labels: { a: '1' } } },
        volumes: { v: { labels: ['a=1'] } },
      },
      {
        services: { web: { deploy: { labels: ['b=2'] } } },
        networks: { n: { labels: ['b=2'] } },
        volumes: { v: { labels: { b: 2 } } },
      },
    );
    expect(out.services.web.deploy.labels).toEqual(['a=1', 'b=2']);
    expect(out.networks.n.labels).toEqual(['a=1', 'b=2']);
    expect(out.volumes.v.labels).toEqual(['a=1', 'b=2']);
  });

  it('replaces each ulimit entry as a whole', () => {
    expect(
      merged(
        { ulimits: { nofile: { soft: 1, hard: 2 }, nproc: 3 } },
        { ulimits: { nofile: { soft: 5 }, core: 0 } },
      ),
    ).toEqual({ ulimits: { nofile: { soft: 5 }, nproc: 3, core: 0 } });
  });

  it('merges networks.*.ipam.config by subnet', () => {
    const out = mergeModels(
      y(`
networks:
  n:
    ipam:
      config:
        - {subnet: 10.0.0.0/24, gateway: 10.0.0.1, aux_addresses: {a: 10.0.0.5}}
`),
      y(`
networks:
  n:
    ipam:
      config:
        - {subnet: 10.0.0.0/24, gateway: 10.0.0.254, aux_addresses: {b: 10.0.0.6}}
        - {subnet: 10.1.0.0/24}
`),
    );
    expect(out.networks.n.ipam.config).toEqual([
      { subnet: '10.0.0.0/24', gateway: '10.0.0.254', aux_addresses: { a: '10.0.0.5', b: '10.0.0.6' } },
      { subnet: '10.1.0.0/24' },
    ]);
  });

  it('applies rules only at their own path', () => {
    // `command` outside a service, and `environment` under x-*, follow the default rules.
    expect(mergeModels({ 'x-a': { command: ['a'] } }, { 'x-a': { command: ['b'] } })).toEqual({
      'x-a': { command: ['a', 'b'] },
    });
  });

  it('handles service names containing dots as one key', () => {
    const out = mergeModels(
      { services: { 'a.b': { command: ['x'] } } },
      { services: { 'a.b': { command: ['y'] } } },
    );
    expect(out.services['a.b'].command).toEqual(['y']);
  });
});

describe('mergeAt / mergeService', () => {
  it('applies the rules of the given path', () => {
    expect(mergeAt({ command: ['a'], environment: { A: 1 } }, { command: ['b'] }, ['services', 'x'])).toEqual(
      {
        command: ['b'],
        environment: { A: 1 },
      },
    );
    expect(mergeAt(['a'], ['b'], ['services', 'web', 'command'])).toEqual(['b']);
  });

  it('merges an extending service over its base', () => {
    expect(mergeService({ image: 'a', environment: ['A=1'] }, { environment: { B: 2 } })).toEqual({
      image: 'a',
      environment: ['A=1', 'B=2'],
    });
  });
});

describe('toSequence / goValueString', () => {
  it('formats values as Go prints them with %v', () => {
    expect(goValueString(1)).toBe('1');
    expect(goValueString(1.5)).toBe('1.5');
    expect(goValueString(0.00001)).toBe('1e-05');
    expect(goValueString(1e21)).toBe('1e+21');
    expect(goValueString(true)).toBe('true');
    expect(goValueString(null)).toBe('<nil>');
    expect(goValueString(['a', 1])).toBe('[a 1]');
    expect(goValueString({ b: 1, a: 'x' })).toBe('map[a:x b:1]');
  });

  it('expands list values into one entry each and sorts', () => {
    expect(toSequence({ Z: ['1', '2'], A: '' })).toEqual(['A=', 'Z=1', 'Z=2']);
    expect(toSequence(42)).toEqual([]);
  });
});

describe('PathPatterns', () => {
  const p = new PathPatterns<string>([
    ['services.*.build', 'build'],
    ['services.*.build.args', 'args'],
    ['a.b', 'exact'],
    ['a.*', 'any'],
  ]);
  it('matches exact and wildcard segments of the same length only', () => {
    expect(p.rule(p.at(['services', 'web', 'build']))).toBe('build');
    expect(p.rule(p.at(['services', 'web', 'build', 'args']))).toBe('args');
    expect(p.rule(p.at(['services', 'web']))).toBeUndefined();
    expect(p.rule(p.at(['services', 'web', 'build', 'args', 'x']))).toBeUndefined();
    expect(p.rule(p.at(['a', 'c']))).toBe('any');
    expect(['exact', 'any']).toContain(p.rule(p.at(['a', 'b'])));
  });
});

describe('performance', () => {
  it('merges 2000 services with 50-entry environments in linear time', () => {
    const make = (tag: string) => {
      const services: Dict = {};
      for (let i = 0; i < 2000; i++) {
        const env: Dict = {};
        for (let j = 0; j < 50; j++) env[`VAR_${j}`] = `${tag}${j}`;
        services[`svc${i}`] = {
          image: `img:${tag}`,
          environment: env,
          ports: [`${8000 + i}:80`],
          command: ['x'],
        };
      }
      return { services };
    };
    const base = make('a');
    const over = make('b');
    const t0 = performance.now();
    const out = mergeModels(base, over);
    const ms = performance.now() - t0;
    expect(out.services.svc1999.environment).toHaveLength(100);
    expect(ms).toBeLessThan(2000);
  });
});
