/**
 * `cp`'s path rules (docker/compose cp.go splitCpArg; moby/go-archive copy.go SplitPathDirEntry,
 * PrepareArchiveCopy, RebaseArchiveEntries): where an archive is extracted and how its top entry is
 * renamed, for each combination of source and destination kind.
 */
import { describe, expect, it } from 'vitest';
import {
  assertsDirectory,
  prepareArchiveCopy,
  rebaseName,
  resolveLocalPath,
  splitCpArg,
  splitPathDirEntry,
} from '../../../src/verbs/cp.js';

describe('splitCpArg', () => {
  it.each([
    ['web:/etc/hosts', { service: 'web', path: '/etc/hosts' }],
    ['web:relative', { service: 'web', path: 'relative' }],
    ['/abs/path:with:colons', { path: '/abs/path:with:colons' }],
    ['./file:name.txt', { path: './file:name.txt' }],
    ['plain', { path: 'plain' }],
    ['-', { path: '-' }],
  ])('%s', (arg, expected) => {
    expect(splitCpArg(arg)).toEqual(expected);
  });
});

describe('path helpers', () => {
  it('splitPathDirEntry keeps `.` for dir/.', () => {
    expect(splitPathDirEntry('/a/b')).toEqual({ dir: '/a', base: 'b' });
    expect(splitPathDirEntry('/a/b/')).toEqual({ dir: '/a', base: 'b' });
    expect(splitPathDirEntry('/a/b/.')).toEqual({ dir: '/a/b', base: '.' });
    expect(splitPathDirEntry('/f')).toEqual({ dir: '/', base: 'f' });
  });

  it('assertsDirectory: a trailing / or /.', () => {
    expect(assertsDirectory('/a/')).toBe(true);
    expect(assertsDirectory('/a/.')).toBe(true);
    expect(assertsDirectory('/a')).toBe(false);
  });

  it('resolveLocalPath keeps the trailing / and /.', () => {
    expect(resolveLocalPath('/w', 'out')).toBe('/w/out');
    expect(resolveLocalPath('/w', 'out/')).toBe('/w/out/');
    expect(resolveLocalPath('/w', 'src/.')).toBe('/w/src/.');
    expect(resolveLocalPath('/w', '.')).toBe('/w/.');
    expect(resolveLocalPath('/w', '/abs')).toBe('/abs');
  });

  it('rebaseName renames the top entry and what is under it', () => {
    expect(rebaseName('src', 'src', 'dst')).toBe('dst');
    expect(rebaseName('src/', 'src', 'dst')).toBe('dst');
    expect(rebaseName('src/a/b', 'src', 'dst')).toBe('dst/a/b');
    expect(rebaseName('srcx/a', 'src', 'dst')).toBe('srcx/a');
    expect(rebaseName('./a', '.', 'dst')).toBe('dst/a');
    expect(rebaseName('.', '.', 'dst')).toBe('dst');
    expect(rebaseName('a', '.', 'dst')).toBe('dst/a');
  });
});

describe('prepareArchiveCopy', () => {
  const dir = { path: '/local/src', isDir: true };
  const file = { path: '/local/a.txt', isDir: false };

  it('into an existing directory: as is', () => {
    expect(prepareArchiveCopy(dir, { path: '/dst', exists: true, isDir: true })).toEqual({ dir: '/dst' });
    expect(prepareArchiveCopy(file, { path: '/dst', exists: true, isDir: true })).toEqual({ dir: '/dst' });
  });

  it('a directory to a new path: extracted in the parent under the new name', () => {
    expect(prepareArchiveCopy(dir, { path: '/p/new', exists: false, isDir: false })).toEqual({
      dir: '/p',
      rename: { from: 'src', to: 'new' },
    });
  });

  it("a directory's contents (src/.) to a new path", () => {
    expect(
      prepareArchiveCopy(
        { path: '/local/src/.', isDir: true },
        { path: '/p/new', exists: false, isDir: false },
      ),
    ).toEqual({ dir: '/p', rename: { from: '.', to: 'new' } });
  });

  it('a file onto an existing file or a new name: renamed', () => {
    expect(prepareArchiveCopy(file, { path: '/p/b.txt', exists: true, isDir: false })).toEqual({
      dir: '/p',
      rename: { from: 'a.txt', to: 'b.txt' },
    });
    expect(prepareArchiveCopy(file, { path: '/p/c.txt', exists: false, isDir: false })).toEqual({
      dir: '/p',
      rename: { from: 'a.txt', to: 'c.txt' },
    });
  });

  it('refuses a directory onto a file, and a file into a missing directory', () => {
    expect(() => prepareArchiveCopy(dir, { path: '/p/f', exists: true, isDir: false })).toThrow(
      'cannot copy a directory to an existing file',
    );
    expect(() => prepareArchiveCopy(file, { path: '/p/missing/', exists: false, isDir: false })).toThrow(
      'no such directory',
    );
  });

  it('a followed link keeps the name of the link', () => {
    expect(
      prepareArchiveCopy(
        { path: '/real/target', isDir: false, rebaseName: 'link' },
        { path: '/dst', exists: true, isDir: true },
      ),
    ).toEqual({ dir: '/dst', rename: { from: 'target', to: 'link' } });
  });
});
