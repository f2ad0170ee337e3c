import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/api/errors.js';
import { isSupervisorProcess } from '../../../../src/engine/supervisor/client.js';
import { supervisorFiles } from '../../../../src/engine/supervisor/files.js';
import { parseSupervisorArgs } from '../../../../src/engine/supervisor/main.js';

describe('parseSupervisorArgs', () => {
  it('reads the options, both --k v and --k=v', () => {
    expect(
      parseSupervisorArgs(['--root', '/r', '--run-root=/rr', '--project', 'p', '--idle-grace-ms', '500']),
    ).toEqual({
      root: '/r',
      runRoot: '/rr',
      project: 'p',
      hostModule: undefined,
      pollIntervalMs: undefined,
      idleGraceMs: 500,
    });
  });

  it.each([
    [['--root', '/r', '--run-root', '/rr'], /--project is required/],
    [['--root', '/r', '--run-root', '/rr', '--project'], /needs a value/],
    [['stray'], /unexpected argument/],
    [['--root', '/r', '--run-root', '/rr', '--project', 'p', '--poll-interval-ms', 'x'], /number/],
  ])('refuses %j', (argv, msg) => {
    expect(() => parseSupervisorArgs(argv)).toThrow(msg);
  });
});

describe('supervisorFiles', () => {
  it('names the pid, log and lock files under <runRoot>/supervisor', () => {
    expect(supervisorFiles({ supervisor: '/run/berth/supervisor' }, 'my_app-1')).toEqual({
      pid: '/run/berth/supervisor/my_app-1.pid',
      log: '/run/berth/supervisor/my_app-1.log',
      lock: '/run/berth/supervisor/my_app-1.lock',
    });
  });
  it.each(['../x', 'a/b', '', '.hidden'])('refuses %j', (project) => {
    expect(() => supervisorFiles({ supervisor: '/s' }, project)).toThrow(RuntimeError);
  });
});

describe('isSupervisorProcess', () => {
  it('checks the command line, not just that the pid is alive', async () => {
    // a process whose argv looks like a supervisor's (node keeps the arguments after -e as they are)
    const child = spawn(process.execPath, [
      '-e',
      'setTimeout(() => {}, 30000)',
      '/x/engine/supervisor/main.js',
      '--run-root',
      '/rr',
      '--project',
      'p',
    ]);
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(await isSupervisorProcess(child.pid!, 'p', '/rr')).toBe(true);
      expect(await isSupervisorProcess(child.pid!, 'q', '/rr')).toBe(false);
      expect(await isSupervisorProcess(child.pid!, 'p', '/other')).toBe(false);
      expect(await isSupervisorProcess(process.pid, 'p', '/rr')).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
