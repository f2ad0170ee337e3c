/**
 * Launches conmon, the per-container monitor, for `runc create` (verified protocol, engine notes §2.2):
 * conmon double-forks, runs `runc create`, stays as the container's subreaper, writes its stdout/stderr
 * to a k8s-file log and, once it exits, the exit code to `<exit dir>/<id>`. Without it the exit code
 * is lost (runc's detached containers are reaped by PID 1).
 *
 * Protocol: two pipes as fds 3 (sync) and 4 (start) with `_OCI_SYNCPIPE=3 _OCI_STARTPIPE=4`; one
 * byte on the start pipe lets conmon go on; conmon answers `{"data": <pid>}` on the sync pipe (a
 * negative value + `"message"` = runc create failed). conmon keeps the sync pipe open, so the answer
 * is parsed as it arrives, never read to EOF. The caller then runs `runc start`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';

export interface ConmonOptions {
  id: string;
  name: string;
  bundle: string;
  /** Absolute path of runc (conmon execs it). */
  runtime: string;
  /** Global runc args (`--root …`). */
  runtimeArgs: string[];
  /** Where conmon writes the container's init pid. */
  pidFile: string;
  conmonPidFile: string;
  /** k8s-file log path. */
  logPath: string;
  exitDir: string;
  socketDir: string;
  /** File that receives conmon's own stderr (diagnostics). */
  diagnosticsFile: string;
  tty?: boolean;
  /** Keep a stdin pipe open (`stdin_open`): written through the attach socket (attach.ts). */
  stdin?: boolean;
  /** With `stdin`: a client's end of input does not close the container's stdin (not `stdinOnce`). */
  leaveStdinOpen?: boolean;
  conmonBinary?: string;
  /** Run after the container exits (argv). */
  exitCommand?: string[];
  timeoutMs?: number;
}

/** Resolves a program name through PATH (conmon needs an absolute runtime path). */
export function which(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isAbsolute(binary)) return binary;
  const dirs = (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const p = join(dir, binary);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

export function conmonArgs(o: ConmonOptions): string[] {
  const args = [
    '--api-version',
    '1',
    '-c',
    o.id,
    '-u',
    o.id,
    '-n',
    o.name,
    '-r',
    o.runtime,
    ...o.runtimeArgs.flatMap((a) => ['--runtime-arg', a]),
    '-b',
    o.bundle,
    '-p',
    o.pidFile,
    '-P',
    o.conmonPidFile,
    '-l',
    `k8s-file:${o.logPath}`,
    '--exit-dir',
    o.exitDir,
    '--socket-dir-path',
    o.socketDir,
    '--syslog=false',
  ];
  if (o.tty) args.push('-t');
  if (o.stdin) {
    args.push('-i');
    if (o.leaveStdinOpen) args.push('--leave-stdin-open');
  }
  if (o.exitCommand && o.exitCommand.length > 0) {
    args.push('--exit-command', o.exitCommand[0]!);
    for (const a of o.exitCommand.slice(1)) args.push('--exit-command-arg', a);
  }
  return args;
}

/** Parses conmon's sync-pipe answer; undefined until a complete `data` field arrived. */
export function parseSyncAnswer(text: string): { pid: number; message?: string } | undefined {
  const m = /"data"\s*:\s*(-?\d+)/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid >= 0) return { pid };
  const msg = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!msg) {
    // The message may still be on its way: wait for the closing brace.
    if (!/}/.test(text.slice(m.index))) return undefined;
    return { pid, message: undefined };
  }
  let message: string;
  try {
    message = JSON.parse(`"${msg[1]}"`) as string;
  } catch {
    message = msg[1]!;
  }
  return { pid, message };
}

/** Starts conmon and waits for `runc create` to finish; resolves with the container's init pid. */
export async function conmonCreate(o: ConmonOptions): Promise<{ pid: number; conmonPid?: number }> {
  const binary = o.conmonBinary ?? 'conmon';
  const diag = await open(o.diagnosticsFile, 'a', 0o600);
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(binary, conmonArgs(o), {
      stdio: ['ignore', diag.fd, diag.fd, 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    });
  } finally {
    await diag.close();
  }
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const timeoutMs = o.timeoutMs ?? 60_000;
  try {
    const answer = await new Promise<{ pid: number; message?: string }>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(
        () => reject(new RuntimeError('RUNTIME_ERROR', `conmon did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      child.on('error', (err) =>
        done(() =>
          reject(
            new RuntimeError('RUNTIME_ERROR', `cannot run ${binary}: ${err.message}`, {
              hint: 'install conmon (apt-get install conmon)',
              cause: err,
            }),
          ),
        ),
      );
      sync.on('data', (d: Buffer) => {
        text += d.toString();
        const a = parseSyncAnswer(text);
        if (a) done(() => resolve(a));
      });
      sync.on('error', () => {
        // conmon closing its end early shows as an error or an end: handled by 'end'.
      });
      sync.on('end', () =>
        done(() => {
          const a = parseSyncAnswer(text);
          if (a) resolve(a);
          else
            reject(
              new RuntimeError(
                'RUNTIME_ERROR',
                `conmon exited without creating the container${text ? `: ${text}` : ''}`,
              ),
            );
        }),
      );
      start.on('error', () => {
        // conmon died before reading it: the sync pipe says why.
      });
      start.end('\0');
    });
    if (answer.pid < 0) {
      const detail = answer.message ?? (await readFile(o.diagnosticsFile, 'utf8').catch(() => '')).trim();
      throw new RuntimeError('RUNTIME_ERROR', `runc create failed: ${detail || `error ${answer.pid}`}`);
    }
    let conmonPid: number | undefined;
    try {
      const n = Number((await readFile(o.conmonPidFile, 'utf8')).trim());
      if (Number.isInteger(n) && n > 0) conmonPid = n;
    } catch {
      // conmon writes it before the pid; a missing file only loses a diagnostic.
    }
    return { pid: answer.pid, conmonPid };
  } finally {
    sync.destroy();
    start.destroy();
    child.unref();
  }
}
