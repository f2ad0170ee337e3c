import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import {
  isLocalPath,
  isWithin,
  resolveInRoot,
  resolveSubpath,
} from '../../../../src/engine/volumes/scoped-path.js';

describe('isLocalPath / isWithin', () => {
  it.each([
    ['a', true],
    ['a/b/../c', true],
    ['./a', true],
    ['a/..', true],
    ['', false],
    ['/a', false],
    ['..', false],
    ['../a', false],
    ['a/../../b', false],
    ['a\0b', false],
  ])('isLocalPath(%j) = %s', (p, want) => {
    expect(isLocalPath(p)).toBe(want);
  });

  it('isWithin', () => {
    expect(isWithin('/v/_data', '/v/_data')).toBe(true);
    expect(isWithin('/v/_data', '/v/_data/a')).toBe(true);
    expect(isWithin('/v/_data', '/v/_data2')).toBe(false);
    expect(isWithin('/v/_data', '/v')).toBe(false);
    expect(isWithin('/v/_data', '/v/_data/..a')).toBe(true);
  });
});

describe('resolveInRoot', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-scoped-'));
    await mkdir(join(root, 'usr', 'share', 'app'), { recursive: true });
    await writeFile(join(root, 'usr', 'share', 'app', 'f'), '');
    await symlink('/usr/share', join(root, 'abs')); // absolute: inside the root
    await symlink('../../..', join(root, 'usr', 'up')); // climbs above the root: stops at it
    await symlink('share/app', join(root, 'usr', 'rel'));
    await symlink('/etc/passwd', join(root, 'passwd'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['/usr/share/app', 'usr/share/app'],
    ['/abs/app', 'usr/share/app'],
    ['/usr/rel/f', 'usr/share/app/f'],
    ['/usr/up/usr/share', 'usr/share'],
    ['/../../etc', 'etc'],
    ['/passwd', 'etc/passwd'],
    ['/missing/deeper', 'missing/deeper'],
    ['/', ''],
  ])('%s → <root>/%s', async (p, want) => {
    expect(await resolveInRoot(root, p)).toBe(want === '' ? root : join(root, want));
  });

  it('gives up on symlink loops', async () => {
    await expect(resolveInRoot(root, '/loop1')).rejects.toThrow(/too many levels/);
  });
});

describe('resolveSubpath', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-subpath-'));
    await mkdir(join(base, 'd'));
    await symlink('..', join(base, 'parent'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('resolves and refuses', async () => {
    expect(await resolveSubpath(base, 'd')).toBe(join(base, 'd'));
    expect(await resolveSubpath(base, 'd/../d')).toBe(join(base, 'd'));
    for (const [sub, msg] of [
      ['../x', /relative path within/],
      ['/d', /relative path within/],
      ['parent', /escapes/],
      ['parent/', /escapes/],
      ['nope', /does not exist/],
    ] as const) {
      const err = await resolveSubpath(base, sub, 'vol').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).message).toMatch(msg);
    }
  });
});
