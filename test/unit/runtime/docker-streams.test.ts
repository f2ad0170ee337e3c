import { describe, expect, it } from 'vitest';
import { engineError } from '../../../src/runtime/docker/errors.js';
import { type Chunk, demultiplex, jsonMessages, logLines } from '../../../src/runtime/docker/streams.js';
import type { LogLine } from '../../../src/runtime/runtime.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

async function* pieces(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('demultiplex + logLines', () => {
  const wire = Buffer.concat([frame(1, 'hello\nwor'), frame(2, 'oops\n'), frame(1, 'ld\r\nlast')]);

  it.each([1, 3, 7, 1000])('splits frames and lines whatever the chunking (%d-byte chunks)', async (size) => {
    const lines = await all(logLines(demultiplex(pieces(wire, size)), false));
    expect(lines).toEqual<LogLine[]>([
      { stream: 'stdout', text: 'hello' },
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'world' },
      { stream: 'stdout', text: 'last' },
    ]);
  });

  it('parses the timestamp prefix', async () => {
    async function* chunks(): AsyncGenerator<Chunk> {
      yield {
        stream: 'stdout',
        data: Buffer.from('2026-11-23T13:00:00.123456789Z hi there\n2026-11-23T13:00:01Z \n'),
      };
    }
    expect(await all(logLines(chunks(), true))).toEqual([
      { stream: 'stdout', text: 'hi there', timestamp: '2026-11-23T13:00:00.123456789Z' },
      { stream: 'stdout', text: '', timestamp: '2026-11-23T13:00:01Z' },
    ]);
  });
});

describe('jsonMessages', () => {
  it('reassembles objects split across chunks and skips blank lines', async () => {
    const text =
      '{"status":"Pulling"}\n\n{"id":"a","progressDetail":{"current":1}}\r\n{"aux":{"ID":"sha256:x"}}';
    expect(await all(jsonMessages(pieces(Buffer.from(text), 5)))).toEqual([
      { status: 'Pulling' },
      { id: 'a', progressDetail: { current: 1 } },
      { aux: { ID: 'sha256:x' } },
    ]);
  });
});

describe('engine errors → codes', () => {
  it.each<[number, string, boolean, string]>([
    [404, 'No such container: x', false, 'RUNTIME_NOT_FOUND'],
    [404, 'network x not found', false, 'RUNTIME_NOT_FOUND'],
    [404, 'No such image: x:1', false, 'IMAGE_NOT_FOUND'],
    [404, 'reference does not exist', true, 'IMAGE_NOT_FOUND'],
    [
      404,
      'pull access denied for x, repository does not exist or may require docker login',
      false,
      'IMAGE_NOT_FOUND',
    ],
    [409, 'Conflict. The container name "/x" is already in use', false, 'RUNTIME_CONFLICT'],
    [409, 'network x has active endpoints', false, 'RUNTIME_CONFLICT'],
    [
      500,
      'driver failed programming external connectivity on endpoint x: Bind for 0.0.0.0:8080 failed: port is already allocated',
      false,
      'RUNTIME_PORT_IN_USE',
    ],
    [
      500,
      'driver failed programming external connectivity: listen tcp4 127.0.0.1:5432: bind: address already in use',
      false,
      'RUNTIME_PORT_IN_USE',
    ],
    [500, 'something broke', false, 'RUNTIME_ERROR'],
  ])('%d %s', (statusCode, message, image, code) => {
    expect(engineError({ statusCode, message, image }).code).toBe(code);
  });

  it('names the port and gives a hint', () => {
    const err = engineError({
      statusCode: 500,
      message: 'listen tcp4 127.0.0.1:5432: bind: address already in use',
      action: 'start container p-db-1',
    });
    expect(err.message).toBe('start container p-db-1: host port 5432 (127.0.0.1) is already in use');
    expect(err.hint).toContain('127.0.0.1:5432');
  });

  it('keeps the engine message and the action', () => {
    const err = engineError({ statusCode: 500, message: 'boom', action: 'create container x' });
    expect(err.message).toBe('create container x: boom');
  });
});
