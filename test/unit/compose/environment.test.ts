// biome-ignore-all lint/suspicious/noTemplateCurlyInString: env files contain ${VAR} references on purpose
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resolveEnvironment,
  resolveSecretsConfigsEnvironment,
  resolveServiceEnvironment,
  resolveServiceLabels,
} from '../../../src/compose/environment.js';
import type { Dict } from '../../../src/compose/yaml.js';

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-env-'));
  writeFileSync(file('a.env'), 'FOO=from_a\nBAR=from_a\nREF=${PROJ}-${OWN}\nINHERIT\n');
  writeFileSync(file('b.env'), 'BAR=from_b\nCHAIN=${FOO}\n');
  writeFileSync(file('raw.env'), "# comment\nQUOTED='kept'\nSPACED=x  \nREF=${FOO}\nPROJ\n");
  writeFileSync(file('bad.env'), 'A B=1\n');
  writeFileSync(file('1.label'), 'L1=one\nSHARED=1\n');
  writeFileSync(file('2.label'), 'SHARED=2\nREF=${L1}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolveWeb = (service: Dict, env: Record<string, string> = {}, discardEnvFiles = false): Dict =>
  resolveServiceEnvironment({ services: { web: service } }, { env, discardEnvFiles }).services.web;

describe('resolveServiceEnvironment', () => {
  it('merges env files in order under the service environment', () => {
    const web = resolveWeb(
      {
        environment: { OWN: 'own', BAR: 'service', UNSET: null, PROJ: null },
        env_file: [
          { path: file('a.env'), required: true },
          { path: file('b.env'), required: true },
          { path: file('missing.env'), required: false },
        ],
      },
      { PROJ: 'proj', INHERIT: 'inherited' },
    );
    expect(web.environment).toEqual({
      OWN: 'own',
      BAR: 'service',
      PROJ: 'proj',
      FOO: 'from_a',
      REF: 'proj-own',
      INHERIT: 'inherited',
      CHAIN: 'from_a',
      UNSET: null,
    });
    expect(web.env_file).toHaveLength(3);
  });

  it('drops env_file when asked and leaves the input alone', () => {
    const service = { environment: ['A=1', 'B'], env_file: [{ path: file('b.env'), required: true }] };
    const web = resolveWeb(service, { B: 'b' }, true);
    expect(web.env_file).toBeUndefined();
    expect(web.environment).toEqual({ A: '1', B: 'b', BAR: 'from_b', CHAIN: '' });
    expect(service.env_file).toHaveLength(1);
  });

  it('reads the raw format literally', () => {
    const web = resolveWeb({ env_file: [{ path: file('raw.env'), format: 'raw' }] }, { PROJ: 'p' });
    expect(web.environment).toEqual({ QUOTED: "'kept'", SPACED: 'x  ', REF: '${FOO}', PROJ: 'p' });
  });

  it('accepts short env_file forms and relative paths against baseDir', () => {
    const out = resolveServiceEnvironment(
      { services: { web: { env_file: 'b.env' } } },
      { env: {}, discardEnvFiles: false, baseDir: dir },
    );
    expect(out.services.web.environment.BAR).toBe('from_b');
  });

  it('removes an environment that ends up empty', () => {
    expect(resolveWeb({ image: 'x' })).toEqual({ image: 'x' });
  });

  it.each<[string, Dict, string, string]>([
    [
      'a missing required file',
      { path: join('nowhere', 'x.env'), required: true },
      'COMPOSE_ENV_FILE',
      'x.env not found',
    ],
    [
      'an unknown format',
      { path: 'a.env', format: 'yaml' },
      'COMPOSE_ENV_FILE',
      'unsupported env_file format "yaml"',
    ],
    ['a syntax error', { path: 'bad.env' }, 'COMPOSE_ENV_FILE', 'key cannot contain a space'],
  ])('rejects %s', (_, entry, code, message) => {
    const run = () =>
      resolveServiceEnvironment(
        { services: { web: { env_file: [entry] } } },
        { env: {}, discardEnvFiles: false, baseDir: dir },
      );
    expect(run).toThrowError(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });

  it('locates a missing file at its env_file entry', () => {
    try {
      resolveWeb({ env_file: [{ path: file('nope.env'), required: true }] });
      expect.unreachable();
    } catch (err: any) {
      expect(err.location).toEqual({ path: ['services', 'web', 'env_file', 0], service: 'web' });
    }
  });
});

describe('resolveServiceLabels', () => {
  it('merges label files under labels', () => {
    const out = resolveServiceLabels(
      {
        services: {
          a: { label_file: [file('1.label'), file('2.label')], labels: { L1: 'own' } },
          b: { labels: ['X=1', 'Y'] },
          c: { image: 'x' },
        },
      },
      { discardLabelFiles: true },
    );
    expect(out.services.a.labels).toEqual({ L1: 'own', SHARED: '2', REF: 'one' });
    expect(out.services.a.label_file).toBeUndefined();
    expect(out.services.b.labels).toEqual({ X: '1', Y: '' });
    expect(out.services.c).toEqual({ image: 'x' });
  });

  it('rejects a missing label file', () => {
    expect(() =>
      resolveServiceLabels(
        { services: { a: { label_file: [file('none.label')] } } },
        { discardLabelFiles: false },
      ),
    ).toThrowError(
      expect.objectContaining({
        code: 'COMPOSE_ENV_FILE',
        message: expect.stringContaining('none.label not found'),
      }),
    );
  });
});

describe('secrets and configs from the environment', () => {
  it('sets content from the project environment', () => {
    const dict = resolveSecretsConfigsEnvironment(
      {
        secrets: { s: { environment: 'MEU' }, f: { file: '/x' }, u: { environment: 'UNSET' } },
        configs: { c: { environment: 'GA' } },
      },
      { GA: 'BU', MEU: 'Shadoks' },
    );
    expect(dict.secrets).toEqual({
      s: { environment: 'MEU', content: 'Shadoks' },
      f: { file: '/x' },
      u: { environment: 'UNSET' },
    });
    expect(dict.configs.c.content).toBe('BU');
  });

  it('resolveEnvironment also fills list-form service environment', () => {
    const dict = resolveEnvironment(
      { services: { a: { environment: ['FOO', 'BAR', 'Z=1'] } } },
      { FOO: 'foo' },
    );
    expect(dict.services.a.environment).toEqual(['FOO=foo', 'BAR', 'Z=1']);
  });
});
