import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanPath, isWindowsAbs, joinPath, resolveRelativePaths } from '../../../src/compose/paths.js';
import type { Dict } from '../../../src/compose/yaml.js';

const wd = '/work/proj';
const home = process.env.HOME ?? '';

describe('Go path helpers', () => {
  it.each([
    ['', '.'],
    ['./', '.'],
    ['/a/b/', '/a/b'],
    ['a//b/../c', 'a/c'],
    ['/', '/'],
    ['../x/', '../x'],
  ])('cleanPath(%j) = %j', (p, out) => expect(cleanPath(p)).toBe(out));

  it('joinPath skips empty elements', () => {
    expect(joinPath('', 'x/')).toBe('x');
    expect(joinPath('', '')).toBe('');
    expect(joinPath('/w', '.')).toBe('/w');
    expect(joinPath('/w', '../x')).toBe('/x');
  });

  it.each([
    ['C:\\x', true],
    ['c:/x', true],
    ['C:', false],
    ['\\\\host\\share', true],
    ['rel\\x', false],
  ])('isWindowsAbs(%j) = %s', (p, out) => expect(isWindowsAbs(p)).toBe(out));
});

describe('resolveRelativePaths', () => {
  const resolve = (dict: Dict, dir = wd, isRemote?: (p: string) => boolean): Dict =>
    resolveRelativePaths(dict, dir, isRemote);

  it.each([
    ['.', wd],
    ['./app', `${wd}/app`],
    ['../up', '/work/up'],
    ['/abs', '/abs'],
    ['~/src', join(home, 'src')],
    ['https://github.com/a/b.git', 'https://github.com/a/b.git'],
    ['git@github.com:a/b.git', 'git@github.com:a/b.git'],
    ['github.com/a/b', 'github.com/a/b'],
    ['docker-image://alpine', 'docker-image://alpine'],
    ['service:base', 'service:base'],
  ])('build.context %j → %j', (ctx, out) => {
    const dict = resolve({ services: { a: { build: { context: ctx, additional_contexts: { x: ctx } } } } });
    expect(dict.services.a.build.context).toBe(out);
    expect(dict.services.a.build.additional_contexts.x).toBe(out);
  });

  it('keeps relative paths relative without a working directory', () => {
    const dict = resolve({ services: { a: { build: { context: './src/' } } } }, '');
    expect(dict.services.a.build.context).toBe('src');
  });

  it('resolves file references of services', () => {
    const dict = resolve({
      services: {
        a: {
          build: { ssh: { default: null, key: './id_rsa' } },
          env_file: [{ path: './a.env', required: true }, { path: '/abs.env' }],
          label_file: ['l.label'],
          extends: { file: 'base.yaml', service: 'b' },
          volumes: [
            { type: 'bind', source: '.', target: '/app' },
            { type: 'bind', source: '~/cache', target: '/c' },
            { type: 'bind', source: 'C:\\data', target: '/d' },
            { type: 'volume', source: 'data', target: '/v' },
          ],
        },
      },
    });
    const a = dict.services.a;
    expect(a.build.ssh).toEqual({ default: null, key: `${wd}/id_rsa` });
    expect(a.env_file).toEqual([{ path: `${wd}/a.env`, required: true }, { path: '/abs.env' }]);
    expect(a.label_file).toEqual([`${wd}/l.label`]);
    expect(a.extends.file).toBe(`${wd}/base.yaml`);
    expect(a.volumes.map((v: Dict) => v.source)).toEqual([wd, join(home, 'cache'), 'C:\\data', 'data']);
  });

  it('leaves remote extends files alone', () => {
    const dict = resolve({ services: { a: { extends: { file: 'oci://x', service: 'b' } } } }, wd, (p) =>
      p.startsWith('oci://'),
    );
    expect(dict.services.a.extends.file).toBe('oci://x');
  });

  it('resolves configs, secrets and local bind volumes', () => {
    const dict = resolve({
      configs: { c: { file: './c.txt' } },
      secrets: { s: { file: 's.txt' }, e: { environment: 'X' } },
      volumes: {
        bound: { driver: 'local', driver_opts: { o: 'bind', device: './data', type: 'none' } },
        nfs: { driver: 'local', driver_opts: { o: 'addr=1.2.3.4', device: ':/x' } },
        other: { driver: 'custom', driver_opts: { o: 'bind', device: './x' } },
        empty: null,
      },
    });
    expect(dict.configs.c.file).toBe(`${wd}/c.txt`);
    expect(dict.secrets.s.file).toBe(`${wd}/s.txt`);
    expect(dict.secrets.e).toEqual({ environment: 'X' });
    expect(dict.volumes.bound.driver_opts.device).toBe(`${wd}/data`);
    expect(dict.volumes.nfs.driver_opts.device).toBe(':/x');
    expect(dict.volumes.other.driver_opts.device).toBe('./x');
    expect(dict.volumes.empty).toBeNull();
  });

  it('rejects a bind mount without source', () => {
    expect(() => resolve({ services: { a: { volumes: [{ type: 'bind', target: '/app' }] } } })).toThrowError(
      expect.objectContaining({
        code: 'COMPOSE_INVALID',
        message: 'invalid mount config for type "bind": field Source must not be empty',
        location: expect.objectContaining({ path: ['services', 'a', 'volumes', 0] }),
      }),
    );
  });

  describe('develop.watch paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-paths-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('resolves a symlinked component to its target', () => {
      mkdirSync(join(dir, 'real'));
      symlinkSync(join(dir, 'real'), join(dir, 'link'));
      const dict = resolve(
        { services: { a: { develop: { watch: [{ path: 'link/src' }, { path: 'plain' }] } } } },
        dir,
      );
      expect(dict.services.a.develop.watch[0].path).toBe(join(realpathSync(join(dir, 'real')), 'src'));
      expect(dict.services.a.develop.watch[1].path).toBe(join(dir, 'plain'));
    });
  });
});
