/**
 * One HTTP exchange over node:http / node:https, with the response body left as a stream: registry
 * blobs are large, and a blob download must see a cut connection as such (to resume with Range).
 * Plain http is allowed only for loopback hosts and registries the caller lists as insecure.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { RuntimeError } from '../../api/errors.js';
import { abortError } from './retry.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a factory of a fresh stream (called once per attempt). */
  body?: Uint8Array | (() => Readable | Promise<Readable>);
  signal?: AbortSignal;
  /** Socket inactivity timeout (default 60 s). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** 127.0.0.0/8, ::1, localhost (any port). */
export function isLoopbackHost(hostPort: string): boolean {
  let host = hostPort;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.split(':').length === 2) host = host.slice(0, host.indexOf(':'));
  host = host.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** `http` for loopback registries and those in `insecure` (host or host:port), else `https`. */
export function schemeFor(host: string, insecure: readonly string[] = []): 'http' | 'https' {
  if (isLoopbackHost(host)) return 'http';
  const bare = host.replace(/:\d+$/, '');
  return insecure.some((h) => h === host || h === bare) ? 'http' : 'https';
}

export const nodeTransport: Transport = async (req) => {
  if (req.signal?.aborted) throw abortError(req.signal);
  const body = typeof req.body === 'function' ? await req.body() : req.body;
  const lib = req.url.protocol === 'https:' ? https : req.url.protocol === 'http:' ? http : undefined;
  if (lib === undefined) {
    throw new RuntimeError('REGISTRY_ERROR', `unsupported URL scheme in ${req.url.href}`);
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = lib.request(
      req.url,
      { method: req.method, headers: req.headers, signal: req.signal, timeout: req.timeoutMs ?? 60_000 },
      (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
      },
    );
    r.on('timeout', () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    r.on('error', (err) => {
      if (body !== undefined && !(body instanceof Uint8Array)) body.destroy();
      if (req.signal?.aborted) reject(abortError(req.signal));
      else reject(err);
    });
    if (body === undefined) r.end();
    else if (body instanceof Uint8Array) r.end(body);
    else {
      body.on('error', (err) => r.destroy(err));
      body.pipe(r);
    }
  });
};

/** Reads a whole (small) body; more than `max` bytes is an error. */
export async function readBody(res: HttpResponse, max = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      res.body.destroy();
      throw new RuntimeError('REGISTRY_ERROR', `response from ${res.url.href} is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Discards a body so the socket can be reused. */
export function drain(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => {});
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
