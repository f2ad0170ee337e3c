/**
 * Semantic validation — compose-go `validation/*.go`, run on the merged model after default values and
 * before relative paths are resolved. These are the rules the JSON schema cannot express:
 * - an `external: true` volume takes no attribute but `name` (and `x-*`);
 * - `configs.*`: exactly one of `file|environment|content`; `secrets.*`: exactly one of
 *   `file|environment` — unless the resource is external or has a custom `driver`;
 * - `services.*.ports[].host_ip` must be an IP literal;
 * - `services.*.develop.watch[].path` must not be blank;
 * - device requests (`deploy.resources.reservations.devices[]`, `gpus[]`) take `count` or
 *   `device_ids`, not both.
 */
import { isIP } from 'node:net';
import { ComposeError, formatYamlPath, type YamlPath } from '../api/errors.js';
import type { Dict } from './yaml.js';

/** Throws a `COMPOSE_INVALID` ComposeError at the first rule `dict` breaks. Does not modify `dict`. */
export function validateSemantics(dict: Dict): void {
  forEachEntry(dict.volumes, (name, vol) => checkVolume(vol, ['volumes', name]));
  forEachEntry(dict.configs, (name, cfg) =>
    checkFileObject(cfg, ['configs', name], ['file', 'environment', 'content']),
  );
  forEachEntry(dict.secrets, (name, secret) =>
    checkFileObject(secret, ['secrets', name], ['file', 'environment']),
  );
  forEachEntry(dict.services, (name, service) => {
    if (isDict(service)) checkService(service, ['services', name]);
  });
}

function checkService(service: Dict, at: YamlPath): void {
  forEachItem(service.ports, (port, i) => checkIPAddress(port, [...at, 'ports', i]));
  const watch = isDict(service.develop) ? service.develop.watch : undefined;
  forEachItem(watch, (w, i) => {
    if (isDict(w) && 'path' in w && (w.path === '' || w.path == null)) {
      fail(
        [...at, 'develop', 'watch', i, 'path'],
        "value can't be blank",
        'set `path:` to the host path to watch',
      );
    }
  });
  const reservations = dig(service, ['deploy', 'resources', 'reservations']);
  forEachItem(reservations?.devices, (dev, i) =>
    checkDeviceRequest(dev, [...at, 'deploy', 'resources', 'reservations', 'devices', i]),
  );
  forEachItem(service.gpus, (dev, i) => checkDeviceRequest(dev, [...at, 'gpus', i]));
}

function checkVolume(value: unknown, at: YamlPath): void {
  if (value == null) return;
  if (!isDict(value)) fail(at, `expected volume, got ${String(value)}`);
  checkExternal(value, at);
}

/** An external resource is only looked up by name: any other attribute would be silently ignored. */
function checkExternal(resource: Dict, at: YamlPath): void {
  if (resource.external !== true) return;
  for (const key of Object.keys(resource)) {
    if (key === 'name' || key === 'external' || key.startsWith('x-')) continue;
    fail(
      at,
      `conflicting parameters "external" and "${key}" specified`,
      `remove \`${key}\`: an external resource is created outside of Compose`,
    );
  }
}

function checkFileObject(value: unknown, at: YamlPath, keys: string[]): void {
  const resource: Dict = isDict(value) ? value : {};
  const present = keys.filter((k) => k in resource);
  const alternatives = keys.join('|');
  if (present.length > 1) {
    fail(at, `${alternatives} attributes are mutually exclusive`, `keep only one of ${present.join(', ')}`);
  }
  // A custom driver may bring the content its own way; an external resource already exists.
  if (present.length === 0 && !('driver' in resource) && !('external' in resource)) {
    fail(at, `one of ${alternatives} must be set`);
  }
}

function checkIPAddress(port: unknown, at: YamlPath): void {
  if (!isDict(port) || !('host_ip' in port)) return;
  const ip = port.host_ip;
  if (typeof ip !== 'string' || !isIPLiteral(ip)) {
    fail(at, `invalid ip address: ${String(ip)}`, 'host_ip takes an IPv4 or IPv6 address');
  }
}

/** Go `net.ParseIP`: dotted IPv4 or IPv6, no zone, no CIDR. */
function isIPLiteral(ip: string): boolean {
  return !ip.includes('%') && isIP(ip) !== 0;
}

function checkDeviceRequest(value: unknown, at: YamlPath): void {
  if (isDict(value) && 'count' in value && 'device_ids' in value) {
    fail(at, '"count" and "device_ids" attributes are exclusive', 'use `count` or `device_ids`, not both');
  }
}

/** Throws with compose-go's `<path>: <message>` wording, located at that path. */
function fail(at: YamlPath, message: string, hint?: string): never {
  throw new ComposeError('COMPOSE_INVALID', `${formatYamlPath(at)}: ${message}`, {
    location: { path: at, service: at[0] === 'services' ? String(at[1]) : undefined },
    hint,
  });
}

function forEachEntry(map: unknown, fn: (name: string, value: unknown) => void): void {
  if (!isDict(map)) return;
  for (const [k, v] of Object.entries(map)) fn(k, v);
}

function forEachItem(list: unknown, fn: (item: unknown, index: number) => void): void {
  if (Array.isArray(list)) list.forEach(fn);
}

function dig(d: Dict, keys: string[]): Dict | undefined {
  let cur: unknown = d;
  for (const k of keys) {
    if (!isDict(cur)) return undefined;
    cur = cur[k];
  }
  return isDict(cur) ? cur : undefined;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
