/**
 * The built-in engine's registry client against Debian's real docker-registry (distribution 2.8) on
 * 127.0.0.1, (a) with htpasswd Basic auth and (b) behind test/support/token-server.ts (the Bearer
 * token flow Docker Hub uses), with dockerd on the other side of every exchange:
 *
 * - an image built through the docker runtime (FROM the offline busybox + a RUN layer) is pushed with
 *   `docker push`, pulled with pullImage into a temporary image store: manifest digest = the one
 *   docker printed, image ID (config digest) = docker's;
 * - pushImage from that store to another repository (blobs mounted across repositories; chunked
 *   uploads too), then `docker pull` of it gives the same image ID;
 * - a hand-made OCI index of two single-platform manifests: the platform asked for is selected;
 * - a pull cut mid-blob (by a proxy) is resumed with Range; a blob corrupted in the registry's
 *   storage is detected; wrong credentials are REGISTRY_AUTH.
 *
 * Network only to 127.0.0.1. Registries, token server, proxies (by PID / handle), temp dirs and the
 * images tagged here are removed in afterAll.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BerthError } from '../../src/api/errors.js';
import { imagePull } from '../../src/engine/images/transfer.js';
import {
  contentStoreReader,
  contentStoreSink,
  directoryBlobs,
  type PullImageResult,
  pullImage,
  pushImage,
  type RegistryProgress,
} from '../../src/engine/registry/index.js';
import { ImageStore } from '../../src/engine/store/image-store.js';
import { LayerSlot } from '../../src/engine/store/unpack.js';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../support/images/busybox.js';
import { makeImage, makeLayer } from '../support/layers.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';

const run = promisify(execFile);
const suffix = randomBytes(4).toString('hex');
const APP = `berth-test-engine-reg-${suffix}/app:1`;
const USER = 'berth';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

let runtime: DockerRuntime;
let basic: TestRegistry;
let tokenServer: TokenServer;
let tokenRegistry: TestRegistry;
let basicConfig: string;
let tokenConfig: string;
let appId: string;
const dockerTags = new Set<string>();
const dirs: string[] = [];
const servers: http.Server[] = [];
const creds = { username: USER, password: PASSWORD };

function tempDir(prefix = 'berth-it-engine-reg-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function docker(configDir: string | undefined, ...args: string[]): Promise<string> {
  const env = configDir ? { ...process.env, DOCKER_CONFIG: configDir } : process.env;
  const { stdout } = await run('docker', args, { env, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** `docker tag` + `docker push`; resolves with the manifest digest docker printed. */
async function dockerPush(configDir: string, ref: string): Promise<string> {
  await docker(undefined, 'tag', APP, ref);
  dockerTags.add(ref);
  const out = await docker(configDir, 'push', ref);
  const m = /digest: (sha256:[a-f0-9]{64})/.exec(out);
  if (!m) throw new Error(`no digest in docker push output:\n${out}`);
  return m[1]!;
}

async function imageId(ref: string): Promise<string> {
  return (await docker(undefined, 'image', 'inspect', '--format', '{{.Id}}', ref)).trim();
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as BerthError).code ?? String(err);
  }
}

async function openStore(): Promise<ImageStore> {
  return ImageStore.open({ root: tempDir('berth-it-engine-reg-store-') });
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * A forwarding proxy to a registry on 127.0.0.1 that cuts the first GET of `cutBlob` after
 * `afterBytes` bytes of body (and with `ignoreRange` drops Range headers). Records each blob GET's
 * Range header and upstream status.
 */
async function cuttingProxy(
  target: number,
  cutBlob: () => string | undefined,
  afterBytes: number,
  options: { ignoreRange?: boolean } = {},
): Promise<{
  host: string;
  blobGets: Array<{ range?: string; status: number }>;
  requests: Array<{ method: string; path: string; contentRange?: string }>;
}> {
  const blobGets: Array<{ range?: string; status: number }> = [];
  const requests: Array<{ method: string; path: string; contentRange?: string }> = [];
  let cut = false;
  const server = http.createServer((req, res) => {
    requests.push({
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://x').pathname,
      ...(req.headers['content-range'] ? { contentRange: String(req.headers['content-range']) } : {}),
    });
    const headers = { ...req.headers };
    // A registry (or cache in between) that answers a ranged GET with the whole blob (200).
    if (options.ignoreRange) delete headers.range;
    const upstream = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers },
      (up) => {
        const digest = cutBlob();
        const isTarget =
          req.method === 'GET' && digest !== undefined && req.url?.endsWith(`/blobs/${digest}`);
        if (isTarget) blobGets.push({ range: req.headers.range, status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (isTarget && !cut && up.statusCode === 200) {
          cut = true;
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= afterBytes) return;
            const part = chunk.subarray(0, afterBytes - sent);
            sent += part.length;
            res.write(part);
            if (sent >= afterBytes) {
              up.destroy();
              setTimeout(() => res.socket?.destroy(), 50);
            }
          });
          return;
        }
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, blobGets, requests };
}

beforeAll(async () => {
  runtime = await createDockerRuntime();
  await ensureBusyboxImage(runtime);
  const context = tempDir();
  writeFileSync(join(context, 'greeting.txt'), `hello from ${suffix}\n`);
  await runtime.buildImage({
    context,
    dockerfileInline: `FROM ${BUSYBOX_IMAGE}\nCOPY greeting.txt /greeting.txt\nRUN echo ${suffix} > /run-layer && cat /greeting.txt\nCMD ["cat", "/greeting.txt"]\n`,
    tags: [APP],
  });
  dockerTags.add(APP);
  appId = await imageId(APP);

  basic = await startRegistry({ username: USER, password: PASSWORD });
  basicConfig = basic.dockerConfig();
  tokenServer = await startTokenServer({ users: { [USER]: PASSWORD }, anonymousPull: true });
  tokenRegistry = await startRegistry({ username: USER, password: PASSWORD, tokenAuth: tokenServer });
  tokenConfig = tokenRegistry.dockerConfig();
});

afterAll(async () => {
  const errors: unknown[] = [];
  for (const ref of dockerTags) {
    await docker(undefined, 'rmi', '--force', ref).catch((e: { stderr?: string }) => {
      if (!/No such image/.test(e.stderr ?? '')) errors.push(e);
    });
  }
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await runtime?.close();
  await basic?.stop().catch((e) => errors.push(e));
  await tokenRegistry?.stop().catch((e) => errors.push(e));
  await tokenServer?.stop().catch((e) => errors.push(e));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
});

/** Pull → the image store → the store's record has docker's digests. */
async function pullAndCheck(
  ref: string,
  pushedDigest: string,
  options: { credentials?: typeof creds | null; authLookup?: { env: NodeJS.ProcessEnv } } = {},
): Promise<{ store: ImageStore; result: PullImageResult; events: RegistryProgress[] }> {
  const store = await openStore();
  const events: RegistryProgress[] = [];
  const result = await pullImage(ref, {
    sink: contentStoreSink(store.content),
    onProgress: (p) => events.push(p),
    ...options,
  });
  expect(result.manifestDigest).toBe(pushedDigest);
  expect(result.configDigest).toBe(appId);
  expect(result.manifest.layers.length).toBeGreaterThanOrEqual(2);
  const record = await store.addImage(result.manifestBytes, { refs: [ref] });
  expect(record.id).toBe(appId);
  expect(record.manifestDigest).toBe(pushedDigest);
  for (const l of result.manifest.layers) expect(await store.content.has(l.digest)).toBe(true);
  for (const l of result.manifest.layers) {
    expect(events.filter((e) => e.digest === l.digest).at(-1)?.status).toBe('Download complete');
  }
  return { store, result, events };
}

describe('registry with htpasswd Basic auth', () => {
  let pushed: string;
  let store: ImageStore;
  let pulled: PullImageResult;
  const repoRef = () => `${basic.host}/berth-it/app-${suffix}:1`;

  it('pulls what docker pushed: same manifest digest and image ID, into the image store', async () => {
    pushed = await dockerPush(basicConfig, repoRef());
    // Credentials found the docker CLI way (DOCKER_CONFIG auths).
    ({ store, result: pulled } = await pullAndCheck(repoRef(), pushed, {
      authLookup: { env: { ...process.env, DOCKER_CONFIG: basicConfig } },
    }));
    expect(pulled.reference).toBe(repoRef());
    expect(pulled.indexDigest).toBeUndefined();
    // A second pull finds every layer in the sink.
    const events: RegistryProgress[] = [];
    await pullImage(repoRef(), {
      sink: contentStoreSink(store.content),
      credentials: creds,
      onProgress: (p) => events.push(p),
    });
    const layers = pulled.manifest.layers.map((l) => l.digest);
    expect(layers.every((d) => events.some((e) => e.digest === d && e.status === 'Already exists'))).toBe(
      true,
    );
    expect(events.some((e) => e.status === 'Downloading')).toBe(false);
  });

  it('pushes from the store (mounting blobs across repositories); docker pulls the same image', async () => {
    const target = `${basic.host}/berth-it/copy-${suffix}:2`;
    const events: RegistryProgress[] = [];
    const result = await pushImage(target, {
      source: {
        manifest: pulled.manifestBytes,
        blobs: contentStoreReader(store.content),
        mountFrom: [repoRef()],
      },
      credentials: creds,
      onProgress: (p) => events.push(p),
    });
    expect(result.digest).toBe(pushed);
    const outcomes = new Set(
      events
        .filter((e) => ['Mounted', 'Pushed', 'Layer already exists'].includes(e.status))
        .map((e) => e.status),
    );
    expect(outcomes).toEqual(new Set(['Mounted']));
    dockerTags.add(target);
    await docker(basicConfig, 'pull', target);
    expect(await imageId(target)).toBe(appId);
  });

  it('pushes in chunks without a mount source; docker pulls the same image', async () => {
    const repo = `berth-it/chunked-${suffix}`;
    // Through a proxy that only watches, to see the PATCHes.
    const proxy = await cuttingProxy(basic.port, () => undefined, 0);
    const events: RegistryProgress[] = [];
    const chunk = 256 * 1024;
    const result = await pushImage(`${proxy.host}/${repo}:3`, {
      source: { manifest: pulled.manifestBytes, blobs: contentStoreReader(store.content) },
      credentials: creds,
      chunkSize: chunk,
      onProgress: (p) => events.push(p),
    });
    expect(result.digest).toBe(pushed);
    // Blobs are registry-wide in distribution, but a repository only sees what was linked into it.
    const statuses = events.filter((e) => e.status === 'Pushed').map((e) => e.digest);
    expect(new Set(statuses)).toEqual(
      new Set([pulled.configDigest, ...pulled.manifest.layers.map((l) => l.digest)]),
    );
    const big = pulled.manifest.layers.filter((l) => l.size > chunk);
    expect(big.length).toBeGreaterThan(0);
    const patches = proxy.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBe(big.reduce((n, l) => n + Math.ceil(l.size / chunk), 0));
    expect(patches.map((p) => p.contentRange)).toContain(`0-${chunk - 1}`);
    expect(patches.map((p) => p.contentRange)).toContain(`${chunk}-${2 * chunk - 1}`);
    const target = `${basic.host}/${repo}:3`;
    dockerTags.add(target);
    await docker(basicConfig, 'pull', target);
    expect(await imageId(target)).toBe(appId);
  });

  it('selects the platform from a hand-made OCI index of two manifests', async () => {
    const repo = `${basic.host}/berth-it/multi-${suffix}`;
    // An "arm64" sibling of the image: the same layers, a config saying arm64/v8.
    const armConfig = Buffer.from(JSON.stringify({ ...pulled.config, architecture: 'arm64', variant: 'v8' }));
    const armManifest = Buffer.from(
      JSON.stringify({
        ...pulled.manifest,
        config: { ...pulled.manifest.config, digest: sha(armConfig), size: armConfig.length },
      }),
    );
    await store.putBlob(armConfig, { digest: sha(armConfig) });
    await store.putBlob(armManifest, { digest: sha(armManifest) });
    await store.putBlob(pulled.manifestBytes, { digest: pulled.manifestDigest });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: pulled.manifestMediaType,
            digest: pulled.manifestDigest,
            size: pulled.manifestBytes.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: pulled.manifestMediaType,
            digest: sha(armManifest),
            size: armManifest.length,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
        ],
      }),
    );
    const pushedIndex = await pushImage(`${repo}:multi`, {
      source: { manifest: index, blobs: contentStoreReader(store.content), mountFrom: [repoRef()] },
      credentials: creds,
    });
    expect(pushedIndex.digest).toBe(sha(index));

    const sink = directoryBlobs(tempDir());
    const arm = await pullImage(`${repo}:multi`, { sink, credentials: creds, platform: 'linux/arm64/v8' });
    expect(arm.indexDigest).toBe(sha(index));
    expect(arm.manifestDigest).toBe(sha(armManifest));
    expect(arm.config.architecture).toBe('arm64');
    expect(arm.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    const amd = await pullImage(`${repo}:multi`, { sink, credentials: creds });
    expect(amd.manifestDigest).toBe(pushed);
    expect(amd.configDigest).toBe(appId);
    // By the index's digest too.
    const byDigest = await pullImage(`${repo}@${sha(index)}`, {
      sink,
      credentials: creds,
      platform: 'linux/aarch64',
    });
    expect(byDigest.manifestDigest).toBe(sha(armManifest));
    let err: BerthError | undefined;
    try {
      await pullImage(`${repo}:multi`, { sink, credentials: creds, platform: 'linux/s390x' });
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_NOT_FOUND');
    expect(err?.hint).toBe('available platforms: linux/amd64, linux/arm64/v8');
  });

  it('resumes a pull whose connection was cut mid-blob, with Range', async () => {
    const biggest = [...pulled.manifest.layers].sort((a, b) => b.size - a.size)[0]!;
    expect(biggest.size).toBeGreaterThan(200_000);
    const proxy = await cuttingProxy(basic.port, () => biggest.digest, 100_000);
    const ref = `${proxy.host}/berth-it/app-${suffix}:1`;
    const store2 = await openStore();
    const sink = contentStoreSink(store2.content);
    // Without retries the cut fails the pull and leaves the partial download behind…
    expect(
      await codeOf(
        pullImage(ref, { sink, credentials: creds, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } }),
      ),
    ).toBe('REGISTRY_ERROR');
    const partials = readdirSync(sink.partialDir).filter((n) => n.endsWith('.partial'));
    expect(partials).toEqual([`${process.pid}-${biggest.digest.slice(7)}.partial`]);
    expect(await store2.content.has(biggest.digest)).toBe(false);
    // …which the next pull continues from where it stopped.
    const result = await pullImage(ref, { sink, credentials: creds });
    expect(result.manifestDigest).toBe(pushed);
    expect(proxy.blobGets).toHaveLength(2);
    expect(proxy.blobGets[0]).toEqual({ range: undefined, status: 200 });
    const from = Number(/^bytes=(\d+)-$/.exec(proxy.blobGets[1]!.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(100_000);
    expect(proxy.blobGets[1]!.status).toBe(206);
    expect(await store2.content.has(biggest.digest)).toBe(true);
    await store2.content.read(biggest.digest, 64 * 1024 * 1024);
    expect(readdirSync(sink.partialDir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('detects a blob corrupted in the registry storage', async () => {
    // A small image of its own, so the corruption touches nothing else.
    const src = directoryBlobs(tempDir());
    const layer = randomBytes(50_000);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [sha(layer)] },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha(config),
          size: config.length,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length },
        ],
      }),
    );
    await src.write(sha(layer), layer.length, Readable.from([layer]));
    await src.write(sha(config), config.length, Readable.from([config]));
    const ref = `${basic.host}/berth-it/corrupt-${suffix}:1`;
    await pushImage(ref, { source: { manifest, blobs: src }, credentials: creds });
    const hex = sha(layer).slice(7);
    const data = join(basic.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(data);
    bytes[25_000] = bytes[25_000]! ^ 0xff;
    writeFileSync(data, bytes);
    const sink = directoryBlobs(tempDir());
    let err: BerthError | undefined;
    try {
      await pullImage(ref, { sink, credentials: creds });
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_CORRUPT');
    expect(err?.message).toContain(`blob ${sha(layer)}`);
    expect(err?.message).toContain(`hashes to ${sha(bytes)}`);
    expect(await sink.has(sha(layer))).toBe(false);
    expect(await sink.has(sha(config))).toBe(true);
  });

  it('refuses wrong or missing credentials with REGISTRY_AUTH and unknown tags with IMAGE_NOT_FOUND', async () => {
    const sink = directoryBlobs(tempDir());
    expect(
      await codeOf(pullImage(repoRef(), { sink, credentials: { username: USER, password: 'wrong' } })),
    ).toBe('REGISTRY_AUTH');
    expect(await codeOf(pullImage(repoRef(), { sink, credentials: null }))).toBe('REGISTRY_AUTH');
    expect(
      await codeOf(pullImage(`${basic.host}/berth-it/app-${suffix}:nope`, { sink, credentials: creds })),
    ).toBe('IMAGE_NOT_FOUND');
  });
});

describe('registry behind a token server (Bearer)', () => {
  let pushed: string;
  let store: ImageStore;
  let pulled: PullImageResult;
  const repo = () => `berth-it/app-${suffix}`;
  const repoRef = () => `${tokenRegistry.host}/${repo()}:1`;

  it('pulls what docker pushed with a token for the repository', async () => {
    pushed = await dockerPush(tokenConfig, repoRef());
    tokenServer.requests.length = 0;
    ({ store, result: pulled } = await pullAndCheck(repoRef(), pushed, { credentials: creds }));
    const mine = tokenServer.requests.filter((r) => r.scopes.length > 0);
    // One token for the whole pull (manifest, config and layers share the scope).
    expect(mine).toEqual([
      {
        scopes: [`repository:${repo()}:pull`],
        user: USER,
        status: 200,
        granted: [`repository:${repo()}:pull`],
      },
    ]);
  });

  it('pulls anonymously with an anonymous token', async () => {
    tokenServer.requests.length = 0;
    await pullAndCheck(repoRef(), pushed, { credentials: null });
    expect(tokenServer.requests.map((r) => r.user)).toEqual([undefined]);
  });

  it('pushes with a pull,push token plus a pull token on the mount source; docker pulls it back', async () => {
    const targetRepo = `berth-it/copy-${suffix}`;
    const target = `${tokenRegistry.host}/${targetRepo}:2`;
    tokenServer.requests.length = 0;
    const events: RegistryProgress[] = [];
    const result = await pushImage(target, {
      source: {
        manifest: pulled.manifestBytes,
        blobs: contentStoreReader(store.content),
        mountFrom: [repoRef()],
      },
      credentials: creds,
      onProgress: (p) => events.push(p),
    });
    expect(result.digest).toBe(pushed);
    expect(events.filter((e) => e.status === 'Mounted')).toHaveLength(1 + pulled.manifest.layers.length);
    const scopes = tokenServer.requests.map((r) => r.scopes.join(' '));
    expect(scopes).toContain(`repository:${targetRepo}:pull,push`);
    expect(scopes).toContain(`repository:${repo()}:pull repository:${targetRepo}:pull,push`);
    dockerTags.add(target);
    await docker(tokenConfig, 'pull', target);
    expect(await imageId(target)).toBe(appId);
  });

  it('anonymous push and wrong passwords are REGISTRY_AUTH', async () => {
    const src = { manifest: pulled.manifestBytes, blobs: contentStoreReader(store.content) };
    expect(
      await codeOf(
        pushImage(`${tokenRegistry.host}/berth-it/anon-${suffix}:1`, { source: src, credentials: null }),
      ),
    ).toBe('REGISTRY_AUTH');
    expect(
      await codeOf(
        pullImage(repoRef(), {
          sink: directoryBlobs(tempDir()),
          credentials: { username: USER, password: 'nope' },
        }),
      ),
    ).toBe('REGISTRY_AUTH');
  });
});

describe('imagePull: layers unpacked while they download', () => {
  const ref = () => `${basic.host}/berth-it/stream-${suffix}:1`;
  let pushed: string;
  let manifestLayers: Array<{ digest: string; size: number }>;

  beforeAll(async () => {
    pushed = await dockerPush(basicConfig, ref());
    const probe = await openStore();
    const r = await pullImage(ref(), { sink: contentStoreSink(probe.content), credentials: creds });
    manifestLayers = r.manifest.layers;
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** How each layer was unpacked: streamed during the download, or from the stored blob. */
  function spyUnpacks() {
    return {
      stream: vi.spyOn(LayerSlot.prototype, 'stream'),
      fromFile: vi.spyOn(LayerSlot.prototype, 'extractFile'),
      commit: vi.spyOn(LayerSlot.prototype, 'commit'),
      barriers: vi.spyOn(ImageStore.prototype, 'commitLayers'),
    };
  }

  /** The pulled image is complete: every layer dir, nothing half-done left, the app's file. */
  async function checkUnpacked(root: string, reference: string): Promise<void> {
    const store = await ImageStore.open({ root });
    const record = await store.resolve(reference);
    expect(record.id).toBe(appId);
    expect(record.manifestDigest).toBe(pushed);
    const lowers = await store.lowerDirs(reference);
    expect(lowers).toHaveLength(record.layers.length);
    expect(readdirSync(store.paths.layers).sort()).toEqual(
      record.layers.map((l) => l.diffId.slice(7)).sort(),
    );
    expect(readdirSync(store.content.ingestDir)).toEqual([]);
    const greeting = lowers
      .map((d) => join(d, 'greeting.txt'))
      .find((f) => {
        try {
          readFileSync(f);
          return true;
        } catch {
          return false;
        }
      });
    expect(greeting && readFileSync(greeting, 'utf8')).toBe(`hello from ${suffix}\n`);
  }

  it('unpacks by default, streaming every downloaded layer, with one barrier for all', async () => {
    const spies = spyUnpacks();
    const root = tempDir('berth-it-engine-reg-root-');
    const events: string[] = [];
    const result = await imagePull(ref(), {
      root,
      credentials: creds,
      onProgress: (p) => events.push(`${p.digest} ${p.status}`),
    });
    expect(result).toMatchObject({ id: appId, digest: pushed, updated: true });
    await checkUnpacked(root, ref());
    expect(spies.stream).toHaveBeenCalledTimes(manifestLayers.length);
    expect(spies.fromFile).not.toHaveBeenCalled();
    expect(spies.commit).toHaveBeenCalledTimes(manifestLayers.length);
    // One durability barrier made every layer visible.
    const batches = spies.barriers.mock.calls.map(([slots]) => slots.length).filter((n) => n > 0);
    expect(batches).toEqual([manifestLayers.length]);
    for (const l of manifestLayers) {
      const mine = events
        .filter((e) => e.startsWith(`${l.digest} `))
        .map((e) => e.slice(l.digest.length + 1));
      expect(mine.indexOf('Download complete')).toBeLessThan(mine.indexOf('Extracting'));
      expect(mine.at(-1)).toBe('Pull complete');
    }
    // unpack: false keeps the blobs only (no layer directory).
    const bare = tempDir('berth-it-engine-reg-root-');
    await imagePull(ref(), { root: bare, credentials: creds, unpack: false });
    const bareStore = await ImageStore.open({ root: bare });
    expect((await bareStore.resolve(ref())).id).toBe(appId);
    expect(readdirSync(bareStore.paths.layers)).toEqual([]);
  });

  it('keeps streaming across a connection cut mid-layer (Range)', async () => {
    const biggest = [...manifestLayers].sort((a, b) => b.size - a.size)[0]!;
    expect(biggest.size).toBeGreaterThan(200_000);
    const proxy = await cuttingProxy(basic.port, () => biggest.digest, 100_000);
    const reference = `${proxy.host}/berth-it/stream-${suffix}:1`;
    const spies = spyUnpacks();
    const root = tempDir('berth-it-engine-reg-root-');
    await imagePull(reference, { root, credentials: creds });
    expect(proxy.blobGets.map((g) => g.status)).toEqual([200, 206]);
    expect(proxy.blobGets[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    await checkUnpacked(root, reference);
    expect(spies.stream).toHaveBeenCalledTimes(manifestLayers.length);
    expect(spies.fromFile).not.toHaveBeenCalled();
  });

  it('unpacks from the stored blob when the registry restarts a cut layer from zero', async () => {
    const biggest = [...manifestLayers].sort((a, b) => b.size - a.size)[0]!;
    const proxy = await cuttingProxy(basic.port, () => biggest.digest, 100_000, { ignoreRange: true });
    const reference = `${proxy.host}/berth-it/stream-${suffix}:1`;
    const spies = spyUnpacks();
    const root = tempDir('berth-it-engine-reg-root-');
    await imagePull(reference, { root, credentials: creds });
    // The second GET asked for the rest and got the whole blob again.
    expect(proxy.blobGets.map((g) => g.status)).toEqual([200, 200]);
    expect(proxy.blobGets[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    await checkUnpacked(root, reference);
    expect(spies.fromFile).toHaveBeenCalledTimes(1);
    expect(spies.fromFile.mock.contexts[0]).toMatchObject({ layerDigest: biggest.digest });
    expect(spies.commit).toHaveBeenCalledTimes(manifestLayers.length);
  });

  it('unpacks each layer once when two pulls of the image run at the same time', async () => {
    const spies = spyUnpacks();
    const root = tempDir('berth-it-engine-reg-root-');
    const [a, b] = await Promise.all([
      imagePull(ref(), { root, credentials: creds }),
      imagePull(ref(), { root, credentials: creds }),
    ]);
    expect(a.id).toBe(appId);
    expect(b.id).toBe(appId);
    await checkUnpacked(root, ref());
    expect(spies.commit).toHaveBeenCalledTimes(manifestLayers.length);
  });

  it('refuses a malicious layer it is streaming, keeping nothing of it', async () => {
    const evil = makeLayer(
      [
        { name: 'ok', content: 'fine' },
        { name: '../escaped', content: 'x' },
      ],
      { gzip: true },
    );
    const image = makeImage([evil]);
    const src = directoryBlobs(tempDir());
    await src.write(evil.digest, evil.blob.length, Readable.from([evil.blob]));
    await src.write(image.configDigest, image.config.length, Readable.from([image.config]));
    const reference = `${basic.host}/berth-it/evil-${suffix}:1`;
    await pushImage(reference, { source: { manifest: image.manifest, blobs: src }, credentials: creds });
    const parent = tempDir('berth-it-engine-reg-root-');
    const root = join(parent, 'root');
    const err = await imagePull(reference, { root, credentials: creds }).catch(
      (e: unknown) => e as BerthError,
    );
    expect(err).toMatchObject({ code: 'IMAGE_LAYER_UNSAFE' });
    expect((err as BerthError).message).toContain(evil.digest);
    expect((err as BerthError).message).toContain('../escaped');
    const store = await ImageStore.open({ root });
    expect(readdirSync(store.paths.layers)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['root']);
    expect(await store.find(reference)).toBeUndefined();
  });

  it('commits no layer when a streamed blob turns out corrupt', async () => {
    const good = makeLayer([{ name: 'data', content: randomBytes(80_000).toString('hex') }]);
    const image = makeImage([good]);
    const src = directoryBlobs(tempDir());
    await src.write(good.digest, good.blob.length, Readable.from([good.blob]));
    await src.write(image.configDigest, image.config.length, Readable.from([image.config]));
    const reference = `${basic.host}/berth-it/rot-${suffix}:1`;
    await pushImage(reference, { source: { manifest: image.manifest, blobs: src }, credentials: creds });
    // One bit flipped inside the file's content (an uncompressed layer): GNU tar extracts it all
    // without complaint, only the digests can tell.
    const hex = good.digest.slice(7);
    const data = join(basic.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(data);
    bytes[512 + 40_000] = bytes[512 + 40_000]! ^ 0x01;
    writeFileSync(data, bytes);
    const root = tempDir('berth-it-engine-reg-root-');
    const err = await imagePull(reference, { root, credentials: creds }).catch(
      (e: unknown) => e as BerthError,
    );
    expect(err).toMatchObject({ code: 'IMAGE_CORRUPT' });
    const store = await ImageStore.open({ root });
    expect(readdirSync(store.paths.layers)).toEqual([]);
    expect(await store.content.has(good.digest)).toBe(false);
    expect(await store.find(reference)).toBeUndefined();
  });
});
