/**
 * Interactive stdio over the Engine API (what the docker CLI's hijackedIOStreamer does): `POST
 * /exec/{id}/start` and `POST /containers/{id}/attach` upgrade the HTTP connection to a raw duplex
 * stream. Input is piped in as it comes and its end half-closes the connection (the engine then
 * closes the process's stdin: `echo hi | … cat` ends). Output is one raw stream with a TTY, else
 * multiplexed stdout/stderr frames (streams.ts). TTY sizes are set with `…/resize?h=&w=`.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { AttachHandle, AttachSpec, TtySize } from '../runtime.js';
import type { EngineClient } from './client.js';
import { abortedError, isAbortError } from './errors.js';
import { type Chunk, demultiplex, rawStdout } from './streams.js';

export interface PumpOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Output is raw (a TTY), not multiplexed. */
  tty: boolean;
  signal?: AbortSignal;
  /** For error messages: `exec in web-1`. */
  action: string;
}

/** Output of the streams the caller gave no target for. */
export interface Collected {
  stdout: Buffer[];
  stderr: Buffer[];
}

/**
 * Pipes `stdin` into `socket` (its end half-closes the socket) until the output ends. Resolves
 * once the output has ended, with what was collected for streams without a target. The caller's
 * stdin is unpiped afterwards but never closed: it is not ours.
 */
export async function pumpHijacked(
  socket: Socket | NodeJS.ReadableStream,
  options: PumpOptions,
): Promise<Collected> {
  const { stdin, signal, action } = options;
  const duplex = isSocket(socket) ? socket : undefined;
  let stopInput = () => {};
  if (stdin && duplex) {
    // With a TTY the engine ends the output too when stdin closes (moby container/stream/attach.go):
    // the input just stops then (a terminal's end of input is a keystroke, ^D, anyway).
    const onEnd = () => {
      if (!duplex.destroyed && !options.tty) duplex.end();
    };
    stdin.on('end', onEnd);
    stdin.pipe(duplex, { end: false });
    stopInput = () => {
      stdin.off('end', onEnd);
      stdin.unpipe(duplex);
    };
  }
  const onAbort = () => destroy(socket, abortedError(action));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const collected: Collected = { stdout: [], stderr: [] };
  try {
    const source = socket as AsyncIterable<Buffer>;
    const chunks: AsyncIterable<Chunk> = options.tty ? rawStdout(source) : demultiplex(source);
    for await (const { stream, data } of chunks) {
      const target = stream === 'stderr' ? options.stderr : options.stdout;
      if (!target) collected[stream].push(data);
      else if (!target.write(data)) await once(target as NodeJS.EventEmitter, 'drain');
    }
  } catch (err) {
    if (signal?.aborted || isAbortError(err)) throw abortedError(action, err);
    // The process ended and the engine reset the connection: that ends the output, not an error.
    if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopInput();
    destroy(socket);
  }
  return collected;
}

function isSocket(s: unknown): s is Socket {
  return typeof (s as Socket).end === 'function' && typeof (s as Socket).write === 'function';
}

function destroy(s: Socket | NodeJS.ReadableStream, err?: Error): void {
  const d = s as { destroy?: (e?: Error) => void };
  d.destroy?.(err);
}

/**
 * Sets a TTY size. Right after a start the process may not have its TTY yet (the engine answers an
 * error): retried a few times, as the docker CLI does (initTtySize).
 */
export async function resizeTty(
  client: EngineClient,
  path: string,
  size: TtySize,
  action: string,
  retries = 0,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.json('POST', path, { query: { h: size.rows, w: size.cols }, action });
      return;
    } catch (err) {
      if (attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
    }
  }
}

/** `POST /containers/{id}/attach` (stream=1), hijacked; resolves once connected. */
export async function attachContainer(
  client: EngineClient,
  id: string,
  spec: AttachSpec,
): Promise<AttachHandle> {
  const action = `attach to ${id}`;
  const socket = await client.upgrade('POST', `/containers/${encodeURIComponent(id)}/attach`, {
    query: {
      stream: true,
      stdin: spec.stdin !== undefined,
      stdout: spec.stdout !== undefined,
      stderr: spec.stderr !== undefined,
    },
    signal: spec.signal,
    action,
  });
  const done = pumpHijacked(socket, {
    stdin: spec.stdin,
    stdout: spec.stdout,
    stderr: spec.stderr,
    tty: spec.tty === true,
    signal: spec.signal,
    action,
  }).then(() => {});
  // Nobody may be awaiting `done` yet; its rejection is theirs to see, not an unhandled one.
  done.catch(() => {});
  return { done, close: () => socket.destroy() };
}
