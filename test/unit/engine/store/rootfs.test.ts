/** Lowerdir order and the overlay mount option string. */
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lowerDirsFor, overlayMountOptions } from '../../../../src/engine/store/rootfs.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('lowerDirsFor', () => {
  it('lists the top layer first', () => {
    expect(lowerDirsFor('/L', [d('a'), d('b'), d('c')])).toEqual([
      `/L/${'c'.repeat(64)}`,
      `/L/${'b'.repeat(64)}`,
      `/L/${'a'.repeat(64)}`,
    ]);
  });

  it('keeps a repeated layer once, at its topmost place', () => {
    expect(lowerDirsFor('/L', [d('a'), d('e'), d('b'), d('e')])).toEqual([
      `/L/${'e'.repeat(64)}`,
      `/L/${'b'.repeat(64)}`,
      `/L/${'a'.repeat(64)}`,
    ]);
  });
});

describe('overlayMountOptions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses lowerdirs relative to the layers directory', async () => {
    const lowers = lowerDirsFor('/L', [d('a'), d('b')]);
    expect(
      await overlayMountOptions({ lowerDirs: lowers, upperDir: '/c/upper', workDir: '/c/work' }),
    ).toEqual({
      cwd: '/L',
      options: `lowerdir=${'b'.repeat(64)}:${'a'.repeat(64)},upperdir=/c/upper,workdir=/c/work`,
    });
    expect(await overlayMountOptions({ lowerDirs: lowers })).toEqual({
      cwd: '/L',
      options: `lowerdir=${'b'.repeat(64)}:${'a'.repeat(64)}`,
    });
  });

  it('falls back to short symlinks when the string would be too long', async () => {
    const lowers = lowerDirsFor('/L', [d('a'), d('b'), d('c')]);
    const links = join(dir, 'l');
    const m = await overlayMountOptions({ lowerDirs: lowers, linkDir: links, maxLength: 100 });
    expect(m).toEqual({ cwd: links, options: 'lowerdir=0:1:2' });
    expect(await readlink(join(links, '0'))).toBe(lowers[0]);
    expect(await readlink(join(links, '2'))).toBe(lowers[2]);
    await expect(overlayMountOptions({ lowerDirs: lowers, maxLength: 100 })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });

  it('refuses no layers, too many layers, and an upperdir without a workdir', async () => {
    await expect(overlayMountOptions({ lowerDirs: [] })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const many = Array.from({ length: 501 }, (_, i) => `/L/${i}`);
    await expect(overlayMountOptions({ lowerDirs: many })).rejects.toMatchObject({ message: /at most 500/ });
    await expect(overlayMountOptions({ lowerDirs: ['/L/x'], upperDir: '/u' })).rejects.toMatchObject({
      message: /go together/,
    });
  });
});
