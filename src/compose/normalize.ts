/**
 * Normalization — compose-go `loader/normalize.go` (`Normalize`), run on the merged, canonical model
 * once the project name is known (`dict.name`). It makes implicit Compose defaults explicit:
 * - every service without `networks` / `network_mode` (and not a `provider` service) joins `default`;
 *   the top-level `networks.default` is declared only when some service uses it;
 * - `pull_policy: if_not_present` is spelled `missing`;
 * - `build.context` defaults to `.`, `build.dockerfile` to `Dockerfile` (unless `dockerfile_inline`);
 * - `build.args` / `environment` entries without a value take it from the project environment
 *   (unresolved args are dropped; unresolved environment entries stay, valueless);
 * - implicit `depends_on`: `links` and `network_mode|ipc|pid|uts|cgroup: service:x` restart with their
 *   dependency, `volumes_from` does not; an explicit `depends_on` entry always wins;
 * - volume targets are cleaned (Go `path.Clean`);
 * - `pre_start` hooks without an image run the service's image (compose-spec #647);
 * - networks/volumes/configs/secrets get `name: <project>_<key>`, or `<key>` when external.
 */
import { cleanPath } from './paths.js';
import type { Dict } from './yaml.js';

const SERVICE_PREFIX = 'service:';
const CONTAINER_PREFIX = 'container:';
const NAMESPACE_KEYS = ['network_mode', 'ipc', 'pid', 'uts', 'cgroup'] as const;
const NAMED_RESOURCES = ['networks', 'volumes', 'configs', 'secrets'] as const;

type Lookup = (key: string) => string | undefined;

/**
 * Normalizes `dict` with `env` as the project environment. Mutates `dict` in place (like compose-go)
 * and returns it.
 */
export function normalize(dict: Dict, env: Record<string, string>): Dict {
  const lookup: Lookup = (k) => (Object.hasOwn(env, k) ? env[k] : undefined);
  normalizeNetworks(dict);
  const services = asDict(dict.services);
  if (services) {
    for (const service of Object.values(services)) {
      if (isDict(service)) normalizeService(service, lookup);
    }
  }
  setNameFromKey(dict);
  return dict;
}

function normalizeService(service: Dict, lookup: Lookup): void {
  if (service.pull_policy === 'if_not_present') service.pull_policy = 'missing';

  const build = service.build;
  if (isDict(build)) {
    if (build.context == null) build.context = '.';
    if (build.dockerfile == null && build.dockerfile_inline == null) build.dockerfile = 'Dockerfile';
    if ('args' in build) build.args = resolveValues(build.args, lookup, false);
  }
  if ('environment' in service) service.environment = resolveValues(service.environment, lookup, true);

  const dependsOn: Dict = isDict(service.depends_on) ? service.depends_on : {};
  const implicit = (name: string, restart: boolean): void => {
    if (!Object.hasOwn(dependsOn, name)) {
      dependsOn[name] = { condition: 'service_started', restart, required: true };
    }
  };
  if (Array.isArray(service.links)) {
    for (const link of service.links) {
      if (typeof link !== 'string') continue;
      const parts = link.split(':');
      implicit(parts.length === 2 ? parts[0]! : link, true);
    }
  }
  for (const key of NAMESPACE_KEYS) {
    const ref = service[key];
    if (typeof ref === 'string' && ref.startsWith(SERVICE_PREFIX))
      implicit(ref.slice(SERVICE_PREFIX.length), true);
  }
  if (Array.isArray(service.volumes)) {
    for (const vol of service.volumes) {
      if (isDict(vol) && typeof vol.target === 'string') vol.target = cleanPath(vol.target);
    }
  }
  if (Array.isArray(service.volumes_from)) {
    for (const from of service.volumes_from) {
      if (typeof from !== 'string' || from.startsWith(CONTAINER_PREFIX)) continue;
      implicit(from.split(':')[0]!, false);
    }
  }
  if (Object.keys(dependsOn).length > 0) service.depends_on = dependsOn;

  inheritPreStartImage(service);
}

/** A `pre_start` hook is an init container: without its own image it runs the service's. */
function inheritPreStartImage(service: Dict): void {
  const image = service.image;
  if (!Array.isArray(service.pre_start) || typeof image !== 'string' || image === '') return;
  for (const hook of service.pre_start) {
    if (isDict(hook) && !('image' in hook)) hook.image = image;
  }
}

function normalizeNetworks(dict: Dict): void {
  const networks: Dict = isDict(dict.networks) ? dict.networks : {};
  // The implicit `default` network exists only if a service actually joins it.
  let usesDefault = false;
  const services = asDict(dict.services);
  if (services) {
    for (const service of Object.values(services)) {
      if (!isDict(service) || 'provider' in service || 'network_mode' in service) continue;
      const nets = service.networks;
      if (Array.isArray(nets) ? nets.length === 0 : !isDict(nets) || Object.keys(nets).length === 0) {
        service.networks = { default: null };
        usesDefault = true;
      } else if (Array.isArray(nets) ? nets.includes('default') : Object.hasOwn(nets, 'default')) {
        usesDefault = true;
      }
    }
  }
  if (usesDefault && !Object.hasOwn(networks, 'default')) networks.default = null;
  if (Object.keys(networks).length > 0) dict.networks = networks;
}

/**
 * compose-go `resolve`: valueless entries (`KEY` in a list, `KEY: null` in a map) take their value
 * from the project environment; when it has none they stay (`keepEmpty`) or are dropped.
 */
function resolveValues(value: unknown, lookup: Lookup, keepEmpty: boolean): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const entry of value) {
      if (typeof entry !== 'string') continue; // compose-go drops non-string list items here
      if (entry.includes('=')) {
        out.push(entry);
        continue;
      }
      const found = lookup(entry);
      if (found !== undefined) out.push(`${entry}=${found}`);
      else if (keepEmpty) out.push(entry);
    }
    return out;
  }
  if (isDict(value)) {
    const out: Dict = {};
    for (const [key, v] of Object.entries(value)) {
      if (v != null) {
        out[key] = v;
        continue;
      }
      const found = lookup(key);
      if (found !== undefined) out[key] = found;
      else if (keepEmpty) out[key] = null;
    }
    return out;
  }
  return value;
}

/** Resources are named by their key: `<project>_<key>`, or just `<key>` when external. */
function setNameFromKey(dict: Dict): void {
  for (const kind of NAMED_RESOURCES) {
    const resources = asDict(dict[kind]);
    if (!resources) continue;
    for (const [key, value] of Object.entries(resources)) {
      const resource: Dict = isDict(value) ? value : {};
      if (resource.name == null) {
        resource.name = isTrue(resource.external) ? key : `${dict.name ?? ''}_${key}`;
      }
      resources[key] = resource;
    }
  }
}

/** Go `strconv.ParseBool(fmt.Sprint(x))`. */
function isTrue(x: unknown): boolean {
  return (
    x === true || (typeof x === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(x)) || x === 1
  );
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asDict(v: unknown): Dict | undefined {
  return isDict(v) ? v : undefined;
}
