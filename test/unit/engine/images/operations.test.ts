/**
 * The image operations over a real image store in a temporary BERTH_ROOT (no registry, no daemon):
 * ls, tag, rm, inspect, history, save → load (both docker save and OCI readers), import, prune,
 * logout's config edits.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BerthError } from '../../../../src/api/errors.js';
import { logout } from '../../../../src/engine/images/auth.js';
import {
  imageHistory,
  imageImport,
  imageInspect,
  imageList,
  imageLoad,
  imagePrune,
  imageRemove,
  imageSave,
  imageTag,
} from '../../../../src/engine/images/index.js';
import { ImageStore } from '../../../../src/engine/store/image-store.js';
import { addImage, type BuiltLayer, makeLayer, makeTar } from '../../../support/layers.js';

let dir: string;
let root: string;
let store: ImageStore;
let base: BuiltLayer;
let top: BuiltLayer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-images-'));
  root = join(dir, 'root');
  store = await ImageStore.open({ root });
  base = makeLayer(
    [
      { name: 'bin/', type: 'dir' },
      { name: 'bin/sh', content: '#!fake shell\n', mode: 0o755 },
    ],
    {
      gzip: true,
    },
  );
  top = makeLayer([{ name: 'app.txt', content: 'hello\n' }]);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof BerthError ? err.code : String(err);
  }
}

describe('image ls / tag / rm', () => {
  it('lists one row per reference plus dangling images, newest first, and filters by REPO[:TAG]', async () => {
    const a = await addImage(store, [base], ['app:1', 'app:2'], { created: '2024-01-01T00:00:00Z' });
    const b = await addImage(store, [base, top], ['127.0.0.1:5000/x/y:3'], {
      created: '2024-02-01T00:00:00Z',
    });
    const c = await addImage(store, [top], [], { created: '2023-01-01T00:00:00Z' });
    const rows = await imageList({ root });
    expect(rows.map((r) => [r.repository, r.tag, r.id])).toEqual([
      ['127.0.0.1:5000/x/y', '3', b.id],
      ['app', '1', a.id],
      ['app', '2', a.id],
      ['<none>', '<none>', c.id],
    ]);
    expect(rows[0]!.size).toBe(base.blob.length + top.blob.length);
    expect((await imageList({ root, reference: 'app' })).map((r) => r.tag)).toEqual(['1', '2']);
    expect((await imageList({ root, reference: 'docker.io/library/app:2' })).map((r) => r.tag)).toEqual([
      '2',
    ]);
    expect(await imageList({ root, reference: 'nothing' })).toEqual([]);
  });

  it('tags, untags, then deletes what no image uses', async () => {
    const a = await addImage(store, [base, top], ['app:1']);
    await imageTag('app:1', 'registry.example.com/app:v2', { root });
    expect((await imageList({ root })).map((r) => `${r.repository}:${r.tag}`).sort()).toEqual([
      'app:1',
      'registry.example.com/app:v2',
    ]);
    expect(await code(imageTag('app:1', 'Bad:Ref', { root }))).toBe('INVALID_REFERENCE');
    expect(await code(imageTag('nope:1', 'app:3', { root }))).toBe('IMAGE_NOT_FOUND');

    // By ID with two repositories: refused without -f.
    const refused = await imageRemove([a.id], { root });
    expect(refused.items[0]!.error?.code).toBe('RUNTIME_CONFLICT');

    const first = await imageRemove(['app:1'], { root });
    expect(first.items[0]).toMatchObject({ untagged: ['app:1'], deleted: [] });
    const second = await imageRemove(['registry.example.com/app:v2', 'app:1'], { root });
    expect(second.items[0]).toMatchObject({
      untagged: ['registry.example.com/app:v2'],
      deleted: [a.id, base.digest, top.digest],
    });
    expect(second.items[1]!.error?.code).toBe('IMAGE_NOT_FOUND');
    expect(second.items[1]!.error?.message).toBe('No such image: app:1');
    expect(second.items[1]!.error?.hint).toBeTruthy();
    expect(await store.content.list()).toEqual([]);
  });

  it('removes an image by ID from every repository with force', async () => {
    const a = await addImage(store, [top], ['a:1', 'b:1']);
    const r = await imageRemove([a.id.slice(7, 19)], { root, force: true });
    expect(r.items[0]!.untagged.sort()).toEqual(['a:1', 'b:1']);
    expect(r.items[0]!.deleted).toContain(a.id);
  });
});

describe('image inspect / history', () => {
  it('describes the image as docker does', async () => {
    const a = await addImage(store, [base, top], ['app:1', 'other/app:2'], {
      config: { Cmd: ['sh'], Env: ['A=1'] },
    });
    const info = await imageInspect('app:1', { root });
    expect(info).toMatchObject({
      Id: a.id,
      RepoTags: ['app:1', 'other/app:2'],
      RepoDigests: [`app@${a.manifestDigest}`, `other/app@${a.manifestDigest}`],
      Created: '2024-01-01T00:00:00Z',
      Architecture: 'amd64',
      Os: 'linux',
      Config: { Cmd: ['sh'], Env: ['A=1'] },
      RootFS: { Type: 'layers', Layers: [base.diffId, top.diffId] },
      Size: base.blob.length + top.blob.length,
    });
    expect(await code(imageInspect('missing:1', { root }))).toBe('IMAGE_NOT_FOUND');
    expect(await code(imageInspect('UPPER:1', { root }))).toBe('INVALID_REFERENCE');

    const history = await imageHistory(a.id, { root });
    expect(history.map((h) => [h.id, h.size])).toEqual([
      [a.id, top.blob.length],
      ['<missing>', base.blob.length],
    ]);
  });
});

describe('image save / load', () => {
  it('round-trips through a tarball in both the docker save and the OCI layout form', async () => {
    const a = await addImage(store, [base, top], ['app:1', 'app:2']);
    const b = await addImage(store, [top], ['tools:latest']);
    const tarball = join(dir, 'out.tar');
    const saved = await imageSave(['app', 'tools'], { root, output: tarball });
    expect(saved.images.map((i) => [i.id, i.refs.sort()])).toEqual([
      [a.id, ['app:1', 'app:2']],
      [b.id, ['tools:latest']],
    ]);
    const x = join(dir, 'x');
    await mkdir(x);
    expect(spawnSync('tar', ['-xf', tarball, '-C', x]).status).toBe(0);
    const manifest = JSON.parse(await readFile(join(x, 'manifest.json'), 'utf8'));
    expect(manifest[0]).toEqual({
      Config: `blobs/sha256/${a.id.slice(7)}`,
      RepoTags: ['app:1', 'app:2'],
      Layers: [`blobs/sha256/${base.digest.slice(7)}`, `blobs/sha256/${top.digest.slice(7)}`],
    });
    expect(JSON.parse(await readFile(join(x, 'repositories'), 'utf8'))).toEqual({
      app: { '1': a.id.slice(7), '2': a.id.slice(7) },
      tools: { latest: b.id.slice(7) },
    });
    const index = JSON.parse(await readFile(join(x, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(3);
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe('docker.io/library/app:1');
    expect(JSON.parse(await readFile(join(x, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });

    // Into another store, as docker save (manifest.json) …
    const other = join(dir, 'other');
    const loaded = await imageLoad({ root: other, input: tarball });
    expect(loaded.images.map((i) => [i.id, i.refs.sort()])).toEqual([
      [a.id, ['app:1', 'app:2']],
      [b.id, ['tools:latest']],
    ]);
    // … the manifests byte for byte (same digests) …
    expect((await imageInspect('app:1', { root: other })).Descriptor.digest).toBe(a.manifestDigest);
    // … and as an OCI layout alone.
    await rm(join(x, 'manifest.json'));
    await rm(join(x, 'repositories'));
    const oci = join(dir, 'oci.tar');
    expect(spawnSync('tar', ['-cf', oci, '-C', x, '.']).status).toBe(0);
    const third = join(dir, 'third');
    const fromOci = await imageLoad({ root: third, stream: (await import('node:fs')).createReadStream(oci) });
    expect(fromOci.images.map((i) => i.refs)).toEqual([['app:1', 'app:2'], ['tools:latest']]);
    expect((await imageList({ root: third })).map((r) => r.id)).toContain(a.id);
  });

  it('saves by ID without names (loaded dangling), and refuses unknown images and cancelled saves', async () => {
    const a = await addImage(store, [top], ['app:1']);
    const tarball = join(dir, 'id.tar');
    expect((await imageSave([a.id], { root, output: tarball })).images).toEqual([{ id: a.id, refs: [] }]);
    const other = join(dir, 'other');
    expect((await imageLoad({ root: other, input: tarball })).images).toEqual([{ id: a.id, refs: [] }]);
    expect((await imageList({ root: other }))[0]).toMatchObject({ repository: '<none>', id: a.id });
    expect(await code(imageSave(['nope:1'], { root, output: join(dir, 'n.tar') }))).toBe('IMAGE_NOT_FOUND');
    const controller = new AbortController();
    controller.abort();
    expect(
      await code(imageSave(['app:1'], { root, output: join(dir, 'c.tar'), signal: controller.signal })),
    ).toBe('ABORTED');
    expect(spawnSync('ls', [dir]).stdout.toString()).not.toMatch(/c\.tar/);
    expect(await code(imageLoad({ root, input: join(dir, 'missing.tar') }))).toBe('USAGE');
  });
});

describe('image import / prune', () => {
  it('imports a rootfs tarball with a config, and prunes dangling then unused images', async () => {
    const rootfs = join(dir, 'rootfs.tar');
    await writeFile(
      rootfs,
      makeTar([
        { name: 'etc/', type: 'dir' },
        { name: 'etc/motd', content: 'hi\n' },
      ]),
    );
    const first = await imageImport(rootfs, 'imported:1', {
      root,
      message: 'test import',
      config: { Cmd: ['cat', '/etc/motd'] },
    });
    expect(first.reference).toBe('imported:1');
    const info = await imageInspect('imported:1', { root });
    expect(info).toMatchObject({
      Id: first.id,
      Comment: 'test import',
      Config: { Cmd: ['cat', '/etc/motd'] },
    });
    expect(await code(imageImport(rootfs, 'Bad Ref', { root }))).toBe('INVALID_REFERENCE');

    // The same name again: the first image is left dangling.
    await writeFile(
      rootfs,
      makeTar([
        { name: 'etc/', type: 'dir' },
        { name: 'etc/motd', content: 'bye\n' },
      ]),
    );
    const second = await imageImport(rootfs, 'imported:1', { root });
    expect(second.id).not.toBe(first.id);
    const kept = await addImage(store, [base], ['kept:1']);

    const dangling = await imagePrune({ root });
    expect(dangling.untagged).toEqual([]);
    expect(dangling.deleted).toContain(first.id);
    expect(dangling.reclaimedBytes).toBeGreaterThan(0);
    expect((await imageList({ root })).map((r) => r.repository).sort()).toEqual(['imported', 'kept']);

    const all = await imagePrune({ root, all: true });
    expect(all.untagged.sort()).toEqual(['imported:1', 'kept:1']);
    expect(all.deleted).toEqual(expect.arrayContaining([second.id, kept.id]));
    expect(await imageList({ root })).toEqual([]);
    expect(await store.content.list()).toEqual([]);
    expect(await imagePrune({ root })).toEqual({ untagged: [], deleted: [], reclaimedBytes: 0 });
  });
});

describe('logout', () => {
  it('removes the server’s entries and keeps the rest of the config', async () => {
    const config = join(dir, 'docker');
    await mkdir(config);
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({
        auths: {
          '127.0.0.1:5000': { auth: 'eDp5' },
          'https://127.0.0.1:5000/v2/': { auth: 'eDp5' },
          other: {},
        },
        psFormat: 'table',
      }),
    );
    const env = { DOCKER_CONFIG: config };
    expect(await logout({ server: '127.0.0.1:5000', env })).toEqual({
      serverAddress: '127.0.0.1:5000',
      removed: true,
    });
    expect(JSON.parse(await readFile(join(config, 'config.json'), 'utf8'))).toEqual({
      auths: { other: {} },
      psFormat: 'table',
    });
    expect(await logout({ server: '127.0.0.1:5000', env })).toEqual({
      serverAddress: '127.0.0.1:5000',
      removed: false,
    });
    expect(await logout({ env: { DOCKER_CONFIG: join(dir, 'none') } })).toEqual({
      serverAddress: 'https://index.docker.io/v1/',
      removed: false,
    });
  });
});
