/**
 * Decoding the Engine API's streaming bodies:
 * - multiplexed stdio (logs/exec/attach without a TTY): frames of an 8-byte header
 *   [stream, 0, 0, 0, size(uint32 BE)] then `size` bytes; stream 1 = stdout, 2 = stderr;
 * - raw stdio (with a TTY): everything is stdout;
 * - JSON messages (events, pull/push/build progress): one JSON object after another, newline-separated.
 */
import type { LogLine } from '../runtime.js';

export interface Chunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** Reassembles frames across chunk boundaries. */
export async function* demultiplex(source: AsyncIterable<Buffer>): AsyncGenerator<Chunk> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    buf = buf.length === 0 ? piece : Buffer.concat([buf, piece]);
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const kind = buf[0];
      const data = buf.subarray(8, 8 + size);
      buf = buf.subarray(8 + size);
      // 0 = stdin echo (only with a TTY-less attach of stdin); treat as stdout like the docker CLI.
      yield { stream: kind === 2 ? 'stderr' : 'stdout', data };
    }
  }
}

export async function* rawStdout(source: AsyncIterable<Buffer>): AsyncGenerator<Chunk> {
  for await (const data of source) yield { stream: 'stdout', data };
}

/**
 * Chunks → one LogLine per line and stream (a partial line waits for its end, and is flushed when the
 * stream ends). With `timestamps`, each line starts with the engine's RFC 3339 time and a space.
 */
export async function* logLines(chunks: AsyncIterable<Chunk>, timestamps: boolean): AsyncGenerator<LogLine> {
  const pending: Record<Chunk['stream'], string> = { stdout: '', stderr: '' };
  const line = (stream: Chunk['stream'], raw: string): LogLine => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!timestamps) return { stream, text };
    const space = text.indexOf(' ');
    return space < 0
      ? { stream, text: '', timestamp: text }
      : { stream, text: text.slice(space + 1), timestamp: text.slice(0, space) };
  };
  for await (const { stream, data } of chunks) {
    const text = pending[stream] + data.toString('utf8');
    const parts = text.split('\n');
    pending[stream] = parts.pop() ?? '';
    for (const part of parts) yield line(stream, part);
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pending[stream] !== '') yield line(stream, pending[stream]);
  }
}

/** Newline-separated JSON objects → objects; blank lines skipped. */
export async function* jsonMessages(source: AsyncIterable<Buffer>): AsyncGenerator<any> {
  let pending = '';
  for await (const piece of source) {
    pending += piece.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') yield JSON.parse(part);
  }
  if (pending.trim() !== '') yield JSON.parse(pending);
}
