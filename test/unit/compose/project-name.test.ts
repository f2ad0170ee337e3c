import { describe, expect, it } from 'vitest';
import {
  isValidProjectName,
  normalizeProjectName,
  resolveProjectName,
} from '../../../src/compose/project-name.js';

describe('project name', () => {
  it.each([
    ['My_App', 'my_app'],
    ['--web.Site', 'website'],
    ['_x', 'x'],
    ['Été', 't'],
    ['', ''],
  ])('normalizes %j to %j', (input, out) => expect(normalizeProjectName(input)).toBe(out));

  it.each([
    ['app', true],
    ['a-b_c9', true],
    ['9lives', true],
    ['-app', false],
    ['App', false],
    ['a.b', false],
    ['', false],
  ])('validity of %j is %s', (name, ok) => expect(isValidProjectName(name)).toBe(ok));

  const base = { fromFiles: [] as string[], workingDir: '/srv/My Project', normalize: true };
  it('prefers -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', () => {
    expect(resolveProjectName({ ...base, explicit: 'p', fromEnv: 'e', fromFiles: ['f'] })).toBe('p');
    expect(resolveProjectName({ ...base, fromEnv: 'e', fromFiles: ['f'] })).toBe('e');
    expect(resolveProjectName({ ...base, fromFiles: ['first', 'Second'] })).toBe('second');
    expect(resolveProjectName(base)).toBe('myproject');
  });

  it('rejects an invalid -p with the rule', () => {
    expect(() => resolveProjectName({ ...base, explicit: 'Bad Name' })).toThrowError(
      /invalid project name "Bad Name": must consist only of lowercase alphanumeric characters/,
    );
  });

  it('fails when nothing gives a name', () => {
    expect(() => resolveProjectName({ ...base, workingDir: '/' })).toThrowError(
      'project name must not be empty',
    );
  });
});
