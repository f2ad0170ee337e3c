import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConfigFiles, preliminaryWorkingDir } from '../../../src/compose/discover.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-discover-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function touch(...names: string[]): void {
  for (const n of names) {
    mkdirSync(join(dir, n, '..'), { recursive: true });
    writeFileSync(join(dir, n), 'services: {}\n');
  }
}

describe('discoverConfigFiles', () => {
  it('prefers compose.yaml and adds the first override twin', () => {
    touch('compose.yaml', 'docker-compose.yml', 'compose.override.yml', 'compose.override.yaml');
    const warnings: string[] = [];
    const d = discoverConfigFiles({ env: {}, cwd: dir, onWarning: (w) => warnings.push(w) });
    expect(d.configPaths).toEqual([join(dir, 'compose.yaml'), join(dir, 'compose.override.yml')]);
    expect(d.workingDir).toBe(dir);
    expect(warnings[0]).toMatch(/Found multiple config files/);
  });

  it('prefers docker-compose.yml over docker-compose.yaml', () => {
    touch('docker-compose.yaml', 'docker-compose.yml');
    expect(discoverConfigFiles({ env: {}, cwd: dir }).configPaths).toEqual([join(dir, 'docker-compose.yml')]);
  });

  it('walks up to a parent directory', () => {
    touch('compose.yml');
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    const d = discoverConfigFiles({ env: {}, cwd: join(dir, 'a/b') });
    expect(d.configPaths).toEqual([join(dir, 'compose.yml')]);
    expect(d.workingDir).toBe(dir);
  });

  it('uses -f as given, without override discovery, relative to cwd', () => {
    touch('compose.yaml', 'compose.override.yaml', 'sub/other.yaml');
    const d = discoverConfigFiles({ files: ['sub/other.yaml', '-'], env: {}, cwd: dir });
    expect(d.configPaths).toEqual([join(dir, 'sub/other.yaml'), '-']);
    expect(d.workingDir).toBe(join(dir, 'sub'));
  });

  it('reads COMPOSE_FILE with COMPOSE_PATH_SEPARATOR', () => {
    touch('a.yaml', 'b.yaml');
    const d = discoverConfigFiles({
      env: { COMPOSE_FILE: 'a.yaml;b.yaml', COMPOSE_PATH_SEPARATOR: ';' },
      cwd: dir,
    });
    expect(d.configPaths).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  });

  it('--project-directory sets the working directory', () => {
    touch('p/compose.yaml');
    const d = discoverConfigFiles({ projectDirectory: 'p', env: {}, cwd: dir });
    expect(d.configPaths).toEqual([join(dir, 'p/compose.yaml')]);
    expect(d.workingDir).toBe(join(dir, 'p'));
    expect(preliminaryWorkingDir({ projectDirectory: 'p', env: {}, cwd: dir })).toBe(join(dir, 'p'));
  });

  it('fails with a hint when nothing is found', () => {
    expect(() => discoverConfigFiles({ env: {}, cwd: dir })).toThrowError('no configuration file provided');
  });

  it('fails on a missing -f file', () => {
    expect(() => discoverConfigFiles({ files: ['nope.yaml'], env: {}, cwd: dir })).toThrowError(
      /nope\.yaml: no such file or directory/,
    );
  });
});
