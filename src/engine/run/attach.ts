/**
 * conmon's attach socket and terminal control fifo: how `attachContainer`, `resizeContainer` and a TTY
 * exec reach a container's stdio (the protocol podman speaks, read from conmon 2.1 src/conn_sock.c and
 * src/ctrl.c):
 *
 * - conmon listens on `<bundle>/attach`, a **SOCK_SEQPACKET** unix socket (reachable through the
 *   `<socket-dir>/<id>` symlink it makes). Every packet conmon sends is one byte of stream id
 *   (2 = stdout, 3 = stderr; a TTY's output is all stdout) followed by the bytes; what a client writes
 *   is the container's stdin, raw. A client's half-close (EOF) closes the container's stdin unless
 *   conmon runs with `--leave-stdin-open` (the engine passes it unless the container is `stdinOnce`).
 *   conmon reads at most 32 KiB - 1 per packet, so stdin goes out in 8 KiB packets. The connection
 *   ends when conmon exits, after the last output (conmon drains the container's stdio first).
 * - Node's `net` speaks SOCK_STREAM only, hence the node-unix-socket package (N-API, prebuilt for
 *   linux-x64/arm64 glibc and musl) for the socket; it is loaded on first use, so nothing else of the
 *   engine needs it.
 * - The socket path: the bundle lives under the state root and easily passes the 108 bytes of
 *   sun_path, so the client connects through `/proc/self/fd/<dir fd>/attach`, as conmon binds it.
 * - Resize: `1 <rows> <cols>\n` written to `<bundle>/ctl` (a fifo conmon reads; it forwards the size to
 *   its `winsz` fifo and sets it with TIOCSWINSZ on the pty master once the terminal exists).
 */
import type { EventEmitter } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';
import type { AttachHandle, TtySize } from '../../runtime/runtime.js';

/** conmon's stream ids on the attach socket (conmon config.h). */
export const STDOUT_PIPE = 2;
export const STDERR_PIPE = 3;
/** Largest stdin packet written (conmon reads 32 KiB - 1 at most per packet). */
export const STDIN_PACKET = 8192;

interface SeqpacketSocketLike extends EventEmitter {
  connect(path: string, cb?: () => void): void;
  write(buf: Buffer, offset?: number, length?: number, cb?: () => void): void;
  end(cb?: () => void): void;
  destroy(): void;
}

let seqpacketClass: (new () => SeqpacketSocketLike) | undefined;

function seqpacketSocket(): SeqpacketSocketLike {
  if (!seqpacketClass) {
    // Through createRequire with a computed name: the CLI bundler leaves the native package alone.
    const name = ['node', 'unix', 'socket'].join('-');
    try {
      const mod = createRequire(import.meta.url)(name) as { SeqpacketSocket: new () => SeqpacketSocketLike };
      seqpacketClass = mod.SeqpacketSocket;
    } catch (err) {
      throw new RuntimeError(
        'RUNTIME_ERROR',
        `attaching to a container of the built-in engine needs the ${name} package: ${(err as Error).message}`,
        { hint: `npm install ${name}`, cause: err },
      );
    }
  }
  return new seqpacketClass();
}

/** Splits one attach packet into its stream and bytes; undefined for an empty packet. */
export function parsePacket(packet: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer } | undefined {
  if (packet.length < 1) return undefined;
  const kind = packet[0];
  const data = packet.subarray(1);
  if (kind === STDERR_PIPE) return { stream: 'stderr', data };
  if (kind === STDOUT_PIPE) return { stream: 'stdout', data };
  return undefined;
}

/** Packets of at most `size` bytes. */
export function chunk(buf: Buffer, size = STDIN_PACKET): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** `1 <rows> <cols>\n`: conmon's resize message on the ctl fifo. */
export function resizeMessage(size: TtySize): string {
  const rows = Math.max(0, Math.trunc(size.rows));
  const cols = Math.max(0, Math.trunc(size.cols));
  return `1 ${rows} ${cols}\n`;
}

export interface AttachStreams {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** A TTY: everything goes to stdout. */
  tty?: boolean;
  signal?: AbortSignal;
}

/**
 * Connects to the attach socket in `bundleDir` and pumps: output to stdout/stderr (never ended: they
 * may be the process's own), `stdin` into the container (its end half-closes the socket). Resolves
 * once connected; `done` resolves when conmon closes the connection (the process exited) or `close()`.
 */
export function connectAttach(bundleDir: string, streams: AttachStreams): Promise<AttachHandle> {
  let dirFd: number;
  try {
    dirFd = openSync(bundleDir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    return Promise.reject(
      new RuntimeError(
        'RUNTIME_CONFLICT',
        `attach: the container is not running (${(err as Error).message})`,
      ),
    );
  }
  return new Promise<AttachHandle>((resolve, reject) => {
    let sock: SeqpacketSocketLike;
    try {
      sock = seqpacketSocket();
    } catch (err) {
      closeSync(dirFd);
      return reject(err);
    }
    let connected = false;
    let finished = false;
    let finish!: () => void;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const input = streams.stdin;
    const onData = (d: Buffer | string): void => {
      const buf = typeof d === 'string' ? Buffer.from(d) : d;
      const parts = chunk(buf);
      input?.pause();
      let left = parts.length;
      for (const p of parts) {
        try {
          sock.write(p, 0, p.length, () => {
            if (--left === 0 && !finished) input?.resume();
          });
        } catch {
          stop();
          return;
        }
      }
      if (parts.length === 0) input?.resume();
    };
    const onEnd = (): void => {
      try {
        sock.end();
      } catch {
        // already closed
      }
    };
    const detachInput = (): void => {
      if (!input) return;
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
    };
    const stop = (): void => {
      if (finished) return;
      finished = true;
      detachInput();
      streams.signal?.removeEventListener('abort', stop);
      try {
        sock.destroy();
      } catch {
        // already closed
      }
      finish();
    };
    sock.on('data', (packet: Buffer) => {
      const p = parsePacket(packet);
      if (!p || p.data.length === 0) return;
      const target = streams.tty || p.stream === 'stdout' ? streams.stdout : streams.stderr;
      target?.write(p.data);
    });
    sock.on('end', stop);
    sock.on('close', stop);
    sock.on('error', (err: Error) => {
      if (!connected) {
        finished = true;
        closeSync(dirFd);
        reject(new RuntimeError('RUNTIME_ERROR', `attach: ${err.message}`, { cause: err }));
        return;
      }
      stop();
    });
    try {
      sock.connect(`/proc/self/fd/${dirFd}/attach`, () => {
        connected = true;
        closeSync(dirFd);
        if (streams.signal?.aborted) stop();
        else streams.signal?.addEventListener('abort', stop, { once: true });
        if (input && !finished) {
          if ((input as { readableEnded?: boolean }).readableEnded) onEnd();
          else {
            input.on('data', onData);
            input.on('end', onEnd);
            input.resume();
          }
        }
        resolve({ done, close: stop });
      });
    } catch (err) {
      closeSync(dirFd);
      reject(
        new RuntimeError(
          'RUNTIME_CONFLICT',
          `attach: cannot connect to conmon (is the container running?): ${(err as Error).message}`,
          { cause: err },
        ),
      );
    }
  });
}

/** Sends a terminal size to the conmon whose bundle (or exec session) directory is `dir`. */
export async function writeResize(dir: string, size: TtySize): Promise<void> {
  // A 0x0 terminal (no terminal size known) is not sent, as the docker CLI does not.
  if (Math.trunc(size.rows) <= 0 && Math.trunc(size.cols) <= 0) return;
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    // Non-blocking: with no conmon reading the fifo, ENXIO rather than a hang.
    fh = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO') {
      throw new RuntimeError('RUNTIME_CONFLICT', 'resize: the process is not running (no conmon)');
    }
    throw err;
  }
  try {
    await fh.write(resizeMessage(size));
  } finally {
    await fh.close();
  }
}
