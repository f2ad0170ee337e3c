/**
 * A small Engine API client on node:http with one keep-alive agent: every call of the docker adapter
 * goes through here. berth started on dockerode and left it: loading it costs ~0.3 s (it pulls gRPC,
 * protobuf and ssh2), more than the whole no-op `up` budget, and builds need control over the context
 * tar (`.dockerignore`, `dockerfile_inline`, Dockerfiles outside the context) that it does not give.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import type { DockerEndpoint } from './endpoint.js';
import { abortedError, engineError, isAbortError } from './errors.js';

/** node:https, loaded for TLS endpoints only: with TLS and crypto it costs every command a few ms. */
let httpsModule: typeof https | undefined;
function httpsLib(): typeof https {
  httpsModule ??= createRequire(import.meta.url)('node:https') as typeof https;
  return httpsModule;
}

/** The newest Engine API version berth speaks; older engines are addressed at their own version. */
export const MAX_API_VERSION = '1.47';

export type Query = Record<string, string | number | boolean | undefined | string[]>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless it is a stream (sent as-is with `contentType`). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Prefix for error messages, e.g. `start container web-1`. */
  action?: string;
  /** 404 → IMAGE_NOT_FOUND instead of RUNTIME_NOT_FOUND. */
  image?: boolean;
}

export class EngineClient {
  readonly endpoint: DockerEndpoint;
  apiVersion?: string;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  /** Number of requests sent, for tests and benchmarks (the no-op `up` budget counts list calls). */
  requests = 0;

  constructor(endpoint: DockerEndpoint) {
    this.endpoint = endpoint;
    const tls = endpoint.tls;
    this.secure = tls !== undefined && endpoint.transport.kind === 'tcp';
    // No socket cap: stops and waits are long requests, and a cap would serialise a 100-container
    // `down` into waves (what docker-compose's limit of 64 does).
    const common = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY };
    this.agent = this.secure
      ? new (httpsLib().Agent)({
          ...common,
          ca: tls?.ca ? readFileSync(tls.ca) : undefined,
          cert: tls?.cert ? readFileSync(tls.cert) : undefined,
          key: tls?.key ? readFileSync(tls.key) : undefined,
          rejectUnauthorized: tls?.verify !== false,
        })
      : new http.Agent(common);
  }

  private negotiation?: Promise<void>;

  /**
   * Settles the API version once (a ping), shared by every caller. Reads do not wait for it: before
   * it, GETs go unversioned and the engine answers at its own version, which only adds fields to what
   * berth reads. So `ps` and a no-op `up` cost no ping; the first write negotiates.
   */
  negotiate(signal?: AbortSignal): Promise<void> {
    this.negotiation ??= this.ping(signal).catch((err) => {
      this.negotiation = undefined;
      throw err;
    });
    return this.negotiation;
  }

  /** GET /_ping; sets `apiVersion` from the engine's `Api-Version` header (capped at ours). */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.send('GET', '/_ping', { signal }, false);
    res.resume();
    const version = header(res, 'api-version');
    if (version) this.apiVersion = compareVersions(version, MAX_API_VERSION) > 0 ? MAX_API_VERSION : version;
  }

  /** A request whose answer is JSON (or empty). Non-2xx → RuntimeError. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await readAll(res, options);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Like json() but 404 → undefined: for inspect-or-nothing lookups. */
  async jsonOrUndefined<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.json<T>(method, path, options);
    } catch (err) {
      if (
        err instanceof RuntimeError &&
        (err.code === 'RUNTIME_NOT_FOUND' || err.code === 'IMAGE_NOT_FOUND')
      ) {
        const status = (err as RuntimeError & { statusCode?: number }).statusCode;
        if (status === 404) return undefined;
      }
      throw err;
    }
  }

  /** A streaming request: the response once its status is 2xx (the body not yet read). */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    return this.send(method, path, options);
  }

  /**
   * A hijacked request (exec/attach with stdin): the engine answers 101 and the connection becomes a
   * raw duplex stream.
   */
  async upgrade(method: string, path: string, options: RequestOptions = {}): Promise<Socket> {
    await this.versioned(method, options);
    const req = this.request(method, path, {
      ...options,
      headers: { ...options.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    return new Promise<Socket>((resolve, reject) => {
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket as Socket);
      });
      req.on('response', (res) => {
        // No upgrade: either an error, or an engine that streams in the body anyway.
        readAll(res, options).then(
          (text) => reject(this.failure(res.statusCode ?? 0, text, options)),
          reject,
        );
      });
      req.on('error', (err) => reject(this.transportError(err, options)));
      writeBody(req, options);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** Writes wait for the API version; reads do not (see negotiate). */
  private async versioned(method: string, options: RequestOptions): Promise<void> {
    if (this.apiVersion === undefined && method !== 'GET' && method !== 'HEAD') {
      await this.negotiate(options.signal);
    }
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    versioned = true,
  ): Promise<IncomingMessage> {
    if (versioned) await this.versioned(method, options);
    const req = this.request(method, path, options, versioned);
    return new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        // 304 = already started/stopped: success for our callers.
        if (status < 400) {
          resolve(res);
          return;
        }
        readAll(res, options).then((text) => reject(this.failure(status, text, options)), reject);
      });
      req.on('error', (err) => reject(this.transportError(err, options)));
      writeBody(req, options);
    });
  }

  private request(
    method: string,
    path: string,
    options: RequestOptions,
    versioned = true,
  ): http.ClientRequest {
    this.requests++;
    const prefix = versioned && this.apiVersion ? `/v${this.apiVersion}` : '';
    const t = this.endpoint.transport;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined && !isStream(options.body)) headers['Content-Type'] = 'application/json';
    else if (options.contentType) headers['Content-Type'] = options.contentType;
    const requestOptions: http.RequestOptions = {
      method,
      path: prefix + path + queryString(options.query),
      headers,
      agent: this.agent,
      signal: options.signal,
      // `servername: ''` on a unix socket: otherwise http.Agent derives a TLS server name from the
      // default host with net.isIP, whose IPv6 regular expression costs ~5 ms to compile on first use.
      ...(t.kind === 'unix'
        ? { socketPath: t.socketPath, servername: '' }
        : { host: t.hostname, port: t.port }),
    };
    return (this.secure ? httpsLib() : http).request(requestOptions);
  }

  private failure(status: number, text: string, options: RequestOptions): RuntimeError {
    let message = text.trim();
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed?.message === 'string') message = parsed.message;
    } catch {
      // not JSON: keep the text
    }
    const err = engineError({ statusCode: status, message: message || `HTTP ${status}`, ...options });
    (err as RuntimeError & { statusCode?: number }).statusCode = status;
    return err;
  }

  private transportError(err: Error, options: RequestOptions): RuntimeError {
    if (isAbortError(err) || options.signal?.aborted) return abortedError(options.action, err);
    if (err instanceof RuntimeError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (
      ['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(code)
    ) {
      return unreachable(this.endpoint, err);
    }
    const prefix = options.action ? `${options.action}: ` : '';
    return new RuntimeError('RUNTIME_ERROR', `${prefix}${err.message}`, { cause: err });
  }
}

/** The error for an endpoint where nothing answers, with the endpoint named. */
export function unreachable(endpoint: DockerEndpoint, cause?: unknown): RuntimeError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const where =
    endpoint.source === 'DOCKER_HOST'
      ? 'check DOCKER_HOST'
      : endpoint.source === 'context'
        ? `check docker context "${endpoint.context}"`
        : 'set DOCKER_HOST if the engine listens elsewhere';
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `permission denied on ${endpoint.host}: add your user to the docker group or run as root`
      : `start dockerd (e.g. \`sudo systemctl start docker\`), or ${where}`;
  return new RuntimeError(
    'RUNTIME_UNREACHABLE',
    `no Docker engine at ${endpoint.host}: is dockerd running?`,
    {
      hint,
      cause,
    },
  );
}

function writeBody(req: http.ClientRequest, options: RequestOptions): void {
  const body = options.body;
  if (body === undefined) req.end();
  else if (isStream(body)) body.pipe(req);
  else req.end(JSON.stringify(body));
}

function isStream(value: unknown): value is Readable {
  return typeof (value as Readable | undefined)?.pipe === 'function';
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readAll(res: IncomingMessage, options: RequestOptions): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    if (isAbortError(err) || options.signal?.aborted) throw abortedError(options.action, err);
    throw err;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Booleans as 1/0 (what the engine parses), arrays as repeated keys, undefined dropped. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
