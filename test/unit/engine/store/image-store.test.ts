/**
 * The image store without unpacking: adding images, the tag index (atomic, locked), resolving
 * references and IDs, removal with reference counting, prune.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore, type InUse } from '../../../../src/engine/store/image-store.js';
import { addImage, type BuiltLayer, makeImage, makeLayer, sha256 } from '../../../support/layers.js';

const run = promisify(execFile);

let root: string;
let store: ImageStore;
let inUse: InUse;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-store-'));
  inUse = {};
  store = await ImageStore.open({ root, inUse: async () => inUse });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const base = makeLayer(
  [
    { name: 'bin/', type: 'dir' },
    { name: 'bin/sh', content: 'shell' },
  ],
  { gzip: true },
);
const app = makeLayer(
  [
    { name: 'app/', type: 'dir' },
    { name: 'app/run', content: 'app' },
  ],
  { gzip: true },
);
const web = makeLayer([
  { name: 'www/', type: 'dir' },
  { name: 'www/index.html', content: '<h1>' },
]);

/** Simulates an unpacked layer directory. */
async function fakeUnpacked(layer: BuiltLayer): Promise<string> {
  const dir = store.layerPath(layer.diffId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'marker'), 'x');
  return dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

describe('ImageStore: layout', () => {
  it('creates an OCI image layout under the root', async () => {
    expect(JSON.parse(await readFile(join(root, 'images', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect(JSON.parse(await readFile(join(root, 'images', 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
    expect(await exists(join(root, 'images', 'blobs', 'sha256'))).toBe(true);
    expect(await exists(join(root, 'layers'))).toBe(true);
  });

  it('takes its root from BERTH_ROOT when no option is given', async () => {
    const other = join(root, 'from-env');
    const s = await ImageStore.open({ env: { BERTH_ROOT: other } });
    expect(s.root).toBe(other);
    expect(await exists(join(other, 'images', 'index.json'))).toBe(true);
  });
});

describe('ImageStore: adding and resolving', () => {
  it('stores an image and finds it by reference, ID, ID prefix and manifest digest', async () => {
    const image = makeImage([base, app]);
    const rec = await addImage(store, [base, app], ['myapp', 'localhost:5000/team/app:v1']);
    expect(rec).toMatchObject({
      id: image.configDigest,
      configDigest: image.configDigest,
      manifestDigest: image.manifestDigest,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      refs: ['docker.io/library/myapp:latest', 'localhost:5000/team/app:v1'],
      size: base.blob.length + app.blob.length,
    });
    expect(rec.layers.map((l) => [l.digest, l.diffId])).toEqual([
      [base.digest, base.diffId],
      [app.digest, app.diffId],
    ]);
    // The manifest is kept byte for byte.
    expect((await store.content.read(image.manifestDigest)).equals(image.manifest)).toBe(true);
    const hex = image.configDigest.slice(7);
    for (const words of [
      'myapp',
      'myapp:latest',
      'library/myapp',
      'docker.io/library/myapp:latest',
      'localhost:5000/team/app:v1',
      image.configDigest,
      hex,
      hex.slice(0, 12),
      image.manifestDigest,
    ]) {
      expect((await store.resolve(words)).manifestDigest, words).toBe(image.manifestDigest);
    }
    expect(await store.find('myapp:other')).toBeUndefined();
    await expect(store.resolve('nothere')).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: 'No such image: nothere',
    });
    await expect(store.resolve('Bad/Ref:')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
  });

  it('keeps Docker schema2 media types', async () => {
    const rec = await addImage(store, [base], ['docker-style:1'], { docker: true });
    expect(rec.manifestMediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(rec.configMediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(rec.layers[0]!.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    const index = JSON.parse(await readFile(join(root, 'images', 'index.json'), 'utf8'));
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: rec.manifestDigest,
        size: rec.manifestSize,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'org.opencontainers.image.ref.name': 'docker.io/library/docker-style:1' },
      },
    ]);
  });

  it('refuses images whose blobs are missing, of the wrong size, or inconsistent', async () => {
    const image = makeImage([base]);
    await store.putBlob(image.config);
    await expect(store.addImage(image.manifest, { refs: ['x'] })).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: new RegExp(`blob ${base.digest} is not in the store`),
    });
    await store.putBlob(base.blob);
    const wrongDiff = makeImage([base], { diffIds: [base.diffId, app.diffId] });
    await store.putBlob(wrongDiff.config);
    await expect(store.addImage(wrongDiff.manifest)).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /1 layers, the config 2 diff_ids/,
    });
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [],
      }),
    );
    await expect(store.addImage(list)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: /multi-platform/,
    });
    const manifest = JSON.parse(image.manifest.toString());
    manifest.layers[0].size += 1;
    await expect(store.addImage(Buffer.from(JSON.stringify(manifest)))).rejects.toMatchObject({
      code: 'IMAGE_CORRUPT',
      message: /the manifest says/,
    });
    expect(await store.list()).toEqual([]);
  });

  it('refuses an ambiguous ID prefix', async () => {
    // 17 images: two of them share the first hex digit of their ID.
    const ids: string[] = [];
    for (let i = 0; i < 17; i++)
      ids.push((await addImage(store, [], [`img${i}`], { config: { Cmd: [`c${i}`] } })).id);
    const first = ids.map((id) => id[7]!);
    const shared = first.find((c, i) => first.indexOf(c) !== i)!;
    await expect(store.resolve(shared)).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: /multiple IDs/,
    });
  });
});

describe('ImageStore: tags', () => {
  it('moves a tag; the image that lost its last tag stays, dangling', async () => {
    const one = await addImage(store, [base], ['app:1']);
    const two = await addImage(store, [base, app], ['app:1']);
    expect((await store.resolve('app:1')).id).toBe(two.id);
    const listed = await store.list();
    expect(listed.map((r) => [r.id, r.refs])).toEqual(
      expect.arrayContaining([
        [one.id, []],
        [two.id, ['docker.io/library/app:1']],
      ]),
    );
    await store.tag('app:1', 'app:latest');
    await store.tag(one.id, 'old:1');
    expect((await store.resolve(one.id)).refs).toEqual(['docker.io/library/old:1']);
    expect((await store.resolve('app')).refs).toEqual([
      'docker.io/library/app:1',
      'docker.io/library/app:latest',
    ]);
  });

  it('tags by digest only the manifest that has it', async () => {
    const rec = await addImage(store, [base], ['a:1']);
    await store.tag('a:1', `a@${rec.manifestDigest}`);
    expect((await store.resolve(`a@${rec.manifestDigest}`)).id).toBe(rec.id);
    await expect(store.tag('a:1', `a@${sha256('other')}`)).rejects.toMatchObject({
      code: 'INVALID_REFERENCE',
    });
  });

  it('loses no update under concurrent tagging in one process', async () => {
    const rec = await addImage(store, [base], ['src:1']);
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.tag(rec.id, `many:${i}`)));
    const refs = (await store.resolve(rec.id)).refs;
    expect(refs).toHaveLength(31);
  });

  it('loses no update when tags and untags interleave', async () => {
    const rec = await addImage(store, [base], ['src:1']);
    for (let i = 0; i < 10; i++) await store.tag(rec.id, `old:${i}`);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => store.tag(rec.id, `new:${i}`)),
      ...Array.from({ length: 10 }, (_, i) => store.removeImage(`old:${i}`)),
    ]);
    const refs = (await store.resolve(rec.id)).refs;
    expect(refs).toHaveLength(11);
    expect(refs.filter((r) => r.includes('/old:'))).toEqual([]);
  });

  it('loses no update under concurrent tagging from several processes', async () => {
    const rec = await addImage(store, [base], ['src:1']);
    const child = join(import.meta.dirname, 'tag-child.ts');
    const runs = ['p', 'q', 'r'].map((prefix) =>
      run(process.execPath, ['--import', 'tsx', child, root, rec.id, `x/${prefix}`, '12'], {
        cwd: join(import.meta.dirname, '../../../..'),
      }),
    );
    await Promise.all([...runs, ...Array.from({ length: 12 }, (_, i) => store.tag(rec.id, `x/parent-${i}`))]);
    const refs = (await store.resolve(rec.id)).refs;
    expect(refs).toHaveLength(1 + 4 * 12);
  }, 120_000);
});

describe('ImageStore: removal and garbage collection', () => {
  it('untags a reference and keeps an image that still has another', async () => {
    const rec = await addImage(store, [base], ['a:1', 'b:1']);
    const res = await store.removeImage('a:1');
    expect(res).toEqual({
      untagged: ['docker.io/library/a:1'],
      deletedImages: [],
      deletedBlobs: [],
      deletedLayers: [],
    });
    expect((await store.resolve(rec.id)).refs).toEqual(['docker.io/library/b:1']);
    expect(await store.content.has(base.digest)).toBe(true);
  });

  it('frees only what no remaining image uses (two images sharing a layer)', async () => {
    const a = await addImage(store, [base, app], ['a:1']);
    const b = await addImage(store, [base, web], ['b:1']);
    const baseDir = await fakeUnpacked(base);
    const appDir = await fakeUnpacked(app);
    const webDir = await fakeUnpacked(web);

    const ra = await store.removeImage('a:1');
    expect(ra.untagged).toEqual(['docker.io/library/a:1']);
    expect(ra.deletedImages).toEqual([a.id]);
    expect(ra.deletedBlobs.sort()).toEqual([a.manifestDigest, a.configDigest, app.digest].sort());
    expect(ra.deletedLayers).toEqual([app.diffId]);
    expect(await store.content.has(base.digest)).toBe(true);
    expect(await exists(baseDir)).toBe(true);
    expect(await exists(appDir)).toBe(false);
    expect(await exists(webDir)).toBe(true);
    expect(await store.find('a:1')).toBeUndefined();
    expect((await store.resolve('b:1')).id).toBe(b.id);

    const rb = await store.removeImage(b.id);
    expect(rb.deletedBlobs.sort()).toEqual(
      [b.manifestDigest, b.configDigest, base.digest, web.digest].sort(),
    );
    expect(rb.deletedLayers.sort()).toEqual([base.diffId, web.diffId].sort());
    expect(await store.content.list()).toEqual([]);
    expect((await readdir(join(root, 'layers'))).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('refuses to remove by ID an image of several repositories unless forced', async () => {
    const rec = await addImage(store, [base], ['one:1', 'two:1']);
    await expect(store.removeImage(rec.id.slice(7, 19))).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: /referenced in multiple repositories/,
    });
    const res = await store.removeImage(rec.id.slice(7, 19), { force: true });
    expect(res.untagged.sort()).toEqual(['docker.io/library/one:1', 'docker.io/library/two:1']);
    expect(res.deletedImages).toEqual([rec.id]);
  });

  it('removes by ID an image with several tags of one repository', async () => {
    const rec = await addImage(store, [base], ['one:1', 'one:2']);
    expect((await store.removeImage(rec.id)).untagged).toHaveLength(2);
    expect(await store.content.has(base.digest)).toBe(false);
  });

  it('keeps images and layers containers use', async () => {
    const rec = await addImage(store, [base, app], ['used:1']);
    const appDir = await fakeUnpacked(app);
    inUse = { images: [rec.id], layers: [app.diffId] };
    await expect(store.removeImage('used:1')).rejects.toMatchObject({
      code: 'RUNTIME_CONFLICT',
      message: /being used by a container/,
    });
    const res = await store.removeImage('used:1', { force: true });
    expect(res.deletedBlobs).toEqual([]);
    const dangling = await store.resolve(rec.id);
    expect(dangling.refs).toEqual([]);
    const pruned = await store.prune();
    expect(pruned.deletedImages).toEqual([]);
    expect(await store.find(rec.id)).toBeDefined();
    inUse = { layers: [app.diffId] };
    const pruned2 = await store.prune();
    expect(pruned2.deletedImages).toEqual([rec.id]);
    expect(await store.content.has(app.digest)).toBe(false);
    expect(await exists(appDir)).toBe(true);
  });

  it('prune drops dangling images and everything unreferenced', async () => {
    const old = await addImage(store, [base, app], ['app:1']);
    const current = await addImage(store, [base, web], ['app:1']);
    const stray = await store.putBlob('stray blob');
    const baseDir = await fakeUnpacked(base);
    const appDir = await fakeUnpacked(app);
    const orphan = makeLayer([{ name: 'orphan', content: 'o' }]);
    const orphanDir = await fakeUnpacked(orphan);
    await writeFile(join(root, 'images', 'ingest', '999999999-deadbeef'), 'partial');
    const staleTmp = join(root, 'layers', `.tmp-${orphan.diffId.slice(7)}-999999999-dead`);
    await mkdir(staleTmp);
    const staleDel = join(root, 'layers', `.del-${orphan.diffId.slice(7)}-1-1`);
    await mkdir(staleDel);

    const res = await store.prune();
    expect(res.deletedImages).toEqual([old.id]);
    expect(res.deletedBlobs.sort()).toEqual(
      [old.manifestDigest, old.configDigest, app.digest, stray.digest].sort(),
    );
    expect(res.deletedLayers.sort()).toEqual([app.diffId, orphan.diffId].sort());
    expect(res.reclaimedBlobBytes).toBeGreaterThan(0);
    expect(res.removedTemporaries).toBe(3);
    expect(await exists(baseDir)).toBe(true);
    expect(await exists(appDir)).toBe(false);
    expect(await exists(orphanDir)).toBe(false);
    expect(await exists(staleTmp)).toBe(false);
    expect(await exists(staleDel)).toBe(false);
    expect(await readdir(join(root, 'images', 'ingest'))).toEqual([]);
    expect((await store.list()).map((r) => r.id)).toEqual([current.id]);
    // Nothing left to do.
    const again = await store.prune();
    expect(again.deletedBlobs).toEqual([]);
    expect(again.deletedLayers).toEqual([]);
  });

  it('still removes an image whose config blob was lost', async () => {
    const good = await addImage(store, [base], ['good:1']);
    const broken = await addImage(store, [app], ['broken:1']);
    await rm(store.content.path(broken.configDigest));
    // A fresh store (another process): nothing cached.
    const fresh = await ImageStore.open({ root });
    expect((await fresh.list()).map((r) => r.id)).toEqual([good.id]);
    await expect(fresh.resolve('broken:1')).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
    expect((await fresh.resolve(good.id.slice(7, 15))).id).toBe(good.id);
    const res = await fresh.removeImage('broken:1');
    expect(res.untagged).toEqual(['docker.io/library/broken:1']);
    expect(res.deletedBlobs).toEqual([broken.manifestDigest]);
    const pruned = await fresh.prune();
    expect(pruned.deletedBlobs).toEqual([app.digest]);
    expect((await fresh.list()).map((r) => r.id)).toEqual([good.id]);
  });

  it('removeImage of an unknown image says so', async () => {
    await expect(store.removeImage('ghost')).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });
});
