/**
 * A real Distribution registry for the integration tests: Debian's `docker-registry` package
 * (`/usr/bin/docker-registry serve config.yml`) on a free 127.0.0.1 port, with htpasswd Basic auth
 * (bcrypt entries from apache2-utils' `htpasswd -Bbn`) and its storage in a temporary directory.
 * dockerd treats 127.0.0.0/8 registries as insecure, so it talks plain http to it.
 *
 * `stop()` kills the process this helper started (by PID) and removes the directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
const HTPASSWD = '/usr/bin/htpasswd';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  port: number;
  /** The registry's filesystem storage (`<storageDir>/docker/registry/v2/…`). */
  storageDir: string;
  username: string;
  password: string;
  /** Writes a docker config.json with `auths` for this registry into a new temp dir; returns the dir. */
  dockerConfig(options?: { password?: string }): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** GET /v2/ → the status code (401 once the registry serves with auth). */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

export async function startRegistry(
  options: {
    username?: string;
    password?: string;
    /** Token auth (a token server such as test/support/token-server.ts) instead of htpasswd. */
    tokenAuth?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  } = {},
): Promise<TestRegistry> {
  for (const bin of [REGISTRY_BINARY, HTPASSWD]) {
    if (!existsSync(bin)) {
      throw new Error(`${bin} is missing: apt-get install -y docker-registry apache2-utils`);
    }
  }
  const username = options.username ?? 'berth';
  const password = options.password ?? `pw-${Math.random().toString(36).slice(2, 12)}`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const configDirs: string[] = [];
  let child: ChildProcess | undefined;
  const cleanup = () => {
    for (const d of configDirs) rmSync(d, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const htpasswd = execFileSync(HTPASSWD, ['-Bbn', username, password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), htpasswd);
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  secret: ${Math.random().toString(36).slice(2)}`,
        'auth:',
        ...(options.tokenAuth
          ? [
              '  token:',
              `    realm: ${options.tokenAuth.realm}`,
              `    service: ${options.tokenAuth.service}`,
              `    issuer: ${options.tokenAuth.issuer}`,
              `    rootcertbundle: ${options.tokenAuth.rootCertBundle}`,
            ]
          : ['  htpasswd:', '    realm: berth-test', `    path: ${join(dir, 'htpasswd')}`]),
        '',
      ].join('\n'),
    );
    const stderr: Buffer[] = [];
    child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if ((await probe(port)) === 401) break;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `docker-registry did not start: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = child;
    const host = `127.0.0.1:${port}`;
    return {
      host,
      port,
      storageDir: join(dir, 'data'),
      username,
      password,
      dockerConfig(o = {}) {
        const configDir = mkdtempSync(join(tmpdir(), 'berth-docker-config-'));
        configDirs.push(configDir);
        const auth = Buffer.from(`${username}:${o.password ?? password}`).toString('base64');
        writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
        return configDir;
      },
      async stop() {
        if (started.exitCode === null && started.signalCode === null && started.pid !== undefined) {
          const gone = new Promise((r) => started.once('exit', r));
          process.kill(started.pid, 'SIGTERM');
          await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
          if (started.exitCode === null && started.signalCode === null) process.kill(started.pid, 'SIGKILL');
        }
        cleanup();
      },
    };
  } catch (err) {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    cleanup();
    throw err;
  }
}
