/**
 * Registry credentials the way the docker CLI finds them (docker/cli cli/config/configfile +
 * credentials/), engine-neutral: the docker adapter (runtime/docker/auth.ts) and the built-in engine's
 * registry client (engine/registry) both use it, so `berth pull/push` works wherever `docker login` ran:
 *
 * - the config file is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; a missing or
 *   unreadable file means anonymous access, never an error;
 * - the registry of a reference is its first path component when that looks like a host (has a `.` or
 *   a `:`, or is `localhost`), else Docker Hub, whose key is `https://index.docker.io/v1/`;
 * - `credHelpers[<registry>]` names a helper for that registry, else `credsStore` names one for all;
 *   a helper is the program `docker-credential-<name>` on PATH, run as `get` with the server address
 *   on stdin, answering `{"ServerURL","Username","Secret"}` (Username `<token>` = an identity token).
 *   A helper that fails or knows nothing falls back to the file;
 * - `auths[<key>]` where the key is the registry itself or normalizes to it (`https://host/v2/` →
 *   `host`): `auth` is base64 `user:password`, or `username`/`password`; `identitytoken` is an OAuth
 *   refresh token the engine exchanges.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from './runtime.js';

export type { Credentials };

/** Docker Hub's key in `auths` and for credential helpers. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface AuthLookupOptions {
  env?: Record<string, string | undefined>;
  /** Home directory holding `.docker`; default os.homedir(). */
  home?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(options: AuthLookupOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = env.DOCKER_CONFIG;
  return dir !== undefined && dir !== '' ? dir : join(options.home ?? homedir(), '.docker');
}

export async function readDockerConfig(options: AuthLookupOptions = {}): Promise<DockerConfigFile> {
  try {
    const parsed = JSON.parse(await readFile(join(dockerConfigDir(options), 'config.json'), 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as DockerConfigFile) : {};
  } catch {
    return {};
  }
}

/**
 * The registry key of an image reference: `127.0.0.1:5000/a/b:1` → `127.0.0.1:5000`, `nginx` and
 * `docker.io/library/nginx` → `https://index.docker.io/v1/`.
 */
export function registryKey(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return DOCKER_HUB_KEY;
  const first = ref.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!isHost || HUB_HOSTS.has(first)) return DOCKER_HUB_KEY;
  return first;
}

/** An `auths` key or a server address as a bare host: `https://host:5000/v2/` → `host:5000`. */
export function hostnameOf(key: string): string {
  let h = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = h.indexOf('/');
  if (slash >= 0) h = h.slice(0, slash);
  return h;
}

/** The credentials for `registry` (a {@link registryKey}); undefined = anonymous. */
export async function credentialsFor(
  registry: string,
  options: AuthLookupOptions = {},
  config?: DockerConfigFile,
): Promise<Credentials | undefined> {
  const file = config ?? (await readDockerConfig(options));
  const host = registry === DOCKER_HUB_KEY ? registry : hostnameOf(registry);
  const helper =
    file.credHelpers?.[host] ??
    (registry === DOCKER_HUB_KEY ? undefined : file.credHelpers?.[registry]) ??
    file.credsStore;
  if (helper) {
    const fromHelper = await runHelper(helper, registry, options.env ?? process.env);
    if (fromHelper) return fromHelper;
  }
  return fromAuths(file.auths, registry);
}

/** Credentials for the registry of an image reference. */
export function credentialsForImage(
  ref: string,
  options: AuthLookupOptions = {},
  config?: DockerConfigFile,
): Promise<Credentials | undefined> {
  return credentialsFor(registryKey(ref), options, config);
}

function fromAuths(auths: Record<string, AuthEntry> | undefined, registry: string): Credentials | undefined {
  if (!auths) return undefined;
  let entry: AuthEntry | undefined = auths[registry];
  let key = registry;
  if (!entry) {
    const host = registry === DOCKER_HUB_KEY ? 'index.docker.io' : hostnameOf(registry);
    for (const [k, v] of Object.entries(auths)) {
      const h = hostnameOf(k);
      if (h === host || (registry === DOCKER_HUB_KEY && HUB_HOSTS.has(h))) {
        entry = v;
        key = k;
        break;
      }
    }
  }
  if (!entry) return undefined;
  const out: Credentials = { serverAddress: key };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      out.username = decoded.slice(0, colon);
      out.password = decoded.slice(colon + 1);
    }
  }
  if (entry.username) out.username = entry.username;
  if (entry.password) out.password = entry.password;
  if (entry.identitytoken) out.identityToken = entry.identitytoken;
  if (out.username === undefined && out.identityToken === undefined) return undefined;
  return out;
}

/** `docker-credential-<name> get`; undefined when it fails or has nothing for the server. */
function runHelper(
  name: string,
  server: string,
  env: Record<string, string | undefined>,
): Promise<Credentials | undefined> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(`docker-credential-${name}`, ['get'], {
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
    } catch {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0) {
        resolve(undefined);
        return;
      }
      try {
        const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          ServerURL?: string;
          Username?: string;
          Secret?: string;
        };
        if (!r.Secret) {
          resolve(undefined);
          return;
        }
        resolve(
          r.Username === '<token>'
            ? { identityToken: r.Secret, serverAddress: server }
            : { username: r.Username, password: r.Secret, serverAddress: server },
        );
      } catch {
        resolve(undefined);
      }
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(server);
  });
}
