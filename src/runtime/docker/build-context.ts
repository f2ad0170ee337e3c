/**
 * The build context as the Engine API's POST /build takes it: an uncompressed tar stream of the
 * entries runtime/build-context.ts lists (ustar headers, PAX records for long or non-ASCII names,
 * owner 0:0 like the docker CLI's ChownOpts), plus generated files — an inline Dockerfile, or one that
 * lives outside the context — added under a name the engine is told through `dockerfile=`.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ContextEntry } from '../build-context.js';

/** A file that is not on disk (an inline or out-of-context Dockerfile). */
export interface GeneratedFile {
  path: string;
  content: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL.
  return `${Math.max(0, Math.floor(value))
    .toString(8)
    .padStart(width - 1, '0')}\0`;
}

function header(fields: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(fields.name, 0, 100, 'utf8');
  b.write(octal(fields.mode, 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  b.write(octal(fields.size, 12), 124, 'ascii');
  b.write(octal(fields.mtime, 12), 136, 'ascii');
  b.write('        ', 148, 'ascii');
  b.write(fields.type, 156, 'ascii');
  if (fields.linkname) b.write(fields.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write('root', 265, 'ascii');
  b.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** A PAX record `"<len> key=value\n"`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

const needsPax = (s: string | undefined, max: number) =>
  s !== undefined && (Buffer.byteLength(s) > max || /[^\x20-\x7e]/.test(s));

function* entryHeaders(
  name: string,
  fields: { mode: number; size: number; mtime: number; type: string; linkname?: string },
): Generator<Buffer> {
  if (needsPax(name, 100) || needsPax(fields.linkname, 100)) {
    let records = '';
    if (needsPax(name, 100)) records += paxRecord('path', name);
    if (needsPax(fields.linkname, 100)) records += paxRecord('linkpath', fields.linkname!);
    const data = Buffer.from(records, 'utf8');
    yield header({ name: 'PaxHeader', mode: 0o644, size: data.length, mtime: fields.mtime, type: 'x' });
    yield data;
    yield padding(data.length);
  }
  const short = Buffer.from(name, 'utf8')
    .subarray(0, 100)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '_');
  yield header({
    ...fields,
    name: short,
    linkname: fields.linkname && Buffer.from(fields.linkname).subarray(0, 100).toString('latin1'),
  });
}

async function* fileData(entry: ContextEntry): AsyncGenerator<Buffer> {
  let sent = 0;
  if (entry.size > 0) {
    // Exactly the size the header announced, even if the file changed since it was listed.
    for await (const chunk of createReadStream(entry.abs, { end: entry.size - 1 })) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  if (sent < entry.size) yield Buffer.alloc(entry.size - sent);
  yield padding(entry.size);
}

async function* tarChunks(entries: ContextEntry[], generated: GeneratedFile[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const mtime = e.mtimeMs / 1000;
    if (e.type === 'dir') {
      yield* entryHeaders(`${e.path}/`, { mode: e.mode, size: 0, mtime, type: '5' });
    } else if (e.type === 'symlink') {
      yield* entryHeaders(e.path, { mode: e.mode, size: 0, mtime, type: '2', linkname: e.target });
    } else {
      yield* entryHeaders(e.path, { mode: e.mode, size: e.size, mtime, type: '0' });
      yield* fileData(e);
    }
  }
  const now = Date.now() / 1000;
  for (const g of generated) {
    const data = Buffer.from(g.content, 'utf8');
    yield* entryHeaders(g.path, { mode: 0o644, size: data.length, mtime: now, type: '0' });
    yield data;
    yield padding(data.length);
  }
  // End of archive: two zero blocks.
  yield Buffer.alloc(BLOCK * 2);
}

/** The context as a tar stream. */
export function contextTar(entries: ContextEntry[], generated: GeneratedFile[] = []): Readable {
  return Readable.from(tarChunks(entries, generated), { objectMode: false });
}
