/** Pure parts of the built-in engine's interactive I/O: attach packets, conmon messages, kill rules. */
import { describe, expect, it } from 'vitest';
import { chunk, parsePacket, resizeMessage, STDIN_PACKET } from '../../../../src/engine/run/attach.js';
import { conmonArgs } from '../../../../src/engine/run/conmon.js';
import { killEffect, signalNumber } from '../../../../src/engine/run/signals.js';
import { execSessionArgs, parsePipeMessages } from '../../../../src/engine/run/tty.js';

describe('attach socket packets', () => {
  it('splits the stream byte from the data', () => {
    expect(parsePacket(Buffer.from([2, 0x68, 0x69]))).toEqual({ stream: 'stdout', data: Buffer.from('hi') });
    expect(parsePacket(Buffer.from([3, 0x21]))).toEqual({ stream: 'stderr', data: Buffer.from('!') });
    expect(parsePacket(Buffer.from([2]))).toEqual({ stream: 'stdout', data: Buffer.alloc(0) });
    expect(parsePacket(Buffer.alloc(0))).toBeUndefined();
    expect(parsePacket(Buffer.from([1, 0x61]))).toBeUndefined();
  });

  it('cuts stdin into packets conmon reads whole', () => {
    const big = Buffer.alloc(STDIN_PACKET * 2 + 5, 7);
    const parts = chunk(big);
    expect(parts.map((p) => p.length)).toEqual([STDIN_PACKET, STDIN_PACKET, 5]);
    expect(Buffer.concat(parts).equals(big)).toBe(true);
    expect(chunk(Buffer.alloc(0))).toEqual([]);
    expect(STDIN_PACKET).toBeLessThan(32 * 1024);
  });

  it("writes conmon's resize message: type 1, rows, cols", () => {
    expect(resizeMessage({ rows: 24, cols: 80 })).toBe('1 24 80\n');
    expect(resizeMessage({ rows: 40.7, cols: -3 })).toBe('1 40 0\n');
  });
});

describe('conmon arguments', () => {
  const base = {
    id: 'c1',
    name: 'n',
    bundle: '/b',
    runtime: '/usr/sbin/runc',
    runtimeArgs: ['--root', '/r'],
    pidFile: '/p',
    conmonPidFile: '/cp',
    logPath: '/l',
    exitDir: '/e',
    socketDir: '/s',
    diagnosticsFile: '/d',
  };
  it('opens stdin only for stdin_open, leaving it open unless stdinOnce', () => {
    expect(conmonArgs(base)).not.toContain('-i');
    const once = conmonArgs({ ...base, stdin: true, leaveStdinOpen: false });
    expect(once).toContain('-i');
    expect(once).not.toContain('--leave-stdin-open');
    expect(conmonArgs({ ...base, stdin: true, leaveStdinOpen: true })).toContain('--leave-stdin-open');
    expect(conmonArgs({ ...base, leaveStdinOpen: true })).not.toContain('--leave-stdin-open');
  });

  it('runs an exec session with a terminal, attached unless detached', () => {
    const o = {
      conmonBinary: 'conmon',
      runtime: '/usr/sbin/runc',
      runtimeArgs: ['--root', '/r'],
      containerId: 'c1',
      containerName: 'web',
      execId: 'e1',
      dir: '/run/x/exec-e1',
      socketDir: '/run/x',
      stdin: true,
    };
    const args = execSessionArgs(o);
    const flagValue = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect(flagValue('-c')).toBe('c1');
    expect(flagValue('-u')).toBe('e1');
    expect(flagValue('-b')).toBe('/run/x/exec-e1');
    expect(flagValue('--exec-process-spec')).toBe('/run/x/exec-e1/process.json');
    expect(flagValue('--exit-dir')).toBe('/run/x/exec-e1');
    expect(args.filter((a) => a === '--runtime-arg')).toHaveLength(2);
    for (const f of ['-t', '--exec', '--exec-attach', '-i', '--leave-stdin-open']) expect(args).toContain(f);
    const detached = execSessionArgs({ ...o, stdin: false, detach: true });
    expect(detached).not.toContain('--exec-attach');
    expect(detached).not.toContain('-i');
  });

  it("parses conmon's pipe messages as they complete", () => {
    expect(parsePipeMessages('')).toEqual([]);
    expect(parsePipeMessages('{"data": 0}\n{"data": 12')).toEqual([{ data: 0 }]);
    expect(parsePipeMessages('{"data": 4321}\n{"data": 3}\n')).toEqual([{ data: 4321 }, { data: 3 }]);
    expect(parsePipeMessages('{"data": -1, "message": "exec failed: \\"x\\""}')).toEqual([
      { data: -1, message: 'exec failed: "x"' },
    ]);
  });
});

describe("kill: signals and Docker's restart rule", () => {
  it('reads names, SIG names, lower case and numbers', () => {
    expect(signalNumber('KILL')).toBe(9);
    expect(signalNumber('SIGKILL')).toBe(9);
    expect(signalNumber('sigterm')).toBe(15);
    expect(signalNumber('15')).toBe(15);
    expect(signalNumber(' usr1 ')).toBe(10);
    expect(signalNumber('NOPE')).toBeUndefined();
    expect(signalNumber('0')).toBeUndefined();
    expect(signalNumber(99)).toBeUndefined();
  });

  it('SIGKILL and the configured stop signal cancel the restart; any kill marks manual stop', () => {
    expect(killEffect(9, 'SIGINT')).toEqual({ manuallyStopped: true, cancelsRestart: true });
    expect(killEffect(2, 'SIGINT')).toEqual({ manuallyStopped: true, cancelsRestart: true });
    expect(killEffect(2, 'INT')).toEqual({ manuallyStopped: true, cancelsRestart: true });
    expect(killEffect(10, 'SIGINT')).toEqual({ manuallyStopped: true, cancelsRestart: false });
    expect(killEffect(15, 'SIGINT')).toEqual({ manuallyStopped: true, cancelsRestart: false });
  });

  it('without a configured stop signal every kill cancels the restart', () => {
    expect(killEffect(10, undefined)).toEqual({ manuallyStopped: true, cancelsRestart: true });
    expect(killEffect(15, '')).toEqual({ manuallyStopped: true, cancelsRestart: true });
  });
});
