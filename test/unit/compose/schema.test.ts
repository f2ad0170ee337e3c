import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GO_DURATION_PATTERN,
  generateValidatorSource,
  OUTPUT_FILE,
  SCHEMA_FILE,
} from '../../../scripts/build-schema-validator.mjs';
import { ComposeError } from '../../../src/api/errors.js';
import {
  checkSchema,
  closestKey,
  editDistance,
  isGoDuration,
  SchemaError,
  type SchemaViolation,
  validateSchema,
} from '../../../src/compose/schema.js';

type Model = Record<string, any>;

/** A model with one service `web` (image busybox) plus `extra` merged into that service. */
const web = (extra: Model): Model => ({ services: { web: { image: 'busybox', ...extra } } });

interface Row {
  name: string;
  model: unknown;
  expect: Partial<SchemaViolation>;
}

const rows: Row[] = [
  // Unknown keys: the path includes the key; a close allowed key is suggested.
  {
    name: 'misspelt service key',
    model: web({ imagee: 'x' }),
    expect: {
      path: ['services', 'web'],
      key: 'imagee',
      keyword: 'additionalProperties',
      message: 'unknown key "imagee"',
      hint: 'did you mean "image"?',
      upstreamMessage: "services.web additional properties 'imagee' not allowed",
    },
  },
  {
    name: 'transposed letters',
    model: web({ enviornment: {} }),
    expect: { path: ['services', 'web'], key: 'enviornment', hint: 'did you mean "environment"?' },
  },
  {
    name: 'dash instead of underscore',
    model: web({ 'depends-on': ['db'] }),
    expect: { hint: 'did you mean "depends_on"?' },
  },
  {
    name: 'upper case',
    model: web({ Image: 'x' }),
    expect: { hint: 'did you mean "image"?' },
  },
  {
    name: 'key of a nested mapping',
    model: web({ replicas: 2 }),
    expect: { path: ['services', 'web'], key: 'replicas', hint: '"replicas" belongs under "deploy"' },
  },
  {
    name: 'key two levels down',
    model: web({ limits: {} }),
    expect: { hint: '"limits" belongs under "deploy.resources" (or did you mean "ulimits"?)' },
  },
  {
    name: 'nothing close: extension prefix hint',
    model: web({ helicopters: 1 }),
    expect: { hint: 'custom keys must start with "x-"' },
  },
  {
    name: 'unknown top-level key',
    model: { helicopters: { foo: { image: 'busybox' } } },
    expect: {
      path: [],
      key: 'helicopters',
      message: 'unknown key "helicopters"',
      upstreamMessage: "additional properties 'helicopters' not allowed",
    },
  },
  {
    name: 'version 1 file',
    model: { web: { image: 'busybox' } },
    expect: {
      path: [],
      key: 'web',
      hint: 'declare services under "services:" (the version 1 file format is not supported)',
    },
  },
  {
    name: 'invalid service name',
    model: { services: { 'my web': { image: 'x' } } },
    expect: {
      path: ['services'],
      key: 'my web',
      message: 'unknown key "my web"',
      hint: 'names may only contain letters, digits, ".", "_" and "-"',
    },
  },
  {
    name: 'several unknown keys in one mapping',
    model: web({ imagee: 'x', portz: [] }),
    expect: {
      path: ['services', 'web'],
      key: 'imagee',
      message: 'unknown keys "imagee", "portz"',
      hint: 'did you mean "image"?; did you mean "ports"?',
    },
  },
  {
    name: 'unknown key in a list item',
    model: web({ volumes: [{ type: 'tmpfs', target: '/app', foo: { bar: 'zot' } }] }),
    expect: {
      path: ['services', 'web', 'volumes', 0],
      key: 'foo',
      upstreamMessage: "services.web.volumes.0 additional properties 'foo' not allowed",
    },
  },
  // Types.
  {
    name: 'string expected',
    model: web({ image: ['busybox', 'latest'] }),
    expect: { path: ['services', 'web', 'image'], keyword: 'type', message: 'must be a string' },
  },
  {
    name: 'number where a string is expected',
    model: { name: 123 },
    expect: {
      path: ['name'],
      message: 'must be a string',
      hint: 'quote the value so YAML reads it as a string',
      upstreamMessage: 'name must be a string',
    },
  },
  {
    name: 'mapping expected',
    model: { services: { web: 'busybox' } },
    expect: {
      path: ['services', 'web'],
      message: 'must be a mapping',
      upstreamMessage: 'services.web must be a mapping',
    },
  },
  {
    name: 'list expected',
    model: web({ cap_add: 'NET_ADMIN' }),
    expect: { message: 'must be a list', hint: 'write a list, e.g. ["NET_ADMIN"]' },
  },
  {
    name: 'mapping or list',
    model: web({ environment: 'FOO=1' }),
    expect: {
      path: ['services', 'web', 'environment'],
      message: 'must be a mapping or a list',
      hint: 'write a mapping (KEY: value) or a list of KEY=value strings',
      upstreamMessage: 'services.web.environment must be a mapping or array',
    },
  },
  {
    name: 'empty value',
    model: web({ build: { context: '.', ssh: null } }),
    expect: {
      path: ['services', 'web', 'build', 'ssh'],
      message: 'must be a mapping or a list',
      hint: 'the key has no value: give it one or remove the key',
    },
  },
  {
    name: 'scalar mapping values',
    model: web({ environment: { FOO: ['1'] } }),
    expect: {
      path: ['services', 'web', 'environment', 'FOO'],
      message: 'must be a boolean, null, a number or a string',
      upstreamMessage: 'services.web.environment.FOO must be a boolean, null, number or string',
    },
  },
  {
    name: 'integer, with compose-go article',
    model: web({ volumes: [{ type: 'tmpfs', target: '/app', tmpfs: { size: 0.5 } }] }),
    expect: {
      path: ['services', 'web', 'volumes', 0, 'tmpfs', 'size'],
      message: 'must be an integer or a string',
      upstreamMessage: 'services.web.volumes.0.tmpfs.size must be a integer or string',
    },
  },
  {
    name: 'null, string or list',
    model: web({ command: { run: 'x' } }),
    expect: { message: 'must be null, a string or a list' },
  },
  {
    name: 'network as a string',
    model: { networks: { default: 'bridge' } },
    expect: { path: ['networks', 'default'], message: 'must be a mapping or null' },
  },
  // Values and constraints.
  {
    name: 'enum',
    model: web({ depends_on: { db: { condition: 'started' } } }),
    expect: {
      path: ['services', 'web', 'depends_on', 'db', 'condition'],
      keyword: 'enum',
      message: 'must be one of: service_started, service_healthy, service_completed_successfully',
    },
  },
  {
    name: 'enum beats the type error of the same schema',
    model: web({ cgroup: 5 }),
    expect: { message: 'must be one of: host, private', hint: undefined },
  },
  {
    name: 'oneOf alternatives are merged',
    model: web({ gpus: 'some' }),
    expect: { path: ['services', 'web', 'gpus'], message: 'must be "all" or a list', hint: undefined },
  },
  {
    name: 'minimum',
    model: web({ volumes: [{ type: 'tmpfs', target: '/app', tmpfs: { size: -1 } }] }),
    expect: {
      keyword: 'minimum',
      message: 'must be greater than or equal to 0',
      upstreamMessage: 'services.web.volumes.0.tmpfs.size must be greater than or equal to 0',
    },
  },
  {
    name: 'maximum',
    model: web({ oom_score_adj: 1001 }),
    expect: { path: ['services', 'web', 'oom_score_adj'], message: 'must be less than or equal to 1000' },
  },
  {
    name: 'required',
    model: web({ develop: { watch: [{ path: './src', target: '/app' }] } }),
    expect: {
      path: ['services', 'web', 'develop', 'watch', 0],
      keyword: 'required',
      message: "missing property 'action'",
      hint: 'add "action": one of rebuild, sync, restart, sync+restart, sync+exec',
      upstreamMessage: "services.web.develop.watch.0 missing property 'action'",
    },
  },
  {
    name: 'several required',
    model: web({ develop: { watch: [{ target: '/app' }] } }),
    expect: { message: "missing properties 'path', 'action'" },
  },
  {
    name: 'required without allowed values',
    model: web({ deploy: { resources: { reservations: { devices: [{ driver: 'nvidia', count: 2 }] } } } }),
    expect: { message: "missing property 'capabilities'", hint: undefined },
  },
  {
    name: 'duplicate list entries point at the later one',
    model: web({ ports: ['80:80', '443:443', '80:80'] }),
    expect: {
      path: ['services', 'web', 'ports', 2],
      keyword: 'uniqueItems',
      message: 'duplicate entry: same as item 0',
      upstreamMessage: 'services.web.ports items at 0 and 2 are equal',
    },
  },
  {
    name: 'pattern',
    model: web({ container_name: '-' }),
    expect: {
      path: ['services', 'web', 'container_name'],
      message: '"-" is not a valid container name',
      hint: 'a container name starts with a letter or digit, then letters, digits, "_", "." or "-"',
    },
  },
  // The most specific error wins.
  {
    name: 'deepest error wins',
    model: web({ ports: 'x', deploy: { resources: { limits: { memory: 512 } } } }),
    expect: {
      path: ['services', 'web', 'deploy', 'resources', 'limits', 'memory'],
      message: 'must be a string',
    },
  },
  {
    name: 'an unknown key counts one level deeper than its mapping',
    model: web({ imagee: 'x', ports: [{ target: 'x', published: {} }] }),
    expect: { path: ['services', 'web', 'ports', 0, 'published'] },
  },
  {
    name: 'an unknown key beats a type error at the same depth',
    model: web({ imagee: 'x', ports: { '80': 80 }, environment: 'x' }),
    expect: { path: ['services', 'web'], key: 'imagee' },
  },
  {
    name: 'deeper error inside a list form',
    model: web({ depends_on: ['db', 1] }),
    expect: { path: ['services', 'web', 'depends_on', 1], message: 'must be a string' },
  },
  {
    name: 'deeper error inside a mapping form',
    model: web({ depends_on: { db: { condition: 'service_started', wait: true } } }),
    expect: { path: ['services', 'web', 'depends_on', 'db'], key: 'wait' },
  },
  {
    name: 'gpus list branch',
    model: web({ gpus: [{ count: {} }] }),
    expect: { path: ['services', 'web', 'gpus', 0, 'count'], message: 'must be an integer or a string' },
  },
  {
    name: 'keys containing / and ~',
    model: web({ labels: { 'a/b~c': { x: 1 } } }),
    expect: { path: ['services', 'web', 'labels', 'a/b~c'] },
  },
];

describe('checkSchema', () => {
  it.each(rows)('$name', ({ model, expect: expected }) => {
    const v = checkSchema(model);
    expect(v).toBeDefined();
    for (const [k, value] of Object.entries(expected)) {
      expect(v![k as keyof SchemaViolation], `${k} of ${JSON.stringify(v)}`).toEqual(value);
    }
  });

  it.each([
    ['a minimal file', { services: { web: { image: 'busybox' } } }],
    [
      'extensions everywhere',
      { 'x-a': 1, services: { web: { image: 'x', 'x-b': [], ports: [{ target: 80, 'x-c': 1 }] } } },
    ],
    [
      'variables in typed fields',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose variables, not JS templates
      web({ ports: ['${P}'], scale: '${N}', tty: '${TTY}', cpu_percent: '${C}' }),
    ],
    ['obsolete version', { version: '3.8', services: { web: { image: 'x' } } }],
    ['empty network and volume', { networks: { front: null }, volumes: { data: null } }],
    ['gpus all', web({ gpus: 'all' })],
    ['network names outside the name pattern are not checked (as upstream)', { networks: { 'a b': 5 } }],
  ])('accepts %s', (_, model) => {
    expect(checkSchema(model)).toBeUndefined();
  });
});

describe('validateSchema', () => {
  it('throws a COMPOSE_SCHEMA ComposeError located at the offending key', () => {
    let caught: unknown;
    try {
      validateSchema(web({ imagee: 'x' }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaError);
    expect(caught).toBeInstanceOf(ComposeError);
    const err = caught as SchemaError;
    expect(err.code).toBe('COMPOSE_SCHEMA');
    expect(err.message).toBe('unknown key "imagee"');
    expect(err.hint).toBe('did you mean "image"?');
    expect(err.location?.path).toEqual(['services', 'web']);
    expect(err.location?.key).toBe('imagee');
    expect(err.keyword).toBe('additionalProperties');
    expect(err.upstreamMessage).toBe("services.web additional properties 'imagee' not allowed");
    expect(err.describe()).toBe('services.web: unknown key "imagee"');
  });

  it('returns quietly for a valid model and does not change it', () => {
    const model = web({ ports: ['80:80'], environment: { A: 1 } });
    const before = structuredClone(model);
    expect(() => validateSchema(model)).not.toThrow();
    expect(model).toEqual(before);
  });
});

describe('did you mean', () => {
  it.each([
    ['imagee', 'image', 1],
    ['image', 'image', 0],
    ['ca', 'ac', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
  ])('editDistance(%s, %s) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it.each([
    ['imgae', ['image', 'init'], 'image'],
    ['port', ['ports', 'profiles'], 'ports'],
    ['prot', ['ports', 'profiles'], undefined],
    ['zzz', ['image', 'ports'], undefined],
    ['net', ['networks', 'network_mode'], undefined],
    ['healtcheck', ['healthcheck', 'hostname'], 'healthcheck'],
  ])('closestKey(%s) = %s', (key, allowed, expected) => {
    expect(closestKey(key, allowed)).toBe(expected);
  });
});

describe('duration format', () => {
  const table: [string, boolean][] = [
    ['10s', true],
    ['1m30s', true],
    ['1.5h', true],
    ['.5s', true],
    ['5.s', true],
    ['-2ms', true],
    ['+3us', true],
    ['4µs', true],
    ['300ns', true],
    ['0', true],
    ['-0', true],
    ['1h2m3s4ms5us6ns', true],
    ['', false],
    ['10', false],
    ['s', false],
    ['.s', false],
    ['1d', false],
    ['1 s', false],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a JS template
    ['${D}', false],
    ['1m-30s', false],
  ];
  it.each(table)('isGoDuration(%j) = %s', (text, valid) => {
    expect(isGoDuration(text)).toBe(valid);
    expect(new RegExp(GO_DURATION_PATTERN, 'u').test(text)).toBe(valid);
  });
});

describe('generated validator', () => {
  it('is up to date with schemas/compose-spec.json', () => {
    const expected = generateValidatorSource(readFileSync(SCHEMA_FILE, 'utf8'));
    // If this fails: node scripts/build-schema-validator.mjs
    expect(readFileSync(OUTPUT_FILE, 'utf8') === expected).toBe(true);
  });
});
