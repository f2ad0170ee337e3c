import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BerthError } from '../../../src/api/errors.js';
import { loadProject } from '../../../src/compose/load-project.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-load-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const load = (opts: Parameters<typeof loadProject>[0] = {}) => loadProject({ cwd: dir, env: {}, ...opts });

async function errorOf(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BerthError);
    return err as BerthError;
  }
  throw new Error('expected an error');
}

describe('loadProject', () => {
  it('takes the project name from the directory and adds the default network', async () => {
    write({ 'My App/compose.yaml': 'services:\n  web:\n    image: nginx\n' });
    const p = await load({ cwd: join(dir, 'My App') });
    expect(p.name).toBe('myapp');
    expect(p.services.web!.networks).toEqual({ default: null });
    expect(p.networks?.default?.name).toBe('myapp_default');
    expect(p.workingDir).toBe(join(dir, 'My App'));
    expect(p.configFiles).toEqual([join(dir, 'My App', 'compose.yaml')]);
  });

  it('orders names: -p > COMPOSE_PROJECT_NAME > name: > directory', async () => {
    write({ 'compose.yaml': 'name: from-file\nservices:\n  web:\n    image: nginx\n' });
    expect((await load()).name).toBe('from-file');
    expect((await load({ env: { COMPOSE_PROJECT_NAME: 'from-env' } })).name).toBe('from-env');
    expect((await load({ env: { COMPOSE_PROJECT_NAME: 'from-env' }, projectName: 'flag' })).name).toBe(
      'flag',
    );
  });

  it('rejects an invalid -p with the rule', async () => {
    write({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n' });
    const err = await errorOf(load({ projectName: 'Not Valid' }));
    expect(err.code).toBe('COMPOSE_PROJECT_NAME');
    expect(err.message).toMatch(/must consist only of lowercase alphanumeric characters/);
  });

  it('reads .env, and the OS environment wins over it', async () => {
    write({
      'compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG}"\n    environment:\n      A: ${A}\n',
      '.env': 'TAG=1.27\nA=from-dotenv\n',
    });
    const p = await load({ env: { A: 'from-os' } });
    expect(p.services.web!.image).toBe('nginx:1.27');
    expect(p.services.web!.environment).toEqual({ A: 'from-os' });
  });

  it('lets later --env-file win, ignores .env then, and honours COMPOSE_DISABLE_ENV_FILE', async () => {
    write({
      'compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG:-none}"\n',
      '.env': 'TAG=dotenv\n',
      'a.env': 'TAG=a\n',
      'b.env': 'TAG=b\n',
    });
    expect((await load({ envFiles: ['a.env', 'b.env'] })).services.web!.image).toBe('nginx:b');
    expect((await load({ env: { COMPOSE_DISABLE_ENV_FILE: 'true' } })).services.web!.image).toBe(
      'nginx:none',
    );
    expect((await load({ env: { COMPOSE_ENV_FILES: 'b.env,a.env' } })).services.web!.image).toBe('nginx:a');
    const err = await errorOf(load({ envFiles: ['missing.env'] }));
    expect(err.code).toBe('COMPOSE_ENV_FILE');
  });

  it('takes COMPOSE_FILE from .env', async () => {
    write({
      'one.yaml': 'services:\n  one:\n    image: a\n',
      'two.yaml': 'services:\n  two:\n    image: b\n',
      '.env': 'COMPOSE_FILE=one.yaml:two.yaml\n',
    });
    expect(Object.keys((await load()).services).sort()).toEqual(['one', 'two']);
  });

  it('enables profiles from COMPOSE_PROFILES and from named services', async () => {
    write({
      'compose.yaml':
        'services:\n  web:\n    image: a\n  debug:\n    image: b\n    profiles: [dev]\n  tools:\n    image: c\n    profiles: [ops]\n',
    });
    expect(Object.keys((await load()).services)).toEqual(['web']);
    expect(Object.keys((await load({ env: { COMPOSE_PROFILES: 'dev' } })).services).sort()).toEqual([
      'debug',
      'web',
    ]);
    expect(Object.keys((await load({ profiles: ['ops', 'dev'] })).services).sort()).toEqual([
      'debug',
      'tools',
      'web',
    ]);
    expect(Object.keys((await load({ services: ['tools'] })).services)).toEqual(['tools']);
  });

  it('reads -f - from stdin, resolving paths against cwd', async () => {
    const p = await load({
      files: ['-'],
      projectName: 'stdin',
      stdin: async () => 'services:\n  web:\n    build: ./app\n',
    });
    expect(p.services.web!.build?.context).toBe(join(dir, 'app'));
  });

  it('merges an override file found beside compose.yaml', async () => {
    write({
      'compose.yaml': 'services:\n  web:\n    image: a\n    ports: ["80:80"]\n',
      'compose.override.yaml': 'services:\n  web:\n    ports: !reset []\n    environment: [X=1]\n',
    });
    const p = await load();
    expect(p.services.web!.ports).toBeUndefined();
    expect(p.services.web!.environment).toEqual({ X: '1' });
  });

  it('points a schema error at file:line:col with the key', async () => {
    write({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    imagee: nginx\n' });
    const err = await errorOf(load());
    expect(err.code).toBe('COMPOSE_SCHEMA');
    expect(err.describe()).toMatch(/compose\.yaml:4:5: services\.web.*imagee/);
  });

  it('points an unset required variable at its line', async () => {
    write({ 'compose.yaml': 'services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n' });
    const err = await errorOf(load());
    expect(err.code).toBe('COMPOSE_INTERPOLATION');
    expect(err.describe()).toMatch(
      /compose\.yaml:3:5: .*required variable IMAGE is missing a value: set IMAGE/,
    );
  });

  it('names an undefined network reference', async () => {
    write({ 'compose.yaml': 'services:\n  web:\n    image: a\n    networks: [back]\n' });
    const err = await errorOf(load());
    expect(err.code).toBe('COMPOSE_INVALID');
    expect(err.describe()).toMatch(/compose\.yaml:\d+:\d+: .*undefined network back/);
  });

  it('names a dependency cycle', async () => {
    write({
      'compose.yaml':
        'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n',
    });
    const err = await errorOf(load());
    expect(err.code).toBe('COMPOSE_CYCLE');
    expect(err.message).toMatch(/dependency cycle detected: (a -> b -> a|b -> a -> b)/);
  });
});
