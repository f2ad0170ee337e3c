/**
 * The registry client against canned answers from a node:http server on 127.0.0.1: Range resume
 * after a cut connection, retries on 503 (and none on 404), digest verification of manifests and
 * blobs, the Bearer token flow (token cache, one refresh on 401), Basic auth, uploads.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BerthError, RuntimeError } from '../../../../src/api/errors.js';
import { RegistryClient } from '../../../../src/engine/registry/client.js';
import { downloadBlob } from '../../../../src/engine/registry/download.js';
import { pullImage } from '../../../../src/engine/registry/pull.js';
import { pushBlob } from '../../../../src/engine/registry/push.js';
import { directoryBlobs } from '../../../../src/engine/registry/sink.js';
import { isLoopbackHost, schemeFor } from '../../../../src/engine/registry/transport.js';
import type { RegistryProgress } from '../../../../src/engine/registry/types.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

let server: http.Server;
let host: string;
let handler: Handler = (_q, res) => res.writeHead(500).end();
const log: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
const dirs: string[] = [];
const fast = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      log.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

afterEach(() => {
  log.length = 0;
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-registry-unit-'));
  dirs.push(d);
  return d;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as BerthError).code ?? String(err);
  }
}

const blob = Buffer.alloc(300_000);
for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) % 251;
const blobDigest = sha(blob);

describe('scheme', () => {
  it('uses http only for loopback and listed insecure registries', () => {
    expect(isLoopbackHost('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackHost('127.3.2.1')).toBe(true);
    expect(isLoopbackHost('[::1]:5000')).toBe(true);
    expect(isLoopbackHost('localhost:5000')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('registry.example.com')).toBe(false);
    expect(schemeFor('localhost:5000')).toBe('http');
    expect(schemeFor('registry.example.com:5000')).toBe('https');
    expect(schemeFor('registry.example.com:5000', ['registry.example.com:5000'])).toBe('http');
    expect(schemeFor('registry.example.com:5000', ['registry.example.com'])).toBe('http');
    expect(schemeFor('10.0.0.1:5000', ['10.0.0.2:5000'])).toBe('https');
    expect(new RegistryClient('docker.io').baseUrl.href).toBe('https://registry-1.docker.io/');
  });
});

describe('blob download', () => {
  it('resumes an interrupted download with Range from the partial file', async () => {
    let first = true;
    handler = (req, res) => {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (first) {
        first = false;
        // Send a third of the blob, then cut the connection.
        res.writeHead(200, { 'content-length': String(blob.length) });
        res.write(blob.subarray(0, 100_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, {
        'content-length': String(blob.length - start),
        ...(range ? { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` } : {}),
      });
      res.end(blob.subarray(start));
    };
    const dir = tempDir();
    const sink = directoryBlobs(dir);
    const client = new RegistryClient(host, { retry: fast });
    const events: RegistryProgress[] = [];
    await downloadBlob(client, 'a/b', { digest: blobDigest, size: blob.length }, sink, {
      retry: fast,
      onProgress: (p) => events.push(p),
    });
    expect(readFileSync(sink.path(blobDigest)).equals(blob)).toBe(true);
    const gets = log.filter((l) => l.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers.range).toBeUndefined();
    // The second request asks for the rest: from the bytes that arrived before the cut (at most
    // the 100000 sent; the kernel may not have delivered all of them).
    const from = Number(/^bytes=(\d+)-$/.exec(String(gets[1]!.headers.range))?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(100_000);
    expect(events.map((e) => e.status)).toContain('Retrying');
    expect(events.at(-1)).toEqual({
      digest: blobDigest,
      current: blob.length,
      total: blob.length,
      status: 'Download complete',
    });
    expect(readdirSync(sink.partialDir)).toEqual([]);
  });

  it('adopts the partial file of a process that died and asks only for the rest', async () => {
    handler = (req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, {
        'content-length': String(blob.length - start),
        ...(start ? { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` } : {}),
      });
      res.end(blob.subarray(start));
    };
    const dir = tempDir();
    const sink = directoryBlobs(dir);
    mkdirSync(sink.partialDir, { recursive: true });
    // PID 2^22+1 is above pid_max's default range: not alive.
    writeFileSync(join(sink.partialDir, `4194305-${blobDigest.slice(7)}.partial`), blob.subarray(0, 123_456));
    await downloadBlob(
      new RegistryClient(host, { retry: fast }),
      'a/b',
      { digest: blobDigest, size: blob.length },
      sink,
    );
    expect(readFileSync(sink.path(blobDigest)).equals(blob)).toBe(true);
    expect(log.map((l) => l.headers.range)).toEqual(['bytes=123456-']);
  });

  it('restarts from zero when the registry ignores the range', async () => {
    let first = true;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      if (first) {
        first = false;
        res.write(blob.subarray(0, 50_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.end(blob);
    };
    const sink = directoryBlobs(tempDir());
    await downloadBlob(
      new RegistryClient(host, { retry: fast }),
      'a/b',
      { digest: blobDigest, size: blob.length },
      sink,
      {
        retry: fast,
      },
    );
    expect(readFileSync(sink.path(blobDigest)).equals(blob)).toBe(true);
  });

  it('shares one download between concurrent callers of the same blob and sink', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      setTimeout(() => res.end(blob), 30);
    };
    const sink = directoryBlobs(tempDir());
    const client = new RegistryClient(host, { retry: fast });
    const desc = { digest: blobDigest, size: blob.length };
    const second: string[] = [];
    await Promise.all([
      downloadBlob(client, 'a/b', desc, sink),
      downloadBlob(client, 'a/b', desc, sink, { onProgress: (p) => second.push(p.status) }),
    ]);
    expect(log.filter((l) => l.method === 'GET')).toHaveLength(1);
    expect(second).toEqual(['Already exists']);
    expect(readFileSync(sink.path(blobDigest)).equals(blob)).toBe(true);
  });

  it('detects a blob whose content does not match its digest and keeps nothing', async () => {
    const wrong = Buffer.from(blob);
    wrong[1000] = (wrong[1000]! + 1) % 256;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(wrong.length) });
      res.end(wrong);
    };
    const sink = directoryBlobs(tempDir());
    const client = new RegistryClient(host, { retry: fast });
    let err: BerthError | undefined;
    try {
      await downloadBlob(client, 'a/b', { digest: blobDigest, size: blob.length }, sink, { retry: fast });
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_CORRUPT');
    expect(err?.message).toContain(`failed verification: its content hashes to ${sha(wrong)}`);
    expect(await sink.has(blobDigest)).toBe(false);
    expect(readdirSync(sink.partialDir)).toEqual([]);
    // A blob longer than its descriptor is corrupt too.
    handler = (_req, res) => res.writeHead(200).end(Buffer.concat([blob, Buffer.from('x')]));
    expect(await codeOf(downloadBlob(client, 'a/b', { digest: blobDigest, size: blob.length }, sink))).toBe(
      'IMAGE_CORRUPT',
    );
  });
});

describe('requests', () => {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blobDigest, size: 1 },
      layers: [],
    }),
  );

  it('retries a 503 and then succeeds; sends the full Accept list', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (n++ === 0) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': sha(manifest),
      });
      res.end(manifest);
    };
    const retries: number[] = [];
    const client = new RegistryClient(host, { retry: fast, onRetry: (_e, a) => retries.push(a) });
    const m = await client.getManifest('a/b', 'v1');
    expect(m.digest).toBe(sha(manifest));
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(log).toHaveLength(2);
    expect(retries).toEqual([1]);
    expect(log[0]!.url).toBe('/v2/a/b/manifests/v1');
    expect(String(log[0]!.headers.accept).split(', ').sort()).toEqual([
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
  });

  it('honours Retry-After on 429 Too Many Requests (seconds and HTTP date) and 503, capped', async () => {
    const answers: Array<{ status?: number; 'retry-after': string }> = [
      { 'retry-after': '0' },
      // An HTTP date an hour ahead: the policy's cap (20 ms) applies.
      { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() },
      // A date in the past: at once.
      { 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' },
      // 503 Service Unavailable may say when to come back too.
      { status: 503, 'retry-after': '0' },
    ];
    let n = 0;
    handler = (_req, res) => {
      const answer = answers[n++];
      if (answer) {
        const { status = 429, ...headers } = answer;
        res
          .writeHead(status, { ...headers, 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }));
        return;
      }
      res.writeHead(200, { 'docker-content-digest': sha(manifest) }).end(manifest);
    };
    const delays: number[] = [];
    // A backoff of a minute: were Retry-After ignored, this test would time out.
    const policy = { retries: 4, baseDelayMs: 60_000, maxDelayMs: 60_000, maxRetryAfterMs: 20 };
    const client = new RegistryClient(host, { retry: policy, onRetry: (_e, _a, d) => delays.push(d) });
    const m = await client.getManifest('a/b', 'v1');
    expect(m.digest).toBe(sha(manifest));
    expect(delays).toEqual([0, 20, 0, 0]);
    expect(log).toHaveLength(5);
  });

  it('backs off on a 429 without Retry-After and reports it when the retries run out', async () => {
    handler = (_req, res) =>
      res
        .writeHead(429, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'pull rate limit reached' }] }));
    const delays: number[] = [];
    const client = new RegistryClient(host, { retry: fast, onRetry: (_e, _a, d) => delays.push(d) });
    let err: BerthError | undefined;
    try {
      await client.getManifest('a/b', 'v1');
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('REGISTRY_ERROR');
    expect(err?.message).toMatch(/429 Too Many Requests: pull rate limit reached/);
    expect(err?.hint).toMatch(/rate-limiting/);
    expect(log).toHaveLength(4);
    // The policy's backoff (1, 2, 4 ms with jitter), not a Retry-After.
    expect(delays).toHaveLength(3);
    for (const d of delays) expect(d).toBeLessThanOrEqual(5);
  });

  it('honours Retry-After on a blob download too', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'retry-after': '0' }).end();
        return;
      }
      res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    };
    const delays: number[] = [];
    const policy = { retries: 2, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const client = new RegistryClient(host, { retry: policy, onRetry: (_e, _a, d) => delays.push(d) });
    const sink = directoryBlobs(tempDir());
    await downloadBlob(client, 'a/b', { digest: blobDigest, size: blob.length }, sink, { retry: policy });
    expect(readFileSync(sink.path(blobDigest)).equals(blob)).toBe(true);
    expect(delays).toEqual([0]);
  });

  it('gives up after the retry budget with REGISTRY_ERROR, and never retries a 404', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const client = new RegistryClient(host, { retry: fast });
    expect(await codeOf(client.getManifest('a/b', 'v1'))).toBe('REGISTRY_ERROR');
    expect(log).toHaveLength(4);
    log.length = 0;
    handler = (_req, res) =>
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    let err: BerthError | undefined;
    try {
      await client.getManifest('a/b', 'v1');
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_NOT_FOUND');
    expect(err?.message).toContain('manifest unknown');
    expect(log).toHaveLength(1);
    expect(await client.headManifest('a/b', 'v1')).toBeUndefined();
  });

  it('rejects a manifest whose content does not match Docker-Content-Digest or the digest asked for', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'docker-content-digest': sha('something else') });
      res.end(manifest);
    };
    const client = new RegistryClient(host, { retry: fast });
    expect(await codeOf(client.getManifest('a/b', 'v1'))).toBe('IMAGE_CORRUPT');
    handler = (_req, res) => res.writeHead(200).end(manifest);
    expect(await codeOf(client.getManifest('a/b', sha('other')))).toBe('IMAGE_CORRUPT');
    expect((await client.getManifest('a/b', sha(manifest))).digest).toBe(sha(manifest));
  });

  it('gets a Bearer token with scope and Basic credentials, caches it, refreshes once on 401', async () => {
    let tokenCount = 0;
    let valid = new Set<string>();
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
          res.writeHead(401).end();
          return;
        }
        const token = `t${++tokenCount}`;
        valid.add(token);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token, expires_in: 300 }));
        return;
      }
      const auth = req.headers.authorization ?? '';
      if (!valid.has(auth.replace(/^Bearer /, ''))) {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry",scope="repository:a/b:pull"`,
          })
          .end();
        return;
      }
      res.writeHead(200, { 'docker-content-digest': sha(manifest) }).end(manifest);
    };
    const client = new RegistryClient(host, { retry: fast, credentials: { username: 'u', password: 'p' } });
    await client.getManifest('a/b', 'v1');
    await client.getManifest('a/b', 'v1');
    expect(tokenCount).toBe(1);
    const tokenReq = log.find((l) => l.url.startsWith('/token'))!;
    const q = new URL(tokenReq.url, 'http://x').searchParams;
    expect(q.get('service')).toBe('test-registry');
    expect(q.getAll('scope')).toEqual(['repository:a/b:pull']);
    // The token is revoked: one 401, a new token, success.
    valid = new Set();
    await client.getManifest('a/b', 'v1');
    expect(tokenCount).toBe(2);
    // Wrong credentials: the token endpoint refuses → REGISTRY_AUTH.
    const bad = new RegistryClient(host, { retry: fast, credentials: { username: 'u', password: 'x' } });
    expect(await codeOf(bad.getManifest('a/b', 'v1'))).toBe('REGISTRY_AUTH');
  });

  it('fails with REGISTRY_AUTH when the registry keeps answering 401', async () => {
    handler = (req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200).end(JSON.stringify({ access_token: 'anon' }));
        return;
      }
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${host}/token",error="insufficient_scope"`,
        })
        .end();
    };
    const client = new RegistryClient(host, { retry: fast });
    let err: BerthError | undefined;
    try {
      await client.getManifest('a/b', 'v1');
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('REGISTRY_AUTH');
    expect(err?.message).toContain('authentication required (insufficient_scope)');
    // Anonymous token fetched without Authorization; the registry was asked twice, no more.
    expect(log.filter((l) => l.url.startsWith('/token'))[0]!.headers.authorization).toBeUndefined();
    expect(log.filter((l) => l.url.startsWith('/v2/'))).toHaveLength(2);
    // Basic challenge without credentials.
    handler = (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    expect(await codeOf(new RegistryClient(host, { retry: fast }).ping())).toBe('REGISTRY_AUTH');
  });

  it('uploads: HEAD first, mount, monolithic and chunked', async () => {
    const stored = new Map<string, Buffer>();
    const uploads = new Map<string, Buffer>();
    let nextId = 0;
    handler = (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const blobM = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(url.pathname);
      if (req.method === 'HEAD' && blobM) {
        const b = stored.get(`${blobM[1]}@${blobM[2]}`);
        res.writeHead(b ? 200 : 404, b ? { 'content-length': String(b.length) } : {}).end();
        return;
      }
      const uploadM = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname);
      if (uploadM && req.method === 'POST') {
        const mount = url.searchParams.get('mount');
        const from = url.searchParams.get('from');
        if (mount && from && stored.has(`${from}@${mount}`)) {
          stored.set(`${uploadM[1]}@${mount}`, stored.get(`${from}@${mount}`)!);
          res.writeHead(201).end();
          return;
        }
        const id = String(++nextId);
        uploads.set(id, Buffer.alloc(0));
        res.writeHead(202, { location: `/v2/${uploadM[1]}/blobs/uploads/${id}?state=s${id}` }).end();
        return;
      }
      if (uploadM && req.method === 'PATCH') {
        const have = uploads.get(uploadM[2]!)!;
        const [start] = String(req.headers['content-range']).split('-').map(Number);
        if (start !== have.length) {
          res.writeHead(416).end();
          return;
        }
        uploads.set(uploadM[2]!, Buffer.concat([have, body]));
        res.writeHead(202, { location: `/v2/${uploadM[1]}/blobs/uploads/${uploadM[2]}?state=x` }).end();
        return;
      }
      if (uploadM && req.method === 'PUT') {
        const all = Buffer.concat([uploads.get(uploadM[2]!)!, body]);
        const digest = url.searchParams.get('digest')!;
        if (sha(all) !== digest) {
          res.writeHead(400).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID' }] }));
          return;
        }
        stored.set(`${uploadM[1]}@${digest}`, all);
        res.writeHead(201).end();
        return;
      }
      res.writeHead(404).end();
    };
    const src = directoryBlobs(tempDir());
    const { Readable } = await import('node:stream');
    await src.write(blobDigest, blob.length, Readable.from([blob]));
    const client = new RegistryClient(host, { retry: fast });
    const desc = { digest: blobDigest, size: blob.length };
    const events: string[] = [];
    expect(await pushBlob(client, 'a/one', desc, src, { onProgress: (p) => events.push(p.status) })).toBe(
      'pushed',
    );
    expect(events).toContain('Pushing');
    expect(events.at(-1)).toBe('Pushed');
    expect(stored.get(`a/one@${blobDigest}`)?.equals(blob)).toBe(true);
    expect(log.map((l) => l.method)).toEqual(['HEAD', 'POST', 'PUT']);
    log.length = 0;
    expect(await pushBlob(client, 'a/one', desc, src)).toBe('exists');
    expect(log.map((l) => l.method)).toEqual(['HEAD']);
    log.length = 0;
    expect(await pushBlob(client, 'a/two', desc, src, { mountFrom: ['a/one'] })).toBe('mounted');
    expect(log.map((l) => l.method)).toEqual(['HEAD', 'POST']);
    expect(log[1]!.url).toBe(`/v2/a/two/blobs/uploads/?mount=${encodeURIComponent(blobDigest)}&from=a%2Fone`);
    log.length = 0;
    expect(await pushBlob(client, 'a/three', desc, src, { chunkSize: 128 * 1024 })).toBe('pushed');
    expect(log.map((l) => l.method)).toEqual(['HEAD', 'POST', 'PATCH', 'PATCH', 'PATCH', 'PUT']);
    expect(log.filter((l) => l.method === 'PATCH').map((l) => l.headers['content-range'])).toEqual([
      '0-131071',
      '131072-262143',
      '262144-299999',
    ]);
    expect(stored.get(`a/three@${blobDigest}`)?.equals(blob)).toBe(true);
  });

  it('answers a Basic challenge with the credentials, then sends them up front', async () => {
    const good = `Basic ${Buffer.from('u:p').toString('base64')}`;
    handler = (req, res) => {
      if (req.headers.authorization !== good) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
        return;
      }
      res.writeHead(200).end('{}');
    };
    const client = new RegistryClient(host, { retry: fast, credentials: { username: 'u', password: 'p' } });
    await client.ping();
    await client.ping();
    expect(log.map((l) => l.headers.authorization)).toEqual([undefined, good, good]);
    expect(client.auth.mode).toBe('basic');
  });

  it('stops a download when its signal aborts, keeping the partial file', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.write(blob.subarray(0, 64 * 1024));
      // …and never more.
    };
    const sink = directoryBlobs(tempDir());
    const ac = new AbortController();
    const p = downloadBlob(
      new RegistryClient(host, { retry: fast }),
      'a/b',
      { digest: blobDigest, size: blob.length },
      sink,
      {
        signal: ac.signal,
        progressStep: 1,
        onProgress: (e) => {
          if (e.current > 0) ac.abort();
        },
      },
    );
    expect(await codeOf(p)).toBe('ABORTED');
    expect(readdirSync(sink.partialDir)).toEqual([`${process.pid}-${blobDigest.slice(7)}.partial`]);
    expect(await sink.has(blobDigest)).toBe(false);
  });

  it('exchanges an identity token (OAuth refresh token) by POST', async () => {
    handler = (req, res, body) => {
      if (req.url === '/oauth') {
        const form = new URLSearchParams(body.toString('utf8'));
        const ok =
          req.method === 'POST' &&
          form.get('grant_type') === 'refresh_token' &&
          form.get('refresh_token') === 'refresh-me' &&
          form.get('service') === 'svc' &&
          form.get('scope') === 'repository:a/b:pull';
        res.writeHead(ok ? 200 : 400).end(JSON.stringify({ access_token: 'oauth-token', expires_in: 60 }));
        return;
      }
      if (req.headers.authorization !== 'Bearer oauth-token') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/oauth",service="svc"` }).end();
        return;
      }
      res.writeHead(200, { 'docker-content-digest': sha(manifest) }).end(manifest);
    };
    const client = new RegistryClient(host, { retry: fast, credentials: { identityToken: 'refresh-me' } });
    expect((await client.getManifest('a/b', 'v1')).digest).toBe(sha(manifest));
  });

  it('speaks https to Docker Hub at registry-1.docker.io with the library/ prefix', async () => {
    const urls: string[] = [];
    const transport = async (req: { url: URL; method: string }) => {
      urls.push(`${req.method} ${req.url.href}`);
      throw new RuntimeError('IMAGE_NOT_FOUND', 'stop here');
    };
    expect(
      await codeOf(
        pullImage('busybox', {
          sink: directoryBlobs(tempDir()),
          credentials: null,
          transport: transport as never,
        }),
      ),
    ).toBe('IMAGE_NOT_FOUND');
    expect(urls).toEqual(['GET https://registry-1.docker.io/v2/library/busybox/manifests/latest']);
    urls.length = 0;
    await codeOf(
      pullImage('registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64), {
        sink: directoryBlobs(tempDir()),
        credentials: null,
        transport: transport as never,
        insecureRegistries: ['registry.example.com:5000'],
      }),
    );
    expect(urls).toEqual([
      `GET http://registry.example.com:5000/v2/team/app/manifests/sha256:${'a'.repeat(64)}`,
    ]);
  });

  it('pullImage reports the platforms of an index when none matches', async () => {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: sha('a'),
            size: 1,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: sha('b'),
            size: 1,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
        ],
      }),
    );
    handler = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(index);
    let err: BerthError | undefined;
    try {
      await pullImage(`${host}/multi/arch:1`, {
        sink: directoryBlobs(tempDir()),
        platform: 'linux/ppc64le',
        credentials: null,
        retry: fast,
      });
    } catch (e) {
      err = e as BerthError;
    }
    expect(err?.code).toBe('IMAGE_NOT_FOUND');
    expect(err?.message).toBe(
      `no matching manifest for linux/ppc64le in the manifest list of ${host}/multi/arch:1`,
    );
    expect(err?.hint).toBe('available platforms: linux/amd64, linux/arm64/v8');
  });
});

describe('Docker schema 1 manifests', () => {
  // As distribution served them: signed (prettyjws, a JWS `signatures` block) or not.
  const schema1 = (signed: boolean) =>
    Buffer.from(
      JSON.stringify(
        {
          schemaVersion: 1,
          name: 'old/image',
          tag: '1',
          architecture: 'amd64',
          fsLayers: [{ blobSum: blobDigest }],
          history: [{ v1Compatibility: JSON.stringify({ id: 'a'.repeat(64), os: 'linux' }) }],
          ...(signed
            ? { signatures: [{ header: { alg: 'ES256' }, signature: 'c2ln', protected: 'cHJvdA' }] }
            : {}),
        },
        null,
        3,
      ),
    );

  const cases: Array<[string, boolean, string]> = [
    ['signed, served as prettyjws', true, 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
    ['unsigned, served as v1+json', false, 'application/vnd.docker.distribution.manifest.v1+json'],
    // A registry that sends a generic content type: recognized by schemaVersion 1.
    ['signed, served as application/json', true, 'application/json'],
  ];
  for (const [name, signed, contentType] of cases) {
    it(`refuses a schema 1 manifest (${name}) with UNSUPPORTED, naming the image`, async () => {
      const body = schema1(signed);
      handler = (req, res) => {
        if (req.url?.includes('/manifests/')) {
          res.writeHead(200, { 'content-type': contentType, 'docker-content-digest': sha(body) }).end(body);
        } else res.writeHead(404).end();
      };
      const dir = tempDir();
      let err: BerthError | undefined;
      try {
        await pullImage(`${host}/old/image:1`, {
          sink: directoryBlobs(dir),
          credentials: null,
          retry: fast,
        });
      } catch (e) {
        err = e as BerthError;
      }
      expect(err?.code).toBe('UNSUPPORTED');
      expect(err?.message).toContain(`${host}/old/image:1 is a Docker Image manifest version 2, schema 1`);
      expect(err?.message).toContain(signed && contentType !== 'application/json' ? 'prettyjws' : 'v1+');
      expect(err?.hint).toMatch(/^re-push .*old\/image:1 with a current client/);
      // Nothing fetched beyond the manifest, nothing stored.
      expect(log.map((l) => l.url).filter((u) => u !== '/v2/')).toEqual(['/v2/old/image/manifests/1']);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('refuses a schema 1 manifest an index points at', async () => {
    const body = schema1(false);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          {
            mediaType: 'application/vnd.docker.distribution.manifest.v1+json',
            digest: sha(body),
            size: body.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    handler = (req, res) => {
      if (req.url === '/v2/old/multi/manifests/1') {
        res
          .writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.list.v2+json' })
          .end(index);
      } else if (req.url === `/v2/old/multi/manifests/${sha(body)}`) {
        res
          .writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+json' })
          .end(body);
      } else res.writeHead(404).end();
    };
    const err = await pullImage(`${host}/old/multi:1`, {
      sink: directoryBlobs(tempDir()),
      platform: 'linux/amd64',
      credentials: null,
      retry: fast,
    }).catch((e: unknown) => e as BerthError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED' });
    expect((err as BerthError).message).toContain(
      `${host}/old/multi:1 (${sha(body)}) is a Docker Image manifest`,
    );
  });
});
