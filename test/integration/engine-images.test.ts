/**
 * The library's image operations against real registries: Debian's docker-registry with htpasswd
 * (Basic) and one behind a token server (Bearer), on 127.0.0.1. login / logout through the docker
 * config file and through a `credsStore` helper (a script in a temporary PATH directory), push with
 * per-layer outcomes and cross-repository mounts, pull with progress events, cancellation by
 * AbortSignal. Stores live in temporary BERTH_ROOTs; everything is removed in afterAll.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../src/api/errors.js';
import type { ImageLayerProgress } from '../../src/api/images.js';
import {
  imageInspect,
  imageList,
  imagePull,
  imagePush,
  imageRemove,
  imageTag,
  login,
  logout,
} from '../../src/engine/images/index.js';
import { ImageStore } from '../../src/engine/store/image-store.js';
import { addImage, makeLayer } from '../support/layers.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const USER = 'berth';
const PASSWORD = `pw-${Math.random().toString(36).slice(2, 10)}`;

let dir: string;
let basic: TestRegistry;
let tokenServer: TokenServer;
let bearer: TestRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-engine-images-'));
  basic = await startRegistry({ username: USER, password: PASSWORD });
  tokenServer = await startTokenServer({ users: { [USER]: PASSWORD } });
  bearer = await startRegistry({ username: USER, password: PASSWORD, tokenAuth: tokenServer });
}, 60_000);

afterAll(async () => {
  await basic?.stop();
  await bearer?.stop();
  await tokenServer?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<BerthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

async function freshDir(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  return d;
}

describe('login / logout', () => {
  it('verifies Basic credentials, stores them base64 in config.json, keeps other keys, and logs out', async () => {
    const config = await freshDir('config-basic');
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({ detachKeys: 'ctrl-x', auths: { other: {} } }),
    );
    const env = { DOCKER_CONFIG: config };
    const wrong = await failure(login({ server: basic.host, username: USER, password: 'nope', env }));
    expect(wrong.code).toBe('REGISTRY_AUTH');
    expect(wrong.message).toBe(
      `login to ${basic.host} failed: the registry refused the username or password`,
    );
    expect(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths[basic.host]).toBeUndefined();

    const ok = await login({ server: `http://${basic.host}/v2/`, username: USER, password: PASSWORD, env });
    expect(ok).toEqual({ serverAddress: basic.host, storedIn: join(config, 'config.json') });
    const file = JSON.parse(await readFile(join(config, 'config.json'), 'utf8'));
    expect(file.detachKeys).toBe('ctrl-x');
    expect(file.auths.other).toEqual({});
    expect(Buffer.from(file.auths[basic.host].auth, 'base64').toString()).toBe(`${USER}:${PASSWORD}`);
    expect((await stat(join(config, 'config.json'))).mode & 0o777).toBe(0o600);

    expect(await logout({ server: basic.host, env })).toEqual({ serverAddress: basic.host, removed: true });
    expect(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths).toEqual({ other: {} });
  });

  it('verifies Bearer credentials through the token server', async () => {
    const env = { DOCKER_CONFIG: await freshDir('config-bearer') };
    const wrong = await failure(login({ server: bearer.host, username: USER, password: 'nope', env }));
    expect(wrong.code).toBe('REGISTRY_AUTH');
    await login({ server: bearer.host, username: USER, password: PASSWORD, env });
    expect(tokenServer.requests.some((r) => r.user === USER && r.status === 200)).toBe(true);
  });

  it('stores through a credsStore helper, which pulls then use, and erases on logout', async () => {
    const bin = await freshDir('helper-bin');
    const state = await freshDir('helper-state');
    const helper = join(bin, 'docker-credential-berthtest');
    await writeFile(
      helper,
      [
        '#!/bin/sh',
        `state=${state}`,
        'case "$1" in',
        '  store) cat > "$state/stored.json" ;;',
        '  get) read server; if [ -f "$state/stored.json" ]; then sed "s/\\"Secret\\"/\\"Secret\\"/" "$state/stored.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;',
        '  erase) read server; echo "$server" > "$state/erased"; rm -f "$state/stored.json" ;;',
        'esac',
        '',
      ].join('\n'),
    );
    await chmod(helper, 0o755);
    const config = await freshDir('config-helper');
    await writeFile(join(config, 'config.json'), JSON.stringify({ credsStore: 'berthtest' }));
    const env = { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` };
    const result = await login({ server: basic.host, username: USER, password: PASSWORD, env });
    expect(result.storedIn).toBe('docker-credential-berthtest');
    expect(JSON.parse(await readFile(join(state, 'stored.json'), 'utf8'))).toEqual({
      ServerURL: basic.host,
      Username: USER,
      Secret: PASSWORD,
    });
    expect(JSON.parse(await readFile(join(config, 'config.json'), 'utf8'))).toEqual({
      credsStore: 'berthtest',
      auths: { [basic.host]: {} },
    });

    // The helper's credentials are what push and pull use.
    const root = join(dir, 'root-helper');
    const store = await ImageStore.open({ root });
    const layer = makeLayer([{ name: 'helper.txt', content: 'via the helper\n' }], { gzip: true });
    const ref = `${basic.host}/helper/app:1`;
    await addImage(store, [layer], [ref]);
    await imagePush(ref, { root, env });
    const other = join(dir, 'root-helper-2');
    expect((await imagePull(ref, { root: other, env })).updated).toBe(true);

    expect(await logout({ server: basic.host, env })).toEqual({ serverAddress: basic.host, removed: true });
    expect((await readFile(join(state, 'erased'), 'utf8')).trim()).toBe(basic.host);
    expect(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths).toEqual({});
  });
});

describe('push / pull', () => {
  it('pushes with per-layer outcomes, mounts across repositories, pulls back with progress', async () => {
    const root = join(dir, 'root-push');
    const store = await ImageStore.open({ root });
    const base = makeLayer([{ name: 'base.txt', content: 'base\n'.repeat(1000) }], { gzip: true });
    const top = makeLayer([{ name: 'top.bin', content: Buffer.alloc(300_000, 7) }]);
    const ref = `${basic.host}/team/app:1`;
    const image = await addImage(store, [base, top], [ref]);
    const credentials = { username: USER, password: PASSWORD };
    const events: ImageLayerProgress[] = [];
    const pushed = await imagePush(ref, { root, credentials, onProgress: (p) => events.push(p) });
    expect(pushed).toMatchObject({ reference: ref, digest: image.manifestDigest });
    expect(pushed.layers).toEqual([
      { digest: base.digest, outcome: 'pushed' },
      { digest: top.digest, outcome: 'pushed' },
    ]);
    expect(events.some((e) => e.status === 'Pushed' && e.id === top.digest.slice(7, 19))).toBe(true);
    expect(events.some((e) => e.digest === image.configDigest)).toBe(false);

    const again = await imagePush(ref, { root, credentials });
    expect(again.layers.map((l) => l.outcome)).toEqual(['exists', 'exists']);

    const copy = `${basic.host}/team/copy:1`;
    await imageTag(ref, copy, { root });
    const mounted = await imagePush(copy, { root, credentials });
    expect(mounted.layers.map((l) => l.outcome)).toEqual(['mounted', 'mounted']);

    // Pull back into a fresh store: progress per layer, same manifest, same image ID.
    const other = join(dir, 'root-pull');
    const pullEvents: ImageLayerProgress[] = [];
    const pulled = await imagePull(copy, {
      root: other,
      credentials,
      unpack: true,
      onProgress: (p) => pullEvents.push(p),
    });
    expect(pulled).toMatchObject({
      reference: copy,
      id: image.id,
      digest: image.manifestDigest,
      updated: true,
    });
    expect(pulled.downloadedBytes).toBe(base.blob.length + top.blob.length);
    for (const l of [base, top]) {
      const statuses = pullEvents.filter((e) => e.digest === l.digest).map((e) => e.status);
      expect(statuses[0]).toBe('Waiting');
      expect(statuses).toContain('Download complete');
      expect(statuses).toContain('Extracting');
      expect(statuses[statuses.length - 1]).toBe('Pull complete');
    }
    const otherStore = await ImageStore.open({ root: other });
    expect(await otherStore.lowerDirs(copy)).toHaveLength(2);
    expect((await imageInspect(copy, { root: other })).Id).toBe(image.id);

    // Pulling the same again: nothing downloaded, up to date.
    const same = await imagePull(copy, { root: other, credentials });
    expect(same).toMatchObject({ updated: false, downloadedBytes: 0 });
    // A second name for the same image in the same store: its layers already exist.
    const statuses: string[] = [];
    await imagePull(ref, { root: other, credentials, onProgress: (p) => statuses.push(p.status) });
    expect(statuses.filter((s) => s === 'Already exists')).toHaveLength(2);
    expect((await imageList({ root: other })).map((r) => `${r.repository}:${r.tag}`).sort()).toEqual([
      ref,
      copy,
    ]);
  });

  it('fails with REGISTRY_AUTH, IMAGE_NOT_FOUND, INVALID_REFERENCE and ABORTED as it should', async () => {
    const root = join(dir, 'root-errors');
    const anonymous = await failure(imagePull(`${basic.host}/team/app:1`, { root, credentials: null }));
    expect(anonymous.code).toBe('REGISTRY_AUTH');
    expect(anonymous.hint).toBeTruthy();
    const credentials = { username: USER, password: PASSWORD };
    expect((await failure(imagePull(`${basic.host}/team/app:nope`, { root, credentials }))).code).toBe(
      'IMAGE_NOT_FOUND',
    );
    const invalid = await failure(imagePull('Bad/Ref', { root, credentials }));
    expect(invalid.code).toBe('INVALID_REFERENCE');
    expect(invalid.hint).toContain('Bad/Ref');
    expect((await failure(imagePush(`${basic.host}/team/none:1`, { root, credentials }))).code).toBe(
      'IMAGE_NOT_FOUND',
    );
    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(
      imagePull(`${basic.host}/team/app:1`, { root, credentials, signal: controller.signal }),
    );
    expect(aborted.code).toBe('ABORTED');
    expect(await imageList({ root })).toEqual([]);
    expect((await imageRemove(['nothing:1'], { root })).items[0]!.error?.code).toBe('IMAGE_NOT_FOUND');
  });
});
