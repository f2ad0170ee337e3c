import { describe, expect, it } from 'vitest';
import { buildProgram, type CliIo, subcommandOf } from '../../../src/cli/program.js';

const io: CliIo = { out() {}, err() {}, env: {}, cwd: '/' };

describe('subcommandOf', () => {
  it('skips global flags and their values', () => {
    expect(subcommandOf(['ps'])).toBe('ps');
    expect(subcommandOf(['-p', 'demo', '-f', 'a.yaml', 'up', '-d'])).toBe('up');
    expect(subcommandOf(['--project-name', 'ps', 'logs', '-f'])).toBe('logs');
    expect(subcommandOf(['--file=x.yaml', '--dry-run', 'down'])).toBe('down');
    expect(subcommandOf(['--profile', 'p', '--env-file', 'e', '--progress', 'plain', 'config'])).toBe(
      'config',
    );
    expect(subcommandOf(['--parallel', '3', '--ansi', 'never', 'pull'])).toBe('pull');
  });

  it('undefined when no command is named', () => {
    expect(subcommandOf([])).toBeUndefined();
    expect(subcommandOf(['--help'])).toBeUndefined();
    expect(subcommandOf(['-p', 'demo'])).toBeUndefined();
  });
});

describe('buildProgram', () => {
  const names = (command?: string) => buildProgram(io, command).commands.map((c) => c.name());

  it('registers only the command that runs', () => {
    expect(names('ps')).toEqual(['ps']);
    expect(names('unpause')).toEqual(['unpause']);
  });

  it('registers every command for help, completion and unknown names', () => {
    const all = names();
    expect(all.length).toBeGreaterThan(25);
    for (const c of ['up', 'down', 'ps', 'config', 'logs', 'exec', 'run', 'build', 'completion']) {
      expect(all).toContain(c);
    }
    expect(names('help')).toEqual(all);
    expect(names('completion')).toEqual(all);
    expect(names('pss')).toEqual(all);
  });
});
