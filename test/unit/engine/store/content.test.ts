/** The content store: verified, atomic, concurrent-safe blob writes. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentStore } from '../../../../src/engine/store/content.js';
import { sha256 } from '../../../support/layers.js';

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-content-'));
  store = new ContentStore(join(dir, 'blobs', 'sha256'), join(dir, 'ingest'));
  await store.init();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  let s = '';
  for await (const c of stream) s += c.toString();
  return s;
}

describe('ContentStore', () => {
  it('stores, finds, streams, sizes and deletes a blob', async () => {
    const digest = sha256('hello');
    expect(await store.has(digest)).toBe(false);
    expect(await store.put('hello', { digest, size: 5 })).toEqual({ digest, size: 5 });
    expect(await store.has(digest)).toBe(true);
    expect(await store.size(digest)).toBe(5);
    expect(await text((await store.get(digest)) as AsyncIterable<Buffer>)).toBe('hello');
    expect((await store.read(digest)).toString()).toBe('hello');
    expect(await readFile(join(dir, 'blobs', 'sha256', digest.slice(7)), 'utf8')).toBe('hello');
    expect(await store.list()).toEqual([digest]);
    expect(await store.delete(digest)).toBe(true);
    expect(await store.delete(digest)).toBe(false);
    expect(await store.has(digest)).toBe(false);
  });

  it('computes the digest of a stream when none is expected', async () => {
    const info = await store.put(Readable.from([Buffer.from('ab'), Buffer.from('c')]));
    expect(info).toEqual({ digest: sha256('abc'), size: 3 });
  });

  it('refuses content that does not match its digest, leaving nothing behind', async () => {
    const expected = sha256('good');
    await expect(store.put('evil', { digest: expected })).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: `digest mismatch: expected ${expected}, content is ${sha256('evil')}`,
    });
    expect(await store.has(expected)).toBe(false);
    expect(await store.has(sha256('evil'))).toBe(false);
    expect(await readdir(join(dir, 'ingest'))).toEqual([]);
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual([]);
  });

  it('refuses content of the wrong size, stopping early when it is too long', async () => {
    await expect(store.put('abcdef', { size: 3 })).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /larger/,
    });
    await expect(store.put('ab', { digest: sha256('ab'), size: 3 })).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /size mismatch/,
    });
    expect(await readdir(join(dir, 'ingest'))).toEqual([]);
  });

  it('refuses malformed digests', async () => {
    await expect(store.put('x', { digest: 'sha256:abc' })).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    expect(() => store.path('md5:00')).toThrow(/sha256/);
  });

  it('never shows a blob before it is complete', async () => {
    const digest = sha256('part1part2');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let midway!: () => void;
    const reached = new Promise<void>((r) => {
      midway = r;
    });
    const source = (async function* () {
      yield Buffer.from('part1');
      midway();
      await gate;
      yield Buffer.from('part2');
    })();
    const writing = store.put(source, { digest });
    await reached;
    expect(await store.has(digest)).toBe(false);
    await expect(store.get(digest)).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    expect((await readdir(join(dir, 'ingest'))).length).toBe(1);
    release();
    await writing;
    expect((await store.read(digest)).toString()).toBe('part1part2');
  });

  it('lets concurrent writers of one digest all succeed, with one file', async () => {
    const data = Buffer.alloc(256 * 1024, 7);
    const digest = sha256(data);
    const chunked = () =>
      Readable.from(Array.from({ length: 16 }, (_, i) => data.subarray(i * 16384, (i + 1) * 16384)));
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(chunked(), { digest })));
    expect(results.every((r) => r.digest === digest && r.size === data.length)).toBe(true);
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual([digest.slice(7)]);
    expect(await readdir(join(dir, 'ingest'))).toEqual([]);
    expect((await store.read(digest)).equals(data)).toBe(true);
  });

  it('detects a blob corrupted on disk when reading it whole', async () => {
    const digest = sha256('{"a":1}');
    await store.put('{"a":1}', { digest });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(store.path(digest), '{"a":2}');
    await expect(store.read(digest)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /corrupt on disk/,
    });
  });

  it('cleans ingest files of dead writers only', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'ingest', '999999999-dead'), 'x');
    await writeFile(join(dir, 'ingest', `${process.pid}-mine`), 'x');
    expect(await store.cleanIngest()).toBe(1);
    expect(await readdir(join(dir, 'ingest'))).toEqual([`${process.pid}-mine`]);
  });
});
