/**
 * `exec` with a TTY, through conmon's exec mode — podman's approach (libpod oci_conmon_exec_linux.go),
 * chosen over the alternatives because it needs nothing conmon does not already give the engine:
 *
 * - `runc exec --tty` needs a `--console-socket` whose server receives the pty master over SCM_RIGHTS,
 *   which Node cannot do; a `script(1)` wrapper gives a *host* pty around runc (a second terminal
 *   layer, resize through `stty -F`, raw-mode quirks); socat is an extra package and still no fd
 *   passing. conmon does exactly this job: it serves the console socket, keeps the master, relays it
 *   through its attach socket (attach.ts), takes resizes on its `ctl` fifo and reports the exit code.
 * - Protocol (conmon 2.1 src/conmon.c, `--exec --exec-attach`): pipes as fds 3 (sync), 4 (start) and 5
 *   (attach) with `_OCI_SYNCPIPE/_OCI_STARTPIPE/_OCI_ATTACHPIPE`. A first byte on the start pipe lets
 *   conmon set up (it double-forks, makes `<session dir>/attach`, `ctl`, `winsz`) and answer
 *   `{"data": 0}` on the attach pipe; the client connects to the attach socket and writes a second
 *   byte: only then does conmon run `runc exec --detach --tty --console-socket …`, so no output is
 *   lost. The sync pipe then carries `{"data": <pid>}` (negative: runc failed, with a message) and, once
 *   the process is gone and its output drained, `{"data": <exit code>}`.
 * - The session directory `<runRoot>/conmon/exec-<exec id>/` (conmon's bundle for the session: the
 *   process spec, pid file, socket, fifos) is what `resizeExec(execId)` writes to; it is removed when
 *   the exec ends. `--leave-stdin-open`: the end of the client's stdin does not hang up the terminal
 *   (a TTY's end of input is ^D, as with `docker exec -it`).
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import type { AttachHandle, TtySize } from '../../runtime/runtime.js';
import { type AttachStreams, connectAttach, writeResize } from './attach.js';
import { runcMessage } from './runc.js';

export interface ExecSessionOptions {
  conmonBinary: string;
  /** Absolute runc path and its global args. */
  runtime: string;
  runtimeArgs: string[];
  containerId: string;
  containerName: string;
  execId: string;
  /** The session directory (conmon's bundle), created by the caller, holding `process.json`. */
  dir: string;
  /** conmon's `--socket-dir-path`. */
  socketDir: string;
  /** Open a stdin pipe (the caller has a stdin to send). */
  stdin: boolean;
  /** Not attached (`exec -d -t`): resolves once the process runs. */
  detach?: boolean;
  timeoutMs?: number;
}

/** conmon's exec argument list. */
export function execSessionArgs(o: ExecSessionOptions): string[] {
  const args = [
    '--api-version',
    '1',
    '-c',
    o.containerId,
    '-u',
    o.execId,
    '-n',
    o.containerName,
    '-r',
    o.runtime,
    ...o.runtimeArgs.flatMap((a) => ['--runtime-arg', a]),
    '-b',
    o.dir,
    '-p',
    join(o.dir, 'exec.pid'),
    '-l',
    `k8s-file:${join(o.dir, 'exec.log')}`,
    '--exit-dir',
    o.dir,
    '--socket-dir-path',
    o.socketDir,
    '--syslog=false',
    '-t',
    '--exec',
    '--exec-process-spec',
    join(o.dir, 'process.json'),
  ];
  if (o.stdin) args.push('-i', '--leave-stdin-open');
  if (!o.detach) args.push('--exec-attach');
  return args;
}

/** The `{"data": N, "message": "…"}` messages conmon wrote so far, complete ones only. */
export function parsePipeMessages(text: string): Array<{ data: number; message?: string }> {
  const out: Array<{ data: number; message?: string }> = [];
  for (const m of text.matchAll(/\{[^{}]*\}/g)) {
    try {
      const v = JSON.parse(m[0]) as { data?: unknown; message?: unknown };
      if (typeof v.data === 'number') {
        out.push(typeof v.message === 'string' ? { data: v.data, message: v.message } : { data: v.data });
      }
    } catch {
      // not a message
    }
  }
  return out;
}

/** Reads pipe messages as they come; `next(i)` resolves with the i-th (0-based) or rejects at EOF. */
function messageReader(pipe: Readable, what: string) {
  let text = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  pipe.on('data', (d: Buffer) => {
    text += d.toString();
    wake();
  });
  pipe.on('end', () => {
    ended = true;
    wake();
  });
  pipe.on('error', () => {
    ended = true;
    wake();
  });
  return async (i: number, signal?: AbortSignal): Promise<{ data: number; message?: string }> => {
    for (;;) {
      const msgs = parsePipeMessages(text);
      if (msgs.length > i) return msgs[i]!;
      if (ended) throw new RuntimeError('RUNTIME_ERROR', `conmon exited early (${what} pipe closed)`);
      if (signal?.aborted) throw new RuntimeError('ABORTED', 'exec: aborted');
      await new Promise<void>((r) => {
        waiters.push(r);
        signal?.addEventListener('abort', () => r(), { once: true });
      });
    }
  };
}

export interface ExecSessionResult {
  /** The exit code (-1 with `detach`). */
  exitCode: number;
  /** runc could not start the process (docker's 126/127 with runc's message). */
  startError?: string;
}

/**
 * Runs the session: resolves with the exit code once the process exited and its output was written
 * to `streams`. `onStart` is called once the process runs.
 */
export async function runExecSession(
  o: ExecSessionOptions,
  streams: AttachStreams & { ttySize?: TtySize; onStart?: () => void },
): Promise<ExecSessionResult> {
  const diag = await open(join(o.dir, 'conmon.log'), 'a', 0o600);
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(o.conmonBinary, execSessionArgs(o), {
      stdio: ['ignore', diag.fd, diag.fd, 'pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' },
    });
  } finally {
    await diag.close();
  }
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const attachPipe = (child.stdio as unknown as Readable[])[5]!;
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (err) =>
      reject(
        new RuntimeError('RUNTIME_ERROR', `cannot run ${o.conmonBinary}: ${err.message}`, {
          hint: 'install conmon (apt-get install conmon)',
          cause: err,
        }),
      ),
    ),
  );
  spawnError.catch(() => undefined);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const setup = AbortSignal.timeout(timeoutMs);
  const syncMsg = messageReader(sync, 'sync');
  const attachMsg = messageReader(attachPipe, 'attach');
  start.on('error', () => undefined);
  let handle: AttachHandle | undefined;
  const conmonError = async (m: { data: number; message?: string }): Promise<RuntimeError> => {
    const detail = m.message ?? (await readFile(join(o.dir, 'conmon.log'), 'utf8').catch(() => '')).trim();
    return new RuntimeError('RUNTIME_ERROR', `exec in ${o.containerName}: ${detail || `error ${m.data}`}`);
  };
  try {
    start.write('\0');
    if (!o.detach) {
      const ready = await Promise.race([attachMsg(0, setup), spawnError]);
      if (ready.data < 0) throw await conmonError(ready);
      handle = await connectAttach(o.dir, streams);
    }
    start.end('\0');
    const started = await Promise.race([syncMsg(0, setup), spawnError]);
    if (started.data <= 0 && started.message && /level=error/.test(started.message)) {
      // runc's own failure to start the command, as docker reports it.
      handle?.close();
      const startError = runcMessage(started.message);
      return { exitCode: /not found|no such file/i.test(startError) ? 127 : 126, startError };
    }
    if (started.data <= 0) throw await conmonError(started);
    if (streams.ttySize) await writeResize(o.dir, streams.ttySize).catch(() => undefined);
    if (o.detach) return { exitCode: -1 };
    streams.onStart?.();
    const onAbort = (): void => {
      try {
        process.kill(started.data, 'SIGKILL');
      } catch {
        // gone already
      }
    };
    streams.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const exited = await syncMsg(1);
      await handle?.done;
      if (streams.signal?.aborted) throw new RuntimeError('ABORTED', `exec in ${o.containerName}: aborted`);
      return { exitCode: exited.data };
    } finally {
      streams.signal?.removeEventListener('abort', onAbort);
    }
  } catch (err) {
    handle?.close();
    throw err;
  } finally {
    sync.destroy();
    start.destroy();
    attachPipe.destroy();
    child.unref();
  }
}

export { writeResize };
