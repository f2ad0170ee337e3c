/**
 * A Docker-style token server for the integration tests (the Bearer flow Docker Hub uses;
 * distribution docs/spec/auth/token.md and jwt.md): `GET /token?service=…&scope=…` with optional
 * Basic credentials answers `{ token, access_token, expires_in, issued_at }`, the token a JWT signed
 * RS256 with a fresh RSA key whose self-signed certificate (made with openssl) is the registry's
 * `rootcertbundle`; the JWT carries that certificate in `x5c`, which is how distribution finds the key.
 *
 * Access: a known user with the right password gets every action asked for; wrong credentials get
 * 401; anonymous callers get `pull` only (when `anonymousPull`) and nothing else. Listens on a free
 * 127.0.0.1 port; `stop()` closes it and removes the key directory.
 */
import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TokenServer {
  /** `http://127.0.0.1:<port>/token` */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file with the signing certificate: the registry's `rootcertbundle`. */
  rootCertBundle: string;
  /** Every token request seen: the scopes asked for, the user (undefined = anonymous), the outcome. */
  requests: Array<{ scopes: string[]; user?: string; status: number; granted: string[] }>;
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  users: Record<string, string>;
  anonymousPull?: boolean;
  service?: string;
  issuer?: string;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-token-server-'));
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-x509',
        '-key',
        keyFile,
        '-subj',
        '/CN=berth-test-token-issuer',
        '-days',
        '2',
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const certDer = new X509Certificate(readFileSync(certFile)).raw;
    const service = options.service ?? 'berth-test-registry';
    const issuer = options.issuer ?? 'berth-test-issuer';
    const expiresIn = options.expiresIn ?? 300;
    const requests: TokenServer['requests'] = [];

    const sign = (claims: object): string => {
      const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }));
      const body = b64url(JSON.stringify(claims));
      const signer = createSign('RSA-SHA256');
      signer.update(`${head}.${body}`);
      return `${head}.${body}.${b64url(signer.sign(privateKey))}`;
    };

    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/token') {
        res.writeHead(404).end();
        return;
      }
      const scopes = url.searchParams
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter((s) => s !== '');
      let user: string | undefined;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Basic ')) {
        const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const name = decoded.slice(0, colon);
        if (
          colon < 0 ||
          options.users[name] === undefined ||
          options.users[name] !== decoded.slice(colon + 1)
        ) {
          requests.push({ scopes, user: name, status: 401, granted: [] });
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ details: 'incorrect username or password' }));
          return;
        }
        user = name;
      }
      const access: Array<{ type: string; name: string; actions: string[] }> = [];
      const granted: string[] = [];
      for (const scope of scopes) {
        const first = scope.indexOf(':');
        const last = scope.lastIndexOf(':');
        if (first < 0 || last === first) continue;
        const type = scope.slice(0, first);
        const name = scope.slice(first + 1, last);
        const wanted = scope.slice(last + 1).split(',');
        const actions =
          user !== undefined ? wanted : options.anonymousPull ? wanted.filter((a) => a === 'pull') : [];
        access.push({ type, name, actions });
        if (actions.length > 0) granted.push(`${type}:${name}:${actions.join(',')}`);
      }
      const now = Math.floor(Date.now() / 1000);
      const token = sign({
        iss: issuer,
        sub: user ?? '',
        aud: service,
        exp: now + expiresIn,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(12).toString('hex'),
        access,
      });
      requests.push({ scopes, user, status: 200, granted });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          token,
          access_token: token,
          expires_in: expiresIn,
          issued_at: new Date(now * 1000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const port = (server.address() as AddressInfo).port;
    return {
      realm: `http://127.0.0.1:${port}/token`,
      service,
      issuer,
      rootCertBundle: certFile,
      requests,
      async stop() {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
