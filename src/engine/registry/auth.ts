/**
 * Registry authentication (distribution's token spec, docs/spec/auth/token.md, and what the docker
 * CLI does): a request goes out anonymously until the registry answers 401 with a challenge, then
 *
 * - `Basic realm=…`: the credentials as `Authorization: Basic`, on every later request;
 * - `Bearer realm=…,service=…,scope=…`: a token from the realm, `GET realm?service=…&scope=…` (one
 *   `scope=` per scope, the challenge's and the request's merged) with Basic credentials when there
 *   are some (anonymous tokens otherwise), or `POST` grant_type=refresh_token for an identity token;
 *   tokens are cached per scope set until they expire (`expires_in`, default 60 s).
 *
 * A second 401 for the same request is REGISTRY_AUTH, as is a token endpoint refusing the credentials.
 */
import { RuntimeError } from '../../api/errors.js';
import type { Credentials } from '../../runtime/credentials.js';
import { type Challenge, mergeScopes, parseWwwAuthenticate, scopeKey } from './challenge.js';
import { DEFAULT_RETRY, isRetryableStatus, RetryableError, type RetryPolicy, withRetry } from './retry.js';
import { drain, type HttpResponse, readBody, type Transport } from './transport.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface AuthenticatorOptions {
  credentials?: Credentials;
  transport: Transport;
  retry?: RetryPolicy;
  /** The registry host, for messages. */
  registry: string;
  /** `client_id` sent with OAuth refresh-token requests (default `berth`). */
  clientId?: string;
  now?: () => number;
}

export class Authenticator {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The scheme learnt from the registry's challenges. */
  get mode(): 'none' | 'basic' | 'bearer' {
    return this.scheme;
  }

  /** The Authorization header for a request needing `scopes`, fetching a token if needed. */
  async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    if (this.scheme === 'basic') return this.basicHeader();
    if (this.scheme === 'bearer') {
      const t = await this.token(scopes, signal);
      return `Bearer ${t.token}`;
    }
    return undefined;
  }

  /**
   * Handles a 401: learns the scheme from its challenges and drops a cached token that was refused.
   * Throws REGISTRY_AUTH when there is nothing new to try (Basic without credentials, no challenge).
   */
  async challenged(res: HttpResponse, scopes: readonly string[], alreadyRetried: boolean): Promise<string[]> {
    const challenges = parseWwwAuthenticate(res.headers['www-authenticate']);
    drain(res);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    const creds = this.options.credentials;
    if (alreadyRetried) throw this.refused(challenges);
    if (bearer) {
      this.scheme = 'bearer';
      this.bearer = { realm: bearer.params.realm!, service: bearer.params.service };
      const merged = mergeScopes(...scopes, bearer.params.scope);
      this.tokens.delete(scopeKey(scopes));
      this.tokens.delete(scopeKey(merged));
      return merged;
    }
    if (basic) {
      if (!creds?.username || creds.password === undefined) throw this.refused(challenges);
      this.scheme = 'basic';
      return [...scopes];
    }
    throw this.refused(challenges);
  }

  private refused(challenges: Challenge[]): RuntimeError {
    const creds = this.options.credentials;
    const error = challenges.find((c) => c.params.error)?.params;
    const detail = error?.error_description ?? error?.error;
    const has = creds?.username !== undefined || creds?.identityToken !== undefined;
    return new RuntimeError(
      'REGISTRY_AUTH',
      has
        ? `${this.options.registry}: the registry refused the credentials${detail ? ` (${detail})` : ''}`
        : `${this.options.registry}: authentication required${detail ? ` (${detail})` : ''}`,
      {
        hint: has
          ? `check the credentials for ${this.options.registry} (docker login ${this.options.registry})`
          : `log in first: docker login ${this.options.registry}`,
      },
    );
  }

  private basicHeader(): string | undefined {
    const c = this.options.credentials;
    if (!c?.username || c.password === undefined) return undefined;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  private async token(scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return cached;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(mergeScopes(...scopes), signal).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const t = await p;
    this.tokens.set(key, t);
    return t;
  }

  private async fetchToken(scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const bearer = this.bearer!;
    const creds = this.options.credentials;
    const url = new URL(bearer.realm);
    const refresh = creds?.identityToken;
    const res = await withRetry(
      async () => {
        let r: HttpResponse;
        if (refresh) {
          const form = new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: refresh,
            client_id: this.options.clientId ?? 'berth',
          });
          if (bearer.service) form.set('service', bearer.service);
          if (scopes.length > 0) form.set('scope', scopes.join(' '));
          const body = Buffer.from(form.toString());
          r = await this.options.transport({
            method: 'POST',
            url,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': String(body.length),
            },
            body,
            signal,
          });
        } else {
          const u = new URL(url);
          if (bearer.service) u.searchParams.set('service', bearer.service);
          for (const s of scopes) u.searchParams.append('scope', s);
          const headers: Record<string, string> = {};
          const basic = this.basicHeader();
          if (basic) headers.authorization = basic;
          r = await this.options.transport({ method: 'GET', url: u, headers, signal });
        }
        if (isRetryableStatus(r.status)) {
          drain(r);
          const e = new RuntimeError('REGISTRY_ERROR', `token endpoint ${url.origin} answered ${r.status}`);
          throw new RetryableError(e.message, e);
        }
        return r;
      },
      { policy: this.options.retry ?? DEFAULT_RETRY, signal },
    );
    if (res.status === 401 || res.status === 403) {
      drain(res);
      throw this.refused([]);
    }
    const body = await readBody(res, 1024 * 1024);
    if (res.status !== 200) {
      throw new RuntimeError(
        'REGISTRY_ERROR',
        `token endpoint ${url.origin} answered ${res.status}: ${body.toString('utf8').slice(0, 200)}`,
      );
    }
    let parsed: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new RuntimeError('REGISTRY_ERROR', `token endpoint ${url.origin} sent invalid JSON`, {
        cause: err,
      });
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new RuntimeError('REGISTRY_ERROR', `token endpoint ${url.origin} sent no token`);
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    // Renew a little early, so a token does not expire between check and use.
    return { token, expiresAt: this.now() + Math.max(lifetime - 5, 1) * 1000 };
  }
}
