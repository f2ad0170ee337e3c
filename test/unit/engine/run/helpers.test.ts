import { describe, expect, it } from 'vitest';
import { conmonArgs, parseSyncAnswer } from '../../../../src/engine/run/conmon.js';
import { parseMountPoints } from '../../../../src/engine/run/mount.js';
import { isNotExist, runcMessage } from '../../../../src/engine/run/runc.js';
import { type LiveState, liveState, statusText } from '../../../../src/engine/run/status.js';
import { parsePs } from '../../../../src/engine/run/top.js';
import { parseGroup, parsePasswd, resolveUser } from '../../../../src/engine/run/user.js';

describe('conmon sync answer', () => {
  it.each<[string, ReturnType<typeof parseSyncAnswer>]>([
    ['{"data": 4242}', { pid: 4242 }],
    ['{"data":', undefined],
    [
      '{"data": -1, "message": "runc create failed: \\"x\\" not found"}',
      { pid: -1, message: 'runc create failed: "x" not found' },
    ],
    ['{"data": -1', undefined],
    ['{"data": -1}', { pid: -1, message: undefined }],
  ])('%s', (text, expected) => {
    expect(parseSyncAnswer(text)).toEqual(expected);
  });

  it('builds the verified invocation', () => {
    const args = conmonArgs({
      id: 'abc',
      name: 'web',
      bundle: '/b',
      runtime: '/usr/sbin/runc',
      runtimeArgs: ['--root', '/rr/runc'],
      pidFile: '/c/pid',
      conmonPidFile: '/c/conmon.pid',
      logPath: '/c/ctr.log',
      exitDir: '/rr/exits',
      socketDir: '/rr/conmon',
      diagnosticsFile: '/c/conmon.log',
      tty: true,
      exitCommand: ['/bin/berth', 'exited'],
    });
    expect(args.join(' ')).toBe(
      '--api-version 1 -c abc -u abc -n web -r /usr/sbin/runc --runtime-arg --root --runtime-arg /rr/runc -b /b -p /c/pid -P /c/conmon.pid -l k8s-file:/c/ctr.log --exit-dir /rr/exits --socket-dir-path /rr/conmon --syslog=false -t --exit-command /bin/berth --exit-command-arg exited',
    );
  });
});

describe('runc messages', () => {
  it('extracts logrus messages and recognises a missing container', () => {
    const stderr = 'time="2026-11-23T18:15:02Z" level=error msg="container does not exist"\n';
    expect(runcMessage(stderr)).toBe('container does not exist');
    expect(isNotExist(runcMessage(stderr))).toBe(true);
    expect(runcMessage('level=error msg="exec: \\"foo\\": executable file not found"')).toBe(
      'exec: "foo": executable file not found',
    );
    expect(runcMessage('plain text\n')).toBe('plain text');
    expect(isNotExist('exec: no such file or directory')).toBe(false);
  });
});

describe('liveState + statusText (docker State.String)', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const started = '2026-11-23T11:59:57Z';
  it.each<[string, Parameters<typeof liveState>[0], Partial<LiveState>, string]>([
    ['never started', { record: { status: 'created', restartCount: 0 } }, { state: 'created' }, 'Created'],
    [
      'running',
      { record: { status: 'running', startedAt: started, restartCount: 0 }, runc: 'running' },
      { state: 'running' },
      'Up 3 seconds',
    ],
    [
      'paused',
      { record: { status: 'running', startedAt: '2026-11-23T11:58:00Z', restartCount: 0 }, runc: 'paused' },
      { state: 'paused' },
      'Up 2 minutes (Paused)',
    ],
    [
      'healthy',
      {
        record: { status: 'running', startedAt: started, restartCount: 0, health: 'healthy' },
        runc: 'running',
      },
      { state: 'running', health: 'healthy' },
      'Up 3 seconds (healthy)',
    ],
    [
      'health starting',
      {
        record: { status: 'running', startedAt: started, restartCount: 0, health: 'starting' },
        runc: 'running',
      },
      { state: 'running' },
      'Up 3 seconds (health: starting)',
    ],
    [
      'exit file seen, record not updated yet',
      {
        record: { status: 'running', startedAt: started, restartCount: 0 },
        runc: 'stopped',
        exit: { code: 3, at: '2026-11-23T11:59:58Z' },
      },
      { state: 'exited', exitCode: 3 },
      'Exited (3) 2 seconds ago',
    ],
    [
      'settled exit',
      {
        record: {
          status: 'exited',
          startedAt: started,
          finishedAt: '2026-11-23T10:00:00Z',
          exitCode: 137,
          restartCount: 0,
        },
      },
      { state: 'exited', exitCode: 137 },
      'Exited (137) 2 hours ago',
    ],
    [
      'state lost (reboot): 255',
      { record: { status: 'running', startedAt: started, restartCount: 0 } },
      { state: 'exited', exitCode: 255 },
      'Exited (255) 3 seconds ago',
    ],
    [
      'failed start keeps created',
      { record: { status: 'created', restartCount: 0, error: 'x' } },
      { state: 'created' },
      'Created',
    ],
  ])('%s', (_, observed, expected, text) => {
    const s = liveState(observed);
    expect(s).toMatchObject(expected);
    expect(statusText(s, now)).toBe(text);
  });
});

describe('parsePs', () => {
  it('keeps the container’s rows, CMD with spaces', () => {
    const out =
      'UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 10:00 ?        00:00:01 /sbin/init\nroot        4242    4200  0 10:01 ?        00:00:00 sleep 1000\n';
    expect(parsePs(out, new Set([4242]))).toEqual({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [['root', '4242', '4200', '0', '10:01', '?', '00:00:00', 'sleep 1000']],
    });
    expect(() => parsePs('A B\n', new Set())).toThrow(/PID/);
  });
});

describe('mountinfo', () => {
  it('parses mount points with escapes', () => {
    const text =
      '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n' +
      '900 22 0:77 / /tmp/a\\040b/merged rw,relatime - overlay overlay rw,lowerdir=x\n';
    expect(parseMountPoints(text)).toEqual(['/', '/tmp/a b/merged']);
  });
});

describe('passwd/group parsing', () => {
  it('skips comments and malformed lines', () => {
    expect(parsePasswd('# c\nroot:x:0:0:root:/root:/bin/sh\nbad:x:y:0\n\n')).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root' },
    ]);
    expect(parseGroup('wheel:x:10:a,b\nempty:x:11:\n')).toEqual([
      { name: 'wheel', gid: 10, members: ['a', 'b'] },
      { name: 'empty', gid: 11, members: [] },
    ]);
  });
  it('resolves without files: root, numeric ids', () => {
    expect(resolveUser(undefined, undefined, undefined)).toEqual({
      uid: 0,
      gid: 0,
      additionalGids: [0],
      home: '/',
    });
    expect(resolveUser('5:6', undefined, undefined)).toEqual({
      uid: 5,
      gid: 6,
      additionalGids: [6],
      home: '/',
    });
    expect(() => resolveUser('99999999999', undefined, undefined)).toThrow(/out of range/);
  });
});
