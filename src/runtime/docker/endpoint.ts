/**
 * Where the Docker engine is, resolved the way the docker CLI resolves it (cli/command/cli.go
 * `resolveContextName` + docker/client `FromEnv`), so `berth` talks to the same engine as `docker`:
 *
 * 1. DOCKER_HOST wins over every context (the CLI then uses the `default` context with that host);
 *    TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem; default: the config dir).
 * 2. DOCKER_CONTEXT, else `currentContext` in <config dir>/config.json; the config dir is DOCKER_CONFIG
 *    or ~/.docker. A context named X lives in <config dir>/contexts/meta/<sha256(X)>/meta.json
 *    (Endpoints.docker.Host, SkipTLSVerify) with its TLS files in contexts/tls/<sha256(X)>/docker/.
 * 3. Otherwise unix:///var/run/docker.sock.
 *
 * Pure apart from reading those files: it never connects. Unusable endpoints (ssh://, npipe:// on
 * Linux, a missing context) are reported as RuntimeError RUNTIME_UNREACHABLE here, before any I/O.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../../api/errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** Paths of the TLS material that exists; `verify` false = do not check the server certificate. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  verify: boolean;
}

export interface DockerEndpoint {
  /** The endpoint as a URL, for messages: `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`. */
  host: string;
  /** Where it came from, for hints. */
  source: 'DOCKER_HOST' | 'context' | 'default';
  /** The context name when `source` is `context`. */
  context?: string;
  transport: { kind: 'unix'; socketPath: string } | { kind: 'tcp'; hostname: string; port: number };
  tls?: TlsFiles;
}

export interface ResolveEndpointOptions {
  env?: NodeJS.ProcessEnv;
  /** Home directory, for tests; default os.homedir(). */
  home?: string;
  platform?: NodeJS.Platform;
}

export function resolveDockerEndpoint(options: ResolveEndpointOptions = {}): DockerEndpoint {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const configDir = nonEmpty(env.DOCKER_CONFIG) ?? join(options.home ?? homedir(), '.docker');

  const dockerHost = nonEmpty(env.DOCKER_HOST);
  // The CLI ignores npipe:// outside Windows only in the sense that it cannot dial it; we fall
  // through to the context/default so a Windows-exported environment does not break Linux users.
  if (dockerHost && !(dockerHost.startsWith('npipe://') && platform !== 'win32')) {
    const tlsVerify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
    const certPath = nonEmpty(env.DOCKER_CERT_PATH);
    // docker/client FromEnv: a cert path alone turns TLS on without verification.
    const useTls = tlsVerify || certPath !== undefined || nonEmpty(env.DOCKER_TLS) !== undefined;
    const tls = useTls ? tlsFiles(certPath ?? configDir, tlsVerify) : undefined;
    return { ...parseHost(dockerHost, tls !== undefined), source: 'DOCKER_HOST', tls };
  }

  const contextName = nonEmpty(env.DOCKER_CONTEXT) ?? currentContext(configDir);
  if (contextName && contextName !== 'default') {
    // node:crypto loads here, not at the top: it costs ~6 ms of start-up that `berth ps` need not pay.
    const { createHash } = process.getBuiltinModule('node:crypto');
    const id = createHash('sha256').update(contextName).digest('hex');
    const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
    const meta = readJson(metaPath);
    if (meta === undefined) {
      throw new RuntimeError('RUNTIME_UNREACHABLE', `docker context "${contextName}" not found`, {
        hint: `no ${metaPath}; list contexts with \`docker context ls\`, or unset DOCKER_CONTEXT / currentContext in ${join(configDir, 'config.json')}`,
      });
    }
    const docker = meta?.Endpoints?.docker;
    const host = typeof docker?.Host === 'string' && docker.Host !== '' ? docker.Host : DEFAULT_DOCKER_HOST;
    const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
    const tls = existsSync(tlsDir) ? tlsFiles(tlsDir, docker?.SkipTLSVerify !== true) : undefined;
    return { ...parseHost(host, tls !== undefined), source: 'context', context: contextName, tls };
  }

  return { ...parseHost(DEFAULT_DOCKER_HOST, false), source: 'default' };
}

/** `unix:///p`, `tcp://h:p`, `http(s)://h:p`, or a bare `/path` → transport. */
export function parseHost(host: string, tls: boolean): Pick<DockerEndpoint, 'host' | 'transport'> {
  if (host.startsWith('/')) host = `unix://${host}`;
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  if (scheme === 'unix') {
    const socketPath = host.slice('unix://'.length);
    if (socketPath === '') throw unusable(host, 'the unix socket path is empty');
    return { host, transport: { kind: 'unix', socketPath } };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(`http://${host.slice(scheme.length + 3)}`);
    } catch {
      throw unusable(host, 'it is not a valid tcp address');
    }
    // The CLI's defaults: 2376 with TLS, 2375 without.
    const port = url.port !== '' ? Number(url.port) : tls || scheme === 'https' ? 2376 : 2375;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    return {
      host: `tcp://${url.hostname || '127.0.0.1'}:${port}`,
      transport: { kind: 'tcp', hostname, port },
    };
  }
  if (scheme === 'ssh') throw unusable(host, 'ssh:// endpoints are not supported by berth yet');
  if (scheme === 'npipe') throw unusable(host, 'named pipes exist only on Windows');
  throw unusable(host, 'the scheme must be unix:// or tcp://');
}

function unusable(host: string, why: string): RuntimeError {
  return new RuntimeError('RUNTIME_UNREACHABLE', `cannot use Docker endpoint ${host}: ${why}`, {
    hint: 'set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port, or select another docker context',
  });
}

function tlsFiles(dir: string, verify: boolean): TlsFiles {
  const file = (name: string) => {
    const p = join(dir, name);
    return existsSync(p) ? p : undefined;
  };
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify };
}

function currentContext(configDir: string): string | undefined {
  const config = readJson(join(configDir, 'config.json'));
  return typeof config?.currentContext === 'string' ? nonEmpty(config.currentContext) : undefined;
}

/** undefined when the file is missing; a corrupt file is an error worth seeing. */
function readJson(path: string): any {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuntimeError('RUNTIME_UNREACHABLE', `cannot parse ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
