/**
 * The built-in engine's image store for real, as root: GNU tar unpacking (owners, modes, xattrs,
 * file capabilities, device nodes, hard links), whiteouts and opaque directories through a real
 * overlayfs mount, malicious layers (nothing written outside), concurrent and interrupted unpacks,
 * and `docker save` output of the running dockerd loaded with the same image ID.
 *
 * Every store lives in its own temporary root, removed (after unmounting) however the test ends.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/api/errors.js';
import { importRootfs, loadArchive } from '../../src/engine/store/archive.js';
import { ImageStore } from '../../src/engine/store/image-store.js';
import { overlayMountOptions } from '../../src/engine/store/rootfs.js';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ensureBusyboxImage } from '../support/images/busybox.js';
import {
  addImage,
  type BuiltLayer,
  makeImage,
  makeLayer,
  makeTar,
  netRawCapability,
  readXattrs,
  sha256,
} from '../support/layers.js';

const run = promisify(execFile);

let root: string;
let store: ImageStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-engine-store-'));
  store = await ImageStore.open({ root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Everything under `dir`, as relative paths (sorted). */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const p = rel === '' ? name : `${rel}/${name}`;
      out.push(p);
      if ((await lstat(join(dir, p))).isDirectory()) await walk(p);
    }
  };
  await walk('');
  return out.sort();
}

describe('unpacking a layer with GNU tar', () => {
  it('keeps owners, modes, xattrs, file capabilities, devices, links; converts whiteouts', async () => {
    const layer = makeLayer(
      [
        { name: './', type: 'dir', mode: 0o755 },
        { name: 'etc/', type: 'dir', mode: 0o755 },
        { name: 'etc/secret', content: 's', mode: 0o600, uid: 1000, gid: 2000 },
        { name: 'bin/', type: 'dir' },
        { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o4755 },
        {
          name: 'bin/ping',
          content: 'ping',
          mode: 0o755,
          xattrs: { 'security.capability': netRawCapability() },
        },
        { name: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
        { name: 'data/', type: 'dir', mode: 0o1777, uid: 33, gid: 33, xattrs: { 'user.origin': 'layer' } },
        { name: 'dev/', type: 'dir' },
        { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'dev/loopX', type: 'block', devmajor: 7, devminor: 200, mode: 0o660 },
        { name: 'dev/pipe', type: 'fifo', mode: 0o600 },
        { name: 'old/', type: 'dir', mode: 0o750, uid: 5, gid: 6 },
        { name: 'old/.wh..wh..opq' },
        { name: 'old/fresh', content: 'fresh' },
        { name: 'etc/.wh.removed', uid: 0, gid: 0 },
      ],
      { gzip: true },
    );
    const rec = await addImage(store, [layer], ['fidelity:1']);
    const [dir] = await store.unpack('fidelity:1');
    expect(dir).toBe(join(root, 'layers', layer.diffId.slice(7)));
    expect(rec.layers[0]!.diffId).toBe(layer.diffId);

    const st = (p: string) => lstat(join(dir!, p));
    expect((await st('.')).mode & 0o7777).toBe(0o755);
    expect(await st('etc/secret')).toMatchObject({ uid: 1000, gid: 2000 });
    expect((await st('etc/secret')).mode & 0o7777).toBe(0o600);
    expect((await st('bin/tool')).mode & 0o7777).toBe(0o4755);
    expect((await st('bin/alias')).ino).toBe((await st('bin/tool')).ino);
    expect(await readlink(join(dir!, 'bin/sh'))).toBe('/bin/busybox');
    expect((await st('data')).mode & 0o7777).toBe(0o1777);
    expect(await st('data')).toMatchObject({ uid: 33, gid: 33 });
    const nul = await st('dev/null');
    expect(nul.isCharacterDevice()).toBe(true);
    expect(nul.rdev).toBe((1 << 8) | 3);
    const loop = await st('dev/loopX');
    expect(loop.isBlockDevice()).toBe(true);
    expect(loop.rdev).toBe((7 << 8) | 200);
    expect((await st('dev/pipe')).isFIFO()).toBe(true);

    expect(readXattrs(join(dir!, 'data'))['user.origin']?.toString()).toBe('layer');
    expect(readXattrs(join(dir!, 'bin/ping'))['security.capability']?.equals(netRawCapability())).toBe(true);

    // Whiteout: a 0/0 character device, no .wh. file left.
    const wh = await st('etc/removed');
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    // Opaque: the xattr on the directory, which keeps its own metadata; no marker file.
    expect(readXattrs(join(dir!, 'old'))['trusted.overlay.opaque']?.toString()).toBe('y');
    expect(await st('old')).toMatchObject({ uid: 5, gid: 6 });
    expect((await st('old')).mode & 0o7777).toBe(0o750);
    const all = await tree(dir!);
    expect(all.filter((p) => p.includes('.wh.'))).toEqual([]);
    expect(all).toContain('old/fresh');
    // Nothing else in the layers dir: no temporaries.
    expect(await readdir(join(root, 'layers'))).toEqual([layer.diffId.slice(7)]);
  });

  it('refuses a layer whose content does not match the config diff_id, keeping nothing', async () => {
    const layer = makeLayer([{ name: 'a', content: 'a' }], { gzip: true });
    const other = makeLayer([{ name: 'b', content: 'b' }]);
    await addImage(store, [layer], ['liar:1'], { diffIds: [other.diffId] });
    const err = await store.unpack('liar:1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).toMatchObject({ code: 'IMAGE_CORRUPT' });
    expect((err as Error).message).toContain(layer.digest);
    expect((err as Error).message).toContain(`its diff_id is ${layer.diffId}`);
    expect(await readdir(join(root, 'layers'))).toEqual([]);
  });

  it('says so when a layer blob has gone missing', async () => {
    const layer = makeLayer([{ name: 'a', content: 'a' }]);
    await addImage(store, [layer], ['lost:1']);
    await rm(store.content.path(layer.digest));
    await expect(store.unpack('lost:1')).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: `layer ${layer.digest} is missing from the image store`,
    });
  });

  it('refuses zstd layers clearly', async () => {
    const blob = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(60)]);
    const layer: BuiltLayer = {
      tar: blob,
      blob,
      digest: sha256(blob),
      diffId: sha256('whatever'),
      mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
    };
    await addImage(store, [layer], ['zstd:1']);
    await expect(store.unpack('zstd:1')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/zstd-compressed, which berth cannot decompress/),
    });
    expect(await readdir(join(root, 'layers'))).toEqual([]);
  });

  it('unpacks a layer from its bytes as they arrive (LayerStream), visible only once committed', async () => {
    const layer = makeLayer(
      [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/motd', content: 'streamed\n', mode: 0o640, uid: 7, gid: 8 },
        { name: 'etc/old', content: 'x' },
        { name: 'etc/.wh.gone', content: '' },
      ],
      { gzip: true },
    );
    const slot = await store.claimLayer(layer);
    if (!slot) throw new Error('expected to claim the layer');
    // Busy while claimed: nobody else unpacks it meanwhile.
    expect(await store.claimLayer(layer)).toBeUndefined();
    const stream = slot.stream();
    // A first write shorter than the magic bytes, then small pieces.
    await stream.write(layer.blob.subarray(0, 3));
    for (let off = 3; off < layer.blob.length; off += 100) {
      await stream.write(layer.blob.subarray(off, Math.min(layer.blob.length, off + 100)));
    }
    stream.end();
    expect(await stream.finished).toMatchObject({ whiteouts: 1 });
    // Extracted, but not a layer until committed.
    expect(await exists(store.layerPath(layer.diffId))).toBe(false);
    await store.commitLayers([slot]);
    const dir = store.layerPath(layer.diffId);
    expect(await readFile(join(dir, 'etc/motd'), 'utf8')).toBe('streamed\n');
    const st = await stat(join(dir, 'etc/motd'));
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o640, 7, 8]);
    expect((await stat(join(dir, 'etc/gone'))).isCharacterDevice()).toBe(true);
    expect(await store.claimLayer(layer)).toBeUndefined();
    expect(await readdir(join(root, 'layers'))).toEqual([layer.diffId.slice(7)]);
  });

  it('drops a streamed layer that is aborted, does not match its diff_id, or is unsafe', async () => {
    const layer = makeLayer([{ name: 'big', content: 'y'.repeat(300_000) }]);
    // Aborted halfway (the download had to start over): ABORTED, nothing left.
    const a = await store.claimLayer(layer);
    if (!a) throw new Error('expected to claim the layer');
    const sa = a.stream();
    await sa.write(layer.blob.subarray(0, 100_000));
    sa.abort(new Error('restarted'));
    await expect(sa.finished).rejects.toMatchObject({ code: 'ABORTED' });
    await a.discard();
    expect(await readdir(join(root, 'layers'))).toEqual([]);
    // All bytes, but not the diff_id the config names.
    const other = makeLayer([{ name: 'b', content: 'b' }]);
    const b = await store.claimLayer({ digest: layer.digest, diffId: other.diffId });
    if (!b) throw new Error('expected to claim the layer');
    const sb = b.stream();
    await sb.write(layer.blob);
    sb.end();
    await expect(sb.finished).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: expect.stringContaining(`its diff_id is ${layer.diffId}`),
    });
    await b.discard();
    // An escaping entry: refused, later bytes ignored, nothing written outside.
    const evil = makeLayer([{ name: '../../outside', content: 'x' }], { gzip: true });
    const c = await store.claimLayer(evil);
    if (!c) throw new Error('expected to claim the layer');
    const sc = c.stream();
    await sc.write(evil.blob);
    await sc.write(Buffer.alloc(1024));
    sc.end();
    await expect(sc.finished).rejects.toMatchObject({ code: 'IMAGE_LAYER_UNSAFE' });
    await c.discard();
    expect(await readdir(join(root, 'layers'))).toEqual([]);
    expect(await exists(join(root, 'outside'))).toBe(false);
    expect(await exists(join(root, '..', 'outside'))).toBe(false);
  });

  it('unpacks a layer once when two callers and another process ask at the same time', async () => {
    // ~8 MB of incompressible-ish content so that the unpacks overlap.
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const layer = makeLayer(
      [
        { name: 'big.bin', content: big },
        { name: 'small', content: 's' },
      ],
      { gzip: true },
    );
    const rec = await addImage(store, [layer], ['big:1']);
    const child = run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { ImageStore } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/engine/store/image-store.ts'))});
         const { unpackLayer } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/engine/store/unpack.ts'))});
         const s = await ImageStore.open({ root: ${JSON.stringify(root)} });
         const r = await s.resolve('big:1');
         const l = r.layers[0];
         const res = await unpackLayer({ layersDir: s.paths.layers, locksDir: s.paths.locks,
           blobPath: s.content.path(l.digest), layerDigest: l.digest, diffId: l.diffId });
         process.stdout.write(JSON.stringify({ unpacked: res.unpacked }));`,
      ],
      { cwd: join(import.meta.dirname, '../..') },
    );
    const { unpackLayer } = await import('../../src/engine/store/unpack.js');
    const opts = {
      layersDir: store.paths.layers,
      locksDir: store.paths.locks,
      blobPath: store.content.path(layer.digest),
      layerDigest: layer.digest,
      diffId: rec.layers[0]!.diffId,
    };
    const [a, b, c] = await Promise.all([unpackLayer(opts), unpackLayer(opts), child]);
    const fromChild = JSON.parse(c.stdout) as { unpacked: boolean };
    expect([a.unpacked, b.unpacked, fromChild.unpacked].filter(Boolean)).toHaveLength(1);
    expect((await readFile(join(a.path, 'big.bin'))).equals(big)).toBe(true);
    expect(await readdir(store.paths.layers)).toEqual([layer.diffId.slice(7)]);
  }, 120_000);

  it('ignores and cleans a half-unpacked layer left by a crash', async () => {
    const layer = makeLayer([{ name: 'file', content: 'complete' }]);
    await addImage(store, [layer], ['crash:1']);
    const hex = layer.diffId.slice(7);
    const leftover = join(root, 'layers', `.tmp-${hex}-424242-dead`);
    await mkdir(leftover);
    await writeFile(join(leftover, 'file'), 'compl');
    // A temp dir is never a layer.
    await expect(store.lowerDirs('crash:1')).rejects.toThrow(/not unpacked/);
    const [dir] = await store.unpack('crash:1');
    expect(await readFile(join(dir!, 'file'), 'utf8')).toBe('complete');
    expect(await exists(leftover)).toBe(false);
    expect(await store.lowerDirs('crash:1')).toEqual([dir]);
    // prune cleans leftovers of other layers (whose unpack lock nobody holds).
    const other = join(root, 'layers', `.tmp-${'e'.repeat(64)}-424242-dead`);
    await mkdir(join(other, 'sub'), { recursive: true });
    const pruned = await store.prune();
    expect(pruned.removedTemporaries).toBe(1);
    expect(await exists(other)).toBe(false);
    expect(await exists(dir!)).toBe(true);
  });
});

describe('malicious layers', () => {
  let outside: string;
  beforeEach(async () => {
    outside = await mkdtemp(join(tmpdir(), 'berth-outside-'));
    await writeFile(join(outside, 'passwd'), 'original');
  });
  afterEach(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  const cases: Array<[string, () => BuiltLayer, string]> = [
    [
      'path traversal',
      () =>
        makeLayer([
          { name: 'ok', content: 'ok' },
          { name: '../../escaped', content: 'EVIL' },
        ]),
      '../../escaped',
    ],
    [
      'an absolute path',
      () => makeLayer([{ name: '/tmp/berth-escaped-abs', content: 'EVIL' }]),
      '/tmp/berth-escaped-abs',
    ],
    [
      'a symlink escape',
      () =>
        makeLayer([
          { name: 'a', type: 'symlink', linkname: outside },
          { name: 'a/passwd', content: 'EVIL' },
        ]),
      'a/passwd',
    ],
    [
      'a hard-link escape',
      () =>
        makeLayer([
          { name: 'h', type: 'hardlink', linkname: '../../x' },
          { name: 'h', content: 'EVIL' },
        ]),
      'h',
    ],
    [
      'a hard link through a symlink',
      () =>
        makeLayer([
          { name: 's', type: 'symlink', linkname: outside },
          { name: 'h', type: 'hardlink', linkname: 's/passwd' },
          { name: 'h', content: 'EVIL' },
        ]),
      'h',
    ],
    [
      'a pax path override',
      () =>
        makeLayer([{ name: 'harmless', content: 'EVIL', pax: { path: '../../escaped-pax' } }], {
          gzip: true,
        }),
      '../../escaped-pax',
    ],
  ];

  it.each(cases)(
    'refuses %s, naming the layer and the entry, writing nothing',
    async (_what, build, path) => {
      const layer = build();
      await addImage(store, [layer], ['evil:1']);
      const before = await tree(root);
      const err = await store.unpack('evil:1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect(err).toMatchObject({ code: 'IMAGE_LAYER_UNSAFE' });
      expect((err as Error).message).toContain(layer.digest);
      expect((err as Error).message).toContain(`"${path}"`);
      // Nothing outside: the target directory is untouched, the store holds what it held before
      // (lock files aside), nothing landed next to the store.
      expect(await readdir(outside)).toEqual(['passwd']);
      expect(await readFile(join(outside, 'passwd'), 'utf8')).toBe('original');
      const after = (await tree(root)).filter((p) => !p.startsWith('locks'));
      expect(after).toEqual(before.filter((p) => !p.startsWith('locks')));
      expect(await readdir(join(root, 'layers'))).toEqual([]);
      expect(await exists('/tmp/berth-escaped-abs')).toBe(false);
      expect(await exists(join(root, '..', 'escaped'))).toBe(false);
      expect(await exists(join(root, '..', 'escaped-pax'))).toBe(false);
    },
  );

  it('accepts symlinks that point anywhere, as long as nothing is written through them', async () => {
    const layer = makeLayer([
      { name: 'etc', type: 'symlink', linkname: outside },
      { name: 'up', type: 'symlink', linkname: '../../../../..' },
      { name: 'etc2', type: 'symlink', linkname: 'etc' },
    ]);
    await addImage(store, [layer], ['links:1']);
    const [dir] = await store.unpack('links:1');
    expect(await readlink(join(dir!, 'etc'))).toBe(outside);
    expect(await readlink(join(dir!, 'up'))).toBe('../../../../..');
    expect(await readdir(outside)).toEqual(['passwd']);
  });
});

describe('overlayfs over unpacked layers', () => {
  it('hides whited-out files and the lower content of opaque directories', async () => {
    const lower = makeLayer([
      { name: 'a/', type: 'dir' },
      { name: 'a/keep', content: 'keep' },
      { name: 'a/gone', content: 'gone' },
      { name: 'd/', type: 'dir' },
      { name: 'd/old1', content: '1' },
      { name: 'd/sub/', type: 'dir' },
      { name: 'd/sub/old2', content: '2' },
    ]);
    const upper = makeLayer(
      [
        { name: 'a/', type: 'dir' },
        { name: 'a/.wh.gone' },
        { name: 'd/', type: 'dir' },
        { name: 'd/.wh..wh..opq' },
        { name: 'd/new', content: 'new' },
      ],
      { gzip: true },
    );
    await addImage(store, [lower, upper], ['ovl:1']);
    const lowers = await store.unpack('ovl:1');
    expect(lowers).toEqual([store.layerPath(upper.diffId), store.layerPath(lower.diffId)]);
    const ctr = join(root, 'containers', 'c1');
    for (const d of ['upper', 'work', 'merged']) await mkdir(join(ctr, d), { recursive: true });
    const m = await overlayMountOptions({
      lowerDirs: lowers,
      upperDir: join(ctr, 'upper'),
      workDir: join(ctr, 'work'),
    });
    const merged = join(ctr, 'merged');
    await run('mount', ['-t', 'overlay', 'overlay', '-o', m.options, merged], { cwd: m.cwd });
    try {
      expect((await readdir(join(merged, 'a'))).sort()).toEqual(['keep']);
      expect(await readFile(join(merged, 'a', 'keep'), 'utf8')).toBe('keep');
      expect(await readdir(join(merged, 'd'))).toEqual(['new']);
      // The layers themselves are intact.
      expect((await readdir(join(lowers[1]!, 'd'))).sort()).toEqual(['old1', 'sub']);
      // Writes go to the upper dir.
      await writeFile(join(merged, 'a', 'written'), 'w');
      expect(await readFile(join(ctr, 'upper', 'a', 'written'), 'utf8')).toBe('w');
    } finally {
      await run('umount', [merged]);
    }
  });
});

describe('garbage collection of unpacked layers', () => {
  it('keeps a layer two images share until the last of them is removed', async () => {
    const shared = makeLayer(
      [
        { name: 'dev/', type: 'dir' },
        { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3 },
        { name: 'bin/', type: 'dir' },
        { name: 'bin/tool', content: 't', mode: 0o4755 },
      ],
      { gzip: true },
    );
    const onlyA = makeLayer([{ name: 'a', content: 'a', xattrs: { 'user.x': 'y' } }]);
    const onlyB = makeLayer([{ name: 'b', content: 'b' }]);
    const a = await addImage(store, [shared, onlyA], ['gc-a:1']);
    await addImage(store, [shared, onlyB], ['gc-b:1']);
    const lowersA = await store.unpack('gc-a:1');
    const lowersB = await store.unpack('gc-b:1');
    expect(lowersA[1]).toBe(lowersB[1]);

    const ra = await store.removeImage('gc-a:1');
    expect(ra.deletedImages).toEqual([a.id]);
    expect(ra.deletedLayers).toEqual([onlyA.diffId]);
    expect(await exists(lowersA[0]!)).toBe(false);
    expect(await exists(lowersB[1]!)).toBe(true);
    expect(await store.lowerDirs('gc-b:1')).toEqual(lowersB);

    await store.removeImage('gc-b:1');
    expect(await readdir(store.paths.layers)).toEqual([]);
    expect(await store.content.list()).toEqual([]);
  });
});

describe('importing images', () => {
  it('imports a rootfs tarball as a one-layer image (tar and tar+gzip)', async () => {
    const tar = makeTar([
      { name: './', type: 'dir' },
      { name: 'hello', content: 'world' },
    ]);
    const rec = await importRootfs(store, Readable.from([tar]), {
      ref: 'imported:1',
      config: { Cmd: ['/hello'] },
      created: new Date('2024-05-01T00:00:00Z'),
    });
    expect(rec.refs).toEqual(['docker.io/library/imported:1']);
    expect(rec.layers).toEqual([
      {
        digest: sha256(tar),
        size: tar.length,
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        diffId: sha256(tar),
      },
    ]);
    expect(rec.config).toMatchObject({
      os: 'linux',
      created: '2024-05-01T00:00:00.000Z',
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ comment: 'Imported from -' }],
    });
    const [dir] = await store.unpack('imported:1');
    expect(await readFile(join(dir!, 'hello'), 'utf8')).toBe('world');

    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(tar);
    const rec2 = await importRootfs(store, gz, { ref: 'imported:gz' });
    expect(rec2.layers[0]).toMatchObject({
      digest: sha256(gz),
      diffId: sha256(tar),
      mediaType: expect.stringMatching(/gzip$/),
    });
    // Same content, same unpacked layer.
    expect(await store.unpack('imported:gz')).toEqual([dir]);
  });

  it('refuses to import a malicious rootfs tarball', async () => {
    const tar = makeTar([{ name: '../evil', content: 'x' }]);
    await expect(importRootfs(store, tar, { ref: 'bad:1' })).rejects.toMatchObject({
      code: 'IMAGE_LAYER_UNSAFE',
    });
    expect(await store.list()).toEqual([]);
  });

  // The layout of moby's image/tarexport save.go (graphdriver image store), entry for entry: the
  // directory walked in lexical order; under blobs/sha256/ the uncompressed layer tars (named by
  // diff_id; the OCI manifest lists them as application/vnd.oci.image.layer.v1.tar with that digest,
  // in config order), the image config, the OCI manifest, and one legacy v1 JSON per layer that
  // nothing references; index.json with one descriptor per tag (annotations
  // io.containerd.image.name = the full reference, org.opencontainers.image.ref.name = the tag);
  // manifest.json (json.Encoder: a trailing newline) whose Config and Layers point into blobs/, with
  // LayerSources describing every layer; oci-layout as Go writes it; and the legacy `repositories`
  // file (familiar name → tag → the top layer's diff_id hex). Docker 25 to 27 also put the image's
  // platform on the manifest's config descriptor and on the index descriptors; 28 no longer does.
  for (const [docker, withPlatform] of [
    ['Docker ≥ 28', false],
    ['Docker 25–27', true],
  ] as const) {
    it(`loads an OCI image layout archive (docker save, ${docker}), keeping the manifest digest`, async () => {
      const layers = [
        makeLayer([{ name: 'oci', content: 'layout' }]),
        makeLayer([{ name: 'top', content: docker }]),
      ];
      const { config, configDigest } = makeImage(layers);
      const platform = { architecture: 'amd64', os: 'linux' };
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: configDigest,
            size: config.length,
            ...(withPlatform ? { platform } : {}),
          },
          layers: layers.map((l) => ({
            mediaType: 'application/vnd.oci.image.layer.v1.tar',
            digest: l.diffId,
            size: l.tar.length,
          })),
        }),
      );
      const manifestDigest = sha256(manifest);
      const legacyV1 = layers.map((_, i) =>
        Buffer.from(
          JSON.stringify({
            id: String(i).repeat(64),
            created: '1970-01-01T00:00:00Z',
            container_config: { Cmd: null },
            os: 'linux',
          }),
        ),
      );
      const blobs = [...layers.map((l) => l.tar), config, manifest, ...legacyV1]
        .map((content) => ({ name: `blobs/sha256/${sha256(content).slice(7)}`, content }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const tagged = (ref: string, tag: string) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': tag },
        ...(withPlatform ? { platform } : {}),
      });
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [tagged('docker.io/library/oci-img:2', '2'), tagged('docker.io/other/name:3', '3')],
      };
      const top = layers[1]!.diffId.slice(7);
      const archive = makeTar([
        { name: 'blobs/', type: 'dir' },
        { name: 'blobs/sha256/', type: 'dir' },
        ...blobs,
        { name: 'index.json', content: JSON.stringify(index) },
        {
          name: 'manifest.json',
          content: `${JSON.stringify([
            {
              Config: `blobs/sha256/${configDigest.slice(7)}`,
              RepoTags: ['oci-img:2', 'other/name:3'],
              Layers: layers.map((l) => `blobs/sha256/${l.diffId.slice(7)}`),
              LayerSources: Object.fromEntries(
                layers.map((l) => [
                  l.diffId,
                  {
                    mediaType: 'application/vnd.oci.image.layer.v1.tar',
                    size: l.tar.length,
                    digest: l.diffId,
                  },
                ]),
              ),
            },
          ])}\n`,
        },
        { name: 'oci-layout', content: '{"imageLayoutVersion": "1.0.0"}' },
        {
          name: 'repositories',
          content: `${JSON.stringify({ 'oci-img': { 2: top }, 'other/name': { 3: top } })}\n`,
        },
      ]);
      const [rec] = await loadArchive(store, Readable.from([archive]));
      expect(rec).toMatchObject({
        id: configDigest,
        manifestDigest,
        refs: ['docker.io/library/oci-img:2', 'docker.io/other/name:3'],
      });
      const [topDir, baseDir] = await store.unpack('oci-img:2');
      expect(await readFile(join(baseDir!, 'oci'), 'utf8')).toBe('layout');
      expect(await readFile(join(topDir!, 'top'), 'utf8')).toBe(docker);
      // `docker save | gzip` loads too.
      const { gzipSync } = await import('node:zlib');
      const [again] = await loadArchive(store, Readable.from([gzipSync(archive)]));
      expect(again!.manifestDigest).toBe(manifestDigest);
    });
  }

  it('refuses an archive whose blob does not match its name', async () => {
    const archive = makeTar([
      { name: `blobs/sha256/${sha256('real').slice(7)}`, content: 'fake' },
      { name: 'oci-layout', content: '{}' },
      { name: 'index.json', content: '{"schemaVersion":2,"manifests":[]}' },
    ]);
    await expect(loadArchive(store, Readable.from([archive]))).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
    });
  });
});

describe('docker save from the running dockerd', () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const w of work) await rm(w, { recursive: true, force: true });
  });

  it('loads berth-test/busybox:1 with the same image ID as docker inspect', async () => {
    const runtime = await createDockerRuntime();
    let image: string;
    try {
      image = await ensureBusyboxImage(runtime);
    } finally {
      await runtime.close();
    }
    const dir = await mkdtemp(join(tmpdir(), 'berth-docker-save-'));
    work.push(dir);
    const file = join(dir, 'busybox.tar');
    await run('docker', ['save', '-o', file, image]);
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
    const dockerId = stdout.trim();

    const { createReadStream } = await import('node:fs');
    const loaded = await loadArchive(store, createReadStream(file));
    expect(loaded).toHaveLength(1);
    expect(loaded[0]!.id).toBe(dockerId);
    expect(loaded[0]!.refs).toEqual(['docker.io/berth-test/busybox:1']);
    expect((await store.resolve('berth-test/busybox:1')).id).toBe(dockerId);
    expect((await store.resolve(dockerId.slice(7, 19))).id).toBe(dockerId);

    const lowers = await store.unpack(image);
    expect(lowers).toHaveLength(1);
    const top = lowers[0]!;
    expect((await stat(join(top, 'bin', 'busybox'))).mode & 0o111).not.toBe(0);
    expect(await readlink(join(top, 'bin', 'sh'))).toBe('/bin/busybox');
    expect((await stat(join(top, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect(await readFile(join(top, 'etc', 'passwd'), 'utf8')).toMatch(/^root:x:0:0:/);

    // Loading again changes nothing; removing frees it all.
    const again = await loadArchive(store, file);
    expect(again[0]!.manifestDigest).toBe(loaded[0]!.manifestDigest);
    const removed = await store.removeImage(image);
    expect(removed.deletedImages).toEqual([dockerId]);
    expect(await store.content.list()).toEqual([]);
    expect(await readdir(store.paths.layers)).toEqual([]);
    expect((await readdir(store.paths.locks)).filter((n) => n.startsWith('layer-'))).toEqual([]);
  }, 300_000);
});
