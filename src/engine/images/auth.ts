/**
 * `berth login` / `logout`, as the docker CLI does them (docker/cli cli/command/registry): the
 * credentials are checked against the registry first (`GET /v2/`, answering its Basic or Bearer
 * challenge), then stored in `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) under
 * `auths[<server>]` as base64 `user:password`, or, when the file names a `credsStore` (or a
 * `credHelpers` entry for the server), through `docker-credential-<name> store` with an empty
 * `auths` entry left as the docker CLI leaves it. The rest of the file is kept as it was; it is
 * written atomically, mode 0600.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../api/errors.js';
import type { LoginOptions, LoginResult, LogoutOptions, LogoutResult } from '../../api/images.js';
import { DOCKER_HUB_KEY, dockerConfigDir, hostnameOf } from '../../runtime/credentials.js';
import { RegistryClient } from '../registry/client.js';
import { DEFAULT_DOMAIN, isValidDomain } from '../store/reference.js';

const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The `auths` key and registry domain for what the user typed (default Docker Hub). */
export function serverKey(server: string | undefined): { key: string; domain: string } {
  if (server === undefined || server === '') return { key: DOCKER_HUB_KEY, domain: DEFAULT_DOMAIN };
  const host = hostnameOf(server.trim());
  if (HUB_NAMES.has(host)) return { key: DOCKER_HUB_KEY, domain: DEFAULT_DOMAIN };
  if (!isValidDomain(host)) {
    throw new BerthError('USAGE', `invalid registry address ${server}`, {
      hint: 'give a host, host:port or URL, e.g. registry.example.com:5000',
    });
  }
  return { key: host, domain: host };
}

interface ConfigFile {
  auths?: Record<string, Record<string, unknown>>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

async function readConfig(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new BerthError('USAGE', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as ConfigFile;
  } catch (err) {
    throw new BerthError('USAGE', `${file} is not valid JSON: ${(err as Error).message}`, {
      hint: 'fix or remove the docker config file',
    });
  }
}

async function writeConfig(dir: string, file: string, config: ConfigFile): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

function helperFor(config: ConfigFile, key: string): string | undefined {
  return config.credHelpers?.[key] ?? config.credsStore;
}

function runHelper(
  name: string,
  action: 'store' | 'erase',
  input: string,
  env: Record<string, string | undefined>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    child.on('error', (err) =>
      reject(
        new BerthError('USAGE', `cannot run docker-credential-${name}: ${err.message}`, {
          hint: `install docker-credential-${name}, or remove "credsStore" from the docker config`,
        }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const text = Buffer.concat(out).toString('utf8').trim();
        reject(
          new BerthError(
            'RUNTIME_ERROR',
            `docker-credential-${name} ${action} failed: ${text || `exit ${code}`}`,
          ),
        );
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** `docker login [-u USER] [-p PASS] [SERVER]`: verify, then store. */
export async function login(options: LoginOptions): Promise<LoginResult> {
  const { key, domain } = serverKey(options.server);
  if (!options.username) throw new BerthError('USAGE', 'login needs a username');
  if (!options.password) throw new BerthError('USAGE', 'login needs a password');
  const env = options.env ?? process.env;
  const client = new RegistryClient(domain, {
    credentials: { username: options.username, password: options.password, serverAddress: key },
    insecureRegistries: options.insecureRegistries,
    retry: { retries: 1, baseDelayMs: 200, maxDelayMs: 1000 },
  });
  try {
    await client.ping(options.signal);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'REGISTRY_AUTH') {
      throw new BerthError(
        'REGISTRY_AUTH',
        `login to ${key} failed: the registry refused the username or password`,
        {
          hint: 'check the username and password (nothing was stored)',
          cause: err,
        },
      );
    }
    throw err;
  }
  const dir = dockerConfigDir({ env, home: options.home });
  const file = join(dir, 'config.json');
  const config = await readConfig(file);
  const helper = helperFor(config, key);
  config.auths = { ...(config.auths ?? {}) };
  for (const k of Object.keys(config.auths)) if (k !== key && hostnameOf(k) === key) delete config.auths[k];
  if (helper) {
    await runHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL: key, Username: options.username, Secret: options.password }),
      env,
    );
    config.auths[key] = {};
  } else {
    config.auths[key] = { auth: Buffer.from(`${options.username}:${options.password}`).toString('base64') };
  }
  await writeConfig(dir, file, config);
  return { serverAddress: key, storedIn: helper ? `docker-credential-${helper}` : file };
}

/** `docker logout [SERVER]`. */
export async function logout(options: LogoutOptions = {}): Promise<LogoutResult> {
  const { key } = serverKey(options.server);
  const env = options.env ?? process.env;
  const dir = dockerConfigDir({ env, home: options.home });
  const file = join(dir, 'config.json');
  const config = await readConfig(file);
  const keys = Object.keys(config.auths ?? {}).filter(
    (k) => k === key || (key !== DOCKER_HUB_KEY && hostnameOf(k) === key),
  );
  const helper = helperFor(config, key);
  let removed = keys.length > 0;
  if (helper) {
    try {
      await runHelper(helper, 'erase', key, env);
      removed = true;
    } catch {
      // nothing stored there (docker logout tolerates it too)
    }
  }
  if (keys.length > 0) {
    for (const k of keys) delete config.auths![k];
    await writeConfig(dir, file, config);
  }
  return { serverAddress: key, removed };
}
