/**
 * A Distribution API v2 client for one registry (distribution docs/spec/api.md, the OCI
 * distribution spec): `/v2/` ping, manifests (GET/HEAD/PUT by tag or digest, with the full Accept
 * list: Docker schema2, OCI manifest, Docker manifest list, OCI index; every fetched manifest checked
 * against its digest), blobs (HEAD, GET as a stream with optional Range, uploads: cross-repository
 * mount, monolithic POST + PUT, chunked PATCH + PUT) and authentication (see auth.ts).
 *
 * Every call retries 5xx answers and network errors with exponential backoff (retry.ts), follows
 * redirects (blob downloads go to object storage; Authorization is dropped when the origin changes),
 * and takes an AbortSignal.
 */
import type { Readable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import type { Credentials } from '../../runtime/credentials.js';
import { sha256 as sha256Of } from '../store/digest.js';
import { DEFAULT_DOMAIN } from '../store/reference.js';
import { Authenticator } from './auth.js';
import { repositoryScope } from './challenge.js';
import {
  DEFAULT_RETRY,
  finalError,
  isRetryableStatus,
  parseRetryAfter,
  RetryableError,
  type RetryPolicy,
  withRetry,
} from './retry.js';
import {
  drain,
  type HttpRequest,
  type HttpResponse,
  header,
  nodeTransport,
  readBody,
  schemeFor,
  type Transport,
} from './transport.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/** Docker Hub's API host. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';

const MANIFEST_MAX = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  credentials?: Credentials;
  /** Registries (host or host:port) spoken to over plain http; loopback ones always are. */
  insecureRegistries?: readonly string[];
  retry?: RetryPolicy;
  transport?: Transport;
  userAgent?: string;
  /** Called before each retry of a request. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

interface Call {
  method: string;
  url: URL;
  scopes: string[];
  headers?: Record<string, string>;
  body?: HttpRequest['body'];
  signal?: AbortSignal;
  /** false: one attempt only (a request whose body cannot be replayed safely). */
  retry?: boolean;
}

function isDigestRef(reference: string): boolean {
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference) && reference.includes(':');
}

/** Docker Image manifest version 2, schema 1 (unsigned, signed): refused (see pull.ts). */
export const SCHEMA1_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

function mediaTypeOf(bytes: Buffer, contentType: string | undefined): string {
  const ct = contentType?.split(';')[0]?.trim();
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as {
      mediaType?: unknown;
      manifests?: unknown;
      schemaVersion?: unknown;
      signatures?: unknown;
    };
    if (typeof doc.mediaType === 'string' && doc.mediaType !== '') return doc.mediaType;
    if (ct && (MANIFEST_ACCEPT.includes(ct) || SCHEMA1_MEDIA_TYPES.includes(ct))) return ct;
    if (doc.schemaVersion === 1) return SCHEMA1_MEDIA_TYPES[doc.signatures === undefined ? 0 : 1]!;
    return doc.manifests !== undefined
      ? 'application/vnd.oci.image.index.v1+json'
      : 'application/vnd.oci.image.manifest.v1+json';
  } catch {
    return ct ?? 'application/octet-stream';
  }
}

export class RegistryClient {
  /** The host (and port) requests go to: `registry-1.docker.io` for docker.io. */
  readonly host: string;
  readonly baseUrl: URL;
  readonly auth: Authenticator;
  private readonly transport: Transport;
  private readonly retry: RetryPolicy;

  constructor(
    /** The registry domain of a normalized reference (`docker.io`, `127.0.0.1:5000`). */
    readonly domain: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.host = domain === DEFAULT_DOMAIN || domain === 'index.docker.io' ? DOCKER_HUB_REGISTRY : domain;
    this.baseUrl = new URL(`${schemeFor(this.host, options.insecureRegistries)}://${this.host}/`);
    this.transport = options.transport ?? nodeTransport;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.auth = new Authenticator({
      credentials: options.credentials,
      transport: this.transport,
      retry: this.retry,
      registry: domain,
    });
  }

  url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  /**
   * `GET /v2/`: true when the registry speaks API v2 and accepts us (authenticating as it asks).
   * Throws REGISTRY_AUTH when it refuses, REGISTRY_ERROR when it is not a v2 registry.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.request({ method: 'GET', url: this.url('/v2/'), scopes: [], signal });
    if (res.status !== 200) throw await this.errorFor(res, 'the registry API (/v2/)');
    drain(res);
  }

  /** GET a manifest by tag or digest; verified against the digest asked for or announced. */
  async getManifest(repo: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.request({
      method: 'GET',
      url: this.url(`/v2/${repo}/manifests/${reference}`),
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      signal,
    });
    if (res.status !== 200) throw await this.errorFor(res, `manifest ${repo}:${reference}`);
    const bytes = await readBody(res, MANIFEST_MAX);
    const digest = sha256Of(bytes);
    const announced = header(res, 'docker-content-digest');
    const expected = isDigestRef(reference)
      ? reference
      : announced?.startsWith('sha256:')
        ? announced
        : undefined;
    if (expected !== undefined && expected !== digest) {
      throw new RuntimeError(
        'IMAGE_CORRUPT',
        `manifest ${this.domain}/${repo}:${reference} failed verification: expected ${expected}, content is ${digest}`,
        { hint: 'the registry or something between it and berth altered the manifest' },
      );
    }
    return { bytes, digest, mediaType: mediaTypeOf(bytes, header(res, 'content-type')) };
  }

  /** HEAD a manifest: its digest, media type and size, or undefined when it does not exist. */
  async headManifest(
    repo: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<ManifestHead | undefined> {
    const res = await this.request({
      method: 'HEAD',
      url: this.url(`/v2/${repo}/manifests/${reference}`),
      scopes: [repositoryScope(repo, ['pull'])],
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      signal,
    });
    drain(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.errorFor(res, `manifest ${repo}:${reference}`, false);
    const digest = header(res, 'docker-content-digest') ?? (isDigestRef(reference) ? reference : undefined);
    if (digest === undefined) {
      throw new RuntimeError(
        'REGISTRY_ERROR',
        `${this.domain} sent no Docker-Content-Digest for ${repo}:${reference}`,
      );
    }
    return {
      digest,
      mediaType: header(res, 'content-type')?.split(';')[0]?.trim() ?? '',
      size: Number(header(res, 'content-length') ?? 0),
    };
  }

  /** PUT a manifest under a tag or its digest; resolves with its digest (checked against the registry's). */
  async putManifest(
    repo: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const digest = sha256Of(bytes);
    const res = await this.request({
      method: 'PUT',
      url: this.url(`/v2/${repo}/manifests/${reference}`),
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
      signal,
    });
    if (res.status !== 201 && res.status !== 200)
      throw await this.errorFor(res, `manifest ${repo}:${reference}`);
    drain(res);
    const announced = header(res, 'docker-content-digest');
    if (announced !== undefined && announced !== digest) {
      throw new RuntimeError(
        'REGISTRY_ERROR',
        `${this.domain} stored manifest ${repo}:${reference} as ${announced}, berth computed ${digest}`,
      );
    }
    return digest;
  }

  /** HEAD a blob: its size, or undefined when the repository does not have it. */
  async headBlob(
    repo: string,
    digest: string,
    signal?: AbortSignal,
    scopes?: string[],
  ): Promise<number | undefined> {
    const res = await this.request({
      method: 'HEAD',
      url: this.url(`/v2/${repo}/blobs/${digest}`),
      scopes: scopes ?? [repositoryScope(repo, ['pull'])],
      signal,
    });
    drain(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.errorFor(res, `blob ${digest} in ${repo}`, false);
    return Number(header(res, 'content-length') ?? 0);
  }

  /**
   * GET a blob, from byte `start` on (`Range: bytes=start-`). The answer is 200 (whole blob, the
   * registry ignored the range) or 206 (`partial: true`); its body is the caller's to consume.
   */
  async getBlob(
    repo: string,
    digest: string,
    options: { start?: number; signal?: AbortSignal; retry?: boolean } = {},
  ): Promise<{ body: Readable; partial: boolean; length: number | undefined; response: HttpResponse }> {
    const headers: Record<string, string> = {};
    if (options.start && options.start > 0) headers.range = `bytes=${options.start}-`;
    const res = await this.request({
      method: 'GET',
      url: this.url(`/v2/${repo}/blobs/${digest}`),
      scopes: [repositoryScope(repo, ['pull'])],
      headers,
      signal: options.signal,
      retry: options.retry,
    });
    if (res.status === 206 && options.start) {
      const range = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
      if (!range || Number(range[1]) !== options.start) {
        drain(res);
        throw new RuntimeError(
          'REGISTRY_ERROR',
          `${this.domain} answered a range request for ${digest} with Content-Range "${header(res, 'content-range') ?? ''}"`,
        );
      }
      return { body: res.body, partial: true, length: lengthOf(res), response: res };
    }
    if (res.status === 200) return { body: res.body, partial: false, length: lengthOf(res), response: res };
    throw await this.errorFor(res, `blob ${digest} in ${repo}`);
  }

  /**
   * Starts an upload (`POST /v2/<repo>/blobs/uploads/`), or with `mount` asks the registry to mount
   * the blob from another repository of its own (`?mount=<digest>&from=<repo>`): `{ mounted: true }`
   * when it did (201), else the upload location it opened instead (202).
   */
  async startUpload(
    repo: string,
    options: { mount?: { digest: string; from: string }; signal?: AbortSignal } = {},
  ): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const url = this.url(`/v2/${repo}/blobs/uploads/`);
    const scopes = [repositoryScope(repo, ['pull', 'push'])];
    if (options.mount) {
      url.searchParams.set('mount', options.mount.digest);
      url.searchParams.set('from', options.mount.from);
      scopes.push(repositoryScope(options.mount.from, ['pull']));
    }
    const res = await this.request({
      method: 'POST',
      url,
      scopes,
      headers: { 'content-length': '0' },
      signal: options.signal,
    });
    if (res.status === 201 && options.mount) {
      drain(res);
      return { mounted: true };
    }
    if (res.status !== 202) throw await this.errorFor(res, `an upload to ${repo}`);
    drain(res);
    return { mounted: false, location: this.location(res) };
  }

  /** Monolithic upload: PUT the whole blob to an upload location with `?digest=`. One attempt. */
  async putBlob(
    repo: string,
    location: URL,
    digest: string,
    size: number,
    body: () => Readable | Promise<Readable>,
    signal?: AbortSignal,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.request({
      method: 'PUT',
      url,
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      signal,
      retry: false,
    });
    if (res.status !== 201) throw await this.errorFor(res, `blob ${digest} upload to ${repo}`);
    drain(res);
  }

  /** One chunk of a chunked upload (`PATCH` with `Content-Range: start-end`); the next location. */
  async patchBlob(
    repo: string,
    location: URL,
    start: number,
    end: number,
    body: () => Readable | Promise<Readable>,
    signal?: AbortSignal,
  ): Promise<URL> {
    const res = await this.request({
      method: 'PATCH',
      url: location,
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `${start}-${end}`,
        'content-length': String(end - start + 1),
      },
      body,
      signal,
      retry: false,
    });
    if (res.status !== 202) throw await this.errorFor(res, `a chunk of an upload to ${repo}`);
    drain(res);
    return this.location(res);
  }

  /** Completes a chunked upload: `PUT <location>?digest=` without a body. */
  async finishUpload(repo: string, location: URL, digest: string, signal?: AbortSignal): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.request({
      method: 'PUT',
      url,
      scopes: [repositoryScope(repo, ['pull', 'push'])],
      headers: { 'content-length': '0' },
      signal,
      retry: false,
    });
    if (res.status !== 201) throw await this.errorFor(res, `blob ${digest} upload to ${repo}`);
    drain(res);
  }

  private location(res: HttpResponse): URL {
    const loc = header(res, 'location');
    if (!loc) throw new RuntimeError('REGISTRY_ERROR', `${this.domain} sent no Location for an upload`);
    return new URL(loc, res.url);
  }

  /** One request with auth, redirects and (unless `retry: false`) retries. */
  async request(call: Call): Promise<HttpResponse> {
    let scopes = call.scopes;
    let challenged = false;
    const attempt = async (): Promise<HttpResponse> => {
      for (;;) {
        const headers: Record<string, string> = {
          'user-agent': this.options.userAgent ?? 'berth',
          ...call.headers,
        };
        const authorization = await this.auth.authorization(scopes, call.signal);
        if (authorization) headers.authorization = authorization;
        let url = call.url;
        let method = call.method;
        let body = call.body;
        let res = await this.transport({ method, url, headers, body, signal: call.signal });
        for (let hops = 0; [301, 302, 303, 307, 308].includes(res.status); hops++) {
          const loc = header(res, 'location');
          if (!loc || hops >= 5) break;
          drain(res);
          const next = new URL(loc, url);
          if (next.origin !== url.origin) delete headers.authorization;
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
            delete headers['content-length'];
            delete headers['content-type'];
          }
          url = next;
          res = await this.transport({ method, url, headers, body, signal: call.signal });
        }
        if (res.status === 401 && url.origin === this.baseUrl.origin) {
          scopes = await this.auth.challenged(res, scopes, challenged);
          challenged = true;
          continue;
        }
        if (isRetryableStatus(res.status)) {
          const retryAfter =
            res.status === 429 || res.status === 503
              ? parseRetryAfter(header(res, 'retry-after'))
              : undefined;
          const final = await this.errorFor(res, `${call.method} ${url.pathname}`);
          throw new RetryableError(final.message, final, retryAfter);
        }
        return res;
      }
    };
    if (call.retry === false) {
      try {
        return await attempt();
      } catch (err) {
        throw finalError(err);
      }
    }
    return withRetry(attempt, { policy: this.retry, signal: call.signal, onRetry: this.options.onRetry });
  }

  /** The typed error for an unexpected answer (reads the registry's `errors` body when there is one). */
  async errorFor(res: HttpResponse, what: string, readBodyToo = true): Promise<RuntimeError> {
    let detail = '';
    let codes: string[] = [];
    if (readBodyToo) {
      try {
        const text = (await readBody(res, 64 * 1024)).toString('utf8');
        try {
          const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
          codes = (parsed.errors ?? []).map((e) => e.code ?? '');
          detail = (parsed.errors ?? []).map((e) => e.message ?? e.code).join('; ');
        } catch {
          detail = text.trim().slice(0, 200);
        }
      } catch {
        // the body is only decoration
      }
    } else {
      drain(res);
    }
    const suffix = detail ? `: ${detail}` : '';
    const notFound = ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'BLOB_UNKNOWN'];
    if (res.status === 404 || codes.some((c) => notFound.includes(c))) {
      return new RuntimeError('IMAGE_NOT_FOUND', `${this.domain}: ${what} not found${suffix}`, {
        hint: 'check the image name and tag, and that you have access to the repository',
      });
    }
    if (
      res.status === 401 ||
      res.status === 403 ||
      codes.includes('DENIED') ||
      codes.includes('UNAUTHORIZED')
    ) {
      return new RuntimeError('REGISTRY_AUTH', `${this.domain}: access to ${what} denied${suffix}`, {
        hint: `check the credentials for ${this.domain} and your permissions on the repository`,
      });
    }
    if (res.status === 429 || codes.includes('TOOMANYREQUESTS')) {
      return new RuntimeError(
        'REGISTRY_ERROR',
        `${this.domain}: ${what}: HTTP ${res.status} Too Many Requests${suffix}`,
        {
          hint: `${this.domain} is rate-limiting requests; wait and retry (logging in may raise the limit)`,
        },
      );
    }
    return new RuntimeError('REGISTRY_ERROR', `${this.domain}: ${what}: HTTP ${res.status}${suffix}`);
  }
}

function lengthOf(res: HttpResponse): number | undefined {
  const v = header(res, 'content-length');
  return v === undefined ? undefined : Number(v);
}
