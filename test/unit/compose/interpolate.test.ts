// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} templates are the data under test
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../../src/api/errors.js';
import { interpolateModel } from '../../../src/compose/interpolate.js';
import type { Lookup } from '../../../src/compose/template.js';

const env: Record<string, string> = {
  PORT: '8080',
  N: '3',
  YES: 'true',
  NAME: 'web',
  F: '0.1',
};
const lookup: Lookup = (name) => (Object.hasOwn(env, name) ? env[name] : undefined);

function interpolate(dict: Record<string, unknown>) {
  const warnings: string[] = [];
  const value = interpolateModel(dict, { lookup, onWarning: (w) => warnings.push(w) });
  return { value, warnings };
}

function failure(dict: Record<string, unknown>): ComposeError {
  try {
    interpolateModel(dict, { lookup });
  } catch (err) {
    expect(err).toBeInstanceOf(ComposeError);
    return err as ComposeError;
  }
  throw new Error('expected interpolation to fail');
}

const svc = (body: Record<string, unknown>) => ({ services: { app: body } });

describe('interpolateModel: substitution', () => {
  it('substitutes values everywhere but never keys', () => {
    const { value } = interpolate({
      name: 'p-${NAME}',
      services: { $NAME: { image: 'img:${N}', command: ['echo', '$NAME'], labels: { '${NAME}': '$$NAME' } } },
      'x-ext': { deep: ['${PORT}'] },
    });
    expect(value).toEqual({
      name: 'p-web',
      services: { $NAME: { image: 'img:3', command: ['echo', 'web'], labels: { '${NAME}': '$NAME' } } },
      'x-ext': { deep: ['8080'] },
    });
  });

  it('leaves numbers, booleans and nulls alone', () => {
    const dict = svc({ privileged: 1, scale: 2, tty: false, user: null, cpus: 0.5 });
    expect(interpolate(dict).value).toEqual(dict);
  });

  it('does not modify its input', () => {
    const dict = svc({ image: '${NAME}', ports: [{ target: '${PORT}' }] });
    const copy = structuredClone(dict);
    interpolate(dict);
    expect(dict).toEqual(copy);
  });

  it('keeps a __proto__ key as data', () => {
    const dict = JSON.parse('{"services":{"__proto__":{"image":"$NAME"}}}');
    const out = interpolate(dict).value;
    expect(Object.keys(out.services)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(out.services, '__proto__')?.value).toEqual({ image: 'web' });
  });

  it('forwards unset-variable warnings', () => {
    expect(interpolate(svc({ image: '${MISSING}' })).warnings).toEqual([
      'The "MISSING" variable is not set. Defaulting to a blank string.',
    ]);
  });
});

describe('interpolateModel: type casts', () => {
  it.each([
    [
      'ports target',
      svc({ ports: [{ target: '${PORT}' }] }),
      ['services', 'app', 'ports', 0, 'target'],
      8080,
    ],
    ['short port stays a string', svc({ ports: ['${PORT}:80'] }), ['services', 'app', 'ports', 0], '8080:80'],
    [
      'published stays a string',
      svc({ ports: [{ published: '$PORT' }] }),
      ['services', 'app', 'ports', 0, 'published'],
      '8080',
    ],
    ['replicas', svc({ deploy: { replicas: '$N' } }), ['services', 'app', 'deploy', 'replicas'], 3],
    ['scale', svc({ scale: '${N}' }), ['services', 'app', 'scale'], 3],
    ['retries', svc({ healthcheck: { retries: '$N' } }), ['services', 'app', 'healthcheck', 'retries'], 3],
    [
      'healthcheck disable',
      svc({ healthcheck: { disable: '$YES' } }),
      ['services', 'app', 'healthcheck', 'disable'],
      true,
    ],
    ['quoted literal bool', svc({ privileged: 'false' }), ['services', 'app', 'privileged'], false],
    ['bool is case-insensitive', svc({ tty: 'TRUE' }), ['services', 'app', 'tty'], true],
    ['ulimit single value', svc({ ulimits: { nproc: '$N' } }), ['services', 'app', 'ulimits', 'nproc'], 3],
    [
      'ulimit hard',
      svc({ ulimits: { nofile: { hard: '$N' } } }),
      ['services', 'app', 'ulimits', 'nofile', 'hard'],
      3,
    ],
    ['cpus float32', svc({ cpus: '$F' }), ['services', 'app', 'cpus'], 0.1],
    ['cpu_percent float', svc({ cpu_percent: '12.5' }), ['services', 'app', 'cpu_percent'], 12.5],
    ['pids_limit int64', svc({ pids_limit: '-1' }), ['services', 'app', 'pids_limit'], -1],
    ['oom_score_adj sign', svc({ oom_score_adj: '+500' }), ['services', 'app', 'oom_score_adj'], 500],
    [
      'depends_on required',
      svc({ depends_on: { db: { required: 'false' } } }),
      ['services', 'app', 'depends_on', 'db', 'required'],
      false,
    ],
    [
      'volume read_only',
      svc({ volumes: [{ read_only: '$YES' }] }),
      ['services', 'app', 'volumes', 0, 'read_only'],
      true,
    ],
    [
      'volume nocopy',
      svc({ volumes: [{ volume: { nocopy: 'true' } }] }),
      ['services', 'app', 'volumes', 0, 'volume', 'nocopy'],
      true,
    ],
    ['network external', { networks: { n: { external: '$YES' } } }, ['networks', 'n', 'external'], true],
    [
      'network enable_ipv6',
      { networks: { n: { enable_ipv6: 'false' } } },
      ['networks', 'n', 'enable_ipv6'],
      false,
    ],
    ['volume external', { volumes: { v: { external: 'true' } } }, ['volumes', 'v', 'external'], true],
    ['secret external', { secrets: { s: { external: 'true' } } }, ['secrets', 's', 'external'], true],
    ['config external', { configs: { c: { external: 'true' } } }, ['configs', 'c', 'external'], true],
    ['no cast under extensions', { 'x-svc': { app: { scale: '3' } } }, ['x-svc', 'app', 'scale'], '3'],
    [
      'no cast on a list where a map is expected',
      svc({ deploy: ['$N'] }),
      ['services', 'app', 'deploy', 0],
      '3',
    ],
  ])('%s', (_name, dict, path, expected) => {
    let node: any = interpolate(dict as Record<string, unknown>).value;
    for (const seg of path) node = node[seg];
    expect(node).toStrictEqual(expected);
  });

  it.each([
    ['yes', true, '"yes" for boolean is not supported by YAML 1.2, please use `true`'],
    ['On', true, '"On" for boolean is not supported by YAML 1.2, please use `true`'],
    ['n', false, '"n" for boolean is not supported by YAML 1.2, please use `false`'],
  ])('accepts YAML 1.1 boolean %s with a warning', (text, bool, warning) => {
    const { value, warnings } = interpolate(svc({ init: text }));
    expect(value.services.app.init).toBe(bool);
    expect(warnings).toEqual([warning]);
  });

  it.each([
    ['1_000', 1000],
    ['1e3', 1000],
    ['.5', 0.5],
    ['-0x1p-2', -0.25],
    ['+Inf', Number.POSITIVE_INFINITY],
  ])('parses Go float %s', (text, expected) => {
    expect(interpolate(svc({ cpu_percent: text })).value.services.app.cpu_percent).toBe(expected);
  });

  it.each([
    [svc({ scale: 'abc' }), 'services.app.scale', 'strconv.Atoi: parsing "abc": invalid syntax'],
    [svc({ scale: '' }), 'services.app.scale', 'strconv.Atoi: parsing "": invalid syntax'],
    [svc({ scale: '1.5' }), 'services.app.scale', 'strconv.Atoi: parsing "1.5": invalid syntax'],
    [svc({ scale: '1_000' }), 'services.app.scale', 'strconv.Atoi: parsing "1_000": invalid syntax'],
    [
      svc({ scale: '99999999999999999999' }),
      'services.app.scale',
      'strconv.Atoi: parsing "99999999999999999999": value out of range',
    ],
    [svc({ cpu_shares: 'x' }), 'services.app.cpu_shares', 'strconv.ParseInt: parsing "x": invalid syntax'],
    [svc({ cpus: 'lots' }), 'services.app.cpus', 'strconv.ParseFloat: parsing "lots": invalid syntax'],
    [svc({ cpus: '1e39' }), 'services.app.cpus', 'strconv.ParseFloat: parsing "1e39": value out of range'],
    [svc({ privileged: 'maybe' }), 'services.app.privileged', 'invalid boolean: maybe'],
    [
      svc({ ports: [{ target: '${MISSING}' }] }),
      'services.app.ports[0].target',
      'strconv.Atoi: parsing "": invalid syntax',
    ],
  ])('cast failure %#', (dict, where, detail) => {
    const err = failure(dict);
    expect(err.code).toBe('COMPOSE_INTERPOLATION');
    expect(err.message).toBe(
      `error while interpolating ${where}: failed to cast to expected type: ${detail}`,
    );
  });
});

describe('interpolateModel: errors', () => {
  it('reports a missing required variable with its path', () => {
    const err = failure(svc({ command: ['run', '${TOKEN:?set a token}'] }));
    expect(err.message).toBe(
      'error while interpolating services.app.command[1]: required variable TOKEN is missing a value: set a token',
    );
    expect(err.location?.path).toEqual(['services', 'app', 'command', 1]);
    expect(err.hint).toContain('TOKEN');
  });

  it('reports an invalid template like compose', () => {
    const err = failure(svc({ environment: { A: 'cost ${ x' } }));
    expect(err.message).toBe(
      'invalid interpolation format for services.app.environment.A.\nYou may need to escape any $ with another $.\ncost ${ x',
    );
    expect(err.location?.path).toEqual(['services', 'app', 'environment', 'A']);
  });

  it('stops at the first failing value', () => {
    const err = failure({ a: '${A:?first}', b: '${B:?second}' });
    expect(err.message).toContain('required variable A');
  });
});

describe('interpolateModel: scale', () => {
  it('handles a 500-service model quickly', () => {
    const services: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) {
      services[`svc${i}`] = {
        image: 'registry/${NAME}:${TAG:-latest}',
        environment: { A: '$NAME', B: 'plain', C: '${N}' },
        ports: [{ target: '${PORT}', published: '${PORT}' }, '80:80'],
        deploy: { replicas: '$N', resources: { limits: { cpus: '0.5' } } },
        healthcheck: { test: ['CMD', 'curl', 'http://localhost:${PORT}'], retries: 3 },
        labels: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`l${j}`, `v${j}-\${NAME}`])),
      };
    }
    const started = performance.now();
    const out = interpolateModel({ services }, { lookup });
    const elapsed = performance.now() - started;
    expect(out.services.svc499.ports[0].target).toBe(8080);
    expect(elapsed).toBeLessThan(1_000);
  });
});
