/**
 * Registry credentials for the docker adapter. The lookup (config.json `auths`, `credHelpers`,
 * `credsStore`, docker-credential-* helpers) is engine-neutral and lives in ../credentials.ts, shared
 * with the built-in engine; it is re-exported here. What stays is docker-specific: the engine receives
 * the result as the X-Registry-Auth header of pull/push and, for builds, as X-Registry-Config
 * (registry → credentials) for the base images named in FROM lines.
 */

import { type AuthLookupOptions, credentialsFor, readDockerConfig, registryKey } from '../credentials.js';
import type { Credentials } from '../runtime.js';

export {
  type AuthLookupOptions,
  credentialsFor,
  credentialsForImage,
  DOCKER_HUB_KEY,
  type DockerConfigFile,
  dockerConfigDir,
  hostnameOf,
  readDockerConfig,
  registryKey,
} from '../credentials.js';

/**
 * The base images of a Dockerfile: the image of each `FROM` that is not an earlier stage, nor
 * `scratch`, nor built from a build argument (`FROM $BASE`, not resolvable here).
 */
export function dockerfileBaseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  // Line continuations join lines; comments and parser directives start with `#`.
  const text = dockerfile.replace(/\\\r?\n/g, ' ');
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^from\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[1]!.split(/\s+/).filter((w) => !w.startsWith('--'));
    const image = words[0];
    if (words.length >= 3 && words[1]!.toLowerCase() === 'as') stages.add(words[2]!.toLowerCase());
    if (!image || image.includes('$') || image === 'scratch' || stages.has(image.toLowerCase())) continue;
    images.push(image);
  }
  return images;
}

/** registry → credentials for the base images of a Dockerfile (what X-Registry-Config carries). */
export async function credentialsForBuild(
  dockerfile: string,
  options: AuthLookupOptions = {},
): Promise<Record<string, Credentials>> {
  const registries = [...new Set(dockerfileBaseImages(dockerfile).map(registryKey))];
  if (registries.length === 0) return {};
  const config = await readDockerConfig(options);
  const out: Record<string, Credentials> = {};
  await Promise.all(
    registries.map(async (r) => {
      const c = await credentialsFor(r, options, config);
      if (c) out[r] = c;
    }),
  );
  return out;
}

/** The engine's AuthConfig JSON shape. */
export function authConfigBody(c: Credentials): Record<string, string> {
  const body: Record<string, string> = {};
  if (c.username !== undefined) body.username = c.username;
  if (c.password !== undefined) body.password = c.password;
  if (c.identityToken !== undefined) body.identitytoken = c.identityToken;
  if (c.serverAddress !== undefined) body.serveraddress = c.serverAddress;
  return body;
}
